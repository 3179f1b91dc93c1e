"""Evaluate a KMS key policy (or a topic or queue policy) for the request an AWS service really sends.

Why
---
A key policy can be valid, pass cdk-nag and cfn-lint, and still deny the one request that matters:
a condition on a context key that the calling service does not put in its request makes the
statement inapplicable, and nothing allows the request. The SNS Developer Guide says exactly this
of EventBridge publishing to an encrypted topic: ``aws:SourceAccount``, ``aws:SourceArn`` and
``aws:SourceOrgID`` are not supported in the KMS key policy for EventBridge-to-encrypted topics, so
a key statement that requires them is never satisfied, SNS's data-key request is denied and the
message is dropped. Only a model of the request, with the context keys the service sends and no
others, shows it offline.

moto 5.2.5's ``moto.iam.access_control.IAMPolicy`` cannot: its conditions know ``StringEquals``
alone (``ArnEquals``, ``ArnLike``, ``Bool``... are skipped as if satisfied), a context key absent
from the request is skipped too, and a failed condition in an Allow statement returns DENIED.
It permits the broken policy (``tests/testing/test_resource_policies.py``, ``test_motos_evaluator_cannot_see_the_defect``).

What is evaluated (IAM User Guide, "Policy evaluation logic",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, and
"IAM JSON policy elements: Condition operators",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
--------------------------------------------------------------------------------------------------
* A statement applies when its ``Principal``, ``Action`` / ``NotAction``, ``Resource`` /
  ``NotResource`` and every condition match. An applicable Deny wins; else an applicable Allow
  allows; else the request is implicitly denied.
* Conditions: operators are ANDed, the keys of an operator are ANDed, the values of a key are
  ORed (NORed for a negated operator). Context key names are case-insensitive.
* A key absent from the request context: the condition is false; for a negated operator
  (``StringNotEquals``, ``ArnNotLike``...) it is true; ``...IfExists`` is true; ``Null`` tests
  presence (``"true"``: the key is absent).
* ``ArnEquals`` and ``ArnLike`` compare the six colon-separated parts of the ARN one by one, each
  with ``*`` and ``?`` wildcards; ``StringLike`` matches the whole string with them.
* Operators: ``String(Not)Equals``, ``String(Not)EqualsIgnoreCase``, ``String(Not)Like``,
  ``Arn(Not)Equals``, ``Arn(Not)Like``, ``Bool``, their ``IfExists`` forms, and ``Null``.
  Anything else (numeric, date, IP, ``ForAnyValue:`` / ``ForAllValues:``, policy variables,
  ``NotPrincipal``) raises ``NotImplementedError``: the evaluator refuses to guess.

The requests (each carries the page its context comes from)
-----------------------------------------------------------
* ``sns_encrypts_for_eventbridge``: SNS's ``kms:GenerateDataKey`` and ``kms:Decrypt`` for a message
  that EventBridge publishes to an encrypted topic. Principal ``events.amazonaws.com`` (the
  publisher, as the SNS guide's key policy statement names it); context: the encryption context
  ``aws:sns:topicArn`` only, without ``aws:SourceArn`` / ``aws:SourceAccount`` / ``aws:SourceOrgID``.
* ``sqs_encrypts_for_eventbridge``: SQS's ``kms:GenerateDataKey`` and ``kms:Decrypt`` when
  EventBridge sends to an encrypted queue (a dead-letter queue). Principal ``events.amazonaws.com``;
  no context key is documented for this request, so none is modelled: a key statement that
  conditions on anything is refused, as AWS may refuse it.
* ``eventbridge_publishes`` / ``eventbridge_sends_to_queue``: EventBridge's ``sns:Publish`` and
  ``sqs:SendMessage`` for a rule; context ``aws:SourceArn`` = the rule ARN and ``aws:SourceAccount``
  (EventBridge User Guide, "Cross-service confused deputy prevention in Amazon EventBridge": for rule
  targets ``aws:SourceArn`` is the rule ARN).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Decision",
    "Evaluation",
    "ServiceRequest",
    "evaluate",
    "eventbridge_publishes",
    "eventbridge_sends_to_queue",
    "sns_encrypts_for_eventbridge",
    "sqs_encrypts_for_eventbridge",
]

EVENTS = "events.amazonaws.com"
SNS_KEY_MANAGEMENT = (
    "Amazon SNS Developer Guide, 'Managing Amazon SNS encryption keys and costs' (Configuring AWS KMS "
    "permissions): aws:SourceAccount, aws:SourceArn and aws:SourceOrgID are not supported in the KMS key "
    "policy for EventBridge-to-encrypted topics; https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
)
SQS_KEY_MANAGEMENT = (
    "Amazon SQS Developer Guide, 'Amazon SQS Key management' (Configure KMS permissions for AWS services): "
    "the event source's service principal needs kms:GenerateDataKey and kms:Decrypt; "
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html"
)
EVENTBRIDGE_CONFUSED_DEPUTY = (
    "Amazon EventBridge User Guide, 'Cross-service confused deputy prevention in Amazon EventBridge': for rule "
    "targets aws:SourceArn is the rule ARN; "
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html"
)

_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_BASE_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
    "Bool",
}


class Decision(StrEnum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True)
class ServiceRequest:
    """One request to a resource: who makes it, the action, the resource and its context keys."""

    principal_type: str
    principal: str
    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class Evaluation:
    decision: Decision
    allowed_by: tuple[str, ...]
    denied_by: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


def evaluate(policy: Mapping[str, Any], request: ServiceRequest) -> Evaluation:
    """The decision of ``policy`` (intrinsics already resolved) on ``request``, with the Sid (or
    the index) of the statements that allowed or denied it."""
    statements = policy["Statement"]
    if isinstance(statements, Mapping):
        statements = [statements]
    allowed, denied = [], []
    for index, statement in enumerate(statements):
        if not _applies(statement, request):
            continue
        name = str(statement.get("Sid", index))
        if statement["Effect"] == "Deny":
            denied.append(name)
        elif statement["Effect"] == "Allow":
            allowed.append(name)
        else:
            raise ValueError(f"statement {name}: Effect must be Allow or Deny, but got {statement['Effect']!r}")
    decision = Decision.EXPLICIT_DENY if denied else Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
    return Evaluation(decision, tuple(allowed), tuple(denied))


# --- the requests services send ---


def sns_encrypts_for_eventbridge(topic_arn: str, key_arn: str) -> tuple[ServiceRequest, ...]:
    """SNS's data-key requests for a message EventBridge publishes to the encrypted ``topic_arn``."""
    context = {"kms:EncryptionContext:aws:sns:topicArn": topic_arn}
    return tuple(
        ServiceRequest("Service", EVENTS, action, key_arn, context, SNS_KEY_MANAGEMENT)
        for action in ("kms:GenerateDataKey", "kms:Decrypt")
    )


def sqs_encrypts_for_eventbridge(key_arn: str) -> tuple[ServiceRequest, ...]:
    """SQS's data-key requests when EventBridge sends to a queue encrypted with ``key_arn``: no
    context key is documented for them, so none is sent."""
    return tuple(
        ServiceRequest("Service", EVENTS, action, key_arn, {}, SQS_KEY_MANAGEMENT)
        for action in ("kms:GenerateDataKey", "kms:Decrypt")
    )


def eventbridge_publishes(topic_arn: str, rule_arn: str) -> ServiceRequest:
    """EventBridge's ``sns:Publish`` to ``topic_arn`` for the rule ``rule_arn``."""
    return ServiceRequest("Service", EVENTS, "sns:Publish", topic_arn, _source(rule_arn), EVENTBRIDGE_CONFUSED_DEPUTY)


def eventbridge_sends_to_queue(queue_arn: str, rule_arn: str) -> ServiceRequest:
    """EventBridge's ``sqs:SendMessage`` to ``queue_arn`` (a target or a dead-letter queue) for ``rule_arn``."""
    return ServiceRequest(
        "Service", EVENTS, "sqs:SendMessage", queue_arn, _source(rule_arn), EVENTBRIDGE_CONFUSED_DEPUTY
    )


def _source(rule_arn: str) -> dict[str, str]:
    return {"aws:SourceArn": rule_arn, "aws:SourceAccount": rule_arn.split(":")[4]}


# --- statement matching ---


def _applies(statement: Mapping[str, Any], request: ServiceRequest) -> bool:
    for unsupported in ("NotPrincipal",):
        if unsupported in statement:
            raise NotImplementedError(f"the evaluator does not model {unsupported}")
    return (
        _principal_matches(statement.get("Principal"), request)
        and _element_matches(statement, "Action", request.action, case_sensitive=False)
        and _element_matches(statement, "Resource", request.resource, case_sensitive=True)
        and all(
            _condition_holds(operator, keys, request.context)
            for operator, keys in statement.get("Condition", {}).items()
        )
    )


def _principal_matches(principal: Any, request: ServiceRequest) -> bool:
    if principal is None:  # an identity policy: the principal is the one it is attached to
        return True
    if principal == "*":
        return True
    if not isinstance(principal, Mapping) or not set(principal) <= set(_PRINCIPAL_TYPES):
        raise NotImplementedError(f"the evaluator does not model the principal {principal!r}")
    if _values(principal.get("AWS")) == ["*"]:  # {"AWS": "*"} is everyone, as "*" is
        return True
    return request.principal in _values(principal.get(request.principal_type))


def _element_matches(statement: Mapping[str, Any], element: str, value: str, *, case_sensitive: bool) -> bool:
    negated = "Not" + element
    if element in statement and negated in statement:
        raise ValueError(f"a statement has both {element} and {negated}")
    if negated in statement:
        return not any(_glob(p, value, case_sensitive) for p in _values(statement[negated]))
    if element not in statement:
        raise ValueError(f"a statement has neither {element} nor {negated}: {dict(statement)!r}")
    return any(_glob(p, value, case_sensitive) for p in _values(statement[element]))


def _condition_holds(operator: str, keys: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    if ":" in operator:
        raise NotImplementedError(f"the evaluator does not model the set operator {operator}")
    lowered = {k.lower(): v for k, v in context.items()}
    return all(_key_holds(operator, key, _values(expected), lowered.get(key.lower())) for key, expected in keys.items())


def _key_holds(operator: str, key: str, expected: list[Any], actual: Any) -> bool:
    if operator == "Null":
        wanted_absent = {str(v).lower() for v in expected}
        if not wanted_absent <= {"true", "false"}:
            raise ValueError(f"Null: {key} must be true or false, but got {expected!r}")
        return (actual is None) in {v == "true" for v in wanted_absent}
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base not in _BASE_OPERATORS:
        raise NotImplementedError(f"the evaluator does not model the condition operator {operator}")
    for value in expected:
        if isinstance(value, str) and "${" in value:
            raise NotImplementedError(f"the evaluator does not resolve the policy variable in {value!r}")
    negated = "Not" in base
    if actual is None:
        return if_exists or negated
    actual_values = _values(actual)
    matched = any(_matches(base.replace("Not", ""), str(e), str(a)) for e in expected for a in actual_values)
    return not matched if negated else matched


def _matches(operator: str, expected: str, actual: str) -> bool:
    if operator == "StringEquals":
        return expected == actual
    if operator == "StringEqualsIgnoreCase":
        return expected.lower() == actual.lower()
    if operator == "StringLike":
        return _glob(expected, actual, case_sensitive=True)
    if operator in ("ArnEquals", "ArnLike"):
        want, got = expected.split(":", 5), actual.split(":", 5)
        return len(want) == len(got) == 6 and all(
            _glob(w, g, case_sensitive=True) for w, g in zip(want, got, strict=True)
        )
    if operator == "Bool":
        return expected.lower() == actual.lower()
    raise NotImplementedError(operator)


def _glob(pattern: str, value: str, case_sensitive: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return list(value)
    return [value]
