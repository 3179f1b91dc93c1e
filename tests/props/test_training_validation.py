"""Validation of the training fields and the rest of the current tuning API through the typed props.

The rules table and botocore's limits are tested request by request, without a stack, in tests/api/."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest

import constructs_sm as sm
from tests.api_shapes import member_shape
from tests.builders import config, definition, workflow
from tests.conftest import new_stack


def fails(message: str) -> pytest.RaisesExc:  # type: ignore[type-arg]
    return pytest.raises(sm.ValidationError, match=re.escape(message))


def training(**changes: Any) -> sm.TrainingWorkflow:
    return sm.TrainingWorkflow(new_stack(), "Training", training_job_definition=definition(**changes))


def spot(**changes: Any) -> sm.TrainingWorkflow:
    return training(
        enable_managed_spot_training=True,
        stopping_condition=sm.StoppingCondition(max_runtime=cdk.Duration.hours(1), max_wait_time=cdk.Duration.hours(2)),
        **changes,
    )


# Names


def test_training_job_name_of_64_characters() -> None:
    with fails("TrainingJobName: length must be between 1 and 63 characters"):
        sm.SageMakerCreateTrainingJob(
            new_stack(), "T", training_job_name="a" * 64, training_job_definition=definition()
        )


def test_training_job_name_prefix_longer_than_50() -> None:
    with fails("job_name_prefix: length must be between 1 and 50 characters"):
        sm.TrainingWorkflow(new_stack(), "T", training_job_definition=definition(), job_name_prefix="a" * 51)


# Checkpoints, output


def test_checkpoint_location_is_a_whole_bucket() -> None:
    with fails("CheckpointConfig.S3Uri: must name a key prefix, not a whole bucket"):
        spot(checkpoint_config=sm.CheckpointConfig(s3_uri=sm.S3Location.from_uri("s3://example-bucket/")))


def test_checkpoint_local_path_is_relative() -> None:
    with fails("CheckpointConfig.LocalPath: must be an absolute path starting with '/'"):
        spot(
            checkpoint_config=sm.CheckpointConfig(
                s3_uri=sm.S3Location.from_uri("s3://example-bucket/checkpoints/"), local_path="opt/ml/checkpoints"
            )
        )


def test_output_compression_given_as_a_wrong_string() -> None:
    allowed = ", ".join(member_shape("CreateTrainingJob", "OutputDataConfig.CompressionType").enum)
    with fails(f"OutputDataConfig.CompressionType: must be one of {allowed}, but got 'gzip'"):
        training(
            output_data_config=sm.OutputDataConfig(
                s3_output_path=sm.S3Location.from_uri("s3://example-bucket/out/"), compression_type="gzip"
            )
        )


# Resources


def test_tuning_resource_config_in_a_training_job() -> None:
    tuning_resources = sm.HyperParameterTuningResourceConfig(
        instance_configs=[sm.HyperParameterTuningInstanceConfig(instance_type="ml.m5.xlarge")]
    )
    with fails("HyperParameterTuningResourceConfig: is only allowed in a tuning job's training job definition"):
        training(hyper_parameter_tuning_resource_config=tuning_resources)


# Algorithm, data sources, network


def _spec(**changes: Any) -> sm.AlgorithmSpecification:
    return sm.AlgorithmSpecification(
        training_image=sm.TrainingImage.from_registry("registry.example.com/t:1"), **changes
    )


def test_container_entrypoint_given_as_one_string() -> None:
    with fails("AlgorithmSpecification.ContainerEntrypoint: must be a list of strings, not one string"):
        training(algorithm_specification=_spec(container_entrypoint="python train.py"))


def test_training_only_algorithm_field_in_a_tuning_definition() -> None:
    with fails(
        "TrainingJobDefinition.AlgorithmSpecification.EnableSageMakerMetricsTimeSeries: is not a field of "
        "HyperParameterAlgorithmSpecification"
    ):
        workflow(
            training_job_definition=definition(algorithm_specification=_spec(enable_sagemaker_metrics_time_series=True))
        )


def test_private_registry_without_a_vpc() -> None:
    with fails("VpcConfig: is required to reach a FileSystemDataSource or a private registry"):
        training(algorithm_specification=_spec(training_image_config=sm.TrainingImageConfig()))


# Tuning configuration


def test_target_objective_value_not_finite() -> None:
    criteria = sm.TuningJobCompletionCriteria(target_objective_metric_value=float("nan"))
    with fails("TuningJobCompletionCriteria.TargetObjectiveMetricValue: must be a finite number"):
        workflow(hyper_parameter_tuning_job_config=config(tuning_job_completion_criteria=criteria))


# One definition or several


def test_definition_name_in_a_training_job() -> None:
    with fails("DefinitionName: is only allowed in a tuning job's training job definition"):
        training(definition_name="xgboost")


