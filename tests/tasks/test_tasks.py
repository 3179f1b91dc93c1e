"""The tasks on their own, in a state machine a user writes, and the aws-sdk polling path."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

import constructs_sm as sm
from tests.api_shapes import problems
from tests.builders import config, definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import actions, flat, resources, role_assumed_by, statement_with, statements_of_role
from tests.template_helpers import definition as asl


def _user_machine(integration_pattern: sfn.IntegrationPattern) -> tuple[dict[str, Any], dict[str, Any]]:
    stack = new_stack()
    tune = sm.SageMakerCreateHyperParameterTuningJob(
        stack,
        "Tune",
        hyper_parameter_tuning_job_name=sfn.JsonPath.string_at("$.JobName"),
        hyper_parameter_tuning_job_config=config(),
        training_job_definition=definition(),
        integration_pattern=integration_pattern,
        result_path="$.Tuning",
    )
    describe = sm.SageMakerDescribeTrainingJob(
        stack,
        "Describe",
        training_job_name=sfn.JsonPath.string_at("$.Tuning.BestTrainingJob.TrainingJobName"),
        result_selector={"Artifacts.$": "$.ModelArtifacts.S3ModelArtifacts"},
        result_path="$.Best",
    )
    tune.add_retry(errors=["SageMaker.AmazonSageMakerException"], max_attempts=2)
    sfn.StateMachine(stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(tune.next(describe)))
    template = Template.from_stack(stack).to_json()
    machine = next(r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine")
    text = flat(machine["Properties"]["DefinitionString"])
    return template, json.loads(text)


@pytest.fixture(scope="module")
def user_machine() -> tuple[dict[str, Any], dict[str, Any]]:
    return _user_machine(sfn.IntegrationPattern.RUN_JOB)


def test_task_chains_like_aws_cdk_lib_tasks(user_machine: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, machine = user_machine
    tune = machine["States"]["Tune"]
    assert tune["Next"] == "Describe"
    assert tune["Retry"] == [{"ErrorEquals": ["SageMaker.AmazonSageMakerException"], "MaxAttempts": 2}]
    assert tune["ResultPath"] == "$.Tuning"
    assert tune["Resource"] == "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync"
    assert machine["States"]["Describe"]["ResultSelector"] == {"Artifacts.$": "$.ModelArtifacts.S3ModelArtifacts"}
    assert machine["States"]["Describe"]["End"] is True


def test_task_takes_the_name_from_the_state_input(user_machine: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, machine = user_machine
    parameters = machine["States"]["Tune"]["Parameters"]
    assert parameters["HyperParameterTuningJobName.$"] == "$.JobName"
    assert problems("CreateHyperParameterTuningJob", _concrete(parameters)) == []
    statements = statements_of_role(template, role_assumed_by(template, "states.amazonaws.com"))
    job = statement_with(statements, "sagemaker:CreateHyperParameterTuningJob")
    # A name from the input can be any name: the documented wildcard.
    assert flat(job["Resource"]) == "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/*"
    assert "events:PutRule" in [a for s in statements for a in actions(s)]


def _concrete(parameters: dict[str, Any]) -> dict[str, Any]:
    """Tokens of a user-built machine are rendered by CDK as ${Ref}/${X.Arn}; give them sample values."""
    text = json.dumps(parameters)
    for logical, sample in (
        ("ExecutionRole", "arn:aws:iam::123456789012:role/r"),
        ("Key", "arn:aws:kms:us-east-1:1:key/k"),
    ):
        import re

        text = re.sub(r"\$\{Tune" + logical + r"[A-Za-z0-9]*\.Arn\}", sample, text)
    return json.loads(text)


def test_request_response_has_no_sync_and_no_events_rule() -> None:
    template, machine = _user_machine(sfn.IntegrationPattern.REQUEST_RESPONSE)
    assert machine["States"]["Tune"]["Resource"] == "arn:aws:states:::sagemaker:createHyperParameterTuningJob"
    statements = statements_of_role(template, role_assumed_by(template, "states.amazonaws.com"))
    assert not [s for s in statements if "events:PutRule" in actions(s)]


def test_describe_task_iam_follows_its_name() -> None:
    stack = new_stack()
    task = sm.SageMakerDescribeTrainingJob(stack, "D", training_job_name="my-job-001")
    (statement,) = [s.to_json() for s in task._task_policies]
    assert flat(statement["Resource"]) == "arn:aws:sagemaker:us-east-1:123456789012:training-job/my-job-001"
    assert task.to_state_json()["Parameters"] == {"TrainingJobName": "my-job-001"}


@pytest.fixture(scope="module")
def sdk_template() -> dict[str, Any]:
    stack = new_stack()
    wf = workflow(stack, autotune=True, polling_interval=cdk.Duration.minutes(5))
    assert wf.integration is sm.TuningIntegration.AWS_SDK
    return Template.from_stack(stack).to_json()


def test_autotune_runs_through_the_aws_sdk_polling_loop(sdk_template: dict[str, Any]) -> None:
    states = asl(sdk_template)["States"]
    create = states["Create tuning job"]
    assert create["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createHyperParameterTuningJob"
    assert create["Parameters"]["Autotune"] == {"Mode": "Enabled"}
    assert create["Next"] == "Wait for job"
    assert states["Wait for job"] == {"Type": "Wait", "Seconds": 300, "Next": "Describe job"}
    assert states["Describe job"]["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:describeHyperParameterTuningJob"
    choices = states["Job status"]["Choices"]
    assert choices[0] == {
        "Variable": "$.TuningJob.HyperParameterTuningJobStatus",
        "StringEquals": "Completed",
        "Next": "Has best training job",
    }
    assert choices[1]["Next"] == "Job did not complete"
    assert states["Job status"]["Default"] == "Wait for job"
    assert states["Job did not complete"]["Parameters"]["Error.$"] == (
        "States.Format('TuningJob{}', $.TuningJob.HyperParameterTuningJobStatus)"
    )
    assert states["Job ended"] == {"Type": "Fail", "ErrorPath": "$.Error.Error", "CausePath": "$.Error.Cause"}
    assert problems("CreateHyperParameterTuningJob", create["Parameters"]) == []


def test_aws_sdk_path_needs_no_events_rule(sdk_template: dict[str, Any]) -> None:
    statements = statements_of_role(sdk_template, role_assumed_by(sdk_template, "states.amazonaws.com"))
    assert not [s for s in statements if "events:PutRule" in actions(s)]
    assert "sagemaker:DescribeHyperParameterTuningJob" in actions(
        statement_with(statements, "sagemaker:CreateHyperParameterTuningJob")
    )


def test_state_input_data_location_keeps_iam_on_the_declared_prefix() -> None:
    stack = new_stack()
    location = sm.S3Location.from_json_path("$.TrainingDataUri", bucket="example-bucket", key_prefix="train/")
    channel = sm.Channel(channel_name="train", data_source=sm.S3DataSource(location=location))
    workflow(stack, training_job_definition=definition(input_data_config=[channel]))
    template = Template.from_stack(stack).to_json()
    source = asl(template)["States"]["Create tuning job"]["Parameters"]["TrainingJobDefinition"]["InputDataConfig"][0]
    assert source["DataSource"]["S3DataSource"]["S3Uri.$"] == "$.TrainingDataUri"
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    assert flat(statement_with(statements, "s3:GetObject")["Resource"]) == "arn:aws:s3:::example-bucket/train/*"


def test_existing_role_and_key_are_used_not_created() -> None:
    stack = new_stack()
    role = sm.SageMakerExecutionRole(stack, "Mine")
    key = sm.artifact_key(stack, "MyKey")
    wf = workflow(stack, role=role, encryption_key=key)
    assert wf.role is role and wf.encryption_key is key
    template = Template.from_stack(stack).to_json()
    assert len(resources(template, "AWS::KMS::Key")) == 1  # the job reaper's log key aside
    assert len(resources(template, "AWS::IAM::Role")) == 2  # the job reaper's aside


def test_the_job_tasks_share_their_options_and_refuse_an_unknown_one() -> None:
    import inspect

    for task in (sm.SageMakerCreateTrainingJob, sm.SageMakerCreateHyperParameterTuningJob):
        assert "Unpack[JobTaskOptions]" in str(inspect.signature(task.__init__).parameters["options"].annotation)
    with pytest.raises(TypeError, match="got unexpected keyword arguments: result_pth"):
        sm.SageMakerCreateTrainingJob(
            new_stack(), "Train", training_job_name="train", training_job_definition=definition(), result_pth="$.x"  # type: ignore[call-arg]
        )
