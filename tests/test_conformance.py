"""Requests the SageMaker Python SDK writes (tests/conformance/cases) synthesize and round-trip.

Each case is the create call's keyword arguments, captured offline from the SDK
(tests/conformance/generate.py). The create state's Parameters must equal the SDK's request
field by field, except the paths the constructs own (the job name, every RoleArn, the KMS key ids).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.api._request import OWNED_PATHS
from constructs_sm.core._paths import find
from tests.conftest import new_stack
from tests.template_helpers import resources

CASES = sorted((Path(__file__).parent / "conformance" / "cases").glob("*.json"))


def without_owned(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """The request without the owned paths, in either form (``Name`` or ``Name.$``)."""
    out = copy.deepcopy(request)
    for pattern in OWNED_PATHS[operation]:
        parent, _, name = pattern.rpartition(".")
        for _path, holder in [("", out)] if not parent else find(out, parent):
            if isinstance(holder, dict):
                holder.pop(name, None)
                holder.pop(f"{name}.$", None)
    return out


@pytest.fixture(scope="module", params=CASES, ids=[case.stem for case in CASES])
def case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any], sm.TuningWorkflow | sm.TrainingWorkflow]:
    loaded = json.loads(request.param.read_text())
    stack = new_stack()
    if loaded["operation"] == "CreateTrainingJob":
        workflow: Any = sm.training_workflow_from_request(stack, "Sdk", loaded["request"])
        state = "Create training job"
    else:
        workflow = sm.tuning_workflow_from_request(stack, "Sdk", loaded["request"])
        state = "Create tuning job"
    template = Template.from_stack(stack).to_json()
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    definition = json.loads(machine["Properties"]["DefinitionString"])
    return loaded, definition["States"][state], workflow


def test_there_are_enough_cases_of_both_operations() -> None:
    operations = [json.loads(path.read_text())["operation"] for path in CASES]
    assert len(CASES) >= 12
    assert set(operations) == {"CreateTrainingJob", "CreateHyperParameterTuningJob"}


def test_the_create_state_sends_the_sdks_request(case: tuple[dict[str, Any], dict[str, Any], Any]) -> None:
    loaded, state, _ = case
    operation = loaded["operation"]
    assert without_owned(operation, state["Parameters"]) == without_owned(operation, loaded["request"])


def test_owned_paths_are_the_constructs(case: tuple[dict[str, Any], dict[str, Any], Any]) -> None:
    loaded, state, _ = case
    parameters = state["Parameters"]
    name = OWNED_PATHS[loaded["operation"]][0]
    assert parameters[f"{name}.$"] == "$jobName"
    roles = [v for p in OWNED_PATHS[loaded["operation"]] if p.endswith("RoleArn") for _, v in find(parameters, p)]
    assert roles and set(roles) == {"${ExecutionRoleArn}"}


def test_the_integration_follows_the_table(case: tuple[dict[str, Any], dict[str, Any], Any]) -> None:
    _, state, workflow = case
    optimized = not workflow.resources.request.unsupported_by_optimized_integration()
    assert state["Resource"].endswith(".sync") is optimized
    assert ("aws-sdk" in state["Resource"]) is not optimized
