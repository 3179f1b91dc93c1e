"""SageMaker's API model, as botocore ships it: the one source of field names, types, enums and limits.

:func:`validate` checks a request against it: unknown fields, types, required members, lengths,
counts, ranges, enums and patterns, with 32-bit bounds on the model's ``integer`` fields.
Every message names the JSON path of the value. Tokens (known at deploy or execution time) are
skipped. The model's JSON is read from botocore's data on first use, without importing botocore, and
only the shapes of the operations used are built (:class:`Shape`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ..core._paths import join
from ..core._tokens import is_token
from ..errors import ValidationError

# The operations whose requests the library runs (the request shapes are read under them).
TRAINING = "CreateTrainingJob"
TUNING = "CreateHyperParameterTuningJob"

INT32 = (-(2**31), 2**31 - 1)
"""The bounds of the model's ``integer`` fields where the model sets none (SageMaker's are 32-bit)."""
_INT64 = (-(2**63), 2**63 - 1)


@cache
def service_json(service: str) -> dict[str, Any]:
    """The JSON of botocore's model of ``service`` (``service-2.json``, its newest API version), read
    from botocore's data directory without importing botocore (about 30 ms for SageMaker's)."""
    import gzip
    import json
    from importlib.util import find_spec

    spec = find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("botocore")
    root = Path(next(iter(spec.submodule_search_locations))) / "data" / service
    version = max(p for p in root.iterdir() if p.is_dir())
    plain = version / "service-2.json"
    text = plain.read_bytes() if plain.exists() else gzip.decompress((version / "service-2.json.gz").read_bytes())
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# What botocore's Shape.metadata holds of a shape's model (botocore.model.Shape.METADATA_ATTRS).
_METADATA = frozenset(
    "required min max pattern sensitive enum idempotencyToken error exception endpointdiscoveryid retryable "
    "document union contextParam clientContextParams requiresLength".split()
)


class Shape:
    """A shape of botocore's model as the library reads it (``name``, ``type_name``, ``metadata``,
    ``enum``, ``required_members``, ``members``, ``member``, ``key``, ``value``), built from the model's
    JSON on first use: only the shapes of the operations used are built."""

    __slots__ = ("name", "_model", "_shapes", "_members", "_children")

    def __init__(self, name: str, shapes: dict[str, Any], traits: dict[str, Any] | None = None) -> None:
        self.name = name
        # A member's own traits (idempotencyToken, location, ...) over its shape's, as botocore merges them.
        self._model: dict[str, Any] = {**shapes[name], **traits} if traits else shapes[name]
        self._shapes = shapes
        self._members: dict[str, Shape] | None = None
        self._children: dict[str, Shape] = {}

    @property
    def type_name(self) -> str:
        return str(self._model["type"])

    @property
    def metadata(self) -> dict[str, Any]:
        return {key: value for key, value in self._model.items() if key in _METADATA}

    @property
    def enum(self) -> list[str]:
        return list(self._model.get("enum", []))

    @property
    def required_members(self) -> list[str]:
        return list(self._model.get("required", []))

    @property
    def members(self) -> dict[str, Shape]:
        if self._members is None:
            self._members = {
                name: _shape_ref(ref, self._shapes) for name, ref in self._model.get("members", {}).items()
            }
        return self._members

    def _child(self, which: str) -> Shape:
        if which not in self._children:
            self._children[which] = _shape_ref(self._model[which], self._shapes)
        return self._children[which]

    @property
    def member(self) -> Shape:
        return self._child("member")

    @property
    def key(self) -> Shape:
        return self._child("key")

    @property
    def value(self) -> Shape:
        return self._child("value")

    def __repr__(self) -> str:
        return f"<Shape({self.name})>"


_built: dict[int, dict[str, Shape]] = {}


def _shape(name: str, shapes: dict[str, Any]) -> Shape:
    """One object a shape of a model (a shape its members share is built once)."""
    known = _built.setdefault(id(shapes), {})
    if name not in known:
        known[name] = Shape(name, shapes)
    return known[name]


def _shape_ref(ref: dict[str, Any], shapes: dict[str, Any]) -> Shape:
    """The shape a member refers to, with the member's own traits if it has any."""
    traits = {key: value for key, value in ref.items() if key != "shape"}
    return Shape(ref["shape"], shapes, traits) if traits else _shape(ref["shape"], shapes)


def shape_of(service: str, name: str) -> Shape:
    """The shape ``name`` of botocore's model of ``service``, e.g. IAM's ``policyDocumentType``."""
    return _shape(name, service_json(service)["shapes"])


@cache
def operation_names() -> frozenset[str]:
    """The operations of SageMaker's API, e.g. ``CreateTrainingJob``."""
    return frozenset(service_json("sagemaker")["operations"])


@cache
def input_shape(operation: str) -> Shape:
    """The shape of an operation's request, e.g. ``CreateHyperParameterTuningJob``."""
    return shape_of("sagemaker", service_json("sagemaker")["operations"][operation]["input"]["shape"])


def validate(operation: str, request: dict[str, Any]) -> None:
    """Raise :class:`ValidationError` naming the JSON path of the first value the model rejects."""
    _check(input_shape(operation), request, "")


def validate_member(operation: str, member: str, value: Any) -> None:
    """Check one top-level field of an operation's request, e.g. a job name."""
    _check(input_shape(operation).members[member], value, member)


def fields(operation: str, request: dict[str, Any]) -> Iterator[str]:
    """The pattern of every structure member present, ``[]`` for list items:
    ``TrainingJobDefinition.InputDataConfig[].ChannelName``."""
    yield from _fields(input_shape(operation), request, "")


def _fields(shape: Any, value: Any, at: str) -> Iterator[str]:
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                path = join(at, key)
                yield path
                yield from _fields(shape.members[key], item, path)
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            yield from _fields(shape.member, item, f"{at}[]")


def _check(shape: Any, value: Any, at: str) -> None:
    if is_token(value):
        return
    _CHECKS[shape.type_name](shape, value, at)


def _structure(shape: Any, value: Any, at: str) -> None:
    if not isinstance(value, dict):
        raise ValidationError(at or "request", "must be an object", value)
    for key, item in value.items():
        _check_key(key, at)
        if key not in shape.members:
            raise ValidationError(join(at, key), f"is not a field of {shape.name} in the SageMaker API", item)
        _check(shape.members[key], item, join(at, key))
    for name in shape.required_members:
        if name not in value:
            raise ValidationError(join(at, name), "is required", None)


def _check_key(key: Any, at: str) -> None:
    if isinstance(key, str) and key.endswith(".$"):
        raise ValidationError(
            join(at, key),
            "must not end in '.$' (Step Functions would read it as a path): take execution-time values "
            "with sfn.JsonPath or a from_json_path factory",
            key,
        )


def _list(shape: Any, value: Any, at: str) -> None:
    if not isinstance(value, list):
        raise ValidationError(at, "must be a list", value)
    _count(shape, value, at)
    for index, item in enumerate(value):
        _check(shape.member, item, f"{at}[{index}]")


def _map(shape: Any, value: Any, at: str) -> None:
    if not isinstance(value, dict):
        raise ValidationError(at, "must be an object", value)
    _count(shape, value, at)
    for key, item in value.items():
        _check_key(key, at)
        _check(shape.key, key, f"{at} key")
        _check(shape.value, item, join(at, str(key)))


def _count(shape: Any, items: Any, at: str) -> None:
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    if len(items) < low or (high is not None and len(items) > high):
        most = "" if high is None else f" and {high}"
        rule = f"must have between {low}{most} items" if high is not None else f"must have at least {low} items"
        raise ValidationError(at, rule, f"{len(items)} items")


def _string(shape: Any, value: Any, at: str) -> None:
    if not isinstance(value, str):
        raise ValidationError(at, "must be a string", value)
    if shape.enum and value not in shape.enum:
        shown = ", ".join(shape.enum) if len(shape.enum) <= 12 else ", ".join(shape.enum[:12]) + ", ..."
        raise ValidationError(at, f"must be one of {shown}", value)
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    if len(value) < low or (high is not None and len(value) > high):
        rule = (
            f"length must be between {low} and {high} characters"
            if high is not None
            else f"length must be at least {low} characters"
        )
        raise ValidationError(at, rule, value)
    pattern = shape.metadata.get("pattern")
    if pattern and not _compiled(pattern).fullmatch(value):
        raise ValidationError(at, f"must match ^{pattern}$", value)


def _number(shape: Any, value: Any, at: str) -> None:
    integral = shape.type_name in ("integer", "long")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integral and not isinstance(value, int)):
        raise ValidationError(at, "must be an integer" if integral else "must be a number", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(at, "must be a finite number", value)
    low, high = INT32 if shape.type_name == "integer" else _INT64 if integral else (None, None)
    low = shape.metadata.get("min", low)
    high = shape.metadata.get("max", high)
    if low is not None and value < low:
        raise ValidationError(at, f"must be at least {low}", value)
    if high is not None and value > high:
        raise ValidationError(at, f"must be at most {high}", value)


def _boolean(shape: Any, value: Any, at: str) -> None:
    if not isinstance(value, bool):
        raise ValidationError(at, "must be true or false", value)


def _timestamp(shape: Any, value: Any, at: str) -> None:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValidationError(at, "must be a timestamp", value)


@cache
def _compiled(pattern: str) -> Any:
    import regex

    return regex.compile(pattern)


_CHECKS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _number,
    "long": _number,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
}
