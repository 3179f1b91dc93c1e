"""ASL states shared by the workflows: job naming, retries, failure, polling."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ..core._tokens import is_token
from ..errors import ValidationError

FAILED = "Job failed"
TRANSIENT = "Transient error"
CHECK_INPUT = "Check input"
FIND_JOB = "Find job"
# SageMaker's quota error, by name on both integrations: the aws-sdk integration names a modelled
# error <Service>.<Error>Exception ("Learning to use AWS service SDK integrations in Step Functions",
# https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html), and the
# Step Functions guide's SageMaker example catches it so on the optimized one
# (https://docs.aws.amazon.com/step-functions/latest/dg/sample-train-model.html).
QUOTA_ERROR = "SageMaker.ResourceLimitExceededException"
# A describe of a job that does not exist (DescribeHyperParameterTuningJob and DescribeTrainingJob
# list ResourceNotFound in the SageMaker API Reference).
NOT_FOUND_ERROR = "SageMaker.ResourceNotFoundException"
NOT_FOUND_MESSAGE = "Requested resource not found."
# Every other SageMaker error of each integration: throttling, validation and access errors share
# the name AmazonSageMakerException (optimized) or SageMakerException (aws-sdk, unmodelled errors),
# so their cause tells them apart.
OPTIMIZED_API_ERRORS = ["SageMaker.AmazonSageMakerException", QUOTA_ERROR]
SDK_API_ERRORS = ["SageMaker.SageMakerException", QUOTA_ERROR]
# What the cause of a transient error holds, in both integrations' formats: "Rate exceeded
# (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException; ...)" and
# "Rate exceeded (Service: SageMaker, Status Code: 400, ...)". Any 5xx is transient. The aws-sdk
# format holds no error code: the quota error is recognised by its name, never here.
TRANSIENT_CAUSES = [
    "*ThrottlingException*",
    "*Rate exceeded*",
    "*ServiceUnavailable*",
    "*InternalFailure*",
    "*Status Code: 5*",
]
# The key Step Functions adds to a nested execution's input ("Start workflow executions from a task
# state", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-nested-workflows.html).
STARTED_BY = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"
MAX_RETRIES = 5
FIRST_DELAY_SECONDS = 10  # doubled on each retry: 10, 20, 40, 80, 160
# Concurrent-job quotas free up when other jobs end: wait longer, for about an hour in all.
MAX_QUOTA_RETRIES = 12
QUOTA_DELAY_SECONDS = 300
# Step Functions quotas (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html):
# 25,000 events in an execution's history, then the execution fails. A poll round (Wait, the
# Describe task, the Choice) writes 9; the other states and the retries are given 1,000.
HISTORY_QUOTA = 25_000
EVENTS_PER_POLL = 9
OTHER_EVENTS = 1_000
_PREFIX = re.compile(r"[a-z0-9](-*[a-z0-9])*")
SUFFIX_LENGTH = 13  # "-" and the last 12 hex digits of a UUID


def check_prefix(prefix: str, max_name_length: int) -> str:
    limit = max_name_length - SUFFIX_LENGTH
    if not isinstance(prefix, str) or is_token(prefix):
        raise ValidationError("job_name_prefix", "must be a literal string (it scopes IAM)", prefix)
    if not 1 <= len(prefix) <= limit:
        raise ValidationError(
            "job_name_prefix",
            f"length must be between 1 and {limit} characters (a generated name adds {SUFFIX_LENGTH} "
            f"to make at most {max_name_length})",
            prefix,
        )
    if not _PREFIX.fullmatch(prefix):
        raise ValidationError(
            "job_name_prefix",
            "must match ^[a-z0-9](-*[a-z0-9])* (lowercase: SageMaker ARNs hold lowercase names, "
            "which IAM compares case-sensitively)",
            prefix,
        )
    return prefix


def default_prefix(construct_id: str, max_name_length: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", construct_id.lower()).strip("-") or "job"
    return slug[: max_name_length - SUFFIX_LENGTH].rstrip("-")


# The retry budget of a task: set by Name job, and again by each task that succeeds.
RESET_RETRIES = {"retries": 0, "retryDelay": FIRST_DELAY_SECONDS // 2}


def generated_job_name(prefix: str, execution_arn: str) -> str:
    """JSONata: ``<prefix>-`` and 12 hex digits of the SHA-256 of the execution's ARN (both given as
    JSONata expressions). Derived, not random, so that the job of an aborted execution can be found
    from the execution alone: the workflow's first state and the job reaper both say it here."""
    head = f"{prefix[:-1]}-'" if prefix.startswith("'") and prefix.endswith("'") else f"{prefix} & '-'"
    return f"{head} & $substring($hash({execution_arn}, 'SHA-256'), 0, 12)"


def job_name_expression(prefix: str, name_field: str) -> str:
    """JSONata: the input's job name, or one derived from the execution's ARN."""
    generated = generated_job_name(f"'{prefix}'", "$states.context.Execution.Id")
    return f"$exists($states.input.{name_field}) ? $states.input.{name_field} : {generated}"


def check_input_states(
    name_field: str,
    prefix: str,
    next_state: str,
    *,
    name_pattern: str,
    max_name_length: int,
    allowed: Sequence[str] = (),
    rules: Sequence[dict[str, Any]] = (),
    parameters: str | None = None,
    names_from_input: bool = True,
) -> dict[str, Any]:
    """The first state: refuse an execution input with an unknown key, a run-time parameter that
    breaks its rule (``rules``), or a job name SageMaker or the prefix would refuse; then choose
    the job name into ``$jobName``, the run-time parameters (JSONata ``parameters``) into
    ``$parameters``, and start the transient-retry count.

    A JSONata Choice, whose rules read ``$states.input`` and assign variables when they match
    ("Choice Rules (JSONata)", https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html).
    Without ``names_from_input`` (a fan-out's items), the input may not name the job: the name is
    always derived from the execution's ARN, unique per child execution.
    """
    keys = [name_field, STARTED_BY, *allowed] if names_from_input else [STARTED_BY, *allowed]
    unknown = f"$keys($states.input)[$not($ in {json.dumps(keys)})]"
    name = f"$states.input.{name_field}"
    valid_name = (
        f"$type({name}) = 'string' and $length({name}) <= {max_name_length} "
        f"and $substring({name}, 0, {len(prefix) + 1}) = '{prefix}-' and $contains({name}, /{name_pattern}/)"
    )
    named = job_name_expression(prefix, name_field) if names_from_input else generated_job_name(f"'{prefix}'", "$states.context.Execution.Id")
    assign: dict[str, Any] = {"jobName": "{% " + named + " %}", **RESET_RETRIES}
    if parameters is not None:
        assign["parameters"] = "{% " + parameters + " %}"
    return {
        CHECK_INPUT: {
            "Type": "Choice",
            "QueryLanguage": "JSONata",
            "Choices": [
                {
                    "Condition": f"{{% $type($states.input) != 'object' or $count({unknown}) > 0 %}}",
                    "Next": "Invalid input",
                },
                *rules,
                {
                    "Condition": f"{{% $not($exists({name})) or ({valid_name}) %}}" if names_from_input else "{% true %}",
                    "Assign": assign,
                    "Next": next_state,
                },
            ],
            "Default": "Name not allowed",
        },
        "Invalid input": {
            "Type": "Fail",
            "QueryLanguage": "JSONata",
            "Error": "InvalidInput",
            "Cause": (
                f"{{% $type($states.input) = 'object' ? 'The execution input holds keys the workflow does not take: ' "
                f"& $substring($join({unknown}, ', '), 0, 1000) & ' (it takes {', '.join(keys)})' "
                f": 'The execution input must be a JSON object' %}}"
            ),
        },
        "Name not allowed": {
            "Type": "Fail",
            "Error": "InvalidJobName",
            "Cause": f"{name_field} in the execution input must start with '{prefix}-', match SageMaker's "
            f"pattern {name_pattern} and have at most {max_name_length} characters: the state machine may only "
            "manage jobs with that prefix",
        },
    }


def poll_seconds(given: int | None, timeout_seconds: int) -> tuple[int, str | None]:
    """The polling period, and a message when it is not the default: the longest execution must
    fit Step Functions' history quota. A given period that cannot fit is refused."""
    budget = (HISTORY_QUOTA - OTHER_EVENTS) // EVENTS_PER_POLL
    needed = -(-timeout_seconds // budget)
    arithmetic = (
        f"an execution may run {timeout_seconds} s; polling every {{}} s takes up to {{}} polls of "
        f"{EVENTS_PER_POLL} history events, and Step Functions fails an execution past {HISTORY_QUOTA} events "
        f"({OTHER_EVENTS} are kept for the other states): at most {budget} polls, so at least {needed} s"
    )
    if given is not None:
        if given < needed:
            polls = -(-timeout_seconds // given)
            raise ValidationError("polling_interval", arithmetic.format(given, polls) + " (or a shorter timeout)", given)
        return given, None
    if needed <= 60:
        return 60, None
    return needed, "polling_interval: " + arithmetic.format(needed, budget) + f"; polling every {needed} s"


def catch(state: str, api_errors: list[str]) -> list[dict[str, Any]]:
    """API errors of ``state`` go to the transient-error check (which retries ``state``); any
    other error, a failed or stopped ``.sync`` job among them, fails the execution."""
    return [
        {
            "ErrorEquals": api_errors,
            "ResultPath": "$.Error",
            "Assign": {
                "retryState": state,
                "retries.$": "States.MathAdd($retries, 1)",
                "retryDelay.$": "States.MathAdd($retryDelay, $retryDelay)",
            },
            "Next": TRANSIENT,
        },
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.Error", "Next": FAILED},
    ]


def retry_states(states: list[str], find: dict[str, str] | None = None) -> dict[str, Any]:
    """Retry only transient errors: throttling and service errors at most ``MAX_RETRIES`` times per
    task with a doubling wait, SageMaker's quota error (by its name) ``MAX_QUOTA_RETRIES`` times
    ``QUOTA_DELAY_SECONDS`` apart; back to the state that raised it, or to the state that first
    looks for what it may already have created (``find``: a create that timed out or failed with a
    5xx may have been carried out). A validation or access error fails the execution at once, with
    SageMaker's cause."""
    find = find or {}
    return {
        TRANSIENT: {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.Error.Error", "StringEquals": QUOTA_ERROR},
                        {"Variable": "$retries", "NumericLessThanEquals": MAX_QUOTA_RETRIES},
                    ],
                    "Next": "Wait for capacity",
                },
                {
                    "And": [
                        {"Variable": "$retries", "NumericLessThanEquals": MAX_RETRIES},
                        {"Not": {"Variable": "$.Error.Error", "StringEquals": QUOTA_ERROR}},
                        {"Variable": "$.Error.Cause", "IsPresent": True},
                        {"Or": [{"Variable": "$.Error.Cause", "StringMatches": p} for p in TRANSIENT_CAUSES]},
                    ],
                    "Next": "Wait to retry",
                },
            ],
            "Default": FAILED,
        },
        "Wait for capacity": {"Type": "Wait", "Seconds": QUOTA_DELAY_SECONDS, "Next": "Retry"},
        "Wait to retry": {"Type": "Wait", "SecondsPath": "$retryDelay", "Next": "Retry"},
        "Retry": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$retryState", "StringEquals": state, "Next": find.get(state, state)} for state in states
            ],
            "Default": FAILED,
        },
    }


def find_job_state(*, describe_resource: str, name: dict[str, Any], result_path: str, create_state: str) -> dict[str, Any]:
    """Before a create is retried, look for the job: SageMaker may have created it although the
    call failed (a 5xx or a timeout after the request was accepted). Found, the execution waits
    for it; not found, the create is sent again."""
    retry, fail = catch(FIND_JOB, SDK_API_ERRORS)
    return {
        FIND_JOB: {
            "Type": "Task",
            "Resource": describe_resource,
            "Parameters": name,
            "ResultPath": result_path,
            "Assign": RESET_RETRIES,
            "Catch": [
                {"ErrorEquals": [NOT_FOUND_ERROR], "ResultPath": None, "Next": create_state},
                {**retry, "Next": "Job not found"},
                fail,
            ],
            "Next": "Job status",
        },
        # DescribeTrainingJob answers a missing job with ValidationException "Requested resource not
        # found." although the API Reference lists ResourceNotFound (aws/aws-sdk issue 165).
        "Job not found": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.Error.Cause", "StringMatches": f"{NOT_FOUND_MESSAGE}*", "Next": create_state}
            ],
            "Default": TRANSIENT,
        },
    }


def failure_states() -> dict[str, Any]:
    """The Fail state every failure path ends in, with SageMaker's cause (its FailureReason).

    The error name is fixed: a caught error may be named ``States.*`` (``States.TaskFailed`` for a
    failed ``.sync`` job), a prefix that Amazon States Language reserves and an ``ErrorPath`` may
    not re-raise.
    """
    return {FAILED: {"Type": "Fail", "Error": "JobFailed", "CausePath": "$.Error.Cause"}}


def polling_states(
    *,
    describe_resource: str,
    describe_parameters: dict[str, Any],
    status_field: str,
    result_path: str,
    period_seconds: int,
    completed_next: str,
    job_kind: str,
) -> dict[str, Any]:
    """Wait, Describe, Choice on the status: the loop for requests without ``.sync``.

    A Failed or Stopped job ends in ``Job ended`` with the error ``<job_kind>Failed`` or
    ``<job_kind>Stopped`` and the job's description as the cause.
    """
    status = f"{result_path}.{status_field}"
    return {
        "Wait for job": {"Type": "Wait", "Seconds": period_seconds, "Next": "Describe job"},
        "Describe job": {
            "Type": "Task",
            "Resource": describe_resource,
            "Parameters": describe_parameters,
            "ResultPath": result_path,
            "Assign": RESET_RETRIES,
            "Catch": catch("Describe job", SDK_API_ERRORS),
            "Next": "Job status",
        },
        "Job status": {
            "Type": "Choice",
            "Choices": [
                {"Variable": status, "StringEquals": "Completed", "Next": completed_next},
                {
                    "Or": [
                        {"Variable": status, "StringEquals": "Failed"},
                        {"Variable": status, "StringEquals": "Stopped"},
                    ],
                    "Next": "Job did not complete",
                },
            ],
            "Default": "Wait for job",
        },
        "Job did not complete": {
            "Type": "Pass",
            "Parameters": {
                "Error.$": f"States.Format('{job_kind}{{}}', {status})",
                "Cause.$": f"States.JsonToString({result_path})",
            },
            "ResultPath": "$.Error",
            "Next": "Job ended",
        },
        "Job ended": {"Type": "Fail", "ErrorPath": "$.Error.Error", "CausePath": "$.Error.Cause"},
    }
