"""The error raised for input that SageMaker or CloudFormation would reject."""

from __future__ import annotations

from typing import Any


class ValidationError(ValueError):
    """A value breaks a documented rule of the API; raised at synth time.

    The message names the field (as a path in the API request where there is one),
    the rule and the value received.
    """

    def __init__(self, field: str, rule: str, value: Any) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        super().__init__(f"{field}: {rule}, but got {_show(value)}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
