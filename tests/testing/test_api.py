"""constructs_sm.testing's public API: sources, workflows, every resource created (or named when it cannot
be), destroy and rollback, scripted job courses, API calls, the permission check, the pytest plugin, the
optional extra."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from botocore.exceptions import ClientError

import constructs_sm as sm
import constructs_sm.testing as testing
from constructs_sm.testing import (
    ApiCall,
    DeploymentFailedError,
    DestroyFailedError,
    NotEmulatedError,
    NotModelledError,
    OfflineAws,
    UnpermittedCall,
)
from tests import builders
from tests.conftest import ENV, _cdk_json_context

REPOSITORY = Path(__file__).parent.parent.parent
MODELLED = Path(testing.__file__).with_name("MODELLED.md")


def two_workflows(app: cdk.App | None = None) -> cdk.Stack:
    """A stack with a tuning and a training workflow (and the stack's job reaper beside them)."""
    stack = cdk.Stack(app or cdk.App(context=_cdk_json_context()), "Two", env=ENV)
    builders.workflow(stack, job_name_prefix="tune")
    sm.TrainingWorkflow(stack, "Training", training_job_definition=builders.definition(), job_name_prefix="train")
    return stack


# --------------------------------------------------------------------------- sources and workflows
def test_a_stack_an_assembly_and_a_template_file_deploy_alike(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"), context=_cdk_json_context())
    stack = two_workflows(app)
    app.synth()
    with OfflineAws() as aws:
        from_stack = aws.deploy(stack)
        from_assembly = aws.deploy(tmp_path / "cdk.out", stack_name="FromAssembly")
        from_file = aws.deploy(tmp_path / "cdk.out" / "Two.template.json", stack_name="FromFile")
    assert from_stack.stack_name == "Two"
    machines = set(from_stack.state_machine_arns)
    assert set(from_assembly.state_machine_arns) == set(from_file.state_machine_arns) == machines
    tuning = from_stack.workflow("Tuning")
    assert tuning.construct_path == "Two/Tuning/StateMachine"
    assert from_assembly.workflow("Two/Tuning").logical_id == tuning.logical_id
    assert from_file.workflow("Tuning").logical_id == tuning.logical_id  # by logical id prefix


def test_an_assembly_of_several_stacks_needs_the_stack_named(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=_cdk_json_context())
    two_workflows(app)
    builders.workflow(cdk.Stack(app, "Other", env=ENV))
    app.synth()
    with OfflineAws() as aws:
        with pytest.raises(KeyError, match=r"2 stacks of the cloud assembly .* match None: \['Other', 'Two'\]"):
            aws.deploy(tmp_path)
        assert aws.deploy(tmp_path, stack="Other").workflow().construct_path == "Other/Tuning/StateMachine"


def test_workflow_picks_one_by_construct_id_path_or_logical_id_the_reaper_aside() -> None:
    with OfflineAws() as aws:
        deployment = aws.deploy(two_workflows())
        with pytest.raises(KeyError, match="2 workflows"):
            deployment.workflow()
        assert set(deployment.workflows) == {
            deployment.workflow("Tuning").logical_id,
            deployment.workflow("Two/Training").logical_id,
        }
        assert deployment.job_reaper.construct_path == "Two/ConstructsSmJobReaper/StateMachine"
        with pytest.raises(KeyError, match="0 state machines match 'Nothing'"):
            deployment.workflow("Nothing")
        single = aws.deploy(builders.workflow().node.scope)
    assert single.workflow().logical_id.startswith("Tuning")


def test_deploy_refuses_what_it_cannot_read() -> None:
    with OfflineAws() as aws, pytest.raises(TypeError, match="takes an aws_cdk.Stack.*but got int"):
        aws.deploy(42)


def test_outside_the_block_the_account_is_gone() -> None:
    aws = OfflineAws()
    with pytest.raises(RuntimeError, match="context manager"):
        aws.deploy({})


# --------------------------------------------------------------------------- resources
def _exists(aws: OfflineAws, kind: str, physical_id: str, props: dict[str, Any]) -> Any:
    """Ask the emulated service for the resource (raises if it does not exist)."""
    lookups = {
        "AWS::IAM::Role": lambda: aws.client("iam").get_role(RoleName=physical_id),
        "AWS::IAM::ManagedPolicy": lambda: aws.client("iam").get_policy(PolicyArn=physical_id),
        "AWS::KMS::Key": lambda: aws.client("kms").describe_key(KeyId=physical_id),
        "AWS::Logs::LogGroup": lambda: aws.client("logs").describe_log_groups(logGroupNamePrefix=physical_id)[
            "logGroups"
        ][0],
        "AWS::SNS::Topic": lambda: aws.client("sns").get_topic_attributes(TopicArn=physical_id),
        "AWS::SQS::Queue": lambda: aws.client("sqs").get_queue_attributes(QueueUrl=physical_id),
        "AWS::Events::Rule": lambda: aws.client("events").describe_rule(Name=physical_id),
        "AWS::Scheduler::Schedule": lambda: aws.client("scheduler").get_schedule(Name=physical_id),
        "AWS::SageMaker::ModelPackageGroup": lambda: aws.sagemaker.describe_model_package_group(
            ModelPackageGroupName=physical_id.rsplit("/", 1)[-1]
        ),
        "AWS::EC2::VPC": lambda: aws.client("ec2").describe_vpcs(VpcIds=[physical_id])["Vpcs"][0],
        "AWS::EC2::Subnet": lambda: aws.client("ec2").describe_subnets(SubnetIds=[physical_id])["Subnets"][0],
        "AWS::EC2::SecurityGroup": lambda: aws.client("ec2").describe_security_groups(GroupIds=[physical_id]),
    }
    if kind in lookups:
        return lookups[kind]()
    return None  # policies attached to their targets: checked below


def test_every_resource_of_a_stack_exists_in_the_account(example_templates: dict[str, Any]) -> None:
    with OfflineAws() as aws:
        for name, template in example_templates.items():
            deployment = aws.deploy(template, stack_name=name)
            resources = template["Resources"]
            types = {resources[k]["Type"] for k in deployment.physical_ids}
            assert not set(deployment.not_created.values()) - set(testing.NOT_CREATED) - {"AWS::Lambda::Function"}
            assert set(deployment.physical_ids) | set(deployment.not_created) | set(
                deployment.state_machine_arns
            ) == set(resources)
            for logical_id, physical_id in deployment.physical_ids.items():
                _exists(aws, resources[logical_id]["Type"], physical_id, resources[logical_id].get("Properties", {}))
            for arn in deployment.state_machine_arns.values():
                aws.sfn.describe_state_machine(stateMachineArn=arn)
            assert "AWS::IAM::Role" in types and "AWS::KMS::Key" in types
        # What the hardened stack declares, by what the services answer.
        hardened = aws.deploy(example_templates["HardenedTuning"], stack_name="HardenedTuning")
        kinds = {v["Type"] for v in example_templates["HardenedTuning"]["Resources"].values()}
        assert {"AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::Scheduler::Schedule", "AWS::EC2::SecurityGroup"} <= kinds
        role = next(k for k, v in hardened.template["Resources"].items() if v["Type"] == "AWS::IAM::Role")
        attached = aws.client("iam").list_attached_role_policies(RoleName=hardened.physical_ids[role])
        assert attached["AttachedPolicies"], "the role's managed policies are attached"
        key = next(k for k, v in hardened.template["Resources"].items() if v["Type"] == "AWS::KMS::Key")
        policy = json.loads(
            aws.client("kms").get_key_policy(KeyId=hardened.physical_ids[key], PolicyName="default")["Policy"]
        )
        assert policy["Statement"], "the key has the template's policy"


def test_a_deployed_id_is_what_the_definition_names() -> None:
    """Ids the services choose (a KMS key's) are the ones the state machines are given."""
    with OfflineAws() as aws:
        deployment = aws.deploy(builders.workflow().node.scope)
        workflow = deployment.workflow()
        result = workflow.run({})
        (create,) = result.api_calls_of("CreateHyperParameterTuningJob")
        key = create.parameters["TrainingJobDefinition"]["OutputDataConfig"]["KmsKeyId"]
        assert aws.client("kms").describe_key(KeyId=key)["KeyMetadata"]["Arn"] == key


def test_a_resource_type_that_is_not_emulated_is_named() -> None:
    template = {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "index.handler"}},
            "M": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"DefinitionString": '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'},
            },
        }
    }
    with OfflineAws() as aws:
        with pytest.raises(NotEmulatedError, match=r"AWS::DynamoDB::Table \(Table\), AWS::Lambda::Function \(Fn\)"):
            aws.deploy(template)
        assert aws.sfn.list_state_machines()["stateMachines"] == [], "nothing is created"


def test_an_ignored_type_is_deployed_without_it() -> None:
    template = {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "M": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"DefinitionString": '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'},
            },
        }
    }
    with OfflineAws() as aws:
        deployment = aws.deploy(template, ignore_resource_types={"AWS::DynamoDB::Table"})
        assert deployment.not_created == {"Table": "AWS::DynamoDB::Table"}
        assert deployment.workflow().run().status == "SUCCEEDED"


def test_a_resource_whose_condition_is_false_is_not_created() -> None:
    template = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Condition": "Never", "Properties": {}}},
    }
    with OfflineAws() as aws:
        deployment = aws.deploy(template)
        assert deployment.physical_ids == {} and aws.client("sns").list_topics()["Topics"] == []


def test_a_second_deployment_of_a_stack_updates_its_state_machines() -> None:
    stack = builders.workflow().node.scope
    template = Template.from_stack(stack).to_json()
    with OfflineAws() as aws:
        first = aws.deploy(template, stack_name="S")
        changed = copy.deepcopy(template)
        machine = first.workflow().logical_id
        changed["Resources"][machine]["Properties"]["DefinitionString"] = (
            '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"version":2},"End":true}}}'
        )
        second = aws.deploy(changed, stack_name="S")
        assert second.workflow().arn == first.workflow().arn
        assert second.workflow().run().output == {"version": 2}


# --------------------------------------------------------------------------- destroy and rollback
_PASS = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'
_DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _workflow_resources() -> dict[str, Any]:
    """A key, a queue it encrypts (Retain), a log group (RetainExceptOnCreate), a role with an inline
    policy and a managed policy, and a state machine that runs as the role."""
    return {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"PendingWindowInDays": 7}},
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "DeletionPolicy": "Retain",
            "Properties": {"KmsMasterKeyId": {"Ref": "Key"}},
        },
        "Logs": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "RetainExceptOnCreate", "Properties": {}},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": _TRUST,
                "Policies": [{"PolicyName": "inline", "PolicyDocument": _DOCUMENT}],
            },
        },
        "Policy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"PolicyDocument": _DOCUMENT, "Roles": [{"Ref": "Role"}]},
        },
        "Machine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "DependsOn": ["Policy"],
            "Properties": {"DefinitionString": _PASS, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}},
        },
    }


def _log_group_names(aws: OfflineAws) -> set[str]:
    return {group["logGroupName"] for group in aws.client("logs").describe_log_groups()["logGroups"]}


def test_destroy_deletes_after_what_refers_to_it_and_keeps_what_its_policy_retains() -> None:
    with OfflineAws() as aws:
        deployment = aws.deploy({"Resources": _workflow_resources()})
        ids = deployment.physical_ids
        destroyed = deployment.destroy()
        assert destroyed.retained == {"Queue": ids["Queue"], "Logs": ids["Logs"]}
        order = list(destroyed.deleted)
        assert set(order) == {"Machine", "Policy", "Role", "Key"}
        assert order.index("Machine") < order.index("Policy") < order.index("Role")
        # Deleted through the services: the key waits its PendingWindowInDays.
        key = aws.client("kms").describe_key(KeyId=ids["Key"])["KeyMetadata"]
        assert key["KeyState"] == "PendingDeletion"
        assert round((key["DeletionDate"] - key["CreationDate"]).total_seconds() / 86400) == 7
        assert aws.sfn.list_state_machines()["stateMachines"] == []
        assert aws.client("iam").list_roles()["Roles"] == []
        assert aws.client("iam").list_policies(Scope="Local")["Policies"] == []
        # Retained: still in the account, out of the stack.
        aws.client("sqs").get_queue_attributes(QueueUrl=ids["Queue"])
        assert ids["Logs"] in _log_group_names(aws)
        with pytest.raises(ValueError, match="TestStack is not deployed"):
            deployment.destroy()
        # Deployed again, it is a new stack: new generated names, beside what the old one kept.
        again = aws.deploy({"Resources": _workflow_resources()})
        assert again.physical_ids["Logs"] != ids["Logs"] and again.physical_ids["Key"] != ids["Key"]
        assert {ids["Logs"], again.physical_ids["Logs"]} <= _log_group_names(aws)
        assert again.workflow().run().status == "SUCCEEDED"


def test_a_deleted_state_machines_running_executions_end() -> None:
    """ "On the next state transition, the state machine's executions are terminated" (DeleteStateMachine);
    moto deletes them with the machine, as the API Reference's older wording has it ("Each state
    machine execution is deleted the next time it makes a state transition")."""
    waiting = '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}'
    template = {
        "Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": waiting}}}
    }
    with OfflineAws() as aws:
        deployment = aws.deploy(template, zero_waits=False)
        execution = deployment.workflow().start()
        assert aws.sfn.describe_execution(executionArn=execution.arn)["status"] == "RUNNING"
        assert deployment.destroy().deleted == {"M": deployment.state_machine_arns["M"]}
        with pytest.raises(ClientError, match="ExecutionDoesNotExist"):
            aws.sfn.describe_execution(executionArn=execution.arn)


def test_a_deletion_a_service_refuses_fails_the_destroy_and_what_waits_for_it_stays() -> None:
    """DELETE_FAILED: a bucket that holds an object; its key (which the bucket refers to) waits;
    the others go. Emptied, the bucket is deleted by destroying again."""
    template = {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": {"Ref": "Key"},
                                }
                            }
                        ]
                    }
                },
            },
            "BucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": _DOCUMENT},
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        }
    }
    with OfflineAws() as aws:
        deployment = aws.deploy(template)
        bucket = deployment.physical_ids["Bucket"]
        aws.client("s3").put_object(Bucket=bucket, Key="model.tar.gz", Body=b"weights")
        with pytest.raises(DestroyFailedError, match=r"Bucket \(AWS::S3::Bucket\) DELETE_FAILED") as failed:
            deployment.destroy()
        assert failed.value.remaining == {"Bucket": "AWS::S3::Bucket", "Key": "AWS::KMS::Key"}
        assert failed.value.status_reasons == {"Bucket": "BucketNotEmpty: The bucket you tried to delete is not empty"}
        assert set(failed.value.deleted) == {"BucketPolicy", "Topic"}
        assert aws.client("kms").describe_key(KeyId=deployment.physical_ids["Key"])["KeyMetadata"]["KeyState"] == (
            "Enabled"
        )
        aws.client("s3").delete_object(Bucket=bucket, Key="model.tar.gz")
        assert list(deployment.destroy().deleted) == ["Bucket", "Key"]


def test_destroy_refuses_what_it_does_not_model_and_deletes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from constructs_sm.testing import _destroy

    snapshot = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Snapshot"}}}
    topic = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}}
    with OfflineAws() as aws:
        deployment = aws.deploy(snapshot, stack_name="Snapshot")
        with pytest.raises(
            NotModelledError, match=r"deletes nothing: Logs \(AWS::Logs::LogGroup\): DeletionPolicy Snapshot"
        ):
            deployment.destroy()
        assert deployment.physical_ids["Logs"] in _log_group_names(aws)

        deployment = aws.deploy(topic, stack_name="Unknown")
        monkeypatch.delitem(_destroy.DELETERS, "AWS::SNS::Topic")
        with pytest.raises(NotModelledError, match=r"Topic \(AWS::SNS::Topic\): deleting this type is not modelled"):
            deployment.destroy()
        monkeypatch.undo()
        assert len(aws.client("sns").list_topics()["Topics"]) == 1
        deployment.destroy()  # control
        assert aws.client("sns").list_topics()["Topics"] == []

        via = aws.deploy(topic, stack_name="ViaCfn", via_cloudformation=True)
        with pytest.raises(NotModelledError, match="via_cloudformation=True is not modelled"):
            via.destroy()


def test_a_taken_group_name_fails_the_deployment_which_is_rolled_back() -> None:
    """CREATE_FAILED, AlreadyExists: what the deployment created goes, but for Retain resources (a
    RetainExceptOnCreate one goes: its creation is what is rolled back)."""
    resources = _workflow_resources()
    resources["Group"] = {
        "Type": "AWS::SageMaker::ModelPackageGroup",
        "DeletionPolicy": "RetainExceptOnCreate",
        "Properties": {"ModelPackageGroupName": "models"},
    }
    with OfflineAws() as aws:
        aws.sagemaker.create_model_package_group(ModelPackageGroupName="models")
        aws.sagemaker.create_model_package(ModelPackageGroupName="models")
        with pytest.raises(DeploymentFailedError) as refused:
            aws.deploy({"Resources": resources})
        error = refused.value
        assert (error.stack_name, error.logical_id, error.resource_type) == (
            "TestStack",
            "Group",
            "AWS::SageMaker::ModelPackageGroup",
        )
        assert error.handler_error_code == "AlreadyExists"
        assert re.fullmatch(
            r"Resource handler returned message: \"Resource of type 'AWS::SageMaker::ModelPackageGroup' with "
            r"identifier 'models' already exists.\" \(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: AlreadyExists\)",
            error.status_reason,
        )
        # Rolled back: the role, its policies and the log group went; the key (Delete) went; the
        # queue (Retain) stayed; the group is as it was, with its version.
        assert aws.client("iam").list_roles()["Roles"] == [] and _log_group_names(aws) == set()
        assert aws.sfn.list_state_machines()["stateMachines"] == []
        (queue,) = aws.client("sqs").list_queues()["QueueUrls"]
        keys = aws.client("kms").list_keys()["Keys"]
        states = {aws.client("kms").describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] for k in keys}
        assert states == {"PendingDeletion"}
        assert len(aws.sagemaker.list_model_packages(ModelPackageGroupName="models")["ModelPackageSummaryList"]) == 1
        assert "TestStack" not in aws.stacks.deployed

        # The stack's own group is no collision: deployed again, it is updated.
        aws.sagemaker.delete_model_package(ModelPackageName="models")
        aws.sagemaker.delete_model_package_group(ModelPackageGroupName="models")
        first = aws.deploy({"Resources": resources})
        second = aws.deploy({"Resources": resources})
        assert second.physical_ids["Group"] == first.physical_ids["Group"]


# --------------------------------------------------------------------------- SageMaker's side
TRAINING = {
    "AlgorithmSpecification": {"TrainingImage": builders.IMAGE, "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/r",
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}


def _status(aws: OfflineAws, name: str) -> str:
    return str(aws.sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"])


def test_a_job_stays_in_progress_for_the_polls_it_was_given(offline_aws: OfflineAws) -> None:
    offline_aws.jobs.complete("slow", after_polls=2)
    offline_aws.jobs.fail("ClientError: no data", "doomed", after_polls=1)
    for name in ("slow", "doomed"):
        offline_aws.sagemaker.create_training_job(TrainingJobName=name, **TRAINING)
    assert [_status(offline_aws, "slow") for _ in range(4)] == ["InProgress", "InProgress", "Completed", "Completed"]
    assert [_status(offline_aws, "doomed") for _ in range(2)] == ["InProgress", "Failed"]
    described = offline_aws.sagemaker.describe_training_job(TrainingJobName="doomed")
    assert described["FailureReason"] == "ClientError: no data"


def test_a_workflow_polls_a_job_until_it_completes(offline_aws: OfflineAws, example_templates: dict[str, Any]) -> None:
    """The aws-sdk integration's polling loop: one Describe per round, three rounds InProgress."""
    workflow = offline_aws.deploy(example_templates["MultiAlgorithmTuning"]).workflow()
    offline_aws.jobs.complete(after_polls=3)
    result = workflow.run()
    assert result.status == "SUCCEEDED", result.cause
    assert result.entered_states.count("Describe job") == 4
    assert len(result.api_calls_of("DescribeHyperParameterTuningJob")) == 4


def test_completed_jobs_report_the_metrics_given(offline_aws: OfflineAws, example_templates: dict[str, Any]) -> None:
    tuning = offline_aws.deploy(example_templates["MinimalTuning"]).workflow()
    offline_aws.jobs.complete(metrics={"validation:auc": 0.93})  # best training job named after the tuning job
    best = tuning.run({"HyperParameterTuningJobName": "xgboosttuning-nightly"}).output["BestTrainingJob"]
    assert re.fullmatch(r"xgboosttuning-nightly-001-[0-9a-f]{8}", best["TrainingJobName"])
    assert best["FinalHyperParameterTuningJobObjectiveMetric"] == {
        "Type": "Maximize",
        "MetricName": "validation:auc",
        "Value": 0.93,
    }
    training = offline_aws.deploy(example_templates["SpotTraining"]).workflow()
    offline_aws.jobs.complete(kind="training", metrics={"validation:auc": 0.88})
    job = training.run().output["TrainingJob"]
    assert [(m["MetricName"], m["Value"]) for m in job["FinalMetricDataList"]] == [("validation:auc", 0.88)]


def test_without_a_best_training_job_the_tuning_job_reports_none(offline_aws: OfflineAws) -> None:
    """Control of the default above: a test can take the best training job away."""
    offline_aws.jobs.set_best_training_job(None)
    offline_aws.sagemaker.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="t",
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
        },
        TrainingJobDefinition=TRAINING,
    )
    assert "BestTrainingJob" not in offline_aws.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="t"
    )


def test_a_stopped_job_is_stopping_then_stopped_and_cannot_be_stopped_again(offline_aws: OfflineAws) -> None:
    offline_aws.jobs.hold()
    offline_aws.sagemaker.create_training_job(TrainingJobName="long", **TRAINING)
    offline_aws.sagemaker.stop_training_job(TrainingJobName="long")
    assert offline_aws.jobs.status("long") == "Stopping"
    assert _status(offline_aws, "long") == "Stopped"
    with pytest.raises(ClientError) as refused:
        offline_aws.sagemaker.stop_training_job(TrainingJobName="long")
    assert refused.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "The request was rejected because the training job is in status Stopped.",
    }
    with pytest.raises(ClientError) as missing:
        offline_aws.sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="never")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"


def test_a_resource_limit_is_scripted_by_its_code(offline_aws: OfflineAws) -> None:
    offline_aws.jobs.fail_next_creates(1, error="ResourceLimitExceeded", kind="training")
    with pytest.raises(ClientError) as refused:
        offline_aws.sagemaker.create_training_job(TrainingJobName="quota", **TRAINING)
    assert refused.value.response["Error"]["Code"] == "ResourceLimitExceeded"
    assert "Service Quotas" in refused.value.response["Error"]["Message"]
    offline_aws.sagemaker.create_training_job(TrainingJobName="quota", **TRAINING)
    assert offline_aws.jobs.create_calls == [
        ("training", "quota", "ResourceLimitExceeded"),
        ("training", "quota", "created"),
    ]


# --------------------------------------------------------------------------- results
def test_api_calls_list_every_task_call_with_its_parameters(
    offline_aws: OfflineAws, example_templates: dict[str, Any]
) -> None:
    result = offline_aws.deploy(example_templates["MinimalTuning"]).workflow().run()
    create, describe = result.api_calls
    assert (create.state, create.service, create.action, create.integration) == (
        "Create tuning job",
        "sagemaker",
        "CreateHyperParameterTuningJob",
        "sync",
    )
    assert create.parameters["HyperParameterTuningJobName"] == result.output["HyperParameterTuningJobName"]
    assert describe == ApiCall(
        state="Describe best training job",
        service="sagemaker",
        action="DescribeTrainingJob",
        integration="aws-sdk",
        parameters={"TrainingJobName": result.output["BestTrainingJob"]["TrainingJobName"]},
    )


def test_unpermitted_calls_name_the_role_and_the_call(example_templates: dict[str, Any]) -> None:
    broken = copy.deepcopy(example_templates["SpotTraining"])
    for resource in broken["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if "sagemaker:CreateTrainingJob" in statement["Action"]:
                    statement["Action"].remove("sagemaker:CreateTrainingJob")
    with OfflineAws() as aws:
        allowed = aws.deploy(example_templates["SpotTraining"], stack_name="Allowed").workflow().run()
        assert allowed.unpermitted_calls() == []
        denied = aws.deploy(broken, stack_name="Denied").workflow().run()
        (call,) = denied.unpermitted_calls()
    assert call == UnpermittedCall(
        caller="state machine",
        role=call.role,
        action="sagemaker:CreateTrainingJob",
        resource=f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{denied.output['TrainingJobName']}",
    )
    assert call.role.startswith("SpotTrainingStateMachineRole")


def test_the_permission_check_refuses_to_guess() -> None:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    outside = {
        "Resources": {
            "M": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": json.dumps(definition),
                    "RoleArn": "arn:aws:iam::123456789012:role/made-elsewhere",
                },
            }
        }
    }
    with OfflineAws() as aws:
        result = aws.deploy(outside).workflow().run()
        with pytest.raises(NotModelledError, match="role arn:aws:iam::123456789012:role/made-elsewhere is not in"):
            result.unpermitted_calls()
        by_hand = aws.run(aws.create_state_machine(definition, "by-hand"))
        with pytest.raises(ValueError, match="did not come from a deployment"):
            by_hand.unpermitted_calls()


# --------------------------------------------------------------------------- plugin, extra, packaging
def test_the_offline_aws_fixture_is_an_entered_account(offline_aws: OfflineAws) -> None:
    assert isinstance(offline_aws, OfflineAws)
    assert offline_aws.account_id == "123456789012" and offline_aws.settings.max_polls == 500


@pytest.mark.offline_aws(max_polls=3, region="eu-west-1")
def test_the_marker_sets_the_fixtures_arguments(offline_aws: OfflineAws) -> None:
    assert (offline_aws.settings.max_polls, offline_aws.region) == (3, "eu-west-1")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPOSITORY, timeout=120)


def test_import_constructs_sm_loads_neither_the_emulator_nor_moto() -> None:
    run = _python(
        "import sys, constructs_sm, constructs_sm.cli, constructs_sm._pytest_plugin\n"
        "constructs_sm.TuningWorkflow\n"
        "print(sorted(m for m in sys.modules if m.startswith(('moto', 'constructs_sm.testing', 'jsonata'))))"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_a_workflow_built_without_registration_loads_no_lambda_ecr_or_sagemaker_bindings() -> None:
    """aws_cdk.aws_lambda alone costs about 0.2 s to import (benchmarks/RESULTS.md, N = 1): the
    library names it, aws_ecr and aws_sagemaker in annotations only, and imports aws_sagemaker where
    a model package group is created. Counted beyond what the aws-cdk-lib modules the library uses
    load by themselves (aws-cdk-lib 2.200's bindings import all three; 2.275's none)."""
    run = _python(
        "import sys, aws_cdk as cdk\n"
        "from aws_cdk import aws_ec2, aws_events, aws_iam, aws_kms, aws_logs, aws_s3 as s3, aws_stepfunctions\n"
        "watched = ('aws_cdk.aws_lambda', 'aws_cdk.aws_ecr', 'aws_cdk.aws_sagemaker')\n"
        "before = {m for m in watched if m in sys.modules}\n"
        "import constructs_sm as sm\n"
        "stack = cdk.Stack(cdk.App(), 'S', env=cdk.Environment(account='123456789012', region='us-east-1'))\n"
        "data = s3.Bucket.from_bucket_name(stack, 'Data', 'data-bucket')\n"
        "job = sm.TrainingJobDefinition(\n"
        "    algorithm_specification=sm.AlgorithmSpecification(training_image=sm.TrainingImage.from_registry(\n"
        "        '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1')),\n"
        "    input_data_config=[sm.Channel(channel_name='train',\n"
        "        data_source=sm.S3DataSource(location=sm.S3Location.from_bucket(data, 'data/train/')))],\n"
        "    output_data_config=sm.S3Location.from_bucket(data, 'models/'),\n"
        "    stopping_condition=sm.StoppingCondition(max_runtime=cdk.Duration.hours(1)))\n"
        "sm.TrainingWorkflow(stack, 'Train', training_job_definition=job)\n"
        "cdk.App.of(stack).synth()\n"
        "print(sorted(m for m in watched if m in sys.modules and m not in before))"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_a_missing_extra_is_named_in_the_import_error() -> None:
    run = _python(
        "import sys\nsys.modules['moto'] = None\n"
        "import constructs_sm._pytest_plugin  # the plugin loads without the extra\n"
        "import constructs_sm.testing"
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1] == (
        "ImportError: constructs_sm.testing needs the 'testing' extra (moto is missing): "
        'pip install "constructs-sm[testing]"'
    )


def test_the_package_ships_its_modelled_behaviours_and_its_plugin() -> None:
    import tomllib

    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    assert "constructs_sm.testing" in project["tool"]["setuptools"]["packages"]
    assert project["tool"]["setuptools"]["package-data"]["constructs_sm.testing"] == ["MODELLED.md"]
    assert project["project"]["entry-points"]["pytest11"] == {"constructs_sm": "constructs_sm._pytest_plugin"}
    extra = project["project"]["optional-dependencies"]["testing"]
    assert {re.split(r"[\[<>=]", requirement)[0] for requirement in extra} == {"moto", "boto3", "jsonata-python"}
    (moto,) = [requirement for requirement in extra if requirement.startswith("moto[")]
    assert moto.endswith("]>=5.2.5,<5.3"), "a range, its internals checked by test_moto_internals.py"
    assert "constructs-sm[testing]" in project["project"]["optional-dependencies"]["dev"]
    assert MODELLED.is_file()


def test_every_test_modelled_md_names_exists() -> None:
    """MODELLED.md's test column names real tests (rules::, selftest::, api:: in tests/testing/)."""
    files = {"rules": "test_rules.py", "selftest": "test_emulator.py", "api": "test_api.py"}
    defined = {
        prefix: set(re.findall(r"^def (test_\w+)", (Path(__file__).parent / name).read_text(), flags=re.M))
        for prefix, name in files.items()
    }
    named: list[tuple[str, str]] = []
    for line in MODELLED.read_text().splitlines():
        prefix = None
        for match in re.finditer(r"(rules|selftest|api)::|`(test_\w+)`", line):
            if match.group(1):
                prefix = match.group(1)
            elif prefix is not None:
                named.append((prefix, match.group(2)))
    assert len(named) > 40
    assert [(prefix, name) for prefix, name in named if name not in defined[prefix]] == []
