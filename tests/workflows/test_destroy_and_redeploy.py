"""``cdk destroy`` and a redeploy, offline: the workflows' ``removal_policy`` reaches every resource
that holds data, and what it keeps decides whether the same app deploys again.

The app: a tuning workflow that registers its best model (a model package group with a fixed name)
and notifications (a dead-letter queue), each with its KMS keys and log groups.

* ``removal_policy=DESTROY`` (dev stacks): ``destroy()`` deletes everything, but SageMaker refuses
  to delete a group that still holds model versions, so the stack's deletion fails
  (``DELETE_FAILED``) on the group until its versions are deleted; then it succeeds, and the
  unchanged app deploys again and registers into a new group of the same name.
* the default (``RETAIN``; the group ``RETAIN_ON_UPDATE_OR_DELETE``): ``destroy()`` keeps the group
  with its versions, the keys, the log groups and the dead-letter queue. The unchanged app then
  fails to deploy (the group's name is taken: ``AlreadyExists``); naming the kept group
  (``model_package_group_name``) deploys, and registers the next version in it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from botocore.exceptions import ClientError

import constructs_sm as sm
from constructs_sm.testing import Deployment, DeploymentFailedError, DestroyFailedError, OfflineAws
from tests import builders
from tests.conftest import ENV, _cdk_json_context

STACK = "Churn"
GROUP = "AWS::SageMaker::ModelPackageGroup"
BEST = ("tuning-0a1b2c3d4e5f-003-9f8e7d6c", "tuning-5f4e3d2c1b0a-002-0a1b2c3d")


def _template(removal_policy: cdk.RemovalPolicy | None = None, group: str | None = None) -> dict[str, Any]:
    """The app's stack, synthesized: the workflow with registration, and its notifications."""
    stack = cdk.Stack(cdk.App(context=_cdk_json_context()), STACK, env=ENV)
    registration = sm.ModelRegistration(
        inference_instance_types=["ml.m5.large"], **({"model_package_group_name": group} if group else {})
    )
    options = {"removal_policy": removal_policy} if removal_policy is not None else {}
    workflow = builders.workflow(stack, model_registration=registration, **options)
    sm.WorkflowNotifications(stack, "Notify", workflow=workflow)
    return dict(Template.from_stack(stack).to_json())


@pytest.fixture(scope="module")
def dev() -> dict[str, Any]:
    return _template(cdk.RemovalPolicy.DESTROY)


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return _template()


def _of_type(template: dict[str, Any], kind: str) -> list[str]:
    return [logical_id for logical_id, resource in template["Resources"].items() if resource["Type"] == kind]


def _group(template: dict[str, Any]) -> tuple[str, str]:
    """The logical id and the name of the group the template creates."""
    (logical_id,) = _of_type(template, GROUP)
    return logical_id, template["Resources"][logical_id]["Properties"]["ModelPackageGroupName"]


def _register(aws: OfflineAws, deployment: Deployment, best: str, run: str) -> str:
    """One execution that registers ``best``; the new version's ARN."""
    aws.jobs.set_best_training_job(
        training_job_name=best, final_metric_data_list=[{"MetricName": "validation:auc", "Value": 0.91}]
    )
    result = deployment.workflow().run({}, name=run)
    assert result.status == "SUCCEEDED", result.cause
    return str(result.output["ModelPackageArn"])


def _versions(aws: OfflineAws, group: str) -> list[int]:
    packages = aws.sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    return sorted(package["ModelPackageVersion"] for package in packages)


def _groups(aws: OfflineAws) -> set[str]:
    summaries = aws.sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"]
    return {summary["ModelPackageGroupName"] for summary in summaries}


def _key_states(aws: OfflineAws, deployment: Deployment) -> dict[str, str]:
    kms = aws.client("kms")
    return {
        logical_id: kms.describe_key(KeyId=deployment.physical_ids[logical_id])["KeyMetadata"]["KeyState"]
        for logical_id in _of_type(deployment.template, "AWS::KMS::Key")
    }


def _log_groups(aws: OfflineAws, deployment: Deployment) -> dict[str, bool]:
    logs = aws.client("logs")
    found = {}
    for logical_id in _of_type(deployment.template, "AWS::Logs::LogGroup"):
        name = deployment.physical_ids[logical_id]
        groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        found[logical_id] = any(group["logGroupName"] == name for group in groups)
    return found


def _queue_exists(aws: OfflineAws, url: str) -> bool:
    try:
        aws.client("sqs").get_queue_attributes(QueueUrl=url)
    except ClientError:
        return False
    return True


# --- DESTROY: a dev stack -----------------------------------------------------------------------


def test_every_data_holding_resource_of_a_dev_stack_is_deleted(dev: dict[str, Any]) -> None:
    for kind in ("AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SQS::Queue", GROUP):
        policies = {dev["Resources"][logical_id].get("DeletionPolicy") for logical_id in _of_type(dev, kind)}
        assert policies == {"Delete"}, (kind, policies)


def test_a_dev_stack_is_destroyed_once_its_versions_are_deleted_and_the_same_app_deploys_again(
    offline_aws: OfflineAws, dev: dict[str, Any]
) -> None:
    aws = offline_aws
    group_id, group = _group(dev)
    deployment = aws.deploy(dev, stack_name=STACK)
    version = _register(aws, deployment, BEST[0], "first")
    assert version.endswith(f":model-package/{group}/1")
    machines = list(deployment.state_machine_arns.values())

    # The group holds a version: SageMaker refuses to delete it, the stack's deletion fails on it.
    with pytest.raises(DestroyFailedError, match=rf"{group_id} \({GROUP}\) DELETE_FAILED") as failed:
        deployment.destroy()
    assert failed.value.remaining == {group_id: GROUP}
    assert failed.value.status_reasons[group_id].startswith(
        "Resource handler returned message: \"Error occurred during operation 'DELETE'.\" (RequestToken: "
    )
    assert failed.value.status_reasons[group_id].endswith("HandlerErrorCode: GeneralServiceException)")
    answer = failed.value.errors[group_id].response["Error"]  # type: ignore[attr-defined]
    assert answer["Code"] == "ConflictException" and group in answer["Message"]
    assert _versions(aws, group) == [1]
    # Everything else is gone: nothing else waits for the group.
    assert set(failed.value.deleted) == set(dev["Resources"]) - {group_id} - set(deployment.not_created)
    assert failed.value.retained == {}
    for arn in machines:
        with pytest.raises(ClientError, match="StateMachineDoesNotExist|does not exist"):
            aws.sfn.describe_state_machine(stateMachineArn=arn)
    assert set(_key_states(aws, deployment).values()) == {"PendingDeletion"}
    assert set(_log_groups(aws, deployment).values()) == {False}
    (queue,) = _of_type(dev, "AWS::SQS::Queue")
    assert not _queue_exists(aws, deployment.physical_ids[queue])

    # Delete the version through SageMaker, and destroy again: the group goes, and the stack.
    aws.sagemaker.delete_model_package(ModelPackageName=version)
    destroyed = deployment.destroy()
    assert destroyed.deleted == {group_id: deployment.physical_ids[group_id]} and destroyed.retained == {}
    assert group not in _groups(aws)
    with pytest.raises(ValueError, match=f"stack {STACK} is not deployed"):
        deployment.destroy()

    # The unchanged app deploys again, and registers into a new group of the same name.
    again = aws.deploy(dev, stack_name=STACK)
    assert _register(aws, again, BEST[1], "again").endswith(f":model-package/{group}/1")
    assert _groups(aws) == {group}


def test_keys_are_scheduled_for_deletion_after_their_pending_window(
    offline_aws: OfflineAws, dev: dict[str, Any]
) -> None:
    """CloudFormation schedules a deleted key's deletion after PendingWindowInDays, 30 by default."""
    deployment = offline_aws.deploy(dev, stack_name=STACK)
    deployment.destroy()  # no run: the group is empty
    kms = offline_aws.client("kms")
    for logical_id in _of_type(dev, "AWS::KMS::Key"):
        window = int(dev["Resources"][logical_id]["Properties"].get("PendingWindowInDays", 30))
        key = kms.describe_key(KeyId=deployment.physical_ids[logical_id])["KeyMetadata"]
        days = (key["DeletionDate"] - dt.datetime.now(dt.UTC)).total_seconds() / 86400
        assert key["KeyState"] == "PendingDeletion" and window - 1 < days <= window, (logical_id, days)


# --- the default: RETAIN --------------------------------------------------------------------------


def test_by_default_the_data_is_kept_and_the_kept_group_must_be_named_to_deploy_again(
    offline_aws: OfflineAws, default: dict[str, Any]
) -> None:
    aws = offline_aws
    group_id, group = _group(default)
    assert default["Resources"][group_id]["DeletionPolicy"] == "RetainExceptOnCreate"
    deployment = aws.deploy(default, stack_name=STACK)
    assert _register(aws, deployment, BEST[0], "first").endswith(f":model-package/{group}/1")

    destroyed = deployment.destroy()
    kept = {group_id, *_of_type(default, "AWS::KMS::Key"), *_of_type(default, "AWS::Logs::LogGroup")}
    kept |= set(_of_type(default, "AWS::SQS::Queue"))
    assert set(destroyed.retained) == kept
    assert set(destroyed.deleted) == set(default["Resources"]) - kept - set(deployment.not_created)
    assert set(_key_states(aws, deployment).values()) == {"Enabled"}
    assert set(_log_groups(aws, deployment).values()) == {True}
    (queue,) = _of_type(default, "AWS::SQS::Queue")
    assert _queue_exists(aws, deployment.physical_ids[queue])
    assert _versions(aws, group) == [1]
    assert aws.sfn.list_state_machines()["stateMachines"] == []

    # The unchanged app: its group's name is taken by the kept group.
    with pytest.raises(DeploymentFailedError, match="already exists") as refused:
        aws.deploy(default, stack_name=STACK)
    assert (refused.value.logical_id, refused.value.handler_error_code) == (group_id, "AlreadyExists")
    assert f"Resource of type '{GROUP}' with identifier '{group}' already exists." in refused.value.status_reason
    # Rolled back: no state machine or role of that deployment is left; the kept group is as it was.
    assert aws.sfn.list_state_machines()["stateMachines"] == []
    assert aws.client("iam").list_roles()["Roles"] == []
    assert _versions(aws, group) == [1]

    # Named, the kept group is used: the stack creates none, and the next version goes into it.
    named = _template(group=group)
    assert _of_type(named, GROUP) == []
    again = aws.deploy(named, stack_name=STACK)
    assert _register(aws, again, BEST[1], "after").endswith(f":model-package/{group}/2")
    assert _versions(aws, group) == [1, 2] and _groups(aws) == {group}
