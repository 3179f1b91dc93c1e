"""TrainingWorkflow: a state machine that runs a training job and reports its model and metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from constructs import Construct

from ..api._request import TRAINING
from ..asl._job_request import TRAINING_JOB
from ..errors import ValidationError
from ..props._request_body import RequestBody, request_body, training_body
from ..props.training_job_definition import TrainingJobDefinition
from ._job_workflow import Ending, JobWorkflow, WorkflowOptions


class TrainingWorkflow(JobWorkflow):
    """A Standard state machine that runs a SageMaker training job to its end.

    States: name the job (the input's ``TrainingJobName`` if it starts with the prefix, else
    ``<prefix>-<12 hex digits>``), create the training job and wait for it, and succeed with::

        {"TrainingJobName", "TrainingJobArn", "TrainingJobStatus",
         "S3ModelArtifacts": <the model's artifacts>,
         "TrainingJob": <the DescribeTrainingJob output: FinalMetricDataList, HyperParameters,
                         BillableTimeInSeconds, TrainingTimeInSeconds, SecondaryStatus, ...>}

    The metrics and times stay inside ``TrainingJob``: SageMaker leaves out the fields a job
    has no value for, and a Pass state that reads a missing path fails the execution.
    A Failed or Stopped job (MaxRuntimeExceeded is a Stopped job) or any error ends in a Fail
    state whose cause carries SageMaker's description with its ``FailureReason``: ``Job failed``
    on the ``.sync`` path, ``Job ended`` (error ``TrainingJobFailed`` / ``TrainingJobStopped``)
    on the polling path.
    Logging (ALL) and X-Ray tracing are on; the execution times out after the longest the
    job can take (its max wait time with spot training, times its attempts) plus an hour.

    Give the job as ``training_job_definition`` or as ``request``: a CreateTrainingJob request in
    botocore's shape.
    """

    _KIND = TRAINING_JOB
    _CREATE_STATE = "Create training job"
    _RESULT_PATH = "$.TrainingJob"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job_definition: TrainingJobDefinition | None = None,
        tags: Mapping[str, str] | None = None,
        request: Mapping[str, Any] | None = None,
        **options: Unpack[WorkflowOptions],
    ) -> None:
        """
        :param training_job_definition: what the job runs; its ``static_hyper_parameters`` are
            sent as ``HyperParameters``. @default - none; required unless ``request`` is given
        :param tags: tags of the training job. @default - none
        :param request: the whole job as a CreateTrainingJob request (botocore's shape), instead of
            the typed props; every field passes through but the role ARN, the KMS key IDs and the
            job name, which the workflow sets. @default - none
        :param options: role, key, job name prefix, integration, timing, logs and run-time
            parameters: see :class:`WorkflowOptions`.
        """
        body: RequestBody
        if request is not None:
            body = request_body(TRAINING, request, {"training_job_definition": training_job_definition, "tags": tags})
        elif training_job_definition is None:
            raise ValidationError("training_job_definition", "is required (or request)", None)
        else:
            body = training_body(definition=training_job_definition, tags=tags)
        super().__init__(scope, id, body=body, **options)

    def _ending(self, partition: str) -> Ending:
        return Ending(report=_REPORT)


# The execution's output, from the job's description.
_REPORT = {
    "TrainingJobName.$": "$.TrainingJobName",
    "TrainingJobArn.$": "$.TrainingJobArn",
    "TrainingJobStatus.$": "$.TrainingJobStatus",
    "S3ModelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts",
    "TrainingJob.$": "$",
}
