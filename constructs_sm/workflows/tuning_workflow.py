"""TuningWorkflow: a state machine that runs a tuning job and reports its best training job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from constructs import Construct

from ..api._request import TUNING
from ..asl._job_request import TUNING_JOB, describe_training_job_state, resolve_prefix
from ..asl._workflow_states import RESET_RETRIES, SDK_API_ERRORS, catch
from ..errors import ValidationError
from ..props._request_body import RequestBody, request_body, tuning_body
from ..props.training_job_definition import TrainingJobDefinition
from ..props.tuning_config import HyperParameterTuningJobConfig, WarmStartConfig
from ._job_workflow import Ending, JobWorkflow, WorkflowOptions
from .model_registration import (
    BEST_JOB,
    ModelRegistration,
    Registration,
    bind_registration,
    check_registration,
)
from .model_registration import FIND as REGISTRATION_FIND
from .model_registration import STATES as REGISTRATION_STATES


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

    _KIND = TUNING_JOB
    _CREATE_STATE = "Create tuning job"
    _RESULT_PATH = "$.TuningJob"

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
        model_registration: ModelRegistration | None = None,
        **options: Unpack[WorkflowOptions],
    ) -> None:
        """
        :param hyper_parameter_tuning_job_config: objective, ranges, strategy and limits.
            @default - none; required unless ``request`` is given
        :param training_job_definition: what each training job runs. @default - none; give exactly
            one of this or ``training_job_definitions``
        :param training_job_definitions: several algorithms to tune together, each with its
            ``definition_name``, ``tuning_objective`` and ``hyper_parameter_ranges``. @default - none
        :param warm_start_config: parent tuning jobs to start from. @default - none
        :param tags: tags of the tuning job and its training jobs. @default - none
        :param autotune: let SageMaker choose the tuning configuration (``Autotune``). @default false
        :param request: the whole job as a CreateHyperParameterTuningJob request (botocore's shape),
            instead of the typed props; every field passes through but the role ARN, the KMS key IDs
            and the job name, which the workflow sets. @default - none
        :param model_registration: register the best training job as a model package version,
            pending manual approval, in a model package group (``CreateModel``, ``CreateModelPackage``).
            @default - no registration
        :param options: role, key, job name prefix, integration, timing, logs and run-time
            parameters: see :class:`WorkflowOptions`.
        """
        body: RequestBody
        if request is not None:
            typed = {
                "hyper_parameter_tuning_job_config": hyper_parameter_tuning_job_config,
                "training_job_definition": training_job_definition,
                "training_job_definitions": training_job_definitions,
                "warm_start_config": warm_start_config,
                "tags": tags,
                "autotune": autotune,
            }
            body = request_body(TUNING, request, typed)
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
        self._registration: Registration | None = None
        if model_registration is not None:
            # The registration's states are part of the definition: it is checked before the workflow exists.
            resolve_prefix(TUNING_JOB, id, options.get("job_name_prefix"))
            definitions = (
                [training_job_definition, *training_job_definitions]
                if request is None
                else [request.get("TrainingJobDefinition"), *(request.get("TrainingJobDefinitions") or [])]
            )
            self._registration = check_registration(
                model_registration, definitions=definitions, inherited_removal_policy=options.get("removal_policy")
            )
        super().__init__(scope, id, body=body, **options)
        registration = self._registration
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
                request=self.resources.request,
                state_machine=self.state_machine,
            )
        )
        """The model package group the workflow created (``model_registration`` without a group name)."""
        if self.model_package_group is not None:
            self.model_package_group_name = self.model_package_group.model_package_group_name

    def _ending(self, partition: str) -> Ending:
        registration = self._registration
        return Ending(
            next_state="Has best training job",
            states=_best_job_states(partition, registration),
            retried=("Describe best training job", *(REGISTRATION_STATES if registration else ())),
            find=REGISTRATION_FIND if registration else {},
            describes_training_jobs=True,
        )


def _best_job_states(partition: str, registration: Registration | None = None) -> dict[str, Any]:
    """Describe the best training job and end with the report, its ResultSelector; the tuning
    job's description waits in ``$tuningJob``, so no Pass state is needed. With ``registration``,
    the description waits in ``$bestJob`` for the model's states, the last of which ends with the
    report."""
    best = "$.TuningJob.BestTrainingJob.TrainingJobName"
    describe = describe_training_job_state(partition, {"TrainingJobName.$": best})
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
