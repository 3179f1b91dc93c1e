"""The KMS key that encrypts model artifacts and training volumes."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from constructs import Construct

from ..core._stack import attribute, cached, environment
from ..core._tokens import is_token
from ..errors import ValidationError


def artifact_key(
    scope: Construct,
    id: str,
    *,
    description: str = "Encrypts SageMaker model artifacts and training volumes",
    removal_policy: cdk.RemovalPolicy | None = None,
) -> kms.Key:
    """A customer managed key: rotation on, kept when the stack is deleted (it encrypts model
    artifacts) unless ``removal_policy`` says otherwise (DESTROY schedules its deletion: KMS waits
    30 days, and a redeployment creates a new key)."""
    return kms.Key(
        scope,
        id,
        description=description,
        enable_key_rotation=True,
        removal_policy=removal_policy or cdk.RemovalPolicy.RETAIN,
    )


def check_key_region(scope: Construct, key: kms.IKey) -> None:
    """SageMaker needs a key in the job's own region."""
    key_region = cached(key, "region", lambda: key.env.region)
    stack_region = environment(scope)[1]
    if is_token(key_region) or is_token(stack_region):
        return
    if key_region != stack_region:
        raise ValidationError(
            "encryption_key",
            f"must be a KMS key in the stack's region ({stack_region})",
            attribute(key, "key_arn"),
        )
