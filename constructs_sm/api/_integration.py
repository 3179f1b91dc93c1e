"""Which request fields the optimized ``.sync`` integrations take, at every nesting level.

A request whose every field is in its operation's table runs through
``arn:aws:states:::sagemaker:create<Job>.sync``; any other field sends it through the
``aws-sdk`` integration and a polling loop. A row names a field and, with it, everything inside.

A field outside the table that holds the value SageMaker applies when it is absent
(:data:`SERVICE_DEFAULTS`) is dropped from the request instead: the job is the same, and the
request keeps the optimized integration.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from functools import cache
from typing import Any

from ..core._paths import JOB_ROOTS, find, join
from ._model import fields, operation_names

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


def task_resource(partition: str, operation: str, *, sdk: bool = True, sync: bool = False) -> str:
    """A Task state's ``Resource`` for a SageMaker operation named as botocore's model names it
    (``StopTrainingJob``): the aws-sdk integration's ``arn:<partition>:states:::aws-sdk:sagemaker:
    stopTrainingJob``, or with ``sdk=False`` the optimized integration's
    ``arn:<partition>:states:::sagemaker:createTrainingJob``, ``.sync`` with ``sync``. Step Functions
    names the action as the API does, its first letter in lowercase ("Learning to use AWS service
    SDK integrations in Step Functions",
    https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html)."""
    if operation not in operation_names():
        raise ValueError(f"{operation} is not an operation of botocore's SageMaker model")
    if sdk and sync:
        raise ValueError("the aws-sdk integration has no .sync")
    action = operation[0].lower() + operation[1:]
    service = "aws-sdk:sagemaker" if sdk else "sagemaker"
    return f"arn:{partition}:states:::{service}:{action}{'.sync' if sync else ''}"


# Under a training job definition: field -> (the value SageMaker applies when the field is absent,
# the page that says so). Only defaults stated without a condition: EnableSageMakerMetricsTimeSeries
# ("The default is false ... except in the following cases") is not one.
SERVICE_DEFAULTS: dict[str, tuple[Any, str]] = {
    # The SageMaker Python SDK v3 sends it in every CreateTrainingJob and CreateHyperParameterTuningJob.
    "OutputDataConfig.CompressionType": (
        "GZIP",
        "SageMaker API Reference, OutputDataConfig, CompressionType: 'Defaults to gzip.' "
        "(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OutputDataConfig.html)",
    ),
}


def without_service_defaults(
    operation: str, request: dict[str, Any], *, keep: Collection[str] = frozenset()
) -> dict[str, Any]:
    """``request`` without the fields outside the table that hold SageMaker's default. A field that
    a path of ``keep`` names (one the execution input may set, ``A[0].B`` or ``A[name].B``) stays,
    in every definition: it keeps the request on the aws-sdk integration anyway."""
    rows, _ = _index(operation)
    drop = [
        path
        for root in JOB_ROOTS[operation]
        for relative, (default, _source) in SERVICE_DEFAULTS.items()
        if not _covered(join(root, relative), rows)
        and not any(p == relative or p.endswith(f".{relative}") for p in keep)
        for path, value in find(request, join(root, relative))
        if value == default and type(value) is type(default)
    ]
    if not drop:
        return request
    request = copy.deepcopy(request)
    for path in drop:
        parent, _, name = path.rpartition(".")
        holder = next(value for _path, value in find(request, _pattern(parent)) if _path == parent)
        del holder[name]
    return request


def _covered(pattern: str, rows: frozenset[str]) -> bool:
    return pattern in rows or any(p in rows for p in _parents(pattern))


def _pattern(path: str) -> str:
    """``A[0].B`` -> ``A[].B``."""
    return re.sub(r"\[\d+\]", "[]", path)


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
