"""The state machine's execution log group: retention set, kept on delete, encrypted with KMS."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..core._arns import arn
from ..core._stack import cached, environment
from ..iam._policy import statement
from ..iam.encryption_key import artifact_key

# What a state machine with logging and tracing needs (aws-cdk-lib's StateMachine grants the same).
LOG_DELIVERY = statement(
    [
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    ],
    ["*"],
    reason="Step Functions delivers the execution logs to CloudWatch Logs (Step Functions Developer Guide, "
    "'IAM policies for logging to CloudWatch Logs')",
    wildcard="no resource-level permissions (Step Functions Developer Guide, 'IAM policies for logging to "
    "CloudWatch Logs')",
)
TRACING = statement(
    ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
    ["*"],
    reason="Step Functions sends X-Ray traces of the executions (Step Functions Developer Guide, "
    "'IAM policies for using AWS X-Ray')",
    wildcard="no resource-level permissions (Step Functions Developer Guide, 'IAM policies for using AWS X-Ray')",
)


def execution_log_group(
    scope: Construct,
    id: str,
    *,
    key: kms.IKey,
    retention: logs.RetentionDays,
    removal_policy: cdk.RemovalPolicy | None = None,
) -> logs.LogGroup:
    """A log group encrypted with ``key`` when its key policy can be extended, else with a new key.

    Execution data (inputs, outputs, SageMaker's failure reasons) is logged, so it is encrypted
    like the artifacts. CloudWatch Logs needs the key policy statement of "Encrypt log data in
    CloudWatch Logs using AWS KMS" (CloudWatch Logs User Guide); a key imported into the app
    cannot take it, and a new key with rotation on is created for the logs instead.
    """
    if not cached(key, "takes_log_statement", lambda: key.add_to_resource_policy(_statement(scope)).statement_added):
        key = artifact_key(
            scope,
            f"{id}Key",
            description="Encrypts the execution logs of a constructs_sm workflow (the given key's policy "
            "cannot take the CloudWatch Logs statement)",
            removal_policy=removal_policy,
        )
        key.add_to_resource_policy(_statement(scope))
    return logs.LogGroup(
        scope, id, retention=retention, removal_policy=removal_policy or cdk.RemovalPolicy.RETAIN, encryption_key=key
    )


def _statement(scope: Construct) -> iam.PolicyStatement:
    """The key policy statement of "Encrypt log data in CloudWatch Logs using AWS KMS"; a key
    shared by many workflows takes it once."""
    return iam.PolicyStatement(
        sid="CloudWatchLogsEncryptsExecutionLogs",
        principals=[iam.ServicePrincipal(f"logs.{environment(scope)[1]}.amazonaws.com")],
        actions=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"],
        resources=["*"],  # in a key policy, "*" is the key itself
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": arn(scope, "logs", "log-group:*")}},
    )
