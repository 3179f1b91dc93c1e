"""IAM statements as Python data: built with their reasons, de-duplicated and packed into a role's
policies in Python, handed to CDK once per policy.

A statement is a dict in IAM's JSON form (``Action``, ``Condition``, ``Effect``, ``Resource``,
``Sid``), its values literals or CDK tokens, that also carries why it is granted (``reason``) and,
for a wildcard resource, why AWS documents the wildcard (``wildcard``). A role of this library
(:class:`ManagedPolicyRole`) packs statements into customer managed policies whose documents are
written as statements are added (a policy is created with its document, and written again if it takes
more later: no synth-time callback), with one cdk-nag acknowledgement call per batch (from the statements'
``wildcard`` reasons, ``_nag``) and the statements' reasons in each policy's Metadata
(``core._metadata.REASONS_METADATA``, what ``constructs-sm permissions`` prints). An imported
mutable role gets them the same way, in customer managed policies attached to it
(:func:`imported_mutable`). Any other role (a user's ``iam.Role``; an immutable one takes nothing)
receives them through its own ``add_to_principal_policy``, into the ``iam.Policy`` aws-cdk-lib gives
it, as do aws-cdk-lib's grants to an imported role (:func:`granting`): that policy's Metadata gets the
reasons too (:class:`_InlineReasons`: matched at synth time to the document as aws-cdk-lib renders it),
and its documented wildcards their cdk-nag acknowledgements.
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
from constructs import Construct, Dependable

from ..core._metadata import REASONS_METADATA
from ..core._nag import owned
from ..core._stack import attribute, cached, resolved_token, stack_of
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
    innermost block. Any other role receives them in the ``iam.Policy`` aws-cdk-lib gives it: the
    statements the block added to it (those an inner block or :func:`add_statements` recorded aside)
    are recorded with ``reason`` for its Metadata. An immutable role records nothing: it gets no policy.
    """
    given: list[tuple[str, str | None]] = role.__dict__.setdefault("_constructs_sm_reasons", [])
    given.append((reason, wildcard))
    before = None if isinstance(role, ManagedPolicyRole) else _statement_counts(role)
    try:
        yield
    finally:
        given.pop()
    if before is not None:
        _record_added(role, before, reason, wildcard)


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
    if imported_mutable(role):
        _imported_pack(role).add(new)
        return
    unwritten = []
    for item in new:
        before = _statement_counts(role)
        role.add_to_principal_policy(iam.PolicyStatement.from_json(item))
        # The policy it landed in: an imported mutable role's default policy, an iam.Role's DefaultPolicy.
        for policy in _policies(role):
            count = int(policy.document.statement_count)
            if count > before.get(policy.node.path, 0):
                _inline_reasons(role, policy).record(count - 1, item)
                _acknowledge_inline(policy, [item])
                break
        else:
            unwritten.append(item)
    # aws-cdk-lib's immutable role (Role.from_role_arn(..., mutable=False), use_request_role) pretends
    # to take a statement and writes it into no policy. It must allow it already.
    if unwritten and not isinstance(role, iam.Role):
        stack = stack_of(role)
        for item in unwritten:
            shown = json.dumps(stack.resolve(item))
            cdk.Annotations.of(role).add_warning_v2(
                "constructs-sm:immutable-role", f"The immutable role must already allow this statement: {shown}"
            )


class _Document:
    """The statements of one managed policy of a :class:`PolicyPack`, as added (merged when written)."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []


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


@jsii.implements(cdk.IStableAnyProducer)
class _InlineReasons:
    """The reasons of the statements of an ``iam.Policy`` the constructs gave statements to (the default
    policy aws-cdk-lib gives an imported mutable role or an ``iam.Role``), one a statement of its document
    as aws-cdk-lib renders it.

    aws-cdk-lib renders that document itself: it may merge statements (``@aws-cdk/aws-iam:minimizePolicies``
    joins statements that differ only in their actions or only in their resources), sort their actions
    and resources and drop duplicates, and it holds statements given from outside the constructs. So at
    synth time the document is rendered as CloudFormation receives it, and each recorded statement is
    found in it, compared resolved: in the rendered statements that hold it (same ``Effect``,
    ``Condition``, ``NotAction`` and ``NotResource``, and ``Sid`` if the recorded one has one; its
    actions and resources a subset of theirs) and, if one of them is the statement itself unmerged,
    only there. Each rendered statement gets the distinct reasons of the statements found in it, in
    the order they were given, joined with "; "; one that holds none (a statement of yours) gets ``""``.
    """

    def __init__(self, policy: iam.Policy) -> None:
        self._policy = policy
        self._stack = stack_of(policy)
        self._recorded: dict[int, Statement] = {}  # index in the policy's document as added -> statement

    def record(self, index: int, item: Statement) -> None:
        """``item`` is the policy's statement at ``index`` (in the order statements were added)."""
        self._recorded[index] = item

    def recorded(self, index: int) -> bool:
        return index in self._recorded

    def produce(self) -> Any:
        rendered = self._stack.resolve(self._policy.document) or {}
        shapes = [_shape(shown) for shown in _as_list(rendered.get("Statement"))]
        found: list[list[str]] = [[] for _shape_ in shapes]
        for _index, item in sorted(self._recorded.items()):
            if not item.reason:
                continue
            part = _shape(self._stack.resolve(dict(item)))
            holders = [index for index, shape in enumerate(shapes) if _within(part, shape)]
            exact = [index for index in holders if shapes[index][:3] == part[:3]]
            for index in exact or holders:
                if item.reason not in found[index]:
                    found[index].append(item.reason)
        return ["; ".join(reasons) for reasons in found]


_Shape = tuple[str, frozenset[str], frozenset[str], str]  # fixed fields, actions, resources, Sid


def _shape(item: Mapping[str, Any]) -> _Shape:
    """A resolved statement as what must be equal and what may grow when aws-cdk-lib merges it (its
    lists as sets: aws-cdk-lib sorts them and drops duplicates)."""

    def keys(values: Any) -> frozenset[str]:
        return frozenset(json.dumps(value, sort_keys=True) for value in _as_list(values))

    condition = {
        operator: {key: sorted(keys(values)) for key, values in tests.items()} if isinstance(tests, Mapping) else tests
        for operator, tests in (item.get("Condition") or {}).items()
    }
    fixed = [item.get("Effect"), condition, sorted(keys(item.get("NotAction"))), sorted(keys(item.get("NotResource")))]
    sid = json.dumps(item.get("Sid"))
    return json.dumps(fixed, sort_keys=True), keys(item.get("Action")), keys(item.get("Resource")), sid


def _within(part: _Shape, whole: _Shape) -> bool:
    """Whether the rendered statement ``whole`` holds the recorded statement ``part``."""
    return (
        part[0] == whole[0]
        and part[1] <= whole[1]
        and part[2] <= whole[2]
        and (part[3] == "null" or part[3] == whole[3])
    )


def _inline_reasons(role: iam.IRole, policy: iam.Policy) -> _InlineReasons:
    """The reasons recorded for ``policy`` (a policy ``role``'s statements land in), its Metadata set
    once. jsii gives a new Python object for each return of the same policy: keyed by its path."""
    found: dict[str, _InlineReasons] = role.__dict__.setdefault("_constructs_sm_inline_reasons", {})
    path = policy.node.path
    if path not in found:
        found[path] = _InlineReasons(policy)
        resource = cast(cdk.CfnResource, policy.node.default_child)
        resource.add_metadata(REASONS_METADATA, cdk.Lazy.any(found[path]))
    return found[path]


def _policies(role: iam.IRole) -> list[iam.Policy]:
    """The ``iam.Policy`` children of ``role``: where aws-cdk-lib writes what it adds to a role that is
    not a :class:`ManagedPolicyRole` (an imported role's ``Policy...``, an ``iam.Role``'s ``DefaultPolicy``)."""
    return [child for child in role.node.children if isinstance(child, iam.Policy)]


def _statement_counts(role: iam.IRole) -> dict[str, int]:
    return {policy.node.path: int(policy.document.statement_count) for policy in _policies(role)}


def _record_added(role: iam.IRole, before: Mapping[str, int], reason: str, wildcard: str | None) -> None:
    """Record ``reason`` for the statements added to ``role``'s policies since ``before`` (their
    statement counts) that no one recorded yet."""
    for policy in _policies(role):
        start, count = before.get(policy.node.path, 0), int(policy.document.statement_count)
        if count <= start:
            continue
        reasons = _inline_reasons(role, policy)
        statements = _as_list((policy.document.to_json() or {}).get("Statement"))
        added = []
        for index in range(start, min(count, len(statements))):
            if not reasons.recorded(index):
                added.append(Statement(statements[index], reason=reason, wildcard=wildcard))
                reasons.record(index, added[-1])
        _acknowledge_inline(policy, added)


def _acknowledge_inline(policy: iam.Policy, statements: Sequence[Statement]) -> None:
    """The wildcards of ``statements``, now in ``policy``, acknowledged on it with their reasons (as
    ``PolicyPack`` does on a managed policy)."""
    stack = stack_of(policy)
    rules = {rule: why for item in statements for rule, why in wildcard_acknowledgements(stack, item)}
    acknowledge_all(cast(cdk.CfnResource, policy.node.default_child), rules)


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
    """The customer managed policies of one role, filled in order, each within the size budget.

    Each is a ``CfnManagedPolicy`` attached to the role by name, under a construct of ``scope`` named
    ``holder``, ``<holder>2``, ... (for a role of the constructs: the role itself, ``Policy``).
    """

    def __init__(self, role: iam.IRole, scope: Construct | None = None, holder: str = "Policy") -> None:
        self.role = role
        self._scope = cast(Construct, role) if scope is None else scope
        self._holder = holder
        self.policies: list[tuple[Construct, iam.CfnManagedPolicy, _Document]] = []
        self._documents: list[_Document] = []
        self._used: list[int] = []
        self._acknowledged: list[set[str]] = []

    def add(self, statements: Sequence[Statement]) -> Construct:
        """Add statements (new to the role); acknowledge the wildcards whose reason they carry, one
        call a policy (a rule already acknowledged on the policy keeps its first reason).

        Each policy's document and reasons are written when its statements are added, not produced at
        synth time: a new policy is created with them, a policy that takes more statements later is
        written again (one property and one Metadata call)."""
        stack = stack_of(self.role)
        findings: dict[int, dict[str, str]] = {}
        touched: list[int] = []
        for item in statements:
            size = _size(stack, item)
            if not self._documents or self._used[-1] + size > POLICY_BUDGET:
                self._documents.append(_Document())
                self._used.append(0)
                self._acknowledged.append(set())
            index = len(self._documents) - 1
            self._documents[index].statements.append(item)
            if index not in touched:
                touched.append(index)
            self._used[index] += size
            for rule, reason in wildcard_acknowledgements(stack, item):
                if rule not in self._acknowledged[index]:
                    self._acknowledged[index].add(rule)
                    findings.setdefault(index, {})[rule] = reason
        for index in touched:
            self._write(index)
        for index, rules in findings.items():
            acknowledge_all(self.policies[index][1], rules)
        return self.policies[-1][0]

    def _write(self, index: int) -> None:
        """Create policy ``index`` with its document and reasons, or write them again."""
        document = self._documents[index]
        statements = merged(document.statements)
        body = {"Statement": [dict(item) for item in statements], "Version": "2012-10-17"}
        reasons = [item.reason or "" for item in statements]
        if index < len(self.policies):
            resource = self.policies[index][1]
            resource.policy_document = body
        else:
            number = index + 1
            name = self._holder if number == 1 else f"{self._holder}{number}"
            holder = Construct(self._scope, name)
            role_name = attribute(self.role, "role_name")
            resource = iam.CfnManagedPolicy(holder, "Resource", policy_document=body, roles=[role_name])
            owned(resource)
            self.policies.append((holder, resource, document))
        resource.add_metadata(REASONS_METADATA, reasons)


def _size(stack: cdk.Stack, item: Statement) -> int:
    text = json.dumps(item, separators=(",", ":"))
    tokens = _TOKEN.findall(text)
    extra = sum(len(json.dumps(resolved_token(stack, t), separators=(",", ":"))) - len(t) for t in tokens)
    return len(text) + extra + _JOIN_OVERHEAD * len(tokens)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def imported_mutable(role: iam.IRole) -> bool:
    """Whether ``role`` is imported and takes policies (``Role.from_role_arn(..., mutable=True)`` of the
    stack's account): not an ``iam.Role`` of the app, and not a stand-in for another construct, as
    aws-cdk-lib's immutable role is (``Role.from_role_arn(..., mutable=False)``, a role of another
    account, ``role.without_policy_updates()``; and a precreated role of ``Role.customize_roles``):
    their dependency root is the role they wrap, and they take no policy."""

    def read() -> bool:
        if isinstance(role, iam.Role):
            return False
        roots = Dependable.of(role).dependency_roots
        return len(roots) == 1 and roots[0].node.path == role.node.path

    return bool(cached(role, "imported_mutable", read))


# The construct beside an imported role (its id follows the role's) that holds the constructs'
# policies for it: an imported role is no Construct of Python's, which a scope must be.
IMPORTED_ROLE_POLICY = "ConstructsSmPolicy"


def _imported_pack(role: iam.IRole) -> PolicyPack:
    """The customer managed policies the constructs attach to an imported mutable role, as they do to
    their own roles (``ManagedPolicyRole``): NIST 800-53 rev 5, HIPAA Security and PCI DSS 3.2.1
    (cdk-nag ``IAMNoInlinePolicy``) ask for managed policies, and the role's default policy would be an
    inline one. What aws-cdk-lib's grants add to the role (:func:`granting`) still goes to that default
    policy."""
    pack: PolicyPack | None = role.__dict__.get("_constructs_sm_pack")
    if pack is None:
        parent = role.node.scope
        scope = parent if isinstance(parent, Construct) else stack_of(role)
        pack = PolicyPack(role, scope, f"{role.node.id}{IMPORTED_ROLE_POLICY}")
        role.__dict__["_constructs_sm_pack"] = pack
    return pack


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
