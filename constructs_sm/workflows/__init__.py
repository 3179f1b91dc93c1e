"""The workflows: the base state machine, tuning, training, model registration, notifications, schedule, the fan-out,
the job reaper and the workflows from a request. The top layer of the constructs.

The public names are exported by ``constructs_sm``; the modules load on use (nothing is imported here).
"""

__all__ = [
    "_job_workflow",
    "_reaper",
    "fan_out",
    "model_registration",
    "notifications",
    "request_import",
    "schedule",
    "training_workflow",
    "tuning_workflow",
]
