"""What the SageMaker execution role needs, found by walking the request: one row a path.

Each row names a path under a training job definition and the access SageMaker needs to the
resource it names (CreateTrainingJob API: Execution Role Permissions, SageMaker Developer Guide).
A value read at execution time grants on the scope its factory declared
(``S3Location.from_json_path``); an ``sfn.JsonPath`` token without one is refused. S3 locations are
read by :mod:`._s3_uri` (``s3://`` and S3's ``https://`` forms); every statement is checked against
the characters IAM accepts (:func:`._rules.policy_characters`) with the path of the value behind it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aws_cdk import aws_iam as iam

from ..api._request import JobRequest
from ..api._rules import policy_characters
from ..api._s3_uri import S3Scope, parse
from ..core._arns import arn, partition
from ..core._paths import JOB_ROOTS, find, join
from ..core._stack import cached
from ..core._tokens import execution_path, is_token
from ..errors import ValidationError
from ._policy import Statement, add_statements, granting, statement

_ECR_URI = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9][a-z0-9._/-]*)(?::[\w.-]+|@sha256:[0-9a-f]{64})?"
)
# IAM reads '*' and '?' as wildcards and '${...}' as a policy variable; SageMaker reads them literally.
_WIDENING = re.compile(r"[*?\x00-\x1f\x7f]|\$\{")
_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
# The reasons of the statements below, with the pages they follow.
_EXECUTION_ROLE = "SageMaker Developer Guide, 'CreateTrainingJob API: Execution Role Permissions'"
_VPC = "SageMaker Developer Guide, 'Give SageMaker Training Jobs Access to Resources in Your Amazon VPC'"
_OBJECTS = (
    "objects under the declared key prefix of one bucket: SageMaker reads and writes keys chosen at run time "
    f"({_EXECUTION_ROLE})"
)
_INTERFACES = (
    "network interfaces SageMaker creates at run time, so their IDs are unknown; limited to the job's subnets "
    f"and security groups, or by the ec2:Vpc condition ({_VPC})"
)
_ECR_TOKEN = (
    "no resource-level permissions (Service Authorization Reference, Amazon ECR; ECR User Guide, "
    "'Private registry authentication')"
)


ManifestData = Mapping[str, Sequence[Any]]
"""Per channel name, the S3 locations (``S3Location`` or S3 URIs) its manifest lists."""
_MANIFESTS = ("ManifestFile", "AugmentedManifestFile")


# SageMaker API Reference, "S3DataSource", https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_S3DataSource.html
class MissingManifestData(ValidationError):
    """A manifest channel whose data locations were not given: its S3Uri names "a manifest file
    containing a list of object keys", which only the user knows. The message names the Python
    argument; :meth:`for_option` names the CLI's ``--manifest-data`` instead."""

    def __init__(self, path: str, data_type: str, channel: str) -> None:
        self.channel = channel
        super().__init__(
            path,
            f"is {data_type}: give manifest_data={{{channel!r}: [<S3 locations the manifest lists>]}} so that the "
            "execution role may read the data, not only the manifest",
            data_type,
        )

    def for_option(self) -> ValidationError:
        return ValidationError(
            self.field,
            f"is {self.value}: give --manifest-data {self.channel}=s3://<bucket>/<prefix>/ for each S3 location the "
            "manifest lists (repeat the option for more) so that the execution role may read the data, not only "
            "the manifest",
            self.value,
        )


class _Grants:
    """The statements one request needs, collected to be given to the role at once; ``declared``:
    what the typed props declared for the request's values, by JSON path (``JobRequest.declared``)."""

    def __init__(self, role: iam.IRole, declared: Mapping[str, Any]) -> None:
        self.role = role
        self.declared = declared
        self.statements: list[Statement] = []

    def add(self, path: str, value: Any, item: Statement) -> None:
        """``item``, for the value at ``path``: refused if IAM could not hold it."""
        policy_characters(path, value, item)
        self.statements.append(item)


def grant_request(role: iam.IRole, job: JobRequest, manifest_data: ManifestData | None = None) -> None:
    """Grant ``role`` what every training job of ``job`` reads, writes, pulls and invokes."""
    grants = _Grants(role, job.declared)
    operation, request = job.operation, job.body
    for root in JOB_ROOTS[operation]:
        for relative, grant in _ROWS:
            for path, value in find(request, join(root, relative)):
                grant(grants, path, value)
    _grant_manifest_data(grants, operation, request, manifest_data or {})
    add_statements(role, grants.statements)


def _grant_manifest_data(grants: _Grants, operation: str, request: dict[str, Any], given: ManifestData) -> None:
    """A manifest channel's S3Uri names the manifest; SageMaker reads the objects it lists, which
    only the user knows: each such channel must have its data locations in ``manifest_data``."""
    if not isinstance(given, Mapping):
        raise ValidationError("manifest_data", "must map channel names to lists of S3 locations", given)
    manifests: set[str] = set()
    for root in JOB_ROOTS[operation]:
        for path, channel in find(request, join(root, "InputDataConfig[]")):
            source = channel.get("DataSource", {}).get("S3DataSource", {})
            if source.get("S3DataType") not in _MANIFESTS:
                continue
            name = channel["ChannelName"]
            manifests.add(name)
            if not given.get(name):
                raise MissingManifestData(join(path, "DataSource.S3DataSource.S3DataType"), source["S3DataType"], name)
    for name, locations in given.items():
        if name not in manifests:
            raise ValidationError(
                f"manifest_data[{name!r}]", "names no channel with a ManifestFile or AugmentedManifestFile", name
            )
        if isinstance(locations, (str, bytes)) or not isinstance(locations, Sequence):
            raise ValidationError(f"manifest_data[{name!r}]", "must be a list of S3 locations", locations)
        for index, location in enumerate(locations):
            _read(grants, f"manifest_data[{name!r}][{index}]", location)


def s3_scope(grants: _Grants, path: str, value: Any) -> S3Scope:
    """The bucket and prefix of the S3 location ``value`` (at ``path``) that IAM is scoped to."""
    scope = _declared_or_parsed(grants, path, value)
    if not is_token(scope.key_prefix) and (
        _WIDENING.search(scope.key_prefix) or any(unicodedata.category(c) in ("Cc", "Cf") for c in scope.key_prefix)
    ):
        raise ValidationError(
            path,
            "must not contain '*', '?', '${', control or invisible format characters: SageMaker reads "
            "them literally, IAM as wildcards or policy variables",
            value if isinstance(value, str) and not is_token(value) else scope.key_prefix,
        )
    return scope


def _declared_or_parsed(grants: _Grants, path: str, value: Any) -> S3Scope:
    """The scope an ``S3Location`` declared (at ``path``, or given itself: ``manifest_data``), else
    the one an S3 URI of a client's request names."""
    declared = getattr(value, "scope", None) or grants.declared.get(path)
    if isinstance(declared, S3Scope):
        return declared
    if execution_path(value) is not None:
        raise ValidationError(
            path,
            "is read at execution time without a declared scope: use S3Location.from_json_path(path, "
            "bucket=..., key_prefix=...) so that IAM stays scoped",
            execution_path(value),
        )
    uri = parse(path, value)
    return S3Scope(uri.bucket, uri.key)


def grant_model_artifacts(role: iam.IRole, job: JobRequest) -> None:
    """s3:GetObject under each output path, where a model's artifacts are
    (``<S3OutputPath><job>/output/model.tar.gz``): what a SageMaker model of these jobs reads."""
    grants = _Grants(role, job.declared)
    for root in JOB_ROOTS[job.operation]:
        for path, value in find(job.body, join(root, "OutputDataConfig.S3OutputPath")):
            _read_objects(grants, path, value, s3_scope(grants, path, value))
    add_statements(role, grants.statements)


def _read(grants: _Grants, path: str, value: Any) -> None:
    """s3:GetObject under the prefix, s3:ListBucket limited to it."""
    scope, role = s3_scope(grants, path, value), grants.role
    _read_objects(grants, path, value, scope)
    condition = {"StringLike": {"s3:prefix": f"{scope.key_prefix}*"}} if scope.key_prefix else None
    bucket = arn(role, "s3", scope.bucket_name, regional=False)
    reason = f"SageMaker lists the S3 prefix it reads ({_EXECUTION_ROLE})"
    grants.add(path, _shown(value, scope), statement(["s3:ListBucket"], [bucket], condition, reason=reason))


def _read_objects(grants: _Grants, path: str, value: Any, scope: S3Scope) -> None:
    _objects_access(grants, path, value, scope, "s3:GetObject", "reads", "decrypts what it reads from")


def _objects_access(
    grants: _Grants, path: str, value: Any, scope: S3Scope, action: str, does: str, with_key: str
) -> None:
    """``action`` on the objects under the prefix, and the bucket's KMS key for the same direction."""
    reason = f"SageMaker {does} the objects under the S3 prefix ({_EXECUTION_ROLE})"
    grants.add(
        path,
        _shown(value, scope),
        statement([action], [_objects(grants.role, scope)], reason=reason, wildcard=_OBJECTS),
    )
    key = _bucket_key(scope)
    if key is not None:
        with granting(grants.role, f"SageMaker {with_key} the bucket with its KMS key ({_EXECUTION_ROLE})"):
            (key.grant_decrypt if action == "s3:GetObject" else key.grant_encrypt)(grants.role)


def _write(grants: _Grants, path: str, value: Any) -> None:
    """s3:PutObject under the prefix."""
    scope = s3_scope(grants, path, value)
    _objects_access(grants, path, value, scope, "s3:PutObject", "writes", "encrypts what it writes to")


def _bucket_key(scope: S3Scope) -> Any:
    """The KMS key of a bucket of the app, read once per bucket."""
    bucket = scope.bucket
    return None if bucket is None else cached(bucket, "encryption_key", lambda: bucket.encryption_key)


def _read_write(grants: _Grants, path: str, value: Any) -> None:
    """Checkpoints: SageMaker uploads them and downloads them again to resume a job."""
    scope = s3_scope(grants, path, value)
    if not is_token(scope.key_prefix) and not scope.key_prefix.strip("/"):
        raise ValidationError(
            path, "must name a key prefix, not a whole bucket (the execution role gets write access to it)", value
        )
    _read(grants, path, value)
    _write(grants, path, value)


def _objects(role: iam.IRole, scope: S3Scope) -> str:
    return arn(role, "s3", f"{scope.bucket_name}/{scope.key_prefix}*", regional=False)


def _shown(value: Any, scope: S3Scope) -> Any:
    """What a message shows for an S3 location: the URI as written, or the declared prefix of one
    read at execution time."""
    value = getattr(value, "uri", value)  # an S3Location given in manifest_data
    return value if isinstance(value, str) and execution_path(value) is None else scope.key_prefix


def _pull(grants: _Grants, path: str, value: Any) -> None:
    """ECR pull rights on the image's repository; images of other registries need none."""
    declared, role = grants.declared.get(path), grants.role
    pull = f"SageMaker pulls the image from its ECR repository ({_EXECUTION_ROLE})"
    if declared is not None and not isinstance(declared, str):  # an ecr.IRepository
        # grant_pull adds ecr:GetAuthorizationToken on "*" too: the block's wildcard reason is its.
        with granting(role, pull, wildcard=_ECR_TOKEN):
            declared.grant_pull(role)
        return
    if isinstance(declared, str):  # a repository pattern declared for an image read at execution time
        repository = declared
    else:
        match = None if is_token(value) else _ECR_URI.fullmatch(value)
        if match is None:
            return
        repository = f"arn:{{partition}}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"
    # ecr:GetAuthorizationToken has no resource-level permissions (ECR authorization reference).
    token = f"SageMaker signs in to the ECR registry to pull the image ({_EXECUTION_ROLE})"
    grants.add(path, value, statement(["ecr:GetAuthorizationToken"], ["*"], reason=token, wildcard=_ECR_TOKEN))
    shown = value if declared is None else repository
    grants.add(path, shown, statement(_PULL_ACTIONS, [repository.format(partition=partition(role))], reason=pull))


def _invoke(grants: _Grants, path: str, value: Any) -> None:
    """The Lambda function that returns a private registry's credentials."""
    declared = grants.declared.get(path)
    reason = (
        "SageMaker calls the function for the private registry's credentials (SageMaker Developer Guide, "
        "'Use a Private Docker Registry for Training')"
    )
    if declared is not None:  # a lambda_.IFunction
        # No wildcard reason: grant_invoke's "<function ARN>:*" (its versions) stays a cdk-nag finding.
        with granting(grants.role, reason):
            declared.grant_invoke(grants.role)
    else:
        grants.add(path, value, statement(["lambda:InvokeFunction"], [value], reason=reason))


def _network(grants: _Grants, path: str, config: dict[str, Any]) -> None:
    """The EC2 actions SageMaker needs to attach training instances to the subnets and security groups
    ("Give SageMaker Training Jobs Access to Resources in Your Amazon VPC"). The Describe actions take
    no resource; the interface actions are limited to interfaces in these subnets."""
    role = grants.role
    subnets = [arn(role, "ec2", f"subnet/{s}") for s in config["Subnets"]]
    interfaces = arn(role, "ec2", "network-interface/*")
    describes = [f"ec2:Describe{n}" for n in ("DhcpOptions", "NetworkInterfaces", "SecurityGroups", "Subnets", "Vpcs")]
    grants.add(
        path,
        config,
        statement(
            describes,
            ["*"],
            reason=f"SageMaker looks up the job's VPC, subnets and security groups ({_VPC})",
            wildcard="no resource-level permissions (Service Authorization Reference, Amazon EC2: Describe* take no resource)",
        ),
    )
    vpc = grants.declared.get(join(path, "Subnets"))  # the VPC whose subnets VpcConfig selected
    condition: dict[str, Any]
    if vpc is not None:
        # One statement for every workflow in the VPC, whatever its security group: a group per
        # workflow must not add a statement to a shared role each time (IAM's policy quotas).
        condition = {"ArnEquals": {"ec2:Vpc": arn(role, "ec2", f"vpc/{cached(vpc, 'vpc_id', lambda: vpc.vpc_id)}")}}
        groups = [arn(role, "ec2", "security-group/*")]
    else:
        condition = {"ArnEquals": {"ec2:Subnet": subnets}}
        groups = [arn(role, "ec2", f"security-group/{g}") for g in config["SecurityGroupIds"]]
    grants.add(
        path,
        config,
        statement(
            ["ec2:CreateNetworkInterface"],
            [interfaces, *subnets, *groups],
            condition if vpc else None,
            reason=f"SageMaker attaches the training instances to the job's subnets and security groups ({_VPC})",
            wildcard=_INTERFACES
            + (
                "; security groups of the job's VPC only (ec2:Vpc condition): one statement serves every workflow "
                "in the VPC, each with its own group"
                if vpc is not None
                else ""
            ),
        ),
    )
    actions = ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"]
    reason = f"SageMaker manages the network interfaces of the training instances ({_VPC})"
    grants.add(path, config, statement(actions, [interfaces], condition, reason=reason, wildcard=_INTERFACES))


_Grant = Callable[[_Grants, str, Any], None]
_ROWS: list[tuple[str, _Grant]] = [
    ("InputDataConfig[].DataSource.S3DataSource.S3Uri", _read),
    ("OutputDataConfig.S3OutputPath", _write),
    ("CheckpointConfig.S3Uri", _read_write),
    ("DebugHookConfig.S3OutputPath", _write),
    ("DebugRuleConfigurations[].S3OutputPath", _write),
    ("ProfilerConfig.S3OutputPath", _write),
    ("ProfilerRuleConfigurations[].S3OutputPath", _write),
    ("TensorBoardOutputConfig.S3OutputPath", _write),
    ("AlgorithmSpecification.TrainingImage", _pull),
    ("DebugRuleConfigurations[].RuleEvaluatorImage", _pull),
    ("ProfilerRuleConfigurations[].RuleEvaluatorImage", _pull),
    (
        "AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig.TrainingRepositoryCredentialsProviderArn",
        _invoke,
    ),
    ("VpcConfig", _network),
]
