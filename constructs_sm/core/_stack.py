"""What every workflow of a stack reads, read once per stack: each read crosses to jsii."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

from ._intrinsics import to_text
from ._tokens import not_execution_path


def stack_of(scope: IConstruct) -> cdk.Stack:
    """``Stack.of(scope)``, remembered on ``scope`` (a construct of this library sets it at creation)."""
    if isinstance(scope, cdk.Stack):
        return scope
    stack: cdk.Stack | None = scope.__dict__.get("_constructs_sm_stack")
    if stack is None:
        stack = cdk.Stack.of(scope)
        remember_stack(scope, stack)
    return stack


def remember_stack(scope: IConstruct, stack: cdk.Stack) -> None:
    scope.__dict__["_constructs_sm_stack"] = stack


def app_root(scope: IConstruct) -> IConstruct:
    """``scope.node.root`` (the app), remembered on the stack."""
    stack = stack_of(scope)
    root: IConstruct | None = stack.__dict__.get("_constructs_sm_root")
    if root is None:
        root = stack.__dict__["_constructs_sm_root"] = stack.node.root
    return root


def environment(scope: IConstruct) -> tuple[str, str, str]:
    """The stack's partition, region and account (literals where the stack knows them)."""
    stack = stack_of(scope)
    cached: tuple[str, str, str] | None = stack.__dict__.get("_constructs_sm_environment")
    if cached is None:
        cached = (stack.partition, stack.region, stack.account)
        stack.__dict__["_constructs_sm_environment"] = cached
    return cached


def resolved_token(stack: cdk.Stack, token: str) -> Any:
    """A token as CloudFormation sees it (``{"Ref": ...}``, ``{"Fn::GetAtt": ...}``), resolved once per stack."""
    cache: dict[str, Any] = stack.__dict__.setdefault("_constructs_sm_tokens", {})
    if token not in cache:
        cache[token] = stack.resolve(token)
    return cache[token]


def flat_token(stack: cdk.Stack, token: str) -> str:
    """A token as cdk-nag writes it in a finding, e.g. ``<AWS::Partition>`` or ``<RoleId.Arn>``."""
    return to_text(resolved_token(stack, token), style="nag")


def attribute(owner: Any, name: str) -> Any:
    """``owner.<name>`` (None if it has none), read once per owner: a role's ARN, a key's, a VPC's id.

    A resource's attribute is a CDK token, never an ``sfn.JsonPath`` one: ``_tokens.execution_path``
    is told so, and asks jsii nothing about it."""

    def read() -> Any:
        value = getattr(owner, name, None)
        not_execution_path(value)
        return value

    return cached(owner, name, read)


def cached(owner: Any, key: str, read: Any) -> Any:
    """``read()`` once per ``owner`` (a construct, a key, a VPC), remembered in its ``__dict__``."""
    attributes = getattr(owner, "__dict__", None)
    if attributes is None:  # a value of the wrong type, about to be refused
        return read()
    store: dict[str, Any] = attributes.setdefault("_constructs_sm_cache", {})
    if key not in store:
        store[key] = read()
    return store[key]
