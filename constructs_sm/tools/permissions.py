"""List the IAM permissions each role a synthesized CloudFormation template defines or names (an
imported role's policies included) gets, each statement with the reason the template records for it.

Public API: :class:`PermissionRow`, :func:`permission_rows` and :func:`format_table`,
for reviewing what a stack grants before ``cdk deploy``; the cell values :data:`NO_REASON`,
:data:`IMPORTED_ROLE` and :data:`NO_ROLE`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, Literal

from ..core._intrinsics import to_text
from ..core._metadata import REASONS_METADATA

TableFormat = Literal["text", "markdown", "csv"]

NO_REASON = "(no reason recorded)"
"""The ``why`` of a statement whose policy records no reason for it: a policy this library did not
create (a role's inline ``Policies``, the app's own policies, aws-cdk-lib's custom resources'), a
statement added to a role's policy from outside the library, or an attached managed policy not in
the template."""
IMPORTED_ROLE = "(imported role)"
"""The ``principals`` of a role the template names but does not define (an imported role: a literal
name in a policy's ``Roles``, or the name aws-cdk-lib takes from a role ARN it cannot read at synth
time): who may assume it is not in the template."""
NO_ROLE = "(no role)"
"""The ``role`` of a policy the template attaches to no role (to users or groups only, or to nothing)."""
_MANAGED = "(managed policy)"
_AWS_MANAGED = "(AWS managed policy)"
_AWS_MANAGED_ARN = re.compile(r"arn:(\$\{AWS::Partition\}|[^:$]+):iam::aws:policy/")
_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
_TEXT_WIDTH = 120


@dataclass(frozen=True)
class PermissionRow:
    """One action that one policy statement grants (or denies) to one role.

    ``action`` is ``(AWS managed policy)`` or ``(managed policy)`` for an attached managed policy
    whose statements are not in the template; ``resource`` then holds its ARN.
    """

    role: str  # logical id of the AWS::IAM::Role; an imported role's name or ARN as text; NO_ROLE
    principals: str  # who may assume the role, e.g. "states.amazonaws.com"; IMPORTED_ROLE
    policy: str  # logical id, "<PolicyName> (inline)" or a managed policy name
    statement: str  # the statement's Sid, else "#<index>"
    effect: str
    action: str  # "NOT <action>" for NotAction
    resource: str  # all resources of the statement, comma separated
    condition: str  # compact JSON
    why: str  # the reason the template records for the statement, else NO_REASON


def permission_rows(template: Mapping[str, Any]) -> list[PermissionRow]:
    """Return one row per role x statement x action: the template's roles in template order, then
    the roles it names but does not define, then the policies attached to no role.

    Every ``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` of the template is listed under each
    role it attaches to: a role of the template (its ``Roles`` ``Ref`` the role, or the role's
    ``ManagedPolicyArns`` ``Ref`` the policy), or an imported role, which its ``Roles`` names by a
    literal name or, for an ARN only known at deployment, by the ``Fn::Select``/``Fn::Split`` of the
    ARN that aws-cdk-lib writes; such a role's row shows the name, or the ARN, as text
    (``${RoleArn}``), and its principals as ``(imported role)``. A role of the template also lists
    its inline ``Policies`` and each of its ``ManagedPolicyArns`` that is not in the template, as
    ``(AWS managed policy)`` (``arn:...:iam::aws:policy/...``) or ``(managed policy)``.
    Intrinsics are shown readably: a resource that is one ``Ref`` or ``Fn::GetAtt`` as ``X`` or
    ``X.Arn``, anything else in ``Fn::Sub`` syntax (``arn:${AWS::Partition}:s3:::${Bucket}/*``).

    ``why`` is the reason the template records for the statement: each policy this library gives
    statements to lists their reasons in its Metadata (``constructs_sm:Reasons``, in the document's
    order): the managed policies it creates, and the inline policy aws-cdk-lib writes for an
    imported role (or an ``iam.Role`` of yours). A statement without one (a policy the library did
    not create, or a statement given to the role from outside the library) shows
    ``(no reason recorded)``: nothing is guessed.
    """
    resources: Mapping[str, Any] = template.get("Resources", {})
    roles = {logical_id: r for logical_id, r in resources.items() if r.get("Type") == "AWS::IAM::Role"}
    held = _policies_by_role(resources, roles)
    rows: list[PermissionRow] = []
    for role_id, role in roles.items():
        properties = role.get("Properties", {})
        principals = _principals(properties.get("AssumeRolePolicyDocument", {}))
        for policy, document, reasons in _documents(held.get(("role", role_id), []), properties, resources):
            rows += (
                PermissionRow(role_id, principals, policy, *cells) for cells in _statement_cells(document, reasons)
            )
        for arn in _as_list(properties.get("ManagedPolicyArns")):
            if not _is_template_policy(arn, resources):
                shown = to_text(arn, bare=True)
                kind = _AWS_MANAGED if _AWS_MANAGED_ARN.match(shown) else _MANAGED
                rows.append(
                    PermissionRow(role_id, principals, shown.rsplit("/", 1)[-1], "", "", kind, shown, "", NO_REASON)
                )
    others = [key for key in held if key[0] == "imported"] + [key for key in held if key[0] == "none"]
    for kind, name in others:
        principals = IMPORTED_ROLE if kind == "imported" else ""
        for policy, document, reasons in _documents(held[kind, name], {}, resources):
            rows += (PermissionRow(name, principals, policy, *cells) for cells in _statement_cells(document, reasons))
    return rows


def format_table(rows: Iterable[PermissionRow], fmt: TableFormat = "text") -> str:
    """Render rows as a text table, a Markdown table or CSV, with a header.

    ``text`` is for a terminal: one table per role (headed by the role and who assumes it), cells
    wrapped so that no line is wider than 120 columns. ``markdown`` and ``csv`` keep every column
    of every row on one line, for wide output and spreadsheets.
    """
    header = [f.name.capitalize() for f in fields(PermissionRow)]
    cells = [[str(value) for value in astuple(row)] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(cells)
        return out.getvalue()
    if fmt == "markdown":
        lines = [header, ["---"] * len(header), *cells]
        return "".join("| " + " | ".join(_markdown_cell(c) for c in line) + " |\n" for line in lines)
    if fmt == "text":
        return _text_tables(header, cells)
    raise ValueError(f"unknown table format {fmt!r}; use text, markdown or csv")


def _text_tables(header: list[str], cells: list[list[str]]) -> str:
    """Rows grouped by role, policy and statement (the actions of one statement on one line), one
    field a line, each wrapped under its value so that no line is wider than 120 columns."""
    del header  # each line names its field
    lines: list[list[str]] = []  # [indent, label, value]
    role_seen: tuple[str, str] | None = None
    policy_seen: str | None = None
    last: list[str] = []
    for role, principals, policy, statement, effect, action, resource, condition, why in cells:
        if (role, principals) != role_seen:
            lines += [["", "", ""], _heading(role, principals)]
            role_seen, policy_seen = (role, principals), None
        if policy != policy_seen:
            lines.append(["  ", "Policy ", policy])
            policy_seen, last = policy, []
        if last == [statement, effect, resource, condition, why]:
            lines[-1 - sum(bool(v) for v in (resource, condition, why))][2] += f", {action}"
            continue
        last = [statement, effect, resource, condition, why]
        lines.append(["    ", f"{statement} {effect}: " if effect else "", action])
        lines += [["      ", f"{name + ':':<11}", value] for name, value in _fields(resource, condition, why)]
    out = []
    for indent, label, value in lines[1:]:
        wrapped = _wrap_cell(value, _TEXT_WIDTH - len(indent) - len(label))
        out.append(f"{indent}{label}{wrapped[0]}".rstrip())
        out += [" " * (len(indent) + len(label)) + rest for rest in wrapped[1:]]
    return "".join(line + "\n" for line in out)


def _heading(role: str, principals: str) -> list[str]:
    """[indent, label, value] of the line that heads a role's rows."""
    if role == NO_ROLE and not principals:
        return ["", "", "Policies attached to no role"]
    if principals == IMPORTED_ROLE:
        return ["", "Role ", f"{role} (imported: who may assume it is not in the template)"]
    return ["", "Role ", f"{role} (assumed by {principals or 'nobody'})"]


def _fields(resource: str, condition: str, why: str) -> list[tuple[str, str]]:
    return [(name, value) for name, value in (("Resource", resource), ("Condition", condition), ("Why", why)) if value]


def _wrap_cell(text: str, width: int, *, indent: str = "") -> list[str]:
    """Wrap between list items (", "), else at spaces and after : and / (the joints of ARNs and
    JSON), never inside ``${...}``; cut only a piece longer than the line. Lines start with indent."""
    room = width - len(indent)
    lines: list[str] = []
    line = ""
    for item in _pieces(text, ","):
        pieces = [item] if len(item.rstrip()) <= room else _pieces(item, " :/")
        for piece in pieces:
            if line and len((line + piece).rstrip()) > room:
                lines.append(line.rstrip())
                line = ""
            while len(piece.rstrip()) > room:
                lines.append(piece[:room])
                piece = piece[room:]
            line += piece.lstrip() if not line else piece
    lines.append(line.rstrip())
    return [indent + line for line in lines]


def _pieces(text: str, joints: str) -> list[str]:
    """text cut after each joint character (and a space after it) outside ``${...}``."""
    pieces: list[str] = []
    start, depth = 0, 0
    for index, char in enumerate(text):
        if text.startswith("${", index):
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif char in joints and not depth:
            end = index + 1 + (text[index + 1 : index + 2] == " ")
            pieces.append(text[start:end])
            start = end
    if start < len(text):
        pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def _policies_by_role(resources: Mapping[str, Any], roles: Mapping[str, Any]) -> dict[tuple[str, str], list[str]]:
    """The logical ids of the policies attached to each role, in template order. A role is
    ``("role", logical id)`` for a role of the template, ``("imported", its name or ARN as text)``
    for one the template only names, and ``("none", NO_ROLE)`` holds the policies of no role."""
    managed_by: dict[str, list[str]] = {}  # managed policy -> the template roles listing it
    for role_id, role in roles.items():
        for arn in _as_list(role.get("Properties", {}).get("ManagedPolicyArns")):
            if _is_template_policy(arn, resources):
                managed_by.setdefault(str(_ref(arn)), []).append(role_id)
    held: dict[tuple[str, str], list[str]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") not in _POLICY_TYPES:
            continue
        keys = [_role_key(value, roles) for value in _as_list(resource.get("Properties", {}).get("Roles"))]
        keys += [("role", role_id) for role_id in managed_by.get(logical_id, [])]
        for key in dict.fromkeys(keys) or [("none", NO_ROLE)]:
            held.setdefault(key, []).append(logical_id)
    return held


def _role_key(value: Any, roles: Mapping[str, Any]) -> tuple[str, str]:
    """The role an entry of a policy's ``Roles`` names (a role name: see :func:`_policies_by_role`)."""
    ref = _ref(value)
    if ref is not None and ref in roles:
        return "role", ref
    arn = _arn_of_role_name(value)
    return "imported", to_text(value if arn is None else arn)


def _arn_of_role_name(value: Any) -> Any:
    """``X`` if ``value`` is the role name aws-cdk-lib takes from a role ARN ``X`` it cannot read at
    synth time (``Role.from_role_arn``: ``Fn::Select [1, Fn::Split ["/", Fn::Select [5, Fn::Split
    [":", X]]]]``), else None."""
    for index, separator in (("1", "/"), ("5", ":")):
        select = value.get("Fn::Select") if isinstance(value, Mapping) and len(value) == 1 else None
        if not (isinstance(select, list) and len(select) == 2 and str(select[0]) == index):
            return None
        split = select[1].get("Fn::Split") if isinstance(select[1], Mapping) and len(select[1]) == 1 else None
        if not (isinstance(split, list) and len(split) == 2 and split[0] == separator):
            return None
        value = split[1]
    return value


def _documents(
    policy_ids: Sequence[str], properties: Mapping[str, Any], resources: Mapping[str, Any]
) -> Iterator[tuple[str, Mapping[str, Any], Sequence[Any] | None]]:
    """(policy label, policy document, recorded reasons or None) for the policies ``policy_ids``,
    then each inline policy of a role's ``properties``."""
    for logical_id in policy_ids:
        resource = resources[logical_id]
        reasons = (resource.get("Metadata") or {}).get(REASONS_METADATA)
        document = resource.get("Properties", {}).get("PolicyDocument", {})
        yield logical_id, document, reasons if isinstance(reasons, list) else None
    for inline in _as_list(properties.get("Policies")):
        name = f"{to_text(inline.get('PolicyName', '?'), bare=True)} (inline)"
        yield name, inline.get("PolicyDocument", {}), None


def _statement_cells(
    document: Mapping[str, Any], reasons: Sequence[Any] | None
) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(statement, effect, action, resource, condition, why) for each action; ``reasons`` are the
    policy's recorded reasons, one a statement (ignored unless there is exactly one a statement)."""
    statements = _as_list(document.get("Statement"))
    if reasons is not None and len(reasons) != len(statements):
        reasons = None
    for index, statement in enumerate(statements):
        why = (
            reasons[index] if reasons is not None and isinstance(reasons[index], str) and reasons[index] else NO_REASON
        )
        sid = str(statement.get("Sid", ""))
        resource = ", ".join(
            [to_text(r, bare=True) for r in _as_list(statement.get("Resource"))]
            + [f"NOT {to_text(r, bare=True)}" for r in _as_list(statement.get("NotResource"))]
        )
        condition = statement.get("Condition")
        shown = to_text(condition) if condition else ""
        actions = [to_text(a) for a in _as_list(statement.get("Action"))]
        actions += [f"NOT {to_text(a)}" for a in _as_list(statement.get("NotAction"))]
        for action in actions:
            yield (sid or f"#{index}", str(statement.get("Effect", "")), action, resource, shown, why)


def _principals(document: Mapping[str, Any]) -> str:
    names: list[str] = []
    for statement in _as_list(document.get("Statement")):
        principal = statement.get("Principal", {})
        if not isinstance(principal, Mapping):  # "*"
            names.append(str(principal))
            continue
        for kind, values in principal.items():
            prefix = "" if kind == "Service" else f"{kind}:"
            names += [prefix + to_text(value, bare=True) for value in _as_list(values)]
    return ", ".join(dict.fromkeys(names))


def _is_template_policy(arn: Any, resources: Mapping[str, Any]) -> bool:
    target = resources.get(_ref(arn) or "", {})
    return bool(target.get("Type") == "AWS::IAM::ManagedPolicy")


def _ref(value: Any) -> str | None:
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        return str(value["Ref"])
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")
