"""TrainingWorkflow: a state machine that runs a training job and reports its model and metrics."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..asl._job_request import TRAINING_JOB
from ..errors import ValidationError
from ..iam._grants import ManifestData
from ..iam._job_resources import RequestBody
from ..props.training_job_definition import TrainingJobDefinition
from ..tasks._typed_request import training_body
from ._job_workflow import JobWorkflow


class TrainingIntegration(StrEnum):
    """How the workflow starts and waits on the training job."""

    OPTIMIZED = "sagemaker:createTrainingJob.sync"
    """The optimized integration: Step Functions waits on the job and stops it with the execution."""
    AWS_SDK = "aws-sdk:sagemaker:createTrainingJob"
    """Any CreateTrainingJob field: a Wait, DescribeTrainingJob, Choice loop."""


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

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job_definition: TrainingJobDefinition | None = None,
        tags: Mapping[str, str] | None = None,
        request: Mapping[str, Any] | None = None,
        role: iam.IRole | None = None,
        encryption_key: kms.IKey | None = None,
        job_name_prefix: str | None = None,
        integration: TrainingIntegration | str | None = None,
        polling_interval: cdk.Duration | None = None,
        timeout: cdk.Duration | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        state_machine_name: str | None = None,
        manifest_data: ManifestData | None = None,
        run_time_parameters: Mapping[str, str] | None = None,
        log_group: logs.ILogGroup | None = None,
        definition_in_s3: bool = False,
    ) -> None:
        """
        :param training_job_definition: what the job runs; its ``static_hyper_parameters`` are
            sent as ``HyperParameters``. @default - none; required unless ``request`` is given
        :param tags: tags of the training job, at most 50. @default - none
        :param request: the whole job as a CreateTrainingJob request (botocore's shape), instead of
            the typed props; every field passes through but the role ARN, the KMS key IDs and the
            job name, which the workflow sets. @default - none
        :param role: SageMaker execution role. @default - a new :class:`SageMakerExecutionRole`
        :param encryption_key: encrypts model artifacts, volumes and the execution logs.
            @default - a new key with rotation on, retained when the stack is deleted
        :param job_name_prefix: lowercase prefix of the job names, at most 50 characters;
            IAM allows only jobs with this prefix. @default - derived from ``id``
        :param integration: force one integration. @default - the optimized ``.sync`` integration
            when it takes every field of the request, else the aws-sdk integration
        :param polling_interval: time between DescribeTrainingJob calls on the aws-sdk path.
            @default - 1 minute
        :param timeout: the execution's timeout. @default - the longest the job can take, plus 1 hour
        :param log_retention: retention of the execution log group. @default - one year
        :param log_group: an execution log group to share with other workflows (each execution
            logs to its own stream); the group's encryption and retention are yours.
            @default - a log group of this workflow, encrypted with ``encryption_key``
        :param definition_in_s3: keep the state machine definition in an S3 asset, not in the
            template (``cdk deploy`` uploads it): for stacks of many workflows near CloudFormation's
            1 MB; cfn-lint then cannot check the definition. @default false
        :param state_machine_name: @default - generated by CloudFormation
        :param manifest_data: for each channel whose ``S3DataType`` is ``ManifestFile`` or
            ``AugmentedManifestFile``, the S3 locations (``S3Location`` or ``s3://`` URIs) of the
            objects its manifest lists: the role may read them. Required for such channels. @default - none
        :param run_time_parameters: request fields the execution input may set, as input name ->
            JSON path of the request, e.g. ``{"InstanceType": "TrainingJobDefinition.ResourceConfig.InstanceType"}``;
            the request's value is the default, and an input that breaks the field's rule fails with
            ``InvalidParameter`` before a job is created (README, "Run-time parameters"). @default - none
        """
        body: RequestBody
        if request is not None:
            if training_job_definition is not None or tags is not None:
                raise ValidationError(
                    "request", "replaces the typed props: give request or the typed props, not both", None
                )
            if not isinstance(request, Mapping):
                raise ValidationError("request", "must be a CreateTrainingJob request (a dict)", request)
            body = lambda _scope: dict(request)  # noqa: E731
        elif training_job_definition is None:
            raise ValidationError("training_job_definition", "is required (or request)", None)
        else:
            body = training_body(definition=training_job_definition, tags=tags)
        super().__init__(
            scope,
            id,
            kind=TRAINING_JOB,
            body=body,
            integration=integration,
            integrations=TrainingIntegration,
            role=role,
            encryption_key=encryption_key,
            job_name_prefix=job_name_prefix,
            create_state="Create training job",
            result_path="$.TrainingJob",
            report=_REPORT,
            polling_interval=polling_interval,
            timeout=timeout,
            log_retention=log_retention,
            state_machine_name=state_machine_name,
            manifest_data=manifest_data,
            run_time_parameters=run_time_parameters,
            log_group=log_group,
            definition_in_s3=definition_in_s3,
        )


# The execution's output, from the job's description.
_REPORT = {
    "TrainingJobName.$": "$.TrainingJobName",
    "TrainingJobArn.$": "$.TrainingJobArn",
    "TrainingJobStatus.$": "$.TrainingJobStatus",
    "S3ModelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts",
    "TrainingJob.$": "$",
}
