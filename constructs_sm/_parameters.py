"""Run-time parameters: request fields the execution input may set, each with its synth-time default.

A workflow declares ``{"InstanceType": "TrainingJobDefinition.ResourceConfig.InstanceType", ...}``:
an input name for a JSON path of its request. The request's value there is the default. The
state machine merges the execution input over the defaults (``States.JsonMerge``) into the
workflow variable ``$parameters``, and the create state reads each field from it.

Before the job is created, a Choice fails an execution whose input breaks a rule, with the error
``InvalidParameter`` and a cause naming the input, the field and the rule. The rules come from
the validators the request passed at synth time (botocore's model and ``_rules``), never typed
here: an integer's range is the widest interval around the default that they accept with the rest
of the request as it is; a string with an enum must start as every enum value does (``ml.`` for
instance types); an S3 URI must stay under its default's bucket and prefix, which is what IAM
grants.
"""

from __future__ import annotations

import copy
import fnmatch
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import _model
from ._tokens import is_token
from .errors import ValidationError

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
DEFAULTS = "$.ParameterDefaults"
SCHEMA_METADATA = "constructs_sm:InputSchema"  # where a template holds the input schema
INVALID = "InvalidParameter"
_INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Parameter:
    """One input the execution may give: its name, the request field it sets, and its rule."""

    name: str
    path: str
    default: Any
    type: str  # "string" or "integer"
    minimum: int | None = None
    maximum: int | None = None
    glob: str | None = None  # StringMatches pattern a string must match

    @property
    def rule(self) -> str:
        if self.type == "integer":
            return f"must be an integer between {self.minimum} and {self.maximum}"
        return f"must be a string matching {self.glob}" if self.glob else "must be a string"

    def valid(self) -> dict[str, Any]:
        """The Choice rule a valid input value meets."""
        variable = f"$.{self.name}"
        if self.type == "integer":
            return {
                "And": [
                    {"Variable": variable, "IsNumeric": True},
                    {"Variable": variable, "NumericGreaterThanEquals": self.minimum},
                    {"Variable": variable, "NumericLessThanEquals": self.maximum},
                ]
            }
        if self.glob:
            return {
                "And": [{"Variable": variable, "IsString": True}, {"Variable": variable, "StringMatches": self.glob}]
            }
        return {"Variable": variable, "IsString": True}

    def schema(self) -> dict[str, Any]:
        """This input as a JSON Schema property."""
        schema: dict[str, Any] = {"description": f"Sets {self.path}", "default": self.default}
        if self.type == "integer":
            schema.update(type="integer", minimum=self.minimum, maximum=self.maximum)
        else:
            schema["type"] = "string"
            if self.glob:
                schema["pattern"] = "^" + fnmatch.translate(self.glob).removeprefix("(?s:").removesuffix(")\\Z") + "$"
        return schema


def declare(
    operation: str, request: dict[str, Any], given: Mapping[str, str], valid: Callable[[dict[str, Any]], None]
) -> list[Parameter]:
    """Check ``given`` (input name -> request path) against ``request``; ``valid`` is the synth-time
    validator (model and rules) whose answers bound each integer."""
    if not isinstance(given, Mapping):
        raise ValidationError("run_time_parameters", "must map input names to JSON paths of the request", given)
    parameters = []
    for name, path in given.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValidationError(
                "run_time_parameters", "names must match ^[A-Za-z][A-Za-z0-9]{0,63}$ (they become input paths)", name
            )
        if name in ("ParameterDefaults", "parameters"):
            raise ValidationError("run_time_parameters", "names the workflow's own input field", name)
        parameters.append(_parameter(operation, request, name, path, valid))
    paths = [p.path for p in parameters]
    if len(set(paths)) != len(paths):
        raise ValidationError("run_time_parameters", "sets a field twice", paths)
    return parameters


def _parameter(
    operation: str, request: dict[str, Any], name: str, path: Any, valid: Callable[[dict[str, Any]], None]
) -> Parameter:
    field = f"run_time_parameters[{name!r}]"
    if not isinstance(path, str):
        raise ValidationError(field, "must be a JSON path of the request, e.g. TrainingJobDefinition.ResourceConfig.InstanceType", path)
    steps = _steps(field, path)
    shape, value = _model.input_shape(operation), request
    for step in steps:
        if isinstance(step, int):
            if shape.type_name != "list" or not isinstance(value, list) or step >= len(value):
                raise ValidationError(field, "names no item of the request", path)
            shape, value = shape.member, value[step]
        elif shape.type_name == "structure" and step in shape.members:
            if not isinstance(value, dict) or step not in value:
                raise ValidationError(field, "names a field the request does not set (its value is the default)", path)
            shape, value = shape.members[step], value[step]
        elif shape.type_name == "map" and isinstance(value, dict) and step in value:
            shape, value = shape.value, value[step]
        else:
            raise ValidationError(field, "names no field of the request", path)
    from ._request import OWNED_PATHS  # not at import: the CLI's schema command reads SCHEMA_METADATA only

    if re.sub(r"\[\d+\]", "[]", path) in OWNED_PATHS[operation]:
        raise ValidationError(field, "names a field the workflow owns (the job name, its role or key)", path)
    if is_token(value) or (isinstance(value, str) and "${Token[" in value):
        raise ValidationError(field, "names a field already read at deploy or execution time", path)
    if shape.type_name in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        low, high = _bounds(request, steps, value, valid)
        return Parameter(name, path, value, "integer", minimum=low, maximum=high)
    if shape.type_name == "string" and isinstance(value, str):
        return Parameter(name, path, value, "string", glob=_glob(shape, value))
    raise ValidationError(field, "must name a string or integer field of the request", f"{path} ({shape.type_name})")


def _steps(field: str, path: str) -> list[str | int]:
    steps: list[str | int] = []
    position = 0
    for match in _STEP.finditer(path):
        if match.start() != position and path[position] != ".":
            raise ValidationError(field, "must be a JSON path such as A.B[0].C", path)
        steps.append(int(match.group(2)) if match.group(2) is not None else match.group(1))
        position = match.end()
    if not steps or position != len(path) or path.startswith(".") or ".." in path:
        raise ValidationError(field, "must be a JSON path such as A.B[0].C", path)
    return steps


def _parent(value: Any, steps: list[str | int]) -> Any:
    """The object or list that holds the field ``steps`` names."""
    for step in steps[:-1]:
        value = value[step]
    return value


def _glob(shape: Any, default: str) -> str | None:
    """What a string must look like: under its default's S3 prefix, or as every enum value starts."""
    if default.startswith("s3://"):
        if any(c in default for c in "*?[]"):
            return None
        return default + "*"
    if shape.enum:
        prefix = _common_prefix(shape.enum)
        return f"{prefix}*" if prefix else None
    return None


def _common_prefix(values: list[str]) -> str:
    prefix = values[0]
    for value in values[1:]:
        while not value.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def _bounds(
    request: dict[str, Any], steps: list[str | int], default: int, valid: Callable[[dict[str, Any]], None]
) -> tuple[int, int]:
    """The widest interval around ``default`` that the synth-time validators accept."""

    def accepts(candidate: int) -> bool:
        trial = copy.deepcopy(request)
        _parent(trial, steps)[steps[-1]] = candidate
        try:
            valid(trial)
        except ValidationError:
            return False
        return True

    def search(good: int, bad: int) -> int:
        while abs(bad - good) > 1:
            middle = (good + bad) // 2
            good, bad = (middle, bad) if accepts(middle) else (good, middle)
        return good

    low = search(default, -1) if default >= 0 else default
    high = search(default, _INT32_MAX + 1)
    return low, high


def longest_runs(request: dict[str, Any], parameters: list[Parameter]) -> list[dict[str, Any]]:
    """The request with each integer input at either end of its range, every combination: the
    execution timeout must cover the longest of them."""
    integers = [p for p in parameters if p.type == "integer"]
    requests = []
    for ends in itertools.product(*[(p.minimum, p.maximum) for p in integers]):
        trial = copy.deepcopy(request)
        for parameter, value in zip(integers, ends, strict=True):
            steps = _steps("run_time_parameters", parameter.path)
            _parent(trial, steps)[steps[-1]] = value
        requests.append(trial)
    return requests or [request]


def read_from_variable(parameters_dict: dict[str, Any], parameters: list[Parameter]) -> dict[str, Any]:
    """The create state's Parameters with each declared field read from ``$parameters``."""
    result = copy.deepcopy(parameters_dict)
    for parameter in parameters:
        steps = _steps("run_time_parameters", parameter.path)
        parent = _parent(result, steps)
        key = steps[-1]
        assert isinstance(key, str)
        del parent[key]
        parent[f"{key}.$"] = f"$parameters.{parameter.name}"
    return result


def choice_rules(parameters: list[Parameter]) -> list[dict[str, Any]]:
    """Name job's first rules: a given input that breaks its rule goes to its Fail state."""
    return [
        {
            "And": [{"Variable": f"$.{p.name}", "IsPresent": True}, {"Not": p.valid()}],
            "Next": f"Invalid {p.name}",
        }
        for p in parameters
    ]


def fail_states(parameters: list[Parameter]) -> dict[str, Any]:
    return {
        f"Invalid {p.name}": {
            "Type": "Fail",
            "Error": INVALID,
            "Cause": f"{p.name} (the request's {p.path}) {p.rule}",
        }
        for p in parameters
    }


def input_schema(parameters: list[Parameter], name_field: str, prefix: str) -> dict[str, Any]:
    """The execution input as a JSON Schema (draft 2020-12)."""
    properties: dict[str, Any] = {
        name_field: {
            "type": "string",
            # The prefix is [a-z0-9-] only (check_prefix): no character to escape, in any regex dialect.
            "pattern": f"^{prefix}-",
            "description": f"The job's name (it must start with '{prefix}-'); generated when absent",
        }
    }
    properties.update({p.name: p.schema() for p in parameters})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
    }
