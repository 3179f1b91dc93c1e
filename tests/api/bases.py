"""Minimal valid requests, one per request form, that the table-driven tests change one field at a time.

``rules_base(form)`` is what a user gives ``api._request.check``: no job name, no role (the request
layer owns those paths and stubs them). ``model_base(form)`` is a whole request for
``api._model.validate``: the name and roles set, and every optional parent the model-limit table
reaches present, valid for the model (not necessarily for the rules: it is never checked by them).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

TRAINING = "CreateTrainingJob"
TUNING = "CreateHyperParameterTuningJob"

OPERATION = {"training": TRAINING, "tuning": TUNING, "several": TUNING}
"""The request forms: a training job, a tuning job of one TrainingJobDefinition, one of TrainingJobDefinitions."""

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ROLE = "arn:aws:iam::123456789012:role/ExampleSageMakerRole"
OBJECTIVE = {"Type": "Maximize", "MetricName": "validation:auc"}
ETA = {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}


def s3_channel(name: str = "train") -> dict[str, Any]:
    return {
        "ChannelName": name,
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://example-bucket/{name}/"}},
    }


def file_system(directory: str = "/data") -> dict[str, Any]:
    """A channel's ``DataSource`` on EFS."""
    return {
        "FileSystemDataSource": {
            "FileSystemId": "fs-0123456789abcdef0",
            "FileSystemAccessMode": "ro",
            "FileSystemType": "EFS",
            "DirectoryPath": directory,
        }
    }


def _job() -> dict[str, Any]:
    return {
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "InputDataConfig": [s3_channel()],
        "OutputDataConfig": {"S3OutputPath": "s3://example-bucket/output/"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def _definition(name: str) -> dict[str, Any]:
    """One of several tuning definitions: its own name, objective and ranges."""
    return {
        "DefinitionName": name,
        "TuningObjective": dict(OBJECTIVE),
        "HyperParameterRanges": {"ContinuousParameterRanges": [dict(ETA)]},
        **_job(),
        "StaticHyperParameters": {"num_round": "100"},
    }


_RULES_BASES: dict[str, dict[str, Any]] = {
    "training": _job(),
    "tuning": {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": dict(OBJECTIVE),
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {"ContinuousParameterRanges": [dict(ETA)]},
        },
        "TrainingJobDefinition": {**_job(), "StaticHyperParameters": {"num_round": "100"}},
    },
    "several": {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
        },
        "TrainingJobDefinitions": [_definition("a"), _definition("b")],
    },
}


def rules_base(form: str) -> dict[str, Any]:
    """A fresh copy of the minimal valid request of ``form`` ("training", "tuning" or "several")."""
    return copy.deepcopy(_RULES_BASES[form])


def _model_extras(job: dict[str, Any], *, tuning: bool) -> None:
    """The optional parents the model-limit table reaches in a job definition."""
    job["RoleArn"] = ROLE
    job["Environment"] = {"MODE": "x"}
    job["AlgorithmSpecification"]["MetricDefinitions"] = [{"Name": "validation:auc", "Regex": "auc=([0-9.]+)"}]
    job["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 60
    job["ResourceConfig"]["InstanceGroups"] = [
        {"InstanceGroupName": "g", "InstanceType": "ml.m5.xlarge", "InstanceCount": 1}
    ]
    job["RetryStrategy"] = {"MaximumRetryAttempts": 1}
    fs = {"ChannelName": "fs", "DataSource": file_system()}
    if tuning:
        job["InputDataConfig"].append(fs)
        job["HyperParameterTuningResourceConfig"] = {
            "InstanceConfigs": [{"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}]
        }
    else:
        job["InputDataConfig"].insert(0, fs)
        job["AlgorithmSpecification"]["ContainerArguments"] = ["--verbose"]
        job["HyperParameters"] = {"num_round": "100"}


def model_base(form: str) -> dict[str, Any]:
    """A fresh copy of the request of ``form`` as SageMaker receives it, every parent the limit table names present."""
    request = rules_base(form)
    tags = [{"Key": "project", "Value": "churn"}]
    if form == "training":
        _model_extras(request, tuning=False)
        return {"TrainingJobName": "stand-in-name", **request, "Tags": tags}
    for job in request.get("TrainingJobDefinitions", [request.get("TrainingJobDefinition")]):
        _model_extras(job, tuning=True)
    config = request["HyperParameterTuningJobConfig"]
    config["ResourceLimits"]["MaxRuntimeInSeconds"] = 3600
    config["RandomSeed"] = 1
    config["StrategyConfig"] = {"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 10}}
    config["TuningJobCompletionCriteria"] = {"BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3}}
    if form == "tuning":
        config["ParameterRanges"] = {
            "ContinuousParameterRanges": [dict(ETA)],
            "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "3", "MaxValue": "10"}],
            "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}],
            "AutoParameters": [{"Name": "alpha", "ValueHint": "0.1"}],
        }
    return {
        "HyperParameterTuningJobName": "stand-in-name",
        **request,
        "WarmStartConfig": {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent-job"}],
            "WarmStartType": "TransferLearning",
        },
        "Tags": tags,
    }


DROP: Any = object()
"""A change's value that removes the member."""

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def changed(request: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``request`` with each ``{JSON path: value}`` of ``changes`` set (parents made as needed) or
    removed (:data:`DROP`), in order."""
    for path, value in changes.items():
        steps: list[str | int] = [name or int(index) for name, index in _STEP.findall(path)]
        target: Any = request
        for step in steps[:-1]:
            if isinstance(step, str):
                target = target.setdefault(step, {})
            else:
                target = target[step]
        if value is DROP:
            del target[steps[-1]]
        else:
            target[steps[-1]] = copy.deepcopy(value)
    return request
