"""Test control over the SageMaker tuning and training jobs that moto creates, and over API errors.

moto marks every job Completed the moment it is created. ``SageMakerJobs`` wraps methods of moto's
``SageMakerModelBackend`` (class-level, undone on exit) to:

* make the next N calls of a SageMaker operation fail with a chosen error (throttling, resource
  limit, validation, access denied, internal failure...), before SageMaker acts or, to model a
  transient error after SageMaker accepted the request, after it created the resource;
* give each new job the status a test asked for (InProgress, Completed, Failed, Stopped), at once
  or after a number of Describe calls;
* make a tuning job's ``BestTrainingJob`` a real training job with chosen fields;

and changes the status fields of existing job objects when a test releases, fails or stops them.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from ._moto import (
    ErrorShape,
    FakeTrainingJob,
    SageMakerModelBackend,
    ServiceException,
    replaced,
    serialize,
    utcnow,
)

__all__ = ["API_ERRORS", "JobKind", "SageMakerJobs"]

JobKind = Literal["tuning", "training"]

_KINDS: tuple[JobKind, ...] = ("tuning", "training")
_SECONDARY_STATUS = {
    "InProgress": "Training",
    "Completed": "Completed",
    "Failed": "Failed",
    "Stopped": "Stopped",
}


# Status codes: SageMaker API Reference, "Common Errors"
# (https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html): AccessDeniedException,
# ThrottlingException and validation errors 400, InternalFailure 500, ServiceUnavailable 503.
# ResourceLimitExceeded, ResourceInUse and ResourceNotFound are SageMaker's modelled errors (400).
# The messages are illustrative: AWS documents none of them.
#: Default ``(HTTP status, message)`` of the error codes tests usually script.
API_ERRORS: dict[str, tuple[int, str]] = {
    "ThrottlingException": (400, "Rate exceeded"),
    "ResourceLimitExceeded": (
        400,
        "The account-level service limit 'ml.m5.xlarge for training job usage' is 0 Instances, with current "
        "utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request "
        "an increase for this quota.",
    ),
    "ValidationException": (400, "1 validation error detected"),
    "AccessDeniedException": (
        400,
        "User: arn:aws:sts::123456789012:assumed-role/emulator/execution is not authorized to perform: "
        "sagemaker:{operation} because no identity-based policy allows the sagemaker:{operation} action",
    ),
    "InternalFailure": (500, "An internal error occurred. Try again."),
    "ServiceUnavailable": (503, "The service is unavailable. Try again later."),
}

#: Create operations whose resource is a job followed by ``SageMakerJobs``.
_JOB_OPERATIONS: dict[str, JobKind] = {
    "CreateHyperParameterTuningJob": "tuning",
    "CreateTrainingJob": "training",
}
#: Describe operations: each call is a poll of the job (``after_polls``).
_DESCRIBE_OPERATIONS = ("DescribeHyperParameterTuningJob", "DescribeTrainingJob")
#: The backend's parameter that names the job.
_NAME_ARGUMENTS = {
    "CreateHyperParameterTuningJob": "hyper_parameter_tuning_job_name",
    "CreateTrainingJob": "training_job_name",
    "DescribeHyperParameterTuningJob": "hyper_parameter_tuning_job_name",
    "DescribeTrainingJob": "training_job_name",
}


class _ApiError(ServiceException):
    """A SageMaker API error as moto serialises it (the given code, message and HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message)
        self.emulator_status = status


@dataclass(frozen=True)
class _Script:
    """One scripted failure: which operations it may hit and the error they return."""

    operations: frozenset[str]
    code: str
    message: str
    status: int
    after_accept: bool

    def error(self, operation: str) -> _ApiError:
        return _ApiError(self.code, self.message.replace("{operation}", operation), self.status)


def _method_name(operation: str) -> str:
    """``CreateTrainingJob`` -> ``create_training_job`` (moto's backend method)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


@contextmanager
def _scripted_status_codes() -> Iterator[None]:
    """Serialise an ``_ApiError`` with its own HTTP status (moto uses 400 for codes SageMaker's
    model lacks, such as InternalFailure)."""
    original = serialize.__dict__["get_error_model"]

    def get_error_model(exception: Exception, default_service_model: Any) -> ErrorShape:
        shape = original(exception, default_service_model)
        status = getattr(exception, "emulator_status", None)
        if status is None or shape.metadata.get("error", {}).get("httpStatusCode") == status:
            return shape  # type: ignore[no-any-return]
        model = {**shape._shape_model, "error": {**shape._shape_model.get("error", {}), "httpStatusCode": status}}
        return ErrorShape(shape.name, model, getattr(shape, "_shape_resolver", None))

    with replaced(serialize, "get_error_model", get_error_model):
        yield


@dataclass(frozen=True)
class _Outcome:
    """What a job becomes: a status, a failure reason, metrics, and after how many Describe calls."""

    status: str
    failure_reason: str | None = None
    metrics: Mapping[str, float] | None = None
    after_polls: int = 0


_COMPLETED = _Outcome("Completed")


@dataclass(frozen=True)
class _Best:
    training_job_name: str | None
    hyper_parameters: Mapping[str, str] | None
    model_artifacts: str | None
    final_metric_data_list: Sequence[Mapping[str, Any]] | None
    objective_value: float | None
    #: No name given: ``<tuning job>-001-<8 hex>``, as SageMaker names a tuning job's training jobs.
    derive_name: bool = False


@dataclass
class _Job:
    kind: JobKind
    name: str
    backend: SageMakerModelBackend

    @property
    def model(self) -> Any:
        if self.kind == "tuning":
            return self.backend.hyper_parameter_tuning_jobs[self.name]
        return self.backend.training_jobs[self.name]

    @property
    def status(self) -> str:
        model = self.model
        if self.kind == "tuning":
            return str(model.hyper_parameter_tuning_job_status)
        return str(model.training_job_status)


def _metric_list(metrics: Mapping[str, float]) -> list[dict[str, Any]]:
    return [{"MetricName": name, "Value": value} for name, value in metrics.items()]


class SageMakerJobs:
    """Decide how SageMaker's jobs behave, and which API calls fail; ``OfflineAws.jobs`` is one.

    Each of ``hold``, ``complete``, ``fail`` and ``stop`` takes an optional job ``name`` and
    ``kind`` (``"tuning"``, ``"training"``, or ``None`` for both):

    * with a ``name``: that job changes now if it exists, otherwise when it is created;
    * without: every job of ``kind`` still InProgress changes now, and every job of ``kind``
      created later starts that way (names are usually generated inside the execution).

    ``complete``, ``fail`` and ``stop`` take ``after_polls=N``: the job stays InProgress for the
    next N Describe calls of it (the workflow's polls, ``.sync``'s or a test's), then changes.
    Jobs complete at once, as in plain moto, until told otherwise; a completed tuning job's best
    training job is ``<tuning job>-001-<8 hex>``, a Completed training job (``set_best_training_job``
    changes it).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._originals: dict[str, Any] | None = None
        self._installed: ExitStack | None = None
        self._default: dict[JobKind, _Outcome] = {"tuning": _COMPLETED, "training": _COMPLETED}
        self._named: dict[str, tuple[JobKind | None, _Outcome]] = {}
        # (text, kind, outcome): a job created later whose request holds the text (``matching=``).
        self._matching: list[tuple[str, JobKind | None, _Outcome]] = []
        # A tuning job's best training job exists unless a test says otherwise (moto's names one,
        # "FakeTrainingJobName", that no Describe finds).
        self._best_default: _Best | None = _Best(None, None, None, None, None, derive_name=True)
        self._best_named: dict[str, _Best] = {}
        self._scripts: list[_Script] = []
        self._scripted: set[str] = set()
        self._pending: dict[str, tuple[int, _Outcome]] = {}
        self._jobs: dict[str, _Job] = {}
        self.created: list[str] = []
        """Names of the jobs created so far, in order (tuning and training)."""
        self.create_calls: list[tuple[JobKind, str, str]] = []
        """Every job create call as ``(kind, name, outcome)``: ``"created"``, the code of an error
        raised before SageMaker acted (scripted, or SageMaker's own refusal), or
        ``"created, then <code>"`` (``after_accept``)."""
        self.calls: list[tuple[str, str]] = []
        """Every call of a scripted operation (and of the job creates) as ``(operation, outcome)``,
        outcomes as above, ``"called"`` for an operation that is not a create."""

    # ------------------------------------------------------------------ install / remove
    def __enter__(self) -> SageMakerJobs:
        if self._installed is not None:
            raise RuntimeError("SageMakerJobs is already installed")
        if getattr(SageMakerModelBackend.create_training_job, "_emulator_wrapper", False):
            raise RuntimeError("another SageMakerJobs is installed")
        self._originals = {}
        self._installed = ExitStack()
        self._installed.enter_context(_scripted_status_codes())
        for operation in (*_JOB_OPERATIONS, *_DESCRIBE_OPERATIONS):
            self._wrap(operation)
        return self

    def __exit__(self, *exc_info: object) -> None:
        installed, self._installed = self._installed, None
        if installed is not None:
            installed.close()
            self._originals = None

    def _wrap(self, operation: str) -> None:
        """Route calls of ``operation`` through the scripts (and, for jobs, the job rules)."""
        method_name = _method_name(operation)
        if self._originals is None or self._installed is None:
            raise RuntimeError("SageMakerJobs is not installed: use it as a context manager")
        if method_name in self._originals:
            return
        original = getattr(SageMakerModelBackend, method_name, None)
        if original is None:
            raise ValueError(f"the emulated SageMaker has no {operation} ({method_name})")
        self._originals[method_name] = original
        kind = _JOB_OPERATIONS.get(operation)
        name_argument = _NAME_ARGUMENTS.get(operation)
        signature = inspect.signature(original)
        jobs = self

        def call(backend: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
            given = signature.bind(backend, *args, **kwargs).arguments
            name = str(given[name_argument]) if name_argument else ""
            if operation in _DESCRIBE_OPERATIONS:
                jobs._on_describe(name)
            script = jobs._take_script(operation)
            if script is not None and not script.after_accept:
                jobs._record(operation, kind, name, script.code)
                raise script.error(operation)
            try:
                result = original(backend, *args, **kwargs)
            except ServiceException as refused:  # SageMaker's own refusal (a taken name...)
                jobs._record(operation, kind, name, str(refused.code))
                raise
            if kind is not None:
                request = json.dumps({k: v for k, v in given.items() if v is not backend}, default=str)
                jobs._on_created(_Job(kind, name, backend), request)
            if script is not None:
                # SageMaker acted; the caller still gets an error (a 5xx or a throttle on the way back).
                jobs._record(operation, kind, name, f"created, then {script.code}")
                raise script.error(operation)
            jobs._record(operation, kind, name, "created" if kind else "called")
            return result

        wrapper: Any = functools.wraps(original)(call)
        wrapper._emulator_wrapper = True
        self._installed.enter_context(replaced(SageMakerModelBackend, method_name, wrapper))

    # ------------------------------------------------------------------ job outcomes
    def hold(self, name: str | None = None, *, kind: JobKind | None = None, matching: str | None = None) -> None:
        """Keep the job(s) InProgress until ``release``/``complete``/``fail``/``stop``."""
        self._set(_Outcome("InProgress"), name, kind, matching)

    def complete(
        self,
        name: str | None = None,
        *,
        kind: JobKind | None = None,
        best_training_job: str | None = None,
        metrics: Mapping[str, float] | None = None,
        after_polls: int = 0,
    ) -> None:
        """Make the job(s) Completed.

        Parameters
        ----------
        name, kind:
            Which jobs (see the class).
        best_training_job:
            A tuning job's ``BestTrainingJob`` (a Completed training job of that name is created);
            see ``set_best_training_job`` for its other fields.
        metrics:
            Final metrics, ``{"validation:auc": 0.91}``: a training job's ``FinalMetricDataList``;
            for a tuning job, its best training job's (named ``<tuning job>-001-<8 hex>`` unless
            ``best_training_job`` names it), whose objective metric is the tuning job's
            ``FinalHyperParameterTuningJobObjectiveMetric``.
        after_polls:
            Stay InProgress for this many Describe calls first.
        """
        if best_training_job is not None or (metrics is not None and kind != "training"):
            self.set_best_training_job(
                best_training_job,
                tuning_job_name=name,
                final_metric_data_list=_metric_list(metrics) if metrics is not None else None,
                derive_name=best_training_job is None,
            )
        training_metrics = metrics if kind != "tuning" else None
        outcome = _Outcome("Completed", metrics=training_metrics, after_polls=after_polls)
        self._set(outcome, name, kind)

    def release(self, name: str | None = None, *, kind: JobKind | None = None) -> None:
        """Let held jobs finish successfully (``complete`` with no other change)."""
        self._set(_COMPLETED, name, kind)

    def fail(
        self,
        reason: str,
        name: str | None = None,
        *,
        kind: JobKind | None = None,
        after_polls: int = 0,
        matching: str | None = None,
    ) -> None:
        """Make the job(s) Failed with ``FailureReason`` = ``reason`` (as SageMaker words it:
        ``"AlgorithmError: ..."``, ``"ClientError: ..."``, ``"CapacityError: ..."``).

        ``matching``: instead of a name, the jobs created later whose create request holds this text
        (a fan-out item's data location, say: its job's name is generated in its child execution)."""
        self._set(_Outcome("Failed", reason, after_polls=after_polls), name, kind, matching)

    def stop(self, name: str | None = None, *, kind: JobKind | None = None, after_polls: int = 0) -> None:
        """Make the job(s) Stopped (as if someone called StopTrainingJob and it ended)."""
        self._set(_Outcome("Stopped", after_polls=after_polls), name, kind)

    def set_best_training_job(
        self,
        training_job_name: str | None,
        *,
        tuning_job_name: str | None = None,
        hyper_parameters: Mapping[str, str] | None = None,
        model_artifacts: str | None = None,
        final_metric_data_list: Sequence[Mapping[str, Any]] | None = None,
        objective_value: float | None = None,
        derive_name: bool = False,
    ) -> None:
        """Set the ``BestTrainingJob`` of a tuning job, and create that training job.

        Parameters
        ----------
        training_job_name:
            Name of the best training job; ``None`` removes ``BestTrainingJob`` (and
            ``OverallBestTrainingJob``) from the tuning job's description.
        tuning_job_name:
            The tuning job; ``None``: every existing and later tuning job.
        hyper_parameters:
            ``HyperParameters`` of the training job and ``TunedHyperParameters`` of the summary.
        model_artifacts:
            ``ModelArtifacts.S3ModelArtifacts``; default: moto's ``<S3OutputPath>/<name>/output/model.tar.gz``.
        final_metric_data_list:
            ``FinalMetricDataList`` entries (``MetricName``, ``Value``; ``Timestamp`` added if absent).
        objective_value:
            ``FinalHyperParameterTuningJobObjectiveMetric.Value``; default: the value of the
            objective metric in ``final_metric_data_list``, else 0.0.
        derive_name:
            With no ``training_job_name``: name the best job ``<tuning job>-001-<8 hex>`` instead
            of removing it.
        """
        best = _Best(
            training_job_name, hyper_parameters, model_artifacts, final_metric_data_list, objective_value, derive_name
        )
        with self._lock:
            if tuning_job_name is None:
                self._best_default = best
                targets = [job for job in self._jobs.values() if job.kind == "tuning"]
            else:
                self._best_named[tuning_job_name] = best
                job = self._jobs.get(tuning_job_name)
                targets = [job] if job is not None and job.kind == "tuning" else []
            for job in targets:
                self._apply_best(job, best)

    # ------------------------------------------------------------------ API errors
    def fail_next(
        self,
        operation: str | Iterable[str],
        count: int = 1,
        *,
        error: str = "ThrottlingException",
        message: str | None = None,
        status_code: int | None = None,
        after_accept: bool = False,
    ) -> None:
        """Make the next ``count`` calls of a SageMaker operation fail with ``error``.

        Parameters
        ----------
        operation:
            API operation name (``"CreateTrainingJob"``, ``"DescribeHyperParameterTuningJob"``,
            ``"CreateModel"``...), or several: each scripted failure goes to the first call of any.
        count:
            How many calls fail (each one is used up by one call).
        error:
            Error code. ``ResourceLimitExceeded``, ``ResourceInUse`` and ``ResourceNotFound`` are
            modelled by SageMaker's API (an ``aws-sdk`` task names them ``SageMaker.<Code>Exception``);
            others (``ThrottlingException``, ``ValidationException``, ``AccessDeniedException``,
            ``InternalFailure``, ``ServiceUnavailable``) are not (``SageMaker.SageMakerException``).
        message, status_code:
            Default: from ``API_ERRORS`` (``{operation}`` in a message is replaced), else the
            error code and 400.
        after_accept:
            Let SageMaker act first (the job or model exists afterwards), then return the error:
            a transient error on the way back, which a retried create must survive.
        """
        operations = frozenset([operation] if isinstance(operation, str) else operation)
        default_status, default_message = API_ERRORS.get(error, (400, error))
        script = _Script(
            operations=operations,
            code=error,
            message=default_message if message is None else message,
            status=default_status if status_code is None else status_code,
            after_accept=after_accept,
        )
        with self._lock:
            for each in operations:
                self._wrap(each)
            self._scripted.update(operations)
            self._scripts.extend([script] * count)

    def accept_then_fail(
        self, operation: str, count: int = 1, *, error: str = "InternalFailure", **kwargs: Any
    ) -> None:
        """``fail_next(..., after_accept=True)``: SageMaker creates the resource, the caller gets ``error``."""
        self.fail_next(operation, count, error=error, after_accept=True, **kwargs)

    def fail_next_creates(
        self, count: int, *, error: str, kind: JobKind | None = None, message: str | None = None
    ) -> None:
        """Make the next ``count`` job create calls (of ``kind``) fail with ``error`` before SageMaker
        acts (``"ResourceLimitExceeded"``: the account's instance quota is used up)."""
        operations = [operation for operation, each in _JOB_OPERATIONS.items() if kind in (None, each)]
        self.fail_next(operations, count, error=error, message=message)

    def throttle_next_creates(
        self,
        count: int,
        *,
        kind: JobKind | None = None,
        error_code: str = "ThrottlingException",
        message: str | None = None,
    ) -> None:
        """Make the next ``count`` job create calls (of ``kind``) fail with ``error_code`` (default:
        ``ThrottlingException``, "Rate exceeded") before SageMaker acts."""
        self.fail_next_creates(count, error=error_code, kind=kind, message=message)

    # ------------------------------------------------------------------ reading
    def wait_for_created(self, count: int = 1, *, timeout: float = 2.0) -> list[str]:
        """Block until ``count`` jobs exist in total; return the names created so far."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.created) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.created)} of {count} SageMaker jobs created in {timeout} s")
                self._changed.wait(remaining)
            return list(self.created)

    def status(self, name: str) -> str:
        """Current status of a job created during this block (as SageMaker holds it, without a Describe)."""
        with self._lock:
            return self._jobs[name].status

    # ------------------------------------------------------------------ internals
    def _set(self, outcome: _Outcome, name: str | None, kind: JobKind | None, matching: str | None = None) -> None:
        with self._lock:
            if matching is not None:
                if name is not None:
                    raise ValueError("give a job name or matching=, not both")
                self._matching.append((matching, kind, outcome))
                return
            if name is None:
                for each in _KINDS:
                    if kind in (None, each):
                        self._default[each] = outcome
                targets = [
                    job for job in self._jobs.values() if kind in (None, job.kind) and job.status == "InProgress"
                ]
            else:
                self._named[name] = (kind, outcome)
                job = self._jobs.get(name)
                targets = [job] if job is not None and kind in (None, job.kind) else []
            for job in targets:
                self._apply(job, outcome)

    def _take_script(self, operation: str) -> _Script | None:
        with self._lock:
            for index, script in enumerate(self._scripts):
                if operation in script.operations:
                    return self._scripts.pop(index)
        return None

    def _record(self, operation: str, kind: JobKind | None, name: str, outcome: str) -> None:
        with self._lock:
            if kind is not None or operation in self._scripted:
                self.calls.append((operation, outcome))
            if kind is not None:
                self.create_calls.append((kind, name, outcome))

    def _on_created(self, job: _Job, request: str = "") -> None:
        with self._changed:
            self._jobs[job.name] = job
            self.created.append(job.name)
            only, outcome = self._named.get(job.name, (None, None))
            if outcome is None or only not in (None, job.kind):
                only, outcome = next(
                    ((k, o) for text, k, o in self._matching if text in request and k in (None, job.kind)), (None, None)
                )
            if outcome is None or only not in (None, job.kind):
                outcome = self._default[job.kind]
            if outcome != _COMPLETED:
                self._apply(job, outcome)
            if job.kind == "tuning":
                best = self._best_named.get(job.name, self._best_default)
                if best is not None:
                    self._apply_best(job, best)
            self._changed.notify_all()

    def _on_describe(self, name: str) -> None:
        """A Describe call of job ``name``: one poll of its ``after_polls``."""
        with self._lock:
            pending, job = self._pending.get(name), self._jobs.get(name)
            if pending is None or job is None:
                return
            remaining, outcome = pending
            if job.status != "InProgress":  # changed since (a Stop call): the script no longer applies
                del self._pending[name]
            elif remaining > 0:
                self._pending[name] = (remaining - 1, outcome)
            else:
                del self._pending[name]
                self._apply_status(job, outcome)

    def _apply(self, job: _Job, outcome: _Outcome) -> None:
        if outcome.after_polls > 0:
            self._pending[job.name] = (outcome.after_polls, outcome)
            self._apply_status(job, _Outcome("InProgress"))
        else:
            self._pending.pop(job.name, None)
            self._apply_status(job, outcome)

    @staticmethod
    def _apply_status(job: _Job, outcome: _Outcome) -> None:
        model, now = job.model, utcnow()
        running = outcome.status == "InProgress"
        model.last_modified_time = now
        if job.kind == "tuning":
            model.hyper_parameter_tuning_job_status = outcome.status
            model.hyper_parameter_tuning_end_time = None if running else now
            model.failure_reason = outcome.failure_reason or ""
            counters = dict.fromkeys(("Completed", "InProgress", "RetryableError", "NonRetryableError", "Stopped"), 0)
            key = {"Failed": "NonRetryableError"}.get(outcome.status, outcome.status)
            counters[key] = 1
            model.training_job_status_counters = counters
        else:
            model.training_job_status = outcome.status
            model.secondary_status = _SECONDARY_STATUS[outcome.status]
            model.training_end_time = None if running else now
            # moto's describe lists every attribute that is not None.
            model.failure_reason = outcome.failure_reason
            if outcome.metrics is not None:
                model.final_metric_data_list = [{"Timestamp": now, **m} for m in _metric_list(outcome.metrics)]

    def _apply_best(self, job: _Job, best: _Best) -> None:
        tuning = job.model
        name = best.training_job_name
        if name is None and best.derive_name:
            digest = hashlib.sha256(tuning.hyper_parameter_tuning_job_name.encode()).hexdigest()[:8]
            name = f"{tuning.hyper_parameter_tuning_job_name}-001-{digest}"
        if name is None:
            tuning.best_training_job = None
            tuning.OverallBestTrainingJob = None
            return
        training = self._ensure_training_job(job.backend, tuning, name, best)
        objective = (tuning.hyper_parameter_tuning_job_config or {}).get("HyperParameterTuningJobObjective", {})
        value: Any = best.objective_value
        if value is None:
            value = next(
                (
                    m["Value"]
                    for m in training.final_metric_data_list
                    if m.get("MetricName") == objective.get("MetricName")
                ),
                0.0,
            )
        summary = {
            "TrainingJobName": training.training_job_name,
            "TrainingJobArn": training.arn,
            "TuningJobName": tuning.hyper_parameter_tuning_job_name,
            "CreationTime": training.creation_time,
            "TrainingStartTime": training.training_start_time,
            "TrainingEndTime": training.training_end_time,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": dict(best.hyper_parameters or {}),
            "FinalHyperParameterTuningJobObjectiveMetric": {
                key: val
                for key, val in (
                    ("Type", objective.get("Type")),
                    ("MetricName", objective.get("MetricName")),
                    ("Value", value),
                )
                if val is not None
            },
            "ObjectiveStatus": "Succeeded",
        }
        tuning.best_training_job = summary
        tuning.OverallBestTrainingJob = dict(summary)

    def _ensure_training_job(
        self, backend: SageMakerModelBackend, tuning: Any, name: str, best: _Best
    ) -> FakeTrainingJob:
        if name not in backend.training_jobs:
            definition = tuning.training_job_definition or (tuning.training_job_definitions or [{}])[0]
            # The unwrapped create: the best job is Completed whatever the test's rules say.
            original = (self._originals or {}).get("create_training_job", SageMakerModelBackend.create_training_job)
            original(
                backend,
                training_job_name=name,
                hyper_parameters={**(definition.get("StaticHyperParameters") or {})},
                algorithm_specification=dict(definition.get("AlgorithmSpecification") or {}),
                role_arn=definition.get("RoleArn", "arn:aws:iam::123456789012:role/emulator"),
                input_data_config=definition.get("InputDataConfig") or [],
                output_data_config=definition.get("OutputDataConfig") or {"S3OutputPath": "s3://emulator/output"},
                resource_config=definition.get("ResourceConfig") or {},
                vpc_config=definition.get("VpcConfig"),
                stopping_condition=definition.get("StoppingCondition") or {},
                tags=[],
                enable_network_isolation=definition.get("EnableNetworkIsolation", False),
                enable_inter_container_traffic_encryption=definition.get(
                    "EnableInterContainerTrafficEncryption", False
                ),
                enable_managed_spot_training=definition.get("EnableManagedSpotTraining", False),
                checkpoint_config=definition.get("CheckpointConfig"),
                debug_hook_config=None,
                debug_rule_configurations=None,
                tensor_board_output_config=None,
                experiment_config=None,
            )
        training = backend.training_jobs[name]
        if best.hyper_parameters is not None:
            training.hyper_parameters = {**(training.hyper_parameters or {}), **best.hyper_parameters}
        if best.model_artifacts is not None:
            training.model_artifacts = {"S3ModelArtifacts": best.model_artifacts}
        if best.final_metric_data_list is not None:
            training.final_metric_data_list = [
                {"Timestamp": training.creation_time, **metric} for metric in best.final_metric_data_list
            ]
        return training
