"""Distributed Map in the emulator (constructs_sm.testing._map): child executions, ItemReader,
tolerated failures, ResultWriter, DescribeMapRun, stop, permissions. Each behaviour has a negative
control: the failing input, or moto without the emulator's patches."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from constructs_sm.testing import OfflineAws
from constructs_sm.testing._map import map_runs_of

ROLE_ARN = "arn:aws:iam::123456789012:role/x"
CHILD_ID = re.compile(
    r"arn:aws:states:us-east-1:123456789012:execution:(?P<machine>[^/:]+)/Jobs:(?P<name>[0-9a-f-]{36})"
)

# The construct's shape: a JSONata Choice first, then the item's work, Fail on a bad item.
CHECK_INPUT = {
    "Type": "Choice",
    "QueryLanguage": "JSONata",
    "Choices": [{"Condition": "{% $states.input.fail = true %}", "Next": "Bad item"}],
    "Default": "Describe",
}
DESCRIBE = {
    "Type": "Pass",
    "QueryLanguage": "JSONata",
    "Output": (
        "{% {'id': $states.context.Execution.Id, 'name': $states.context.Execution.Name,"
        " 'input': $states.context.Execution.Input, 'start': $states.context.Execution.StartTime,"
        " 'job': 'job-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, 12)} %}"
    ),
    "End": True,
}
BAD_ITEM = {"Type": "Fail", "Error": "Item.Invalid", "Cause": "the item asked to fail"}


def map_state(**fields: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Check input",
            "States": {"Check input": CHECK_INPUT, "Describe": DESCRIBE, "Bad item": BAD_ITEM},
        },
        "MaxConcurrencyPath": "$.maxConcurrency",
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "results-bucket", "Prefix": "fan-out/"},
        },
        "Label": "Jobs",
        "ResultPath": "$.run",
        "Catch": [
            {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "ResultPath": "$.error", "Next": "Too many"}
        ],
        "Next": "Count results",
    }
    state.update(fields)
    return {k: v for k, v in state.items() if v is not None}


def definition(**fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "Run jobs",
        "States": {
            "Run jobs": map_state(**fields),
            "Too many": {"Type": "Fail", "Error": "TooMany", "Cause": "too many failures"},
            "Count results": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:describeMapRun",
                "Parameters": {"MapRunArn.$": "$.run.MapRunArn"},
                "ResultPath": "$.counts",
                "End": True,
            },
        },
    }


TOLERANCE = {
    "ToleratedFailurePercentagePath": "$.toleratedFailurePercentage",
    "ToleratedFailureCountPath": "$.toleratedFailureCount",
}


@pytest.fixture(scope="module")
def aws() -> Iterator[OfflineAws]:
    with OfflineAws() as emulator:
        s3 = emulator.client("s3")
        for bucket in ("items-bucket", "results-bucket"):
            s3.create_bucket(Bucket=bucket)
        yield emulator


_names = iter(range(10_000))


def put_items(aws: OfflineAws, body: str | bytes, key: str | None = None) -> dict[str, str]:
    key = key or f"items-{next(_names)}"
    aws.client("s3").put_object(Bucket="items-bucket", Key=key, Body=body)
    return {"Bucket": "items-bucket", "Key": key}


def run(aws: OfflineAws, machine: dict[str, Any], items: dict[str, str], **input: Any) -> Any:
    arn = aws.create_state_machine(machine, f"fan-{next(_names)}")
    return aws.run(arn, {"items": items, "maxConcurrency": 2, **input})


def s3_json(aws: OfflineAws, bucket: str, key: str) -> Any:
    return json.loads(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


ITEMS = [{"n": 1}, {"n": 2}, {"n": 3}]


# ------------------------------------------------------------------ 1. child executions
def test_moto_alone_gives_every_item_the_parents_execution_id():
    """Negative control: moto's own Distributed Map runs items in the parent's frame. First in the
    module: the module's ``aws`` fixture, once entered, keeps the emulator's patches installed."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="items-bucket")
        s3.put_object(Bucket="items-bucket", Key="items.json", Body=json.dumps(ITEMS))
        machine = definition(ResultWriter=None, MaxConcurrencyPath=None)
        child = machine["States"]["Run jobs"]["ItemProcessor"]
        child["States"] = {
            "Describe": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id"}, "OutputPath": "$.id", "End": True}
        }
        child["StartAt"] = "Describe"
        machine["States"]["Run jobs"]["Next"] = "Done"
        machine["States"]["Done"] = {"Type": "Succeed"}
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="plain", definition=json.dumps(machine), roleArn=ROLE_ARN)[
            "stateMachineArn"
        ]
        execution = sfn.start_execution(
            stateMachineArn=arn,
            name="one",
            input=json.dumps({"items": {"Bucket": "items-bucket", "Key": "items.json"}}),
        )["executionArn"]
        for _ in range(500):
            described = sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.01)
        ids = json.loads(described["output"])["run"]
        assert ids == [execution] * 3


def test_each_item_runs_as_a_child_execution_with_its_own_context(aws):
    result = run(aws, definition(), put_items(aws, json.dumps(ITEMS)))
    assert result.status == "SUCCEEDED", result.cause
    children = result.children
    assert [child.status for child in children] == ["SUCCEEDED"] * 3
    outputs = [child.output for child in children]
    machine = result.execution_arn.split(":")[6]
    for child, output, item in zip(children, outputs, ITEMS, strict=True):
        match = CHILD_ID.fullmatch(output["id"])
        assert match and match["machine"] == machine and match["name"] == output["name"]
        assert output["id"] == child.execution_arn
        assert output["input"] == item == child.input
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", output["start"])
        assert output["job"] == "job-" + hashlib.sha256(output["id"].encode()).hexdigest()[:12]
        # Its own history, not the parent's.
        assert child.events[0]["type"] == "ExecutionStarted" and child.entered_states == ["Check input", "Describe"]
    assert len({output["id"] for output in outputs}) == 3
    assert len({output["job"] for output in outputs}) == 3, "one job name per item"
    assert "Check input" not in result.entered_states


def test_each_child_has_its_own_history_quota(aws):
    """Five children of 4 events each, a parent of under 12: a limit of 12 holds them all; a child
    looping past 12 events fails alone (its map run then fails the parent for tolerance)."""
    emulator, limit = aws, aws.settings.history_event_limit
    aws.settings.history_event_limit = 12
    try:
        machine = definition(ResultWriter=None, Catch=None)
        processor = machine["States"]["Run jobs"]["ItemProcessor"]
        processor["StartAt"], processor["States"] = "Describe", {"Describe": DESCRIBE}
        machine["States"]["Run jobs"]["Next"] = "Done"
        machine["States"]["Done"] = {"Type": "Succeed"}
        items = put_items(emulator, json.dumps([{"n": n} for n in range(5)]))
        result = emulator.run(emulator.create_state_machine(machine, "quota"), {"items": items, "maxConcurrency": 0})
        assert result.status == "SUCCEEDED", result.cause
        assert sum(len(child.events) for child in result.children) > 12

        processor["StartAt"] = "Loop"
        processor["States"] = {"Loop": {"Type": "Pass", "Next": "Loop"}}
        result = emulator.run(emulator.create_state_machine(machine, "looping"), {"items": items, "maxConcurrency": 0})
        assert result.status == "FAILED"
        assert result.error == "States.ExceedToleratedFailureThreshold"
        failed = [child for child in result.children if child.status == "FAILED"]
        assert failed and failed[0].cause == "The execution reached the maximum number of history events (12)."
        assert len(result.events) < 12
    finally:
        aws.settings.history_event_limit = limit


# ------------------------------------------------------------------ 2. ItemReader
@pytest.mark.parametrize(
    ("reader", "body", "items"),
    [
        ({"InputType": "JSON"}, json.dumps(ITEMS), ITEMS),
        ({"InputType": "JSONL"}, '{"n": 1}\n{"n": 2}\n\n{"n": 3}\n', ITEMS),
        (
            {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
            'n,label\n1,a\n2,b\n3,"c,d"\n',
            [{"n": "1", "label": "a"}, {"n": "2", "label": "b"}, {"n": "3", "label": "c,d"}],
        ),
    ],
    ids=["json", "jsonl", "csv"],
)
def test_item_reader_reads_json_jsonl_and_csv_from_the_input_path(aws, reader, body, items):
    machine = definition()
    machine["States"]["Run jobs"]["ItemReader"]["ReaderConfig"] = reader
    result = run(aws, machine, put_items(aws, body))
    assert result.status == "SUCCEEDED", result.cause
    assert [child.input for child in result.children] == items


@pytest.mark.parametrize(
    ("input_type", "body"),
    [
        ("JSON", '{"not": "an array"}'),
        ("JSON", "[1, 2,"),
        ("JSONL", '{"n": 1}\nnot json\n'),
        ("CSV", "n,n\n1,2\n"),
        ("CSV", 'n\n"unterminated\n'),
    ],
    ids=["json-object", "json-broken", "jsonl-bad-line", "csv-duplicate-header", "csv-broken"],
)
def test_an_item_source_that_is_not_its_input_type_fails_with_item_reader_failed(aws, input_type, body):
    machine = definition()
    reader = {"InputType": input_type}
    if input_type == "CSV":
        reader["CSVHeaderLocation"] = "FIRST_ROW"
    machine["States"]["Run jobs"]["ItemReader"]["ReaderConfig"] = reader
    result = run(aws, machine, put_items(aws, body))
    assert (result.status, result.error) == ("FAILED", "States.ItemReaderFailed"), result.cause
    assert result.children == ()


def test_a_missing_item_source_fails_with_item_reader_failed(aws):
    result = run(aws, definition(), {"Bucket": "items-bucket", "Key": "missing.json"})
    assert (result.status, result.error) == ("FAILED", "States.ItemReaderFailed")
    assert "NoSuchKey" in (result.cause or "")


# ------------------------------------------------------------------ 3. concurrency and tolerance
FAILING = [{"n": 1}, {"n": 2, "fail": True}, {"n": 3}]


@pytest.mark.parametrize(
    ("tolerance", "fails"),
    [
        ({}, True),  # none declared: one failure is too many
        ({"toleratedFailureCount": 1}, False),  # 1 failure is not more than 1
        ({"toleratedFailureCount": 0}, True),
        ({"toleratedFailurePercentage": 34}, False),  # 33.3 % is not more than 34 %
        ({"toleratedFailurePercentage": 33}, True),
        ({"toleratedFailureCount": 5, "toleratedFailurePercentage": 10}, True),  # either threshold
    ],
    ids=["none", "count-1", "count-0", "percent-34", "percent-33", "either"],
)
def test_a_map_run_fails_when_failed_items_exceed_a_tolerated_threshold(aws, tolerance, fails):
    fields = {name: path for name, path in TOLERANCE.items() if path.removeprefix("$.") in tolerance}
    machine = definition(**fields)
    result = run(aws, machine, put_items(aws, json.dumps(FAILING)), **tolerance)
    statuses = [child.status for child in result.children]
    if fails:
        # The map run fails at the first failure too many: the others may be aborted or pending.
        assert statuses[1] == "FAILED" and set(statuses) <= {"FAILED", "SUCCEEDED", "ABORTED", "PENDING"}
        assert result.status == "FAILED" and result.error == "TooMany", result.cause
        assert result.entered_states[-1] == "Too many"
    else:
        assert statuses == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
        assert result.status == "SUCCEEDED", result.cause
        assert result.output["counts"]["ItemCounts"]["Failed"] == 1


def test_max_concurrency_from_the_input_bounds_the_running_children(aws):
    machine = definition()
    processor = machine["States"]["Run jobs"]["ItemProcessor"]
    processor["States"]["Describe"] = {"Type": "Wait", "Seconds": 0, "Next": "Done"}
    processor["States"]["Done"] = DESCRIBE
    items = put_items(aws, json.dumps([{"n": i} for i in range(4)]))
    result = run(aws, machine, items, maxConcurrency=1)
    assert result.status == "SUCCEEDED", result.cause
    spans = sorted((child.events[0]["timestamp"], child.events[-1]["timestamp"]) for child in result.children)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False)), "one at a time"
    assert result.output["counts"]["MaxConcurrency"] == 1


# ------------------------------------------------------------------ 4. ResultWriter
def test_result_writer_writes_the_manifest_and_a_file_per_status(aws):
    machine = definition(**TOLERANCE)
    result = run(
        aws, machine, put_items(aws, json.dumps(FAILING)), toleratedFailureCount=1, toleratedFailurePercentage=50
    )
    assert result.status == "SUCCEEDED", result.cause
    (map_run,) = map_runs_of(result.execution_arn)
    details = result.output["run"]
    assert details == {
        "MapRunArn": map_run.arn,
        "ResultWriterDetails": {"Bucket": "results-bucket", "Key": f"fan-out/{map_run.id}/manifest.json"},
    }
    assert re.fullmatch(r"arn:aws:states:us-east-1:123456789012:mapRun:fan-\d+/Jobs:[0-9a-f-]{36}", map_run.arn)
    manifest = s3_json(aws, "results-bucket", details["ResultWriterDetails"]["Key"])
    assert manifest["DestinationBucket"] == "results-bucket" and manifest["MapRunArn"] == map_run.arn
    files = manifest["ResultFiles"]
    assert [entry["Key"] for entry in files["SUCCEEDED"]] == [f"fan-out/{map_run.id}/SUCCEEDED_0.json"]
    assert [entry["Key"] for entry in files["FAILED"]] == [f"fan-out/{map_run.id}/FAILED_0.json"]
    assert files["PENDING"] == []
    succeeded = s3_json(aws, "results-bucket", files["SUCCEEDED"][0]["Key"])
    failed = s3_json(aws, "results-bucket", files["FAILED"][0]["Key"])
    assert files["SUCCEEDED"][0]["Size"] == len(json.dumps(succeeded).encode())
    assert [json.loads(entry["Input"]) for entry in succeeded] == [FAILING[0], FAILING[2]]
    common = {
        "ExecutionArn",
        "Input",
        "InputDetails",
        "Name",
        "RedriveCount",
        "RedriveStatus",
        "StartDate",
        "StateMachineArn",
        "Status",
        "StopDate",
    }
    assert set(succeeded[0]) == common | {"Output", "OutputDetails"}
    assert set(failed[0]) == common | {"Error", "Cause"}
    assert (failed[0]["Status"], failed[0]["Error"], failed[0]["Cause"]) == (
        "FAILED",
        "Item.Invalid",
        "the item asked to fail",
    )
    assert succeeded[0]["StateMachineArn"] == map_run.child_state_machine_arn
    assert json.loads(succeeded[0]["Output"])["id"] == succeeded[0]["ExecutionArn"]


def test_results_are_written_when_the_map_run_fails_for_its_tolerance(aws):
    machine = definition()
    items = put_items(aws, json.dumps([{"n": 1, "fail": True}, {"n": 2}, {"n": 3}]))
    result = run(aws, machine, items, maxConcurrency=1)
    assert result.status == "FAILED" and result.error == "TooMany"
    (map_run,) = map_runs_of(result.execution_arn)
    manifest = s3_json(aws, "results-bucket", f"fan-out/{map_run.id}/manifest.json")
    pending = s3_json(aws, "results-bucket", manifest["ResultFiles"]["PENDING"][0]["Key"])
    assert [json.loads(entry["Input"]) for entry in pending] == [{"n": 2}, {"n": 3}]
    assert [child.status for child in result.children] == ["FAILED"]  # the others never started


# ------------------------------------------------------------------ 5. DescribeMapRun
def test_describe_map_run_gives_the_counts_and_settings(aws):
    machine = definition(**TOLERANCE)
    result = run(
        aws, machine, put_items(aws, json.dumps(FAILING)), toleratedFailureCount=2, toleratedFailurePercentage=40
    )
    assert result.status == "SUCCEEDED", result.cause
    counts = result.output["counts"]
    expected = {
        "Pending": 0,
        "Running": 0,
        "Succeeded": 2,
        "Failed": 1,
        "TimedOut": 0,
        "Aborted": 0,
        "Total": 3,
        "ResultsWritten": 3,
        "FailuresNotRedrivable": 0,
        "PendingRedrive": 0,
    }
    assert counts["ItemCounts"] == expected and counts["ExecutionCounts"] == expected
    assert (counts["Status"], counts["MaxConcurrency"]) == ("SUCCEEDED", 2)
    assert (counts["ToleratedFailureCount"], counts["ToleratedFailurePercentage"]) == (2, 40.0)
    assert counts["ExecutionArn"] == result.execution_arn


# ------------------------------------------------------------------ 6. stop
TRAINING = {
    "Type": "Task",
    "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
    "QueryLanguage": "JSONata",
    "Arguments": {
        "TrainingJobName": "{% 'job-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, 12) %}",
        "AlgorithmSpecification": {
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/algo:1",
            "TrainingInputMode": "File",
        },
        "RoleArn": ROLE_ARN,
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    },
    "End": True,
}


def training_definition() -> dict[str, Any]:
    machine = definition(ResultWriter=None)
    processor = machine["States"]["Run jobs"]["ItemProcessor"]
    processor["States"]["Describe"] = TRAINING
    machine["States"]["Run jobs"]["Next"] = "Done"
    machine["States"]["Done"] = {"Type": "Succeed"}
    return machine


def test_stopping_the_parent_aborts_its_children_and_stops_their_jobs(aws):
    aws.jobs.hold()
    try:
        arn = aws.create_state_machine(training_definition(), f"stop-{next(_names)}")
        before = len(aws.jobs.created)
        execution = aws.start(arn, {"items": put_items(aws, json.dumps(ITEMS)), "maxConcurrency": 0})
        names = aws.jobs.wait_for_created(before + 3, timeout=10)[before:]
        execution.stop(error="Operator", cause="stopped by hand")
        result = execution.wait()
    finally:
        aws.jobs.release()
    assert result.status == "ABORTED"
    assert [child.status for child in result.children] == ["ABORTED"] * 3
    statuses = {aws.sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] for name in names}
    assert statuses <= {"Stopping", "Stopped"}
    (map_run,) = map_runs_of(result.execution_arn)
    assert map_run.status == "ABORTED"


def test_children_left_running_keep_their_jobs_running(aws):
    """Negative control: a child's job is stopped only because its execution stopped."""
    aws.jobs.hold()
    try:
        arn = aws.create_state_machine(training_definition(), f"held-{next(_names)}")
        before = len(aws.jobs.created)
        execution = aws.start(arn, {"items": put_items(aws, json.dumps(ITEMS[:1])), "maxConcurrency": 0})
        (name,) = aws.jobs.wait_for_created(before + 1, timeout=10)[before:]
        time.sleep(0.05)
        assert aws.sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] == "InProgress"
    finally:
        aws.jobs.release()
    assert execution.wait().status == "SUCCEEDED"


# ------------------------------------------------------------------ 7. permissions
def template(statements: list[dict[str, Any]]) -> dict[str, Any]:
    machine = definition()
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "states.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {"PolicyName": "run", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}
                    ],
                },
            },
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": "FanOut",
                    "DefinitionString": json.dumps(machine),
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                },
            },
        }
    }


ALLOWED = [
    {
        "Effect": "Allow",
        "Action": "states:StartExecution",
        "Resource": "arn:aws:states:us-east-1:123456789012:stateMachine:FanOut",
    },
    {
        "Effect": "Allow",
        "Action": ["states:DescribeExecution", "states:StopExecution"],
        "Resource": "arn:aws:states:us-east-1:123456789012:execution:FanOut/*",
    },
    {
        "Effect": "Allow",
        "Action": "states:DescribeMapRun",
        "Resource": "arn:aws:states:us-east-1:123456789012:mapRun:FanOut/*",
    },
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::items-bucket/*"},
    {
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
        "Resource": "arn:aws:s3:::results-bucket/fan-out/*",
    },
]


@pytest.mark.parametrize("missing", [None, "states:StartExecution"], ids=["all-allowed", "no-start-execution"])
def test_the_map_runs_calls_are_checked_against_the_role(aws, missing):
    statements = [
        {**s, "Action": [a for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) if a != missing]}
        for s in ALLOWED
    ]
    statements = [s for s in statements if s["Action"]]
    deployment = aws.deploy(template(statements), stack_name=f"Fan{next(_names)}")
    result = deployment.workflow().run({"items": put_items(aws, json.dumps(ITEMS[:2])), "maxConcurrency": 0})
    assert result.status == "SUCCEEDED", result.cause
    unpermitted = result.unpermitted_calls()
    if missing is None:
        assert unpermitted == []
    else:
        assert [(call.action, call.resource) for call in unpermitted] == [(missing, deployment.workflow().arn)]


def test_an_integer_tolerated_failure_percentage_is_accepted(aws):
    machine = definition(ToleratedFailurePercentage=50)
    result = run(aws, machine, put_items(aws, json.dumps(FAILING)))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["counts"]["ToleratedFailurePercentage"] == 50.0
