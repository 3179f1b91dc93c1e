"""The limits of botocore's SageMaker model the library relies on, checked by ``api._model.validate``.

The table names JSON paths only; each limit the model gives the member there (the least and most
items, characters or value, the enum, the pattern) becomes a case, with its numbers read from
botocore: the value at the limit passes, one beyond fails naming the path and the number. A botocore
release that moves a limit moves the case with it; one that drops every limit of a path fails
:func:`test_every_path_has_a_limit`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import regex

from constructs_sm.api import _model
from constructs_sm.errors import ValidationError
from tests.api.bases import OPERATION, model_base

# (request form, JSON path): "Map.key" is a map's value, "Map key" its keys (as the model's errors name them).
LIMITS: list[tuple[str, str]] = [
    # Names: the job names the constructs make, and the names a request may give.
    ("tuning", "HyperParameterTuningJobName"),
    ("training", "TrainingJobName"),
    ("several", "TrainingJobDefinitions[0].DefinitionName"),
    ("tuning", "WarmStartConfig.ParentHyperParameterTuningJobs"),
    ("tuning", "WarmStartConfig.ParentHyperParameterTuningJobs[0].HyperParameterTuningJobName"),
    # The tuning job config.
    ("tuning", "HyperParameterTuningJobConfig.Strategy"),
    ("tuning", "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs"),
    ("tuning", "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs"),
    ("tuning", "HyperParameterTuningJobConfig.ResourceLimits.MaxRuntimeInSeconds"),
    ("tuning", "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName"),
    ("tuning", "HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges"),
    ("tuning", "HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges"),
    ("tuning", "HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges"),
    ("tuning", "HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges[0].Values"),
    ("tuning", "HyperParameterTuningJobConfig.ParameterRanges.AutoParameters"),
    ("tuning", "HyperParameterTuningJobConfig.ParameterRanges.AutoParameters[0].ValueHint"),
    ("tuning", "HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource"),
    (
        "tuning",
        "HyperParameterTuningJobConfig.TuningJobCompletionCriteria.BestObjectiveNotImproving."
        "MaxNumberOfTrainingJobsNotImproving",
    ),
    ("tuning", "HyperParameterTuningJobConfig.RandomSeed"),
    # A tuning job's definitions.
    ("several", "TrainingJobDefinitions"),
    ("tuning", "TrainingJobDefinition.StaticHyperParameters"),
    ("tuning", "TrainingJobDefinition.StaticHyperParameters key"),
    ("tuning", "TrainingJobDefinition.StaticHyperParameters.num_round"),
    ("tuning", "TrainingJobDefinition.InputDataConfig"),
    ("tuning", "TrainingJobDefinition.InputDataConfig[0].ChannelName"),
    ("several", "TrainingJobDefinitions[1].InputDataConfig[0].ChannelName"),
    ("tuning", "TrainingJobDefinition.ResourceConfig.InstanceType"),
    ("tuning", "TrainingJobDefinition.ResourceConfig.InstanceCount"),
    ("tuning", "TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions"),
    ("tuning", "TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions[0].Regex"),
    ("tuning", "TrainingJobDefinition.Environment"),
    ("tuning", "TrainingJobDefinition.HyperParameterTuningResourceConfig.InstanceConfigs"),
    # A training job.
    ("training", "RetryStrategy.MaximumRetryAttempts"),
    ("training", "Environment"),
    ("training", "Environment key"),
    ("training", "Environment.MODE"),
    ("training", "StoppingCondition.MaxRuntimeInSeconds"),
    ("training", "ResourceConfig.KeepAlivePeriodInSeconds"),
    ("training", "ResourceConfig.InstanceGroups"),
    ("training", "ResourceConfig.InstanceGroups[0].InstanceGroupName"),
    ("training", "AlgorithmSpecification.ContainerArguments"),
    ("training", "AlgorithmSpecification.ContainerArguments[0]"),
    ("training", "InputDataConfig[0].DataSource.FileSystemDataSource.FileSystemId"),
    # Tags, either operation.
    ("tuning", "Tags"),
    ("tuning", "Tags[0].Key"),
    ("training", "Tags"),
]

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass
class Member:
    """The member at a path of a request: its botocore shape, its value, and how to replace it."""

    shape: Any
    value: Any
    put: Callable[[Any], None]


def member(form: str, path: str, request: dict[str, Any]) -> Member:
    name, is_key = path.removesuffix(" key"), path.endswith(" key")
    shape, parent, step = _model.input_shape(OPERATION[form]), None, None
    value: Any = request
    for text, index in _STEP.findall(name):
        if text:
            shape = shape.value if shape.type_name == "map" else shape.members[text]
            parent, step = value, text
            value = value[text]
        else:
            shape, parent, step = shape.member, value, int(index)
            value = value[int(index)]
    if is_key:

        def rename(key: Any, of: dict[str, Any] = value) -> None:
            """Replace the first key, keeping it first."""
            entries = dict(of)
            item = entries.pop(next(iter(of)))
            of.clear()
            of.update({key: item, **entries})

        return Member(shape.key, next(iter(value)), rename)

    def put(new: Any, container: Any = parent, at: Any = step) -> None:
        container[at] = new

    return Member(shape, value, put)


def _pattern(shape: Any) -> Any:
    text = shape.metadata.get("pattern")
    return regex.compile(text) if text else None


def _breaking(shape: Any, value: str) -> str | None:
    """A value of a valid length that the shape's pattern refuses, if any of a few edits of ``value`` is one."""
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 1 << 30)
    for candidate in (value[:-1] + "_", "_" + value[1:], value[:-1] + " ", value[:-1] + "!", "-" + value[1:]):
        if low <= len(candidate) <= high and not _pattern(shape).fullmatch(candidate):
            return candidate
    return None


def limits(shape: Any, value: Any) -> list[str]:
    """The limits the model gives ``shape``: "min", "max", "enum", "pattern"."""
    meta = shape.metadata
    if shape.type_name == "string":
        if getattr(shape, "enum", None):
            return ["enum"]
        found = [kind for kind in ("min", "max") if kind in meta and (kind == "max" or meta[kind] > 0)]
        return found + (["pattern"] if "pattern" in meta and _breaking(shape, value) else [])
    if shape.type_name in ("list", "map"):
        return [kind for kind in ("min", "max") if kind in meta and (kind == "max" or meta[kind] > 0)]
    return [kind for kind in ("min", "max") if kind in meta]


def _pad(text: str, length: int) -> str:
    return (text + text[-1] * length)[:length]


def _items(value: Any, count: int) -> Any:
    if isinstance(value, dict):
        key, item = next(iter(value.items()))
        return {f"{key}{i}": item for i in range(count)}
    return [value[0]] * count


def case(shape: Any, kind: str, value: Any) -> tuple[Any, Any, str]:
    """(the value at the limit, one beyond it, the model's rule for it), from botocore's numbers."""
    meta = shape.metadata
    low, high = meta.get("min", 0), meta.get("max")
    if kind == "enum":
        return value, f"{value}-unknown", f"must be one of {shape.enum[0]}"
    if kind == "pattern":
        return value, _breaking(shape, value), f"must match ^{meta['pattern']}$"
    if shape.type_name == "string":
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        at = _pad(value, meta[kind])
        return at, at[:-1] if kind == "min" else at + at[-1], f"length must be {span} characters"
    if shape.type_name in ("list", "map"):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        count = meta[kind]
        return _items(value, count), _items(value, count - 1 if kind == "min" else count + 1), f"must have {span} items"
    bound = meta[kind]
    return (
        bound,
        bound - 1 if kind == "min" else bound + 1,
        f"must be {'at least' if kind == 'min' else 'at most'} {bound}",
    )


def _located(form: str, path: str) -> Member:
    return member(form, path, model_base(form))


CASES = [
    pytest.param(form, path, kind, id=f"{form}:{path}:{kind}")
    for form, path in LIMITS
    for kind in limits(_located(form, path).shape, _located(form, path).value)
]


@pytest.mark.parametrize("form", sorted(OPERATION))
def test_the_base_request_is_valid(form: str) -> None:
    _model.validate(OPERATION[form], model_base(form))


@pytest.mark.parametrize(("form", "path", "kind"), CASES)
def test_the_limit_passes_and_one_beyond_fails(form: str, path: str, kind: str) -> None:
    request = model_base(form)
    found = member(form, path, request)
    at_limit, beyond, rule = case(found.shape, kind, found.value)
    found.put(at_limit)
    _model.validate(OPERATION[form], request)
    found.put(beyond)
    with pytest.raises(ValidationError) as raised:
        _model.validate(OPERATION[form], request)
    assert (raised.value.field, raised.value.rule.startswith(rule)) == (path, True), str(raised.value)


@pytest.mark.parametrize(("form", "path"), LIMITS)
def test_every_path_has_a_limit(form: str, path: str) -> None:
    found = _located(form, path)
    assert limits(found.shape, found.value), f"{path}: botocore's model gives it no limit"
