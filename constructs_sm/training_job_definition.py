"""What each training job runs: algorithm, data, output, resources (``TrainingJobDefinition``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_iam as iam

from ._checks import check_string_map
from ._job_resources import JobResources
from .algorithm import AlgorithmSpecification
from .channels import Channel, render_channels
from .network import VpcConfig
from .resources import ResourceConfig, StoppingCondition
from .s3_location import S3Location


@dataclass(frozen=True, kw_only=True)
class TrainingJobDefinition:
    """The training jobs a tuning job launches (``HyperParameterTrainingJobDefinition``).

    Output and volumes are encrypted with the workflow's KMS key; the execution role is
    granted exactly what this definition reads and writes.
    """

    algorithm_specification: AlgorithmSpecification
    """The image or algorithm, input mode and metric definitions."""
    input_data_config: Sequence[Channel]
    """1 to 20 input channels with distinct names."""
    output_data_config: S3Location
    """Where SageMaker writes model artifacts (``OutputDataConfig.S3OutputPath``)."""
    resource_config: ResourceConfig = ResourceConfig()
    """@default - 1 ml.m5.xlarge instance with a 10 GiB volume"""
    stopping_condition: StoppingCondition = StoppingCondition()
    """@default - each training job may run 1 day"""
    static_hyper_parameters: Mapping[str, str] = field(default_factory=dict)
    """Hyperparameters that do not change: at most 100, keys and values at most 256 characters."""
    vpc_config: VpcConfig | None = None
    """Run in a VPC. @default - no VPC"""
    enable_network_isolation: bool = False
    """No network access for the training container. @default false"""
    enable_inter_container_traffic_encryption: bool = False
    """Encrypt traffic between instances of distributed training. @default false"""

    def render(self, field_name: str, resources: JobResources) -> dict[str, Any]:
        """The request fragment, with the role, key and VPC of ``resources``."""
        check_string_map(f"{field_name}.StaticHyperParameters", dict(self.static_hyper_parameters), 100)
        rendered: dict[str, Any] = {
            "AlgorithmSpecification": self.algorithm_specification.render(f"{field_name}.AlgorithmSpecification"),
            "RoleArn": resources.role.role_arn,
            "InputDataConfig": render_channels(f"{field_name}.InputDataConfig", self.input_data_config),
            "OutputDataConfig": self._render_output(resources),
            "ResourceConfig": self.resource_config.render(f"{field_name}.ResourceConfig", resources.key_arn),
            "StoppingCondition": self.stopping_condition.render(f"{field_name}.StoppingCondition"),
        }
        if self.static_hyper_parameters:
            rendered["StaticHyperParameters"] = dict(self.static_hyper_parameters)
        if resources.vpc is not None:
            rendered["VpcConfig"] = resources.vpc.render()
        if self.enable_network_isolation:
            rendered["EnableNetworkIsolation"] = True
        if self.enable_inter_container_traffic_encryption:
            rendered["EnableInterContainerTrafficEncryption"] = True
        return rendered

    def _render_output(self, resources: JobResources) -> dict[str, Any]:
        output: dict[str, Any] = {}
        self.output_data_config.render_into(output, "S3OutputPath")
        if resources.key_arn is not None:
            output["KmsKeyId"] = resources.key_arn
        return output

    def grant(self, grantee: iam.IRole) -> None:
        """Give the execution role read access to the inputs, write access to the output, image pull."""
        self.algorithm_specification.grant(grantee)
        for channel in self.input_data_config:
            channel.data_source.grant(grantee)
        self.output_data_config.grant_write(grantee)
