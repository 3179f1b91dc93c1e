"""The role and key of a task's or a workflow's training jobs, and its request, made ready."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ..api._request import JobRequest, prepare
from ..core._paths import JOB_ROOTS, find
from ..core._stack import attribute, cached, environment
from ..core._tokens import is_token
from ..errors import ValidationError
from ..props._request_body import RequestBody
from ..props.network import allow_member_traffic
from ._grants import ManifestData, grant_request
from .encryption_key import artifact_key, check_key_region
from .role import SageMakerExecutionRole, grant_key_use


@dataclass(frozen=True)
class JobResources:
    role: iam.IRole
    key: kms.IKey
    request: JobRequest


def bind_job_resources(
    scope: Construct,
    operation: str,
    body: RequestBody,
    *,
    role: iam.IRole | None,
    encryption_key: kms.IKey | None,
    manifest_data: ManifestData | None = None,
    run_time_paths: Collection[str] = (),
    removal_policy: cdk.RemovalPolicy | None = None,
) -> JobResources:
    """Create what was not given (role, key), check the request and grant the role what the jobs use.

    ``run_time_paths`` are the request's paths the execution input may set (the workflow's
    run-time parameters): an ``InstanceCount`` among them may exceed 1.
    """
    if role is not None and attribute(role, "role_arn") is None:
        raise ValidationError("role", "must be an iam.IRole", role)
    if encryption_key is None:
        encryption_key = artifact_key(scope, "Key", removal_policy=removal_policy)
    elif attribute(encryption_key, "key_arn") is None:
        raise ValidationError("encryption_key", "must be a kms.IKey", encryption_key)
    else:
        check_key_region(scope, encryption_key)
    if role is None:
        role = SageMakerExecutionRole(scope, "ExecutionRole")
    else:
        _check_role_account(scope, role)
    key_arn = attribute(encryption_key, "key_arn")
    paths = frozenset(p for p in run_time_paths if isinstance(p, str))  # others: refused where declared
    rendered = body(scope)
    if not single_instance(operation, rendered, paths):
        allow_member_traffic(scope)
    request = prepare(operation, rendered, role=role, key_arn=key_arn, run_time_paths=paths)
    grant_request(role, request, manifest_data)
    granted: set[str] = role.__dict__.setdefault("_constructs_sm_keys", set())
    if key_arn not in granted:
        granted.add(key_arn)
        grant_key_use(encryption_key, role)
    return JobResources(role=role, key=encryption_key, request=request)


def _check_role_account(scope: Construct, role: iam.IRole) -> None:
    """iam:PassRole passes only roles of the stack's own account."""
    role_account, stack_account = cached(role, "account", lambda: role.env.account), environment(scope)[2]
    if not is_token(role_account) and not is_token(stack_account) and role_account != stack_account:
        raise ValidationError(
            "role", f"must be a role of the stack's account ({stack_account})", attribute(role, "role_arn")
        )


def single_instance(operation: str, request: dict[str, Any], run_time_paths: Collection[str] = ()) -> bool:
    """Whether every training job of ``request`` runs on one instance, so that its instances need no
    traffic between them: no instance groups, every ``InstanceCount`` a literal 1 that the execution
    input may not change."""
    if any(path.rpartition(".")[2] == _COUNT for path in run_time_paths):
        return False
    for root in JOB_ROOTS[operation]:
        for _path, definition in find(request, root):
            if not isinstance(definition, dict):
                continue
            for parent in ("ResourceConfig", "HyperParameterTuningResourceConfig"):
                config = definition.get(parent)
                if isinstance(config, dict) and (config.get("InstanceGroups") or any(c != 1 for c in _counts(config))):
                    return False
    return True


_COUNT = "InstanceCount"


def _counts(value: Any) -> list[Any]:
    """Every ``InstanceCount`` in a resource configuration: its own, its groups', configurations', preferences'."""
    if isinstance(value, dict):
        return [c for key, item in value.items() for c in ([item] if key == _COUNT else _counts(item))]
    if isinstance(value, list):
        return [c for item in value for c in _counts(item)]
    return []
