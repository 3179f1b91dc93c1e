"""S3 locations of training data, checkpoints and model artifacts."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_s3 as s3

from ..api import _s3_uri
from ..api._rules import policy_characters
from ..api._s3_uri import S3Scope
from ..core._tokens import Declared, is_token
from ..errors import ValidationError

_S3_FORM = "must be an s3:// URI such as s3://bucket/prefix/ with a valid bucket name and no spaces"


class S3Location:
    """An S3 bucket and key prefix.

    IAM grants are scoped to the bucket and prefix declared here, even when the URI itself is
    read from the execution input (:meth:`from_json_path`).
    """

    def __init__(
        self, *, bucket_name: str, key_prefix: str, field: str = "key_prefix", bucket: s3.IBucket | None = None
    ) -> None:
        _s3_uri.check_bucket_name("bucket", bucket_name)
        _check_prefix(field, key_prefix)
        self.bucket_name = bucket_name
        self.key_prefix = key_prefix
        self.bucket = bucket
        self.uri: Any = f"s3://{bucket_name}/{key_prefix}"
        """The URI the request holds: ``s3://``, the ``https://`` URL given to :meth:`from_uri`, or the
        ``sfn.JsonPath`` token it is read from."""

    @property
    def scope(self) -> S3Scope:
        """The bucket (and the app's bucket object, if any) and key prefix IAM is scoped to."""
        return S3Scope(self.bucket_name, self.key_prefix, self.bucket)

    def rendered(self) -> Declared:
        """The request's URI, with the scope it declares: the grants read it there, not from the URI."""
        return Declared(self.uri, self.scope)

    @classmethod
    def from_bucket(cls, bucket: s3.IBucket, key_prefix: str = "") -> S3Location:
        """A prefix in a bucket of this app (or imported with ``Bucket.from_bucket_name``)."""
        return cls(bucket_name=bucket.bucket_name, key_prefix=key_prefix, bucket=bucket, field="key_prefix")

    @classmethod
    def from_uri(cls, uri: str) -> S3Location:
        """A location written as ``s3://bucket/prefix``, or as an S3 ``https://`` URL: path-style
        ``https://s3.<region>.amazonaws.com/bucket/prefix`` or virtual-hosted
        ``https://bucket.s3.<region>.amazonaws.com/prefix`` (and their ``s3-<region>``, dual-stack,
        FIPS and China forms). The request holds the URI as written; IAM is scoped to its bucket
        and prefix either way."""
        if not isinstance(uri, str) or is_token(uri):
            raise ValidationError(
                "uri",
                "must be a literal s3:// URI; for a value read from the execution input use S3Location.from_json_path",
                uri,
            )
        https = uri.startswith("https://")
        try:
            parsed = _s3_uri.parse("uri", uri)
        except ValidationError:
            if https:
                raise
            raise ValidationError("uri", _S3_FORM, uri) from None
        if any(c.isspace() for c in uri):
            raise ValidationError("uri", "must be an https:// S3 URL with no spaces" if https else _S3_FORM, uri)
        location = cls(bucket_name=parsed.bucket, key_prefix=parsed.key, field="uri")
        if https:
            location.uri = uri
        return location

    @classmethod
    def from_json_path(cls, path: str, *, bucket: s3.IBucket | str, key_prefix: str = "") -> S3Location:
        """A URI taken from the execution input at ``path`` (e.g. ``"$.TrainingDataUri"``).

        ``bucket`` and ``key_prefix`` declare where that URI may point: IAM is scoped to them.
        """
        from aws_cdk import aws_stepfunctions as sfn

        if not isinstance(path, str) or not path.startswith("$"):
            raise ValidationError("path", "must be a JSONPath such as $.TrainingDataUri", path)
        if isinstance(bucket, str):
            location = cls(bucket_name=bucket, key_prefix=key_prefix, field="key_prefix")
        else:
            location = cls(bucket_name=bucket.bucket_name, key_prefix=key_prefix, bucket=bucket, field="key_prefix")
        location.uri = sfn.JsonPath.string_at(path)
        return location


def _check_prefix(field: str, key_prefix: Any) -> None:
    if not isinstance(key_prefix, str):
        raise ValidationError(
            field, "must be a key prefix such as 'data/train/' (the bucket is given separately)", key_prefix
        )
    if is_token(key_prefix):
        return
    if key_prefix.startswith(("s3://", "https://", "arn:")):
        raise ValidationError(
            field, "must be a key prefix within the bucket, not an S3 URI or ARN (use S3Location.from_uri)", key_prefix
        )
    if key_prefix.startswith("/"):
        raise ValidationError(field, "must not start with '/' (an S3 key prefix is relative)", key_prefix)
    if key_prefix != key_prefix.strip() or "\n" in key_prefix:
        raise ValidationError(field, "must not have leading or trailing whitespace", key_prefix)
    policy_characters(field, key_prefix)
