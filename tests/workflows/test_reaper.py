"""The job reaper: one per stack, stopping the SageMaker job of an aborted or timed-out execution.

Template assertions on a stack with a tuning workflow (optimized ``.sync``) and a training workflow
(aws-sdk and polling); the IAM scope; cdk-nag's four packs and cfn-lint; how many workflows one
stack's reaper takes within EventBridge's, IAM's and CloudFormation's quotas; and executions in the
offline emulator.

The executions follow the route AWS takes, with the two hops moto cannot make replaced by what AWS
documents:

1. a workflow execution runs in moto (its job held InProgress) and is stopped (ABORTED); its
   ``describe_execution`` becomes the "Step Functions Execution Status Change" event;
2. moto's EventBridge matches the event against the synthesized pattern (a probe rule with the same
   ``EventPattern`` and an SQS target, since moto's rules cannot target Step Functions);
3. the synthesized input transformer is applied by moto's own ``EventTemplateParser``;
4. the reaper, deployed from the template, runs with that input, and calls StopTrainingJob or
   StopHyperParameterTuningJob on moto's SageMaker.

moto 5.2 has no StopTrainingJob or StopHyperParameterTuningJob; the emulator adds them as the SageMaker
API Reference describes them (constructs_sm.testing._sagemaker, MODELLED.md): an InProgress job goes to
Stopping; an unknown name is ResourceNotFound; a job that has ended is refused as SageMaker words it.
The Stop calls the reaper made are read from its execution's history (``ExecutionResult.api_calls``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Capture, Template
from moto.events.utils import EventTemplateParser
from moto.iam.access_control import IAMPolicy, PermissionResult

import constructs_sm as sm
from constructs_sm.asl._job_request import TRAINING_JOB, TUNING_JOB
from constructs_sm.testing import ExecutionResult, OfflineAws
from constructs_sm.workflows._reaper import (
    DETAIL_TYPE,
    EVENT_PATTERN_CHARACTERS,
    INPUT_TEMPLATE_CHARACTERS,
    NOT_STOPPED_ERROR,
    WORKFLOWS_PER_RULE,
    add_job_reaper,
    job_reaper,
)
from tests import builders
from tests.cfn_lint import lint
from tests.conftest import ENV, _cdk_json_context, new_stack
from tests.nag import PACK_NAMES, findings, synth_with_packs
from tests.template_helpers import resources as _resources
from tests.template_helpers import routed


def resources(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return _resources(template, type_name, reaper=True)

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One app, synthesized once with the four cdk-nag packs.

    ``Reaper``: a TuningWorkflow (prefix ``tune``, optimized ``.sync``) and a TrainingWorkflow
    (prefix ``train``, aws-sdk), each handed to the stack's reaper. ``NagControl``: a state machine
    without logging or tracing and a log group without a key, which the packs must flag.
    """
    outdir = tmp_path_factory.mktemp("cdk.out.reaper")
    app = cdk.App(outdir=str(outdir), context=_cdk_json_context())
    stack = cdk.Stack(app, "Reaper", env=ENV)
    tuning = builders.workflow(stack, job_name_prefix="tune")
    training = sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=builders.definition(),
        job_name_prefix="train",
        integration=sm.TrainingIntegration.AWS_SDK,
    )
    # What JobWorkflow does for each workflow (a second call for the same state machine is a no-op).
    add_job_reaper(tuning, tuning.state_machine, kind=TUNING_JOB, prefix=tuning.job_name_prefix)
    add_job_reaper(training, training.state_machine, kind=TRAINING_JOB, prefix=training.job_name_prefix)
    reaper = job_reaper(stack)

    control = cdk.Stack(app, "NagControl", env=ENV)
    sfn.StateMachine(control, "Plain", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(control, "Pass")))
    logs.LogGroup(control, "PlainLogs")

    nag = synth_with_packs(app, outdir, control)

    def logical_id(construct: Any) -> str:
        return str(stack.get_logical_id(construct.node.default_child or construct))

    return {
        "template": json.loads((outdir / "Reaper.template.json").read_text()),
        "report": nag["report"],
        "control": nag["control"],
        "stack": stack,
        "reaper": reaper,
        "tuning": tuning,
        "ids": {
            "tuning": logical_id(tuning.state_machine),
            "training": logical_id(training.state_machine),
            "reaper": str(stack.get_logical_id(reaper.state_machine)),
            "role": logical_id(reaper.role),
            "events_role": logical_id(reaper.events_role),
        },
    }


@pytest.fixture(scope="module")
def template(built: dict[str, Any]) -> dict[str, Any]:
    return dict(built["template"])


@pytest.fixture(scope="module")
def ids(built: dict[str, Any]) -> dict[str, str]:
    """Logical ids, read from the constructs (not written here)."""
    return dict(built["ids"])


def policies_of(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [
        p["Properties"]["PolicyDocument"]
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]


def statements_of(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for document in policies_of(template, role) for s in document["Statement"]]


def reaper_definition(template: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    text = template["Resources"][ids["reaper"]]["Properties"]["DefinitionString"]
    assert isinstance(text, str), "a plain string, which cfn-lint's E3601 checks"
    return dict(json.loads(text))


# --- the rule ---


def test_one_reaper_serves_the_stack(template: dict[str, Any], built: dict[str, Any]) -> None:
    assert job_reaper(built["tuning"]) is built["reaper"]
    assert len(resources(template, "AWS::StepFunctions::StateMachine")) == 3
    Template.from_json(template).resource_count_is("AWS::Events::Rule", 1)


def test_the_rule_matches_aborted_and_timed_out_executions_of_the_workflows(
    template: dict[str, Any], ids: dict[str, str]
) -> None:
    Template.from_json(template).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {
                    "stateMachineArn": [{"Ref": ids["tuning"]}, {"Ref": ids["training"]}],
                    "status": ["ABORTED", "TIMED_OUT"],
                },
            },
            "State": "ENABLED",
        },
    )


def test_the_rule_starts_the_reaper_with_the_detail_and_the_workflows(
    template: dict[str, Any], ids: dict[str, str]
) -> None:
    input_template = Capture()
    Template.from_json(template).has_resource_properties(
        "AWS::Events::Rule",
        {
            "Targets": [
                {
                    "Arn": {"Ref": ids["reaper"]},
                    "Id": "JobReaper",
                    "RoleArn": {"Fn::GetAtt": [ids["events_role"], "Arn"]},
                    "InputTransformer": {"InputPathsMap": {"detail": "$.detail"}, "InputTemplate": input_template},
                }
            ]
        },
    )
    separator, parts = input_template.as_object()["Fn::Join"]
    text = separator.join(f"@{p['Ref']}@" if isinstance(p, dict) else p for p in parts)
    assert json.loads(text.replace("<detail>", "{}")) == {
        "detail": {},
        "workflows": {
            f"@{ids['tuning']}@": {
                "kind": "HyperParameterTuningJob",
                "prefix": "tune",
                "field": "HyperParameterTuningJobName",
            },
            f"@{ids['training']}@": {"kind": "TrainingJob", "prefix": "train", "field": "TrainingJobName"},
        },
    }


# --- IAM ---


def _permitted(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return IAMPolicy(document).is_action_permitted(action, resource) == PermissionResult.PERMITTED


def test_the_reaper_may_stop_only_the_workflows_jobs(template: dict[str, Any], ids: dict[str, str]) -> None:
    statements = statements_of(template, ids["role"])
    sagemaker = [s for s in statements if any(a.startswith("sagemaker:") for a in _list(s["Action"]))]
    assert sorted((s["Action"], s["Resource"]) for s in sagemaker) == [
        (
            "sagemaker:StopHyperParameterTuningJob",
            f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/tune-*",
        ),
        ("sagemaker:StopTrainingJob", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/train-*"),
    ]
    job = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    assert _permitted(statements, "sagemaker:StopTrainingJob", f"{job}:training-job/train-0123456789ab")
    assert _permitted(statements, "sagemaker:StopHyperParameterTuningJob", f"{job}:hyper-parameter-tuning-job/tune-1")
    assert not _permitted(statements, "sagemaker:StopTrainingJob", f"{job}:training-job/other-0123456789ab")
    assert not _permitted(statements, "sagemaker:StopTrainingJob", f"{job}:training-job/tune-0123456789ab")
    assert not _permitted(statements, "sagemaker:CreateTrainingJob", f"{job}:training-job/train-0123456789ab")
    others = {a for s in statements for a in _list(s["Action"])} - {s["Action"] for s in sagemaker}
    assert all(a.startswith(("logs:", "xray:")) for a in others), "logging and tracing only"


def test_the_reaper_role_is_for_step_functions_state_machines_of_the_account(
    template: dict[str, Any], ids: dict[str, str]
) -> None:
    trust = template["Resources"][ids["role"]]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:*"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
        }
    ]


def test_eventbridge_may_start_the_reaper_only(template: dict[str, Any], ids: dict[str, str]) -> None:
    role = template["Resources"][ids["events_role"]]["Properties"]
    assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [
        {"Service": "events.amazonaws.com"}
    ]
    assert "Policies" not in role
    assert statements_of(template, ids["events_role"]) == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": ids["reaper"]}}
    ]


# --- the reaper's state machine ---


def test_the_reaper_logs_everything_encrypted_and_is_traced(template: dict[str, Any], ids: dict[str, str]) -> None:
    machine = template["Resources"][ids["reaper"]]
    props = machine["Properties"]
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    logging = props["LoggingConfiguration"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ALL", True)
    ((_, log_group_id, _),) = [
        ("GetAtt", d["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0], "Arn") for d in logging["Destinations"]
    ]
    log_group = template["Resources"][log_group_id]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == 365
    key = template["Resources"][log_group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]]
    assert (key["Type"], key["Properties"]["EnableKeyRotation"]) == ("AWS::KMS::Key", True)
    # Step Functions checks at creation that the role may deliver the logs.
    (first_policy,) = [
        k
        for k, p in resources(template, "AWS::IAM::ManagedPolicy").items()
        if {"Ref": ids["role"]} in p["Properties"]["Roles"]
        and any("logs:CreateLogDelivery" in _list(s["Action"]) for s in p["Properties"]["PolicyDocument"]["Statement"])
    ]
    assert first_policy in machine["DependsOn"]


def test_the_definition_stops_by_kind_and_retries_a_few_times(template: dict[str, Any], ids: dict[str, str]) -> None:
    definition = reaper_definition(template, ids)
    assert definition["QueryLanguage"] == "JSONata"
    assert definition["TimeoutSeconds"] <= 900
    tasks = {name: s for name, s in definition["States"].items() if s["Type"] == "Task"}
    assert sorted(s["Resource"] for s in tasks.values()) == [
        "arn:aws:states:::aws-sdk:sagemaker:stopHyperParameterTuningJob",
        "arn:aws:states:::aws-sdk:sagemaker:stopTrainingJob",
    ]
    for task in tasks.values():
        (retry,) = task["Retry"]
        assert retry["MaxAttempts"] <= 3 and retry["BackoffRate"] == 2
        assert [c["ErrorEquals"] for c in task["Catch"]] == [
            ["SageMaker.ResourceNotFoundException"],
            ["SageMaker.SageMakerException"],
        ]
    name_job = definition["States"]["Name job"]["Output"]
    # The same name the workflows' first state gives a job.
    assert "$substring($hash($states.input.detail.executionArn, 'SHA-256'), 0, 12)" in name_job


# --- cfn-lint and cdk-nag ---


def test_cfn_lint_finds_nothing(template: dict[str, Any], tmp_path: Path) -> None:
    assert lint(template, tmp_path / "Reaper.template.json") == []


def test_cdk_nag_finds_nothing_unacknowledged(built: dict[str, Any]) -> None:
    assert findings(built["report"], "Reaper/", acknowledged=False) == []


def test_the_reapers_only_acknowledged_findings_are_documented_wildcards(built: dict[str, Any]) -> None:
    acknowledged = findings(built["report"], "Reaper/ConstructsSmJobReaper/", acknowledged=True)
    job = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    assert {(pack, rule, path) for pack, rule, path in acknowledged} == {
        ("AwsSolutions", "AwsSolutions-IAM5[Resource::*]", "Reaper/ConstructsSmJobReaper/Role/Policy/Resource"),
        *(
            ("AwsSolutions", f"AwsSolutions-IAM5[Resource::{resource}]", "Reaper/ConstructsSmJobReaper/StopPolicy1")
            for resource in (f"{job}:hyper-parameter-tuning-job/tune-*", f"{job}:training-job/train-*")
        ),
    }


@pytest.mark.parametrize("pack", PACK_NAMES)
def test_each_pack_ran_and_flags_the_control_stack(built: dict[str, Any], pack: str) -> None:
    """A state machine without logging or tracing and an unencrypted log group are flagged."""
    assert built["control"][pack], pack


# --- how many workflows a stack's reaper takes ---

# An ARN as long as the quotas allow: an 80-character state machine name.
_LONGEST_NAME = "w" * 77


def _machine_arn(index: int) -> str:
    return f"arn:aws-us-gov:states:us-gov-west-1:{ACCOUNT}:stateMachine:{_LONGEST_NAME}{index:03d}"


def _reaper_stack(count: int, *, env: cdk.Environment | None = ENV) -> dict[str, Any]:
    """A reaper watching ``count`` state machines (tuning and training in turn, the longest prefixes)."""
    stack = cdk.Stack(cdk.App(context=_cdk_json_context()), "Test", env=env)
    reaper = job_reaper(stack)
    for index in range(count):
        kind = (TUNING_JOB, TRAINING_JOB)[index % 2]
        prefix = f"{index:03d}" + "p" * (kind.max_name_length - 13 - 3)
        reaper.watch(_machine_arn(index), kind, prefix)
    return Template.from_stack(stack).to_json()


@pytest.fixture(scope="module", params=["pinned", "agnostic"])
def capacity(request: pytest.FixtureRequest) -> dict[str, Any]:
    """150 workflows, in a stack pinned to an account and region, and in an environment-agnostic one."""
    return _reaper_stack(150, env=ENV if request.param == "pinned" else None)


def _rule_pattern_length(pattern: dict[str, Any]) -> int:
    return max(len(json.dumps(pattern)), len(json.dumps(pattern, separators=(",", ":"))))


def test_150_workflows_fit_eventbridges_quotas(capacity: dict[str, Any]) -> None:
    rules = list(resources(capacity, "AWS::Events::Rule").values())
    assert len(rules) == math.ceil(150 / WORKFLOWS_PER_RULE) == 13
    watched = [arn for r in rules for arn in r["Properties"]["EventPattern"]["detail"]["stateMachineArn"]]
    assert watched == [_machine_arn(i) for i in range(150)], "each state machine in one rule, in order"
    for rule in rules:
        assert _rule_pattern_length(rule["Properties"]["EventPattern"]) <= EVENT_PATTERN_CHARACTERS
        (target,) = rule["Properties"]["Targets"]
        assert len(_deployed(target["InputTransformer"]["InputTemplate"])) <= INPUT_TEMPLATE_CHARACTERS


# What CloudFormation puts for a reference, at its longest (IAM and EventBridge count deployed text).
_LONGEST = {"AWS::Partition": "aws-us-gov", "AWS::Region": "x" * 20, "AWS::AccountId": ACCOUNT}


def _deployed(value: Any) -> Any:
    if isinstance(value, dict) and list(value) == ["Ref"]:
        return _LONGEST.get(value["Ref"], "x" * 64)
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        return "arn:aws-us-gov:iam::123456789012:role/" + "x" * 64
    if isinstance(value, dict) and list(value) == ["Fn::Join"]:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_deployed(p)) for p in parts)
    if isinstance(value, dict):
        return {k: _deployed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deployed(v) for v in value]
    return value


def test_150_workflows_fit_iams_quotas(capacity: dict[str, Any]) -> None:
    (role_id,) = [k for k in resources(capacity, "AWS::IAM::Role") if k.startswith("ConstructsSmJobReaperRole")]
    documents = policies_of(capacity, role_id)
    assert len(documents) <= 5, "of the 10 managed policies a role may have (IAM quotas)"
    for document in documents:
        assert len(re.sub(r"\s", "", json.dumps(_deployed(document), separators=(",", ":")))) <= 6144
    stops = [s for d in documents for s in d["Statement"] if str(s["Action"]).startswith("sagemaker:Stop")]
    assert sum(len(_list(s["Resource"])) for s in stops) == 150
    assert len(stops) == 2 * (len(documents) - 1), "one statement a Stop action in each stop policy"


def test_a_workflow_adds_no_resource_but_a_rule_for_every_few(capacity: dict[str, Any]) -> None:
    one = _reaper_stack(1)
    full, next_rule = _reaper_stack(WORKFLOWS_PER_RULE), _reaper_stack(WORKFLOWS_PER_RULE + 1)
    base = len(one["Resources"])
    assert base == 9, (
        "key, log group, state machine, its role, its logging policy and a stop policy, "
        "EventBridge's role and policy, a rule"
    )
    assert len(full["Resources"]) == base
    assert len(next_rule["Resources"]) == base + 1
    # At 150: 13 rules and the stop policies that IAM's quota needs.
    policies = len(resources(capacity, "AWS::IAM::ManagedPolicy"))
    assert len(capacity["Resources"]) == base - 1 - 1 + 13 + (policies - 2) <= 24


def test_the_same_state_machine_is_watched_once() -> None:
    stack = new_stack()
    reaper = job_reaper(stack)
    for _ in range(2):
        reaper.watch(_machine_arn(0), TRAINING_JOB, "train")
    (rule,) = resources(Template.from_stack(stack).to_json(), "AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"]["detail"]["stateMachineArn"] == [_machine_arn(0)]


# --- errors ---


def test_kind_must_be_a_job_kind() -> None:
    stack = new_stack()
    with pytest.raises(sm.ValidationError, match=r"^kind: must be the tuning or the training job kind, but got"):
        add_job_reaper(stack, _machine_arn(0), kind="training", prefix="train")  # type: ignore[arg-type]


def test_prefix_must_be_a_literal() -> None:
    stack = new_stack()
    with pytest.raises(sm.ValidationError, match=r"^job_name_prefix: must be a literal string"):
        add_job_reaper(stack, _machine_arn(0), kind=TRAINING_JOB, prefix=cdk.Aws.STACK_NAME)


# --- executions, offline ---

def status_change_event(
    execution: dict[str, Any], status: str | None = None, *, input_included: bool = True
) -> dict[str, Any]:
    """The "Step Functions Execution Status Change" event of ``execution`` (its describe_execution),
    with the detail fields the Step Functions guide lists; the input left out as above 248 KB when
    ``input_included`` is false."""
    now = datetime.now(UTC)
    detail = {
        "executionArn": execution["executionArn"],
        "stateMachineArn": execution["stateMachineArn"],
        "name": execution["name"],
        "status": status or execution["status"],
        "startDate": int(execution["startDate"].timestamp() * 1000),
        "stopDate": int((execution.get("stopDate") or now).timestamp() * 1000),
        "input": execution.get("input", "{}") if input_included else None,
        "inputDetails": {"included": input_included},
        "output": None,
        "outputDetails": None,
        "error": None,
        "cause": None,
    }
    return {
        "Source": "aws.states",
        "DetailType": DETAIL_TYPE,
        "Resources": [execution["executionArn"]],
        "Time": execution.get("stopDate") or now,
        "Detail": json.dumps(detail),
    }




class Offline:
    """moto with the template deployed, SageMaker's Stop actions, and the reaper's route."""

    def __init__(self, aws: OfflineAws, template: dict[str, Any]) -> None:
        self.aws = aws
        # Wait states keep their length: a workflow is stopped while it waits (see ``aborted``).
        deployment = aws.deploy(template, zero_waits=False)
        self.reaper_arn = deployment.job_reaper.arn
        self.tuning_arn, self.training_arn = deployment.workflow("Tuning").arn, deployment.workflow("Training").arn
        (rule,) = resources(template, "AWS::Events::Rule").values()
        self.rule = deployment.resolver.resolve(rule["Properties"])
        self._names = itertools.count()

    def aborted(self, machine_arn: str, input: dict[str, Any]) -> dict[str, Any]:
        """An execution whose job is created and held InProgress, stopped while it waits for the
        job (the polling loop's Wait, or ``.sync``): its description."""
        self.aws.jobs.hold()
        execution = self.aws.start(machine_arn, input, f"run-{next(self._names)}")
        deadline = time.monotonic() + 5
        while (execution.history() or [{"type": None}])[-1]["type"] not in ("WaitStateEntered", "TaskSubmitted"):
            assert time.monotonic() < deadline, "the workflow never waited for its job"
            time.sleep(0.01)
        execution.stop(error="Operator", cause="stopped by hand")
        assert execution.wait().status == "ABORTED"
        return dict(self.aws.sfn.describe_execution(executionArn=execution.arn))

    def reap(self, event: dict[str, Any]) -> ExecutionResult:
        """The event through the rule (moto's EventBridge matches it, its input transformer renders
        it) into an execution of the reaper."""
        (delivered,) = routed(self.aws.region, self.rule["EventPattern"], event)
        # moto's parser reads its predefined variable <aws.events.event.ingestion-time> from the event.
        delivered.setdefault("ingestion-time", delivered["time"])
        transformer = self.rule["Targets"][0]["InputTransformer"]
        reaper_input = EventTemplateParser.parse(transformer["InputTemplate"], transformer["InputPathsMap"], delivered)
        return self.aws.run(self.reaper_arn, reaper_input, name=f"reap-{next(self._names)}")


@pytest.fixture(scope="module")
def offline(template: dict[str, Any]) -> Iterator[Offline]:
    with OfflineAws() as aws:
        yield Offline(aws, template)


def stops(result: ExecutionResult) -> list[tuple[str, str]]:
    """The Stop calls an execution of the reaper made, as (action, job name)."""
    return [
        (call.action, next(v for k, v in call.parameters.items() if k.endswith("JobName")))
        for call in result.api_calls
        if call.action.startswith("Stop")
    ]


def generated_name(prefix: str, execution_arn: str) -> str:
    return f"{prefix}-{hashlib.sha256(execution_arn.encode()).hexdigest()[:12]}"


def test_an_aborted_training_execution_has_its_generated_job_stopped(offline: Offline) -> None:
    execution = offline.aborted(offline.training_arn, {})
    job = generated_name("train", execution["executionArn"])
    assert offline.aws.jobs.status(job) == "InProgress", "the aws-sdk path leaves it running"

    result = offline.reap(status_change_event(execution))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert stops(result) == [("StopTrainingJob", job)]
    assert offline.aws.jobs.status(job) == "Stopping"
    assert result.output["outcome"] == "Stop requested"
    assert (result.output["jobName"], result.output["nameFrom"]) == (job, "generated")


def test_an_aborted_tuning_execution_has_the_job_named_in_its_input_stopped(offline: Offline) -> None:
    execution = offline.aborted(offline.tuning_arn, {"HyperParameterTuningJobName": "tune-nightly-7"})
    assert offline.aws.jobs.status("tune-nightly-7") == "InProgress", "the emulator's .sync does not stop it"

    result = offline.reap(status_change_event(execution))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert stops(result) == [("StopHyperParameterTuningJob", "tune-nightly-7")]
    assert offline.aws.jobs.status("tune-nightly-7") == "Stopping"
    assert (result.output["jobName"], result.output["nameFrom"]) == ("tune-nightly-7", "input")


def test_a_timed_out_execution_is_reaped_too(offline: Offline) -> None:
    execution = offline.aborted(offline.training_arn, {"TrainingJobName": "train-timed-out"})
    result = offline.reap(status_change_event(execution, "TIMED_OUT"))
    assert result.status == "SUCCEEDED"
    assert offline.aws.jobs.status("train-timed-out") == "Stopping"


def test_a_job_that_already_ended_ends_the_reaper_successfully(offline: Offline) -> None:
    execution = offline.aborted(offline.training_arn, {"TrainingJobName": "train-done"})
    offline.aws.jobs.complete("train-done")
    delays = len(offline.aws.retry_delays)

    result = offline.reap(status_change_event(execution))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert stops(result) == [("StopTrainingJob", "train-done")] * 4, "the first call and 3 retries"
    assert len(offline.aws.retry_delays) - delays == 3
    assert offline.aws.jobs.status("train-done") == "Completed"
    assert result.output["outcome"] == "Nothing to stop: the job had already ended"
    assert "is in status Completed" in result.output["cause"]


def test_an_execution_without_a_job_ends_the_reaper_successfully(offline: Offline) -> None:
    execution = {
        "executionArn": offline.training_arn.replace(":stateMachine:", ":execution:") + ":never-started-a-job",
        "stateMachineArn": offline.training_arn,
        "name": "never-started-a-job",
        "startDate": datetime.now(UTC),
        "input": "{}",
    }
    result = offline.reap(status_change_event(execution, "ABORTED"))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    job = generated_name("train", execution["executionArn"])
    assert stops(result)[-1] == ("StopTrainingJob", job)
    assert result.output["outcome"] == "Nothing to stop: SageMaker has no job of that name"


def test_an_input_left_out_of_the_event_tries_the_generated_name_and_says_so(offline: Offline) -> None:
    execution = offline.aborted(offline.training_arn, {})
    job = generated_name("train", execution["executionArn"])

    result = offline.reap(status_change_event(execution, input_included=False))

    assert result.status == "SUCCEEDED"
    assert offline.aws.jobs.status(job) == "Stopping"
    assert "248 KB" in result.output["note"]


def test_a_name_outside_the_prefix_is_not_stopped(offline: Offline) -> None:
    execution = {
        "executionArn": offline.training_arn.replace(":stateMachine:", ":execution:") + ":foreign-name",
        "stateMachineArn": offline.training_arn,
        "name": "foreign-name",
        "startDate": datetime.now(UTC),
        "input": json.dumps({"TrainingJobName": "someone-elses-job"}),
    }
    result = offline.reap(status_change_event(execution, "ABORTED"))
    assert result.status == "SUCCEEDED"
    assert stops(result) == [], "no Stop call"
    assert result.output["outcome"] == "Nothing to stop: the execution names no job of its workflow"


# SageMaker's model has no ThrottlingException shape: moto warns when it writes one (expected).
_THROTTLING_UNMODELLED = pytest.mark.filterwarnings("ignore:Exception\\(_ApiError\\) with code ThrottlingException")


@_THROTTLING_UNMODELLED
def test_throttling_that_outlasts_the_retries_fails_the_reaper(offline: Offline) -> None:
    execution = offline.aborted(offline.training_arn, {"TrainingJobName": "train-throttled"})
    offline.aws.jobs.fail_next("StopTrainingJob", 4, error="ThrottlingException")
    calls = len(offline.aws.jobs.calls)

    result = offline.reap(status_change_event(execution))

    assert (result.status, result.error) == ("FAILED", NOT_STOPPED_ERROR)
    assert result.cause.startswith("train-throttled: Rate exceeded"), result.cause
    assert offline.aws.jobs.calls[calls:] == [("StopTrainingJob", "ThrottlingException")] * 4
    assert offline.aws.jobs.status("train-throttled") == "InProgress"


@_THROTTLING_UNMODELLED
def test_throttling_within_the_retries_stops_the_job(offline: Offline) -> None:
    execution = offline.aborted(offline.training_arn, {"TrainingJobName": "train-throttled-once"})
    offline.aws.jobs.fail_next("StopTrainingJob", 2, error="ThrottlingException")

    result = offline.reap(status_change_event(execution))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert offline.aws.jobs.status("train-throttled-once") == "Stopping"


@pytest.mark.parametrize(("status", "matched"), [("SUCCEEDED", False), ("FAILED", False), ("RUNNING", False)])
def test_other_statuses_do_not_start_the_reaper(offline: Offline, status: str, matched: bool) -> None:
    execution = {
        "executionArn": offline.training_arn.replace(":stateMachine:", ":execution:") + f":{status.lower()}",
        "stateMachineArn": offline.training_arn,
        "name": status.lower(),
        "startDate": datetime.now(UTC),
    }
    event = status_change_event(execution, status)
    assert len(routed(offline.aws.region, offline.rule["EventPattern"], event)) == int(matched)


def test_another_state_machines_executions_do_not_start_the_reaper(offline: Offline) -> None:
    execution = {
        "executionArn": offline.reaper_arn.replace(":stateMachine:", ":execution:") + ":other",
        "stateMachineArn": offline.reaper_arn,
        "name": "other",
        "startDate": datetime.now(UTC),
    }
    assert routed(offline.aws.region, offline.rule["EventPattern"], status_change_event(execution, "ABORTED")) == []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
