"""SageMaker training instance types with local NVMe instance storage, where a volume key is refused.

SageMaker API Reference, ResourceConfig.VolumeKmsKeyId: "Certain Nitro-based instances include
local storage ... Local storage volumes are encrypted using a hardware module on the instance.
You can't request a VolumeKmsKeyId when using an instance type with local storage"
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html); the same for
HyperParameterTuningResourceConfig.VolumeKmsKeyId
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningResourceConfig.html).

The table is by family (``ml.g5`` covers every ``ml.g5.*`` size); the instance types themselves
come from botocore's ``TrainingInstanceType`` enum (:func:`local_storage_types`). botocore is
imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from ..core._paths import join
from ..core._tokens import is_token

_EC2_ACCELERATED = (
    "EC2 Instance Types guide, 'Specifications for Amazon EC2 accelerated computing instances', "
    "Instance store specifications (NVMe SSD): https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html#ac_instance-store"
)
_SAGEMAKER_GUIDE = (
    "SageMaker Developer Guide, 'Managing storage paths for different types of instance local storage': "
    "'ML instance families with the NVMe-type instance storage include ml.p4d, ml.g4dn, and ml.g5' "
    "(https://docs.aws.amazon.com/sagemaker/latest/dg/model-train-storage-tips-considerations.html); "
)
_EC2_NVME = (
    "EC2 User Guide, 'SSD instance store volumes', NVMe SSD volumes: 'C5d, I3, F1, M5d, p3dn.24xlarge, R5d, "
    "and z1d' (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ssd-instance-store.html)"
)

LOCAL_STORAGE_FAMILIES: dict[str, str] = {
    "ml.g4dn": _SAGEMAKER_GUIDE + _EC2_ACCELERATED,
    "ml.g5": _SAGEMAKER_GUIDE + _EC2_ACCELERATED,
    "ml.g6": _EC2_ACCELERATED,
    "ml.g6e": _EC2_ACCELERATED,
    "ml.p3dn": _EC2_ACCELERATED + "; " + _EC2_NVME,
    "ml.p4d": _SAGEMAKER_GUIDE + _EC2_ACCELERATED,
    "ml.p4de": _EC2_ACCELERATED,
    "ml.p5": _EC2_ACCELERATED,
    "ml.p5e": _EC2_ACCELERATED,
    "ml.p5en": _EC2_ACCELERATED,
    "ml.trn1": _EC2_ACCELERATED,
    "ml.trn1n": _EC2_ACCELERATED,
    "ml.r5d": _EC2_NVME,
}
"""Family (``ml.<family>``) -> the page that lists its NVMe instance store."""

UNVERIFIED_FAMILIES: dict[str, str] = {
    family: "in botocore's TrainingInstanceType enum; no AWS page consulted lists its instance store"
    for family in ("ml.trn2", "ml.p6-b200", "ml.p6-b300", "ml.p6e-gb200", "ml.g7", "ml.g7e")
}
"""Families not classified yet. They keep the volume key: if one has local storage, SageMaker
refuses the job at creation (a loud failure), where a wrong entry in the table above would
silently leave an EBS volume without the customer's key."""


def family(instance_type: str) -> str:
    """``ml.g5.xlarge`` -> ``ml.g5``."""
    return instance_type.rsplit(".", 1)[0]


def has_local_storage(instance_type: str) -> bool:
    """Whether SageMaker refuses a ``VolumeKmsKeyId`` for this instance type (a literal)."""
    return isinstance(instance_type, str) and family(instance_type) in LOCAL_STORAGE_FAMILIES


@cache
def local_storage_types() -> tuple[str, ...]:
    """The instance types of botocore's ``TrainingInstanceType`` enum with local storage, sorted."""
    return tuple(sorted(t for t in _instance_type_shape().enum if has_local_storage(t)))


def local_storage_globs() -> list[str]:
    """``StringMatches`` patterns of the families with local storage (``ml.g5.*``), sorted."""
    return sorted(f"{f}.*" for f in LOCAL_STORAGE_FAMILIES)


def __getattr__(name: str) -> list[str]:
    # LOCAL_STORAGE_TYPES is computed from botocore's enum on first use, not at import.
    if name == "LOCAL_STORAGE_TYPES":
        return list(local_storage_types())
    raise AttributeError(name)


def local_instance_types(operation: str, pattern: str, config: Any) -> list[tuple[str, str]]:
    """``(path, instance type)`` of each literal instance type with local storage in ``config``, the
    value at ``pattern`` (``TrainingJobDefinitions[].HyperParameterTuningResourceConfig``): its
    ``InstanceType``, its instance groups, configurations and preferences, found by their shape."""
    shape = _shape_at(operation, pattern)
    if shape is None:  # not a field there: the model check says so
        return []
    return [
        (path, value)
        for path, value in _instance_types(shape, config, "")
        if isinstance(value, str) and not is_token(value) and has_local_storage(value)
    ]


def _instance_types(shape: Any, value: Any, at: str) -> Iterator[tuple[str, Any]]:
    if shape.name == _instance_type_shape().name:
        yield at, value
    elif shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                yield from _instance_types(shape.members[key], item, join(at, key))
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _instance_types(shape.member, item, f"{at}[{index}]")


def _shape_at(operation: str, pattern: str) -> Any:
    from ._model import input_shape

    shape = input_shape(operation)
    for step in filter(None, pattern.split(".")):
        if step.removesuffix("[]") not in shape.members:
            return None
        shape = shape.members[step.removesuffix("[]")]
        if step.endswith("[]"):
            shape = shape.member
    return shape


@cache
def _instance_type_shape() -> Any:
    from ._model import input_shape

    return input_shape("CreateTrainingJob").members["ResourceConfig"].members["InstanceType"]
