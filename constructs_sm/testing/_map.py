"""Distributed Map: each item a child execution of its own, as Step Functions runs it.

moto 5.2 parses Distributed Map states but runs each item as an inner frame of the parent (the
parent's context object, the parent's history), never fails a map run for failed items, reads
neither JSONL nor unreadable files as Step Functions does and writes an empty ``manifest.json``.
``distributed_map_patches`` replaces, for the duration of a block:

* the map run (``DistributedIterationComponent._map_run``): every item (or ``ItemSelector``'s
  output) is the input of a **child execution** with its own ARN
  ``arn:aws:states:<region>:<account>:execution:<state machine>/<label>:<uuid>``, name, start time,
  context object, history (so its own history quota, ``_quota``) and variables, started
  ``MaxConcurrency`` at a time; a child that fails or times out counts against the tolerated
  failure thresholds, and a map run that exceeds one fails the Map state with
  ``States.ExceedToleratedFailureThreshold`` after aborting its running children; stopping the
  parent aborts every running child;
* the ItemReader's S3 read (``JSON``, ``JSONL``, ``CSV``): a file that is not what its
  ``InputType`` says, or that cannot be read, fails the Map state with ``States.ItemReaderFailed``;
* the ResultWriter's ``s3:putObject``: ``manifest.json`` and ``SUCCEEDED_0.json`` /
  ``FAILED_0.json`` / ``PENDING_0.json`` under ``<Prefix>/<map run id>/``, also when the map run
  fails for its tolerance;
* ``DescribeMapRun`` (moto's record, with the emulator's counts and status);
* ``DescribeExecution``, ``GetExecutionHistory``, ``StopExecution`` of a child execution ARN;
* a ``.sync`` SageMaker task whose execution is stopped: the job is stopped.

The AWS page each behaviour follows is cited beside its code and listed in ``MODELLED.md``.

moto internals used here are rows of ``_moto.py``'s table (resolved by name below, so that ``_moto.py``
stays the one module importing moto).
"""

from __future__ import annotations

import copy
import csv
import datetime
import importlib
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ._moto import (
    FailureEvent,
    FailureEventException,
    HistoryEventType,
    Preprocessor,
    StatesErrorName,
    StatesErrorNameType,
    boto_client_for,
    event_details,
    replaced,
)

__all__ = ["MapRun", "child_arns_of", "distributed_map_patches", "map_run_calls", "map_runs_of"]

_STATE_MAP = "moto.stepfunctions.parser.asl.component.state.exec.state_map"


def _moto(path: str) -> Any:
    return importlib.import_module(path)


# --------------------------------------------------------------------------- records
@dataclass
class _Child:
    index: int
    input: Any
    name: str
    arn: str
    execution: Any = None  # moto's Execution once started

    @property
    def status(self) -> str:
        if self.execution is None:
            return "PENDING"
        status = self.execution.exec_status
        return str(getattr(status, "value", status))


@dataclass
class MapRun:
    """One map run the emulator ran: what the permission check and ``describeMapRun`` read.

    Attributes
    ----------
    arn:
        ``arn:aws:states:<region>:<account>:mapRun:<state machine>/<label>:<uuid>``.
    execution_arn, state_machine_arn:
        The parent execution and its state machine.
    child_state_machine_arn:
        ``...:stateMachine:<state machine>/<label>``, the children's state machine ARN.
    item_source:
        ``(bucket, key)`` the ItemReader read, if any.
    result_keys:
        ``(bucket, key)`` of every file the ResultWriter wrote.
    """

    arn: str
    execution_arn: str
    state_machine_arn: str
    child_state_machine_arn: str
    role_arn: str
    max_concurrency: int
    tolerated_failure_count: int | None
    tolerated_failure_percentage: float | None
    children: list[_Child] = field(default_factory=list)
    item_source: tuple[str, str] | None = None
    result_keys: list[tuple[str, str]] = field(default_factory=list)
    status: str = "RUNNING"
    results_written: int = 0

    @property
    def id(self) -> str:
        return self.arn.rsplit(":", 1)[-1]

    @property
    def child_arns(self) -> list[str]:
        return [child.arn for child in self.children if child.execution is not None]

    def counts(self) -> dict[str, int]:
        """DescribeMapRun's ``itemCounts``/``executionCounts`` (one item per child execution:
        ItemBatcher is not modelled). Step Functions API Reference, MapRunItemCounts,
        https://docs.aws.amazon.com/step-functions/latest/apireference/API_MapRunItemCounts.html"""
        statuses = [child.status for child in self.children]
        return {
            "pending": statuses.count("PENDING"),
            "running": statuses.count("RUNNING"),
            "succeeded": statuses.count("SUCCEEDED"),
            "failed": statuses.count("FAILED"),
            "timedOut": statuses.count("TIMED_OUT"),
            "aborted": statuses.count("ABORTED"),
            "total": len(statuses),
            "resultsWritten": self.results_written,
            # Redrive is not modelled: no failure is waiting for one, none is excluded from one.
            "failuresNotRedrivable": 0,
            "pendingRedrive": 0,
        }


class _Registry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[str, MapRun] = {}
        self.machines: dict[str, _ChildMachine] = {}


_registry: _Registry | None = None
_local = threading.local()


def map_runs_of(execution_arn: str) -> list[MapRun]:
    """The map runs an execution started (in the installed emulator), in order."""
    if _registry is None:
        return []
    with _registry.lock:
        return [run for run in _registry.runs.values() if run.execution_arn == execution_arn]


def child_arns_of(execution_arn: str) -> list[str]:
    """ARNs of the child executions an execution's map runs started, in item order."""
    return [arn for run in map_runs_of(execution_arn) for arn in run.child_arns]


def map_run_calls(execution_arn: str) -> list[tuple[str, str]]:
    """The calls an execution's Distributed Map states made with its role, as (IAM action, resource):
    "IAM policies for using Distributed Map states"
    (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html):
    ``states:StartExecution`` on the state machine for the map run's children,
    ``states:DescribeExecution`` on each child (``states:StopExecution`` on each it stopped);
    ``s3:GetObject`` on the ItemReader's object ("Scope the policies down to the bucket and object
    names the path resolves to at runtime", same page); on each file the ResultWriter wrote,
    ``s3:PutObject``, ``s3:GetObject``, ``s3:ListMultipartUploadParts``,
    ``s3:AbortMultipartUpload`` ("IAM policies for ResultWriter",
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html)."""
    calls: list[tuple[str, str]] = []
    for run in map_runs_of(execution_arn):
        calls.append(("states:StartExecution", run.state_machine_arn))
        for child in run.children:
            if child.execution is not None:
                calls.append(("states:DescribeExecution", child.arn))
                if getattr(child.execution, "_emulator_stopped", False):
                    calls.append(("states:StopExecution", child.arn))
        if run.item_source is not None:
            calls.append(("s3:GetObject", f"arn:aws:s3:::{run.item_source[0]}/{run.item_source[1]}"))
        for bucket, key in run.result_keys:
            for action in ("PutObject", "GetObject", "ListMultipartUploadParts", "AbortMultipartUpload"):
                calls.append((f"s3:{action}", f"arn:aws:s3:::{bucket}/{key}"))
    return calls


# --------------------------------------------------------------------------- child executions
class _ChildMachine:
    """Stands for ``<state machine>/<label>`` in moto's backend: holds the children of its runs."""

    def __init__(self, name: str, arn: str, role_arn: str, definition: str, sm_type: Any) -> None:
        self.name, self.arn, self.roleArn, self.definition, self.sm_type = name, arn, role_arn, definition, sm_type
        self.executions: list[Any] = []
        self.revision_id = None
        self.logging_config: Any = None
        self.create_date = datetime.datetime.now(tz=datetime.UTC)

    def stop_execution(self, execution_arn: str) -> Any:
        execution = next((e for e in self.executions if e.execution_arn == execution_arn), None)
        if execution is None:
            raise _moto("moto.stepfunctions.exceptions").ExecutionDoesNotExist(
                f"Execution Does Not Exist: '{execution_arn}'"
            )
        _stop(execution)
        return execution


def _child_classes() -> tuple[type, type]:
    execution_module = _moto("moto.stepfunctions.parser.backend.execution")
    worker_module = _moto("moto.stepfunctions.parser.backend.execution_worker")

    class ChildWorker(worker_module.ExecutionWorker):  # type: ignore[misc, name-defined]
        program: Any = None

        def _get_evaluation_entrypoint(self) -> Any:
            return self.program

    class ChildExecution(execution_module.Execution):  # type: ignore[misc, name-defined]
        program: Any = None

        def get_start_execution_details(self) -> Any:
            # The context object's Execution.StartTime is an ISO 8601 string ("Accessing execution
            # data from the Context object", https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
            details = super().get_start_execution_details()
            details.start_time = _iso(self.start_date)
            return details

        def _get_start_execution_worker(self) -> Any:
            worker = ChildWorker(
                evaluation_details=_moto("moto.stepfunctions.parser.asl.eval.evaluation_details").EvaluationDetails(
                    aws_execution_details=self._get_start_aws_execution_details(),
                    execution_details=self.get_start_execution_details(),
                    state_machine_details=self.get_start_state_machine_details(),
                ),
                exec_comm=self._get_start_execution_worker_comm(),
                cloud_watch_logging_session=None,
                activity_store=self._activity_store,
            )
            worker.program = self.program
            return worker

    return ChildExecution, ChildWorker


def _item_processor_definition(definition: str, state_name: str) -> str:
    """The ItemProcessor of the Map state ``state_name`` (state names are unique in a state
    machine), as a definition: what a child execution runs."""

    def find(states: dict[str, Any]) -> dict[str, Any] | None:
        for name, state in states.items():
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if name == state_name and processor:
                return dict(processor)
            for nested in [processor or {}, *(state.get("Branches") or [])]:
                found = find(nested.get("States") or {})
                if found is not None:
                    return found
        return None

    try:
        found = find(json.loads(definition).get("States") or {})
    except (TypeError, ValueError):
        found = None
    return json.dumps({k: v for k, v in (found or {}).items() if k != "ProcessorConfig"})


# --------------------------------------------------------------------------- failures
def _failure(env: Any, error: StatesErrorNameType, cause: str) -> FailureEventException:
    name = StatesErrorName(typ=error)
    MapRunFailedEventDetails = _moto("moto.stepfunctions.parser.api").MapRunFailedEventDetails  # noqa: N806
    return FailureEventException(
        FailureEvent(
            env=env,
            error_name=name,
            event_type=HistoryEventType.MapRunFailed,
            event_details=event_details(
                mapRunFailedEventDetails=MapRunFailedEventDetails(error=name.error_name, cause=cause)
            ),
        )
    )


# "Handling errors in Step Functions workflows", States.ItemReaderFailed: "a Map state failed
# because it couldn't read from the item source specified in the ItemReader field"
# (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). The causes
# below are the emulator's own (docs silent).
def _item_reader_failed(env: Any, cause: str) -> FailureEventException:
    return _failure(env, StatesErrorNameType.StatesItemReaderFailed, cause)


# --------------------------------------------------------------------------- ItemReader
class _JsonLines:
    """InputType ``JSONL``, which moto's enum lacks: "Accepts one of the following values: CSV,
    JSON, JSONL, PARQUET, MANIFEST" ("ItemReader (Map)",
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html)."""

    value = "JSONL"

    def __str__(self) -> str:
        return self.value


_JSONL = _JsonLines()


def _input_type_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, input_type: str) -> None:
        if input_type == _JSONL.value:
            self.input_type_value = _JSONL
            return
        original(self, input_type)

    return __init__


def _reader(input_type: Any) -> Any:
    """The ItemReader's ``ReaderConfig`` for ``InputType``, following "ItemReader (Map)"
    (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html): ``JSON`` a
    JSON array, ``JSONL`` one JSON value a line, ``CSV`` rows as objects of strings keyed by the
    header (``FIRST_ROW`` or ``GIVEN``); ``MaxItems`` items at most."""
    kind = getattr(input_type, "input_type_value", input_type)
    kind = str(getattr(kind, "value", kind))
    eval_component = _moto("moto.stepfunctions.parser.asl.component.eval_component").EvalComponent

    class Reader(eval_component):  # type: ignore[misc, valid-type]
        def _eval_body(self, env: Any) -> None:
            config, content = env.stack.pop(), env.stack.pop()
            most = config.get("MaxItemsValue") or None
            items = _parse_items(env, kind, content, config)
            env.stack.append(items[:most] if most else items)

    return Reader()


def _parse_items(env: Any, kind: str, content: Any, config: dict[str, Any]) -> list[Any]:
    if kind == "JSON":
        try:
            items = json.loads(content)
        except ValueError as error:
            raise _item_reader_failed(env, f"The item source is not valid JSON: {error}") from None
        if not isinstance(items, list):
            raise _item_reader_failed(env, "Attempting to map over non-iterable node.")
        return items
    if kind == "JSONL":
        items = []
        for number, line in enumerate(str(content).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError as error:
                raise _item_reader_failed(env, f"Line {number} of the item source is not JSON: {error}") from None
        return items
    if kind == "CSV":
        try:
            rows = list(csv.reader(io.StringIO(str(content)), strict=True))
        except csv.Error as error:
            raise _item_reader_failed(env, f"The item source is not valid CSV: {error}") from None
        if config.get("CSVHeaderLocation") == "GIVEN":
            headers = list(config.get("CSVHeaders") or [])
        else:
            if not rows:
                raise _item_reader_failed(env, "The CSV item source has no header row.")
            headers, rows = rows[0], rows[1:]
        if len(set(headers)) < len(headers):
            raise _item_reader_failed(env, "CSV headers cannot contain duplicates.")
        items = []
        for row in rows:
            if len(row) > len(headers):
                raise _item_reader_failed(env, f"A CSV row has {len(row)} fields for {len(headers)} headers.")
            items.append({header: row[i] if i < len(row) else "" for i, header in enumerate(headers)})
        return items
    raise _item_reader_failed(env, f"InputType {kind} is not modelled by the emulator.")


def _handle_get_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    """s3:GetObject of the item source; an object S3 does not give fails the Map state."""
    parameters = env.stack.pop()
    client = boto_client_for(region=resource_runtime_part.region, service="s3", state_credentials=state_credentials)
    _local.item_source = (parameters.get("Bucket"), parameters.get("Key"))
    try:
        body = client.get_object(**parameters)["Body"].read()
    except ClientError as error:
        details = error.response.get("Error", {})
        raise _item_reader_failed(
            env,
            f"{details.get('Code', 'Error')}: {details.get('Message', '')} (s3://{parameters.get('Bucket')}/"
            f"{parameters.get('Key')})",
        ) from None
    try:
        env.stack.append(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise _item_reader_failed(env, "The item source is not UTF-8 text.") from None


# --------------------------------------------------------------------------- the map run
def _iso(moment: Any) -> str | None:
    if not isinstance(moment, datetime.datetime):
        return None
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _entry(run: MapRun, child: _Child) -> dict[str, Any]:
    """One child's record as the ResultWriter exports it ("Processing Distributed Map results":
    ExecutionArn, Input, InputDetails, Name, Output, OutputDetails, RedriveCount, RedriveStatus,
    StartDate, StateMachineArn, Status, StopDate; Error and Cause for failures),
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html"""
    execution, status = child.execution, child.status
    entry: dict[str, Any] = {
        "ExecutionArn": child.arn,
        "Input": json.dumps(child.input, separators=(",", ":")),
        "InputDetails": {"Included": True},
        "Name": child.name,
    }
    if status == "SUCCEEDED":
        entry["Output"] = json.dumps(execution.output, separators=(",", ":"))
        entry["OutputDetails"] = {"Included": True}
    entry["RedriveCount"] = 0
    # ExecutionRedriveStatus (API Reference, DescribeExecution): a failed child of a map run is
    # redriven through its map run.
    entry["RedriveStatus"] = "NOT_REDRIVABLE" if status in ("SUCCEEDED", "PENDING") else "REDRIVABLE_BY_MAP_RUN"
    if execution is not None:
        entry["StartDate"] = _iso(execution.start_date)
    entry["StateMachineArn"] = run.child_state_machine_arn
    entry["Status"] = status
    if execution is not None and execution.stop_date is not None:
        entry["StopDate"] = _iso(execution.stop_date)
    if status in ("FAILED", "TIMED_OUT", "ABORTED"):
        if execution.error is not None:
            entry["Error"] = execution.error
        if execution.cause is not None:
            entry["Cause"] = execution.cause
    return {key: value for key, value in entry.items() if value is not None}


def _child_input(env: Any, eval_input: Any, map_input: Any, index: int, item: Any) -> Any:
    """The child's input: the item, or what ItemSelector makes of it with ``$$.Map.Item``
    ("ItemSelector (Map)", https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemselector.html)."""
    selector = eval_input.item_selector or eval_input.parameters
    if selector is None:
        return copy.deepcopy(item)
    states = _moto("moto.stepfunctions.parser.asl.eval.states")
    frame = env.open_inner_frame()
    try:
        frame.states.context_object.context_object_data["Map"] = states.MapData(
            Item=states.ItemData(Index=index, Value=copy.deepcopy(item))
        )
        frame.states.reset(input_value=copy.deepcopy(map_input))
        frame.stack.append(frame.states.get_input())
        selector.eval(frame)
        return frame.stack.pop()
    finally:
        env.delete_frame(frame)


def _stop(execution: Any) -> None:
    """StopExecution of a child, once its worker has an environment to stop."""
    deadline = time.monotonic() + 5
    while execution.exec_worker.env is None and time.monotonic() < deadline:
        time.sleep(0.001)
    execution._emulator_stopped = True
    execution.stop(stop_date=datetime.datetime.now(tz=datetime.UTC), error=None, cause=None)


def _exceeded(run: MapRun) -> bool:
    """ "Distributed Map failure threshold" (state-map-distributed.html#maprun-fail-threshold,
    https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html): the map run
    fails when the failed (or timed-out) items exceed a tolerated count or percentage of all items;
    with no tolerance declared, one failure is too many. DescribeMapRun: "The maximum number of
    failed child workflow executions before the Map Run fails"
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeMapRun.html)."""
    failed = sum(child.status in ("FAILED", "TIMED_OUT") for child in run.children)
    if failed == 0:
        return False
    count, percentage = run.tolerated_failure_count, run.tolerated_failure_percentage
    if count is None and percentage is None:
        return True
    if count is not None and failed > count:
        return True
    return percentage is not None and failed * 100.0 / len(run.children) > percentage


def _map_run(self: Any, env: Any, eval_input: Any) -> None:
    """Replaces moto's ``DistributedIterationComponent._map_run``: one child execution an item."""
    assert _registry is not None
    items: list[Any] = env.stack.pop()
    record = eval_input.map_run_record
    state = getattr(_local, "state", None)
    parent_arn = env.states.context_object.context_object_data["Execution"]["Id"]
    machine_arn = env.states.context_object.context_object_data["StateMachine"]["Id"]
    child_machine_arn = record.map_state_machine_arn
    child_machine_name = child_machine_arn.split(":stateMachine:", 1)[1]
    count_given, percentage_given = getattr(state, "_emulator_tolerance_given", (True, True))
    run = MapRun(
        arn=record.map_run_arn,
        execution_arn=parent_arn,
        state_machine_arn=machine_arn,
        child_state_machine_arn=child_machine_arn,
        role_arn=env.aws_execution_details.role_arn,
        max_concurrency=record.max_concurrency,
        tolerated_failure_count=record.tolerated_failure_count if count_given else None,
        tolerated_failure_percentage=record.tolerated_failure_percentage if percentage_given else None,
        item_source=getattr(_local, "item_source", None),
    )
    _local.item_source = None
    record.execution_arn = parent_arn
    _local.run = run
    region, account = env.aws_execution_details.region, env.aws_execution_details.account
    with _registry.lock:
        _registry.runs[run.arn] = run
        machine = _registry.machines.get(child_machine_name)
        if machine is None:
            backend = _moto("moto.stepfunctions.parser.models").stepfunctions_parser_backends[account][region]
            parent = next((m for m in backend.state_machines if m.arn == machine_arn), None)
            definition = _item_processor_definition(getattr(parent, "definition", "{}"), eval_input.state_name)
            machine = _ChildMachine(child_machine_name, child_machine_arn, run.role_arn, definition, env.execution_type)
            _registry.machines[child_machine_name] = machine
    execution_prefix = child_machine_arn.replace(":stateMachine:", ":execution:", 1)
    map_input = copy.deepcopy(env.states.get_input())
    for index, item in enumerate(items):
        # Child names: a UUID each (docs silent on the form; the ARN's last part is the name).
        name = str(uuid.uuid4())
        run.children.append(_Child(index=index, input=item, name=name, arn=f"{execution_prefix}:{name}"))
    program = self._get_iteration_program()
    child_execution, _ = _child_classes()
    # "If you don't specify, Step Functions runs 10,000 parallel child workflow executions"
    # (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-orchestrate-large-scale-parallel-workloads.html);
    # 0 is no limit, as moto reads it.
    limit = run.max_concurrency or 10_000
    waiting = list(run.children)
    running: list[_Child] = []
    failed = False

    def start(child: _Child) -> None:
        child.input = _child_input(env, eval_input, map_input, child.index, child.input)
        execution = child_execution(
            name=child.name,
            sm_type=env.execution_type,
            role_arn=run.role_arn,
            exec_arn=child.arn,
            account_id=account,
            region_name=region,
            state_machine=machine,
            start_date=datetime.datetime.now(tz=datetime.UTC),
            cloud_watch_logging_session=None,
            activity_store={},
            input_data=json.dumps(child.input),
        )
        execution.program = program
        with _registry.lock:
            machine.executions.append(execution)
        child.execution = execution
        execution.start()

    def abort(children: list[_Child]) -> None:
        # The children Step Functions stops are ABORTED ("stopped by the user or by Step Functions
        # because the Map Run failed", API Reference, MapRunExecutionCounts,
        # https://docs.aws.amazon.com/step-functions/latest/apireference/API_MapRunExecutionCounts.html).
        for child in children:
            _stop(child.execution)
        deadline = time.monotonic() + 30
        while any(child.status == "RUNNING" for child in children) and time.monotonic() < deadline:
            time.sleep(0.005)

    while True:
        if not env.is_running():
            abort(running)
            run.status = "ABORTED"
            break
        while waiting and len(running) < limit and not failed:
            child = waiting.pop(0)
            start(child)
            running.append(child)
        running = [child for child in running if child.status == "RUNNING"]
        if not failed and _exceeded(run):
            failed = True
            abort(running)
            running = []
        if not running and (failed or not waiting):
            break
        time.sleep(0.002)

    outputs = []
    for child in run.children:
        if child.status == "SUCCEEDED":
            outputs.append(child.execution.output)
        elif child.status != "PENDING":
            # "If a child workflow execution fails, Step Functions returns its execution result
            # unchanged" ("ResultWriter (Map)", WriterConfig, page above).
            outputs.append(_entry(run, child))
    if failed:
        run.status = "FAILED"
        writer = getattr(state, "result_writer", None)
        if writer is not None:
            # Results are exported for a failed map run too: its items never started are the
            # PENDING file's (emulator's reading of "Processing Distributed Map results"; the
            # retrieved pages do not say it outright, MODELLED.md).
            env.stack.append(outputs)
            writer.eval(env)
            env.stack.pop()
        raise _failure(
            env,
            StatesErrorNameType.StatesExceedToleratedFailureThreshold,
            "The specified tolerated failure threshold was exceeded",
        )
    if run.status == "RUNNING":
        run.status = "SUCCEEDED"
    env.stack.append(outputs)


def _eval_execution(original: Callable[..., None]) -> Callable[..., None]:
    def wrapper(self: Any, env: Any) -> None:
        previous = getattr(_local, "state", None)
        _local.state = self
        try:
            original(self, env)
        finally:
            _local.state = previous

    return wrapper


def _from_state_props(original: Callable[..., None]) -> Callable[..., None]:
    tolerated = _moto(f"{_STATE_MAP}.tolerated_failure")

    def wrapper(self: Any, state_props: Any) -> None:
        original(self, state_props)
        self._emulator_tolerance_given = (
            state_props.get(tolerated.ToleratedFailureCountDecl) is not None,
            state_props.get(tolerated.ToleratedFailurePercentageDecl) is not None,
        )

    return wrapper


# --------------------------------------------------------------------------- ResultWriter
def _handle_put_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    """The result files of "ResultWriter (Map)"
    (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html):
    ``<Prefix>/<map run id>/manifest.json`` listing ``SUCCEEDED_0.json``, ``FAILED_0.json`` (failed,
    timed-out and aborted children) and ``PENDING_0.json`` (items never started), each a JSON array
    of the children's records; the Map state's output is ``{"MapRunArn", "ResultWriterDetails":
    {"Bucket", "Key"}}``."""
    parameters = env.stack.pop()
    env.stack.pop()
    run: MapRun = _local.run
    client = boto_client_for(region=resource_runtime_part.region, service="s3", state_credentials=state_credentials)
    bucket, prefix = parameters["Bucket"], str(parameters.get("Prefix") or "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    base = f"{prefix}{run.id}/"
    groups: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for child in run.children:
        status = child.status
        group = status if status in ("SUCCEEDED", "PENDING") else "FAILED"
        groups[group].append(_entry(run, child))
    files: dict[str, list[dict[str, Any]]] = {group: [] for group in groups}

    def put(key: str, body: bytes) -> None:
        try:
            client.put_object(Bucket=bucket, Key=key, Body=body)
        except ClientError as error:
            details = error.response.get("Error", {})
            raise _failure(
                env,
                StatesErrorNameType.StatesResultWriterFailed,
                f"{details.get('Code', 'Error')}: {details.get('Message', '')} (s3://{bucket}/{key})",
            ) from None
        run.result_keys.append((bucket, key))

    for group, entries in groups.items():
        if entries:
            key = f"{base}{group}_0.json"
            body = json.dumps(entries).encode("utf-8")
            put(key, body)
            files[group].append({"Key": key, "Size": len(body)})
            run.results_written += len(entries)
    manifest = {"DestinationBucket": bucket, "MapRunArn": run.arn, "ResultFiles": files}
    put(f"{base}manifest.json", json.dumps(manifest).encode("utf-8"))
    env.stack.append({"MapRunArn": run.arn, "ResultWriterDetails": {"Bucket": bucket, "Key": f"{base}manifest.json"}})


# --------------------------------------------------------------------------- DescribeMapRun
def _describe(original: Callable[..., Any]) -> Callable[..., Any]:
    """DescribeMapRun (API Reference, https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeMapRun.html):
    status, maxConcurrency, toleratedFailurePercentage, toleratedFailureCount, itemCounts,
    executionCounts with every documented field."""

    def describe(self: Any) -> Any:
        output = original(self)
        run = _registry.runs.get(self.map_run_arn) if _registry is not None else None
        if run is not None:
            counts = run.counts()
            output["itemCounts"] = dict(counts)
            output["executionCounts"] = dict(counts)
            output["status"] = run.status
            output["executionArn"] = run.execution_arn
            output["toleratedFailureCount"] = run.tolerated_failure_count or 0
            output["toleratedFailurePercentage"] = float(run.tolerated_failure_percentage or 0)
        return output

    return describe


# --------------------------------------------------------------------------- backend lookups
def _state_machine_for_execution(original: Callable[..., Any]) -> Callable[..., Any]:
    def lookup(self: Any, execution_arn: str) -> Any:
        name = execution_arn.split(":")[6] if execution_arn.count(":") >= 7 else ""
        if "/" in name and _registry is not None:
            with _registry.lock:
                machine = _registry.machines.get(name)
            if machine is not None:
                return machine
        return original(self, execution_arn)

    return lookup


# --------------------------------------------------------------------------- .sync stop
def _sync_stops_job(task_class: Any) -> Iterator[Any]:
    """ "Run a Job (.sync)": "A task can be aborted if: The state machine execution is stopped" ...
    "Step Functions will make a best-effort attempt to cancel the task"
    (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html): a stopped
    execution's running ``.sync`` SageMaker job is stopped (StopTrainingJob /
    StopHyperParameterTuningJob, the actions the .sync IAM template grants,
    https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html)."""
    build, evaluate = task_class.__dict__["_build_sync_resolver"], task_class.__dict__["_eval_sync"]
    stops = {
        "createtrainingjob": ("stop_training_job", "TrainingJobName"),
        "createhyperparametertuningjob": ("stop_hyper_parameter_tuning_job", "HyperParameterTuningJobName"),
    }

    def _build_sync_resolver(
        self: Any, env: Any, resource_runtime_part: Any, normalised_parameters: Any, state_credentials: Any
    ) -> Any:
        resolver = build(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        action = stops.get(self.resource.api_action.lower())
        if resolver is not None and action is not None:
            client = boto_client_for(
                service="sagemaker", region=resource_runtime_part.region, state_credentials=state_credentials
            )
            name = normalised_parameters[action[1]]

            def stop() -> None:
                try:
                    getattr(client, action[0])(**{action[1]: name})
                except ClientError:
                    pass  # the job ended meanwhile: nothing to cancel

            resolver._emulator_stop = stop
        return resolver

    def _eval_sync(
        self: Any, env: Any, sync_resolver: Any, timeout_seconds: Any, callback_endpoint: Any, heartbeat_endpoint: Any
    ) -> Any:
        result = evaluate(self, env, sync_resolver, timeout_seconds, callback_endpoint, heartbeat_endpoint)
        stop = getattr(sync_resolver, "_emulator_stop", None)
        execution_id = str(env.states.context_object.context_object_data["Execution"]["Id"])
        # Only in Distributed Map child executions (ARN ``execution:<machine>/<label>:<name>``): the
        # emulator leaves a stopped top-level execution's job running, as the job reaper's tests
        # expect (MODELLED.md, "Not modelled").
        child = "/" in execution_id.split(":execution:", 1)[-1].split(":", 1)[0]
        if result is None and stop is not None and child and not env.is_running():
            stop()
        return result

    with (
        replaced(task_class, "_build_sync_resolver", _build_sync_resolver),
        replaced(task_class, "_eval_sync", _eval_sync),
    ):
        yield


# --------------------------------------------------------------------------- aws-sdk:sfn
def _sfn_sdk_casing(task_class: Any) -> Iterator[Any]:
    """``arn:aws:states:::aws-sdk:sfn:*``: the request's PascalCase fields are the API's camelCase
    ones, and the response comes back PascalCase ("Learning to use AWS service SDK integrations in
    Step Functions", https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html,
    parameters named as in the API but starting with a capital); moto passes them through as
    written (``MapRunArn`` reaches DescribeMapRun unread)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("stepfunctions")

    def operation(self: Any) -> Any:
        if self._get_boto_service_name() != "stepfunctions":
            return None
        action = self.resource.api_action
        return model.operation_model(action[:1].upper() + action[1:])

    def _normalise_parameters(
        self: Any, parameters: dict[str, Any], boto_service_name: Any = None, service_action_name: Any = None
    ) -> None:
        found = operation(self)
        if found is not None:
            self._to_boto_request(parameters, found.input_shape)

    def _normalise_response(
        self: Any, response: Any, boto_service_name: Any = None, service_action_name: Any = None
    ) -> None:
        found = operation(self)
        if found is not None:
            self._from_boto_response(response, found.output_shape)

    with (
        replaced(task_class, "_normalise_parameters", _normalise_parameters),
        replaced(task_class, "_normalise_response", _normalise_response),
    ):
        yield


# --------------------------------------------------------------------------- definitions
# Syntax trees kept by definition text (the oldest goes first).
_KEPT_TREES = 64
_TREES: dict[str, Any] = {}
_TREES_LOCK = threading.Lock()
_INTEGER_PERCENTAGE = re.compile(r'("ToleratedFailurePercentage"\s*:\s*)(\d+)(?=\s*[,}])')


def _parse(original: Callable[[str], Any]) -> Callable[[str], Any]:
    """``ToleratedFailurePercentage`` is "a number between zero and 100" (an integer included: CDK
    writes ``5``; UpdateMapRun's ``toleratedFailurePercentage`` is a Float, "Minimum value of 0.
    Maximum value of 100", https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateMapRun.html);
    moto's grammar takes only a decimal there, so an integer is read as one."""

    def parse(definition: str) -> Any:
        # The syntax tree of a definition is kept (its parse is pure, and the preprocessor only reads
        # it): every CreateStateMachine and every execution, each child of a fan-out too, parses its
        # definition again, and ANTLR's parse is most of what a deployment and a short run cost.
        # Each call still gets program components of its own (they hold an execution's state).
        text = _INTEGER_PERCENTAGE.sub(r"\1\2.0", definition)
        tree = _TREES.get(text)
        if tree is None:
            program, tree = original(text)
            with _TREES_LOCK:
                if len(_TREES) >= _KEPT_TREES:
                    _TREES.pop(next(iter(_TREES)))
                _TREES[text] = tree
            return program, tree
        return Preprocessor().visit(tree), tree

    return parse


# --------------------------------------------------------------------------- install
@contextmanager
def distributed_map_patches(sagemaker_task_class: Any, aws_sdk_task_class: Any) -> Iterator[None]:
    """Install the Distributed Map behaviours for the block (see the module docstring)."""
    global _registry
    iteration = _moto(f"{_STATE_MAP}.iteration.distributed_iteration_component").DistributedIterationComponent
    state_map = _moto(f"{_STATE_MAP}.state_map").StateMap
    reader_decl = _moto(f"{_STATE_MAP}.item_reader.item_reader_decl")
    input_type = _moto(f"{_STATE_MAP}.item_reader.reader_config.input_type").InputType
    reader_s3 = _moto(f"{_STATE_MAP}.item_reader.eval.resource_eval_s3").ResourceEvalS3
    writer_s3 = _moto(f"{_STATE_MAP}.result_writer.resource_eval.resource_eval_s3").ResourceEvalS3
    record = _moto(f"{_STATE_MAP}.iteration.itemprocessor.map_run_record").MapRunRecord
    backend = _moto("moto.stepfunctions.models").StepFunctionBackend
    parser = _moto("moto.stepfunctions.parser.asl.parse.asl_parser").AmazonStateLanguageParser
    _registry = _Registry()
    try:
        with ExitStack() as patches:
            patches.enter_context(replaced(iteration, "_map_run", _map_run))
            patches.enter_context(replaced(parser, "parse", staticmethod(_parse(parser.__dict__["parse"].__func__))))
            patches.enter_context(
                replaced(state_map, "_eval_execution", _eval_execution(state_map.__dict__["_eval_execution"]))
            )
            patches.enter_context(
                replaced(state_map, "from_state_props", _from_state_props(state_map.__dict__["from_state_props"]))
            )
            patches.enter_context(replaced(reader_decl, "resource_output_transformer_for", _reader))
            patches.enter_context(replaced(input_type, "__init__", _input_type_init(input_type.__dict__["__init__"])))
            patches.enter_context(replaced(reader_s3, "_handle_get_object", staticmethod(_handle_get_object)))
            patches.enter_context(replaced(writer_s3, "_handle_put_object", staticmethod(_handle_put_object)))
            patches.enter_context(replaced(record, "describe", _describe(record.__dict__["describe"])))
            patches.enter_context(
                replaced(
                    backend,
                    "_get_state_machine_for_execution",
                    _state_machine_for_execution(backend.__dict__["_get_state_machine_for_execution"]),
                )
            )
            patches.enter_context(contextmanager(_sync_stops_job)(sagemaker_task_class))
            patches.enter_context(contextmanager(_sfn_sdk_casing)(aws_sdk_task_class))
            yield
    finally:
        _registry = None
