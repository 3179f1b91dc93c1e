"""The execution history quota: 25,000 events, after which Step Functions fails the execution.

"Step Functions service quotas", Quotas related to state machine executions: "Maximum execution
history size: 25,000 events in a single state machine execution history. If the execution history
reaches this quota, the execution will fail."
(https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). The page names no
error; executions that hit it are reported FAILED with ``States.Runtime`` and the cause "The
execution reached the maximum number of history events (25000)." (aws-samples/
aws-organizations-tag-inventory issue 16, loads/ardere issue 86), the ``ExecutionFailed`` event
being event 25,000 itself (floci-io/floci issue 2734). That is what is modelled.

moto records every event through ``EventManager.add_event`` and has no such limit. The patch
counts the events of each execution: when one more event would leave no room for the
``ExecutionFailed`` event within the limit, that event is dropped, the execution is failed as
above (the failure can't be caught: it is the execution's, not a state's), and the
``ExecutionFailed`` event becomes the last one, number ``limit``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ._moto import EventManager, ExecutionFailedEventDetails, HistoryEventType, environment, replaced

__all__ = ["DEFAULT_HISTORY_EVENT_LIMIT", "history_quota_patches"]

DEFAULT_HISTORY_EVENT_LIMIT = 25_000

_CLOSING_EVENTS = frozenset(
    {
        HistoryEventType.ExecutionFailed,
        HistoryEventType.ExecutionSucceeded,
        HistoryEventType.ExecutionAborted,
        HistoryEventType.ExecutionTimedOut,
    }
)


def _quota_error(limit: int) -> ExecutionFailedEventDetails:
    return ExecutionFailedEventDetails(
        error="States.Runtime", cause=f"The execution reached the maximum number of history events ({limit})."
    )


@contextmanager
def history_quota_patches(limit: Callable[[], int | None]) -> Iterator[None]:
    """Enforce ``limit()`` events per execution history for the duration of the block.

    ``limit`` is read at each event (``EmulatorSettings.history_event_limit``); ``None`` disables it.
    """
    original_init = environment.Environment.__init__
    original_set_error = environment.Environment.set_error
    original_add_event = EventManager.add_event
    lock = threading.Lock()

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        # Frames (Map, Parallel) are created the same way and then share their parent's manager,
        # which keeps the execution's root environment.
        manager = self.event_manager
        if getattr(manager, "_emulator_env", None) is None:
            manager._emulator_env = self

    def set_error(self: Any, error: Any) -> None:
        # Once the quota failed the execution, later errors (the interrupted state's) don't replace it.
        original_set_error(self, getattr(self, "_emulator_quota_error", None) or error)

    def add_event(self: Any, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
        env, most = getattr(self, "_emulator_env", None), limit()
        if env is not None and most is not None and event_type not in _CLOSING_EVENTS:
            with lock:
                if getattr(env, "_emulator_quota_error", None) is not None:
                    return len(self._history_event_list)
                if len(self._history_event_list) >= most - 1:
                    env._emulator_quota_error = _quota_error(most)
                    original_set_error(env, env._emulator_quota_error)
                    return len(self._history_event_list)
        return original_add_event(self, context, event_type, *args, **kwargs)

    with (
        replaced(environment.Environment, "__init__", __init__),
        replaced(environment.Environment, "set_error", set_error),
        replaced(EventManager, "add_event", add_event),
    ):
        yield
