"""TuningWorkflow: a state machine that runs a tuning job and reports its best training job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..asl._job_request import TUNING_JOB
from ..asl._workflow_states import RESET_RETRIES, SDK_API_ERRORS, catch, check_prefix, default_prefix
from ..core._arns import partition
from ..errors import ValidationError
from ..iam._grants import ManifestData
from ..iam._job_resources import RequestBody
from ..props.training_job_definition import TrainingJobDefinition
from ..props.tuning_config import HyperParameterTuningJobConfig, WarmStartConfig
from ..tasks._typed_request import tuning_body
from ._job_workflow import JobWorkflow
from .model_registration import (
    BEST_JOB,
    ModelRegistration,
    Registration,
    bind_registration,
    check_registration,
)
from .model_registration import FIND as REGISTRATION_FIND
from .model_registration import STATES as REGISTRATION_STATES


class TuningIntegration(StrEnum):
    """How the workflow starts and waits on the tuning job."""

    OPTIMIZED = "sagemaker:createHyperParameterTuningJob.sync"
    """The optimized integration: Step Functions waits on the job and stops it with the execution."""
    AWS_SDK = "aws-sdk:sagemaker:createHyperParameterTuningJob"
    """Any CreateHyperParameterTuningJob field: a Wait, DescribeHyperParameterTuningJob, Choice loop."""


class TuningWorkflow(JobWorkflow):
    """A Standard state machine that runs a hyperparameter tuning job to its end.

    States: name the job (the input's ``HyperParameterTuningJobName`` if it starts with the
    prefix, else ``<prefix>-<12 hex digits>``), create the tuning job and wait for it,
    describe the best training job, and succeed with::

        {"HyperParameterTuningJobName", "HyperParameterTuningJobArn", "TrainingJobStatusCounters",
         "BestTrainingJob": <the tuning job's summary: name, tuned hyperparameters, objective value>,
         "S3ModelArtifacts": <the best model's artifacts>,
         "TrainingJob": <DescribeTrainingJob of the best job: image, hyperparameters,
                         FinalMetricDataList, BillableTimeInSeconds, ...>}

    With ``model_registration``, the best training job then becomes a SageMaker model ("Create
    model") and a model package version pending manual approval ("Register model"), and the
    output adds their ``ModelArn`` and ``ModelPackageArn``.

    A Failed or Stopped job, or any error, ends in a Fail state whose cause carries SageMaker's
    description with its ``FailureReason``. Logging (ALL) and X-Ray tracing are on; the execution
    times out after the longest the tuning job can run plus an hour.

    Give the job as typed props (``hyper_parameter_tuning_job_config`` and one of the training job
    definitions), or as ``request``: a CreateHyperParameterTuningJob request in botocore's shape.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        hyper_parameter_tuning_job_config: HyperParameterTuningJobConfig | None = None,
        training_job_definition: TrainingJobDefinition | None = None,
        training_job_definitions: Sequence[TrainingJobDefinition] = (),
        warm_start_config: WarmStartConfig | None = None,
        tags: Mapping[str, str] | None = None,
        autotune: bool = False,
        request: Mapping[str, Any] | None = None,
        role: iam.IRole | None = None,
        encryption_key: kms.IKey | None = None,
        job_name_prefix: str | None = None,
        integration: TuningIntegration | str | None = None,
        polling_interval: cdk.Duration | None = None,
        timeout: cdk.Duration | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        state_machine_name: str | None = None,
        manifest_data: ManifestData | None = None,
        run_time_parameters: Mapping[str, str] | None = None,
        log_group: logs.ILogGroup | None = None,
        definition_in_s3: bool = False,
        model_registration: ModelRegistration | None = None,
    ) -> None:
        """
        :param hyper_parameter_tuning_job_config: objective, ranges, strategy and limits.
            @default - none; required unless ``request`` is given
        :param training_job_definition: what each training job runs. @default - none; give exactly
            one of this or ``training_job_definitions``
        :param training_job_definitions: up to 10 algorithms to tune together, each with its
            ``definition_name``, ``tuning_objective`` and ``hyper_parameter_ranges``. @default - none
        :param warm_start_config: parent tuning jobs to start from. @default - none
        :param tags: tags of the tuning job and its training jobs, at most 50. @default - none
        :param autotune: let SageMaker choose the tuning configuration (``Autotune``). @default false
        :param request: the whole job as a CreateHyperParameterTuningJob request (botocore's shape),
            instead of the typed props; every field passes through but the role ARN, the KMS key IDs
            and the job name, which the workflow sets. @default - none
        :param role: SageMaker execution role. @default - a new :class:`SageMakerExecutionRole`
        :param encryption_key: encrypts model artifacts, volumes and the execution logs.
            @default - a new key with rotation on, retained when the stack is deleted
        :param job_name_prefix: lowercase prefix of the job names, at most 19 characters;
            IAM allows only jobs with this prefix. @default - derived from ``id``
        :param integration: force one integration. @default - the optimized ``.sync`` integration
            when it takes every field of the request, else the aws-sdk integration
        :param polling_interval: time between DescribeHyperParameterTuningJob calls on the
            aws-sdk path. @default - 1 minute
        :param timeout: the execution's timeout. @default - the longest the tuning job can run, plus 1 hour
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
        :param model_registration: register the best training job as a model package version,
            pending manual approval, in a model package group (``CreateModel``, ``CreateModelPackage``).
            @default - no registration
        """
        body: RequestBody
        if request is not None:
            typed = [hyper_parameter_tuning_job_config, training_job_definition, warm_start_config, tags]
            if any(p is not None for p in typed) or training_job_definitions or autotune:
                raise ValidationError(
                    "request", "replaces the typed props: give request or the typed props, not both", None
                )
            body = _from_request(request)
        elif hyper_parameter_tuning_job_config is None:
            raise ValidationError("hyper_parameter_tuning_job_config", "is required (or request)", None)
        else:
            body = tuning_body(
                config=hyper_parameter_tuning_job_config,
                definition=training_job_definition,
                definitions=training_job_definitions,
                warm_start_config=warm_start_config,
                tags=tags,
                autotune=autotune,
            )
        registration = None
        if model_registration is not None:
            # The registration's states are part of the definition: it is checked before the workflow exists.
            limit = TUNING_JOB.max_name_length
            job_name_prefix = (
                default_prefix(id, limit) if job_name_prefix is None else check_prefix(job_name_prefix, limit)
            )
            definitions = (
                [training_job_definition, *training_job_definitions]
                if request is None
                else [request.get("TrainingJobDefinition"), *(request.get("TrainingJobDefinitions") or [])]
            )
            registration = check_registration(model_registration, definitions=definitions)
        super().__init__(
            scope,
            id,
            kind=TUNING_JOB,
            body=body,
            integration=integration,
            integrations=TuningIntegration,
            role=role,
            encryption_key=encryption_key,
            job_name_prefix=job_name_prefix,
            create_state="Create tuning job",
            result_path="$.TuningJob",
            end_states=_best_job_states(partition(scope), registration),
            next_state="Has best training job",
            retried_states=("Describe best training job", *(REGISTRATION_STATES if registration else ())),
            find_states=REGISTRATION_FIND if registration else None,
            describes_training_jobs=True,
            polling_interval=polling_interval,
            timeout=timeout,
            log_retention=log_retention,
            state_machine_name=state_machine_name,
            manifest_data=manifest_data,
            run_time_parameters=run_time_parameters,
            log_group=log_group,
            definition_in_s3=definition_in_s3,
        )
        self.model_package_group_name: str | None = None if registration is None else registration.group_name
        """The model package group the best training jobs are registered in, if any."""
        self.model_package_group = (
            None
            if registration is None
            else bind_registration(
                self,
                registration,
                prefix=self.job_name_prefix,
                state_machine_role=self.state_machine_role,
                execution_role=self.role,
                request=self.request,
                state_machine=self.state_machine,
            )
        )
        """The model package group the workflow created (``model_registration`` without a group name)."""
        if self.model_package_group is not None:
            self.model_package_group_name = self.model_package_group.model_package_group_name


def _from_request(request: Mapping[str, Any]) -> RequestBody:
    if not isinstance(request, Mapping):
        raise ValidationError("request", "must be a CreateHyperParameterTuningJob request (a dict)", request)
    return lambda _scope: dict(request)


def _best_job_states(partition: str, registration: Registration | None = None) -> dict[str, Any]:
    """Describe the best training job and end with the report, its ResultSelector; the tuning
    job's description waits in ``$tuningJob``, so no Pass state is needed. With ``registration``,
    the description waits in ``$bestJob`` for the model's states, the last of which ends with the
    report."""
    best = "$.TuningJob.BestTrainingJob.TrainingJobName"
    describe: dict[str, Any] = {
        "Type": "Task",
        "Resource": f"arn:{partition}:states:::aws-sdk:sagemaker:describeTrainingJob",
        "Parameters": {"TrainingJobName.$": best},
    }
    if registration is None:
        describe.update(
            ResultSelector=_report("$"), Catch=catch("Describe best training job", SDK_API_ERRORS), End=True
        )
    else:
        describe.update(
            ResultPath=None,
            Assign={**RESET_RETRIES, "bestJob.$": "$"},
            Catch=catch("Describe best training job", SDK_API_ERRORS),
            Next=REGISTRATION_STATES[0],
        )
    states = {
        # JSONata: a Choice rule's Assign reads $states.input ("Choice Rules (JSONata)",
        # https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html).
        "Has best training job": {
            "Type": "Choice",
            "QueryLanguage": "JSONata",
            "Choices": [
                {
                    "Condition": "{% $type($states.input.TuningJob.BestTrainingJob.TrainingJobName) = 'string' %}",
                    "Assign": {"tuningJob": "{% $states.input.TuningJob %}"},
                    "Next": "Describe best training job",
                }
            ],
            "Default": "No best training job",
        },
        "No best training job": {
            "Type": "Fail",
            "Error": "NoBestTrainingJob",
            "Cause": "The tuning job ended without a successful training job",
        },
        "Describe best training job": describe,
    }
    if registration is not None:
        states.update(registration.states(partition, output=_report(BEST_JOB)))
    return states


def _report(training_job: str) -> dict[str, Any]:
    """The execution's output, from ``$tuningJob`` and the best job's DescribeTrainingJob at
    ``training_job`` (``$`` in the describing state's own ResultSelector, ``$bestJob`` later)."""
    return {
        "HyperParameterTuningJobName.$": "$tuningJob.HyperParameterTuningJobName",
        "HyperParameterTuningJobArn.$": "$tuningJob.HyperParameterTuningJobArn",
        "TrainingJobStatusCounters.$": "$tuningJob.TrainingJobStatusCounters",
        "BestTrainingJob.$": "$tuningJob.BestTrainingJob",
        "S3ModelArtifacts.$": f"{training_job}.ModelArtifacts.S3ModelArtifacts",
        "TrainingJob.$": training_job,
    }
