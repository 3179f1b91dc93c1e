"""List the IAM permissions each role in a synthesized CloudFormation template gets.

Public API: :class:`PermissionRow`, :func:`permission_rows` and :func:`format_table`,
for reviewing what a stack grants before ``cdk deploy``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, Literal

from ..core._intrinsics import to_text
from ..core._metadata import REASONS_METADATA

TableFormat = Literal["text", "markdown", "csv"]

NO_REASON = "(no reason recorded)"
"""The ``why`` of a statement whose policy records no reason for it: a policy this library did not
create (an ``AWS::IAM::Policy``, a role's inline policy, the app's own managed policy), a statement
added to a role of this library from outside it, or an attached managed policy not in the template."""
_MANAGED = "(managed policy)"
_TEXT_WIDTH = 120


@dataclass(frozen=True)
class PermissionRow:
    """One action that one policy statement grants (or denies) to one role.

    ``action`` is ``(managed policy)`` for an attached managed policy whose
    statements are not in the template; ``resource`` then holds its ARN.
    """

    role: str  # logical id of the AWS::IAM::Role
    principals: str  # who may assume the role, e.g. "states.amazonaws.com"
    policy: str  # logical id, "<PolicyName> (inline)" or a managed policy name
    statement: str  # the statement's Sid, else "#<index>"
    effect: str
    action: str  # "NOT <action>" for NotAction
    resource: str  # all resources of the statement, comma separated
    condition: str  # compact JSON
    why: str  # the reason the template records for the statement, else NO_REASON


def permission_rows(template: Mapping[str, Any]) -> list[PermissionRow]:
    """Return one row per role x statement x action, in template order.

    Covers ``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` resources attached
    to a role with ``Ref``, the role's inline ``Policies`` and its
    ``ManagedPolicyArns``. Intrinsics are shown readably: a resource that is one
    ``Ref`` or ``Fn::GetAtt`` as ``X`` or ``X.Arn``, anything else in ``Fn::Sub``
    syntax (``arn:${AWS::Partition}:s3:::${Bucket}/*``).

    ``why`` is the reason the template records for the statement: each managed policy this
    library creates lists its statements' reasons in its Metadata (``constructs_sm:Reasons``, in
    the document's order). A statement without one (a policy the library did not create, or a
    statement given to the role from outside the library) shows ``(no reason recorded)``:
    nothing is guessed.
    """
    resources: Mapping[str, Any] = template.get("Resources", {})
    rows: list[PermissionRow] = []
    for role_id, role in resources.items():
        if role.get("Type") != "AWS::IAM::Role":
            continue
        properties = role.get("Properties", {})
        principals = _principals(properties.get("AssumeRolePolicyDocument", {}))
        for policy, document, reasons in _documents(role_id, properties, resources):
            rows += (
                PermissionRow(role_id, principals, policy, *cells) for cells in _statement_cells(document, reasons)
            )
        for arn in _as_list(properties.get("ManagedPolicyArns")):
            if not _is_template_policy(arn, resources):
                shown = to_text(arn, bare=True)
                rows.append(
                    PermissionRow(role_id, principals, shown.rsplit("/", 1)[-1], "", "", _MANAGED, shown, "", NO_REASON)
                )
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
            lines += [["", "", ""], ["", "Role ", f"{role} (assumed by {principals or 'nobody'})"]]
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


def _documents(
    role_id: str, properties: Mapping[str, Any], resources: Mapping[str, Any]
) -> Iterator[tuple[str, Mapping[str, Any], Sequence[Any] | None]]:
    """(policy label, policy document, recorded reasons or None) for every policy the role gets."""
    attached = {
        _ref(arn) for arn in _as_list(properties.get("ManagedPolicyArns")) if _is_template_policy(arn, resources)
    }
    for logical_id, resource in resources.items():
        if resource.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        policy = resource.get("Properties", {})
        roles = {_ref(role) for role in _as_list(policy.get("Roles"))}
        if role_id in roles or logical_id in attached:
            reasons = (resource.get("Metadata") or {}).get(REASONS_METADATA)
            yield logical_id, policy.get("PolicyDocument", {}), reasons if isinstance(reasons, list) else None
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
