"""What the workflows share: the job's resources, the create-and-wait states, a logged and
traced Standard state machine, the execution timeout."""

from __future__ import annotations

import hashlib
import math
import re
import tempfile
from collections.abc import Mapping
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ..api._instance_storage import LOCAL_STORAGE_TYPES
from ..api._request import validate
from ..api._rules import grid_size
from ..asl._definition import to_definition_string
from ..asl._execution_logs import LOG_DELIVERY, TRACING, execution_log_group
from ..asl._job_request import JobKind, create_job_state, job_policy_statements
from ..asl._parameters import (
    SCHEMA_METADATA,
    check_values,
    choice_rules,
    declare,
    fail_states,
    input_schema,
    longest_runs,
    parameters_expression,
    read_from_variable,
    referenced_input_keys,
)
from ..asl._workflow_states import (
    CHECK_INPUT,
    FIND_JOB,
    OPTIMIZED_API_ERRORS,
    RESET_RETRIES,
    SDK_API_ERRORS,
    STARTED_BY,
    catch,
    check_input_states,
    check_prefix,
    default_prefix,
    failure_states,
    find_job_state,
    poll_seconds,
    polling_states,
    retry_states,
)
from ..core._paths import JOB_ROOTS, find, join
from ..core._stack import attribute, environment, remember_stack, stack_of
from ..core._tokens import is_token
from ..errors import ValidationError
from ..iam._grants import ManifestData
from ..iam._job_resources import RequestBody, bind_job_resources
from ..iam._policy import add_statements
from ..iam.role import state_machine_role as new_state_machine_role
from ..props._props import seconds
from ..tasks.describe_task import describe_training_job_statement
from ._reaper import add_job_reaper

# What aws-cdk-lib's StateMachine grants its role for logging (level ALL) and X-Ray tracing
# (Step Functions Developer Guide, "IAM policies for logging to CloudWatch Logs" and "for using
# AWS X-Ray"): none of these actions takes a resource.
_PARTITION, _REGION, _ACCOUNT_ID = cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID
_ONE_YEAR = 365 * 24 * 3600
# Time for SageMaker to start and stop the job and for the workflow's own states.
_MARGIN = 3600


class JobWorkflow(Construct):
    """Base of the workflows: execution role and key of the jobs, the request, the state machine."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        kind: JobKind,
        body: RequestBody,
        integration: StrEnum | str | None,
        integrations: type[StrEnum],
        role: iam.IRole | None,
        encryption_key: kms.IKey | None,
        job_name_prefix: str | None,
        create_state: str,
        result_path: str,
        report: dict[str, Any] | None = None,
        end_states: dict[str, Any] | None = None,
        next_state: str | None = None,
        retried_states: tuple[str, ...] = (),
        find_states: Mapping[str, str] | None = None,
        describes_training_jobs: bool = False,
        polling_interval: cdk.Duration | None,
        timeout: cdk.Duration | None,
        log_retention: logs.RetentionDays,
        state_machine_name: str | None,
        manifest_data: ManifestData | None,
        run_time_parameters: Mapping[str, str] | None = None,
        log_group: logs.ILogGroup | None = None,
        definition_in_s3: bool = False,
    ) -> None:
        if state_machine_name is not None and not isinstance(state_machine_name, str):
            raise ValidationError("state_machine_name", "must be a string", state_machine_name)
        given_period = seconds("polling_interval", polling_interval)  # checked on every path
        if given_period is not None and not 1 <= given_period <= 3600:
            raise ValidationError("polling_interval", "must be between 1 second and 1 hour", given_period)
        super().__init__(scope, id)
        remember_stack(self, stack_of(scope))
        self._name_field = kind.name_field
        limit = kind.max_name_length
        self._name_pattern = kind.name_pattern
        self._max_name_length = limit
        self.job_name_prefix = (
            default_prefix(id, limit) if job_name_prefix is None else check_prefix(job_name_prefix, limit)
        )
        self.resources = bind_job_resources(
            self,
            kind.operation,
            body,
            role=role,
            encryption_key=encryption_key,
            manifest_data=manifest_data,
            run_time_paths=tuple(run_time_parameters.values()) if isinstance(run_time_parameters, Mapping) else (),
        )
        request = self.resources.request
        self.integration = _choose(integration, integrations, request.unsupported_by_optimized_integration())
        optimized = self.integration is next(iter(integrations))
        partition = environment(self)[0]
        name = {f"{kind.name_field}.$": "$jobName"}
        resource = kind.resource(partition, sdk=not optimized, sync=optimized)
        create = create_job_state(kind, request, name, resource=resource)
        self.parameters = (
            []
            if run_time_parameters is None
            else declare(
                kind.operation,
                request.body,
                run_time_parameters,
                valid=partial(validate, kind.operation),
                reserved=(kind.name_field,),
                local_storage=LOCAL_STORAGE_TYPES,
            )
        )
        # Keys the request itself reads from the execution input (JsonPath values): the input may hold them.
        self._read_keys = [k for k in referenced_input_keys(create["Parameters"]) if k != kind.name_field]
        clash = [p.name for p in self.parameters if p.name in self._read_keys]
        if clash:
            raise ValidationError("run_time_parameters", "names an input the request already reads as a JSON path", clash)
        if self.parameters:
            create["Parameters"] = read_from_variable(create["Parameters"], self.parameters)
        states = check_input_states(
            kind.name_field,
            self.job_name_prefix,
            create_state,
            name_pattern=self._name_pattern,
            max_name_length=limit,
            allowed=[*self._read_keys, *(p.name for p in self.parameters)],
            rules=choice_rules(self.parameters),
            parameters=parameters_expression(self.parameters) if self.parameters else None,
        )
        states.update(fail_states(self.parameters))
        runs = longest_runs(request.body, self.parameters)
        timeout_seconds = max(_execution_timeout(timeout, kind.operation, run) for run in runs)
        polling_period, message = poll_seconds(given_period, timeout_seconds)
        if message is not None:
            cdk.Annotations.of(self).add_info(message)
        self._polling_seconds = polling_period
        api_errors = OPTIMIZED_API_ERRORS if optimized else SDK_API_ERRORS
        create.update(Assign=RESET_RETRIES, Catch=catch(create_state, api_errors))
        retried = [create_state, *retried_states, "Describe job", FIND_JOB]
        completed = next_state if next_state is not None else f"Report {kind.title}"
        if optimized and report is not None:
            # The job's description is the result: the report is its ResultSelector, and the
            # execution ends here.
            create.update(ResultSelector=report, End=True)
        elif optimized:
            create.update(ResultPath=result_path, Next=next_state)
        else:
            create.update(ResultPath=None, Next="Wait for job")
        states[create_state] = create
        # The polling loop: the aws-sdk path's way to wait, and on either path the way to wait for a
        # job that a failed create call had created after all (Find job).
        states.update(
            polling_states(
                describe_resource=kind.describe_resource(partition),
                describe_parameters=name,
                status_field=kind.status_field,
                result_path=result_path,
                period_seconds=polling_period,
                completed_next=completed,
                job_kind=kind.action_noun.removeprefix("HyperParameter"),
            )
        )
        states.update(
            find_job_state(
                describe_resource=kind.describe_resource(partition),
                name=name,
                result_path=result_path,
                create_state=create_state,
            )
        )
        if report is not None:
            states[completed] = {"Type": "Pass", "InputPath": result_path, "Parameters": report, "End": True}
        states.update(end_states or {})
        states.update(retry_states(retried, find={create_state: FIND_JOB, **(find_states or {})}))
        states.update(failure_states())
        definition = {
            "Comment": f"Runs a SageMaker {kind.title} ({self.integration.value})",
            "StartAt": CHECK_INPUT,
            "TimeoutSeconds": timeout_seconds,
            "States": states,
        }
        self._statements = job_policy_statements(
            self,
            kind,
            name_pattern=f"{self.job_name_prefix}-*",
            role_arn=self._role_arn,
            sync=optimized,
            sdk=not optimized,
            tagged="Tags" in request.body,
        )
        text, substitutions = to_definition_string(definition, self._placeholder_names())
        # Encrypted, kept and with the construct's managed-policy role: see _execution_logs and role.
        if log_group is not None and attribute(log_group, "log_group_arn") is None:
            raise ValidationError("log_group", "must be a logs.ILogGroup", log_group)
        self.log_group = log_group or execution_log_group(
            self, "ExecutionLogs", key=self.resources.key, retention=log_retention
        )
        self._state_machine_role = new_state_machine_role(self, "StateMachineRole")
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=_definition_body(text, definition_in_s3),
            definition_substitutions=substitutions,
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=self._state_machine_role,
        )
        # Logging and tracing set on the resource, their statements written with the job's: the
        # StateMachine's own grants would call back into Python once a statement (see README,
        # Performance).
        machine = cast(sfn.CfnStateMachine, self.state_machine.node.default_child)
        machine.logging_configuration = sfn.CfnStateMachine.LoggingConfigurationProperty(
            destinations=[
                sfn.CfnStateMachine.LogDestinationProperty(
                    cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                        log_group_arn=attribute(self.log_group, "log_group_arn")
                    )
                )
            ],
            include_execution_data=True,
            level="ALL",
        )
        machine.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True)
        if self.parameters:
            # `constructs-sm schema` reads it from the template.
            machine.add_metadata(SCHEMA_METADATA, self.input_schema)
        self._statements += [LOG_DELIVERY, TRACING]
        if describes_training_jobs:
            self._statements.append(describe_training_job_statement(self, f"{self.job_name_prefix}-*"))
        # Handed over at once: one policy, one acknowledgement call.
        add_statements(self._state_machine_role, self._statements)
        # An aborted or timed-out execution leaves its job running on the aws-sdk path (and after a
        # Find job on either): the stack's job reaper stops it.
        add_job_reaper(self, self.state_machine, kind=kind, prefix=self.job_name_prefix)

    @property
    def input_schema(self) -> dict[str, Any]:
        """The execution input as a JSON Schema: the job name and the run-time parameters."""
        return input_schema(
            self.parameters,
            self._name_field,
            self.job_name_prefix,
            self._name_pattern,
            self._max_name_length,
            self._read_keys,
        )

    def check_input(self, where: str, values: Mapping[str, Any]) -> None:
        """Refuse at synth time an execution input (a schedule's) that the first state would refuse."""
        if not isinstance(values, Mapping):
            raise ValidationError(where, "must be a JSON object", values)
        name = values.get(self._name_field)
        if name is not None and not (
            isinstance(name, str)
            and name.startswith(f"{self.job_name_prefix}-")
            and len(name) <= self._max_name_length
            and re.match(self._name_pattern, name)
        ):
            raise ValidationError(
                f"{where}[{self._name_field!r}]",
                f"must start with '{self.job_name_prefix}-' and match {self._name_pattern}",
                name,
            )
        check_values(where, values, self.parameters, (self._name_field, STARTED_BY, *self._read_keys))

    @property
    def polling_interval(self) -> cdk.Duration:
        """How often the polling loop describes the job (chosen for the history quota unless given)."""
        return cdk.Duration.seconds(self._polling_seconds)

    @property
    def request(self) -> dict[str, Any]:
        """The job's request as the state machine sends it (the job name is set per execution)."""
        return self.resources.request.body

    @property
    def role(self) -> iam.IRole:
        """The SageMaker execution role."""
        return self.resources.role

    @property
    def encryption_key(self) -> kms.IKey:
        """The KMS key of model artifacts and training volumes."""
        return self.resources.key

    @property
    def state_machine_role(self) -> iam.IRole:
        """The role Step Functions assumes to run the workflow."""
        return self._state_machine_role

    @property
    def _role_arn(self) -> str:
        role = self.resources.role
        return str(attribute(role, "role_arn"))

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to start executions of the workflow."""
        return self.state_machine.grant_start_execution(grantee)

    def _placeholder_names(self) -> dict[str, str]:
        """Readable ``${Name}`` placeholders for the tokens a definition holds."""
        names = {
            _PARTITION: "Partition",
            _REGION: "Region",
            _ACCOUNT_ID: "AccountId",
            self._role_arn: "ExecutionRoleArn",
            attribute(self.resources.key, "key_arn"): "KeyArn",
        }
        for root in JOB_ROOTS[self.resources.request.operation]:
            for _path, config in find(self.request, join(root, "VpcConfig")):
                names.update({s: f"Subnet{i}" for i, s in enumerate(config["Subnets"])})
                names.update({g: f"SecurityGroup{i}" for i, g in enumerate(config["SecurityGroupIds"])})
        return names


def _definition_body(text: str, in_s3: bool) -> sfn.DefinitionBody:
    """The definition in the template (cfn-lint checks it), or as an S3 asset: the template then
    holds only its location, about 6 kB less a workflow (CloudFormation's 1 MB)."""
    if in_s3 is False:
        return sfn.DefinitionBody.from_string(text)
    if in_s3 is not True:
        raise ValidationError("definition_in_s3", "must be true or false", in_s3)
    digest = hashlib.sha256(text.encode()).hexdigest()
    path = Path(tempfile.gettempdir()) / "constructs_sm-definitions" / f"{digest}.asl.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sfn.DefinitionBody.from_file(str(path))


def _choose(given: StrEnum | str | None, integrations: type[StrEnum], unsupported: list[str]) -> StrEnum:
    """The optimized integration (the enum's first member) when it takes every field, else the aws-sdk one."""
    optimized, sdk = list(integrations)
    if given is None:
        return sdk if unsupported else optimized
    if given not in {optimized, sdk, optimized.value, sdk.value}:
        raise ValidationError("integration", f"must be {integrations.__name__}.OPTIMIZED or .AWS_SDK", given)
    chosen = integrations(given)
    if chosen is optimized and unsupported:
        raise ValidationError(
            unsupported[0],
            f"is not taken by the optimized integration ({optimized.value}): leave integration unset or use AWS_SDK",
            unsupported,
        )
    return chosen


def _execution_timeout(timeout: cdk.Duration | None, operation: str, request: dict[str, Any]) -> int:
    """The given timeout, else the longest the request's job can run plus a margin; at most a year."""
    given = seconds("timeout", timeout)
    if given is not None:
        if given < 60:
            raise ValidationError("timeout", "must be at least 60 seconds", given)
        if given > _ONE_YEAR:
            raise ValidationError("timeout", f"must be at most {_ONE_YEAR} seconds (one year)", given)
        return given
    return min(longest_run_seconds(operation, request) + _MARGIN, _ONE_YEAR)


def longest_run_seconds(operation: str, request: dict[str, Any]) -> int:
    """The longest the job runs: a training job's every attempt at its longest (its wait time with
    spot training); a tuning job's own MaxRuntimeInSeconds, else its rounds of parallel jobs."""
    if operation == "CreateTrainingJob":
        return _longest_job(request)
    config = request["HyperParameterTuningJobConfig"]
    limits = config["ResourceLimits"]
    if limits.get("MaxRuntimeInSeconds") is not None and not is_token(limits["MaxRuntimeInSeconds"]):
        return int(limits["MaxRuntimeInSeconds"])
    total = limits.get("MaxNumberOfTrainingJobs") or grid_size(request)
    parallel = limits["MaxParallelTrainingJobs"]
    if total is None or is_token(total) or is_token(parallel):
        return _ONE_YEAR
    jobs = [d for root in JOB_ROOTS[operation] for _p, d in find(request, root)]
    return int(math.ceil(total / parallel) * max(_longest_job(d) for d in jobs))


def _longest_job(definition: dict[str, Any]) -> int:
    condition = definition.get("StoppingCondition", {})
    spot = definition.get("EnableManagedSpotTraining") is True
    attempt = condition.get("MaxWaitTimeInSeconds") if spot else None
    attempt = attempt or condition.get("MaxRuntimeInSeconds") or 86400
    retries = definition.get("RetryStrategy", {}).get("MaximumRetryAttempts", 0)
    if is_token(attempt) or is_token(retries):
        return _ONE_YEAR
    return int(attempt) * (1 + int(retries))
