"""IAM statements as Python data: built with their reasons, de-duplicated and packed into a role's
policies in Python, handed to CDK once per policy.

A statement is a dict in IAM's JSON form (``Action``, ``Condition``, ``Effect``, ``Resource``,
``Sid``), its values literals or CDK tokens, that also carries why it is granted (``reason``) and,
for a wildcard resource, why AWS documents the wildcard (``wildcard``). A role of this library
(:class:`ManagedPolicyRole`) packs statements into customer managed policies whose documents are
produced at synth time, with one cdk-nag acknowledgement call per batch (from the statements'
``wildcard`` reasons, ``_nag``) and the statements' reasons in each policy's Metadata
(``core._metadata.REASONS_METADATA``, what ``constructs-sm permissions`` prints); any other role
receives them through its own ``add_to_principal_policy``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..core._metadata import REASONS_METADATA
from ..core._stack import attribute, resolved_token, stack_of
from ._nag import acknowledge_all, wildcard_acknowledgements


class Statement(dict[str, Any]):
    """An IAM statement: this dict is its JSON form, what the policy document holds.

    ``reason`` is why it is granted, with the documentation it follows (recorded in the template);
    ``wildcard``, for a statement whose resource holds a ``*``, why AWS documents that wildcard (the
    reason of its cdk-nag acknowledgement), else None: a ``*`` without one is not acknowledged.
    ``reason`` is None only for a statement given to a role from outside the constructs (a user's
    ``role.add_to_policy``).
    """

    def __init__(self, fields: Mapping[str, Any], *, reason: str | None, wildcard: str | None = None) -> None:
        super().__init__(fields)
        self.reason = reason
        self.wildcard = wildcard


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
    reason: str,
    wildcard: str | None = None,
    sid: str | None = None,
) -> Statement:
    """An Allow statement, in the form aws-cdk-lib writes (one action or resource as a string).

    :param reason: why the role needs it, with the page it follows (short: it is written into the
        template).
    :param wildcard: for a resource with a ``*``: why AWS documents the wildcard, with the source;
        its cdk-nag acknowledgement's reason. @default - none: cdk-nag reports the wildcard
    """
    if not reason.strip():
        raise ValueError("a statement needs its reason")
    fields: dict[str, Any] = {"Action": actions[0] if len(actions) == 1 else list(actions)}
    if conditions:
        fields["Condition"] = conditions
    fields["Effect"] = "Allow"
    fields["Resource"] = resources[0] if len(resources) == 1 else list(resources)
    if sid is not None:
        fields["Sid"] = sid
    return Statement(fields, reason=reason, wildcard=wildcard)


@contextmanager
def granting(role: iam.IRole, reason: str, *, wildcard: str | None = None) -> Iterator[None]:
    """The statements aws-cdk-lib's grants give ``role`` inside the block (``key.grant_decrypt(role)``,
    ``repository.grant_pull(role)``) get ``reason`` and ``wildcard`` (see :func:`statement`).

    A :class:`ManagedPolicyRole` receives them through ``add_to_principal_policy``, which reads the
    innermost block; any other role records no reason.
    """
    given: list[tuple[str, str | None]] = role.__dict__.setdefault("_constructs_sm_reasons", [])
    given.append((reason, wildcard))
    try:
        yield
    finally:
        given.pop()


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


@jsii.implements(cdk.IStableAnyProducer)
class _Reasons:
    """The reasons of a policy's statements, in the order its document lists them (merged as it is)."""

    def __init__(self, statements: Callable[[], Sequence[Statement]]) -> None:
        self._statements = statements

    def produce(self) -> Any:
        return [item.reason or "" for item in self._statements()]


def record_reasons(policy: iam.CfnManagedPolicy, statements: Callable[[], Sequence[Statement]]) -> None:
    """Write the reason of each statement of ``policy``'s document into its Metadata
    (``REASONS_METADATA``), produced at synth time like the document: ``statements()`` returns the
    statements as the document lists them."""
    policy.add_metadata(REASONS_METADATA, cdk.Lazy.any(_Reasons(statements)))


def merged(statements: Sequence[Statement]) -> list[Statement]:
    """Statements that differ only in their resources, or only in their actions, as one (what
    aws-cdk-lib's ``@aws-cdk/aws-iam:minimizePolicies`` does); statements with a Sid stay alone.
    A merged statement's reason joins the distinct reasons of its parts with "; "."""
    result: list[tuple[dict[str, Any], list[str]]] = [(item, _reasons_of(item)) for item in statements]
    for varying, fixed in (("Resource", "Action"), ("Action", "Resource")):
        groups: dict[str, tuple[dict[str, Any], list[str]]] = {}
        combined: list[tuple[dict[str, Any], list[str]]] = []
        for item, reasons in result:
            if "Sid" in item:
                combined.append((item, reasons))
                continue
            key = json.dumps([item.get(fixed), item.get("Condition"), item["Effect"]], sort_keys=True)
            if key in groups:
                into, into_reasons = groups[key]
                values = _as_list(into[varying]) + [v for v in _as_list(item[varying]) if v not in _as_list(into[varying])]
                into[varying] = values[0] if len(values) == 1 else values
                into_reasons += [r for r in reasons if r not in into_reasons]
            else:
                groups[key] = (dict(item), list(reasons))
                combined.append(groups[key])
        result = combined
    return [Statement(item, reason="; ".join(reasons) or None) for item, reasons in result]


def _reasons_of(item: Statement) -> list[str]:
    return [item.reason] if item.reason else []


class PolicyPack:
    """The customer managed policies of one role, filled in order, each within the size budget."""

    def __init__(self, role: iam.IRole) -> None:
        self.role = role
        self.policies: list[tuple[Construct, iam.CfnManagedPolicy, _Document]] = []
        self._used: list[int] = []
        self._acknowledged: list[set[str]] = []

    def add(self, statements: Sequence[Statement]) -> Construct:
        """Add statements (new to the role); acknowledge the wildcards whose reason they carry, one
        call a policy (a rule already acknowledged on the policy keeps its first reason)."""
        stack = stack_of(self.role)
        findings: dict[int, dict[str, str]] = {}
        for item in statements:
            size = _size(stack, item)
            if not self.policies or self._used[-1] + size > POLICY_BUDGET:
                self._new_policy()
            index = len(self.policies) - 1
            self.policies[index][2].statements.append(item)
            self._used[index] += size
            for rule, reason in wildcard_acknowledgements(stack, item):
                if rule not in self._acknowledged[index]:
                    self._acknowledged[index].add(rule)
                    findings.setdefault(index, {})[rule] = reason
        for index, rules in findings.items():
            acknowledge_all(self.policies[index][1], rules)
        return self.policies[-1][0]

    def _new_policy(self) -> None:
        number = len(self.policies) + 1
        holder = Construct(cast(Construct, self.role), "Policy" if number == 1 else f"Policy{number}")
        document = _Document()
        role_name = attribute(self.role, "role_name")
        resource = iam.CfnManagedPolicy(
            holder, "Resource", policy_document=cdk.Lazy.any(document), roles=[role_name]
        )
        record_reasons(resource, lambda: merged(document.statements))
        self.policies.append((holder, resource, document))
        self._used.append(0)
        self._acknowledged.append(set())


def _size(stack: cdk.Stack, item: Statement) -> int:
    text = json.dumps(item, separators=(",", ":"))
    tokens = _TOKEN.findall(text)
    extra = sum(len(json.dumps(resolved_token(stack, t), separators=(",", ":"))) - len(t) for t in tokens)
    return len(text) + extra + _JOIN_OVERHEAD * len(tokens)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class ManagedPolicyRole(iam.Role):
    """A role whose statements go into customer managed policies, not an inline policy.

    NIST 800-53 rev 5 (cdk-nag ``IAMNoInlinePolicy``) asks for managed policies. Statements are
    packed in Python into as many policies as their size needs (each document is produced at
    synth time), each statement's reason in the policy's Metadata. The wildcards AWS documents
    (actions without resource-level permissions, names generated at run time under a declared
    prefix) are acknowledged for cdk-nag on the policy that holds them, with the reason the
    statement carries.

    A statement aws-cdk-lib adds (a grant, ``add_to_policy``) takes the reason of the innermost
    :func:`granting` block around it, else none.
    """

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        given: list[tuple[str, str | None]] = self.__dict__.get("_constructs_sm_reasons", [])
        reason, wildcard = given[-1] if given else (None, None)
        add_statements(self, [Statement(statement.to_statement_json(), reason=reason, wildcard=wildcard)])
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
