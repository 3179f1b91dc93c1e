"""Typed props to request fields: enums or their API strings, Durations, Sizes, and type errors
that name the prop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import aws_cdk as cdk

from ..core._stack import cached
from ..core._tokens import is_token
from ..errors import ValidationError


def compact(**fields: Any) -> dict[str, Any]:
    """The request fragment of the fields that are set (not None)."""
    return {name: value for name, value in fields.items() if value is not None}


def enum_value(field: str, value: Any, kind: type[StrEnum]) -> str | None:
    """A member of ``kind`` or the API's own string, as the API's string."""
    if value is None or isinstance(value, kind):
        return None if value is None else value.value
    if isinstance(value, str) and (value in {m.value for m in kind} or is_token(value)):
        return value
    members = ", ".join(f"{kind.__name__}.{m.name}" for m in kind)
    raise ValidationError(field, f"must be one of {members} (or the API strings {[m.value for m in kind]})", value)


def seconds(field: str, value: Any) -> int | None:
    return _measure(field, value, cdk.Duration, "a Duration, e.g. Duration.hours(2)", "to_seconds")


def gibibytes(field: str, value: Any) -> int | None:
    return _measure(field, value, cdk.Size, "a Size, e.g. Size.gibibytes(30)", "to_gibibytes")


def _measure(field: str, value: Any, kind: type, example: str, unit: str) -> int | None:
    """A Duration or Size in the request's unit; anything else named by its prop."""
    if value is None:
        return None
    if not isinstance(value, kind):
        raise ValidationError(field, f"must be {example}", value)
    return int(cached(value, unit, lambda: getattr(value, unit)()))


def strings(field: str, value: Any) -> list[str] | None:
    """A list of strings; one string is refused rather than read as its characters."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(field, "must be a list of strings, not one string", value)
    return list(value) or None


def string_map(field: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(field, "must be a dict of strings to strings", value)
    return dict(value) or None


def items(field: str, value: Any, kind: type | tuple[type, ...]) -> list[Any]:
    """A sequence of props objects of ``kind``."""
    if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
        raise ValidationError(field, "must be a list", value)
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ValidationError(f"{field}[{index}]", f"must be a {names}", item)
    return list(value)
