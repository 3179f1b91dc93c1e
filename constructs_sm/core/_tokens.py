"""Values known only at deploy or execution time, and the objects they stand for.

A CDK token (a role ARN, a bucket name) resolves at deploy time; an ``sfn.JsonPath`` token
is read from the state at execution time and renders as ``"Field.$"``. A literal string is
never either, whatever it starts with.

A typed prop that knows more than its value (the bucket and prefix of an S3 location, the
repository of an image) renders a :class:`Declared` value; :func:`lower` turns a rendered request
into plain JSON and the declarations keyed by the JSON path of their value, which the grants read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._paths import join

_paths: dict[str, str | None] = {}


def is_token(value: Any) -> bool:
    """True for a CDK token: its value is not known at synth time."""
    if isinstance(value, str):
        return "${Token[" in value
    if isinstance(value, float):
        # CDK encodes number tokens as doubles near -1.8881545897087626e+289.
        return value < -1e288
    return False


def execution_path(value: Any) -> str | None:
    """The JSONPath of an ``sfn.JsonPath`` token (``"$.InstanceType"``); None for any other value."""
    if not is_token(value):
        return None
    key = repr(value)
    if key not in _paths:
        from aws_cdk import aws_stepfunctions as sfn

        rendered = sfn.FieldUtils.render_object({"x": value}) or {}
        _paths[key] = rendered.get("x.$")
    return _paths[key]


def not_execution_path(value: Any) -> None:
    """``value``, if a token, is a CDK token (a resource's attribute): :func:`execution_path` gives None
    for it without asking jsii."""
    if is_token(value):
        _paths.setdefault(repr(value), None)


@dataclass(frozen=True)
class Declared:
    """A request value and what it stands for: an S3 scope, an ``ecr.IRepository`` or a repository
    ARN pattern, a ``lambda_.IFunction``, the ``ec2.IVpc`` of a list of subnets."""

    value: Any
    target: Any


def lower(value: Any, at: str = "") -> tuple[Any, dict[str, Any]]:
    """``value`` with every :class:`Declared` replaced by its value, and the targets by JSON path
    (``TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri``)."""
    declared: dict[str, Any] = {}

    def walk(item: Any, path: str) -> Any:
        if isinstance(item, Declared):
            declared[path] = item.target
            return walk(item.value, path)
        if isinstance(item, dict):
            return {key: walk(child, join(path, key)) for key, child in item.items()}
        if isinstance(item, list):
            return [walk(child, f"{path}[{index}]") for index, child in enumerate(item)]
        return item

    return walk(value, at), declared
