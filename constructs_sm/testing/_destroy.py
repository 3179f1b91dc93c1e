"""Delete a stack's resources from the emulated account, as CloudFormation deletes a stack (``cdk destroy``).

Each resource is deleted after every resource that refers to it (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``)
or ``DependsOn`` it ("if the properties of resource A use a !Ref to resource B ... Resource A is
deleted before resource B": "DependsOn attribute", CloudFormation User Guide,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html), and as
its ``DeletionPolicy`` says
("DeletionPolicy attribute", CloudFormation User Guide,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html):

* ``Delete`` (and no attribute): deleted through its service (``DELETERS``, one per type the
  emulator creates; a KMS key is scheduled for deletion, after its ``PendingWindowInDays``, 30 by
  default: AWS::KMS::Key, PendingWindowInDays,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html);
* ``Retain``: kept in the account, out of the stack;
* ``RetainExceptOnCreate``: kept, like ``Retain``, except when the deployment that created it is
  rolled back: then it is deleted;
* ``Snapshot``: for types that support snapshots (EC2 volumes, RDS, ElastiCache, Redshift...), none
  of which the emulator creates: refused (``NotModelledError``).

A resource whose deletion fails (its service refuses: a non-empty model package group, a non-empty
bucket...) fails the stack's deletion, ``DELETE_FAILED`` (``DestroyFailedError``): the resources it
refers to wait for it and stay in the stack, the others are deleted; ``destroy()`` again retries what
is left, as deleting a ``DELETE_FAILED`` stack again does. A resource its service no longer has
counts as deleted (a resource handler's NotFound on delete is success to CloudFormation). Which of
the independent resources CloudFormation deletes before it stops on a failure is not documented;
the emulator deletes all of them.

A failed deployment is rolled back the same way (``roll_back``): the resources it created are
deleted, but for those whose ``DeletionPolicy`` is ``Retain``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from ._permissions import NotModelledError
from ._resources import CREATED, STATE_MACHINE
from ._stack import Destroyed, DestroyFailedError, StackResource, Stacks, handler_message

__all__ = ["DELETERS", "destroy_stack", "roll_back"]

Client = Callable[[str], Any]
Deleter = Callable[[Client, StackResource], None]

# Error codes by which a service says the resource is gone already.
_GONE = {
    "NoSuchEntity",
    "NotFoundException",
    "ResourceNotFoundException",
    "NotFound",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound",
    "StateMachineDoesNotExist",
}


def _gone(error: ClientError) -> bool:
    answer = error.response.get("Error", {})
    # SageMaker says so in a ValidationException ("ModelPackageGroup <arn> does not exist.").
    return answer.get("Code") in _GONE or "does not exist" in str(answer.get("Message", ""))


# ---------------------------------------------------------------------- one deleter per type
def _kms_key(client: Client, resource: StackResource) -> None:
    window = int(resource.properties.get("PendingWindowInDays", 30))
    client("kms").schedule_key_deletion(KeyId=resource.physical_id, PendingWindowInDays=window)


def _kms_alias(client: Client, resource: StackResource) -> None:
    client("kms").delete_alias(AliasName=resource.physical_id)


def _vpc(client: Client, resource: StackResource) -> None:
    client("ec2").delete_vpc(VpcId=resource.physical_id)


def _subnet(client: Client, resource: StackResource) -> None:
    client("ec2").delete_subnet(SubnetId=resource.physical_id)


def _security_group(client: Client, resource: StackResource) -> None:
    client("ec2").delete_security_group(GroupId=resource.physical_id)


def _role(client: Client, resource: StackResource) -> None:
    """The role's own inline policies and managed policy ARNs go first; a policy attached from
    outside the stack makes IAM refuse (DeleteConflict), and the deletion fails."""
    iam, name = client("iam"), resource.physical_id
    for policy in resource.properties.get("Policies") or []:
        _unless_gone(iam.delete_role_policy, RoleName=name, PolicyName=policy["PolicyName"])
    for arn in resource.properties.get("ManagedPolicyArns") or []:
        _unless_gone(iam.detach_role_policy, RoleName=name, PolicyArn=arn)
    iam.delete_role(RoleName=name)


def _managed_policy(client: Client, resource: StackResource) -> None:
    iam, arn = client("iam"), resource.physical_id
    for role in resource.properties.get("Roles") or []:
        _unless_gone(iam.detach_role_policy, RoleName=role, PolicyArn=arn)
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.delete_policy(PolicyArn=arn)


def _inline_policy(client: Client, resource: StackResource) -> None:
    iam = client("iam")
    for role in resource.properties.get("Roles") or []:
        _unless_gone(iam.delete_role_policy, RoleName=role, PolicyName=resource.properties["PolicyName"])


def _bucket(client: Client, resource: StackResource) -> None:
    client("s3").delete_bucket(Bucket=resource.physical_id)  # S3 refuses a bucket that holds objects


def _bucket_policy(client: Client, resource: StackResource) -> None:
    client("s3").delete_bucket_policy(Bucket=resource.properties["Bucket"])


def _log_group(client: Client, resource: StackResource) -> None:
    client("logs").delete_log_group(logGroupName=resource.physical_id)


def _topic(client: Client, resource: StackResource) -> None:
    client("sns").delete_topic(TopicArn=resource.physical_id)  # its subscriptions go with it


def _default_topic_policy(arn: str) -> str:
    """The access policy SNS gives a new topic (as moto writes it)."""
    account = arn.split(":")[4]
    actions = ["GetTopicAttributes", "SetTopicAttributes", "AddPermission", "RemovePermission"]
    actions += ["DeleteTopic", "Subscribe", "ListSubscriptionsByTopic", "Publish"]
    statement = {
        "Effect": "Allow",
        "Sid": "__default_statement_ID",
        "Principal": {"AWS": "*"},
        "Action": [f"SNS:{action}" for action in actions],
        "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
    }
    return json.dumps({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [statement]})


def _topic_policy(client: Client, resource: StackResource) -> None:
    """The topics it applies to get SNS's default policy back (a deleted topic needs nothing)."""
    sns = client("sns")
    for topic in resource.properties.get("Topics") or []:
        policy = _default_topic_policy(topic)
        _unless_gone(sns.set_topic_attributes, TopicArn=topic, AttributeName="Policy", AttributeValue=policy)


def _subscription(client: Client, resource: StackResource) -> None:
    client("sns").unsubscribe(SubscriptionArn=resource.physical_id)


def _queue(client: Client, resource: StackResource) -> None:
    client("sqs").delete_queue(QueueUrl=resource.physical_id)


def _queue_policy(client: Client, resource: StackResource) -> None:
    sqs = client("sqs")
    for url in resource.properties.get("Queues") or []:
        _unless_gone(sqs.set_queue_attributes, QueueUrl=url, Attributes={"Policy": ""})


def _model_package_group(client: Client, resource: StackResource) -> None:
    name = resource.properties.get("ModelPackageGroupName") or resource.physical_id.rsplit("/", 1)[-1]
    try:
        client("sagemaker").delete_model_package_group(ModelPackageGroupName=name)
    except ClientError as error:
        if _gone(error):
            raise
        # CloudFormation's handler passes any other SageMaker error (a ConflictException for a group
        # that holds versions) on as GeneralServiceException, "Error occurred during operation
        # 'DELETE'." (aws-cloudformation-resource-providers-sagemaker, aws-sagemaker-modelpackagegroup
        # DeleteHandler and ExceptionMapper; the message is the CloudFormation Java plugin's).
        raise _HandlerFailed(
            handler_message("Error occurred during operation 'DELETE'.", "GeneralServiceException"), error
        ) from error


def _rule(client: Client, resource: StackResource) -> None:
    kwargs = {"Name": resource.physical_id}
    if resource.properties.get("EventBusName"):
        kwargs["EventBusName"] = resource.properties["EventBusName"]
    client("events").delete_rule(**kwargs)  # deployed without targets (MODELLED.md)


def _schedule_group(client: Client, resource: StackResource) -> None:
    client("scheduler").delete_schedule_group(Name=resource.physical_id)


def _schedule(client: Client, resource: StackResource) -> None:
    kwargs = {"Name": resource.physical_id}
    if resource.properties.get("GroupName"):
        kwargs["GroupName"] = resource.properties["GroupName"]
    client("scheduler").delete_schedule(**kwargs)


def _state_machine(client: Client, resource: StackResource) -> None:
    """Its running executions end first: "A state machine is deleted only when all its executions are
    completed. On the next state transition, the state machine's executions are terminated." (Step
    Functions API Reference, DeleteStateMachine,
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteStateMachine.html)."""
    sfn, arn = client("stepfunctions"), resource.physical_id
    running = sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]
    for execution in running:
        sfn.stop_execution(executionArn=execution["executionArn"], cause="The state machine was deleted")
    sfn.delete_state_machine(stateMachineArn=arn)


#: How the emulator deletes each type it creates (``_resources.CREATED``, and state machines).
DELETERS: dict[str, Deleter] = {
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
    "AWS::SageMaker::ModelPackageGroup": _model_package_group,
    "AWS::Events::Rule": _rule,
    "AWS::Scheduler::ScheduleGroup": _schedule_group,
    "AWS::Scheduler::Schedule": _schedule,
    STATE_MACHINE: _state_machine,
}
assert set(DELETERS) == {*CREATED, STATE_MACHINE}, "every type the emulator creates needs a deleter"


class _HandlerFailed(Exception):
    """A deletion that failed with CloudFormation's status reason (and the service's error)."""

    def __init__(self, reason: str, error: BaseException) -> None:
        super().__init__(reason)
        self.reason, self.error = reason, error


def _unless_gone(call: Callable[..., Any], **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as error:
        if not _gone(error):
            raise


# ---------------------------------------------------------------------- the order, the policies
_KEPT_ON_DELETE = {"Retain", "RetainExceptOnCreate"}
_KEPT_ON_ROLLBACK = {"Retain"}


def _refusals(resources: Iterable[StackResource]) -> list[str]:
    refused = []
    for resource in resources:
        if resource.type not in DELETERS:
            refused.append(f"{resource.logical_id} ({resource.type}): deleting this type is not modelled")
        elif resource.deletion_policy == "Snapshot":
            refused.append(
                f"{resource.logical_id} ({resource.type}): DeletionPolicy Snapshot is for types that support "
                "snapshots (EC2 volumes, RDS, ElastiCache, Redshift...); what CloudFormation does with it "
                "on this type is not modelled"
            )
        elif resource.deletion_policy not in ("Delete", "Retain", "RetainExceptOnCreate"):
            refused.append(f"{resource.logical_id} ({resource.type}): DeletionPolicy {resource.deletion_policy!r}")
    return refused


def _delete_in_order(
    client: Client, resources: Mapping[str, StackResource], kept: set[str]
) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, BaseException]]:
    """Delete (or keep, by policy) every resource after those that refer to it; return
    ``(deleted, retained, failure reasons, service errors)``, physical ids by logical id."""
    remaining = dict(resources)
    deleted: dict[str, str] = {}
    retained: dict[str, str] = {}
    reasons: dict[str, str] = {}
    errors: dict[str, BaseException] = {}
    while True:
        waiting = {dep for each in remaining.values() for dep in each.depends_on}
        # Last created first, among those nothing left refers to (and that have not failed).
        ready = [lid for lid in reversed(remaining) if lid not in waiting and lid not in reasons]
        if not ready:
            break
        for logical_id in ready:
            resource = remaining[logical_id]
            if resource.deletion_policy in kept:
                retained[logical_id] = resource.physical_id
                del remaining[logical_id]
                continue
            try:
                DELETERS[resource.type](client, resource)
            except _HandlerFailed as failed:
                reasons[logical_id], errors[logical_id] = failed.reason, failed.error
                continue
            except ClientError as error:
                if not _gone(error):
                    answer = error.response.get("Error", {})
                    # (docs silent on each handler's wording: the service's code and message)
                    reasons[logical_id] = f"{answer.get('Code')}: {answer.get('Message')}"
                    errors[logical_id] = error
                    continue
            deleted[logical_id] = resource.physical_id
            del remaining[logical_id]
    return deleted, retained, reasons, errors


def destroy_stack(client: Client, stacks: Stacks, name: str, chosen_ids: dict[tuple[str, str], str]) -> Destroyed:
    """Delete stack ``name`` (see the module's docstring); raise ``DestroyFailedError`` if a resource
    could not be deleted (the stack then holds what is left)."""
    record = stacks.deployed.get(name)
    if record is None:
        raise ValueError(f"stack {name} is not deployed in this account (destroyed already, or its deployment failed)")
    if record.via_cloudformation:
        raise NotModelledError(
            f"destroy() of {name}: a deployment made via_cloudformation=True is not modelled "
            "(moto's CloudFormation holds its resources)"
        )
    refused = _refusals(record.resources.values())
    if refused:
        raise NotModelledError(f"destroy() of {name} deletes nothing: " + "; ".join(refused))
    deleted, retained, reasons, errors = _delete_in_order(client, record.resources, _KEPT_ON_DELETE)
    for logical_id in (*deleted, *retained):
        del record.resources[logical_id]
    if reasons:
        remaining = {logical_id: resource.type for logical_id, resource in record.resources.items()}
        raise DestroyFailedError(name, reasons, errors, remaining, deleted, retained) from next(iter(errors.values()))
    stacks.end(name, chosen_ids)
    return Destroyed(stack_name=name, deleted=deleted, retained=retained)


def roll_back(client: Client, created: Mapping[str, StackResource]) -> list[str]:
    """Delete what a failed deployment created, but for ``Retain`` resources (a ``RetainExceptOnCreate``
    one goes: its creating operation was rolled back); return a line for each that could not be."""
    problems = _refusals(created.values())
    deletable = {lid: resource for lid, resource in created.items() if not _refusals([resource])}
    _deleted, _retained, reasons, _errors = _delete_in_order(client, deletable, _KEPT_ON_ROLLBACK)
    problems += [f"{logical_id}: {reason}" for logical_id, reason in reasons.items()]
    return problems
