"""The rules table (``constructs_sm.api._rules.RULES``), one case per rule a row enforces.

Each case takes the minimal valid request of a form (:mod:`tests.api.bases`), makes the one change
that breaks the rule, and expects ``api._request.check`` (model, then rules; no stack, no CDK app)
to raise a ``ValidationError`` naming the field, with the rule's words, raised by that row's
function. Where it can, ``allowed`` is the nearest change the rule accepts (a limit's value at the
limit), which passes.

A row is ``(operation, pattern, function)``: the pattern alone is not unique (a tuning job's
definitions carry the training rules and the tuning ones). A new row without a case fails
:func:`test_every_row_has_a_case`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import pytest

from constructs_sm.api import _request
from constructs_sm.api._rules import RULES
from constructs_sm.core._paths import join
from constructs_sm.errors import ValidationError
from tests.api.bases import DROP, ETA, OBJECTIVE, OPERATION, changed, file_system, rules_base, s3_channel

Row = tuple[str, str, str]
"""A row of RULES: (operation, JSON path pattern, the check function's name)."""


@dataclass(frozen=True)
class Case:
    form: str  # the base request: "training", "tuning" (one TrainingJobDefinition) or "several"
    pattern: str  # the row's JSON path pattern
    function: str  # the row's check function
    name: str  # the rule, of those the function enforces
    changes: dict[str, Any]  # JSON path -> value (DROP removes it): the one change that breaks the rule
    field: str  # the ValidationError's field
    message: str  # a fragment of its rule
    allowed: dict[str, Any] | None = None  # the same change within the limit: passes
    by: str = ""  # the function that raises, when another row's does so first

    @property
    def row(self) -> Row:
        return (OPERATION[self.form], self.pattern, self.function)

    @property
    def id(self) -> str:
        return f"{self.form}:{self.pattern or '(request)'}:{self.function}:{self.name}"


@dataclass(frozen=True)
class Rule:
    """A rule of a function applied at several paths: the changes and field relative to ``at``."""

    name: str
    changes: Callable[[str], dict[str, Any]]
    field: Callable[[str], str]
    message: str | Callable[[str], str]
    allowed: Callable[[str], dict[str, Any]] | None = None
    forms: frozenset[str] = field(default=frozenset({"training", "tuning", "several"}))


def _at(name: str) -> Callable[[str], str]:
    return lambda at: join(at, name)


# The roots of a request's training job definitions: (form, the rows' pattern, the path in the base).
JOBS = [
    ("training", "", ""),
    ("tuning", "TrainingJobDefinition", "TrainingJobDefinition"),
    ("several", "TrainingJobDefinitions[]", "TrainingJobDefinitions[0]"),
]
_TUNING_FORMS = frozenset({"tuning", "several"})
_SPOT = {"EnableManagedSpotTraining": True, "StoppingCondition.MaxWaitTimeInSeconds": 7200}
_GROUP = {"InstanceGroupName": "a", "InstanceType": "ml.m5.xlarge", "InstanceCount": 1}
_INSTANCE_CONFIG = {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
_VPC = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}
_CREDENTIALS = {"TrainingRepositoryCredentialsProviderArn": "arn:aws:lambda:us-east-1:123456789012:function:creds"}


def _relative(at: str, changes: dict[str, Any]) -> dict[str, Any]:
    return {join(at, path): value for path, value in changes.items()}


def _metrics(count: int) -> list[dict[str, str]]:
    """``count`` metric definitions, the base's objective (validation:auc) among them."""
    return [{"Name": "validation:auc", "Regex": "auc=([0-9.]+)"}] + [
        {"Name": f"m{i}", "Regex": "m=([0-9.]+)"} for i in range(1, count)
    ]


def _continuous(count: int) -> list[dict[str, str]]:
    return [{"Name": f"c{i}", "MinValue": "0.1", "MaxValue": "0.5"} for i in range(count)]


def _integers(count: int) -> list[dict[str, str]]:
    return [{"Name": f"i{i}", "MinValue": "1", "MaxValue": "2"} for i in range(count)]


def _static(count: int) -> dict[str, str]:
    return {f"s{i}": "1" for i in range(count)}


# _definition, every training job definition: StoppingCondition, spot, paths, VPC, the image.
DEFINITION = [
    Rule(
        "unique channel names",
        lambda at: _relative(at, {"InputDataConfig": [s3_channel(), s3_channel()]}),
        _at("InputDataConfig[1].ChannelName"),
        "must be unique among the channels",
        lambda at: _relative(at, {"InputDataConfig": [s3_channel(), s3_channel("validation")]}),
    ),
    Rule(
        "a file system directory is absolute",
        lambda at: _relative(at, {"InputDataConfig[0].DataSource": file_system("data"), "VpcConfig": _VPC}),
        _at("InputDataConfig[0].DataSource.FileSystemDataSource.DirectoryPath"),
        "must be an absolute path starting with '/'",
        lambda at: _relative(at, {"InputDataConfig[0].DataSource": file_system("/data"), "VpcConfig": _VPC}),
    ),
    Rule(
        "a checkpoint local path is absolute",
        lambda at: _relative(
            at, {"CheckpointConfig": {"S3Uri": "s3://example-bucket/checkpoints/", "LocalPath": "opt/ml/checkpoints"}}
        ),
        _at("CheckpointConfig.LocalPath"),
        "must be an absolute path starting with '/'",
    ),
    Rule(
        "spot training needs a max wait time",
        lambda at: _relative(at, {"EnableManagedSpotTraining": True}),
        _at("StoppingCondition.MaxWaitTimeInSeconds"),
        "is required with EnableManagedSpotTraining",
        lambda at: _relative(at, _SPOT),
    ),
    Rule(
        "a max wait time only with spot training",
        lambda at: _relative(at, {"StoppingCondition.MaxWaitTimeInSeconds": 7200}),
        _at("StoppingCondition.MaxWaitTimeInSeconds"),
        "is only allowed with EnableManagedSpotTraining",
    ),
    Rule(
        "a job runs at most 28 days",
        lambda at: _relative(at, {"StoppingCondition.MaxRuntimeInSeconds": 28 * 86400 + 1}),
        _at("StoppingCondition.MaxRuntimeInSeconds"),
        "must be at most 2419200",
        lambda at: _relative(at, {"StoppingCondition.MaxRuntimeInSeconds": 28 * 86400}),
    ),
    Rule(
        "the max wait time covers the runtime",
        lambda at: _relative(at, {**_SPOT, "StoppingCondition.MaxWaitTimeInSeconds": 3599}),
        _at("StoppingCondition.MaxWaitTimeInSeconds"),
        "must be at least MaxRuntimeInSeconds (3600)",
        lambda at: _relative(at, {**_SPOT, "StoppingCondition.MaxWaitTimeInSeconds": 3600}),
    ),
    Rule(
        "no warm pool with spot training",
        lambda at: _relative(at, {**_SPOT, "ResourceConfig.KeepAlivePeriodInSeconds": 600}),
        _at("ResourceConfig.KeepAlivePeriodInSeconds"),
        "is not allowed with EnableManagedSpotTraining (warm pools need on-demand instances)",
        lambda at: _relative(at, {"ResourceConfig.KeepAlivePeriodInSeconds": 600}),
    ),
    Rule(
        "a file system needs a VPC",
        lambda at: _relative(at, {"InputDataConfig[0].DataSource": file_system()}),
        _at("VpcConfig"),
        "is required to reach a FileSystemDataSource or a private registry",
        lambda at: _relative(at, {"InputDataConfig[0].DataSource": file_system(), "VpcConfig": _VPC}),
    ),
    # A tuning definition's HyperParameterAlgorithmSpecification has no TrainingImageConfig.
    Rule(
        "a private registry needs a VPC",
        lambda at: _relative(
            at, {"AlgorithmSpecification.TrainingImageConfig": {"TrainingRepositoryAccessMode": "Vpc"}}
        ),
        _at("VpcConfig"),
        "is required to reach a FileSystemDataSource or a private registry",
        lambda at: _relative(
            at,
            {"AlgorithmSpecification.TrainingImageConfig": {"TrainingRepositoryAccessMode": "Vpc"}, "VpcConfig": _VPC},
        ),
        forms=frozenset({"training"}),
    ),
    Rule(
        "registry credentials need the Vpc access mode",
        lambda at: _relative(
            at,
            {
                "AlgorithmSpecification.TrainingImageConfig": {
                    "TrainingRepositoryAccessMode": "Platform",
                    "TrainingRepositoryAuthConfig": _CREDENTIALS,
                }
            },
        ),
        _at("AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig"),
        "authenticates to a private registry: it needs TrainingRepositoryAccessMode Vpc",
        forms=frozenset({"training"}),
    ),
    Rule(
        "an image or an algorithm, not both",
        lambda at: _relative(at, {"AlgorithmSpecification.AlgorithmName": "my-algorithm"}),
        _at("AlgorithmSpecification"),
        "needs exactly one of TrainingImage or AlgorithmName",
    ),
    Rule(
        "an image or an algorithm, not neither",
        lambda at: _relative(at, {"AlgorithmSpecification.TrainingImage": DROP}),
        _at("AlgorithmSpecification"),
        "needs exactly one of TrainingImage or AlgorithmName",
        lambda at: _relative(
            at, {"AlgorithmSpecification.TrainingImage": DROP, "AlgorithmSpecification.AlgorithmName": "my-algorithm"}
        ),
    ),
]

# _resource_config, {job}.ResourceConfig: the three forms.
RESOURCE_CONFIG = [
    Rule(
        "instance groups replace the type and count",
        lambda at: _relative(at, {"ResourceConfig.InstanceGroups": [_GROUP]}),
        _at("ResourceConfig.InstanceGroups"),
        "replaces InstanceType and InstanceCount: give one form, not both",
        lambda at: _relative(at, {"ResourceConfig": {"InstanceGroups": [_GROUP], "VolumeSizeInGB": 30}}),
    ),
    Rule(
        "unique instance group names",
        lambda at: _relative(at, {"ResourceConfig": {"InstanceGroups": [_GROUP, _GROUP], "VolumeSizeInGB": 30}}),
        _at("ResourceConfig.InstanceGroups"),
        "must give each group a unique InstanceGroupName",
        lambda at: _relative(
            at,
            {
                "ResourceConfig": {
                    "InstanceGroups": [_GROUP, {**_GROUP, "InstanceGroupName": "b"}],
                    "VolumeSizeInGB": 30,
                }
            },
        ),
    ),
    Rule(
        "instance preferences replace the type",
        lambda at: _relative(at, {"ResourceConfig.InstancePreferences": [{"InstanceType": "ml.m5.xlarge"}]}),
        _at("ResourceConfig.InstancePreferences"),
        "replaces InstanceType: give one form, not both",
        lambda at: _relative(at, {"ResourceConfig": {"InstancePreferences": [{"InstanceType": "ml.m5.xlarge"}]}}),
    ),
    Rule(
        "a type and a count, groups or preferences",
        lambda at: _relative(at, {"ResourceConfig.InstanceCount": DROP}),
        _at("ResourceConfig"),
        "needs InstanceType and InstanceCount, InstanceGroups, or InstancePreferences",
    ),
]

# _s3_data_source, {job}.InputDataConfig[].DataSource.S3DataSource.
S3_DATA_SOURCE = [
    Rule(
        "attribute names need an augmented manifest",
        lambda at: _relative(at, {"InputDataConfig[0].DataSource.S3DataSource.AttributeNames": ["source-ref"]}),
        _at("InputDataConfig[0].DataSource.S3DataSource.AttributeNames"),
        "is only allowed with S3DataType AugmentedManifestFile",
        lambda at: _relative(
            at,
            {
                "InputDataConfig[0].DataSource.S3DataSource.AttributeNames": ["source-ref"],
                "InputDataConfig[0].DataSource.S3DataSource.S3DataType": "AugmentedManifestFile",
            },
        ),
    ),
]


def _ranges_of(at: str) -> str:
    """The ranges a tuning definition searches: the tuning job config's for a single definition."""
    return (
        "HyperParameterTuningJobConfig.ParameterRanges"
        if at == "TrainingJobDefinition"
        else join(at, "HyperParameterRanges")
    )


# _tuning_definition, a tuning job's definitions: hyperparameters and the resource forms.
TUNING_DEFINITION = [
    Rule(
        "a static hyperparameter is not also tuned",
        lambda at: _relative(at, {"StaticHyperParameters.eta": "0.2"}),
        _at("StaticHyperParameters"),
        lambda at: f"must not name a hyperparameter that is also in {_ranges_of(at)}",
        lambda at: _relative(at, {"StaticHyperParameters.gamma": "0.2"}),
        forms=_TUNING_FORMS,
    ),
    Rule(
        "at most 100 hyperparameters with SageMaker's own",
        lambda at: _relative(at, {"StaticHyperParameters": _static(99)}),  # + eta + _tuning_objective_metric
        _at("StaticHyperParameters"),
        "must leave room for at most 100 hyperparameters in all",
        lambda at: _relative(at, {"StaticHyperParameters": _static(98)}),
        forms=_TUNING_FORMS,
    ),
    Rule(
        "tuning resources replace ResourceConfig",
        lambda at: _relative(at, {"HyperParameterTuningResourceConfig": {"InstanceConfigs": [_INSTANCE_CONFIG]}}),
        _at("HyperParameterTuningResourceConfig"),
        "replaces ResourceConfig: give one of them, not both",
        lambda at: _relative(
            at, {"HyperParameterTuningResourceConfig": {"InstanceConfigs": [_INSTANCE_CONFIG]}, "ResourceConfig": DROP}
        ),
        forms=_TUNING_FORMS,
    ),
    Rule(
        "resources of one form or the other",
        lambda at: _relative(at, {"ResourceConfig": DROP}),
        _at("ResourceConfig"),
        "is required (or HyperParameterTuningResourceConfig)",
        forms=_TUNING_FORMS,
    ),
]

# _objective_emitted, a tuning job's definitions: the objective among the metrics they define.
OBJECTIVE_EMITTED = [
    Rule(
        "the objective is a metric the definitions emit",
        lambda at: _relative(
            at, {"AlgorithmSpecification.MetricDefinitions": [{"Name": "validation:rmse", "Regex": "rmse=([0-9.]+)"}]}
        ),
        lambda at: (
            "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName"
            if at == "TrainingJobDefinition"
            else join(at, "TuningObjective.MetricName")
        ),
        lambda at: f"must be one of the metrics {join(at, 'AlgorithmSpecification.MetricDefinitions')} defines",
        lambda at: _relative(
            at,
            {
                "AlgorithmSpecification.MetricDefinitions": [
                    {"Name": "validation:rmse", "Regex": "rmse=([0-9.]+)"},
                    {"Name": "validation:auc", "Regex": "auc=([0-9.]+)"},
                ]
            },
        ),
        forms=_TUNING_FORMS,
    ),
]

# _tuning_resource_config, {job}.HyperParameterTuningResourceConfig: InstanceConfigs or one instance type.
TUNING_RESOURCE_CONFIG = [
    Rule(
        "single-instance fields only without InstanceConfigs",
        lambda at: _relative(
            at,
            {
                "ResourceConfig": DROP,
                "HyperParameterTuningResourceConfig": {
                    "InstanceConfigs": [_INSTANCE_CONFIG],
                    "InstanceType": "ml.m5.xlarge",
                },
            },
        ),
        _at("HyperParameterTuningResourceConfig.InstanceType"),
        "is only allowed without InstanceConfigs (the single-instance form)",
        lambda at: _relative(at, {"ResourceConfig": DROP, "HyperParameterTuningResourceConfig": _INSTANCE_CONFIG}),
        forms=_TUNING_FORMS,
    ),
    Rule(
        "InstanceConfigs, or a type and a count",
        lambda at: _relative(
            at, {"ResourceConfig": DROP, "HyperParameterTuningResourceConfig": {"InstanceType": "ml.m5.xlarge"}}
        ),
        _at("HyperParameterTuningResourceConfig"),
        "needs InstanceConfigs, or InstanceType and InstanceCount",
        forms=_TUNING_FORMS,
    ),
]

# _tuning_metric_definitions, {job}.AlgorithmSpecification.MetricDefinitions of a tuning job.
TUNING_METRIC_DEFINITIONS = [
    Rule(
        "at most 20 metric definitions",
        lambda at: _relative(at, {"AlgorithmSpecification.MetricDefinitions": _metrics(21)}),
        _at("AlgorithmSpecification.MetricDefinitions"),
        "must have at most 20 metric definitions in a tuning job",
        lambda at: _relative(at, {"AlgorithmSpecification.MetricDefinitions": _metrics(20)}),
        forms=_TUNING_FORMS,
    ),
]

# _parameter_ranges, at the ranges' path (R): names, bounds, scaling, the Grid strategy, autotune.
PARAMETER_RANGES = [
    Rule(
        "unique range names",
        lambda r: {join(r, "IntegerParameterRanges"): [{"Name": "eta", "MinValue": "1", "MaxValue": "2"}]},
        _at("IntegerParameterRanges[0].Name"),
        "must be unique among the parameter ranges",
        lambda r: {join(r, "IntegerParameterRanges"): [{"Name": "depth", "MinValue": "1", "MaxValue": "2"}]},
    ),
    Rule(
        "integer bounds are integers",
        lambda r: {join(r, "IntegerParameterRanges"): [{"Name": "depth", "MinValue": "1.5", "MaxValue": "4"}]},
        _at("IntegerParameterRanges[0].MinValue"),
        "must be an integer",
    ),
    Rule(
        "continuous bounds are decimal numbers",
        lambda r: {join(r, "ContinuousParameterRanges[0].MaxValue"): "1_0"},
        _at("ContinuousParameterRanges[0].MaxValue"),
        "must be a decimal number",
        lambda r: {join(r, "ContinuousParameterRanges[0].MaxValue"): "1e1"},
    ),
    Rule(
        "the minimum is below the maximum",
        lambda r: {
            join(r, "ContinuousParameterRanges[0].MinValue"): "0.5",
            join(r, "ContinuousParameterRanges[0].MaxValue"): "0.1",
        },
        _at("ContinuousParameterRanges[0].MinValue"),
        "must be less than MaxValue (0.1)",
    ),
    Rule(
        "logarithmic scaling above 0",
        lambda r: {
            join(r, "ContinuousParameterRanges[0].MinValue"): "0",
            join(r, "ContinuousParameterRanges[0].ScalingType"): "Logarithmic",
        },
        _at("ContinuousParameterRanges[0].MinValue"),
        "must be greater than 0 with Logarithmic scaling",
        lambda r: {join(r, "ContinuousParameterRanges[0].ScalingType"): "Logarithmic"},
    ),
    Rule(
        "reverse logarithmic scaling only for continuous ranges",
        lambda r: {
            join(r, "IntegerParameterRanges"): [
                {"Name": "depth", "MinValue": "0", "MaxValue": "1", "ScalingType": "ReverseLogarithmic"}
            ]
        },
        _at("IntegerParameterRanges[0].ScalingType"),
        "ReverseLogarithmic is only allowed for continuous ranges",
    ),
    Rule(
        "reverse logarithmic scaling within 0 and 1",
        lambda r: {
            join(r, "ContinuousParameterRanges[0]"): {
                "Name": "momentum",
                "MinValue": "0.5",
                "MaxValue": "1.0",
                "ScalingType": "ReverseLogarithmic",
            }
        },
        _at("ContinuousParameterRanges[0]"),
        "ReverseLogarithmic scaling needs 0 <= MinValue < MaxValue < 1",
        lambda r: {
            join(r, "ContinuousParameterRanges[0]"): {
                "Name": "momentum",
                "MinValue": "0",
                "MaxValue": "0.99",
                "ScalingType": "ReverseLogarithmic",
            }
        },
    ),
    Rule(
        "categorical values are distinct",
        lambda r: {join(r, "CategoricalParameterRanges"): [{"Name": "booster", "Values": ["gbtree", "gbtree"]}]},
        _at("CategoricalParameterRanges[0].Values"),
        "must not repeat a value",
        lambda r: {join(r, "CategoricalParameterRanges"): [{"Name": "booster", "Values": ["gbtree", "dart"]}]},
    ),
    Rule(
        "at most 30 tuned hyperparameters",
        lambda r: {
            join(r, "ContinuousParameterRanges"): _continuous(16),
            join(r, "IntegerParameterRanges"): _integers(15),
        },
        lambda r: r,
        "must tune at most 30 hyperparameters in all",
        lambda r: {
            join(r, "ContinuousParameterRanges"): _continuous(16),
            join(r, "IntegerParameterRanges"): _integers(14),
        },
    ),
    Rule(
        "only categorical ranges with the Grid strategy",
        lambda r: {"HyperParameterTuningJobConfig.Strategy": "Grid"},
        lambda r: r,
        "must hold only categorical ranges with the Grid strategy",
        lambda r: {
            "HyperParameterTuningJobConfig.Strategy": "Grid",
            "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": 2,
            # every definition's ranges (the same path for the config's)
            **{
                ranges: {"CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}]}
                for ranges in (r, r.replace("[0]", "[1]"))
            },
        },
    ),
    Rule(
        "auto parameters need autotune",
        lambda r: {join(r, "AutoParameters"): [{"Name": "alpha", "ValueHint": "0.1"}]},
        _at("AutoParameters"),
        "are only used with Autotune enabled",
        lambda r: {join(r, "AutoParameters"): [{"Name": "alpha", "ValueHint": "0.1"}], "Autotune": {"Mode": "Enabled"}},
    ),
]


def _expand(form: str, pattern: str, function: str, at: str, rules: list[Rule]) -> Iterator[Case]:
    for rule in rules:
        if form in rule.forms:
            allowed = rule.allowed(at) if rule.allowed else None
            message = rule.message if isinstance(rule.message, str) else rule.message(at)
            yield Case(form, pattern, function, rule.name, rule.changes(at), rule.field(at), message, allowed)


def _job_cases() -> Iterator[Case]:
    for form, root, at in JOBS:
        yield from _expand(form, root, "_definition", at, DEFINITION)
        yield from _expand(form, join(root, "ResourceConfig"), "_resource_config", at, RESOURCE_CONFIG)
        yield from _expand(
            form, join(root, "InputDataConfig[].DataSource.S3DataSource"), "_s3_data_source", at, S3_DATA_SOURCE
        )
        yield from _expand(form, root, "_tuning_definition", at, TUNING_DEFINITION)
        yield from _expand(form, root, "_objective_emitted", at, OBJECTIVE_EMITTED)
        yield from _expand(
            form,
            join(root, "HyperParameterTuningResourceConfig"),
            "_tuning_resource_config",
            at,
            TUNING_RESOURCE_CONFIG,
        )
        yield from _expand(
            form,
            join(root, "AlgorithmSpecification.MetricDefinitions"),
            "_tuning_metric_definitions",
            at,
            TUNING_METRIC_DEFINITIONS,
        )
    config = "HyperParameterTuningJobConfig.ParameterRanges"
    yield from _expand("tuning", config, "_parameter_ranges", config, PARAMETER_RANGES)
    at = "TrainingJobDefinitions[0].HyperParameterRanges"
    yield from _expand(
        "several", "TrainingJobDefinitions[].HyperParameterRanges", "_parameter_ranges", at, PARAMETER_RANGES
    )


_CONFIG = "HyperParameterTuningJobConfig"
_LIMITS = "HyperParameterTuningJobConfig.ResourceLimits"
_GRID_6 = {
    f"{_CONFIG}.Strategy": "Grid",
    f"{_CONFIG}.ParameterRanges": {
        "CategoricalParameterRanges": [
            {"Name": "a", "Values": ["1", "2", "3"]},
            {"Name": "b", "Values": ["x", "y"]},
        ]
    },
}


def _grid(*sizes: int) -> dict[str, Any]:
    ranges = [{"Name": f"p{i}", "Values": [str(v) for v in range(size)]} for i, size in enumerate(sizes)]
    return {
        f"{_CONFIG}.Strategy": "Grid",
        f"{_CONFIG}.ParameterRanges": {"CategoricalParameterRanges": ranges},
        f"{_LIMITS}.MaxNumberOfTrainingJobs": DROP,
    }


CASES: list[Case] = [
    # _one_definition_form, the request: TrainingJobDefinition or TrainingJobDefinitions, and what each takes.
    *(
        Case("tuning", "", "_one_definition_form", name, changes, field_, message)
        for name, changes, field_, message in [
            (
                "not both forms",
                {"TrainingJobDefinitions": rules_base("several")["TrainingJobDefinitions"]},
                "TrainingJobDefinitions",
                "takes TrainingJobDefinition or TrainingJobDefinitions, not both",
            ),
            (
                "one of the forms",
                {"TrainingJobDefinition": DROP},
                "TrainingJobDefinition",
                "needs exactly one of TrainingJobDefinition or TrainingJobDefinitions",
            ),
            (
                "a single definition needs the config's objective",
                {f"{_CONFIG}.HyperParameterTuningJobObjective": DROP},
                f"{_CONFIG}.HyperParameterTuningJobObjective",
                "is required with a single TrainingJobDefinition",
            ),
            *(
                (
                    f"a single definition has no {member}",
                    {f"TrainingJobDefinition.{member}": value},
                    f"TrainingJobDefinition.{member}",
                    "is only allowed in TrainingJobDefinitions (a single definition uses the tuning job config's)",
                )
                for member, value in [
                    ("DefinitionName", "a"),
                    ("TuningObjective", OBJECTIVE),
                    ("HyperParameterRanges", {"ContinuousParameterRanges": [ETA]}),
                ]
            ),
        ]
    ),
    *(
        Case("several", "", "_one_definition_form", name, changes, field_, message)
        for name, changes, field_, message in [
            *(
                (
                    f"several definitions take no config {member}",
                    {f"{_CONFIG}.{member}": value},
                    f"{_CONFIG}.{member}",
                    "must not be set with TrainingJobDefinitions (each definition has its own)",
                )
                for member, value in [
                    ("HyperParameterTuningJobObjective", OBJECTIVE),
                    ("ParameterRanges", {"ContinuousParameterRanges": [ETA]}),
                ]
            ),
            (
                "each of several definitions has a name",
                {"TrainingJobDefinitions[1].DefinitionName": DROP},
                "TrainingJobDefinitions[1].DefinitionName",
                "is required in each of several definitions",
            ),
            (
                "each of several definitions has an objective",
                {"TrainingJobDefinitions[0].TuningObjective": DROP},
                "TrainingJobDefinitions[0].TuningObjective",
                "is required in each of several definitions",
            ),
            (
                "unique definition names",
                {"TrainingJobDefinitions[1].DefinitionName": "a"},
                "TrainingJobDefinitions[1].DefinitionName",
                "must be unique among the definitions",
            ),
        ]
    ),
    # _strategy, HyperParameterTuningJobConfig: Hyperband and its StrategyConfig.
    Case(
        "tuning",
        _CONFIG,
        "_strategy",
        "Hyperband stops jobs itself",
        {f"{_CONFIG}.Strategy": "Hyperband", f"{_CONFIG}.TrainingJobEarlyStoppingType": "Auto"},
        f"{_CONFIG}.TrainingJobEarlyStoppingType",
        "must be Off with the Hyperband strategy",
        {f"{_CONFIG}.Strategy": "Hyperband", f"{_CONFIG}.TrainingJobEarlyStoppingType": "Off"},
    ),
    Case(
        "tuning",
        _CONFIG,
        "_strategy",
        "StrategyConfig only with Hyperband",
        {f"{_CONFIG}.StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 1}}},
        f"{_CONFIG}.StrategyConfig",
        "is only allowed with the Hyperband strategy",
        {
            f"{_CONFIG}.StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 1}},
            f"{_CONFIG}.Strategy": "Hyperband",
        },
    ),
    Case(
        "tuning",
        _CONFIG,
        "_strategy",
        "MinResource within MaxResource",
        {
            f"{_CONFIG}.Strategy": "Hyperband",
            f"{_CONFIG}.StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 10, "MaxResource": 5}},
        },
        f"{_CONFIG}.StrategyConfig.HyperbandStrategyConfig.MinResource",
        "must not exceed MaxResource (5)",
        {
            f"{_CONFIG}.Strategy": "Hyperband",
            f"{_CONFIG}.StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 5, "MaxResource": 5}},
        },
    ),
    # _resource_limits, HyperParameterTuningJobConfig.ResourceLimits: the tuning guide's limits.
    *(
        Case("tuning", _LIMITS, "_resource_limits", name, changes, field_, message, allowed)
        for name, changes, field_, message, allowed in [
            (
                "at most 750 Grid combinations",
                _grid(30, 26),
                f"{_CONFIG}.ParameterRanges",
                "must have at most 750 combinations with the Grid strategy",
                _grid(30, 25),
            ),
            (
                "the Grid runs each combination once",
                {**_GRID_6, f"{_LIMITS}.MaxNumberOfTrainingJobs": 5},
                f"{_LIMITS}.MaxNumberOfTrainingJobs",
                "must equal the number of categorical combinations (6) with the Grid strategy",
                {**_GRID_6, f"{_LIMITS}.MaxNumberOfTrainingJobs": 6},
            ),
            (
                "a number of jobs unless Grid",
                {f"{_LIMITS}.MaxNumberOfTrainingJobs": DROP},
                f"{_LIMITS}.MaxNumberOfTrainingJobs",
                "is required with the Bayesian strategy",
                None,
            ),
            (
                "at most 750 jobs",
                {f"{_LIMITS}.MaxNumberOfTrainingJobs": 751},
                f"{_LIMITS}.MaxNumberOfTrainingJobs",
                "must be at most 750 with the Bayesian strategy",
                {f"{_LIMITS}.MaxNumberOfTrainingJobs": 750},
            ),
            (
                "at most 10000 jobs with the Random strategy",
                {f"{_CONFIG}.Strategy": "Random", f"{_LIMITS}.MaxNumberOfTrainingJobs": 10001},
                f"{_LIMITS}.MaxNumberOfTrainingJobs",
                "must be at most 10000 with the Random strategy",
                {f"{_CONFIG}.Strategy": "Random", f"{_LIMITS}.MaxNumberOfTrainingJobs": 10000},
            ),
            (
                "a tuning job runs at most 30 days",
                {f"{_LIMITS}.MaxRuntimeInSeconds": 30 * 86400 + 1},
                f"{_LIMITS}.MaxRuntimeInSeconds",
                "must be at most 2592000 (30 days, the longest a tuning job runs)",
                {f"{_LIMITS}.MaxRuntimeInSeconds": 30 * 86400},
            ),
            (
                "at most 100 parallel jobs",
                {f"{_LIMITS}.MaxParallelTrainingJobs": 101, f"{_LIMITS}.MaxNumberOfTrainingJobs": 200},
                f"{_LIMITS}.MaxParallelTrainingJobs",
                "must be at most 100 (concurrent training jobs)",
                {f"{_LIMITS}.MaxParallelTrainingJobs": 100, f"{_LIMITS}.MaxNumberOfTrainingJobs": 200},
            ),
            (
                "no more parallel jobs than jobs",
                {f"{_LIMITS}.MaxParallelTrainingJobs": 5},
                f"{_LIMITS}.MaxParallelTrainingJobs",
                "must not exceed MaxNumberOfTrainingJobs (4)",
                {f"{_LIMITS}.MaxParallelTrainingJobs": 4},
            ),
        ]
    ),
    # _completion_criteria, HyperParameterTuningJobConfig.TuningJobCompletionCriteria.
    Case(
        "tuning",
        f"{_CONFIG}.TuningJobCompletionCriteria",
        "_completion_criteria",
        "at least one criterion",
        {f"{_CONFIG}.TuningJobCompletionCriteria": {}},
        f"{_CONFIG}.TuningJobCompletionCriteria",
        "needs at least one criterion",
        {f"{_CONFIG}.TuningJobCompletionCriteria": {"TargetObjectiveMetricValue": 0.9}},
    ),
    # _tags, Tags of either operation.
    *(
        case
        for form, reserved in [("tuning", "aws:owner"), ("training", "AWS:Owner")]
        for case in (
            Case(
                form,
                "Tags",
                "_tags",
                "no reserved aws: prefix",
                {"Tags": [{"Key": reserved, "Value": "me"}]},
                "Tags[0].Key",
                "must not start with the reserved prefix 'aws:'",
                {"Tags": [{"Key": "owner-aws:", "Value": "me"}]},
            ),
            Case(
                form,
                "Tags",
                "_tags",
                "unique keys",
                {"Tags": [{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}]},
                "Tags[1].Key",
                "must be unique among the tags",
                {"Tags": [{"Key": "team", "Value": "a"}, {"Key": "Team", "Value": "b"}]},
            ),
        )
    ),
    *_job_cases(),
]

ROWS: list[Row] = [
    (operation, pattern, rule.__name__) for operation, rows in RULES.items() for pattern, rule, _ in rows
]


def _raised_by(error: BaseException) -> list[str]:
    """The functions of the rules module on the traceback, outermost first."""
    names, tb = [], error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") == "constructs_sm.api._rules":
            names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return names


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_the_change_breaks_the_rule(case: Case) -> None:
    request = changed(rules_base(case.form), case.changes)
    with pytest.raises(ValidationError) as raised:
        _request.check(OPERATION[case.form], request)
    error = raised.value
    assert (error.field, case.message in error.rule) == (case.field, True), str(error)
    assert (case.by or case.function) in _raised_by(error), (str(error), _raised_by(error))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.allowed is not None])
def test_the_same_change_within_the_rule_passes(case: Case) -> None:
    assert case.allowed is not None
    _request.check(OPERATION[case.form], changed(rules_base(case.form), case.allowed))


@pytest.mark.parametrize("form", sorted(OPERATION))
def test_the_base_request_is_valid(form: str) -> None:
    _request.check(OPERATION[form], rules_base(form))


def test_every_row_has_a_case() -> None:
    assert sorted(set(ROWS) - {case.row for case in CASES}) == []


def test_every_case_names_a_row() -> None:
    assert sorted({case.row for case in CASES} - set(ROWS)) == []


def test_rows_are_unique() -> None:
    assert len(ROWS) == len(set(ROWS))


def test_case_names_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


# Sources: "<document>, <page>[: <fields>]", the page an API shape or operation of botocore's model,
# or a guide's page title in quotes.
_SOURCE = re.compile(
    r"(?P<document>API reference|SageMaker Developer Guide|Tagging AWS resources), "
    r"(?P<page>'[^']+'|[A-Z][A-Za-z0-9]+)(: .+)?"
)
_MODEL = botocore.session.get_session().get_service_model("sagemaker")


@pytest.mark.parametrize(
    ("operation", "pattern", "source"),
    [(operation, pattern, source) for operation, rows in RULES.items() for pattern, _, source in rows],
)
def test_every_row_names_the_page_it_follows(operation: str, pattern: str, source: str) -> None:
    assert isinstance(source, str) and source.strip(), (operation, pattern)
    match = _SOURCE.fullmatch(source)
    assert match, f"{operation} {pattern!r}: {source!r} names no document and page"
    if match["document"] == "API reference":
        page = match["page"]
        assert page in _MODEL.operation_names or page in _MODEL.shape_names, f"{page}: not in botocore's model"
