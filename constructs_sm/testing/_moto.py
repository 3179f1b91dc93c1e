"""The one module of ``constructs_sm.testing`` that imports moto: every moto internal the emulator uses.

moto's public API is ``mock_aws`` and the boto3 clients it answers. Modelling what Step Functions
and SageMaker do and moto does not (``.sync`` for SageMaker jobs, Step Functions' error names,
JSONata, the history quota, SageMaker's refusals, scripted job outcomes) needs moto's internals:
its ASL interpreter's classes and its SageMaker backend. The other modules of the package import
them from here only (``tests/testing/test_moto_internals.py`` checks it), so that this table is
the whole of the emulator's dependency on moto's insides. The same test resolves every row, checks
the parameters of each function the emulator calls or replaces against ``EXPECTED_PARAMETERS``,
and finds each instance attribute assigned in moto's source: a moto release that moves one of
them fails that test, naming it, before any behaviour test does.

moto is required as ``moto[...]>=5.2.5,<5.3`` (the ``testing`` extra). Paths below are relative
to ``moto.``; "(attributes ...)" lists instance attributes of that class the emulator reads or
writes.

| What | How | Why |
| --- | --- | --- |
| ``core.serialize.get_error_model`` | replaced | serialise a scripted error with its own HTTP status (InternalFailure 500, 503) |
| ``core.errors.ErrorShape`` (attributes ``_shape_model``, ``_shape_resolver``) | built | the error shape with that status |
| ``core.exceptions.ServiceException`` | subclassed | scripted SageMaker API errors; its constructor differs from 5.2.5's AWSError |
| ``core.utils.utcnow`` | called | timestamps of jobs whose status a test changes |
| ``core.responses.EmptyResult`` | returned | the empty answer of the emulated StopTrainingJob / StopHyperParameterTuningJob |
| ``sagemaker.models.SageMakerModelBackend`` (attributes ``training_jobs``, ``hyper_parameter_tuning_jobs``, ``_models``, ``model_package_groups``, ``model_packages``, ``model_package_name_mapping``, ``account_id``, ``region_name``) | wrapped | SageMaker's refusals (taken names, missing jobs...), scripted outcomes, deleting model versions and groups |
| ``sagemaker.models.SageMakerModelBackend.create_training_job`` | wrapped | taken names, encrypted local storage, scripted errors, new jobs' statuses |
| ``sagemaker.models.SageMakerModelBackend.create_hyper_parameter_tuning_job`` | wrapped | same, for tuning jobs |
| ``sagemaker.models.SageMakerModelBackend.create_model`` | wrapped | a taken model name is a ValidationException |
| ``sagemaker.models.SageMakerModelBackend.describe_training_job`` | wrapped | a missing job is "Requested resource not found."; polls counted (``after_polls``) |
| ``sagemaker.models.SageMakerModelBackend.describe_hyper_parameter_tuning_job`` | wrapped | a missing tuning job's message; polls counted |
| ``sagemaker.models.SageMakerModelBackend.create_model_package`` | wrapped | a model version needs its group (name or ARN) |
| ``sagemaker.models.SageMakerModelBackend.create_model_package_group`` | wrapped | a taken group name is refused (moto replaces the group) |
| ``sagemaker.models.ModelPackage`` (attributes ``model_package_name``, ``model_package_group_name``, ``model_package_version``, ``arn``) | read | the versions a group holds, when it is deleted; the version a deletion removes |
| ``sagemaker.models.ModelPackageGroup`` (attributes ``arn``) | read | a taken group's ARN in the refusal |
| ``sagemaker.models.FakeTrainingJob`` (attributes ``training_job_status``, ``secondary_status``, ``training_end_time``, ``last_modified_time``, ``final_metric_data_list``, ``hyper_parameters``, ``model_artifacts``, ``creation_time``, ``training_start_time``, ``arn``, ``training_job_name``) | written | a job's status, failure reason, metrics and artifacts as a test scripts them |
| ``sagemaker.models.FakeTrainingJob.response_object`` | relied on | Describe lists every attribute that is not None (``failure_reason`` -> FailureReason) |
| ``sagemaker.models.HyperParameterTuningJob`` (attributes ``hyper_parameter_tuning_job_status``, ``hyper_parameter_tuning_end_time``, ``failure_reason``, ``training_job_status_counters``, ``best_training_job``, ``OverallBestTrainingJob``, ``hyper_parameter_tuning_job_config``, ``training_job_definition``, ``training_job_definitions``, ``hyper_parameter_tuning_job_name``, ``last_modified_time``) | written | the tuning job's status and best training job |
| ``sagemaker.responses.SageMakerResponse`` (attributes ``sagemaker_backend``) | extended | moto 5.2 has no StopTrainingJob / StopHyperParameterTuningJob, DeleteModelPackage / DeleteModelPackageGroup: added for the block (HTTP actions, and ``stop_training_job`` / ``stop_hyper_parameter_tuning_job`` / ``delete_model_package`` / ``delete_model_package_group`` on the backend) |
| ``sagemaker.responses.SageMakerResponse._get_param`` | called | read the job name of a Stop request, the name of a Delete request |
| ``sagemaker.exceptions.ResourceInUseException`` | raised | a taken job name |
| ``sagemaker.exceptions.ResourceNotFound`` | raised | a missing tuning job, a Stop of an unknown job |
| ``sagemaker.exceptions.ConflictException`` | raised | DeleteModelPackageGroup of a group that holds versions |
| ``sagemaker.exceptions.ValidationError`` | raised | SageMaker's ValidationExceptions |
| ``sagemaker.utils.arn_formatter`` | called | a model's ARN in CreateModel's refusal, a missing group's ARN |
| ``kms.models`` (module attribute ``generate_private_key``) | replaced | a KMS key's RSA key pair (moto makes one for every key, ~100 ms) made on first use: deployments create many keys, executions sign nothing |
| ``iam.access_control.IAMPolicy`` | called | is an action on a resource permitted by a policy document (``unpermitted_calls``) |
| ``iam.access_control.IAMPolicy.is_action_permitted`` | called | same |
| ``iam.access_control.PermissionResult`` | read | PERMITTED / NEUTRAL / DENIED |
| ``stepfunctions.parser.utils.TMP_THREADS`` | read | join the interpreter's threads when the block ends |
| ``moto_api._internal.mock_random`` | called | seed moto's ids at the start of a block (``OfflineAws(seed=...)``) |
| ``stepfunctions.parser.api.HistoryEventType`` | read | event types of the failures the emulator raises |
| ``stepfunctions.parser.api.TaskFailedEventDetails`` | built | details of those failures |
| ``stepfunctions.parser.api.ExecutionFailedEventDetails`` | built | the history quota's failure |
| ``stepfunctions.parser.api.EvaluationFailedEventDetails`` | built | a failed JSONata expression |
| ``stepfunctions.parser.api.InvalidDefinition`` | raised | SCHEMA_VALIDATION_FAILED at CreateStateMachine (``invalid_definition``) |
| ``s3.models.FakeBucket`` (attributes ``policy``) | read | the bucket policy evaluated below |
| ``s3.models.FakeBucket.get_permission`` | replaced | bucket policies see every request over TLS (``aws:SecureTransport`` true), as SDKs and Step Functions send them; moto knows no transport and denies under an ``enforce_ssl`` policy |
| ``stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component.DistributedIterationComponent._map_run`` | replaced | child executions, concurrency, tolerance, stop |
| ``stepfunctions.parser.asl.component.state.exec.state_map.state_map.StateMap._eval_execution`` | wrapped | which Map state runs (tolerance fields, ResultWriter) |
| ``stepfunctions.parser.asl.component.state.exec.state_map.item_reader.item_reader_decl`` (module attribute ``resource_output_transformer_for``) | replaced | JSON, JSONL and CSV readers, ``States.ItemReaderFailed`` |
| ``stepfunctions.parser.asl.component.state.exec.state_map.item_reader.reader_config.input_type.InputType.__init__`` | replaced | accept ``JSONL`` |
| ``stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3.ResourceEvalS3._handle_get_object`` | replaced | record the item source; unreadable object: ``States.ItemReaderFailed`` |
| ``stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3.ResourceEvalS3._handle_put_object`` | replaced | the result files |
| ``stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.map_run_record.MapRunRecord.describe`` | replaced | DescribeMapRun's counts and status |
| ``stepfunctions.parser.backend.execution.Execution`` | subclassed | a child execution |
| ``stepfunctions.parser.backend.execution_worker.ExecutionWorker`` | subclassed | a child runs the ItemProcessor's program |
| ``stepfunctions.parser.asl.eval.evaluation_details`` (module) | built | a child's execution details |
| ``stepfunctions.parser.asl.eval.states`` (module) | built | ``$$.Map.Item`` for ItemSelector |
| ``stepfunctions.models.StepFunctionBackend._get_state_machine_for_execution`` | replaced | find a child execution by its ARN |
| ``stepfunctions.parser.asl.parse.asl_parser.AmazonStateLanguageParser.parse`` | wrapped | an integer ``ToleratedFailurePercentage``; a definition's syntax tree parsed once |
| ``stepfunctions.parser.asl.parse.preprocessor.Preprocessor`` | built | the program of a kept syntax tree |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service.StateTaskService._to_boto_request`` | called | aws-sdk:sfn field casing (Distributed Map) |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service.StateTaskService._from_boto_response`` | called | aws-sdk:sfn field casing (Distributed Map) |
| ``stepfunctions.parser.models.StepFunctionsParserBackend._validate_definition`` | replaced | check an optimized SageMaker task's fields at CreateStateMachine / UpdateStateMachine |
| ``stepfunctions.parser.asl.antlr.runtime.ASLParser.ASLParser.Comparison_variable_stmtContext`` | read | find a JSONPath Choice rule's Assign in the parse tree |
| ``stepfunctions.parser.asl.parse.preprocessor.Preprocessor.visitChoice_rule_comparison_variable`` | replaced | keep that Assign (moto drops it) |
| ``stepfunctions.parser.asl.parse.preprocessor.Preprocessor._is_query_language`` | called | same |
| ``stepfunctions.parser.asl.component.common.assign.assign_decl.AssignDecl`` | read | same |
| ``stepfunctions.parser.asl.component.eval_component.EvalComponent`` | read | walk a parsed Assign for reads of the input |
| ``stepfunctions.parser.asl.component.common.string.string_expression`` (module) | patched | JSONata and JSONPath variable evaluation |
| ``stepfunctions.parser.asl.component.common.string.string_expression.StringJSONata._eval_body`` | replaced | JSONata with jsonata-python and Step Functions' functions |
| ``stepfunctions.parser.asl.component.common.string.string_expression.StringVariableSample._eval_body`` | replaced | ``$name.path`` with JSONPath semantics in JSONPath states; JSONata otherwise |
| ``stepfunctions.parser.asl.component.common.string.string_expression.StringVariableSample`` (attributes ``expression``, ``query_language_mode``) | read | same |
| ``stepfunctions.parser.asl.component.common.string.string_expression.StringJsonPath`` (attributes ``json_path``) | read | a Choice rule Assign reading ``$`` |
| ``stepfunctions.parser.asl.component.common.string.string_expression.StringContextPath`` | read | same (``$$`` is allowed) |
| ``stepfunctions.parser.asl.component.common.string.string_expression.StringIntrinsicFunction`` (attributes ``intrinsic_function_derivation``) | read | same |
| ``stepfunctions.parser.asl.component.common.query_language.QueryLanguageMode`` | read | JSONPath or JSONata state |
| ``stepfunctions.parser.asl.component.common.error_name.error_equals_decl.ErrorEqualsDecl._eval_body`` | replaced | States.ALL does not catch States.Runtime / States.DataLimitExceeded |
| ``stepfunctions.parser.asl.component.common.error_name.error_equals_decl.ErrorEqualsDecl`` (attributes ``_STATE_ALL_ERROR``, ``error_names``) | read | same |
| ``stepfunctions.parser.asl.component.common.error_name.custom_error_name.CustomErrorName`` | built | error names of SageMaker API errors; replaced in ``state_fail`` |
| ``stepfunctions.parser.asl.component.common.error_name.error_name.ErrorName`` | built | a ``States.*`` name moto does not know |
| ``stepfunctions.parser.asl.component.common.error_name.failure_event.FailureEvent`` | built | every failure the emulator raises |
| ``stepfunctions.parser.asl.component.common.error_name.failure_event.FailureEventException`` | raised | same |
| ``stepfunctions.parser.asl.component.common.error_name.states_error_name.StatesErrorName`` (attributes ``typ``, ``error_name``) | built | same |
| ``stepfunctions.parser.asl.component.common.error_name.states_error_name.StatesErrorName.from_name`` | called | a Fail state's ``States.*`` error name |
| ``stepfunctions.parser.asl.component.common.error_name.states_error_name_type.StatesErrorNameType`` | read | same |
| ``stepfunctions.parser.asl.component.common.retry.retrier_decl`` (module attribute ``time``) | replaced | record Retry delays and scale them (moto really sleeps) |
| ``stepfunctions.parser.asl.component.state.choice.state_choice.StateChoice._eval_state`` | replaced | refuse a JSONPath Choice rule Assign reading the input |
| ``stepfunctions.parser.asl.component.state.choice.state_choice.StateChoice`` (attributes ``choices_decl``, ``name``) | read | same |
| ``stepfunctions.parser.asl.component.state.choice.state_choice.StateChoice._is_language_query_jsonpath`` | called | a Choice rule Assign is refused in JSONPath states only |
| ``stepfunctions.parser.asl.component.state.choice.choices_decl.ChoicesDecl`` (attributes ``rules``) | read | the rules whose Assign is checked |
| ``stepfunctions.parser.asl.component.state.choice.choice_rule.ChoiceRule`` (attributes ``assign``) | read, set | a JSONPath rule's Assign, kept where moto drops it |
| ``stepfunctions.parser.asl.component.state.fail.state_fail`` (module attribute ``CustomErrorName``) | replaced | a Fail state's ErrorPath may yield a ``States.*`` name |
| ``stepfunctions.parser.asl.component.state.exec.state_task.state_task_factory.state_task_service_for`` | replaced | route ``sagemaker`` and ``aws-sdk`` Tasks to the emulator's task classes |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.resource.ServiceResource`` (attributes ``api_action``, ``resource_arn``) | read | which SageMaker action a Task calls |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.resource.ResourceCondition`` | read | accept ``.sync`` |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported.StateTaskServiceUnsupported`` (attributes ``_supported_integration_patterns``, ``resource``) | subclassed | SageMaker tasks: ``.sync``, error names, refused fields |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported.StateTaskServiceUnsupported.__init__`` | called | the emulator's SageMaker task is built as moto builds its own |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported.StateTaskServiceUnsupported._build_sync_resolver`` | overridden | ``.sync``: poll the Describe call |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported.StateTaskServiceUnsupported._eval_sync`` | overridden | fast, bounded polling |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported.StateTaskServiceUnsupported._eval_service_task`` | overridden | refused fields at run time; JSON-safe results |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported.StateTaskServiceUnsupported._from_error`` | overridden | Step Functions' error names and causes |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service.StateTaskService._get_sfn_resource`` | called | the failed task's resource in its event |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service.StateTaskService._get_sfn_resource_type`` | called | same |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk.StateTaskServiceAwsSdk`` | subclassed | aws-sdk task results made JSON-safe |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk.StateTaskServiceAwsSdk._eval_service_task`` | overridden | same |
| ``stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk._SERVICE_ERROR_NAMES`` | patched | ``SageMaker.<Code>Exception`` names for aws-sdk SageMaker errors |
| ``stepfunctions.parser.asl.eval.environment.Environment`` (attributes ``stack``, ``event_manager``, ``event_history_context``, ``variable_store``, ``states``) | read | the running state's data |
| ``stepfunctions.parser.asl.eval.environment.Environment.is_running`` | called | stop polling an aborted execution |
| ``stepfunctions.parser.asl.eval.environment.Environment.__init__`` | wrapped | the history quota: link each event manager to its execution |
| ``stepfunctions.parser.asl.eval.environment.Environment.set_error`` | wrapped | the quota's failure is final |
| ``stepfunctions.parser.asl.eval.event.event_manager.EventManager.add_event`` | wrapped | count events against the history quota |
| ``stepfunctions.parser.asl.eval.event.event_manager.EventManager`` (attributes ``_history_event_list``) | read | same |
| ``stepfunctions.parser.asl.eval.variable_store.VariableStore`` (attributes ``_outer_scope``, ``_inner_scope``) | read | workflow variables bound in JSONata |
| ``stepfunctions.parser.asl.eval.states.States`` (attributes ``_states_data``) | read | ``$states`` in JSONata |
| ``stepfunctions.parser.asl.eval.event.event_detail.EventDetails`` | built | details of the emulator's events |
| ``stepfunctions.parser.asl.jsonata.jsonata._eval_jsonata`` | replaced | moto's JSONata entry point, never set in 5.2 (a JVM bridge) |
| ``stepfunctions.parser.asl.jsonata.jsonata.JSONataException`` | raised | a failed expression through that entry point |
| ``stepfunctions.parser.asl.utils.boto_client.boto_client_for`` | called | the client ``.sync`` polls with, as moto's tasks make it |
| ``stepfunctions.parser.asl.utils.encoding.to_json_str`` | called | a failed ``.sync`` job's cause |
| ``stepfunctions.parser.asl.utils.json_path.extract_json`` | called | JSONPath into a workflow variable |
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from moto import mock_aws
from moto.core import serialize
from moto.core.errors import ErrorShape
from moto.core.exceptions import ServiceException
from moto.core.responses import EmptyResult
from moto.core.utils import utcnow
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.kms import models as kms_models
from moto.moto_api._internal import mock_random
from moto.s3.models import FakeBucket
from moto.sagemaker.exceptions import ConflictException, ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import FakeTrainingJob, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter
from moto.stepfunctions.parser.api import (
    EvaluationFailedEventDetails,
    ExecutionFailedEventDetails,
    HistoryEventType,
    InvalidDefinition,
    TaskFailedEventDetails,
)
from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
from moto.stepfunctions.parser.asl.component.common.assign.assign_decl import AssignDecl
from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguageMode
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.string import string_expression
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.state.choice import state_choice
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_aws_sdk
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported import (
    StateTaskServiceUnsupported,
)
from moto.stepfunctions.parser.asl.component.state.fail import state_fail
from moto.stepfunctions.parser.asl.eval import environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
from moto.stepfunctions.parser.asl.utils.json_path import extract_json
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.parser.utils import TMP_THREADS

__all__ = [
    "EXPECTED_PARAMETERS",
    "ASLParser",
    "AssignDecl",
    "ConflictException",
    "CustomErrorName",
    "EmptyResult",
    "ErrorName",
    "ErrorShape",
    "EvalComponent",
    "EvaluationFailedEventDetails",
    "EventDetails",
    "EventManager",
    "ExecutionFailedEventDetails",
    "FailureEvent",
    "FailureEventException",
    "FakeBucket",
    "FakeTrainingJob",
    "HistoryEventType",
    "IAMPolicy",
    "PermissionResult",
    "Preprocessor",
    "QueryLanguageMode",
    "ResourceCondition",
    "ResourceInUseException",
    "ResourceNotFound",
    "SageMakerModelBackend",
    "SageMakerResponse",
    "ServiceException",
    "StateTaskServiceAwsSdk",
    "StateTaskServiceUnsupported",
    "StatesErrorName",
    "StatesErrorNameType",
    "StepFunctionsParserBackend",
    "TMP_THREADS",
    "TaskFailedEventDetails",
    "ValidationError",
    "arn_formatter",
    "boto_client_for",
    "environment",
    "event_details",
    "error_equals_decl",
    "extract_json",
    "invalid_definition",
    "kms_models",
    "mock_aws",
    "mock_random",
    "replaced",
    "moto_jsonata",
    "retrier_decl",
    "serialize",
    "state_choice",
    "state_fail",
    "state_task_factory",
    "state_task_service_aws_sdk",
    "string_expression",
    "to_json_str",
    "utcnow",
]

_SERVICE_TASK = (
    "stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported."
    "StateTaskServiceUnsupported"
)
_TASK = ("self", "env", "resource_runtime_part", "normalised_parameters", "state_credentials")

#: Parameter names of every moto function the emulator calls with keywords, binds arguments of, or
#: replaces by a function of the same parameters (paths relative to ``moto.``).
EXPECTED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "core.serialize.get_error_model": ("exception", "default_service_model"),
    "core.utils.utcnow": (),
    "s3.models.FakeBucket.get_permission": ("self", "action", "resource"),
    "sagemaker.models.SageMakerModelBackend.create_training_job": (
        "self",
        "training_job_name",
        "hyper_parameters",
        "algorithm_specification",
        "role_arn",
        "input_data_config",
        "output_data_config",
        "resource_config",
        "vpc_config",
        "stopping_condition",
        "tags",
        "enable_network_isolation",
        "enable_inter_container_traffic_encryption",
        "enable_managed_spot_training",
        "checkpoint_config",
        "debug_hook_config",
        "debug_rule_configurations",
        "tensor_board_output_config",
        "experiment_config",
    ),
    "sagemaker.models.SageMakerModelBackend.create_hyper_parameter_tuning_job": (
        "self",
        "hyper_parameter_tuning_job_name",
        "hyper_parameter_tuning_job_config",
        "training_job_definition",
        "training_job_definitions",
        "warm_start_config",
        "tags",
        "autotune",
    ),
    "sagemaker.models.SageMakerModelBackend.create_model": (
        "self",
        "model_name",
        "execution_role_arn",
        "primary_container",
        "vpc_config",
        "containers",
        "tags",
    ),
    "sagemaker.models.SageMakerModelBackend.describe_training_job": ("self", "training_job_name"),
    "sagemaker.models.SageMakerModelBackend.describe_hyper_parameter_tuning_job": (
        "self",
        "hyper_parameter_tuning_job_name",
    ),
    "sagemaker.models.SageMakerModelBackend.create_model_package": (
        "self",
        "model_package_name",
        "model_package_group_name",
        "model_package_description",
        "inference_specification",
        "validation_specification",
        "source_algorithm_specification",
        "certify_for_marketplace",
        "tags",
        "model_approval_status",
        "metadata_properties",
        "model_metrics",
        "client_token",
        "customer_metadata_properties",
        "drift_check_baselines",
        "domain",
        "task",
        "sample_payload_url",
        "additional_inference_specifications",
    ),
    "sagemaker.models.SageMakerModelBackend.create_model_package_group": (
        "self",
        "model_package_group_name",
        "model_package_group_description",
        "tags",
    ),
    "sagemaker.responses.SageMakerResponse._get_param": ("self", "param_name", "if_none"),
    "sagemaker.utils.arn_formatter": ("_type", "_id", "account_id", "region_name"),
    "kms.models.generate_private_key": ("key_spec",),
    "iam.access_control.IAMPolicy.is_action_permitted": (
        "self",
        "action",
        "resource",
        "principal",
        "incoming_condition_values",
    ),
    "stepfunctions.parser.models.StepFunctionsParserBackend._validate_definition": ("definition",),
    "stepfunctions.parser.asl.parse.preprocessor.Preprocessor.visitChoice_rule_comparison_variable": ("self", "ctx"),
    "stepfunctions.parser.asl.component.common.string.string_expression.StringJSONata._eval_body": ("self", "env"),
    "stepfunctions.parser.asl.component.common.string.string_expression.StringVariableSample._eval_body": (
        "self",
        "env",
    ),
    "stepfunctions.parser.asl.component.common.error_name.error_equals_decl.ErrorEqualsDecl._eval_body": (
        "self",
        "env",
    ),
    "stepfunctions.parser.asl.component.state.choice.state_choice.StateChoice._eval_state": ("self", "env"),
    "stepfunctions.parser.asl.component.state.exec.state_task.state_task_factory.state_task_service_for": (
        "service_name",
    ),
    f"{_SERVICE_TASK}.__init__": ("self",),
    f"{_SERVICE_TASK}._build_sync_resolver": _TASK,
    f"{_SERVICE_TASK}._eval_sync": (
        "self",
        "env",
        "sync_resolver",
        "timeout_seconds",
        "callback_endpoint",
        "heartbeat_endpoint",
    ),
    f"{_SERVICE_TASK}._eval_service_task": _TASK,
    f"{_SERVICE_TASK}._from_error": ("self", "env", "ex"),
    "stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk."
    "StateTaskServiceAwsSdk._eval_service_task": _TASK,
    "stepfunctions.parser.asl.eval.environment.Environment.set_error": ("self", "error"),
    "stepfunctions.parser.asl.eval.event.event_manager.EventManager.add_event": (
        "self",
        "context",
        "event_type",
        "event_details",
        "timestamp",
        "update_source_event_id",
    ),
    "stepfunctions.parser.asl.utils.boto_client.boto_client_for": ("region", "service", "state_credentials"),
    "stepfunctions.parser.asl.utils.encoding.to_json_str": ("obj", "separators"),
    "stepfunctions.parser.asl.utils.json_path.extract_json": ("path", "data"),
}


def invalid_definition(message: str) -> Exception:
    """Step Functions' ``InvalidDefinition`` error with ``message``, whichever constructor moto has.

    moto 5.2.5 builds it on its JSON error class, ``(message, exception_type)``; from 5.2.6 it is
    a ``ServiceException``, ``(code, message)``; both leave the code empty unless it is given.
    """
    error: Any
    if issubclass(InvalidDefinition, ServiceException):
        error = InvalidDefinition("InvalidDefinition", message)
    else:
        error = InvalidDefinition(message, "InvalidDefinition")  # type: ignore[call-arg, unused-ignore]
    return error  # type: ignore[no-any-return, unused-ignore]


_MISSING = object()


@contextmanager
def replaced(owner: Any, name: str, value: Any) -> Iterator[Any]:
    """Set ``owner.<name>`` to ``value`` for the block (``owner`` a moto module or class) and yield
    what it was (``None`` if it did not exist); on exit, put it back exactly (a class attribute
    inherited or absent before is removed again). Every patch of moto goes through here."""
    own = vars(owner)
    original = own.get(name, _MISSING) if isinstance(owner, type) else getattr(owner, name, _MISSING)
    setattr(owner, name, value)
    try:
        yield None if original is _MISSING else original
    finally:
        if original is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


def event_details(**details: Any) -> EventDetails:
    """moto's ``EventDetails`` with the one detail given (its TypedDict declares them all required)."""
    return cast(EventDetails, details)
