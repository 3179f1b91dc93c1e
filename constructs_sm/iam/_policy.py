"""IAM statements as Python data: built, de-duplicated and packed into a role's policies in Python,
handed to CDK once per policy.

A statement is a dict in IAM's JSON form (``Action``, ``Condition``, ``Effect``, ``Resource``,
``Sid``), its values literals or CDK tokens. A role of this library (:class:`ManagedPolicyRole`)
packs statements into customer managed policies whose documents are produced at synth time,
with one cdk-nag acknowledgement call per batch; any other role receives them through its own
``add_to_principal_policy``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..core._nag import IAM5, wildcard_reason
from ..core._stack import attribute, cached, flat_token, resolved_token, stack_of

Statement = dict[str, Any]

_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")
# A customer managed policy holds at most 6,144 characters (IAM quotas); the budget leaves room
# for the Fn::Join that CloudFormation receives for an ARN with tokens.
POLICY_BUDGET = 4500
_JOIN_OVERHEAD = 30


def statement(
    actions: Sequence[str],
    resources: Sequence[str],
    conditions: dict[str, Any] | None = None,
    *,
    sid: str | None = None,
) -> Statement:
    """An Allow statement, in the form aws-cdk-lib writes (one action or resource as a string)."""
    result: Statement = {"Action": actions[0] if len(actions) == 1 else list(actions)}
    if conditions:
        result["Condition"] = conditions
    result["Effect"] = "Allow"
    result["Resource"] = resources[0] if len(resources) == 1 else list(resources)
    if sid is not None:
        result["Sid"] = sid
    return result


def add_statements(role: iam.IRole, statements: Iterable[Statement]) -> None:
    """Give ``role`` each statement once (a role shared by many workflows gets it once)."""
    given: set[str] = role.__dict__.setdefault("_constructs_sm_statements", set())
    new = []
    for item in statements:
        key = json.dumps(item, sort_keys=True)
        if key not in given:
            given.add(key)
            new.append(item)
    if not new:
        return
    if isinstance(role, ManagedPolicyRole):
        role.add_statements(new)
        return
    for item in new:
        role.add_to_principal_policy(iam.PolicyStatement.from_json(item))
    # aws-cdk-lib's immutable role (Role.from_role_arn(..., mutable=False), use_request_role) pretends
    # to take a statement; only a mutable imported role grows a "Policy" child. It must allow it already.
    if not isinstance(role, iam.Role) and role.node.try_find_child("Policy") is None:
        stack = stack_of(role)
        for item in new:
            shown = json.dumps(stack.resolve(item))
            cdk.Annotations.of(role).add_warning_v2(
                "constructs-sm:immutable-role", f"The immutable role must already allow this statement: {shown}"
            )


@jsii.implements(cdk.IStableAnyProducer)
class _Document:
    """A policy document whose statements are read at synth time: one jsii object per policy."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    def produce(self) -> Any:
        return {"Statement": merged(self.statements), "Version": "2012-10-17"}


def merged(statements: Sequence[Statement]) -> list[Statement]:
    """Statements that differ only in their resources, or only in their actions, as one (what
    aws-cdk-lib's ``@aws-cdk/aws-iam:minimizePolicies`` does); statements with a Sid stay alone."""
    result = list(statements)
    for varying, fixed in (("Resource", "Action"), ("Action", "Resource")):
        groups: dict[str, Statement] = {}
        combined: list[Statement] = []
        for item in result:
            if "Sid" in item:
                combined.append(item)
                continue
            key = json.dumps([item.get(fixed), item.get("Condition"), item["Effect"]], sort_keys=True)
            if key in groups:
                into = groups[key]
                values = _as_list(into[varying]) + [v for v in _as_list(item[varying]) if v not in _as_list(into[varying])]
                into[varying] = values[0] if len(values) == 1 else values
            else:
                groups[key] = dict(item)
                combined.append(groups[key])
        result = combined
    return result


class PolicyPack:
    """The customer managed policies of one role, filled in order, each within the size budget."""

    def __init__(self, role: iam.IRole) -> None:
        self.role = role
        self.policies: list[tuple[Construct, iam.CfnManagedPolicy, _Document]] = []
        self._used: list[int] = []
        self._acknowledged: list[set[str]] = []

    def add(self, statements: Sequence[Statement]) -> Construct:
        """Add statements (new to the role); acknowledge their documented wildcards, one call a policy."""
        stack = stack_of(self.role)
        findings: dict[int, dict[str, str]] = {}
        for item in statements:
            size = _size(stack, item)
            if not self.policies or self._used[-1] + size > POLICY_BUDGET:
                self._new_policy()
            index = len(self.policies) - 1
            self.policies[index][2].statements.append(item)
            self._used[index] += size
            for rule, reason in _acknowledgements(stack, item):
                if rule not in self._acknowledged[index]:
                    self._acknowledged[index].add(rule)
                    findings.setdefault(index, {})[rule] = reason
        for index, rules in findings.items():
            resource = self.policies[index][1]
            validations = cached(resource, "validations", lambda r=resource: cdk.Validations.of(r))
            validations.acknowledge(*(cdk.Acknowledgment(id=rule, reason=reason) for rule, reason in rules.items()))
        return self.policies[-1][0]

    def _new_policy(self) -> None:
        number = len(self.policies) + 1
        holder = Construct(cast(Construct, self.role), "Policy" if number == 1 else f"Policy{number}")
        document = _Document()
        role_name = attribute(self.role, "role_name")
        resource = iam.CfnManagedPolicy(
            holder, "Resource", policy_document=cdk.Lazy.any(document), roles=[role_name]
        )
        self.policies.append((holder, resource, document))
        self._used.append(0)
        self._acknowledged.append(set())


def _size(stack: cdk.Stack, item: Statement) -> int:
    text = json.dumps(item, separators=(",", ":"))
    tokens = _TOKEN.findall(text)
    extra = sum(len(json.dumps(resolved_token(stack, t), separators=(",", ":"))) - len(t) for t in tokens)
    return len(text) + extra + _JOIN_OVERHEAD * len(tokens)


def _acknowledgements(stack: cdk.Stack, item: Statement) -> list[tuple[str, str]]:
    """cdk-nag IAM5 acknowledgements for the documented wildcards of a statement."""
    if item.get("Effect") != "Allow":
        return []
    actions = set(_as_list(item.get("Action")))
    found = []
    for resource in _as_list(item.get("Resource")):
        flat = _TOKEN.sub(lambda m: flat_token(stack, m.group()), resource)
        if "*" in flat:
            reason = wildcard_reason(flat, actions)
            if reason is not None:
                found.append((f"{IAM5}[Resource::{flat}]", reason))
    return found


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class ManagedPolicyRole(iam.Role):
    """A role whose statements go into customer managed policies, not an inline policy.

    NIST 800-53 rev 5 (cdk-nag ``IAMNoInlinePolicy``) asks for managed policies. Statements are
    packed in Python into as many policies as their size needs (each document is produced at
    synth time). The wildcards AWS documents (actions without resource-level permissions, names
    generated at run time under a declared prefix) are acknowledged for cdk-nag on the policy
    that holds them, with the reason.
    """

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        add_statements(self, [statement.to_statement_json()])
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._pack().policies[-1][0])

    def add_statements(self, statements: list[Statement]) -> None:
        """Statements new to the role, as Python data (see ``_policy.add_statements``)."""
        self._pack().add(statements)

    def _pack(self) -> PolicyPack:
        pack: PolicyPack | None = self.__dict__.get("_constructs_sm_pack")
        if pack is None:
            pack = self.__dict__["_constructs_sm_pack"] = PolicyPack(self)
        return pack

    @property
    def managed_policies(self) -> list[Construct]:
        """The policies created for the role's statements (each holds a ``CfnManagedPolicy``)."""
        return [holder for holder, _resource, _document in self._pack().policies]
