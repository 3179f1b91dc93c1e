"""A Step Functions task that calls DescribeTrainingJob (through the aws-sdk integration)."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct, IConstruct

from ..api._request import check_name
from ..asl._job_request import TRAINING_JOB, describe_training_job_state, job_arn
from ..core._arns import partition
from ..core._tokens import execution_path
from ..iam._policy import Statement, statement
from ._task_state import PythonTaskState


class SageMakerDescribeTrainingJob(PythonTaskState):
    """Read a training job's status, artifacts, hyperparameters and final metrics.

    Step Functions has no optimized integration for DescribeTrainingJob, so this task
    uses ``aws-sdk:sagemaker:describeTrainingJob``; its result is the API's response.
    """

    SUPPORTED_INTEGRATION_PATTERNS: tuple[sfn.IntegrationPattern, ...] = (sfn.IntegrationPattern.REQUEST_RESPONSE,)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        training_job_name: str,
        training_job_name_prefix: str | None = None,
        comment: str | None = None,
        input_path: str | None = None,
        output_path: str | None = None,
        result_path: str | None = None,
        result_selector: dict[str, Any] | None = None,
    ) -> None:
        """
        :param training_job_name: the job's name, or a JSONPath to read it from the state input.
        :param training_job_name_prefix: with a JSONPath name, the prefix every name has, which
            scopes the IAM permission. @default - any training job of the account and region
        """
        super().__init__(
            scope,
            id,
            integration_pattern=sfn.IntegrationPattern.REQUEST_RESPONSE,
            comment=comment,
            input_path=input_path,
            output_path=output_path,
            result_path=result_path,
            result_selector=result_selector,
            task_timeout=None,
        )
        path = execution_path(training_job_name)
        if path is not None:
            self.parameters: dict[str, str] = {"TrainingJobName.$": path}
            pattern = f"{training_job_name_prefix.lower()}*" if training_job_name_prefix else "*"
        else:
            check_name("CreateTrainingJob", training_job_name)
            self.parameters = {"TrainingJobName": training_job_name}
            pattern = training_job_name.lower()
        self._policies = [iam.PolicyStatement.from_json(describe_training_job_statement(self, pattern))]

    @property
    def _task_policies(self) -> list[iam.PolicyStatement]:
        return self._policies

    def _task_json(self) -> dict[str, Any]:
        state = describe_training_job_state(partition(self), self.parameters)
        return {"Resource": state["Resource"], "Parameters": state["Parameters"]}


def describe_training_job_statement(scope: IConstruct, name_pattern: str) -> Statement:
    guide = "Step Functions Developer Guide, 'IAM policies for Amazon SageMaker'"
    return statement(
        ["sagemaker:DescribeTrainingJob"],
        [job_arn(scope, TRAINING_JOB, name_pattern)],
        reason=f"Step Functions reads the training job through the aws-sdk integration ({guide})",
        # A pattern with no fixed prefix ("*": any training job) has no documented reason.
        wildcard="training jobs whose names start with the job name prefix (SageMaker names a tuning job's "
        f"training jobs after it); the rest of the name is generated per execution ({guide})"
        if name_pattern.rstrip("*")
        else None,
    )
