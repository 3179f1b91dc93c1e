"""constructs_sm: SageMaker hyperparameter tuning and training as reviewable AWS CDK infrastructure."""

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
from .describe_task import SageMakerDescribeTrainingJob
from .encryption_key import artifact_key
from .errors import ValidationError
from .network import VpcConfig
from .request_import import (
    RequestShape,
    detect_request_shape,
    job_name_prefix,
    to_current_request,
    training_workflow_from_request,
    tuning_workflow_from_request,
)
from .resources import (
    AllocationStrategy,
    HyperParameterTuningInstanceConfig,
    HyperParameterTuningResourceConfig,
    InstanceGroup,
    ResourceConfig,
    StoppingCondition,
)
from .role import SageMakerExecutionRole
from .s3_location import S3Location
from .training_job_definition import (
    CheckpointConfig,
    OutputCompressionType,
    OutputDataConfig,
    RetryStrategy,
    TrainingJobDefinition,
)
from .training_task import SageMakerCreateTrainingJob
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
    ResourceLimits,
    ScalingType,
    Strategy,
    TuningJobCompletionCriteria,
    TuningObjective,
    WarmStartConfig,
    WarmStartType,
)
from .tuning_task import SageMakerCreateHyperParameterTuningJob
from .tuning_workflow import TuningIntegration, TuningWorkflow

__all__ = [
    "AlgorithmSpecification",
    "AllocationStrategy",
    "AutoParameter",
    "BestObjectiveNotImproving",
    "CategoricalParameterRange",
    "Channel",
    "CheckpointConfig",
    "CompleteOnConvergence",
    "CompressionType",
    "ContinuousParameterRange",
    "ConvergenceDetected",
    "EarlyStoppingType",
    "FileSystemAccessMode",
    "FileSystemDataSource",
    "FileSystemType",
    "HyperParameterTuningInstanceConfig",
    "HyperParameterTuningJobConfig",
    "HyperParameterTuningResourceConfig",
    "HyperbandStrategyConfig",
    "InputMode",
    "InstanceGroup",
    "IntegerParameterRange",
    "MetricDefinition",
    "ObjectiveType",
    "OutputCompressionType",
    "OutputDataConfig",
    "RecordWrapperType",
    "RequestShape",
    "ResourceConfig",
    "ResourceLimits",
    "RetryStrategy",
    "S3DataDistributionType",
    "S3DataSource",
    "S3DataType",
    "S3Location",
    "SageMakerCreateHyperParameterTuningJob",
    "SageMakerCreateTrainingJob",
    "SageMakerDescribeTrainingJob",
    "SageMakerExecutionRole",
    "ScalingType",
    "StoppingCondition",
    "Strategy",
    "TrainingImage",
    "TrainingImageConfig",
    "TrainingIntegration",
    "TrainingJobDefinition",
    "TrainingRepositoryAccessMode",
    "TrainingWorkflow",
    "TuningIntegration",
    "TuningJobCompletionCriteria",
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
    "training_workflow_from_request",
    "tuning_workflow_from_request",
]
