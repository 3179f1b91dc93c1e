"""ARNs in the stack's partition, region and account: literals where the stack knows them."""

from __future__ import annotations

from constructs import IConstruct

from ._stack import environment


def arn(scope: IConstruct, service: str, resource: str, *, regional: bool = True) -> str:
    partition, region, account = environment(scope)
    if not regional:
        region = account = ""
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def partition(scope: IConstruct) -> str:
    return environment(scope)[0]
