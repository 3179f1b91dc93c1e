"""ModelRegistration: the best training job of a tuning workflow as a SageMaker model and a model
package version in the Model Registry, pending manual approval."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from ..api import _model
from ..api._integration import task_resource
from ..api._request import TUNING, JobRequest, render_parameters
from ..asl._workflow_states import RESET_RETRIES, SDK_API_ERRORS, TRANSIENT, catch
from ..core._arns import arn
from ..core._paths import JOB_ROOTS, find, join
from ..core._stack import stack_of
from ..core._tokens import execution_path, is_token
from ..errors import ValidationError
from ..iam._grants import grant_model_artifacts
from ..iam._policy import Statement, add_statements, statement
from ..props._props import removal_policy as checked_removal_policy
from ..props.training_job_definition import TrainingJobDefinition

if TYPE_CHECKING:  # imported where a group is created: a workflow without registration does not load it
    from aws_cdk import aws_sagemaker as sagemaker

CREATE_MODEL = "Create model"
FIND_MODEL = "Find model"
REGISTER_MODEL = "Register model"
STATES = (CREATE_MODEL, REGISTER_MODEL, FIND_MODEL)
FIND = {CREATE_MODEL: FIND_MODEL}
"""A retried Create model first looks for the model: SageMaker may have created it although the call failed."""
# DescribeModel of a missing model: ValidationException 'Could not find model "<arn>".' (the API
# Reference lists no error for DescribeModel; the message as SageMaker and moto write it).
_MODEL_NOT_FOUND = "Could not find model*"
"""The states registration adds after "Describe best training job", in order."""
BEST_JOB = "$bestJob"
"""The workflow variable that holds DescribeTrainingJob of the best training job."""
PENDING_MANUAL_APPROVAL = "PendingManualApproval"
METADATA = ("HyperParameterTuningJobName", "TrainingJobName", "ObjectiveMetricName", "ObjectiveMetricValue")
"""The keys of the model package's ``CustomerMetadataProperties``."""

_OBJECTIVE = "$tuningJob.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric"
_OBJECTIVE_PATHS = (
    "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective",
    "TrainingJobDefinitions[].TuningObjective",
)
# Values known only at execution time, for checking the rest of the request against the model.
_STAND_INS: dict[str, Any] = {
    "Image": "stand-in",
    "ModelDataUrl": "s3://stand-in/model.tar.gz",
    "ClientToken": "stand-in",
    "GeneratedBy": "arn:aws:states:us-east-1:000000000000:execution:stand-in:stand-in",
    "metadata": "stand-in",
}


@dataclass(frozen=True, kw_only=True)
class ModelRegistration:
    """Register the best training job of a :class:`TuningWorkflow` as a new model package version.

    After the tuning job, the workflow creates a SageMaker model (``CreateModel``) named after the
    best training job, with its image, its model artifacts, the workflow's execution role and the
    training job's VPC and network isolation, and registers it (``CreateModelPackage``) in a model
    package group with ``ModelApprovalStatus`` ``PendingManualApproval``: a person approves it in
    SageMaker Studio or with ``UpdateModelPackage``. The package's ``CustomerMetadataProperties``
    hold the tuning job's and the training job's names and the objective metric's name and final
    value; its ``MetadataProperties.GeneratedBy`` is the execution's ARN.

    Without ``model_package_group_name`` the stack creates the group. CloudFormation has no default
    for its name (``ModelPackageGroupName`` is required), so it is named after the stack and the
    workflow (:func:`group_name_for`): stages of one app do not collide, and a group that
    ``cdk destroy`` kept is named again with ``model_package_group_name``.
    """

    model_package_group_name: str | None = None
    """An existing model package group, by name or ARN (``ModelPackageGroupName``): the stack creates
    none and never deletes it. Name a group kept by an earlier deployment (``cdk destroy`` keeps the
    group it created) to register in it again.
    @default - a new group, named after the stack and the workflow's path (unique per stack and
    workflow, the same at every synth), e.g. ``prodchurnstack-hardenedtuning-1a2b3c4d``"""
    removal_policy: cdk.RemovalPolicy | None = None
    """What happens to the group the workflow creates when the stack is deleted or the group
    replaced (``DeletionPolicy``, ``UpdateReplacePolicy``). The default keeps it, with its model
    versions, except when the deployment that created it rolls back: then the new, empty group goes
    too, and deploying again does not collide with it. ``RETAIN`` keeps it even then. ``DESTROY``
    deletes it with the stack, but SageMaker deletes only an empty group: once a version is
    registered, the stack's deletion fails until the versions are deleted.
    @default - the workflow's ``removal_policy`` if given, else RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE"""
    supported_content_types: Sequence[str] = ("text/csv",)
    """Input MIME types the model accepts (``InferenceSpecification.SupportedContentTypes``).
    @default ["text/csv"]"""
    supported_response_mime_types: Sequence[str] = ("text/csv",)
    """Output MIME types the model returns (``InferenceSpecification.SupportedResponseMIMETypes``).
    @default ["text/csv"]"""
    inference_instance_types: Sequence[str] | None = None
    """Instance types for real-time inference, e.g. ``["ml.m5.large"]``
    (``InferenceSpecification.SupportedRealtimeInferenceInstanceTypes``). @default - none listed"""
    transform_instance_types: Sequence[str] | None = None
    """Instance types for batch transform (``InferenceSpecification.SupportedTransformInstanceTypes``).
    @default - none listed"""
    description: str | None = None
    """The model package version's description (``ModelPackageDescription``).
    @default - "Best training job <name> of hyperparameter tuning job <name>\""""


@jsii.implements(cdk.IStableStringProducer)
class _GeneratedName:
    """The created group's name: the states are rendered before the workflow exists, the name is
    known once it does (:func:`bind_registration`); the states hold a token resolved at synth."""

    def __init__(self) -> None:
        self.value: str | None = None

    def produce(self) -> str | None:
        return self.value


@dataclass(frozen=True)
class Registration:
    """A checked :class:`ModelRegistration`, with what the workflow's states and policies need."""

    group_name: str
    """The group's name (from an ARN, its last part), or a CDK token (a created group's until bound)."""
    group_arn: str | None
    """The group's ARN when it was given as one (another account's group)."""
    removal_policy: cdk.RemovalPolicy | None
    """The created group's removal policy; None when the group is given (the workflow creates none)."""
    inference_specification: dict[str, Any]
    description: str | None
    vpc: bool
    network_isolation: bool
    generated: _GeneratedName | None = dataclasses.field(default=None, compare=False, repr=False)
    """Where a created group's name goes once known (None for a given group)."""

    @property
    def created(self) -> bool:
        """Whether the workflow creates the group."""
        return self.generated is not None

    def states(self, partition: str, *, output: Mapping[str, Any]) -> dict[str, Any]:
        """The "Create model" and "Register model" states; the latter ends the execution with ``output`` and
        the two ARNs. Both read the best training job from ``$bestJob``."""
        model: dict[str, Any] = {
            "ModelName.$": f"{BEST_JOB}.TrainingJobName",
            "PrimaryContainer": _container(),
            # The role the best training job ran with: the workflow's execution role.
            "ExecutionRoleArn.$": f"{BEST_JOB}.RoleArn",
        }
        if self.vpc:
            model["VpcConfig.$"] = f"{BEST_JOB}.VpcConfig"
        if self.network_isolation:
            model["EnableNetworkIsolation"] = True
        return {
            CREATE_MODEL: {
                "Type": "Task",
                "Resource": task_resource(partition, "CreateModel"),
                "Parameters": model,
                "ResultPath": None,
                "Assign": {**RESET_RETRIES, "modelArn.$": "$.ModelArn"},
                "Catch": catch(CREATE_MODEL, SDK_API_ERRORS),
                "Next": REGISTER_MODEL,
            },
            FIND_MODEL: {
                "Type": "Task",
                "Resource": task_resource(partition, "DescribeModel"),
                "Parameters": {"ModelName.$": f"{BEST_JOB}.TrainingJobName"},
                "ResultPath": None,
                "Assign": {**RESET_RETRIES, "modelArn.$": "$.ModelArn"},
                "Catch": [{**catch(FIND_MODEL, SDK_API_ERRORS)[0], "Next": "Model not found"}, catch(FIND_MODEL, [])[1]],
                "Next": REGISTER_MODEL,
            },
            "Model not found": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Error.Cause", "StringMatches": _MODEL_NOT_FOUND, "Next": CREATE_MODEL}],
                "Default": TRANSIENT,
            },
            REGISTER_MODEL: {
                "Type": "Task",
                "Resource": task_resource(partition, "CreateModelPackage"),
                "Parameters": self._package(),
                "ResultSelector": {**output, "ModelArn.$": "$modelArn", "ModelPackageArn.$": "$.ModelPackageArn"},
                "Catch": catch(REGISTER_MODEL, SDK_API_ERRORS),
                "End": True,
            },
        }

    def _package(self) -> dict[str, Any]:
        """CreateModelPackage's Parameters."""
        description = (
            render_parameters({"ModelPackageDescription": self.description})
            if self.description is not None
            else {
                "ModelPackageDescription.$": "States.Format('Best training job {} of hyperparameter tuning job {}', "
                f"{BEST_JOB}.TrainingJobName, $tuningJob.HyperParameterTuningJobName)"
            }
        )
        return {
            "ModelPackageGroupName": self.group_arn or self.group_name,
            **description,
            "ModelApprovalStatus": PENDING_MANUAL_APPROVAL,
            # A retried call after a lost response registers no second version (one per tuning job).
            "ClientToken.$": "$tuningJob.HyperParameterTuningJobName",
            "InferenceSpecification": {"Containers": [_container()], **self.inference_specification},
            "MetadataProperties": {"GeneratedBy.$": "$$.Execution.Id"},
            "CustomerMetadataProperties": {
                "HyperParameterTuningJobName.$": "$tuningJob.HyperParameterTuningJobName",
                "TrainingJobName.$": f"{BEST_JOB}.TrainingJobName",
                "ObjectiveMetricName.$": f"{_OBJECTIVE}.MetricName",
                "ObjectiveMetricValue.$": f"States.Format('{{}}', {_OBJECTIVE}.Value)",
            },
        }

    def statements(self, scope: IConstruct, prefix: str) -> list[Statement]:
        """The state machine role's: CreateModel on the models named after the best training jobs,
        CreateModelPackage on the group and its versions (Service Authorization Reference, Amazon
        SageMaker AI). iam:PassRole of the execution role is granted with the job's."""
        # SageMaker writes names in ARNs in lowercase and IAM compares case-sensitively: a name
        # given with capitals is granted in both forms.
        names = [self.group_name] if is_token(self.group_name) else [self.group_name, self.group_name.lower()]
        if self.group_arn is None:
            groups = [arn(scope, "sagemaker", f"model-package-group/{name}") for name in names]
            versions = [arn(scope, "sagemaker", f"model-package/{name}/*") for name in names]
        else:  # another account's or region's group
            head = self.group_arn.partition(":model-package-group/")[0]
            groups = [f"{head}:model-package-group/{name}" for name in names]
            versions = [f"{head}:model-package/{name}/*" for name in names]
        reference = "Service Authorization Reference, Amazon SageMaker AI"
        register = "SageMaker Developer Guide, 'Register a Model Version'"
        return [
            # DescribeModel: a retried CreateModel first looks for the model (Find model).
            statement(
                ["sagemaker:CreateModel", "sagemaker:DescribeModel"],
                [arn(scope, "sagemaker", f"model/{prefix}-*")],
                reason=f"The workflow creates the best training job's model, looked up before a retried create ({reference})",
                wildcard="models named at run time after the best training job, under the job name prefix "
                f"({reference})",
            ),
            statement(
                ["sagemaker:CreateModelPackage"],
                list(dict.fromkeys(groups + versions)),
                reason=f"The workflow registers the model as a version of the model package group ({register})",
                wildcard=f"the versions SageMaker numbers in the one model package group ({reference}; {register})",
            ),
        ]


def _container() -> dict[str, str]:
    return {
        "Image.$": f"{BEST_JOB}.AlgorithmSpecification.TrainingImage",
        "ModelDataUrl.$": f"{BEST_JOB}.ModelArtifacts.S3ModelArtifacts",
    }


def check_registration(
    registration: ModelRegistration,
    *,
    definitions: Sequence[TrainingJobDefinition | Mapping[str, Any] | None],
    prefix: str | None = None,
    inherited_removal_policy: cdk.RemovalPolicy | None = None,
) -> Registration:
    """Check ``registration`` against botocore's CreateModelPackage model. ``definitions`` are the
    tuning job's training job definitions (typed, or the request's dicts): the model takes their
    VPC and network isolation. ``prefix`` (the job name prefix) is not used: a created group is
    named after the stack and the workflow (:func:`group_name_for`), which two stages do not share."""
    if not isinstance(registration, ModelRegistration):
        raise ValidationError("model_registration", "must be a ModelRegistration", registration)
    given = registration.model_package_group_name
    removal_policy = _removal_policy(registration.removal_policy, given, inherited_removal_policy)
    generated = None
    if given is None:
        generated = _GeneratedName()
        name = cdk.Lazy.string(generated)
    else:
        name = given
    group_arn = None
    if given is not None and (not isinstance(given, str) or execution_path(given) is not None):
        raise ValidationError("ModelPackageGroupName", "must be a string known at synth time (it scopes IAM)", given)
    if given is not None and given.startswith("arn:"):
        name, group_arn = given.partition(":model-package-group/")[2], given
        if not name or "/" in name:
            raise ValidationError(
                "ModelPackageGroupName", "must be a group name or ARN (arn:...:model-package-group/<name>)", given
            )
    specification = {
        field: listed
        for field, value in (
            ("SupportedContentTypes", registration.supported_content_types),
            ("SupportedResponseMIMETypes", registration.supported_response_mime_types),
            ("SupportedRealtimeInferenceInstanceTypes", registration.inference_instance_types),
            ("SupportedTransformInstanceTypes", registration.transform_instance_types),
        )
        if (listed := _strings(join("InferenceSpecification", field), value))
    }
    render_parameters(specification, "InferenceSpecification")  # refuses execution-time paths in lists
    description = registration.description
    if description is not None and not isinstance(description, str):
        raise ValidationError("ModelPackageDescription", "must be a string", description)
    # The request SageMaker receives, its execution-time values replaced by stand-ins.
    literal = (
        {}
        if description is None or execution_path(description) is not None
        else {"ModelPackageDescription": description}
    )
    _model.validate(
        "CreateModelPackage",
        {
            # A created group's name is checked once generated (bind_registration).
            "ModelPackageGroupName": name if given is None else given,
            **literal,
            "ModelApprovalStatus": PENDING_MANUAL_APPROVAL,
            "ClientToken": _STAND_INS["ClientToken"],
            "InferenceSpecification": {
                "Containers": [{"Image": _STAND_INS["Image"], "ModelDataUrl": _STAND_INS["ModelDataUrl"]}],
                **specification,
            },
            "MetadataProperties": {"GeneratedBy": _STAND_INS["GeneratedBy"]},
            "CustomerMetadataProperties": dict.fromkeys(METADATA, _STAND_INS["metadata"]),
        },
    )
    vpc, isolation = _network(definitions)
    return Registration(
        group_name=name,
        group_arn=group_arn,
        removal_policy=removal_policy,
        inference_specification=specification,
        description=description,
        vpc=vpc,
        network_isolation=isolation,
        generated=generated,
    )


def _removal_policy(policy: Any, given: str | None, inherited: cdk.RemovalPolicy | None) -> cdk.RemovalPolicy | None:
    """The created group's removal policy: its own, else the workflow's, else RETAIN_ON_UPDATE_OR_DELETE
    (CloudFormation's RetainExceptOnCreate, User Guide "DeletionPolicy attribute"); None for a given group."""
    if given is not None:
        if policy is not None:
            raise ValidationError(
                "removal_policy",
                "applies to the group the workflow creates; a group named by model_package_group_name "
                "is not the stack's to delete",
                policy,
            )
        return None
    return (
        checked_removal_policy("removal_policy", policy)
        or inherited
        or cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
    )


def group_name_for(workflow: IConstruct) -> str:
    """The name of the group a workflow creates: ``cdk.Names.unique_resource_name`` of the workflow
    (its stack's name, its path in the stack and a hash of both), in lowercase, within
    CreateModelPackageGroup's length for ``ModelPackageGroupName``.

    Unique per stack and workflow, so two stages (two stacks) never share it, and the same at every
    synth, so that a group kept by ``cdk destroy`` can be named again (``model_package_group_name``).
    Lowercase: SageMaker writes names in ARNs in lowercase and IAM compares them case-sensitively.
    """
    member = _model.input_shape("CreateModelPackageGroup").members["ModelPackageGroupName"]
    name = cdk.Names.unique_resource_name(workflow, separator="-", max_length=member.metadata["max"]).lower()
    _model.validate_member("CreateModelPackageGroup", "ModelPackageGroupName", name)
    return name


def _strings(at: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(at, "must be a list of strings, not one string", value)
    return list(value)


def _network(definitions: Sequence[TrainingJobDefinition | Mapping[str, Any] | None]) -> tuple[bool, bool]:
    """Whether the training jobs run in a VPC and with network isolation, as the model will:
    every definition must agree (the best training job may come from any of them)."""
    found = set()
    for definition in definitions:
        if isinstance(definition, TrainingJobDefinition):
            found.add((definition.vpc_config is not None, definition.enable_network_isolation is True))
        elif isinstance(definition, Mapping):
            found.add(("VpcConfig" in definition, definition.get("EnableNetworkIsolation") is True))
    if len(found) > 1:
        raise ValidationError(
            "TrainingJobDefinitions",
            "must agree on VpcConfig and EnableNetworkIsolation with model registration (the model "
            "takes those of the best training job)",
            [{"VpcConfig": vpc, "EnableNetworkIsolation": isolation} for vpc, isolation in sorted(found)],
        )
    return next(iter(found), (False, False))


def check_request(request: dict[str, Any]) -> None:
    """What the bound request must hold for registration: an image (not an algorithm resource) in
    every definition, and objective metric names that CustomerMetadataProperties can hold."""
    for root in JOB_ROOTS[TUNING]:
        for path, specification in find(request, join(root, "AlgorithmSpecification")):
            if "TrainingImage" not in specification:
                raise ValidationError(
                    join(path, "TrainingImage"),
                    "is required with model registration: the model runs the best training job's image",
                    None,
                )
    for pattern in _OBJECTIVE_PATHS:
        for path, objective in find(request, pattern):
            metric = objective.get("MetricName")
            if not isinstance(metric, str) or is_token(metric):
                continue
            try:
                _model.validate_member(
                    "CreateModelPackage", "CustomerMetadataProperties", {"ObjectiveMetricName": metric}
                )
            except ValidationError as error:
                raise ValidationError(
                    join(path, "MetricName"),
                    f"is recorded in the model package's CustomerMetadataProperties, whose values {error.rule}",
                    metric,
                ) from None


def bind_registration(
    workflow: Construct,
    registration: Registration,
    *,
    prefix: str,
    state_machine_role: iam.IRole,
    execution_role: iam.IRole,
    request: JobRequest,
    state_machine: IConstruct,
) -> sagemaker.CfnModelPackageGroup | None:
    """The group (when the workflow creates it) and the grants: the state machine role may create
    the model and the package version; the execution role, which the model runs with, may read
    the model artifacts (SageMaker Developer Guide, "CreateModel API: Execution Role Permissions")."""
    check_request(request.body)
    group = None
    if registration.generated is not None and registration.removal_policy is not None:
        name = group_name_for(workflow)
        registration.generated.value = name
        registration = dataclasses.replace(registration, group_name=name)
        stack = stack_of(workflow)
        from aws_cdk import aws_sagemaker as sagemaker

        group = sagemaker.CfnModelPackageGroup(
            workflow,
            "ModelPackageGroup",
            model_package_group_name=name,
            # Create-only, like the name (a change replaces the group, which a named group cannot
            # be): it says only what the name is made of, so that the two change together.
            model_package_group_description=(
                f"The best training jobs of the tuning workflow {workflow.node.path[len(stack.node.path) + 1 :]} "
                f"of stack {stack.stack_name}"
            ),
        )
        group.apply_removal_policy(registration.removal_policy)
        state_machine.node.add_dependency(group)
    statements = registration.statements(workflow, prefix)
    add_statements(state_machine_role, statements)
    grant_model_artifacts(execution_role, request)
    return group
