"""Which request fields the optimized ``.sync`` integrations take, at every nesting level.

A request whose every field is in its operation's table runs through
``arn:aws:states:::sagemaker:create<Job>.sync``; any other field sends it through the
``aws-sdk`` integration and a polling loop. A row names a field and, with it, everything inside.
"""

from __future__ import annotations

from functools import cache

from ._model import fields

# Evidence: SEED, the request syntax of the API reference pages the Step Functions developer
# guide's "Create and manage Amazon SageMaker AI jobs" links for the integration (seeds 000, 002);
# SDK, a documented client that sends the field through the .sync integration: the Step Functions
# Data Science SDK's TrainingStep / TuningStep render the SageMaker Python SDK's request.
_JOB_DEFINITION = {
    "AlgorithmSpecification.AlgorithmName": "SEED",
    "AlgorithmSpecification.MetricDefinitions": "SEED",
    "AlgorithmSpecification.TrainingImage": "SEED",
    "AlgorithmSpecification.TrainingInputMode": "SEED",
    "EnableInterContainerTrafficEncryption": "SEED",
    "EnableNetworkIsolation": "SEED",
    "InputDataConfig[].ChannelName": "SEED",
    "InputDataConfig[].CompressionType": "SEED",
    "InputDataConfig[].ContentType": "SEED",
    "InputDataConfig[].DataSource.S3DataSource.AttributeNames": "SEED",
    "InputDataConfig[].DataSource.S3DataSource.S3DataDistributionType": "SEED",
    "InputDataConfig[].DataSource.S3DataSource.S3DataType": "SEED",
    "InputDataConfig[].DataSource.S3DataSource.S3Uri": "SEED",
    "InputDataConfig[].InputMode": "SEED",
    "InputDataConfig[].RecordWrapperType": "SEED",
    "InputDataConfig[].ShuffleConfig.Seed": "SEED",
    "OutputDataConfig.KmsKeyId": "SEED",
    "OutputDataConfig.S3OutputPath": "SEED",
    "ResourceConfig.InstanceCount": "SEED",
    "ResourceConfig.InstanceType": "SEED",
    "ResourceConfig.VolumeKmsKeyId": "SEED",
    "ResourceConfig.VolumeSizeInGB": "SEED",
    "RoleArn": "SEED",
    "StoppingCondition.MaxRuntimeInSeconds": "SEED",
    "VpcConfig.SecurityGroupIds": "SEED",
    "VpcConfig.Subnets": "SEED",
    "EnableManagedSpotTraining": "SDK",
    "StoppingCondition.MaxWaitTimeInSeconds": "SDK",
    "CheckpointConfig": "SDK",
}

OPTIMIZED_FIELDS: dict[str, dict[str, str]] = {
    "CreateTrainingJob": {
        "TrainingJobName": "SEED",
        "HyperParameters": "SEED",
        "Tags": "SEED",
        **_JOB_DEFINITION,
        "Environment": "SDK",
        "RetryStrategy": "SDK",
    },
    "CreateHyperParameterTuningJob": {
        "HyperParameterTuningJobName": "SEED",
        "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective": "SEED",
        "HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges": "SEED",
        "HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges": "SEED",
        "HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges": "SEED",
        "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": "SEED",
        "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": "SEED",
        "HyperParameterTuningJobConfig.Strategy": "SEED",
        "HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType": "SEED",
        "TrainingJobDefinition.StaticHyperParameters": "SEED",
        "Tags": "SEED",
        "WarmStartConfig": "SEED",
        **{f"TrainingJobDefinition.{path}": evidence for path, evidence in _JOB_DEFINITION.items()},
    },
}


def unsupported_fields(operation: str, request: dict[str, object]) -> list[str]:
    """The fields of ``request`` the optimized integration does not take, as JSON path patterns."""
    rows, ancestors = _index(operation)
    unsupported: list[str] = []
    for path in fields(operation, request):
        parents = _parents(path)
        inside = path in rows or any(p in rows for p in parents)
        if not (inside or path in ancestors or any(p in unsupported for p in parents) or path in unsupported):
            unsupported.append(path)
    return unsupported


@cache
def _index(operation: str) -> tuple[frozenset[str], frozenset[str]]:
    """The table's rows, and every path above a row."""
    rows = frozenset(OPTIMIZED_FIELDS[operation])
    return rows, frozenset(parent for row in rows for parent in _parents(row))


def _parents(path: str) -> list[str]:
    """``A.B[].C`` -> ``A``, ``A.B``, ``A.B[]``: each path above it."""
    return [path[:i] for i, c in enumerate(path) if c in ".["]
