"""constructs_sm: SageMaker hyperparameter tuning and training as reviewable AWS CDK infrastructure."""

from .algorithm import AlgorithmSpecification, InputMode, MetricDefinition, TrainingImage
from .channels import (
    Channel,
    CompressionType,
    RecordWrapperType,
    S3DataDistributionType,
    S3DataSource,
    S3DataType,
)
from .describe_task import SageMakerDescribeTrainingJob
from .encryption_key import artifact_key
from .errors import ValidationError
from .network import VpcConfig
from .request_import import (
    RequestShape,
    detect_request_shape,
    job_name_prefix,
    to_current_request,
    tuning_workflow_from_request,
)
from .resources import ResourceConfig, StoppingCondition
from .role import SageMakerExecutionRole
from .s3_location import S3Location
from .training_job_definition import TrainingJobDefinition
from .tuning_config import (
    CategoricalParameterRange,
    ContinuousParameterRange,
    EarlyStoppingType,
    HyperParameterTuningJobConfig,
    IntegerParameterRange,
    ObjectiveType,
    ResourceLimits,
    ScalingType,
    Strategy,
    TuningObjective,
    WarmStartConfig,
    WarmStartType,
)
from .tuning_task import SageMakerCreateHyperParameterTuningJob
from .tuning_workflow import TuningIntegration, TuningWorkflow

__all__ = [
    "AlgorithmSpecification",
    "CategoricalParameterRange",
    "Channel",
    "CompressionType",
    "ContinuousParameterRange",
    "EarlyStoppingType",
    "HyperParameterTuningJobConfig",
    "InputMode",
    "IntegerParameterRange",
    "MetricDefinition",
    "ObjectiveType",
    "RecordWrapperType",
    "RequestShape",
    "ResourceConfig",
    "ResourceLimits",
    "S3DataDistributionType",
    "S3DataSource",
    "S3DataType",
    "S3Location",
    "SageMakerCreateHyperParameterTuningJob",
    "SageMakerDescribeTrainingJob",
    "SageMakerExecutionRole",
    "ScalingType",
    "StoppingCondition",
    "Strategy",
    "TrainingImage",
    "TrainingJobDefinition",
    "TuningIntegration",
    "TuningObjective",
    "TuningWorkflow",
    "ValidationError",
    "VpcConfig",
    "WarmStartConfig",
    "WarmStartType",
    "artifact_key",
    "detect_request_shape",
    "job_name_prefix",
    "to_current_request",
    "tuning_workflow_from_request",
]
