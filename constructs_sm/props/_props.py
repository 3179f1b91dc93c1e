"""Typed props to request fields: enums or their API strings, Durations, Sizes, and type errors
that name the prop.

Props check Python types only. Values are judged once the request is whole, by botocore's model
(``api._model``: enums, lengths, counts, ranges, patterns) and by the rules it lacks
(``api._rules``, keyed by JSON path); errors name the request path, the rule and the value. The
props' docstrings name the API field each sets and do not restate its limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum, StrEnum
from typing import Any

import aws_cdk as cdk

from ..core._stack import cached
from ..errors import ValidationError


def compact(**fields: Any) -> dict[str, Any]:
    """The request fragment of the fields that are set (not None)."""
    return {name: value for name, value in fields.items() if value is not None}


def enum_value(field: str, value: Any, kind: type[StrEnum]) -> str | None:
    """A member of ``kind`` or any string, as the API's string.

    ``kind`` is a convenience, not the list of allowed values: a string passes through unchecked
    here, and botocore's model, which validates the whole request, judges it (the error names the
    request path, the value and the model's allowed values). A value AWS adds to the API is
    accepted as soon as botocore knows it, before ``kind`` lists it."""
    if value is None:
        return None
    if isinstance(value, Enum) and isinstance(value.value, str):
        return value.value
    if isinstance(value, str):
        return value
    raise ValidationError(field, f"must be a {kind.__name__} or its API string", value)


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


# CloudFormation's DeletionPolicy Snapshot applies to a few storage types only (CloudFormation User
# Guide, "DeletionPolicy attribute"): none of the keys, log groups, queues or model package groups
# the constructs create is one of them.
_REMOVAL_POLICIES = (cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, cdk.RemovalPolicy.DESTROY)


def removal_policy(field: str, value: Any) -> cdk.RemovalPolicy | None:
    """A removal policy the constructs' data-holding resources take, or None when not given."""
    if value is None:
        return None
    if value not in _REMOVAL_POLICIES:
        raise ValidationError(
            field,
            "must be RemovalPolicy.RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY (CloudFormation snapshots "
            "none of the keys, log groups, queues and model package groups the constructs create)",
            value,
        )
    return value  # type: ignore[no-any-return]
