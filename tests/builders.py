"""Small valid inputs that tests change one field at a time."""

from __future__ import annotations

import dataclasses
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

import constructs_sm as sm
from tests.conftest import new_stack

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def channel(name: str = "train", uri: str = "s3://example-bucket/train/") -> sm.Channel:
    return sm.Channel(channel_name=name, data_source=sm.S3DataSource(location=sm.S3Location.from_uri(uri)))


def definition(**changes: Any) -> sm.TrainingJobDefinition:
    base = sm.TrainingJobDefinition(
        algorithm_specification=sm.AlgorithmSpecification(
            training_image=sm.TrainingImage.from_registry(IMAGE),
            metric_definitions=[sm.MetricDefinition(name="validation:auc", regex="auc=([0-9.]+)")],
        ),
        input_data_config=[channel()],
        output_data_config=sm.S3Location.from_uri("s3://example-bucket/output/"),
        static_hyper_parameters={"num_round": "100"},
    )
    return dataclasses.replace(base, **changes)


def config(**changes: Any) -> sm.HyperParameterTuningJobConfig:
    base = sm.HyperParameterTuningJobConfig(
        objective=sm.TuningObjective(metric_name="validation:auc", type=sm.ObjectiveType.MAXIMIZE),
        resource_limits=sm.ResourceLimits(max_number_of_training_jobs=4, max_parallel_training_jobs=2),
        parameter_ranges=[sm.ContinuousParameterRange(name="eta", min_value=0.1, max_value=0.5)],
    )
    return dataclasses.replace(base, **changes)


def workflow(stack: cdk.Stack | None = None, **changes: Any) -> sm.TuningWorkflow:
    props: dict[str, Any] = {"hyper_parameter_tuning_job_config": config(), "training_job_definition": definition()}
    props.update(changes)
    return sm.TuningWorkflow(stack or new_stack(), "Tuning", **props)


def bucket(stack: cdk.Stack, name: str = "example-bucket") -> s3.IBucket:
    return s3.Bucket.from_bucket_name(stack, "Bucket", name)
