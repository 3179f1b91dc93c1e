"""The synthesized state machines, executed offline (constructs_sm.testing): each path users depend on."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.testing import OfflineAws
from tests.builders import definition, workflow
from tests.conftest import new_stack

BEST = {
    "training_job_name": "xgboosttuning-0a1b2c3d4e5f-003-9f8e7d6c",
    "hyper_parameters": {"eta": "0.12", "max_depth": "6"},
    "model_artifacts": "s3://example-ml-data/models/best/output/model.tar.gz",
    "final_metric_data_list": [{"MetricName": "validation:auc", "Value": 0.91}],
}
# Check input (a Choice that also names the job), Create tuning job, Has best training job, Describe
# best training job (its ResultSelector is the report): the .sync wait itself costs no transition.
SUCCESS_TRANSITIONS = 4


@pytest.fixture
def aws(offline_aws: OfflineAws) -> OfflineAws:
    return offline_aws


def deploy(aws: OfflineAws, template: dict[str, Any], *, zero_waits: bool = True) -> str:
    return aws.deploy(template, zero_waits=zero_waits).workflow().arn


def test_success_reports_the_best_training_job(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(**BEST)
    result = aws.run(deploy(aws, minimal), {}, name="success")
    assert result.status == "SUCCEEDED", result.cause
    output = result.output
    assert re.fullmatch(r"xgboosttuning-[0-9a-f]{12}", output["HyperParameterTuningJobName"])
    assert output["S3ModelArtifacts"] == BEST["model_artifacts"]
    assert output["BestTrainingJob"]["TrainingJobName"] == BEST["training_job_name"]
    assert output["BestTrainingJob"]["TunedHyperParameters"] == BEST["hyper_parameters"]
    assert BEST["hyper_parameters"].items() <= output["TrainingJob"]["HyperParameters"].items()
    assert output["TrainingJob"]["FinalMetricDataList"][0]["MetricName"] == "validation:auc"
    assert output["TrainingJob"]["FinalMetricDataList"][0]["Value"] == 0.91
    assert result.state_transitions == SUCCESS_TRANSITIONS


def test_job_is_created_with_the_parameters_the_definition_promises(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(**BEST)
    result = aws.run(deploy(aws, minimal), {}, name="parameters")
    created = aws.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=result.output["HyperParameterTuningJobName"]
    )
    config = created["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Bayesian"
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Maximize", "MetricName": "validation:auc"}
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 3}
    training = created["TrainingJobDefinition"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/.+", training["RoleArn"])
    assert training["OutputDataConfig"]["S3OutputPath"] == "s3://example-ml-data/models/"
    assert training["OutputDataConfig"]["KmsKeyId"].startswith("arn:aws:kms:us-east-1:")
    assert [c["ChannelName"] for c in training["InputDataConfig"]] == ["train", "validation"]
    assert training["StaticHyperParameters"]["objective"] == "binary:logistic"


def test_failed_job_fails_the_execution_with_the_failure_reason(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.fail("ClientError: validation channel is empty")
    result = aws.run(deploy(aws, minimal), {}, name="failed")
    assert result.status == "FAILED"
    assert result.error == "JobFailed"
    assert result.cause_json["FailureReason"] == "ClientError: validation channel is empty"
    assert result.cause_json["HyperParameterTuningJobStatus"] == "Failed"
    assert result.entered_states[-1] == "Job failed"


def test_stopped_job_fails_the_execution(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.stop()
    result = aws.run(deploy(aws, minimal), {}, name="stopped")
    assert result.status == "FAILED"
    assert result.error == "JobFailed"
    assert result.cause_json["HyperParameterTuningJobStatus"] == "Stopped"


def test_throttled_create_is_retried_with_backoff(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(**BEST)
    aws.jobs.throttle_next_creates(2, kind="tuning")
    result = aws.run(deploy(aws, minimal), {}, name="throttled")
    assert result.status == "SUCCEEDED", result.cause
    assert len(aws.jobs.created) == 1, "the refused creates took no name"
    assert result.entered_states.count("Create tuning job") == 3
    assert result.entered_states.count("Wait to retry") == 2
    # Each retry: Transient error, Wait to retry, Retry, Find job (no such job), Create tuning job.
    assert result.entered_states.count("Find job") == 2
    assert result.state_transitions == SUCCESS_TRANSITIONS + 2 * 5


def test_throttling_that_does_not_end_fails_after_five_retries(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.throttle_next_creates(10, kind="tuning")
    result = aws.run(deploy(aws, minimal), {}, name="throttled-forever")
    assert result.status == "FAILED"
    assert result.error == "JobFailed"
    assert "ThrottlingException" in result.cause
    assert result.entered_states.count("Create tuning job") == 6
    assert aws.jobs.created == []


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ValidationException", "Value 'ml.m5.huge' at 'resourceConfig.instanceType' failed to satisfy constraint"),
        ("AccessDeniedException", "User is not authorized to perform: sagemaker:CreateHyperParameterTuningJob"),
    ],
)
def test_a_validation_or_access_error_fails_at_once(
    aws: OfflineAws, minimal: dict[str, Any], code: str, message: str
) -> None:
    # Real waits (zero_waits=False): a retry would wait at least 10 s.
    aws.jobs.throttle_next_creates(1, kind="tuning", error_code=code, message=message)
    arn = deploy(aws, minimal, zero_waits=False)
    started = time.monotonic()
    result = aws.run(arn, {}, name=f"refused-{code}", timeout=30)
    assert time.monotonic() - started < 5
    assert result.status == "FAILED"
    assert result.error == "JobFailed"
    assert code in result.cause and message in result.cause
    assert result.entered_states == ["Check input", "Create tuning job", "Transient error", "Job failed"]


def test_no_best_training_job_fails_clearly(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(None)
    result = aws.run(deploy(aws, minimal), {}, name="no-best")
    assert result.status == "FAILED"
    assert result.error == "NoBestTrainingJob"


def test_each_execution_gets_a_new_valid_name(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(**BEST)
    arn = deploy(aws, minimal)
    names = [aws.run(arn, {}, name=f"run-{i}").output["HyperParameterTuningJobName"] for i in range(2)]
    assert names[0] != names[1]
    for name in names:
        assert len(name) <= 32 and re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*", name)


def test_an_explicit_name_is_used_as_given(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(**BEST)
    result = aws.run(deploy(aws, minimal), {"HyperParameterTuningJobName": "xgboosttuning-nightly"}, name="given")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["HyperParameterTuningJobName"] == "xgboosttuning-nightly"
    assert aws.jobs.created == ["xgboosttuning-nightly"]


def test_a_name_outside_the_prefix_is_refused(aws: OfflineAws, minimal: dict[str, Any]) -> None:
    result = aws.run(deploy(aws, minimal), {"HyperParameterTuningJobName": "someone-elses-job"}, name="refused")
    assert result.status == "FAILED"
    assert result.error == "InvalidJobName"
    assert aws.jobs.created == []


@pytest.fixture(scope="module")
def input_location_template() -> dict[str, Any]:
    stack = new_stack()
    location = sm.S3Location.from_json_path("$.TrainingDataUri", bucket="example-bucket", key_prefix="train/")
    channel = sm.Channel(channel_name="train", data_source=sm.S3DataSource(location=location))
    workflow(stack, training_job_definition=definition(input_data_config=[channel]))
    return Template.from_stack(stack).to_json()


def test_input_data_location_reaches_the_job(aws: OfflineAws, input_location_template: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(**BEST)
    uri = "s3://example-bucket/train/2026-11-23/"
    result = aws.run(deploy(aws, input_location_template), {"TrainingDataUri": uri}, name="input-data")
    assert result.status == "SUCCEEDED", result.cause
    created = aws.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=result.output["HyperParameterTuningJobName"]
    )
    source = created["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert source["S3Uri"] == uri


@pytest.fixture(scope="module")
def polling_template() -> dict[str, Any]:
    stack = new_stack()
    assert workflow(stack, autotune=True).integration is sm.TuningIntegration.AWS_SDK
    return Template.from_stack(stack).to_json()


def test_polling_path_waits_until_the_job_completes(aws: OfflineAws, polling_template: dict[str, Any]) -> None:
    aws.jobs.hold(kind="tuning")
    aws.jobs.set_best_training_job(**{**BEST, "training_job_name": "tuning-best-001"})

    arn = deploy(aws, polling_template)
    execution = aws.start(arn, {}, name="polling")
    (name,) = aws.jobs.wait_for_created(1)
    aws.jobs.complete(name)
    result = execution.wait()
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["S3ModelArtifacts"] == BEST["model_artifacts"]
    assert result.entered_states.count("Describe job") >= 1
    created = aws.sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert created["Autotune"] == {"Mode": "Enabled"}


def test_polling_path_fails_with_the_failure_reason(aws: OfflineAws, polling_template: dict[str, Any]) -> None:
    aws.jobs.fail("AlgorithmError: out of memory")
    result = aws.run(deploy(aws, polling_template), {}, name="polling-failed")
    assert result.status == "FAILED"
    assert result.error == "TuningJobFailed"
    assert json.loads(result.cause)["FailureReason"] == "AlgorithmError: out of memory"


def test_polling_path_reports_a_stopped_job(aws: OfflineAws, polling_template: dict[str, Any]) -> None:
    aws.jobs.stop()
    result = aws.run(deploy(aws, polling_template), {}, name="polling-stopped")
    assert result.status == "FAILED"
    assert result.error == "TuningJobStopped"


# Training workflow (app.py's SpotTraining stack): Check input, Create training job (its
# ResultSelector is the report).
TRAINING_SUCCESS_TRANSITIONS = 2


@pytest.fixture(scope="module")
def spot_training(example_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_templates["SpotTraining"]


def test_training_success_reports_artifacts(aws: OfflineAws, spot_training: dict[str, Any]) -> None:
    result = aws.run(deploy(aws, spot_training), {}, name="training-success")
    assert result.status == "SUCCEEDED", result.cause
    name = result.output["TrainingJobName"]
    assert re.fullmatch(r"spot-xgb-[0-9a-f]{12}", name)
    assert result.output["TrainingJobStatus"] == "Completed"
    assert result.output["S3ModelArtifacts"].endswith("model.tar.gz")
    assert result.output["TrainingJob"]["TrainingJobName"] == name
    assert result.state_transitions == TRAINING_SUCCESS_TRANSITIONS
    created = aws.sagemaker.describe_training_job(TrainingJobName=name)
    assert created["EnableManagedSpotTraining"] is True
    assert created["StoppingCondition"]["MaxWaitTimeInSeconds"] >= created["StoppingCondition"]["MaxRuntimeInSeconds"]


def test_training_failure_carries_the_failure_reason(aws: OfflineAws, spot_training: dict[str, Any]) -> None:
    aws.jobs.fail("CapacityError: Unable to provision requested ML compute capacity", kind="training")
    result = aws.run(deploy(aws, spot_training), {}, name="training-failed")
    assert result.status == "FAILED"
    assert result.error == "JobFailed"
    assert result.cause_json["FailureReason"].startswith("CapacityError")
    assert result.cause_json["TrainingJobStatus"] == "Failed"


def test_training_stopped_job_fails_the_execution(aws: OfflineAws, spot_training: dict[str, Any]) -> None:
    aws.jobs.stop(kind="training")
    result = aws.run(deploy(aws, spot_training), {"TrainingJobName": "spot-xgb-rerun"}, name="training-stopped")
    assert result.status == "FAILED"
    assert result.cause_json["TrainingJobStatus"] == "Stopped"
    assert aws.jobs.created == ["spot-xgb-rerun"]
