"""WorkflowFanOut: one execution runs a workflow's job once per item of an S3 list (Distributed Map)."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ..asl._definition import to_definition_string
from ..asl._fan_out import (
    CHECK,
    ITEM_FORMATS,
    MAX_CONCURRENCY_LIMIT,
    READ_CSV,
    check_states,
    csv_item_state,
    ending_states,
    map_state,
)
from ..asl._workflow_states import CHECK_INPUT
from ..core._arns import arn
from ..core._nag import acknowledge_all
from ..core._stack import attribute, environment
from ..core._tokens import is_token
from ..errors import ValidationError
from ..iam._policy import Statement, add_statements, statement
from ..iam.role import state_machine_role
from ..props._props import removal_policy as check_removal_policy
from ..props._props import seconds
from ..props.s3_location import S3Location
from ._job_workflow import JobWorkflow, _definition_body, logged_state_machine

_ONE_YEAR = 365 * 24 * 3600
# The cdk-nag packs whose S3 rules ask for access logging and replication (NIST 800-53 rev 5, HIPAA
# Security, PCI DSS 3.2.1), besides AwsSolutions' S1.
_COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
_GUIDE = "Step Functions Developer Guide"
_MAP_POLICY = f"{_GUIDE}, 'IAM policies for using Distributed Map states'"
# State machine names: 1 to 80 characters (Step Functions API Reference, CreateStateMachine).
_NAME_LENGTH = 80

# SageMaker's default quotas for jobs running at once in an account and region: the fan-out starts no
# more jobs at a time unless told (``max_concurrency``, or the execution input's ``MaxConcurrency`` once
# the quota is raised). SageMaker Developer Guide, "Hyperparameter tuning limits and quotas"
# (https://docs.aws.amazon.com/sagemaker/latest/dg/automatic-model-tuning-limits.html): "Number of
# parallel (concurrent) hyperparameter tuning jobs: 100". No page names a quota of concurrent training
# jobs: they count against per-instance-type quotas whose defaults vary by account; the same page's
# example gives "SageMaker training total instance count ... The default limit is 20 instances".
DEFAULT_CONCURRENT_TUNING_JOBS = 100
DEFAULT_CONCURRENT_TRAINING_JOBS = 20


class ItemFormat(enum.Enum):
    """How the item list is written (the Distributed Map's ``ReaderConfig.InputType``)."""

    JSON = "JSON"
    """A JSON array of objects."""
    JSONL = "JSONL"
    """JSON Lines: one object per line."""
    CSV = "CSV"
    """A header row of input names, then one row per item; empty cells take the request's value."""


class WorkflowFanOut(Construct):
    """A Standard state machine that runs ``workflow``'s job once per item of an S3 list.

    Each item is the execution input of one run of the workflow (a child execution of a
    Distributed Map): its run-time parameters, checked before its job starts, so that an invalid
    item fails alone with its reason. Job names are derived per child execution
    (``<prefix>-<12 hex digits>``); items cannot name jobs. At most ``max_concurrency`` jobs run
    at once: by default SageMaker's default quota of concurrent tuning (or training) jobs. The
    results (each item's input, its output: the best training job, its artifacts and metrics; or
    its error and SageMaker's reason) are written to ``results`` by the map run's ResultWriter; the
    execution's output holds the item counts and where the results are::

        {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key": "<prefix><run id>/manifest.json"},
         "ItemCounts": {"Succeeded", "Failed", "Aborted", "Total", ...}, "ExecutionCounts": {...}}

    Execution input (every key optional unless said)::

        {"ItemsKey": "<key of the item list, under items' prefix>",  # required when items is a prefix
         "MaxConcurrency": 1 to 10000}

    The workflow must use the optimized ``.sync`` integration: stopping the fan-out's execution
    stops its child executions, and Step Functions stops a ``.sync`` task's job with its execution.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        workflow: JobWorkflow,
        items: S3Location,
        item_format: ItemFormat = ItemFormat.JSON,
        max_concurrency: int | None = None,
        tolerated_failure_percentage: float | None = None,
        tolerated_failure_count: int | None = None,
        results: S3Location | None = None,
        state_machine_name: str | None = None,
        timeout: cdk.Duration | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
    ) -> None:
        """
        :param workflow: the ``TuningWorkflow`` or ``TrainingWorkflow`` whose job runs per item.
        :param items: where the item lists are: ``S3Location.from_bucket(bucket, "lists/")`` (the
            execution input names the list, ``ItemsKey``) or the key of one list (the default
            ``ItemsKey``). The state machine may read objects whose keys start with it.
        :param item_format: how the lists are written. @default ItemFormat.JSON
        :param max_concurrency: jobs running at once (an execution input may set ``MaxConcurrency``).
            @default - SageMaker's default quota of concurrent tuning jobs, 100; for a
            ``TrainingWorkflow``, 20 (the documented default total of training instances)
        :param tolerated_failure_percentage: the percentage of items that may fail before the run
            fails (0 to 100). @default - none: Step Functions' default, no failure tolerated
        :param tolerated_failure_count: the number of items that may fail before the run fails.
            @default - none: Step Functions' default, no failure tolerated
        :param results: where the map run writes its results (under ``<prefix><run id>/``).
            @default - a new bucket of this construct, encrypted with the workflow's KMS key, TLS
            only, public access blocked, versioned, kept when the stack is deleted; prefix ``results/``
        :param state_machine_name: a literal name (IAM policies name the state machine, and its
            child executions, by name). @default - derived from the construct path
        :param timeout: the execution's timeout. @default - one year (Standard workflows' limit)
        :param removal_policy: what ``cdk destroy`` does to the results bucket this construct
            creates. @default - the workflow's ``removal_policy``, else RETAIN
        """
        if not isinstance(workflow, JobWorkflow):
            raise ValidationError("workflow", "must be a TuningWorkflow or TrainingWorkflow", workflow)
        if not isinstance(items, S3Location) or is_token(items.key_prefix):
            raise ValidationError("items", "must be an S3Location with a literal key prefix", items)
        if not isinstance(item_format, ItemFormat):
            raise ValidationError("item_format", f"must be an ItemFormat ({', '.join(ITEM_FORMATS)})", item_format)
        if results is not None and (not isinstance(results, S3Location) or is_token(results.key_prefix)):
            raise ValidationError("results", "must be an S3Location with a literal key prefix", results)
        optimized = next(iter(workflow._KIND.integrations))
        if workflow.integration is not optimized:
            raise ValidationError(
                "workflow",
                f"uses the {workflow.integration.value} integration: a fan-out runs the optimized .sync "
                "integration only (Step Functions stops a .sync job when its child execution is stopped; "
                "Step Functions Developer Guide, 'Run a Job (.sync)')",
                workflow.node.path,
            )
        concurrency = _count("max_concurrency", max_concurrency, 1, MAX_CONCURRENCY_LIMIT)
        percentage = _percentage(tolerated_failure_percentage)
        count = _count("tolerated_failure_count", tolerated_failure_count, 0, None)
        limit = seconds("timeout", timeout)
        if limit is not None and not 60 <= limit <= _ONE_YEAR:
            raise ValidationError("timeout", f"must be between 60 seconds and {_ONE_YEAR} seconds (one year)", limit)
        super().__init__(scope, id)
        self.workflow = workflow
        given_policy = check_removal_policy("removal_policy", removal_policy)
        self.removal_policy = given_policy or workflow.removal_policy
        self.state_machine_name = _name(self, state_machine_name)
        kind = workflow._KIND
        self.max_concurrency = concurrency or (
            DEFAULT_CONCURRENT_TUNING_JOBS if kind.operation == "CreateHyperParameterTuningJob" else DEFAULT_CONCURRENT_TRAINING_JOBS
        )
        self.results = results or self._results_bucket()
        self.item_format = item_format
        self.items = items
        states_arn = arn(self, "states", "", regional=False)  # arn:<partition>:states:::
        start_at, item_states = self._item_states(item_format)
        default_key = None if items.key_prefix.endswith("/") or not items.key_prefix else items.key_prefix
        states = check_states(
            bucket=items.bucket_name, key_prefix=items.key_prefix, default_key=default_key, max_concurrency=self.max_concurrency
        )
        states.update(
            map_state(
                item_states=item_states,
                start_at=start_at,
                item_format=item_format.value,
                reader_resource=f"{states_arn}s3:getObject",
                writer_resource=f"{states_arn}s3:putObject",
                results_bucket=self.results.bucket_name,
                results_prefix=self.results.key_prefix,
                tolerated_failure_percentage=percentage,
                tolerated_failure_count=count,
            )
        )
        states.update(ending_states(f"{states_arn}aws-sdk:sfn:describeMapRun"))
        self.definition = {
            "Comment": f"Runs a SageMaker {kind.title} per item of an S3 list (Distributed Map)",
            "StartAt": CHECK,
            "TimeoutSeconds": limit or _ONE_YEAR,
            "States": states,
        }
        self._state_machine()

    def _item_states(self, item_format: ItemFormat) -> tuple[str, dict[str, Any]]:
        """The workflow's states, run per item: its Check input without the job name (derived per
        child execution), and for CSV a first state that reads the cells."""
        workflow = self.workflow
        states: dict[str, Any] = dict(cast(dict[str, Any], workflow.definition["States"]))
        states.update(workflow.check_input_states(names_from_input=False))
        if item_format is not ItemFormat.CSV:
            return CHECK_INPUT, states
        numeric = [p.name for p in workflow.parameters if p.type in ("integer", "number")]
        states.update(csv_item_state(numeric, CHECK_INPUT))
        return READ_CSV, states

    def _results_bucket(self) -> S3Location:
        """The default results bucket: encrypted with the workflow's key, TLS only, private, versioned."""
        bucket = s3.Bucket(
            self,
            "Results",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.workflow.encryption_key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            removal_policy=self.removal_policy or cdk.RemovalPolicy.RETAIN,
        )
        logging = (
            "holds only the map runs' result files, written by this state machine; give `results=` a bucket "
            "of yours with server access logging to log access to them (Amazon S3 User Guide, 'Logging requests "
            "with server access logging')"
        )
        replication = (
            "holds only the map runs' result files, versioned and kept; give `results=` a bucket of yours with "
            "replication to copy them to another Region (Amazon S3 User Guide, 'Replicating objects within and "
            "across Regions')"
        )
        rules = {"AwsSolutions::AwsSolutions-S1": logging}
        for pack in _COMPLIANCE_PACKS:
            rules[f"{pack}::{pack}-S3BucketLoggingEnabled"] = logging
            rules[f"{pack}::{pack}-S3BucketReplicationEnabled"] = replication
        acknowledge_all(bucket, rules)
        return S3Location.from_bucket(bucket, "results/")

    def _state_machine(self) -> None:
        workflow = self.workflow
        names = workflow._placeholder_names()
        names.update(_bucket_names(self.items, "ItemsBucket"))
        names.update(_bucket_names(self.results, "ResultsBucket"))
        text, substitutions = to_definition_string(self.definition, names)
        self.state_machine_role = state_machine_role(self, "StateMachineRole")
        # The workflow's log group (each execution logs to its own stream); its statements are the
        # workflow's LOG_DELIVERY and TRACING, among workflow._statements.
        self.state_machine, _ = logged_state_machine(
            self,
            _definition_body(text, False),
            substitutions,
            name=self.state_machine_name,
            role=self.state_machine_role,
            log_group=workflow.log_group,
        )
        add_statements(self.state_machine_role, [*workflow._statements, *self._map_statements()])

    def _map_statements(self) -> list[Statement]:
        """What the Distributed Map does with the role: start, describe and stop its own child
        executions, describe its map run, read the item lists, write the results."""
        name = self.state_machine_name
        items, results = self.items, self.results
        read = f"the Distributed Map reads the item lists ({_GUIDE}, 'ItemReader (Map)', 'IAM policies for using Distributed Map states')"
        statements = [
            statement(
                ["states:StartExecution"],
                [arn(self, "states", f"stateMachine:{name}")],
                reason=f"the Distributed Map starts its child executions of this state machine ({_MAP_POLICY})",
            ),
            statement(
                ["states:DescribeExecution", "states:StopExecution"],
                # A child's ARN is "execution:<name>/<map run label>:<id>" (the Map Run's is "mapRun:<name>/<label>:<id>",
                # "ResultWriter (Map)"); the page's current version writes "execution:<name>:*".
                [arn(self, "states", f"execution:{name}/*:*"), arn(self, "states", f"execution:{name}:*")],
                reason=f"the Distributed Map follows and stops its own child executions ({_MAP_POLICY})",
                wildcard=f"child executions of this state machine's map runs, named at run time ({_MAP_POLICY})",
            ),
            statement(
                ["states:DescribeMapRun"],
                [arn(self, "states", f"mapRun:{name}/*")],
                reason="Count results reads the map run's item counts (Step Functions API Reference, 'DescribeMapRun')",
                wildcard=f"map runs of this state machine, created at run time ({_MAP_POLICY})",
            ),
            statement(
                ["s3:GetObject"],
                [_objects(self, items)],
                reason=read,
                wildcard=f"item lists under the declared prefix, named by the execution input ({_GUIDE}, 'ItemReader (Map)')",
            ),
            statement(
                ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
                [_objects(self, results)],
                reason=f"the Distributed Map writes the map run's results ({_GUIDE}, 'ResultWriter (Map)', "
                "'IAM policies for using Distributed Map states')",
                wildcard=f"result files under the results prefix, named per map run ({_GUIDE}, 'ResultWriter (Map)')",
            ),
        ]
        if results.bucket is not None and self.results_key is not None:
            statements.append(
                statement(
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    [attribute(self.results_key, "key_arn")],
                    reason=f"the results bucket is encrypted with this key: writing a result file generates a data key "
                    f"({_GUIDE}, 'ResultWriter (Map)'; Amazon S3 User Guide, 'Using server-side encryption with AWS KMS keys')",
                )
            )
        return statements

    @property
    def results_key(self) -> Any:
        """The KMS key of the results bucket, when the bucket is this app's and encrypted with one."""
        bucket = self.results.bucket
        return None if bucket is None else getattr(bucket, "encryption_key", None)

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to start executions of the fan-out."""
        return self.state_machine.grant_start_execution(grantee)


def _objects(scope: Construct, location: S3Location) -> str:
    return f"arn:{environment(scope)[0]}:s3:::{location.bucket_name}/{location.key_prefix}*"


def _bucket_names(location: S3Location, name: str) -> Mapping[str, str]:
    return {location.bucket_name: name} if is_token(location.bucket_name) else {}


def _name(scope: Construct, given: str | None) -> str:
    if given is None:
        return cdk.Names.unique_resource_name(scope, max_length=_NAME_LENGTH, separator="-")
    if not isinstance(given, str) or is_token(given):
        raise ValidationError("state_machine_name", "must be a literal string (IAM policies name the state machine)", given)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", given):
        raise ValidationError(
            "state_machine_name", "must be 1 to 80 letters, digits, '-' or '_' (Step Functions API Reference, CreateStateMachine)", given
        )
    return given


def _count(field: str, value: Any, low: int, high: int | None) -> int | None:
    if value is None or is_token(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        rule = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ValidationError(field, f"must be an integer {rule}", value)
    return value


def _percentage(value: Any) -> float | None:
    if value is None or is_token(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 <= value <= 100:
        raise ValidationError("tolerated_failure_percentage", "must be a number from 0 to 100", value)
    return value
