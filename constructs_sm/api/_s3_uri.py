"""S3 URIs as SageMaker takes them: ``s3://bucket/key`` and the ``https://`` URLs of S3's endpoints.

botocore's S3Uri pattern is ``^(https|s3)://([^/]+)/?(.*)$``, and AWS's own example notebooks send
path-style ``https://s3-<region>.amazonaws.com/<bucket>/<prefix>``. The request keeps the URI as its
author wrote it; IAM is scoped to the bucket and key it names, ``arn:<partition>:s3:::bucket/key*``
whatever the form. This is the one parser: the grants, ``S3Location.from_uri``, the CLI's
``--manifest-data`` and the run-time parameters read URIs through it.

Accepted ``https://`` hosts (S3 User Guide, "Methods for accessing a bucket" and "Virtual hosting of
general purpose buckets"; S3 API Reference, "Making requests using the REST API" for dual-stack;
General Reference, "Amazon Simple Storage Service endpoints and quotas" for FIPS):

- path-style ``<endpoint>/<bucket>/<key>``, virtual-hosted ``<bucket>.<endpoint>/<key>``;
- endpoints ``s3`` (the legacy global endpoint), ``s3.<region>``, ``s3-<region>`` (older Regions' dash
  form), ``s3.dualstack.<region>``, ``s3-fips.<region>`` and ``s3-fips.dualstack.<region>``;
- under ``amazonaws.com``, or ``amazonaws.com.cn`` for the China Regions (``cn-``), which have no
  global endpoint. The ARN's partition is the stack's, as for ``s3://`` URIs, which name no Region.

Refused, with a message: any other host (access points, website endpoints, custom domains: they
name no bucket IAM can be scoped to, or another resource type), ports, user information,
upper-case hosts, ``%`` (whether SageMaker decodes percent-escapes is documented nowhere, and the
ARN must hold the key as stored), ``?`` and ``#``. CDK tokens stand for themselves: a token bucket is
taken as a bucket, a token in the Region or domain position (``bucket.url_for_object()``) as the
stack's Region or URL suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core._tokens import is_token
from ..errors import ValidationError

if TYPE_CHECKING:
    from aws_cdk import aws_s3 as s3

# S3 User Guide, "General purpose bucket naming rules": 3-63 characters, lowercase letters,
# digits, '.' and '-', beginning and ending with a letter or digit, not an IP address.
BUCKET_NAME = r"(?!(?:\d+\.){3}\d+(?![a-z0-9.\-]))[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]"
"""The bucket naming rule as a regex, to match whole or within a longer pattern (an ARN, a URI)."""
_BUCKET = re.compile(BUCKET_NAME, re.ASCII)
_TOKEN = r"\$\{Token\[[^\]]+\]\}"
# S3 User Guide, "Methods for accessing a bucket", https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-bucket-intro.html
# S3 User Guide, "Virtual hosting of general purpose buckets", https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
# S3 API Reference, "Making requests using the REST API" (dual-stack), https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAPI.html
# AWS General Reference, "Amazon Simple Storage Service endpoints and quotas" (FIPS), https://docs.aws.amazon.com/general/latest/gr/s3.html
_REGION = rf"[a-z]{{2}}(?:-[a-z]+)+-\d{{1,2}}|{_TOKEN}"
_HOST = re.compile(
    rf"(?:(?P<bucket>.+)\.)?"
    rf"(?:s3(?P<fips>-fips)?(?P<dualstack>\.dualstack)?(?:\.(?P<region>{_REGION}))?|s3-(?P<dash>{_REGION}))"
    rf"\.(?P<domain>amazonaws\.com(?P<china>\.cn)?|{_TOKEN})",
    re.ASCII,
)

NOT_A_URI = "must be an s3:// URI or an https:// S3 URL (constructs_sm scopes IAM to its bucket and prefix)"
BAD_BUCKET = "must be an s3:// URI with a valid bucket name (S3 bucket naming rules)"
UNKNOWN_HOST = (
    "must be an https:// URL of an S3 endpoint: https://s3.<region>.amazonaws.com/<bucket>/<key> (path-style) "
    "or https://<bucket>.s3.<region>.amazonaws.com/<key> (virtual-hosted), or their s3.amazonaws.com, "
    "s3-<region>, s3.dualstack.<region>, s3-fips.<region> and amazonaws.com.cn forms; another host names no "
    "bucket that IAM can be scoped to (write the s3:// form)"
)


@dataclass(frozen=True)
class S3Uri:
    """The bucket and key (prefix) an S3 URI names."""

    bucket: str
    key: str


def parse(path: str, value: Any) -> S3Uri:
    """The bucket and key of ``value``, an ``s3://`` URI or an ``https://`` S3 URL; a
    :class:`ValidationError` naming ``path`` otherwise."""
    if isinstance(value, str) and value.startswith("s3://"):
        bucket, _, key = value[len("s3://") :].partition("/")
        _check_bucket(path, bucket, value, BAD_BUCKET)
        return S3Uri(bucket, key)
    if isinstance(value, str) and value.startswith("https://"):
        return _https(path, value)
    raise ValidationError(path, NOT_A_URI, value)


def is_s3_uri(value: Any) -> bool:
    """Whether :func:`parse` reads ``value``."""
    try:
        parse("", value)
    except ValidationError:
        return False
    return True


def _https(path: str, value: str) -> S3Uri:
    host, _, rest = value[len("https://") :].partition("/")
    for character in "%?#":
        if character in value:
            raise ValidationError(
                path,
                f"must not hold '{character}' in an https:// S3 URL (a percent-escape, a query or a fragment is not "
                "part of an S3 key as IAM sees it; write the s3:// form)",
                value,
            )
    match = _HOST.fullmatch(host)
    if match is None and is_token(host):
        raise ValidationError(
            path,
            "must not take its host from a CDK token (bucket.virtual_hosted_url_for_object()): the host names the "
            "bucket IAM is scoped to; use S3Location.from_bucket(bucket, prefix) or bucket.url_for_object(key)",
            value,
        )
    if match is None or not _known_endpoint(match):
        raise ValidationError(path, UNKNOWN_HOST, value)
    if match["bucket"] is None:  # path-style: the bucket is the first segment of the path
        bucket, _, key = rest.partition("/")
    else:
        bucket, key = match["bucket"], rest
    _check_bucket(path, bucket, value, "must be an https:// S3 URL with a valid bucket name (S3 bucket naming rules)")
    return S3Uri(bucket, key)


def _known_endpoint(match: re.Match[str]) -> bool:
    region = match["region"] or match["dash"]
    if (match["fips"] or match["dualstack"]) and not region:
        return False
    if is_token(match["domain"]) or (region is not None and is_token(region)):
        return True
    # The China Regions have their own domain and no global endpoint.
    china = bool(match["china"])
    return china == (region is not None and region.startswith("cn-"))


def is_bucket_name(name: Any) -> bool:
    """Whether ``name`` follows S3's naming rules for general purpose buckets; a CDK token stands
    for a bucket's name. The one check of a bucket name: call it rather than restate the rule."""
    return isinstance(name, str) and (is_token(name) or _BUCKET.fullmatch(name) is not None)


def _check_bucket(path: str, bucket: str, value: str, rule: str) -> None:
    if not is_bucket_name(bucket):
        raise ValidationError(path, rule, value)


def check_bucket_name(path: str, bucket: Any) -> None:
    """A bucket name given apart from a URI (``S3Location``): S3's naming rules, as in a URI."""
    if not isinstance(bucket, str):
        raise ValidationError(path, "must be an S3 bucket name (a string)", bucket)
    _check_bucket(path, bucket, bucket, "must be a valid S3 bucket name (S3 bucket naming rules)")


class S3Scope:
    """A bucket and key prefix the role may use; ``bucket`` when the app knows it (for its key)."""

    def __init__(self, bucket_name: str, key_prefix: str, bucket: s3.IBucket | None = None) -> None:
        self.bucket_name, self.key_prefix, self.bucket = bucket_name, key_prefix, bucket
