"""Fine-grained assertions on the spot training workflow and the training task: definition, IAM, checkpoints, timeout."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

import constructs_sm as sm
from tests.api_shapes import problems
from tests.builders import channel, config, definition
from tests.conftest import new_stack
from tests.template_helpers import (
    actions,
    flat,
    only,
    role_assumed_by,
    statement_with,
    statements_of_role,
)
from tests.template_helpers import definition as asl


@pytest.fixture(scope="module")
def spot(example_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_templates["SpotTraining"]


def test_states_name_create_report(spot: dict[str, Any]) -> None:
    machine = asl(spot)
    states = machine["States"]
    assert machine["StartAt"] == "Check input"
    assert [rule["Next"] for rule in states["Check input"]["Choices"]] == ["Invalid input", "Create training job"]
    assert states["Create training job"]["End"] is True
    assert {"Generate name", "Succeeded"}.isdisjoint(states)
    # The report's Pass state serves only the polling loop, entered after a Find job.
    assert [n for n, s in states.items() if s.get("Next") == "Report training job" or any(
        r.get("Next") == "Report training job" for r in s.get("Choices", []))] == ["Job status"]


def test_create_uses_the_optimized_sync_integration(spot: dict[str, Any]) -> None:
    create = asl(spot)["States"]["Create training job"]
    assert create["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    assert create["Parameters"]["TrainingJobName.$"] == "$jobName"
    assert "ResultPath" not in create, "the report (ResultSelector) is the execution's output"
    assert [c["Next"] for c in create["Catch"]] == ["Transient error", "Job failed"]


def test_request_carries_spot_checkpoints_retries_and_environment(spot: dict[str, Any]) -> None:
    parameters = asl(spot)["States"]["Create training job"]["Parameters"]
    assert parameters["EnableManagedSpotTraining"] is True
    assert parameters["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 14400}
    assert parameters["CheckpointConfig"] == {
        "S3Uri": "s3://example-ml-data/checkpoints/xgboost/",
        "LocalPath": "/opt/ml/checkpoints",
    }
    assert parameters["RetryStrategy"] == {"MaximumRetryAttempts": 2}
    assert parameters["Environment"] == {"SM_LOG_LEVEL": "20"}
    assert parameters["HyperParameters"]["eval_metric"] == "auc"
    assert "StaticHyperParameters" not in parameters
    assert parameters["OutputDataConfig"] == {
        "S3OutputPath": "s3://example-ml-data/models/spot/",
        "KmsKeyId": "${KeyArn}",
    }
    assert parameters["RoleArn"] == "${ExecutionRoleArn}"
    assert problems("CreateTrainingJob", parameters) == []


def test_success_reports_artifacts_and_the_whole_description(spot: dict[str, Any]) -> None:
    report = asl(spot)["States"]["Create training job"]["ResultSelector"]
    assert report["S3ModelArtifacts.$"] == "$.ModelArtifacts.S3ModelArtifacts"
    # FinalMetricDataList, HyperParameters, BillableTimeInSeconds ride in the description.
    assert report["TrainingJob.$"] == "$"
    assert report["TrainingJobName.$"] == "$.TrainingJobName"


def test_timeout_covers_every_attempt_at_the_max_wait_time(spot: dict[str, Any]) -> None:
    # 4 hours of wait time, 1 attempt and 2 retries, plus an hour.
    assert asl(spot)["TimeoutSeconds"] == 3 * 4 * 3600 + 3600


def test_state_machine_role_has_the_documented_training_policy(spot: dict[str, Any]) -> None:
    statements = statements_of_role(spot, role_assumed_by(spot, "states.amazonaws.com"))
    job = statement_with(statements, "sagemaker:CreateTrainingJob")
    assert sorted(actions(job)) == [
        "sagemaker:AddTags",
        "sagemaker:CreateTrainingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:ListTags",
        "sagemaker:StopTrainingJob",
    ]
    assert flat(job["Resource"]) == "arn:aws:sagemaker:us-east-1:123456789012:training-job/spot-xgb-*"
    events = statement_with(statements, "events:PutRule")
    assert flat(events["Resource"]) == (
        "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"
    )
    pass_role = statement_with(statements, "iam:PassRole")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_execution_role_reads_and_writes_the_checkpoint_prefix(spot: dict[str, Any]) -> None:
    statements = statements_of_role(spot, role_assumed_by(spot, "sagemaker.amazonaws.com"))
    read = {r for s in statements if "s3:GetObject" in actions(s) for r in flat(s["Resource"]).split(",")}
    write = {r for s in statements if "s3:PutObject" in actions(s) for r in flat(s["Resource"]).split(",")}
    assert "arn:aws:s3:::example-ml-data/checkpoints/xgboost/*" in read
    assert write == {
        "arn:aws:s3:::example-ml-data/models/spot/*",
        "arn:aws:s3:::example-ml-data/checkpoints/xgboost/*",
    }
    prefixes = {s["Condition"]["StringLike"]["s3:prefix"] for s in statements if "s3:ListBucket" in actions(s)}
    assert "checkpoints/xgboost/*" in prefixes


def test_logging_and_tracing_are_on(spot: dict[str, Any]) -> None:
    _, machine = only(spot, "AWS::StepFunctions::StateMachine")
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"


def _template(construct: Any) -> dict[str, Any]:
    return Template.from_stack(cdk.Stack.of(construct)).to_json()


def test_aws_sdk_integration_polls_describe_training_job() -> None:
    stack = new_stack()
    workflow = sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=definition(),
        integration=sm.TrainingIntegration.AWS_SDK,
        polling_interval=cdk.Duration.minutes(2),
    )
    template = _template(workflow)
    states = asl(template)["States"]
    assert states["Create training job"]["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createTrainingJob"
    assert states["Wait for job"]["Seconds"] == 120
    assert states["Describe job"]["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob"
    assert states["Describe job"]["Parameters"] == {"TrainingJobName.$": "$jobName"}
    assert states["Job status"]["Choices"][0]["Next"] == "Report training job"
    report = states["Report training job"]
    assert report["InputPath"] == "$.TrainingJob" and report["End"] is True
    assert report["Parameters"] == states["Report training job"]["Parameters"]
    assert report["Parameters"]["S3ModelArtifacts.$"] == "$.ModelArtifacts.S3ModelArtifacts"
    statements = statements_of_role(template, role_assumed_by(template, "states.amazonaws.com"))
    assert not [s for s in statements if "events:PutRule" in actions(s)]
    assert "sagemaker:DescribeTrainingJob" in actions(statement_with(statements, "sagemaker:CreateTrainingJob"))


def test_default_timeout_is_the_runtime_plus_an_hour() -> None:
    workflow = sm.TrainingWorkflow(new_stack(), "Training", training_job_definition=definition())
    assert workflow.integration is sm.TrainingIntegration.OPTIMIZED
    assert asl(_template(workflow))["TimeoutSeconds"] == 86400 + 3600


def test_workflow_exposes_role_key_and_grants_start_execution() -> None:
    stack = new_stack()
    workflow = sm.TrainingWorkflow(stack, "Training", training_job_definition=definition())
    user = sm.SageMakerExecutionRole(stack, "Caller")
    workflow.grant_start_execution(user)
    assert workflow.job_name_prefix == "training"
    assert workflow.role is workflow.resources.role and workflow.encryption_key is workflow.resources.key
    statements = statements_of_role(_template(workflow), stack.get_logical_id(user.node.default_child))
    assert "states:StartExecution" in actions(statement_with(statements, "states:StartExecution"))


def test_task_takes_the_name_from_the_state_input_and_widens_iam() -> None:
    stack = new_stack()
    task = sm.SageMakerCreateTrainingJob(
        stack, "Train", training_job_name=sfn.JsonPath.string_at("$.JobName"), training_job_definition=definition()
    )
    state = stack.resolve(task.to_state_json())
    assert state["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    assert state["Parameters"]["TrainingJobName.$"] == "$.JobName"
    job = next(s.to_json() for s in task._task_policies if "sagemaker:CreateTrainingJob" in s.to_json()["Action"])
    assert flat(job["Resource"]) == "arn:aws:sagemaker:us-east-1:123456789012:training-job/*"
    assert "sagemaker:AddTags" in job["Action"]  # .sync tags the job it starts


def test_request_response_task_has_no_sync_and_no_events_rule() -> None:
    task = sm.SageMakerCreateTrainingJob(
        new_stack(),
        "Train",
        training_job_name="train-1",
        training_job_definition=definition(),
        integration_pattern=sfn.IntegrationPattern.REQUEST_RESPONSE,
    )
    assert task.to_state_json()["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob"
    assert not [s for s in task._task_policies if "events:PutRule" in s.to_json()["Action"]]
    sfn.StateMachine(cdk.Stack.of(task), "Machine", definition_body=sfn.DefinitionBody.from_chainable(task))
    assert task.role is task.resources.role


def test_every_new_training_field_renders_and_satisfies_the_api_model() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=1,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="t", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    credentials = lambda_.Function.from_function_arn(
        stack, "Creds", "arn:aws:lambda:us-east-1:123456789012:function:registry-credentials"
    )
    efs = sm.Channel(
        channel_name="efs",
        data_source=sm.FileSystemDataSource(
            file_system_id="fs-0123456789abcdef0", file_system_type=sm.FileSystemType.EFS, directory_path="/data"
        ),
    )
    full = definition(
        algorithm_specification=sm.AlgorithmSpecification(
            training_image=sm.TrainingImage.from_registry("registry.example.com/team/train:1"),
            enable_sagemaker_metrics_time_series=True,
            container_entrypoint=["python", "train.py"],
            container_arguments=["--epochs", "3"],
            training_image_config=sm.TrainingImageConfig(credentials_provider=credentials),
        ),
        input_data_config=[channel(), efs],
        resource_config=sm.ResourceConfig(
            instance_groups=[
                sm.InstanceGroup(instance_group_name="gpu", instance_type="ml.p3.2xlarge", instance_count=1),
                sm.InstanceGroup(instance_group_name="cpu", instance_type="ml.c5.xlarge", instance_count=2),
            ],
            keep_alive_period=cdk.Duration.minutes(30),
        ),
        vpc_config=sm.VpcConfig(vpc=vpc),
        enable_network_isolation=True,
        enable_inter_container_traffic_encryption=True,
    )
    task = sm.SageMakerCreateTrainingJob(
        stack,
        "Train",
        training_job_name="train-1",
        training_job_definition=full,
        integration_pattern=sfn.IntegrationPattern.REQUEST_RESPONSE,
    )
    assert task.to_state_json()["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createTrainingJob"
    parameters = task.to_state_json()["Parameters"]
    spec = parameters["AlgorithmSpecification"]
    assert spec["ContainerEntrypoint"] == ["python", "train.py"]
    assert spec["TrainingImageConfig"]["TrainingRepositoryAccessMode"] == "Vpc"
    assert parameters["ResourceConfig"]["InstanceGroups"][1] == {
        "InstanceGroupName": "cpu",
        "InstanceType": "ml.c5.xlarge",
        "InstanceCount": 2,
    }
    assert parameters["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 1800
    assert parameters["InputDataConfig"][1]["DataSource"]["FileSystemDataSource"]["FileSystemType"] == "EFS"
    template = _template(task)
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    invoke = statement_with(statements, "lambda:InvokeFunction")
    assert "function:registry-credentials" in flat(invoke["Resource"])
    resolved = json.dumps(stack.resolve(parameters))
    # Deployed values for what CloudFormation resolves: the role ARN, key ARN, subnet and group IDs.
    resolved = re.sub(r'\{"Fn::GetAtt": \[[^]]*Role[^]]*\]\}', '"arn:aws:iam::123456789012:role/r"', resolved)
    resolved = re.sub(r'\{"(Ref|Fn::GetAtt)": [^{}]*\}', '"sg-0123456789abcdef0"', resolved)
    assert problems("CreateTrainingJob", json.loads(resolved)) == []
    with pytest.raises(sm.ValidationError, match=r"is not taken by the optimized integration \(sagemaker:createTrainingJob.sync\): use a workflow"):
        sm.SageMakerCreateTrainingJob(stack, "Sync", training_job_name="train-2", training_job_definition=full)


def test_spot_training_and_environment_inside_a_tuning_definition() -> None:
    stack = new_stack()
    tuning_definition = definition(
        enable_managed_spot_training=True,
        stopping_condition=sm.StoppingCondition(max_runtime=cdk.Duration.hours(1), max_wait_time=cdk.Duration.hours(2)),
        checkpoint_config=sm.CheckpointConfig(s3_uri=sm.S3Location.from_uri("s3://example-bucket/checkpoints/")),
        retry_strategy=sm.RetryStrategy(maximum_retry_attempts=1),
        environment={"MODE": "tuning"},
    )
    workflow = sm.TuningWorkflow(
        stack,
        "Tuning",
        hyper_parameter_tuning_job_config=dataclasses.replace(
            config(), resource_limits=sm.ResourceLimits(max_number_of_training_jobs=4, max_parallel_training_jobs=2)
        ),
        training_job_definition=tuning_definition,
    )
    training = asl(_template(workflow))["States"]["Create tuning job"]["Parameters"]["TrainingJobDefinition"]
    assert training["EnableManagedSpotTraining"] is True
    assert training["StoppingCondition"]["MaxWaitTimeInSeconds"] == 7200
    assert training["CheckpointConfig"] == {"S3Uri": "s3://example-bucket/checkpoints/"}
    assert training["RetryStrategy"] == {"MaximumRetryAttempts": 1}
    assert training["Environment"] == {"MODE": "tuning"}
    assert training["StaticHyperParameters"] == {"num_round": "100"}


@pytest.fixture(scope="module")
def multi(example_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_templates["MultiAlgorithmTuning"]


def test_several_algorithms_run_through_the_aws_sdk_integration(multi: dict[str, Any]) -> None:
    states = asl(multi)["States"]
    create = states["Create tuning job"]
    assert create["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createHyperParameterTuningJob"
    assert create["Next"] == "Wait for job"
    assert states["Job status"]["Choices"][0]["Next"] == "Has best training job"
    assert "TrainingJobDefinition" not in create["Parameters"]
    statements = statements_of_role(multi, role_assumed_by(multi, "states.amazonaws.com"))
    assert not [s for s in statements if "events:PutRule" in actions(s)]


def test_each_definition_has_its_name_objective_and_ranges(multi: dict[str, Any]) -> None:
    parameters = asl(multi)["States"]["Create tuning job"]["Parameters"]
    xgboost, linear = parameters["TrainingJobDefinitions"]
    assert [xgboost["DefinitionName"], linear["DefinitionName"]] == ["xgboost", "linear-learner"]
    assert xgboost["TuningObjective"] == {"MetricName": "validation:auc", "Type": "Maximize"}
    assert [r["Name"] for r in linear["HyperParameterRanges"]["ContinuousParameterRanges"]] == ["learning_rate"]
    assert xgboost["EnableManagedSpotTraining"] is True
    assert xgboost["CheckpointConfig"] == {"S3Uri": "s3://example-ml-data/checkpoints/tuning/"}
    assert "ResourceConfig" not in linear
    assert linear["HyperParameterTuningResourceConfig"]["AllocationStrategy"] == "Prioritized"
    assert [c["InstanceType"] for c in linear["HyperParameterTuningResourceConfig"]["InstanceConfigs"]] == [
        "ml.m5.xlarge",
        "ml.c5.xlarge",
    ]
    config = parameters["HyperParameterTuningJobConfig"]
    assert "HyperParameterTuningJobObjective" not in config and "ParameterRanges" not in config
    assert config["TuningJobCompletionCriteria"] == {
        "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 5}
    }
    assert config["RandomSeed"] == 42
    assert problems("CreateHyperParameterTuningJob", parameters) == []


def test_multi_algorithm_timeout_follows_the_tuning_jobs_max_runtime(multi: dict[str, Any]) -> None:
    assert asl(multi)["TimeoutSeconds"] == 12 * 3600 + 3600


def test_tuning_execution_role_writes_the_definitions_checkpoints(multi: dict[str, Any]) -> None:
    statements = statements_of_role(multi, role_assumed_by(multi, "sagemaker.amazonaws.com"))
    write = {r for s in statements if "s3:PutObject" in actions(s) for r in flat(s["Resource"]).split(",")}
    assert "arn:aws:s3:::example-ml-data/checkpoints/tuning/*" in write


def test_hyperband_strategy_config_renders() -> None:
    stack = new_stack()
    sm.TuningWorkflow(
        stack,
        "Tuning",
        training_job_definition=definition(),
        hyper_parameter_tuning_job_config=config(
            strategy=sm.Strategy.HYPERBAND,
            strategy_config=sm.HyperbandStrategyConfig(min_resource=1, max_resource=20),
            tuning_job_completion_criteria=sm.TuningJobCompletionCriteria(
                target_objective_metric_value=0.95, convergence_detected=sm.ConvergenceDetected()
            ),
        ),
    )
    parameters = asl(Template.from_stack(stack).to_json())["States"]["Create tuning job"]["Parameters"]
    job_config = parameters["HyperParameterTuningJobConfig"]
    assert job_config["StrategyConfig"] == {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 20}}
    assert job_config["TuningJobCompletionCriteria"] == {
        "TargetObjectiveMetricValue": 0.95,
        "ConvergenceDetected": {"CompleteOnConvergence": "Enabled"},
    }
    assert problems("CreateHyperParameterTuningJob", parameters) == []


def test_auto_parameters_go_with_autotune() -> None:
    stack = new_stack()
    workflow = sm.TuningWorkflow(
        stack,
        "Tuning",
        training_job_definition=definition(),
        hyper_parameter_tuning_job_config=config(parameter_ranges=[sm.AutoParameter(name="eta", value_hint="0.2")]),
        autotune=True,
    )
    assert workflow.integration is sm.TuningIntegration.AWS_SDK
    parameters = asl(Template.from_stack(stack).to_json())["States"]["Create tuning job"]["Parameters"]
    ranges = parameters["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert ranges == {"AutoParameters": [{"Name": "eta", "ValueHint": "0.2"}]}
    assert problems("CreateHyperParameterTuningJob", parameters) == []
