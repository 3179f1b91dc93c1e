"""Read a fan-out's results: the best job of each item, and each failure with SageMaker's reason.

A ``WorkflowFanOut`` execution ends with ``{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"},
"ItemCounts", ...}``: the map run wrote every item's result to S3 ("ResultWriter (Map)",
https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html), because a
state's output (256 KiB, "Step Functions service quotas") holds neither a thousand items' results nor
their failures. :func:`summary` reads them back with an S3 client you give (boto3's)::

    import boto3
    from constructs_sm.tools.fan_out_results import summary

    output = json.loads(sfn.describe_execution(executionArn=arn)["output"])
    report = summary(output, boto3.client("s3"))
    report.counts                       # {"Succeeded": 997, "Failed": 3, ...}
    for item in report.succeeded:       # the item's input and its best job
        print(item.input, item.best_training_job, item.objective, item.model_artifacts)
    for item in report.failed:          # the item's input, the error and SageMaker's FailureReason
        print(item.input, item.error, item.reason)

It imports nothing of the constructs nor boto3 itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Failed", "FanOutSummary", "S3Client", "Succeeded", "summary"]


class S3Client(Protocol):
    """What is read of the client: ``get_object`` (boto3's S3 client has it)."""

    def get_object(self, *, Bucket: str, Key: str) -> Any: ...  # noqa: N803 - boto3's keyword names


@dataclass(frozen=True)
class Succeeded:
    """One item whose job ended well: its input and the workflow's output."""

    input: Any
    output: Any
    execution_arn: str

    @property
    def best_training_job(self) -> str | None:
        """The best training job's name (a tuning workflow's), or the training job's."""
        best = self.output.get("BestTrainingJob") if isinstance(self.output, dict) else None
        if isinstance(best, dict):
            return best.get("TrainingJobName")
        return self.output.get("TrainingJobName") if isinstance(self.output, dict) else None

    @property
    def objective(self) -> float | None:
        """The best training job's objective metric value (a tuning workflow's)."""
        best = self.output.get("BestTrainingJob") if isinstance(self.output, dict) else None
        metric = best.get("FinalHyperParameterTuningJobObjectiveMetric") if isinstance(best, dict) else None
        return metric.get("Value") if isinstance(metric, dict) else None

    @property
    def model_artifacts(self) -> str | None:
        """Where the (best) model's artifacts are."""
        if not isinstance(self.output, dict):
            return None
        artifacts = self.output.get("S3ModelArtifacts") or self.output.get("ModelArtifacts")
        if isinstance(artifacts, dict):
            return artifacts.get("S3ModelArtifacts")
        return artifacts


@dataclass(frozen=True)
class Failed:
    """One item that failed: its input, the error and cause, and SageMaker's reason when a job failed."""

    input: Any
    error: str | None
    cause: str | None
    execution_arn: str
    status: str

    @property
    def reason(self) -> str | None:
        """SageMaker's ``FailureReason`` when the cause is a job's description (``JobFailed``), else the cause."""
        try:
            described = json.loads(self.cause or "")
        except ValueError:
            return self.cause
        if isinstance(described, dict) and "FailureReason" in described:
            return str(described["FailureReason"])
        return self.cause


@dataclass(frozen=True)
class FanOutSummary:
    counts: dict[str, Any]
    succeeded: list[Succeeded] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    pending: list[Any] = field(default_factory=list)
    """Inputs of the items the run never started (it failed first)."""


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def summary(output: dict[str, Any], s3: S3Client) -> FanOutSummary:
    """Read the result files the execution ``output`` names (its manifest, then each file it lists)."""
    details = output.get("ResultWriterDetails") if isinstance(output, dict) else None
    if not isinstance(details, dict) or "Bucket" not in details or "Key" not in details:
        raise ValueError("output has no ResultWriterDetails {Bucket, Key}: is it a WorkflowFanOut execution's output?")
    manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
    bucket = manifest.get("DestinationBucket", details["Bucket"])
    found = FanOutSummary(counts=dict(output.get("ItemCounts") or {}))
    for status, files in (manifest.get("ResultFiles") or {}).items():
        for entry in files:
            for record in json.loads(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()):
                arn = str(record.get("ExecutionArn", ""))
                if status == "SUCCEEDED":
                    found.succeeded.append(Succeeded(_json(record.get("Input")), _json(record.get("Output")), arn))
                elif status == "PENDING":
                    found.pending.append(_json(record.get("Input")))
                else:
                    found.failed.append(
                        Failed(_json(record.get("Input")), record.get("Error"), record.get("Cause"), arn, str(record.get("Status")))
                    )
    return found
