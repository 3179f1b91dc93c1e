"""The SageMaker API layer: botocore's model, the rules table, the integration table, the request pipeline
(own -> validate -> render), the preview translation and request files. Imports only ``core``.

The public names are exported by ``constructs_sm``; the modules load on use (nothing is imported here).
"""

__all__ = [
    "_instance_storage",
    "_integration",
    "_model",
    "_preview",
    "_request",
    "_request_file",
    "_rules",
    "_s3_uri",
]
