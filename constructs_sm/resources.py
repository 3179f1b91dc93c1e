"""Compute, storage and time limits of each training job (``ResourceConfig``, ``StoppingCondition``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk

from ._checks import check_length, check_range, is_unresolved
from .errors import ValidationError

_INSTANCE_TYPE = re.compile(r"ml\.[a-z0-9\-]+\.[a-z0-9]+")
_MAX_RUNTIME_SECONDS = 28 * 24 * 3600


@dataclass(frozen=True, kw_only=True)
class ResourceConfig:
    """ML instances and storage for each training job (``ResourceConfig``).

    The storage volume is encrypted with the workflow's KMS key (``VolumeKmsKeyId``).
    """

    instance_type: str = "ml.m5.xlarge"
    """ML instance type, e.g. ``ml.m5.xlarge``. @default "ml.m5.xlarge" """
    instance_count: int = 1
    """Number of instances; more than 1 for distributed training. @default 1"""
    volume_size: cdk.Size | None = None
    """ML storage volume per instance, 1 GiB or more. @default - 10 GiB"""

    def render(self, field: str, volume_kms_key_id: str | None) -> dict[str, Any]:
        check_length(f"{field}.InstanceType", self.instance_type, 1, 64)
        if not is_unresolved(self.instance_type) and not _INSTANCE_TYPE.fullmatch(self.instance_type):
            raise ValidationError(
                f"{field}.InstanceType", "must be an ML instance type such as ml.m5.xlarge", self.instance_type
            )
        if isinstance(self.instance_count, bool) or not isinstance(self.instance_count, (int, float)):
            raise ValidationError(f"{field}.InstanceCount", "must be an integer", self.instance_count)
        check_range(f"{field}.InstanceCount", self.instance_count, 1)
        size = 10 if self.volume_size is None else self.volume_size.to_gibibytes()
        check_range(f"{field}.VolumeSizeInGB", size, 1)
        config: dict[str, Any] = {
            "InstanceCount": self.instance_count,
            "InstanceType": self.instance_type,
            "VolumeSizeInGB": size,
        }
        if volume_kms_key_id is not None:
            config["VolumeKmsKeyId"] = volume_kms_key_id
        return config


@dataclass(frozen=True, kw_only=True)
class StoppingCondition:
    """How long each training job may run (``StoppingCondition``)."""

    max_runtime: cdk.Duration | None = None
    """Longest run of one training job, at most 28 days. @default - 1 day"""

    @property
    def max_runtime_seconds(self) -> int:
        return 86400 if self.max_runtime is None else int(self.max_runtime.to_seconds())

    def render(self, field: str) -> dict[str, Any]:
        seconds = self.max_runtime_seconds
        check_range(f"{field}.MaxRuntimeInSeconds", seconds, 1, _MAX_RUNTIME_SECONDS)
        return {"MaxRuntimeInSeconds": seconds}
