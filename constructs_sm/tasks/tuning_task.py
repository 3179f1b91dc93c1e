"""A Step Functions task that runs CreateHyperParameterTuningJob."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ..asl._job_request import TUNING_JOB
from ..iam._grants import ManifestData
from ..props._request_body import tuning_body
from ..props.training_job_definition import TrainingJobDefinition
from ..props.tuning_config import HyperParameterTuningJobConfig, WarmStartConfig
from ._task_state import JobTask, state_props


class SageMakerCreateHyperParameterTuningJob(JobTask):
    """Start a hyperparameter tuning job; with ``RUN_JOB`` (the default) wait until it ends.

    With ``RUN_JOB`` the task's result is the job's DescribeHyperParameterTuningJob output;
    a Failed or Stopped job fails the task. The state machine role gets the documented
    policy; the execution role gets what the training job definition reads and writes.

    Example::

        task = SageMakerCreateHyperParameterTuningJob(self, "Tune",
            hyper_parameter_tuning_job_name=sfn.JsonPath.string_at("$.JobName"),
            hyper_parameter_tuning_job_config=config,
            training_job_definition=definition)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        hyper_parameter_tuning_job_name: str,
        hyper_parameter_tuning_job_config: HyperParameterTuningJobConfig,
        training_job_definition: TrainingJobDefinition,
        warm_start_config: WarmStartConfig | None = None,
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
        :param hyper_parameter_tuning_job_name: the job's name (``HyperParameterTuningJobName``: botocore's length and pattern);
            or a JSONPath (``sfn.JsonPath.string_at("$.Name")``) to read it from the state input.
        :param role: the SageMaker execution role. @default - a new :class:`SageMakerExecutionRole`
        :param encryption_key: encrypts artifacts and volumes. @default - a new key with rotation, retained
        :param manifest_data: per manifest channel, the S3 locations its manifest lists (required
            for ``ManifestFile`` and ``AugmentedManifestFile`` channels). @default - none
        :param integration_pattern: RUN_JOB (``.sync``) or REQUEST_RESPONSE. @default RUN_JOB
        """
        super().__init__(scope, id, **state_props(locals()))
        self._bind_request(
            TUNING_JOB,
            name=hyper_parameter_tuning_job_name,
            body=tuning_body(
                config=hyper_parameter_tuning_job_config,
                definition=training_job_definition,
                definitions=(),
                warm_start_config=warm_start_config,
                tags=tags,
                autotune=False,
            ),
            role=role,
            encryption_key=encryption_key,
            manifest_data=manifest_data,
        )
