"""Offline execution harness: run CDK-synthesized state machines in moto with SageMaker under test control.

Why
---
moto 5.2.5 can interpret Amazon States Language in-process
(``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``) and forwards service
calls to its own backends, but it has no ``.sync`` for SageMaker: a Task with
``arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync`` fails the execution with
``States.Runtime`` / "Unsupported sync callback procedure". Its SageMaker jobs are also Completed
the instant they are created, which leaves nothing to wait for, fail, stop or retry.

What the adapter does (``sagemaker_sync_adapter``)
--------------------------------------------------
It replaces, for the duration of a ``with`` block, the one function through which moto's
interpreter picks the implementation of a ``Task`` resource
(``state_task_factory.state_task_service_for``). Nothing in site-packages is edited.

For ``arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync`` and
``arn:aws:states:::sagemaker:createTrainingJob.sync`` it does only what the AWS documentation says
``.sync`` does for SageMaker ("Run a Job"): make the Create call, then poll the matching Describe
call until the job reaches a terminal status (Completed, Failed or Stopped), and

* Completed: the Describe output is the task result;
* Failed or Stopped: the task fails with ``States.TaskFailed`` and the Describe output, as JSON,
  for Cause (it holds ``FailureReason``), exactly as moto's own Glue/Batch/ECS ``.sync`` do.

Polls are ``poll_interval`` apart (0.01 s) and at most ``max_polls`` (500); past that the task
fails with ``States.Runtime`` and a "harness: ... still running" cause.

It does nothing else that Step Functions might do (no StopTrainingJob when an execution is
stopped, no heartbeat, no task token, no other SageMaker action gains ``.sync``). Request-response
``sagemaker:create*`` tasks still go to moto's SageMaker as moto does them. Besides ``.sync``:

* timestamps in SageMaker and ``aws-sdk`` task results become ISO-8601 strings (moto otherwise
  stores ``datetime`` objects and ``describe_execution`` raises "datetime is not JSON serializable");
* a SageMaker API error of an optimized ``sagemaker:`` task is named as the Step Functions guide's
  SageMaker example names them: ``SageMaker.ResourceLimitExceededException`` for
  ``ResourceLimitExceeded``, ``api_error_name`` (default ``SageMaker.AmazonSageMakerException``)
  for every other code, with a cause in the optimized format naming the error code
  (``... (Service: AmazonSageMaker; Status Code: 400; Error Code: ThrottlingException; ...)``);
  an ``aws-sdk:sagemaker`` task names SageMaker's modelled errors ``SageMaker.<Code>Exception`` and
  the others ``SageMaker.SageMakerException``, with the AWS SDK's cause (no error code in it);
* ``Retry`` delays are recorded in ``AdapterSettings.retry_delays`` and scaled by
  ``retry_delay_scale`` (default 0: retries are immediate; moto really sleeps them, >= 1 s each);
* a Fail state whose ``ErrorPath`` yields a ``States.*`` name (``Catch`` -> ``Fail`` re-raising
  ``States.TaskFailed``) keeps that name; moto rejects it and ends the execution with
  ``States.Runtime`` / "Custom Error Names MUST NOT begin with the prefix 'States.'";
* JSONata states run (``jsonata-python`` with ``$states`` and Step Functions' functions), mixed
  with JSONPath states, sharing workflow variables;
* what AWS refuses is refused: a JSONPath Choice rule ``Assign`` reading ``$`` (undocumented), an
  execution past the history quota (``history_event_limit``, 25,000), a field an optimized
  ``sagemaker:`` integration does not take (``SCHEMA_VALIDATION_FAILED`` at CreateStateMachine).

``MODELLED.md`` lists every modelled behaviour with its AWS source and its test, and what is not
modelled.

The rest of the harness
-----------------------
* ``SageMakerJobs``: hold jobs InProgress, complete/fail/stop them, choose the best training job,
  make the next calls of any SageMaker operation fail (``fail_next``, ``throttle_next_creates``),
  before SageMaker acts or after it created the resource (``accept_then_fail``).
* ``sagemaker_rules``: what SageMaker refuses and moto accepts (taken job and model names, a
  Describe of a missing job, ``VolumeKmsKeyId`` on local-storage instance types, a model version
  in a missing group).
* ``deploy_template``: create a synthesized template's state machines and model package groups in
  moto, refusing policy documents outside IAM's character set (``zero_waits=True`` makes Wait
  states wait 0 s in that copy: moto's Wait really sleeps).
* ``run_execution`` / ``start_execution`` + ``wait_for_execution``: run and collect status, parsed
  output, error, cause, history and the count of state transitions.
* ``offline_aws``: all of the above in one ``with`` block (``history_event_limit=`` lowers the
  history quota for a test).

Use
---
::

    from tests.harness import offline_aws, run_execution

    with offline_aws() as aws:
        aws.jobs.fail("AlgorithmError: boom")
        deployment = aws.deploy(Template.from_stack(stack).to_json(), zero_waits=True)
        result = aws.run(deployment.arn("TuningWorkflow"), {"x": 1}, name="t1")
        assert result.status == "FAILED"

or the ``offline_aws_env`` pytest fixture from ``tests.harness.fixtures`` (add
``pytest_plugins = ["tests.harness.fixtures"]`` to the root ``conftest.py``).
``tests.harness`` must be importable: run pytest from the repository root with
``python -m pytest`` or set ``pythonpath = ["."]`` in the pytest configuration.
"""

from ._asl import zero_waits
from ._env import OfflineAws, offline_aws
from ._execution import ExecutionResult, run_execution, start_execution, wait_for_execution
from ._interpreter import (
    DEFAULT_API_ERROR_NAME,
    DEFAULT_HISTORY_EVENT_LIMIT,
    DEFAULT_OPTIMIZED_NAMED_ERRORS,
    AdapterSettings,
    SyncPollLimitExceeded,
    json_safe,
    sagemaker_sync_adapter,
)
from ._jobs import API_ERRORS, SageMakerJobs
from ._sagemaker import sagemaker_rules
from ._template import (
    Deployment,
    PolicyCharacterError,
    TemplateResolver,
    deploy_template,
    load_template,
    policy_character_errors,
)

__all__ = [
    "API_ERRORS",
    "DEFAULT_API_ERROR_NAME",
    "DEFAULT_HISTORY_EVENT_LIMIT",
    "DEFAULT_OPTIMIZED_NAMED_ERRORS",
    "AdapterSettings",
    "Deployment",
    "ExecutionResult",
    "OfflineAws",
    "PolicyCharacterError",
    "SageMakerJobs",
    "SyncPollLimitExceeded",
    "TemplateResolver",
    "deploy_template",
    "json_safe",
    "load_template",
    "offline_aws",
    "policy_character_errors",
    "run_execution",
    "sagemaker_rules",
    "sagemaker_sync_adapter",
    "start_execution",
    "wait_for_execution",
    "zero_waits",
]
