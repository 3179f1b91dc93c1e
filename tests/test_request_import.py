"""Requests as JSON: shapes, preview translation rules, round-trip fidelity, errors with JSON paths."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm import _preview
from tests.conftest import new_stack
from tests.template_helpers import definition, resources
from tests.template_helpers import policies as iam_policies

REQUESTS = Path(__file__).parent.parent / "examples" / "requests"


def load(name: str) -> dict[str, Any]:
    return json.loads((REQUESTS / name).read_text())


def synthesized_request(request: dict[str, Any], **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    stack = new_stack()
    sm.tuning_workflow_from_request(stack, "Imported", request, **options)
    template = Template.from_stack(stack).to_json()
    return template, definition(template)["States"]["Create tuning job"]["Parameters"]


def without_owned(request: dict[str, Any]) -> dict[str, Any]:
    """What the constructs own is set by them: the name, the role and the key IDs."""
    request = copy.deepcopy(request)
    request.pop("HyperParameterTuningJobName", None)
    request.pop("HyperParameterTuningJobName.$", None)
    training = request["TrainingJobDefinition"]
    training.pop("RoleArn")
    training["OutputDataConfig"].pop("KmsKeyId", None)
    training.get("ResourceConfig", {}).pop("VolumeKmsKeyId", None)
    return request


# Shapes


def test_shapes_are_detected() -> None:
    assert (
        sm.detect_request_shape(load("create-hyper-parameter-tuning-job.json"))
        is sm.RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB
    )
    assert sm.detect_request_shape(load("create-tuning-job-preview.json")) is sm.RequestShape.CREATE_TUNING_JOB


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
    assert parameters["HyperParameterTuningJobName.$"] == "$.JobName.Name"
    generated = definition(template)["States"]["Generate name"]["Parameters"]["Name.$"]
    assert "'churn-xgb'" in generated, "the request's name is the prefix of unique names"


def test_iam_is_scoped_to_the_requests_locations(current: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, _ = current
    policies = json.dumps(iam_policies(template))
    assert "example-ml-data/data/train/*" in policies
    assert "example-ml-data/models/*" in policies
    assert "hyper-parameter-tuning-job/churn-xgb*" in policies


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
    assert "'churn-preview'" in definition(template)["States"]["Generate name"]["Parameters"]["Name.$"]
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


def test_vpc_config_needs_the_vpc() -> None:
    request = load("create-hyper-parameter-tuning-job.json")
    request["TrainingJobDefinition"]["VpcConfig"] = {
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "Subnets": ["subnet-0123456789abcdef0"],
    }
    with pytest.raises(sm.ValidationError, match="TrainingJobDefinition.VpcConfig: needs the vpc argument"):
        synthesized_request(request)
