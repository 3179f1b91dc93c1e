"""A job's request body, before the constructs set its name, role and keys: joined from typed
props (each renders its fragment), or a client's request as given. Either is a
:data:`RequestBody`, rendered once the job's role and key exist."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from constructs import Construct

from ..errors import ValidationError
from ._props import items
from .training_job_definition import TrainingJobDefinition
from .tuning_config import HyperParameterTuningJobConfig, WarmStartConfig

RequestBody = Callable[[Construct], dict[str, Any]]
"""The request without its job name, role and key; given the scope to create what it needs (a security group)."""


def render_tags(tags: Mapping[str, str] | None) -> dict[str, Any]:
    """``{"Tags": [...]}``, or nothing without tags."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise ValidationError("tags", "must be a dict of tag keys to values", tags)
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}


def _definitions(
    scope: Construct, definitions: list[TrainingJobDefinition], fields: list[str], *, tuning: bool
) -> list[dict[str, Any]]:
    """Each definition's fragment; their one VpcConfig (a security group is created once; whether
    its members talk to each other is decided with the whole request, in ``bind_job_resources``)."""
    rendered = [d.render(field, tuning=tuning) for d, field in zip(definitions, fields, strict=True)]
    configs = {id(d.vpc_config): d.vpc_config for d in definitions if d.vpc_config is not None}
    if len(configs) > 1 or (configs and any(d.vpc_config is None for d in definitions)):
        raise ValidationError(
            f"{fields[-1]}.VpcConfig",
            "must be the same VpcConfig in every definition (one workflow, one network)",
            None,
        )
    if configs:
        vpc = next(iter(configs.values())).render(scope)
        for fragment in rendered:
            fragment["VpcConfig"] = vpc
    return rendered


def tuning_body(
    *,
    config: HyperParameterTuningJobConfig,
    definition: TrainingJobDefinition | None,
    definitions: Sequence[TrainingJobDefinition],
    warm_start_config: WarmStartConfig | None,
    tags: Mapping[str, str] | None,
    autotune: bool,
) -> RequestBody:
    if not isinstance(config, HyperParameterTuningJobConfig):
        raise ValidationError("hyper_parameter_tuning_job_config", "must be a HyperParameterTuningJobConfig", config)
    several = items("training_job_definitions", definitions, TrainingJobDefinition)
    if definition is not None and not isinstance(definition, TrainingJobDefinition):
        raise ValidationError("training_job_definition", "must be a TrainingJobDefinition", definition)

    def body(scope: Construct) -> dict[str, Any]:
        request: dict[str, Any] = {"HyperParameterTuningJobConfig": config.render("HyperParameterTuningJobConfig")}
        if definition is not None:
            (request["TrainingJobDefinition"],) = _definitions(
                scope, [definition], ["TrainingJobDefinition"], tuning=True
            )
        if several:
            fields = [f"TrainingJobDefinitions[{i}]" for i in range(len(several))]
            request["TrainingJobDefinitions"] = _definitions(scope, several, fields, tuning=True)
        if warm_start_config is not None:
            request["WarmStartConfig"] = warm_start_config.render("WarmStartConfig")
        request.update(render_tags(tags))
        if autotune:
            request["Autotune"] = {"Mode": "Enabled"}
        return request

    return body


def training_body(*, definition: TrainingJobDefinition, tags: Mapping[str, str] | None) -> RequestBody:
    if not isinstance(definition, TrainingJobDefinition):
        raise ValidationError("training_job_definition", "must be a TrainingJobDefinition", definition)

    def body(scope: Construct) -> dict[str, Any]:
        (request,) = _definitions(scope, [definition], [""], tuning=False)
        return {**request, **render_tags(tags)}

    return body


def request_body(operation: str, request: Any, typed: Mapping[str, Any]) -> RequestBody:
    """A client's ``request`` as given (checked with the rest of the request later); the typed props
    (``typed``: name -> value, None or empty when not given) may not be given beside it."""
    given = [name for name, value in typed.items() if value not in (None, False, (), [])]
    if given:
        raise ValidationError(
            "request", f"replaces the typed props: give request or the typed props, not both ({', '.join(given)})", None
        )
    if not isinstance(request, Mapping):
        raise ValidationError("request", f"must be a {operation} request (a dict)", request)
    return lambda _scope: dict(request)
