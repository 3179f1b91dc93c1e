"""WorkflowNotifications: the rule, the topic and its policies, cfn-lint, cdk-nag, errors, and the
message as a subscriber reads it.

The behaviour test runs offline in moto. moto 5.2.5 cannot carry an event from EventBridge to SNS
with this input transformer: its rule targets stop at CloudWatch Logs, SQS and event buses (an SNS
target raises NotImplementedError), its ``EventTemplateParser`` parses every transformed input as
JSON (a plain-text template is rejected), and its ``test_event_pattern`` is a stub that returns no
result. So the test splits the route where moto stops:

1. a real execution of the synthesized state machine fails in moto (constructs_sm.testing, the job failed
   by ``SageMakerJobs.fail``), and its ``describe_execution`` becomes the
   "Step Functions Execution Status Change" event Step Functions would send;
2. moto's EventBridge matches that event against the synthesized pattern (a rule with the same
   ``EventPattern``, its target an SQS queue, since moto delivers there);
3. the input transformer is rendered here from the synthesized ``InputPathsMap`` and
   ``InputTemplate`` (``render``: each ``<name>`` replaced by the value at its path, a string as it
   is, as the EventBridge API Reference's plain-text ``InputTransformer`` example shows; a
   non-string value as JSON, which is this test's assumption, not a documented rule);
4. the rendered text is published to an SNS topic in moto, and an SQS queue subscribed to the
   topic receives it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Capture, Match, Template

from constructs_sm.errors import ValidationError
from constructs_sm.testing import OfflineAws, TemplateResolver
from constructs_sm.testing.resource_policies import (
    Decision,
    evaluate,
    eventbridge_publishes,
    eventbridge_sends_to_queue,
    sns_encrypts_for_eventbridge,
    sqs_encrypts_for_eventbridge,
)
from constructs_sm.workflows.notifications import DETAIL_TYPE, WorkflowNotifications
from tests import builders
from tests.cfn_lint import lint
from tests.conftest import ENV, _cdk_json_context
from tests.nag import PACK_NAMES, findings, synth_with_packs
from tests.template_helpers import resources, routed

IMPORTED_TOPIC = "arn:aws:sns:us-east-1:123456789012:ml-alerts"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One app, synthesized once with the four cdk-nag packs as validation plugins.

    ``Notify``: a TuningWorkflow with three notifications: ``Created`` (the default, a topic
    created), ``Given`` (a topic of the app, SUCCEEDED too) and ``Imported`` (an imported topic).
    ``NagControl``: an unencrypted topic and a key without rotation, which the packs must flag
    (so a pack that flags nothing in the notifications is seen to have looked).
    """
    outdir = tmp_path_factory.mktemp("cdk.out.notifications")
    app = cdk.App(outdir=str(outdir), context=_cdk_json_context())
    stack = cdk.Stack(app, "Notify", env=ENV)
    tuning = builders.workflow(stack)
    created = WorkflowNotifications(stack, "Created", workflow=tuning)
    alerts_key = kms.Key(stack, "AlertsKey", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.RETAIN)
    alerts = sns.Topic(stack, "Alerts", master_key=alerts_key, enforce_ssl=True)
    given = WorkflowNotifications(stack, "Given", workflow=tuning, topic=alerts, include_succeeded=True)
    imported_topic = sns.Topic.from_topic_arn(stack, "ImportedTopic", IMPORTED_TOPIC)
    imported = WorkflowNotifications(stack, "Imported", workflow=tuning, topic=imported_topic)

    control = cdk.Stack(app, "NagControl", env=ENV)
    sns.Topic(control, "Plain")
    kms.Key(control, "NoRotation")

    nag = synth_with_packs(app, outdir, control)

    def logical_id(construct: Any) -> str:
        return str(stack.get_logical_id(construct.node.default_child))

    assert created.encryption_key is not None
    return {
        "ids": {
            "machine": logical_id(tuning.state_machine),
            "created_topic": logical_id(created.topic),
            "created_rule": logical_id(created.rule),
            "created_key": logical_id(created.encryption_key),
            "given_rule": logical_id(given.rule),
            "imported_rule": logical_id(imported.rule),
            "alerts": logical_id(alerts),
            "alerts_key": logical_id(alerts_key),
        },
        "template": json.loads((outdir / "Notify.template.json").read_text()),
        "report": nag["report"],
        "control": nag["control"],
        "constructs": {"created": created, "given": given, "imported": imported},
        "alerts": alerts,
        "imported_topic": imported_topic,
        "stack": stack,
        "tuning": tuning,
    }


@pytest.fixture(scope="module")
def template(built: dict[str, Any]) -> dict[str, Any]:
    return dict(built["template"])


@pytest.fixture(scope="module")
def ids(built: dict[str, Any]) -> dict[str, str]:
    """Logical ids, read from the constructs (not written here)."""
    return dict(built["ids"])


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return dict(template["Resources"][logical_id]["Properties"])


def topic_policy(template: dict[str, Any], topic: str) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for p in resources(template, "AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic}]
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def events_statements(key: dict[str, Any]) -> list[dict[str, Any]]:
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    return [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]


# --- the rule ---


def test_rule_matches_the_workflows_unsuccessful_executions(template: dict[str, Any], ids: dict[str, str]) -> None:
    rule = props(template, ids["created_rule"])
    assert rule["EventPattern"] == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"stateMachineArn": [{"Ref": ids["machine"]}], "status": ["FAILED", "TIMED_OUT", "ABORTED"]},
    }
    assert rule["State"] == "ENABLED"


def test_include_succeeded_adds_succeeded(template: dict[str, Any], ids: dict[str, str]) -> None:
    detail = props(template, ids["given_rule"])["EventPattern"]["detail"]
    assert detail == {
        "stateMachineArn": [{"Ref": ids["machine"]}],
        "status": ["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"],
    }


def test_the_target_is_the_created_topic_with_the_readable_message(
    template: dict[str, Any], ids: dict[str, str]
) -> None:
    (target,) = props(template, ids["created_rule"])["Targets"]
    assert target["Arn"] == {"Ref": ids["created_topic"]}
    assert "RoleArn" not in target, "SNS targets are authorized by the topic policy"
    transformer = target["InputTransformer"]
    assert transformer["InputPathsMap"] == {
        "stateMachineArn": "$.detail.stateMachineArn",
        "executionName": "$.detail.name",
        "executionArn": "$.detail.executionArn",
        "status": "$.detail.status",
        "error": "$.detail.error",
        "cause": "$.detail.cause",
        "time": "$.time",
    }
    head, name, tail = transformer["InputTemplate"]["Fn::Join"][1]
    assert (head, name) == ("Workflow ", {"Fn::GetAtt": [ids["machine"], "Name"]})
    assert tail == (
        ": execution <executionName> ended <status> at <time>.\n\n"
        "State machine: <stateMachineArn>\nExecution: <executionArn>\nError: <error>\nCause: <cause>\n"
    )
    assert set(re.findall(r"<([\w-]+)>", head + tail)) == set(transformer["InputPathsMap"])


def test_given_topics_are_the_targets_with_the_same_message(template: dict[str, Any], ids: dict[str, str]) -> None:
    given = props(template, ids["given_rule"])
    imported = props(template, ids["imported_rule"])
    assert given["Targets"][0]["Arn"] == {"Ref": ids["alerts"]}
    assert imported["Targets"][0]["Arn"] == IMPORTED_TOPIC
    created = props(template, ids["created_rule"])["Targets"][0]["InputTransformer"]
    for rule in (given, imported):
        assert rule["Targets"][0]["InputTransformer"] == created
    assert imported["EventPattern"]["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]


def test_properties_expose_the_rule_topic_and_key(built: dict[str, Any]) -> None:
    constructs = built["constructs"]
    assert constructs["given"].topic is built["alerts"]
    assert constructs["imported"].topic is built["imported_topic"]
    assert constructs["given"].encryption_key is None and constructs["imported"].encryption_key is None
    assert constructs["created"].rule.node.path == "Notify/Created/Rule"
    assert constructs["created"].topic.node.path == "Notify/Created/Topic"
    assert constructs["created"].encryption_key.node.path == "Notify/Created/TopicKey"
    for name in ("created", "given", "imported"):
        queue = constructs[name].dead_letter_queue
        assert queue.node.path == f"Notify/{name.capitalize()}/DeadLetterQueue"
        assert queue.encryption_master_key.node.path == f"Notify/{name.capitalize()}/DeadLetterKey"


# --- the created topic, its key and policies ---


def test_created_topic_is_encrypted_with_a_new_rotating_retained_key(
    template: dict[str, Any], ids: dict[str, str]
) -> None:
    topic = props(template, ids["created_topic"])
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [ids["created_key"], "Arn"]}
    key = template["Resources"][ids["created_key"]]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_created_topic_policy_enforces_ssl_and_lets_only_this_rule_publish(
    template: dict[str, Any], ids: dict[str, str]
) -> None:
    topic = ids["created_topic"]
    statements = topic_policy(template, topic)
    assert {
        "Sid": "AllowPublishThroughSSLOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:Publish",
        "Resource": {"Ref": topic},
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    } in statements
    assert [s for s in statements if s["Effect"] == "Allow"] == [
        {
            "Sid": "EventBridgePublishesWorkflowNotifications",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": {"Ref": topic},
            "Condition": {
                "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [ids["created_rule"], "Arn"]}},
                "StringEquals": {"aws:SourceAccount": "123456789012"},
            },
        }
    ]


def test_created_key_lets_eventbridge_encrypt_for_this_topic_only(
    template: dict[str, Any], ids: dict[str, str]
) -> None:
    """The topic's encryption context, and no aws:SourceArn / aws:SourceAccount: SNS does not send them
    for an EventBridge publisher (SNS Developer Guide, key management)."""
    topic_name = props(template, ids["created_topic"])["TopicName"]
    assert events_statements(template["Resources"][ids["created_key"]]) == [
        {
            "Sid": "EventBridgeEncryptsWorkflowNotifications",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:EncryptionContext:aws:sns:topicArn": f"arn:aws:sns:us-east-1:123456789012:{topic_name}"
                },
            },
        }
    ]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", topic_name)
    assert re.fullmatch(r"[.\-_A-Za-z0-9]{1,64}", props(template, ids["created_rule"])["Name"])


def test_given_topic_gets_the_usual_cdk_grants(template: dict[str, Any], ids: dict[str, str]) -> None:
    publish = [
        s
        for s in topic_policy(template, ids["alerts"])
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": "events.amazonaws.com"}
    ]
    assert [s["Action"] for s in publish] == ["sns:Publish"]
    statements = events_statements(template["Resources"][ids["alerts_key"]])
    assert [sorted(s["Action"]) for s in statements] == [["kms:Decrypt", "kms:GenerateDataKey*"]]


def test_given_topics_create_no_topic_or_key(template: dict[str, Any], ids: dict[str, str]) -> None:
    assert set(resources(template, "AWS::SNS::Topic")) == {ids["created_topic"], ids["alerts"]}
    assert len(resources(template, "AWS::SNS::TopicPolicy")) == 2
    assert topic_policy(template, ids["created_topic"]) and topic_policy(template, ids["alerts"])
    notification_keys = {
        k for k in resources(template, "AWS::KMS::Key") if k.startswith(("Created", "Given", "Imported"))
    }
    dead_letter_keys = {dead_letter(template, ids[rule])["key"] for rule in RULES}
    assert notification_keys == {ids["created_key"], *dead_letter_keys}


# --- the requests AWS services send, evaluated against the synthesized policies ---


@pytest.fixture(scope="module")
def resolver(template: dict[str, Any], ids: dict[str, str]) -> TemplateResolver:
    """Intrinsics resolved as CloudFormation would (the created rule's ARN from its Name)."""
    rule_name = props(template, ids["created_rule"])["Name"]
    return TemplateResolver(
        template,
        account_id=str(ENV.account),
        region=str(ENV.region),
        stack_name="Notify",
        known_values={f"{ids['created_rule']}.Arn": f"arn:aws:events:us-east-1:123456789012:rule/{rule_name}"},
    )


def key_policy(template: dict[str, Any], resolver: TemplateResolver, key: str) -> dict[str, Any]:
    return dict(resolver.resolve(template["Resources"][key]["Properties"]["KeyPolicy"]))


def test_sns_can_encrypt_a_message_eventbridge_publishes_to_the_created_topic(
    template: dict[str, Any], ids: dict[str, str], resolver: TemplateResolver
) -> None:
    """SNS's GenerateDataKey and Decrypt, with the context SNS sends for an EventBridge publisher."""
    policy = key_policy(template, resolver, ids["created_key"])
    topic_arn, key_arn = resolver.ref(ids["created_topic"]), resolver.get_att(ids["created_key"], "Arn")
    for request in sns_encrypts_for_eventbridge(topic_arn, key_arn):
        result = evaluate(policy, request)
        assert (result.decision, result.allowed_by) == (
            Decision.ALLOW,
            ("EventBridgeEncryptsWorkflowNotifications",),
        ), request.action
    other_topic = sns_encrypts_for_eventbridge(topic_arn + "-other", key_arn)[0]
    assert evaluate(policy, other_topic).decision is Decision.IMPLICIT_DENY


def test_the_former_key_statement_is_refused(
    template: dict[str, Any], ids: dict[str, str], resolver: TemplateResolver
) -> None:
    """Negative control: the statement as it was (aws:SourceArn on the key) never applies to SNS's
    request, so the message would be dropped."""
    policy = key_policy(template, resolver, ids["created_key"])
    rule_arn = resolver.get_att(ids["created_rule"], "Arn")
    for statement in policy["Statement"]:
        if statement.get("Sid") == "EventBridgeEncryptsWorkflowNotifications":
            statement["Condition"] = {"ArnEquals": {"aws:SourceArn": rule_arn}, **statement["Condition"]}
    topic_arn, key_arn = resolver.ref(ids["created_topic"]), resolver.get_att(ids["created_key"], "Arn")
    for request in sns_encrypts_for_eventbridge(topic_arn, key_arn):
        assert evaluate(policy, request).decision is Decision.IMPLICIT_DENY, request.action


def test_eventbridge_may_publish_to_the_created_topic_for_this_rule_only(
    template: dict[str, Any], ids: dict[str, str], resolver: TemplateResolver
) -> None:
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in resources(template, "AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": ids["created_topic"]}]
    ]
    policy = resolver.resolve(policy)
    topic_arn, rule_arn = resolver.ref(ids["created_topic"]), resolver.get_att(ids["created_rule"], "Arn")
    assert evaluate(policy, eventbridge_publishes(topic_arn, rule_arn)).allowed
    other_rule = resolver.get_att(ids["given_rule"], "Arn")
    assert evaluate(policy, eventbridge_publishes(topic_arn, other_rule)).decision is Decision.IMPLICIT_DENY


# --- the dead-letter queue and the retry policy ---

RULES = ("created_rule", "given_rule", "imported_rule")


def dead_letter(template: dict[str, Any], rule: str) -> dict[str, str]:
    """Logical ids of the rule's dead-letter queue (its target names it) and of the queue's key."""
    (target,) = template["Resources"][rule]["Properties"]["Targets"]
    queue = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    key = Capture()
    Template.from_json({"Resources": {queue: template["Resources"][queue]}}).has_resource_properties(
        "AWS::SQS::Queue", {"KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}, "SqsManagedSseEnabled": Match.absent()}
    )
    return {"queue": queue, "key": key.as_string()}


@pytest.mark.parametrize("rule", RULES)
def test_every_target_has_a_dead_letter_queue_and_a_retry_policy(
    template: dict[str, Any], ids: dict[str, str], rule: str
) -> None:
    """24 hours and 185 attempts, EventBridge's maximum for both: a late alert is still worth
    sending; what retries cannot fix (permissions, a deleted topic) goes to the queue at once."""
    (target,) = props(template, ids[rule])["Targets"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letter(template, ids[rule])["queue"], "Arn"]}}


def test_each_notification_has_its_own_dead_letter_queue(template: dict[str, Any], ids: dict[str, str]) -> None:
    queues = [dead_letter(template, ids[rule])["queue"] for rule in RULES]
    keys = [dead_letter(template, ids[rule])["key"] for rule in RULES]
    assert len(set(queues)) == len(set(keys)) == 3
    assert not {ids["created_key"], ids["alerts_key"]} & set(keys)


@pytest.mark.parametrize("rule", RULES)
def test_the_dead_letter_queue_keeps_14_days_encrypted_with_a_rotating_retained_key(
    template: dict[str, Any], ids: dict[str, str], rule: str
) -> None:
    found = dead_letter(template, ids[rule])
    queue = template["Resources"][found["queue"]]
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert "FifoQueue" not in queue["Properties"], "EventBridge dead-letter queues are standard queues"
    assert (queue["DeletionPolicy"], queue["UpdateReplacePolicy"]) == ("Retain", "Retain")
    key = template["Resources"][found["key"]]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")


@pytest.mark.parametrize("rule", RULES)
def test_the_dead_letter_queue_policy_enforces_ssl_and_admits_only_this_rule(
    template: dict[str, Any], ids: dict[str, str], rule: str
) -> None:
    queue = dead_letter(template, ids[rule])["queue"]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue}]
    ]
    assert [s for s in policy if s["Effect"] == "Allow"] == [
        {
            "Sid": "EventBridgeSendsUndeliveredNotifications",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": [queue, "Arn"]},
            "Condition": {
                "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [ids[rule], "Arn"]}},
                "StringEquals": {"aws:SourceAccount": "123456789012"},
            },
        }
    ]
    (deny,) = [s for s in policy if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert (deny["Principal"], deny["Action"]) == ({"AWS": "*"}, "sqs:*")


@pytest.mark.parametrize("rule", RULES)
def test_eventbridge_can_send_an_undelivered_notification_to_the_queue(
    template: dict[str, Any], ids: dict[str, str], resolver: TemplateResolver, rule: str
) -> None:
    """The queue policy admits EventBridge's SendMessage for this rule, and the queue's key admits the
    data-key requests SQS makes for it (no context key is documented for them: the key statement
    must not require one)."""
    found = dead_letter(template, ids[rule])
    (queue_policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in resources(template, "AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": found["queue"]}]
    ]
    queue_arn, rule_arn = resolver.get_att(found["queue"], "Arn"), resolver.get_att(ids[rule], "Arn")
    send = eventbridge_sends_to_queue(queue_arn, rule_arn)
    assert evaluate(resolver.resolve(queue_policy), send).allowed
    other_rule = resolver.get_att(ids["created_rule" if rule != "created_rule" else "given_rule"], "Arn")
    refused = evaluate(resolver.resolve(queue_policy), eventbridge_sends_to_queue(queue_arn, other_rule))
    assert refused.decision is Decision.IMPLICIT_DENY
    policy = key_policy(template, resolver, found["key"])
    for request in sqs_encrypts_for_eventbridge(resolver.get_att(found["key"], "Arn")):
        result = evaluate(policy, request)
        assert (result.decision, result.allowed_by) == (
            Decision.ALLOW,
            ("EventBridgeEncryptsUndeliveredNotifications",),
        ), request.action


def test_the_dead_letter_key_statement(template: dict[str, Any], ids: dict[str, str]) -> None:
    key = dead_letter(template, ids["created_rule"])["key"]
    assert events_statements(template["Resources"][key]) == [
        {
            "Sid": "EventBridgeEncryptsUndeliveredNotifications",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        }
    ]


# --- cfn-lint and cdk-nag ---


def test_cfn_lint_finds_nothing(template: dict[str, Any], tmp_path: Path) -> None:
    assert lint(template, tmp_path / "Notify.template.json") == []


def _findings(built: dict[str, Any], *, acknowledged: bool) -> list[tuple[str, str, str]]:
    return findings(built["report"], "Notify/", acknowledged=acknowledged)


def test_cdk_nag_finds_nothing_unacknowledged(built: dict[str, Any]) -> None:
    """The four packs; the workflow's own findings are acknowledged by the workflow."""
    assert _findings(built, acknowledged=False) == []


def test_cdk_nag_flags_nothing_in_the_notifications_even_acknowledged_but_the_dead_letter_queues(
    built: dict[str, Any],
) -> None:
    """SQS3 ("not used as a DLQ and has no DLQ") sees SQS redrive policies only, not an EventBridge
    target's DeadLetterConfig: each dead-letter queue acknowledges it, and nothing else is."""
    notifications = ("Notify/Created/", "Notify/Given/", "Notify/Imported/", "Notify/Alerts")
    assert sorted(f for f in _findings(built, acknowledged=True) if f[2].startswith(notifications)) == [
        ("AwsSolutions", "AwsSolutions-SQS3", f"Notify/{name}/DeadLetterQueue/Resource")
        for name in ("Created", "Given", "Imported")
    ]
    acknowledged = {
        (v["acknowledgedAt"], v["reason"])
        for p in built["report"]["pluginReports"]
        for v in p.get("suppressedViolations", [])
        if any(c["constructPath"].startswith(notifications) for c in v["violatingConstructs"])
    }
    assert {at for at, _ in acknowledged} == {
        f"Notify/{n}/DeadLetterQueue/Resource" for n in ("Created", "Given", "Imported")
    }
    assert all("Using dead-letter queues to process undelivered events" in reason for _, reason in acknowledged)


@pytest.mark.parametrize("pack", PACK_NAMES)
def test_each_pack_ran_and_flags_the_control_stack(built: dict[str, Any], pack: str) -> None:
    """A plain topic and a key without rotation are flagged: the packs do look at topics and keys."""
    assert built["control"][pack], pack


def test_the_control_findings_are_the_ones_the_notifications_avoid(built: dict[str, Any]) -> None:
    assert {"AwsSolutions-SNS3", "AwsSolutions-KMS5"} <= built["control"]["AwsSolutions"]


# --- errors ---


def test_workflow_must_be_a_workflow(built: dict[str, Any]) -> None:
    machine = built["tuning"].state_machine
    with pytest.raises(ValidationError, match=r"^workflow: must be a TuningWorkflow or TrainingWorkflow, but got"):
        WorkflowNotifications(built["stack"], "Bad", workflow=machine)


def test_topic_must_be_a_topic(built: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=r"^topic: must be an aws_sns.ITopic .*, but got 'arn:aws:sns:"):
        WorkflowNotifications(built["stack"], "Bad", workflow=built["tuning"], topic=IMPORTED_TOPIC)  # type: ignore[arg-type]


def test_include_succeeded_must_be_a_bool(built: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=r"^include_succeeded: must be a bool, but got 'yes'"):
        WorkflowNotifications(built["stack"], "Bad", workflow=built["tuning"], include_succeeded="yes")  # type: ignore[arg-type]


# --- behaviour, offline ---


def render(transformer: dict[str, Any], event: dict[str, Any]) -> str:
    """The input transformer applied to ``event``: each ``<name>`` replaced by the value at its
    JSON path, a string as it is and any other value as JSON."""
    text: str = transformer["InputTemplate"]
    for name, path in transformer["InputPathsMap"].items():
        value: Any = event
        for key in path.removeprefix("$.").split("."):
            value = value.get(key) if isinstance(value, dict) else None
        text = text.replace(f"<{name}>", value if isinstance(value, str) else json.dumps(value))
    return text


@pytest.fixture(scope="module")
def offline(template: dict[str, Any], ids: dict[str, str]) -> Iterator[dict[str, Any]]:
    """moto with the tuning workflow deployed and one failed execution of it."""
    with OfflineAws() as aws:
        aws.jobs.fail("AlgorithmError: ValueError: could not convert string to float: 'n/a', exit code: 1")
        deployment = aws.deploy(template)
        machine_arn = deployment.arn("Tuning")
        result = aws.run(machine_arn, {}, name="nightly-2027-01-04")
        yield {
            "aws": aws,
            "machine_arn": machine_arn,
            "execution": aws.sfn.describe_execution(executionArn=result.execution_arn),
            "rule": deployment.resolver.resolve(props(template, ids["created_rule"])),
            "region": aws.region,
            "resolve": deployment.resolver.resolve,
            "template": template,
        }


def status_change_event(execution: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """The "Step Functions Execution Status Change" event of ``execution`` (its describe_execution)."""
    status = status or execution["status"]
    failed = status == "FAILED"
    return {
        "Source": "aws.states",
        "DetailType": DETAIL_TYPE,
        "Resources": [execution["executionArn"]],
        "Time": execution.get("stopDate") or datetime.now(UTC),
        "Detail": json.dumps(
            {
                "executionArn": execution["executionArn"],
                "stateMachineArn": execution["stateMachineArn"],
                "name": execution["name"],
                "status": status,
                "startDate": int(execution["startDate"].timestamp() * 1000),
                "stopDate": int((execution.get("stopDate") or datetime.now(UTC)).timestamp() * 1000),
                "input": execution.get("input", "{}"),
                "inputDetails": {"included": True},
                "output": None if failed else "{}",
                "outputDetails": None if failed else {"included": True},
                "error": execution.get("error") if failed else None,
                "cause": execution.get("cause") if failed else None,
            }
        ),
    }


def test_a_failed_execution_reaches_a_subscriber_as_a_readable_message(offline: dict[str, Any]) -> None:
    execution, rule, region = offline["execution"], offline["rule"], offline["region"]
    assert (execution["status"], execution["error"]) == ("FAILED", "JobFailed")
    (delivered,) = routed(region, rule["EventPattern"], status_change_event(execution))

    sns_client, sqs = boto3.client("sns", region_name=region), boto3.client("sqs", region_name=region)
    topic = sns_client.create_topic(Name="workflow-notifications")["TopicArn"]
    inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns_client.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
    sns_client.publish(TopicArn=topic, Message=render(rule["Targets"][0]["InputTransformer"], delivered))
    (message,) = sqs.receive_message(QueueUrl=inbox)["Messages"]

    lines = message["Body"].splitlines()
    machine_name = offline["machine_arn"].rsplit(":", 1)[1]
    assert re.fullmatch(
        rf"Workflow {re.escape(machine_name)}: execution nightly-2027-01-04 ended FAILED at \S+\.", lines[0]
    ), lines[0]
    assert lines[1] == ""
    assert lines[2] == f"State machine: {offline['machine_arn']}"
    assert lines[3] == f"Execution: {execution['executionArn']}"
    assert lines[4] == "Error: JobFailed"
    cause = json.loads(lines[5].removeprefix("Cause: "))
    assert cause["FailureReason"].startswith("AlgorithmError: ValueError")
    assert re.fullmatch(r"tuning-[0-9a-f]{12}", cause["HyperParameterTuningJobName"])
    assert cause["HyperParameterTuningJobStatus"] == "Failed"


def test_a_succeeded_execution_is_not_matched_by_default(offline: dict[str, Any]) -> None:
    succeeded = status_change_event(offline["execution"], "SUCCEEDED")
    assert routed(offline["region"], offline["rule"]["EventPattern"], succeeded) == []


@pytest.mark.parametrize(("status", "matched"), [("TIMED_OUT", True), ("ABORTED", True), ("RUNNING", False)])
def test_the_other_statuses(offline: dict[str, Any], status: str, matched: bool) -> None:
    event = status_change_event(offline["execution"], status)
    assert len(routed(offline["region"], offline["rule"]["EventPattern"], event)) == int(matched)


def test_include_succeeded_matches_a_succeeded_execution(offline: dict[str, Any], ids: dict[str, str]) -> None:
    pattern = offline["resolve"](props(offline["template"], ids["given_rule"])["EventPattern"])
    succeeded = status_change_event(offline["execution"], "SUCCEEDED")
    (delivered,) = routed(offline["region"], pattern, succeeded)
    assert delivered["detail"]["status"] == "SUCCEEDED"


def test_another_state_machines_failure_is_not_matched(offline: dict[str, Any]) -> None:
    event = status_change_event(offline["execution"])
    detail = json.loads(event["Detail"])
    detail["stateMachineArn"] = offline["machine_arn"] + "-other"
    assert routed(offline["region"], offline["rule"]["EventPattern"], {**event, "Detail": json.dumps(detail)}) == []
