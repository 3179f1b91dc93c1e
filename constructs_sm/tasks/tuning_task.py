"""A Step Functions task that runs CreateHyperParameterTuningJob."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Unpack

from constructs import Construct

from ..asl._job_request import TUNING_JOB
from ..props._request_body import tuning_body
from ..props.training_job_definition import TrainingJobDefinition
from ..props.tuning_config import HyperParameterTuningJobConfig, WarmStartConfig
from ._task_state import JobTask, JobTaskOptions


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
        **options: Unpack[JobTaskOptions],
    ) -> None:
        """
        :param hyper_parameter_tuning_job_name: the job's name (``HyperParameterTuningJobName``:
            botocore's length and pattern); or a JSONPath (``sfn.JsonPath.string_at("$.Name")``)
            to read it from the state input.
        :param hyper_parameter_tuning_job_config: objective, ranges, strategy and limits.
        :param training_job_definition: what each training job runs.
        :param warm_start_config: parent tuning jobs to start from. @default - none
        :param tags: tags of the tuning job and its training jobs (``Tags``). @default - none
        :param options: role, key, manifest data and the Task state's props: see :class:`JobTaskOptions`.
        """
        body = tuning_body(
            config=hyper_parameter_tuning_job_config,
            definition=training_job_definition,
            definitions=(),
            warm_start_config=warm_start_config,
            tags=tags,
            autotune=False,
        )
        super().__init__(scope, id, kind=TUNING_JOB, name=hyper_parameter_tuning_job_name, body=body, **options)
