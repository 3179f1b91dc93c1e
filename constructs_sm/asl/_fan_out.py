"""The fan-out's definition: check the input, run a workflow's states once per item of an S3 list
in a Distributed Map, count the results.

Every behaviour it relies on, with its page (Step Functions Developer Guide unless said):

* a Distributed Map reads its items from S3 (``arn:aws:states:::s3:getObject`` with ``ReaderConfig``
  ``InputType`` JSON, JSONL or CSV; a CSV file's values are read as strings), starts a child
  workflow execution per item whose input is the item, and writes the children's results to S3
  (``arn:aws:states:::s3:putObject``): "Using Map state in Distributed mode", "ItemReader (Map)",
  "ResultWriter (Map)", https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html;
* with a ResultWriter, the Map's output is ``{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}``
  ("ResultWriter (Map)"): a state's output is limited to 256 KiB ("Step Functions service quotas"),
  which holds neither a thousand items' results nor their failures, so the results stay in S3;
* ``MaxConcurrency`` (at most 10,000 child executions at a time), ``ToleratedFailurePercentage``
  and ``ToleratedFailureCount``; past either, the Map fails with
  ``States.ExceedToleratedFailureThreshold`` ("Setting failure thresholds for Distributed Map states");
* ``DescribeMapRun`` reports the run's item and execution counts (Step Functions API Reference,
  "DescribeMapRun"); the aws-sdk integration names its parameters in PascalCase
  ("Learning to use AWS service SDK integrations"), and its results in the same case
  (the page is silent on results; see MODELLED.md).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from ._workflow_states import STARTED_BY

CHECK = "Check fan-out input"
SETTINGS = "Read settings"
RUN = "Run jobs"
COUNT = "Count results"
REPORT = "Report"
READ_CSV = "Read CSV item"
INVALID_INPUT = "InvalidInput"
# "Using Map state in Distributed mode": "up to 10,000 parallel child workflow executions".
MAX_CONCURRENCY_LIMIT = 10_000
# S3 object keys: at most 1,024 bytes of UTF-8 (Amazon S3 User Guide, "Naming Amazon S3 objects").
MAX_KEY_LENGTH = 1024
INPUT_KEYS = ("ItemsKey", "MaxConcurrency")
ITEM_FORMATS = ("JSON", "JSONL", "CSV")
# A CSV cell that is a JSON number (RFC 8259) is read as one for a numeric run-time parameter.
_JSON_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"


def _quoted(text: str) -> str:
    """A JSONata string literal."""
    return json.dumps(text)


def check_states(
    *,
    bucket: str,
    key_prefix: str,
    default_key: str | None,
    max_concurrency: int,
) -> dict[str, Any]:
    """The first states: refuse an input with an unknown key, an items key outside the declared
    prefix, or a MaxConcurrency out of range, before any child execution starts; then the Map's
    settings (items location and concurrency) as the next state's input."""
    unknown = f"$keys($states.input)[$not($ in {json.dumps([*INPUT_KEYS, STARTED_BY])})]"
    key = "$states.input.ItemsKey"
    bad_key = (
        f"$type({key}) != 'string' or $length({key}) < 1 or $length({key}) > {MAX_KEY_LENGTH} "
        f"or $substring({key}, 0, {len(key_prefix)}) != {_quoted(key_prefix)}"
    )
    if default_key is None:
        bad_key = f"$not($exists({key})) or {bad_key}"
    else:
        bad_key = f"$exists({key}) and ({bad_key})"
    concurrency = "$states.input.MaxConcurrency"
    bad_concurrency = (
        f"$exists({concurrency}) and ($type({concurrency}) != 'number' or {concurrency} != $floor({concurrency}) "
        f"or {concurrency} < 1 or {concurrency} > {MAX_CONCURRENCY_LIMIT})"
    )
    key_value = key if default_key is None else f"$exists({key}) ? {key} : {_quoted(default_key)}"
    settings = (
        "{% {'items': {'Bucket': " + _quoted(bucket) + ", 'Key': " + key_value + "}, "
        f"'maxConcurrency': $exists({concurrency}) ? {concurrency} : {max_concurrency}}} %}}"
    )
    where = f"s3://{bucket}/{key_prefix}"
    return {
        CHECK: {
            "Type": "Choice",
            "QueryLanguage": "JSONata",
            "Choices": [
                {"Condition": f"{{% $type($states.input) != 'object' or $count({unknown}) > 0 %}}", "Next": "Invalid fan-out input"},
                {"Condition": f"{{% {bad_key} %}}", "Next": "Invalid ItemsKey"},
                {"Condition": f"{{% {bad_concurrency} %}}", "Next": "Invalid MaxConcurrency"},
            ],
            "Default": SETTINGS,
        },
        "Invalid fan-out input": {
            "Type": "Fail",
            "QueryLanguage": "JSONata",
            "Error": INVALID_INPUT,
            "Cause": (
                f"{{% $type($states.input) = 'object' ? 'The execution input holds keys the fan-out does not take: ' "
                f"& $substring($join({unknown}, ', '), 0, 1000) & ' (it takes {', '.join(INPUT_KEYS)})' "
                f": 'The execution input must be a JSON object' %}}"
            ),
        },
        "Invalid ItemsKey": {
            "Type": "Fail",
            "Error": INVALID_INPUT,
            "Cause": (
                "ItemsKey "
                + ("is required: it " if default_key is None else "")
                + f"must be an S3 object key of 1 to {MAX_KEY_LENGTH} characters that starts with '{key_prefix}' "
                f"(the item lists the state machine may read: {where}*)"
            ),
        },
        "Invalid MaxConcurrency": {
            "Type": "Fail",
            "Error": INVALID_INPUT,
            "Cause": f"MaxConcurrency must be an integer from 1 to {MAX_CONCURRENCY_LIMIT} (Distributed Map's limit)",
        },
        SETTINGS: {"Type": "Pass", "QueryLanguage": "JSONata", "Output": settings, "Next": RUN},
    }


def csv_item_state(numeric: Sequence[str], next_state: str) -> dict[str, Any]:
    """A CSV item's values are strings: drop empty cells (the request's value applies) and read a
    numeric run-time parameter's cell as a number when it is one (else Check input names it)."""
    names = json.dumps(list(numeric))
    convert = (
        f"($k in {names} and $contains($v, /{_JSON_NUMBER}/)) ? $number($v) : $v"
        if numeric
        else "$v"
    )
    output = (
        "{% $merge([$each($sift($states.input, function($v) { $v != '' }), "
        f"function($v, $k) {{ {{$k: {convert}}} }})]) %}}"
    )
    return {READ_CSV: {"Type": "Pass", "QueryLanguage": "JSONata", "Output": output, "Next": next_state}}


def map_state(
    *,
    item_states: dict[str, Any],
    start_at: str,
    item_format: str,
    reader_resource: str,
    writer_resource: str,
    results_bucket: str,
    results_prefix: str,
    tolerated_failure_percentage: float | None,
    tolerated_failure_count: int | None,
) -> dict[str, Any]:
    """The Distributed Map: the items from S3, a child execution each, the results to S3."""
    reader_config: dict[str, Any] = {"InputType": item_format}
    if item_format == "CSV":
        reader_config["CSVHeaderLocation"] = "FIRST_ROW"
    state: dict[str, Any] = {
        "Type": "Map",
        "ItemReader": {
            "Resource": reader_resource,
            "ReaderConfig": reader_config,
            "Parameters": {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": start_at,
            "States": copy.deepcopy(item_states),
        },
        "MaxConcurrencyPath": "$.maxConcurrency",
    }
    if tolerated_failure_percentage is not None:
        state["ToleratedFailurePercentage"] = tolerated_failure_percentage
    if tolerated_failure_count is not None:
        state["ToleratedFailureCount"] = tolerated_failure_count
    state.update(
        {
            "ResultWriter": {
                "Resource": writer_resource,
                "Parameters": {"Bucket": results_bucket, "Prefix": results_prefix},
            },
            "Label": "Jobs",
            "ResultPath": "$.run",
            "Catch": [
                {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "ResultPath": "$.error", "Next": "Too many failures"},
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Fan-out failed"},
            ],
            "Next": COUNT,
        }
    )
    return {RUN: state}


def ending_states(describe_map_run_resource: str) -> dict[str, Any]:
    """Count the run's items and report: counts, and where the results are. A failed count (after
    retries) still reports where the results are: every job has ended by then."""
    return {
        COUNT: {
            "Type": "Task",
            "Resource": describe_map_run_resource,
            "Parameters": {"MapRunArn.$": "$.run.MapRunArn"},
            "ResultSelector": {"ItemCounts.$": "$.ItemCounts", "ExecutionCounts.$": "$.ExecutionCounts"},
            "ResultPath": "$.counts",
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.countError", "Next": REPORT}],
            "Next": REPORT,
        },
        REPORT: {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": (
                "{% {'MapRunArn': $states.input.run.MapRunArn, "
                "'ResultWriterDetails': $states.input.run.ResultWriterDetails, "
                "'ItemCounts': $states.input.counts.ItemCounts, "
                "'ExecutionCounts': $states.input.counts.ExecutionCounts} %}"
            ),
            "End": True,
        },
        "Too many failures": {"Type": "Fail", "Error": "ToleratedFailureExceeded", "CausePath": "$.error.Cause"},
        "Fan-out failed": {"Type": "Fail", "Error": "FanOutFailed", "CausePath": "$.error.Cause"},
    }
