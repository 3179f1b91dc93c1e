"""Test control over the SageMaker tuning and training jobs that moto creates, and over API errors.

moto marks every job Completed the moment it is created. ``SageMakerJobs`` wraps methods of moto's
``SageMakerModelBackend`` (class-level, undone on exit) to:

* make the next N calls of a SageMaker operation fail with a chosen error (throttling, resource
  limit, validation, access denied, internal failure...), before SageMaker acts or, to model a
  transient error after SageMaker accepted the request, after it created the resource;
* give each new job the status a test asked for (InProgress, Completed, Failed, Stopped);
* make a tuning job's ``BestTrainingJob`` a real training job with chosen fields;

and changes the status fields of existing job objects when a test releases, fails or stops them.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from moto.core import serialize
from moto.core.errors import ErrorShape
from moto.core.exceptions import ServiceException
from moto.core.utils import utcnow
from moto.sagemaker.models import FakeTrainingJob, SageMakerModelBackend

__all__ = ["API_ERRORS", "JobKind", "SageMakerJobs"]

JobKind = Literal["tuning", "training"]

_TERMINAL = {"Completed", "Failed", "Stopped"}
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
        "User: arn:aws:sts::123456789012:assumed-role/harness/execution is not authorized to perform: "
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


class _ApiError(ServiceException):
    """A SageMaker API error as moto serialises it (the given code, message and HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(code, message)
        self.harness_status = status


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
    original = serialize.get_error_model

    def get_error_model(exception: Exception, default_service_model: Any) -> ErrorShape:
        shape = original(exception, default_service_model)
        status = getattr(exception, "harness_status", None)
        if status is None or shape.metadata.get("error", {}).get("httpStatusCode") == status:
            return shape
        model = {**shape._shape_model, "error": {**shape._shape_model.get("error", {}), "httpStatusCode": status}}
        return ErrorShape(shape.name, model, getattr(shape, "_shape_resolver", None))

    serialize.get_error_model = get_error_model
    try:
        yield
    finally:
        serialize.get_error_model = original


@dataclass(frozen=True)
class _Outcome:
    status: str
    failure_reason: str | None = None


@dataclass(frozen=True)
class _Best:
    training_job_name: str | None
    hyper_parameters: Mapping[str, str] | None
    model_artifacts: str | None
    final_metric_data_list: Sequence[Mapping[str, Any]] | None
    objective_value: float | None


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
            return model.hyper_parameter_tuning_job_status
        return model.training_job_status


class SageMakerJobs:
    """Decide how moto's SageMaker jobs behave; use as a context manager (one at a time).

    Each of ``hold``, ``complete``, ``fail`` and ``stop`` takes an optional job ``name`` and
    ``kind`` (``"tuning"``, ``"training"``, or ``None`` for both):

    * with a ``name``: that job changes now if it exists, otherwise when it is created;
    * without: every job of ``kind`` still InProgress changes now, and every job of ``kind``
      created later starts that way (names are usually generated inside the execution).

    Jobs start Completed, as in plain moto, until told otherwise.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._originals: dict[str, Any] | None = None
        self._status_codes: Any = None
        self._default: dict[JobKind, _Outcome] = {
            "tuning": _Outcome("Completed"),
            "training": _Outcome("Completed"),
        }
        self._named: dict[str, tuple[JobKind | None, _Outcome]] = {}
        self._best_default: _Best | None = None
        self._best_named: dict[str, _Best] = {}
        self._scripts: list[_Script] = []
        self._jobs: dict[str, _Job] = {}
        self.created: list[str] = []
        """Names of the jobs created so far, in order (tuning and training)."""
        self.create_calls: list[tuple[JobKind, str, str]] = []
        """Every job create call as ``(kind, name, outcome)``: ``"created"``, the code of a scripted
        error raised before SageMaker acted, or ``"created, then <code>"`` (``after_accept``)."""
        self.calls: list[tuple[str, str]] = []
        """Every call of a scripted operation as ``(operation, outcome)``, outcomes as above."""

    # ------------------------------------------------------------------ install / remove
    def __enter__(self) -> SageMakerJobs:
        if self._originals is not None:
            raise RuntimeError("SageMakerJobs is already installed")
        if getattr(SageMakerModelBackend.create_training_job, "_harness_wrapper", False):
            raise RuntimeError("another SageMakerJobs is installed")
        self._originals = {}
        self._status_codes = _scripted_status_codes()
        self._status_codes.__enter__()
        for operation in _JOB_OPERATIONS:
            self._wrap(operation)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._originals is not None:
            for method_name, original in self._originals.items():
                setattr(SageMakerModelBackend, method_name, original)
            self._originals = None
            self._status_codes.__exit__(None, None, None)

    def _wrap(self, operation: str) -> None:
        """Route calls of ``operation`` through the scripts (and, for jobs, the job rules)."""
        method_name = _method_name(operation)
        if self._originals is None:
            raise RuntimeError("SageMakerJobs is not installed: use it as a context manager")
        if method_name in self._originals:
            return
        original = getattr(SageMakerModelBackend, method_name, None)
        if original is None:
            raise ValueError(f"moto's SageMaker has no {operation} ({method_name})")
        self._originals[method_name] = original
        kind = _JOB_OPERATIONS.get(operation)
        name_arg = {"tuning": "hyper_parameter_tuning_job_name", "training": "training_job_name"}.get(kind or "")
        jobs = self

        def call(backend: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
            name = inspect.signature(original).bind(backend, *args, **kwargs).arguments[name_arg] if kind else ""
            script = jobs._take_script(operation)
            if script is not None and not script.after_accept:
                jobs._record(operation, kind, name, script.code)
                raise script.error(operation)
            try:
                result = original(backend, *args, **kwargs)
            except ServiceException as refused:  # SageMaker's own refusal (a taken name...)
                jobs._record(operation, kind, name, refused.code)
                raise
            if kind is not None:
                jobs._on_created(_Job(kind, name, backend))
            if script is not None:
                # SageMaker acted; the caller still gets an error (a 5xx or a throttle on the way back).
                jobs._record(operation, kind, name, f"created, then {script.code}")
                raise script.error(operation)
            jobs._record(operation, kind, name, "created" if kind else "called")
            return result

        call = functools.wraps(original)(call)
        call._harness_wrapper = True  # type: ignore[attr-defined]
        setattr(SageMakerModelBackend, method_name, call)

    # ------------------------------------------------------------------ public API
    def hold(self, name: str | None = None, *, kind: JobKind | None = None) -> None:
        """Keep the job(s) InProgress until ``release``/``complete``/``fail``/``stop``."""
        self._set(_Outcome("InProgress"), name, kind)

    def complete(self, name: str | None = None, *, kind: JobKind | None = None) -> None:
        """Make the job(s) Completed."""
        self._set(_Outcome("Completed"), name, kind)

    release = complete
    """Alias of ``complete``: let held jobs finish successfully."""

    def fail(self, reason: str, name: str | None = None, *, kind: JobKind | None = None) -> None:
        """Make the job(s) Failed with ``FailureReason`` = ``reason``."""
        self._set(_Outcome("Failed", reason), name, kind)

    def stop(self, name: str | None = None, *, kind: JobKind | None = None) -> None:
        """Make the job(s) Stopped."""
        self._set(_Outcome("Stopped"), name, kind)

    def set_best_training_job(
        self,
        training_job_name: str | None,
        *,
        tuning_job_name: str | None = None,
        hyper_parameters: Mapping[str, str] | None = None,
        model_artifacts: str | None = None,
        final_metric_data_list: Sequence[Mapping[str, Any]] | None = None,
        objective_value: float | None = None,
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
        """
        best = _Best(training_job_name, hyper_parameters, model_artifacts, final_metric_data_list, objective_value)
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
            self._scripts.extend([script] * count)

    def accept_then_fail(
        self, operation: str, count: int = 1, *, error: str = "InternalFailure", **kwargs: Any
    ) -> None:
        """``fail_next(..., after_accept=True)``: SageMaker creates the resource, the caller gets ``error``."""
        self.fail_next(operation, count, error=error, after_accept=True, **kwargs)

    def throttle_next_creates(
        self,
        count: int,
        *,
        kind: JobKind | None = None,
        error_code: str = "ThrottlingException",
        message: str = "Rate exceeded",
    ) -> None:
        """Make the next ``count`` job create calls (of ``kind``) fail with ``error_code`` before SageMaker acts.

        The status code is ``API_ERRORS``' for ``error_code`` (400 otherwise).
        """
        operations = [operation for operation, each in _JOB_OPERATIONS.items() if kind in (None, each)]
        self.fail_next(operations, count, error=error_code, message=message)

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
        """Current status of a job created during this block."""
        with self._lock:
            return self._jobs[name].status

    # ------------------------------------------------------------------ internals
    def _set(self, outcome: _Outcome, name: str | None, kind: JobKind | None) -> None:
        with self._lock:
            if name is None:
                for each in ("tuning", "training"):
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
                self._apply_status(job, outcome)

    def _take_script(self, operation: str) -> _Script | None:
        with self._lock:
            for index, script in enumerate(self._scripts):
                if operation in script.operations:
                    return self._scripts.pop(index)
        return None

    def _record(self, operation: str, kind: JobKind | None, name: str, outcome: str) -> None:
        with self._lock:
            self.calls.append((operation, outcome))
            if kind is not None:
                self.create_calls.append((kind, name, outcome))

    def _on_created(self, job: _Job) -> None:
        with self._changed:
            self._jobs[job.name] = job
            self.created.append(job.name)
            only, outcome = self._named.get(job.name, (None, None))
            if outcome is None or only not in (None, job.kind):
                outcome = self._default[job.kind]
            if outcome != _Outcome("Completed"):
                self._apply_status(job, outcome)
            if job.kind == "tuning":
                best = self._best_named.get(job.name, self._best_default)
                if best is not None:
                    self._apply_best(job, best)
            self._changed.notify_all()

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

    def _apply_best(self, job: _Job, best: _Best) -> None:
        tuning = job.model
        if best.training_job_name is None:
            tuning.best_training_job = None
            tuning.OverallBestTrainingJob = None
            return
        training = self._ensure_training_job(job.backend, tuning, best)
        objective = (tuning.hyper_parameter_tuning_job_config or {}).get("HyperParameterTuningJobObjective", {})
        value = best.objective_value
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

    def _ensure_training_job(self, backend: SageMakerModelBackend, tuning: Any, best: _Best) -> FakeTrainingJob:
        name = best.training_job_name
        if name not in backend.training_jobs:
            definition = tuning.training_job_definition or (tuning.training_job_definitions or [{}])[0]
            # The unwrapped create: the best job is Completed whatever the test's rules say.
            original = (self._originals or {}).get("create_training_job", SageMakerModelBackend.create_training_job)
            original(
                backend,
                training_job_name=name,
                hyper_parameters={**(definition.get("StaticHyperParameters") or {})},
                algorithm_specification=dict(definition.get("AlgorithmSpecification") or {}),
                role_arn=definition.get("RoleArn", "arn:aws:iam::123456789012:role/harness"),
                input_data_config=definition.get("InputDataConfig") or [],
                output_data_config=definition.get("OutputDataConfig") or {"S3OutputPath": "s3://harness/output"},
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
