"""One test per validation rule of the training fields and the rest of the current tuning API."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

import constructs_sm as sm
from tests.builders import channel, config, definition, workflow
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


def several(*definitions: sm.TrainingJobDefinition, **config_changes: Any) -> sm.TuningWorkflow:
    return workflow(
        training_job_definition=None,
        training_job_definitions=list(definitions),
        hyper_parameter_tuning_job_config=config(objective=None, parameter_ranges=(), **config_changes),
    )


def algorithm(name: str, metric: str = "validation:auc", **changes: Any) -> sm.TrainingJobDefinition:
    return definition(
        definition_name=name,
        tuning_objective=sm.TuningObjective(metric_name=metric, type=sm.ObjectiveType.MAXIMIZE),
        hyper_parameter_ranges=[sm.ContinuousParameterRange(name="eta", min_value=0.1, max_value=0.5)],
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


# Spot training, stopping condition


def test_spot_job_without_max_wait_time() -> None:
    with fails("StoppingCondition.MaxWaitTimeInSeconds: is required with EnableManagedSpotTraining"):
        training(enable_managed_spot_training=True)


def test_max_wait_time_without_spot_training() -> None:
    with fails("StoppingCondition.MaxWaitTimeInSeconds: is only allowed with EnableManagedSpotTraining"):
        training(stopping_condition=sm.StoppingCondition(max_wait_time=cdk.Duration.days(2)))


def test_max_wait_time_below_max_runtime() -> None:
    with fails("StoppingCondition.MaxWaitTimeInSeconds: must be at least MaxRuntimeInSeconds (7200), but got 3600"):
        training(
            enable_managed_spot_training=True,
            stopping_condition=sm.StoppingCondition(
                max_runtime=cdk.Duration.hours(2), max_wait_time=cdk.Duration.hours(1)
            ),
        )


def test_spot_training_with_a_warm_pool() -> None:
    with fails("ResourceConfig.KeepAlivePeriodInSeconds: is not allowed with EnableManagedSpotTraining"):
        spot(resource_config=sm.ResourceConfig(keep_alive_period=cdk.Duration.minutes(10)))


# Checkpoints, retries, environment


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


def test_retry_strategy_of_31_attempts() -> None:
    with fails("RetryStrategy.MaximumRetryAttempts: must be at most 30, but got 31"):
        training(retry_strategy=sm.RetryStrategy(maximum_retry_attempts=31))


def test_retry_strategy_of_0_attempts() -> None:
    with fails("RetryStrategy.MaximumRetryAttempts: must be at least 1, but got 0"):
        training(retry_strategy=sm.RetryStrategy(maximum_retry_attempts=0))


def test_101_environment_entries_for_training() -> None:
    with fails("Environment: must have between 0 and 100 items, but got '101 items'"):
        training(environment={f"V{i}": "1" for i in range(101)})


def test_49_environment_entries_in_a_tuning_definition() -> None:
    with fails("TrainingJobDefinition.Environment: must have between 0 and 48 items, but got '49 items'"):
        workflow(training_job_definition=definition(environment={f"V{i}": "1" for i in range(49)}))


def test_environment_key_not_a_variable_name() -> None:
    with fails("Environment key: must match ^[a-zA-Z_][a-zA-Z0-9_]*$"):
        training(environment={"1-bad": "x"})


def test_environment_value_longer_than_512() -> None:
    with fails("Environment.MODE: length must be between 0 and 512 characters"):
        training(environment={"MODE": "x" * 513})


def test_output_compression_given_as_a_wrong_string() -> None:
    with fails("OutputDataConfig.CompressionType: must be one of OutputCompressionType.GZIP"):
        training(
            output_data_config=sm.OutputDataConfig(
                s3_output_path=sm.S3Location.from_uri("s3://example-bucket/out/"), compression_type="gzip"
            )
        )


# Resources


def test_instance_groups_with_instance_type_also_set() -> None:
    groups = [sm.InstanceGroup(instance_group_name="a", instance_type="ml.m5.xlarge", instance_count=1)]
    with fails("ResourceConfig.InstanceGroups: replaces InstanceType and InstanceCount"):
        training(resource_config=sm.ResourceConfig(instance_type="ml.m5.xlarge", instance_groups=groups))


def test_six_instance_groups() -> None:
    groups = [
        sm.InstanceGroup(instance_group_name=f"g{i}", instance_type="ml.m5.xlarge", instance_count=1) for i in range(6)
    ]
    with fails("ResourceConfig.InstanceGroups: must have between 0 and 5 items"):
        training(resource_config=sm.ResourceConfig(instance_groups=groups))


def test_instance_group_names_repeated() -> None:
    groups = [sm.InstanceGroup(instance_group_name="g", instance_type="ml.m5.xlarge", instance_count=1)] * 2
    with fails("ResourceConfig.InstanceGroups: must give each group a unique InstanceGroupName"):
        training(resource_config=sm.ResourceConfig(instance_groups=groups))


def test_instance_group_name_longer_than_64() -> None:
    groups = [sm.InstanceGroup(instance_group_name="g" * 65, instance_type="ml.m5.xlarge", instance_count=1)]
    with fails("ResourceConfig.InstanceGroups[0].InstanceGroupName: length must be between 1 and 64"):
        training(resource_config=sm.ResourceConfig(instance_groups=groups))


def test_keep_alive_over_6_hours() -> None:
    with fails("ResourceConfig.KeepAlivePeriodInSeconds: must be at most 21600"):
        training(resource_config=sm.ResourceConfig(keep_alive_period=cdk.Duration.hours(7)))


def test_tuning_resource_config_with_resource_config_also_set() -> None:
    tuning_resources = sm.HyperParameterTuningResourceConfig(
        instance_configs=[sm.HyperParameterTuningInstanceConfig(instance_type="ml.m5.xlarge")]
    )
    with fails("TrainingJobDefinition.HyperParameterTuningResourceConfig: replaces ResourceConfig"):
        workflow(
            training_job_definition=definition(
                resource_config=sm.ResourceConfig(), hyper_parameter_tuning_resource_config=tuning_resources
            )
        )


def test_seven_tuning_instance_configs() -> None:
    configs = [sm.HyperParameterTuningInstanceConfig(instance_type="ml.m5.xlarge")] * 7
    with fails("TrainingJobDefinition.HyperParameterTuningResourceConfig.InstanceConfigs: must have between 1 and 6"):
        workflow(
            training_job_definition=definition(
                hyper_parameter_tuning_resource_config=sm.HyperParameterTuningResourceConfig(instance_configs=configs)
            )
        )


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


def test_101_container_arguments() -> None:
    with fails("AlgorithmSpecification.ContainerArguments: must have between 1 and 100 items"):
        training(algorithm_specification=_spec(container_arguments=["x"] * 101))


def test_container_argument_longer_than_256() -> None:
    with fails("AlgorithmSpecification.ContainerArguments[0]: length must be between 0 and 256"):
        training(algorithm_specification=_spec(container_arguments=["x" * 257]))


def test_training_only_algorithm_field_in_a_tuning_definition() -> None:
    with fails(
        "TrainingJobDefinition.AlgorithmSpecification.EnableSageMakerMetricsTimeSeries: is not a field of "
        "HyperParameterAlgorithmSpecification"
    ):
        workflow(
            training_job_definition=definition(algorithm_specification=_spec(enable_sagemaker_metrics_time_series=True))
        )


def test_registry_credentials_without_vpc_access_mode() -> None:
    stack = new_stack()
    provider = lambda_.Function.from_function_arn(stack, "F", "arn:aws:lambda:us-east-1:123456789012:function:creds")
    image_config = sm.TrainingImageConfig(
        training_repository_access_mode=sm.TrainingRepositoryAccessMode.PLATFORM, credentials_provider=provider
    )
    with fails(
        "AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig: authenticates to a private registry"
    ):
        sm.TrainingWorkflow(
            stack,
            "T",
            training_job_definition=definition(algorithm_specification=_spec(training_image_config=image_config)),
        )


def test_private_registry_without_a_vpc() -> None:
    with fails("VpcConfig: is required to reach a FileSystemDataSource or a private registry"):
        training(algorithm_specification=_spec(training_image_config=sm.TrainingImageConfig()))


def _file_system(**changes: Any) -> sm.Channel:
    source = dict(file_system_id="fs-0123456789abcdef0", file_system_type=sm.FileSystemType.EFS, directory_path="/data")
    source.update(changes)
    return sm.Channel(channel_name="fs", data_source=sm.FileSystemDataSource(**source))  # type: ignore[arg-type]


def test_file_system_data_source_without_a_vpc() -> None:
    with fails("VpcConfig: is required to reach a FileSystemDataSource"):
        training(input_data_config=[_file_system()])


def test_file_system_id_pattern() -> None:
    with fails("InputDataConfig[0].DataSource.FileSystemDataSource.FileSystemId: must match ^(fs-[0-9a-f]{8,})$"):
        training(input_data_config=[_file_system(file_system_id="efs-01234567")])


def test_file_system_directory_path_relative() -> None:
    with fails("InputDataConfig[0].DataSource.FileSystemDataSource.DirectoryPath: must be an absolute path"):
        training(input_data_config=[_file_system(directory_path="data")])


# Tuning configuration


def test_hyperband_with_early_stopping_auto() -> None:
    with fails("HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType: must be Off with the Hyperband strategy"):
        workflow(
            hyper_parameter_tuning_job_config=config(
                strategy=sm.Strategy.HYPERBAND, training_job_early_stopping_type=sm.EarlyStoppingType.AUTO
            )
        )


def test_strategy_config_without_hyperband() -> None:
    with fails("HyperParameterTuningJobConfig.StrategyConfig: is only allowed with the Hyperband strategy"):
        workflow(hyper_parameter_tuning_job_config=config(strategy_config=sm.HyperbandStrategyConfig(min_resource=1)))


def test_hyperband_min_resource_above_max_resource() -> None:
    bounds = sm.HyperbandStrategyConfig(min_resource=10, max_resource=5)
    with fails("HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource: must not exceed MaxResource (5)"):
        workflow(hyper_parameter_tuning_job_config=config(strategy=sm.Strategy.HYPERBAND, strategy_config=bounds))


def test_hyperband_min_resource_of_0() -> None:
    bounds = sm.HyperbandStrategyConfig(min_resource=0)
    with fails("HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource: must be at least 1"):
        workflow(hyper_parameter_tuning_job_config=config(strategy=sm.Strategy.HYPERBAND, strategy_config=bounds))


def test_completion_criteria_without_a_criterion() -> None:
    with fails("HyperParameterTuningJobConfig.TuningJobCompletionCriteria: needs at least one criterion"):
        workflow(
            hyper_parameter_tuning_job_config=config(tuning_job_completion_criteria=sm.TuningJobCompletionCriteria())
        )


def test_best_objective_not_improving_for_2_jobs() -> None:
    criteria = sm.TuningJobCompletionCriteria(
        best_objective_not_improving=sm.BestObjectiveNotImproving(max_number_of_training_jobs_not_improving=2)
    )
    with fails("BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving: must be at least 3, but got 2"):
        workflow(hyper_parameter_tuning_job_config=config(tuning_job_completion_criteria=criteria))


def test_target_objective_value_not_finite() -> None:
    criteria = sm.TuningJobCompletionCriteria(target_objective_metric_value=float("nan"))
    with fails("TuningJobCompletionCriteria.TargetObjectiveMetricValue: must be a finite number"):
        workflow(hyper_parameter_tuning_job_config=config(tuning_job_completion_criteria=criteria))


def test_negative_random_seed() -> None:
    with fails("HyperParameterTuningJobConfig.RandomSeed: must be at least 0, but got -1"):
        workflow(hyper_parameter_tuning_job_config=config(random_seed=-1))


def test_auto_parameters_without_autotune() -> None:
    ranges = [sm.AutoParameter(name="eta", value_hint="0.1")]
    with fails("ParameterRanges.AutoParameters: are only used with Autotune enabled"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges))


def test_101_auto_parameters() -> None:
    ranges = [sm.AutoParameter(name=f"p{i}", value_hint="1") for i in range(101)]
    with fails("HyperParameterTuningJobConfig.ParameterRanges.AutoParameters: must have between 0 and 100 items"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges), autotune=True)


def test_auto_parameter_value_hint_longer_than_256() -> None:
    ranges = [sm.AutoParameter(name="eta", value_hint="1" * 257)]
    with fails("HyperParameterTuningJobConfig.ParameterRanges.AutoParameters[0].ValueHint: length must be between 0 and 256"):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=ranges), autotune=True)


# One definition or several


def test_both_training_job_definition_and_definitions() -> None:
    with fails("TrainingJobDefinitions: takes TrainingJobDefinition or TrainingJobDefinitions, not both"):
        workflow(training_job_definitions=[algorithm("xgboost")])


def test_neither_training_job_definition_nor_definitions() -> None:
    with fails("TrainingJobDefinition: needs exactly one of TrainingJobDefinition or TrainingJobDefinitions"):
        workflow(training_job_definition=None)


def test_single_definition_without_an_objective() -> None:
    with fails("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective: is required with a single"):
        workflow(hyper_parameter_tuning_job_config=config(objective=None))


def test_single_definition_with_its_own_ranges() -> None:
    with fails("TrainingJobDefinition.HyperParameterRanges: is only allowed in TrainingJobDefinitions"):
        workflow(
            training_job_definition=definition(hyper_parameter_ranges=[sm.AutoParameter(name="a", value_hint="1")])
        )


def test_definition_name_in_a_training_job() -> None:
    with fails("DefinitionName: is only allowed in a tuning job's training job definition"):
        training(definition_name="xgboost")


def test_eleven_definitions() -> None:
    with fails("TrainingJobDefinitions: must have between 1 and 10 items"):
        several(*[algorithm(f"a{i}") for i in range(11)])


def test_several_definitions_with_the_config_objective() -> None:
    with fails(
        "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective: must not be set with TrainingJobDefinitions"
    ):
        workflow(training_job_definition=None, training_job_definitions=[algorithm("a"), algorithm("b")])


def test_several_definitions_one_without_a_name() -> None:
    with fails("TrainingJobDefinitions[1].DefinitionName: is required in each of several definitions"):
        several(algorithm("a"), dataclasses.replace(algorithm("b"), definition_name=None))


def test_several_definitions_one_without_an_objective() -> None:
    with fails("TrainingJobDefinitions[0].TuningObjective: is required in each of several definitions"):
        several(dataclasses.replace(algorithm("a"), tuning_objective=None), algorithm("b"))


def test_several_definitions_with_the_same_name() -> None:
    with fails("TrainingJobDefinitions[1].DefinitionName: must be unique among the definitions"):
        several(algorithm("a"), algorithm("a"))


def test_definition_name_with_underscore() -> None:
    with fails("TrainingJobDefinitions[0].DefinitionName: must match"):
        several(algorithm("x_gb"), algorithm("b"))


def test_grid_definition_with_a_continuous_range() -> None:
    with fails(
        "TrainingJobDefinitions[0].HyperParameterRanges: must hold only categorical ranges with the Grid strategy"
    ):
        several(
            algorithm("a"),
            algorithm("b"),
            strategy=sm.Strategy.GRID,
            resource_limits=sm.ResourceLimits(max_parallel_training_jobs=2),
        )


def test_static_hyperparameter_also_in_a_definitions_ranges() -> None:
    with fails("TrainingJobDefinitions[0].StaticHyperParameters: must not name a hyperparameter that is also in"):
        several(algorithm("a", static_hyper_parameters={"eta": "0.2"}), algorithm("b"))


def test_channel_of_a_definition_still_checked() -> None:
    with fails("TrainingJobDefinitions[1].InputDataConfig[0].ChannelName: must match ^[A-Za-z0-9"):
        several(algorithm("a"), algorithm("b", input_data_config=[channel("bad name")]))
