"""A job's request, from typed props or from a client's JSON, ready for a Task state.

The request is a dict in the exact shape of botocore's CreateTrainingJob or
CreateHyperParameterTuningJob input. The library owns a few paths (:data:`OWNED_PATHS`) and sets
them; everything else passes through, checked against the model and the rules.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from ..core._paths import JOB_ROOTS, find, join
from ..core._stack import attribute
from ..core._tokens import execution_path, lower
from ..errors import ValidationError
from . import _model, _rules
from ._instance_storage import local_instance_types
from ._integration import unsupported_fields, without_service_defaults
from ._model import TRAINING as TRAINING
from ._model import TUNING as TUNING

OWNED_PATHS: dict[str, list[str]] = {
    operation: [
        "TrainingJobName" if operation == TRAINING else "HyperParameterTuningJobName",
        *(
            join(job, path)
            for job in jobs
            for path in (
                "RoleArn",
                "OutputDataConfig.KmsKeyId",
                "ResourceConfig.VolumeKmsKeyId",
                "HyperParameterTuningResourceConfig.VolumeKmsKeyId",
            )
        ),
    ]
    for operation, jobs in JOB_ROOTS.items()
}
"""The paths the constructs set: the job name (per execution), the execution role, the KMS key."""

_NAME_STAND_IN = "stand-in-name"
_ROLE_STAND_IN = "arn:aws:iam::000000000000:role/stand-in"


@dataclass(frozen=True)
class JobRequest:
    """A request without its job name, with the role and key the constructs own."""

    operation: str
    body: dict[str, Any]
    declared: dict[str, Any] = field(default_factory=dict)
    """What typed props declared for values of ``body``, by JSON path (see ``core._tokens.Declared``):
    the scope of an S3 URI, an image's repository, a function, the VPC of the subnets."""

    def unsupported_by_optimized_integration(self) -> list[str]:
        return unsupported_fields(self.operation, self.body)

    def parameters(self) -> dict[str, Any]:
        """The Task state's Parameters: ``sfn.JsonPath`` tokens become ``"Field.$"`` entries."""
        rendered = render_parameters(self.body)
        assert isinstance(rendered, dict)
        return rendered


def prepare(
    operation: str,
    body: dict[str, Any],
    *,
    role: Any,
    key_arn: str,
    run_time_paths: frozenset[str] = frozenset(),
) -> JobRequest:
    """Set the owned paths, check the request against the model and the rules, drop the fields
    that hold SageMaker's own default (unless the execution input may set them). The caller grants
    the role what the request uses (``iam._grants.grant_request``)."""
    body, declared = lower(body)
    owned = _own(operation, body, attribute(role, "role_arn"), key_arn)
    validate(operation, owned)
    trimmed = without_service_defaults(operation, owned, keep=run_time_paths)
    if trimmed is not owned and not unsupported_fields(operation, trimmed):
        # Only where it keeps the optimized integration: a request that goes through aws-sdk anyway
        # is sent with every field it holds.
        owned = trimmed
    return JobRequest(operation, owned, declared)


def check(operation: str, request: dict[str, Any]) -> None:
    """Check a request against the model and the rules; owned paths it leaves out get stand-ins."""
    if not isinstance(request, dict):
        raise ValidationError("request", f"must be a {operation} request (a JSON object)", request)
    validate(operation, _own(operation, request, _ROLE_STAND_IN, None))


def validate(operation: str, request: dict[str, Any]) -> None:
    """The model, then the rules, for a request that holds its roles (its name gets a stand-in).
    A request met before (many workflows of one job definition) is not checked again."""
    try:
        key = json.dumps([operation, request], sort_keys=True)
    except (TypeError, ValueError):  # not JSON: the model says why
        key = None
    if key is not None and key in _VALID:
        return
    _model.validate(operation, {owned_name(operation): _NAME_STAND_IN, **request})
    _rules.check(operation, request)
    if key is not None:
        _VALID.add(key)


_VALID: set[str] = set()


def owned_name(operation: str) -> str:
    return OWNED_PATHS[operation][0]


def check_name(operation: str, name: Any) -> None:
    """A job name given as a literal: the model's length and pattern."""
    _model.validate_member(operation, owned_name(operation), name)


_VOLUME_CONFIGS = ("ResourceConfig", "HyperParameterTuningResourceConfig")
_VOLUME_KEY = "VolumeKmsKeyId"


def _own(operation: str, body: dict[str, Any], role_arn: str, key_arn: str | None) -> dict[str, Any]:
    """The request with the owned role and key set; ``key_arn`` None keeps the request's own keys.
    A configuration with an instance type with local storage gets no volume key, and may not hold one."""
    request = {k: copy.deepcopy(v) for k, v in body.items() if k != owned_name(operation)}
    for job in JOB_ROOTS[operation]:
        for path, definition in list(find(request, job)):
            if not isinstance(definition, dict):
                continue
            local = {
                parent: _local_storage(operation, job, path, parent, definition[parent])
                for parent in _VOLUME_CONFIGS
                if isinstance(definition.get(parent), dict)
            }
            if key_arn is None:
                definition.setdefault("RoleArn", role_arn)
                continue
            definition["RoleArn"] = role_arn
            if isinstance(definition.get("OutputDataConfig"), dict):
                definition["OutputDataConfig"] = {**definition["OutputDataConfig"], "KmsKeyId": key_arn}
            for parent, has_local in local.items():
                if not has_local:
                    definition[parent] = {**definition[parent], _VOLUME_KEY: key_arn}
    return request


def _local_storage(operation: str, job: str, path: str, parent: str, config: dict[str, Any]) -> bool:
    """Whether ``config`` names an instance type with local storage; refuse its volume key then."""
    local = local_instance_types(operation, join(job, parent), config)
    if local and _VOLUME_KEY in config:
        # SageMaker API Reference, ResourceConfig / HyperParameterTuningResourceConfig: "You can't
        # request a VolumeKmsKeyId when using an instance type with local storage."
        where, instance_type = local[0]
        raise ValidationError(
            join(join(path, parent), _VOLUME_KEY),
            f"must be absent: {join(join(path, parent), where)} is {instance_type}, an instance type with "
            "local storage, which its hardware module encrypts (SageMaker refuses a VolumeKmsKeyId there)",
            config[_VOLUME_KEY],
        )
    return bool(local)


def render_parameters(value: Any, at: str = "") -> Any:
    """A request as a Task state's Parameters: ``sfn.JsonPath`` tokens become ``\"Field.$\"`` entries."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            path = execution_path(item)
            if path is not None:
                out[f"{key}.$"] = path
            else:
                out[key] = render_parameters(item, join(at, key))
        return out
    if isinstance(value, list):
        for index, item in enumerate(value):
            if execution_path(item) is not None:
                raise ValidationError(
                    f"{at}[{index}]",
                    "cannot be read at execution time: Amazon States Language takes paths in objects, not in lists",
                    execution_path(item),
                )
        return [render_parameters(item, f"{at}[{index}]") for index, item in enumerate(value)]
    return value


def literal_strings(value: Any, at: str = "") -> Any:
    """Reject strings that could pass for CDK tokens in a request read from a file."""
    if isinstance(value, str) and "${Token[" in value:
        raise ValidationError(at or "request", "must not contain '${Token[' (CDK's token syntax)", value)
    if isinstance(value, dict):
        for key, item in value.items():
            literal_strings(key, at)
            literal_strings(item, join(at, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            literal_strings(item, f"{at}[{index}]")
    return value
