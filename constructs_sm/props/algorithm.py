"""The training algorithm: its image or name, input mode and metric definitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..core._tokens import Declared, is_token
from ..errors import ValidationError
from ._props import compact, enum_value, items, strings

if TYPE_CHECKING:  # annotations only: aws_lambda alone costs about 0.2 s to import (README, Performance)
    from aws_cdk import aws_ecr as ecr
    from aws_cdk import aws_lambda as lambda_


class InputMode(StrEnum):
    """How the algorithm reads its input (``TrainingInputMode``)."""

    FILE = "File"
    PIPE = "Pipe"
    FAST_FILE = "FastFile"


class TrainingImage:
    """The Docker image of the training algorithm; pull rights are granted for the ECR repository it names."""

    def __init__(self, uri: Any, repository: Any = None) -> None:
        self.uri = uri
        self.repository = repository
        """The ``ecr.IRepository``, or the repository ARN pattern, that pull rights are granted on;
        None: the one an ECR URI names (none for other registries)."""

    def rendered(self) -> Any:
        """The request's ``TrainingImage``, with the repository it declares."""
        return self.uri if self.repository is None else Declared(self.uri, self.repository)

    @classmethod
    def from_ecr_repository(cls, repository: ecr.IRepository, tag_or_digest: str = "latest") -> TrainingImage:
        """An image in an ECR repository; pull rights are granted on that repository only."""
        return cls(repository.repository_uri_for_tag_or_digest(tag_or_digest), repository)

    @classmethod
    def from_registry(cls, uri: str) -> TrainingImage:
        """An image by URI, e.g. a SageMaker built-in algorithm image.

        For an ECR URI the pull rights are scoped to that repository; other registries
        need no ECR permissions.
        """
        if not isinstance(uri, str):
            raise ValidationError("TrainingImage", "must be an image URI string", uri)
        if not is_token(uri) and (uri != uri.strip() or " " in uri):
            raise ValidationError("TrainingImage", "must not contain spaces", uri)
        return cls(uri)

    @classmethod
    def from_json_path(cls, path: str) -> TrainingImage:
        """An image URI read from the execution input; pull rights cover this account's repositories."""
        from aws_cdk import aws_stepfunctions as sfn

        if not isinstance(path, str) or not path.startswith("$"):
            raise ValidationError("TrainingImage", "must be a JSONPath such as $.TrainingImage", path)
        return cls(sfn.JsonPath.string_at(path), "arn:{partition}:ecr:*:*:repository/*")


@dataclass(frozen=True, kw_only=True)
class MetricDefinition:
    """A metric the algorithm writes to its logs (``MetricDefinition``)."""

    name: str
    """Metric name (``MetricDefinition.Name``)."""
    regex: str
    """Regular expression that captures the value from the logs (``MetricDefinition.Regex``)."""


class TrainingRepositoryAccessMode(StrEnum):
    """Where SageMaker pulls the training image from (``TrainingRepositoryAccessMode``)."""

    PLATFORM = "Platform"
    """Amazon ECR, over SageMaker's own network."""
    VPC = "Vpc"
    """A private Docker registry reached through the training job's VPC."""


@dataclass(frozen=True, kw_only=True)
class TrainingImageConfig:
    """How to reach the training image (``TrainingImageConfig``), e.g. in a private registry."""

    training_repository_access_mode: TrainingRepositoryAccessMode | str = TrainingRepositoryAccessMode.VPC
    """@default TrainingRepositoryAccessMode.VPC (a private registry; the job needs ``vpc_config``)"""
    credentials_provider: lambda_.IFunction | None = None
    """A Lambda function that returns the registry's credentials
    (``TrainingRepositoryAuthConfig``); the execution role may invoke it. @default - no authentication"""

    def render(self, field: str) -> dict[str, Any]:
        provider = self.credentials_provider
        return compact(
            TrainingRepositoryAccessMode=enum_value(
                f"{field}.TrainingRepositoryAccessMode",
                self.training_repository_access_mode,
                TrainingRepositoryAccessMode,
            ),
            TrainingRepositoryAuthConfig=None
            if provider is None
            else {"TrainingRepositoryCredentialsProviderArn": Declared(provider.function_arn, provider)},
        )


@dataclass(frozen=True, kw_only=True)
class AlgorithmSpecification:
    """What to train with (``AlgorithmSpecification``): exactly one of an image or an algorithm name."""

    training_image: TrainingImage | None = None
    """The algorithm's Docker image. @default - none; give ``algorithm_name`` instead."""
    algorithm_name: str | None = None
    """An algorithm resource name or ARN, e.g. from AWS Marketplace (``AlgorithmName``)."""
    training_input_mode: InputMode | str = InputMode.FILE
    """How input data reaches the container. @default InputMode.FILE"""
    metric_definitions: Sequence[MetricDefinition] = ()
    """Metrics to read from the logs (``MetricDefinitions``; a tuning job allows fewer, see the
    rules table); the tuning objective must be one of them for a custom image."""
    enable_sagemaker_metrics_time_series: bool = False
    """Publish the metrics as a time series to SageMaker Experiments; training jobs only
    (``EnableSageMakerMetricsTimeSeries``). @default false"""
    container_entrypoint: Sequence[str] = ()
    """Entrypoint of the container; training jobs only (``ContainerEntrypoint``). @default - the image's"""
    container_arguments: Sequence[str] = ()
    """Arguments of the entrypoint; training jobs only (``ContainerArguments``). @default - the image's"""
    training_image_config: TrainingImageConfig | None = None
    """Pull the image from a private registry; training jobs only (``TrainingImageConfig``).
    @default - SageMaker pulls from ECR"""

    def render(self, field: str) -> dict[str, Any]:
        if self.training_image is not None and not isinstance(self.training_image, TrainingImage):
            raise ValidationError(
                f"{field}.TrainingImage",
                "must be a TrainingImage (e.g. TrainingImage.from_registry(uri))",
                self.training_image,
            )
        metrics = items(f"{field}.MetricDefinitions", self.metric_definitions, MetricDefinition)
        image_config = self.training_image_config
        return compact(
            TrainingImage=None if self.training_image is None else self.training_image.rendered(),
            AlgorithmName=self.algorithm_name,
            TrainingInputMode=enum_value(f"{field}.TrainingInputMode", self.training_input_mode, InputMode),
            MetricDefinitions=[{"Name": m.name, "Regex": m.regex} for m in metrics] or None,
            EnableSageMakerMetricsTimeSeries=self.enable_sagemaker_metrics_time_series or None,
            ContainerEntrypoint=strings(f"{field}.ContainerEntrypoint", self.container_entrypoint),
            ContainerArguments=strings(f"{field}.ContainerArguments", self.container_arguments),
            TrainingImageConfig=None if image_config is None else image_config.render(f"{field}.TrainingImageConfig"),
        )
