"""ASL states shared by the workflows: job naming, retries, failure, polling."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._tokens import is_token
from .errors import ValidationError

FAILED = "Job failed"
TRANSIENT = "Transient error"
# The API errors each integration raises. The optimized integration names every SageMaker error
# AmazonSageMakerException and the aws-sdk one every unmodelled error SageMakerException, so
# throttling, validation and access errors share a name: the cause tells them apart.
OPTIMIZED_API_ERRORS = ["SageMaker.AmazonSageMakerException"]
SDK_API_ERRORS = ["SageMaker.SageMakerException", "SageMaker.ResourceLimitExceededException"]
# What the cause of a transient error holds, in both integrations' formats: "Rate exceeded
# (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException; ...)" and
# "Rate exceeded (Service: SageMaker, Status Code: 400, ...)". Any 5xx is transient.
TRANSIENT_CAUSES = [
    "*ThrottlingException*",
    "*Rate exceeded*",
    "*ResourceLimitExceeded*",
    "*ServiceUnavailable*",
    "*InternalFailure*",
    "*Status Code: 5*",
]
MAX_RETRIES = 5
FIRST_DELAY_SECONDS = 10  # doubled on each retry: 10, 20, 40, 80, 160
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


def naming_states(
    name_field: str,
    prefix: str,
    next_state: str,
    *,
    first_rules: Sequence[dict[str, Any]] = (),
    assign: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Choose the job name into ``$jobName``: the input's, if it has the prefix, or a new unique
    one; and start the transient-retry count. One Choice state, whose ``first_rules`` (the
    run-time parameters' checks) come before the naming rules and ``assign`` goes with them."""
    variable = f"$.{name_field}"
    start = {**RESET_RETRIES, **(assign or {})}
    generated = (
        f"States.Format('{{}}-{{}}', '{prefix}', States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4))"
    )
    return {
        "Name job": {
            "Type": "Choice",
            "Choices": [
                *first_rules,
                {
                    "And": [
                        {"Variable": variable, "IsPresent": True},
                        {"Variable": variable, "StringMatches": f"{prefix}-*"},
                    ],
                    "Assign": {"jobName.$": variable, **start},
                    "Next": next_state,
                },
                {
                    "Not": {"Variable": variable, "IsPresent": True},
                    "Assign": {"jobName.$": generated, **start},
                    "Next": next_state,
                },
            ],
            "Default": "Name not allowed",
        },
        "Name not allowed": {
            "Type": "Fail",
            "Error": "InvalidJobName",
            "Cause": f"{name_field} in the execution input must start with '{prefix}-': "
            "the state machine may only manage jobs with that prefix",
        },
    }


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


def retry_states(states: list[str]) -> dict[str, Any]:
    """Retry only transient errors (throttling, capacity, service errors): at most
    ``MAX_RETRIES`` times per task with a doubling wait, back to the state that raised it. A
    validation or access error fails the execution at once, with SageMaker's cause."""
    return {
        TRANSIENT: {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$retries", "NumericLessThanEquals": MAX_RETRIES},
                        {"Variable": "$.Error.Cause", "IsPresent": True},
                        {"Or": [{"Variable": "$.Error.Cause", "StringMatches": p} for p in TRANSIENT_CAUSES]},
                    ],
                    "Next": "Wait to retry",
                }
            ],
            "Default": FAILED,
        },
        "Wait to retry": {"Type": "Wait", "SecondsPath": "$retryDelay", "Next": "Retry"},
        "Retry": {
            "Type": "Choice",
            "Choices": [{"Variable": "$retryState", "StringEquals": state, "Next": state} for state in states],
            "Default": FAILED,
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
