"""Wrong values through the Python API: a ValidationError naming the prop or field, never a
TypeError or AttributeError from deep inside."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

import constructs_sm as sm
from tests.builders import channel, config, definition, workflow
from tests.conftest import new_stack

CASES: list[tuple[str, Callable[[], Any], str]] = [
    ("prefix not a string", lambda: workflow(job_name_prefix=123), "job_name_prefix"),
    ("image URI None", lambda: sm.TrainingImage.from_registry(None), "TrainingImage"),  # type: ignore[arg-type]
    ("image URI a number", lambda: sm.TrainingImage.from_registry(5), "TrainingImage"),  # type: ignore[arg-type]
    ("tag key not a string", lambda: workflow(tags={1: "x"}), "Tags[0].Key"),
    ("tags a list", lambda: workflow(tags=["a"]), "tags"),
    ("S3 URI a number", lambda: sm.S3Location.from_uri(5), "uri"),  # type: ignore[arg-type]
    ("key prefix a number", lambda: sm.S3Location.from_bucket(_bucket(), 7), "key_prefix"),  # type: ignore[arg-type]
    ("json path without $", lambda: sm.S3Location.from_json_path("Uri", bucket="example-bucket"), "path"),
    (
        "parallel jobs a string",
        lambda: workflow(
            hyper_parameter_tuning_job_config=config(resource_limits=sm.ResourceLimits(max_parallel_training_jobs="2"))
        ),
        "MaxParallelTrainingJobs",
    ),  # type: ignore[arg-type]
    ("strategy lowercase", lambda: workflow(hyper_parameter_tuning_job_config=config(strategy="bayesian")), "Strategy"),
    (
        "objective type wrong",
        lambda: workflow(
            hyper_parameter_tuning_job_config=config(objective=sm.TuningObjective(metric_name="m", type="Max"))
        ),
        "Type",
    ),
    (
        "max runtime an int",
        lambda: workflow(training_job_definition=definition(stopping_condition=sm.StoppingCondition(max_runtime=3600))),
        "MaxRuntimeInSeconds",
    ),  # type: ignore[arg-type]
    (
        "volume size an int",
        lambda: workflow(training_job_definition=definition(resource_config=sm.ResourceConfig(volume_size=30))),
        "VolumeSizeInGB",
    ),  # type: ignore[arg-type]
    ("timeout an int", lambda: workflow(timeout=3600), "timeout"),  # type: ignore[arg-type]
    ("polling interval an int", lambda: workflow(polling_interval=60, autotune=True), "polling_interval"),  # type: ignore[arg-type]
    (
        "channels not a list",
        lambda: workflow(training_job_definition=definition(input_data_config=channel())),
        "InputDataConfig",
    ),
    (
        "channel of the wrong type",
        lambda: workflow(training_job_definition=definition(input_data_config=["train"])),
        "InputDataConfig[0]",
    ),
    (
        "ranges not a list",
        lambda: workflow(hyper_parameter_tuning_job_config=config(parameter_ranges="eta")),
        "ParameterRanges",
    ),
    (
        "categorical values one string",
        lambda: workflow(
            hyper_parameter_tuning_job_config=config(
                parameter_ranges=[sm.CategoricalParameterRange(name="b", values="gbtree")]
            )
        ),
        "Values",
    ),
    (
        "integer bound a float",
        lambda: workflow(
            hyper_parameter_tuning_job_config=config(
                parameter_ranges=[sm.IntegerParameterRange(name="d", min_value=1.5, max_value=3)]
            )
        ),
        "MinValue",
    ),  # type: ignore[arg-type]
    (
        "hyperparameter value a number",
        lambda: workflow(training_job_definition=definition(static_hyper_parameters={"n": 100})),
        "StaticHyperParameters.n",
    ),  # type: ignore[dict-item]
    (
        "static hyperparameters a list",
        lambda: workflow(training_job_definition=definition(static_hyper_parameters=["n"])),
        "StaticHyperParameters",
    ),  # type: ignore[arg-type]
    (
        "config of the wrong type",
        lambda: workflow(hyper_parameter_tuning_job_config={"Strategy": "Bayesian"}),
        "hyper_parameter_tuning_job_config",
    ),
    (
        "definition of the wrong type",
        lambda: workflow(training_job_definition={"RoleArn": "x"}),
        "training_job_definition",
    ),
    ("role of the wrong type", lambda: workflow(role="arn:aws:iam::123456789012:role/x"), "role"),
    ("key of the wrong type", lambda: workflow(encryption_key="alias/x"), "encryption_key"),
    (
        "image of the wrong type",
        lambda: workflow(
            training_job_definition=definition(
                algorithm_specification=sm.AlgorithmSpecification(training_image="img:1")
            )
        ),
        "TrainingImage",
    ),  # type: ignore[arg-type]
    ("request not a dict", lambda: sm.TuningWorkflow(new_stack(), "T", request=[1]), "request"),  # type: ignore[arg-type]
    ("integration unknown", lambda: workflow(integration="sync"), "integration"),
    (
        "environment value a number",
        lambda: sm.TrainingWorkflow(
            new_stack(), "T", training_job_definition=dataclasses.replace(definition(), environment={"A": 1})
        ),
        "Environment.A",
    ),  # type: ignore[dict-item]
]


def _bucket() -> Any:
    from aws_cdk import aws_s3 as s3

    return s3.Bucket.from_bucket_name(new_stack(), "B", "example-bucket")


@pytest.mark.parametrize(("case", "build", "named"), CASES, ids=[c[0] for c in CASES])
def test_a_wrong_value_is_a_validation_error_naming_the_prop(case: str, build: Callable[[], Any], named: str) -> None:
    with pytest.raises(sm.ValidationError) as error:
        build()
    assert named in str(error.value), str(error.value)


def test_there_are_at_least_25_cases() -> None:
    assert len(CASES) >= 25
