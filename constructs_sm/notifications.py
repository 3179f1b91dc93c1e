"""WorkflowNotifications: an SNS message when a workflow's execution fails, times out or is aborted."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from ._arns import arn
from ._job_workflow import JobWorkflow
from .encryption_key import artifact_key
from .errors import ValidationError

# The event Step Functions sends to the default event bus when an execution changes status
# (Step Functions Developer Guide, "Automating Step Functions event delivery with EventBridge").
EVENT_SOURCE = "aws.states"
DETAIL_TYPE = "Step Functions Execution Status Change"
UNSUCCESSFUL_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
SUCCEEDED = "SUCCEEDED"

# The variables of the message: EventBridge input transformer paths into the event.
MESSAGE_PATHS: dict[str, str] = {
    "stateMachineArn": "$.detail.stateMachineArn",
    "executionName": "$.detail.name",
    "executionArn": "$.detail.executionArn",
    "status": "$.detail.status",
    "error": "$.detail.error",
    "cause": "$.detail.cause",
    "time": "$.time",
}

_EVENTS = "events.amazonaws.com"


class WorkflowNotifications(Construct):
    """An EventBridge rule that sends a readable SNS message when an execution of ``workflow``
    ends FAILED, TIMED_OUT or ABORTED (and SUCCEEDED with ``include_succeeded``).

    The rule matches the ``Step Functions Execution Status Change`` events (source
    ``aws.states``) of the workflow's own state machine. An input transformer turns each event
    into plain text::

        Workflow <state machine name>: execution <name> ended <status> at <time>.

        State machine: <state machine ARN>
        Execution: <execution ARN>
        Error: <error>
        Cause: <cause>

    The error and cause are the execution's. A failed SageMaker job ends the execution with the
    error ``JobFailed``, whose cause holds SageMaker's description of the job (the
    ``TrainingJobName`` or ``HyperParameterTuningJobName`` and the ``FailureReason``), or the API
    error that stopped it; the polling (aws-sdk) path ends a failed or stopped job with
    ``TrainingJobFailed`` / ``TrainingJobStopped`` (``TuningJobFailed`` / ``TuningJobStopped`` for
    tuning) and the job's description as the cause. A timed-out or aborted execution may have no
    error or cause, and a succeeded one has none.

    Without ``topic``, a topic is created with what EventBridge needs to publish to it: encrypted
    with a new customer managed KMS key (rotation on, kept when the stack is deleted), SSL
    enforced, a topic policy that lets ``events.amazonaws.com`` publish only for this rule
    (``aws:SourceArn``), and a key policy statement that lets it use the key only for this rule
    and topic (Amazon SNS Developer Guide, "Enable compatibility between event sources from AWS
    services and encrypted topics"). The created rule and topic get generated physical names so
    that the key policy can name them without a dependency cycle.

    With ``topic``, the rule's target is ``aws_events_targets.SnsTopic``: a topic defined in the
    app gets a topic policy statement for ``events.amazonaws.com`` and, if encrypted with a key of
    the app, a key policy statement. An imported topic (``Topic.from_topic_arn``) is not changed:
    its topic policy must allow ``events.amazonaws.com`` to ``sns:Publish``, and its KMS key, if
    any, must allow it ``kms:GenerateDataKey*`` and ``kms:Decrypt``, or the messages are dropped
    (the rule's ``FailedInvocations`` metric counts them).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workflow: JobWorkflow,
        topic: sns.ITopic | None = None,
        include_succeeded: bool = False,
    ) -> None:
        """
        :param workflow: the ``TuningWorkflow`` or ``TrainingWorkflow`` whose executions are watched.
        :param topic: the topic the messages go to. @default - a new topic, KMS-encrypted, SSL only
        :param include_succeeded: also send a message when an execution succeeds. @default - false
        """
        if not isinstance(workflow, JobWorkflow):
            raise ValidationError("workflow", "must be a TuningWorkflow or TrainingWorkflow", workflow)
        if topic is not None and not _is_topic(topic):
            raise ValidationError("topic", "must be an aws_sns.ITopic (a Topic, or Topic.from_topic_arn)", topic)
        if not isinstance(include_succeeded, bool):
            raise ValidationError("include_succeeded", "must be a bool", include_succeeded)
        super().__init__(scope, id)
        machine = workflow.state_machine
        statuses = [*UNSUCCESSFUL_STATUSES, *([SUCCEEDED] if include_succeeded else [])]
        pattern = events.EventPattern(
            source=[EVENT_SOURCE],
            detail_type=[DETAIL_TYPE],
            detail={"stateMachineArn": [machine.state_machine_arn], "status": statuses},
        )
        # EventBridge rule descriptions are at most 512 characters.
        description = f"Notifies {', '.join(statuses)} executions of {workflow.node.path}"[:512]
        message = _PlainTextMessage(message_template(machine.state_machine_name), MESSAGE_PATHS)
        self._key: kms.IKey | None = None
        if topic is not None:
            self._topic = topic
            self._rule = events.Rule(self, "Rule", description=description, event_pattern=pattern)
            self._rule.add_target(targets.SnsTopic(topic, message=message))
            return
        rule_name = cdk.Names.unique_resource_name(self, max_length=64, separator="-")
        topic_name = rule_name
        rule_arn = arn(self, "events", f"rule/{rule_name}")
        topic_arn = arn(self, "sns", topic_name)
        key = artifact_key(self, "TopicKey", description=f"Encrypts the notifications of {workflow.node.path}")
        created = sns.Topic(self, "Topic", topic_name=topic_name, master_key=key, enforce_ssl=True)
        self._rule = events.Rule(self, "Rule", rule_name=rule_name, description=description, event_pattern=pattern)
        # The target's own statements are written here, with conditions: SnsTopic would add a
        # topic policy statement without aws:SourceArn and a key statement without conditions.
        self._rule.add_target(_PublishToTopic(created, message))
        # Amazon EventBridge User Guide, "Amazon SNS permissions" (resource-based policies).
        created.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgePublishesWorkflowNotifications",
                principals=[iam.ServicePrincipal(_EVENTS)],
                actions=["sns:Publish"],
                resources=[created.topic_arn],
                conditions={"ArnEquals": {"aws:SourceArn": self._rule.rule_arn}},
            )
        )
        # Amazon SNS Developer Guide, "Enable compatibility between event sources from AWS
        # services and encrypted topics". Literal ARNs: the key cannot refer to the rule or the
        # topic, which depend on it.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeEncryptsWorkflowNotifications",
                principals=[iam.ServicePrincipal(_EVENTS)],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is the key itself
                conditions={
                    "ArnEquals": {"aws:SourceArn": rule_arn},
                    "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn},
                },
            )
        )
        self._topic = created
        self._key = key

    @property
    def rule(self) -> events.Rule:
        """The EventBridge rule on the workflow's execution status changes."""
        return self._rule

    @property
    def topic(self) -> sns.ITopic:
        """The topic the messages go to: the one given, or the one created."""
        return self._topic

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The KMS key of the created topic; None when a topic was given."""
        return self._key


def message_template(state_machine_name: str) -> str:
    """The input transformer's template: plain text, one field a line (no JSON quoting, so the
    message reads as written; EventBridge inserts each value as it is in the event)."""
    return (
        f"Workflow {state_machine_name}: execution <executionName> ended <status> at <time>.\n"
        "\n"
        "State machine: <stateMachineArn>\n"
        "Execution: <executionArn>\n"
        "Error: <error>\n"
        "Cause: <cause>\n"
    )


def _is_topic(value: Any) -> bool:
    # jsii interfaces are not runtime-checkable protocols: check what the rule target uses.
    return all(hasattr(value, name) for name in ("topic_arn", "grant_publish", "add_to_resource_policy"))


class _PlainTextMessage(events.RuleTargetInput):
    """An input transformer whose template is sent as written.

    ``RuleTargetInput.from_text`` / ``from_multiline_text`` JSON-quote the text, so every line
    of the message would arrive in double quotes.
    """

    def __init__(self, template: str, paths: dict[str, str]) -> None:
        super().__init__()
        self._template = template
        self._paths = paths

    def bind(self, rule: events_refs.IRuleRef) -> events.RuleTargetInputProperties:
        return events.RuleTargetInputProperties(input_template=self._template, input_paths_map=self._paths)


@jsii.implements(events.IRuleTarget)
class _PublishToTopic:
    """The topic as a rule target, with no grant of its own (the construct writes them)."""

    def __init__(self, topic: sns.ITopic, message: events.RuleTargetInput) -> None:
        self._topic = topic
        self._message = message

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self._topic.topic_arn, input=self._message, target_resource=self._topic)
