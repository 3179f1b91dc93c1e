"""Validate task Parameters against botocore's SageMaker model, independently of the library.

``"Key.$"`` entries are replaced by a placeholder of the member's type, and ``${Name}``
substitutions by plausible deployed values, before botocore's own validator runs; enums,
maximum lengths and counts are then walked here, since botocore's validator skips them.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
from botocore.model import Shape
from botocore.validate import ParamValidator

SAMPLE_VALUES = {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/ExampleSageMakerRole",
    "KeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "Partition": "aws",
    "Region": "us-east-1",
    "AccountId": "123456789012",
}
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_MODEL = botocore.session.get_session().get_service_model("sagemaker")


def input_shape(operation: str) -> Shape:
    shape = _MODEL.operation_model(operation).input_shape
    assert shape is not None
    return shape


def member_shape(operation: str, path: str) -> Any:
    """The shape at ``path`` of an operation's request, ``[]`` for a list's items:
    ``InputDataConfig[].CompressionType``."""
    shape: Any = input_shape(operation)
    for part in path.split("."):
        shape = shape.members[part.removesuffix("[]")]
        if part.endswith("[]"):
            shape = shape.member
    return shape


def concrete(shape: Shape, value: Any) -> Any:
    """The request as SageMaker would receive it at run time."""
    if shape.type_name == "structure":
        out = {}
        for key, item in value.items():
            name = key.removesuffix(".$")
            member = shape.members[name]  # type: ignore[attr-defined]
            out[name] = _sample(member) if key.endswith(".$") else concrete(member, item)
        return out
    if shape.type_name == "list":
        return [concrete(shape.member, item) for item in value]  # type: ignore[attr-defined]
    if shape.type_name == "map":
        return {k: concrete(shape.value, v) for k, v in value.items()}  # type: ignore[attr-defined]
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: _sample_for(m.group(1)), value)
    return value


def _sample_for(name: str) -> str:
    if name in SAMPLE_VALUES:
        return SAMPLE_VALUES[name]
    if name.startswith("Subnet"):
        return "subnet-0123456789abcdef0"
    if name.startswith("SecurityGroup"):
        return "sg-0123456789abcdef0"
    return "example-bucket"


def _sample(shape: Shape) -> Any:
    if shape.type_name == "string":
        if shape.enum:  # type: ignore[attr-defined]
            return shape.enum[0]  # type: ignore[attr-defined]
        return "s3://example-bucket/data/" if shape.name == "S3Uri" else "sample-job-name"
    if shape.type_name in ("integer", "long"):
        return 1
    raise AssertionError(f"no sample for {shape.name}")


def problems(operation: str, request: dict[str, Any]) -> list[str]:
    """Every problem botocore and the enum/limit walk find; empty when SageMaker would accept it."""
    shape = input_shape(operation)
    params = concrete(shape, request)
    report = ParamValidator().validate(params, shape)
    found = [report.generate_report()] if report.has_errors() else []
    _walk(shape, params, operation, found)
    return found


def _walk(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    meta = shape.metadata
    if shape.type_name == "structure":
        for key, item in value.items():
            _walk(shape.members[key], item, f"{path}.{key}", found)  # type: ignore[attr-defined]
    elif shape.type_name == "list":
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{path}: more than {meta['max']} items")
        for index, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{index}]", found)  # type: ignore[attr-defined]
    elif shape.type_name == "map":
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{path}: more than {meta['max']} entries")
    elif shape.type_name == "string":
        if shape.enum and value not in shape.enum:  # type: ignore[attr-defined]
            found.append(f"{path}: {value!r} not in enum")
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{path}: longer than {meta['max']}")
    elif shape.type_name in ("integer", "long") and "max" in meta and value > meta["max"]:
        found.append(f"{path}: above {meta['max']}")
