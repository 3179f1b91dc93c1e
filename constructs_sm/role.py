"""The IAM role SageMaker assumes to run training jobs."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._arns import arn

# SageMaker writes training logs and metrics here ("CreateTrainingJob API: Execution Role
# Permissions", SageMaker developer guide).
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_METRIC_NAMESPACE = "/aws/sagemaker/TrainingJobs"


class SageMakerExecutionRole(iam.Role):
    """A role for ``sagemaker.amazonaws.com`` that may write training logs and metrics.

    Access to data, images, keys and networks is added by the workflows for exactly the
    locations their training job definitions name.
    """

    def __init__(self, scope: Construct, id: str, *, description: str | None = None) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=description or "Execution role of SageMaker training jobs",
        )
        log_group = arn(self, "logs", f"log-group:{TRAINING_LOG_GROUP}")
        self.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteTrainingLogs",
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                resources=[log_group, f"{log_group}:log-stream:*"],
            )
        )
        # cloudwatch:PutMetricData has no resource-level permissions; the namespace condition limits it.
        self.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PutTrainingMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": TRAINING_METRIC_NAMESPACE}},
            )
        )


def grant_key_use(key: kms.IKey, grantee: iam.IGrantable) -> None:
    """What SageMaker needs of the key: encrypt artifacts, decrypt inputs, grant volume encryption.

    kms:CreateGrant is limited to grants for AWS resources (the training volumes).
    """
    key.grant(grantee, "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["kms:CreateGrant"],
            resources=[key.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
    )
