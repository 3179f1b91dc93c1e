"""Bucket policies see the emulated services' requests as made over TLS (constructs_sm/testing/_s3.py)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from constructs_sm.testing import OfflineAws

BUCKET = "tls-bucket"


def _policy(effect: str, secure: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": effect,
                    "Principal": {"AWS": "*"},
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": secure}},
                }
            ],
        }
    )


def test_an_enforce_ssl_deny_lets_tls_requests_through(offline_aws: OfflineAws) -> None:
    s3 = offline_aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=_policy("Deny", "false"))
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"x"


def test_a_deny_of_tls_requests_still_denies(offline_aws: OfflineAws) -> None:
    """The negative control: the condition is evaluated, not dropped."""
    s3 = offline_aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=_policy("Deny", "true"))
    with pytest.raises(ClientError, match="403|Forbidden|AccessDenied"):
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
