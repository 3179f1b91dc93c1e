"""The largest request the model allows, for both operations: every member present at its maximum
count, built by walking botocore's model, accepted, synthesized, and sent as it is.

A member the walk reaches is in the request unless the exclusions below name it, with the reason
(alternatives SageMaker takes one of, and fields for other kinds of jobs): a member botocore adds
later is generated, or this test fails naming it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import botocore.session
import pytest
import regex
from aws_cdk.assertions import Template

import constructs_sm as sm
from tests.conftest import new_stack
from tests.test_conformance import without_owned

_MODEL = botocore.session.get_session().get_service_model("sagemaker")

# Members left out, each with the reason (SageMaker takes one of the alternatives).
EXCLUDED = {
    "AlgorithmName": "an alternative to TrainingImage",
    "FileSystemDataSource": "an alternative to S3DataSource in a channel",
    "HubAccessConfig": "an alternative data source for hub content",
    "DatasetSource": "an alternative data source (a hub content data set)",
    "InstanceGroups": "an alternative to InstanceType/InstanceCount",
    "InstanceGroupNames": "names groups of InstanceGroups, left out above",
    "HyperParameterTuningResourceConfig": "an alternative to ResourceConfig in a tuning definition",
    "KeepAlivePeriodInSeconds": "warm pools need on-demand instances; the request uses spot",
    "TrainingPlanArn": "capacity reserved in a training plan, with InstancePlacementConfig",
    "InstancePlacementConfig": "placement within a training plan's capacity",
    "InstancePreferences": "alternatives to InstanceType within a training plan",
    "ServerlessJobConfig": "a serverless job has no ResourceConfig",
    "ModelPackageConfig": "a model package for fine-tuning jobs of a hub model",
    "MlflowConfig": "MLflow tracking needs a tracking server of the account",
    "SessionChainingConfig": "needs a tagged session of the caller",
    "AutoParameters": "only with Autotune, which chooses the ranges itself",
    "Autotune": "SageMaker chooses the configuration; excludes the explicit strategy fields",
    "TrainingJobDefinition": "an alternative to TrainingJobDefinitions: one request for each form",
    "TrainingJobDefinitions": "an alternative to TrainingJobDefinition: one request for each form",
    "StrategyConfig": "Hyperband only; the request uses Bayesian with early stopping",
}

_CANDIDATES = [
    "s3://example-ml-data/data/",
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    "arn:aws:iam::123456789012:role/stand-in",
    "arn:aws:lambda:us-east-1:123456789012:function:creds",
    "subnet-0123456789abcdef0",
    "sg-0123456789abcdef0",
    "/opt/ml/checkpoints",
    "text/csv",
    "0.5",
]


def _string(shape: Any, index: int) -> str:
    """The enum's first value, else the first candidate the member's own pattern and length accept."""
    if shape.enum:
        return str(shape.enum[0])
    low, high, pattern = shape.metadata.get("min", 0), shape.metadata.get("max", 10**6), shape.metadata.get("pattern")
    for candidate in [f"v{index}x", *_CANDIDATES]:
        if low <= len(candidate) <= high and (not pattern or regex.fullmatch(pattern, candidate)):
            return candidate
    raise AssertionError(f"no sample value for {shape.name} ({pattern})")


def build(shape: Any, index: int = 0) -> Any:
    """A value for every member, lists and maps at the model's maximum count (at most 100)."""
    kind = shape.type_name
    if kind == "structure":
        return {m: build(s, index) for m, s in shape.members.items() if m not in EXCLUDED}
    if kind == "list":
        count = max(shape.metadata.get("min", 0), min(shape.metadata.get("max", 100), 100))
        return [build(shape.member, i) for i in range(count)]
    if kind == "map":
        return {f"K{i}": build(shape.value, i) for i in range(min(shape.metadata.get("max", 100), 100))}
    if kind == "string":
        return _string(shape, index)
    if kind in ("integer", "long"):
        return max(shape.metadata.get("min", 1), 1)
    if kind in ("float", "double"):
        return 0.5
    if kind == "boolean":
        return True
    raise AssertionError(f"no value for {shape.name} ({kind})")


# The two tuning forms' alternatives, by path: what one form takes, the other refuses.
FORM_ALTERNATIVES = {
    "training": set(),
    "one definition": {
        "TrainingJobDefinitions",
        "TrainingJobDefinition.DefinitionName",
        "TrainingJobDefinition.TuningObjective",
        "TrainingJobDefinition.HyperParameterRanges",
    },
    "several definitions": {
        "TrainingJobDefinition",
        "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective",
        "HyperParameterTuningJobConfig.ParameterRanges",
    },
}
_BUILT_APART = {"TrainingJobDefinition", "TrainingJobDefinitions"}


def missing_members(shape: Any, value: Any, skip: set[str], at: str = "") -> list[str]:
    """Members the walk reaches that the request leaves out, unless excluded or in ``skip``."""
    if shape.type_name == "structure" and isinstance(value, dict):
        found = []
        for member, member_shape in shape.members.items():
            path = f"{at}.{member}" if at else member
            if (member in EXCLUDED and member not in _BUILT_APART) or path in skip:
                continue
            found += [path] if member not in value else missing_members(member_shape, value[member], skip, path)
        return found
    if shape.type_name == "list" and isinstance(value, list):
        return [m for item in value[:1] for m in missing_members(shape.member, item, skip, f"{at}[]")]
    return []


def _coherent(job: dict[str, Any], *, tuning: bool) -> None:
    """The cross-field rules a generated definition must meet (constructs_sm/_rules.py)."""
    job["CheckpointConfig"]["LocalPath"] = "/opt/ml/checkpoints"
    job["StoppingCondition"].update(MaxRuntimeInSeconds=3600, MaxWaitTimeInSeconds=7200)  # spot: wait >= runtime
    specification = job["AlgorithmSpecification"]
    if "TrainingImageConfig" in specification:
        specification["TrainingImageConfig"]["TrainingRepositoryAccessMode"] = "Vpc"  # it has an auth config
    if tuning:
        specification["MetricDefinitions"] = specification["MetricDefinitions"][:20]  # 20 in a tuning job
    for channel in job["InputDataConfig"]:
        channel["DataSource"]["S3DataSource"]["S3DataType"] = "AugmentedManifestFile"  # it has AttributeNames


def _ranges() -> dict[str, Any]:
    """30 tuned hyperparameters in all (the guide's limit), 10 of each kind, 30 values per categorical."""
    ranges: dict[str, Any] = {}
    for kind in ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges"):
        items = []
        for i in range(10):
            item: dict[str, Any] = {"Name": f"{kind[:3].lower()}{i}"}
            if kind == "CategoricalParameterRanges":
                item["Values"] = [f"c{j}" for j in range(30)]
            else:
                item.update(MinValue="1", MaxValue="10", ScalingType="Linear")
            items.append(item)
        ranges[kind] = items
    return ranges


def largest(form: str) -> dict[str, Any]:
    if form == "training":
        request: dict[str, Any] = build(_MODEL.operation_model("CreateTrainingJob").input_shape)
        _coherent(request, tuning=False)
        return request
    shape = _MODEL.operation_model("CreateHyperParameterTuningJob").input_shape
    request = build(shape)
    several = build(shape.members["TrainingJobDefinitions"])
    for index, definition in enumerate(several):
        definition["DefinitionName"] = f"def{index}"
        definition["HyperParameterRanges"] = _ranges()
        definition["StaticHyperParameters"] = {f"s{j}": "1" for j in range(69)}  # 69 + 30 + 1 = 100
        _coherent(definition, tuning=True)
    config = request["HyperParameterTuningJobConfig"]
    config["ResourceLimits"] = {
        "MaxNumberOfTrainingJobs": 750,
        "MaxParallelTrainingJobs": 100,
        "MaxRuntimeInSeconds": 2592000,
    }
    if form == "several definitions":
        del config["ParameterRanges"], config["HyperParameterTuningJobObjective"]
        request["TrainingJobDefinitions"] = several
    else:
        config["ParameterRanges"] = _ranges()
        own = ("DefinitionName", "TuningObjective", "HyperParameterRanges")
        request["TrainingJobDefinition"] = {k: v for k, v in several[0].items() if k not in own}
    return request


FORMS = {
    "training": "CreateTrainingJob",
    "one definition": "CreateHyperParameterTuningJob",
    "several definitions": "CreateHyperParameterTuningJob",
}


@pytest.fixture(scope="module", params=list(FORMS))
def synthesized(request: pytest.FixtureRequest) -> tuple[str, str, dict[str, Any], dict[str, Any], int]:
    form, operation = request.param, FORMS[request.param]
    body = largest(form)
    stack = new_stack()
    if operation == "CreateTrainingJob":
        sm.training_workflow_from_request(stack, "Largest", copy.deepcopy(body))
        state = "Create training job"
    else:
        sm.tuning_workflow_from_request(stack, "Largest", copy.deepcopy(body))
        state = "Create tuning job"
    template = Template.from_stack(stack).to_json()
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    sent = json.loads(machine["Properties"]["DefinitionString"])["States"][state]
    return form, operation, body, sent, len(json.dumps(template))


def test_every_member_the_model_has_is_present(
    synthesized: tuple[str, str, dict[str, Any], dict[str, Any], int],
) -> None:
    form, operation, body, _, _ = synthesized
    assert missing_members(_MODEL.operation_model(operation).input_shape, body, FORM_ALTERNATIVES[form]) == []


def test_botocore_accepts_it(synthesized: tuple[str, str, dict[str, Any], dict[str, Any], int]) -> None:
    from botocore.validate import validate_parameters

    _, operation, body, _, _ = synthesized
    validate_parameters(body, _MODEL.operation_model(operation).input_shape)


def test_it_synthesizes_and_is_sent_as_it_is(synthesized: tuple[str, str, dict[str, Any], dict[str, Any], int]) -> None:
    _, operation, body, state, size = synthesized
    assert without_owned(operation, state["Parameters"]) == without_owned(operation, body)
    assert "aws-sdk" in state["Resource"]  # newer fields are outside the optimized integration's table
    assert size < 1_000_000  # CloudFormation's template limit
