"""What the workflows share: the job's resources, the create-and-wait states, a logged and
traced Standard state machine, the execution timeout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ._checks import check_range
from ._definition import to_definition_string
from ._execution_logs import execution_log_group
from ._job_request import JobKind, job_policy_statements
from ._job_resources import JobResources, TrainingJobDefinitionLike, bind_job_resources
from ._workflow_states import (
    OPTIMIZED_RETRY_ERRORS,
    SDK_RETRY_ERRORS,
    catch,
    check_prefix,
    default_prefix,
    failure_states,
    naming_states,
    polling_states,
    retry,
)
from .role import state_machine_role as new_state_machine_role

_ONE_YEAR = 365 * 24 * 3600
# Time for SageMaker to start and stop the job and for the workflow's own states.
_MARGIN = 3600


@dataclass(frozen=True, kw_only=True)
class JobStates:
    """How a workflow creates its kind of job and waits for it."""

    kind: JobKind
    create_state: str
    """Name of the Task state that creates the job."""
    optimized_resource: str
    """The optimized integration's Resource, without ``.sync``; ``{partition}`` is filled in."""
    sdk_resource: str
    describe_resource: str
    """The aws-sdk Describe call of the polling loop."""
    status_field: str
    result_path: str
    """Where the job's description goes in the state."""
    next_state: str
    """The state after the job completed."""


class JobWorkflow(Construct):
    """Base of the workflows: execution role, key and network of the jobs; the state machine."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        kind: JobKind,
        definitions: Sequence[TrainingJobDefinitionLike],
        role: iam.IRole | None,
        encryption_key: kms.IKey | None,
        job_name_prefix: str | None,
    ) -> None:
        super().__init__(scope, id)
        limit = kind.max_name_length
        self.job_name_prefix = (
            default_prefix(id, limit) if job_name_prefix is None else check_prefix(job_name_prefix, limit)
        )
        self.resources = bind_job_resources(self, definitions=definitions, role=role, encryption_key=encryption_key)

    def _create_workflow(
        self,
        job: JobStates,
        *,
        request: dict[str, Any],
        optimized: bool,
        end_states: dict[str, Any],
        extra_statements: Sequence[iam.PolicyStatement],
        tagged: bool,
        comment: str,
        timeout_seconds: int,
        polling_interval: cdk.Duration | None,
        log_retention: logs.RetentionDays,
        state_machine_name: str | None,
    ) -> None:
        """Name the job, create it and wait for it, then ``end_states``; every failure ends in a Fail state."""
        # A literal partition where the region is known, so cfn-lint can check the Resource ARNs.
        partition = cdk.Stack.of(self).partition
        states = naming_states(job.kind.name_field, self.job_name_prefix, job.create_state)
        states.update(_create_job_states(job, partition, request, optimized, polling_interval))
        states.update(end_states)
        states.update(failure_states())
        definition = {"Comment": comment, "StartAt": "Name job", "TimeoutSeconds": timeout_seconds, "States": states}
        statements = job_policy_statements(
            self,
            job.kind,
            name_pattern=f"{self.job_name_prefix}*",
            role=self.resources.role,
            integration_pattern=sfn.IntegrationPattern.RUN_JOB
            if optimized
            else sfn.IntegrationPattern.REQUEST_RESPONSE,
            tagged=tagged,
        )
        text, substitutions = to_definition_string(definition, placeholder_names(self.resources))
        # Encrypted, kept and with the construct's managed-policy role: see _execution_logs and role (issue 5).
        self.log_group = execution_log_group(self, "ExecutionLogs", key=self.resources.key, retention=log_retention)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_string(text),
            definition_substitutions=substitutions,
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=new_state_machine_role(self, "StateMachineRole"),
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )
        for statement in [*statements, *extra_statements]:
            self.state_machine.add_to_role_policy(statement)

    @property
    def role(self) -> iam.IRole:
        """The SageMaker execution role."""
        return self.resources.role

    @property
    def encryption_key(self) -> kms.IKey:
        """The KMS key of model artifacts and training volumes."""
        assert self.resources.key is not None
        return self.resources.key

    @property
    def state_machine_role(self) -> iam.IRole:
        """The role Step Functions assumes to run the workflow."""
        return self.state_machine.role

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to start executions of the workflow."""
        return self.state_machine.grant_start_execution(grantee)


def _create_job_states(
    job: JobStates, partition: str, request: dict[str, Any], optimized: bool, polling_interval: cdk.Duration | None
) -> dict[str, Any]:
    """Create the job named in ``$.JobName.Name`` and wait for it: with ``.sync``, or with the
    aws-sdk integration and a polling loop."""
    name = {f"{job.kind.name_field}.$": "$.JobName.Name"}
    create: dict[str, Any] = {"Type": "Task", "Parameters": {**name, **request}}
    if optimized:
        create.update(
            Resource=job.optimized_resource.format(partition=partition) + ".sync",
            ResultPath=job.result_path,
            Retry=retry(OPTIMIZED_RETRY_ERRORS),
            Catch=catch(),
            Next=job.next_state,
        )
        return {job.create_state: create}
    period = 60 if polling_interval is None else int(polling_interval.to_seconds())
    check_range("polling_interval", period, 1, 3600)
    create.update(
        Resource=job.sdk_resource.format(partition=partition),
        ResultPath=None,
        Retry=retry(SDK_RETRY_ERRORS),
        Catch=catch(),
        Next="Wait for job",
    )
    return {
        job.create_state: create,
        **polling_states(
            describe_resource=job.describe_resource.format(partition=partition),
            describe_parameters=name,
            status_field=job.status_field,
            result_path=job.result_path,
            period_seconds=period,
            completed_next=job.next_state,
            job_kind=job.kind.action_noun.removeprefix("HyperParameter"),
        ),
    }


def execution_timeout_seconds(timeout: cdk.Duration | None, longest_job_seconds: int) -> int:
    """The given timeout, else the longest the job can take plus a margin; at most a year."""
    if timeout is not None:
        seconds = int(timeout.to_seconds())
        check_range("timeout", seconds, 60, _ONE_YEAR)
        return seconds
    return min(longest_job_seconds + _MARGIN, _ONE_YEAR)


def placeholder_names(resources: JobResources) -> dict[str, str]:
    """Readable ``${Name}`` placeholders for the tokens a definition holds."""
    names = {
        cdk.Aws.PARTITION: "Partition",
        cdk.Aws.REGION: "Region",
        cdk.Aws.ACCOUNT_ID: "AccountId",
        resources.role.role_arn: "ExecutionRoleArn",
    }
    if resources.key is not None:
        names[resources.key.key_arn] = "KeyArn"
    if resources.vpc is not None:
        names.update({s: f"Subnet{i}" for i, s in enumerate(resources.vpc.subnet_ids)})
        names.update({g.security_group_id: f"SecurityGroup{i}" for i, g in enumerate(resources.vpc.security_groups)})
    return names
