"""What the two kinds of job share: their API names, the state that creates one, and the state
machine role's policy for it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from constructs import IConstruct

from ..api import _model
from ..api._integration import task_resource
from ..api._request import TRAINING, TUNING, JobRequest, owned_name
from ..core._arns import arn
from ..errors import ValidationError
from ..iam._policy import Statement, statement
from ._workflow_states import SUFFIX_LENGTH, check_prefix, default_prefix


class TrainingIntegration(StrEnum):
    """How the workflow starts and waits on the training job."""

    OPTIMIZED = "sagemaker:createTrainingJob.sync"
    """The optimized integration: Step Functions waits on the job and stops it with the execution."""
    AWS_SDK = "aws-sdk:sagemaker:createTrainingJob"
    """Any CreateTrainingJob field: a Wait, DescribeTrainingJob, Choice loop."""


class TuningIntegration(StrEnum):
    """How the workflow starts and waits on the tuning job."""

    OPTIMIZED = "sagemaker:createHyperParameterTuningJob.sync"
    """The optimized integration: Step Functions waits on the job and stops it with the execution."""
    AWS_SDK = "aws-sdk:sagemaker:createHyperParameterTuningJob"
    """Any CreateHyperParameterTuningJob field: a Wait, DescribeHyperParameterTuningJob, Choice loop."""


@dataclass(frozen=True)
class JobKind:
    """A kind of SageMaker job, as the API and the Step Functions guide's IAM policies name it."""

    operation: str
    """The create operation, as botocore's model names it: ``CreateTrainingJob``."""
    resource_type: str
    """The ARN's resource type, e.g. ``training-job``."""
    events_rule: str
    """The managed EventBridge rule through which ``.sync`` learns that the job ended."""
    title: str
    """How the guides name it: ``training job``."""
    integrations: type[StrEnum]
    """The integrations that create it: the optimized one first, then the aws-sdk one."""

    @property
    def action_noun(self) -> str:
        """``sagemaker:Create<noun>`` and the other job actions: ``TrainingJob``."""
        return self.operation.removeprefix("Create")

    @property
    def name_field(self) -> str:
        """The request field of the job's name (the one the constructs own first)."""
        return owned_name(self.operation)

    @property
    def status_field(self) -> str:
        """The Describe call's status field: ``TrainingJobStatus``."""
        return f"{self.action_noun}Status"

    @property
    def max_name_length(self) -> int:
        """The job name's length limit, from botocore's model (loaded on first use)."""
        return int(self.name_shape.metadata["max"])

    @property
    def name_pattern(self) -> str:
        """SageMaker's job-name pattern from botocore's model, anchored at both ends."""
        return "^" + str(self.name_shape.metadata["pattern"]).removeprefix("^").removesuffix("$") + "$"

    @property
    def max_prefix_length(self) -> int:
        """The longest job name prefix: room is left for ``-`` and the generated 12 hex digits."""
        return self.max_name_length - SUFFIX_LENGTH

    @property
    def name_shape(self) -> Any:
        return _model.input_shape(self.operation).members[self.name_field]

    def resource(self, partition: str, *, sdk: bool = False, sync: bool = False) -> str:
        """The Task state's Resource: the optimized integration (``.sync`` to wait), or the aws-sdk call."""
        return task_resource(partition, self.operation, sdk=sdk, sync=sync)

    def describe_resource(self, partition: str) -> str:
        return task_resource(partition, f"Describe{self.action_noun}")


TRAINING_JOB = JobKind(
    TRAINING, "training-job", "StepFunctionsGetEventsForSageMakerTrainingJobsRule", "training job", TrainingIntegration
)
TUNING_JOB = JobKind(
    TUNING,
    "hyper-parameter-tuning-job",
    "StepFunctionsGetEventsForSageMakerTuningJobsRule",
    "hyperparameter tuning job",
    TuningIntegration,
)


def resolve_prefix(kind: JobKind, construct_id: str, given: str | None) -> str:
    """The given prefix, checked, or one derived from the construct id."""
    limit = kind.max_name_length
    return default_prefix(construct_id, limit) if given is None else check_prefix(given, limit)


def choose_integration(
    kind: JobKind, given: StrEnum | str | None, unsupported: list[str], *, fallback: bool = True
) -> StrEnum:
    """The integration that creates the job (``kind.integrations``: the optimized one first, the
    aws-sdk one second). Unset, the optimized integration when it takes every field of the request
    (``unsupported`` lists those it lacks), else the aws-sdk one if ``fallback`` (a workflow, which
    can poll); a forced optimized integration that lacks a field is refused, naming the field."""
    integrations = kind.integrations
    optimized, sdk = list(integrations)
    if given is None:
        chosen = sdk if unsupported and fallback else optimized
    elif given in {optimized, sdk, optimized.value, sdk.value}:
        chosen = integrations(given)
    else:
        raise ValidationError("integration", f"must be {integrations.__name__}.OPTIMIZED or .AWS_SDK", given)
    if chosen is optimized and unsupported:
        advice = (
            "leave integration unset or use AWS_SDK"
            if fallback
            else "use a workflow, which polls through the aws-sdk integration, or REQUEST_RESPONSE"
        )
        raise ValidationError(
            unsupported[0], f"is not taken by the optimized integration ({optimized.value}): {advice}", unsupported
        )
    return chosen


def create_job_state(kind: JobKind, request: JobRequest, name: dict[str, Any], *, resource: str) -> dict[str, Any]:
    """The Task state that creates the job: its Resource and Parameters, the job's name first.
    The tasks and the workflows render it here."""
    return {"Type": "Task", "Resource": resource, "Parameters": {**name, **request.parameters()}}


def describe_training_job_state(partition: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The Task state that describes a training job (aws-sdk: Step Functions has no optimized
    DescribeTrainingJob); ``parameters`` names the job. The task and the tuning workflow's
    "Describe best training job" render it here."""
    return {"Type": "Task", "Resource": TRAINING_JOB.describe_resource(partition), "Parameters": parameters}


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
    guide = "Step Functions Developer Guide, 'IAM policies for Amazon SageMaker'"
    if sdk:
        does = f"creates the {kind.title}{' (tagged)' if tagged else ''} and the polling loop describes it"
    else:
        does = f"creates and tags the {kind.title}" + (", describes it and stops it with the execution" if sync else "")
    statements = [
        statement(
            actions,
            [job_arn(scope, kind, name_pattern)],
            reason=f"Step Functions {does} ({guide})",
            # A pattern with no fixed prefix ("*": names from the input) has no documented reason.
            wildcard=f"jobs whose names start with the workflow's job name prefix; the rest of the name is "
            f"generated per execution ({guide})"
            if name_pattern.rstrip("*")
            else None,
        ),
        statement(
            ["iam:PassRole"],
            [role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            reason=f"Step Functions passes the execution role to SageMaker, and to SageMaker only ({guide})",
        ),
    ]
    if sync and not sdk:
        events = ["events:DescribeRule", "events:PutRule", "events:PutTargets"]
        statements.append(
            statement(
                events,
                [arn(scope, "events", f"rule/{kind.events_rule}")],
                reason=f"The .sync integration learns of the job's end through this managed EventBridge rule ({guide})",
            )
        )
    return statements
