"""What the two kinds of job share: their API names, the state that creates one, and the state
machine role's policy for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import IConstruct

from ..api import _model
from ..api._request import TRAINING, TUNING, JobRequest
from ..core._arns import arn
from ..iam._policy import Statement, statement


@dataclass(frozen=True)
class JobKind:
    """A kind of SageMaker job, as the API and the Step Functions guide's IAM policies name it."""

    operation: str
    """The create operation, e.g. ``CreateTrainingJob``."""
    action_noun: str
    """``sagemaker:Create<noun>`` and the other job actions."""
    resource_type: str
    """The ARN's resource type, e.g. ``training-job``."""
    events_rule: str
    """The managed EventBridge rule through which ``.sync`` learns that the job ended."""
    name_field: str
    status_field: str
    title: str
    """How the guides name it: ``training job``."""

    @property
    def max_name_length(self) -> int:
        """The job name's length limit, from botocore's model (loaded on first use)."""
        return int(self.name_shape.metadata["max"])

    @property
    def name_pattern(self) -> str:
        """SageMaker's job-name pattern from botocore's model, anchored at both ends."""
        return "^" + str(self.name_shape.metadata["pattern"]).removeprefix("^").removesuffix("$") + "$"

    @property
    def name_shape(self) -> Any:
        return _model.input_shape(self.operation).members[self.name_field]

    def resource(self, partition: str, *, sdk: bool = False, sync: bool = False) -> str:
        """The Task state's Resource: the optimized integration (``.sync`` to wait), or the aws-sdk call."""
        service = "aws-sdk:sagemaker" if sdk else "sagemaker"
        return f"arn:{partition}:states:::{service}:create{self.action_noun}{'.sync' if sync else ''}"

    def describe_resource(self, partition: str) -> str:
        return f"arn:{partition}:states:::aws-sdk:sagemaker:describe{self.action_noun}"


TRAINING_JOB = JobKind(
    TRAINING,
    "TrainingJob",
    "training-job",
    "StepFunctionsGetEventsForSageMakerTrainingJobsRule",
    "TrainingJobName",
    "TrainingJobStatus",
    "training job",
)
TUNING_JOB = JobKind(
    TUNING,
    "HyperParameterTuningJob",
    "hyper-parameter-tuning-job",
    "StepFunctionsGetEventsForSageMakerTuningJobsRule",
    "HyperParameterTuningJobName",
    "HyperParameterTuningJobStatus",
    "hyperparameter tuning job",
)


def create_job_state(kind: JobKind, request: JobRequest, name: dict[str, Any], *, resource: str) -> dict[str, Any]:
    """The Task state that creates the job: its Resource and Parameters, the job's name first."""
    return {"Type": "Task", "Resource": resource, "Parameters": {**name, **request.parameters()}}


def job_arn(scope: IConstruct, kind: JobKind, name_pattern: str) -> str:
    return arn(scope, "sagemaker", f"{kind.resource_type}/{name_pattern}")


def job_policy_statements(
    scope: IConstruct, kind: JobKind, *, name_pattern: str, role_arn: str, sync: bool, sdk: bool, tagged: bool
) -> list[Statement]:
    """The state machine role's policy for creating (and, with ``sync``, waiting on) a job.

    Follows the Step Functions developer guide's policies for SageMaker jobs: the optimized
    integration tags the job it starts (MANAGED_BY_AWS=STARTED_BY_STEP_FUNCTIONS), hence AddTags
    and ListTags, and ``.sync`` describes and stops the job and uses the managed EventBridge rule
    that reports its completion. The aws-sdk path calls Create and the polling loop's Describe
    only, with AddTags when the request has tags. iam:PassRole is limited to SageMaker.
    ``name_pattern`` is the lowercase job name prefix and ``-*``, or ``*`` for names from the input.
    """
    noun = kind.action_noun
    if sdk:
        actions = [f"sagemaker:Create{noun}", f"sagemaker:Describe{noun}"] + (["sagemaker:AddTags"] if tagged else [])
    else:
        waits = [f"sagemaker:Describe{noun}", f"sagemaker:Stop{noun}"] if sync else []
        actions = [f"sagemaker:Create{noun}", *waits, "sagemaker:AddTags", "sagemaker:ListTags"]
    statements = [
        statement(actions, [job_arn(scope, kind, name_pattern)]),
        statement(["iam:PassRole"], [role_arn], {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
    ]
    if sync and not sdk:
        events = ["events:DescribeRule", "events:PutRule", "events:PutTargets"]
        statements.append(statement(events, [arn(scope, "events", f"rule/{kind.events_rule}")]))
    return statements
