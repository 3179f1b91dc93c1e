"""Build workflows from API request JSON: the current API, the HPO preview API and its boto3 form,
and CreateTrainingJob.

The request is checked against SageMaker's API model first (errors name the JSON path),
then read into the library's typed props, so an imported request gets the same
validation, IAM scoping, encryption and naming as one written in Python. A field the typed
props cannot represent is rejected by name, never dropped. The constructs own four things
and replace them: the role ARN (unless ``use_request_role``), the KMS key IDs, and the job
name, which becomes the prefix of the unique per-execution names (lowercased, at most 19
characters for a tuning job, 50 for a training job).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from . import _preview
from ._api_model import validate_request
from ._checks import is_unresolved
from ._job_request import TRAINING_JOB, TUNING_JOB
from ._workflow_states import _SUFFIX_LENGTH
from .algorithm import (
    AlgorithmSpecification,
    InputMode,
    MetricDefinition,
    TrainingImage,
    TrainingImageConfig,
    TrainingRepositoryAccessMode,
)
from .channels import (
    Channel,
    CompressionType,
    FileSystemAccessMode,
    FileSystemDataSource,
    FileSystemType,
    RecordWrapperType,
    S3DataDistributionType,
    S3DataSource,
    S3DataType,
)
from .errors import ValidationError
from .network import VpcConfig
from .resources import (
    AllocationStrategy,
    HyperParameterTuningInstanceConfig,
    HyperParameterTuningResourceConfig,
    InstanceGroup,
    ResourceConfig,
    StoppingCondition,
)
from .s3_location import S3Location
from .training_job_definition import (
    CheckpointConfig,
    OutputCompressionType,
    OutputDataConfig,
    RetryStrategy,
    TrainingJobDefinition,
)
from .training_workflow import TrainingIntegration, TrainingWorkflow
from .tuning_config import (
    AutoParameter,
    BestObjectiveNotImproving,
    CategoricalParameterRange,
    CompleteOnConvergence,
    ContinuousParameterRange,
    ConvergenceDetected,
    EarlyStoppingType,
    HyperbandStrategyConfig,
    HyperParameterTuningJobConfig,
    IntegerParameterRange,
    ObjectiveType,
    ParameterRange,
    ResourceLimits,
    ScalingType,
    Strategy,
    TuningJobCompletionCriteria,
    TuningObjective,
    WarmStartConfig,
    WarmStartType,
)
from .tuning_workflow import TuningWorkflow

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)
_RANGE_KINDS = ("ContinuousParameterRanges", "IntegerParameterRanges", "CategoricalParameterRanges", "AutoParameters")
_PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/owned-by-constructs-sm"
# The generated names add "-" and 12 hex digits to the prefix.
_TUNING_PREFIX_LENGTH = TUNING_JOB.max_name_length - _SUFFIX_LENGTH
_TRAINING_PREFIX_LENGTH = TRAINING_JOB.max_name_length - _SUFFIX_LENGTH


class RequestShape(StrEnum):
    """The forms of request :func:`tuning_workflow_from_request` and
    :func:`training_workflow_from_request` read."""

    CREATE_HYPER_PARAMETER_TUNING_JOB = "CreateHyperParameterTuningJob"
    """The current SageMaker API."""
    CREATE_TUNING_JOB = "CreateTuningJob"
    """The HPO preview API (sagemakerhpo 2017-11-08)."""
    CREATE_TUNING_JOB_BOTO3 = "create_tuning_job"
    """The preview API's boto3 keyword arguments, as a JSON object."""
    CREATE_TRAINING_JOB = "CreateTrainingJob"
    """SageMaker's CreateTrainingJob: a :class:`TrainingWorkflow`."""


def detect_request_shape(request: Mapping[str, Any]) -> RequestShape:
    """The shape of a request, from its top-level fields."""
    if not isinstance(request, Mapping):
        raise ValidationError("request", "must be a JSON object", request)
    if {"TrainingJobName", "AlgorithmSpecification"} & set(request):
        return RequestShape.CREATE_TRAINING_JOB
    if _preview.is_preview(dict(request)):
        return RequestShape.CREATE_TUNING_JOB
    return RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB


def to_current_request(
    request: Mapping[str, Any], *, shape: RequestShape | None = None, account: str | None = None
) -> dict[str, Any]:
    """The request in the current API's shape, checked against SageMaker's API model.

    A CreateTrainingJob request is checked as it is; the tuning shapes become a
    CreateHyperParameterTuningJob request.
    """
    shape = shape or detect_request_shape(request)
    current = copy.deepcopy(dict(request))
    if shape in (RequestShape.CREATE_TUNING_JOB, RequestShape.CREATE_TUNING_JOB_BOTO3):
        current = _preview.translate(current, account=account)
    # The owned fields may be left out of a request: stand-ins let the model check the rest.
    checked = copy.deepcopy(current)
    if shape is RequestShape.CREATE_TRAINING_JOB:
        checked.setdefault("TrainingJobName", "imported")
        checked.setdefault("RoleArn", _PLACEHOLDER_ROLE)
        validate_request("CreateTrainingJob", checked)
        return current
    checked.setdefault("HyperParameterTuningJobName", "imported")
    for definition in [checked.get("TrainingJobDefinition"), *(checked.get("TrainingJobDefinitions") or [])]:
        if isinstance(definition, dict):
            definition.setdefault("RoleArn", _PLACEHOLDER_ROLE)
    validate_request("CreateHyperParameterTuningJob", checked)
    return current


def tuning_workflow_from_request(
    scope: Construct,
    id: str,
    request: Mapping[str, Any],
    *,
    shape: RequestShape | None = None,
    use_request_role: bool = False,
    role: iam.IRole | None = None,
    encryption_key: kms.IKey | None = None,
    vpc: ec2.IVpc | None = None,
    polling_interval: cdk.Duration | None = None,
    timeout: cdk.Duration | None = None,
) -> TuningWorkflow:
    """A :class:`TuningWorkflow` that runs a tuning ``request``.

    :param shape: the request's form. @default - detected from its fields
    :param use_request_role: use the request's ``RoleArn`` as an existing role (it must already
        have the permissions the job needs) instead of a generated, least-privilege one. @default false
    :param role: an existing execution role. @default - generated, or the request's with ``use_request_role``
    :param encryption_key: replaces the request's KMS key IDs. @default - a new key with rotation
    :param vpc: the VPC of the request's ``VpcConfig`` subnets; required when it has one.
    """
    shape = _expect_shape(request, shape, training=False)
    stack = cdk.Stack.of(scope)
    account = None if is_unresolved(stack.account) else stack.account
    current = to_current_request(request, shape=shape, account=account)
    props = _Reader(scope, id, vpc).tuning(current)
    if use_request_role:
        single = current.get("TrainingJobDefinition")
        if single is not None:
            arns = {"TrainingJobDefinition.RoleArn": single.get("RoleArn")}
        else:
            several = current.get("TrainingJobDefinitions") or []
            arns = {f"TrainingJobDefinitions[{i}].RoleArn": d.get("RoleArn") for i, d in enumerate(several)}
        role = _request_role(scope, id, role, arns)
    return TuningWorkflow(
        scope,
        id,
        role=role,
        encryption_key=encryption_key,
        polling_interval=polling_interval,
        timeout=timeout,
        **props,
    )


def training_workflow_from_request(
    scope: Construct,
    id: str,
    request: Mapping[str, Any],
    *,
    use_request_role: bool = False,
    role: iam.IRole | None = None,
    encryption_key: kms.IKey | None = None,
    vpc: ec2.IVpc | None = None,
    integration: TrainingIntegration | None = None,
    polling_interval: cdk.Duration | None = None,
    timeout: cdk.Duration | None = None,
) -> TrainingWorkflow:
    """A :class:`TrainingWorkflow` that runs a CreateTrainingJob ``request``.

    The request's ``TrainingJobName`` becomes the prefix of the per-execution job names
    (lowercased, at most 50 characters); its ``HyperParameters`` are the definition's
    ``static_hyper_parameters``.

    :param use_request_role: use the request's ``RoleArn`` as an existing role (it must already
        have the permissions the job needs) instead of a generated, least-privilege one. @default false
    :param role: an existing execution role. @default - generated, or the request's with ``use_request_role``
    :param encryption_key: replaces the request's KMS key IDs. @default - a new key with rotation
    :param vpc: the VPC of the request's ``VpcConfig`` subnets; required when it has one.
    :param integration: force the aws-sdk integration. @default - the optimized ``.sync``
        integration when it takes every field of the request
    """
    shape = _expect_shape(request, RequestShape.CREATE_TRAINING_JOB, training=True)
    current = to_current_request(request, shape=shape)
    props = _Reader(scope, id, vpc).training(current)
    if use_request_role:
        role = _request_role(scope, id, role, {"RoleArn": current.get("RoleArn")})
    return TrainingWorkflow(
        scope,
        id,
        role=role,
        encryption_key=encryption_key,
        integration=integration,
        polling_interval=polling_interval,
        timeout=timeout,
        **props,
    )


def job_name_prefix(name: str, *, max_length: int = _TUNING_PREFIX_LENGTH) -> str:
    """The request's job name as the prefix of per-execution names: lowercased, at most
    ``max_length`` characters (19 for a tuning job, 50 for a training job)."""
    return name.lower()[:max_length].rstrip("-")


def _expect_shape(request: Mapping[str, Any], shape: RequestShape | None, *, training: bool) -> RequestShape:
    """The request's shape, which must be a training shape for a TrainingWorkflow and a tuning one otherwise."""
    detected = detect_request_shape(request)
    if training and detected is not RequestShape.CREATE_TRAINING_JOB:
        raise ValidationError(
            "request",
            f"is a {detected.value} request, not CreateTrainingJob (no top-level TrainingJobName or "
            "AlgorithmSpecification): build it with tuning_workflow_from_request",
            sorted(request),
        )
    if not training and RequestShape.CREATE_TRAINING_JOB in (detected, shape):
        raise ValidationError(
            "request",
            "is a CreateTrainingJob request (top-level TrainingJobName or AlgorithmSpecification): "
            "build it with training_workflow_from_request",
            sorted(request),
        )
    return shape or detected


def _request_role(scope: Construct, id: str, role: iam.IRole | None, arns: dict[str, Any]) -> iam.IRole:
    """The request's ``RoleArn`` as an existing role; several definitions must name the same one."""
    if role is not None:
        raise ValidationError("role", "must not be given with use_request_role", role)
    for path, arn in arns.items():
        if arn is None:
            raise ValidationError(path, "is required with use_request_role", None)
    distinct = sorted(set(arns.values()))
    if len(distinct) != 1:
        raise ValidationError(
            next(reversed(arns)), "must be the same role as the other definitions' with use_request_role", distinct
        )
    return iam.Role.from_role_arn(scope, f"{id}RequestRole", distinct[0], mutable=False)


class _Reader:
    """Reads each API structure into typed props, one method per structure.

    A field no method takes is an error, never dropped: :meth:`_Fields.done` names it.
    """

    def __init__(self, scope: Construct, id: str, vpc: ec2.IVpc | None) -> None:
        self.scope = scope
        self.id = id
        self.vpc = vpc
        self._vpc_config: VpcConfig | None = None

    # Requests

    def tuning(self, request: dict[str, Any]) -> dict[str, Any]:
        with _Fields(request, "") as fields:
            name = fields.optional("HyperParameterTuningJobName")
            _check_one_network(fields.value.get("TrainingJobDefinitions") or [])
            several = fields.read("TrainingJobDefinitions", _each(self.definition))
            props = {
                "job_name_prefix": None if name is None else job_name_prefix(name),
                "hyper_parameter_tuning_job_config": fields.read_required("HyperParameterTuningJobConfig", self.config),
                "training_job_definition": fields.read("TrainingJobDefinition", self.definition),
                "training_job_definitions": several or (),
                "warm_start_config": fields.read("WarmStartConfig", self.warm_start),
                "tags": _tags(fields),
                "autotune": bool(fields.read("Autotune", self.autotune)),
            }
            return props

    def training(self, request: dict[str, Any]) -> dict[str, Any]:
        with _Fields(request, "") as fields:
            name = fields.optional("TrainingJobName")
            return {
                "job_name_prefix": None if name is None else job_name_prefix(name, max_length=_TRAINING_PREFIX_LENGTH),
                "tags": _tags(fields),
                "training_job_definition": self.definition_fields(fields, hyper_parameters="HyperParameters"),
            }

    # HyperParameterTuningJobConfig

    def config(self, config: dict[str, Any], path: str) -> HyperParameterTuningJobConfig:
        with _Fields(config, path) as fields:
            return HyperParameterTuningJobConfig(
                strategy=Strategy(fields.required("Strategy")),
                objective=fields.read("HyperParameterTuningJobObjective", self.objective),
                resource_limits=fields.read_required("ResourceLimits", self.resource_limits),
                parameter_ranges=fields.read("ParameterRanges", self.ranges) or (),
                training_job_early_stopping_type=fields.enum("TrainingJobEarlyStoppingType", EarlyStoppingType),
                strategy_config=fields.read("StrategyConfig", self.strategy_config),
                tuning_job_completion_criteria=fields.read("TuningJobCompletionCriteria", self.completion_criteria),
                random_seed=fields.optional("RandomSeed"),
            )

    def objective(self, objective: dict[str, Any], path: str) -> TuningObjective:
        with _Fields(objective, path) as fields:
            return TuningObjective(
                metric_name=fields.required("MetricName"), type=ObjectiveType(fields.required("Type"))
            )

    def resource_limits(self, limits: dict[str, Any], path: str) -> ResourceLimits:
        with _Fields(limits, path) as fields:
            return ResourceLimits(
                max_parallel_training_jobs=fields.required("MaxParallelTrainingJobs"),
                max_number_of_training_jobs=fields.optional("MaxNumberOfTrainingJobs"),
                max_runtime=_seconds(fields.optional("MaxRuntimeInSeconds")),
            )

    def ranges(self, ranges: dict[str, Any], path: str) -> list[ParameterRange]:
        with _Fields(ranges, path) as fields:
            return [
                self.parameter_range(key, item, f"{path}.{key}[{index}]")
                for key in _RANGE_KINDS
                for index, item in enumerate(fields.optional(key) or [])
            ]

    def parameter_range(self, key: str, item: dict[str, Any], path: str) -> ParameterRange:
        with _Fields(item, path) as fields:
            name = fields.required("Name")
            if key == "CategoricalParameterRanges":
                return CategoricalParameterRange(name=name, values=list(fields.required("Values")))
            if key == "AutoParameters":
                return AutoParameter(name=name, value_hint=fields.required("ValueHint"))
            scaling_type = fields.enum("ScalingType", ScalingType)
            if key == "IntegerParameterRanges":
                return IntegerParameterRange(
                    name=name,
                    min_value=fields.read_required("MinValue", _parse_integer),
                    max_value=fields.read_required("MaxValue", _parse_integer),
                    scaling_type=scaling_type,
                )
            return ContinuousParameterRange(
                name=name,
                min_value=fields.read_required("MinValue", _parse_number),
                max_value=fields.read_required("MaxValue", _parse_number),
                scaling_type=scaling_type,
            )

    def strategy_config(self, config: dict[str, Any], path: str) -> HyperbandStrategyConfig:
        with _Fields(config, path) as fields:
            return fields.read_required("HyperbandStrategyConfig", self.hyperband)

    def hyperband(self, config: dict[str, Any], path: str) -> HyperbandStrategyConfig:
        with _Fields(config, path) as fields:
            return HyperbandStrategyConfig(
                min_resource=fields.optional("MinResource"), max_resource=fields.optional("MaxResource")
            )

    def completion_criteria(self, criteria: dict[str, Any], path: str) -> TuningJobCompletionCriteria:
        with _Fields(criteria, path) as fields:
            return TuningJobCompletionCriteria(
                target_objective_metric_value=fields.optional("TargetObjectiveMetricValue"),
                best_objective_not_improving=fields.read("BestObjectiveNotImproving", self.not_improving),
                convergence_detected=fields.read("ConvergenceDetected", self.convergence),
            )

    def not_improving(self, criterion: dict[str, Any], path: str) -> BestObjectiveNotImproving:
        with _Fields(criterion, path) as fields:
            return BestObjectiveNotImproving(
                max_number_of_training_jobs_not_improving=fields.required("MaxNumberOfTrainingJobsNotImproving")
            )

    def convergence(self, criterion: dict[str, Any], path: str) -> ConvergenceDetected:
        with _Fields(criterion, path) as fields:
            complete = fields.enum("CompleteOnConvergence", CompleteOnConvergence)
            return ConvergenceDetected() if complete is None else ConvergenceDetected(complete_on_convergence=complete)

    def warm_start(self, warm: dict[str, Any], path: str) -> WarmStartConfig:
        with _Fields(warm, path) as fields:
            return WarmStartConfig(
                parent_tuning_job_names=fields.read_required("ParentHyperParameterTuningJobs", _each(self.parent_name)),
                warm_start_type=WarmStartType(fields.required("WarmStartType")),
            )

    def parent_name(self, parent: dict[str, Any], path: str) -> str:
        with _Fields(parent, path) as fields:
            name: str = fields.required("HyperParameterTuningJobName")
            return name

    def autotune(self, autotune: dict[str, Any], path: str) -> bool:
        with _Fields(autotune, path) as fields:
            mode = fields.required("Mode")
        if mode != "Enabled":
            raise ValidationError(f"{path}.Mode", "must be 'Enabled'", mode)
        return True

    # The training job: a tuning definition, or the fields of a CreateTrainingJob request

    def definition(self, definition: dict[str, Any], path: str) -> TrainingJobDefinition:
        with _Fields(definition, path) as fields:
            return self.definition_fields(fields, hyper_parameters="StaticHyperParameters")

    def definition_fields(self, fields: _Fields, *, hyper_parameters: str) -> TrainingJobDefinition:
        """The fields a tuning definition and a CreateTrainingJob request share, read from ``fields``."""
        fields.owned("RoleArn")
        return TrainingJobDefinition(
            definition_name=fields.optional("DefinitionName"),
            tuning_objective=fields.read("TuningObjective", self.objective),
            hyper_parameter_ranges=fields.read("HyperParameterRanges", self.ranges) or (),
            algorithm_specification=fields.read_required("AlgorithmSpecification", self.algorithm),
            input_data_config=fields.read_required("InputDataConfig", _each(self.channel)),
            output_data_config=fields.read_required("OutputDataConfig", self.output),
            resource_config=fields.read("ResourceConfig", self.resource_config),
            hyper_parameter_tuning_resource_config=fields.read(
                "HyperParameterTuningResourceConfig", self.tuning_resource_config
            ),
            stopping_condition=fields.read_required("StoppingCondition", self.stopping_condition),
            static_hyper_parameters=fields.optional(hyper_parameters) or {},
            vpc_config=fields.read("VpcConfig", self.vpc_config),
            enable_network_isolation=bool(fields.optional("EnableNetworkIsolation")),
            enable_inter_container_traffic_encryption=bool(fields.optional("EnableInterContainerTrafficEncryption")),
            enable_managed_spot_training=bool(fields.optional("EnableManagedSpotTraining")),
            checkpoint_config=fields.read("CheckpointConfig", self.checkpoint),
            retry_strategy=fields.read("RetryStrategy", self.retry_strategy),
            environment=fields.optional("Environment") or {},
        )

    def algorithm(self, spec: dict[str, Any], path: str) -> AlgorithmSpecification:
        with _Fields(spec, path) as fields:
            image = fields.optional("TrainingImage")
            return AlgorithmSpecification(
                training_image=None if image is None else TrainingImage.from_registry(image),
                algorithm_name=fields.optional("AlgorithmName"),
                training_input_mode=InputMode(fields.required("TrainingInputMode")),
                metric_definitions=fields.read("MetricDefinitions", _each(self.metric_definition)) or (),
                enable_sagemaker_metrics_time_series=bool(fields.optional("EnableSageMakerMetricsTimeSeries")),
                container_entrypoint=fields.optional("ContainerEntrypoint") or (),
                container_arguments=fields.optional("ContainerArguments") or (),
                training_image_config=fields.read("TrainingImageConfig", self.training_image_config),
            )

    def metric_definition(self, metric: dict[str, Any], path: str) -> MetricDefinition:
        with _Fields(metric, path) as fields:
            return MetricDefinition(name=fields.required("Name"), regex=fields.required("Regex"))

    def training_image_config(self, config: dict[str, Any], path: str) -> TrainingImageConfig:
        with _Fields(config, path) as fields:
            return TrainingImageConfig(
                training_repository_access_mode=TrainingRepositoryAccessMode(
                    fields.required("TrainingRepositoryAccessMode")
                ),
                credentials_provider=fields.read("TrainingRepositoryAuthConfig", self.credentials_provider),
            )

    def credentials_provider(self, auth: dict[str, Any], path: str) -> lambda_.IFunction:
        with _Fields(auth, path) as fields:
            arn = fields.required("TrainingRepositoryCredentialsProviderArn")
            return lambda_.Function.from_function_arn(self.scope, f"{self.id}CredentialsProvider", arn)

    def channel(self, channel: dict[str, Any], path: str) -> Channel:
        with _Fields(channel, path) as fields:
            return Channel(
                channel_name=fields.required("ChannelName"),
                data_source=fields.read_required("DataSource", self.data_source),
                content_type=fields.optional("ContentType"),
                compression_type=fields.enum("CompressionType", CompressionType),
                record_wrapper_type=fields.enum("RecordWrapperType", RecordWrapperType),
                input_mode=fields.enum("InputMode", InputMode),
                shuffle_seed=fields.read("ShuffleConfig", self.shuffle_seed),
            )

    def shuffle_seed(self, shuffle: dict[str, Any], path: str) -> int:
        with _Fields(shuffle, path) as fields:
            seed: int = fields.required("Seed")
            return seed

    def data_source(self, source: dict[str, Any], path: str) -> S3DataSource | FileSystemDataSource:
        with _Fields(source, path) as fields:
            s3 = fields.read("S3DataSource", self.s3_data_source)
            file_system = fields.read("FileSystemDataSource", self.file_system_data_source)
        if s3 is not None and file_system is None:
            return s3
        if file_system is not None and s3 is None:
            return file_system
        raise ValidationError(path, "needs exactly one of S3DataSource or FileSystemDataSource", sorted(source))

    def s3_data_source(self, source: dict[str, Any], path: str) -> S3DataSource:
        with _Fields(source, path) as fields:
            distribution = fields.enum("S3DataDistributionType", S3DataDistributionType)
            return S3DataSource(
                location=fields.read_required("S3Uri", _location),
                s3_data_type=S3DataType(fields.required("S3DataType")),
                distribution_type=distribution or S3DataDistributionType.FULLY_REPLICATED,
                attribute_names=fields.optional("AttributeNames") or (),
            )

    def file_system_data_source(self, source: dict[str, Any], path: str) -> FileSystemDataSource:
        with _Fields(source, path) as fields:
            return FileSystemDataSource(
                file_system_id=fields.required("FileSystemId"),
                file_system_type=FileSystemType(fields.required("FileSystemType")),
                directory_path=fields.required("DirectoryPath"),
                file_system_access_mode=FileSystemAccessMode(fields.required("FileSystemAccessMode")),
            )

    def output(self, output: dict[str, Any], path: str) -> OutputDataConfig:
        with _Fields(output, path) as fields:
            fields.owned("KmsKeyId")
            return OutputDataConfig(
                s3_output_path=fields.read_required("S3OutputPath", _location),
                compression_type=fields.enum("CompressionType", OutputCompressionType),
            )

    def resource_config(self, config: dict[str, Any], path: str) -> ResourceConfig:
        with _Fields(config, path) as fields:
            fields.owned("VolumeKmsKeyId")
            return ResourceConfig(
                instance_type=fields.optional("InstanceType"),
                instance_count=fields.optional("InstanceCount"),
                volume_size=_gibibytes(fields.optional("VolumeSizeInGB")),
                keep_alive_period=_seconds(fields.optional("KeepAlivePeriodInSeconds")),
                instance_groups=fields.read("InstanceGroups", _each(self.instance_group)) or (),
            )

    def instance_group(self, group: dict[str, Any], path: str) -> InstanceGroup:
        with _Fields(group, path) as fields:
            return InstanceGroup(
                instance_group_name=fields.required("InstanceGroupName"),
                instance_type=fields.required("InstanceType"),
                instance_count=fields.required("InstanceCount"),
            )

    def tuning_resource_config(self, config: dict[str, Any], path: str) -> HyperParameterTuningResourceConfig:
        with _Fields(config, path) as fields:
            fields.owned("VolumeKmsKeyId")
            strategy = fields.enum("AllocationStrategy", AllocationStrategy)
            return HyperParameterTuningResourceConfig(
                instance_configs=fields.read_required("InstanceConfigs", _each(self.instance_config)),
                allocation_strategy=strategy or AllocationStrategy.PRIORITIZED,
            )

    def instance_config(self, config: dict[str, Any], path: str) -> HyperParameterTuningInstanceConfig:
        with _Fields(config, path) as fields:
            return HyperParameterTuningInstanceConfig(
                instance_type=fields.required("InstanceType"),
                instance_count=fields.required("InstanceCount"),
                volume_size=_gibibytes(fields.required("VolumeSizeInGB")),
            )

    def stopping_condition(self, condition: dict[str, Any], path: str) -> StoppingCondition:
        with _Fields(condition, path) as fields:
            return StoppingCondition(
                max_runtime=_seconds(fields.optional("MaxRuntimeInSeconds")),
                max_wait_time=_seconds(fields.optional("MaxWaitTimeInSeconds")),
            )

    def checkpoint(self, config: dict[str, Any], path: str) -> CheckpointConfig:
        with _Fields(config, path) as fields:
            return CheckpointConfig(
                s3_uri=fields.read_required("S3Uri", _location), local_path=fields.optional("LocalPath")
            )

    def retry_strategy(self, strategy: dict[str, Any], path: str) -> RetryStrategy:
        with _Fields(strategy, path) as fields:
            return RetryStrategy(maximum_retry_attempts=fields.required("MaximumRetryAttempts"))

    def vpc_config(self, config: dict[str, Any], path: str) -> VpcConfig:
        """The request's subnets, found among the ``vpc`` argument's, and security groups; read
        once, shared by every definition."""
        if self.vpc is None:
            raise ValidationError(path, "needs the vpc argument: the VPC of its subnets", config)
        if self._vpc_config is None:
            with _Fields(config, path) as fields:
                subnets = fields.read_required("Subnets", _each(self.subnet))
                groups = [
                    ec2.SecurityGroup.from_security_group_id(self.scope, f"{self.id}SecurityGroup{i}", g)
                    for i, g in enumerate(fields.required("SecurityGroupIds"))
                ]
            self._vpc_config = VpcConfig(
                vpc=self.vpc, subnets=ec2.SubnetSelection(subnets=subnets), security_groups=groups
            )
        return self._vpc_config

    def subnet(self, subnet_id: str, path: str) -> ec2.ISubnet:
        """A subnet of the ``vpc`` argument: selecting subnets needs their availability zones,
        which a request does not give."""
        assert self.vpc is not None
        for subnet in [*self.vpc.public_subnets, *self.vpc.private_subnets, *self.vpc.isolated_subnets]:
            if subnet.subnet_id == subnet_id:
                return subnet
        raise ValidationError(
            path,
            "must be a subnet of the vpc argument (import the VPC with its subnet IDs, e.g. Vpc.from_vpc_attributes)",
            subnet_id,
        )


class _Fields:
    """Takes the fields of one JSON object; :meth:`done`, or leaving its ``with`` block, rejects
    any field no reader took."""

    def __init__(self, value: dict[str, Any], path: str) -> None:
        self.value = value
        self.path = path
        self.taken: set[str] = set()

    def __enter__(self) -> _Fields:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.done()

    def at(self, name: str) -> str:
        """The JSON path of a field of this object."""
        return f"{self.path}.{name}" if self.path else name

    def required(self, name: str) -> Any:
        if name not in self.value:
            raise ValidationError(self.at(name), "is required", None)
        return self.optional(name)

    def optional(self, name: str) -> Any:
        self.taken.add(name)
        return self.value.get(name)

    def read(self, name: str, reader: Callable[[Any, str], _T]) -> _T | None:
        """The field read by ``reader(value, path)``, or None when it is absent."""
        value = self.optional(name)
        return None if value is None else reader(value, self.at(name))

    def read_required(self, name: str, reader: Callable[[Any, str], _T]) -> _T:
        return reader(self.required(name), self.at(name))

    def enum(self, name: str, kind: type[_E]) -> _E | None:
        """The field as a member of ``kind``, or None when it is absent."""
        value = self.optional(name)
        return None if value is None else kind(value)

    def owned(self, name: str) -> None:
        """A field the constructs set themselves (role, key)."""
        self.taken.add(name)

    def done(self) -> None:
        for name in self.value:
            if name not in self.taken:
                raise ValidationError(
                    self.at(name), "is not supported by constructs_sm's typed props yet", self.value[name]
                )


def _each(reader: Callable[[Any, str], _T]) -> Callable[[list[Any], str], list[_T]]:
    """A reader of a list whose items ``reader`` reads, each at its indexed JSON path."""
    return lambda items, path: [reader(item, f"{path}[{index}]") for index, item in enumerate(items)]


def _tags(fields: _Fields) -> dict[str, str] | None:
    """``Tags`` as a mapping."""
    pairs = fields.read("Tags", _each(_tag))
    return None if pairs is None else dict(pairs)


def _tag(tag: dict[str, Any], path: str) -> tuple[str, str]:
    with _Fields(tag, path) as fields:
        return fields.required("Key"), fields.required("Value")


def _check_one_network(definitions: list[dict[str, Any]]) -> None:
    """The training jobs of one workflow run in one network: the same VpcConfig, or none."""
    for index, definition in enumerate(definitions[1:], start=1):
        if definition.get("VpcConfig") != definitions[0].get("VpcConfig"):
            raise ValidationError(
                f"TrainingJobDefinitions[{index}].VpcConfig",
                "must equal TrainingJobDefinitions[0].VpcConfig (one workflow runs its training jobs in one network)",
                definition.get("VpcConfig"),
            )


def _location(uri: str, path: str) -> S3Location:
    try:
        return S3Location.from_uri(uri)
    except ValidationError as error:
        raise ValidationError(path, error.rule, uri) from None


def _seconds(value: int | None) -> cdk.Duration | None:
    return None if value is None else cdk.Duration.seconds(value)


def _gibibytes(value: int | None) -> cdk.Size | None:
    return None if value is None else cdk.Size.gibibytes(value)


def _parse_integer(text: str, path: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(path, "must be an integer", text) from None


def _parse_number(text: str, path: str) -> float:
    """A continuous range's bound, kept an integer where it is written as one."""
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(path, "must be a number", text) from None
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
