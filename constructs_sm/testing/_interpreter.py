"""Patches to moto's Step Functions interpreter: what Step Functions does that moto does not, and its refusals.

moto builds one task object per ``Task`` state when it parses a definition, through
``state_task_factory.state_task_service_for(service_name)``. ``sagemaker_sync_adapter``
swaps that one name for a wrapper that returns

* for ``sagemaker``: ``_SageMakerTask``, moto's own "unsupported service" task (which forwards
  request-response calls to moto's SageMaker backend unchanged) plus a ``.sync`` resolver for
  ``createHyperParameterTuningJob`` and ``createTrainingJob``, Step Functions' error names for
  the optimized integration, and its refusal of fields the integration does not take;
* for ``aws-sdk``: moto's own aws-sdk task, whose result is made JSON-safe (timestamps to ISO
  strings) so that ``describe_execution`` can serialise the execution output;

replaces the ``time`` module seen by moto's Retry evaluation with a clock that records each
requested delay and sleeps a scaled fraction of it, lets a Fail state's ``ErrorPath`` yield a
``States.*`` name (moto turns that into ``States.Runtime``), keeps ``States.ALL`` from catching
``States.Runtime`` and ``States.DataLimitExceeded`` (as the guide states), evaluates JSONPath workflow variables
and JSONata (``_jsonata``), refuses a JSONPath Choice rule ``Assign`` that reads the input
(``_choice``), enforces the history quota (``_quota``) and checks optimized SageMaker Parameters
at CreateStateMachine (``_definition``), and runs Distributed Map states as child
executions (``_map``). Everything is undone on exit. ``MODELLED.md`` lists each
behaviour with its AWS source and its test.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ._choice import choice_rule_patches
from ._definition import definition_patches, runtime_unsupported
from ._jsonata import jsonata_patches
from ._map import distributed_map_patches
from ._moto import (
    CustomErrorName,
    ErrorName,
    FailureEvent,
    FailureEventException,
    HistoryEventType,
    QueryLanguageMode,
    ResourceCondition,
    StatesErrorName,
    StatesErrorNameType,
    StateTaskServiceAwsSdk,
    StateTaskServiceUnsupported,
    TaskFailedEventDetails,
    boto_client_for,
    error_equals_decl,
    event_details,
    extract_json,
    replaced,
    retrier_decl,
    state_fail,
    state_task_factory,
    state_task_service_aws_sdk,
    string_expression,
    to_json_str,
)
from ._quota import DEFAULT_HISTORY_EVENT_LIMIT, history_quota_patches

__all__ = [
    "DEFAULT_API_ERROR_NAME",
    "DEFAULT_HISTORY_EVENT_LIMIT",
    "DEFAULT_OPTIMIZED_NAMED_ERRORS",
    "EmulatorSettings",
    "SyncPollLimitExceeded",
    "json_safe",
    "sagemaker_sync_adapter",
]

# "Create and manage Amazon SageMaker AI jobs with Step Functions", its training job example:
# Retry on "SageMaker.AmazonSageMakerException" and, in its own retrier,
# "SageMaker.ResourceLimitExceededException"
# (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html). The page names no
# other error of the optimized integration: every other SageMaker API error gets the first name.
#: Error name of a SageMaker API error raised by an optimized ``sagemaker:`` task.
DEFAULT_API_ERROR_NAME = "SageMaker.AmazonSageMakerException"
#: SageMaker error codes the optimized integration names ``SageMaker.<Code>Exception``.
DEFAULT_OPTIMIZED_NAMED_ERRORS = frozenset({"ResourceLimitExceeded"})


@dataclass(frozen=True)
class _SyncJob:
    """How one SageMaker create action is followed to completion (the AWS docs' ``.sync``)."""

    describe_action: str
    name_parameter: str
    status_field: str
    terminal: frozenset[str]
    failed: frozenset[str]


# Terminal statuses as documented for DescribeHyperParameterTuningJob / DescribeTrainingJob.
_SYNC_JOBS: dict[str, _SyncJob] = {
    "createhyperparametertuningjob": _SyncJob(
        describe_action="describe_hyper_parameter_tuning_job",
        name_parameter="HyperParameterTuningJobName",
        status_field="HyperParameterTuningJobStatus",
        terminal=frozenset({"Completed", "Failed", "Stopped"}),
        failed=frozenset({"Failed", "Stopped"}),
    ),
    "createtrainingjob": _SyncJob(
        describe_action="describe_training_job",
        name_parameter="TrainingJobName",
        status_field="TrainingJobStatus",
        terminal=frozenset({"Completed", "Failed", "Stopped"}),
        failed=frozenset({"Failed", "Stopped"}),
    ),
}


class SyncPollLimitExceeded(RuntimeError):
    """A ``.sync`` SageMaker job was still running after ``max_polls`` Describe calls.

    moto reports it as ``States.Runtime`` with this message as the cause: it is a test
    problem (usually a ``hold()`` never released), not a behaviour of Step Functions.
    """


@dataclass
class EmulatorSettings:
    """Settings of an installed adapter; ``retry_delays`` fills in while executions run.

    Attributes
    ----------
    poll_interval:
        Seconds between two Describe calls of a ``.sync`` job.
    max_polls:
        Describe calls after which a still running ``.sync`` job fails the task with
        ``SyncPollLimitExceeded`` (``States.Runtime``).
    api_error_name:
        Error name for a SageMaker API error raised by an ``arn:aws:states:::sagemaker:*`` task
        (throttling, validation, access, 5xx, ...) whose code is not in ``optimized_named_errors``.
        ``None`` keeps moto's behaviour: ``States.Runtime``.
    optimized_named_errors:
        Error codes that such a task names ``SageMaker.<Code>Exception`` instead (documented:
        ``ResourceLimitExceeded``).
    retry_delay_scale:
        Factor applied to every ``Retry`` delay moto computes (``0`` retries at once).
    retry_delays:
        Every delay, in seconds, that a ``Retry`` clause asked for, before scaling.
    history_event_limit:
        Events an execution's history may hold; the event that would pass it fails the execution
        with ``States.Runtime`` (Step Functions' quota: 25,000). Tests may lower it to reach it
        quickly; ``None`` removes the limit.
    """

    poll_interval: float = 0.01
    max_polls: int = 500
    api_error_name: str | None = DEFAULT_API_ERROR_NAME
    optimized_named_errors: frozenset[str] = DEFAULT_OPTIMIZED_NAMED_ERRORS
    retry_delay_scale: float = 0.0
    retry_delays: list[float] = field(default_factory=list)
    history_event_limit: int | None = DEFAULT_HISTORY_EVENT_LIMIT


def json_safe(value: Any) -> Any:
    """Return ``value`` with every ``datetime``/``date`` turned into an ISO-8601 string."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def _api_error_cause(error: ClientError) -> str:
    # The AWS SDK for Java 1.x exception message, which optimized integrations' causes carry, e.g.
    # "ServiceException (Service: AWSLambda; Status Code: 500; Error Code: ServiceException;
    # Request ID: ...)" (HumanCellAtlas/data-store issue 1632). No AWS page shows a SageMaker one.
    details = error.response.get("Error", {})
    metadata = error.response.get("ResponseMetadata", {})
    return (
        f"{details.get('Message', '')} (Service: AmazonSageMaker; "
        f"Status Code: {metadata.get('HTTPStatusCode', 400)}; "
        f"Error Code: {details.get('Code', 'Unknown')}; "
        f"Request ID: {metadata.get('RequestId', '')}; Proxy: null)"
    )


class _SageMakerTask(StateTaskServiceUnsupported):
    """moto's forwarding SageMaker task, plus ``.sync`` for tuning and training jobs."""

    def __init__(self, settings: EmulatorSettings) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        # moto's class accepts only .waitForTaskToken and rejects ".sync" before any call.
        patterns: Any = {ResourceCondition.WaitForTaskToken, ResourceCondition.Sync}
        setattr(self, "_supported_integration_patterns", patterns)  # noqa: B010 - a Final attribute in moto
        self._settings = settings

    def _sync_job(self) -> _SyncJob | None:
        return _SYNC_JOBS.get(self.resource.api_action.lower())

    def _build_sync_resolver(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: Any, state_credentials: Any
    ) -> Callable[[], Any] | None:
        job = self._sync_job()
        if job is None:
            # Other SageMaker actions keep moto's "Unsupported .sync" error.
            return super()._build_sync_resolver(env, resource_runtime_part, normalised_parameters, state_credentials)
        env.stack.pop()  # the Create output; the task result is the Describe output
        job_name = normalised_parameters[job.name_parameter]
        client = boto_client_for(
            service="sagemaker",
            region=resource_runtime_part.region,
            state_credentials=state_credentials,
        )
        describe = getattr(client, job.describe_action)

        def resolve() -> dict[str, Any] | None:
            description = describe(**{job.name_parameter: job_name})
            description.pop("ResponseMetadata", None)
            description = json_safe(description)
            status = description.get(job.status_field)
            if status not in job.terminal:
                return None
            if status not in job.failed:
                return dict(description)
            # As moto's Glue/Batch/ECS .sync tasks do for a job ending badly.
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=event_details(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            resource=self._get_sfn_resource(),
                            resourceType=self._get_sfn_resource_type(),
                            error=StatesErrorNameType.StatesTaskFailed.to_name(),
                            cause=to_json_str(description),
                        )
                    ),
                )
            )

        return resolve

    def _eval_sync(
        self, env: Any, sync_resolver: Any, timeout_seconds: Any, callback_endpoint: Any, heartbeat_endpoint: Any
    ) -> Any:
        if self._sync_job() is None:
            return super()._eval_sync(env, sync_resolver, timeout_seconds, callback_endpoint, heartbeat_endpoint)
        # moto's loop sleeps 0.5 s between polls and never gives up; this one is fast and bounded.
        # SageMaker .sync has no task token, so the callback endpoint is not listened to.
        for _ in range(self._settings.max_polls):
            if not env.is_running():
                return None
            result = sync_resolver()
            if result is not None:
                return result
            time.sleep(self._settings.poll_interval)
        raise SyncPollLimitExceeded(
            f"emulator: {self.resource.resource_arn} still running after "
            f"{self._settings.max_polls} polls (a held job never released?)"
        )

    def _eval_service_task(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: Any, state_credentials: Any
    ) -> None:
        # Fields that came in through a path pass CreateStateMachine; Step Functions refuses them
        # when the task starts (see _definition).
        cause = runtime_unsupported(self.resource.api_action, normalised_parameters)
        if cause is not None:
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=event_details(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            error=StatesErrorNameType.StatesRuntime.to_name(), cause=cause
                        )
                    ),
                )
            )
        super()._eval_service_task(env, resource_runtime_part, normalised_parameters, state_credentials)
        env.stack.append(json_safe(env.stack.pop()))

    def _error_name(self, error: ClientError) -> str | None:
        code = error.response.get("Error", {}).get("Code", "")
        if code in self._settings.optimized_named_errors:
            return f"SageMaker.{code}Exception"
        return self._settings.api_error_name

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        error = self._error_name(ex) if isinstance(ex, ClientError) else None
        if error:
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(error),
                event_type=HistoryEventType.TaskFailed,
                event_details=event_details(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=error,
                        cause=_api_error_cause(ex),
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                    )
                ),
            )
        return super()._from_error(env=env, ex=ex)


class _JsonSafeAwsSdkTask(StateTaskServiceAwsSdk):
    """moto's aws-sdk task with timestamps in results turned into ISO strings."""

    def _eval_service_task(
        self, env: Any, resource_runtime_part: Any, normalised_parameters: Any, state_credentials: Any
    ) -> None:
        super()._eval_service_task(env, resource_runtime_part, normalised_parameters, state_credentials)
        env.stack.append(json_safe(env.stack.pop()))


class _ScaledClock:
    """Stands for the ``time`` module inside moto's retrier: records and scales sleeps."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self._settings = settings

    def sleep(self, seconds: float) -> None:
        self._settings.retry_delays.append(seconds)
        time.sleep(seconds * self._settings.retry_delay_scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _fail_state_error_name(error_name: str | None) -> ErrorName:
    """Error name of a Fail state, accepting the ``States.*`` names an ``ErrorPath`` can yield.

    moto builds it with ``CustomErrorName``, which rejects ``States.`` names, so the common
    ``Catch -> Fail {"ErrorPath": "$.Error.Error"}`` of a ``States.TaskFailed`` ends as
    ``States.Runtime`` ("Custom Error Names MUST NOT begin with the prefix 'States.'").
    """
    if error_name and error_name.startswith("States."):
        try:
            return StatesErrorName.from_name(error_name)
        except ValueError:
            name = CustomErrorName.__new__(CustomErrorName)
            ErrorName.__init__(name, error_name)
            return name
    return CustomErrorName(error_name)


# "Handling errors in Step Functions workflows", States.ALL: "This error type can't catch the
# States.DataLimitExceeded terminal error type and runtime error types"
# (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). moto's
# States.ALL matches every error.
_UNCATCHABLE_BY_ALL = frozenset({StatesErrorNameType.StatesRuntime, StatesErrorNameType.StatesStatesDataLimitExceeded})


def _error_equals(original: Callable[..., None]) -> Callable[..., None]:
    def _eval_body(self: Any, env: Any) -> None:
        error_name = env.stack[-1]
        all_only = self._STATE_ALL_ERROR in self.error_names and error_name not in self.error_names
        if all_only and isinstance(error_name, StatesErrorName) and error_name.typ in _UNCATCHABLE_BY_ALL:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    return _eval_body


# A JSONPath state's variable reference: ``$name`` and an optional path into its value.
_VARIABLE_REFERENCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)")


def _sample_variable(original: Callable[..., None]) -> Callable[..., None]:
    """moto evaluates every variable reference as JSONata: read a JSONPath state's plain
    ``$name.path`` from the variable store with JSONPath semantics (no JSONata array mapping), as
    "Passing data between states with variables" defines JSONPath references
    (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html); anything else
    goes to ``original`` (JSONata, see ``_jsonata``)."""

    def _eval_body(self: Any, env: Any) -> None:
        match = _VARIABLE_REFERENCE.fullmatch(self.expression)
        if self.query_language_mode != QueryLanguageMode.JSONPath or match is None:
            original(self, env)
            return
        value = env.variable_store.get(match.group(1))
        env.stack.append(extract_json("$" + match.group(2), value) if match.group(2) else value)

    return _eval_body


_install_lock = threading.Lock()


@contextmanager
def sagemaker_sync_adapter(
    *,
    poll_interval: float = 0.01,
    max_polls: int = 500,
    api_error_name: str | None = DEFAULT_API_ERROR_NAME,
    retry_delay_scale: float = 0.0,
    history_event_limit: int | None = DEFAULT_HISTORY_EVENT_LIMIT,
) -> Iterator[EmulatorSettings]:
    """Install the interpreter patches for the duration of a ``with`` block.

    Use it inside ``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``.
    The patches act when a definition is parsed, that is at ``create_state_machine`` and at
    ``start_execution``: keep executions inside the block.

    Parameters
    ----------
    poll_interval, max_polls, api_error_name, retry_delay_scale, history_event_limit:
        See ``EmulatorSettings``.

    Yields
    ------
    EmulatorSettings
        The settings in force; ``retry_delays`` records the delays Retry clauses asked for.
    """
    if not _install_lock.acquire(blocking=False):
        raise RuntimeError("sagemaker_sync_adapter is already installed")
    settings = EmulatorSettings(
        poll_interval=poll_interval,
        max_polls=max_polls,
        api_error_name=api_error_name,
        retry_delay_scale=retry_delay_scale,
        history_event_limit=history_event_limit,
    )
    original_factory: Callable[[str], Any] = getattr(state_task_factory, "state_task_service_for")  # noqa: B009

    def state_task_service_for(service_name: str) -> Any:
        if service_name == "sagemaker":
            return _SageMakerTask(settings)
        if service_name == "aws-sdk":
            return _JsonSafeAwsSdkTask()  # type: ignore[no-untyped-call]
        return original_factory(service_name)

    # Step Functions names an aws-sdk SageMaker error SageMaker.<Exception> (an unmodelled one
    # SageMaker.SageMakerException); moto 5.2 knows DynamoDB's and Step Functions' names only and
    # writes sagemaker.sagemakerException, which no Catch matches.
    error_names = {**state_task_service_aws_sdk._SERVICE_ERROR_NAMES, "sagemaker": "SageMaker"}
    error_equals = error_equals_decl.ErrorEqualsDecl
    try:
        with ExitStack() as patches:
            patches.enter_context(replaced(state_task_factory, "state_task_service_for", state_task_service_for))
            patches.enter_context(replaced(retrier_decl, "time", _ScaledClock(settings)))
            patches.enter_context(replaced(state_fail, "CustomErrorName", _fail_state_error_name))
            patches.enter_context(
                replaced(error_equals, "_eval_body", _error_equals(error_equals.__dict__["_eval_body"]))
            )
            patches.enter_context(replaced(state_task_service_aws_sdk, "_SERVICE_ERROR_NAMES", error_names))
            patches.enter_context(warnings.catch_warnings())
            patches.enter_context(jsonata_patches())
            patches.enter_context(choice_rule_patches())
            patches.enter_context(history_quota_patches(lambda: settings.history_event_limit))
            patches.enter_context(definition_patches())
            patches.enter_context(distributed_map_patches(_SageMakerTask, _JsonSafeAwsSdkTask))
            # moto warns when it serialises an error code absent from the SageMaker model
            # (ThrottlingException is one): expected here.
            warnings.filterwarnings("ignore", message=r"Exception\(.*\) with code .* does not match")
            sample = string_expression.StringVariableSample
            patches.enter_context(replaced(sample, "_eval_body", _sample_variable(sample.__dict__["_eval_body"])))
            yield settings
    finally:
        _install_lock.release()
