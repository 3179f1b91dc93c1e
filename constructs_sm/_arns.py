"""ARNs in the stack's partition, region and account: literals where the stack knows them."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def arn(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    partition, region, account = _environment(scope)
    if not regional:
        region = account = ""
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def partition(scope: IConstruct) -> str:
    return _environment(scope)[0]


def _environment(scope: IConstruct) -> tuple[str, str, str]:
    """The stack's partition, region and account, read once per stack (each read crosses to jsii)."""
    stack = cdk.Stack.of(scope)
    cached: tuple[str, str, str] | None = stack.__dict__.get("_constructs_sm_environment")
    if cached is None:
        cached = (stack.partition, stack.region, stack.account)
        stack.__dict__["_constructs_sm_environment"] = cached
    return cached
