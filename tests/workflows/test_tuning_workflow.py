"""Fine-grained assertions on the example tuning workflows: definition, IAM, key, VPC, logging."""

from __future__ import annotations

from typing import Any

from tests.template_helpers import (
    actions,
    definition,
    flat,
    generated_name,
    only,
    resources,
    role_assumed_by,
    statement_with,
    statements_of_role,
    substitutions,
)


def test_states_run_name_create_describe_report(minimal: dict[str, Any]) -> None:
    states = definition(minimal)["States"]
    assert definition(minimal)["StartAt"] == "Check input"
    assert [rule["Next"] for rule in states["Check input"]["Choices"]] == ["Invalid input", "Create tuning job"]
    assert states["Create tuning job"]["Next"] == "Has best training job"
    assert states["Has best training job"]["Choices"][0]["Next"] == "Describe best training job"
    assert states["Describe best training job"]["End"] is True
    assert {"Generate name", "Use given name", "Report best training job", "Succeeded"}.isdisjoint(states)


def test_create_uses_the_optimized_sync_integration(minimal: dict[str, Any]) -> None:
    create = definition(minimal)["States"]["Create tuning job"]
    assert create["Resource"] == "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync"
    assert create["Parameters"]["HyperParameterTuningJobName.$"] == "$jobName"
    assert create["ResultPath"] == "$.TuningJob"


def test_request_carries_the_tuning_configuration(minimal: dict[str, Any]) -> None:
    parameters = definition(minimal)["States"]["Create tuning job"]["Parameters"]
    config = parameters["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Bayesian"
    assert config["HyperParameterTuningJobObjective"] == {"MetricName": "validation:auc", "Type": "Maximize"}
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 3}
    assert config["ParameterRanges"]["ContinuousParameterRanges"][0] == {
        "Name": "eta",
        "MinValue": "0.01",
        "MaxValue": "0.5",
        "ScalingType": "Logarithmic",
    }
    assert config["ParameterRanges"]["IntegerParameterRanges"] == [
        {"Name": "max_depth", "MinValue": "3", "MaxValue": "10"}
    ]
    assert config["TrainingJobEarlyStoppingType"] == "Auto"


def test_training_job_definition_uses_role_key_and_channels(minimal: dict[str, Any]) -> None:
    training = definition(minimal)["States"]["Create tuning job"]["Parameters"]["TrainingJobDefinition"]
    assert training["RoleArn"] == "${ExecutionRoleArn}"
    assert training["OutputDataConfig"] == {"S3OutputPath": "s3://example-ml-data/models/", "KmsKeyId": "${KeyArn}"}
    assert training["ResourceConfig"] == {
        "InstanceCount": 1,
        "InstanceType": "ml.m5.xlarge",
        "VolumeSizeInGB": 30,
        "VolumeKmsKeyId": "${KeyArn}",
    }
    assert [c["ChannelName"] for c in training["InputDataConfig"]] == ["train", "validation"]
    assert training["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://example-ml-data/data/train/"
    assert training["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200}
    assert "VpcConfig" not in training
    subs = substitutions(minimal)
    role_id = role_assumed_by(minimal, "sagemaker.amazonaws.com")
    key_id, _ = only(minimal, "AWS::KMS::Key")
    assert subs["ExecutionRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert subs["KeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_job_names_are_generated_unique_or_taken_from_input_with_the_prefix(minimal: dict[str, Any]) -> None:
    states = definition(minimal)["States"]
    generated = generated_name(minimal)
    assert generated == (
        "{% $exists($states.input.HyperParameterTuningJobName) ? $states.input.HyperParameterTuningJobName : "
        "'xgboosttuning-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, 12) %}"
    )
    given = states["Check input"]["Choices"][-1]["Condition"]
    assert "$substring($states.input.HyperParameterTuningJobName, 0, 14) = 'xgboosttuning-'" in given
    assert states["Name not allowed"]["Type"] == "Fail"


def test_failures_end_in_a_fail_state_with_sagemakers_cause(minimal: dict[str, Any]) -> None:
    states = definition(minimal)["States"]
    errors = {
        "Create tuning job": ["SageMaker.AmazonSageMakerException", "SageMaker.ResourceLimitExceededException"],
        "Describe best training job": ["SageMaker.SageMakerException", "SageMaker.ResourceLimitExceededException"],
    }
    for name, api_errors in errors.items():
        api, other = states[name]["Catch"]
        assert api["ErrorEquals"] == api_errors
        assert api["Next"] == "Transient error" and api["Assign"]["retryState"] == name
        assert other == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.Error", "Next": "Job failed"}
    assert states["Transient error"]["Default"] == "Job failed"
    assert states["Job failed"] == {"Type": "Fail", "Error": "JobFailed", "CausePath": "$.Error.Cause"}
    assert states["No best training job"]["Error"] == "NoBestTrainingJob"


def test_only_transient_api_errors_are_retried(minimal: dict[str, Any]) -> None:
    states = definition(minimal)["States"]
    assert all("Retry" not in state for state in states.values()), "no Retry clause can tell the errors apart"
    quota, transient = states["Transient error"]["Choices"]
    assert quota["And"][0] == {"Variable": "$.Error.Error", "StringEquals": "SageMaker.ResourceLimitExceededException"}
    assert quota["Next"] == "Wait for capacity"
    budget, not_quota, present, causes = transient["And"]
    assert budget == {"Variable": "$retries", "NumericLessThanEquals": 5}
    assert present == {"Variable": "$.Error.Cause", "IsPresent": True}
    patterns = [rule["StringMatches"] for rule in causes["Or"]]
    assert "*ThrottlingException*" in patterns and "*Status Code: 5*" in patterns
    assert not any("Validation" in p or "AccessDenied" in p for p in patterns)
    assert states["Wait to retry"] == {"Type": "Wait", "SecondsPath": "$retryDelay", "Next": "Retry"}
    back = {rule["StringEquals"]: rule["Next"] for rule in states["Retry"]["Choices"]}
    assert back == {
        "Create tuning job": "Find job",
        "Describe best training job": "Describe best training job",
        "Describe job": "Describe job",
        "Find job": "Find job",
    }
    assign = states["Create tuning job"]["Catch"][0]["Assign"]
    assert assign["retryDelay.$"] == "States.MathAdd($retryDelay, $retryDelay)", "the wait doubles: 10, 20, 40 ..."


def test_execution_timeout_follows_the_tuning_limits(minimal: dict[str, Any]) -> None:
    # 20 jobs, 3 at a time: 7 rounds of at most 2 hours, plus an hour.
    assert definition(minimal)["TimeoutSeconds"] == 7 * 7200 + 3600


def test_describe_reads_the_best_training_job(minimal: dict[str, Any]) -> None:
    states = definition(minimal)["States"]
    describe = states["Describe best training job"]
    assert describe["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob"
    assert describe["Parameters"] == {"TrainingJobName.$": "$.TuningJob.BestTrainingJob.TrainingJobName"}
    assert states["Has best training job"]["Choices"][0]["Assign"] == {"tuningJob": "{% $states.input.TuningJob %}"}
    report = describe["ResultSelector"]
    assert report["S3ModelArtifacts.$"] == "$.ModelArtifacts.S3ModelArtifacts"
    assert report["TrainingJob.$"] == "$"
    assert report["BestTrainingJob.$"] == "$tuningJob.BestTrainingJob"


def test_state_machine_role_has_the_documented_policy(minimal: dict[str, Any]) -> None:
    statements = statements_of_role(minimal, role_assumed_by(minimal, "states.amazonaws.com"))
    job = statement_with(statements, "sagemaker:CreateHyperParameterTuningJob")
    assert sorted(actions(job)) == [
        "sagemaker:AddTags",
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:ListTags",
        "sagemaker:StopHyperParameterTuningJob",
    ]
    assert flat(job["Resource"]) == "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/xgboosttuning-*"
    describe = statement_with(statements, "sagemaker:DescribeTrainingJob")
    assert flat(describe["Resource"]) == "arn:aws:sagemaker:us-east-1:123456789012:training-job/xgboosttuning-*"
    events = statement_with(statements, "events:PutRule")
    assert flat(events["Resource"]) == (
        "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForSageMakerTuningJobsRule"
    )
    pass_role = statement_with(statements, "iam:PassRole")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert pass_role["Resource"] == {"Fn::GetAtt": [role_assumed_by(minimal, "sagemaker.amazonaws.com"), "Arn"]}


def test_every_workflow_may_tag_its_job(hardened: dict[str, Any], minimal: dict[str, Any]) -> None:
    """The .sync integration tags the job it starts (MANAGED_BY_AWS=STARTED_BY_STEP_FUNCTIONS): the
    Step Functions guide lists AddTags and ListTags for every SageMaker job pattern (aws-cdk#32294)."""
    def tuning_actions(template: dict[str, Any]) -> list[str]:
        statements = statements_of_role(template, role_assumed_by(template, "states.amazonaws.com"))
        return actions(statement_with(statements, "sagemaker:CreateHyperParameterTuningJob"))

    assert "sagemaker:AddTags" in tuning_actions(hardened)
    assert "sagemaker:AddTags" in tuning_actions(minimal)


def test_execution_role_reads_inputs_writes_output_and_nothing_more(minimal: dict[str, Any]) -> None:
    statements = statements_of_role(minimal, role_assumed_by(minimal, "sagemaker.amazonaws.com"))
    read = statement_with(statements, "s3:GetObject")
    assert sorted(flat(read["Resource"]).split(",")) == [
        "arn:aws:s3:::example-ml-data/data/train/*",
        "arn:aws:s3:::example-ml-data/data/validation/*",
    ]
    write = statement_with(statements, "s3:PutObject")
    assert flat(write["Resource"]) == "arn:aws:s3:::example-ml-data/models/*"
    listing = [s for s in statements if "s3:ListBucket" in actions(s)]
    assert {json_prefix(s) for s in listing} == {"data/train/*", "data/validation/*"}
    metrics = statement_with(statements, "cloudwatch:PutMetricData")
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}}
    logs = statement_with(statements, "logs:PutLogEvents")
    assert "log-group:/aws/sagemaker/TrainingJobs" in flat(logs["Resource"])
    pull = statement_with(statements, "ecr:BatchGetImage")
    assert flat(pull["Resource"]) == "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost"
    assert statement_with(statements, "ecr:GetAuthorizationToken")["Resource"] == "*"
    assert not [s for s in statements if any(a.startswith("ec2:") for a in actions(s))], "no VPC, no EC2 actions"


def json_prefix(statement: dict[str, Any]) -> str:
    return statement["Condition"]["StringLike"]["s3:prefix"]


def test_execution_role_may_use_the_key_for_artifacts_and_volumes(minimal: dict[str, Any]) -> None:
    statements = statements_of_role(minimal, role_assumed_by(minimal, "sagemaker.amazonaws.com"))
    key_id, key = only(minimal, "AWS::KMS::Key")
    use = statement_with(statements, "kms:Encrypt")
    assert sorted(actions(use)) == ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    assert use["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    grant = statement_with(statements, "kms:CreateGrant")
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain" and key["UpdateReplacePolicy"] == "Retain"


def test_logging_and_tracing_are_on(minimal: dict[str, Any]) -> None:
    _, machine = only(minimal, "AWS::StepFunctions::StateMachine")
    properties = machine["Properties"]
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    _, log_group = only(minimal, "AWS::Logs::LogGroup")
    assert log_group["Properties"]["RetentionInDays"] == 365
    assert log_group["DeletionPolicy"] == "Retain"


def test_hardened_workflow_runs_in_the_vpc(hardened: dict[str, Any]) -> None:
    training = definition(hardened)["States"]["Create tuning job"]["Parameters"]["TrainingJobDefinition"]
    assert training["VpcConfig"] == {"SecurityGroupIds": ["${SecurityGroup0}"], "Subnets": ["${Subnet0}", "${Subnet1}"]}
    assert training["EnableNetworkIsolation"] is True
    assert training["EnableInterContainerTrafficEncryption"] is True
    subs = substitutions(hardened)
    subnet_ids = {k for k, v in resources(hardened, "AWS::EC2::Subnet").items()}
    assert {subs["Subnet0"]["Ref"], subs["Subnet1"]["Ref"]} == subnet_ids
    group_id, group = only(hardened, "AWS::EC2::SecurityGroup")
    assert subs["SecurityGroup0"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    assert resources(hardened, "AWS::EC2::SecurityGroupIngress") == {}, "one instance per job: no inbound traffic"


def test_hardened_execution_role_gets_network_interface_actions_in_its_vpc(hardened: dict[str, Any]) -> None:
    statements = statements_of_role(hardened, role_assumed_by(hardened, "sagemaker.amazonaws.com"))
    describe = statement_with(statements, "ec2:DescribeSubnets")
    assert describe["Resource"] == "*"
    create = statement_with(statements, "ec2:CreateNetworkInterface")
    assert "network-interface/*" in flat(create["Resource"])
    delete = statement_with(statements, "ec2:DeleteNetworkInterface")
    (vpc_id,) = resources(hardened, "AWS::EC2::VPC")
    assert flat(delete["Condition"]["ArnEquals"]["ec2:Vpc"]).endswith("vpc/${" + vpc_id + "}")


def test_hardened_workflow_warm_starts_and_tags(hardened: dict[str, Any]) -> None:
    parameters = definition(hardened)["States"]["Create tuning job"]["Parameters"]
    assert parameters["WarmStartConfig"] == {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "xgboost-tuning-baseline"}],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    assert {"Key": "project", "Value": "churn-model"} in parameters["Tags"]


def test_execution_timeout_follows_the_tuning_jobs_own_max_runtime() -> None:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    import constructs_sm as sm
    from tests.builders import config, workflow
    from tests.conftest import new_stack

    stack = new_stack()
    limits = sm.ResourceLimits(
        max_number_of_training_jobs=4, max_parallel_training_jobs=2, max_runtime=cdk.Duration.hours(3)
    )
    workflow(stack, hyper_parameter_tuning_job_config=config(resource_limits=limits))
    template = Template.from_stack(stack).to_json()
    asl = definition(template)
    assert asl["TimeoutSeconds"] == 3 * 3600 + 3600
    assert (
        asl["States"]["Create tuning job"]["Parameters"]["HyperParameterTuningJobConfig"]["ResourceLimits"][
            "MaxRuntimeInSeconds"
        ]
        == 10800
    )
