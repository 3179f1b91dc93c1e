"""Requests as JSON: shapes, preview translation rules, round-trip fidelity, errors with JSON paths."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.api import _preview
from tests.conftest import new_stack
from tests.template_helpers import definition, generated_name, resources
from tests.template_helpers import policies as iam_policies

REQUESTS = Path(__file__).parents[2] / "examples" / "requests"


def load(name: str) -> dict[str, Any]:
    return json.loads((REQUESTS / name).read_text())


def synthesized_request(request: dict[str, Any], **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    stack = new_stack()
    sm.tuning_workflow_from_request(stack, "Imported", request, **options)
    template = Template.from_stack(stack).to_json()
    return template, definition(template)["States"]["Create tuning job"]["Parameters"]


def synthesized_training(request: dict[str, Any], **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    stack = new_stack()
    sm.training_workflow_from_request(stack, "Imported", request, **options)
    template = Template.from_stack(stack).to_json()
    return template, definition(template)["States"]["Create training job"]


def _without_owned_job(job: dict[str, Any]) -> None:
    job.pop("RoleArn", None)
    job["OutputDataConfig"].pop("KmsKeyId", None)
    for config in ("ResourceConfig", "HyperParameterTuningResourceConfig"):
        job.get(config, {}).pop("VolumeKmsKeyId", None)


def without_owned(request: dict[str, Any]) -> dict[str, Any]:
    """What the constructs own is set by them: the name, the role and the key IDs."""
    request = copy.deepcopy(request)
    for name in ("HyperParameterTuningJobName", "TrainingJobName"):
        request.pop(name, None)
        request.pop(f"{name}.$", None)
    if "TrainingJobDefinitions" in request:
        for job in request["TrainingJobDefinitions"]:
            _without_owned_job(job)
    elif "TrainingJobDefinition" in request:
        _without_owned_job(request["TrainingJobDefinition"])
    else:
        _without_owned_job(request)
    return request


# Shapes


def test_shapes_are_detected() -> None:
    assert (
        sm.detect_request_shape(load("create-hyper-parameter-tuning-job.json"))
        is sm.RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB
    )
    assert sm.detect_request_shape(load("create-tuning-job-preview.json")) is sm.RequestShape.CREATE_TUNING_JOB
    assert sm.detect_request_shape(load("create-training-job.json")) is sm.RequestShape.CREATE_TRAINING_JOB
    assert (
        sm.detect_request_shape(load("create-hyper-parameter-tuning-job-multi.json"))
        is sm.RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB
    )


@pytest.fixture(scope="module")
def current() -> tuple[dict[str, Any], dict[str, Any]]:
    return synthesized_request(load("create-hyper-parameter-tuning-job.json"))


def test_current_request_round_trips_field_by_field(current: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, parameters = current
    request = without_owned(load("create-hyper-parameter-tuning-job.json"))
    sent = without_owned(parameters)
    for field in ("HyperParameterTuningJobConfig", "WarmStartConfig", "Tags"):
        assert sent[field] == request[field], field
    for field, value in request["TrainingJobDefinition"].items():
        assert sent["TrainingJobDefinition"][field] == value, field
    assert set(sent) == set(request)


def test_owned_fields_are_the_constructs(current: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, parameters = current
    training = parameters["TrainingJobDefinition"]
    assert training["RoleArn"] == "${ExecutionRoleArn}"
    assert training["OutputDataConfig"]["KmsKeyId"] == "${KeyArn}"
    assert parameters["HyperParameterTuningJobName.$"] == "$jobName"
    generated = generated_name(template)
    assert "'churn-xgb-'" in generated, "the request's name is the prefix of unique names"


def test_iam_is_scoped_to_the_requests_locations(current: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, _ = current
    policies = json.dumps(iam_policies(template))
    assert "example-ml-data/data/train/*" in policies
    assert "example-ml-data/models/*" in policies
    assert "hyper-parameter-tuning-job/churn-xgb-*" in policies


@pytest.mark.parametrize("name", ["create-tuning-job-preview.json", "create-tuning-job-boto3.json"])
def test_preview_requests_round_trip_translated(name: str) -> None:
    request = load(name)
    expected = without_owned(_preview.translate(request, account="123456789012"))
    _, parameters = synthesized_request(request)
    sent = without_owned(parameters)
    assert sent["HyperParameterTuningJobConfig"] == expected["HyperParameterTuningJobConfig"]
    assert sent["Tags"] == expected["Tags"]
    for field, value in expected["TrainingJobDefinition"].items():
        assert sent["TrainingJobDefinition"][field] == value, field


# Translation rules, one test each


def test_preview_tuning_job_config_becomes_hyper_parameter_tuning_job_config() -> None:
    current = _preview.translate(load("create-tuning-job-preview.json"), account=None)
    assert "TuningJobConfig" not in current
    assert current["HyperParameterTuningJobConfig"]["Strategy"] == "Bayesian"


def test_preview_objective_is_renamed() -> None:
    config = _preview.translate(load("create-tuning-job-preview.json"), account=None)["HyperParameterTuningJobConfig"]
    assert config["HyperParameterTuningJobObjective"] == {"Type": "Minimize", "MetricName": "validation:rmse"}
    assert "TuningJobObjective" not in config


def test_preview_max_clock_time_becomes_max_runtime_in_seconds() -> None:
    limits = _preview.translate(load("create-tuning-job-preview.json"), account=None)["HyperParameterTuningJobConfig"][
        "ResourceLimits"
    ]
    assert limits == {"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 2, "MaxRuntimeInSeconds": 6 * 3600}


def test_preview_range_types_are_checked_and_dropped() -> None:
    ranges = _preview.translate(load("create-tuning-job-preview.json"), account=None)["HyperParameterTuningJobConfig"][
        "ParameterRanges"
    ]
    assert ranges["IntegerParameterRanges"] == [{"Name": "max_depth", "MinValue": "2", "MaxValue": "8"}]
    request = load("create-tuning-job-preview.json")
    request["TuningJobConfig"]["ParameterRanges"]["IntegerParameterRanges"][0]["Type"] = "Continuous"
    with pytest.raises(
        sm.ValidationError, match=r"TuningJobConfig.ParameterRanges.IntegerParameterRanges\[0\].Type: must be 'Integer'"
    ):
        _preview.translate(request, account=None)


def test_preview_definition_tags_join_the_request_tags() -> None:
    current = _preview.translate(load("create-tuning-job-preview.json"), account=None)
    assert current["Tags"] == [{"Key": "project", "Value": "demand"}, {"Key": "team", "Value": "forecasting"}]
    assert "Tags" not in current["TrainingJobDefinition"]


def test_preview_account_must_be_the_stacks() -> None:
    with pytest.raises(
        sm.ValidationError, match=r"AwsAccountId: must be the stack's account \(999999999999\), but got '123456789012'"
    ):
        _preview.translate(load("create-tuning-job-preview.json"), account="999999999999")
    assert "AwsAccountId" not in _preview.translate(load("create-tuning-job-preview.json"), account=None)


def test_preview_name_becomes_the_prefix() -> None:
    template, _ = synthesized_request(load("create-tuning-job-preview.json"))
    assert "'churn-preview-'" in generated_name(template)
    assert sm.job_name_prefix("A-Very-Long-Tuning-Job-Name-32ch") == "a-very-long-tuning"


def test_preview_clock_time_sets_the_execution_timeout() -> None:
    template, _ = synthesized_request(load("create-tuning-job-preview.json"))
    assert definition(template)["TimeoutSeconds"] == 6 * 3600 + 3600


def test_request_role_used_when_asked() -> None:
    template, parameters = synthesized_request(load("create-hyper-parameter-tuning-job.json"), use_request_role=True)
    assert parameters["TrainingJobDefinition"]["RoleArn"] == "arn:aws:iam::123456789012:role/ExistingSageMakerRole"
    roles = resources(template, "AWS::IAM::Role")
    assert [
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] for r in roles.values()
    ] == ["states.amazonaws.com"]


# Errors name the JSON path, the rule and the value


def _error(request: dict[str, Any]) -> str:
    with pytest.raises(sm.ValidationError) as error:
        sm.to_current_request(request)
    return str(error.value)


def test_unknown_field() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["HyperParameterTuningJobConfig"]["MaxJobs"] = 3
    assert _error(request).startswith(
        "HyperParameterTuningJobConfig.MaxJobs: is not a field of HyperParameterTuningJobConfig"
    )


def test_wrong_type() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["TrainingJobDefinition"]["ResourceConfig"]["InstanceCount"] = "1"
    assert _error(request) == "TrainingJobDefinition.ResourceConfig.InstanceCount: must be an integer, but got '1'"


def test_value_outside_the_limits() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 0
    assert (
        _error(request)
        == "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs: must be at least 1, but got 0"
    )


def test_value_not_in_the_enum() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["HyperParameterTuningJobConfig"]["Strategy"] = "Genetic"
    assert _error(request).startswith(
        "HyperParameterTuningJobConfig.Strategy: must be one of Bayesian, Random, Hyperband, Grid"
    )


def test_unknown_preview_field() -> None:
    request = load("create-tuning-job-preview.json")
    request["Priority"] = 1
    assert _error(request) == "Priority: is not a field of the preview CreateTuningJob request, but got 1"


def test_rules_of_the_typed_props_apply_to_requests() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 30
    with pytest.raises(sm.ValidationError, match="MaxParallelTrainingJobs: must not exceed MaxNumberOfTrainingJobs"):
        synthesized_request(request)


def test_vpc_config_is_used_as_it_is() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    vpc_config = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}
    request["TrainingJobDefinition"]["VpcConfig"] = vpc_config
    template, parameters = synthesized_request(request)
    assert parameters["TrainingJobDefinition"]["VpcConfig"] == vpc_config
    subnet = "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0123456789abcdef0"
    statements = [
        s
        for p in template["Resources"].values()
        if p["Type"] == "AWS::IAM::ManagedPolicy"
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    create = next(s for s in statements if s["Action"] == "ec2:CreateNetworkInterface")
    assert subnet in create["Resource"]
    assert "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0" in create["Resource"]
    delete = next(s for s in statements if "ec2:DeleteNetworkInterface" in s["Action"])
    assert delete["Condition"] == {"ArnEquals": {"ec2:Subnet": [subnet]}}


# CreateTrainingJob requests


@pytest.fixture(scope="module")
def training() -> tuple[dict[str, Any], dict[str, Any]]:
    return synthesized_training(load("create-training-job.json"))


def test_training_request_round_trips_field_by_field(training: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, state = training
    request = without_owned(load("create-training-job.json"))
    # OutputDataConfig.CompressionType GZIP is SageMaker's documented default, outside the optimized
    # integration's table: left out, so that the request keeps .sync (SageMaker applies the same).
    assert request["OutputDataConfig"].pop("CompressionType") == "GZIP"
    sent = without_owned(state["Parameters"])
    for field, value in request.items():
        assert sent[field] == value, field
    assert set(sent) == set(request)
    assert state["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"


def test_training_owned_fields_are_the_constructs(training: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, state = training
    parameters = state["Parameters"]
    assert parameters["RoleArn"] == "${ExecutionRoleArn}"
    assert parameters["OutputDataConfig"]["KmsKeyId"] == "${KeyArn}"
    assert parameters["ResourceConfig"]["VolumeKmsKeyId"] == "${KeyArn}"
    assert parameters["TrainingJobName.$"] == "$jobName"
    assert "'churn-xgb-spot-'" in generated_name(template)


def test_training_iam_is_scoped_to_the_requests_locations(training: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, _ = training
    policies = json.dumps(iam_policies(template))
    for location in ("data/train/*", "models/*", "checkpoints/churn-xgb/*", "training-job/churn-xgb-spot-*"):
        assert location in policies, location


def test_training_job_name_keeps_up_to_50_characters_as_the_prefix() -> None:
    request = load("create-training-job.json")
    request["TrainingJobName"] = "Churn-" + "x" * 57
    template, _ = synthesized_training(request)
    prefix = "churn-" + "x" * 44
    assert f"'{prefix}-'" in generated_name(template)
    assert sm.job_name_prefix(request["TrainingJobName"], max_length=50) == prefix


def test_training_request_role_used_when_asked() -> None:
    _, state = synthesized_training(load("create-training-job.json"), use_request_role=True)
    assert state["Parameters"]["RoleArn"] == "arn:aws:iam::123456789012:role/ExistingSageMakerRole"


def test_training_file_system_channel_in_the_requests_vpc_round_trips() -> None:
    request = load("create-training-job.json")
    request["InputDataConfig"][1]["DataSource"] = {
        "FileSystemDataSource": {
            "FileSystemId": "fs-0123456789abcdef0",
            "FileSystemType": "EFS",
            "FileSystemAccessMode": "ro",
            "DirectoryPath": "/validation",
        }
    }
    request["VpcConfig"] = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}
    stack = new_stack()
    sm.training_workflow_from_request(stack, "Imported", request)  # no VPC object: the IDs are used as they are
    parameters = definition(Template.from_stack(stack).to_json())["States"]["Create training job"]["Parameters"]
    assert parameters["InputDataConfig"][1] == request["InputDataConfig"][1]
    assert parameters["VpcConfig"] == request["VpcConfig"]


def test_training_request_with_a_newer_field_runs_through_the_aws_sdk_path() -> None:
    request = load("create-training-job.json")
    request["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 600
    request.pop("EnableManagedSpotTraining")
    request["StoppingCondition"].pop("MaxWaitTimeInSeconds")
    request["AlgorithmSpecification"]["ContainerEntrypoint"] = ["python", "train.py"]
    request["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"] = True
    _, state = synthesized_training(request, integration=sm.TrainingIntegration.AWS_SDK)
    assert state["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createTrainingJob"
    assert without_owned(state["Parameters"])["ResourceConfig"] == without_owned(request)["ResourceConfig"]
    assert state["Parameters"]["AlgorithmSpecification"] == request["AlgorithmSpecification"]


# Several training job definitions: the aws-sdk path


@pytest.fixture(scope="module")
def multi() -> tuple[dict[str, Any], dict[str, Any]]:
    stack = new_stack()
    sm.tuning_workflow_from_request(stack, "Imported", load("create-hyper-parameter-tuning-job-multi.json"))
    template = Template.from_stack(stack).to_json()
    return template, definition(template)["States"]["Create tuning job"]


def test_multi_definition_request_round_trips_field_by_field(multi: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, state = multi
    assert state["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createHyperParameterTuningJob"
    request = without_owned(load("create-hyper-parameter-tuning-job-multi.json"))
    sent = without_owned(state["Parameters"])
    assert set(sent) == set(request)
    for field, value in request["HyperParameterTuningJobConfig"].items():
        assert sent["HyperParameterTuningJobConfig"][field] == value, field
    assert set(sent["HyperParameterTuningJobConfig"]) == set(request["HyperParameterTuningJobConfig"])
    assert sent["Tags"] == request["Tags"]
    for index, job in enumerate(request["TrainingJobDefinitions"]):
        assert set(sent["TrainingJobDefinitions"][index]) == set(job), index
        for field, value in job.items():
            assert sent["TrainingJobDefinitions"][index][field] == value, f"TrainingJobDefinitions[{index}].{field}"


def test_multi_definition_owned_fields_are_the_constructs(multi: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, state = multi
    for job in state["Parameters"]["TrainingJobDefinitions"]:
        assert job["RoleArn"] == "${ExecutionRoleArn}"
        assert job["OutputDataConfig"]["KmsKeyId"] == "${KeyArn}"
    assert "'churn-multi-'" in generated_name(template)
    policies = json.dumps(iam_policies(template))
    assert "models/xgboost/*" in policies and "checkpoints/linear-learner/*" in policies


def test_multi_definition_request_role_must_be_one_role() -> None:
    request = load("create-hyper-parameter-tuning-job-multi.json")
    stack = new_stack()
    workflow = sm.tuning_workflow_from_request(stack, "Imported", request, use_request_role=True)
    assert workflow.role.role_arn == "arn:aws:iam::123456789012:role/ExistingSageMakerRole"
    request["TrainingJobDefinitions"][1]["RoleArn"] = "arn:aws:iam::123456789012:role/OtherRole"
    with pytest.raises(
        sm.ValidationError,
        match=r"TrainingJobDefinitions\[1\].RoleArn: must be the same role as the other definitions'",
    ):
        sm.tuning_workflow_from_request(new_stack(), "Imported", request, use_request_role=True)


def test_multi_definitions_keep_their_own_vpc_config() -> None:
    request = load("create-hyper-parameter-tuning-job-multi.json")
    request["TrainingJobDefinitions"][0]["VpcConfig"] = {
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "Subnets": ["subnet-0123456789abcdef0"],
    }
    _, parameters = synthesized_request(request)
    assert parameters["TrainingJobDefinitions"][0]["VpcConfig"] == request["TrainingJobDefinitions"][0]["VpcConfig"]
    assert "VpcConfig" not in parameters["TrainingJobDefinitions"][1]


def test_autotune_and_auto_parameters_round_trip() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["Autotune"] = {"Mode": "Enabled"}
    request["HyperParameterTuningJobConfig"]["ParameterRanges"]["AutoParameters"] = [
        {"Name": "alpha", "ValueHint": "0.1"}
    ]
    _, parameters = synthesized_request(request)
    assert parameters["Autotune"] == {"Mode": "Enabled"}
    assert parameters["HyperParameterTuningJobConfig"] == request["HyperParameterTuningJobConfig"]


# Errors of the new paths: JSON path, rule and value


def _training_error(request: dict[str, Any]) -> str:
    with pytest.raises(sm.ValidationError) as error:
        synthesized_training(request)
    return str(error.value)


def test_training_unknown_field() -> None:
    request = load("create-training-job.json")
    request["CheckpointConfig"]["Path"] = "/opt/ml/checkpoints"
    assert _training_error(request).startswith("CheckpointConfig.Path: is not a field of CheckpointConfig")


def test_training_wrong_type() -> None:
    request = load("create-training-job.json")
    request["StoppingCondition"]["MaxWaitTimeInSeconds"] = "7200"
    assert _training_error(request) == "StoppingCondition.MaxWaitTimeInSeconds: must be an integer, but got '7200'"


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("churn_xgb", "must match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"),
        ("c" * 64, "length must be between 1 and 63 characters"),
        ("", "length must be between 1 and 63 characters"),
    ],
)
def test_training_bad_job_name(name: str, rule: str) -> None:
    request = load("create-training-job.json")
    request["TrainingJobName"] = name
    assert _training_error(request).startswith(f"TrainingJobName: {rule}")


def test_training_fields_beyond_the_typed_props_pass_through() -> None:
    request = load("create-training-job.json")
    request["StoppingCondition"]["MaxPendingTimeInSeconds"] = 3600
    request["TensorBoardOutputConfig"] = {"S3OutputPath": "s3://example-ml-data/tensorboard/"}
    template, state = synthesized_training(request)
    assert state["Parameters"]["StoppingCondition"]["MaxPendingTimeInSeconds"] == 3600
    assert state["Parameters"]["TensorBoardOutputConfig"] == request["TensorBoardOutputConfig"]
    assert state["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createTrainingJob"
    statements = [
        s
        for p in template["Resources"].values()
        if p["Type"] == "AWS::IAM::ManagedPolicy"
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    writes = [s["Resource"] for s in statements if s["Action"] == "s3:PutObject"]
    assert "arn:aws:s3:::example-ml-data/tensorboard/*" in str(writes)


def test_training_rules_of_the_typed_props_apply() -> None:
    request = load("create-training-job.json")
    request["StoppingCondition"].pop("MaxWaitTimeInSeconds")
    assert _training_error(request) == (
        "StoppingCondition.MaxWaitTimeInSeconds: is required with EnableManagedSpotTraining, but got None"
    )


def test_training_s3_uri_errors_name_the_json_path() -> None:
    request = load("create-training-job.json")
    request["CheckpointConfig"]["S3Uri"] = "s3://Example_Bucket/checkpoints/"
    assert _training_error(request).startswith("CheckpointConfig.S3Uri: must be an s3:// URI")


def test_multi_definition_errors_name_the_definition() -> None:
    request = load("create-hyper-parameter-tuning-job-multi.json")
    request["TrainingJobDefinitions"][1]["StoppingCondition"]["MaxRuntimeInSeconds"] = 0
    with pytest.raises(
        sm.ValidationError,
        match=r"TrainingJobDefinitions\[1\].StoppingCondition.MaxRuntimeInSeconds: must be at least 1",
    ):
        synthesized_request(request)
    request = load("create-hyper-parameter-tuning-job-multi.json")
    request["TrainingJobDefinitions"][0]["HyperParameterRanges"]["IntegerParameterRanges"][0]["MinValue"] = "three"
    with pytest.raises(
        sm.ValidationError,
        match=r"TrainingJobDefinitions\[0\].HyperParameterRanges.IntegerParameterRanges\[0\].MinValue: "
        r"must be an integer, but got 'three'",
    ):
        synthesized_request(request)


def test_multi_definition_value_outside_the_limits() -> None:
    request = load("create-hyper-parameter-tuning-job-multi.json")
    request["HyperParameterTuningJobConfig"]["RandomSeed"] = -1
    assert _error(request) == "HyperParameterTuningJobConfig.RandomSeed: must be at least 0, but got -1"
    request = load("create-hyper-parameter-tuning-job-multi.json")
    request["HyperParameterTuningJobConfig"]["StrategyConfig"]["HyperbandStrategyConfig"]["MinResource"] = 0
    assert _error(request) == (
        "HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource: must be at least 1, but got 0"
    )


def test_multi_definition_wrong_type() -> None:
    request = load("create-hyper-parameter-tuning-job-multi.json")
    request["TrainingJobDefinitions"][1]["EnableManagedSpotTraining"] = "true"
    assert (
        _error(request) == "TrainingJobDefinitions[1].EnableManagedSpotTraining: must be true or false, but got 'true'"
    )


def test_training_only_field_in_a_tuning_definition() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["TrainingJobDefinition"]["AlgorithmSpecification"]["ContainerEntrypoint"] = ["python"]
    assert _error(request).startswith(
        "TrainingJobDefinition.AlgorithmSpecification.ContainerEntrypoint: is not a field of "
        "HyperParameterAlgorithmSpecification"
    )


def test_request_of_the_other_kind_is_refused() -> None:
    with pytest.raises(
        sm.ValidationError, match="request: is a CreateTrainingJob request .* training_workflow_from_request"
    ):
        synthesized_request(load("create-training-job.json"))
    with pytest.raises(
        sm.ValidationError, match="request: is a CreateHyperParameterTuningJob request, not CreateTrainingJob"
    ):
        synthesized_training(load("create-hyper-parameter-tuning-job.json"))
