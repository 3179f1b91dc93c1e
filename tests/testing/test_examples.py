"""The README's "Test your workflows offline" examples, as a user writes them (the pytest plugin's
``offline_aws`` fixture, the public API only). Keep them in step with /tmp/readme_testing.md's text:
each test below is one README example, with the stack builder they share."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

import constructs_sm as sm


def churn_stack() -> cdk.Stack:
    """The stack under test, built as the app builds it."""
    stack = cdk.Stack(cdk.App(), "Churn", env=cdk.Environment(account="123456789012", region="us-east-1"))
    data = s3.Bucket.from_bucket_name(stack, "Data", "example-ml-data")
    sm.TuningWorkflow(
        stack,
        "Tuning",
        job_name_prefix="churn",
        hyper_parameter_tuning_job_config=sm.HyperParameterTuningJobConfig(
            objective=sm.TuningObjective(metric_name="validation:auc", type=sm.ObjectiveType.MAXIMIZE),
            resource_limits=sm.ResourceLimits(max_number_of_training_jobs=4, max_parallel_training_jobs=2),
            parameter_ranges=[sm.IntegerParameterRange(name="max_depth", min_value=3, max_value=10)],
        ),
        training_job_definition=sm.TrainingJobDefinition(
            algorithm_specification=sm.AlgorithmSpecification(
                training_image=sm.TrainingImage.from_registry(
                    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
                )
            ),
            input_data_config=[
                sm.Channel(
                    channel_name="train",
                    data_source=sm.S3DataSource(location=sm.S3Location.from_bucket(data, "data/train/")),
                )
            ],
            output_data_config=sm.S3Location.from_bucket(data, "models/"),
        ),
        run_time_parameters={"TrainDataUri": "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri"},
    )
    return stack


def test_a_run_reports_the_best_training_job(offline_aws):
    workflow = offline_aws.deploy(churn_stack()).workflow()
    offline_aws.jobs.complete(best_training_job="churn-nightly-003-0a1b2c3d", metrics={"validation:auc": 0.91})

    result = workflow.run({"HyperParameterTuningJobName": "churn-nightly"})

    assert result.status == "SUCCEEDED", result.cause
    best = result.output["BestTrainingJob"]
    assert best["TrainingJobName"] == "churn-nightly-003-0a1b2c3d"
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == 0.91
    assert result.unpermitted_calls() == []  # every call allowed by the deployed IAM policies


def test_a_failed_job_fails_the_run_with_sagemakers_reason(offline_aws):
    workflow = offline_aws.deploy(churn_stack()).workflow()
    offline_aws.jobs.fail("AlgorithmError: ValueError: could not convert string to float: 'n/a'")

    result = workflow.run()

    assert result.status == "FAILED"
    assert result.error == "JobFailed"
    assert result.cause_json["FailureReason"].startswith("AlgorithmError: ValueError")


def test_a_run_time_input_reaches_the_job(offline_aws):
    workflow = offline_aws.deploy(churn_stack()).workflow()

    result = workflow.run({"TrainDataUri": "s3://example-ml-data/data/train/2027-01/"})

    assert result.status == "SUCCEEDED", result.cause
    (create,) = result.api_calls_of("CreateHyperParameterTuningJob")
    channel = create.parameters["TrainingJobDefinition"]["InputDataConfig"][0]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == "s3://example-ml-data/data/train/2027-01/"


def test_throttling_is_retried(offline_aws):
    workflow = offline_aws.deploy(churn_stack()).workflow()
    offline_aws.jobs.throttle_next_creates(2)  # SageMaker answers ThrottlingException twice

    result = workflow.run()

    assert result.status == "SUCCEEDED", result.cause
    assert [call.action for call in result.api_calls_of("CreateHyperParameterTuningJob")] == [
        "CreateHyperParameterTuningJob"
    ] * 3
    assert len(offline_aws.jobs.created) == 1
