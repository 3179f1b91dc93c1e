"""S3 as the emulated services reach it: over TLS.

Every AWS SDK and Step Functions' S3 integrations (``ItemReader``, ``ResultWriter``) call S3 over
HTTPS, so a bucket policy's ``aws:SecureTransport`` is ``true`` for them (Amazon S3 User Guide,
"Security best practices for Amazon S3": deny requests with ``"aws:SecureTransport": "false"``;
aws-cdk-lib's ``enforce_ssl``). moto evaluates bucket policies without that key, so such a Deny
matched every request; here the bucket's policy is evaluated with it. A request made without TLS
is not something the emulator can receive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._moto import FakeBucket, IAMPolicy, PermissionResult, replaced


def _over_tls(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement as it applies to a request over TLS: None when its ``Bool``
    ``aws:SecureTransport`` condition asks for a request without TLS; the condition dropped when it
    asks for one with TLS. (moto's policy evaluation skips ``Bool`` conditions: the statement would
    apply to every request.)"""
    conditions = dict(statement.get("Condition") or {})
    flags = dict(conditions.get("Bool") or {})
    if "aws:SecureTransport" not in flags:
        return statement
    wanted = flags.pop("aws:SecureTransport")
    values = wanted if isinstance(wanted, list) else [wanted]
    if "true" not in [str(v).lower() for v in values]:
        return None
    if flags:
        conditions["Bool"] = flags
    else:
        conditions.pop("Bool")
    return {**statement, "Condition": conditions} if conditions else {k: v for k, v in statement.items() if k != "Condition"}


def _get_permission(self: Any, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(self.policy.decode())
    given = policy.get("Statement", [])
    statements = [s for s in (_over_tls(each) for each in (given if isinstance(given, list) else [given])) if s]
    if not statements:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**policy, "Statement": statements})).is_action_permitted(action, resource)


@contextmanager
def requests_over_tls() -> Iterator[None]:
    """Evaluate bucket policies for requests made over TLS, for the block."""
    with replaced(FakeBucket, "get_permission", _get_permission):
        yield
