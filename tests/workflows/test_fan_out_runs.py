"""WorkflowFanOut executed offline (constructs_sm.testing): items succeed, one job fails with
SageMaker's reason, an invalid item is refused before its job, the tolerance is respected, the
results are written to S3, stopping the fan-out stops every child and every job, and the role
allows every call made."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.testing import OfflineAws
from constructs_sm.tools.fan_out_results import summary
from tests import builders
from tests.conftest import new_stack

DATA = "example-bucket"
LISTS = "lists-bucket"
RUN_TIME = {
    "TrainDataUri": "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri",
    "MaxNumberOfTrainingJobs": "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """A tuning workflow with run-time parameters and three fan-outs of it: JSON Lines tolerating
    two failed items, CSV tolerating one, and one with a single list key (the default ItemsKey)."""
    stack = new_stack()
    workflow = builders.workflow(stack, job_name_prefix="segment", run_time_parameters=RUN_TIME)
    lists = sm.S3Location.from_uri(f"s3://{LISTS}/segments/")
    sm.WorkflowFanOut(stack, "Tolerant", workflow=workflow, items=lists, item_format=sm.ItemFormat.JSONL, tolerated_failure_count=2)
    sm.WorkflowFanOut(stack, "Strict", workflow=workflow, items=lists, item_format=sm.ItemFormat.CSV, tolerated_failure_count=1)
    sm.WorkflowFanOut(
        stack, "Fixed", workflow=workflow, items=sm.S3Location.from_uri(f"s3://{LISTS}/segments/all.json"), max_concurrency=2
    )
    return Template.from_stack(stack).to_json()


def _uri(segment: int) -> str:
    return f"s3://{DATA}/train/segment={segment:04d}/"


GOOD = [{"TrainDataUri": _uri(1)}, {"TrainDataUri": _uri(2), "MaxNumberOfTrainingJobs": 4}, {"TrainDataUri": _uri(3)}]
FAILING = {"TrainDataUri": _uri(4)}
INVALID = {"TrainDataUri": "s3://another-bucket/train/"}


def _put(aws: OfflineAws, key: str, body: str) -> None:
    s3 = aws.client("s3")
    if LISTS not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=LISTS)
    s3.put_object(Bucket=LISTS, Key=key, Body=body.encode())


def _jsonl(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def _results(aws: OfflineAws, output: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    s3 = aws.client("s3")
    details = output["ResultWriterDetails"]
    manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
    found: dict[str, list[dict[str, Any]]] = {}
    for status, files in manifest["ResultFiles"].items():
        for entry in files:
            body = s3.get_object(Bucket=manifest["DestinationBucket"], Key=entry["Key"])["Body"].read()
            found.setdefault(status, []).extend(json.loads(body))
    return found


def test_items_succeed_one_job_fails_one_item_is_refused_and_the_results_are_written(
    offline_aws: OfflineAws, template: dict[str, Any]
) -> None:
    deployment = offline_aws.deploy(template)
    _put(offline_aws, "segments/2026-12.jsonl", _jsonl([*GOOD, FAILING, INVALID]))
    offline_aws.jobs.fail("AlgorithmError: the segment has no rows", matching="segment=0004")

    result = deployment.workflow("Tolerant").run({"ItemsKey": "segments/2026-12.jsonl"})

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["ItemCounts"]["Succeeded"] == 3
    assert result.output["ItemCounts"]["Failed"] == 2
    assert result.output["ItemCounts"]["Total"] == 5
    # One job per valid item (the invalid one never reached SageMaker), each name unique and derived.
    created = offline_aws.jobs.created
    tuning = [name for name in created if name.startswith("segment-") and not name.count("-") > 1]
    assert len(set(tuning)) == 4
    assert all(len(name) <= 32 for name in tuning)
    children = {json.dumps(c.input, sort_keys=True): c for c in result.children}
    failed = children[json.dumps(FAILING, sort_keys=True)]
    assert (failed.status, failed.error) == ("FAILED", "JobFailed")
    assert "AlgorithmError: the segment has no rows" in (failed.cause or "")
    refused = children[json.dumps(INVALID, sort_keys=True)]
    assert (refused.status, refused.error) == ("FAILED", "InvalidParameter")
    assert "TrainDataUri" in (refused.cause or "")
    assert not refused.api_calls, "refused before any job call"
    # The results in S3: each succeeded item's best training job, each failure with its reason.
    results = _results(offline_aws, result.output)
    succeeded = [json.loads(entry["Output"]) for entry in results["SUCCEEDED"]]
    assert len(succeeded) == 3 and all(out["BestTrainingJob"]["TrainingJobName"] for out in succeeded)
    reasons = sorted(entry["Cause"] for entry in results["FAILED"])
    assert any("AlgorithmError: the segment has no rows" in r for r in reasons)
    assert any("TrainDataUri" in r for r in reasons)
    # The same, read as users do (constructs_sm.tools.fan_out_results).
    report = summary(result.output, offline_aws.client("s3"))
    assert report.counts["Succeeded"] == 3
    assert sorted(item.input["TrainDataUri"] for item in report.succeeded) == [_uri(1), _uri(2), _uri(3)]
    assert all(item.best_training_job and item.best_training_job.startswith("segment-") for item in report.succeeded)
    assert {item.error: item.reason for item in report.failed}["JobFailed"] == "AlgorithmError: the segment has no rows"
    assert "TrainDataUri" in {item.error: item.reason for item in report.failed}["InvalidParameter"]
    # The map run's calls and every child's (they run with the fan-out's role), and their jobs'.
    assert result.unpermitted_calls() == []


def test_past_the_tolerance_the_run_fails_with_tolerated_failure_exceeded(
    offline_aws: OfflineAws, template: dict[str, Any]
) -> None:
    deployment = offline_aws.deploy(template)
    header = "TrainDataUri,MaxNumberOfTrainingJobs\n"
    rows = [f"{_uri(1)},3\n", f"{_uri(4)},\n", "s3://another-bucket/x/,2\n"]
    _put(offline_aws, "segments/strict.csv", header + "".join(rows))
    offline_aws.jobs.fail("AlgorithmError: the segment has no rows", matching="segment=0004")

    result = deployment.workflow("Strict").run({"ItemsKey": "segments/strict.csv"})

    assert (result.status, result.error) == ("FAILED", "ToleratedFailureExceeded")


def test_csv_cells_are_read_as_the_parameters_types(offline_aws: OfflineAws, template: dict[str, Any]) -> None:
    deployment = offline_aws.deploy(template)
    _put(offline_aws, "segments/typed.csv", f"TrainDataUri,MaxNumberOfTrainingJobs\n{_uri(7)},5\n{_uri(8)},\n")

    result = deployment.workflow("Strict").run({"ItemsKey": "segments/typed.csv"})

    assert result.status == "SUCCEEDED", result.cause
    creates = [c.api_calls_of("CreateHyperParameterTuningJob")[0].parameters for c in result.children]
    limits = sorted(c["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] for c in creates)
    # The empty cell takes the request's value.
    assert limits == sorted([5, builders.config().resource_limits.max_number_of_training_jobs])


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({}, "ItemsKey is required"),
        ({"ItemsKey": "elsewhere/list.jsonl"}, "starts with 'segments/'"),
        ({"ItemsKey": "segments/a.jsonl", "MaxConcurrency": 0}, "MaxConcurrency must be an integer"),
        ({"ItemsKey": "segments/a.jsonl", "MaxConcurrency": 2.5}, "MaxConcurrency must be an integer"),
        ({"ItemsKey": "segments/a.jsonl", "Unknown": 1}, "keys the fan-out does not take: Unknown"),
    ],
)
def test_a_bad_fan_out_input_fails_before_any_child_starts(
    offline_aws: OfflineAws, template: dict[str, Any], given: dict[str, Any], error: str
) -> None:
    deployment = offline_aws.deploy(template)
    result = deployment.workflow("Tolerant").run(given)
    assert (result.status, result.error) == ("FAILED", "InvalidInput")
    assert error in (result.cause or "")
    assert result.children == ()
    assert offline_aws.jobs.created == []


def test_the_list_key_default_and_the_run_time_concurrency(offline_aws: OfflineAws, template: dict[str, Any]) -> None:
    deployment = offline_aws.deploy(template)
    _put(offline_aws, "segments/all.json", json.dumps(GOOD))
    result = deployment.workflow("Fixed").run({"MaxConcurrency": 1})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["ItemCounts"]["Succeeded"] == 3
    assert result.entered_states == ["Check fan-out input", "Read settings", "Run jobs", "Count results", "Report"]


def test_a_throttled_create_is_retried_inside_its_child(offline_aws: OfflineAws, template: dict[str, Any]) -> None:
    deployment = offline_aws.deploy(template)
    _put(offline_aws, "segments/one.jsonl", _jsonl(GOOD[:1]))
    offline_aws.jobs.fail_next_creates(1, error="ResourceLimitExceeded", kind="tuning")
    result = deployment.workflow("Tolerant").run({"ItemsKey": "segments/one.jsonl"})
    assert result.status == "SUCCEEDED", result.cause
    (child,) = result.children
    assert [c.action for c in child.api_calls if c.action.startswith("Create")] == [
        "CreateHyperParameterTuningJob",
        "CreateHyperParameterTuningJob",
    ]


def test_stopping_the_fan_out_stops_every_child_and_every_job(offline_aws: OfflineAws, template: dict[str, Any]) -> None:
    deployment = offline_aws.deploy(template)
    _put(offline_aws, "segments/held.jsonl", _jsonl(GOOD))
    offline_aws.jobs.hold()
    execution = deployment.workflow("Tolerant").start({"ItemsKey": "segments/held.jsonl"})
    names = offline_aws.jobs.wait_for_created(3, timeout=30)

    execution.stop(cause="stopped by the test")
    result = execution.wait()

    assert result.status == "ABORTED"
    assert {c.status for c in result.children} == {"ABORTED"}
    assert {offline_aws.jobs.status(name) for name in names} <= {"Stopping", "Stopped"}


@pytest.mark.parametrize("action", ["states:StartExecution", "s3:GetObject", "sagemaker:CreateHyperParameterTuningJob"])
def test_a_fan_out_role_without_a_statement_is_caught(
    offline_aws: OfflineAws, template: dict[str, Any], action: str
) -> None:
    """The negative control of the role check: drop one action from the fan-out's policy and the
    executed call that needs it is reported (the map run's own, or a child's)."""
    changed = json.loads(json.dumps(template))
    for logical_id, resource in changed["Resources"].items():
        if logical_id.startswith("TolerantStateMachineRole") and resource["Type"] == "AWS::IAM::ManagedPolicy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                kept = [a for a in actions if a != action]
                statement["Action"] = kept or ["sts:GetCallerIdentity"]
    deployment = offline_aws.deploy(changed)
    _put(offline_aws, "segments/one.jsonl", _jsonl(GOOD[:1]))
    result = deployment.workflow("Tolerant").run({"ItemsKey": "segments/one.jsonl"})
    assert action in {call.action for call in result.unpermitted_calls()}
