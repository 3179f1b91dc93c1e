"""A job kind is its create operation: names, fields, resources and integrations derived from it."""

from __future__ import annotations

import botocore.session
import pytest

import constructs_sm as sm
from constructs_sm.api._request import owned_name
from constructs_sm.asl._job_request import TRAINING_JOB, TUNING_JOB, JobKind, choose_integration

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")
KINDS = [TRAINING_JOB, TUNING_JOB]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.operation)
def test_every_name_a_kind_uses_is_in_botocores_model(kind: JobKind) -> None:
    describe = SAGEMAKER.operation_model(f"Describe{kind.action_noun}")
    assert kind.name_field == owned_name(kind.operation)
    assert kind.name_field in SAGEMAKER.operation_model(kind.operation).input_shape.members
    assert kind.status_field in describe.output_shape.members
    assert f"Stop{kind.action_noun}" in SAGEMAKER.operation_names


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.operation)
def test_the_integration_members_are_the_resources_the_kind_renders(kind: JobKind) -> None:
    optimized, sdk = list(kind.integrations)
    assert kind.resource("aws", sync=True) == f"arn:aws:states:::{optimized.value}"
    assert kind.resource("aws", sdk=True) == f"arn:aws:states:::{sdk.value}"
    assert kind.describe_resource("aws-cn") == f"arn:aws-cn:states:::aws-sdk:sagemaker:describe{kind.action_noun}"


def test_the_public_integration_enums_are_the_kinds() -> None:
    assert TRAINING_JOB.integrations is sm.TrainingIntegration
    assert TUNING_JOB.integrations is sm.TuningIntegration


@pytest.mark.parametrize(
    ("given", "unsupported", "fallback", "expected"),
    [
        (None, [], True, "OPTIMIZED"),
        (None, ["AlgorithmSpecification.ContainerEntrypoint"], True, "AWS_SDK"),
        ("AWS_SDK", [], True, "AWS_SDK"),
        (sm.TrainingIntegration.OPTIMIZED.value, [], False, "OPTIMIZED"),
    ],
)
def test_one_chooser_for_tasks_and_workflows(given: str | None, unsupported: list[str], fallback: bool, expected: str) -> None:
    chosen = choose_integration(TRAINING_JOB, getattr(sm.TrainingIntegration, str(given), given), unsupported, fallback=fallback)
    assert chosen is sm.TrainingIntegration[expected]


@pytest.mark.parametrize(("fallback", "advice"), [(True, "leave integration unset"), (False, "use a workflow")])
def test_a_forced_optimized_integration_that_lacks_a_field_is_refused(fallback: bool, advice: str) -> None:
    field = "AlgorithmSpecification.ContainerEntrypoint"
    with pytest.raises(sm.ValidationError, match=f"{field}: is not taken by the optimized integration .*{advice}"):
        choose_integration(TRAINING_JOB, sm.TrainingIntegration.OPTIMIZED, [field], fallback=fallback)


def test_an_unknown_integration_is_refused() -> None:
    with pytest.raises(sm.ValidationError, match="integration: must be TrainingIntegration.OPTIMIZED or .AWS_SDK"):
        choose_integration(TRAINING_JOB, "sagemaker:createTrainingJob", [])
