"""cdk-nag acknowledgements the constructs ship for the wildcards AWS documents, and only those.

cdk-nag (3.x) reads acknowledgements from construct metadata (``Validations.of(scope).acknowledge``).
Each one here is attached to the policy resource that holds the statement, with the reason and the
documentation it follows. A wildcard that matches none of the documented cases below is left alone,
so cdk-nag reports it.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from constructs import IConstruct

IAM5 = "AwsSolutions::AwsSolutions-IAM5"

# Actions that take no resource-level permission, so their statements need "Resource": "*".
_NO_RESOURCE_LEVEL: dict[str, str] = {
    "cloudwatch:PutMetricData": "Service Authorization Reference, Amazon CloudWatch (limited by cloudwatch:namespace)",
    "ecr:GetAuthorizationToken": "Service Authorization Reference, Amazon ECR; ECR User Guide, private registry auth",
    "ec2:DescribeDhcpOptions": "Service Authorization Reference, Amazon EC2 (Describe* take no resource)",
    "ec2:DescribeNetworkInterfaces": "Service Authorization Reference, Amazon EC2 (Describe* take no resource)",
    "ec2:DescribeSecurityGroups": "Service Authorization Reference, Amazon EC2 (Describe* take no resource)",
    "ec2:DescribeSubnets": "Service Authorization Reference, Amazon EC2 (Describe* take no resource)",
    "ec2:DescribeVpcs": "Service Authorization Reference, Amazon EC2 (Describe* take no resource)",
    # Added by aws-cdk-lib's StateMachine for logging and tracing.
    "logs:CreateLogDelivery": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "logs:GetLogDelivery": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "logs:UpdateLogDelivery": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "logs:DeleteLogDelivery": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "logs:ListLogDeliveries": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "logs:PutResourcePolicy": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "logs:DescribeResourcePolicies": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "logs:DescribeLogGroups": "Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs'",
    "xray:PutTraceSegments": "Step Functions Developer Guide, 'IAM policies for using AWS X-Ray'",
    "xray:PutTelemetryRecords": "Step Functions Developer Guide, 'IAM policies for using AWS X-Ray'",
    "xray:GetSamplingRules": "Step Functions Developer Guide, 'IAM policies for using AWS X-Ray'",
    "xray:GetSamplingTargets": "Step Functions Developer Guide, 'IAM policies for using AWS X-Ray'",
}

_ARN = r"arn:(aws[a-z-]*|<AWS::Partition>)"
_REGION_ACCOUNT = r"([a-z0-9-]+|<AWS::Region>):(\d{12}|<AWS::AccountId>)"
_BUCKET = r"([a-z0-9][a-z0-9.\-]*[a-z0-9]|<[\w.]+>)"
# Wildcards inside an ARN whose fixed part names exactly what the construct declared.
_SCOPED: list[tuple[re.Pattern[str], frozenset[str], str]] = [
    (
        re.compile(_ARN + r":s3:::" + _BUCKET + r"/[^*]*\*"),
        frozenset({"s3:GetObject", "s3:PutObject"}),
        "Objects under the declared key prefix of one bucket: SageMaker reads and writes keys chosen at "
        "run time (SageMaker Developer Guide, 'CreateTrainingJob API: Execution Role Permissions')",
    ),
    (
        re.compile(_ARN + r":logs:" + _REGION_ACCOUNT + r":log-group:/aws/sagemaker/TrainingJobs:log-stream:\*"),
        frozenset({"logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}),
        "Log streams of SageMaker's training log group, named by SageMaker per job and instance "
        "(SageMaker Developer Guide, 'CreateTrainingJob API: Execution Role Permissions')",
    ),
    (
        re.compile(_ARN + r":ec2:" + _REGION_ACCOUNT + r":network-interface/\*"),
        frozenset(
            {
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            }
        ),
        "Network interfaces SageMaker creates at run time, so their IDs are unknown; limited to the "
        "job's subnets and security groups, or by the ec2:Vpc condition (SageMaker Developer Guide, "
        "'Give SageMaker Training Jobs Access to Resources in Your Amazon VPC')",
    ),
    (
        re.compile(_ARN + r":ec2:" + _REGION_ACCOUNT + r":security-group/\*"),
        frozenset({"ec2:CreateNetworkInterface"}),
        "Security groups of the job's VPC only (ec2:Vpc condition): one statement serves every workflow "
        "in the VPC, each with its own group (SageMaker Developer Guide, 'Give SageMaker Training Jobs "
        "Access to Resources in Your Amazon VPC')",
    ),
    (
        re.compile(_ARN + r":sagemaker:" + _REGION_ACCOUNT + r":(model/[a-z0-9-]+|model-package/[A-Za-z0-9-]+/)\*"),
        frozenset({"sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:CreateModelPackage"}),
        "Models named at run time after the best training job, under the job name prefix (looked up before a "
        "failed create is sent again), and the versions "
        "SageMaker numbers in the one model package group (Service Authorization Reference, Amazon SageMaker "
        "AI; SageMaker Developer Guide, 'Register a Model Version')",
    ),
    (
        re.compile(
            _ARN + r":sagemaker:" + _REGION_ACCOUNT + r":(hyper-parameter-tuning-job|training-job)/[a-z0-9-]+\*"
        ),
        frozenset(
            {
                "sagemaker:AddTags",
                "sagemaker:CreateHyperParameterTuningJob",
                "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeHyperParameterTuningJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:ListTags",
                "sagemaker:StopHyperParameterTuningJob",
                "sagemaker:StopTrainingJob",
            }
        ),
        "Jobs whose names start with the workflow's job name prefix; the rest of the name is generated "
        "per execution (Step Functions Developer Guide, 'IAM policies for Amazon SageMaker')",
    ),
]


def documented_wildcard_actions() -> frozenset[str]:
    """The actions the constructs may grant on ``"Resource": "*"``."""
    return frozenset(_NO_RESOURCE_LEVEL)


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """One acknowledgement on ``scope`` (and what it contains)."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def wildcard_reason(resource: str, actions: set[str]) -> str | None:
    """Why a wildcard resource (as cdk-nag flattens it) is what AWS documents, or None."""
    if resource == "*":
        if not actions or not actions <= set(_NO_RESOURCE_LEVEL):
            return None
        docs = sorted({_NO_RESOURCE_LEVEL[a] for a in actions})
        return f"{', '.join(sorted(actions))}: no resource-level permissions ({'; '.join(docs)})"
    for pattern, allowed, reason in _SCOPED:
        if pattern.fullmatch(resource) and actions <= allowed:
            return reason
    return None

