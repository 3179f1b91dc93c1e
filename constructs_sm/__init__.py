"""constructs_sm: SageMaker hyperparameter tuning and training as reviewable AWS CDK infrastructure.

The names load on first use (PEP 562): importing the package, its CLI or its tools loads neither
aws-cdk-lib nor botocore until a construct is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from .model_registration import ModelRegistration
    from .network import VpcConfig
    from .notifications import WorkflowNotifications
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
    from .schedule import WorkflowSchedule
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

_EXPORTS: dict[str, tuple[str, ...]] = {
    "algorithm": (
        "AlgorithmSpecification",
        "InputMode",
        "MetricDefinition",
        "TrainingImage",
        "TrainingImageConfig",
        "TrainingRepositoryAccessMode",
    ),
    "channels": (
        "Channel",
        "CompressionType",
        "FileSystemAccessMode",
        "FileSystemDataSource",
        "FileSystemType",
        "RecordWrapperType",
        "S3DataDistributionType",
        "S3DataSource",
        "S3DataType",
    ),
    "describe_task": ("SageMakerDescribeTrainingJob",),
    "encryption_key": ("artifact_key",),
    "errors": ("ValidationError",),
    "model_registration": ("ModelRegistration",),
    "network": ("VpcConfig",),
    "notifications": ("WorkflowNotifications",),
    "request_import": (
        "RequestShape",
        "detect_request_shape",
        "job_name_prefix",
        "to_current_request",
        "training_workflow_from_request",
        "tuning_workflow_from_request",
    ),
    "resources": (
        "AllocationStrategy",
        "HyperParameterTuningInstanceConfig",
        "HyperParameterTuningResourceConfig",
        "InstanceGroup",
        "ResourceConfig",
        "StoppingCondition",
    ),
    "role": ("SageMakerExecutionRole",),
    "s3_location": ("S3Location",),
    "schedule": ("WorkflowSchedule",),
    "training_job_definition": (
        "CheckpointConfig",
        "OutputCompressionType",
        "OutputDataConfig",
        "RetryStrategy",
        "TrainingJobDefinition",
    ),
    "training_task": ("SageMakerCreateTrainingJob",),
    "training_workflow": (
        "TrainingIntegration",
        "TrainingWorkflow",
    ),
    "tuning_config": (
        "AutoParameter",
        "BestObjectiveNotImproving",
        "CategoricalParameterRange",
        "CompleteOnConvergence",
        "ContinuousParameterRange",
        "ConvergenceDetected",
        "EarlyStoppingType",
        "HyperbandStrategyConfig",
        "HyperParameterTuningJobConfig",
        "IntegerParameterRange",
        "ObjectiveType",
        "ResourceLimits",
        "ScalingType",
        "Strategy",
        "TuningJobCompletionCriteria",
        "TuningObjective",
        "WarmStartConfig",
        "WarmStartType",
    ),
    "tuning_task": ("SageMakerCreateHyperParameterTuningJob",),
    "tuning_workflow": (
        "TuningIntegration",
        "TuningWorkflow",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
