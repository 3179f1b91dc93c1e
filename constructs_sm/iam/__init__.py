"""IAM: statements and their policies, roles, keys, grants by walking the request, and the binding of a
job's role, key and grants. Imports ``props``, ``api`` and ``core``.

The public names are exported by ``constructs_sm``; the modules load on use (nothing is imported here).
"""

__all__ = [
    "_grants",
    "_job_resources",
    "_policy",
    "encryption_key",
    "role",
]
