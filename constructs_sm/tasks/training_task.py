"""A Step Functions task that runs CreateTrainingJob."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Unpack

from constructs import Construct

from ..asl._job_request import TRAINING_JOB
from ..props._request_body import training_body
from ..props.training_job_definition import TrainingJobDefinition
from ._task_state import JobTask, JobTaskOptions


class SageMakerCreateTrainingJob(JobTask):
    """Start a training job; with ``RUN_JOB`` (the default) wait until it ends.

    Unlike aws-cdk-lib's task of the same name, it takes every field of a current
    CreateTrainingJob request that :class:`TrainingJobDefinition` models: spot training,
    checkpoints, retry strategy, environment, inter-container encryption, file systems,
    heterogeneous clusters, private registries.

    With ``RUN_JOB`` the task's result is the job's DescribeTrainingJob output; a Failed or
    Stopped job (MaxRuntimeExceeded included) fails the task with ``FailureReason`` in its
    cause. The state machine role gets the documented policy; the execution role gets what
    the definition reads and writes.

    Example::

        task = SageMakerCreateTrainingJob(self, "Train",
            training_job_name=sfn.JsonPath.string_at("$.JobName"),
            training_job_definition=definition)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job_name: str,
        training_job_definition: TrainingJobDefinition,
        tags: Mapping[str, str] | None = None,
        **options: Unpack[JobTaskOptions],
    ) -> None:
        """
        :param training_job_name: the job's name (``TrainingJobName``: botocore's length and
            pattern); or a JSONPath (``sfn.JsonPath.string_at("$.Name")``) to read it from the state input.
        :param training_job_definition: what the job runs; its ``static_hyper_parameters`` are
            sent as ``HyperParameters``.
        :param tags: tags of the training job (``Tags``). @default - none
        :param options: role, key, manifest data and the Task state's props: see :class:`JobTaskOptions`.
        """
        body = training_body(definition=training_job_definition, tags=tags)
        super().__init__(scope, id, kind=TRAINING_JOB, name=training_job_name, body=body, **options)
