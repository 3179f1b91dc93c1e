"""Build workflows from API request JSON: the current API, the HPO preview API and its boto3 form.

The request is checked against SageMaker's API model first (errors name the JSON path),
then read into the library's typed props, so an imported request gets the same
validation, IAM scoping, encryption and naming as one written in Python. The
constructs own four things and replace them: the role ARN (unless
``use_request_role``), the KMS key IDs, and the job name, which becomes the prefix of
the unique per-execution names (lowercased, at most 19 characters).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from . import _preview
from ._api_model import validate_request
from .algorithm import AlgorithmSpecification, InputMode, MetricDefinition, TrainingImage
from .channels import (
    Channel,
    CompressionType,
    RecordWrapperType,
    S3DataDistributionType,
    S3DataSource,
    S3DataType,
)
from .errors import ValidationError
from .network import VpcConfig
from .resources import ResourceConfig, StoppingCondition
from .s3_location import S3Location
from .training_job_definition import TrainingJobDefinition
from .tuning_config import (
    CategoricalParameterRange,
    ContinuousParameterRange,
    EarlyStoppingType,
    HyperParameterTuningJobConfig,
    IntegerParameterRange,
    ObjectiveType,
    ParameterRange,
    ResourceLimits,
    ScalingType,
    Strategy,
    TuningObjective,
    WarmStartConfig,
    WarmStartType,
)
from .tuning_workflow import TuningWorkflow

_PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/owned-by-constructs-sm"
_PREFIX_LENGTH = 19


class RequestShape(StrEnum):
    """The forms of request :func:`tuning_workflow_from_request` reads."""

    CREATE_HYPER_PARAMETER_TUNING_JOB = "CreateHyperParameterTuningJob"
    """The current SageMaker API."""
    CREATE_TUNING_JOB = "CreateTuningJob"
    """The HPO preview API (sagemakerhpo 2017-11-08)."""
    CREATE_TUNING_JOB_BOTO3 = "create_tuning_job"
    """The preview API's boto3 keyword arguments, as a JSON object."""


def detect_request_shape(request: Mapping[str, Any]) -> RequestShape:
    """The shape of a tuning request, from its top-level fields."""
    if not isinstance(request, Mapping):
        raise ValidationError("request", "must be a JSON object", request)
    if _preview.is_preview(dict(request)):
        return RequestShape.CREATE_TUNING_JOB
    return RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB


def to_current_request(
    request: Mapping[str, Any], *, shape: RequestShape | None = None, account: str | None = None
) -> dict[str, Any]:
    """The request in the current API's shape, checked against SageMaker's API model."""
    shape = shape or detect_request_shape(request)
    current = copy.deepcopy(dict(request))
    if shape is not RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB:
        current = _preview.translate(current, account=account)
    checked = copy.deepcopy(current)
    checked.setdefault("HyperParameterTuningJobName", "imported")
    definition = checked.get("TrainingJobDefinition")
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
    """A :class:`TuningWorkflow` that runs ``request``.

    :param shape: the request's form. @default - detected from its fields
    :param use_request_role: use the request's ``RoleArn`` as an existing role (it must already
        have the permissions the job needs) instead of a generated, least-privilege one. @default false
    :param role: an existing execution role. @default - generated, or the request's with ``use_request_role``
    :param encryption_key: replaces the request's KMS key IDs. @default - a new key with rotation
    :param vpc: the VPC of the request's ``VpcConfig`` subnets; required when it has one.
    """
    stack = cdk.Stack.of(scope)
    account = None if cdk.Token.is_unresolved(stack.account) else stack.account
    current = to_current_request(request, shape=shape, account=account)
    reader = _Reader(scope, id)
    props = reader.tuning(current, vpc)
    if use_request_role:
        if role is not None:
            raise ValidationError("role", "must not be given with use_request_role", role)
        arn = current.get("TrainingJobDefinition", {}).get("RoleArn")
        if arn is None:
            raise ValidationError("TrainingJobDefinition.RoleArn", "is required with use_request_role", None)
        role = iam.Role.from_role_arn(scope, f"{id}RequestRole", arn, mutable=False)
    return TuningWorkflow(
        scope,
        id,
        role=role,
        encryption_key=encryption_key,
        polling_interval=polling_interval,
        timeout=timeout,
        **props,
    )


def job_name_prefix(name: str) -> str:
    """The request's job name as the prefix of per-execution names: lowercased, at most 19 characters."""
    return name.lower()[:_PREFIX_LENGTH].rstrip("-")


class _Reader:
    """Reads each structure into typed props; a field it does not know is an error, never dropped."""

    def __init__(self, scope: Construct, id: str) -> None:
        self.scope = scope
        self.id = id

    def tuning(self, request: dict[str, Any], vpc: ec2.IVpc | None) -> dict[str, Any]:
        fields = _Fields(request, "")
        props: dict[str, Any] = {}
        name = fields.optional("HyperParameterTuningJobName")
        if name is not None:
            props["job_name_prefix"] = job_name_prefix(name)
        props["hyper_parameter_tuning_job_config"] = self.config(fields.required("HyperParameterTuningJobConfig"))
        props["training_job_definition"] = self.definition(
            fields.required("TrainingJobDefinition"), "TrainingJobDefinition", vpc
        )
        warm = fields.optional("WarmStartConfig")
        if warm is not None:
            props["warm_start_config"] = self.warm_start(warm)
        tags = fields.optional("Tags")
        if tags:
            props["tags"] = {t["Key"]: t["Value"] for t in tags}
        autotune = fields.optional("Autotune")
        if autotune is not None:
            props["autotune"] = True
        fields.done()
        return props

    def config(self, config: dict[str, Any]) -> HyperParameterTuningJobConfig:
        fields = _Fields(config, "HyperParameterTuningJobConfig")
        objective = fields.optional("HyperParameterTuningJobObjective")
        if objective is None:
            raise ValidationError("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective", "is required", None)
        limits = _Fields(fields.required("ResourceLimits"), "HyperParameterTuningJobConfig.ResourceLimits")
        runtime = limits.optional("MaxRuntimeInSeconds")
        resource_limits = ResourceLimits(
            max_parallel_training_jobs=limits.required("MaxParallelTrainingJobs"),
            max_number_of_training_jobs=limits.optional("MaxNumberOfTrainingJobs"),
            max_runtime=None if runtime is None else cdk.Duration.seconds(runtime),
        )
        limits.done()
        early = fields.optional("TrainingJobEarlyStoppingType")
        result = HyperParameterTuningJobConfig(
            strategy=Strategy(fields.required("Strategy")),
            objective=TuningObjective(metric_name=objective["MetricName"], type=ObjectiveType(objective["Type"])),
            resource_limits=resource_limits,
            parameter_ranges=self.ranges(fields.optional("ParameterRanges") or {}),
            training_job_early_stopping_type=None if early is None else EarlyStoppingType(early),
        )
        fields.done()
        return result

    def ranges(self, ranges: dict[str, Any]) -> list[ParameterRange]:
        fields = _Fields(ranges, "HyperParameterTuningJobConfig.ParameterRanges")
        read: list[ParameterRange] = []
        for item in fields.optional("ContinuousParameterRanges") or []:
            read.append(
                ContinuousParameterRange(
                    name=item["Name"],
                    min_value=_number(item["MinValue"]),
                    max_value=_number(item["MaxValue"]),
                    scaling_type=_scaling(item),
                )
            )
        for item in fields.optional("IntegerParameterRanges") or []:
            read.append(
                IntegerParameterRange(
                    name=item["Name"],
                    min_value=_integer(item["MinValue"], item["Name"]),
                    max_value=_integer(item["MaxValue"], item["Name"]),
                    scaling_type=_scaling(item),
                )
            )
        for item in fields.optional("CategoricalParameterRanges") or []:
            read.append(CategoricalParameterRange(name=item["Name"], values=list(item["Values"])))
        fields.done()
        return read

    def definition(self, definition: dict[str, Any], path: str, vpc: ec2.IVpc | None) -> TrainingJobDefinition:
        fields = _Fields(definition, path)
        fields.owned("RoleArn")
        output = _Fields(fields.required("OutputDataConfig"), f"{path}.OutputDataConfig")
        output.owned("KmsKeyId")
        output_location = S3Location.from_uri(output.required("S3OutputPath"))
        output.done()
        result = TrainingJobDefinition(
            algorithm_specification=self.algorithm(fields.required("AlgorithmSpecification"), path),
            input_data_config=[
                self.channel(c, f"{path}.InputDataConfig[{i}]")
                for i, c in enumerate(fields.optional("InputDataConfig") or [])
            ],
            output_data_config=output_location,
            resource_config=self.resource_config(fields.optional("ResourceConfig") or {}, path),
            stopping_condition=self.stopping_condition(fields.required("StoppingCondition"), path),
            static_hyper_parameters=fields.optional("StaticHyperParameters") or {},
            vpc_config=self.vpc_config(fields.optional("VpcConfig"), path, vpc),
            enable_network_isolation=bool(fields.optional("EnableNetworkIsolation")),
            enable_inter_container_traffic_encryption=bool(fields.optional("EnableInterContainerTrafficEncryption")),
        )
        fields.done()
        return result

    def algorithm(self, spec: dict[str, Any], path: str) -> AlgorithmSpecification:
        fields = _Fields(spec, f"{path}.AlgorithmSpecification")
        image = fields.optional("TrainingImage")
        metrics = fields.optional("MetricDefinitions") or []
        result = AlgorithmSpecification(
            training_image=None if image is None else TrainingImage.from_registry(image),
            algorithm_name=fields.optional("AlgorithmName"),
            training_input_mode=InputMode(fields.required("TrainingInputMode")),
            metric_definitions=[MetricDefinition(name=m["Name"], regex=m["Regex"]) for m in metrics],
        )
        fields.done()
        return result

    def channel(self, channel: dict[str, Any], path: str) -> Channel:
        fields = _Fields(channel, path)
        source_fields = _Fields(fields.required("DataSource"), f"{path}.DataSource")
        s3 = _Fields(source_fields.required("S3DataSource"), f"{path}.DataSource.S3DataSource")
        source_fields.done()
        source = S3DataSource(
            location=S3Location.from_uri(s3.required("S3Uri")),
            s3_data_type=S3DataType(s3.required("S3DataType")),
            distribution_type=S3DataDistributionType(s3.optional("S3DataDistributionType") or "FullyReplicated"),
            attribute_names=s3.optional("AttributeNames") or (),
        )
        s3.done()
        compression = fields.optional("CompressionType")
        wrapper = fields.optional("RecordWrapperType")
        mode = fields.optional("InputMode")
        shuffle = fields.optional("ShuffleConfig")
        result = Channel(
            channel_name=fields.required("ChannelName"),
            data_source=source,
            content_type=fields.optional("ContentType"),
            compression_type=None if compression is None else CompressionType(compression),
            record_wrapper_type=None if wrapper is None else RecordWrapperType(wrapper),
            input_mode=None if mode is None else InputMode(mode),
            shuffle_seed=None if shuffle is None else shuffle["Seed"],
        )
        fields.done()
        return result

    def resource_config(self, config: dict[str, Any], path: str) -> ResourceConfig:
        fields = _Fields(config, f"{path}.ResourceConfig")
        fields.owned("VolumeKmsKeyId")
        size = fields.optional("VolumeSizeInGB")
        result = ResourceConfig(
            instance_type=fields.required("InstanceType"),
            instance_count=fields.required("InstanceCount"),
            volume_size=None if size is None else cdk.Size.gibibytes(size),
        )
        fields.done()
        return result

    def stopping_condition(self, condition: dict[str, Any], path: str) -> StoppingCondition:
        fields = _Fields(condition, f"{path}.StoppingCondition")
        seconds = fields.optional("MaxRuntimeInSeconds")
        fields.done()
        return StoppingCondition(max_runtime=None if seconds is None else cdk.Duration.seconds(seconds))

    def vpc_config(self, config: dict[str, Any] | None, path: str, vpc: ec2.IVpc | None) -> VpcConfig | None:
        if config is None:
            return None
        if vpc is None:
            raise ValidationError(f"{path}.VpcConfig", "needs the vpc argument: the VPC of its subnets", config)
        subnets = [
            ec2.Subnet.from_subnet_id(self.scope, f"{self.id}Subnet{i}", s) for i, s in enumerate(config["Subnets"])
        ]
        groups = [
            ec2.SecurityGroup.from_security_group_id(self.scope, f"{self.id}SecurityGroup{i}", g)
            for i, g in enumerate(config["SecurityGroupIds"])
        ]
        return VpcConfig(vpc=vpc, subnets=ec2.SubnetSelection(subnets=subnets), security_groups=groups)

    def warm_start(self, warm: dict[str, Any]) -> WarmStartConfig:
        fields = _Fields(warm, "WarmStartConfig")
        parents = fields.required("ParentHyperParameterTuningJobs")
        result = WarmStartConfig(
            parent_tuning_job_names=[p["HyperParameterTuningJobName"] for p in parents],
            warm_start_type=WarmStartType(fields.required("WarmStartType")),
        )
        fields.done()
        return result


class _Fields:
    """Takes the fields of one JSON object; :meth:`done` rejects any field no reader took."""

    def __init__(self, value: dict[str, Any], path: str) -> None:
        self.value = value
        self.path = path
        self.taken: set[str] = set()

    def _at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def required(self, name: str) -> Any:
        if name not in self.value:
            raise ValidationError(self._at(name), "is required", None)
        return self.optional(name)

    def optional(self, name: str) -> Any:
        self.taken.add(name)
        return self.value.get(name)

    def owned(self, name: str) -> None:
        """A field the constructs set themselves (role, key)."""
        self.taken.add(name)

    def done(self) -> None:
        for name in self.value:
            if name not in self.taken:
                raise ValidationError(
                    self._at(name), "is not supported by constructs_sm's typed props yet", self.value[name]
                )


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value


def _integer(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(
            f"IntegerParameterRanges[{name}]", "MinValue and MaxValue must be integers", text
        ) from None


def _scaling(item: dict[str, Any]) -> ScalingType | None:
    value = item.get("ScalingType")
    return None if value is None else ScalingType(value)
