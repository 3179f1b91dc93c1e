"""A Task state whose JSON is rendered in Python.

aws-cdk-lib keeps ``TaskStateBase._renderTask`` internal to TypeScript, so a Python
subclass renders the whole state in ``to_state_json`` from the protected helpers
that ``TaskStateBase`` itself uses.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, TypedDict, Unpack

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ..api._request import check_name, render_parameters
from ..asl._job_request import JobKind, choose_integration, create_job_state, job_policy_statements
from ..core._arns import partition
from ..core._tokens import execution_path
from ..errors import ValidationError
from ..iam._grants import ManifestData
from ..iam._job_resources import bind_job_resources
from ..props._props import removal_policy
from ..props._request_body import RequestBody


class JobTaskOptions(TypedDict, total=False):
    """What both job tasks take beside their job: the job's role and key, and the Task state's props."""

    role: iam.IRole
    """The SageMaker execution role. @default - a new :class:`SageMakerExecutionRole`"""
    encryption_key: kms.IKey
    """Encrypts artifacts and volumes. @default - a new key with rotation, retained"""
    manifest_data: ManifestData
    """Per manifest channel, the S3 locations its manifest lists (required for ``ManifestFile``
    and ``AugmentedManifestFile`` channels). @default - none"""
    integration_pattern: sfn.IntegrationPattern
    """RUN_JOB (``.sync``: wait until the job ends) or REQUEST_RESPONSE. @default RUN_JOB"""
    comment: str
    """@default - none"""
    input_path: str
    """@default - ``$``"""
    output_path: str
    """@default - ``$``"""
    result_path: str
    """@default - ``$``, the job's description replaces the state's input"""
    result_selector: dict[str, Any]
    """@default - none"""
    task_timeout: cdk.Duration
    """The Task state's ``TimeoutSeconds``. @default - none"""
    removal_policy: cdk.RemovalPolicy
    """What ``cdk destroy`` does to the KMS key the task creates (when no ``encryption_key`` is
    given). @default RemovalPolicy.RETAIN"""


_TASK_OPTIONS = frozenset(JobTaskOptions.__annotations__)


class PythonTaskState(sfn.TaskStateBase):
    """Base of this library's tasks; subclasses implement :meth:`_task_json` and ``_task_policies``."""

    SUPPORTED_INTEGRATION_PATTERNS: tuple[sfn.IntegrationPattern, ...] = (
        sfn.IntegrationPattern.REQUEST_RESPONSE,
        sfn.IntegrationPattern.RUN_JOB,
    )

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        integration_pattern: sfn.IntegrationPattern,
        comment: str | None,
        input_path: str | None,
        output_path: str | None,
        result_path: str | None,
        result_selector: dict[str, Any] | None,
        task_timeout: cdk.Duration | None,
    ) -> None:
        if integration_pattern not in self.SUPPORTED_INTEGRATION_PATTERNS:
            supported = ", ".join(p.name for p in self.SUPPORTED_INTEGRATION_PATTERNS)
            raise ValidationError(
                "integration_pattern", f"must be one of {supported} for {type(self).__name__}", integration_pattern
            )
        super().__init__(
            scope,
            id,
            comment=comment,
            input_path=input_path,
            output_path=output_path,
            result_path=result_path,
            result_selector=result_selector,
            integration_pattern=integration_pattern,
        )
        self.integration_pattern = integration_pattern
        base: dict[str, Any] = {
            "Type": "Task",
            "Comment": comment,
            "TimeoutSeconds": None if task_timeout is None else int(task_timeout.to_seconds()),
            "InputPath": input_path,
            "OutputPath": output_path,
        }
        self._base = {k: v for k, v in base.items() if v is not None}
        if result_path is not None:
            # JsonPath.DISCARD renders as a JSON null: the state's input passes through unchanged.
            self._base["ResultPath"] = None if result_path == sfn.JsonPath.DISCARD else result_path

    @property
    def _task_metrics(self) -> sfn.TaskMetricsConfig | None:
        return None

    @abstractmethod
    def _task_json(self) -> dict[str, Any]:
        """``Resource`` and ``Parameters`` of the state."""

    def to_state_json(self, top_level_query_language: sfn.QueryLanguage | None = None) -> dict[str, Any]:
        return {
            **self._render_next_end(),
            **self._render_retry_catch(top_level_query_language),
            **self._base,
            **self._render_result_selector(),
            **self._task_json(),
        }


class JobTask(PythonTaskState):
    """Base of the tasks that create a SageMaker job: the job's resources, its create state (the
    workflows render theirs with the same :func:`create_job_state` and integration chooser) and
    the state machine role's policy."""

    def __init__(
        self, scope: Construct, id: str, *, kind: JobKind, name: str, body: RequestBody, **options: Unpack[JobTaskOptions]
    ) -> None:
        unknown = sorted(set(options) - _TASK_OPTIONS)
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments: {', '.join(unknown)}")
        super().__init__(
            scope,
            id,
            integration_pattern=options.get("integration_pattern", sfn.IntegrationPattern.RUN_JOB),
            comment=options.get("comment"),
            input_path=options.get("input_path"),
            output_path=options.get("output_path"),
            result_path=options.get("result_path"),
            result_selector=options.get("result_selector"),
            task_timeout=options.get("task_timeout"),
        )
        self._bind_request(
            kind,
            name=name,
            body=body,
            role=options.get("role"),
            encryption_key=options.get("encryption_key"),
            manifest_data=options.get("manifest_data"),
            removal_policy=removal_policy("removal_policy", options.get("removal_policy")),
        )

    def _bind_request(
        self,
        kind: JobKind,
        *,
        name: str,
        body: RequestBody,
        role: iam.IRole | None,
        encryption_key: kms.IKey | None,
        manifest_data: ManifestData | None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """Create the job's resources, then set the Parameters (the job's name first) and the
        state machine role's policy."""
        path = execution_path(name)
        if path is None:
            check_name(kind.operation, name)
        self.resources = bind_job_resources(
            self,
            kind.operation,
            body,
            role=role,
            encryption_key=encryption_key,
            manifest_data=manifest_data,
            removal_policy=removal_policy,
        )
        sync = self.integration_pattern == sfn.IntegrationPattern.RUN_JOB
        unsupported = self.resources.request.unsupported_by_optimized_integration()
        if sync:
            # RUN_JOB waits through .sync: a task has no polling loop to fall back to.
            choose_integration(kind, next(iter(kind.integrations)), unsupported, fallback=False)
        self._state = create_job_state(
            kind,
            self.resources.request,
            render_parameters({kind.name_field: name}),
            resource=kind.resource(partition(self), sdk=bool(unsupported), sync=sync),
        )
        statements = job_policy_statements(
            self,
            kind,
            name_pattern="*" if path is not None else name.lower(),
            role_arn=self.resources.role.role_arn,
            sync=sync,
            sdk=bool(unsupported),
            tagged="Tags" in self.resources.request.body,
        )
        self._policies = [iam.PolicyStatement.from_json(s) for s in statements]

    @property
    def role(self) -> iam.IRole:
        """The SageMaker execution role."""
        return self.resources.role

    @property
    def _task_policies(self) -> list[iam.PolicyStatement]:
        return self._policies

    def _task_json(self) -> dict[str, Any]:
        return {"Resource": self._state["Resource"], "Parameters": self._state["Parameters"]}
