"""One module per Step Functions task construct (create training job, create tuning job, describe
training job) and what they share. Imports the layers below it.

The public names are exported by ``constructs_sm``; the modules load on use (nothing is imported here).
"""

__all__ = [
    "_task_state",
    "describe_task",
    "training_task",
    "tuning_task",
]
