"""JSON paths of a request: ``TrainingJobDefinitions[0].InputDataConfig[1].ChannelName``.

A pattern writes ``[]`` for every index: ``TrainingJobDefinitions[].InputDataConfig[]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

JOB_ROOTS: dict[str, tuple[str, ...]] = {
    "CreateTrainingJob": ("",),
    "CreateHyperParameterTuningJob": ("TrainingJobDefinition", "TrainingJobDefinitions[]"),
}
"""Where a request's training job definitions are: the request itself, or the tuning job's definitions."""


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def find(value: Any, pattern: str, at: str = "") -> Iterator[tuple[str, Any]]:
    """``(path, value)`` of every value of ``value`` that ``pattern`` names."""
    if not pattern:
        yield at, value
        return
    head, _, rest = pattern.partition(".")
    name, brackets = head.partition("[]")[0], head.endswith("[]")
    if name:
        if not isinstance(value, dict) or name not in value:
            return
        value, at = value[name], join(at, name)
    if brackets:
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from find(item, rest, f"{at}[{index}]")
        return
    yield from find(value, rest, at)


def leaves(value: Any, at: str = "") -> Iterator[str]:
    """The pattern of every leaf of ``value``: ``InputDataConfig[].DataSource.S3DataSource.S3Uri``."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, join(at, key))
    elif isinstance(value, list) and value:
        for item in value:
            yield from leaves(item, f"{at}[]")
    else:
        yield at
