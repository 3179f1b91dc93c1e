"""Core helpers every layer may use: tokens, JSON paths, ARNs, intrinsics-to-text, per-stack caches, the
cdk-nag acknowledgement helper and the template Metadata keys the tools read. The lowest layer: it
imports nothing else of constructs_sm but ``errors``.

The public names are exported by ``constructs_sm``; the modules load on use (nothing is imported here).
"""

__all__ = [
    "_arns",
    "_intrinsics",
    "_metadata",
    "_nag",
    "_paths",
    "_stack",
    "_tokens",
]
