"""The job reaper: stops the SageMaker job of a workflow execution that was aborted or timed out.

Step Functions stops the job itself only on the optimized ``.sync`` path; an aws-sdk Create call
followed by the polling loop leaves the job running when the execution ends early. So each stack
gets one reaper, shared by its workflows:

* a Standard state machine (JSONata) that works out the job name of the execution from its ARN and
  input, exactly as the workflow's first state does (the input's name field if given, else
  ``<prefix>-`` and the first 12 hex digits of the SHA-256 of the execution ARN), and calls
  ``StopHyperParameterTuningJob`` or ``StopTrainingJob``; a job that has already ended or was never
  created ends the reaper successfully, with the reason in its output. Logging ALL to a KMS-encrypted
  log group, X-Ray on, as the workflows.
* its role, with logging and tracing, and ``sagemaker:Stop<job>`` on ``<job type>/<prefix>-*`` of
  each workflow: one statement a job kind in each of its "stop" managed policies, filled to IAM's
  6,144 characters as the policy will be deployed (see ``_StopPolicies``);
* one role for EventBridge, with ``states:StartExecution`` on the reaper only;
* EventBridge rules on the "Step Functions Execution Status Change" events, ABORTED and TIMED_OUT,
  of the workflows' state machines: one rule for up to ``WORKFLOWS_PER_RULE`` workflows, whose
  input transformer hands the reaper the event's ``detail`` and a table of those workflows (state
  machine ARN -> job kind, name prefix, name field).

Rules are shared rather than one a workflow: a stack holds 150 workflows within CloudFormation's
500 resources only if a workflow adds no resource of its own (150 tuning workflows sharing role,
key, security group and log group take 463 of them without the reaper, benchmarks/RESULTS.md; the
reaper adds at most 24), and every rule counts against the event bus's rules quota. A rule's
pattern lists its state machines, so the reaper never starts for another state machine's
executions (nor logs their inputs).

What it cannot do: when the execution input is over 248 KB, Step Functions leaves it out of the
event (``inputDetails.included`` false); the generated name is then tried, so a job whose name the
input gave is not found and stays running (the reaper's output says so).
"""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct, IConstruct

from ..api._integration import task_resource
from ..asl._definition import to_definition_string
from ..asl._execution_logs import LOG_DELIVERY, TRACING, execution_log_group
from ..asl._job_request import TRAINING_JOB, TUNING_JOB, JobKind, job_arn
from ..asl._workflow_states import generated_job_name
from ..core._nag import owned
from ..core._stack import attribute, environment, stack_of
from ..core._tokens import is_token
from ..errors import ValidationError
from ..iam._nag import acknowledge_all, wildcard_acknowledgements
from ..iam._policy import ManagedPolicyRole, Statement, add_statements, record_reasons, statement
from ..iam.encryption_key import artifact_key
from ..iam.role import state_machine_role

# The event Step Functions sends to the default event bus when an execution changes status; its
# detail holds executionArn, stateMachineArn, status and input, the input left out above 248 KB
# (Step Functions Developer Guide, "EventBridge (CloudWatch Events) for Step Functions execution
# status changes", https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html).
EVENT_SOURCE = "aws.states"
DETAIL_TYPE = "Step Functions Execution Status Change"
ENDED_EARLY = ("ABORTED", "TIMED_OUT")

# Amazon EventBridge quotas (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html):
# "Event pattern size", 2,048 characters by default. An InputTemplate holds at most 8,192 (EventBridge
# API Reference, "InputTransformer").
EVENT_PATTERN_CHARACTERS = 2048
INPUT_TEMPLATE_CHARACTERS = 8192
# The longest state machine ARN: the longest partition and region names, an 80-character name
# (Step Functions API Reference, CreateStateMachine "name").
_LONGEST_ARN = len("arn:aws-us-gov:states:") + 20 + len(":123456789012:stateMachine:") + 80


def _pattern(arns: list[str]) -> dict[str, Any]:
    return {
        "source": [EVENT_SOURCE],
        "detail-type": [DETAIL_TYPE],
        "detail": {"stateMachineArn": arns, "status": list(ENDED_EARLY)},
    }


# Each ARN adds its quotes and ", " to the pattern (counted with spaces, as a serializer may write it).
WORKFLOWS_PER_RULE = (EVENT_PATTERN_CHARACTERS - len(json.dumps(_pattern([])))) // (_LONGEST_ARN + 4)

# SageMaker API Reference, "StopHyperParameterTuningJob" and "StopTrainingJob"
# (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopHyperParameterTuningJob.html,
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopTrainingJob.html): a stopped job
# goes to Stopping, then Stopped; the one documented error is ResourceNotFound, which Step Functions' aws-sdk integration names
# SageMaker.ResourceNotFoundException ("Learning to use AWS service SDK integrations in Step
# Functions", https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html:
# <Service>.<Error> with the Exception suffix). Every error SageMaker's model does not list
# (ValidationException, ThrottlingException, 5xx) is SageMaker.SageMakerException.
NOT_FOUND_ERROR = "SageMaker.ResourceNotFoundException"
SDK_ERROR = "SageMaker.SageMakerException"
# Stopping a job that has ended is refused with "ValidationException: The request was rejected
# because the training job is in status Stopped." (seen by awslabs/benchmark-ai issue 928), and a
# name SageMaker does not know may be refused as "Requested resource not found." (aws/aws-sdk issue
# 165, for DescribeTrainingJob). Neither leaves a job running: the reaper succeeds.
ENDED_CAUSE = "is in status"
NOT_FOUND_CAUSE = "not found"
# Throttling and 5xx share SageMakerException with the refusals above, so every SageMakerException
# (and a not-found, in case the Create call was still in flight when the execution ended) is
# retried, a few times: an ended job costs the reaper up to 35 seconds, and throttling that lasts
# longer fails the reaper (FailedExecutions on its state machine) instead of passing silently.
RETRY = {
    "ErrorEquals": [SDK_ERROR, NOT_FOUND_ERROR],
    "IntervalSeconds": 5,
    "MaxAttempts": 3,
    "BackoffRate": 2,
    "JitterStrategy": "FULL",
}
TIMEOUT_SECONDS = 900
NOT_STOPPED_ERROR = "JobNotStopped"

_KINDS = (TUNING_JOB, TRAINING_JOB)
_STOP_STATES = {TUNING_JOB.action_noun: "Stop tuning job", TRAINING_JOB.action_noun: "Stop training job"}


def _max_lengths() -> str:
    return "{" + ", ".join(f"'{kind.action_noun}': {kind.max_name_length}" for kind in _KINDS) + "}"


_UNBOUNDED = re.compile(r"\{0,\d+\}(?=\$$)")


def name_check(name: str, kind: str) -> str:
    """JSONata: whether ``name`` matches SageMaker's job-name pattern for the job kind ``kind`` names
    (botocore's model, through ``JobKind.name_pattern``). The pattern's final repetition bound
    (``{0,N}``, the length limit less the first character) becomes ``*``, since ``valid`` checks each
    kind's length limit beside it: kinds whose patterns differ only there share one regex."""
    regexes = {k.action_noun: "/" + _UNBOUNDED.sub("*", k.name_pattern) + "/" for k in _KINDS}
    if len(set(regexes.values())) == 1:
        return f"$contains({name}, {next(iter(regexes.values()))})"
    each = [f"({kind} = '{noun}' and $contains({name}, {regex}))" for noun, regex in regexes.items()]
    return "(" + " or ".join(each) + ")"


# The job name as the workflow's first state chooses it, from the event's detail and the rule's
# table of workflows; and whether it can be a job of that workflow at all.
JOB_NAME = f"""(
  $workflow := $lookup($states.input.workflows, $states.input.detail.stateMachineArn);
  $included := $type($states.input.detail.input) = 'string';
  $input := $included ? $parse($states.input.detail.input);
  $given := $exists($workflow) and $type($input) = 'object' ? $lookup($input, $workflow.field);
  $generated := {generated_job_name("$workflow.prefix", "$states.input.detail.executionArn")};
  $name := $exists($given) ? $given : $generated;
  {{
    'executionArn': $states.input.detail.executionArn,
    'kind': $workflow.kind,
    'jobName': $name,
    'nameFrom': $exists($given) ? 'input' : 'generated',
    'valid': $exists($workflow) and $type($name) = 'string' ? (
      $length($name) <= $lookup({_max_lengths()}, $workflow.kind)
      and $substring($name, 0, $length($workflow.prefix) + 1) = $workflow.prefix & '-'
      and {name_check("$name", "$workflow.kind")}
    ) : false,
    'note': $not($included) ? 'The event left out the execution input (Step Functions does above 248 KB): a job name given there could not be read, so the generated name was tried'
  }}
)"""


def _jsonata(expression: str) -> str:
    return "{% " + " ".join(line.strip() for line in expression.strip().splitlines()) + " %}"


def _outcome(text: str) -> str:
    return _jsonata(f"$merge([$states.input, {{'outcome': '{text}'}}])")


def reaper_definition(partition: str) -> dict[str, Any]:
    """The reaper's state machine definition (JSONata)."""
    caught = _jsonata(
        "$merge([$states.input, {'error': $states.errorOutput.Error, 'cause': $states.errorOutput.Cause}])"
    )
    states: dict[str, Any] = {
        "Name job": {"Type": "Pass", "Output": _jsonata(JOB_NAME), "Next": "Stop which job"},
        "Stop which job": {
            "Type": "Choice",
            "Choices": [
                {
                    "Condition": _jsonata(f"$states.input.valid and $states.input.kind = '{kind.action_noun}'"),
                    "Next": _STOP_STATES[kind.action_noun],
                }
                for kind in _KINDS
            ],
            "Default": "No job to stop",
        },
    }
    for kind in _KINDS:
        states[_STOP_STATES[kind.action_noun]] = {
            "Type": "Task",
            "Resource": task_resource(partition, f"Stop{kind.action_noun}"),
            "Arguments": {kind.name_field: _jsonata("$states.input.jobName")},
            "Output": _outcome("Stop requested"),
            "Retry": [RETRY],
            "Catch": [
                {"ErrorEquals": [NOT_FOUND_ERROR], "Output": caught, "Next": "No such job"},
                {"ErrorEquals": [SDK_ERROR], "Output": caught, "Next": "Why not stopped"},
            ],
            "End": True,
        }
    states.update(
        {
            "Why not stopped": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": _jsonata(f"$contains($states.input.cause, '{ENDED_CAUSE}')"),
                        "Next": "Job had ended",
                    },
                    {
                        "Condition": _jsonata(f"$contains($states.input.cause, /{NOT_FOUND_CAUSE}/i)"),
                        "Next": "No such job",
                    },
                ],
                "Default": "Stop failed",
            },
            "Job had ended": {"Type": "Succeed", "Output": _outcome("Nothing to stop: the job had already ended")},
            "No such job": {
                "Type": "Succeed",
                "Output": _outcome("Nothing to stop: SageMaker has no job of that name"),
            },
            "No job to stop": {
                "Type": "Succeed",
                "Output": _outcome("Nothing to stop: the execution names no job of its workflow"),
            },
            "Stop failed": {
                "Type": "Fail",
                "Error": NOT_STOPPED_ERROR,
                "Cause": _jsonata("$states.input.jobName & ': ' & $states.input.cause"),
            },
        }
    )
    return {
        "Comment": "Stops the SageMaker job of an aborted or timed-out constructs_sm workflow execution",
        "QueryLanguage": "JSONata",
        "StartAt": "Name job",
        "TimeoutSeconds": TIMEOUT_SECONDS,
        "States": states,
    }


# IAM quotas (IAM User Guide, "IAM and AWS STS quotas"): a customer managed policy holds 6,144
# characters, whitespace not counted; a role has 10 managed policies by default.
MANAGED_POLICY_CHARACTERS = 6144
_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")
# What a token of a job ARN becomes when deployed, at its longest: the partition, region or account.
_DEPLOYED_TOKEN = 20
_DOCUMENT = len('{"Statement":[],"Version":"2012-10-17"}')
_STATEMENT = len('{"Action":"","Effect":"Allow","Resource":[]},')


@jsii.implements(cdk.IStableAnyProducer)
class _Produced:
    """A property produced at synth time from Python data: one jsii object, however many workflows."""

    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self) -> Any:
        return self._produce()


class _RuleBatch:
    """One EventBridge rule and the workflows it watches (state machine ARN -> kind, prefix, field)."""

    def __init__(self, reaper: JobReaper, id: str) -> None:
        self.workflows: dict[str, dict[str, str]] = {}
        self._reaper = reaper
        self.rule = events.CfnRule(
            reaper,
            id,
            description="Starts the constructs_sm job reaper when an execution of these workflows is "
            "aborted or times out",
            event_pattern=cdk.Lazy.any(_Produced(lambda: _pattern(list(self.workflows)))),
            state="ENABLED",
            targets=cdk.Lazy.any(_Produced(self._targets)),
        )

    def _targets(self) -> list[dict[str, Any]]:
        # CfnRule validates and renders its properties after they resolve: its own (camelCase) names.
        return [
            {
                "arn": self._reaper.state_machine_arn,
                "id": "JobReaper",
                "roleArn": self._reaper.events_role_arn,
                "inputTransformer": {"inputPathsMap": {"detail": "$.detail"}, "inputTemplate": self.input_template()},
            }
        ]

    def input_template(self) -> str:
        """``{"detail": <detail>, "workflows": {...}}``: the event's detail (an object, inserted as
        JSON) and the table of this rule's workflows."""
        marker = "__detail__"
        text = json.dumps({"detail": marker, "workflows": self.workflows}, separators=(",", ":"))
        return text.replace(json.dumps(marker), "<detail>")


class _StopPolicies:
    """The reaper role's Stop statements, in managed policies filled to IAM's quota.

    ``_policy``'s packing reserves room for each statement as the template writes it (an ARN's
    ``Fn::Join``, a statement per workflow): at 150 workflows of an environment-agnostic stack that
    is 11 policies, over the role's 10. Here each policy holds one statement a Stop action, its
    resources listed, and is filled by what IAM counts once deployed: every token at its longest.
    Each wildcard resource gets the cdk-nag acknowledgement of the statement's own wildcard reason,
    and each policy the statements' reasons in its Metadata, as ``_policy`` gives a workflow's.
    """

    def __init__(self, reaper: JobReaper, role: iam.IRole) -> None:
        self._reaper = reaper
        self._role_name = attribute(role, "role_name")
        self._stack = stack_of(reaper)
        self._policies: list[tuple[iam.CfnManagedPolicy, dict[str, list[str]]]] = []
        self._used = 0

    def add(self, action: str, resource: str) -> None:
        if any(resource in resources.get(action, ()) for _policy, resources in self._policies):
            return  # two workflows with one prefix
        size = len(_TOKEN.sub("x" * _DEPLOYED_TOKEN, resource)) + len('"",')
        resources = self._policies[-1][1] if self._policies else None
        new_statement = resources is None or action not in resources
        added = size + (_STATEMENT + len(action) if new_statement else 0)
        if resources is None or self._used + added > MANAGED_POLICY_CHARACTERS - _DOCUMENT:
            resources = self._new_policy()
            added = size + _STATEMENT + len(action)
        resources.setdefault(action, []).append(resource)
        self._used += added
        acknowledge_all(self._policies[-1][0], dict(wildcard_acknowledgements(self._stack, _stop(action, [resource]))))

    def _new_policy(self) -> dict[str, list[str]]:
        resources: dict[str, list[str]] = {}

        def statements() -> list[Statement]:
            return [_stop(action, arns) for action, arns in resources.items()]

        policy = iam.CfnManagedPolicy(
            self._reaper,
            f"StopPolicy{len(self._policies) + 1}",
            policy_document=cdk.Lazy.any(_Produced(lambda: {"Statement": statements(), "Version": "2012-10-17"})),
            roles=[self._role_name],
        )
        owned(policy)
        record_reasons(policy, statements)
        self._policies.append((policy, resources))
        self._used = 0
        return resources

    @property
    def policies(self) -> list[iam.CfnManagedPolicy]:
        return [policy for policy, _resources in self._policies]


def _stop(action: str, arns: list[str]) -> Statement:
    """``sagemaker:Stop<job>`` on the jobs of the watched workflows."""
    return statement(
        [action],
        arns,
        reason="The job reaper stops the job of an aborted or timed-out workflow execution (Step Functions stops "
        "it only on the .sync path: Step Functions Developer Guide, 'Run a Job (.sync)')",
        wildcard="jobs whose names start with a watched workflow's job name prefix; the rest of the name is "
        "generated per execution (Step Functions Developer Guide, 'IAM policies for Amazon SageMaker')",
    )


class JobReaper(Construct):
    """The stack's reaper: state machine, roles, log group and the rules (see the module's docstring)."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        partition = environment(self)[0]
        text, substitutions = to_definition_string(reaper_definition(partition), {partition: "Partition"})
        key = artifact_key(self, "LogsKey", description="Encrypts the execution logs of the constructs_sm job reaper")
        log_group = execution_log_group(self, "Logs", key=key, retention=logs.RetentionDays.ONE_YEAR)
        self._kept = [key, log_group]
        self._destroyed_by_all: bool | None = None
        self.role = state_machine_role(self, "Role")

        add_statements(self.role, [LOG_DELIVERY, TRACING])
        machine = sfn.CfnStateMachine(
            self,
            "StateMachine",
            definition_string=text,
            definition_substitutions=substitutions or None,
            role_arn=attribute(self.role, "role_arn"),
            state_machine_type="STANDARD",
            logging_configuration=sfn.CfnStateMachine.LoggingConfigurationProperty(
                destinations=[
                    sfn.CfnStateMachine.LogDestinationProperty(
                        cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                            log_group_arn=log_group.log_group_arn
                        )
                    )
                ],
                include_execution_data=True,
                level="ALL",
            ),
            tracing_configuration=sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True),
        )
        # Step Functions checks at creation that the role may deliver logs.
        machine.node.add_dependency(*self.role.managed_policies)
        self.state_machine = machine
        self.state_machine_arn: str = machine.ref
        events_role = ManagedPolicyRole(
            self,
            "EventsRole",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description="EventBridge starts the constructs_sm job reaper",
        )
        # EventBridge needs a role to start a state machine, with states:StartExecution on it (Amazon
        # EventBridge User Guide, "IAM roles for sending events to targets in Amazon EventBridge",
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html).
        add_statements(
            events_role,
            [
                statement(
                    ["states:StartExecution"],
                    [self.state_machine_arn],
                    reason="EventBridge starts the job reaper (Amazon EventBridge User Guide, 'IAM roles for sending "
                    "events to targets in Amazon EventBridge')",
                )
            ],
        )
        self.events_role = events_role
        self.events_role_arn: str = attribute(events_role, "role_arn")
        self._batches: list[_RuleBatch] = []
        self._stops = _StopPolicies(self, self.role)

    def watch(self, state_machine_arn: str, kind: JobKind, prefix: str) -> None:
        """Stop the ``<prefix>-*`` jobs of the aborted or timed-out executions of this state machine."""
        if any(state_machine_arn in b.workflows for b in self._batches):
            return
        batch = self._batches[-1] if self._batches else None
        if batch is None or len(batch.workflows) >= WORKFLOWS_PER_RULE:
            batch = _RuleBatch(self, f"Rule{len(self._batches) + 1}")
            self._batches.append(batch)
        batch.workflows[state_machine_arn] = {"kind": kind.action_noun, "prefix": prefix, "field": kind.name_field}
        self._stops.add(f"sagemaker:Stop{kind.action_noun}", job_arn(self, kind, f"{prefix}-*"))

    def keep_unless_all_destroy(self, policy: cdk.RemovalPolicy | None) -> None:
        """The reaper's key and logs serve every workflow of the stack: they are destroyed with the
        stack only when every watching workflow's ``removal_policy`` is DESTROY."""
        destroy = policy == cdk.RemovalPolicy.DESTROY
        all_destroy = destroy if self._destroyed_by_all is None else self._destroyed_by_all and destroy
        if all_destroy != self._destroyed_by_all:
            chosen = cdk.RemovalPolicy.DESTROY if all_destroy else cdk.RemovalPolicy.RETAIN
            for resource in self._kept:
                resource.apply_removal_policy(chosen)
        self._destroyed_by_all = all_destroy

    @property
    def rules(self) -> list[events.CfnRule]:
        return [batch.rule for batch in self._batches]

    @property
    def stop_policies(self) -> list[iam.CfnManagedPolicy]:
        """The managed policies that hold the role's Stop statements."""
        return self._stops.policies


# The reaper's construct id, at the stack's root.
REAPER_ID = "ConstructsSmJobReaper"


def job_reaper(scope: IConstruct) -> JobReaper:
    """The reaper of ``scope``'s stack, created with the stack's first workflow."""
    stack = stack_of(scope)
    reaper: JobReaper | None = stack.__dict__.get("_constructs_sm_reaper")
    if reaper is None:
        reaper = stack.__dict__["_constructs_sm_reaper"] = JobReaper(stack, REAPER_ID)
    return reaper


def add_job_reaper(
    workflow: IConstruct,
    state_machine: sfn.IStateMachine | str,
    *,
    kind: JobKind,
    prefix: str,
    removal_policy: cdk.RemovalPolicy | None = None,
) -> None:
    """Stop the SageMaker job of each aborted or timed-out execution of ``state_machine``.

    ``prefix`` is the workflow's job name prefix (its jobs are ``<prefix>-*``); ``kind`` says
    which Stop action applies. Stopping a job that has already ended is harmless.
    """
    if kind not in _KINDS:
        raise ValidationError("kind", "must be the tuning or the training job kind", kind)
    if not isinstance(prefix, str) or is_token(prefix) or not prefix:
        raise ValidationError("job_name_prefix", "must be a literal string (it scopes IAM)", prefix)
    arn = state_machine if isinstance(state_machine, str) else attribute(state_machine, "state_machine_arn")
    reaper = job_reaper(workflow)
    reaper.watch(arn, kind, prefix)
    reaper.keep_unless_all_destroy(removal_policy)
