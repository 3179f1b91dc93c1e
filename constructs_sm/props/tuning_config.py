"""What a tuning job searches and how (``HyperParameterTuningJobConfig``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aws_cdk as cdk

from ..errors import ValidationError
from ._props import compact, enum_value, items, seconds, strings


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


class CompleteOnConvergence(StrEnum):
    """Whether the tuning job stops once SageMaker detects convergence (``CompleteOnConvergence``)."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"


@dataclass(frozen=True, kw_only=True)
class TuningObjective:
    """The metric the tuning job optimizes (``HyperParameterTuningJobObjective``)."""

    metric_name: str
    """Name of the metric (``MetricName``); one of the algorithm's metric definitions."""
    type: ObjectiveType | str
    """Minimize or maximize it."""

    def render(self, field: str) -> dict[str, Any]:
        return {"MetricName": self.metric_name, "Type": enum_value(f"{field}.Type", self.type, ObjectiveType)}


@dataclass(frozen=True, kw_only=True)
class ContinuousParameterRange:
    """A real-valued hyperparameter searched between ``min_value`` and ``max_value``."""

    name: str
    min_value: float
    max_value: float
    scaling_type: ScalingType | str | None = None
    """@default - SageMaker's default, ScalingType.AUTO"""


@dataclass(frozen=True, kw_only=True)
class IntegerParameterRange:
    """An integer hyperparameter searched between ``min_value`` and ``max_value``."""

    name: str
    min_value: int
    max_value: int
    scaling_type: ScalingType | str | None = None
    """@default - SageMaker's default, ScalingType.AUTO. ReverseLogarithmic is not allowed."""


@dataclass(frozen=True, kw_only=True)
class CategoricalParameterRange:
    """A hyperparameter chosen among ``values`` (``CategoricalParameterRange``)."""

    name: str
    values: Sequence[str]


@dataclass(frozen=True, kw_only=True)
class AutoParameter:
    """A hyperparameter whose range Autotune chooses from an example value (``AutoParameter``)."""

    name: str
    value_hint: str
    """An example value, e.g. ``"0.1"`` (``ValueHint``)."""


ParameterRange = ContinuousParameterRange | IntegerParameterRange | CategoricalParameterRange | AutoParameter
_RANGE_KINDS: dict[type, str] = {
    ContinuousParameterRange: "ContinuousParameterRanges",
    IntegerParameterRange: "IntegerParameterRanges",
    CategoricalParameterRange: "CategoricalParameterRanges",
    AutoParameter: "AutoParameters",
}


def render_parameter_ranges(field: str, ranges: Sequence[ParameterRange]) -> dict[str, Any] | None:
    """``ParameterRanges``: the ranges grouped by kind, in the order given."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items(field, ranges, tuple(_RANGE_KINDS)):
        kind = _RANGE_KINDS[type(item)]
        at = f"{field}.{kind}[{len(grouped.get(kind, []))}]"
        grouped.setdefault(kind, []).append(_render_range(at, item))
    return grouped or None


def _render_range(at: str, item: ParameterRange) -> dict[str, Any]:
    if isinstance(item, CategoricalParameterRange):
        return {"Name": item.name, "Values": strings(f"{at}.Values", item.values) or []}
    if isinstance(item, AutoParameter):
        return {"Name": item.name, "ValueHint": item.value_hint}
    integer = isinstance(item, IntegerParameterRange)
    bounds = {}
    for name, value in (("MinValue", item.min_value), ("MaxValue", item.max_value)):
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            raise ValidationError(f"{at}.{name}", "must be an integer" if integer else "must be a number", value)
        bounds[name] = str(value) if isinstance(value, int) else repr(float(value))
    return compact(
        Name=item.name, **bounds, ScalingType=enum_value(f"{at}.ScalingType", item.scaling_type, ScalingType)
    )


@dataclass(frozen=True, kw_only=True)
class ResourceLimits:
    """How many training jobs the tuning job runs (``ResourceLimits``)."""

    max_parallel_training_jobs: int
    """Training jobs run at the same time (``MaxParallelTrainingJobs``), within the account's
    service quota for concurrent training jobs."""
    max_number_of_training_jobs: int | None = None
    """Training jobs in all (``MaxNumberOfTrainingJobs``), not less than the parallel jobs.
    @default - none; required unless the strategy is Grid, where it may only equal the grid's size"""
    max_runtime: cdk.Duration | None = None
    """Longest run of the whole tuning job (``MaxRuntimeInSeconds``).
    @default - no limit but the training jobs' own"""

    def render(self, field: str) -> dict[str, Any]:
        return compact(
            MaxNumberOfTrainingJobs=self.max_number_of_training_jobs,
            MaxParallelTrainingJobs=self.max_parallel_training_jobs,
            MaxRuntimeInSeconds=seconds(f"{field}.MaxRuntimeInSeconds", self.max_runtime),
        )


@dataclass(frozen=True, kw_only=True)
class WarmStartConfig:
    """Start from the results of earlier tuning jobs (``WarmStartConfig``)."""

    parent_tuning_job_names: Sequence[str]
    """Names of completed parent tuning jobs (``ParentHyperParameterTuningJobs``)."""
    warm_start_type: WarmStartType | str = WarmStartType.IDENTICAL_DATA_AND_ALGORITHM
    """@default WarmStartType.IDENTICAL_DATA_AND_ALGORITHM"""

    def render(self, field: str) -> dict[str, Any]:
        names = strings(f"{field}.ParentHyperParameterTuningJobs", self.parent_tuning_job_names) or []
        return {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": n} for n in names],
            "WarmStartType": enum_value(f"{field}.WarmStartType", self.warm_start_type, WarmStartType),
        }


@dataclass(frozen=True, kw_only=True)
class HyperbandStrategyConfig:
    """Resources per training job for the Hyperband strategy (``HyperbandStrategyConfig``),
    in the algorithm's unit (e.g. epochs)."""

    min_resource: int | None = None
    """Least resource a training job gets before it may be stopped (``MinResource``).
    @default - SageMaker's default"""
    max_resource: int | None = None
    """Most resource a training job gets, at least ``min_resource``. @default - SageMaker's default"""

    def render(self) -> dict[str, Any]:
        return {"HyperbandStrategyConfig": compact(MinResource=self.min_resource, MaxResource=self.max_resource)}


@dataclass(frozen=True, kw_only=True)
class BestObjectiveNotImproving:
    """Stop when the best objective has not improved for a number of jobs (``BestObjectiveNotImproving``)."""

    max_number_of_training_jobs_not_improving: int
    """Training jobs without improvement before the tuning job stops
    (``MaxNumberOfTrainingJobsNotImproving``)."""


@dataclass(frozen=True, kw_only=True)
class ConvergenceDetected:
    """Stop when SageMaker's model of the search converges (``ConvergenceDetected``)."""

    complete_on_convergence: CompleteOnConvergence | str = CompleteOnConvergence.ENABLED
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
        improving, converged = self.best_objective_not_improving, self.convergence_detected
        return compact(
            TargetObjectiveMetricValue=self.target_objective_metric_value,
            BestObjectiveNotImproving=None
            if improving is None
            else {"MaxNumberOfTrainingJobsNotImproving": improving.max_number_of_training_jobs_not_improving},
            ConvergenceDetected=None
            if converged is None
            else {
                "CompleteOnConvergence": enum_value(
                    f"{field}.ConvergenceDetected.CompleteOnConvergence",
                    converged.complete_on_convergence,
                    CompleteOnConvergence,
                )
            },
        )


@dataclass(frozen=True, kw_only=True)
class HyperParameterTuningJobConfig:
    """The search (``HyperParameterTuningJobConfig``): objective, ranges, strategy and limits."""

    objective: TuningObjective | None = None
    """The metric to optimize. @default - none; required with a single training job definition,
    not allowed with several (each definition has its own ``tuning_objective``)"""
    resource_limits: ResourceLimits
    """How many training jobs to run, in all and at once."""
    parameter_ranges: Sequence[ParameterRange] = ()
    """Hyperparameters to search, with distinct names (``ParameterRanges``)."""
    strategy: Strategy | str = Strategy.BAYESIAN
    """@default Strategy.BAYESIAN"""
    training_job_early_stopping_type: EarlyStoppingType | str | None = None
    """@default - SageMaker's default, EarlyStoppingType.OFF; must stay OFF with Hyperband"""
    strategy_config: HyperbandStrategyConfig | None = None
    """Hyperband's resource bounds (``StrategyConfig``); only with Strategy.HYPERBAND. @default - none"""
    tuning_job_completion_criteria: TuningJobCompletionCriteria | None = None
    """Stop the tuning job early. @default - it runs to its resource limits"""
    random_seed: int | None = None
    """Seed of the search, for reproducible hyperparameter choices (``RandomSeed``).
    @default - none"""

    def render(self, field: str) -> dict[str, Any]:
        criteria = self.tuning_job_completion_criteria
        return compact(
            Strategy=enum_value(f"{field}.Strategy", self.strategy, Strategy),
            StrategyConfig=None if self.strategy_config is None else self.strategy_config.render(),
            HyperParameterTuningJobObjective=None
            if self.objective is None
            else self.objective.render(f"{field}.HyperParameterTuningJobObjective"),
            ResourceLimits=self.resource_limits.render(f"{field}.ResourceLimits"),
            ParameterRanges=render_parameter_ranges(f"{field}.ParameterRanges", self.parameter_ranges),
            TrainingJobEarlyStoppingType=enum_value(
                f"{field}.TrainingJobEarlyStoppingType", self.training_job_early_stopping_type, EarlyStoppingType
            ),
            TuningJobCompletionCriteria=None
            if criteria is None
            else criteria.render(f"{field}.TuningJobCompletionCriteria"),
            RandomSeed=self.random_seed,
        )
