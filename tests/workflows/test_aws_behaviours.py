"""What AWS does that the workflows rely on, executed in the offline emulator whose rules model it
(constructs_sm/testing/MODELLED.md): SageMaker's quota error by name on both integrations, a create that
SageMaker carried out although the call failed (issue "Runs on AWS as documented", items 2 and 3)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.asl._workflow_states import MAX_QUOTA_RETRIES
from constructs_sm.testing import OfflineAws
from tests.builders import definition, workflow
from tests.conftest import new_stack

BEST = {
    "training_job_name": "tuning-0a1b2c3d4e5f-003-9f8e7d6c",
    "hyper_parameters": {"eta": "0.12"},
    "model_artifacts": "s3://example-bucket/output/best/model.tar.gz",
    "final_metric_data_list": [{"MetricName": "validation:auc", "Value": 0.91}],
}


@pytest.fixture
def aws(offline_aws: OfflineAws) -> OfflineAws:
    return offline_aws


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    """One tuning workflow per integration, and a training workflow per integration."""
    built = {}
    for name, integration in (("tuning-sync", None), ("tuning-sdk", sm.TuningIntegration.AWS_SDK)):
        stack = new_stack()
        workflow(stack, integration=integration)
        built[name] = Template.from_stack(stack).to_json()
    for name, training_integration in (("training-sync", None), ("training-sdk", sm.TrainingIntegration.AWS_SDK)):
        stack = new_stack()
        sm.TrainingWorkflow(stack, "Training", training_job_definition=definition(), integration=training_integration)
        built[name] = Template.from_stack(stack).to_json()
    return built


def _run(aws: OfflineAws, template: dict[str, Any], name: str) -> Any:
    arn = aws.deploy(template).workflow().arn
    aws.jobs.set_best_training_job(**BEST)
    return aws.run(arn, {}, name=name)


@pytest.mark.parametrize("which", ["tuning-sync", "tuning-sdk", "training-sync", "training-sdk"])
def test_the_quota_error_is_retried_by_its_name(aws: OfflineAws, templates: dict[str, Any], which: str) -> None:
    """SageMaker.ResourceLimitExceededException: by that name on both integrations; its cause holds no
    error code on the aws-sdk one, so a cause pattern never saw it (the defect)."""
    operation = "CreateTrainingJob" if which.startswith("training") else "CreateHyperParameterTuningJob"
    aws.jobs.fail_next(operation, 2, error="ResourceLimitExceeded")
    result = _run(aws, templates[which], f"quota-{which}")
    assert result.status == "SUCCEEDED", result.cause
    assert result.entered_states.count("Wait for capacity") == 2
    assert len(aws.jobs.created) == 1


def test_a_quota_that_never_frees_fails_with_sagemakers_reason(aws: OfflineAws, templates: dict[str, Any]) -> None:
    aws.jobs.fail_next("CreateHyperParameterTuningJob", MAX_QUOTA_RETRIES + 5, error="ResourceLimitExceeded")
    result = _run(aws, templates["tuning-sdk"], "quota-forever")
    assert result.status == "FAILED" and result.error == "JobFailed"
    assert result.entered_states.count("Wait for capacity") == MAX_QUOTA_RETRIES
    assert aws.jobs.created == []


@pytest.mark.parametrize("which", ["tuning-sync", "tuning-sdk", "training-sync", "training-sdk"])
@pytest.mark.parametrize("error", ["InternalFailure", "ThrottlingException"])
def test_a_create_that_sagemaker_carried_out_is_not_sent_again(
    aws: OfflineAws, templates: dict[str, Any], which: str, error: str
) -> None:
    """The create succeeds at SageMaker, the caller gets a transient error: the retry finds the job
    and waits for it, instead of failing on ResourceInUse and leaving the job unmanaged."""
    operation = "CreateTrainingJob" if which.startswith("training") else "CreateHyperParameterTuningJob"
    aws.jobs.accept_then_fail(operation, error=error)
    result = _run(aws, templates[which], f"accepted-{which}-{error}")
    assert result.status == "SUCCEEDED", result.cause
    assert len(aws.jobs.created) == 1
    assert [outcome for _kind, _name, outcome in aws.jobs.create_calls] == [f"created, then {error}"]
    assert "Find job" in result.entered_states and "Job status" in result.entered_states
    name_field = "TrainingJobName" if which.startswith("training") else "HyperParameterTuningJobName"
    assert result.output[name_field] == aws.jobs.created[0]


def test_a_create_that_sagemaker_refused_is_sent_again_after_looking(aws: OfflineAws, templates: dict[str, Any]) -> None:
    aws.jobs.fail_next("CreateHyperParameterTuningJob", error="InternalFailure")
    result = _run(aws, templates["tuning-sync"], "refused-then-created")
    assert result.status == "SUCCEEDED", result.cause
    entered = result.entered_states
    assert entered.index("Find job") < len(entered) - 1 - entered[::-1].index("Create tuning job")
    assert len(aws.jobs.created) == 1


def test_the_emulator_refuses_a_second_job_of_the_same_name(aws: OfflineAws) -> None:
    """Negative control: what a naive retry met (SageMaker: ResourceInUse for a taken name)."""
    request = {
        "TrainingJobName": "dup-1",
        "AlgorithmSpecification": {"TrainingImage": "1.dkr.ecr.us-east-1.amazonaws.com/x:1", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "OutputDataConfig": {"S3OutputPath": "s3://b/o/"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    aws.sagemaker.create_training_job(**request)
    with pytest.raises(aws.sagemaker.exceptions.ResourceInUse):
        aws.sagemaker.create_training_job(**request)
