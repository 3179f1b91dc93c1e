"""The rules SageMaker enforces that its API model does not carry, each keyed by its JSON path.

botocore's model (:mod:`._model`) holds every field, type, enum and limit; this table holds only
cross-field rules and the developer guide's limits, each with its source. ``{job}`` stands for
each training job definition of a request: the request itself for CreateTrainingJob,
``TrainingJobDefinition`` and ``TrainingJobDefinitions[]`` for CreateHyperParameterTuningJob.

One rule is not SageMaker's: :func:`policy_characters`, the characters an IAM policy document may
hold. ``_grants`` applies it at every path whose value it writes into the execution role's policy
(its rows, and ``manifest_data``), and ``S3Location`` to the key prefixes it is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, TypeGuard

from ..core._paths import JOB_ROOTS, find, join
from ..core._tokens import is_token
from ..errors import ValidationError

Check = Callable[[Any, str, dict[str, Any]], None]
"""``check(value, path, request)`` raises :class:`ValidationError`."""

_NUMERIC = ("ContinuousParameterRanges", "IntegerParameterRanges")
_RANGE_KINDS = (*_NUMERIC, "CategoricalParameterRanges", "AutoParameters")
# Strict decimal numbers: no "_", no non-ASCII digits, no "inf"/"nan" (ParameterRange bounds are strings).
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_HPO_GUIDE = "SageMaker Developer Guide, 'Hyperparameter tuning limits'"  # and "Define hyperparameter ranges"


def check(operation: str, request: dict[str, Any]) -> None:
    """Apply every rule of ``operation`` to ``request`` (already valid against the model)."""
    for pattern, rule, _source in RULES[operation]:
        for path, value in find(request, pattern):
            if not is_token(value):
                rule(value, path, request)


def _fail(path: str, rule: str, value: Any) -> None:
    raise ValidationError(path, rule, value)


def _known(*values: Any) -> bool:
    return all(v is not None and not is_token(v) for v in values)


def _number(value: Any) -> TypeGuard[float]:
    """A number known at synth time."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not is_token(value)


# IAM


# IAM API Reference, "CreatePolicy" (PolicyDocument), https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
IAM_POLICY_SOURCE = "IAM API Reference, CreatePolicy: PolicyDocument (botocore's IAM policyDocumentType)"
_CDK_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")


@cache
def _policy_document() -> re.Pattern[str]:
    """botocore's pattern for a policy document: U+0009, U+000A, U+000D and U+0020-U+00FF."""
    from ._model import shape_of

    return re.compile(shape_of("iam", "policyDocumentType").metadata["pattern"])


def policy_characters(path: str, value: Any, written: Any = None) -> None:
    """Refuse ``value``, given at ``path``, when what it writes into an IAM policy (``written``: a
    statement or a string; ``value`` itself by default) holds a character IAM refuses: the stack
    would synthesize and its deployment fail. CDK tokens stand for ASCII text and are skipped."""
    allowed = _policy_document()
    for text in _strings(value if written is None else written):
        text = _CDK_TOKEN.sub("", text)
        if not text or allowed.fullmatch(text):
            continue
        for character in text:
            if not allowed.fullmatch(character):
                _fail(
                    path,
                    f"must hold only characters an IAM policy document may hold (tab, line feed, carriage return, "
                    f"U+0020-U+00FF): it is written into the execution role's policy, and U+{ord(character):04X} "
                    f"{character!r} is not ({IAM_POLICY_SOURCE})",
                    value,
                )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


# Tuning job


def _one_definition_form(request: dict[str, Any], at: str, _: Any) -> None:
    single, several = "TrainingJobDefinition" in request, "TrainingJobDefinitions" in request
    if single and several:
        _fail("TrainingJobDefinitions", "takes TrainingJobDefinition or TrainingJobDefinitions, not both", None)
    if not single and not several:
        _fail("TrainingJobDefinition", "needs exactly one of TrainingJobDefinition or TrainingJobDefinitions", None)
    config = request["HyperParameterTuningJobConfig"]
    if single:
        if "HyperParameterTuningJobObjective" not in config:
            _fail(
                "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective",
                "is required with a single TrainingJobDefinition",
                None,
            )
        for name in ("DefinitionName", "TuningObjective", "HyperParameterRanges"):
            if name in request["TrainingJobDefinition"]:
                _fail(
                    f"TrainingJobDefinition.{name}",
                    "is only allowed in TrainingJobDefinitions (a single definition uses the tuning job config's)",
                    request["TrainingJobDefinition"][name],
                )
        return
    for name in ("HyperParameterTuningJobObjective", "ParameterRanges"):
        if name in config:
            _fail(
                f"HyperParameterTuningJobConfig.{name}",
                "must not be set with TrainingJobDefinitions (each definition has its own)",
                config[name],
            )
    seen: set[str] = set()
    for index, definition in enumerate(request["TrainingJobDefinitions"]):
        for name in ("DefinitionName", "TuningObjective"):
            if name not in definition:
                _fail(f"TrainingJobDefinitions[{index}].{name}", "is required in each of several definitions", None)
        if definition["DefinitionName"] in seen:
            _fail(
                f"TrainingJobDefinitions[{index}].DefinitionName",
                "must be unique among the definitions",
                definition["DefinitionName"],
            )
        seen.add(definition["DefinitionName"])


def _ranges_of(request: dict[str, Any], definition: dict[str, Any], at: str) -> tuple[str, dict[str, Any]]:
    """The parameter ranges the definition at ``at`` searches, and their path: the tuning job config's
    for a single definition, its own among several."""
    if at == "TrainingJobDefinition":
        path = "HyperParameterTuningJobConfig.ParameterRanges"
        return path, request["HyperParameterTuningJobConfig"].get("ParameterRanges", {})
    return join(at, "HyperParameterRanges"), definition.get("HyperParameterRanges", {})


def _parameter_ranges(ranges: dict[str, Any], at: str, request: dict[str, Any]) -> None:
    names: set[str] = set()
    for kind in _RANGE_KINDS:
        for index, item in enumerate(ranges.get(kind, [])):
            where = f"{at}.{kind}[{index}]"
            if item["Name"] in names:
                _fail(f"{where}.Name", "must be unique among the parameter ranges", item["Name"])
            names.add(item["Name"])
            if kind in _NUMERIC:
                _numeric_range(item, where, integer=kind == "IntegerParameterRanges")
            if kind == "CategoricalParameterRanges" and len(set(item["Values"])) != len(item["Values"]):
                _fail(f"{where}.Values", "must not repeat a value", item["Values"])
    tuned = sum(len(ranges.get(kind, [])) for kind in _RANGE_KINDS[:3])
    if tuned > 30:  # _HPO_GUIDE: at most 30 hyperparameters to search
        _fail(at, "must tune at most 30 hyperparameters in all", f"{tuned} hyperparameters")
    strategy = request["HyperParameterTuningJobConfig"]["Strategy"]
    kinds = sorted(kind for kind, items in ranges.items() if items)  # the SDK sends empty lists too
    if strategy == "Grid" and set(kinds) - {"CategoricalParameterRanges"}:
        _fail(at, "must hold only categorical ranges with the Grid strategy", kinds)
    if ranges.get("AutoParameters") and request.get("Autotune", {}).get("Mode") != "Enabled":
        _fail(
            f"{at}.AutoParameters", "are only used with Autotune enabled", [p["Name"] for p in ranges["AutoParameters"]]
        )


def _numeric_range(item: dict[str, Any], at: str, *, integer: bool) -> None:
    bounds = []
    for name in ("MinValue", "MaxValue"):
        text = item[name]
        if is_token(text):
            return
        if not (_INTEGER if integer else _DECIMAL).fullmatch(text):
            _fail(f"{at}.{name}", "must be an integer" if integer else "must be a decimal number", text)
        bounds.append(int(text) if integer else float(text))
    low, high = bounds
    if not low < high:
        _fail(f"{at}.MinValue", f"must be less than MaxValue ({item['MaxValue']})", item["MinValue"])
    scaling = item.get("ScalingType")
    if scaling == "Logarithmic" and low <= 0:
        _fail(f"{at}.MinValue", "must be greater than 0 with Logarithmic scaling", item["MinValue"])
    if scaling == "ReverseLogarithmic":
        if integer:
            _fail(f"{at}.ScalingType", "ReverseLogarithmic is only allowed for continuous ranges", scaling)
        if not 0 <= low < high < 1:
            _fail(at, "ReverseLogarithmic scaling needs 0 <= MinValue < MaxValue < 1", f"{low}..{high}")


def _resource_limits(limits: dict[str, Any], at: str, request: dict[str, Any]) -> None:
    config = request["HyperParameterTuningJobConfig"]
    total, parallel = limits.get("MaxNumberOfTrainingJobs"), limits["MaxParallelTrainingJobs"]
    if config["Strategy"] == "Grid":
        combinations = grid_size(request)
        if _number(combinations) and combinations > 750:  # _HPO_GUIDE: 750 jobs, inferred from the grid
            where = "HyperParameterTuningJobConfig.ParameterRanges"
            _fail(where, "must have at most 750 combinations with the Grid strategy", combinations)
        if _number(total) and _number(combinations) and total != combinations:
            _fail(
                f"{at}.MaxNumberOfTrainingJobs",
                f"must equal the number of categorical combinations ({combinations}) with the Grid strategy",
                total,
            )
    elif total is None:
        _fail(f"{at}.MaxNumberOfTrainingJobs", f"is required with the {config['Strategy']} strategy", None)
    # _HPO_GUIDE: at most 750 training jobs per tuning job (10,000 with the Random strategy).
    most = 10000 if config["Strategy"] == "Random" else 750
    if _number(total) and total > most:
        _fail(f"{at}.MaxNumberOfTrainingJobs", f"must be at most {most} with the {config['Strategy']} strategy", total)
    runtime = limits.get("MaxRuntimeInSeconds")
    if _number(runtime) and runtime > 30 * 86400:  # _HPO_GUIDE: a tuning job runs at most 30 days
        _fail(f"{at}.MaxRuntimeInSeconds", "must be at most 2592000 (30 days, the longest a tuning job runs)", runtime)
    if _number(parallel) and parallel > 100:  # _HPO_GUIDE: at most 100 concurrent training jobs
        _fail(f"{at}.MaxParallelTrainingJobs", "must be at most 100 (concurrent training jobs)", parallel)
    if _number(total) and _number(parallel) and parallel > total:
        _fail(f"{at}.MaxParallelTrainingJobs", f"must not exceed MaxNumberOfTrainingJobs ({total})", parallel)


def grid_size(request: dict[str, Any]) -> int | None:
    """The number of distinct combinations a Grid search runs, or None when not known at synth time."""
    ranges = request["HyperParameterTuningJobConfig"].get("ParameterRanges", {})
    values = [item["Values"] for item in ranges.get("CategoricalParameterRanges", [])]
    if not values or any(is_token(v) or any(is_token(x) for x in v) for v in values):
        return None
    return math.prod(len(set(v)) for v in values)


def _strategy(config: dict[str, Any], at: str, _: Any) -> None:
    hyperband = config["Strategy"] == "Hyperband"
    if hyperband and config.get("TrainingJobEarlyStoppingType") == "Auto":
        _fail(
            f"{at}.TrainingJobEarlyStoppingType",
            "must be Off with the Hyperband strategy (Hyperband stops training jobs itself)",
            "Auto",
        )
    strategy_config = config.get("StrategyConfig")
    if strategy_config is None:
        return
    if not hyperband:
        _fail(f"{at}.StrategyConfig", "is only allowed with the Hyperband strategy", config["Strategy"])
    hyperband_config = strategy_config.get("HyperbandStrategyConfig", {})
    low, high = hyperband_config.get("MinResource"), hyperband_config.get("MaxResource")
    if _number(low) and _number(high) and low > high:
        _fail(f"{at}.StrategyConfig.HyperbandStrategyConfig.MinResource", f"must not exceed MaxResource ({high})", low)


def _completion_criteria(criteria: dict[str, Any], at: str, _: Any) -> None:
    if not criteria:
        _fail(at, "needs at least one criterion", criteria)


def _tuning_metric_definitions(definitions: list[Any], at: str, _: Any) -> None:
    if len(definitions) > 20:  # _HPO_GUIDE: at most 20 metric definitions in a tuning job
        _fail(at, "must have at most 20 metric definitions in a tuning job", f"{len(definitions)} items")


def _tuning_definition(definition: dict[str, Any], at: str, request: dict[str, Any]) -> None:
    ranges_path, ranges = _ranges_of(request, definition, at)
    tuned = {item["Name"] for kind in _RANGE_KINDS for item in ranges.get(kind, [])}
    static = definition.get("StaticHyperParameters", {})
    overlap = sorted(set(static) & tuned)
    if overlap:
        _fail(
            join(at, "StaticHyperParameters"),
            f"must not name a hyperparameter that is also in {ranges_path}",
            overlap,
        )
    # _HPO_GUIDE: static + tuned hyperparameters at most 100, SageMaker's own
    # (_tuning_objective_metric and the like) included: one is added per tuning job.
    total = len(static) + len(tuned) + 1
    if total > 100:
        _fail(
            join(at, "StaticHyperParameters"),
            "must leave room for at most 100 hyperparameters in all (static, tuned, and SageMaker's "
            "_tuning_objective_metric)",
            f"{total} hyperparameters",
        )
    if "ResourceConfig" in definition and "HyperParameterTuningResourceConfig" in definition:
        _fail(
            join(at, "HyperParameterTuningResourceConfig"),
            "replaces ResourceConfig: give one of them, not both",
            sorted(definition["HyperParameterTuningResourceConfig"]),
        )
    if "ResourceConfig" not in definition and "HyperParameterTuningResourceConfig" not in definition:
        _fail(join(at, "ResourceConfig"), "is required (or HyperParameterTuningResourceConfig)", None)


# SageMaker Developer Guide, "Define metrics and environment variables"
# (https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-define-metrics-variables.html):
# a custom algorithm's metrics are the ones its MetricDefinitions name, and the objective is "one of
# those metrics"; a built-in algorithm emits its own and takes no MetricDefinitions. So a definition
# that names metrics must name its objective among them: the tuning job would find no value for it.
_METRICS_GUIDE = "SageMaker Developer Guide, 'Define metrics and environment variables'"


def _objective_emitted(definition: dict[str, Any], at: str, request: dict[str, Any]) -> None:
    metrics = definition.get("AlgorithmSpecification", {}).get("MetricDefinitions") or []
    names = [m.get("Name") for m in metrics if isinstance(m, dict)]
    if at == "TrainingJobDefinition":
        where = "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective"
        objective = request["HyperParameterTuningJobConfig"].get("HyperParameterTuningJobObjective") or {}
    else:
        where, objective = join(at, "TuningObjective"), definition.get("TuningObjective") or {}
    name = objective.get("MetricName")
    if not names or not _known(name, *names) or name in names:
        return
    _fail(
        join(where, "MetricName"),
        f"must be one of the metrics {join(at, 'AlgorithmSpecification.MetricDefinitions')} defines "
        f"({', '.join(map(str, names))}): the training jobs emit no other for the tuning job to read",
        name,
    )


def _tuning_resource_config(config: dict[str, Any], at: str, _: Any) -> None:
    # API reference, HyperParameterTuningResourceConfig: InstanceConfigs for several instance
    # configurations, InstanceType/InstanceCount/VolumeSizeInGB for one.
    single = [name for name in ("InstanceType", "InstanceCount", "VolumeSizeInGB") if name in config]
    if "InstanceConfigs" in config and single:
        _fail(
            join(at, single[0]), "is only allowed without InstanceConfigs (the single-instance form)", config[single[0]]
        )
    if "InstanceConfigs" not in config and not {"InstanceType", "InstanceCount"} <= set(single):
        _fail(at, "needs InstanceConfigs, or InstanceType and InstanceCount", sorted(config))


# Every training job definition


def _definition(definition: dict[str, Any], at: str, request: dict[str, Any]) -> None:
    names = [channel["ChannelName"] for channel in definition.get("InputDataConfig", [])]
    for index, name in enumerate(names):
        if name in names[:index]:
            _fail(join(at, f"InputDataConfig[{index}].ChannelName"), "must be unique among the channels", name)
    for index, channel in enumerate(definition.get("InputDataConfig", [])):
        directory = channel["DataSource"].get("FileSystemDataSource", {}).get("DirectoryPath")
        if _known(directory) and not directory.startswith("/"):
            where = join(at, f"InputDataConfig[{index}].DataSource.FileSystemDataSource.DirectoryPath")
            _fail(where, "must be an absolute path starting with '/'", directory)
    local_path = definition.get("CheckpointConfig", {}).get("LocalPath")
    if _known(local_path) and not local_path.startswith("/"):
        _fail(join(at, "CheckpointConfig.LocalPath"), "must be an absolute path starting with '/'", local_path)
    spot = definition.get("EnableManagedSpotTraining") is True
    condition = definition.get("StoppingCondition", {})  # optional in CreateTrainingJob
    wait, runtime = condition.get("MaxWaitTimeInSeconds"), condition.get("MaxRuntimeInSeconds")
    where = join(at, "StoppingCondition.MaxWaitTimeInSeconds")
    if spot and wait is None:
        _fail(where, "is required with EnableManagedSpotTraining", None)
    if not spot and wait is not None:
        _fail(where, "is only allowed with EnableManagedSpotTraining", wait)
    # API reference, StoppingCondition: "The maximum value is 28 days."
    if _number(runtime) and runtime > 28 * 86400:
        _fail(join(at, "StoppingCondition.MaxRuntimeInSeconds"), "must be at most 2419200", runtime)
    if _number(wait) and _number(runtime) and wait < runtime:
        _fail(where, f"must be at least MaxRuntimeInSeconds ({runtime})", wait)
    keep_alive = definition.get("ResourceConfig", {}).get("KeepAlivePeriodInSeconds")
    if spot and keep_alive is not None:
        _fail(
            join(at, "ResourceConfig.KeepAlivePeriodInSeconds"),
            "is not allowed with EnableManagedSpotTraining (warm pools need on-demand instances)",
            keep_alive,
        )
    specification = definition.get("AlgorithmSpecification", {})  # optional in CreateTrainingJob
    image_config = specification.get("TrainingImageConfig", {})
    private_registry = image_config.get("TrainingRepositoryAccessMode") == "Vpc"
    file_system = any("FileSystemDataSource" in c["DataSource"] for c in definition.get("InputDataConfig", []))
    if (private_registry or file_system) and "VpcConfig" not in definition:
        _fail(
            join(at, "VpcConfig"),
            "is required to reach a FileSystemDataSource or a private registry (TrainingRepositoryAccessMode Vpc)",
            None,
        )
    if "TrainingRepositoryAuthConfig" in image_config and not private_registry:
        _fail(
            join(at, "AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig"),
            "authenticates to a private registry: it needs TrainingRepositoryAccessMode Vpc",
            image_config.get("TrainingRepositoryAccessMode"),
        )
    if specification and ("TrainingImage" in specification) == ("AlgorithmName" in specification):
        _fail(
            join(at, "AlgorithmSpecification"),
            "needs exactly one of TrainingImage or AlgorithmName",
            sorted(specification),
        )


def _resource_config(config: dict[str, Any], at: str, _: Any) -> None:
    groups = config.get("InstanceGroups")
    if groups:
        given = [name for name in ("InstanceType", "InstanceCount") if name in config]
        if given:
            _fail(join(at, "InstanceGroups"), "replaces InstanceType and InstanceCount: give one form, not both", given)
        names = [group["InstanceGroupName"] for group in groups]
        if len(set(names)) != len(names):
            _fail(join(at, "InstanceGroups"), "must give each group a unique InstanceGroupName", names)
    elif "InstancePreferences" in config:
        # API reference, ResourceConfig: InstancePreferences excludes InstanceType and InstanceGroups.
        if "InstanceType" in config:
            _fail(
                join(at, "InstancePreferences"),
                "replaces InstanceType: give one form, not both",
                config["InstanceType"],
            )
    elif "InstanceType" not in config or "InstanceCount" not in config:
        _fail(at, "needs InstanceType and InstanceCount, InstanceGroups, or InstancePreferences", sorted(config))


def _s3_data_source(source: dict[str, Any], at: str, _: Any) -> None:
    if source.get("AttributeNames") and source["S3DataType"] != "AugmentedManifestFile":
        _fail(
            join(at, "AttributeNames"),
            "is only allowed with S3DataType AugmentedManifestFile",
            source["AttributeNames"],
        )


def _tags(tags: list[dict[str, str]], at: str, _: Any) -> None:
    keys: set[str] = set()
    for index, tag in enumerate(tags):
        key = tag["Key"]
        if is_token(key):
            continue
        # Tagging guide: the aws: prefix is reserved; keys are unique within a resource.
        if key.lower().startswith("aws:"):
            _fail(f"{at}[{index}].Key", "must not start with the reserved prefix 'aws:'", key)
        if key in keys:
            _fail(f"{at}[{index}].Key", "must be unique among the tags", key)
        keys.add(key)


def _job_rules(job: str, *, tuning: bool) -> list[tuple[str, Check, str]]:
    rules: list[tuple[str, Check, str]] = [
        (job, _definition, "API reference, CreateTrainingJob: StoppingCondition, EnableManagedSpotTraining, VpcConfig"),
        (join(job, "ResourceConfig"), _resource_config, "API reference, ResourceConfig: InstanceGroups"),
        (
            join(job, "InputDataConfig[].DataSource.S3DataSource"),
            _s3_data_source,
            "API reference, S3DataSource: AttributeNames",
        ),
    ]
    if tuning:
        rules += [
            (job, _tuning_definition, _HPO_GUIDE),
            (job, _objective_emitted, _METRICS_GUIDE),
            (
                join(job, "HyperParameterTuningResourceConfig"),
                _tuning_resource_config,
                "API reference, HyperParameterTuningResourceConfig",
            ),
            (join(job, "AlgorithmSpecification.MetricDefinitions"), _tuning_metric_definitions, _HPO_GUIDE),
        ]
        if job != "TrainingJobDefinition":  # a single definition's ranges are the config's (_one_definition_form)
            rules.append((join(job, "HyperParameterRanges"), _parameter_ranges, _HPO_GUIDE))
    return rules


RULES: dict[str, list[tuple[str, Check, str]]] = {
    "CreateHyperParameterTuningJob": [
        ("", _one_definition_form, "API reference, CreateHyperParameterTuningJob: TrainingJobDefinition(s)"),
        ("HyperParameterTuningJobConfig", _strategy, "SageMaker Developer Guide, 'Tuning strategies'"),
        ("HyperParameterTuningJobConfig.ParameterRanges", _parameter_ranges, _HPO_GUIDE),
        ("HyperParameterTuningJobConfig.ResourceLimits", _resource_limits, _HPO_GUIDE),
        (
            "HyperParameterTuningJobConfig.TuningJobCompletionCriteria",
            _completion_criteria,
            "API reference, TuningJobCompletionCriteria",
        ),
        ("Tags", _tags, "Tagging AWS resources, 'Tag naming limits and requirements'"),
        *(rule for root in JOB_ROOTS["CreateHyperParameterTuningJob"] for rule in _job_rules(root, tuning=True)),
    ],
    "CreateTrainingJob": [
        ("Tags", _tags, "Tagging AWS resources, 'Tag naming limits and requirements'"),
        *(rule for root in JOB_ROOTS["CreateTrainingJob"] for rule in _job_rules(root, tuning=False)),
    ],
}
