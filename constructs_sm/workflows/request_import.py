"""Build workflows from API request JSON: the current API, the HPO preview API and its boto3 form,
and CreateTrainingJob.

The request passes through as it is: the workflow checks it against SageMaker's API model and
the rules the model lacks (errors name the JSON path), and sets only the paths it owns
(``constructs_sm._request.OWNED_PATHS``): the role ARN (unless ``use_request_role``), the KMS
key IDs, and the job name, which becomes the prefix of the unique per-execution names
(lowercased, at most 19 characters for a tuning job, 50 for a training job). Every other field,
those the model adds later included, reaches SageMaker unchanged; IAM follows every resource
the request names.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ..api import _preview
from ..api._request import check, check_name, literal_strings
from ..asl._job_request import TRAINING_JOB, TUNING_JOB
from ..asl._workflow_states import SUFFIX_LENGTH
from ..core._tokens import is_token
from ..errors import ValidationError
from ..iam._grants import ManifestData
from .training_workflow import TrainingIntegration, TrainingWorkflow
from .tuning_workflow import TuningIntegration, TuningWorkflow

# The generated names add "-" and 12 hex digits to the prefix.
_TUNING_PREFIX_LENGTH = TUNING_JOB.max_name_length - SUFFIX_LENGTH
_TRAINING_PREFIX_LENGTH = TRAINING_JOB.max_name_length - SUFFIX_LENGTH


class RequestShape(StrEnum):
    """The forms of request :func:`tuning_workflow_from_request` and
    :func:`training_workflow_from_request` read."""

    CREATE_HYPER_PARAMETER_TUNING_JOB = "CreateHyperParameterTuningJob"
    """The current SageMaker API."""
    CREATE_TUNING_JOB = "CreateTuningJob"
    """The HPO preview API (sagemakerhpo 2017-11-08)."""
    CREATE_TUNING_JOB_BOTO3 = "create_tuning_job"
    """The preview API's boto3 keyword arguments, as a JSON object."""
    CREATE_TRAINING_JOB = "CreateTrainingJob"
    """SageMaker's CreateTrainingJob: a :class:`TrainingWorkflow`."""


def detect_request_shape(request: Mapping[str, Any]) -> RequestShape:
    """The shape of a request, from its top-level fields."""
    if not isinstance(request, Mapping):
        raise ValidationError("request", "must be a JSON object", request)
    if {"TrainingJobName", "AlgorithmSpecification"} & set(request):
        return RequestShape.CREATE_TRAINING_JOB
    if _preview.is_preview(dict(request)):
        return RequestShape.CREATE_TUNING_JOB
    return RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB


def to_current_request(
    request: Mapping[str, Any], *, shape: RequestShape | None = None, account: str | None = None
) -> dict[str, Any]:
    """The request in the current API's shape, checked against SageMaker's API model and the rules:
    the preview shapes become a CreateHyperParameterTuningJob request; the current ones are
    copied as they are."""
    shape = shape or detect_request_shape(request)
    current: dict[str, Any] = literal_strings(copy.deepcopy(dict(request)))
    if shape in (RequestShape.CREATE_TUNING_JOB, RequestShape.CREATE_TUNING_JOB_BOTO3):
        current = _preview.translate(current, account=account)
    training = shape is RequestShape.CREATE_TRAINING_JOB
    check(TRAINING_JOB.operation if training else TUNING_JOB.operation, current)
    return current


def tuning_workflow_from_request(
    scope: Construct,
    id: str,
    request: Mapping[str, Any],
    *,
    shape: RequestShape | None = None,
    use_request_role: bool = False,
    role: iam.IRole | None = None,
    encryption_key: kms.IKey | None = None,
    integration: TuningIntegration | str | None = None,
    polling_interval: cdk.Duration | None = None,
    timeout: cdk.Duration | None = None,
    manifest_data: ManifestData | None = None,
) -> TuningWorkflow:
    """A :class:`TuningWorkflow` that runs a tuning ``request``.

    :param shape: the request's form. @default - detected from its fields
    :param use_request_role: use the request's ``RoleArn`` as an existing role (it must already
        have the permissions the job needs) instead of a generated, least-privilege one. @default false
    :param role: an existing execution role. @default - generated, or the request's with ``use_request_role``
    :param encryption_key: replaces the request's KMS key IDs. @default - a new key with rotation
    :param integration: force one integration. @default - chosen from the request's fields
    :param manifest_data: per manifest channel, the S3 locations its manifest lists. @default - none
    """
    shape = _expect_shape(request, shape, training=False)
    stack = cdk.Stack.of(scope)
    current = to_current_request(request, shape=shape, account=None if is_token(stack.account) else stack.account)
    if use_request_role:
        arns: dict[str, Any] = {}
        if isinstance(current.get("TrainingJobDefinition"), dict):
            arns["TrainingJobDefinition.RoleArn"] = current["TrainingJobDefinition"].get("RoleArn")
        for index, definition in enumerate(current.get("TrainingJobDefinitions") or []):
            if isinstance(definition, dict):
                arns[f"TrainingJobDefinitions[{index}].RoleArn"] = definition.get("RoleArn")
        role = _request_role(scope, id, role, arns)
    name = _pop_name(current, TUNING_JOB.operation)
    return TuningWorkflow(
        scope,
        id,
        request=current,
        job_name_prefix=None if name is None else job_name_prefix(name),
        role=role,
        encryption_key=encryption_key,
        integration=integration,
        polling_interval=polling_interval,
        timeout=timeout,
        manifest_data=manifest_data,
    )


def training_workflow_from_request(
    scope: Construct,
    id: str,
    request: Mapping[str, Any],
    *,
    use_request_role: bool = False,
    role: iam.IRole | None = None,
    encryption_key: kms.IKey | None = None,
    integration: TrainingIntegration | str | None = None,
    polling_interval: cdk.Duration | None = None,
    timeout: cdk.Duration | None = None,
    manifest_data: ManifestData | None = None,
) -> TrainingWorkflow:
    """A :class:`TrainingWorkflow` that runs a CreateTrainingJob ``request``.

    The request's ``TrainingJobName`` becomes the prefix of the per-execution job names
    (lowercased, at most 50 characters).

    :param use_request_role: use the request's ``RoleArn`` as an existing role (it must already
        have the permissions the job needs) instead of a generated, least-privilege one. @default false
    :param role: an existing execution role. @default - generated, or the request's with ``use_request_role``
    :param encryption_key: replaces the request's KMS key IDs. @default - a new key with rotation
    :param integration: force one integration. @default - chosen from the request's fields
    :param manifest_data: per manifest channel, the S3 locations its manifest lists. @default - none
    """
    shape = _expect_shape(request, RequestShape.CREATE_TRAINING_JOB, training=True)
    current = to_current_request(request, shape=shape)
    if use_request_role:
        role = _request_role(scope, id, role, {"RoleArn": current.get("RoleArn")})
    name = _pop_name(current, TRAINING_JOB.operation)
    return TrainingWorkflow(
        scope,
        id,
        request=current,
        job_name_prefix=None if name is None else job_name_prefix(name, max_length=_TRAINING_PREFIX_LENGTH),
        role=role,
        encryption_key=encryption_key,
        integration=integration,
        polling_interval=polling_interval,
        timeout=timeout,
        manifest_data=manifest_data,
    )


def job_name_prefix(name: str, *, max_length: int = _TUNING_PREFIX_LENGTH) -> str:
    """The request's job name as the prefix of per-execution names: lowercased, at most
    ``max_length`` characters (19 for a tuning job, 50 for a training job)."""
    return name.lower()[:max_length].rstrip("-")


def _pop_name(request: dict[str, Any], operation: str) -> str | None:
    """The request's job name, checked against the model, taken out: each execution names its job."""
    field = TUNING_JOB.name_field if operation == TUNING_JOB.operation else TRAINING_JOB.name_field
    if field not in request:
        return None
    check_name(operation, request[field])
    name: str = request.pop(field)
    return name


def _expect_shape(request: Mapping[str, Any], shape: RequestShape | None, *, training: bool) -> RequestShape:
    """The request's shape, which must be a training shape for a TrainingWorkflow and a tuning one otherwise."""
    detected = detect_request_shape(request)
    if training and detected is not RequestShape.CREATE_TRAINING_JOB:
        raise ValidationError(
            "request",
            f"is a {detected.value} request, not CreateTrainingJob (no top-level TrainingJobName or "
            "AlgorithmSpecification): build it with tuning_workflow_from_request",
            sorted(request),
        )
    if not training and RequestShape.CREATE_TRAINING_JOB in (detected, shape):
        raise ValidationError(
            "request",
            "is a CreateTrainingJob request (top-level TrainingJobName or AlgorithmSpecification): "
            "build it with training_workflow_from_request",
            sorted(request),
        )
    return shape or detected


def _request_role(scope: Construct, id: str, role: iam.IRole | None, arns: dict[str, Any]) -> iam.IRole:
    """The request's ``RoleArn`` as an existing role; several definitions must name the same one."""
    if role is not None:
        raise ValidationError("role", "must not be given with use_request_role", role)
    for path, arn in arns.items():
        if arn is None:
            raise ValidationError(path, "is required with use_request_role", None)
    distinct = sorted(set(arns.values()))
    if len(distinct) != 1:
        raise ValidationError(
            next(reversed(arns)), "must be the same role as the other definitions' with use_request_role", distinct
        )
    account = cdk.Stack.of(scope).account
    role_account = distinct[0].split(":")[4] if isinstance(distinct[0], str) and distinct[0].count(":") >= 5 else None
    if not is_token(account) and role_account is not None and role_account != account:
        # iam:PassRole passes only roles of the stack's own account.
        raise ValidationError(next(iter(arns)), f"must be a role of the stack's account ({account})", distinct[0])
    return iam.Role.from_role_arn(scope, f"{id}RequestRole", distinct[0], mutable=False)
