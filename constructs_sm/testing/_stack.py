"""The stacks deployed in the emulated account: which resources each holds, and how a stack operation fails.

CloudFormation keeps, for every stack, the resources it created; a second deployment of the stack
updates them, deleting the stack deletes them (as each one's ``DeletionPolicy`` says), and a
resource of the template whose name is taken by something the stack does not hold fails to be
created. ``Stacks`` is that record for the emulated account (``OfflineAws.stacks``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._template import TemplateResolver, references

__all__ = [
    "DELETION_POLICIES",
    "DeploymentFailedError",
    "DestroyFailedError",
    "Destroyed",
    "StackRecord",
    "StackResource",
    "Stacks",
    "handler_message",
    "stack_resources",
]

#: CloudFormation's DeletionPolicy values ("DeletionPolicy attribute", CloudFormation User Guide,
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html);
#: a resource without the attribute is deleted.
DELETION_POLICIES = ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot")


def handler_message(message: str, handler_error_code: str) -> str:
    """A resource's status reason as CloudFormation writes what a registry resource handler returned:
    ``Resource handler returned message: "<message>" (RequestToken: <uuid>, HandlerErrorCode: <code>)``
    (as stack events quoted in widdix/mastodon-on-aws#27 and aws-samples/bedrock-chat#794 show it)."""
    return f'Resource handler returned message: "{message}" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: {handler_error_code})'


@dataclass(frozen=True)
class StackResource:
    """One resource a stack holds: what it was created as, and what its deletion needs."""

    logical_id: str
    type: str
    physical_id: str
    #: Its properties, resolved as deployed (a deleter reads them: a role's inline policies...).
    properties: dict[str, Any] = field(repr=False)
    #: ``DeletionPolicy`` (``Delete`` when the template gives none).
    deletion_policy: str
    #: The logical ids it refers to or ``DependsOn``: deleted after it, as CloudFormation orders them.
    depends_on: frozenset[str]


def stack_resources(
    body: Mapping[str, Any], resolver: TemplateResolver, physical: Mapping[str, str], state_machine: str
) -> dict[str, StackResource]:
    """What the stack holds of ``body``'s resources created as ``physical`` (in that order)."""
    resources: Mapping[str, Any] = body.get("Resources") or {}
    held = {}
    for logical_id, physical_id in physical.items():
        resource = resources[logical_id]
        kind = str(resource.get("Type"))
        depends = resource.get("DependsOn") or []
        names = references(resource.get("Properties") or {}) | set([depends] if isinstance(depends, str) else depends)
        properties = {} if kind == state_machine else dict(resolver.resolve(resource.get("Properties") or {}))
        held[logical_id] = StackResource(
            logical_id=logical_id,
            type=kind,
            physical_id=physical_id,
            properties=properties,
            deletion_policy=str(resource.get("DeletionPolicy") or "Delete"),
            depends_on=frozenset((names & set(resources)) - {logical_id}),
        )
    return held


@dataclass
class StackRecord:
    """A deployed stack: its resources by logical id, in the order they were created."""

    name: str
    generation: int
    resources: dict[str, StackResource] = field(default_factory=dict)
    #: Deployed through moto's CloudFormation (``deploy(..., via_cloudformation=True)``).
    via_cloudformation: bool = False


@dataclass
class Stacks:
    """The account's stacks: those deployed, by name, and how many of each name have ended before."""

    deployed: dict[str, StackRecord] = field(default_factory=dict)
    ended: dict[str, int] = field(default_factory=dict)

    def generation(self, name: str) -> int:
        """How many stacks of this name ended (deleted, or rolled back when created) before."""
        return self.ended.get(name, 0)

    def end(self, name: str, chosen_ids: dict[tuple[str, str], str]) -> None:
        """The stack is gone (``DELETE_COMPLETE``, or ``ROLLBACK_COMPLETE``, which the next deployment
        deletes first): its resources left the stack, and its successor is a new stack."""
        self.deployed.pop(name, None)
        self.ended[name] = self.ended.get(name, 0) + 1
        for key in [key for key in chosen_ids if key[0] == name]:
            del chosen_ids[key]

    def clear(self) -> None:
        self.deployed.clear()
        self.ended.clear()


class DeploymentFailedError(RuntimeError):
    """A resource failed to be created (``CREATE_FAILED``); the deployment was rolled back.

    Attributes
    ----------
    stack_name, logical_id, resource_type:
        The stack and the resource that failed.
    status_reason:
        The resource's status reason, as CloudFormation writes it.
    handler_error_code:
        The resource handler's error code (``AlreadyExists``...).
    """

    def __init__(
        self, stack_name: str, logical_id: str, resource_type: str, status_reason: str, handler_error_code: str
    ) -> None:
        self.stack_name, self.logical_id, self.resource_type = stack_name, logical_id, resource_type
        self.status_reason, self.handler_error_code = status_reason, handler_error_code
        super().__init__(
            f"deployment of {stack_name} failed and was rolled back: {logical_id} ({resource_type}) "
            f"CREATE_FAILED: {status_reason}"
        )


class DestroyFailedError(RuntimeError):
    """Deleting the stack failed (``DELETE_FAILED``): the resources that could not be deleted, and
    those waiting for them, are still in the stack; ``destroy()`` again retries them.

    Attributes
    ----------
    stack_name:
        The stack.
    status_reasons:
        Each failed resource's status reason, as CloudFormation writes it, by logical id.
    errors:
        What the emulated service answered for each failed resource, by logical id.
    remaining:
        The resources the stack still holds (failed, or waiting for one that failed): their types.
    deleted, retained:
        What this attempt deleted and what it kept (``DeletionPolicy``), physical ids by logical id.
    """

    def __init__(
        self,
        stack_name: str,
        status_reasons: dict[str, str],
        errors: dict[str, BaseException],
        remaining: dict[str, str],
        deleted: dict[str, str],
        retained: dict[str, str],
    ) -> None:
        self.stack_name, self.status_reasons, self.errors = stack_name, status_reasons, errors
        self.remaining, self.deleted, self.retained = remaining, deleted, retained
        failures = "; ".join(
            f"{logical_id} ({remaining[logical_id]}) DELETE_FAILED: {reason} [{_answer(errors.get(logical_id))}]"
            for logical_id, reason in status_reasons.items()
        )
        super().__init__(f"destroy of {stack_name} failed: {failures}")


def _answer(error: BaseException | None) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"the service answered {response['Error'].get('Code')}: {response['Error'].get('Message')}"
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Destroyed:
    """What ``Deployment.destroy()`` did: physical ids by logical id, in the order it went.

    Attributes
    ----------
    stack_name:
        The stack, now deleted (a new deployment of it is a new stack).
    deleted:
        The resources deleted through their services (a KMS key: scheduled for deletion).
    retained:
        The resources kept in the account by their ``DeletionPolicy`` (``Retain``,
        ``RetainExceptOnCreate``).
    """

    stack_name: str
    deleted: dict[str, str]
    retained: dict[str, str]
