"""The role, key and network shared by the training jobs of one task or workflow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .encryption_key import artifact_key, check_key_region
from .network import BoundVpcConfig, VpcConfig
from .role import SageMakerExecutionRole, grant_key_use


class TrainingJobDefinitionLike(Protocol):
    @property
    def vpc_config(self) -> VpcConfig | None: ...

    def grant(self, grantee: iam.IRole) -> None: ...


@dataclass(frozen=True)
class JobResources:
    role: iam.IRole
    key: kms.IKey | None
    vpc: BoundVpcConfig | None

    @property
    def key_arn(self) -> str | None:
        return None if self.key is None else self.key.key_arn


def bind_job_resources(
    scope: Construct,
    *,
    definitions: Sequence[TrainingJobDefinitionLike],
    role: iam.IRole | None,
    encryption_key: kms.IKey | None,
) -> JobResources:
    """Create what was not given (role, key, security group) and grant the role what the jobs use."""
    if encryption_key is None:
        encryption_key = artifact_key(scope, "Key")
    else:
        check_key_region(scope, encryption_key)
    if role is None:
        role = SageMakerExecutionRole(scope, "ExecutionRole")
    vpc_configs = {id(d.vpc_config): d.vpc_config for d in definitions if d.vpc_config is not None}
    vpc = (
        BoundVpcConfig(
            scope, next(iter(vpc_configs.values())), distributed=not all(_single_instance(d) for d in definitions)
        )
        if vpc_configs
        else None
    )
    for definition in definitions:
        if _first_grant(role, ("definition", repr(definition))):
            definition.grant(role)
    if _first_grant(role, ("key", encryption_key.key_arn)):
        grant_key_use(encryption_key, role)
    if vpc is not None and _first_grant(
        role, ("vpc", vpc.vpc.vpc_id, *vpc.subnet_ids, *vpc.render()["SecurityGroupIds"])
    ):
        vpc.grant(role)
    return JobResources(role=role, key=encryption_key, vpc=vpc)


def _first_grant(role: iam.IRole, grant: tuple[str, ...]) -> bool:
    """Whether ``role`` has not yet received ``grant``: a role shared by many workflows gets each
    grant once, which keeps its policies small and synthesis fast."""
    granted: set[tuple[str, ...]] = role.__dict__.setdefault("_constructs_sm_grants", set())
    if grant in granted:
        return False
    granted.add(grant)
    return True


def _single_instance(definition: TrainingJobDefinitionLike) -> bool:
    """Whether every training job runs on one instance, so its instances need no traffic between them."""
    config = getattr(definition, "resource_config", None)
    if config is None or tuple(getattr(config, "instance_groups", None) or ()):
        return False
    return getattr(config, "instance_count", None) in (None, 1)
