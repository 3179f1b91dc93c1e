"""The emulator's resource-policy evaluator (constructs_sm.testing.resource_policies) on hand-written policies: the IAM rules it
models, the requests it sends for AWS services, and what it refuses to guess.

The library's synthesized policies are evaluated in tests/workflows/test_notifications.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_sm.testing.resource_policies import (
    Decision,
    ServiceRequest,
    evaluate,
    eventbridge_publishes,
    eventbridge_sends_to_queue,
    sns_encrypts_for_eventbridge,
    sqs_encrypts_for_eventbridge,
)

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:alerts-dlq"
RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/alerts"
EVENTS = {"Service": "events.amazonaws.com"}
ROOT = {
    "Sid": "Root",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def key_policy(*conditions: dict[str, Any]) -> dict[str, Any]:
    """The account root statement CDK writes, and one statement for EventBridge per condition block."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            ROOT,
            *(
                {
                    "Sid": f"Events{i}",
                    "Effect": "Allow",
                    "Principal": EVENTS,
                    "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                    "Resource": "*",
                    **({"Condition": c} if c else {}),
                }
                for i, c in enumerate(conditions)
            ),
        ],
    }


def request(context: dict[str, Any], action: str = "kms:GenerateDataKey") -> ServiceRequest:
    return ServiceRequest("Service", "events.amazonaws.com", action, KEY, context)


# --- the requests AWS services send ---


def test_sns_data_key_requests_carry_the_topic_and_no_source_keys() -> None:
    requests = sns_encrypts_for_eventbridge(TOPIC, KEY)
    assert [r.action for r in requests] == ["kms:GenerateDataKey", "kms:Decrypt"]
    for r in requests:
        assert (r.principal_type, r.principal, r.resource) == ("Service", "events.amazonaws.com", KEY)
        assert dict(r.context) == {"kms:EncryptionContext:aws:sns:topicArn": TOPIC}
        assert "sns-key-management.html" in r.source


def test_sqs_data_key_requests_carry_no_documented_context() -> None:
    requests = sqs_encrypts_for_eventbridge(KEY)
    assert [r.action for r in requests] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert all(dict(r.context) == {} and "sqs-key-management.html" in r.source for r in requests)


def test_eventbridge_requests_to_targets_carry_the_rule() -> None:
    for r, action, resource in (
        (eventbridge_publishes(TOPIC, RULE), "sns:Publish", TOPIC),
        (eventbridge_sends_to_queue(QUEUE, RULE), "sqs:SendMessage", QUEUE),
    ):
        assert (r.action, r.resource) == (action, resource)
        assert dict(r.context) == {"aws:SourceArn": RULE, "aws:SourceAccount": ACCOUNT}
        assert "cross-service-confused-deputy-prevention.html" in r.source


# --- SNS's data-key request for an EventBridge message ---


@pytest.mark.parametrize("index", [0, 1])
def test_a_key_statement_on_the_encryption_context_allows_sns(index: int) -> None:
    policy = key_policy({"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": TOPIC}})
    result = evaluate(policy, sns_encrypts_for_eventbridge(TOPIC, KEY)[index])
    assert (result.decision, result.allowed_by) == (Decision.ALLOW, ("Events0",))


def test_a_key_statement_on_the_encryption_context_refuses_another_topic() -> None:
    policy = key_policy({"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": TOPIC}})
    other = sns_encrypts_for_eventbridge(TOPIC + "-other", KEY)[0]
    assert evaluate(policy, other).decision is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    "condition",
    [
        {"ArnEquals": {"aws:SourceArn": RULE}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/*"}},
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}},
    ],
    ids=["ArnEquals-SourceArn", "ArnLike-SourceArn", "SourceAccount", "SourceOrgID"],
)
def test_source_conditions_on_the_key_are_never_met_for_sns(condition: dict[str, Any]) -> None:
    """The defect: SNS does not send these keys for an EventBridge publisher, so the statement that
    requires them does not apply and nothing else allows the request."""
    policy = key_policy(
        {
            **condition,
            "StringEquals": {
                **condition.get("StringEquals", {}),
                "kms:EncryptionContext:aws:sns:topicArn": TOPIC,
            },
        }
    )
    for r in sns_encrypts_for_eventbridge(TOPIC, KEY):
        result = evaluate(policy, r)
        assert (result.decision, result.allowed_by) == (Decision.IMPLICIT_DENY, ()), r.action


def test_the_account_root_statement_does_not_admit_a_service_principal() -> None:
    assert evaluate(key_policy(), sns_encrypts_for_eventbridge(TOPIC, KEY)[0]).decision is Decision.IMPLICIT_DENY


# --- IAM's rules, one by one ---


def test_an_absent_key_fails_a_condition_unless_if_exists_or_negated() -> None:
    assert not evaluate(key_policy({"StringEquals": {"aws:SourceAccount": ACCOUNT}}), request({})).allowed
    assert evaluate(key_policy({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}), request({})).allowed
    assert evaluate(key_policy({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}), request({})).allowed
    assert evaluate(key_policy({"ArnNotLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/x"}}), request({})).allowed


def test_if_exists_still_checks_a_present_key() -> None:
    policy = key_policy({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}})
    assert evaluate(policy, request({"aws:SourceAccount": ACCOUNT})).allowed
    assert not evaluate(policy, request({"aws:SourceAccount": "999999999999"})).allowed


def test_null_tests_presence() -> None:
    absent = key_policy({"Null": {"aws:SourceArn": "true"}})
    present = key_policy({"Null": {"aws:SourceArn": "false"}})
    assert evaluate(absent, request({})).allowed and not evaluate(absent, request({"aws:SourceArn": RULE})).allowed
    assert evaluate(present, request({"aws:SourceArn": RULE})).allowed and not evaluate(present, request({})).allowed


def test_operators_and_keys_are_anded_values_ored_and_negated_values_nored() -> None:
    both = key_policy({"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnEquals": {"aws:SourceArn": RULE}})
    assert evaluate(both, request({"aws:SourceAccount": ACCOUNT, "aws:SourceArn": RULE})).allowed
    assert not evaluate(both, request({"aws:SourceAccount": ACCOUNT})).allowed
    two_keys = key_policy({"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceOrgID": "o-1"}})
    assert not evaluate(two_keys, request({"aws:SourceAccount": ACCOUNT})).allowed
    either = key_policy({"StringEquals": {"aws:SourceAccount": ["111111111111", ACCOUNT]}})
    assert evaluate(either, request({"aws:SourceAccount": ACCOUNT})).allowed
    neither = key_policy({"StringNotEquals": {"aws:SourceAccount": ["111111111111", ACCOUNT]}})
    assert not evaluate(neither, request({"aws:SourceAccount": ACCOUNT})).allowed
    assert evaluate(neither, request({"aws:SourceAccount": "222222222222"})).allowed


def test_context_key_names_are_case_insensitive_values_are_not() -> None:
    policy = key_policy({"StringEquals": {"AWS:SourceAccount": ACCOUNT}})
    assert evaluate(policy, request({"aws:sourceaccount": ACCOUNT})).allowed
    cased = key_policy({"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": TOPIC.upper()}})
    assert not evaluate(cased, request({"kms:EncryptionContext:aws:sns:topicArn": TOPIC})).allowed
    ignoring = key_policy({"StringEqualsIgnoreCase": {"kms:EncryptionContext:aws:sns:topicArn": TOPIC.upper()}})
    assert evaluate(ignoring, request({"kms:EncryptionContext:aws:sns:topicArn": TOPIC})).allowed


def test_arn_operators_match_part_by_part() -> None:
    like = key_policy({"ArnLike": {"aws:SourceArn": "arn:aws:events:*:123456789012:rule/*"}})
    assert evaluate(like, request({"aws:SourceArn": RULE})).allowed
    # "*" does not cross a colon in ArnLike, where it does in StringLike.
    colon = "arn:aws:events:us-east-1:*"
    assert not evaluate(key_policy({"ArnLike": {"aws:SourceArn": colon}}), request({"aws:SourceArn": RULE})).allowed
    assert evaluate(key_policy({"StringLike": {"aws:SourceArn": colon}}), request({"aws:SourceArn": RULE})).allowed
    assert not evaluate(key_policy({"ArnEquals": {"aws:SourceArn": RULE}}), request({"aws:SourceArn": "x"})).allowed


def test_bool_compares_true_and_false() -> None:
    policy = key_policy({"Bool": {"aws:SecureTransport": "true"}})
    assert evaluate(policy, request({"aws:SecureTransport": "true"})).allowed
    assert not evaluate(policy, request({"aws:SecureTransport": "false"})).allowed
    assert not evaluate(policy, request({})).allowed


def test_an_explicit_deny_wins() -> None:
    policy = key_policy(None)  # type: ignore[arg-type]
    policy["Statement"].append(
        {
            "Sid": "DenyInsecure",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    result = evaluate(policy, request({"aws:SecureTransport": "false"}))
    assert (result.decision, result.allowed_by, result.denied_by) == (
        Decision.EXPLICIT_DENY,
        ("Events0",),
        ("DenyInsecure",),
    )
    assert evaluate(policy, request({})).decision is Decision.ALLOW


def test_actions_match_case_insensitively_with_wildcards_and_not_action() -> None:
    policy = key_policy(None)  # type: ignore[arg-type]
    assert evaluate(policy, request({}, "KMS:generatedatakey")).allowed
    assert evaluate(policy, request({}, "kms:GenerateDataKeyWithoutPlaintext")).allowed
    assert not evaluate(policy, request({}, "kms:Encrypt")).allowed
    policy["Statement"][1] = {**policy["Statement"][1], "NotAction": "kms:Decrypt"}
    del policy["Statement"][1]["Action"]
    assert evaluate(policy, request({}, "kms:Encrypt")).allowed
    assert not evaluate(policy, request({}, "kms:Decrypt")).allowed


def test_resources_and_principals_are_matched() -> None:
    queue_policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": EVENTS,
                "Action": "sqs:SendMessage",
                "Resource": QUEUE,
                "Condition": {"ArnEquals": {"aws:SourceArn": RULE}},
            }
        ]
    }
    assert evaluate(queue_policy, eventbridge_sends_to_queue(QUEUE, RULE)).allowed
    assert not evaluate(queue_policy, eventbridge_sends_to_queue(QUEUE + "-other", RULE)).allowed
    assert not evaluate(queue_policy, eventbridge_sends_to_queue(QUEUE, RULE + "-other")).allowed
    sns = ServiceRequest("Service", "sns.amazonaws.com", "sqs:SendMessage", QUEUE, {"aws:SourceArn": RULE})
    assert not evaluate(queue_policy, sns).allowed
    everyone = {"Statement": [{**queue_policy["Statement"][0], "Principal": {"AWS": "*"}}]}
    assert evaluate(everyone, sns).allowed


# --- what it refuses to guess ---


@pytest.mark.parametrize(
    "condition",
    [
        {"NumericLessThan": {"kms:RecipientAttestation:ImageSha384": "1"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "aws:sns:topicArn"}},
        {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}},
    ],
    ids=["numeric", "ip", "set-operator", "policy-variable"],
)
def test_unmodelled_conditions_raise(condition: dict[str, Any]) -> None:
    with pytest.raises(NotImplementedError):
        evaluate(key_policy(condition), request({"aws:SourceAccount": ACCOUNT}))


def test_not_principal_raises() -> None:
    policy = {"Statement": [{"Effect": "Deny", "NotPrincipal": EVENTS, "Action": "*", "Resource": "*"}]}
    with pytest.raises(NotImplementedError, match="NotPrincipal"):
        evaluate(policy, request({}))


def test_motos_evaluator_cannot_see_the_defect() -> None:
    """Why the emulator has its own evaluator: moto 5.2.5 skips ArnEquals and absent keys, so it
    permits the key statement that AWS never applies to SNS's request."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    broken = key_policy(
        {
            "ArnEquals": {"aws:SourceArn": RULE},
            "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": TOPIC},
        }
    )
    moto_result = IAMPolicy(json.dumps(broken)).is_action_permitted(
        "kms:GenerateDataKey", KEY, incoming_condition_values={"kms:EncryptionContext:aws:sns:topicArn": TOPIC}
    )
    assert moto_result == PermissionResult.PERMITTED
    assert evaluate(broken, sns_encrypts_for_eventbridge(TOPIC, KEY)[0]).decision is Decision.IMPLICIT_DENY
