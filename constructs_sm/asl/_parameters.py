"""Run-time parameters: request fields the execution input may set, each with its synth-time default.

A workflow declares ``{"InstanceType": "TrainingJobDefinition.ResourceConfig.InstanceType", ...}``:
an input name for a JSON path of its request. The request's value there is the default. A list
item with a name is addressed by it (``InputDataConfig[train]``, ``IntegerParameterRanges[max_depth]``);
a parameter range only by name, so that reordering the ranges cannot retarget an input.

The workflow's first state (``Check input``, see ``_workflow_states``) refuses, before any job, an
execution input with an unknown key or a value that breaks its rule, with the error
``InvalidParameter`` and a cause naming the input, the field and the rule; then it assigns the
input's values over the defaults to the workflow variable ``$parameters``, which the create state
reads. The rules come from the validators the request passed at synth time (botocore's model and
``_rules``), never typed here: an integer's range is the widest interval around the default that
they accept with the rest of the request as it is; a string with an enum must start as every enum
value does (``ml.`` for instance types), and may not be an instance type with local storage when
the request sets a volume key; an S3 URI must stay under its default's bucket and prefix, which is
what IAM grants; a parameter range's bound must be a number inside the synth-time range, below the
range's maximum (or above its minimum), an integer for an integer range.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..api import _model
from ..api._s3_uri import is_s3_uri
from ..api._s3_uri import parse as _parse_s3_uri
from ..core._tokens import is_token
from ..errors import ValidationError

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
_STEP = re.compile(r"([^.\[\]]+)|\[([^\[\]]+)\]")
SCHEMA_METADATA = "constructs_sm:InputSchema"  # where a template holds the input schema
INVALID = "InvalidParameter"
# The member that names a list item, for the lists whose items have one.
_ITEM_NAMES = ("Name", "ChannelName", "DefinitionName", "InstanceGroupName")
_RANGE_LISTS = ("ContinuousParameterRanges", "IntegerParameterRanges")
# A decimal number as SageMaker's parameter ranges write them in strings.
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
_INTEGER = r"^-?[0-9]+$"
# Characters that mean something in a regular expression, escaped one by one: a pattern that holds
# only these escapes is the same in ECMAScript's `u` mode (JSON Schema's dialect), JSONata and Python.
_REGEX_SPECIAL = set(r"\^$.|?*+()[]{}/")


def regex_literal(text: str) -> str:
    """``text`` as a regular expression that matches it literally, valid in every dialect we emit."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def jsonata_literal(value: Any) -> str:
    """A JSON value as a JSONata literal. ``$`` and ``%`` are written as escapes, so that no user
    string can end the ``{% %}`` expression or become a ``${…}`` DefinitionSubstitutions placeholder."""
    return json.dumps(value, ensure_ascii=True).replace("$", "\\u0024").replace("%", "\\u0025")


@dataclass(frozen=True)
class Parameter:
    """One input the execution may give: its name, the request field it sets, and its rule."""

    name: str
    path: str
    default: Any
    type: str  # "string", "integer" or "number" (a parameter range's bound, a string in the API)
    steps: tuple[str | int, ...] = ()
    minimum: int | float | None = None
    maximum: int | float | None = None
    prefix: str | None = None  # what a string must start with
    excluded: tuple[str, ...] = ()  # string values refused (instance types with local storage)
    integral: bool = False  # a "number" that must be an integer (IntegerParameterRanges)
    below: tuple[str, Any] | None = field(default=None)  # ("MaxValue" sibling input name or None, default)
    above: tuple[str, Any] | None = field(default=None)

    @property
    def rule(self) -> str:
        if self.type == "integer":
            return f"must be an integer between {self.minimum} and {self.maximum}"
        if self.type == "number":
            kind = "an integer" if self.integral else "a number"
            order = " below the range's MaxValue" if self.below else " above the range's MinValue" if self.above else ""
            return f"must be a string holding {kind} between {self.minimum} and {self.maximum}{order}"
        rule = f"must be a string starting with {self.prefix}" if self.prefix else "must be a string"
        if self.excluded:
            rule += " and not an instance type with local storage (the job's volume is encrypted with a KMS key)"
        return rule

    def accepts(self, value: Any, others: Mapping[str, Any] | None = None) -> bool:
        """The rule in Python, for inputs known at synth time (a schedule's)."""
        if self.type == "integer":
            return isinstance(value, int) and not isinstance(value, bool) and self.minimum <= value <= self.maximum  # type: ignore[operator]
        if not isinstance(value, str):
            return False
        if self.type == "number":
            pattern = _INTEGER if self.integral else _NUMBER
            if not re.fullmatch(pattern, value):
                return False
            number = Decimal(value)
            if not self.minimum <= number <= self.maximum:  # type: ignore[operator]
                return False
            for sibling, below in ((self.below, True), (self.above, False)):
                if sibling is not None:
                    name, default = sibling
                    other = Decimal(str((others or {}).get(name, default) if name else default))
                    if (number >= other) if below else (number <= other):
                        return False
            return True
        starts = self.prefix is None or value == self.default or value.startswith(self.prefix)
        return starts and value not in self.excluded

    def condition(self) -> str:
        """The rule as a JSONata condition on the input's value."""
        v = f"$states.input.{self.name}"
        if self.type == "integer":
            return f"($type({v}) = 'number' and {v} = $floor({v}) and {v} >= {self.minimum} and {v} <= {self.maximum})"
        if self.type == "number":
            pattern = _INTEGER if self.integral else _NUMBER
            checks = [
                f"$type({v}) = 'string'",
                f"$contains({v}, /{pattern}/)",
                f"$number({v}) >= {self.minimum}",
                f"$number({v}) <= {self.maximum}",
            ]
            for sibling, operator in ((self.below, "<"), (self.above, ">")):
                if sibling is not None:
                    name, default = sibling
                    other = jsonata_literal(str(default))
                    if name:
                        # The sibling's own rule is checked by its own condition; here only the order.
                        other = f"($exists($states.input.{name}) ? $states.input.{name} : {other})"
                    checks.append(f"$number({v}) {operator} $number({other})")
            return "(" + " and ".join(checks) + ")"
        checks = [f"$type({v}) = 'string'"]
        if self.prefix:
            checks.append(
                f"({v} = {jsonata_literal(self.default)} or "
                f"$substring({v}, 0, {len(self.prefix)}) = {jsonata_literal(self.prefix)})"
            )
        if self.excluded:
            checks.append(f"$not({v} in {jsonata_literal(list(self.excluded))})")
        return "(" + " and ".join(checks) + ")"

    def schema(self) -> dict[str, Any]:
        """This input as a JSON Schema property."""
        schema: dict[str, Any] = {"description": f"Sets {self.path}", "default": self.default}
        if self.type == "integer":
            schema.update(type="integer", minimum=self.minimum, maximum=self.maximum)
        elif self.type == "number":
            schema.update(type="string", pattern=_INTEGER if self.integral else _NUMBER)
            schema["description"] += f" (a number between {self.minimum} and {self.maximum})"
        else:
            schema["type"] = "string"
            if self.prefix:
                schema["pattern"] = "^" + regex_literal(self.prefix)
            if self.excluded:
                schema["not"] = {"enum": list(self.excluded)}
        return schema


def declare(
    operation: str,
    request: dict[str, Any],
    given: Mapping[str, str],
    valid: Callable[[dict[str, Any]], None],
    *,
    reserved: Iterable[str] = (),
    local_storage: Iterable[str] = (),
) -> list[Parameter]:
    """Check ``given`` (input name -> request path) against ``request``; ``valid`` is the synth-time
    validator (model and rules) whose answers bound each integer; ``local_storage`` are the
    instance types refused where the request sets a volume key."""
    if not isinstance(given, Mapping):
        raise ValidationError("run_time_parameters", "must map input names to JSON paths of the request", given)
    parameters = []
    for name, path in given.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValidationError(
                "run_time_parameters", "names must match ^[A-Za-z][A-Za-z0-9]{0,63}$ (they become input paths)", name
            )
        if name in reserved:
            raise ValidationError("run_time_parameters", "names the workflow's own input field", name)
        parameters.append(_parameter(operation, request, name, path, valid, tuple(local_storage)))
    paths = [p.steps for p in parameters]
    if len(set(paths)) != len(paths):
        raise ValidationError("run_time_parameters", "sets a field twice", [p.path for p in parameters])
    return _with_siblings(parameters)


def _parameter(
    operation: str,
    request: dict[str, Any],
    name: str,
    path: Any,
    valid: Callable[[dict[str, Any]], None],
    local_storage: tuple[str, ...],
) -> Parameter:
    where = f"run_time_parameters[{name!r}]"
    if not isinstance(path, str):
        raise ValidationError(where, "must be a JSON path of the request, e.g. TrainingJobDefinition.ResourceConfig.InstanceType", path)
    shape, value = _model.input_shape(operation), request
    steps: list[str | int] = []
    previous: str | int | None = None
    for step in _steps(where, path):
        if shape.type_name == "list":
            if not isinstance(value, list):
                raise ValidationError(where, "names no item of the request", path)
            if isinstance(step, int):
                if previous in _RANGE_LISTS:
                    raise ValidationError(
                        where,
                        f"must name a parameter range by its Name, e.g. {previous}[max_depth] (an index would "
                        "set another range if the ranges were reordered)",
                        path,
                    )
                if step >= len(value):
                    raise ValidationError(where, "names no item of the request", path)
            else:
                step = _index_of(where, path, shape.member, value, step)
            shape, value = shape.member, value[step]
        elif isinstance(step, int):
            raise ValidationError(where, "names no item of the request", path)
        elif shape.type_name == "structure" and step in shape.members:
            if not isinstance(value, dict) or step not in value:
                raise ValidationError(where, "names a field the request does not set (its value is the default)", path)
            shape, value = shape.members[step], value[step]
        elif shape.type_name == "map" and isinstance(value, dict) and step in value:
            shape, value = shape.value, value[step]
        else:
            raise ValidationError(where, "names no field of the request", path)
        steps.append(step)
        previous = step
    from ..api._request import OWNED_PATHS  # not at import: the CLI's schema command reads SCHEMA_METADATA only

    pattern = "".join("[]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")
    if pattern in OWNED_PATHS[operation]:
        raise ValidationError(where, "names a field the workflow owns (the job name, its role or key)", path)
    if is_token(value) or (isinstance(value, str) and "${Token[" in value):
        raise ValidationError(where, "names a field already read at deploy or execution time", path)
    found = tuple(steps)
    if shape.type_name in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        low, high = _bounds(request, steps, value, valid)
        return Parameter(name, path, value, "integer", found, minimum=low, maximum=high)
    if len(steps) >= 3 and steps[-3] in _RANGE_LISTS and steps[-1] in ("MinValue", "MaxValue"):
        bounds = _parent(request, steps)
        low, high = (_decimal(where, bounds[k]) for k in ("MinValue", "MaxValue"))
        return Parameter(name, path, value, "number", found, minimum=low, maximum=high, integral=steps[-3] == "IntegerParameterRanges")
    if shape.type_name == "string" and isinstance(value, str):
        excluded = local_storage if steps[-1] == "InstanceType" and _volume_key(request, steps) else ()
        return Parameter(name, path, value, "string", found, prefix=_prefix(shape, value), excluded=excluded)
    raise ValidationError(where, "must name a string or integer field of the request", f"{path} ({shape.type_name})")


def _index_of(where: str, path: str, member: Any, items: list[Any], name: str) -> int:
    key = next((k for k in _ITEM_NAMES if member.type_name == "structure" and k in member.members), None)
    if key is None:
        raise ValidationError(where, "names list items by index, e.g. [0] (these items have no name)", path)
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get(key) == name:
            return index
    raise ValidationError(where, f"names no item whose {key} is {name!r}", path)


def _with_siblings(parameters: list[Parameter]) -> list[Parameter]:
    """A range bound knows the other bound: another input, or its default."""
    by_steps = {p.steps: p for p in parameters}
    result = []
    for p in parameters:
        if p.type == "number":
            other = "MaxValue" if p.steps[-1] == "MinValue" else "MinValue"
            sibling = by_steps.get((*p.steps[:-1], other))
            default = p.maximum if other == "MaxValue" else p.minimum
            pair = (sibling.name if sibling else "", default)
            p = Parameter(**{**p.__dict__, ("below" if other == "MaxValue" else "above"): pair})
        result.append(p)
    return result


def _decimal(where: str, text: Any) -> Any:
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        raise ValidationError(where, "names a range whose bounds are not numbers", text) from None
    return int(number) if number == number.to_integral_value() else float(number)


def _volume_key(request: dict[str, Any], steps: list[str | int]) -> bool:
    return "VolumeKmsKeyId" in _parent(request, steps)


def _steps(where: str, path: str) -> list[str | int]:
    steps: list[str | int] = []
    position = 0
    for match in _STEP.finditer(path):
        if match.start() != position and path[position] != ".":
            raise ValidationError(where, "must be a JSON path such as A.B[0].C or A.B[name].C", path)
        bracket = match.group(2)
        steps.append(match.group(1) if bracket is None else int(bracket) if bracket.isdigit() else bracket)
        position = match.end()
    if not steps or position != len(path) or path.startswith(".") or ".." in path:
        raise ValidationError(where, "must be a JSON path such as A.B[0].C or A.B[name].C", path)
    return steps


def _parent(value: Any, steps: Iterable[str | int]) -> Any:
    """The object or list that holds the field ``steps`` names."""
    steps = list(steps)
    for step in steps[:-1]:
        value = value[step]
    return value


def _prefix(shape: Any, default: str) -> str | None:
    """What a string must start with: its default's S3 prefix, or what every enum value starts with."""
    if is_s3_uri(default):
        # A whole bucket is granted as bucket/*: the input must stay inside it, not in bucket-other.
        return default if _s3_key(default) else default.rstrip("/") + "/"
    if shape.enum:
        return _common_prefix(shape.enum) or None
    return None


def _s3_key(uri: str) -> str:
    return _parse_s3_uri("", uri).key


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
    high = search(default, _model.INT32[1] + 1)
    return low, high


def longest_runs(request: dict[str, Any], parameters: list[Parameter]) -> list[dict[str, Any]]:
    """The request with each integer input at either end of its range, every combination: the
    execution timeout must cover the longest of them."""
    integers = [p for p in parameters if p.type == "integer"]
    requests = []
    for ends in itertools.product(*[(p.minimum, p.maximum) for p in integers]):
        trial = copy.deepcopy(request)
        for parameter, value in zip(integers, ends, strict=True):
            _parent(trial, parameter.steps)[parameter.steps[-1]] = value
        requests.append(trial)
    return requests or [request]


def read_from_variable(parameters_dict: dict[str, Any], parameters: list[Parameter]) -> dict[str, Any]:
    """The create state's Parameters with each declared field read from ``$parameters``."""
    result = copy.deepcopy(parameters_dict)
    for parameter in parameters:
        parent = _parent(result, parameter.steps)
        key = parameter.steps[-1]
        assert isinstance(key, str)
        del parent[key]
        parent[f"{key}.$"] = f"$parameters.{parameter.name}"
    return result


def parameters_expression(parameters: list[Parameter]) -> str:
    """JSONata: each input's value, or its default."""
    fields = ", ".join(
        f"{jsonata_literal(p.name)}: $exists($states.input.{p.name}) ? $states.input.{p.name} : {jsonata_literal(p.default)}"
        for p in parameters
    )
    return "{" + fields + "}"


def choice_rules(parameters: list[Parameter]) -> list[dict[str, Any]]:
    """Check input's rules for the parameters: a given input that breaks its rule goes to its Fail state."""
    return [
        {"Condition": f"{{% $exists($states.input.{p.name}) and $not({p.condition()}) %}}", "Next": f"Invalid {p.name}"}
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


def check_values(where: str, values: Mapping[str, Any], parameters: list[Parameter], allowed: Iterable[str]) -> None:
    """Refuse at synth time an input (a schedule's) that the workflow's first state would refuse."""
    known = set(allowed) | {p.name for p in parameters}
    for key in values:
        if key not in known:
            raise ValidationError(f"{where}[{key!r}]", f"is not an input of the workflow (it takes {', '.join(sorted(known))})", key)
    for p in parameters:
        if p.name in values and not is_token(values[p.name]) and not p.accepts(values[p.name], values):
            raise ValidationError(f"{where}[{p.name!r}]", f"{p.rule} ({p.path})", values[p.name])


_INPUT_REFERENCE = re.compile(r"(?<![$\w])\$(?:\.([A-Za-z_][A-Za-z0-9_]*)|\['([^'\\]+)'\])")


def referenced_input_keys(parameters: Any) -> list[str]:
    """The execution input's top-level keys that ``.$`` fields read (``sfn.JsonPath.string_at("$.X")``,
    ``S3Location.from_json_path``): the input may hold them. ``$$.`` (the context) and ``$x``
    (variables) are not the input."""
    keys: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.endswith(".$") and isinstance(value, str):
                    for match in _INPUT_REFERENCE.finditer(value):
                        keys[match.group(1) or match.group(2)] = None
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(parameters)
    return list(keys)


def input_schema(
    parameters: list[Parameter], name_field: str, prefix: str, name_pattern: str, max_length: int, read: list[str]
) -> dict[str, Any]:
    """The execution input as a JSON Schema (draft 2020-12): only these keys, each with its rule."""
    from ._workflow_states import STARTED_BY  # the key Step Functions adds for nested executions

    properties: dict[str, Any] = {
        name_field: {
            "type": "string",
            "maxLength": max_length,
            # The prefix is [a-z0-9-] only (check_prefix): no character to escape, in any dialect.
            "pattern": f"^{prefix}-",
            "allOf": [{"pattern": name_pattern}],  # SageMaker's, from botocore's model
            "description": f"The job's name (it must start with '{prefix}-'); derived from the execution's ARN when absent",
        },
        STARTED_BY: {"type": "string", "description": "The parent execution's ARN, set by Step Functions"},
    }
    properties.update({key: {"description": "Read by the request (a JSON path of the execution input)"} for key in read})
    properties.update({p.name: p.schema() for p in parameters})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
