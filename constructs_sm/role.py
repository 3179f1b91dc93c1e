"""The IAM role SageMaker assumes to run training jobs."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._arns import arn
from ._nag import acknowledge_statement

# SageMaker writes training logs and metrics here ("CreateTrainingJob API: Execution Role
# Permissions", SageMaker developer guide).
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_METRIC_NAMESPACE = "/aws/sagemaker/TrainingJobs"


# A customer managed policy holds at most 6,144 characters (IAM quotas); the budget leaves room for
# the values CloudFormation substitutes for Ref and GetAtt.
_POLICY_BUDGET = 4500


class ManagedPolicyRole(iam.Role):
    """A role whose statements go into customer managed policies, not an inline policy.

    NIST 800-53 rev 5 (cdk-nag ``IAMNoInlinePolicy``) asks for managed policies. Statements are
    packed into as many policies as their size needs. The wildcards AWS documents (actions
    without resource-level permissions, names generated at run time under a declared prefix)
    are acknowledged for cdk-nag on the policy that holds them, with the reason.
    """

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        policies: list[tuple[iam.ManagedPolicy, int]] = self.__dict__.setdefault("_managed_policies", [])
        added: set[str] = self.__dict__.setdefault("_added_statements", set())
        resolved = _resolved(cdk.Stack.of(self), statement)
        text = json.dumps(resolved, separators=(",", ":"), sort_keys=True)
        if text in added:
            # The role holds this statement already (e.g. two workflows share the role).
            return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=policies[-1][0])
        added.add(text)
        if not policies or policies[-1][1] + len(text) > _POLICY_BUDGET:
            policy_id = "Policy" if not policies else f"Policy{len(policies) + 1}"
            policies.append((iam.ManagedPolicy(self, policy_id, roles=[self]), 0))
        policy, used = policies[-1]
        policies[-1] = (policy, used + len(text))
        policy.add_statements(statement)
        acknowledge_statement(policy, resolved)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=policy)

    @property
    def managed_policies(self) -> list[iam.ManagedPolicy]:
        """The policies created for the role's statements."""
        return [p for p, _ in self.__dict__.get("_managed_policies", [])]


def _resolved(stack: cdk.Stack, statement: iam.PolicyStatement) -> Any:
    """The statement as CloudFormation will see it, resolved once per stack: the same statement
    (logging, tracing, metrics) recurs on every workflow's roles."""
    raw = statement.to_statement_json()
    cache: dict[str, Any] = stack.__dict__.setdefault("_constructs_sm_resolved_statements", {})
    key = json.dumps(raw, sort_keys=True)
    if key not in cache:
        cache[key] = stack.resolve(raw)
    return cache[key]


def state_machine_role(scope: Construct, id: str) -> ManagedPolicyRole:
    """The role Step Functions assumes, with the trust conditions aws-cdk-lib's StateMachine gives its own.

    ``aws:SourceArn`` and ``aws:SourceAccount`` keep other accounts' state machines from using it
    (IAM User Guide, "The confused deputy problem").
    """
    stack = cdk.Stack.of(scope)
    return ManagedPolicyRole(
        scope,
        id,
        assumed_by=iam.ServicePrincipal(
            "states.amazonaws.com",
            conditions={
                "ArnLike": {"aws:SourceArn": arn(scope, "states", "stateMachine:*")},
                "StringEquals": {"aws:SourceAccount": stack.account},
            },
        ),
    )


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
                    "StringEquals": {"aws:SourceAccount": cdk.Stack.of(scope).account},
                    "ArnLike": {"aws:SourceArn": arn(scope, "sagemaker", "*")},
                },
            ),
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
