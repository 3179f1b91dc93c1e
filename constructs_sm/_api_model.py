"""Check a rendered request against SageMaker's own API model, as botocore ships it.

Catches what the typed props cannot: an unknown field, a wrong type, a missing
required member, a length, count or value outside the model's limits, a value not
in an enum, a string that does not match the model's pattern. Values known only at
deploy or run time (CDK tokens, `"Key.$"` state-input paths) are skipped.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
import regex
from botocore.model import OperationModel, Shape

from ._checks import is_unresolved
from .errors import ValidationError


@cache
def operation_model(operation: str) -> OperationModel:
    """The botocore model of a SageMaker operation, e.g. ``CreateHyperParameterTuningJob``."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    return model.operation_model(operation)


def validate_request(operation: str, request: dict[str, Any], *, root: str = "") -> None:
    """Raise :class:`ValidationError` naming the JSON path of the first bad value."""
    input_shape = operation_model(operation).input_shape
    assert input_shape is not None
    _check(input_shape, request, root)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check(shape: Shape, value: Any, path: str) -> None:
    if is_unresolved(value):
        return
    kind = shape.type_name
    checker = _CHECKERS.get(kind)
    if checker is not None:
        checker(shape, value, path)


def _structure(shape: Shape, value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise ValidationError(path or "request", "must be an object", value)
    members = shape.members
    present = set()
    for key, member_value in value.items():
        name = key[:-2] if key.endswith(".$") else key
        if name not in members:
            raise ValidationError(
                _join(path, name), f"is not a field of {shape.name} in the SageMaker API", member_value
            )
        present.add(name)
        if not key.endswith(".$"):
            _check(members[name], member_value, _join(path, name))
    for required in shape.required_members:
        if required not in present:
            raise ValidationError(_join(path, required), "is required", None)


def _list(shape: Shape, value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise ValidationError(path, "must be a list", value)
    _bounds(shape, len(value), path, "items", f"{len(value)} items")
    for index, item in enumerate(value):
        _check(shape.member, item, f"{path}[{index}]")


def _map(shape: Shape, value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise ValidationError(path, "must be an object", value)
    _bounds(shape, len(value), path, "entries", f"{len(value)} entries")
    for key, item in value.items():
        _check(shape.key, key, f"{path} key")
        _check(shape.value, item, f"{path}.{key}")


def _string(shape: Shape, value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise ValidationError(path, "must be a string", value)
    enum = shape.enum
    if enum and value not in enum:
        shown = ", ".join(enum) if len(enum) <= 12 else ", ".join(enum[:12]) + ", ..."
        raise ValidationError(path, f"must be one of {shown}", value)
    _bounds(shape, len(value), path, "characters", value)
    pattern = shape.metadata.get("pattern")
    if pattern and not _compiled(pattern).fullmatch(value):
        raise ValidationError(path, f"must match the pattern {pattern}", value)


def _number(shape: Shape, value: Any, path: str) -> None:
    integral = shape.type_name in ("integer", "long")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integral and not isinstance(value, int)):
        raise ValidationError(path, "must be an integer" if integral else "must be a number", value)
    _bounds(shape, value, path, "", value)


def _boolean(shape: Shape, value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise ValidationError(path, "must be true or false", value)


def _bounds(shape: Shape, measure: float, path: str, unit: str, shown: Any) -> None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    suffix = f" {unit}" if unit else ""
    if low is not None and measure < low:
        raise ValidationError(path, f"must be at least {low}{suffix}", shown)
    if high is not None and measure > high:
        raise ValidationError(path, f"must be at most {high}{suffix}", shown)


@cache
def _compiled(pattern: str) -> Any:
    return regex.compile(pattern)


_CHECKERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _number,
    "long": _number,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
}
