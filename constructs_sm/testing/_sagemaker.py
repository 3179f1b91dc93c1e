"""What SageMaker does and moto does not: its refusals (taken names, missing jobs, encrypted local storage,
missing groups, taken group names, non-empty groups), StopTrainingJob / StopHyperParameterTuningJob,
DeleteModelPackage and DeleteModelPackageGroup.

``sagemaker_rules()`` wraps methods of moto's ``SageMakerModelBackend`` (class-level, undone on
exit), so that every caller (an optimized task, an ``aws-sdk`` task, a test's boto3 client) meets
them. Each rule cites where the behaviour is stated; ``MODELLED.md`` lists them with their tests.

moto 5.2 answers StopTrainingJob and StopHyperParameterTuningJob with NotImplementedError; they are
added (backend and HTTP action) as the SageMaker API Reference describes them: an InProgress job
goes to Stopping, and its next Describe finds it Stopped ("TrainingJobStatus": Stopping, "the
training job is stopping"; Stopped, "the training job has stopped"); an unknown name is
ResourceNotFound; a job that has ended is refused with a ValidationException naming its status
("The request was rejected because the training job is in status Stopped.", as SageMaker words it:
awslabs/benchmark-ai issue 928).

moto 5.2 has no DeleteModelPackage or DeleteModelPackageGroup either; they are added the same way.
A model version is deleted by name or ARN. A group is deleted only when it holds no model version:
"You can only delete an empty model group. Before you delete your model group, remove its model
versions, if any." (SageMaker Developer Guide, "Delete a Model Group",
https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-delete-model-group.html). The API
Reference (DeleteModelPackageGroup) lists one error, ConflictException ("There was a conflict when you
attempted to modify a SageMaker entity"), and is silent on which error a non-empty group gets: the
emulator answers that one, with a message of its own. A missing group is moto's ValidationException
"ModelPackageGroup <arn> does not exist." (the words CloudFormation's handler matches as "not found").
CreateModelPackageGroup with a taken name is a ValidationException "Model Package Group already
exists: <arn>" (moto overwrites the group): the message CloudFormation's resource handler matches
(aws-cloudformation-resource-providers-sagemaker, aws-sagemaker-modelpackagegroup ExceptionMapper and
its tests), the code as SDK users catch it; the API Reference lists no such error (docs silent).

``VolumeKmsKeyId`` is checked against ``constructs_sm.api._instance_storage.has_local_storage`` (the
library's table of instance types with local NVMe storage), imported when first needed.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from ._moto import (
    ConflictException,
    EmptyResult,
    ResourceInUseException,
    ResourceNotFound,
    SageMakerModelBackend,
    SageMakerResponse,
    ValidationError,
    arn_formatter,
    replaced,
    utcnow,
)

__all__ = ["LOCAL_STORAGE_MESSAGE", "NON_EMPTY_GROUP_MESSAGE", "sagemaker_rules"]

# SageMaker API Reference, ResourceConfig.VolumeKmsKeyId and HyperParameterTuningResourceConfig.
# VolumeKmsKeyId: "You can't request a VolumeKmsKeyId when using an instance type with local storage."
# (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ResourceConfig.html,
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_HyperParameterTuningResourceConfig.html)
LOCAL_STORAGE_MESSAGE = "You can't request a VolumeKmsKeyId when using an instance type with local storage."


#: DeleteModelPackageGroup of a group that holds versions (the emulator's words: docs silent on SageMaker's).
NON_EMPTY_GROUP_MESSAGE = (
    "Model Package Group {name} holds {count} model version(s) and cannot be deleted: "
    "delete its model versions first (DeleteModelPackage)."
)


def _arguments(
    method: Callable[..., Any], backend: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    return inspect.signature(method).bind(backend, *args, **kwargs).arguments


def _has_local_storage(instance_type: str) -> bool:
    from constructs_sm.api._instance_storage import has_local_storage  # lazily: the library's table

    return has_local_storage(instance_type)


def _resource_configs(definition: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """The resource configurations of a training job (definition): ResourceConfig or the tuning one."""
    for key in ("ResourceConfig", "HyperParameterTuningResourceConfig"):
        config = (definition or {}).get(key)
        if isinstance(config, dict):
            yield config


def _instance_types(config: dict[str, Any]) -> Iterator[str]:
    if config.get("InstanceType"):
        yield config["InstanceType"]
    for group in config.get("InstanceGroups") or []:  # heterogeneous clusters
        if group.get("InstanceType"):
            yield group["InstanceType"]
    for instance in config.get("InstanceConfigs") or []:  # tuning's alternative instance types
        if instance.get("InstanceType"):
            yield instance["InstanceType"]


def _refuse_encrypted_local_storage(definitions: list[dict[str, Any] | None]) -> None:
    for definition in definitions:
        for config in _resource_configs(definition):
            if config.get("VolumeKmsKeyId") and any(_has_local_storage(t) for t in _instance_types(config)):
                raise ValidationError(LOCAL_STORAGE_MESSAGE)


# The Stop actions: (request field, backend table, status attribute, end-time attribute, noun in messages).
_STOPS = {
    "StopTrainingJob": ("TrainingJobName", "training_jobs", "training_job_status", "training_end_time", "training job"),
    "StopHyperParameterTuningJob": (
        "HyperParameterTuningJobName",
        "hyper_parameter_tuning_jobs",
        "hyper_parameter_tuning_job_status",
        "hyper_parameter_tuning_end_time",
        "hyperparameter tuning job",
    ),
}


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _stop_backend_method(operation: str) -> Callable[..., None]:
    _field, table, status_field, _end, title = _STOPS[operation]

    def stop(backend: Any, name: str) -> None:
        job = getattr(backend, table).get(name)
        if job is None:
            raise ResourceNotFound(f"Could not find {title} '{name}'.")
        status = getattr(job, status_field)
        if status != "InProgress":
            raise ValidationError(f"The request was rejected because the {title} is in status {status}.")
        setattr(job, status_field, "Stopping")
        if hasattr(job, "secondary_status"):
            job.secondary_status = "Stopping"

    return stop


def _stop_response_method(operation: str) -> Callable[..., Any]:
    field = _STOPS[operation][0]

    def stop(self: Any) -> Any:
        getattr(self.sagemaker_backend, _snake(operation))(self._get_param(field))
        return EmptyResult()

    return stop


def _stopped_on_describe(job: Any, status_field: str, end_field: str) -> None:
    """A Stopping job is Stopped when next described."""
    if job is not None and getattr(job, status_field) == "Stopping":
        now = utcnow()
        setattr(job, status_field, "Stopped")
        setattr(job, end_field, now)
        job.last_modified_time = now
        if hasattr(job, "secondary_status"):
            job.secondary_status = "Stopped"


def _group_arn(backend: Any, name: str) -> str:
    return str(arn_formatter("model-package-group", name, backend.account_id, backend.region_name))


def _delete_model_package_group(backend: Any, model_package_group_name: str) -> None:
    name = (
        model_package_group_name.rsplit("/", 1)[-1]
        if model_package_group_name.startswith("arn:")
        else model_package_group_name
    )
    if name not in backend.model_package_groups:
        raise ValidationError(f"ModelPackageGroup {_group_arn(backend, name)} does not exist.")
    versions = [p for p in backend.model_packages.values() if p.model_package_group_name == name]
    if versions:
        # "You can only delete an empty model group" (Developer Guide, "Delete a Model Group");
        # ConflictException: the one error the API Reference lists for DeleteModelPackageGroup.
        raise ConflictException(NON_EMPTY_GROUP_MESSAGE.format(name=name, count=len(versions)))
    del backend.model_package_groups[name]


def _delete_model_package(backend: Any, model_package_name: str) -> None:
    arn = backend.model_package_name_mapping.get(model_package_name, model_package_name)
    package = backend.model_packages.get(arn)
    if package is None:
        raise ValidationError(f"Model package {model_package_name} not found")  # as moto's Describe says it
    del backend.model_packages[arn]
    mapping = backend.model_package_name_mapping
    for key in [key for key, value in mapping.items() if value == arn]:
        del mapping[key]
    # moto maps a group's name to its latest version: to the latest that is left.
    left = [p for p in backend.model_packages.values() if p.model_package_name == package.model_package_name]
    if left:
        mapping.setdefault(package.model_package_name, max(left, key=lambda p: p.model_package_version or 0).arn)


_DELETES: dict[str, tuple[str, Callable[..., None]]] = {
    "DeleteModelPackageGroup": ("ModelPackageGroupName", _delete_model_package_group),
    "DeleteModelPackage": ("ModelPackageName", _delete_model_package),
}


def _delete_response_method(operation: str) -> Callable[..., Any]:
    field = _DELETES[operation][0]

    def delete(self: Any) -> Any:
        getattr(self.sagemaker_backend, _snake(operation))(self._get_param(field))
        return EmptyResult()

    return delete


@contextmanager
def sagemaker_rules() -> Iterator[None]:
    """Install the rules and the Stop actions for the duration of the block (one installation at a time)."""
    cls = SageMakerModelBackend
    names = (
        "create_training_job",
        "create_hyper_parameter_tuning_job",
        "create_model",
        "describe_training_job",
        "describe_hyper_parameter_tuning_job",
        "create_model_package",
        "create_model_package_group",
    )
    originals = {name: cls.__dict__[name] for name in names}

    def create_training_job(backend: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(originals["create_training_job"], backend, args, kwargs)
        name = given["training_job_name"]
        if name in backend.training_jobs:
            # The message SageMaker gives (aws/amazon-sagemaker-examples pull request 3108); the
            # API Reference lists ResourceInUse among CreateTrainingJob's errors
            # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTrainingJob.html).
            arn = backend.training_jobs[name].arn
            raise ResourceInUseException(
                "Training job names must be unique within an AWS account and region, and a training job "
                f"with this name already exists ({arn})"
            )
        _refuse_encrypted_local_storage([{"ResourceConfig": given.get("resource_config")}])
        return originals["create_training_job"](backend, *args, **kwargs)

    def create_hyper_parameter_tuning_job(backend: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(originals["create_hyper_parameter_tuning_job"], backend, args, kwargs)
        name = given["hyper_parameter_tuning_job_name"]
        if name in backend.hyper_parameter_tuning_jobs:
            # The message SageMaker gives (aws/amazon-sagemaker-examples pull request 3092); the API
            # Reference lists ResourceInUse among CreateHyperParameterTuningJob's errors
            # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateHyperParameterTuningJob.html).
            raise ResourceInUseException(
                f"A hyperparameter tuning job with the name, {name}, already exists. Choose a different name."
            )
        _refuse_encrypted_local_storage(
            [given.get("training_job_definition"), *(given.get("training_job_definitions") or [])]
        )
        return originals["create_hyper_parameter_tuning_job"](backend, *args, **kwargs)

    def create_model(backend: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(originals["create_model"], backend, args, kwargs)
        name = given["model_name"]
        if name in backend._models:
            # The API Reference lists no name conflict for CreateModel
            # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html);
            # SageMaker answers ValidationException "Cannot create already existing model", the
            # message the SageMaker Python SDK's Session.create_model matches to reuse a model.
            arn = arn_formatter("model", name, backend.account_id, backend.region_name)
            raise ValidationError(f'Cannot create already existing model "{arn}".')
        return originals["create_model"](backend, *args, **kwargs)

    def describe_training_job(backend: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(originals["describe_training_job"], backend, args, kwargs)
        if given["training_job_name"] not in backend.training_jobs:
            # The API Reference lists ResourceNotFound, but SageMaker answers ValidationException
            # "Requested resource not found." (aws/aws-sdk issue 165, labelled a documentation bug;
            # AWS's own ACK SageMaker controller treats exactly that as "not found").
            raise ValidationError("Requested resource not found.")
        job = backend.training_jobs[given["training_job_name"]]
        _stopped_on_describe(job, "training_job_status", "training_end_time")
        return originals["describe_training_job"](backend, *args, **kwargs)

    def describe_hyper_parameter_tuning_job(backend: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(originals["describe_hyper_parameter_tuning_job"], backend, args, kwargs)
        name = given["hyper_parameter_tuning_job_name"]
        if name not in backend.hyper_parameter_tuning_jobs:
            # ResourceNotFound, as the API Reference lists
            # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeHyperParameterTuningJob.html),
            # with the message SageMaker gives (aws/amazon-sagemaker-examples issue 1540).
            raise ResourceNotFound(f"Amazon SageMaker can't find a tuning job called {name}. Type another name.")
        job = backend.hyper_parameter_tuning_jobs[name]
        _stopped_on_describe(job, "hyper_parameter_tuning_job_status", "hyper_parameter_tuning_end_time")
        return originals["describe_hyper_parameter_tuning_job"](backend, *args, **kwargs)

    def create_model_package(backend: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(originals["create_model_package"], backend, args, kwargs)
        group = given.get("model_package_group_name")
        name = group.rsplit("/", 1)[-1] if isinstance(group, str) and group.startswith("arn:") else group
        if name and name not in backend.model_package_groups:
            # A version needs its group: the API Reference says ModelPackageGroupName is "the name or
            # Amazon Resource Name (ARN) of the model package group that this model version belongs
            # to" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html)
            # and lists no error for a missing one; moto's ValidationException is kept, its message
            # without the client-side prefix moto writes into it.
            raise ValidationError(f"Model Package Group {name} does not exist.")
        if name != group:
            kwargs = {**given, "model_package_group_name": name}
            kwargs.pop("self")
            return originals["create_model_package"](backend, **kwargs)
        return originals["create_model_package"](backend, *args, **kwargs)

    def create_model_package_group(backend: Any, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(originals["create_model_package_group"], backend, args, kwargs)
        name = given["model_package_group_name"]
        if name in backend.model_package_groups:
            # moto replaces the group (and keeps its versions); SageMaker refuses the name, with the
            # message CloudFormation's ModelPackageGroup handler matches (module docstring).
            raise ValidationError(f"Model Package Group already exists: {backend.model_package_groups[name].arn}")
        return originals["create_model_package_group"](backend, *args, **kwargs)

    replacements = {
        "create_training_job": create_training_job,
        "create_hyper_parameter_tuning_job": create_hyper_parameter_tuning_job,
        "create_model": create_model,
        "describe_training_job": describe_training_job,
        "describe_hyper_parameter_tuning_job": describe_hyper_parameter_tuning_job,
        "create_model_package": create_model_package,
        "create_model_package_group": create_model_package_group,
    }
    with ExitStack() as patches:
        for name, replacement in replacements.items():
            # functools.wraps: callers that read the signature (SageMakerJobs) see moto's.
            patches.enter_context(replaced(cls, name, functools.wraps(originals[name])(replacement)))
        for operation in _STOPS:
            # moto's, if a later release has them, are replaced too: one behaviour, the documented one.
            patches.enter_context(replaced(cls, _snake(operation), _stop_backend_method(operation)))
            patches.enter_context(replaced(SageMakerResponse, _snake(operation), _stop_response_method(operation)))
        for operation, (_field, method) in _DELETES.items():
            patches.enter_context(replaced(cls, _snake(operation), method))
            patches.enter_context(replaced(SageMakerResponse, _snake(operation), _delete_response_method(operation)))
        yield
