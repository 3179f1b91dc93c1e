"""Test your workflows offline: deploy a stack into an emulated AWS account, run it, script SageMaker.

Install with the extra (``pip install "constructs-sm[testing]"``: moto, jsonata-python, boto3);
``import constructs_sm`` never loads this package.

In a pytest test, the ``offline_aws`` fixture (a pytest plugin the package registers) is an entered
``OfflineAws``::

    def test_the_best_job_is_reported(offline_aws):
        deployment = offline_aws.deploy(my_stack())          # an aws_cdk.Stack, cdk.out, a template
        offline_aws.jobs.complete(best_training_job="churn-001-0a1b2c3d", metrics={"validation:auc": 0.91})

        result = deployment.workflow().run({"HyperParameterTuningJobName": "churn-nightly"})

        assert result.status == "SUCCEEDED", result.cause
        assert result.output["BestTrainingJob"]["TrainingJobName"] == "churn-001-0a1b2c3d"
        assert result.unpermitted_calls() == []

Elsewhere, ``with OfflineAws() as aws: ...``. ``@pytest.mark.offline_aws(max_polls=3, ...)`` sets the
fixture's ``OfflineAws`` arguments.

What the emulator does: moto's in-process Step Functions interpreter and its SageMaker, IAM, KMS,
EC2, S3, logs, SNS, SQS, EventBridge and Scheduler, plus what Step Functions and SageMaker do that
moto does not (``.sync`` for SageMaker jobs, their error names, JSONata, the history quota,
SageMaker's refusals, Stop actions), each with the AWS page it follows. ``deployment.destroy()`` is
``cdk destroy``: the stack's resources are deleted through their services, each as its
``DeletionPolicy`` says (``Retain`` keeps it in the account), and a service's refusal (a model
package group that still holds versions) fails it like CloudFormation's ``DELETE_FAILED``
(``DestroyFailedError``); deploying the stack again then meets what was retained (a kept group's
name: ``DeploymentFailedError``, ``AlreadyExists``)::

    deployment.destroy()                       # Destroyed(deleted={...}, retained={...})
    with pytest.raises(DeploymentFailedError, match="already exists"):
        offline_aws.deploy(my_stack())         # the same app: its group is still there

A Distributed Map state runs each item as a child execution of its own (its own ARN, context
object and history); ``result.children`` holds them, in item order, each an ``ExecutionResult``
(``status``, ``input``, ``output``, ``error``, ``cause``, ``api_calls``), and
``result.unpermitted_calls()`` checks their calls and the map run's (S3, ``states:StartExecution``...)
against the parent's role::

    assert [child.status for child in result.children] == ["SUCCEEDED", "FAILED"]

``MODELLED.md`` beside this file lists every modelled behaviour with its source and its test, where
AWS's documentation is silent, and what is not modelled.
"""

from __future__ import annotations

try:
    import jsonata  # noqa: F401 - jsonata-python evaluates JSONata states

    from . import _moto  # noqa: F401 - moto, with its stepfunctions and sagemaker extras
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        f"constructs_sm.testing needs the 'testing' extra ({error.name or error} is missing): "
        'pip install "constructs-sm[testing]"'
    ) from error

from ._asl import zero_waits
from ._deployment import Deployment, Workflow
from ._env import OfflineAws
from ._execution import ApiCall, Execution, ExecutionResult
from ._interpreter import (
    DEFAULT_API_ERROR_NAME,
    DEFAULT_HISTORY_EVENT_LIMIT,
    DEFAULT_OPTIMIZED_NAMED_ERRORS,
    EmulatorSettings,
    SyncPollLimitExceeded,
)
from ._jobs import API_ERRORS, JobKind, SageMakerJobs
from ._permissions import NotModelledError, UnpermittedCall
from ._resources import NOT_CREATED, NotEmulatedError
from ._stack import DeploymentFailedError, Destroyed, DestroyFailedError
from ._template import PolicyCharacterError, TemplateResolver

__all__ = [
    "API_ERRORS",
    "DEFAULT_API_ERROR_NAME",
    "DEFAULT_HISTORY_EVENT_LIMIT",
    "DEFAULT_OPTIMIZED_NAMED_ERRORS",
    "NOT_CREATED",
    "ApiCall",
    "Deployment",
    "DeploymentFailedError",
    "DestroyFailedError",
    "Destroyed",
    "EmulatorSettings",
    "Execution",
    "ExecutionResult",
    "JobKind",
    "NotEmulatedError",
    "NotModelledError",
    "OfflineAws",
    "PolicyCharacterError",
    "SageMakerJobs",
    "SyncPollLimitExceeded",
    "TemplateResolver",
    "UnpermittedCall",
    "Workflow",
    "zero_waits",
]
