"""The workflows' first state, ``Check input``: what an execution input may hold, checked before any
job starts (issue "Runs on AWS as documented", items 8 and 13).

The conditions are JSONata, evaluated here as Step Functions evaluates them (jsonata-python); the
executions in the offline emulator are in tests/workflows/test_executions.py and test_run_time_parameters.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from tests.builders import channel, config, definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import definition as definition_of
from tests.template_helpers import evaluate, resources

RANGES = [
    sm.ContinuousParameterRange(name="eta", min_value=0.1, max_value=0.5),
    sm.IntegerParameterRange(name="max_depth", min_value=3, max_value=10),
]
PARAMETERS = {
    "EtaMin": "HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[eta].MinValue",
    "EtaMax": "HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[eta].MaxValue",
    "DepthMax": "HyperParameterTuningJobConfig.ParameterRanges.IntegerParameterRanges[max_depth].MaxValue",
    "TrainUri": "TrainingJobDefinition.InputDataConfig[train].DataSource.S3DataSource.S3Uri",
}


@pytest.fixture(scope="module")
def built() -> tuple[sm.TuningWorkflow, dict[str, Any]]:
    stack = new_stack()
    tuning = workflow(stack, hyper_parameter_tuning_job_config=config(parameter_ranges=RANGES), run_time_parameters=PARAMETERS)
    return tuning, definition_of(Template.from_stack(stack).to_json())


def _next(definition: dict[str, Any], execution_input: Any) -> str:
    """The state Check input goes to for ``execution_input``: its first rule that holds, or its Default."""
    state = definition["States"]["Check input"]
    for rule in state["Choices"]:
        if evaluate(rule["Condition"], execution_input) is True:
            return str(rule["Next"])
    return str(state["Default"])


def test_the_first_state_is_a_jsonata_choice_whose_rules_read_the_state_input(built: Any) -> None:
    _, machine = built
    state = machine["States"]["Check input"]
    assert machine["StartAt"] == "Check input"
    assert state["QueryLanguage"] == "JSONata" and state["Type"] == "Choice"
    assert all("$states.input" in rule["Condition"] for rule in state["Choices"])


def test_no_jsonpath_choice_rule_assigns_from_the_input(example_templates: dict[str, Any]) -> None:
    """Item 13: no AWS page states what ``$`` is in a JSONPath Choice *rule's* Assign; JSONata rules
    read ``$states.input``, which the Choice state page defines."""
    for template in example_templates.values():
        for machine in resources(template, "AWS::StepFunctions::StateMachine").values():
            states = json.loads(machine["Properties"]["DefinitionString"])["States"]
            for name, state in states.items():
                if state["Type"] == "Choice" and state.get("QueryLanguage") != "JSONata":
                    assert not any("Assign" in rule for rule in state["Choices"]), name


@pytest.mark.parametrize(
    ("execution_input", "state"),
    [
        ({}, "Create tuning job"),
        ({"EtaMin": "0.2", "EtaMax": "0.4", "DepthMax": "8"}, "Create tuning job"),
        ({"TrainUri": "s3://example-bucket/train/2026-12/"}, "Create tuning job"),
        ({"HyperParameterTuningJobName": "tuning-run-7"}, "Create tuning job"),
        ({"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": "arn:aws:states:us-east-1:1:execution:p:e"}, "Create tuning job"),
        # Unknown keys, a misspelling among them: no job trains on the defaults.
        ({"EtaMn": "0.2"}, "Invalid input"),
        ({"Extra": 1, "EtaMin": "0.2"}, "Invalid input"),
        ([1, 2], "Invalid input"),
        ("text", "Invalid input"),
        # Range bounds: numbers in strings, inside the static range, min below max, integers for integer ranges.
        ({"EtaMin": "abc"}, "Invalid EtaMin"),
        ({"EtaMin": "0.05"}, "Invalid EtaMin"),
        ({"EtaMin": 0.2}, "Invalid EtaMin"),
        ({"EtaMin": "0.5"}, "Invalid EtaMin"),
        ({"EtaMin": "0.3", "EtaMax": "0.2"}, "Invalid EtaMin"),
        ({"EtaMax": "0.6"}, "Invalid EtaMax"),
        ({"EtaMax": "0.1"}, "Invalid EtaMax"),
        ({"DepthMax": "7.5"}, "Invalid DepthMax"),
        ({"DepthMax": "2"}, "Invalid DepthMax"),
        ({"DepthMax": "3"}, "Invalid DepthMax"),
        ({"TrainUri": "s3://example-bucket/other/"}, "Invalid TrainUri"),
        # Job names: the prefix, then SageMaker's pattern and length.
        ({"HyperParameterTuningJobName": "tuning-"}, "Name not allowed"),
        ({"HyperParameterTuningJobName": "tuning-a_b"}, "Name not allowed"),
        ({"HyperParameterTuningJobName": "tuning-" + "a" * 26}, "Name not allowed"),
        ({"HyperParameterTuningJobName": "other-run"}, "Name not allowed"),
        ({"HyperParameterTuningJobName": 7}, "Name not allowed"),
    ],
)
def test_each_input_goes_where_its_rule_says(built: Any, execution_input: Any, state: str) -> None:
    _, machine = built
    assert _next(machine, execution_input) == state


def test_a_job_name_at_sagemakers_limit_is_taken(built: Any) -> None:
    _, machine = built
    assert _next(machine, {"HyperParameterTuningJobName": "tuning-" + "a" * 25}) == "Create tuning job"


def test_the_invalid_input_cause_names_the_unknown_keys(built: Any) -> None:
    _, machine = built
    cause = evaluate(machine["States"]["Invalid input"]["Cause"], {"EtaMn": "0.2"})
    assert cause.startswith("The execution input holds keys the workflow does not take: EtaMn (it takes ")
    assert evaluate(machine["States"]["Invalid input"]["Cause"], [1]) == "The execution input must be a JSON object"


def test_ranges_are_addressed_by_name_so_reordering_keeps_the_target() -> None:
    stack = new_stack()
    workflow(
        stack,
        hyper_parameter_tuning_job_config=config(parameter_ranges=list(reversed(RANGES))),
        run_time_parameters=PARAMETERS,
    )
    ranges = definition_of(Template.from_stack(stack).to_json())["States"]["Create tuning job"]["Parameters"][
        "HyperParameterTuningJobConfig"
    ]["ParameterRanges"]
    assert ranges["ContinuousParameterRanges"][0]["MinValue.$"] == "$parameters.EtaMin"
    assert ranges["IntegerParameterRanges"][0]["MaxValue.$"] == "$parameters.DepthMax"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[0].MinValue", "by its Name"),
        ("HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[gamma].MinValue", "no item whose Name is 'gamma'"),
        ("TrainingJobDefinition.InputDataConfig[validation].ChannelName", "no item whose ChannelName is 'validation'"),
    ],
)
def test_a_bad_range_address_is_refused(path: str, message: str) -> None:
    with pytest.raises(sm.ValidationError, match=message):
        workflow(hyper_parameter_tuning_job_config=config(parameter_ranges=RANGES), run_time_parameters={"X": path})


def test_a_parameter_may_not_take_the_job_name_field() -> None:
    with pytest.raises(sm.ValidationError, match="the workflow's own input field"):
        workflow(run_time_parameters={"HyperParameterTuningJobName": "TrainingJobDefinition.ResourceConfig.InstanceType"})


def test_the_schema_refuses_unknown_keys_and_states_each_rule(built: Any) -> None:
    tuning, _ = built
    schema = tuning.input_schema
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"HyperParameterTuningJobName", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID", *PARAMETERS}
    assert schema["properties"]["DepthMax"]["pattern"] == "^-?[0-9]+$"
    assert schema["properties"]["HyperParameterTuningJobName"]["maxLength"] == 32


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (the CDK CLI's) for ECMAScript regexes")
def test_every_schema_pattern_is_a_valid_ecmascript_u_mode_regex(built: Any, example_templates: dict[str, Any]) -> None:
    """JSON Schema's regex dialect is ECMA-262 with the ``u`` flag, which refuses escapes such as ``\\-``."""
    tuning, _ = built
    patterns = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            patterns.extend(v for k, v in node.items() if k == "pattern")
            for v in node.values():
                collect(v)

    collect(tuning.input_schema)
    for template in example_templates.values():
        collect(template.get("Resources", {}))
    assert len(patterns) >= 6
    script = "for (const p of JSON.parse(process.argv[1])) new RegExp(p, 'u');"
    subprocess.run(["node", "-e", script, json.dumps(patterns)], check=True)
    bad = subprocess.run(["node", "-e", script, json.dumps(["^s3://a\\-b"])], capture_output=True)
    assert bad.returncode != 0, "the negative control: `\\-` is refused in u mode"


def test_a_schedules_input_is_checked_against_the_workflow_at_synth() -> None:
    stack = new_stack()
    tuning = workflow(stack, hyper_parameter_tuning_job_config=config(parameter_ranges=RANGES), run_time_parameters=PARAMETERS)
    sm.WorkflowSchedule(stack, "Ok", workflow=tuning, schedule="rate(7 days)", input={"EtaMin": "0.2"})
    with pytest.raises(sm.ValidationError, match=r"input\['EtaMn'\].*not an input of the workflow"):
        sm.WorkflowSchedule(stack, "Typo", workflow=tuning, schedule="rate(7 days)", input={"EtaMn": "0.2"})
    with pytest.raises(sm.ValidationError, match=r"input\['EtaMin'\].*between 0.1 and 0.5"):
        sm.WorkflowSchedule(stack, "Out", workflow=tuning, schedule="rate(7 days)", input={"EtaMin": "0.05"})
    with pytest.raises(sm.ValidationError, match=r"input\['EtaMin'\].*below the range's MaxValue"):
        sm.WorkflowSchedule(stack, "Order", workflow=tuning, schedule="rate(7 days)", input={"EtaMin": "0.3", "EtaMax": "0.2"})


def test_a_training_workflow_checks_its_input_too() -> None:
    stack = new_stack()
    sm.TrainingWorkflow(stack, "Training", training_job_definition=definition())
    machine = definition_of(Template.from_stack(stack).to_json())
    assert _next(machine, {"TrainingJobName": "training-run"}) == "Create training job"
    assert _next(machine, {"TrainingJobNam": "training-run"}) == "Invalid input"
    assert _next(machine, {"TrainingJobName": "training-" + "a" * 55}) == "Name not allowed"


def test_a_run_time_instance_type_with_local_storage_is_refused_where_the_volume_is_encrypted() -> None:
    """SageMaker refuses VolumeKmsKeyId with a local-storage instance type (ResourceConfig,
    SageMaker API Reference): the library sets the volume key, so such a type cannot run."""
    stack = new_stack()
    workflow(stack, run_time_parameters={"InstanceType": "TrainingJobDefinition.ResourceConfig.InstanceType"})
    machine = definition_of(Template.from_stack(stack).to_json())
    assert _next(machine, {"InstanceType": "ml.g4dn.xlarge"}) == "Invalid InstanceType"
    assert _next(machine, {"InstanceType": "ml.p4d.24xlarge"}) == "Invalid InstanceType"
    assert _next(machine, {"InstanceType": "ml.c5.2xlarge"}) == "Create tuning job"


def test_a_whole_bucket_default_keeps_the_input_in_that_bucket() -> None:
    """IAM grants bucket/* for s3://bucket: s3://bucket-other/ must not pass the input check."""
    stack = new_stack()
    workflow(
        stack,
        training_job_definition=definition(input_data_config=[channel(uri="s3://example-bucket")]),
        run_time_parameters={"TrainUri": "TrainingJobDefinition.InputDataConfig[train].DataSource.S3DataSource.S3Uri"},
    )
    machine = definition_of(Template.from_stack(stack).to_json())
    assert _next(machine, {"TrainUri": "s3://example-bucket-other/x/"}) == "Invalid TrainUri"
    assert _next(machine, {"TrainUri": "s3://example-bucket/x/"}) == "Create tuning job"
