"""The one cdk-nag acknowledgement helper the layers below ``iam`` use (a security group's member
traffic in ``props.network``, a dead-letter queue in ``workflows.notifications``).

cdk-nag (3.x) reads acknowledgements from construct metadata (``Validations.of(scope).acknowledge``).
The acknowledgements of IAM wildcards are not here: each statement carries its own reason
(``iam._policy.statement(..., wildcard=...)``) and ``iam._nag`` acknowledges it on the policy that
holds it.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """One acknowledgement on ``scope`` (and what it contains)."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
