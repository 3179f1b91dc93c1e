"""What a tuning job searches and how (``HyperParameterTuningJobConfig``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aws_cdk as cdk

from ._checks import (
    check_count,
    check_enum,
    check_job_name,
    check_length,
    check_range,
    is_unresolved,
)
from .errors import ValidationError


class Strategy(StrEnum):
    """Search strategy (``Strategy``)."""

    BAYESIAN = "Bayesian"
    RANDOM = "Random"
    HYPERBAND = "Hyperband"
    GRID = "Grid"


class ObjectiveType(StrEnum):
    """Whether the objective metric is to be minimized or maximized."""

    MAXIMIZE = "Maximize"
    MINIMIZE = "Minimize"


class ScalingType(StrEnum):
    """How a numeric range is searched (``ScalingType``)."""

    AUTO = "Auto"
    LINEAR = "Linear"
    LOGARITHMIC = "Logarithmic"
    REVERSE_LOGARITHMIC = "ReverseLogarithmic"


class EarlyStoppingType(StrEnum):
    """Whether SageMaker may stop unpromising training jobs early (``TrainingJobEarlyStoppingType``)."""

    OFF = "Off"
    AUTO = "Auto"


class WarmStartType(StrEnum):
    """How parent tuning jobs inform this one (``WarmStartType``)."""

    IDENTICAL_DATA_AND_ALGORITHM = "IdenticalDataAndAlgorithm"
    TRANSFER_LEARNING = "TransferLearning"


@dataclass(frozen=True, kw_only=True)
class TuningObjective:
    """The metric the tuning job optimizes (``HyperParameterTuningJobObjective``)."""

    metric_name: str
    """Name of the metric, 1-255 characters; one of the algorithm's metric definitions."""
    type: ObjectiveType
    """Minimize or maximize it."""

    def render(self, field: str) -> dict[str, str]:
        check_length(f"{field}.MetricName", self.metric_name, 1, 255)
        check_enum(f"{field}.Type", self.type, ObjectiveType)
        return {"MetricName": self.metric_name, "Type": self.type.value}


@dataclass(frozen=True, kw_only=True)
class ContinuousParameterRange:
    """A real-valued hyperparameter searched between ``min_value`` and ``max_value``."""

    name: str
    min_value: float
    max_value: float
    scaling_type: ScalingType | None = None
    """@default - SageMaker's default, ScalingType.AUTO"""


@dataclass(frozen=True, kw_only=True)
class IntegerParameterRange:
    """An integer hyperparameter searched between ``min_value`` and ``max_value``."""

    name: str
    min_value: int
    max_value: int
    scaling_type: ScalingType | None = None
    """@default - SageMaker's default, ScalingType.AUTO. ReverseLogarithmic is not allowed."""


@dataclass(frozen=True, kw_only=True)
class CategoricalParameterRange:
    """A hyperparameter chosen among ``values`` (1 to 30 strings)."""

    name: str
    values: Sequence[str]


@dataclass(frozen=True, kw_only=True)
class AutoParameter:
    """A hyperparameter whose range Autotune chooses from an example value (``AutoParameter``)."""

    name: str
    value_hint: str
    """An example value, at most 256 characters, e.g. ``"0.1"``."""


ParameterRange = ContinuousParameterRange | IntegerParameterRange | CategoricalParameterRange | AutoParameter
# Most ranges of one kind (ParameterRanges in the API reference).
_MAX_RANGES = {"AutoParameters": 100}


def render_parameter_ranges(field: str, ranges: Sequence[ParameterRange]) -> dict[str, Any]:
    """``ParameterRanges``: at most 30 of each kind (100 AutoParameters), distinct names, each range checked."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for index, item in enumerate(ranges):
        where = f"{field}[{index}]"
        check_length(f"{where}.Name", item.name, 1, 256)
        if item.name in seen:
            raise ValidationError(f"{where}.Name", "must be unique among the parameter ranges", item.name)
        seen.add(item.name)
        if isinstance(item, CategoricalParameterRange):
            key, rendered = "CategoricalParameterRanges", _categorical(where, item)
        elif isinstance(item, IntegerParameterRange):
            key, rendered = "IntegerParameterRanges", _numeric(where, item, integer=True)
        elif isinstance(item, ContinuousParameterRange):
            key, rendered = "ContinuousParameterRanges", _numeric(where, item, integer=False)
        elif isinstance(item, AutoParameter):
            check_length(f"{where}.ValueHint", item.value_hint, 0, 256)
            key, rendered = "AutoParameters", {"Name": item.name, "ValueHint": item.value_hint}
        else:
            raise ValidationError(
                where,
                "must be a ContinuousParameterRange, IntegerParameterRange, CategoricalParameterRange or AutoParameter",
                item,
            )
        grouped.setdefault(key, []).append(rendered)
    for key, items in grouped.items():
        check_count(f"{field} ({key})", items, 0, _MAX_RANGES.get(key, 30))
    return grouped


def check_grid_ranges(field: str, ranges: dict[str, Any], strategy: Strategy) -> None:
    """The Grid strategy enumerates values: it searches categorical ranges only."""
    if strategy is Strategy.GRID and set(ranges) - {"CategoricalParameterRanges"}:
        raise ValidationError(field, "must hold only categorical ranges with the Grid strategy", sorted(ranges))


def _categorical(field: str, item: CategoricalParameterRange) -> dict[str, Any]:
    values = list(item.values) if not isinstance(item.values, str) else None
    if values is None:
        raise ValidationError(f"{field}.Values", "must be a list of strings, not one string", item.values)
    check_count(f"{field}.Values", values, 1, 30)
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise ValidationError(f"{field}.Values[{index}]", "must be a string", value)
        check_length(f"{field}.Values[{index}]", value, 0, 256)
    if len(set(values)) != len(values):
        raise ValidationError(f"{field}.Values", "must not repeat a value", values)
    return {"Name": item.name, "Values": values}


def _numeric(field: str, item: ContinuousParameterRange | IntegerParameterRange, *, integer: bool) -> dict[str, Any]:
    low, high = item.min_value, item.max_value
    for name, value in (("MinValue", low), ("MaxValue", high)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
            raise ValidationError(f"{field}.{name}", "must be an integer" if integer else "must be a number", value)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"{field}.{name}", "must be a finite number", value)
    if not low < high:
        raise ValidationError(f"{field}.MinValue", f"must be less than MaxValue ({high})", low)
    rendered: dict[str, Any] = {"Name": item.name, "MinValue": _text(low), "MaxValue": _text(high)}
    scaling = item.scaling_type
    if scaling is not None:
        check_enum(f"{field}.ScalingType", scaling, ScalingType)
        if scaling is ScalingType.LOGARITHMIC and low <= 0:
            raise ValidationError(f"{field}.MinValue", "must be greater than 0 with Logarithmic scaling", low)
        if scaling is ScalingType.REVERSE_LOGARITHMIC:
            if integer:
                raise ValidationError(
                    f"{field}.ScalingType", "ReverseLogarithmic is only allowed for continuous ranges", scaling.value
                )
            if not (0 <= low < high < 1):
                raise ValidationError(
                    field, "ReverseLogarithmic scaling needs 0 <= MinValue < MaxValue < 1", f"{low}..{high}"
                )
        rendered["ScalingType"] = scaling.value
    return rendered


def _text(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


@dataclass(frozen=True, kw_only=True)
class ResourceLimits:
    """How many training jobs the tuning job runs (``ResourceLimits``)."""

    max_parallel_training_jobs: int
    """Training jobs run at the same time, at least 1."""
    max_number_of_training_jobs: int | None = None
    """Training jobs in all, at least 1 and not less than the parallel jobs.
    @default - none; required unless the strategy is Grid"""
    max_runtime: cdk.Duration | None = None
    """Longest run of the whole tuning job, 120 seconds to 182.5 days (``MaxRuntimeInSeconds``).
    @default - no limit but the training jobs' own"""

    def render(self, field: str, strategy: Strategy) -> dict[str, int]:
        limits = self._render_counts(field, strategy)
        seconds = self.max_runtime_seconds
        if seconds is not None:
            check_range(f"{field}.MaxRuntimeInSeconds", seconds, 120, 15768000)
            limits["MaxRuntimeInSeconds"] = seconds
        return limits

    @property
    def max_runtime_seconds(self) -> int | None:
        return None if self.max_runtime is None else int(self.max_runtime.to_seconds())

    def _render_counts(self, field: str, strategy: Strategy) -> dict[str, int]:
        parallel, total = self.max_parallel_training_jobs, self.max_number_of_training_jobs
        _integer(f"{field}.MaxParallelTrainingJobs", parallel)
        check_range(f"{field}.MaxParallelTrainingJobs", parallel, 1)
        limits = {"MaxParallelTrainingJobs": parallel}
        if strategy is Strategy.GRID:
            if total is not None:
                raise ValidationError(
                    f"{field}.MaxNumberOfTrainingJobs",
                    "must not be set with the Grid strategy (the grid defines the number of jobs)",
                    total,
                )
            return limits
        if total is None:
            raise ValidationError(
                f"{field}.MaxNumberOfTrainingJobs", f"is required with the {strategy.value} strategy", None
            )
        _integer(f"{field}.MaxNumberOfTrainingJobs", total)
        check_range(f"{field}.MaxNumberOfTrainingJobs", total, 1)
        if not is_unresolved(parallel) and not is_unresolved(total) and parallel > total:
            raise ValidationError(
                f"{field}.MaxParallelTrainingJobs",
                f"must not exceed MaxNumberOfTrainingJobs ({total})",
                parallel,
            )
        limits["MaxNumberOfTrainingJobs"] = total
        return limits

    def rounds(self) -> int:
        """Sequential rounds of training jobs at most (used to bound the execution's timeout)."""
        total = self.max_number_of_training_jobs or self.max_parallel_training_jobs
        return math.ceil(total / self.max_parallel_training_jobs)


def _integer(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        if not is_unresolved(value):
            raise ValidationError(field, "must be an integer", value)


@dataclass(frozen=True, kw_only=True)
class WarmStartConfig:
    """Start from the results of earlier tuning jobs (``WarmStartConfig``)."""

    parent_tuning_job_names: Sequence[str]
    """Names of 1 to 5 completed parent tuning jobs."""
    warm_start_type: WarmStartType = WarmStartType.IDENTICAL_DATA_AND_ALGORITHM
    """@default WarmStartType.IDENTICAL_DATA_AND_ALGORITHM"""

    def render(self, field: str) -> dict[str, Any]:
        names = self.parent_tuning_job_names
        if isinstance(names, str):
            raise ValidationError(f"{field}.ParentHyperParameterTuningJobs", "must be a list of names", names)
        check_count(f"{field}.ParentHyperParameterTuningJobs", names, 1, 5)
        for index, name in enumerate(names):
            check_job_name(f"{field}.ParentHyperParameterTuningJobs[{index}].HyperParameterTuningJobName", name, 32)
        check_enum(f"{field}.WarmStartType", self.warm_start_type, WarmStartType)
        return {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": n} for n in names],
            "WarmStartType": self.warm_start_type.value,
        }


@dataclass(frozen=True, kw_only=True)
class HyperbandStrategyConfig:
    """Resources per training job for the Hyperband strategy (``HyperbandStrategyConfig``),
    in the algorithm's unit (e.g. epochs)."""

    min_resource: int | None = None
    """Least resource a training job gets before it may be stopped, at least 1.
    @default - SageMaker's default"""
    max_resource: int | None = None
    """Most resource a training job gets, at least ``min_resource``. @default - SageMaker's default"""

    def render(self, field: str) -> dict[str, Any]:
        config: dict[str, Any] = {}
        for name, value in (("MinResource", self.min_resource), ("MaxResource", self.max_resource)):
            if value is not None:
                _integer(f"{field}.{name}", value)
                check_range(f"{field}.{name}", value, 1)
                config[name] = value
        low, high = self.min_resource, self.max_resource
        if low is not None and high is not None and not is_unresolved(low) and not is_unresolved(high) and low > high:
            raise ValidationError(f"{field}.MinResource", f"must not exceed MaxResource ({high})", low)
        return {"HyperbandStrategyConfig": config}


class CompleteOnConvergence(StrEnum):
    """Whether the tuning job stops once SageMaker detects convergence (``CompleteOnConvergence``)."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"


@dataclass(frozen=True, kw_only=True)
class BestObjectiveNotImproving:
    """Stop when the best objective has not improved for a number of jobs (``BestObjectiveNotImproving``)."""

    max_number_of_training_jobs_not_improving: int
    """Training jobs without improvement before the tuning job stops, at least 3."""


@dataclass(frozen=True, kw_only=True)
class ConvergenceDetected:
    """Stop when SageMaker's model of the search converges (``ConvergenceDetected``)."""

    complete_on_convergence: CompleteOnConvergence = CompleteOnConvergence.ENABLED
    """@default CompleteOnConvergence.ENABLED"""


@dataclass(frozen=True, kw_only=True)
class TuningJobCompletionCriteria:
    """When the tuning job may stop before its limits (``TuningJobCompletionCriteria``); at least one criterion."""

    target_objective_metric_value: float | None = None
    """Stop once a training job reaches this objective value. @default - none"""
    best_objective_not_improving: BestObjectiveNotImproving | None = None
    """@default - none"""
    convergence_detected: ConvergenceDetected | None = None
    """@default - none"""

    def render(self, field: str) -> dict[str, Any]:
        criteria: dict[str, Any] = {}
        target = self.target_objective_metric_value
        if target is not None:
            if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target):
                raise ValidationError(f"{field}.TargetObjectiveMetricValue", "must be a finite number", target)
            criteria["TargetObjectiveMetricValue"] = target
        if self.best_objective_not_improving is not None:
            jobs = self.best_objective_not_improving.max_number_of_training_jobs_not_improving
            where = f"{field}.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving"
            _integer(where, jobs)
            check_range(where, jobs, 3)
            criteria["BestObjectiveNotImproving"] = {"MaxNumberOfTrainingJobsNotImproving": jobs}
        if self.convergence_detected is not None:
            mode = self.convergence_detected.complete_on_convergence
            check_enum(f"{field}.ConvergenceDetected.CompleteOnConvergence", mode, CompleteOnConvergence)
            criteria["ConvergenceDetected"] = {"CompleteOnConvergence": mode.value}
        if not criteria:
            raise ValidationError(field, "needs at least one criterion", self)
        return criteria


@dataclass(frozen=True, kw_only=True)
class HyperParameterTuningJobConfig:
    """The search (``HyperParameterTuningJobConfig``): objective, ranges, strategy and limits."""

    objective: TuningObjective | None = None
    """The metric to optimize. @default - none; required with a single training job definition,
    not allowed with several (each definition has its own ``tuning_objective``)"""
    resource_limits: ResourceLimits
    """How many training jobs to run, in all and at once."""
    parameter_ranges: Sequence[ParameterRange] = ()
    """Hyperparameters to search: at most 30 of each kind, distinct names."""
    strategy: Strategy = Strategy.BAYESIAN
    """@default Strategy.BAYESIAN"""
    training_job_early_stopping_type: EarlyStoppingType | None = None
    """@default - SageMaker's default, EarlyStoppingType.OFF; must stay OFF with Hyperband"""
    strategy_config: HyperbandStrategyConfig | None = None
    """Hyperband's resource bounds (``StrategyConfig``); only with Strategy.HYPERBAND. @default - none"""
    tuning_job_completion_criteria: TuningJobCompletionCriteria | None = None
    """Stop the tuning job early. @default - it runs to its resource limits"""
    random_seed: int | None = None
    """Seed of the search, at least 0, for reproducible hyperparameter choices (``RandomSeed``).
    @default - none"""

    def render(self, field: str) -> dict[str, Any]:
        check_enum(f"{field}.Strategy", self.strategy, Strategy)
        config: dict[str, Any] = {"Strategy": self.strategy.value}
        if self.objective is not None:
            config["HyperParameterTuningJobObjective"] = self.objective.render(
                f"{field}.HyperParameterTuningJobObjective"
            )
        config["ResourceLimits"] = self.resource_limits.render(f"{field}.ResourceLimits", self.strategy)
        ranges = render_parameter_ranges(f"{field}.ParameterRanges", self.parameter_ranges)
        check_grid_ranges(f"{field}.ParameterRanges", ranges, self.strategy)
        if ranges:
            config["ParameterRanges"] = ranges
        if self.training_job_early_stopping_type is not None:
            check_enum(
                f"{field}.TrainingJobEarlyStoppingType", self.training_job_early_stopping_type, EarlyStoppingType
            )
            config["TrainingJobEarlyStoppingType"] = self.training_job_early_stopping_type.value
        config.update(self._render_strategy(field))
        if self.tuning_job_completion_criteria is not None:
            config["TuningJobCompletionCriteria"] = self.tuning_job_completion_criteria.render(
                f"{field}.TuningJobCompletionCriteria"
            )
        if self.random_seed is not None:
            _integer(f"{field}.RandomSeed", self.random_seed)
            check_range(f"{field}.RandomSeed", self.random_seed, 0)
            config["RandomSeed"] = self.random_seed
        return config

    def _render_strategy(self, field: str) -> dict[str, Any]:
        hyperband = self.strategy is Strategy.HYPERBAND
        if hyperband and self.training_job_early_stopping_type is EarlyStoppingType.AUTO:
            raise ValidationError(
                f"{field}.TrainingJobEarlyStoppingType",
                "must be Off with the Hyperband strategy (Hyperband stops training jobs itself)",
                self.training_job_early_stopping_type.value,
            )
        if self.strategy_config is None:
            return {}
        if not hyperband:
            raise ValidationError(
                f"{field}.StrategyConfig", "is only allowed with the Hyperband strategy", self.strategy.value
            )
        return {"StrategyConfig": self.strategy_config.render(f"{field}.StrategyConfig")}
