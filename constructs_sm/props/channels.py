"""Input channels (``InputDataConfig``): named data sources for the training container."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ._props import compact, enum_value, items, strings
from .algorithm import InputMode
from .s3_location import S3Location


class S3DataType(StrEnum):
    """What the S3 URI names (``S3DataType``)."""

    S3_PREFIX = "S3Prefix"
    MANIFEST_FILE = "ManifestFile"
    AUGMENTED_MANIFEST_FILE = "AugmentedManifestFile"
    CONVERSE = "Converse"


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
    s3_data_type: S3DataType | str = S3DataType.S3_PREFIX
    """@default S3DataType.S3_PREFIX"""
    distribution_type: S3DataDistributionType | str = S3DataDistributionType.FULLY_REPLICATED
    """@default S3DataDistributionType.FULLY_REPLICATED"""
    attribute_names: Sequence[str] = ()
    """Attributes to use from an augmented manifest (``AttributeNames``)."""

    def render(self, field: str) -> dict[str, Any]:
        at = f"{field}.S3DataSource"
        return {
            "S3DataSource": compact(
                S3DataType=enum_value(f"{at}.S3DataType", self.s3_data_type, S3DataType),
                S3Uri=self.location.rendered(),
                S3DataDistributionType=enum_value(
                    f"{at}.S3DataDistributionType", self.distribution_type, S3DataDistributionType
                ),
                AttributeNames=strings(f"{at}.AttributeNames", self.attribute_names),
            )
        }


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
    file_system_type: FileSystemType | str
    """EFS or FSx for Lustre."""
    directory_path: str
    """Absolute path of the data, e.g. ``/training`` for EFS or ``/<mount name>/training`` for FSx."""
    file_system_access_mode: FileSystemAccessMode | str = FileSystemAccessMode.READ_ONLY
    """@default FileSystemAccessMode.READ_ONLY"""

    def render(self, field: str) -> dict[str, Any]:
        at = f"{field}.FileSystemDataSource"
        return {
            "FileSystemDataSource": {
                "FileSystemId": self.file_system_id,
                "FileSystemAccessMode": enum_value(
                    f"{at}.FileSystemAccessMode", self.file_system_access_mode, FileSystemAccessMode
                ),
                "FileSystemType": enum_value(f"{at}.FileSystemType", self.file_system_type, FileSystemType),
                "DirectoryPath": self.directory_path,
            }
        }


@dataclass(frozen=True, kw_only=True)
class Channel:
    """One named input channel (``Channel``), e.g. ``train`` or ``validation``."""

    channel_name: str
    """The channel's name (``ChannelName``), unique among the channels."""
    data_source: S3DataSource | FileSystemDataSource
    """Where the channel's data is: S3, or EFS / FSx for Lustre."""
    content_type: str | None = None
    """MIME type of the data, e.g. ``text/csv``. @default - none"""
    compression_type: CompressionType | str | None = None
    """@default - SageMaker's default, CompressionType.NONE"""
    record_wrapper_type: RecordWrapperType | str | None = None
    """@default - SageMaker's default, RecordWrapperType.NONE"""
    input_mode: InputMode | str | None = None
    """Overrides the algorithm's input mode for this channel. @default - the algorithm's"""
    shuffle_seed: int | None = None
    """Seed for shuffling S3 data with ShuffleConfig. @default - no shuffling"""

    def render(self, field: str) -> dict[str, Any]:
        return compact(
            ChannelName=self.channel_name,
            DataSource=self.data_source.render(f"{field}.DataSource"),
            ContentType=self.content_type,
            CompressionType=enum_value(f"{field}.CompressionType", self.compression_type, CompressionType),
            RecordWrapperType=enum_value(f"{field}.RecordWrapperType", self.record_wrapper_type, RecordWrapperType),
            InputMode=enum_value(f"{field}.InputMode", self.input_mode, InputMode),
            ShuffleConfig=None if self.shuffle_seed is None else {"Seed": self.shuffle_seed},
        )


def render_channels(field: str, channels: Sequence[Channel]) -> list[dict[str, Any]]:
    """``InputDataConfig``."""
    return [channel.render(f"{field}[{index}]") for index, channel in enumerate(items(field, channels, Channel))]
