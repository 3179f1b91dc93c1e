"""WorkflowNotifications: an SNS message when a workflow's execution fails, times out or is aborted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..core._arns import arn
from ..core._nag import acknowledge
from ..errors import ValidationError
from ..iam.encryption_key import artifact_key
from ..props._props import removal_policy as removal_policy_of
from ._job_workflow import JobWorkflow

if TYPE_CHECKING:
    # The type the targets' bind methods take since aws-cdk-lib 2.225 (events.IRule before it, which
    # is an IRuleRef): named for the type checker only, so that the module imports on older releases.
    from aws_cdk.interfaces import aws_events as events_refs

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

# The rule's retry policy: EventBridge's maximum for both (RetryPolicy: MaximumEventAgeInSeconds 60-86400,
# MaximumRetryAttempts 0-185). A failure notice is still worth delivering hours late, and the errors
# that retrying cannot fix (a denied permission, a deleted topic) skip the retries and go straight to
# the dead-letter queue (EventBridge User Guide, "Using dead-letter queues to process undelivered
# events", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
MAX_EVENT_AGE = cdk.Duration.hours(24)
RETRY_ATTEMPTS = 185
# What is not delivered stays in the dead-letter queue this long (SQS's maximum retention).
DEAD_LETTER_RETENTION = cdk.Duration.days(14)

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
    (``aws:SourceArn``, ``aws:SourceAccount``), and a key policy statement that lets it use the key
    only for this topic (the ``kms:EncryptionContext:aws:sns:topicArn`` condition). The key policy
    holds no ``aws:SourceArn`` / ``aws:SourceAccount``: SNS does not send them when it asks KMS for a
    data key for a message EventBridge publishes, so such a statement would never apply and every
    message would be dropped (Amazon SNS Developer Guide, key management). The created topic gets
    a generated physical name so that the key policy can name it without a dependency cycle.

    Whatever the topic, the rule's target retries for up to 24 hours and 185 attempts
    (EventBridge's maximum), and what is still undelivered goes to a dead-letter queue of its own
    (``dead_letter_queue``): a standard SQS queue encrypted with a new customer managed KMS key
    (rotation on, kept), SSL enforced, messages kept 14 days, queue and key kept when the stack is
    deleted, and a queue policy that lets ``events.amazonaws.com`` send only for this rule. Each
    message there carries EventBridge's error code and message, the rule and the target (Amazon
    EventBridge User Guide, "Using dead-letter queues to process undelivered events"); alarm on the
    queue's ``ApproximateNumberOfMessagesVisible`` to hear of them.

    With ``topic``, the rule's target is ``aws_events_targets.SnsTopic``: a topic defined in the
    app gets a topic policy statement for ``events.amazonaws.com`` and, if encrypted with a key of
    the app, a key policy statement. An imported topic (``Topic.from_topic_arn``) is not changed:
    its topic policy must allow ``events.amazonaws.com`` to ``sns:Publish``, and its KMS key, if
    any, must allow it ``kms:GenerateDataKey*`` and ``kms:Decrypt`` with no ``aws:SourceArn`` /
    ``aws:SourceAccount`` condition, or the messages end in the dead-letter queue (the rule's
    ``FailedInvocations`` and ``InvocationsSentToDLQ`` metrics count them).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workflow: JobWorkflow,
        topic: sns.ITopic | None = None,
        include_succeeded: bool = False,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param workflow: the ``TuningWorkflow`` or ``TrainingWorkflow`` whose executions are watched.
        :param topic: the topic the messages go to. @default - a new topic, KMS-encrypted, SSL only
        :param include_succeeded: also send a message when an execution succeeds. @default - false
        :param removal_policy: what ``cdk destroy`` does to the dead-letter queue (undelivered
            messages) and the keys created here. @default - the workflow's ``removal_policy``, else RETAIN
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
        policy = removal_policy_of("removal_policy", removal_policy) or workflow.removal_policy
        self._dead_letter_queue = _dead_letter_queue(self, workflow, policy)
        if topic is not None:
            self._topic = topic
            self._rule = events.Rule(self, "Rule", description=description, event_pattern=pattern)
            self._rule.add_target(
                _WithDeadLetterQueue(targets.SnsTopic(topic, message=message), self._dead_letter_queue)
            )
            self._admit_to_dead_letter_queue()
            return
        rule_name = cdk.Names.unique_resource_name(self, max_length=64, separator="-")
        topic_name = rule_name
        topic_arn = arn(self, "sns", topic_name)
        key = artifact_key(
            self, "TopicKey", description=f"Encrypts the notifications of {workflow.node.path}", removal_policy=policy
        )
        created = sns.Topic(self, "Topic", topic_name=topic_name, master_key=key, enforce_ssl=True)
        self._rule = events.Rule(self, "Rule", rule_name=rule_name, description=description, event_pattern=pattern)
        # The target's own statements are written here, with conditions: SnsTopic would add a
        # topic policy statement without aws:SourceArn and a key statement without conditions.
        self._rule.add_target(_WithDeadLetterQueue(_PublishToTopic(created, message), self._dead_letter_queue))
        self._admit_to_dead_letter_queue()
        # Amazon EventBridge User Guide, "Cross-service confused deputy prevention in Amazon
        # EventBridge": for rule targets, aws:SourceArn is the rule ARN.
        created.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgePublishesWorkflowNotifications",
                principals=[iam.ServicePrincipal(_EVENTS)],
                actions=["sns:Publish"],
                resources=[created.topic_arn],
                conditions=_from_this_rule(self, self._rule),
            )
        )
        # No aws:SourceArn/SourceAccount here: unsupported in a key policy for EventBridge-to-encrypted topics (SNS Developer Guide, https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeEncryptsWorkflowNotifications",
                principals=[iam.ServicePrincipal(_EVENTS)],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is the key itself
                # A literal ARN: the key cannot refer to the topic, which depends on it.
                conditions={"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}},
            )
        )
        self._topic = created
        self._key = key

    def _admit_to_dead_letter_queue(self) -> None:
        # Amazon EventBridge User Guide, "Using dead-letter queues to process undelivered events"
        # (granting permissions to the dead-letter queue).
        self._dead_letter_queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeSendsUndeliveredNotifications",
                principals=[iam.ServicePrincipal(_EVENTS)],
                actions=["sqs:SendMessage"],
                resources=[self._dead_letter_queue.queue_arn],
                conditions=_from_this_rule(self, self._rule),
            )
        )

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

    @property
    def dead_letter_queue(self) -> sqs.Queue:
        """The queue that receives the notifications EventBridge could not deliver (its KMS key is
        ``dead_letter_queue.encryption_master_key``)."""
        return self._dead_letter_queue


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


def _dead_letter_queue(scope: Construct, workflow: JobWorkflow, policy: cdk.RemovalPolicy | None) -> sqs.Queue:
    """A standard queue (EventBridge takes no FIFO queue as a dead-letter queue), encrypted with a key of its own."""
    key = artifact_key(
        scope,
        "DeadLetterKey",
        description=f"Encrypts the undelivered notifications of {workflow.node.path}",
        removal_policy=policy,
    )
    # Amazon SQS Developer Guide, "Configure KMS permissions for AWS services" (event source EventBridge):
    # a customer managed key (the AWS managed key's policy cannot admit events.amazonaws.com) and the
    # statement as documented, with no condition, since none is documented for the data-key requests
    # SQS makes when EventBridge sends; the queue policy limits the sender to this rule.
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="EventBridgeEncryptsUndeliveredNotifications",
            principals=[iam.ServicePrincipal(_EVENTS)],
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=["*"],  # in a key policy, "*" is the key itself
        )
    )
    queue = sqs.Queue(
        scope,
        "DeadLetterQueue",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=DEAD_LETTER_RETENTION,
        removal_policy=policy or cdk.RemovalPolicy.RETAIN,
    )
    acknowledge(
        queue.node.find_child("Resource"),  # on the resource itself, as every acknowledgement of the constructs
        "AwsSolutions::AwsSolutions-SQS3",
        "This queue is a dead-letter queue, EventBridge's for the rule target (DeadLetterConfig); cdk-nag "
        "recognizes only SQS redrive policies: Amazon EventBridge User Guide, 'Using dead-letter queues to "
        "process undelivered events'",
    )
    return queue


def _from_this_rule(scope: Construct, rule: events.Rule) -> dict[str, Any]:
    """The conditions on a request EventBridge makes for ``rule`` (Amazon EventBridge User Guide,
    "Cross-service confused deputy prevention in Amazon EventBridge")."""
    return {
        "ArnEquals": {"aws:SourceArn": rule.rule_arn},
        "StringEquals": {"aws:SourceAccount": cdk.Stack.of(scope).account},
    }


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


@jsii.implements(events.IRuleTarget)
class _WithDeadLetterQueue:
    """A target with the retry policy and the dead-letter queue (whose policy the construct writes:
    the targets' own ``dead_letter_queue`` prop would add a statement of their own)."""

    def __init__(self, target: events.IRuleTarget, queue: sqs.IQueue) -> None:
        self._target = target
        self._queue = queue

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        config = self._target.bind(rule, id)
        return events.RuleTargetConfig(
            arn=config.arn,
            input=config.input,
            role=config.role,
            target_resource=config.target_resource,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._queue.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_event_age_in_seconds=MAX_EVENT_AGE.to_seconds(),
                maximum_retry_attempts=RETRY_ATTEMPTS,
            ),
        )
