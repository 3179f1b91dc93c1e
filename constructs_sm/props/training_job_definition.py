"""What a training job runs: algorithm, data, output, resources (``TrainingJobDefinition``).

One definition serves both APIs: it renders as a CreateTrainingJob request or as a tuning
job's ``HyperParameterTrainingJobDefinition``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..core._paths import join
from ..errors import ValidationError
from ._props import compact, enum_value, string_map
from .algorithm import AlgorithmSpecification
from .channels import Channel, render_channels
from .network import VpcConfig
from .resources import HyperParameterTuningResourceConfig, ResourceConfig, StoppingCondition
from .s3_location import S3Location
from .tuning_config import ParameterRange, TuningObjective, render_parameter_ranges


class OutputCompressionType(StrEnum):
    """Compression of the model artifacts (``OutputDataConfig.CompressionType``)."""

    GZIP = "GZIP"
    NONE = "NONE"


@dataclass(frozen=True, kw_only=True)
class OutputDataConfig:
    """Where and how SageMaker writes model artifacts (``OutputDataConfig``); encrypted with the workflow's key."""

    s3_output_path: S3Location
    """The artifacts' S3 prefix; the execution role may write only there."""
    compression_type: OutputCompressionType | str | None = None
    """@default - SageMaker's default, OutputCompressionType.GZIP"""


@dataclass(frozen=True, kw_only=True)
class CheckpointConfig:
    """Where the training container's checkpoints are synced (``CheckpointConfig``),
    so that a spot job interrupted or retried resumes; the role may read and write there."""

    s3_uri: S3Location
    """The checkpoints' S3 prefix: not a whole bucket, since the role may write to it."""
    local_path: str | None = None
    """Absolute path in the container. @default - SageMaker's, /opt/ml/checkpoints"""


@dataclass(frozen=True, kw_only=True)
class RetryStrategy:
    """Retry a training job that fails with an internal server error (``RetryStrategy``)."""

    maximum_retry_attempts: int
    """Retries after the first attempt (``MaximumRetryAttempts``)."""


@dataclass(frozen=True, kw_only=True)
class TrainingJobDefinition:
    """A training job, or the training jobs a tuning job launches (``HyperParameterTrainingJobDefinition``).

    Output and volumes are encrypted with the workflow's KMS key; the execution role is
    granted exactly what this definition reads and writes.
    """

    algorithm_specification: AlgorithmSpecification
    """The image or algorithm, input mode and metric definitions."""
    input_data_config: Sequence[Channel]
    """The input channels, with distinct names (``InputDataConfig``)."""
    output_data_config: S3Location | OutputDataConfig
    """Where SageMaker writes model artifacts (``OutputDataConfig.S3OutputPath``): a location,
    or an :class:`OutputDataConfig` to set the compression too."""
    resource_config: ResourceConfig | None = None
    """@default - 1 ml.m5.xlarge instance with a 10 GiB volume, unless
    ``hyper_parameter_tuning_resource_config`` is given"""
    stopping_condition: StoppingCondition = StoppingCondition()
    """@default - each training job may run 1 day"""
    static_hyper_parameters: Mapping[str, str] = field(default_factory=dict)
    """Hyperparameters that do not change; in a tuning job they count towards the limit on
    hyperparameters together with the tuned ones. A training job sends them as
    ``HyperParameters``, a tuning job as ``StaticHyperParameters``."""
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
    """Environment variables of the training container (``Environment``); a tuning definition
    takes fewer than a training job."""
    definition_name: str | None = None
    """Name of the definition among a tuning job's ``training_job_definitions``
    (``DefinitionName``). @default - none; required there, not allowed elsewhere"""
    tuning_objective: TuningObjective | None = None
    """The objective of this definition among a tuning job's ``training_job_definitions``
    (``TuningObjective``). @default - none; required there, not allowed elsewhere"""
    hyper_parameter_ranges: Sequence[ParameterRange] = ()
    """The ranges this definition searches among a tuning job's ``training_job_definitions``
    (``HyperParameterRanges``). @default - none; only allowed there"""
    hyper_parameter_tuning_resource_config: HyperParameterTuningResourceConfig | None = None
    """Instance choices for a tuning job's training jobs, instead of ``resource_config``
    (``HyperParameterTuningResourceConfig``). @default - none; tuning jobs only"""

    def render(self, at: str, *, tuning: bool) -> dict[str, Any]:
        """The request fragment: a tuning job's HyperParameterTrainingJobDefinition, or the fields
        of a CreateTrainingJob request. The constructs add the role and the key."""
        if not tuning:
            self._check_training_only(at)
        tuning_resources = self.hyper_parameter_tuning_resource_config
        resources = self.resource_config
        if resources is None and tuning_resources is None:
            resources = ResourceConfig()
        output = self.output_data_config
        location = output.s3_output_path if isinstance(output, OutputDataConfig) else output
        compression = output.compression_type if isinstance(output, OutputDataConfig) else None
        checkpoint = self.checkpoint_config
        fragment = compact(
            DefinitionName=self.definition_name if tuning else None,
            TuningObjective=None
            if not tuning or self.tuning_objective is None
            else self.tuning_objective.render(join(at, "TuningObjective")),
            HyperParameterRanges=render_parameter_ranges(join(at, "HyperParameterRanges"), self.hyper_parameter_ranges)
            if tuning
            else None,
            AlgorithmSpecification=self.algorithm_specification.render(join(at, "AlgorithmSpecification")),
            InputDataConfig=render_channels(join(at, "InputDataConfig"), self.input_data_config),
            OutputDataConfig=compact(
                S3OutputPath=location.rendered(),
                CompressionType=enum_value(
                    join(at, "OutputDataConfig.CompressionType"), compression, OutputCompressionType
                ),
            ),
            ResourceConfig=None if resources is None else resources.render(join(at, "ResourceConfig")),
            HyperParameterTuningResourceConfig=None
            if tuning_resources is None
            else tuning_resources.render(join(at, "HyperParameterTuningResourceConfig")),
            StoppingCondition=self.stopping_condition.render(join(at, "StoppingCondition")),
            EnableNetworkIsolation=self.enable_network_isolation or None,
            EnableInterContainerTrafficEncryption=self.enable_inter_container_traffic_encryption or None,
            EnableManagedSpotTraining=self.enable_managed_spot_training or None,
            CheckpointConfig=None
            if checkpoint is None
            else compact(S3Uri=checkpoint.s3_uri.rendered(), LocalPath=checkpoint.local_path),
            RetryStrategy=None
            if self.retry_strategy is None
            else {"MaximumRetryAttempts": self.retry_strategy.maximum_retry_attempts},
            Environment=string_map(join(at, "Environment"), self.environment),
        )
        hyper_parameters = string_map(
            join(at, "StaticHyperParameters" if tuning else "HyperParameters"), self.static_hyper_parameters
        )
        if hyper_parameters:
            fragment["StaticHyperParameters" if tuning else "HyperParameters"] = hyper_parameters
        return fragment

    def _check_training_only(self, at: str) -> None:
        tuning_fields = {
            "DefinitionName": self.definition_name,
            "TuningObjective": self.tuning_objective,
            "HyperParameterRanges": list(self.hyper_parameter_ranges) or None,
            "HyperParameterTuningResourceConfig": self.hyper_parameter_tuning_resource_config,
        }
        for name, value in tuning_fields.items():
            if value is not None:
                raise ValidationError(
                    join(at, name), "is only allowed in a tuning job's training job definition", value
                )
