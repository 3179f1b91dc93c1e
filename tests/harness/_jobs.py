"""Test control over the SageMaker tuning and training jobs that moto creates.

moto marks every job Completed the moment it is created. ``SageMakerJobs`` wraps the two create
methods of moto's ``SageMakerModelBackend`` (class-level, undone on exit) to:

* raise a throttling error for the next N create calls;
* give each new job the status a test asked for (InProgress, Completed, Failed, Stopped);
* make a tuning job's ``BestTrainingJob`` a real training job with chosen fields;

and changes the status fields of existing job objects when a test releases, fails or stops them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from moto.core.exceptions import ServiceException
from moto.core.utils import utcnow
from moto.sagemaker.models import FakeTrainingJob, SageMakerModelBackend

__all__ = ["JobKind", "SageMakerJobs"]

JobKind = Literal["tuning", "training"]

_TERMINAL = {"Completed", "Failed", "Stopped"}
_SECONDARY_STATUS = {
    "InProgress": "Training",
    "Completed": "Completed",
    "Failed": "Failed",
    "Stopped": "Stopped",
}


class _ApiError(ServiceException):
    """A SageMaker API error as moto serialises it (HTTP 400, the given code and message)."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message)


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
        self._default: dict[JobKind, _Outcome] = {
            "tuning": _Outcome("Completed"),
            "training": _Outcome("Completed"),
        }
        self._named: dict[str, tuple[JobKind | None, _Outcome]] = {}
        self._best_default: _Best | None = None
        self._best_named: dict[str, _Best] = {}
        self._throttles: list[tuple[JobKind | None, str, str]] = []
        self._jobs: dict[str, _Job] = {}
        self.created: list[str] = []
        """Names of the jobs created so far, in order (tuning and training)."""
        self.create_calls: list[tuple[JobKind, str, str]] = []
        """Every create call as ``(kind, name, "created" | error code)``."""

    # ------------------------------------------------------------------ install / remove
    def __enter__(self) -> SageMakerJobs:
        if self._originals is not None:
            raise RuntimeError("SageMakerJobs is already installed")
        if getattr(SageMakerModelBackend.create_training_job, "_harness_wrapper", False):
            raise RuntimeError("another SageMakerJobs is installed")
        self._originals = {
            "tuning": SageMakerModelBackend.create_hyper_parameter_tuning_job,
            "training": SageMakerModelBackend.create_training_job,
        }
        SageMakerModelBackend.create_hyper_parameter_tuning_job = self._wrap("tuning")
        SageMakerModelBackend.create_training_job = self._wrap("training")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._originals is not None:
            SageMakerModelBackend.create_hyper_parameter_tuning_job = self._originals["tuning"]
            SageMakerModelBackend.create_training_job = self._originals["training"]
            self._originals = None

    def _wrap(self, kind: JobKind):
        original = self._originals[kind]
        name_arg = "hyper_parameter_tuning_job_name" if kind == "tuning" else "training_job_name"
        jobs = self

        def create(backend: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
            name = kwargs[name_arg]
            jobs._raise_if_throttled(kind, name)
            result = original(backend, *args, **kwargs)
            jobs._on_created(_Job(kind, name, backend))
            return result

        create._harness_wrapper = True  # type: ignore[attr-defined]
        return create

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

    def throttle_next_creates(
        self,
        count: int,
        *,
        kind: JobKind | None = None,
        error_code: str = "ThrottlingException",
        message: str = "Rate exceeded",
    ) -> None:
        """Make the next ``count`` create calls (of ``kind``) fail with ``error_code`` (HTTP 400)."""
        with self._lock:
            self._throttles.extend([(kind, error_code, message)] * count)

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

    def _raise_if_throttled(self, kind: JobKind, name: str) -> None:
        with self._lock:
            for index, (only, code, message) in enumerate(self._throttles):
                if only in (None, kind):
                    del self._throttles[index]
                    self.create_calls.append((kind, name, code))
                    raise _ApiError(code, message)

    def _on_created(self, job: _Job) -> None:
        with self._changed:
            self._jobs[job.name] = job
            self.created.append(job.name)
            self.create_calls.append((job.kind, job.name, "created"))
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
            original = self._originals["training"] if self._originals else SageMakerModelBackend.create_training_job
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
