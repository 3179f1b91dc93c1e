"""Typed props: frozen builders that produce fragments of a CreateTrainingJob or
CreateHyperParameterTuningJob request. Imports ``api`` and ``core``.

The public names are exported by ``constructs_sm``; the modules load on use (nothing is imported here).
"""

__all__ = [
    "_props",
    "_request_body",
    "algorithm",
    "channels",
    "network",
    "resources",
    "s3_location",
    "training_job_definition",
    "tuning_config",
]
