"""Build workflows from API request JSON: the current API, the HPO preview API and its boto3 form,
and CreateTrainingJob.

The request passes through as it is: the workflow checks it against SageMaker's API model and
the rules the model lacks (errors name the JSON path), and sets only the paths it owns
(``constructs_sm._request.OWNED_PATHS``): the role ARN (unless ``use_request_role``), the KMS
key IDs, and the job name, which becomes the prefix of the unique per-execution names
(lowercased, cut to leave room for the generated suffix: :func:`job_name_prefix`). Every other field,
those the model adds later included, reaches SageMaker unchanged; IAM follows every resource
the request names.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Unpack

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..api import _model, _preview
from ..api._preview import RequestShape as RequestShape
from ..api._request import check, check_name, literal_strings
from ..asl._job_request import TRAINING_JOB, TUNING_JOB
from ..core._tokens import is_token
from ..errors import ValidationError
from ._job_workflow import WorkflowOptions
from .training_workflow import TrainingWorkflow
from .tuning_workflow import TuningWorkflow


def _only_in(operation: str, other: str) -> frozenset[str]:
    """The top-level fields of ``operation``'s request that ``other``'s lacks, in botocore's model."""
    return frozenset(_model.input_shape(operation).members) - frozenset(_model.input_shape(other).members)


def detect_request_shape(request: Mapping[str, Any]) -> RequestShape:
    """The shape of a request, from its top-level fields: CreateTrainingJob when it has a field only
    CreateTrainingJob has (``TrainingJobName``, ``AlgorithmSpecification``, ...) and none only
    CreateHyperParameterTuningJob has; else the preview's when it has a field of the preview's own;
    else CreateHyperParameterTuningJob."""
    if not isinstance(request, Mapping):
        raise ValidationError("request", "must be a JSON object", request)
    fields = set(request)
    training_only = _only_in(TRAINING_JOB.operation, TUNING_JOB.operation)
    if fields & training_only and not fields & _only_in(TUNING_JOB.operation, TRAINING_JOB.operation):
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
    **options: Unpack[WorkflowOptions],
) -> TuningWorkflow:
    """A :class:`TuningWorkflow` that runs a tuning ``request``.

    The request's ``HyperParameterTuningJobName`` becomes the prefix of the per-execution job
    names (:func:`job_name_prefix`) unless ``job_name_prefix`` is given.

    :param shape: the request's form. @default - detected from its fields
    :param use_request_role: use the request's ``RoleArn`` as an existing role (it must already
        have the permissions the job needs) instead of a generated, least-privilege one. @default false
    :param options: what every workflow takes (:class:`WorkflowOptions`); ``encryption_key``
        replaces the request's KMS key IDs.
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
        options["role"] = _request_role(scope, id, options.get("role"), arns)
    name = _pop_name(current, TUNING_JOB.operation)
    if name is not None:
        options.setdefault("job_name_prefix", job_name_prefix(name))
    return TuningWorkflow(scope, id, request=current, **options)


def training_workflow_from_request(
    scope: Construct,
    id: str,
    request: Mapping[str, Any],
    *,
    use_request_role: bool = False,
    **options: Unpack[WorkflowOptions],
) -> TrainingWorkflow:
    """A :class:`TrainingWorkflow` that runs a CreateTrainingJob ``request``.

    The request's ``TrainingJobName`` becomes the prefix of the per-execution job names
    (:func:`job_name_prefix`) unless ``job_name_prefix`` is given.

    :param use_request_role: use the request's ``RoleArn`` as an existing role (it must already
        have the permissions the job needs) instead of a generated, least-privilege one. @default false
    :param options: what every workflow takes (:class:`WorkflowOptions`); ``encryption_key``
        replaces the request's KMS key IDs.
    """
    shape = _expect_shape(request, RequestShape.CREATE_TRAINING_JOB, training=True)
    current = to_current_request(request, shape=shape)
    if use_request_role:
        options["role"] = _request_role(scope, id, options.get("role"), {"RoleArn": current.get("RoleArn")})
    name = _pop_name(current, TRAINING_JOB.operation)
    if name is not None:
        options.setdefault("job_name_prefix", job_name_prefix(name, max_length=TRAINING_JOB.max_prefix_length))
    return TrainingWorkflow(scope, id, request=current, **options)


def job_name_prefix(name: str, *, max_length: int | None = None) -> str:
    """The request's job name as the prefix of per-execution names: lowercased, at most
    ``max_length`` characters. @default - a tuning job's longest prefix: its name's length limit
    in botocore's model less the generated suffix (``TRAINING_JOB.max_prefix_length`` for a
    training job's)"""
    limit = TUNING_JOB.max_prefix_length if max_length is None else max_length
    return name.lower()[:limit].rstrip("-")


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
    training_only = sorted(_only_in(TRAINING_JOB.operation, TUNING_JOB.operation) & set(request))
    tuning_only = sorted(_only_in(TUNING_JOB.operation, TRAINING_JOB.operation) & set(request))
    if training and detected is not RequestShape.CREATE_TRAINING_JOB:
        why = (
            f"it has {', '.join(tuning_only)}, which only {TUNING_JOB.operation} has"
            if tuning_only
            else f"no top-level field only {TRAINING_JOB.operation} has, such as {TRAINING_JOB.name_field}"
        )
        raise ValidationError(
            "request",
            f"is a {detected.value} request, not {TRAINING_JOB.operation} ({why}): build it with "
            "tuning_workflow_from_request",
            sorted(request),
        )
    if not training and RequestShape.CREATE_TRAINING_JOB in (detected, shape):
        why = f"top-level {', '.join(training_only)}" if detected is RequestShape.CREATE_TRAINING_JOB else "its shape"
        raise ValidationError(
            "request",
            f"is a {TRAINING_JOB.operation} request ({why}): build it with training_workflow_from_request",
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
