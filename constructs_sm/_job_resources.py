"""The role and key of a task's or a workflow's training jobs, and its request, made ready."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._grants import ManifestData
from ._request import JobRequest, prepare
from ._stack import attribute, cached, environment
from ._tokens import is_token
from .encryption_key import artifact_key, check_key_region
from .errors import ValidationError
from .role import SageMakerExecutionRole, grant_key_use

RequestBody = Callable[[Construct], dict[str, Any]]
"""The request without its job name, role and key; given the scope to create what it needs (a security group)."""


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
) -> JobResources:
    """Create what was not given (role, key), check the request and grant the role what the jobs use."""
    if role is not None and attribute(role, "role_arn") is None:
        raise ValidationError("role", "must be an iam.IRole", role)
    if encryption_key is None:
        encryption_key = artifact_key(scope, "Key")
    elif attribute(encryption_key, "key_arn") is None:
        raise ValidationError("encryption_key", "must be a kms.IKey", encryption_key)
    else:
        check_key_region(scope, encryption_key)
    if role is None:
        role = SageMakerExecutionRole(scope, "ExecutionRole")
    else:
        _check_role_account(scope, role)
    key_arn = attribute(encryption_key, "key_arn")
    request = prepare(operation, body(scope), role=role, key_arn=key_arn, manifest_data=manifest_data)
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


def single_instance(definitions: list[dict[str, Any]]) -> bool:
    """Whether every training job runs on one instance, so its instances need no traffic between them."""
    for definition in definitions:
        config = definition.get("ResourceConfig") or definition.get("HyperParameterTuningResourceConfig") or {}
        counts = [c.get("InstanceCount") for c in config.get("InstanceConfigs", [])] or [config.get("InstanceCount")]
        if config.get("InstanceGroups") or any(count != 1 for count in counts):
            return False
    return True
