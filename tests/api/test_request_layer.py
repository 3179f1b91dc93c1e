"""The request layer: execution-time values, hostile literals, the integration table, the rules table."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.api._integration import OPTIMIZED_FIELDS
from constructs_sm.api._rules import RULES
from tests.builders import config, definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import resources

_MODEL = botocore.session.get_session().get_service_model("sagemaker")


def fails(message: str) -> Any:
    return pytest.raises(sm.ValidationError, match=re.escape(message))


def machine(stack: cdk.Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    """The definition and the substitutions of the stack's one state machine."""
    template = Template.from_stack(stack).to_json()
    (resource,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    return json.loads(resource["Properties"]["DefinitionString"]), resource["Properties"]["DefinitionSubstitutions"]


def create_parameters(stack: cdk.Stack) -> dict[str, Any]:
    return dict(machine(stack)[0]["States"]["Create tuning job"]["Parameters"])


# Execution-time values: only from explicit paths


def test_json_path_tokens_render_as_paths_on_every_field() -> None:
    stack = new_stack()
    workflow(
        stack,
        hyper_parameter_tuning_job_config=config(
            resource_limits=sm.ResourceLimits(
                max_parallel_training_jobs=2,
                max_number_of_training_jobs=sfn.JsonPath.number_at("$.MaxJobs"),
            )
        ),
        training_job_definition=definition(
            resource_config=sm.ResourceConfig(
                instance_type=sfn.JsonPath.string_at("$.InstanceType"),
                instance_count=sfn.JsonPath.number_at("$.InstanceCount"),
            ),
            static_hyper_parameters={"num_round": sfn.JsonPath.string_at("$.Rounds")},
            input_data_config=[
                sm.Channel(
                    channel_name="train",
                    data_source=sm.S3DataSource(
                        location=sm.S3Location.from_json_path(
                            "$.TrainUri", bucket="example-bucket", key_prefix="train/"
                        )
                    ),
                )
            ],
        ),
    )
    parameters = create_parameters(stack)
    job = parameters["TrainingJobDefinition"]
    assert job["ResourceConfig"]["InstanceType.$"] == "$.InstanceType"
    assert job["ResourceConfig"]["InstanceCount.$"] == "$.InstanceCount"
    assert job["StaticHyperParameters"] == {"num_round.$": "$.Rounds"}
    assert job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri.$"] == "$.TrainUri"
    assert parameters["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs.$"] == "$.MaxJobs"
    # The grant stays on the declared scope, not on whatever the input names.
    policies = [
        r for r in Template.from_stack(stack).to_json()["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
    ]
    assert "arn:aws:s3:::example-bucket/train/*" in json.dumps(policies)


def test_a_literal_dollar_string_stays_a_literal() -> None:
    stack = new_stack()
    workflow(stack, training_job_definition=definition(static_hyper_parameters={"path": "$.not-a-path"}))
    assert create_parameters(stack)["TrainingJobDefinition"]["StaticHyperParameters"] == {"path": "$.not-a-path"}


def test_a_key_ending_in_dot_dollar_is_refused() -> None:
    with fails("TrainingJobDefinition.StaticHyperParameters.lr.$: must not end in '.$'"):
        workflow(training_job_definition=definition(static_hyper_parameters={"lr.$": "$.Rate"}))


def test_a_json_path_token_without_a_declared_scope_is_refused() -> None:
    # A client's request holds no S3Location: a URI it reads at execution time has no scope to grant on.
    request = json.loads(json.dumps(workflow(training_job_definition=definition()).request, default=str))
    channel = request["TrainingJobDefinition"]["InputDataConfig"][0]
    channel["DataSource"]["S3DataSource"]["S3Uri"] = sfn.JsonPath.string_at("$.Anywhere")
    with fails("DataSource.S3DataSource.S3Uri: is read at execution time without a declared scope"):
        sm.TuningWorkflow(new_stack(), "Raw", request=request)


def test_a_declared_scope_belongs_to_its_path_not_to_a_token() -> None:
    # The same JsonPath token at another path declares nothing there (no registry keyed by token).
    location = sm.S3Location.from_json_path("$.Data", bucket="example-bucket", key_prefix="train/")
    made = workflow(
        training_job_definition=definition(
            input_data_config=[sm.Channel(channel_name="train", data_source=sm.S3DataSource(location=location))]
        )
    )
    path = "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri"
    assert made.resources.request.declared[path].key_prefix == "train/"
    request = json.loads(json.dumps(workflow(training_job_definition=definition()).request, default=str))
    request["TrainingJobDefinition"]["CheckpointConfig"] = {"S3Uri": location.uri}
    with fails("CheckpointConfig.S3Uri: is read at execution time without a declared scope"):
        sm.TuningWorkflow(new_stack(), "Raw", request=request)


def test_user_text_can_never_name_a_substitution() -> None:
    stack = new_stack()
    workflow(
        stack,
        training_job_definition=definition(static_hyper_parameters={"p": "${ExecutionRoleArn}", "q": "${Undeclared}"}),
    )
    definition_, substitutions = machine(stack)
    static = definition_["States"]["Create tuning job"]["Parameters"]["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static == {"p": "${Dollar}{ExecutionRoleArn}", "q": "${Dollar}{Undeclared}"}
    assert substitutions["Dollar"] == "$"


def test_a_request_file_cannot_smuggle_a_cdk_token() -> None:
    request = json.loads(open("examples/requests/create-hyper-parameter-tuning-job.json").read())
    request["Tags"] = [{"Key": "team", "Value": "${Token[TOKEN.12]}"}]
    with fails("Tags[0].Value: must not contain '${Token[' (CDK's token syntax)"):
        sm.to_current_request(request)


# The integration table


def _tuning(**changes: Any) -> sm.TuningWorkflow:
    return workflow(new_stack(), **changes)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hyper_parameter_tuning_job_config": config(random_seed=7)}, "HyperParameterTuningJobConfig.RandomSeed"),
        (
            {
                "hyper_parameter_tuning_job_config": config(
                    tuning_job_completion_criteria=sm.TuningJobCompletionCriteria(target_objective_metric_value=0.9)
                )
            },
            "HyperParameterTuningJobConfig.TuningJobCompletionCriteria",
        ),
        (
            {
                "training_job_definition": definition(
                    output_data_config=sm.OutputDataConfig(
                        s3_output_path=sm.S3Location.from_uri("s3://example-bucket/output/"),
                        compression_type=sm.OutputCompressionType.NONE,
                    )
                )
            },
            "TrainingJobDefinition.OutputDataConfig.CompressionType",
        ),
        (
            {
                "training_job_definition": definition(
                    resource_config=sm.ResourceConfig(
                        instance_groups=[
                            sm.InstanceGroup(instance_group_name="a", instance_type="ml.m5.xlarge", instance_count=1)
                        ]
                    )
                )
            },
            "TrainingJobDefinition.ResourceConfig.InstanceGroups",
        ),
    ],
)
def test_a_nested_field_outside_the_table_chooses_the_aws_sdk_path(changes: dict[str, Any], field: str) -> None:
    chosen = _tuning(**changes)
    assert chosen.integration is sm.TuningIntegration.AWS_SDK
    assert chosen.resources.request.unsupported_by_optimized_integration() == [field]
    with fails(f"{field}: is not taken by the optimized integration"):
        _tuning(**changes, integration=sm.TuningIntegration.OPTIMIZED)


def test_fields_inside_the_table_keep_the_optimized_path() -> None:
    assert _tuning().integration is sm.TuningIntegration.OPTIMIZED
    assert (
        _tuning(integration="aws-sdk:sagemaker:createHyperParameterTuningJob").integration
        is sm.TuningIntegration.AWS_SDK
    )


def test_every_row_of_the_integration_table_is_a_field_of_the_model() -> None:
    for operation, rows in OPTIMIZED_FIELDS.items():
        for row in rows:
            shape = _MODEL.operation_model(operation).input_shape
            for name in row.replace("[]", "").split("."):
                shape = shape.members[name]
                shape = shape.member if shape.type_name == "list" else shape


# The rules table: what the typed props and request files do with it (each rule's own case: tests/api/)


def _grid(total: int | None) -> sm.HyperParameterTuningJobConfig:
    return config(
        strategy=sm.Strategy.GRID,
        resource_limits=sm.ResourceLimits(max_parallel_training_jobs=2, max_number_of_training_jobs=total),
        parameter_ranges=[
            sm.CategoricalParameterRange(name="a", values=["1", "2", "3"]),
            sm.CategoricalParameterRange(name="b", values=["x", "y"]),
        ],
    )


def test_grid_takes_the_number_of_combinations_or_none() -> None:
    with_total = workflow(hyper_parameter_tuning_job_config=_grid(6))
    assert with_total.request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 6
    stack = new_stack()
    workflow(stack, hyper_parameter_tuning_job_config=_grid(None))
    # The timeout covers the whole grid: 6 combinations, 2 at a time, each job at most 1 day, plus an hour.
    assert machine(stack)[0]["TimeoutSeconds"] == 3 * 86400 + 3600


def test_grid_with_empty_lists_of_other_kinds_as_the_sdk_sends_them() -> None:
    request = json.loads(open("examples/requests/create-hyper-parameter-tuning-job.json").read())
    config_ = request["HyperParameterTuningJobConfig"]
    config_["Strategy"] = "Grid"
    config_["ParameterRanges"] = {
        "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}],
        "ContinuousParameterRanges": [],
        "IntegerParameterRanges": [],
    }
    config_["ResourceLimits"] = {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 2}
    config_.pop("TrainingJobEarlyStoppingType", None)
    assert sm.to_current_request(request)["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"] == []


def test_strict_numbers_in_range_bounds() -> None:
    request = json.loads(open("examples/requests/create-hyper-parameter-tuning-job.json").read())
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    kind = next(k for k in ("ContinuousParameterRanges", "IntegerParameterRanges") if ranges.get(k))
    ranges[kind][0]["MaxValue"] = "1_0"
    with fails(f"HyperParameterTuningJobConfig.ParameterRanges.{kind}[0].MaxValue: must be"):
        sm.to_current_request(request)


def test_duplicate_tag_keys() -> None:
    request = json.loads(open("examples/requests/create-hyper-parameter-tuning-job.json").read())
    request["Tags"] = [{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}]
    with fails("Tags[1].Key: must be unique among the tags, but got 'team'"):
        sm.to_current_request(request)


def test_single_instance_tuning_resource_config_as_the_sdk_sends_it() -> None:
    request = json.loads(open("examples/requests/create-hyper-parameter-tuning-job.json").read())
    job = request["TrainingJobDefinition"]
    job["HyperParameterTuningResourceConfig"] = {
        "InstanceType": "ml.m5.xlarge",
        "InstanceCount": 1,
        "VolumeSizeInGB": 30,
    }
    del job["ResourceConfig"]
    stack = new_stack()
    sm.tuning_workflow_from_request(stack, "Imported", request)
    sent = create_parameters(stack)["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]
    assert sent == {**job["HyperParameterTuningResourceConfig"], "VolumeKmsKeyId": "${KeyArn}"}
    job["HyperParameterTuningResourceConfig"]["InstanceConfigs"] = [
        {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    ]
    with fails("HyperParameterTuningResourceConfig.InstanceType: is only allowed without InstanceConfigs"):
        sm.to_current_request(request)


def test_every_rule_names_its_source_and_a_path() -> None:
    for operation, rules in RULES.items():
        _MODEL.operation_model(operation)
        for _path, rule, source in rules:
            assert callable(rule) and source, (operation, rule)


# Enums are the model's


@pytest.mark.parametrize(
    ("enum", "shape"),
    [
        (sm.Strategy, "HyperParameterTuningJobStrategyType"),
        (sm.ObjectiveType, "HyperParameterTuningJobObjectiveType"),
        (sm.ScalingType, "HyperParameterScalingType"),
        (sm.EarlyStoppingType, "TrainingJobEarlyStoppingType"),
        (sm.WarmStartType, "HyperParameterTuningJobWarmStartType"),
        (sm.CompleteOnConvergence, "CompleteOnConvergence"),
        (sm.InputMode, "TrainingInputMode"),
        (sm.S3DataType, "S3DataType"),
        (sm.S3DataDistributionType, "S3DataDistribution"),
        (sm.CompressionType, "CompressionType"),
        (sm.RecordWrapperType, "RecordWrapper"),
        (sm.FileSystemType, "FileSystemType"),
        (sm.FileSystemAccessMode, "FileSystemAccessMode"),
        (sm.TrainingRepositoryAccessMode, "TrainingRepositoryAccessMode"),
        (sm.OutputCompressionType, "OutputCompressionType"),
        (sm.AllocationStrategy, "HyperParameterTuningAllocationStrategy"),
    ],
)
def test_enums_hold_the_models_values(enum: Any, shape: str) -> None:
    assert sorted(m.value for m in enum) == sorted(_MODEL.shape_for(shape).enum)


def test_owned_paths_replace_the_requests_role_and_keys() -> None:
    request = json.loads(open("examples/requests/create-training-job.json").read())
    stack = new_stack()
    sm.training_workflow_from_request(stack, "Imported", request)
    sent = machine(stack)[0]["States"]["Create training job"]["Parameters"]
    assert sent["RoleArn"] == "${ExecutionRoleArn}"
    assert sent["OutputDataConfig"]["KmsKeyId"] == sent["ResourceConfig"]["VolumeKmsKeyId"] == "${KeyArn}"


def test_optional_members_the_rules_read_may_be_absent() -> None:
    """botocore makes AlgorithmSpecification and StoppingCondition optional in CreateTrainingJob
    (serverless jobs); the rules read them without assuming them."""
    request = json.loads(open("examples/requests/create-training-job.json").read())
    request.pop("EnableManagedSpotTraining")
    request["StoppingCondition"].pop("MaxWaitTimeInSeconds")
    for member in ("AlgorithmSpecification", "StoppingCondition"):
        changed = {k: v for k, v in request.items() if k != member}
        assert member not in sm.to_current_request(changed, shape=sm.RequestShape.CREATE_TRAINING_JOB)


def test_instance_preferences_are_a_third_resource_form() -> None:
    request = json.loads(open("examples/requests/create-training-job.json").read())
    request.pop("EnableManagedSpotTraining")
    request["StoppingCondition"].pop("MaxWaitTimeInSeconds")
    resources = request["ResourceConfig"]
    resources["InstancePreferences"] = [{"InstanceType": resources.pop("InstanceType")}]
    assert sm.to_current_request(request)["ResourceConfig"]["InstancePreferences"]
