"""Amazon States Language: states, the definition, run-time parameters, a job's create state and the
execution log group. Imports the layers below it (``iam``, ``props``, ``api``, ``core``).

The public names are exported by ``constructs_sm``; the modules load on use (nothing is imported here).
"""

__all__ = [
    "_definition",
    "_execution_logs",
    "_job_request",
    "_parameters",
    "_workflow_states",
]
