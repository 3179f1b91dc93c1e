"""What the workflows share: one set of options, one describe state, render steps of the base."""

from __future__ import annotations

import inspect
import typing

import aws_cdk as cdk
import pytest
from aws_cdk import aws_stepfunctions as sfn

import constructs_sm as sm
from tests.builders import config, definition
from tests.conftest import new_stack
from tests.template_helpers import definition as definition_of


def test_an_unknown_option_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="TrainingWorkflow.. got unexpected keyword arguments: log_retension"):
        sm.TrainingWorkflow(new_stack(), "W", training_job_definition=definition(), log_retension=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("workflow", [sm.TuningWorkflow, sm.TrainingWorkflow])
def test_both_workflows_take_the_shared_options_and_state_none_of_them_again(workflow: type[sm.JobWorkflow]) -> None:
    parameters = inspect.signature(workflow.__init__).parameters
    options = parameters["options"]
    assert options.kind is inspect.Parameter.VAR_KEYWORD
    assert "Unpack[WorkflowOptions]" in str(options.annotation)
    shared = set(typing.get_type_hints(sm.WorkflowOptions))
    assert not shared & set(parameters), "an option is typed again in the signature"
    assert {"role", "encryption_key", "job_name_prefix", "integration", "timeout", "run_time_parameters"} <= shared


@pytest.mark.parametrize("from_request", [sm.tuning_workflow_from_request, sm.training_workflow_from_request])
def test_the_workflows_from_a_request_take_the_same_options(from_request: object) -> None:
    assert "Unpack[WorkflowOptions]" in str(inspect.signature(from_request).parameters["options"].annotation)  # type: ignore[arg-type]


def test_the_task_and_the_tuning_workflow_render_one_describe_state() -> None:
    stack = new_stack()
    sm.TuningWorkflow(stack, "Tuning", hyper_parameter_tuning_job_config=config(), training_job_definition=definition())
    task = sm.SageMakerDescribeTrainingJob(
        stack, "Describe", training_job_name=sfn.JsonPath.string_at("$.TuningJob.BestTrainingJob.TrainingJobName")
    )
    rendered = stack.resolve(task.to_state_json())
    described = definition_of(cdk.App.of(stack).synth().get_stack_by_name(stack.stack_name).template)["States"][  # type: ignore[union-attr]
        "Describe best training job"
    ]
    assert described["Parameters"] == rendered["Parameters"]
    assert described["Resource"] == rendered["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob"


def _two(first: dict[str, str | None], second: dict[str, str | None], accounts: tuple[str, str] = ("1", "1")) -> None:
    app = cdk.App()
    for index, (prefix, account) in enumerate(zip((first, second), accounts, strict=True)):
        env = cdk.Environment(account=f"{account * 12}"[:12], region="eu-west-1")
        stack = cdk.Stack(app, f"Stage{index}", env=env)
        sm.TrainingWorkflow(stack, "Training", training_job_definition=definition(), **{k: v for k, v in prefix.items() if v})


def test_two_stages_of_one_app_with_the_same_derived_prefix_are_refused() -> None:
    with pytest.raises(sm.ValidationError, match=r"job_name_prefix: overlaps the prefix 'training' of Stage0/Training"):
        _two({}, {})


def test_a_prefix_that_covers_another_is_refused() -> None:
    with pytest.raises(sm.ValidationError, match=r"IAM scopes 'team-a-\*' and 'team-\*' would overlap.*but got 'team-a'"):
        _two({"job_name_prefix": "team"}, {"job_name_prefix": "team-a"})


@pytest.mark.parametrize(
    ("first", "second", "accounts"),
    [
        ({"job_name_prefix": "team-a"}, {"job_name_prefix": "team-ab"}, ("1", "1")),  # 'team-a-*' does not cover 'team-ab-…'
        ({}, {}, ("1", "2")),  # two accounts: two scopes
    ],
)
def test_prefixes_that_cannot_meet_are_accepted(first: dict[str, str], second: dict[str, str], accounts: tuple[str, str]) -> None:
    _two(first, second, accounts)


_DATA = ("AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SQS::Queue", "AWS::SageMaker::ModelPackageGroup")


def _policies(stack: cdk.Stack) -> dict[str, tuple[str, str]]:
    """Every data-holding resource of the stack: (DeletionPolicy, UpdateReplacePolicy) by logical id."""
    template = cdk.App.of(stack).synth().get_stack_by_name(stack.stack_name).template  # type: ignore[union-attr]
    return {
        logical_id: (resource.get("DeletionPolicy", "Delete"), resource.get("UpdateReplacePolicy", "Delete"))
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in _DATA
    }


def _full_stack(**options: object) -> cdk.Stack:
    stack = new_stack()
    workflow = sm.TuningWorkflow(
        stack,
        "Tuning",
        hyper_parameter_tuning_job_config=config(),
        training_job_definition=definition(),
        model_registration=sm.ModelRegistration(inference_instance_types=["ml.m5.large"]),
        **options,  # type: ignore[arg-type]
    )
    sm.WorkflowNotifications(stack, "Alerts", workflow=workflow)
    return stack


def test_every_data_holding_resource_is_kept_by_default() -> None:
    policies = _policies(_full_stack())
    kinds = {logical_id.rstrip("0123456789ABCDEF") for logical_id in policies}
    assert len(policies) >= 8, kinds  # keys and log groups of the workflow and reaper, queue, group
    group = [v for k, v in policies.items() if "ModelPackageGroup" in k]
    assert group == [("RetainExceptOnCreate", "Retain")]
    assert all(v == ("Retain", "Retain") for k, v in policies.items() if "ModelPackageGroup" not in k), policies


def test_removal_policy_destroy_reaches_every_data_holding_resource() -> None:
    policies = _policies(_full_stack(removal_policy=cdk.RemovalPolicy.DESTROY))
    assert set(policies.values()) == {("Delete", "Delete")}, policies


def test_the_stacks_reaper_keeps_its_logs_unless_every_workflow_destroys() -> None:
    stack = new_stack()
    for name, policy in (("Dev", cdk.RemovalPolicy.DESTROY), ("Kept", None)):
        sm.TrainingWorkflow(
            stack, name, training_job_definition=definition(), **({"removal_policy": policy} if policy else {})
        )
    policies = _policies(stack)
    reaper = {k: v for k, v in policies.items() if k.startswith("ConstructsSmJobReaper")}
    assert reaper and set(reaper.values()) == {("Retain", "Retain")}
    dev = {k: v for k, v in policies.items() if k.startswith("Dev")}
    assert dev and set(dev.values()) == {("Delete", "Delete")}


def test_a_task_key_follows_its_removal_policy() -> None:
    stack = new_stack()
    sm.SageMakerCreateTrainingJob(
        stack, "Train", training_job_name="train", training_job_definition=definition(), removal_policy=cdk.RemovalPolicy.DESTROY
    )
    assert set(_policies(stack).values()) == {("Delete", "Delete")}


@pytest.mark.parametrize("policy", [cdk.RemovalPolicy.SNAPSHOT, "destroy"])
def test_a_removal_policy_no_resource_takes_is_refused(policy: object) -> None:
    with pytest.raises(sm.ValidationError, match=r"^removal_policy: must be RemovalPolicy.RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY"):
        sm.TrainingWorkflow(new_stack(), "W", training_job_definition=definition(), removal_policy=policy)  # type: ignore[arg-type]
