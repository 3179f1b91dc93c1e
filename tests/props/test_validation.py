"""Bad input through the typed props fails at synth time, naming the field, the rule and the value.

The rules table and botocore's limits are tested request by request, without a stack, in tests/api/."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn

import constructs_sm as sm
from constructs_sm.api._model import validate as validate_request
from tests.api_shapes import member_shape
from tests.builders import config, definition, workflow
from tests.conftest import new_stack


def fails(message: str) -> pytest.RaisesExc:  # type: ignore[type-arg]
    return pytest.raises(sm.ValidationError, match=re.escape(message))


# Names


def test_job_name_prefix_longer_than_19() -> None:
    with fails("job_name_prefix: length must be between 1 and 19 characters") as error:
        workflow(job_name_prefix="a" * 20)
    assert "'aaaaaaaaaaaaaaaaaaaa'" in str(error.value)


def test_job_name_prefix_with_underscore() -> None:
    with fails("job_name_prefix: must match ^[a-z0-9](-*[a-z0-9])*"):
        workflow(job_name_prefix="my_tuning")


def test_job_name_prefix_uppercase() -> None:
    with fails("job_name_prefix: must match"):
        workflow(job_name_prefix="MyTuning")


def task(**changes: object) -> sm.SageMakerCreateHyperParameterTuningJob:
    props: dict[str, object] = {
        "hyper_parameter_tuning_job_name": "tuning-1",
        "hyper_parameter_tuning_job_config": config(),
        "training_job_definition": definition(),
    }
    props.update(changes)
    return sm.SageMakerCreateHyperParameterTuningJob(new_stack(), "Tune", **props)  # type: ignore[arg-type]


def test_tuning_job_name_with_underscore() -> None:
    with fails("HyperParameterTuningJobName: must match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$"):
        task(hyper_parameter_tuning_job_name="my_job")


def test_unsupported_integration_pattern() -> None:
    with fails("integration_pattern: must be one of REQUEST_RESPONSE, RUN_JOB"):
        task(integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN)


# Hyperparameters


def test_hyperparameter_value_not_a_string() -> None:
    with fails("TrainingJobDefinition.StaticHyperParameters.num_round: must be a string"):
        workflow(training_job_definition=definition(static_hyper_parameters={"num_round": 100}))


# Channels: the one test of S3DataSource(attribute_names=...) rendering


def test_attribute_names_need_an_augmented_manifest() -> None:
    source = sm.S3DataSource(location=sm.S3Location.from_uri("s3://b-1/x/"), attribute_names=["source-ref"])
    with fails("S3DataSource.AttributeNames: is only allowed with S3DataType AugmentedManifestFile"):
        workflow(
            training_job_definition=definition(input_data_config=[sm.Channel(channel_name="c", data_source=source)])
        )


# S3 locations


def test_s3_uri_with_trailing_space() -> None:
    with fails(
        "uri: must be an s3:// URI such as s3://bucket/prefix/ with a valid bucket name and no spaces, but got 's3://bucket/data/ '"
    ):
        sm.S3Location.from_uri("s3://bucket/data/ ")


def test_bucket_name_where_a_uri_is_expected() -> None:
    with fails("uri: must be an s3:// URI such as s3://bucket/prefix/"):
        sm.S3Location.from_uri("example-bucket")


def test_prefix_starting_with_slash() -> None:
    stack = new_stack()
    with fails("key_prefix: must not start with '/'"):
        sm.S3Location.from_bucket(cdk.aws_s3.Bucket.from_bucket_name(stack, "B", "bucket-a"), "/data/")


def test_json_path_location_needs_a_json_path() -> None:
    with fails("path: must be a JSONPath such as $.TrainingDataUri, but got 's3://bucket/x'"):
        sm.S3Location.from_json_path("s3://bucket/x", bucket="bucket-a")


# Parameter ranges


def test_integer_range_with_float_bound() -> None:
    ranges = [sm.IntegerParameterRange(name="depth", min_value=1.5, max_value=4)]  # type: ignore[arg-type]
    with fails("ParameterRanges[0].MinValue: must be an integer, but got 1.5"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_categorical_values_a_single_string() -> None:
    ranges = [sm.CategoricalParameterRange(name="booster", values="gbtree")]
    with fails("ParameterRanges[0].Values: must be a list of strings, not one string, but got 'gbtree'"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


# Resource limits and strategies


def test_strategy_given_as_the_api_string() -> None:
    wf = workflow(hyper_parameter_tuning_job_config=config(strategy="Random"))
    assert wf.request["HyperParameterTuningJobConfig"]["Strategy"] == "Random"


def test_strategy_neither_member_nor_api_string() -> None:
    """Judged by botocore's model: the request path, its allowed values and the value."""
    allowed = ", ".join(member_shape("CreateHyperParameterTuningJob", "HyperParameterTuningJobConfig.Strategy").enum)
    with fails(f"HyperParameterTuningJobConfig.Strategy: must be one of {allowed}, but got 'bayesian'"):
        workflow(hyper_parameter_tuning_job_config=config(strategy="bayesian"))


# Resources and time


def test_volume_size_not_a_size() -> None:
    config_ = sm.ResourceConfig(volume_size=30)  # type: ignore[arg-type]
    with fails("ResourceConfig.VolumeSizeInGB: must be a Size, e.g. Size.gibibytes(30), but got 30"):
        workflow(training_job_definition=definition(resource_config=config_))


def test_timeout_over_a_year() -> None:
    with fails("timeout: must be at most 31536000"):
        workflow(timeout=cdk.Duration.days(366))


# Algorithm


def test_image_uri_with_space() -> None:
    with fails("TrainingImage: must not contain spaces"):
        sm.TrainingImage.from_registry("123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1 ")


# Keys and networks


def test_kms_key_from_another_region() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with fails("encryption_key: must be a KMS key in the stack's region (us-east-1)"):
        workflow(stack, encryption_key=key)


def test_vpc_without_the_selected_subnets() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(
        stack, "Vpc", subnet_configuration=[ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PUBLIC)]
    )
    with fails("VpcConfig.Subnets: must select at least 1 subnet of the VPC"):
        workflow(stack, training_job_definition=definition(vpc_config=sm.VpcConfig(vpc=vpc)))


# The API model check on its own


def test_api_model_rejects_an_unknown_field() -> None:
    with fails("HyperParameterTuningJobConfig.MaxJobs: is not a field of HyperParameterTuningJobConfig"):
        validate_request("CreateHyperParameterTuningJob", {"HyperParameterTuningJobConfig": {"MaxJobs": 1}})


def test_api_model_rejects_a_wrong_type() -> None:
    request = {
        "HyperParameterTuningJobName": "job",
        "HyperParameterTuningJobConfig": {"Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": "2"}},
    }
    with fails("HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs: must be an integer, but got '2'"):
        validate_request("CreateHyperParameterTuningJob", request)


def test_api_model_rejects_a_missing_required_member() -> None:
    with fails("HyperParameterTuningJobName: is required"):
        config = {"Strategy": "Bayesian", "ResourceLimits": {"MaxParallelTrainingJobs": 1}}
        validate_request("CreateHyperParameterTuningJob", {"HyperParameterTuningJobConfig": config})


# Values known only later are not checked


def test_tokens_and_state_input_paths_skip_value_checks() -> None:
    stack = new_stack()
    count = cdk.Token.as_number(cdk.CfnParameter(stack, "Count", type="Number").value_as_number)
    wf = workflow(
        stack,
        training_job_definition=definition(
            resource_config=sm.ResourceConfig(instance_count=count),
            static_hyper_parameters={"seed": cdk.CfnParameter(stack, "Seed").value_as_string},
            input_data_config=[
                sm.Channel(
                    channel_name="train",
                    data_source=sm.S3DataSource(
                        location=sm.S3Location.from_json_path(
                            "$.TrainingDataUri", bucket="example-bucket", key_prefix="train/"
                        )
                    ),
                )
            ],
        ),
    )
    assert wf.state_machine is not None


# Mistakes users make (issue 5) that the sections above do not cover yet


def test_bucket_passed_where_a_prefix_is_expected() -> None:
    stack = new_stack()
    bucket = cdk.aws_s3.Bucket.from_bucket_name(stack, "B", "example-bucket")
    with fails("key_prefix: must be a key prefix such as 'data/train/' (the bucket is given separately)"):
        sm.S3Location.from_bucket(bucket, bucket)  # type: ignore[arg-type]


def test_s3_uri_passed_where_a_prefix_is_expected() -> None:
    stack = new_stack()
    bucket = cdk.aws_s3.Bucket.from_bucket_name(stack, "B", "example-bucket")
    with fails("key_prefix: must be a key prefix within the bucket, not an S3 URI or ARN"):
        sm.S3Location.from_bucket(bucket, "s3://example-bucket/data/")




def test_an_objective_no_metric_definition_emits_is_refused_at_synth() -> None:
    # SageMaker Developer Guide, "Define metrics and environment variables": a custom image's
    # objective is one of the metrics its MetricDefinitions name.
    objective = sm.TuningObjective(metric_name="validation:rmse", type=sm.ObjectiveType.MINIMIZE)
    with pytest.raises(
        sm.ValidationError,
        match=r"HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName: must be one of the "
        r"metrics TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions defines \(validation:auc\).*"
        r"but got 'validation:rmse'",
    ):
        workflow(hyper_parameter_tuning_job_config=config(objective=objective))
