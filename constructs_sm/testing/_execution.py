"""Start an execution, wait for its end (bounded), and collect what a test asserts on."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_TIMEOUT = 60.0
"""Seconds an execution may take before ``wait`` gives up: it bounds a hang only (a run of the
emulator takes well under a second), so it is generous for loaded CI machines."""

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiCall",
    "Execution",
    "ExecutionResult",
    "UnpermittedCall",
    "run_execution",
    "start_execution",
    "wait_for_execution",
]


@dataclass(frozen=True)
class UnpermittedCall:
    """A call that the caller's role does not allow.

    Attributes
    ----------
    caller:
        ``"state machine"``, ``"training job"`` (a job's SageMaker execution role) or ``"model"``.
    role:
        Logical id of the role in the template.
    action, resource:
        The IAM action and the resource ARN (``"*"`` for actions without resource types).
    """

    caller: str
    role: str
    action: str
    resource: str


class Deployed(Protocol):
    """What an execution needs of the deployment it came from (``_deployment.Deployment``)."""

    def unpermitted_calls(self, result: ExecutionResult) -> list[UnpermittedCall]: ...


@dataclass(frozen=True)
class ApiCall:
    """One service call a Task state made, as the execution's history records it (``TaskScheduled``).

    Attributes
    ----------
    state:
        Name of the Task state.
    service:
        The service's name in the Task's resource (``"sagemaker"``).
    action:
        The API action (``"CreateHyperParameterTuningJob"``, ``"DescribeTrainingJob"``...).
    integration:
        ``"sync"`` (``arn:aws:states:::sagemaker:createTrainingJob.sync``: run a job),
        ``"request-response"`` (an optimized integration without suffix), ``"callback"``
        (``.waitForTaskToken``) or ``"aws-sdk"`` (``arn:aws:states:::aws-sdk:sagemaker:...``).
    parameters:
        The request, as Step Functions sent it (placeholders and JSONata evaluated).
    """

    state: str
    service: str
    action: str
    integration: str
    parameters: dict[str, Any]

    @classmethod
    def from_event(cls, event: dict[str, Any], state: str) -> ApiCall:
        details = event["taskScheduledEventDetails"]
        resource_type, resource = str(details["resourceType"]), str(details["resource"])
        action, _, suffix = resource.partition(".")
        if resource_type.startswith("aws-sdk:"):
            integration, service = "aws-sdk", resource_type[len("aws-sdk:") :]
        else:
            integration = {"sync": "sync", "sync:2": "sync", "waitForTaskToken": "callback"}.get(
                suffix, "request-response"
            )
            service = resource_type
        return cls(
            state=state,
            service=service,
            action=action[:1].upper() + action[1:],
            integration=integration,
            parameters=json.loads(details.get("parameters") or "{}"),
        )


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
    deployment: Deployed | None = field(default=None, repr=False, compare=False)
    """The deployment whose workflow ran (``None`` for a state machine created by hand)."""
    children: tuple[ExecutionResult, ...] = field(default=(), repr=False, compare=False)
    """The child executions its Distributed Map states started, in item order, each an
    ``ExecutionResult`` of its own (``status``, ``input``, ``output``, ``error``, ``cause``, history,
    ``api_calls``); items a failed map run never started have none."""

    @property
    def input(self) -> Any:
        """The execution input, parsed from JSON (its ``ExecutionStarted`` event)."""
        started = next((e for e in self.events if e["type"] == "ExecutionStarted"), None)
        text = (started or {}).get("executionStartedEventDetails", {}).get("input")
        return json.loads(text) if text is not None else None

    @property
    def state_transitions(self) -> int:
        """Number of ``*StateEntered`` events (what Step Functions bills as state transitions)."""
        return sum(1 for event in self.events if event["type"].endswith("StateEntered"))

    @property
    def entered_states(self) -> list[str]:
        """Names of the states entered, in order (a state entered twice appears twice)."""
        return [
            event["stateEnteredEventDetails"]["name"] for event in self.events if event["type"].endswith("StateEntered")
        ]

    @property
    def api_calls(self) -> list[ApiCall]:
        """Every service call of the execution's Task states, in order, with its parameters."""
        calls, state = [], ""
        for event in self.events:
            if event["type"].endswith("StateEntered"):
                state = str(event["stateEnteredEventDetails"]["name"])
            elif event["type"] == "TaskScheduled":
                calls.append(ApiCall.from_event(event, state))
        return calls

    def api_calls_of(self, action: str) -> list[ApiCall]:
        """The calls of one API action (``"CreateHyperParameterTuningJob"``), in order: a retried
        call appears once per attempt."""
        return [call for call in self.api_calls if call.action == action]

    @property
    def cause_json(self) -> Any:
        """``cause`` parsed from JSON (a failed ``.sync`` job's Describe output), else ``None``."""
        try:
            return json.loads(self.cause) if self.cause else None
        except ValueError:
            return None

    def unpermitted_calls(self) -> list[UnpermittedCall]:
        """The calls of this execution, and of the jobs and models it created, that the deployed
        IAM policies do not allow (``Deployment.unpermitted_calls``); empty when all are allowed."""
        if self.deployment is None:
            raise ValueError(
                "this execution did not come from a deployment: run it with deployment.workflow(...).run(...)"
            )
        return self.deployment.unpermitted_calls(self)


class Execution:
    """A started execution: wait for its end, stop it, or read its history while it runs."""

    def __init__(self, client: Any, arn: str, deployment: Deployed | None = None) -> None:
        self._client, self.arn, self._deployment = client, arn, deployment

    def __repr__(self) -> str:
        return f"Execution({self.arn!r})"

    @property
    def status(self) -> str:
        """``RUNNING``, ``SUCCEEDED``, ``FAILED``, ``ABORTED`` or ``TIMED_OUT``."""
        return str(self._client.describe_execution(executionArn=self.arn)["status"])

    def history(self) -> list[dict[str, Any]]:
        """The events so far, oldest first."""
        return _history(self._client, self.arn)

    def entered(self, state: str) -> int:
        """How many times the execution has entered ``state`` so far."""
        return sum(1 for event in self.history() if event.get("stateEnteredEventDetails", {}).get("name") == state)

    def stop(self, *, error: str | None = None, cause: str | None = None) -> None:
        """``StopExecution`` (the execution ends ABORTED)."""
        kwargs = {key: value for key, value in (("error", error), ("cause", cause)) if value is not None}
        self._client.stop_execution(executionArn=self.arn, **kwargs)

    def wait(self, *, timeout: float = DEFAULT_TIMEOUT) -> ExecutionResult:
        """Wait until the execution ends (see ``wait_for_execution``) and return its result."""
        return wait_for_execution(self._client, self.arn, timeout=timeout, deployment=self._deployment)


def start_execution(client: Any, arn: str, input: Any, name: str) -> str:
    """Start an execution of state machine ``arn``; return the execution ARN.

    ``name`` is required: moto names an unnamed execution ``None``, and a second one collides.
    """
    return str(client.start_execution(stateMachineArn=arn, input=json.dumps(input), name=name)["executionArn"])


def wait_for_execution(
    client: Any,
    execution_arn: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll_interval: float = 0.005,
    deployment: Deployed | None = None,
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
            client.stop_execution(executionArn=execution_arn, error="Emulator.Timeout")
            raise TimeoutError(f"execution still RUNNING after {timeout} s; states entered: {entered.entered_states}")
        time.sleep(poll_interval)
    return _result(client, description, deployment)


def _result(client: Any, description: dict[str, Any], deployment: Deployed | None) -> ExecutionResult:
    from ._map import child_arns_of  # Distributed Map child executions

    execution_arn = str(description["executionArn"])
    output = description.get("output")
    children = tuple(
        _result(client, client.describe_execution(executionArn=arn), deployment) for arn in child_arns_of(execution_arn)
    )
    return ExecutionResult(
        execution_arn=execution_arn,
        status=description["status"],
        output=json.loads(output) if output is not None else None,
        error=description.get("error"),
        cause=description.get("cause"),
        events=_history(client, execution_arn),
        deployment=deployment,
        children=children,
    )


def run_execution(client: Any, arn: str, input: Any, name: str, *, timeout: float = DEFAULT_TIMEOUT) -> ExecutionResult:
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
