"""ASL states shared by the workflows: job naming, retries, failure, polling."""

from __future__ import annotations

import re
from typing import Any

from ._tokens import is_token
from .errors import ValidationError

FAILED = "Job failed"
# Errors SageMaker raises before it creates a job (throttling lands in AmazonSageMakerException
# for the optimized integration), so a retry never meets a name that a created job holds.
OPTIMIZED_RETRY_ERRORS = ["SageMaker.AmazonSageMakerException", "SageMaker.ResourceLimitExceededException"]
SDK_RETRY_ERRORS = ["SageMaker.ResourceLimitExceededException", "SageMaker.SageMakerException"]
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


def naming_states(name_field: str, prefix: str, next_state: str) -> dict[str, Any]:
    """Choose the job name: the input's, if it has the prefix, or a new unique one."""
    variable = f"$.{name_field}"
    return {
        "Name job": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": variable, "IsPresent": True},
                        {"Variable": variable, "StringMatches": f"{prefix}-*"},
                    ],
                    "Next": "Use given name",
                },
                {"Variable": variable, "IsPresent": True, "Next": "Name not allowed"},
            ],
            "Default": "Generate name",
        },
        "Use given name": {
            "Type": "Pass",
            "Parameters": {"Name.$": variable},
            "ResultPath": "$.JobName",
            "Next": next_state,
        },
        "Generate name": {
            "Type": "Pass",
            "Parameters": {
                "Name.$": f"States.Format('{{}}-{{}}', '{prefix}', "
                "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 4))"
            },
            "ResultPath": "$.JobName",
            "Next": next_state,
        },
        "Name not allowed": {
            "Type": "Fail",
            "Error": "InvalidJobName",
            "Cause": f"{name_field} in the execution input must start with '{prefix}-': "
            "the state machine may only manage jobs with that prefix",
        },
    }


def retry(errors: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": errors,
            "IntervalSeconds": 10,
            "MaxAttempts": 5,
            "BackoffRate": 2.0,
            "MaxDelaySeconds": 300,
            "JitterStrategy": "FULL",
        }
    ]


def catch() -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.Error", "Next": FAILED}]


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
            "Retry": retry(SDK_RETRY_ERRORS),
            "Catch": catch(),
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
