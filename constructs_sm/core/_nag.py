"""cdk-nag acknowledgements, written once and read by cdk-nag 2 and cdk-nag 3 alike.

Every acknowledgement the constructs make goes through :func:`acknowledge_all` (``iam._nag`` for the
wildcards of IAM statements, :func:`acknowledge` for a security group's member traffic in
``props.network`` and a dead-letter queue in ``workflows.notifications``), on the ``CfnResource`` it
is about, in two forms:

- cdk-nag 3 (a validation plugin, ``Validations.of(app).add_plugins(Pack(app))``): aws-cdk-lib's
  ``Validations.of(scope).acknowledge(Acknowledgment(id="<Pack>::<Pack>-<Rule>[<finding>]", reason))``,
  which CDK's validation report sets aside. That API is aws-cdk-lib's from 2.252.0 on (cdk-nag 3 itself
  needs 2.257.0); on an older release there is neither the API nor a cdk-nag 3 to read it, so this
  form is not written (``can_acknowledge``).
- cdk-nag 2 (an Aspect, ``Aspects.of(app).add(Pack())``): the resource's ``cdk_nag`` Metadata that
  cdk-nag 2's ``NagSuppressions.addResourceSuppressions`` writes and its packs read,
  ``{"rules_to_suppress": [{"id": "<Pack>-<Rule>", "reason": ..., "applies_to": ["<finding>"]}]}``
  (``applies_to`` only for a rule with findings, matched to cdk-nag 2's finding id exactly; a reason
  with a character above U+00FF base64-encoded with ``"is_reason_encoded": true``, as cdk-nag 2 does).

The library imports no cdk-nag (a user has either major, or none): it writes both forms itself.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any, cast

import aws_cdk as cdk
from constructs import IConstruct

# The aws-cdk-lib release that brought ``Validations.acknowledge`` and ``Acknowledgment``.
ACKNOWLEDGE_SINCE = "2.252.0"


def can_acknowledge() -> bool:
    """Whether this aws-cdk-lib has ``Validations.acknowledge`` (``ACKNOWLEDGE_SINCE`` on)."""
    return hasattr(cdk, "Acknowledgment") and hasattr(cdk, "Validations")


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """One acknowledgement on the resource ``scope`` (see :func:`acknowledge_all`)."""
    acknowledge_all(scope, {rule_id: reason})


# The Metadata key cdk-nag 2 reads suppressions from (NagSuppressions writes it), and its rule ids:
# "<Pack>::<Pack>-<Rule>[<finding>]" as aws-cdk-lib's Validations qualifies it, the pack optional.
NAG2_METADATA = "cdk_nag"
_RULE_ID = re.compile(r"(?:(?P<pack>[^:\[\]]+)::)?(?P<rule>[^\[\]]+?)(?:\[(?P<finding>.*)\])?")


def acknowledge_all(scope: IConstruct, rules: Mapping[str, str]) -> None:
    """Acknowledge ``rules`` (rule id, as cdk-nag 3 names it, -> reason) on the resource ``scope`` (a
    ``CfnResource``, or a construct whose default child is one): one ``Validations`` call (cdk-nag 3)
    and the resource's ``cdk_nag`` Metadata (cdk-nag 2), added to what it holds already.

    A resource the constructs created themselves (:func:`owned`) keeps its entries and its
    ``Validations`` in Python: two jsii calls an acknowledgement, where another resource's Metadata is
    read back first (a suppression its owner wrote meanwhile stays)."""
    if not rules:
        return
    resource = _resource(scope)
    state: _Acknowledged | None = resource.__dict__.get(_STATE)
    ours = state is not None
    if state is None:  # not a resource of the constructs: read what it holds
        state = _Acknowledged()
        held = resource.get_metadata(NAG2_METADATA)
        state.entries = list(held.get("rules_to_suppress", [])) if isinstance(held, Mapping) else []
        state.known = {json.dumps(entry, sort_keys=True) for entry in state.entries}
    if can_acknowledge():
        if state.validations is None:
            state.validations = cdk.Validations.of(resource)
        state.validations.acknowledge(*(cdk.Acknowledgment(id=r, reason=why) for r, why in rules.items()))
    added = False
    for rule, reason in rules.items():
        entry = nag2_suppression(rule, reason)
        key = json.dumps(entry, sort_keys=True)
        if key not in state.known:
            state.known.add(key)
            state.entries.append(entry)
            added = True
    if added or not ours:
        resource.add_metadata(NAG2_METADATA, {"rules_to_suppress": list(state.entries)})


_STATE = "_constructs_sm_acknowledged"


class _Acknowledged:
    """What the constructs acknowledged on a resource of theirs: cdk-nag 2 entries and cdk-nag 3's handle."""

    def __init__(self) -> None:
        self.entries: list[Any] = []
        self.known: set[str] = set()
        self.validations: Any = None


def owned(resource: cdk.CfnResource) -> None:
    """``resource`` was just created by the constructs and only they write its ``cdk_nag`` Metadata:
    :func:`acknowledge_all` keeps it in Python instead of reading it back (see there)."""
    resource.__dict__[_STATE] = _Acknowledged()


def nag2_suppression(rule_id: str, reason: str) -> dict[str, Any]:
    """The cdk-nag 2 suppression of ``rule_id`` (``AwsSolutions::AwsSolutions-IAM5[Resource::*]`` gives
    ``{"id": "AwsSolutions-IAM5", "reason": reason, "applies_to": ["Resource::*"]}``), as
    ``NagSuppressions`` writes it into the Metadata (cdk-nag 2's ``NagSuppressionHelper.toCfnFormat``)."""
    match = _RULE_ID.fullmatch(rule_id)
    if match is None or len(reason) < 10:  # cdk-nag 2 refuses a reason under 10 characters
        raise ValueError(f"not an acknowledgement cdk-nag 2 can read: {rule_id!r}: {reason!r}")
    entry: dict[str, Any] = {"id": match["rule"]}
    if any(ord(c) > 0xFF for c in reason):
        entry["reason"] = base64.b64encode(reason.encode()).decode()
        entry["is_reason_encoded"] = True
    else:
        entry["reason"] = reason
    if match["finding"] is not None:
        entry["applies_to"] = [match["finding"]]
    return entry


def _resource(scope: IConstruct) -> cdk.CfnResource:
    """The ``CfnResource`` an acknowledgement is written on: cdk-nag 2 reads the Metadata of the
    resource it checks only (``scope`` itself, or its default child)."""
    if isinstance(scope, cdk.CfnResource):  # a CfnResource's Python class: no jsii call
        return scope
    for candidate in (scope, scope.node.default_child):
        if candidate is not None and cdk.CfnResource.is_cfn_resource(candidate):
            return cast(cdk.CfnResource, candidate)
    raise TypeError(f"acknowledge on a CfnResource (cdk-nag 2 reads only its Metadata): {scope.node.path}")
