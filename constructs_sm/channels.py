"""Input channels (``InputDataConfig``): named data sources for the training container."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_cdk import aws_iam as iam

from ._checks import check_count, check_enum, check_length, check_pattern, check_range, is_unresolved
from .algorithm import InputMode
from .errors import ValidationError
from .s3_location import S3Location

_CHANNEL_NAME = re.compile(r"[A-Za-z0-9.\-_]+")
_FILE_SYSTEM_ID = re.compile(r"fs-[0-9a-f]{8,}")


class S3DataType(StrEnum):
    """What the S3 URI names (``S3DataType``)."""

    S3_PREFIX = "S3Prefix"
    MANIFEST_FILE = "ManifestFile"
    AUGMENTED_MANIFEST_FILE = "AugmentedManifestFile"


class S3DataDistributionType(StrEnum):
    """How data is spread across instances (``S3DataDistributionType``)."""

    FULLY_REPLICATED = "FullyReplicated"
    SHARDED_BY_S3_KEY = "ShardedByS3Key"


class CompressionType(StrEnum):
    """Compression of the channel's data (``CompressionType``)."""

    NONE = "None"
    GZIP = "Gzip"


class RecordWrapperType(StrEnum):
    """Record wrapping of the channel's data (``RecordWrapperType``)."""

    NONE = "None"
    RECORD_IO = "RecordIO"


@dataclass(frozen=True, kw_only=True)
class S3DataSource:
    """Training data in S3 (``S3DataSource``); the role may read only this location."""

    location: S3Location
    """Where the data is; may be read from the execution input (``S3Location.from_json_path``)."""
    s3_data_type: S3DataType = S3DataType.S3_PREFIX
    """@default S3DataType.S3_PREFIX"""
    distribution_type: S3DataDistributionType = S3DataDistributionType.FULLY_REPLICATED
    """@default S3DataDistributionType.FULLY_REPLICATED"""
    attribute_names: Sequence[str] = ()
    """Attributes to use from an augmented manifest, at most 16."""

    def render(self, data_source_field: str) -> dict[str, Any]:
        field = f"{data_source_field}.S3DataSource"
        check_enum(f"{field}.S3DataType", self.s3_data_type, S3DataType)
        check_enum(f"{field}.S3DataDistributionType", self.distribution_type, S3DataDistributionType)
        source: dict[str, Any] = {
            "S3DataType": self.s3_data_type.value,
            "S3DataDistributionType": self.distribution_type.value,
        }
        self.location.render_into(source, "S3Uri")
        if self.attribute_names:
            if self.s3_data_type is not S3DataType.AUGMENTED_MANIFEST_FILE:
                raise ValidationError(
                    f"{field}.AttributeNames",
                    "is only allowed with S3DataType.AUGMENTED_MANIFEST_FILE",
                    list(self.attribute_names),
                )
            check_count(f"{field}.AttributeNames", self.attribute_names, 1, 16)
            for index, name in enumerate(self.attribute_names):
                check_length(f"{field}.AttributeNames[{index}]", name, 1, 256)
            source["AttributeNames"] = list(self.attribute_names)
        return {"S3DataSource": source}

    def grant(self, grantee: iam.IRole) -> None:
        self.location.grant_read(grantee)


class FileSystemType(StrEnum):
    """The kind of file system (``FileSystemType``)."""

    EFS = "EFS"
    FSX_LUSTRE = "FSxLustre"


class FileSystemAccessMode(StrEnum):
    """How the training container mounts the file system (``FileSystemAccessMode``)."""

    READ_ONLY = "ro"
    READ_WRITE = "rw"


@dataclass(frozen=True, kw_only=True)
class FileSystemDataSource:
    """Training data on Amazon EFS or FSx for Lustre (``FileSystemDataSource``).

    SageMaker mounts the file system from the job's subnets: the job needs ``vpc_config``,
    and access is governed by the file system's security groups rather than IAM.
    """

    file_system_id: str
    """The file system's ID, e.g. ``fs-0123456789abcdef0``."""
    file_system_type: FileSystemType
    """EFS or FSx for Lustre."""
    directory_path: str
    """Absolute path of the data, e.g. ``/training`` for EFS or ``/<mount name>/training`` for FSx."""
    file_system_access_mode: FileSystemAccessMode = FileSystemAccessMode.READ_ONLY
    """@default FileSystemAccessMode.READ_ONLY"""

    def render(self, data_source_field: str) -> dict[str, Any]:
        field = f"{data_source_field}.FileSystemDataSource"
        check_length(f"{field}.FileSystemId", self.file_system_id, 11, 21)
        check_pattern(f"{field}.FileSystemId", self.file_system_id, _FILE_SYSTEM_ID, "must match fs-[0-9a-f]{8,}")
        check_enum(f"{field}.FileSystemType", self.file_system_type, FileSystemType)
        check_enum(f"{field}.FileSystemAccessMode", self.file_system_access_mode, FileSystemAccessMode)
        check_length(f"{field}.DirectoryPath", self.directory_path, 1, 4096)
        if not is_unresolved(self.directory_path) and not self.directory_path.startswith("/"):
            raise ValidationError(
                f"{field}.DirectoryPath", "must be an absolute path starting with '/'", self.directory_path
            )
        return {
            "FileSystemDataSource": {
                "FileSystemId": self.file_system_id,
                "FileSystemType": self.file_system_type.value,
                "FileSystemAccessMode": self.file_system_access_mode.value,
                "DirectoryPath": self.directory_path,
            }
        }

    def grant(self, grantee: iam.IRole) -> None:
        """Nothing: the mount is allowed by the file system's network settings, not by IAM."""


@dataclass(frozen=True, kw_only=True)
class Channel:
    """One named input channel (``Channel``), e.g. ``train`` or ``validation``."""

    channel_name: str
    """1-64 characters: letters, digits, '.', '-' and '_'."""
    data_source: S3DataSource | FileSystemDataSource
    """Where the channel's data is: S3, or EFS / FSx for Lustre."""
    content_type: str | None = None
    """MIME type of the data, e.g. ``text/csv``. @default - none"""
    compression_type: CompressionType | None = None
    """@default - SageMaker's default, CompressionType.NONE"""
    record_wrapper_type: RecordWrapperType | None = None
    """@default - SageMaker's default, RecordWrapperType.NONE"""
    input_mode: InputMode | None = None
    """Overrides the algorithm's input mode for this channel. @default - the algorithm's"""
    shuffle_seed: int | None = None
    """Seed for shuffling S3 data with ShuffleConfig. @default - no shuffling"""

    def render(self, field: str) -> dict[str, Any]:
        check_length(f"{field}.ChannelName", self.channel_name, 1, 64)
        check_pattern(
            f"{field}.ChannelName",
            self.channel_name,
            _CHANNEL_NAME,
            "must contain only letters, digits, '.', '-' and '_'",
        )
        channel: dict[str, Any] = {
            "ChannelName": self.channel_name,
            "DataSource": self.data_source.render(f"{field}.DataSource"),
        }
        if self.content_type is not None:
            check_length(f"{field}.ContentType", self.content_type, 0, 256)
            channel["ContentType"] = self.content_type
        if self.compression_type is not None:
            check_enum(f"{field}.CompressionType", self.compression_type, CompressionType)
            channel["CompressionType"] = self.compression_type.value
        if self.record_wrapper_type is not None:
            check_enum(f"{field}.RecordWrapperType", self.record_wrapper_type, RecordWrapperType)
            channel["RecordWrapperType"] = self.record_wrapper_type.value
        if self.input_mode is not None:
            check_enum(f"{field}.InputMode", self.input_mode, InputMode)
            channel["InputMode"] = self.input_mode.value
        if self.shuffle_seed is not None:
            check_range(f"{field}.ShuffleConfig.Seed", self.shuffle_seed, 0)
            channel["ShuffleConfig"] = {"Seed": self.shuffle_seed}
        return channel


def render_channels(field: str, channels: Sequence[Channel]) -> list[dict[str, Any]]:
    """``InputDataConfig``: 1 to 20 channels with distinct names."""
    check_count(field, channels, 1, 20)
    seen: set[str] = set()
    rendered = []
    for index, channel in enumerate(channels):
        if channel.channel_name in seen:
            raise ValidationError(
                f"{field}[{index}].ChannelName", "must be unique among the channels", channel.channel_name
            )
        seen.add(channel.channel_name)
        rendered.append(channel.render(f"{field}[{index}]"))
    return rendered
