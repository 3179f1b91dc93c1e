"""Values known only at deploy or execution time, and the objects they stand for.

A CDK token (a role ARN, a bucket name) resolves at deploy time; an ``sfn.JsonPath`` token
is read from the state at execution time and renders as ``"Field.$"``. A literal string is
never either, whatever it starts with.
"""

from __future__ import annotations

from typing import Any

_paths: dict[str, str | None] = {}
_bound: dict[str, Any] = {}


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


def bind(token: Any, target: Any) -> None:
    """Remember what ``token`` stands for (a bucket, a repository, a declared S3 scope)."""
    _bound[repr(token)] = target


def bound(token: Any) -> Any:
    """What :func:`bind` remembered for ``token``, or None."""
    return _bound.get(repr(token)) if is_token(token) else None
