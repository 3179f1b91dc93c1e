"""Edits to a test copy of an ASL definition."""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["zero_waits"]

_WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")


def zero_waits(definition: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``definition`` in which every Wait state waits 0 seconds.

    moto's interpreter really sleeps in Wait states. This replaces ``Seconds``, ``SecondsPath``,
    ``Timestamp`` and ``TimestampPath`` (JSONPath or JSONata) by ``"Seconds": 0`` in every Wait,
    including those inside Parallel branches and Map item processors. Use it on the copy a test
    deploys, never on what the library synthesizes.
    """
    result = copy.deepcopy(definition)
    _zero_waits_in(result)
    return result


def _zero_waits_in(machine: dict[str, Any]) -> None:
    for state in machine.get("States", {}).values():
        if state.get("Type") == "Wait":
            for key in _WAIT_FIELDS:
                state.pop(key, None)
            state["Seconds"] = 0
        for branch in state.get("Branches", []):
            _zero_waits_in(branch)
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                _zero_waits_in(state[key])
