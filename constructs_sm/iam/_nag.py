"""cdk-nag acknowledgements of IAM wildcards, each from the statement's own ``wildcard`` reason.

A statement that holds a ``*`` in a resource says, where it is written, why AWS documents that
wildcard (``statement(..., wildcard=...)``: actions without resource-level permissions, names
generated at run time under a declared prefix). Where the statement is packed into a policy, each
such resource gets an ``AwsSolutions-IAM5[Resource::<resource as cdk-nag flattens it>]``
acknowledgement on the policy resource, with that reason (cdk-nag 2 reads it as the suppression of
``AwsSolutions-IAM5`` that applies to ``Resource::<...>``, ``core._nag``). A ``*`` without a
``wildcard`` reason is not acknowledged, so cdk-nag reports it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk

# The one writer of acknowledgements (both cdk-nag majors' forms), what PolicyPack and the reaper call.
from ..core._nag import acknowledge_all as acknowledge_all
from ..core._stack import flat_token

IAM5 = "AwsSolutions::AwsSolutions-IAM5"

_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")


def wildcard_acknowledgements(stack: cdk.Stack, item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(rule id, reason) for each wildcard resource of ``item`` (a ``_policy.Statement``), if it
    carries its wildcard reason: the reason names the statement's actions, then why the wildcard
    is documented."""
    wildcard = getattr(item, "wildcard", None)
    if wildcard is None or item.get("Effect") != "Allow":
        return []
    actions = ", ".join(sorted(_as_list(item.get("Action"))))
    found = []
    for resource in _as_list(item.get("Resource")):
        flat = _TOKEN.sub(lambda m: flat_token(stack, m.group()), resource)
        if "*" in flat:
            found.append((f"{IAM5}[Resource::{flat}]", f"{actions}: {wildcard}"))
    return found


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
