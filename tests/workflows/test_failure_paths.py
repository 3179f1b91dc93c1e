"""Failure paths of the synthesized state machines (issue 5): retries, Fail states and their causes, timeouts.

What tests/workflows/test_tuning_workflow.py already asserts on the minimal stack (the create's retry list,
its Catch, the default timeout) is not repeated; these cover every Task of every path.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk.assertions import Template

from tests.builders import config, definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import definition as asl

_SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")
# Errors a created job raises, or that mean the name is taken: retrying them could not succeed.
_NEVER_RETRIED = {"States.ALL", "States.TaskFailed", "SageMaker.ResourceInUseException", "States.Timeout"}


def _template(**changes: Any) -> dict[str, Any]:
    stack = new_stack()
    workflow(stack, **changes)
    return Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def machines(example_templates: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "optimized (MinimalTuning)": asl(example_templates["MinimalTuning"]),
        "optimized (HardenedTuning)": asl(example_templates["HardenedTuning"]),
        "aws-sdk polling": asl(_template(autotune=True)),
    }


PATHS = ["optimized (MinimalTuning)", "optimized (HardenedTuning)", "aws-sdk polling"]


def _tasks(machine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: state for name, state in machine["States"].items() if state["Type"] == "Task"}


@pytest.mark.parametrize("path", PATHS)
def test_every_task_sends_api_errors_to_the_transient_check_and_back(
    machines: dict[str, dict[str, Any]], path: str
) -> None:
    states = machines[path]["States"]
    tasks = _tasks(machines[path])
    assert tasks
    back = {rule["StringEquals"]: rule["Next"] for rule in states["Retry"]["Choices"]}
    for name, task in tasks.items():
        assert "Retry" not in task, name
        api = task["Catch"][-2]
        # Throttling reaches the optimized integration as AmazonSageMakerException, aws-sdk as SageMakerException.
        assert {"SageMaker.AmazonSageMakerException", "SageMaker.SageMakerException"} & set(api["ErrorEquals"]), name
        # Find job reads the cause of an unmodelled error first (DescribeTrainingJob's not-found).
        assert api["Next"] in ("Transient error", "Job not found", "Model not found") and api["Assign"]["retryState"] == name
        # A create first looks for what it may have created; any other state is sent again.
        expected = {"Create tuning job": "Find job", "Create model": "Find model"}.get(name, name)
        assert back[name] == expected, "a retry returns to the state that raised the error, or looks first"


@pytest.mark.parametrize("path", PATHS)
def test_no_task_retries_an_error_of_a_created_job(machines: dict[str, dict[str, Any]], path: str) -> None:
    """A retried create never meets its own job's name: only API errors raised before creation are retried."""
    for name, task in _tasks(machines[path]).items():
        retried = set(task["Catch"][-2]["ErrorEquals"])
        assert not retried & _NEVER_RETRIED, name


@pytest.mark.parametrize("path", PATHS)
def test_every_task_failure_ends_in_a_fail_state_carrying_the_cause(
    machines: dict[str, dict[str, Any]], path: str
) -> None:
    states = machines[path]["States"]
    assert states["Transient error"]["Default"] == states["Retry"]["Default"] == "Job failed"
    for name, task in _tasks(machines[path]).items():
        *_not_found, api, handler = task["Catch"]
        if _not_found:  # Find job: a job that does not exist is created
            assert _not_found[0]["ErrorEquals"] == ["SageMaker.ResourceNotFoundException"], name
        assert api["ResultPath"] == handler["ResultPath"] == "$.Error", name
        assert handler["ErrorEquals"] == ["States.ALL"], name
        end = states[handler["Next"]]
        assert end["Type"] == "Fail" and end["CausePath"] == "$.Error.Cause", name


@pytest.mark.parametrize("path", PATHS)
def test_every_fail_state_says_why(machines: dict[str, dict[str, Any]], path: str) -> None:
    for name, state in machines[path]["States"].items():
        if state["Type"] == "Fail":
            assert {"Error", "ErrorPath"} & set(state), name
            assert {"Cause", "CausePath"} & set(state), name


def test_polling_path_ends_a_failed_or_stopped_job_with_its_failure_reason(
    machines: dict[str, dict[str, Any]],
) -> None:
    states = machines["aws-sdk polling"]["States"]
    choices = states["Job status"]["Choices"]
    unsuccessful = [c for c in choices if "Or" in c]
    assert len(unsuccessful) == 1
    statuses = {rule["StringEquals"] for rule in unsuccessful[0]["Or"]}
    assert statuses == {"Failed", "Stopped"}
    report = states[unsuccessful[0]["Next"]]
    assert report["Parameters"]["Cause.$"] == "States.JsonToString($.TuningJob)"
    assert report["Parameters"]["Error.$"] == "States.Format('TuningJob{}', $.TuningJob.HyperParameterTuningJobStatus)"
    assert states[report["Next"]] == {"Type": "Fail", "ErrorPath": "$.Error.Error", "CausePath": "$.Error.Cause"}
    # The cause is the DescribeHyperParameterTuningJob response, which carries FailureReason.
    describe = _SAGEMAKER.operation_model("DescribeHyperParameterTuningJob").output_shape
    assert "FailureReason" in describe.members
    assert states["Describe job"]["ResultPath"] == "$.TuningJob"


def test_polling_path_never_waits_forever(machines: dict[str, dict[str, Any]]) -> None:
    machine = machines["aws-sdk polling"]
    assert machine["States"]["Job status"]["Default"] == "Wait for job"
    assert 0 < machine["TimeoutSeconds"] <= 365 * 24 * 3600


def test_aws_sdk_path_times_out_like_the_optimized_one() -> None:
    optimized = asl(_template())["TimeoutSeconds"]
    assert asl(_template(autotune=True))["TimeoutSeconds"] == optimized
    # 4 jobs, 2 at a time: 2 rounds of the default 1-day MaxRuntimeInSeconds, plus an hour.
    assert optimized == 2 * 86400 + 3600


def test_an_explicit_timeout_replaces_the_derived_one() -> None:
    assert asl(_template(timeout=cdk.Duration.hours(5)))["TimeoutSeconds"] == 5 * 3600


def test_the_derived_timeout_is_capped_at_a_year() -> None:
    limits = config().resource_limits.__class__(max_number_of_training_jobs=500, max_parallel_training_jobs=1)
    template = _template(
        hyper_parameter_tuning_job_config=config(resource_limits=limits),
        training_job_definition=definition(),
    )
    assert asl(template)["TimeoutSeconds"] == 365 * 24 * 3600
