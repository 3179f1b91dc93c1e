"""The training algorithm: its image or name, input mode and metric definitions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from ._checks import check_count, check_enum, check_length, check_pattern, is_unresolved
from .errors import ValidationError

_ECR_URI = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9][a-z0-9._/-]*)(?::[\w.-]+|@sha256:[0-9a-f]{64})?"
)
_ALGORITHM_NAME = re.compile(
    r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)"
)


class InputMode(StrEnum):
    """How the algorithm reads its input (``TrainingInputMode``)."""

    FILE = "File"
    PIPE = "Pipe"
    FAST_FILE = "FastFile"


class TrainingImage:
    """The Docker image of the training algorithm, with the ECR permissions to pull it."""

    def __init__(self, uri: str, repository: tuple[str, str, str] | None) -> None:
        self.uri = uri
        # (region, account, repository name) of an ECR image given by URI or from the input.
        self._repository_location = repository
        self._repository: ecr.IRepository | None = None

    @classmethod
    def from_ecr_repository(cls, repository: ecr.IRepository, tag_or_digest: str = "latest") -> TrainingImage:
        """An image in an ECR repository; pull rights are granted on that repository only."""
        image = cls(repository.repository_uri_for_tag_or_digest(tag_or_digest), None)
        image._repository = repository
        return image

    @classmethod
    def from_registry(cls, uri: str) -> TrainingImage:
        """An image by URI, e.g. a SageMaker built-in algorithm image.

        For an ECR URI the pull rights are scoped to that repository; other registries
        need no ECR permissions.
        """
        check_length("TrainingImage", uri, 1, 255)
        if not is_unresolved(uri) and (uri != uri.strip() or " " in uri):
            raise ValidationError("TrainingImage", "must not contain spaces", uri)
        match = None if is_unresolved(uri) else _ECR_URI.fullmatch(uri)
        return cls(uri, (match["region"], match["account"], match["repository"]) if match else None)

    @classmethod
    def from_json_path(cls, path: str) -> TrainingImage:
        """An image URI read from the execution input; pull rights cover this account's repositories."""
        if not path.startswith("$"):
            raise ValidationError("TrainingImage", "must be a JSONPath such as $.TrainingImage", path)
        return cls(path, ("", "", "*"))

    def grant_pull(self, grantee: iam.IRole) -> None:
        if self._repository is not None:
            self._repository.grant_pull(grantee)
        elif self._repository_location is not None:
            region, account, name = self._repository_location
            stack = cdk.Stack.of(grantee)
            repository_arn = (
                f"arn:{stack.partition}:ecr:{region or stack.region}:{account or stack.account}:repository/{name}"
            )
            # ecr:GetAuthorizationToken has no resource-level permissions (ECR authorization reference).
            ecr.AuthorizationToken.grant_read(grantee)
            grantee.add_to_principal_policy(iam.PolicyStatement(actions=_PULL_ACTIONS, resources=[repository_arn]))

    def render_into(self, target: dict[str, Any]) -> None:
        if self.uri.startswith("$"):
            target["TrainingImage.$"] = self.uri
        else:
            target["TrainingImage"] = self.uri


_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]


@dataclass(frozen=True, kw_only=True)
class MetricDefinition:
    """A metric the algorithm writes to its logs (``MetricDefinition``)."""

    name: str
    """Metric name, 1-255 characters."""
    regex: str
    """Regular expression that captures the value from the logs, 1-500 characters."""

    def render(self, field: str) -> dict[str, str]:
        check_length(f"{field}.Name", self.name, 1, 255)
        check_length(f"{field}.Regex", self.regex, 1, 500)
        return {"Name": self.name, "Regex": self.regex}


class TrainingRepositoryAccessMode(StrEnum):
    """Where SageMaker pulls the training image from (``TrainingRepositoryAccessMode``)."""

    PLATFORM = "Platform"
    """Amazon ECR, over SageMaker's own network."""
    VPC = "Vpc"
    """A private Docker registry reached through the training job's VPC."""


@dataclass(frozen=True, kw_only=True)
class TrainingImageConfig:
    """How to reach the training image (``TrainingImageConfig``), e.g. in a private registry."""

    training_repository_access_mode: TrainingRepositoryAccessMode = TrainingRepositoryAccessMode.VPC
    """@default TrainingRepositoryAccessMode.VPC (a private registry; the job needs ``vpc_config``)"""
    credentials_provider: lambda_.IFunction | None = None
    """A Lambda function that returns the registry's credentials
    (``TrainingRepositoryAuthConfig``); the execution role may invoke it. @default - no authentication"""

    def render(self, field: str) -> dict[str, Any]:
        check_enum(
            f"{field}.TrainingRepositoryAccessMode", self.training_repository_access_mode, TrainingRepositoryAccessMode
        )
        config: dict[str, Any] = {"TrainingRepositoryAccessMode": self.training_repository_access_mode.value}
        if self.credentials_provider is not None:
            if self.training_repository_access_mode is not TrainingRepositoryAccessMode.VPC:
                raise ValidationError(
                    f"{field}.TrainingRepositoryAuthConfig",
                    "authenticates to a private registry: it needs TrainingRepositoryAccessMode.VPC",
                    self.training_repository_access_mode.value,
                )
            config["TrainingRepositoryAuthConfig"] = {
                "TrainingRepositoryCredentialsProviderArn": self.credentials_provider.function_arn
            }
        return config

    def grant(self, grantee: iam.IRole) -> None:
        if self.credentials_provider is not None:
            self.credentials_provider.grant_invoke(grantee)


@dataclass(frozen=True, kw_only=True)
class AlgorithmSpecification:
    """What to train with (``AlgorithmSpecification``): exactly one of an image or an algorithm name."""

    training_image: TrainingImage | None = None
    """The algorithm's Docker image. @default - none; give ``algorithm_name`` instead."""
    algorithm_name: str | None = None
    """An algorithm resource name or ARN (e.g. from AWS Marketplace), 1-170 characters."""
    training_input_mode: InputMode = InputMode.FILE
    """How input data reaches the container. @default InputMode.FILE"""
    metric_definitions: Sequence[MetricDefinition] = ()
    """Metrics to read from the logs, at most 40; the tuning objective must be one of them
    for a custom image."""
    enable_sagemaker_metrics_time_series: bool = False
    """Publish the metrics as a time series to SageMaker Experiments; training jobs only
    (``EnableSageMakerMetricsTimeSeries``). @default false"""
    container_entrypoint: Sequence[str] = ()
    """Entrypoint of the container, 1 to 100 strings of at most 256 characters; training jobs
    only (``ContainerEntrypoint``). @default - the image's"""
    container_arguments: Sequence[str] = ()
    """Arguments of the entrypoint, 1 to 100 strings of at most 256 characters; training jobs
    only (``ContainerArguments``). @default - the image's"""
    training_image_config: TrainingImageConfig | None = None
    """Pull the image from a private registry; training jobs only (``TrainingImageConfig``).
    @default - SageMaker pulls from ECR"""

    def render(self, field: str, *, training_job: bool) -> dict[str, Any]:
        if self.training_image is None and self.algorithm_name is None:
            raise ValidationError(field, "needs exactly one of training_image or algorithm_name", None)
        if self.training_image is not None and self.algorithm_name is not None:
            raise ValidationError(
                field,
                "takes training_image or algorithm_name, not both",
                self.algorithm_name,
            )
        check_enum(f"{field}.TrainingInputMode", self.training_input_mode, InputMode)
        spec: dict[str, Any] = {"TrainingInputMode": self.training_input_mode.value}
        if self.training_image is not None:
            self.training_image.render_into(spec)
        else:
            check_length(f"{field}.AlgorithmName", self.algorithm_name, 1, 170)
            check_pattern(
                f"{field}.AlgorithmName",
                self.algorithm_name,
                _ALGORITHM_NAME,
                "must be an algorithm name or a SageMaker algorithm ARN",
            )
            spec["AlgorithmName"] = self.algorithm_name
        check_count(f"{field}.MetricDefinitions", self.metric_definitions, 0, 40)
        if self.metric_definitions:
            spec["MetricDefinitions"] = [
                m.render(f"{field}.MetricDefinitions[{i}]") for i, m in enumerate(self.metric_definitions)
            ]
        spec.update(self._render_container(field, training_job=training_job))
        return spec

    def _render_container(self, field: str, *, training_job: bool) -> dict[str, Any]:
        """The fields CreateTrainingJob takes and a tuning job's HyperParameterAlgorithmSpecification lacks."""
        rendered: dict[str, Any] = {}
        if self.enable_sagemaker_metrics_time_series:
            rendered["EnableSageMakerMetricsTimeSeries"] = True
        for name, strings in (
            ("ContainerEntrypoint", self.container_entrypoint),
            ("ContainerArguments", self.container_arguments),
        ):
            if isinstance(strings, str):
                raise ValidationError(f"{field}.{name}", "must be a list of strings, not one string", strings)
            if strings:
                check_count(f"{field}.{name}", strings, 1, 100)
                for index, item in enumerate(strings):
                    check_length(f"{field}.{name}[{index}]", item, 0, 256)
                rendered[name] = list(strings)
        if self.training_image_config is not None:
            rendered["TrainingImageConfig"] = self.training_image_config.render(f"{field}.TrainingImageConfig")
        if rendered and not training_job:
            raise ValidationError(
                f"{field}.{next(iter(rendered))}",
                "is only allowed for a training job (a tuning job's HyperParameterAlgorithmSpecification has no such field)",
                next(iter(rendered.values())),
            )
        return rendered

    @property
    def needs_vpc(self) -> bool:
        """A private registry in the VPC needs the job to run in a VPC."""
        config = self.training_image_config
        return config is not None and config.training_repository_access_mode is TrainingRepositoryAccessMode.VPC

    def grant(self, grantee: iam.IRole) -> None:
        if self.training_image is not None:
            self.training_image.grant_pull(grantee)
        if self.training_image_config is not None:
            self.training_image_config.grant(grantee)
