"""Permissions executed, not listed: every AWS call an execution makes, and every call the AWS
documentation says its training jobs and models make, checked against the deployed policies
(``ExecutionResult.unpermitted_calls``, constructs_sm.testing._permissions: the calls come from the
execution's history and the documented tables, not from the library's policy code).

moto's evaluator matches actions and resource wildcards; it does not evaluate conditions
(``iam:PassedToService``, ``s3:prefix``, ...), which the template assertions in
test_tuning_workflow.py / test_hardening.py check instead.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from aws_cdk.assertions import Template

from constructs_sm.testing import OfflineAws, UnpermittedCall
from tests.template_helpers import generated_name

# Who makes a call, as the emulator names it, and as these tests group them.
_ROLES = {"state machine": "state machine role", "training job": "execution role", "model": "execution role"}


def missing_permissions(template: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Run one successful execution of the template's workflow and check every call."""
    # SageMaker names a tuning job's training jobs after it: <tuning job>-<3 digits>-<8 hex>.
    field, prefix = re.search(  # the input's name, or '<prefix>-' and a hash (Check input's Assign)
        r"\$exists\(\$states\.input\.(\w+)\) \? .* : '([a-z0-9-]+)-' &", generated_name(template)
    ).groups()
    with OfflineAws() as aws:
        aws.jobs.set_best_training_job(training_job_name=f"{prefix}-checked-003-9f8e7d6c")
        result = aws.deploy(template).workflow().run({field: f"{prefix}-checked"}, name="permissions")
        assert result.status == "SUCCEEDED", result.cause
        return _grouped(result.unpermitted_calls())


def _grouped(calls: list[UnpermittedCall]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {"state machine role": [], "execution role": []}
    for call in calls:
        grouped[_ROLES[call.caller]].append((call.action, call.resource))
    return grouped


@pytest.mark.parametrize("stack", ["MinimalTuning", "HardenedTuning", "SpotTraining", "MultiAlgorithmTuning"])
def test_every_call_of_an_execution_is_permitted(example_templates: dict[str, Any], stack: str) -> None:
    assert missing_permissions(example_templates[stack]) == {"state machine role": [], "execution role": []}


@pytest.fixture(scope="module")
def registering() -> dict[str, Any]:
    """A tuning workflow that registers its best training job (ModelRegistration, a group created)."""
    from constructs_sm.workflows.model_registration import ModelRegistration
    from tests.builders import workflow
    from tests.conftest import new_stack

    stack = new_stack()
    workflow(stack, model_registration=ModelRegistration())
    return Template.from_stack(stack).to_json()


def test_every_call_of_a_registering_execution_is_permitted(registering: dict[str, Any]) -> None:
    assert missing_permissions(registering) == {"state machine role": [], "execution role": []}


def test_a_registration_permission_removed_on_purpose_is_caught(registering: dict[str, Any]) -> None:
    """Without CreateModelPackage, and without the execution role's read of the output path
    (where the model's artifacts are), both are missed: the model's calls are checked too."""
    broken = copy.deepcopy(registering)
    for resource in broken["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            document = resource["Properties"]["PolicyDocument"]
            document["Statement"] = [s for s in document["Statement"] if s["Action"] != "sagemaker:CreateModelPackage"]
            for statement in document["Statement"]:
                if statement["Action"] == "s3:GetObject":
                    statement["Resource"] = [r for r in statement["Resource"] if not r.endswith("/output/*")]
    missing = missing_permissions(broken)
    assert [action for action, _ in missing["state machine role"]] == ["sagemaker:CreateModelPackage"] * 2
    ((action, resource),) = missing["execution role"]
    assert action == "s3:GetObject" and resource.endswith("/output/model.tar.gz")


def test_a_permission_removed_on_purpose_is_caught(minimal: dict[str, Any]) -> None:
    broken = copy.deepcopy(minimal)
    for resource in broken["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                statement["Action"] = [a for a in actions if a not in ("sagemaker:AddTags", "s3:PutObject")] or [
                    "none:None"
                ]
    missing = missing_permissions(broken)
    assert [action for action, _ in missing["state machine role"]] == ["sagemaker:AddTags"]
    assert [action for action, _ in missing["execution role"]] == ["s3:PutObject"]
