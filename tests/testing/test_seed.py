"""OfflineAws(seed=...): moto's id generator is seeded when a block starts (moto's MotoRandom "can be
seeded to make identifiers deterministic"), so the ids moto chooses are the same in every block,
and a template deployed again brings the same definitions, which the emulator parses once."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn

from constructs_sm.testing import OfflineAws
from constructs_sm.testing._env import DEFAULT_ROLE_ARN


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Seeded", env=cdk.Environment(account="123456789012", region="us-east-1"))
    key = kms.Key(stack, "Key", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.DESTROY)
    # A definition that holds an id moto chooses (the key's ARN, substituted at deployment).
    sfn.CfnStateMachine(
        stack,
        "Machine",
        role_arn=DEFAULT_ROLE_ARN,
        definition_string='{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "${KeyArn}", "End": true}}}',
        definition_substitutions={"KeyArn": key.key_arn},
    )
    return cdk.assertions.Template.from_stack(stack).to_json()


def _key_id(template: dict[str, Any], **options: Any) -> str:
    with OfflineAws(**options) as aws:
        aws.deploy(template, stack_name="Seeded")
        return aws.client("kms").list_keys()["Keys"][0]["KeyId"]


def test_a_block_chooses_the_same_ids_every_time(template: dict[str, Any]) -> None:
    assert _key_id(template) == _key_id(template)
    assert _key_id(template, seed=7) == _key_id(template, seed=7) != _key_id(template)


def test_without_a_seed_ids_differ_from_block_to_block(template: dict[str, Any]) -> None:
    """Negative control: moto's generator left as it is."""
    assert _key_id(template, seed=None) != _key_id(template, seed=None)


@pytest.mark.parametrize("seed", ["0", 1.5, True])
def test_a_seed_that_is_not_an_int_is_refused(seed: Any) -> None:
    with pytest.raises(TypeError, match=r"OfflineAws\(seed=\.\.\.\) must be an int or None"):
        OfflineAws(seed=seed)


def test_a_template_deployed_again_is_parsed_once(template: dict[str, Any]) -> None:
    from constructs_sm.testing import _map

    seeded = _key_id(template)
    kept = dict(_map._TREES)
    assert _key_id(template) == seeded
    assert _map._TREES == kept  # the same definition: nothing parsed anew
    # Negative control: without the seed the key's ARN, and so the definition, is another.
    assert _key_id(template, seed=None) != seeded


def test_moto_is_left_as_it_was_found(template: dict[str, Any]) -> None:
    from constructs_sm.testing._moto import mock_random

    before = mock_random.getstate()
    _key_id(template)
    assert mock_random.getstate() == before
