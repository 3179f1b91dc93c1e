"""Run-time parameters: declared request fields the execution input may set, defaults, checks, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.cli import main
from constructs_sm.testing import OfflineAws
from tests.builders import workflow
from tests.conftest import new_stack
from tests.template_helpers import definition, evaluate

PARAMETERS = {
    "InstanceType": "TrainingJobDefinition.ResourceConfig.InstanceType",
    "InstanceCount": "TrainingJobDefinition.ResourceConfig.InstanceCount",
    "MaxJobs": "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs",
    "TrainUri": "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri",
    "NumRound": "TrainingJobDefinition.StaticHyperParameters.num_round",
}


@pytest.fixture(scope="module")
def built() -> tuple[sm.TuningWorkflow, dict[str, Any]]:
    stack = new_stack()
    tuning = workflow(stack, run_time_parameters=PARAMETERS)
    return tuning, Template.from_stack(stack).to_json()


@pytest.fixture
def aws(offline_aws: OfflineAws) -> OfflineAws:
    return offline_aws


def _run(aws: OfflineAws, template: dict[str, Any], execution_input: dict[str, Any], name: str) -> Any:
    arn = aws.deploy(template).workflow().arn
    aws.jobs.set_best_training_job(
        training_job_name="tuning-0a1b2c3d4e5f-001-9f8e7d6c",
        hyper_parameters={"max_depth": "6"},
        model_artifacts="s3://example-bucket/output/model.tar.gz",
        final_metric_data_list=[{"MetricName": "validation:auc", "Value": 0.9}],
    )
    return aws.run(arn, execution_input, name=name)


def test_defaults_are_the_requests_values_and_the_create_reads_the_merged_input(
    built: tuple[sm.TuningWorkflow, dict[str, Any]],
) -> None:
    _, template = built
    states = definition(template)["States"]
    assert definition(template)["StartAt"] == "Check input"
    assigned = states["Check input"]["Choices"][-1]["Assign"]["parameters"]
    assert evaluate(assigned, {}) == {
        "InstanceType": "ml.m5.xlarge",
        "InstanceCount": 1,
        "MaxJobs": 4,
        "TrainUri": "s3://example-bucket/train/",
        "NumRound": "100",
    }
    assert evaluate(assigned, {"MaxJobs": 9})["MaxJobs"] == 9
    parameters = states["Create tuning job"]["Parameters"]
    resources = parameters["TrainingJobDefinition"]["ResourceConfig"]
    assert resources["InstanceType.$"] == "$parameters.InstanceType" and "InstanceType" not in resources
    assert parameters["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs.$"] == (
        "$parameters.MaxJobs"
    )
    assert parameters["TrainingJobDefinition"]["StaticHyperParameters"]["num_round.$"] == "$parameters.NumRound"


def test_each_input_is_checked_by_rules_from_the_validators(built: tuple[sm.TuningWorkflow, dict[str, Any]]) -> None:
    _, template = built
    states = definition(template)["States"]
    causes = {name: s["Cause"] for name, s in states.items() if name.startswith("Invalid ") and name != "Invalid input"}
    # The enum's common prefix, the widest range around the default that model and rules accept,
    # the default's S3 prefix (what IAM grants).
    assert causes["Invalid InstanceType"].endswith(
        "must be a string starting with ml. and not an instance type with local storage (the job's volume is "
        "encrypted with a KMS key)"
    )
    assert causes["Invalid MaxJobs"].endswith("must be an integer between 2 and 750")
    assert causes["Invalid TrainUri"].endswith("must be a string starting with s3://example-bucket/train/")
    assert all(states[name]["Error"] == "InvalidParameter" for name in causes)
    unknown, first = states["Check input"]["Choices"][:2]
    assert unknown["Next"] == "Invalid input" and "$keys($states.input)" in unknown["Condition"]
    assert first["Next"] == "Invalid InstanceType"
    assert first["Condition"].startswith("{% $exists($states.input.InstanceType) and $not(")


def test_the_timeout_covers_the_longest_run_the_inputs_allow(built: tuple[sm.TuningWorkflow, dict[str, Any]]) -> None:
    _, template = built
    # 750 jobs one at a time at a day each: longer than a year, so a year.
    assert definition(template)["TimeoutSeconds"] == 365 * 24 * 3600


def test_without_parameters_nothing_changes(minimal: dict[str, Any]) -> None:
    states = definition(minimal)["States"]
    assert definition(minimal)["StartAt"] == "Check input"
    assert "parameters" not in states["Check input"]["Choices"][-1]["Assign"]


def test_overrides_reach_the_created_job(aws: OfflineAws, built: tuple[sm.TuningWorkflow, dict[str, Any]]) -> None:
    _, template = built
    given = {"InstanceType": "ml.c5.2xlarge", "MaxJobs": 50, "TrainUri": "s3://example-bucket/train/2026-12/"}
    result = _run(aws, template, given, "overrides")
    assert result.status == "SUCCEEDED", result.cause
    job = aws.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=result.output["HyperParameterTuningJobName"]
    )
    training = job["TrainingJobDefinition"]
    assert training["ResourceConfig"]["InstanceType"] == "ml.c5.2xlarge"
    assert training["ResourceConfig"]["InstanceCount"] == 1, "the default"
    assert job["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 50
    source = training["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert source["S3Uri"] == "s3://example-bucket/train/2026-12/"
    assert training["StaticHyperParameters"]["num_round"] == "100"
    assert result.state_transitions == 4, "as many as a run without parameters"


def test_no_input_runs_with_the_defaults(aws: OfflineAws, built: tuple[sm.TuningWorkflow, dict[str, Any]]) -> None:
    _, template = built
    result = _run(aws, template, {}, "defaults")
    assert result.status == "SUCCEEDED", result.cause
    job = aws.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=result.output["HyperParameterTuningJobName"]
    )
    assert job["TrainingJobDefinition"]["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"


@pytest.mark.parametrize(
    ("given", "state"),
    [
        ({"InstanceType": "c5.2xlarge"}, "Invalid InstanceType"),
        ({"InstanceType": 5}, "Invalid InstanceType"),
        ({"MaxJobs": 751}, "Invalid MaxJobs"),
        ({"MaxJobs": "50"}, "Invalid MaxJobs"),
        ({"TrainUri": "s3://someone-elses-bucket/train/"}, "Invalid TrainUri"),
        ({"NumRound": 200}, "Invalid NumRound"),
        ({"MaxJobs": 3.5}, "Invalid MaxJobs"),
    ],
)
def test_a_bad_input_fails_before_any_job_with_a_named_error(
    aws: OfflineAws, built: tuple[sm.TuningWorkflow, dict[str, Any]], given: dict[str, Any], state: str
) -> None:
    _, template = built
    result = _run(aws, template, given, "bad")
    assert result.status == "FAILED"
    assert result.error == "InvalidParameter"
    assert result.cause.startswith(state.removeprefix("Invalid "))
    assert result.entered_states == ["Check input", state]
    assert aws.jobs.created == []


def test_the_cli_prints_the_input_schema(built: tuple[sm.TuningWorkflow, dict[str, Any]], tmp_path: Path, capsys: Any) -> None:
    tuning, template = built
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps(template))
    assert main(["schema", str(path)]) == 0
    (schema,) = json.loads(capsys.readouterr().out).values()
    assert schema == tuning.input_schema
    assert schema["properties"]["MaxJobs"] == {
        "description": "Sets HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs",
        "default": 4,
        "type": "integer",
        "minimum": 2,
        "maximum": 750,
    }
    assert schema["properties"]["InstanceType"]["pattern"] == "^ml\\."
    assert schema["properties"]["HyperParameterTuningJobName"]["pattern"] == "^tuning-"
    assert schema["additionalProperties"] is False


def test_the_cli_says_when_there_is_no_schema(minimal: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps(minimal))
    assert main(["schema", str(path)]) == 2
    assert "no workflow with run-time parameters" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"a.b": "TrainingJobDefinition.ResourceConfig.InstanceType"}, "names must match"),
        ({"X": "TrainingJobDefinition.ResourceConfig.Nope"}, "names no field of the request"),
        ({"X": "TrainingJobDefinition.ResourceConfig"}, "must name a string or integer field"),
        ({"X": "TrainingJobDefinition.RoleArn"}, "names a field the workflow owns"),
        ({"X": "TrainingJobDefinition.InputDataConfig[7].ChannelName"}, "names no item of the request"),
        ({"X": "TrainingJobDefinition..ResourceConfig"}, "must be a JSON path"),
        ({"X": 5}, "must be a JSON path of the request"),
        (
            {
                "X": "TrainingJobDefinition.ResourceConfig.InstanceType",
                "Y": "TrainingJobDefinition.ResourceConfig.InstanceType",
            },
            "sets a field twice",
        ),
        (["TrainingJobDefinition.ResourceConfig.InstanceType"], "must map input names"),
    ],
)
def test_a_bad_declaration_is_a_validation_error(parameters: Any, message: str) -> None:
    with pytest.raises(sm.ValidationError, match=message):
        workflow(run_time_parameters=parameters)


def test_a_training_workflow_takes_them_too() -> None:
    from tests.builders import definition as job_definition

    stack = new_stack()
    sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=job_definition(),
        run_time_parameters={"InstanceType": "ResourceConfig.InstanceType"},
    )
    states = definition(Template.from_stack(stack).to_json())["States"]
    assert states["Create training job"]["Parameters"]["ResourceConfig"]["InstanceType.$"] == "$parameters.InstanceType"
