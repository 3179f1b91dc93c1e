"""Tests of the offline emulator itself (constructs_sm.testing), on hand-written ASL shaped like the library's."""

from __future__ import annotations

import json
import re
import time

import boto3
import pytest
from moto import mock_aws

from constructs_sm.testing import DEFAULT_API_ERROR_NAME, OfflineAws, zero_waits
from constructs_sm.testing._execution import run_execution

ROLE_ARN = "arn:aws:iam::123456789012:role/x"
TRAINING_JOB_DEFINITION = {
    "AlgorithmSpecification": {
        "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
        "TrainingInputMode": "File",
    },
    "RoleArn": ROLE_ARN,
    "StaticHyperParameters": {"objective": "binary:logistic"},
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}
TUNING_JOB_CONFIG = {
    "Strategy": "Bayesian",
    "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
    "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
    "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}]},
}
CREATE_PARAMETERS = {
    "HyperParameterTuningJobName.$": "$.TuningJobName.Name",
    "HyperParameterTuningJobConfig": TUNING_JOB_CONFIG,
    "TrainingJobDefinition": TRAINING_JOB_DEFINITION,
    "Tags": [{"Key": "project", "Value": "constructs_sm"}],
}
BEST_JOB = {
    "training_job_name": "best-job-001",
    "hyper_parameters": {"eta": "0.25"},
    "model_artifacts": "s3://bucket/output/best-job-001/output/model.tar.gz",
    "final_metric_data_list": [{"MetricName": "validation:auc", "Value": 0.91}],
}


def naming_states(next_state: str) -> dict:
    return {
        "Name tuning job": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.HyperParameterTuningJobName", "IsPresent": True, "Next": "Use given name"}],
            "Default": "Generate name",
        },
        "Use given name": {
            "Type": "Pass",
            "Parameters": {"Name.$": "$.HyperParameterTuningJobName"},
            "ResultPath": "$.TuningJobName",
            "Next": next_state,
        },
        "Generate name": {
            "Type": "Pass",
            "Parameters": {
                "Name.$": "States.Format('{}-{}', 'myprefix', "
                "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4))"
            },
            "ResultPath": "$.TuningJobName",
            "Next": next_state,
        },
    }


def best_job_states() -> dict:
    return {
        "Has best training job": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.TuningJob.BestTrainingJob", "IsPresent": True, "Next": "Describe best training job"}
            ],
            "Default": "No best training job",
        },
        "No best training job": {"Type": "Fail", "Error": "NoBestTrainingJob"},
        "Describe best training job": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
            "Parameters": {"TrainingJobName.$": "$.TuningJob.BestTrainingJob.TrainingJobName"},
            "ResultPath": "$.BestTrainingJob",
            "Next": "Build output",
        },
        "Build output": {
            "Type": "Pass",
            "Parameters": {
                "TuningJobName.$": "$.TuningJob.HyperParameterTuningJobName",
                "BestTrainingJobName.$": "$.BestTrainingJob.TrainingJobName",
                "ModelArtifacts.$": "$.BestTrainingJob.ModelArtifacts.S3ModelArtifacts",
                "HyperParameters.$": "$.BestTrainingJob.HyperParameters",
                "FinalMetricDataList.$": "$.BestTrainingJob.FinalMetricDataList",
            },
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Tuning failed": {"Type": "Fail", "ErrorPath": "$.Error.Error", "CausePath": "$.Error.Cause"},
    }


def sync_definition() -> dict:
    """The ``.sync`` flavour: name, create-and-wait, describe the best job."""
    return {
        "StartAt": "Name tuning job",
        "States": {
            **naming_states("Create tuning job"),
            "Create tuning job": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync",
                "Parameters": CREATE_PARAMETERS,
                "ResultPath": "$.TuningJob",
                "Retry": [
                    {
                        "ErrorEquals": [DEFAULT_API_ERROR_NAME, "ThrottlingException"],
                        "IntervalSeconds": 5,
                        "MaxAttempts": 3,
                        "BackoffRate": 2.0,
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.Error", "Next": "Tuning failed"}],
                "Next": "Has best training job",
            },
            **best_job_states(),
        },
    }


def polling_definition() -> dict:
    """The aws-sdk flavour: create, then Wait -> describe -> Choice until a terminal status."""
    create = {key: value for key, value in CREATE_PARAMETERS.items()}
    return {
        "StartAt": "Name tuning job",
        "States": {
            **naming_states("Create tuning job"),
            "Create tuning job": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:createHyperParameterTuningJob",
                "Parameters": create,
                "ResultPath": "$.Created",
                "Next": "Wait for tuning job",
            },
            "Wait for tuning job": {"Type": "Wait", "SecondsPath": "$.PollSeconds", "Next": "Describe tuning job"},
            "Describe tuning job": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeHyperParameterTuningJob",
                "Parameters": {"HyperParameterTuningJobName.$": "$.TuningJobName.Name"},
                "ResultPath": "$.TuningJob",
                "Next": "Check tuning job status",
            },
            "Check tuning job status": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.TuningJob.HyperParameterTuningJobStatus",
                        "StringEquals": "Completed",
                        "Next": "Has best training job",
                    },
                    {
                        "Variable": "$.TuningJob.HyperParameterTuningJobStatus",
                        "StringEquals": "Failed",
                        "Next": "Tuning job failed",
                    },
                    {
                        "Variable": "$.TuningJob.HyperParameterTuningJobStatus",
                        "StringEquals": "Stopped",
                        "Next": "Tuning job failed",
                    },
                ],
                "Default": "Wait for tuning job",
            },
            "Tuning job failed": {"Type": "Fail", "Error": "TuningJobFailed", "CausePath": "$.TuningJob.FailureReason"},
            **best_job_states(),
        },
    }


def training_definition() -> dict:
    return {
        "StartAt": "Train",
        "States": {
            "Train": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
                "Parameters": {
                    "TrainingJobName.$": "$.TrainingJobName",
                    "AlgorithmSpecification": TRAINING_JOB_DEFINITION["AlgorithmSpecification"],
                    "HyperParameters": {"eta": "0.2"},
                    "RoleArn": ROLE_ARN,
                    "OutputDataConfig": TRAINING_JOB_DEFINITION["OutputDataConfig"],
                    "ResourceConfig": TRAINING_JOB_DEFINITION["ResourceConfig"],
                    "StoppingCondition": TRAINING_JOB_DEFINITION["StoppingCondition"],
                },
                "ResultPath": "$.TrainingJob",
                "End": True,
            }
        },
    }


# ---------------------------------------------------------------------------- .sync flavour
def test_sync_tuning_definition_succeeds_with_chosen_best_job(offline_aws):
    # GIVEN
    aws = offline_aws
    arn = aws.create_state_machine(sync_definition(), "tuning")
    aws.jobs.set_best_training_job(**BEST_JOB)
    # WHEN
    result = aws.run(arn, {}, name="ok")
    # THEN
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["TuningJobName"].startswith("myprefix-")
    assert len(result.output["TuningJobName"]) == len("myprefix-") + 12
    assert result.output == {
        "TuningJobName": result.output["TuningJobName"],
        "BestTrainingJobName": "best-job-001",
        "ModelArtifacts": BEST_JOB["model_artifacts"],
        "HyperParameters": {"objective": "binary:logistic", "eta": "0.25"},
        "FinalMetricDataList": [
            {
                "MetricName": "validation:auc",
                "Value": 0.91,
                "Timestamp": result.output["FinalMetricDataList"][0]["Timestamp"],
            }
        ],
    }
    assert result.entered_states == [
        "Name tuning job",
        "Generate name",
        "Create tuning job",
        "Has best training job",
        "Describe best training job",
        "Build output",
        "Done",
    ]
    assert result.state_transitions == 7


def test_sync_task_result_is_the_describe_output_with_iso_timestamps(offline_aws):
    # GIVEN
    aws = offline_aws
    definition = sync_definition()
    definition["States"]["Create tuning job"]["Next"] = "Done"
    arn = aws.create_state_machine(definition, "describe-output")
    # WHEN
    result = aws.run(arn, {"HyperParameterTuningJobName": "given-name"}, name="given")
    # THEN
    tuning_job = result.output["TuningJob"]
    assert tuning_job["HyperParameterTuningJobName"] == "given-name"
    assert tuning_job["HyperParameterTuningJobStatus"] == "Completed"
    assert isinstance(tuning_job["CreationTime"], str) and "T" in tuning_job["CreationTime"]
    assert "Use given name" in result.entered_states


def test_failed_tuning_job_ends_failed_with_failure_reason_in_cause(offline_aws):
    # GIVEN
    aws = offline_aws
    arn = aws.create_state_machine(sync_definition(), "tuning")
    aws.jobs.fail("AlgorithmError: out of memory")
    # WHEN
    result = aws.run(arn, {"HyperParameterTuningJobName": "doomed"}, name="failed")
    # THEN
    assert result.status == "FAILED"
    assert result.error == "States.TaskFailed"
    assert result.cause_json["FailureReason"] == "AlgorithmError: out of memory"
    assert result.cause_json["HyperParameterTuningJobStatus"] == "Failed"
    assert result.entered_states[-1] == "Tuning failed"


def test_stopped_tuning_job_ends_failed_with_describe_output_in_cause(offline_aws):
    # GIVEN
    aws = offline_aws
    arn = aws.create_state_machine(sync_definition(), "tuning")
    aws.jobs.stop()
    # WHEN
    result = aws.run(arn, {}, name="stopped")
    # THEN
    assert result.status == "FAILED"
    assert result.error == "States.TaskFailed"
    assert result.cause_json["HyperParameterTuningJobStatus"] == "Stopped"


def test_throttled_create_is_retried_by_the_retry_clause(offline_aws):
    # GIVEN
    aws = offline_aws
    arn = aws.create_state_machine(sync_definition(), "tuning")
    aws.jobs.set_best_training_job(**BEST_JOB)
    aws.jobs.throttle_next_creates(2)
    # WHEN
    result = aws.run(arn, {"HyperParameterTuningJobName": "throttled"}, name="throttled")
    # THEN
    assert result.status == "SUCCEEDED", result.cause
    assert [outcome for _, _, outcome in aws.jobs.create_calls] == [
        "ThrottlingException",
        "ThrottlingException",
        "created",
    ]
    assert aws.retry_delays == [5.0, 10.0]
    failures = [e["taskFailedEventDetails"] for e in result.events if e["type"] == "TaskFailed"]
    assert [f["error"] for f in failures] == [DEFAULT_API_ERROR_NAME] * 2
    assert "Error Code: ThrottlingException" in failures[0]["cause"]


def test_throttling_past_max_attempts_is_caught(offline_aws):
    # GIVEN
    aws = offline_aws
    arn = aws.create_state_machine(sync_definition(), "tuning")
    aws.jobs.throttle_next_creates(4)  # the first attempt and MaxAttempts (3) retries
    # WHEN
    result = aws.run(arn, {}, name="throttled-out")
    # THEN
    assert result.status == "FAILED"
    assert result.error == DEFAULT_API_ERROR_NAME
    assert result.cause.startswith(
        "Rate exceeded (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException"
    )
    assert len(aws.jobs.create_calls) == 4 and aws.jobs.created == []


def test_held_job_keeps_the_task_running_until_released(offline_aws):
    # GIVEN
    aws = offline_aws
    arn = aws.create_state_machine(sync_definition(), "tuning")
    aws.jobs.set_best_training_job(**BEST_JOB)
    aws.jobs.hold()
    execution = aws.start(arn, {"HyperParameterTuningJobName": "held"}, "held")
    aws.jobs.wait_for_created(1)
    time.sleep(0.05)
    assert aws.jobs.status("held") == "InProgress"
    assert execution.status == "RUNNING"
    # WHEN
    aws.jobs.release()
    result = execution.wait()
    # THEN
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["BestTrainingJobName"] == "best-job-001"


def test_held_job_beyond_max_polls_fails_with_emulator_message():
    with OfflineAws(max_polls=3) as aws:
        # GIVEN
        definition = sync_definition()
        del definition["States"]["Create tuning job"]["Catch"]
        arn = aws.create_state_machine(definition, "tuning")
        aws.jobs.hold()
        # WHEN
        result = aws.run(arn, {}, name="never-released")
    # THEN
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "emulator:" in result.cause and "still running after 3 polls" in result.cause


def test_api_error_name_none_keeps_moto_states_runtime():
    with OfflineAws(api_error_name=None) as aws:
        definition = sync_definition()
        del definition["States"]["Create tuning job"]["Catch"]
        arn = aws.create_state_machine(definition, "tuning")
        aws.jobs.throttle_next_creates(1)
        result = aws.run(arn, {}, name="runtime")
    assert result.error == "States.Runtime"
    assert (
        "An error occurred (ThrottlingException) when calling the CreateHyperParameterTuningJob operation"
        in result.cause
    )


def test_request_response_create_still_reaches_moto_sagemaker(offline_aws):
    aws = offline_aws
    definition = sync_definition()
    definition["States"]["Create tuning job"]["Resource"] = "arn:aws:states:::sagemaker:createHyperParameterTuningJob"
    definition["States"]["Create tuning job"]["Next"] = "Done"
    arn = aws.create_state_machine(definition, "request-response")
    result = aws.run(arn, {"HyperParameterTuningJobName": "rr"}, name="rr")
    assert result.output["TuningJob"] == {
        "HyperParameterTuningJobArn": "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/rr"
    }


def test_missing_best_training_job_takes_the_default_branch(offline_aws):
    aws = offline_aws
    arn = aws.create_state_machine(sync_definition(), "tuning")
    aws.jobs.set_best_training_job(None)
    result = aws.run(arn, {}, name="no-best")
    assert result.status == "FAILED"
    assert result.error == "NoBestTrainingJob"


# ---------------------------------------------------------------------------- training flavour
def test_training_sync_completes_and_fails(offline_aws):
    aws = offline_aws
    arn = aws.create_state_machine(training_definition(), "training")
    aws.jobs.fail("ClientError: no data", name="train-bad")

    ok = aws.run(arn, {"TrainingJobName": "train-ok"}, name="ok")
    bad = aws.run(arn, {"TrainingJobName": "train-bad"}, name="bad")

    assert ok.status == "SUCCEEDED"
    assert ok.output["TrainingJob"]["TrainingJobStatus"] == "Completed"
    assert ok.output["TrainingJob"]["ModelArtifacts"] == {
        "S3ModelArtifacts": "s3://bucket/output/train-ok/output/model.tar.gz"
    }
    assert bad.error == "States.TaskFailed"
    assert bad.cause_json["FailureReason"] == "ClientError: no data"
    assert bad.cause_json["TrainingJobStatus"] == "Failed"


# ---------------------------------------------------------------------------- aws-sdk polling flavour
def test_polling_loop_completes_after_release(offline_aws):
    # GIVEN
    aws = offline_aws
    arn = aws.create_state_machine(polling_definition(), "polling")  # Waits shortened to 0 s
    aws.jobs.set_best_training_job(**BEST_JOB)
    aws.jobs.hold()
    execution = aws.start(arn, {"PollSeconds": 60}, "poll")
    aws.jobs.wait_for_created(1)
    # Release only once the loop has gone round twice, however slow the machine (no fixed sleep).
    deadline = time.monotonic() + 30
    while execution.entered("Wait for tuning job") < 2:
        assert time.monotonic() < deadline, "the polling loop did not go round twice in 30 s"
        time.sleep(0.01)
    # WHEN
    aws.jobs.release()
    result = execution.wait()
    # THEN
    assert result.status == "SUCCEEDED", result.cause
    assert result.entered_states.count("Wait for tuning job") >= 2
    assert result.output["ModelArtifacts"] == BEST_JOB["model_artifacts"]


def test_polling_loop_fails_on_failed_job(offline_aws):
    aws = offline_aws
    arn = aws.create_state_machine(polling_definition(), "polling")
    aws.jobs.fail("InternalServerError: boom")
    result = aws.run(arn, {"PollSeconds": 60}, name="poll-fail")
    assert result.status == "FAILED"
    assert (result.error, result.cause) == ("TuningJobFailed", "InternalServerError: boom")


# ---------------------------------------------------------------------------- facts about moto
def test_moto_alone_rejects_sagemaker_sync():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="m", definition=json.dumps(sync_definition()), roleArn=ROLE_ARN)[
            "stateMachineArn"
        ]
        result = run_execution(sfn, arn, {}, "plain-moto")
    # The Catch turns moto's States.Runtime into the Fail state's error.
    assert result.error == "States.Runtime"
    assert "Unsupported sync callback procedure" in result.cause


def test_zero_waits_rewrites_every_wait():
    definition = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Timestamp": "2030-01-01T00:00:00Z", "Next": "P"},
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}],
                "End": True,
            },
        },
    }
    result = zero_waits(definition)
    assert result["States"]["W"] == {"Type": "Wait", "Next": "P", "Seconds": 0}
    assert result["States"]["P"]["Branches"][0]["States"]["X"] == {"Type": "Wait", "End": True, "Seconds": 0}
    assert definition["States"]["W"]["Timestamp"] == "2030-01-01T00:00:00Z"


# ---------------------------------------------------------------------------- template deployment
def join_with_tokens(text: str, tokens: dict) -> dict:
    """An ``Fn::Join`` as CDK writes it: literal pieces around token objects."""
    pieces = re.split("(" + "|".join(map(re.escape, tokens)) + ")", text)
    return {"Fn::Join": ["", [tokens.get(piece, piece) for piece in pieces if piece]]}


def cdk_like_template() -> dict:
    """What CDK writes for a machine whose definition holds tokens, and one with substitutions."""
    text = (
        json.dumps(sync_definition()).replace(ROLE_ARN, "@ROLE@").replace("s3://bucket/output", "s3://${Bucket}/output")
    )
    definition = join_with_tokens(text, {"@ROLE@": {"Fn::GetAtt": ["JobRole014917C6", "Arn"]}})
    return {
        "Resources": {
            "JobRole014917C6": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Action": "sts:AssumeRole",
                                "Effect": "Allow",
                                "Principal": {"Service": "sagemaker.amazonaws.com"},
                            }
                        ],
                        "Version": "2012-10-17",
                    }
                },
            },
            "Key961B73FD": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {}}},
            "Subnet1": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24"},
            },
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "SG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x", "VpcId": {"Ref": "Vpc"}}},
            "MachineRoleD2D3D395": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Action": "sts:AssumeRole",
                                "Effect": "Allow",
                                "Principal": {"Service": "states.amazonaws.com"},
                            }
                        ],
                        "Version": "2012-10-17",
                    }
                },
            },
            "TuningWorkflow6FC8AE80": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": definition,
                    "DefinitionSubstitutions": {"Bucket": {"Fn::Sub": "out-${AWS::AccountId}-${AWS::Region}"}},
                    "RoleArn": {"Fn::GetAtt": ["MachineRoleD2D3D395", "Arn"]},
                },
                "DependsOn": ["MachineRoleD2D3D395"],
            },
            "ResolverProbe5718783A": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": json.dumps(
                        {
                            "StartAt": "P",
                            "States": {
                                "P": {
                                    "Type": "Pass",
                                    "Result": {
                                        "KeyArn": "${KeyArn}",
                                        "Subnet": "${Subnet}",
                                        "Group": "${Group}",
                                        "Partition": "${Partition}",
                                        "Suffix": "${Suffix}",
                                        "Second": "${Second}",
                                    },
                                    "End": True,
                                }
                            },
                        }
                    ),
                    "DefinitionSubstitutions": {
                        "KeyArn": {"Fn::GetAtt": ["Key961B73FD", "Arn"]},
                        "Subnet": {"Ref": "Subnet1"},
                        "Group": {"Fn::GetAtt": ["SG", "GroupId"]},
                        "Partition": {"Ref": "AWS::Partition"},
                        "Suffix": {"Ref": "AWS::URLSuffix"},
                        "Second": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]},
                    },
                    "RoleArn": {"Fn::GetAtt": ["MachineRoleD2D3D395", "Arn"]},
                },
            },
        }
    }


def test_deploy_template_creates_runnable_machines(offline_aws):
    # GIVEN
    aws = offline_aws
    aws.jobs.set_best_training_job(**BEST_JOB)
    # WHEN
    deployment = aws.deploy(cdk_like_template(), stack_name="Stack")
    result = aws.run(deployment.arn("TuningWorkflow"), {}, name="deployed")
    probe = aws.run(deployment.arn("ResolverProbe"), {}, name="probe")
    # THEN
    assert result.status == "SUCCEEDED", result.cause
    created = aws.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=result.output["TuningJobName"]
    )
    role_arn = created["TrainingJobDefinition"]["RoleArn"]
    assert role_arn.startswith("arn:aws:iam::123456789012:role/Stack-JobRole014917C6-")
    assert (
        created["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] == "s3://out-123456789012-us-east-1/output"
    )
    machine_role = deployment.role_arns["TuningWorkflow6FC8AE80"]
    assert (
        boto3.client("iam", region_name="us-east-1").get_role(RoleName=machine_role.rsplit("/", 1)[1])["Role"]["Arn"]
        == machine_role
    )
    values = probe.output
    assert values["KeyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    assert values["Subnet"].startswith("subnet-") and values["Group"].startswith("sg-")
    assert (values["Partition"], values["Suffix"], values["Second"]) == ("aws", "amazonaws.com", "b")


def test_deploy_template_zero_waits_only_in_the_copy():
    template = {
        "Resources": {
            "M": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}',
                    "RoleArn": "arn:aws:iam::123456789012:role/r",
                },
            }
        }
    }
    with OfflineAws() as aws:
        deployment = aws.deploy(template)
        result = aws.run(deployment["M"], {}, name="fast")
    assert result.status == "SUCCEEDED"
    assert deployment.definitions["M"]["States"]["W"]["Seconds"] == 0
    assert "30" in template["Resources"]["M"]["Properties"]["DefinitionString"]


def test_deploy_via_cloudformation_runs_the_recreated_machines(offline_aws):
    aws = offline_aws
    aws.jobs.set_best_training_job(**BEST_JOB)
    template = cdk_like_template()
    for logical_id in ("ResolverProbe5718783A", "Key961B73FD", "Subnet1", "Vpc", "SG"):
        del template["Resources"][logical_id]
    deployment = aws.deploy(template, stack_name="CfnStack", via_cloudformation=True)
    result = aws.run(deployment.arn("TuningWorkflow"), {}, name="via-cfn")
    assert result.status == "SUCCEEDED", result.cause
    role_arn = aws.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=result.output["TuningJobName"]
    )["TrainingJobDefinition"]["RoleArn"]
    role_name = role_arn.rsplit("/", 1)[1]
    assert boto3.client("iam", region_name="us-east-1").get_role(RoleName=role_name)["Role"]["Arn"] == role_arn


@pytest.mark.parametrize("bad", [{"Fn::ImportValue": "x"}, {"Fn::Cidr": ["10.0.0.0/16", 1, 8]}])
def test_unresolvable_intrinsics_are_reported(bad):
    template = {
        "Resources": {
            "M": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": {
                        "Fn::Join": [
                            "",
                            ['{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"', bad, '","End":true}}}'],
                        ]
                    },
                },
            }
        }
    }
    with OfflineAws() as aws, pytest.raises((KeyError, NotImplementedError)):
        aws.deploy(template)
