"""The IAM role SageMaker assumes to run training jobs."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ..core._arns import arn
from ..core._stack import attribute, cached, environment, remember_stack, stack_of
from ._policy import ManagedPolicyRole, add_statements, statement

# SageMaker writes training logs and metrics here ("CreateTrainingJob API: Execution Role
# Permissions", SageMaker developer guide).
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_METRIC_NAMESPACE = "/aws/sagemaker/TrainingJobs"
_EXECUTION_ROLE = "SageMaker Developer Guide, 'CreateTrainingJob API: Execution Role Permissions'"


def state_machine_role(scope: Construct, id: str) -> ManagedPolicyRole:
    """The role Step Functions assumes, with the trust conditions aws-cdk-lib's StateMachine gives its own.

    ``aws:SourceArn`` and ``aws:SourceAccount`` keep other accounts' state machines from using it
    (IAM User Guide, "The confused deputy problem").
    """
    stack = stack_of(scope)
    # The same principal for every state machine role of the stack: created once (a principal is a value).
    principal = cached(
        stack,
        "states_principal",
        lambda: iam.ServicePrincipal(
            "states.amazonaws.com",
            conditions={
                "ArnLike": {"aws:SourceArn": arn(scope, "states", "stateMachine:*")},
                "StringEquals": {"aws:SourceAccount": environment(scope)[2]},
            },
        ),
    )
    role = ManagedPolicyRole(scope, id, assumed_by=principal)
    remember_stack(role, stack)
    return role


class SageMakerExecutionRole(ManagedPolicyRole):
    """A role for ``sagemaker.amazonaws.com`` that may write training logs and metrics.

    Access to data, images, keys and networks is added by the workflows for exactly the
    locations their training job definitions name.
    """

    def __init__(self, scope: Construct, id: str, *, description: str | None = None) -> None:
        # aws:SourceAccount and aws:SourceArn keep SageMaker from assuming the role for another
        # account's jobs (SageMaker Developer Guide, "Cross-service confused deputy prevention").
        super().__init__(
            scope,
            id,
            assumed_by=iam.ServicePrincipal(
                "sagemaker.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": environment(scope)[2]},
                    "ArnLike": {"aws:SourceArn": arn(scope, "sagemaker", "*")},
                },
            ),
            description=description or "Execution role of SageMaker training jobs",
        )
        remember_stack(self, stack_of(scope))
        log_group = arn(self, "logs", f"log-group:{TRAINING_LOG_GROUP}")
        actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
        self.add_statements(
            [
                statement(
                    actions,
                    [log_group, f"{log_group}:log-stream:*"],
                    reason=f"SageMaker writes the jobs' logs ({_EXECUTION_ROLE})",
                    wildcard="log streams of SageMaker's training log group, named by SageMaker per job and "
                    f"instance ({_EXECUTION_ROLE})",
                    sid="WriteTrainingLogs",
                ),
                # cloudwatch:PutMetricData has no resource-level permissions; the namespace condition limits it.
                statement(
                    ["cloudwatch:PutMetricData"],
                    ["*"],
                    {"StringEquals": {"cloudwatch:namespace": TRAINING_METRIC_NAMESPACE}},
                    reason=f"SageMaker publishes the jobs' metrics, in its namespace only ({_EXECUTION_ROLE})",
                    wildcard="no resource-level permissions (Service Authorization Reference, Amazon CloudWatch; "
                    "limited by cloudwatch:namespace)",
                    sid="PutTrainingMetrics",
                ),
            ]
        )


def grant_key_use(key: kms.IKey, grantee: iam.IRole) -> None:
    """What SageMaker needs of the key: encrypt artifacts, decrypt inputs, grant volume encryption.

    kms:CreateGrant is limited to grants for AWS resources (the training volumes). The key policy
    of a key of this app trusts the account, so the role's own policy is enough (aws-cdk-lib's
    ``Key.grant`` does the same).
    """
    key_arn = attribute(key, "key_arn")
    add_statements(
        grantee,
        [
            statement(
                ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                [key_arn],
                reason=f"SageMaker encrypts the job's artifacts and volumes and decrypts its inputs with the key ({_EXECUTION_ROLE})",
            ),
            statement(
                ["kms:CreateGrant"],
                [key_arn],
                {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                reason=f"SageMaker lets the training volumes use the key, for AWS resources only ({_EXECUTION_ROLE})",
            ),
        ],
    )
