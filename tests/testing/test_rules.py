"""The emulator refuses what AWS refuses: one negative control (and its positive twin) per modelled rule.

Hand-written definitions only; each rule, its AWS source and its test are listed in MODELLED.md.
"""

from __future__ import annotations

import hashlib
import json
import re

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from constructs_sm.testing import API_ERRORS, OfflineAws, PolicyCharacterError

ROLE_ARN = "arn:aws:iam::123456789012:role/x"
ALGORITHM = {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1", "TrainingInputMode": "File"}
RESOURCES = {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}
TRAINING_REQUEST = {
    "AlgorithmSpecification": ALGORITHM,
    "RoleArn": ROLE_ARN,
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
    "ResourceConfig": RESOURCES,
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
}
TUNING_CONFIG = {
    "Strategy": "Bayesian",
    "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
    "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
    "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}]},
}


def create_task(resource: str, **extra) -> dict:
    """A Task creating training job ``$.Name`` with TRAINING_REQUEST; the execution fails on any error."""
    return {
        "Type": "Task",
        "Resource": resource,
        "Parameters": {"TrainingJobName.$": "$.Name", **TRAINING_REQUEST},
        **extra,
        "End": True,
    }


def one_state(state: dict, name: str = "S") -> dict:
    return {"StartAt": name, "States": {name: state}}


@pytest.fixture
def aws(offline_aws):
    return offline_aws


def sagemaker_without_retries():
    """A client that shows the first answer (boto3's default retries throttling and 5xx)."""
    return boto3.client("sagemaker", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))


# ============================================================================ 1. JSONata states run
def test_jsonata_choice_rule_condition_next_assign_output_feed_a_jsonpath_state(aws):
    definition = {
        "StartAt": "Name job",
        "States": {
            "Name job": {
                "Type": "Choice",
                "QueryLanguage": "JSONata",
                "Choices": [
                    {
                        "Condition": "{% $exists($states.input.name) %}",
                        "Next": "Use name",
                        "Assign": {"jobName": "{% $states.input.name %}"},
                        "Output": {"chosen": "{% 'given:' & $states.input.name %}"},
                    }
                ],
                "Default": "Generate name",
            },
            "Generate name": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Assign": {"jobName": "{% 'job-' & $substring($hash($states.context.Execution.Name, 'MD5'), 0, 8) %}"},
                "Output": {"chosen": "generated"},
                "Next": "Use name",
            },
            # A JSONPath state reads the variable the JSONata state assigned, and assigns one in turn.
            "Use name": {
                "Type": "Pass",
                "Parameters": {"X.$": "$jobName", "Chosen.$": "$.chosen"},
                "Assign": {"fromPath.$": "$.X"},
                "Next": "Report",
            },
            "Report": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"fromPath": "{% $fromPath %}", "input": "{% $states.input %}"},
                "End": True,
            },
        },
    }
    arn = aws.create_state_machine(definition, "jsonata-choice")

    given = aws.run(arn, {"name": "given-name"}, name="given")
    generated = aws.run(arn, {}, name="generated")

    assert given.status == "SUCCEEDED", given.cause
    assert given.output == {"fromPath": "given-name", "input": {"X": "given-name", "Chosen": "given:given-name"}}
    assert given.entered_states == ["Name job", "Use name", "Report"]
    expected = "job-" + hashlib.md5(b"generated").hexdigest()[:8]
    assert generated.output == {"fromPath": expected, "input": {"X": expected, "Chosen": "generated"}}


def test_jsonata_fail_takes_error_and_cause_from_expressions(aws):
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"reason": "quota"}, "Next": "Fail"},
            "Fail": {
                "Type": "Fail",
                "QueryLanguage": "JSONata",
                "Error": "{% 'Job.' & $uppercase($reason) %}",
                "Cause": "{% $string({'input': $states.input, 'why': $reason}) %}",
            },
        },
    }
    result = aws.run(aws.create_state_machine(definition, "jsonata-fail"), {"a": 1}, name="f")
    assert (result.status, result.error) == ("FAILED", "Job.QUOTA")
    assert json.loads(result.cause) == {"input": {"a": 1}, "why": "quota"}


def test_jsonata_pass_has_step_functions_functions(aws):
    state = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Assign": {"seeded": "{% $random(7) %}"},
        "Output": {
            "partition": "{% $partition([1, 2, 3, 4, 5], 2) %}",
            "range": "{% $range(0, 10, 4) %}",
            "sha256": "{% $hash('abc', 'SHA-256') %}",
            "sha1": "{% $hash('abc', 'SHA-1') %}",
            "random": "{% $random() %}",
            "seededTwice": "{% $random(7) = $random(7) %}",
            "uuid": "{% $uuid() %}",
            "parsed": "{% $parse('{\"a\": [1, null]}') %}",
        },
        "End": True,
    }
    output = aws.run(aws.create_state_machine(one_state(state), "jsonata-functions"), {}, name="p").output
    assert output["partition"] == [[1, 2], [3, 4], [5]]
    assert output["range"] == [0, 4, 8]
    assert output["sha256"] == hashlib.sha256(b"abc").hexdigest()
    assert output["sha1"] == hashlib.sha1(b"abc").hexdigest()
    assert 0 <= output["random"] < 1 and output["seededTwice"] is True
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", output["uuid"])
    assert output["parsed"] == {"a": [1, None]}


def test_jsonata_task_takes_arguments_and_gives_output_and_assign(aws):
    aws.sagemaker.create_training_job(TrainingJobName="described", **TRAINING_REQUEST)
    definition = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "QueryLanguage": "JSONata",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
                "Arguments": {"TrainingJobName": "{% $states.input.job %}"},
                "Assign": {"status": "{% $states.result.TrainingJobStatus %}"},
                "Output": {"name": "{% $states.result.TrainingJobName %}"},
                "Next": "Read",
            },
            "Read": {"Type": "Pass", "Parameters": {"status.$": "$status", "name.$": "$.name"}, "End": True},
        },
    }
    result = aws.run(aws.create_state_machine(definition, "jsonata-task"), {"job": "described"}, name="t")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"status": "Completed", "name": "described"}


def test_jsonata_catch_sees_the_error_output(aws):
    definition = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "QueryLanguage": "JSONata",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeHyperParameterTuningJob",
                "Arguments": {"HyperParameterTuningJobName": "missing"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"caught": "{% $states.errorOutput.Error %}"},
                        "Output": "{% $states.errorOutput %}",
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"caught": "{% $caught %}"}, "End": True},
        },
    }
    result = aws.run(aws.create_state_machine(definition, "jsonata-catch"), {}, name="c")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"caught": "SageMaker.ResourceNotFoundException"}


def test_jsonata_expression_yielding_nothing_fails_with_query_evaluation_error(aws):
    state = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"x": "{% $states.input.absent %}"}, "End": True}
    result = aws.run(aws.create_state_machine(one_state(state), "jsonata-undefined"), {}, name="u")
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert "returned nothing (undefined)" in result.cause


# ============================================================================ 2. no undocumented semantics
@pytest.mark.parametrize(
    "assign",
    [{"name.$": "$.name"}, {"name.$": "$"}, {"name.$": "States.Format('job-{}', $.name)"}, {"x": {"y.$": "$.name"}}],
    ids=["path", "root", "intrinsic", "nested"],
)
def test_jsonpath_choice_rule_assign_reading_the_input_fails(aws, assign):
    definition = {
        "StartAt": "Choose",
        "States": {
            "Choose": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.name", "IsPresent": True, "Assign": assign, "Next": "Done"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    result = aws.run(aws.create_state_machine(definition, "rule-assign"), {"name": "n"}, name="r")
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "undocumented" in result.cause and "'Choose'" in result.cause


def test_jsonpath_choice_rule_assign_of_literals_variables_and_context_runs(aws):
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"prefix": "p"}, "Next": "Choose"},
            "Choose": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.name",
                        "IsPresent": True,
                        "Assign": {
                            "literal": 3,
                            "fromVariable.$": "$prefix",
                            "execution.$": "$$.Execution.Name",
                            "formatted.$": "States.Format('{}-x', $prefix)",
                        },
                        "Next": "Done",
                    }
                ],
                "Default": "Done",
            },
            "Done": {
                "Type": "Pass",
                "Parameters": {"a.$": "$literal", "b.$": "$fromVariable", "c.$": "$execution", "d.$": "$formatted"},
                "End": True,
            },
        },
    }
    result = aws.run(aws.create_state_machine(definition, "rule-literals"), {"name": "n"}, name="ok")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"a": 3, "b": "p", "c": "ok", "d": "p-x"}


def test_states_all_does_not_catch_a_runtime_error(aws):
    definition = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
                "Parameters": {"TrainingJobName.$": "$.missing"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }
    result = aws.run(aws.create_state_machine(definition, "runtime"), {}, name="r")
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "Caught" not in result.entered_states


def test_states_all_catches_a_task_error(aws):
    definition = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
                "Parameters": {"TrainingJobName": "missing"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }
    result = aws.run(aws.create_state_machine(definition, "task-error"), {}, name="t")
    assert result.status == "SUCCEEDED" and result.entered_states[-1] == "Caught"


# ============================================================================ 3. error names per integration
@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("ResourceLimitExceeded", "SageMaker.ResourceLimitExceededException"),
        ("ResourceInUse", "SageMaker.ResourceInUseException"),
        ("ResourceNotFound", "SageMaker.ResourceNotFoundException"),
        ("ThrottlingException", "SageMaker.SageMakerException"),
        ("ValidationException", "SageMaker.SageMakerException"),
        ("AccessDeniedException", "SageMaker.SageMakerException"),
        ("InternalFailure", "SageMaker.SageMakerException"),
    ],
)
def test_aws_sdk_task_names_modelled_errors_and_calls_the_rest_sagemaker_exception(aws, code, name):
    aws.jobs.fail_next("CreateTrainingJob", error=code)
    definition = one_state(create_task("arn:aws:states:::aws-sdk:sagemaker:createTrainingJob"))
    result = aws.run(aws.create_state_machine(definition, "sdk-errors"), {"Name": "j"}, name="e")
    status, message = API_ERRORS.get(code, (400, code))
    message = message.replace("{operation}", "CreateTrainingJob")
    assert (result.status, result.error) == ("FAILED", name)
    # The AWS SDK's message format: no error code in it.
    assert result.cause.startswith(f"{message} (Service: SageMaker, Status Code: {status}, Request ID: ")
    assert "Error Code" not in result.cause


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("ResourceLimitExceeded", "SageMaker.ResourceLimitExceededException"),
        ("ThrottlingException", "SageMaker.AmazonSageMakerException"),
        ("ResourceInUse", "SageMaker.AmazonSageMakerException"),
        ("ValidationException", "SageMaker.AmazonSageMakerException"),
        ("AccessDeniedException", "SageMaker.AmazonSageMakerException"),
        ("InternalFailure", "SageMaker.AmazonSageMakerException"),
    ],
)
def test_optimized_task_names_resource_limit_and_calls_the_rest_amazon_sagemaker_exception(aws, code, name):
    aws.jobs.fail_next("CreateTrainingJob", error=code)
    definition = one_state(create_task("arn:aws:states:::sagemaker:createTrainingJob.sync"))
    result = aws.run(aws.create_state_machine(definition, "optimized-errors"), {"Name": "j"}, name="e")
    status, message = API_ERRORS.get(code, (400, code))
    message = message.replace("{operation}", "CreateTrainingJob")
    assert (result.status, result.error) == ("FAILED", name)
    assert result.cause.startswith(
        f"{message} (Service: AmazonSageMaker; Status Code: {status}; Error Code: {code}; Request ID: "
    )


def test_scripted_errors_hit_only_their_operation_and_are_used_up(aws):
    aws.jobs.fail_next("DescribeTrainingJob", 2, error="ThrottlingException")
    aws.sagemaker.create_training_job(TrainingJobName="j", **TRAINING_REQUEST)
    sagemaker = sagemaker_without_retries()
    for _ in range(2):
        with pytest.raises(ClientError) as refused:
            sagemaker.describe_training_job(TrainingJobName="j")
        assert refused.value.response["Error"]["Code"] == "ThrottlingException"
    assert sagemaker.describe_training_job(TrainingJobName="j")["TrainingJobStatus"] == "Completed"
    described = [call for call in aws.jobs.calls if call[0] == "DescribeTrainingJob"]
    assert described == [("DescribeTrainingJob", "ThrottlingException")] * 2 + [("DescribeTrainingJob", "called")]


def test_internal_failure_is_a_500(aws):
    aws.jobs.fail_next("CreateModel", error="InternalFailure")
    with pytest.raises(ClientError) as refused:
        sagemaker_without_retries().create_model(
            ModelName="m", ExecutionRoleArn=ROLE_ARN, PrimaryContainer={"Image": "i"}
        )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert refused.value.response["Error"]["Code"] == "InternalFailure"


# ============================================================================ 4. taken names, missing jobs
def test_a_taken_training_job_name_is_resource_in_use(aws):
    aws.sagemaker.create_training_job(TrainingJobName="twice", **TRAINING_REQUEST)
    with pytest.raises(ClientError) as refused:
        aws.sagemaker.create_training_job(TrainingJobName="twice", **TRAINING_REQUEST)
    assert refused.value.response["Error"]["Code"] == "ResourceInUse"
    assert "Training job names must be unique" in refused.value.response["Error"]["Message"]


def test_a_taken_tuning_job_name_is_resource_in_use(aws):
    request = {"HyperParameterTuningJobConfig": TUNING_CONFIG, "TrainingJobDefinition": TRAINING_REQUEST}
    aws.sagemaker.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="twice", **request)
    with pytest.raises(ClientError) as refused:
        aws.sagemaker.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="twice", **request)
    assert refused.value.response["Error"]["Code"] == "ResourceInUse"


def test_a_taken_model_name_is_a_validation_error(aws):
    request = {"ModelName": "twice", "ExecutionRoleArn": ROLE_ARN, "PrimaryContainer": {"Image": "i"}}
    aws.sagemaker.create_model(**request)
    with pytest.raises(ClientError) as refused:
        aws.sagemaker.create_model(**request)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"].startswith("Cannot create already existing model")


def test_describing_missing_jobs(aws):
    with pytest.raises(ClientError) as training:
        aws.sagemaker.describe_training_job(TrainingJobName="absent")
    with pytest.raises(ClientError) as tuning:
        aws.sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="absent")
    assert training.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Requested resource not found.",
    }
    assert tuning.value.response["Error"]["Code"] == "ResourceNotFound"


def test_a_create_retried_after_sagemaker_accepted_it_meets_its_own_name(aws):
    """The transient error came after SageMaker created the job: the retry finds the name taken."""
    aws.jobs.accept_then_fail("CreateTrainingJob", error="InternalFailure")
    retry = {"ErrorEquals": ["SageMaker.AmazonSageMakerException"], "IntervalSeconds": 1, "MaxAttempts": 1}
    definition = one_state(create_task("arn:aws:states:::sagemaker:createTrainingJob", Retry=[retry]))
    result = aws.run(aws.create_state_machine(definition, "accepted"), {"Name": "once"}, name="a")
    failures = [e["taskFailedEventDetails"] for e in result.events if e["type"] == "TaskFailed"]
    assert [
        ("Error Code: InternalFailure" in f["cause"], "Error Code: ResourceInUse" in f["cause"]) for f in failures
    ] == [
        (True, False),
        (False, True),
    ]
    assert aws.jobs.created == ["once"]
    assert aws.jobs.create_calls == [
        ("training", "once", "created, then InternalFailure"),
        ("training", "once", "ResourceInUse"),
    ]


# ============================================================================ 5. history quota
def spin_definition() -> dict:
    return {
        "StartAt": "Spin",
        "States": {
            "Spin": {"Type": "Pass", "Next": "Again"},
            "Again": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
                "Default": "Spin",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_an_execution_whose_history_would_pass_the_quota_fails():
    with OfflineAws(history_event_limit=200) as aws:
        result = aws.run(aws.create_state_machine(spin_definition(), "spin"), {}, name="spin", timeout=30)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert result.cause == "The execution reached the maximum number of history events (200)."
    assert len(result.events) == 200
    assert (result.events[-1]["type"], result.events[-1]["id"]) == ("ExecutionFailed", 200)


def test_an_execution_within_the_quota_succeeds():
    with OfflineAws(history_event_limit=8) as aws:
        result = aws.run(aws.create_state_machine(spin_definition(), "spin"), {"stop": 1}, name="short")
    assert result.status == "SUCCEEDED", result.cause
    assert len(result.events) == 8  # started, Spin in/out, Again in/out, Done in/out, succeeded


# ============================================================================ 6. VolumeKmsKeyId on local storage
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_volume_kms_key_on_an_instance_type_with_local_storage_is_refused(aws):
    from constructs_sm.api._instance_storage import has_local_storage

    assert has_local_storage("ml.g5.xlarge") and not has_local_storage("ml.m5.large")
    local = {**RESOURCES, "InstanceType": "ml.g5.xlarge", "VolumeKmsKeyId": KMS_KEY}
    with pytest.raises(ClientError) as training:
        aws.sagemaker.create_training_job(TrainingJobName="t", **{**TRAINING_REQUEST, "ResourceConfig": local})
    with pytest.raises(ClientError) as tuning:
        aws.sagemaker.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="h",
            HyperParameterTuningJobConfig=TUNING_CONFIG,
            TrainingJobDefinition={**TRAINING_REQUEST, "ResourceConfig": local},
        )
    for refused in (training, tuning):
        assert refused.value.response["Error"] == {
            "Code": "ValidationException",
            "Message": "You can't request a VolumeKmsKeyId when using an instance type with local storage.",
        }
    # The same key on EBS-only storage is fine.
    aws.sagemaker.create_training_job(
        TrainingJobName="ebs", **{**TRAINING_REQUEST, "ResourceConfig": {**RESOURCES, "VolumeKmsKeyId": KMS_KEY}}
    )


# ============================================================================ 7. model package groups
def test_a_model_version_needs_its_group_and_a_deployed_template_creates_it(aws):
    with pytest.raises(ClientError) as refused:
        aws.sagemaker.create_model_package(ModelPackageGroupName="models", ModelApprovalStatus="PendingManualApproval")
    assert refused.value.response["Error"]["Code"] == "ValidationException"

    template = {
        "Resources": {
            "Group": {"Type": "AWS::SageMaker::ModelPackageGroup", "Properties": {"ModelPackageGroupName": "models"}},
            "Probe": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": {
                        "Fn::Join": [
                            "",
                            [
                                '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"arn":"',
                                {"Ref": "Group"},
                                '"},"End":true}}}',
                            ],
                        ]
                    },
                    "RoleArn": ROLE_ARN,
                },
            },
        }
    }
    deployment = aws.deploy(template)
    group_arn = aws.run(deployment["Probe"], {}, name="ref").output["arn"]
    assert group_arn == "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/models"
    version = aws.sagemaker.create_model_package(
        ModelPackageGroupName=group_arn, ModelApprovalStatus="PendingManualApproval"
    )
    assert version["ModelPackageArn"].endswith("model-package/models/1")


def test_a_group_that_holds_versions_cannot_be_deleted(aws):
    """A group is deleted only empty ("You can only delete an empty model group": Developer Guide,
    "Delete a Model Group"):
    ConflictException, the one error the API Reference lists for DeleteModelPackageGroup."""
    aws.sagemaker.create_model_package_group(ModelPackageGroupName="models")
    first = aws.sagemaker.create_model_package(ModelPackageGroupName="models")["ModelPackageArn"]
    second = aws.sagemaker.create_model_package(ModelPackageGroupName="models")["ModelPackageArn"]
    with pytest.raises(ClientError) as refused:
        aws.sagemaker.delete_model_package_group(ModelPackageGroupName="models")
    assert refused.value.response["Error"]["Code"] == "ConflictException"
    assert "holds 2 model version(s)" in refused.value.response["Error"]["Message"]
    # A version goes by its ARN; the group still holds one.
    aws.sagemaker.delete_model_package(ModelPackageName=first)
    with pytest.raises(ClientError, match="ConflictException"):
        aws.sagemaker.delete_model_package_group(ModelPackageGroupName="models")
    assert aws.sagemaker.describe_model_package(ModelPackageName="models")["ModelPackageArn"] == second
    # Control: once empty, the group goes (by name or ARN), and then it does not exist.
    aws.sagemaker.delete_model_package(ModelPackageName=second)
    with pytest.raises(ClientError, match="not found"):
        aws.sagemaker.describe_model_package(ModelPackageName=second)
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/models"
    aws.sagemaker.delete_model_package_group(ModelPackageGroupName=arn)
    with pytest.raises(ClientError) as missing:
        aws.sagemaker.delete_model_package_group(ModelPackageGroupName="models")
    assert missing.value.response["Error"]["Code"] == "ValidationException"
    assert missing.value.response["Error"]["Message"] == f"ModelPackageGroup {arn} does not exist."


def test_a_taken_group_name_is_refused(aws):
    """moto replaces the group; SageMaker refuses, in the words CloudFormation's handler matches."""
    aws.sagemaker.create_model_package_group(ModelPackageGroupName="models")
    aws.sagemaker.create_model_package(ModelPackageGroupName="models")
    with pytest.raises(ClientError) as refused:
        aws.sagemaker.create_model_package_group(ModelPackageGroupName="models")
    assert refused.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Model Package Group already exists: "
        "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/models",
    }
    packages = aws.sagemaker.list_model_packages(ModelPackageGroupName="models")["ModelPackageSummaryList"]
    assert len(packages) == 1, "the group and its version are as they were"


# ============================================================================ 8. IAM's policy character set
def policy_template(kind: str, text: str) -> dict:
    statement = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    statement["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": text}}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    props = {
        "AWS::IAM::Policy": {"PolicyName": "p", "PolicyDocument": document, "Roles": ["r"]},
        "AWS::IAM::ManagedPolicy": {"PolicyDocument": document},
        "AWS::IAM::Role": {
            "AssumeRolePolicyDocument": document,
            "Policies": [{"PolicyName": "p", "PolicyDocument": document}],
        },
        "AWS::KMS::Key": {"KeyPolicy": document},
    }[kind]
    return {"Resources": {"Guarded": {"Type": kind, "Properties": props}}}


@pytest.mark.parametrize("kind", ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::KMS::Key"])
def test_a_policy_character_outside_latin_1_fails_the_deployment_naming_the_resource(kind):
    with OfflineAws() as aws, pytest.raises(PolicyCharacterError, match=r"Guarded \(AWS::[A-Za-z:]+\).*U\+2192"):
        aws.deploy(policy_template(kind, "data→science"))


def test_latin_1_and_whitespace_are_allowed_in_policies():
    with OfflineAws() as aws:
        aws.deploy(policy_template("AWS::IAM::ManagedPolicy", "équipe\tdonnées ÿ"))


# ============================================================================ 9. SCHEMA_VALIDATION_FAILED
@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"NotAField": 1}, "NotAField"),
        ({"ExperimentConfig": {"ExperimentName": "e"}}, "ExperimentConfig"),
        ({"ResourceConfig": {**RESOURCES, "KeepAlivePeriodInSeconds": 60}}, "KeepAlivePeriodInSeconds"),
        ({"ExperimentConfig.$": "$.experiment"}, "ExperimentConfig"),
        ({"Tags": [{"key": "team", "value": "ml"}]}, "key"),
    ],
    ids=["not-an-api-field", "not-in-the-allowlist", "nested", "placeholder", "wrong-case"],
)
def test_create_state_machine_refuses_a_field_the_optimized_integration_does_not_take(aws, parameters, field):
    state = create_task("arn:aws:states:::sagemaker:createTrainingJob.sync")
    state["Parameters"].update(parameters)
    with pytest.raises(ClientError) as refused:
        aws.create_state_machine(one_state(state, "Train"), "schema")
    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"
    assert refused.value.response["Error"]["Message"] == (
        f'Invalid State Machine Definition: \'SCHEMA_VALIDATION_FAILED: The field "{field}" is not supported '
        "by Step Functions at /States/Train/Parameters'"
    )


def test_the_same_fields_pass_through_the_aws_sdk_integration(aws):
    state = create_task("arn:aws:states:::aws-sdk:sagemaker:createTrainingJob")
    state["Parameters"]["ExperimentConfig"] = {"ExperimentName": "e"}
    aws.create_state_machine(one_state(state), "sdk-takes-it")


def test_a_refused_field_coming_through_a_path_fails_the_task_when_it_starts(aws):
    state = create_task("arn:aws:states:::sagemaker:createTrainingJob.sync")
    state["Parameters"]["ResourceConfig.$"] = "$.resources"
    del state["Parameters"]["ResourceConfig"]
    arn = aws.create_state_machine(one_state(state), "runtime-schema")
    result = aws.run(arn, {"Name": "j", "resources": {**RESOURCES, "KeepAlivePeriodInSeconds": 60}}, name="r")
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert 'The field "KeepAlivePeriodInSeconds" is not supported by Step Functions' in result.cause
    assert aws.jobs.created == []


def test_moto_alone_takes_every_field():
    from moto import mock_aws

    state = create_task("arn:aws:states:::sagemaker:createTrainingJob.sync")
    state["Parameters"]["NotAField"] = 1
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        sfn.create_state_machine(name="m", definition=json.dumps(one_state(state)), roleArn=ROLE_ARN)
