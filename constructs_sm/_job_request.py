"""What the CreateTrainingJob and CreateHyperParameterTuningJob requests share: names, tags,
the choice of integration, and the state machine role's policy."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import IConstruct

from ._arns import arn
from ._checks import check_job_name, check_tags, is_unresolved


@dataclass(frozen=True)
class JobKind:
    """A kind of SageMaker job, as the Step Functions guide's IAM policies name it."""

    action_noun: str
    """``sagemaker:Create<noun>`` and the other job actions."""
    resource_type: str
    """The ARN's resource type, e.g. ``training-job``."""
    events_rule: str
    """The managed EventBridge rule through which ``.sync`` learns that the job ended."""
    name_field: str
    """The request field of the job's name."""
    max_name_length: int


TRAINING_JOB = JobKind(
    "TrainingJob", "training-job", "StepFunctionsGetEventsForSageMakerTrainingJobsRule", "TrainingJobName", 63
)
TUNING_JOB = JobKind(
    "HyperParameterTuningJob",
    "hyper-parameter-tuning-job",
    "StepFunctionsGetEventsForSageMakerTuningJobsRule",
    "HyperParameterTuningJobName",
    32,
)


def job_arn(scope: IConstruct, kind: JobKind, name_pattern: str) -> str:
    return arn(scope, "sagemaker", f"{kind.resource_type}/{name_pattern}")


def training_job_arn(scope: IConstruct, name_pattern: str) -> str:
    return job_arn(scope, TRAINING_JOB, name_pattern)


def name_parameter(kind: JobKind, name: str) -> tuple[dict[str, str], str]:
    """The job name's request entry and the IAM name pattern it allows.

    A name read from the state input can be any name: the documented ``*``. SageMaker ARNs
    hold lowercase names, which IAM compares case-sensitively.
    """
    check_job_name(kind.name_field, name, kind.max_name_length)
    if is_unresolved(name) and name.startswith("$"):
        return {f"{kind.name_field}.$": name}, "*"
    return {kind.name_field: name}, f"{name.lower()}*"


def render_tags(tags: Mapping[str, str] | None) -> dict[str, Any]:
    """``{"Tags": [...]}``, or nothing without tags."""
    if not tags:
        return {}
    check_tags("Tags", dict(tags))
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


def uses_optimized_integration(request: Mapping[str, Any], optimized_fields: Collection[str]) -> bool:
    """Whether the optimized integration takes every top-level field; else the aws-sdk integration runs it."""
    return {key.removesuffix(".$") for key in request} <= set(optimized_fields)


def job_policy_statements(
    scope: IConstruct,
    kind: JobKind,
    *,
    name_pattern: str,
    role: iam.IRole,
    integration_pattern: sfn.IntegrationPattern,
    tagged: bool,
) -> list[iam.PolicyStatement]:
    """The state machine role's policy for creating and waiting on a job.

    Follows the Step Functions developer guide's policies for SageMaker jobs: the job
    actions on the job's ARN, iam:PassRole limited to SageMaker, and for ``.sync`` the
    managed EventBridge rule that reports the job's completion.
    ``name_pattern`` is the lowercase job name prefix followed by ``*``, or ``*`` when
    names come from the execution input.
    """
    noun = kind.action_noun
    actions = [f"sagemaker:Create{noun}", f"sagemaker:Describe{noun}", f"sagemaker:Stop{noun}", "sagemaker:ListTags"]
    if tagged:
        actions.append("sagemaker:AddTags")
    statements = [
        iam.PolicyStatement(actions=actions, resources=[job_arn(scope, kind, name_pattern)]),
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
    ]
    if integration_pattern == sfn.IntegrationPattern.RUN_JOB:
        statements.append(
            iam.PolicyStatement(
                actions=["events:DescribeRule", "events:PutRule", "events:PutTargets"],
                resources=[arn(scope, "events", f"rule/{kind.events_rule}")],
            )
        )
    return statements
