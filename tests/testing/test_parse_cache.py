"""The emulator parses a state machine definition once (constructs_sm.testing._map): every
CreateStateMachine and every execution, each child of a Distributed Map too, parses its definition,
and ANTLR's parse is most of what a deployment and a short run cost. Each test enters an emulator of
its own (a module-scoped one would keep the patches installed for the negative control)."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from constructs_sm.testing import OfflineAws


def _pass_machine(name: str) -> str:
    return json.dumps({"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}})


def test_a_definition_is_parsed_once_and_every_parse_gets_a_program_of_its_own() -> None:
    """ANTLR's parse is most of what a deployment and a short run cost: the emulator keeps each
    definition's syntax tree, and builds the program (which holds an execution's state) every time."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    with OfflineAws():
        first_program, first_tree = AmazonStateLanguageParser.parse(_pass_machine("Kept"))
        second_program, second_tree = AmazonStateLanguageParser.parse(_pass_machine("Kept"))
        other_program, other_tree = AmazonStateLanguageParser.parse(_pass_machine("Other"))
    assert second_tree is first_tree and second_program is not first_program
    assert other_tree is not first_tree
    # Negative control: moto alone parses every time.
    with mock_aws():
        assert AmazonStateLanguageParser.parse(_pass_machine("Kept"))[1] is not AmazonStateLanguageParser.parse(_pass_machine("Kept"))[1]


def test_a_broken_definition_is_refused_every_time_and_the_kept_trees_are_bounded() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

    from constructs_sm.testing import _map

    broken = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "Ende": true}}}'
    with OfflineAws():
        for _ in range(2):
            with pytest.raises(ASLParserException):
                AmazonStateLanguageParser.parse(broken)
        for index in range(_map._KEPT_TREES + 5):
            AmazonStateLanguageParser.parse(_pass_machine(f"S{index}"))
        assert len(_map._TREES) <= _map._KEPT_TREES
        assert _pass_machine(f"S{_map._KEPT_TREES + 4}") in _map._TREES
