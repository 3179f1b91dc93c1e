"""S3 locations of training data, checkpoints and model artifacts, with the IAM they need."""

from __future__ import annotations

import re

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from ._arns import arn
from ._checks import S3_URI_PATTERN, is_unresolved
from .errors import ValidationError

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")


class S3Location:
    """An S3 bucket and key prefix.

    IAM grants are always scoped to the bucket and prefix declared here, even when the
    URI itself is read from the execution input (:meth:`from_json_path`).
    """

    def __init__(
        self,
        *,
        bucket_name: str,
        key_prefix: str,
        field: str,
        bucket: s3.IBucket | None = None,
        json_path: str | None = None,
    ) -> None:
        self.bucket_name = bucket_name
        self.key_prefix = key_prefix
        self.bucket = bucket
        self.json_path = json_path
        _check_prefix(field, key_prefix)

    @classmethod
    def from_bucket(cls, bucket: s3.IBucket, key_prefix: str = "") -> S3Location:
        """A prefix in a bucket of this app (or imported with ``Bucket.from_bucket_name``)."""
        return cls(bucket_name=bucket.bucket_name, key_prefix=key_prefix, bucket=bucket, field="key_prefix")

    @classmethod
    def from_uri(cls, uri: str) -> S3Location:
        """A location written as ``s3://bucket/prefix``."""
        if not isinstance(uri, str) or is_unresolved(uri):
            raise ValidationError(
                "uri",
                "must be a literal s3:// URI; for a value read from the execution input use S3Location.from_json_path",
                uri,
            )
        if not S3_URI_PATTERN.fullmatch(uri):
            raise ValidationError(
                "uri",
                "must be an s3:// URI such as s3://bucket/prefix/ with a valid bucket name and no spaces",
                uri,
            )
        bucket_name, _, key_prefix = uri[len("s3://") :].partition("/")
        return cls(bucket_name=bucket_name, key_prefix=key_prefix, field="uri")

    @classmethod
    def from_json_path(cls, path: str, *, bucket: s3.IBucket | str, key_prefix: str = "") -> S3Location:
        """A URI taken from the execution input at ``path`` (e.g. ``"$.TrainingDataUri"``).

        ``bucket`` and ``key_prefix`` declare where that URI may point: IAM is scoped to them.
        """
        if not isinstance(path, str) or not path.startswith("$"):
            raise ValidationError("path", "must be a JSONPath such as $.TrainingDataUri", path)
        if isinstance(bucket, str):
            if not is_unresolved(bucket) and not _BUCKET_NAME.fullmatch(bucket):
                raise ValidationError("bucket", "must be a valid S3 bucket name", bucket)
            return cls(bucket_name=bucket, key_prefix=key_prefix, json_path=path, field="key_prefix")
        return cls(
            bucket_name=bucket.bucket_name,
            key_prefix=key_prefix,
            bucket=bucket,
            json_path=path,
            field="key_prefix",
        )

    def render_uri(self) -> str:
        """The ``s3://`` URI (a token while the bucket name is one)."""
        return f"s3://{self.bucket_name}/{self.key_prefix}"

    def render_into(self, target: dict[str, object], key: str) -> None:
        """Set ``target[key]``, or ``target[key + '.$']`` when the URI comes from the input."""
        if self.json_path is not None:
            target[f"{key}.$"] = self.json_path
        else:
            target[key] = self.render_uri()

    def bucket_arn(self, scope: IConstruct) -> str:
        return arn(scope, "s3", self.bucket_name, regional=False)

    def objects_arn(self, scope: IConstruct) -> str:
        return f"{self.bucket_arn(scope)}/{self.key_prefix}*"

    def grant_read(self, grantee: iam.IRole) -> None:
        """s3:GetObject under the prefix and s3:ListBucket limited to it (SageMaker roles guide)."""
        _add(grantee, ["s3:GetObject"], [self.objects_arn(grantee)])
        _add(
            grantee,
            ["s3:ListBucket"],
            [self.bucket_arn(grantee)],
            {"StringLike": {"s3:prefix": f"{self.key_prefix}*"}} if self.key_prefix else None,
        )
        if self.bucket is not None and self.bucket.encryption_key is not None:
            self.bucket.encryption_key.grant_decrypt(grantee)

    def grant_write(self, grantee: iam.IRole) -> None:
        """s3:PutObject under the prefix, for model artifacts and checkpoints."""
        _add(grantee, ["s3:PutObject"], [self.objects_arn(grantee)])
        if self.bucket is not None and self.bucket.encryption_key is not None:
            self.bucket.encryption_key.grant_encrypt(grantee)


def _add(
    grantee: iam.IRole,
    actions: list[str],
    resources: list[str],
    conditions: dict[str, object] | None = None,
) -> None:
    grantee.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=resources, conditions=conditions))


def _check_prefix(field: str, key_prefix: str) -> None:
    if not isinstance(key_prefix, str):
        raise ValidationError(
            field, "must be a key prefix such as 'data/train/' (the bucket is given separately)", key_prefix
        )
    if is_unresolved(key_prefix):
        return
    if key_prefix.startswith(("s3://", "arn:")):
        raise ValidationError(
            field, "must be a key prefix within the bucket, not an S3 URI or ARN (use S3Location.from_uri)", key_prefix
        )
    if key_prefix.startswith("/"):
        raise ValidationError(field, "must not start with '/' (an S3 key prefix is relative)", key_prefix)
    if key_prefix != key_prefix.strip() or "\n" in key_prefix:
        raise ValidationError(field, "must not have leading or trailing whitespace", key_prefix)
    if len(key_prefix) > 1000:
        raise ValidationError(field, "must be at most 1000 characters", key_prefix)
