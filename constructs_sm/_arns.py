"""ARNs in the stack's partition, region and account: literals where the stack knows them."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def arn(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    stack = cdk.Stack.of(scope)
    region, account = (stack.region, stack.account) if regional else ("", "")
    return f"arn:{stack.partition}:{service}:{region}:{account}:{resource}"


def partition(scope: IConstruct) -> str:
    return cdk.Stack.of(scope).partition
