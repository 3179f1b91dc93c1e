"""Start an execution, wait for its end (bounded), and collect what a test asserts on."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["ExecutionResult", "run_execution", "start_execution", "wait_for_execution"]


@dataclass(frozen=True)
class ExecutionResult:
    """The end of one execution.

    Attributes
    ----------
    execution_arn:
        ARN of the execution.
    status:
        ``SUCCEEDED``, ``FAILED``, ``ABORTED`` or ``TIMED_OUT``.
    output:
        The execution output, parsed from JSON (``None`` unless it succeeded).
    error, cause:
        ``error``/``cause`` of ``describe_execution`` (``None`` unless it failed).
    events:
        The whole history, oldest first, as ``get_execution_history`` returns it.
    """

    execution_arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    events: list[dict[str, Any]]

    @property
    def state_transitions(self) -> int:
        """Number of ``*StateEntered`` events."""
        return sum(1 for event in self.events if event["type"].endswith("StateEntered"))

    @property
    def entered_states(self) -> list[str]:
        """Names of the states entered, in order (a state entered twice appears twice)."""
        return [
            event["stateEnteredEventDetails"]["name"] for event in self.events if event["type"].endswith("StateEntered")
        ]

    @property
    def cause_json(self) -> Any:
        """``cause`` parsed from JSON (a failed ``.sync`` job's Describe output), else ``None``."""
        try:
            return json.loads(self.cause) if self.cause else None
        except ValueError:
            return None


def start_execution(client: Any, arn: str, input: dict[str, Any], name: str) -> str:
    """Start an execution of state machine ``arn``; return the execution ARN.

    ``name`` is required: moto names an unnamed execution ``None``, and a second one collides.
    """
    return client.start_execution(stateMachineArn=arn, input=json.dumps(input), name=name)["executionArn"]


def wait_for_execution(
    client: Any, execution_arn: str, *, timeout: float = 5.0, poll_interval: float = 0.005
) -> ExecutionResult:
    """Wait until the execution leaves RUNNING and return its result.

    On timeout the execution is stopped and ``TimeoutError`` is raised with the state names
    entered so far.
    """
    deadline = time.monotonic() + timeout
    while True:
        description = client.describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            entered = ExecutionResult(execution_arn, "RUNNING", None, None, None, _history(client, execution_arn))
            client.stop_execution(executionArn=execution_arn, error="Harness.Timeout")
            raise TimeoutError(f"execution still RUNNING after {timeout} s; states entered: {entered.entered_states}")
        time.sleep(poll_interval)
    output = description.get("output")
    return ExecutionResult(
        execution_arn=execution_arn,
        status=description["status"],
        output=json.loads(output) if output is not None else None,
        error=description.get("error"),
        cause=description.get("cause"),
        events=_history(client, execution_arn),
    )


def run_execution(client: Any, arn: str, input: dict[str, Any], name: str, *, timeout: float = 5.0) -> ExecutionResult:
    """Start an execution named ``name`` with ``input``, wait (at most ``timeout`` s), return the result."""
    return wait_for_execution(client, start_execution(client, arn, input, name), timeout=timeout)


def _history(client: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = client.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]
