"""One test per validation rule: bad input fails at synth time, naming the field, the rule and the value."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn

import constructs_sm as sm
from constructs_sm.api._model import validate as validate_request
from tests.builders import channel, config, definition, workflow
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


def test_tuning_job_name_of_33_characters() -> None:
    with fails("HyperParameterTuningJobName: length must be between 1 and 32 characters, but got 'aaaa"):
        task(hyper_parameter_tuning_job_name="a" * 33)


def test_tuning_job_name_with_underscore() -> None:
    with fails("HyperParameterTuningJobName: must match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$"):
        task(hyper_parameter_tuning_job_name="my_job")


def test_unsupported_integration_pattern() -> None:
    with fails("integration_pattern: must be one of REQUEST_RESPONSE, RUN_JOB"):
        task(integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN)


# Hyperparameters


def test_101_static_hyperparameters() -> None:
    with fails("TrainingJobDefinition.StaticHyperParameters: must have between 0 and 100 items, but got '101 items'"):
        workflow(training_job_definition=definition(static_hyper_parameters={f"p{i}": "1" for i in range(101)}))


def test_hyperparameter_key_longer_than_256() -> None:
    with fails("TrainingJobDefinition.StaticHyperParameters key: length must be between 0 and 256"):
        workflow(training_job_definition=definition(static_hyper_parameters={"k" * 257: "1"}))


def test_hyperparameter_value_longer_than_2500() -> None:
    # botocore's HyperParameterValue allows 2500 characters (an earlier cap of 256 was wrong).
    workflow(training_job_definition=definition(static_hyper_parameters={"p": "v" * 2500}))
    with fails("TrainingJobDefinition.StaticHyperParameters.p: length must be between 0 and 2500"):
        workflow(training_job_definition=definition(static_hyper_parameters={"p": "v" * 2501}))


def test_hyperparameter_value_not_a_string() -> None:
    with fails("TrainingJobDefinition.StaticHyperParameters.num_round: must be a string"):
        workflow(training_job_definition=definition(static_hyper_parameters={"num_round": 100}))


def test_static_hyperparameter_also_tuned() -> None:
    with fails(
        "TrainingJobDefinition.StaticHyperParameters: must not name a hyperparameter that is also in "
        "HyperParameterTuningJobConfig.ParameterRanges, but got ['eta']"
    ):
        workflow(training_job_definition=definition(static_hyper_parameters={"eta": "0.2"}))


# Channels


def test_no_channel() -> None:
    with fails("TrainingJobDefinition.InputDataConfig: must have between 1 and 20 items, but got '0 items'"):
        workflow(training_job_definition=definition(input_data_config=[]))


def test_21_channels() -> None:
    channels = [channel(f"c{i}") for i in range(21)]
    with fails("InputDataConfig: must have between 1 and 20 items, but got '21 items'"):
        workflow(training_job_definition=definition(input_data_config=channels))


def test_duplicate_channel_names() -> None:
    with fails("InputDataConfig[1].ChannelName: must be unique among the channels, but got 'train'"):
        workflow(training_job_definition=definition(input_data_config=[channel(), channel()]))


def test_channel_name_pattern() -> None:
    with fails(
        "TrainingJobDefinition.InputDataConfig[0].ChannelName: must match ^[A-Za-z0-9"
    ):
        workflow(training_job_definition=definition(input_data_config=[channel("my channel")]))


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


# Tags


def test_51_tags() -> None:
    with fails("Tags: must have between 0 and 50 items, but got '51 items'"):
        workflow(tags={f"k{i}": "v" for i in range(51)})


def test_tag_key_longer_than_128() -> None:
    with fails("Tags[0].Key: length must be between 1 and 128 characters"):
        workflow(tags={"k" * 129: "v"})


def test_tag_key_with_aws_prefix() -> None:
    with fails("Tags[0].Key: must not start with the reserved prefix 'aws:'"):
        workflow(tags={"aws:owner": "me"})


# Parameter ranges


def test_range_min_not_below_max() -> None:
    ranges = [sm.ContinuousParameterRange(name="eta", min_value=0.5, max_value=0.1)]
    with fails("ParameterRanges.ContinuousParameterRanges[0].MinValue: must be less than MaxValue (0.1), but got '0.5'"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_logarithmic_needs_positive_min() -> None:
    ranges = [
        sm.ContinuousParameterRange(name="eta", min_value=0, max_value=1, scaling_type=sm.ScalingType.LOGARITHMIC)
    ]
    with fails("ParameterRanges.ContinuousParameterRanges[0].MinValue: must be greater than 0 with Logarithmic scaling"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_reverse_logarithmic_needs_range_within_0_and_1() -> None:
    scaling = sm.ScalingType.REVERSE_LOGARITHMIC
    ranges = [sm.ContinuousParameterRange(name="momentum", min_value=0.5, max_value=1.0, scaling_type=scaling)]
    with fails("ParameterRanges[0]: ReverseLogarithmic scaling needs 0 <= MinValue < MaxValue < 1, but got '0.5..1.0'"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_reverse_logarithmic_not_for_integers() -> None:
    scaling = sm.ScalingType.REVERSE_LOGARITHMIC
    ranges = [sm.IntegerParameterRange(name="depth", min_value=0, max_value=1, scaling_type=scaling)]
    with fails("ParameterRanges[0].ScalingType: ReverseLogarithmic is only allowed for continuous ranges"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_integer_range_with_float_bound() -> None:
    ranges = [sm.IntegerParameterRange(name="depth", min_value=1.5, max_value=4)]  # type: ignore[arg-type]
    with fails("ParameterRanges[0].MinValue: must be an integer, but got 1.5"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_duplicate_range_names() -> None:
    ranges = [
        sm.ContinuousParameterRange(name="eta", min_value=0.1, max_value=0.2),
        sm.IntegerParameterRange(name="eta", min_value=1, max_value=2),
    ]
    with fails("ParameterRanges.IntegerParameterRanges[0].Name: must be unique among the parameter ranges, but got 'eta'"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_31_ranges_of_one_kind() -> None:
    ranges = [sm.IntegerParameterRange(name=f"p{i}", min_value=1, max_value=2) for i in range(31)]
    with fails("ParameterRanges.IntegerParameterRanges: must have between 0 and 30 items, but got '31 items'"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_categorical_values_repeated() -> None:
    ranges = [sm.CategoricalParameterRange(name="booster", values=["gbtree", "gbtree"])]
    with fails("ParameterRanges[0].Values: must not repeat a value"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_categorical_values_a_single_string() -> None:
    ranges = [sm.CategoricalParameterRange(name="booster", values="gbtree")]
    with fails("ParameterRanges[0].Values: must be a list of strings, not one string, but got 'gbtree'"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_31_categorical_values() -> None:
    ranges = [sm.CategoricalParameterRange(name="c", values=[str(i) for i in range(31)])]
    with fails("ParameterRanges[0].Values: must have between 1 and 30 items, but got '31 items'"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


# Resource limits and strategies


def test_more_parallel_than_total_jobs() -> None:
    limits = sm.ResourceLimits(max_number_of_training_jobs=2, max_parallel_training_jobs=3)
    with fails("ResourceLimits.MaxParallelTrainingJobs: must not exceed MaxNumberOfTrainingJobs (2), but got 3"):
        workflow(hyper_parameter_tuning_job_config=config(resource_limits=limits))


def test_zero_parallel_jobs() -> None:
    limits = sm.ResourceLimits(max_number_of_training_jobs=2, max_parallel_training_jobs=0)
    with fails("ResourceLimits.MaxParallelTrainingJobs: must be at least 1, but got 0"):
        workflow(hyper_parameter_tuning_job_config=config(resource_limits=limits))


def test_bayesian_without_total_jobs() -> None:
    limits = sm.ResourceLimits(max_parallel_training_jobs=2)
    with fails("ResourceLimits.MaxNumberOfTrainingJobs: is required with the Bayesian strategy, but got None"):
        workflow(hyper_parameter_tuning_job_config=config(resource_limits=limits))


def test_grid_with_total_jobs() -> None:
    grid = config(
        strategy=sm.Strategy.GRID, parameter_ranges=[sm.CategoricalParameterRange(name="c", values=["a", "b"])]
    )
    with fails("ResourceLimits.MaxNumberOfTrainingJobs: must equal the number of categorical combinations"):
        workflow(hyper_parameter_tuning_job_config=grid)


def test_grid_with_continuous_range() -> None:
    grid = config(strategy=sm.Strategy.GRID, resource_limits=sm.ResourceLimits(max_parallel_training_jobs=2))
    with fails("ParameterRanges: must hold only categorical ranges with the Grid strategy"):
        workflow(hyper_parameter_tuning_job_config=grid)


def test_strategy_given_as_the_api_string() -> None:
    wf = workflow(hyper_parameter_tuning_job_config=config(strategy="Random"))
    assert wf.request["HyperParameterTuningJobConfig"]["Strategy"] == "Random"


def test_strategy_neither_member_nor_api_string() -> None:
    with fails("HyperParameterTuningJobConfig.Strategy: must be one of Strategy.BAYESIAN"):
        workflow(hyper_parameter_tuning_job_config=config(strategy="bayesian"))


def test_empty_objective_metric_name() -> None:
    objective = sm.TuningObjective(metric_name="", type=sm.ObjectiveType.MINIMIZE)
    with fails("HyperParameterTuningJobObjective.MetricName: length must be between 1 and 255"):
        workflow(hyper_parameter_tuning_job_config=config(objective=objective))


# Resources and time


def test_negative_instance_count() -> None:
    # botocore's model (what runs on AWS) sets the minimum at 0.
    with fails("ResourceConfig.InstanceCount: must be at least 0, but got -1"):
        workflow(training_job_definition=definition(resource_config=sm.ResourceConfig(instance_count=-1)))


def test_instance_type_without_ml_prefix() -> None:
    with fails("ResourceConfig.InstanceType: must be one of ml.m4.xlarge"):
        workflow(training_job_definition=definition(resource_config=sm.ResourceConfig(instance_type="m5.xlarge")))


def test_instance_type_unknown_to_sagemaker() -> None:
    """Caught by SageMaker's API model (botocore): the enum of training instance types."""
    with fails("TrainingJobDefinition.ResourceConfig.InstanceType: must be one of ml.m4.xlarge"):
        workflow(training_job_definition=definition(resource_config=sm.ResourceConfig(instance_type="ml.x9.mega")))


def test_volume_size_not_a_size() -> None:
    config_ = sm.ResourceConfig(volume_size=30)  # type: ignore[arg-type]
    with fails("ResourceConfig.VolumeSizeInGB: must be a Size, e.g. Size.gibibytes(30), but got 30"):
        workflow(training_job_definition=definition(resource_config=config_))


def test_max_runtime_over_28_days() -> None:
    stopping = sm.StoppingCondition(max_runtime=cdk.Duration.days(29))
    with fails("StoppingCondition.MaxRuntimeInSeconds: must be at most 2419200, but got 2505600"):
        workflow(training_job_definition=definition(stopping_condition=stopping))


def test_timeout_over_a_year() -> None:
    with fails("timeout: must be at most 31536000"):
        workflow(timeout=cdk.Duration.days(366))


# Algorithm


def test_image_and_algorithm_name_together() -> None:
    spec = sm.AlgorithmSpecification(training_image=sm.TrainingImage.from_registry("a/b:1"), algorithm_name="algo")
    with fails("AlgorithmSpecification: needs exactly one of TrainingImage or AlgorithmName"):
        workflow(training_job_definition=definition(algorithm_specification=spec))


def test_neither_image_nor_algorithm_name() -> None:
    with fails("AlgorithmSpecification: needs exactly one of TrainingImage or AlgorithmName"):
        workflow(training_job_definition=definition(algorithm_specification=sm.AlgorithmSpecification()))


def test_41_metric_definitions() -> None:
    metrics = [sm.MetricDefinition(name=f"m{i}", regex="x=(.*)") for i in range(41)]
    spec = sm.AlgorithmSpecification(algorithm_name="my-algorithm", metric_definitions=metrics)
    with fails("AlgorithmSpecification.MetricDefinitions: must have between 0 and 40 items, but got '41 items'"):
        workflow(training_job_definition=definition(algorithm_specification=spec))


def test_metric_regex_longer_than_500() -> None:
    spec = sm.AlgorithmSpecification(
        algorithm_name="a", metric_definitions=[sm.MetricDefinition(name="m", regex="x" * 501)]
    )
    with fails("MetricDefinitions[0].Regex: length must be between 1 and 500"):
        workflow(training_job_definition=definition(algorithm_specification=spec))


def test_image_uri_with_space() -> None:
    with fails("TrainingImage: must not contain spaces"):
        sm.TrainingImage.from_registry("123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1 ")


# Warm start


def test_six_warm_start_parents() -> None:
    warm = sm.WarmStartConfig(parent_tuning_job_names=[f"parent-{i}" for i in range(6)])
    with fails("WarmStartConfig.ParentHyperParameterTuningJobs: must have between 1 and 5 items, but got '6 items'"):
        workflow(warm_start_config=warm)


def test_warm_start_parent_name_with_underscore() -> None:
    warm = sm.WarmStartConfig(parent_tuning_job_names=["old_job"])
    with fails("ParentHyperParameterTuningJobs[0].HyperParameterTuningJobName: must match"):
        workflow(warm_start_config=warm)


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


def test_tuning_max_runtime_under_120_seconds() -> None:
    limits = sm.ResourceLimits(
        max_number_of_training_jobs=2, max_parallel_training_jobs=1, max_runtime=cdk.Duration.seconds(60)
    )
    with fails("ResourceLimits.MaxRuntimeInSeconds: must be at least 120, but got 60"):
        workflow(hyper_parameter_tuning_job_config=config(resource_limits=limits))


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


def test_spot_training_without_max_wait_time() -> None:
    with fails(
        "TrainingJobDefinition.StoppingCondition.MaxWaitTimeInSeconds: is required with EnableManagedSpotTraining"
    ):
        workflow(training_job_definition=definition(enable_managed_spot_training=True))
