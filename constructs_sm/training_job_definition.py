"""What a training job runs: algorithm, data, output, resources (``TrainingJobDefinition``).

One definition serves both APIs: it renders as a CreateTrainingJob request or as a tuning
job's ``HyperParameterTrainingJobDefinition``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aws_cdk import aws_iam as iam

from ._checks import (
    check_enum,
    check_environment,
    check_job_name,
    check_length,
    check_range,
    check_string_map,
    is_unresolved,
)
from ._job_resources import JobResources
from .algorithm import AlgorithmSpecification
from .channels import Channel, FileSystemDataSource, render_channels
from .errors import ValidationError
from .network import VpcConfig
from .resources import HyperParameterTuningResourceConfig, ResourceConfig, StoppingCondition
from .s3_location import S3Location
from .tuning_config import ParameterRange, TuningObjective

# Most Environment entries: CreateTrainingJob's TrainingEnvironmentMap and a tuning
# definition's HyperParameterTrainingJobEnvironmentMap (botocore's SageMaker model).
_MAX_TRAINING_ENVIRONMENT = 100
_MAX_TUNING_ENVIRONMENT = 48


class OutputCompressionType(StrEnum):
    """Compression of the model artifacts (``OutputDataConfig.CompressionType``)."""

    GZIP = "GZIP"
    NONE = "NONE"


@dataclass(frozen=True, kw_only=True)
class OutputDataConfig:
    """Where and how SageMaker writes model artifacts (``OutputDataConfig``); encrypted with the workflow's key."""

    s3_output_path: S3Location
    """The artifacts' S3 prefix; the execution role may write only there."""
    compression_type: OutputCompressionType | None = None
    """@default - SageMaker's default, OutputCompressionType.GZIP"""


@dataclass(frozen=True, kw_only=True)
class CheckpointConfig:
    """Where the training container's checkpoints are synced (``CheckpointConfig``),
    so that a spot job interrupted or retried resumes; the role may read and write there."""

    s3_uri: S3Location
    """The checkpoints' S3 prefix: not a whole bucket, since the role may write to it."""
    local_path: str | None = None
    """Absolute path in the container. @default - SageMaker's, /opt/ml/checkpoints"""

    def render(self, field: str) -> dict[str, Any]:
        location = self.s3_uri
        if not is_unresolved(location.key_prefix) and not location.key_prefix.strip("/"):
            raise ValidationError(
                f"{field}.S3Uri",
                "must name a key prefix, not a whole bucket (the execution role gets write access to it)",
                location.render_uri() if location.json_path is None else location.json_path,
            )
        config: dict[str, Any] = {}
        location.render_into(config, "S3Uri")
        if self.local_path is not None:
            check_length(f"{field}.LocalPath", self.local_path, 1, 4096)
            if not is_unresolved(self.local_path) and not self.local_path.startswith("/"):
                raise ValidationError(
                    f"{field}.LocalPath", "must be an absolute path starting with '/'", self.local_path
                )
            config["LocalPath"] = self.local_path
        return config


@dataclass(frozen=True, kw_only=True)
class RetryStrategy:
    """Retry a training job that fails with an internal server error (``RetryStrategy``)."""

    maximum_retry_attempts: int
    """Retries after the first attempt, 1 to 30."""

    def render(self, field: str) -> dict[str, int]:
        attempts = self.maximum_retry_attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            raise ValidationError(f"{field}.MaximumRetryAttempts", "must be an integer", attempts)
        check_range(f"{field}.MaximumRetryAttempts", attempts, 1, 30)
        return {"MaximumRetryAttempts": attempts}


@dataclass(frozen=True, kw_only=True)
class TrainingJobDefinition:
    """A training job, or the training jobs a tuning job launches (``HyperParameterTrainingJobDefinition``).

    Output and volumes are encrypted with the workflow's KMS key; the execution role is
    granted exactly what this definition reads and writes.
    """

    algorithm_specification: AlgorithmSpecification
    """The image or algorithm, input mode and metric definitions."""
    input_data_config: Sequence[Channel]
    """1 to 20 input channels with distinct names."""
    output_data_config: S3Location | OutputDataConfig
    """Where SageMaker writes model artifacts (``OutputDataConfig.S3OutputPath``): a location,
    or an :class:`OutputDataConfig` to set the compression too."""
    resource_config: ResourceConfig | None = None
    """@default - 1 ml.m5.xlarge instance with a 10 GiB volume, unless
    ``hyper_parameter_tuning_resource_config`` is given"""
    stopping_condition: StoppingCondition = StoppingCondition()
    """@default - each training job may run 1 day"""
    static_hyper_parameters: Mapping[str, str] = field(default_factory=dict)
    """Hyperparameters that do not change: at most 100, keys and values at most 256 characters.
    A training job sends them as ``HyperParameters``, a tuning job as ``StaticHyperParameters``."""
    vpc_config: VpcConfig | None = None
    """Run in a VPC. @default - no VPC"""
    enable_network_isolation: bool = False
    """No network access for the training container. @default false"""
    enable_inter_container_traffic_encryption: bool = False
    """Encrypt traffic between instances of distributed training. @default false"""
    enable_managed_spot_training: bool = False
    """Run on spot capacity (``EnableManagedSpotTraining``); needs
    ``stopping_condition.max_wait_time``, and a ``checkpoint_config`` to resume after an
    interruption. @default false"""
    checkpoint_config: CheckpointConfig | None = None
    """Sync checkpoints to S3. @default - no checkpoints"""
    retry_strategy: RetryStrategy | None = None
    """Retry the job after an internal server error. @default - no retries"""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Environment variables of the training container: at most 100 for a training job,
    48 in a tuning definition; keys and values at most 512 characters."""
    definition_name: str | None = None
    """Name of the definition among a tuning job's ``training_job_definitions``, 1-64
    characters (``DefinitionName``). @default - none; required there, not allowed elsewhere"""
    tuning_objective: TuningObjective | None = None
    """The objective of this definition among a tuning job's ``training_job_definitions``
    (``TuningObjective``). @default - none; required there, not allowed elsewhere"""
    hyper_parameter_ranges: Sequence[ParameterRange] = ()
    """The ranges this definition searches among a tuning job's ``training_job_definitions``
    (``HyperParameterRanges``). @default - none; only allowed there"""
    hyper_parameter_tuning_resource_config: HyperParameterTuningResourceConfig | None = None
    """Instance choices for a tuning job's training jobs, instead of ``resource_config``
    (``HyperParameterTuningResourceConfig``). @default - none; tuning jobs only"""

    @property
    def output_location(self) -> S3Location:
        config = self.output_data_config
        return config.s3_output_path if isinstance(config, OutputDataConfig) else config

    @property
    def needs_vpc(self) -> bool:
        """Whether the job reaches something only its VPC leads to (a file system, a private registry)."""
        file_system = any(isinstance(c.data_source, FileSystemDataSource) for c in self.input_data_config)
        return file_system or self.algorithm_specification.needs_vpc

    def longest_job_seconds(self) -> int:
        """The longest one job can take: every attempt at its wait time (spot) or runtime."""
        attempt = self.stopping_condition.longest_attempt_seconds(
            managed_spot_training=self.enable_managed_spot_training
        )
        retries = 0 if self.retry_strategy is None else self.retry_strategy.maximum_retry_attempts
        return attempt * (1 + retries)

    def render(self, field_name: str, resources: JobResources, *, tuning: bool) -> dict[str, Any]:
        """The request fragment, with the role, key and VPC of ``resources``.

        ``tuning`` selects the tuning job's HyperParameterTrainingJobDefinition over the
        fields of a CreateTrainingJob request.
        """
        at = _path(field_name)
        hyper_parameters = "StaticHyperParameters" if tuning else "HyperParameters"
        check_string_map(at(hyper_parameters), dict(self.static_hyper_parameters), 100)
        if not tuning:
            self._check_training_only(at)
        rendered: dict[str, Any] = {}
        if tuning and self.definition_name is not None:
            check_job_name(at("DefinitionName"), self.definition_name, 64)
            rendered["DefinitionName"] = self.definition_name
        if tuning and self.tuning_objective is not None:
            rendered["TuningObjective"] = self.tuning_objective.render(at("TuningObjective"))
        rendered.update(
            AlgorithmSpecification=self.algorithm_specification.render(
                at("AlgorithmSpecification"), training_job=not tuning
            ),
            RoleArn=resources.role.role_arn,
            InputDataConfig=render_channels(at("InputDataConfig"), self.input_data_config),
            OutputDataConfig=self._render_output(at("OutputDataConfig"), resources),
        )
        rendered.update(self._render_resources(at, resources))
        rendered["StoppingCondition"] = self.stopping_condition.render(
            at("StoppingCondition"), managed_spot_training=self.enable_managed_spot_training
        )
        if self.static_hyper_parameters:
            rendered[hyper_parameters] = dict(self.static_hyper_parameters)
        if self.needs_vpc and resources.vpc is None:
            raise ValidationError(
                at("VpcConfig"),
                "is required to reach a FileSystemDataSource or a private registry (TrainingRepositoryAccessMode.VPC)",
                None,
            )
        if resources.vpc is not None:
            rendered["VpcConfig"] = resources.vpc.render()
        if self.enable_network_isolation:
            rendered["EnableNetworkIsolation"] = True
        if self.enable_inter_container_traffic_encryption:
            rendered["EnableInterContainerTrafficEncryption"] = True
        rendered.update(self._render_spot_and_retries(at, tuning=tuning))
        return rendered

    def _check_training_only(self, at: Callable[[str], str]) -> None:
        tuning_fields = {
            "DefinitionName": self.definition_name,
            "TuningObjective": self.tuning_objective,
            "HyperParameterRanges": list(self.hyper_parameter_ranges) or None,
            "HyperParameterTuningResourceConfig": self.hyper_parameter_tuning_resource_config,
        }
        for name, value in tuning_fields.items():
            if value is not None:
                raise ValidationError(at(name), "is only allowed in a tuning job's training job definition", value)

    def _render_output(self, field: str, resources: JobResources) -> dict[str, Any]:
        output: dict[str, Any] = {}
        self.output_location.render_into(output, "S3OutputPath")
        if resources.key_arn is not None:
            output["KmsKeyId"] = resources.key_arn
        config = self.output_data_config
        if isinstance(config, OutputDataConfig) and config.compression_type is not None:
            check_enum(f"{field}.CompressionType", config.compression_type, OutputCompressionType)
            output["CompressionType"] = config.compression_type.value
        return output

    def _render_resources(self, at: Callable[[str], str], resources: JobResources) -> dict[str, Any]:
        tuning_resources = self.hyper_parameter_tuning_resource_config
        if tuning_resources is None:
            config = ResourceConfig() if self.resource_config is None else self.resource_config
            return {"ResourceConfig": config.render(at("ResourceConfig"), resources.key_arn)}
        if self.resource_config is not None:
            raise ValidationError(
                at("HyperParameterTuningResourceConfig"),
                "replaces ResourceConfig: set resource_config or hyper_parameter_tuning_resource_config, not both",
                self.resource_config,
            )
        return {
            "HyperParameterTuningResourceConfig": tuning_resources.render(
                at("HyperParameterTuningResourceConfig"), resources.key_arn
            )
        }

    def _render_spot_and_retries(self, at: Callable[[str], str], *, tuning: bool) -> dict[str, Any]:
        rendered: dict[str, Any] = {}
        if self.enable_managed_spot_training:
            keep_alive = None if self.resource_config is None else self.resource_config.keep_alive_period
            if keep_alive is not None:
                raise ValidationError(
                    at("ResourceConfig.KeepAlivePeriodInSeconds"),
                    "is not allowed with EnableManagedSpotTraining (warm pools need on-demand instances)",
                    int(keep_alive.to_seconds()),
                )
            rendered["EnableManagedSpotTraining"] = True
        if self.checkpoint_config is not None:
            rendered["CheckpointConfig"] = self.checkpoint_config.render(at("CheckpointConfig"))
        if self.retry_strategy is not None:
            rendered["RetryStrategy"] = self.retry_strategy.render(at("RetryStrategy"))
        if self.environment:
            limit = _MAX_TUNING_ENVIRONMENT if tuning else _MAX_TRAINING_ENVIRONMENT
            check_environment(at("Environment"), dict(self.environment), limit)
            rendered["Environment"] = dict(self.environment)
        return rendered

    def grant(self, grantee: iam.IRole) -> None:
        """Give the execution role read access to the inputs, write access to the output and
        checkpoints, image pull."""
        self.algorithm_specification.grant(grantee)
        for channel in self.input_data_config:
            channel.data_source.grant(grantee)
        self.output_location.grant_write(grantee)
        if self.checkpoint_config is not None:
            # SageMaker uploads checkpoints and downloads them again to resume an interrupted job.
            self.checkpoint_config.s3_uri.grant_read(grantee)
            self.checkpoint_config.s3_uri.grant_write(grantee)


def _path(prefix: str) -> Callable[[str], str]:
    """The API path of a field: ``TrainingJobDefinition.X`` in a tuning request, ``X`` at a training request's top."""
    return lambda name: f"{prefix}.{name}" if prefix else name
