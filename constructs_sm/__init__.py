"""constructs_sm: SageMaker hyperparameter tuning and training as reviewable AWS CDK infrastructure.

The names load on first use (PEP 562): importing the package, its CLI or its tools loads neither
aws-cdk-lib nor botocore until a construct is built. ``__version__`` is the installed distribution's
version (its metadata, from pyproject.toml), read on first use too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from .asl._job_request import TrainingIntegration, TuningIntegration
    from .errors import ValidationError
    from .iam._grants import ManifestData
    from .iam.encryption_key import artifact_key
    from .iam.role import SageMakerExecutionRole
    from .props.algorithm import (
        AlgorithmSpecification,
        InputMode,
        MetricDefinition,
        TrainingImage,
        TrainingImageConfig,
        TrainingRepositoryAccessMode,
    )
    from .props.channels import (
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
    from .props.network import VpcConfig
    from .props.resources import (
        AllocationStrategy,
        HyperParameterTuningInstanceConfig,
        HyperParameterTuningResourceConfig,
        InstanceGroup,
        ResourceConfig,
        StoppingCondition,
    )
    from .props.s3_location import S3Location
    from .props.training_job_definition import (
        CheckpointConfig,
        OutputCompressionType,
        OutputDataConfig,
        RetryStrategy,
        TrainingJobDefinition,
    )
    from .props.tuning_config import (
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
    from .tasks._task_state import JobTaskOptions
    from .tasks.describe_task import SageMakerDescribeTrainingJob
    from .tasks.training_task import SageMakerCreateTrainingJob
    from .tasks.tuning_task import SageMakerCreateHyperParameterTuningJob
    from .workflows._job_workflow import JobWorkflow, WorkflowOptions
    from .workflows.fan_out import ItemFormat, WorkflowFanOut
    from .workflows.model_registration import ModelRegistration
    from .workflows.notifications import WorkflowNotifications
    from .workflows.request_import import (
        RequestShape,
        detect_request_shape,
        job_name_prefix,
        to_current_request,
        training_workflow_from_request,
        tuning_workflow_from_request,
    )
    from .workflows.schedule import WorkflowSchedule
    from .workflows.training_workflow import TrainingWorkflow
    from .workflows.tuning_workflow import TuningWorkflow

_EXPORTS: dict[str, tuple[str, ...]] = {
    "props.algorithm": (
        "AlgorithmSpecification",
        "InputMode",
        "MetricDefinition",
        "TrainingImage",
        "TrainingImageConfig",
        "TrainingRepositoryAccessMode",
    ),
    "props.channels": (
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
    "tasks.describe_task": ("SageMakerDescribeTrainingJob",),
    "tasks._task_state": ("JobTaskOptions",),
    "iam.encryption_key": ("artifact_key",),
    "errors": ("ValidationError",),
    "workflows.model_registration": ("ModelRegistration",),
    "props.network": ("VpcConfig",),
    "workflows.notifications": ("WorkflowNotifications",),
    "workflows.request_import": (
        "RequestShape",
        "detect_request_shape",
        "job_name_prefix",
        "to_current_request",
        "training_workflow_from_request",
        "tuning_workflow_from_request",
    ),
    "props.resources": (
        "AllocationStrategy",
        "HyperParameterTuningInstanceConfig",
        "HyperParameterTuningResourceConfig",
        "InstanceGroup",
        "ResourceConfig",
        "StoppingCondition",
    ),
    "iam.role": ("SageMakerExecutionRole",),
    # Types that public signatures name: a request's manifest locations, the workflows' base class.
    "iam._grants": ("ManifestData",),
    "workflows._job_workflow": ("JobWorkflow", "WorkflowOptions"),
    "props.s3_location": ("S3Location",),
    "workflows.schedule": ("WorkflowSchedule",),
    "workflows.fan_out": ("ItemFormat", "WorkflowFanOut"),
    "props.training_job_definition": (
        "CheckpointConfig",
        "OutputCompressionType",
        "OutputDataConfig",
        "RetryStrategy",
        "TrainingJobDefinition",
    ),
    "tasks.training_task": ("SageMakerCreateTrainingJob",),
    "workflows.training_workflow": ("TrainingWorkflow",),
    "props.tuning_config": (
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
        "ParameterRange",
        "ResourceLimits",
        "ScalingType",
        "Strategy",
        "TuningJobCompletionCriteria",
        "TuningObjective",
        "WarmStartConfig",
        "WarmStartType",
    ),
    "tasks.tuning_task": ("SageMakerCreateHyperParameterTuningJob",),
    "workflows.tuning_workflow": ("TuningWorkflow",),
    "asl._job_request": ("TrainingIntegration", "TuningIntegration"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


_DISTRIBUTION = "constructs-sm"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        globals()[name] = value = version(_DISTRIBUTION)
        return value
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
