"""A Step Functions task that runs CreateTrainingJob."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ..asl._job_request import TRAINING_JOB
from ..iam._grants import ManifestData
from ..props._request_body import training_body
from ..props.training_job_definition import TrainingJobDefinition
from ._task_state import JobTask, state_props


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
        role: iam.IRole | None = None,
        encryption_key: kms.IKey | None = None,
        manifest_data: ManifestData | None = None,
        integration_pattern: sfn.IntegrationPattern = sfn.IntegrationPattern.RUN_JOB,
        comment: str | None = None,
        input_path: str | None = None,
        output_path: str | None = None,
        result_path: str | None = None,
        result_selector: dict[str, Any] | None = None,
        task_timeout: cdk.Duration | None = None,
    ) -> None:
        """
        :param training_job_name: the job's name (``TrainingJobName``: botocore's length and pattern); or a JSONPath
            (``sfn.JsonPath.string_at("$.Name")``) to read it from the state input.
        :param training_job_definition: what the job runs; its ``static_hyper_parameters`` are
            sent as ``HyperParameters``.
        :param tags: tags of the training job (``Tags``). @default - none
        :param role: the SageMaker execution role. @default - a new :class:`SageMakerExecutionRole`
        :param encryption_key: encrypts artifacts and volumes. @default - a new key with rotation, retained
        :param manifest_data: per manifest channel, the S3 locations its manifest lists (required
            for ``ManifestFile`` and ``AugmentedManifestFile`` channels). @default - none
        :param integration_pattern: RUN_JOB (``.sync``) or REQUEST_RESPONSE. @default RUN_JOB
        """
        super().__init__(scope, id, **state_props(locals()))
        self._bind_request(
            TRAINING_JOB,
            name=training_job_name,
            body=training_body(definition=training_job_definition, tags=tags),
            role=role,
            encryption_key=encryption_key,
            manifest_data=manifest_data,
        )
