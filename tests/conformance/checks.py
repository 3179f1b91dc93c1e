"""Check a recorded request against botocore's SageMaker service model.

Shared by generate.py (run under the SDK venv) and test_cases_valid.py (run in
the project's own environment). Imports nothing but botocore and the stdlib.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

CASES_DIR = Path(__file__).resolve().parent / "cases"
OPERATIONS = ("CreateHyperParameterTuningJob", "CreateTrainingJob")


def load_model():
    """The SageMaker service model (loading it costs ~0.5 s, so do it once)."""
    return botocore.session.get_session().get_service_model("sagemaker")


def load_cases() -> dict[str, dict[str, Any]]:
    """Every committed case, keyed by file stem."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(CASES_DIR.glob("*.json"))}


def problems(model, operation: str, request: dict[str, Any]) -> list[str]:
    """botocore's own validation plus enum / pattern / length / range checks."""
    shape = model.operation_model(operation).input_shape
    found: list[str] = []
    try:
        validate_parameters(request, shape)
    except ParamValidationError as exc:
        found.append(str(exc))
    _walk(shape, request, operation, found)
    return found


def _walk(shape, value: Any, path: str, found: list[str]) -> None:
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                _walk(shape.members[key], item, f"{path}.{key}", found)
    elif shape.type_name == "list" and isinstance(value, list):
        _check_size(meta, len(value), path, found)
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{i}]", found)
    elif shape.type_name == "map" and isinstance(value, dict):
        _check_size(meta, len(value), path, found)
        for key, item in value.items():
            _walk(shape.key, key, f"{path}<key {key}>", found)
            _walk(shape.value, item, f"{path}.{key}", found)
    elif shape.type_name == "string" and isinstance(value, str):
        _check_size(meta, len(value), path, found)
        if shape.enum and value not in shape.enum:
            found.append(f"{path}: {value!r} not in enum {shape.enum}")
        pattern = meta.get("pattern")
        if pattern and not _matches(pattern, value):
            found.append(f"{path}: {value!r} does not match {pattern!r}")
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "min" in meta and value < meta["min"]:
            found.append(f"{path}: {value} < min {meta['min']}")
        if "max" in meta and value > meta["max"]:
            found.append(f"{path}: {value} > max {meta['max']}")


def _check_size(meta: dict, size: int, path: str, found: list[str]) -> None:
    if "min" in meta and size < meta["min"]:
        found.append(f"{path}: length {size} < min {meta['min']}")
    if "max" in meta and size > meta["max"]:
        found.append(f"{path}: length {size} > max {meta['max']}")


def _matches(pattern: str, value: str) -> bool:
    # AWS patterns are Java regexes; \p{...} classes are beyond `re`, so skip them.
    if r"\p{" in pattern:
        return True
    try:
        return re.fullmatch(pattern, value, re.DOTALL) is not None
    except re.error:
        return True
