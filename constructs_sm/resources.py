"""Compute, storage and time limits of each training job (``ResourceConfig``, ``StoppingCondition``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aws_cdk as cdk

from ._checks import check_count, check_enum, check_length, check_range, is_unresolved
from .errors import ValidationError

_INSTANCE_TYPE = re.compile(r"ml\.[a-z0-9\-]+\.[a-z0-9]+")
_MAX_RUNTIME_SECONDS = 28 * 24 * 3600
_MAX_KEEP_ALIVE_SECONDS = 6 * 3600  # the botocore model's maximum of KeepAlivePeriodInSeconds


@dataclass(frozen=True, kw_only=True)
class InstanceGroup:
    """One group of a heterogeneous cluster (``InstanceGroup``)."""

    instance_group_name: str
    """1-64 characters, unique among the groups; channels name it to feed this group."""
    instance_type: str
    """ML instance type of the group, e.g. ``ml.p3.2xlarge``."""
    instance_count: int
    """Instances in the group, at least 1."""

    def render(self, field: str) -> dict[str, Any]:
        check_length(f"{field}.InstanceGroupName", self.instance_group_name, 1, 64)
        _check_instances(field, self.instance_type, self.instance_count)
        return {
            "InstanceGroupName": self.instance_group_name,
            "InstanceType": self.instance_type,
            "InstanceCount": self.instance_count,
        }


@dataclass(frozen=True, kw_only=True)
class ResourceConfig:
    """ML instances and storage for each training job (``ResourceConfig``).

    The storage volume is encrypted with the workflow's KMS key (``VolumeKmsKeyId``).
    """

    instance_type: str | None = None
    """ML instance type, e.g. ``ml.m5.xlarge``. @default "ml.m5.xlarge", none with ``instance_groups``"""
    instance_count: int | None = None
    """Number of instances; more than 1 for distributed training. @default 1, none with ``instance_groups``"""
    volume_size: cdk.Size | None = None
    """ML storage volume per instance, 1 GiB or more. @default - 10 GiB"""
    keep_alive_period: cdk.Duration | None = None
    """Keep the instances warm for the next job (a warm pool), at most 6 hours
    (``KeepAlivePeriodInSeconds``). @default - instances are released when the job ends"""
    instance_groups: Sequence[InstanceGroup] = ()
    """1 to 5 instance groups of a heterogeneous cluster, instead of ``instance_type`` and
    ``instance_count`` (``InstanceGroups``). @default - one homogeneous group"""

    def render(self, field: str, volume_kms_key_id: str | None) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if self.instance_groups:
            if self.instance_type is not None or self.instance_count is not None:
                raise ValidationError(
                    f"{field}.InstanceGroups",
                    "replaces InstanceType and InstanceCount: set instance_groups or those two, not both",
                    [self.instance_type, self.instance_count],
                )
            config["InstanceGroups"] = _render_groups(f"{field}.InstanceGroups", self.instance_groups)
        else:
            instance_type = "ml.m5.xlarge" if self.instance_type is None else self.instance_type
            instance_count = 1 if self.instance_count is None else self.instance_count
            _check_instances(field, instance_type, instance_count)
            config.update(InstanceCount=instance_count, InstanceType=instance_type)
        size = 10 if self.volume_size is None else self.volume_size.to_gibibytes()
        check_range(f"{field}.VolumeSizeInGB", size, 1)
        config["VolumeSizeInGB"] = size
        if volume_kms_key_id is not None:
            config["VolumeKmsKeyId"] = volume_kms_key_id
        if self.keep_alive_period is not None:
            seconds = int(self.keep_alive_period.to_seconds())
            check_range(f"{field}.KeepAlivePeriodInSeconds", seconds, 0, _MAX_KEEP_ALIVE_SECONDS)
            config["KeepAlivePeriodInSeconds"] = seconds
        return config


def _render_groups(field: str, groups: Sequence[InstanceGroup]) -> list[dict[str, Any]]:
    check_count(field, groups, 1, 5)
    names = [g.instance_group_name for g in groups]
    if len(set(names)) != len(names):
        raise ValidationError(field, "must give each group a unique InstanceGroupName", names)
    return [group.render(f"{field}[{index}]") for index, group in enumerate(groups)]


def _check_instances(field: str, instance_type: str, instance_count: int) -> None:
    check_length(f"{field}.InstanceType", instance_type, 1, 64)
    if not is_unresolved(instance_type) and not _INSTANCE_TYPE.fullmatch(instance_type):
        raise ValidationError(
            f"{field}.InstanceType", "must be an ML instance type such as ml.m5.xlarge", instance_type
        )
    if isinstance(instance_count, bool) or not isinstance(instance_count, (int, float)):
        raise ValidationError(f"{field}.InstanceCount", "must be an integer", instance_count)
    check_range(f"{field}.InstanceCount", instance_count, 1)


@dataclass(frozen=True, kw_only=True)
class StoppingCondition:
    """How long each training job may run, and wait for spot capacity (``StoppingCondition``)."""

    max_runtime: cdk.Duration | None = None
    """Longest run of one training job, at most 28 days. @default - 1 day"""
    max_wait_time: cdk.Duration | None = None
    """With managed spot training: the longest the job may take, waiting for spot capacity
    included; at least ``max_runtime`` (``MaxWaitTimeInSeconds``).
    @default - none; required with spot training"""

    @property
    def max_runtime_seconds(self) -> int:
        return 86400 if self.max_runtime is None else int(self.max_runtime.to_seconds())

    @property
    def max_wait_time_seconds(self) -> int | None:
        return None if self.max_wait_time is None else int(self.max_wait_time.to_seconds())

    def render(self, field: str, *, managed_spot_training: bool) -> dict[str, Any]:
        seconds = self.max_runtime_seconds
        check_range(f"{field}.MaxRuntimeInSeconds", seconds, 1, _MAX_RUNTIME_SECONDS)
        condition = {"MaxRuntimeInSeconds": seconds}
        wait = self.max_wait_time_seconds
        if wait is None:
            if managed_spot_training:
                raise ValidationError(
                    f"{field}.MaxWaitTimeInSeconds", "is required with EnableManagedSpotTraining", None
                )
            return condition
        if not managed_spot_training:
            raise ValidationError(
                f"{field}.MaxWaitTimeInSeconds",
                "is only allowed with EnableManagedSpotTraining (set enable_managed_spot_training=True)",
                wait,
            )
        check_range(f"{field}.MaxWaitTimeInSeconds", wait, 1)
        if wait < seconds:
            raise ValidationError(
                f"{field}.MaxWaitTimeInSeconds", f"must be at least MaxRuntimeInSeconds ({seconds})", wait
            )
        condition["MaxWaitTimeInSeconds"] = wait
        return condition

    def longest_attempt_seconds(self, *, managed_spot_training: bool) -> int:
        """The longest one attempt of the job takes: its wait time with spot training, else its runtime."""
        wait = self.max_wait_time_seconds
        return wait if managed_spot_training and wait is not None else self.max_runtime_seconds


class AllocationStrategy(StrEnum):
    """How a tuning job picks among its instance configurations (``AllocationStrategy``)."""

    PRIORITIZED = "Prioritized"


@dataclass(frozen=True, kw_only=True)
class HyperParameterTuningInstanceConfig:
    """One instance choice of a tuning job's training jobs (``HyperParameterTuningInstanceConfig``)."""

    instance_type: str
    """ML instance type, e.g. ``ml.m5.xlarge``."""
    instance_count: int = 1
    """Instances per training job, at least 1. @default 1"""
    volume_size: cdk.Size | None = None
    """ML storage volume per instance, at least 1 GiB. @default - 10 GiB"""

    def render(self, field: str) -> dict[str, Any]:
        _check_instances(field, self.instance_type, self.instance_count)
        size = 10 if self.volume_size is None else self.volume_size.to_gibibytes()
        check_range(f"{field}.VolumeSizeInGB", size, 1)
        return {"InstanceType": self.instance_type, "InstanceCount": self.instance_count, "VolumeSizeInGB": size}


@dataclass(frozen=True, kw_only=True)
class HyperParameterTuningResourceConfig:
    """Instance choices in priority order for a tuning job's training jobs
    (``HyperParameterTuningResourceConfig``); replaces ``ResourceConfig`` in a tuning definition."""

    instance_configs: Sequence[HyperParameterTuningInstanceConfig]
    """1 to 6 configurations, the first preferred."""
    allocation_strategy: AllocationStrategy = AllocationStrategy.PRIORITIZED
    """@default AllocationStrategy.PRIORITIZED"""

    def render(self, field: str, volume_kms_key_id: str | None) -> dict[str, Any]:
        check_count(f"{field}.InstanceConfigs", self.instance_configs, 1, 6)
        check_enum(f"{field}.AllocationStrategy", self.allocation_strategy, AllocationStrategy)
        config: dict[str, Any] = {
            "AllocationStrategy": self.allocation_strategy.value,
            "InstanceConfigs": [c.render(f"{field}.InstanceConfigs[{i}]") for i, c in enumerate(self.instance_configs)],
        }
        if volume_kms_key_id is not None:
            config["VolumeKmsKeyId"] = volume_kms_key_id
        return config
