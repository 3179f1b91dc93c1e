"""The CreateTrainingJob request and the IAM it needs, shared by the task and the workflow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._api_model import validate_request
from ._job_request import render_tags, uses_optimized_integration
from ._job_resources import JobResources
from .training_job_definition import TrainingJobDefinition

# The request fields the optimized createTrainingJob integration takes. The Step Functions
# guide's CreateTrainingJob syntax lists the classic fields (AlgorithmSpecification,
# HyperParameters, InputDataConfig, OutputDataConfig, ResourceConfig, RoleArn,
# StoppingCondition, Tags, TrainingJobName, VpcConfig); current Step Functions also passes
# the spot, checkpoint, isolation, encryption, environment and retry fields, which aws-cdk-lib's
# and the Step Functions Data Science SDK's training steps send through it. A field outside
# this list (a newer API field) sends the request through the aws-sdk integration instead.
OPTIMIZED_FIELDS = frozenset(
    {
        "AlgorithmSpecification",
        "HyperParameters",
        "InputDataConfig",
        "OutputDataConfig",
        "ResourceConfig",
        "RoleArn",
        "StoppingCondition",
        "Tags",
        "TrainingJobName",
        "VpcConfig",
        "EnableManagedSpotTraining",
        "CheckpointConfig",
        "EnableNetworkIsolation",
        "EnableInterContainerTrafficEncryption",
        "Environment",
        "RetryStrategy",
    }
)
OPTIMIZED_RESOURCE = "arn:{partition}:states:::sagemaker:createTrainingJob"
SDK_RESOURCE = "arn:{partition}:states:::aws-sdk:sagemaker:createTrainingJob"


@dataclass(frozen=True, kw_only=True)
class TrainingRequest:
    """Everything of a CreateTrainingJob request but its name."""

    definition: TrainingJobDefinition
    tags: Mapping[str, str] | None = None

    def render(self, resources: JobResources) -> dict[str, Any]:
        """The request without ``TrainingJobName``, checked against SageMaker's API model."""
        request = self.definition.render("", resources, tuning=False)
        request.update(render_tags(self.tags))
        validate_request("CreateTrainingJob", {**request, "TrainingJobName.$": "$"})
        return request

    @staticmethod
    def uses_optimized_integration(request: Mapping[str, Any]) -> bool:
        """Whether the optimized integration takes every field; else the aws-sdk integration runs it."""
        return uses_optimized_integration(request, OPTIMIZED_FIELDS)
