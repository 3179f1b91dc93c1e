"""Compute, storage and time limits of each training job (``ResourceConfig``, ``StoppingCondition``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aws_cdk as cdk

from ._props import compact, enum_value, gibibytes, items, seconds


@dataclass(frozen=True, kw_only=True)
class InstanceGroup:
    """One group of a heterogeneous cluster (``InstanceGroup``)."""

    instance_group_name: str
    """Unique among the groups (``InstanceGroupName``); channels name it to feed this group."""
    instance_type: str
    """ML instance type of the group, e.g. ``ml.p3.2xlarge``."""
    instance_count: int
    """Instances in the group."""


@dataclass(frozen=True, kw_only=True)
class ResourceConfig:
    """ML instances and storage for each training job (``ResourceConfig``).

    The storage volume is encrypted with the workflow's KMS key (``VolumeKmsKeyId``), except on
    instance types with local NVMe storage (``ml.g5``, ``ml.p4d``, ...), whose hardware module
    encrypts it: SageMaker refuses a ``VolumeKmsKeyId`` there, so the workflow sends none.
    """

    instance_type: str | None = None
    """ML instance type, e.g. ``ml.m5.xlarge``. @default "ml.m5.xlarge", none with ``instance_groups``"""
    instance_count: int | None = None
    """Number of instances; more than 1 for distributed training. @default 1, none with ``instance_groups``"""
    volume_size: cdk.Size | None = None
    """ML storage volume per instance. @default - 10 GiB"""
    keep_alive_period: cdk.Duration | None = None
    """Keep the instances warm for the next job, a warm pool (``KeepAlivePeriodInSeconds``).
    @default - instances are released when the job ends"""
    instance_groups: Sequence[InstanceGroup] = ()
    """The instance groups of a heterogeneous cluster, instead of ``instance_type`` and
    ``instance_count`` (``InstanceGroups``). @default - one homogeneous group"""

    def render(self, field: str) -> dict[str, Any]:
        groups = items(f"{field}.InstanceGroups", self.instance_groups, InstanceGroup)
        homogeneous = not groups or self.instance_type is not None or self.instance_count is not None
        return compact(
            InstanceType=(self.instance_type or "ml.m5.xlarge") if homogeneous else None,
            InstanceCount=(1 if self.instance_count is None else self.instance_count) if homogeneous else None,
            VolumeSizeInGB=gibibytes(f"{field}.VolumeSizeInGB", self.volume_size or cdk.Size.gibibytes(10)),
            KeepAlivePeriodInSeconds=seconds(f"{field}.KeepAlivePeriodInSeconds", self.keep_alive_period),
            InstanceGroups=[
                {
                    "InstanceType": g.instance_type,
                    "InstanceCount": g.instance_count,
                    "InstanceGroupName": g.instance_group_name,
                }
                for g in groups
            ]
            or None,
        )


@dataclass(frozen=True, kw_only=True)
class StoppingCondition:
    """How long each training job may run, and wait for spot capacity (``StoppingCondition``)."""

    max_runtime: cdk.Duration | None = None
    """Longest run of one training job (``MaxRuntimeInSeconds``). @default - 1 day"""
    max_wait_time: cdk.Duration | None = None
    """With managed spot training: the longest the job may take, waiting for spot capacity
    included; at least ``max_runtime`` (``MaxWaitTimeInSeconds``).
    @default - none; required with spot training"""

    def render(self, field: str) -> dict[str, Any]:
        return compact(
            MaxRuntimeInSeconds=seconds(f"{field}.MaxRuntimeInSeconds", self.max_runtime or cdk.Duration.days(1)),
            MaxWaitTimeInSeconds=seconds(f"{field}.MaxWaitTimeInSeconds", self.max_wait_time),
        )


class AllocationStrategy(StrEnum):
    """How a tuning job picks among its instance configurations (``AllocationStrategy``)."""

    PRIORITIZED = "Prioritized"


@dataclass(frozen=True, kw_only=True)
class HyperParameterTuningInstanceConfig:
    """One instance choice of a tuning job's training jobs (``HyperParameterTuningInstanceConfig``)."""

    instance_type: str
    """ML instance type, e.g. ``ml.m5.xlarge``."""
    instance_count: int = 1
    """Instances per training job. @default 1"""
    volume_size: cdk.Size | None = None
    """ML storage volume per instance. @default - 10 GiB"""

    def render(self, field: str) -> dict[str, Any]:
        return {
            "InstanceType": self.instance_type,
            "InstanceCount": self.instance_count,
            "VolumeSizeInGB": gibibytes(f"{field}.VolumeSizeInGB", self.volume_size or cdk.Size.gibibytes(10)),
        }


@dataclass(frozen=True, kw_only=True)
class HyperParameterTuningResourceConfig:
    """Instance choices in priority order for a tuning job's training jobs
    (``HyperParameterTuningResourceConfig``); replaces ``ResourceConfig`` in a tuning definition.

    One volume key serves every choice: when any of them has local NVMe storage, none is sent
    (SageMaker refuses it there), and the EBS volumes of the other choices get SageMaker's own key.
    """

    instance_configs: Sequence[HyperParameterTuningInstanceConfig]
    """The configurations, the first preferred (``InstanceConfigs``)."""
    allocation_strategy: AllocationStrategy | str = AllocationStrategy.PRIORITIZED
    """@default AllocationStrategy.PRIORITIZED"""

    def render(self, field: str) -> dict[str, Any]:
        configs = items(f"{field}.InstanceConfigs", self.instance_configs, HyperParameterTuningInstanceConfig)
        return {
            "AllocationStrategy": enum_value(
                f"{field}.AllocationStrategy", self.allocation_strategy, AllocationStrategy
            ),
            "InstanceConfigs": [c.render(f"{field}.InstanceConfigs[{i}]") for i, c in enumerate(configs)],
        }
