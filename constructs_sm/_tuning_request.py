"""The CreateHyperParameterTuningJob request and the IAM it needs, shared by the task and the workflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._api_model import validate_request
from ._checks import check_count
from ._job_request import render_tags, uses_optimized_integration
from ._job_resources import JobResources
from .errors import ValidationError
from .training_job_definition import TrainingJobDefinition
from .tuning_config import (
    AutoParameter,
    HyperParameterTuningJobConfig,
    WarmStartConfig,
    check_grid_ranges,
    render_parameter_ranges,
)

# The request fields the optimized createHyperParameterTuningJob integration takes
# (Step Functions developer guide, "Create and manage Amazon SageMaker jobs"): not
# TrainingJobDefinitions nor Autotune, which go through the aws-sdk integration.
OPTIMIZED_FIELDS = frozenset(
    {
        "HyperParameterTuningJobName",
        "HyperParameterTuningJobConfig",
        "TrainingJobDefinition",
        "WarmStartConfig",
        "Tags",
    }
)
OPTIMIZED_RESOURCE = "arn:{partition}:states:::sagemaker:createHyperParameterTuningJob"
SDK_RESOURCE = "arn:{partition}:states:::aws-sdk:sagemaker:createHyperParameterTuningJob"


@dataclass(frozen=True, kw_only=True)
class TuningRequest:
    """Everything of a CreateHyperParameterTuningJob request but its name."""

    config: HyperParameterTuningJobConfig
    definition: TrainingJobDefinition | None = None
    definitions: Sequence[TrainingJobDefinition] = ()
    warm_start_config: WarmStartConfig | None = None
    tags: Mapping[str, str] | None = None
    autotune: bool = False

    def render(self, resources: JobResources) -> dict[str, Any]:
        """The request without ``HyperParameterTuningJobName``, checked against SageMaker's API model."""
        request: dict[str, Any] = {"HyperParameterTuningJobConfig": self.config.render("HyperParameterTuningJobConfig")}
        if self.definition is not None and self.definitions:
            raise ValidationError(
                "TrainingJobDefinitions",
                "takes training_job_definition or training_job_definitions, not both",
                [d.definition_name for d in self.definitions],
            )
        if self.definition is not None:
            request["TrainingJobDefinition"] = self._render_single(self.definition, resources)
        elif self.definitions:
            request["TrainingJobDefinitions"] = self._render_several(resources)
        else:
            raise ValidationError(
                "TrainingJobDefinition",
                "needs exactly one of training_job_definition or training_job_definitions",
                None,
            )
        self._check_auto_parameters()
        if self.warm_start_config is not None:
            request["WarmStartConfig"] = self.warm_start_config.render("WarmStartConfig")
        request.update(render_tags(self.tags))
        if self.autotune:
            request["Autotune"] = {"Mode": "Enabled"}
        validate_request("CreateHyperParameterTuningJob", {**request, "HyperParameterTuningJobName.$": "$"})
        return request

    @property
    def all_definitions(self) -> list[TrainingJobDefinition]:
        return [self.definition] if self.definition is not None else list(self.definitions)

    def _render_single(self, definition: TrainingJobDefinition, resources: JobResources) -> dict[str, Any]:
        field = "TrainingJobDefinition"
        if self.config.objective is None:
            raise ValidationError(
                "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective",
                "is required with a single training_job_definition",
                None,
            )
        for name, value in (
            ("DefinitionName", definition.definition_name),
            ("TuningObjective", definition.tuning_objective),
            ("HyperParameterRanges", list(definition.hyper_parameter_ranges) or None),
        ):
            if value is not None:
                raise ValidationError(
                    f"{field}.{name}",
                    "is only allowed in training_job_definitions (a single definition uses the tuning job config's)",
                    value,
                )
        _check_static_not_tuned(field, definition, self.config.parameter_ranges)
        return definition.render(field, resources, tuning=True)

    def _render_several(self, resources: JobResources) -> list[dict[str, Any]]:
        check_count("TrainingJobDefinitions", self.definitions, 1, 10)
        for name, value in (
            ("HyperParameterTuningJobObjective", self.config.objective),
            ("ParameterRanges", list(self.config.parameter_ranges) or None),
        ):
            if value is not None:
                raise ValidationError(
                    f"HyperParameterTuningJobConfig.{name}",
                    "must not be set with training_job_definitions (each definition has its own)",
                    value,
                )
        rendered, seen = [], set()
        for index, definition in enumerate(self.definitions):
            field = f"TrainingJobDefinitions[{index}]"
            if definition.definition_name is None or definition.tuning_objective is None:
                raise ValidationError(
                    f"{field}.{'DefinitionName' if definition.definition_name is None else 'TuningObjective'}",
                    "is required in each of several training job definitions",
                    None,
                )
            if definition.definition_name in seen:
                raise ValidationError(
                    f"{field}.DefinitionName", "must be unique among the definitions", definition.definition_name
                )
            seen.add(definition.definition_name)
            _check_static_not_tuned(field, definition, definition.hyper_parameter_ranges)
            item = definition.render(field, resources, tuning=True)
            ranges = render_parameter_ranges(f"{field}.HyperParameterRanges", definition.hyper_parameter_ranges)
            check_grid_ranges(f"{field}.HyperParameterRanges", ranges, self.config.strategy)
            if ranges:
                item = {**_after(item, "TuningObjective", {"HyperParameterRanges": ranges})}
            rendered.append(item)
        return rendered

    def _check_auto_parameters(self) -> None:
        ranges = [*self.config.parameter_ranges, *(r for d in self.definitions for r in d.hyper_parameter_ranges)]
        auto = [r.name for r in ranges if isinstance(r, AutoParameter)]
        if auto and not self.autotune:
            raise ValidationError("ParameterRanges.AutoParameters", "are only used with autotune=True", auto)

    @staticmethod
    def uses_optimized_integration(request: Mapping[str, Any]) -> bool:
        """Whether the optimized integration takes every field; else the aws-sdk integration runs it."""
        return uses_optimized_integration(request, OPTIMIZED_FIELDS)


def _check_static_not_tuned(field: str, definition: TrainingJobDefinition, ranges: Sequence[Any]) -> None:
    overlap = set(definition.static_hyper_parameters) & {r.name for r in ranges}
    if overlap:
        raise ValidationError(
            f"{field}.StaticHyperParameters",
            "must not name a hyperparameter that is also in ParameterRanges",
            sorted(overlap),
        )


def _after(mapping: dict[str, Any], key: str, entries: dict[str, Any]) -> dict[str, Any]:
    """``mapping`` with ``entries`` inserted after ``key``, in the API reference's field order."""
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        out[k] = v
        if k == key:
            out.update(entries)
    return out
