"""The polling loop fits Step Functions' 25,000-event history quota (issue "Runs on AWS as
documented", item 4): an execution that outgrows its history fails and leaves its job running."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

import constructs_sm as sm
from constructs_sm.asl._workflow_states import EVENTS_PER_POLL, HISTORY_QUOTA, OTHER_EVENTS, poll_seconds
from tests.builders import definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import definition as definition_of

BUDGET = (HISTORY_QUOTA - OTHER_EVENTS) // EVENTS_PER_POLL


@pytest.mark.parametrize("timeout", [60, 3600, 46 * 3600, 365 * 24 * 3600])
def test_the_chosen_period_keeps_the_longest_execution_within_the_quota(timeout: int) -> None:
    period, _ = poll_seconds(None, timeout)
    polls = -(-timeout // period)
    assert polls * EVENTS_PER_POLL + OTHER_EVENTS <= HISTORY_QUOTA
    assert period >= 60


def test_a_short_execution_polls_every_minute_and_says_nothing() -> None:
    assert poll_seconds(None, 15 * 3600) == (60, None)


def test_a_long_execution_polls_less_often_and_says_why() -> None:
    period, message = poll_seconds(None, 365 * 24 * 3600)
    assert period == -(-365 * 24 * 3600 // BUDGET)
    assert message is not None and f"polling every {period} s" in message and "25000 events" in message


def test_a_given_period_that_cannot_fit_is_refused_with_the_arithmetic() -> None:
    with pytest.raises(sm.ValidationError) as raised:
        poll_seconds(60, 365 * 24 * 3600)
    assert raised.value.field == "polling_interval"
    text = str(raised.value)
    assert "525600 polls" in text and f"at most {BUDGET} polls" in text and "or a shorter timeout" in text


def test_the_old_default_overran_the_quota_for_a_two_day_job() -> None:
    """The defect: 60 s polls for a job of 46 hours and more write over 25,000 events."""
    polls = 46 * 3600 // 60
    assert polls * EVENTS_PER_POLL > HISTORY_QUOTA - OTHER_EVENTS
    with pytest.raises(sm.ValidationError):
        poll_seconds(60, 46 * 3600)



def test_a_workflow_of_a_year_polls_at_the_chosen_period_and_annotates_it() -> None:
    stack = new_stack()
    tuning = workflow(stack, integration=sm.TuningIntegration.AWS_SDK, timeout=cdk.Duration.days(365))
    machine = definition_of(Template.from_stack(stack).to_json())
    period = machine["States"]["Wait for job"]["Seconds"]
    assert period == tuning.polling_interval.to_seconds() == poll_seconds(None, 365 * 24 * 3600)[0]
    Annotations.from_stack(stack).has_info("*", Match.string_like_regexp("polling_interval: an execution may run"))


def test_a_given_polling_interval_too_short_for_the_timeout_fails_the_synth() -> None:
    with pytest.raises(sm.ValidationError, match="polling_interval.*history events"):
        workflow(
            integration=sm.TuningIntegration.AWS_SDK,
            timeout=cdk.Duration.days(30),
            polling_interval=cdk.Duration.seconds(30),
        )


def test_a_training_workflow_follows_the_same_rule() -> None:
    stack = new_stack()
    sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=definition(),
        integration=sm.TrainingIntegration.AWS_SDK,
        timeout=cdk.Duration.days(60),
    )
    machine = definition_of(Template.from_stack(stack).to_json())
    seconds = machine["TimeoutSeconds"]
    assert -(-seconds // machine["States"]["Wait for job"]["Seconds"]) * EVENTS_PER_POLL + OTHER_EVENTS <= HISTORY_QUOTA
