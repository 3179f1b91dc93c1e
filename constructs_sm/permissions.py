"""List the IAM permissions each role in a synthesized CloudFormation template gets.

Public API: :class:`PermissionRow`, :func:`permission_rows` and :func:`format_table`,
for reviewing what a stack grants before ``cdk deploy``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass, fields
from typing import Any, Literal

TableFormat = Literal["text", "markdown", "csv"]

# Why a role typically needs an action, by action prefix (first match wins).
_WHY = (
    ("iam:passrole", "pass the execution role to the service"),
    ("logs:", "execution logging"),
    ("xray:", "X-Ray tracing"),
    ("kms:", "use of the KMS key"),
    ("events:", "EventBridge rule for .sync"),
    ("sagemaker:", "SageMaker job management"),
    ("s3:", "data access"),
    ("ecr:", "pull the training image"),
    ("ec2:", "network interfaces in the VPC"),
    ("cloudwatch:", "training metrics"),
)
_MANAGED = "(managed policy)"
_INTRINSICS = ("Ref", "Fn::GetAtt", "Fn::Join", "Fn::Sub")


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
    why: str  # the Sid, else a built-in explanation by action prefix


def permission_rows(template: Mapping[str, Any]) -> list[PermissionRow]:
    """Return one row per role x statement x action, in template order.

    Covers ``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` resources attached
    to a role with ``Ref``, the role's inline ``Policies`` and its
    ``ManagedPolicyArns``. Intrinsics are shown readably: ``Ref`` as ``X``,
    ``Fn::GetAtt`` as ``X.Arn``, and ``Fn::Join`` parts as ``${X}``/``${X.Arn}``.
    """
    resources: Mapping[str, Any] = template.get("Resources", {})
    rows: list[PermissionRow] = []
    for role_id, role in resources.items():
        if role.get("Type") != "AWS::IAM::Role":
            continue
        properties = role.get("Properties", {})
        principals = _principals(properties.get("AssumeRolePolicyDocument", {}))
        for policy, document in _documents(role_id, properties, resources):
            rows += (PermissionRow(role_id, principals, policy, *cells) for cells in _statement_cells(document))
        for arn in _as_list(properties.get("ManagedPolicyArns")):
            if not _is_template_policy(arn, resources):
                name = _render(arn).rsplit("/", 1)[-1]
                rows.append(
                    PermissionRow(
                        role_id,
                        principals,
                        name,
                        "",
                        "",
                        _MANAGED,
                        _render(arn),
                        "",
                        "attached managed policy: review its actions",
                    )
                )
    return rows


def format_table(rows: Iterable[PermissionRow], fmt: TableFormat = "text") -> str:
    """Render rows as an aligned text table, a Markdown table or CSV, with a header."""
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
        widths = [max(map(len, column)) for column in zip(header, *cells, strict=True)]
        lines = [header, ["-" * w for w in widths], *cells]
        return "".join(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n" for line in lines
        )
    raise ValueError(f"unknown table format {fmt!r}; use text, markdown or csv")


def _documents(
    role_id: str, properties: Mapping[str, Any], resources: Mapping[str, Any]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(policy label, policy document) pairs for every policy the role gets."""
    attached = {
        _ref(arn) for arn in _as_list(properties.get("ManagedPolicyArns")) if _is_template_policy(arn, resources)
    }
    for logical_id, resource in resources.items():
        if resource.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        policy = resource.get("Properties", {})
        roles = {_ref(role) for role in _as_list(policy.get("Roles"))}
        if role_id in roles or logical_id in attached:
            yield logical_id, policy.get("PolicyDocument", {})
    for inline in _as_list(properties.get("Policies")):
        name = f"{_render(inline.get('PolicyName', '?'))} (inline)"
        yield name, inline.get("PolicyDocument", {})


def _statement_cells(
    document: Mapping[str, Any],
) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(statement, effect, action, resource, condition, why) for each action."""
    for index, statement in enumerate(_as_list(document.get("Statement"))):
        sid = str(statement.get("Sid", ""))
        resource = ", ".join(
            [_render(r) for r in _as_list(statement.get("Resource"))]
            + [f"NOT {_render(r)}" for r in _as_list(statement.get("NotResource"))]
        )
        condition = statement.get("Condition")
        shown = json.dumps(_plain(condition), separators=(",", ":")) if condition else ""
        actions = [(_render(a), _render(a)) for a in _as_list(statement.get("Action"))]
        actions += [(f"NOT {_render(a)}", _render(a)) for a in _as_list(statement.get("NotAction"))]
        for action, name in actions:
            yield (
                sid or f"#{index}",
                str(statement.get("Effect", "")),
                action,
                resource,
                shown,
                sid or _why(name),
            )


def _why(action: str) -> str:
    lowered = action.lower()
    return next((why for prefix, why in _WHY if lowered.startswith(prefix)), "")


def _principals(document: Mapping[str, Any]) -> str:
    names: list[str] = []
    for statement in _as_list(document.get("Statement")):
        principal = statement.get("Principal", {})
        if not isinstance(principal, Mapping):  # "*"
            names.append(str(principal))
            continue
        for kind, values in principal.items():
            prefix = "" if kind == "Service" else f"{kind}:"
            names += [prefix + _render(value) for value in _as_list(values)]
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


def _render(value: Any, nested: bool = False) -> str:
    """Readable text for a template value; nested parts of a join become ``${...}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Join":
            separator, parts = arg
            return str(separator).join(_render(part, nested=True) for part in parts)
        if key == "Fn::Sub":
            return str(arg if isinstance(arg, str) else arg[0])
        if key in ("Ref", "Fn::GetAtt"):
            text = ".".join(map(str, arg)) if isinstance(arg, list) else str(arg)
            return f"${{{text}}}" if nested else text
    return json.dumps(value, separators=(",", ":"))


def _plain(value: Any) -> Any:
    """The value with every intrinsic function replaced by its readable text."""
    if isinstance(value, Mapping):
        if len(value) == 1 and next(iter(value)) in _INTRINSICS:
            return _render(value)
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")
