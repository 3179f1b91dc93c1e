"""Whole templates of the example app: snapshots, cfn-lint, and task Parameters against the API model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.api_shapes import problems
from tests.cfn_lint import lint, lint_file
from tests.template_helpers import definition, reviewable

TUNING_STACKS = ["MinimalTuning", "HardenedTuning", "MultiAlgorithmTuning"]
TRAINING_STACKS = ["SpotTraining"]
STACKS = TUNING_STACKS + TRAINING_STACKS
# Stacks with more than one workflow state machine (a workflow and its fan-out: tests/workflows/test_fan_out.py).
ALL_STACKS = STACKS + ["SegmentTuning"]


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_template_matches_snapshot(example_templates: dict[str, Any], stack: str, snapshot: Any) -> None:
    assert reviewable(example_templates[stack]) == snapshot(extension_class=JSONSnapshotExtension)


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_cfn_lint_finds_nothing(example_templates: dict[str, Any], stack: str, tmp_path: Path) -> None:
    assert lint(example_templates[stack], tmp_path / f"{stack}.template.json") == []


@pytest.mark.parametrize("stack", TUNING_STACKS)
def test_tuning_task_parameters_validate_against_botocore_model(example_templates: dict[str, Any], stack: str) -> None:
    create = definition(example_templates[stack])["States"]["Create tuning job"]
    assert problems("CreateHyperParameterTuningJob", create["Parameters"]) == []


@pytest.mark.parametrize("stack", TRAINING_STACKS)
def test_training_task_parameters_validate_against_botocore_model(
    example_templates: dict[str, Any], stack: str
) -> None:
    create = definition(example_templates[stack])["States"]["Create training job"]
    assert problems("CreateTrainingJob", create["Parameters"]) == []


@pytest.mark.parametrize("stack", TUNING_STACKS)
def test_describe_task_parameters_validate_against_botocore_model(
    example_templates: dict[str, Any], stack: str
) -> None:
    describe = definition(example_templates[stack])["States"]["Describe best training job"]
    assert problems("DescribeTrainingJob", describe["Parameters"]) == []


def test_cfn_lint_command_exits_0_on_every_template(example_templates: dict[str, Any], tmp_path: Path) -> None:
    """The command a platform team's pipeline runs, no rule ignored: no warning (W3005 included), exit status 0."""
    paths = []
    for stack in ALL_STACKS:
        paths.append(tmp_path / f"{stack}.template.json")
        paths[-1].write_text(json.dumps(example_templates[stack]))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run(
        [str(cfn_lint), "--regions", "us-east-1", "--", *map(str, paths)], capture_output=True, text=True, timeout=300
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_cfn_lint_state_machine_rule_sees_a_broken_definition(
    example_templates: dict[str, Any], tmp_path: Path
) -> None:
    """Guards the plain-string definition: cfn-lint must actually check it (E3601)."""
    template = json.loads(json.dumps(example_templates["MinimalTuning"]))
    machine = next(r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine")
    broken = json.loads(machine["Properties"]["DefinitionString"])
    broken["States"]["Name not allowed"]["Unknown"] = True
    machine["Properties"]["DefinitionString"] = json.dumps(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(template))
    matches = lint_file(path)
    assert any(m.rule.id == "E3601" for m in matches)


@pytest.mark.parametrize("stack", STACKS)
def test_every_transition_reaches_a_state(example_templates: dict[str, Any], stack: str) -> None:
    machine = definition(example_templates[stack])
    states = machine["States"]
    targets = set()
    for state in states.values():
        targets.update(t for t in (state.get("Next"), state.get("Default")) if t)
        targets.update(rule["Next"] for rule in state.get("Choices", []))
        targets.update(handler["Next"] for handler in state.get("Catch", []))
    assert targets <= set(states)
    assert set(states) - targets == {machine["StartAt"]}, "every state but the first is reachable"
