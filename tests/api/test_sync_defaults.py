"""A field that holds SageMaker's documented default does not cost the optimized .sync integration.

The SageMaker Python SDK v3 sends ``OutputDataConfig.CompressionType: "GZIP"`` in every request
(FIELD-NOTES, 2026-12-06); "Defaults to gzip" (SageMaker API Reference, OutputDataConfig).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import botocore.session
import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.api._integration import SERVICE_DEFAULTS, _covered, _index, without_service_defaults
from constructs_sm.core._paths import JOB_ROOTS, join
from tests.conftest import new_stack
from tests.template_helpers import definition

_MODEL = botocore.session.get_session().get_service_model("sagemaker")

# The shape of a CreateTrainingJob request as the SDK v3's ModelTrainer sends it: its fields and their
# defaults, CompressionType GZIP included (not a captured request: the SDK v3 is not installed here).
SDK_V3_TRAINING = {
    "TrainingJobName": "xgb-v3",
    "AlgorithmSpecification": {
        "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        "TrainingInputMode": "File",
    },
    "RoleArn": "arn:aws:iam::123456789012:role/ExistingSageMakerRole",
    "HyperParameters": {"num_round": "100"},
    "InputDataConfig": [
        {
            "ChannelName": "train",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": "s3://example-ml-data/data/train/",
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
        }
    ],
    "OutputDataConfig": {"S3OutputPath": "s3://example-ml-data/models/", "CompressionType": "GZIP"},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}


def field_shape(operation: str, pattern: str) -> Any:
    shape = _MODEL.operation_model(operation).input_shape
    for step in pattern.split("."):
        shape = shape.members[step.removesuffix("[]")]
        if step.endswith("[]"):
            shape = shape.member
    return shape


# The table


@pytest.mark.parametrize("path", sorted(SERVICE_DEFAULTS))
def test_each_default_is_a_value_of_its_field_as_the_model_documents_it(path: str) -> None:
    default, source = SERVICE_DEFAULTS[path]
    shape = field_shape("CreateTrainingJob", path)
    assert default in (shape.enum or [default])
    assert "https://docs.aws.amazon.com/sagemaker/latest/APIReference/" in source
    assert "default" in shape.documentation.lower()


@pytest.mark.parametrize("operation", sorted(JOB_ROOTS))
def test_each_default_is_outside_the_optimized_table(operation: str) -> None:
    rows, _ = _index(operation)
    for root in JOB_ROOTS[operation]:
        for path in SERVICE_DEFAULTS:
            assert not _covered(join(root, path), rows), "a field the integration takes needs no default"


# Requests


@pytest.fixture(scope="module")
def v3_training() -> tuple[sm.TrainingWorkflow, dict[str, Any]]:
    stack = new_stack()
    workflow = sm.training_workflow_from_request(stack, "V3", SDK_V3_TRAINING)
    return workflow, definition(Template.from_stack(stack).to_json())["States"]["Create training job"]


def test_an_sdk_v3_request_runs_the_optimized_integration(v3_training: tuple[sm.TrainingWorkflow, Any]) -> None:
    workflow, state = v3_training
    assert state["Resource"].endswith(":states:::sagemaker:createTrainingJob.sync")
    assert workflow.integration == sm.TrainingIntegration.OPTIMIZED


def test_the_default_is_dropped_from_the_request_and_the_parameters_alike(
    v3_training: tuple[sm.TrainingWorkflow, Any],
) -> None:
    workflow, state = v3_training
    assert "CompressionType" not in workflow.request["OutputDataConfig"]
    assert state["Parameters"]["OutputDataConfig"] == {
        "S3OutputPath": "s3://example-ml-data/models/",
        "KmsKeyId": "${KeyArn}",
    }
    assert sorted(state["Parameters"]) == sorted({"TrainingJobName.$", *workflow.request})


def test_another_value_keeps_the_field_and_the_aws_sdk_integration() -> None:
    request = copy.deepcopy(SDK_V3_TRAINING)
    request["OutputDataConfig"]["CompressionType"] = "NONE"
    workflow = sm.training_workflow_from_request(new_stack(), "V3", request)
    assert workflow.request["OutputDataConfig"]["CompressionType"] == "NONE"
    assert workflow.integration == sm.TrainingIntegration.AWS_SDK


def test_a_tuning_request_with_the_default_in_its_definition_runs_the_optimized_integration() -> None:
    request = json.loads(open("examples/requests/create-hyper-parameter-tuning-job.json").read())
    request["TrainingJobDefinition"]["OutputDataConfig"]["CompressionType"] = "GZIP"
    workflow = sm.tuning_workflow_from_request(new_stack(), "V3", request)
    assert workflow.integration == sm.TuningIntegration.OPTIMIZED
    assert "CompressionType" not in workflow.request["TrainingJobDefinition"]["OutputDataConfig"]


def test_every_definition_of_a_multi_algorithm_request_is_looked_at() -> None:
    request = {
        "TrainingJobDefinitions": [
            {"OutputDataConfig": {"S3OutputPath": "s3://b/a/", "CompressionType": "GZIP"}},
            {"OutputDataConfig": {"S3OutputPath": "s3://b/b/", "CompressionType": "NONE"}},
        ]
    }
    assert without_service_defaults("CreateHyperParameterTuningJob", request) == {
        "TrainingJobDefinitions": [
            {"OutputDataConfig": {"S3OutputPath": "s3://b/a/"}},
            {"OutputDataConfig": {"S3OutputPath": "s3://b/b/", "CompressionType": "NONE"}},
        ]
    }
    assert request["TrainingJobDefinitions"][0]["OutputDataConfig"]["CompressionType"] == "GZIP", "not changed"


@pytest.mark.parametrize(
    "keep", ["OutputDataConfig.CompressionType", "TrainingJobDefinitions[0].OutputDataConfig.CompressionType"]
)
def test_a_field_the_execution_input_may_set_stays(keep: str) -> None:
    operation = "CreateTrainingJob" if keep.startswith("Output") else "CreateHyperParameterTuningJob"
    job = {"OutputDataConfig": {"S3OutputPath": "s3://b/a/", "CompressionType": "GZIP"}}
    request = job if operation == "CreateTrainingJob" else {"TrainingJobDefinitions": [job]}
    assert without_service_defaults(operation, request, keep=[keep]) == request
