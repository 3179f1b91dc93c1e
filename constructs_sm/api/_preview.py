"""Translate the HPO preview API's CreateTuningJob request (and its boto3 form) to the current API.

Rules (each tested):
- ``TuningJobName`` -> ``HyperParameterTuningJobName``.
- ``TuningJobConfig`` -> ``HyperParameterTuningJobConfig``; inside it ``TuningJobObjective`` ->
  ``HyperParameterTuningJobObjective``.
- ``ResourceLimits.MaxClockTimeInHours`` -> ``ResourceLimits.MaxRuntimeInSeconds`` (hours x 3600).
- Each parameter range's ``Type`` is checked against the list it is in, then dropped.
- ``TrainingJobDefinition.Tags`` join the top-level ``Tags`` (the current API tags the training jobs
  of a tuning job with the tuning job's tags).
- ``AwsAccountId`` is checked against the stack's account where both are known, then dropped.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ..errors import ValidationError
from ._model import TRAINING, TUNING

PREVIEW_OPERATION = "CreateTuningJob"
"""The HPO preview API's operation (sagemakerhpo 2017-11-08); botocore has no model of it."""
PREVIEW_FIELDS = ("TuningJobName", "TuningJobConfig", "AwsAccountId")
"""Top-level fields of a preview request that no current request has."""


class RequestShape(StrEnum):
    """The forms of request :func:`tuning_workflow_from_request` and
    :func:`training_workflow_from_request` read."""

    CREATE_HYPER_PARAMETER_TUNING_JOB = TUNING
    """The current SageMaker API."""
    CREATE_TUNING_JOB = PREVIEW_OPERATION
    """The HPO preview API (sagemakerhpo 2017-11-08)."""
    CREATE_TUNING_JOB_BOTO3 = "create_tuning_job"
    """The preview API's boto3 keyword arguments, as a JSON object."""
    CREATE_TRAINING_JOB = TRAINING
    """SageMaker's CreateTrainingJob: a :class:`TrainingWorkflow`."""


_RANGE_TYPES = {
    "IntegerParameterRanges": "Integer",
    "ContinuousParameterRanges": "Continuous",
    "CategoricalParameterRanges": "Categorical",
}


def is_preview(request: dict[str, Any]) -> bool:
    return bool(set(PREVIEW_FIELDS) & set(request))


# The preview's own fields, and those it shares with the current API.
_PREVIEW_REQUEST = {*PREVIEW_FIELDS, "TrainingJobDefinition", "Tags"}


def translate(request: dict[str, Any], *, account: str | None) -> dict[str, Any]:
    """The current-API request for a preview request; ``account`` is the stack's, if known."""
    for key in request:
        if key not in _PREVIEW_REQUEST:
            raise ValidationError(key, f"is not a field of the preview {PREVIEW_OPERATION} request", request[key])
    account_id = request.get("AwsAccountId")
    if account_id is not None and account is not None and str(account_id) != account:
        raise ValidationError("AwsAccountId", f"must be the stack's account ({account})", account_id)
    current: dict[str, Any] = {}
    if "TuningJobName" in request:
        current["HyperParameterTuningJobName"] = request["TuningJobName"]
    if "TuningJobConfig" in request:
        current["HyperParameterTuningJobConfig"] = _config(request["TuningJobConfig"])
    definition = dict(request.get("TrainingJobDefinition", {}))
    tags = list(request.get("Tags", []))
    for tag in definition.pop("Tags", []):
        clash = [t for t in tags if t.get("Key") == tag.get("Key") and t.get("Value") != tag.get("Value")]
        if clash:
            raise ValidationError(
                "TrainingJobDefinition.Tags", "must not give a tag key a value other than the request's Tags", tag
            )
        if tag not in tags:
            tags.append(tag)
    if "TrainingJobDefinition" in request:
        current["TrainingJobDefinition"] = definition
    if tags:
        current["Tags"] = tags
    return current


def _config(config: Any) -> Any:
    if not isinstance(config, dict):
        return config
    current = dict(config)
    if "TuningJobObjective" in current:
        current["HyperParameterTuningJobObjective"] = current.pop("TuningJobObjective")
    limits = current.get("ResourceLimits")
    if isinstance(limits, dict) and "MaxClockTimeInHours" in limits:
        limits = dict(limits)
        hours = limits.pop("MaxClockTimeInHours")
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise ValidationError("TuningJobConfig.ResourceLimits.MaxClockTimeInHours", "must be an integer", hours)
        limits["MaxRuntimeInSeconds"] = hours * 3600
        current["ResourceLimits"] = limits
    ranges = current.get("ParameterRanges")
    if isinstance(ranges, dict):
        current["ParameterRanges"] = {key: _drop_types(key, value) for key, value in ranges.items()}
    return current


def _drop_types(key: str, ranges: Any) -> Any:
    expected = _RANGE_TYPES.get(key)
    if expected is None or not isinstance(ranges, list):
        return ranges
    translated = []
    for index, item in enumerate(ranges):
        if isinstance(item, dict) and "Type" in item:
            item = dict(item)
            found = item.pop("Type")
            if found != expected:
                raise ValidationError(
                    f"TuningJobConfig.ParameterRanges.{key}[{index}].Type", f"must be {expected!r} in {key}", found
                )
        translated.append(item)
    return translated
