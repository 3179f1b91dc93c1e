"""Create a template's resources in the emulated account, as CloudFormation would, or say which it cannot.

Each resource type the emulator creates has one function below, called with the resource's
properties resolved (``TemplateResolver``) and returning its physical id. Types are created in
dependency order (keys, network and roles first: the others' properties name them); resources
whose ``Condition`` is false are skipped, as CloudFormation skips them. Ids that the emulated
services choose themselves (a KMS key's, a VPC's, a subnet's, a security group's) are given to the
resolver, so that every later ``Ref`` / ``Fn::GetAtt`` names the resource that exists.

A resource the stack already holds (``held``: a second deployment of the stack) is updated; a
model package group the stack does not hold whose name is taken fails the deployment as
CloudFormation's handler fails it (``DeploymentFailedError``, ``AlreadyExists``). How each type is
deleted again: ``_destroy``.

A type the emulator neither creates nor knows to be irrelevant to an execution raises
``NotEmulatedError`` naming it (``ignore_resource_types`` lets a test accept it). The types that
are accepted without being created, and why, are in ``NOT_CREATED``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ._moto import kms_models, replaced
from ._stack import DeploymentFailedError, handler_message
from ._template import TemplateResolver

__all__ = ["CREATED", "NOT_CREATED", "NotEmulatedError", "create_resources", "created_types", "lazy_key_pairs"]

_PLUMBING = (
    "network plumbing: no emulated call goes through it (SageMaker in the emulator attaches no network "
    "interface; the VPC, its subnets and security groups exist)"
)
#: Resource types accepted without being created, with the reason no execution needs them.
NOT_CREATED: dict[str, str] = {
    "AWS::CDK::Metadata": "CDK's record of the construct library versions: nothing in the account",
    "AWS::EC2::RouteTable": _PLUMBING,
    "AWS::EC2::SubnetRouteTableAssociation": _PLUMBING,
    "AWS::EC2::Route": _PLUMBING,
    "AWS::EC2::InternetGateway": _PLUMBING,
    "AWS::EC2::VPCGatewayAttachment": _PLUMBING,
    "AWS::EC2::NatGateway": _PLUMBING,
    "AWS::EC2::EIP": _PLUMBING,
    "AWS::EC2::VPCEndpoint": _PLUMBING,
    "AWS::EC2::FlowLog": _PLUMBING,
    "AWS::EC2::SecurityGroupIngress": _PLUMBING,
    "AWS::EC2::SecurityGroupEgress": _PLUMBING,
    "Custom::VpcRestrictDefaultSG": (
        "CDK's custom resource that removes the default security group's rules "
        "(@aws-cdk/aws-ec2:restrictDefaultSecurityGroup): no emulated call uses that group"
    ),
}
# CDK's custom resource provider (its handler, "__entrypoint__.handler", comes from a CDK asset and
# serves custom resources such as the one above): accepted as a Lambda function only in that role.
_CDK_PROVIDER_HANDLER = "__entrypoint__.handler"


class _LazyPrivateKey:
    """Stands for the key pair moto makes for each KMS key; made when first used (Sign, Verify...)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make, self._key = make, None

    def __getattr__(self, name: str) -> Any:
        if self._key is None:
            self._key = self._make()
        return getattr(self._key, name)


@contextmanager
def lazy_key_pairs() -> Iterator[None]:
    """For the block, moto's KMS keys get their RSA/ECC key pair on first use, not at CreateKey."""
    original = getattr(kms_models, "generate_private_key")  # noqa: B009 - imported there, not exported

    def generate_private_key(key_spec: str) -> Any:
        return _LazyPrivateKey(lambda: original(key_spec))

    with replaced(kms_models, "generate_private_key", generate_private_key):
        yield


class NotEmulatedError(ValueError):
    """A template declares a resource the emulated account cannot create (its type is named)."""


@dataclass
class _Context:
    client: Callable[[str], Any]
    resolver: TemplateResolver
    region: str
    account_id: str
    #: Ids the services chose at an earlier deployment, by (stack name, logical id): a second
    #: deployment of a stack updates its resources, as CloudFormation does, instead of making new ones.
    chosen: dict[tuple[str, str], str]
    #: The logical ids the stack holds already (a deployment of it updates them; the others are created).
    held: frozenset[str] = frozenset()

    def owned(self, logical_id: str) -> bool:
        """Whether the stack holds the resource already: an update, not a create."""
        return logical_id in self.held

    def earlier(self, logical_id: str) -> str | None:
        return self.chosen.get((self.resolver.stack_name, logical_id))

    def resolve(self, value: Any) -> Any:
        return self.resolver.resolve(value)

    def name(self, logical_id: str) -> str:
        return str(self.resolver.ref(logical_id))

    def known(self, logical_id: str, physical_id: str) -> str:
        self.resolver.known_values[logical_id] = physical_id
        self.chosen[(self.resolver.stack_name, logical_id)] = physical_id
        return physical_id


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _exists(error: ClientError, *codes: str) -> bool:
    return error.response.get("Error", {}).get("Code") in codes


# ---------------------------------------------------------------------- KMS
def _kms_key(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    kms = ctx.client("kms")
    earlier = ctx.earlier(logical_id)
    if earlier is not None:
        if props.get("KeyPolicy"):
            kms.put_key_policy(KeyId=earlier, PolicyName="default", Policy=_json(props["KeyPolicy"]))
        return ctx.known(logical_id, earlier)
    kwargs: dict[str, Any] = {}
    if props.get("KeyPolicy"):
        kwargs["Policy"] = _json(props["KeyPolicy"])
    for prop in ("Description", "KeyUsage", "KeySpec"):
        if props.get(prop):
            kwargs[prop] = props[prop]
    key_id = str(kms.create_key(**kwargs)["KeyMetadata"]["KeyId"])
    if props.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=key_id)
    return ctx.known(logical_id, key_id)


def _kms_alias(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    kms = ctx.client("kms")
    try:
        kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    except ClientError as error:
        if not _exists(error, "AlreadyExistsException"):
            raise
        kms.update_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    return str(props["AliasName"])


# ---------------------------------------------------------------------- EC2
def _vpc(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    if ctx.earlier(logical_id) is not None:
        return ctx.known(logical_id, str(ctx.earlier(logical_id)))
    vpc = ctx.client("ec2").create_vpc(CidrBlock=props.get("CidrBlock", "10.0.0.0/16"))["Vpc"]
    return ctx.known(logical_id, str(vpc["VpcId"]))


def _subnet(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    if ctx.earlier(logical_id) is not None:
        return ctx.known(logical_id, str(ctx.earlier(logical_id)))
    ec2 = ctx.client("ec2")
    kwargs = {"VpcId": props["VpcId"], "CidrBlock": props["CidrBlock"]}
    try:
        subnet = ec2.create_subnet(**kwargs, AvailabilityZone=props["AvailabilityZone"])["Subnet"]
    except (KeyError, ClientError):
        # CDK writes placeholder zones ("dummy1a") for an environment it has not looked up.
        subnet = ec2.create_subnet(**kwargs)["Subnet"]
    return ctx.known(logical_id, str(subnet["SubnetId"]))


def _security_group(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    if ctx.earlier(logical_id) is not None:
        return ctx.known(logical_id, str(ctx.earlier(logical_id)))
    kwargs = {
        "GroupName": props.get("GroupName") or f"{ctx.resolver.stack_name}-{logical_id}",
        "Description": props.get("GroupDescription", logical_id),
    }
    if props.get("VpcId"):
        kwargs["VpcId"] = props["VpcId"]
    group = ctx.client("ec2").create_security_group(**kwargs)
    return ctx.known(logical_id, str(group["GroupId"]))


# ---------------------------------------------------------------------- IAM
def _role(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    iam, name = ctx.client("iam"), ctx.name(logical_id)
    try:
        kwargs: dict[str, Any] = {
            "RoleName": name,
            "Path": props.get("Path", "/"),
            "AssumeRolePolicyDocument": _json(props.get("AssumeRolePolicyDocument", {})),
        }
        for prop in ("Description", "MaxSessionDuration", "PermissionsBoundary"):
            if props.get(prop):
                kwargs[prop] = props[prop]
        iam.create_role(**kwargs)
    except ClientError as error:
        if not _exists(error, "EntityAlreadyExists"):
            raise
    for policy in props.get("Policies") or []:
        iam.put_role_policy(
            RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=_json(policy["PolicyDocument"])
        )
    return name


def _attach_managed_policy_arns(ctx: _Context, roles: Mapping[str, dict[str, Any]]) -> None:
    """Roles' ``ManagedPolicyArns``, once the template's managed policies exist (others must exist
    in the account: moto knows AWS managed policies by ARN)."""
    iam = ctx.client("iam")
    for logical_id, props in roles.items():
        for arn in props.get("ManagedPolicyArns") or []:
            try:
                iam.attach_role_policy(RoleName=ctx.name(logical_id), PolicyArn=arn)
            except ClientError as error:
                if not _exists(error, "NoSuchEntity"):
                    raise


def _managed_policy(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    iam, arn = ctx.client("iam"), ctx.name(logical_id)
    document = _json(props["PolicyDocument"])
    try:
        kwargs: dict[str, Any] = {
            "PolicyName": arn.rsplit("/", 1)[-1],
            "Path": props.get("Path", "/"),
            "PolicyDocument": document,
        }
        if props.get("Description"):
            kwargs["Description"] = props["Description"]
        iam.create_policy(**kwargs)
    except ClientError as error:
        if not _exists(error, "EntityAlreadyExists"):
            raise
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=document, SetAsDefault=True)
    for role in props.get("Roles") or []:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    return arn


def _inline_policy(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    iam, document = ctx.client("iam"), _json(props["PolicyDocument"])
    for role in props.get("Roles") or []:
        iam.put_role_policy(RoleName=role, PolicyName=props["PolicyName"], PolicyDocument=document)
    return ctx.name(logical_id)


# ---------------------------------------------------------------------- S3, logs, SNS, SQS
def _bucket(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    name = ctx.name(logical_id)
    kwargs: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    try:
        ctx.client("s3").create_bucket(**kwargs)
    except ClientError as error:
        if not _exists(error, "BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    return name


def _bucket_policy(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    ctx.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=_json(props["PolicyDocument"]))
    return ctx.name(logical_id)


def _log_group(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    logs, name = ctx.client("logs"), ctx.name(logical_id)
    kwargs: dict[str, Any] = {"logGroupName": name}
    if props.get("KmsKeyId"):
        kwargs["kmsKeyId"] = props["KmsKeyId"]
    try:
        logs.create_log_group(**kwargs)
    except ClientError as error:
        if not _exists(error, "ResourceAlreadyExistsException"):
            raise
    if props.get("RetentionInDays"):
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
    return name


_TOPIC_ATTRIBUTES = ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication", "TracingConfig")


def _topic(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    sns, arn = ctx.client("sns"), ctx.name(logical_id)
    attributes = {key: _text(props[key]) for key in _TOPIC_ATTRIBUTES if key in props}
    sns.create_topic(Name=arn.rsplit(":", 1)[-1], Attributes=attributes)
    for subscription in props.get("Subscription") or []:
        sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    return arn


def _topic_policy(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    sns = ctx.client("sns")
    for topic in props.get("Topics") or []:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=_json(props["PolicyDocument"]))
    return ctx.name(logical_id)


def _subscription(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    kwargs = {"TopicArn": props["TopicArn"], "Protocol": props["Protocol"], "Endpoint": props.get("Endpoint", "")}
    return str(ctx.client("sns").subscribe(**kwargs)["SubscriptionArn"])


_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "RedrivePolicy",
    "RedriveAllowPolicy",
)


def _queue(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    sqs, url = ctx.client("sqs"), ctx.name(logical_id)
    attributes = {key: _text(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    try:
        sqs.create_queue(QueueName=url.rsplit("/", 1)[-1], Attributes=attributes)
    except ClientError as error:  # deployed before: updated, as CloudFormation updates it
        if not _exists(error, "QueueAlreadyExists"):
            raise
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _queue_policy(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    sqs = ctx.client("sqs")
    for url in props.get("Queues") or []:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _json(props["PolicyDocument"])})
    return ctx.name(logical_id)


# ---------------------------------------------------------------------- SageMaker, EventBridge, Scheduler
_GROUP = "AWS::SageMaker::ModelPackageGroup"


def _model_package_group(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    sagemaker, arn = ctx.client("sagemaker"), ctx.name(logical_id)
    name = props.get("ModelPackageGroupName") or arn.rsplit("/", 1)[-1]
    kwargs: dict[str, Any] = {"ModelPackageGroupName": name}
    if props.get("ModelPackageGroupDescription"):
        kwargs["ModelPackageGroupDescription"] = props["ModelPackageGroupDescription"]
    if props.get("Tags"):
        kwargs["Tags"] = props["Tags"]
    try:
        sagemaker.create_model_package_group(**kwargs)
    except ClientError as error:
        message = str(error.response.get("Error", {}).get("Message", ""))
        if "Model Package Group already exists" not in message:
            raise
        if not ctx.owned(logical_id):
            # A group the stack does not hold (one a deleted stack retained, or made outside the
            # stack): CloudFormation's handler turns SageMaker's "Model Package Group already exists"
            # into AlreadyExists (aws-cloudformation-resource-providers-sagemaker,
            # aws-sagemaker-modelpackagegroup CreateHandler and ExceptionMapper; the message is the
            # CloudFormation Java plugin's HandlerErrorCode.AlreadyExists).
            reason = f"Resource of type '{_GROUP}' with identifier '{name}' already exists."
            raise DeploymentFailedError(
                ctx.resolver.stack_name, logical_id, _GROUP, handler_message(reason, "AlreadyExists"), "AlreadyExists"
            ) from error
        # The stack's own group, deployed again: name and description are create-only, nothing to update.
    return arn


_RULE_PROPERTIES = ("Description", "ScheduleExpression", "State", "RoleArn", "EventBusName")


def _rule(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    events, name = ctx.client("events"), ctx.name(logical_id)
    kwargs: dict[str, Any] = {"Name": name, **{key: props[key] for key in _RULE_PROPERTIES if key in props}}
    if "EventPattern" in props:
        kwargs["EventPattern"] = _json(props["EventPattern"])
    # Without its targets: moto's EventBridge delivers matched events to them itself, and fails on an
    # InputTransformer whose template renders text (it parses the result as JSON). A test routes
    # events through the rule's pattern and transformer explicitly (MODELLED.md).
    events.put_rule(**kwargs)
    return name


def _schedule_group(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    name = ctx.name(logical_id)
    try:
        ctx.client("scheduler").create_schedule_group(Name=name)
    except ClientError as error:
        if not _exists(error, "ConflictException"):
            raise
    return name


_SCHEDULE_PROPERTIES = (
    "GroupName",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "State",
    "Description",
    "StartDate",
    "EndDate",
    "KmsKeyArn",
)


def _schedule(ctx: _Context, logical_id: str, props: dict[str, Any]) -> str:
    name = ctx.name(logical_id)
    scheduler = ctx.client("scheduler")
    kwargs = {key: props[key] for key in _SCHEDULE_PROPERTIES if key in props}
    try:
        scheduler.create_schedule(Name=name, **kwargs)
    except ClientError as error:
        if not _exists(error, "ConflictException"):
            raise
        scheduler.update_schedule(Name=name, **kwargs)
    return name


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


Creator = Callable[[_Context, str, dict[str, Any]], str]

#: The types the emulator creates, in the order it creates them (state machines: ``_deployment``).
CREATED: dict[str, Creator] = {
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::Subnet": _subnet,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::IAM::Role": _role,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Policy": _inline_policy,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SNS::Subscription": _subscription,
    "AWS::SQS::Queue": _queue,
    "AWS::SQS::QueuePolicy": _queue_policy,
    _GROUP: _model_package_group,
    "AWS::Events::Rule": _rule,
    "AWS::Scheduler::ScheduleGroup": _schedule_group,
    "AWS::Scheduler::Schedule": _schedule,
}
#: Created by ``_deployment`` itself, after everything above.
STATE_MACHINE = "AWS::StepFunctions::StateMachine"


def created_types() -> frozenset[str]:
    """Every type a deployment creates."""
    return frozenset({*CREATED, STATE_MACHINE})


def _unemulated(resources: Mapping[str, Any], ignore: frozenset[str]) -> list[str]:
    found = []
    for logical_id, resource in resources.items():
        kind = resource.get("Type", "")
        if kind in ignore or kind in NOT_CREATED:
            continue
        if kind == "AWS::Lambda::Function":
            if (resource.get("Properties") or {}).get("Handler") == _CDK_PROVIDER_HANDLER:
                continue
        elif kind in created_types():
            continue
        found.append(f"{kind} ({logical_id})")
    return found


def create_resources(
    client: Callable[[str], Any],
    body: Mapping[str, Any],
    resolver: TemplateResolver,
    *,
    ignore_resource_types: frozenset[str],
    chosen: dict[tuple[str, str], str],
    held: frozenset[str] = frozenset(),
    physical: dict[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Create every resource of ``body`` but its state machines; return ``(physical ids by logical id,
    types accepted without being created by logical id)``. Raises ``NotEmulatedError`` first,
    creating nothing, if the template holds a type the emulator does not create.

    ``held``: the logical ids the stack holds already (updated; the others are created).
    ``physical``: filled as resources are created, so that a deployment that fails half-way knows
    what to roll back."""
    resources: Mapping[str, Any] = body.get("Resources") or {}
    missing = _unemulated(resources, ignore_resource_types)
    if missing:
        raise NotEmulatedError(
            "constructs_sm.testing does not emulate "
            + ", ".join(missing)
            + ": deploy(..., ignore_resource_types={...}) accepts a type without creating it"
        )
    ctx = _Context(client, resolver, resolver.region, resolver.account_id, chosen, held)
    active = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if "Condition" not in resource or resolver.condition(resource["Condition"])
    }
    physical = {} if physical is None else physical
    roles: dict[str, dict[str, Any]] = {}
    for kind, create in CREATED.items():
        for logical_id, resource in active.items():
            if resource.get("Type") != kind:
                continue
            props = resolver.resolve(resource.get("Properties") or {})
            physical[logical_id] = create(ctx, logical_id, props)
            if kind == "AWS::IAM::Role":
                roles[logical_id] = props
        if kind == "AWS::IAM::Policy":
            _attach_managed_policy_arns(ctx, roles)
    not_created = {
        logical_id: str(resource.get("Type"))
        for logical_id, resource in active.items()
        if logical_id not in physical and resource.get("Type") != STATE_MACHINE
    }
    return physical, not_created
