"""The CreateHyperParameterTuningJob request and the IAM it needs, shared by the task and the workflow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import IConstruct

from ._api_model import validate_request
from ._arns import arn
from ._checks import check_tags
from ._job_resources import JobResources
from .errors import ValidationError
from .training_job_definition import TrainingJobDefinition
from .tuning_config import HyperParameterTuningJobConfig, WarmStartConfig

# The request fields the optimized createHyperParameterTuningJob integration takes
# (Step Functions developer guide, "Create and manage Amazon SageMaker jobs").
OPTIMIZED_FIELDS = frozenset(
    {
        "HyperParameterTuningJobName",
        "HyperParameterTuningJobConfig",
        "TrainingJobDefinition",
        "WarmStartConfig",
        "Tags",
    }
)
OPTIMIZED_RESOURCE = "arn:{partition}:states:::sagemaker:createHyperParameterTuningJob"
SDK_RESOURCE = "arn:{partition}:states:::aws-sdk:sagemaker:createHyperParameterTuningJob"
EVENTS_RULE = "StepFunctionsGetEventsForSageMakerTuningJobsRule"


@dataclass(frozen=True, kw_only=True)
class TuningRequest:
    """Everything of a CreateHyperParameterTuningJob request but its name."""

    config: HyperParameterTuningJobConfig
    definition: TrainingJobDefinition
    warm_start_config: WarmStartConfig | None = None
    tags: Mapping[str, str] | None = None
    autotune: bool = False

    def render(self, resources: JobResources) -> dict[str, Any]:
        """The request without ``HyperParameterTuningJobName``, checked against SageMaker's API model."""
        request: dict[str, Any] = {
            "HyperParameterTuningJobConfig": self.config.render("HyperParameterTuningJobConfig"),
            "TrainingJobDefinition": self.definition.render("TrainingJobDefinition", resources),
        }
        overlap = set(self.definition.static_hyper_parameters) & {r.name for r in self.config.parameter_ranges}
        if overlap:
            raise ValidationError(
                "TrainingJobDefinition.StaticHyperParameters",
                "must not name a hyperparameter that is also in ParameterRanges",
                sorted(overlap),
            )
        if self.warm_start_config is not None:
            request["WarmStartConfig"] = self.warm_start_config.render("WarmStartConfig")
        if self.tags:
            check_tags("Tags", dict(self.tags))
            request["Tags"] = [{"Key": k, "Value": v} for k, v in self.tags.items()]
        if self.autotune:
            request["Autotune"] = {"Mode": "Enabled"}
        validate_request("CreateHyperParameterTuningJob", {**request, "HyperParameterTuningJobName.$": "$"})
        return request

    @staticmethod
    def uses_optimized_integration(request: Mapping[str, Any]) -> bool:
        """Whether the optimized integration takes every field; else the aws-sdk integration runs it."""
        return {key.removesuffix(".$") for key in request} <= OPTIMIZED_FIELDS


def tuning_job_arn(scope: IConstruct, name_pattern: str) -> str:
    return arn(scope, "sagemaker", f"hyper-parameter-tuning-job/{name_pattern}")


def training_job_arn(scope: IConstruct, name_pattern: str) -> str:
    return arn(scope, "sagemaker", f"training-job/{name_pattern}")


def tuning_policy_statements(
    scope: IConstruct,
    *,
    name_pattern: str,
    role: iam.IRole,
    integration_pattern: sfn.IntegrationPattern,
    tagged: bool,
) -> list[iam.PolicyStatement]:
    """The state machine role's policy for creating and waiting on a tuning job.

    Follows the Step Functions developer guide's policies for SageMaker jobs: the job
    actions on the job's ARN, iam:PassRole limited to SageMaker, and for ``.sync`` the
    managed EventBridge rule that reports the job's completion.
    ``name_pattern`` is the lowercase job name prefix followed by ``*`` (SageMaker ARNs
    hold lowercase names), or ``*`` when names come from the execution input.
    """
    actions = [
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:StopHyperParameterTuningJob",
        "sagemaker:ListTags",
    ]
    if tagged:
        actions.append("sagemaker:AddTags")
    statements = [
        iam.PolicyStatement(actions=actions, resources=[tuning_job_arn(scope, name_pattern)]),
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
                resources=[arn(scope, "events", f"rule/{EVENTS_RULE}")],
            )
        )
    return statements
