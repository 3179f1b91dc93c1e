"""WorkflowFanOut at synth time: the Distributed Map's definition, its role, its results bucket, and
one error test per rule of its props (executions: tests/workflows/test_fan_out_runs.py)."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

import constructs_sm as sm
from tests import builders
from tests.conftest import new_stack
from tests.template_helpers import policies, resources

STACK = "SegmentTuning"


def _machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: json.loads(machine["Properties"]["DefinitionString"])
        for logical_id, machine in resources(template, "AWS::StepFunctions::StateMachine").items()
    }


@pytest.fixture(scope="module")
def template(example_templates: dict[str, Any]) -> dict[str, Any]:
    return example_templates[STACK]


@pytest.fixture(scope="module")
def fan_out(template: dict[str, Any]) -> dict[str, Any]:
    (found,) = [d for d in _machines(template).values() if "Run jobs" in d["States"]]
    return found


@pytest.fixture(scope="module")
def single(template: dict[str, Any]) -> dict[str, Any]:
    (found,) = [d for k, d in _machines(template).items() if k.startswith("SegmentTuningStateMachine")]
    return found


def test_the_map_runs_the_workflows_states_per_item_as_child_executions(fan_out: dict[str, Any], single: dict[str, Any]) -> None:
    run = fan_out["States"]["Run jobs"]
    assert run["Type"] == "Map"
    assert run["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    children = run["ItemProcessor"]["States"]
    # The same states as the single-run workflow, except the first and its refusal: items cannot name jobs.
    assert set(children) == set(single["States"])
    for name, state in single["States"].items():
        if name not in ("Check input", "Invalid input"):
            assert children[name] == state, name
    assert run["ItemProcessor"]["StartAt"] == "Check input"


def test_items_cannot_name_their_jobs_the_name_is_derived_from_the_child_execution(fan_out: dict[str, Any]) -> None:
    check = fan_out["States"]["Run jobs"]["ItemProcessor"]["States"]["Check input"]
    unknown_keys = check["Choices"][0]["Condition"]
    assert '"TrainDataUri"' in unknown_keys
    assert "HyperParameterTuningJobName" not in unknown_keys
    last = check["Choices"][-1]
    assert last["Condition"] == "{% true %}"
    assert last["Assign"]["jobName"] == (
        "{% 'segment-xgb-' & $substring($hash($states.context.Execution.Id, 'SHA-256'), 0, 12) %}"
    )


def test_the_items_are_read_from_s3_and_the_results_written_to_the_results_bucket(
    fan_out: dict[str, Any], template: dict[str, Any]
) -> None:
    run = fan_out["States"]["Run jobs"]
    assert run["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket.$": "$.items.Bucket", "Key.$": "$.items.Key"},
    }
    assert run["MaxConcurrencyPath"] == "$.maxConcurrency"
    assert run["ToleratedFailurePercentage"] == 5
    assert "ToleratedFailureCount" not in run
    assert run["ResultWriter"] == {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "${ResultsBucket}", "Prefix": "results/"},
    }
    (machine,) = [m for k, m in resources(template, "AWS::StepFunctions::StateMachine").items() if k.startswith("EverySegment")]
    (bucket_id,) = resources(template, "AWS::S3::Bucket")
    assert machine["Properties"]["DefinitionSubstitutions"]["ResultsBucket"] == {"Ref": bucket_id}


def test_the_default_concurrency_is_sagemakers_default_quota_of_concurrent_tuning_jobs(fan_out: dict[str, Any]) -> None:
    settings = fan_out["States"]["Read settings"]["Output"]
    assert "$states.input.MaxConcurrency : 100}" in settings
    assert "'Bucket': \"example-ml-data\"" in settings


def test_the_results_bucket_is_encrypted_with_the_workflows_key_tls_only_private_versioned_and_kept(
    template: dict[str, Any],
) -> None:
    ((bucket_id, bucket),) = resources(template, "AWS::S3::Bucket").items()
    (key_id,) = resources(template, "AWS::KMS::Key")
    assert bucket["DeletionPolicy"] == "Retain"
    properties = bucket["Properties"]
    rule = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
        "SSEAlgorithm": "aws:kms",
    }
    assert rule["BucketKeyEnabled"] is True
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (policy,) = resources(template, "AWS::S3::BucketPolicy").values()
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def _fan_out_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for logical_id, policy in policies(template).items()
        if logical_id.startswith("EverySegmentStateMachineRole")
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _flat(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def test_the_role_may_start_describe_and_stop_only_its_own_child_executions(template: dict[str, Any]) -> None:
    statements = {_flat(s["Action"]): s for s in _fan_out_statements(template)}
    (machine_id,) = [k for k in resources(template, "AWS::StepFunctions::StateMachine") if k.startswith("EverySegment")]
    name = resources(template, "AWS::StepFunctions::StateMachine")[machine_id]["Properties"]["StateMachineName"]
    assert name.startswith("SegmentTuning-EverySegment-")
    start = statements[_flat("states:StartExecution")]
    assert start["Resource"] == f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
    children = statements[_flat(["states:DescribeExecution", "states:StopExecution"])]
    assert children["Resource"] == [
        f"arn:aws:states:us-east-1:123456789012:execution:{name}/*:*",
        f"arn:aws:states:us-east-1:123456789012:execution:{name}:*",
    ]
    runs = statements[_flat("states:DescribeMapRun")]
    assert runs["Resource"] == f"arn:aws:states:us-east-1:123456789012:mapRun:{name}/*"


def test_the_role_reads_only_the_item_lists_and_writes_only_the_results(template: dict[str, Any]) -> None:
    statements = {_flat(s["Action"]): s for s in _fan_out_statements(template)}
    (bucket_id,) = resources(template, "AWS::S3::Bucket")
    read = statements[_flat("s3:GetObject")]
    assert read["Resource"] == "arn:aws:s3:::example-ml-data/segments/*"
    write = statements[_flat(["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"])]
    assert write["Resource"] == {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": bucket_id}, "/results/*"]]}
    (key_id,) = resources(template, "AWS::KMS::Key")
    assert statements[_flat(["kms:Decrypt", "kms:GenerateDataKey"])]["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_the_role_has_the_workflows_job_statements_and_nothing_wider(template: dict[str, Any]) -> None:
    actions = sorted({a for s in _fan_out_statements(template) for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])})
    assert [a for a in actions if a.startswith("states:")] == [
        "states:DescribeExecution",
        "states:DescribeMapRun",
        "states:StartExecution",
        "states:StopExecution",
    ]
    assert "sagemaker:CreateHyperParameterTuningJob" in actions
    assert not any(a.endswith("*") for a in actions)
    for statement in _fan_out_statements(template):
        assert statement["Effect"] == "Allow"


def test_every_transition_reaches_a_state_at_both_levels(fan_out: dict[str, Any]) -> None:
    for machine in (fan_out, fan_out["States"]["Run jobs"]["ItemProcessor"]):
        states = machine["States"]
        targets = set()
        for state in states.values():
            targets.update(t for t in (state.get("Next"), state.get("Default")) if t)
            targets.update(rule["Next"] for rule in state.get("Choices", []))
            targets.update(handler["Next"] for handler in state.get("Catch", []))
        assert targets <= set(states)
        assert machine["StartAt"] in states


# --- props: one error test per rule ---


@pytest.fixture()
def stack() -> cdk.Stack:
    return new_stack()


def _fan_out(stack: cdk.Stack, **changes: Any) -> sm.WorkflowFanOut:
    workflow = changes.pop("workflow", None) or builders.workflow(stack)
    options: dict[str, Any] = {"items": sm.S3Location.from_uri("s3://lists-bucket/lists/")}
    options.update(changes)
    return sm.WorkflowFanOut(stack, "FanOut", workflow=workflow, **options)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"workflow": "not a workflow"}, "workflow", "must be a TuningWorkflow or TrainingWorkflow"),
        ({"items": "s3://lists-bucket/lists/"}, "items", "must be an S3Location"),
        ({"item_format": "JSONL"}, "item_format", "must be an ItemFormat"),
        ({"max_concurrency": 0}, "max_concurrency", "must be an integer from 1 to 10000"),
        ({"max_concurrency": 10_001}, "max_concurrency", "must be an integer from 1 to 10000"),
        ({"max_concurrency": 2.5}, "max_concurrency", "must be an integer from 1 to 10000"),
        ({"tolerated_failure_percentage": 101}, "tolerated_failure_percentage", "must be a number from 0 to 100"),
        ({"tolerated_failure_percentage": float("nan")}, "tolerated_failure_percentage", "must be a number from 0 to 100"),
        ({"tolerated_failure_count": -1}, "tolerated_failure_count", "must be an integer of at least 0"),
        ({"results": "s3://b/p/"}, "results", "must be an S3Location"),
        ({"state_machine_name": "has space"}, "state_machine_name", "must be 1 to 80 letters"),
        ({"timeout": cdk.Duration.seconds(30)}, "timeout", "must be between 60 seconds"),
        ({"removal_policy": "DESTROY"}, "removal_policy", ""),
    ],
)
def test_each_prop_rule_refuses_a_bad_value_naming_the_field_and_value(
    stack: cdk.Stack, changes: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(sm.ValidationError) as error:
        _fan_out(stack, **changes)
    assert error.value.field == field
    assert rule in str(error.value)


def test_a_workflow_on_the_aws_sdk_integration_is_refused(stack: cdk.Stack) -> None:
    workflow = builders.workflow(stack, integration=sm.TuningIntegration.AWS_SDK)
    with pytest.raises(sm.ValidationError, match="optimized .sync integration only"):
        _fan_out(stack, workflow=workflow)


def test_a_token_state_machine_name_is_refused(stack: cdk.Stack) -> None:
    with pytest.raises(sm.ValidationError, match="literal string"):
        _fan_out(stack, state_machine_name=cdk.Aws.STACK_NAME)


def test_an_item_list_key_is_the_default_and_a_prefix_requires_one_in_the_input(stack: cdk.Stack) -> None:
    with_key = _fan_out(stack, items=sm.S3Location.from_uri("s3://lists-bucket/lists/all.json"))
    prefix = sm.WorkflowFanOut(
        stack, "Other", workflow=with_key.workflow, items=sm.S3Location.from_uri("s3://lists-bucket/lists/")
    )
    assert "$states.input.ItemsKey : \"lists/all.json\"" in with_key.definition["States"]["Read settings"]["Output"]
    assert prefix.definition["States"]["Invalid ItemsKey"]["Cause"].startswith("ItemsKey is required")


def test_csv_items_are_read_into_numbers_for_numeric_parameters(stack: cdk.Stack) -> None:
    workflow = builders.workflow(
        stack,
        run_time_parameters={
            "MaxNumberOfTrainingJobs": "HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs",
            "InstanceType": "TrainingJobDefinition.ResourceConfig.InstanceType",
        },
    )
    fan_out = _fan_out(stack, workflow=workflow, item_format=sm.ItemFormat.CSV, tolerated_failure_count=3)
    run = fan_out.definition["States"]["Run jobs"]
    assert run["ItemReader"]["ReaderConfig"] == {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}
    assert run["ToleratedFailureCount"] == 3
    assert run["ItemProcessor"]["StartAt"] == "Read CSV item"
    read = run["ItemProcessor"]["States"]["Read CSV item"]
    assert '$k in ["MaxNumberOfTrainingJobs"]' in read["Output"]
    assert read["Next"] == "Check input"


def test_a_training_workflow_defaults_to_the_documented_training_instance_total(stack: cdk.Stack) -> None:
    training = sm.TrainingWorkflow(stack, "Training", training_job_definition=builders.definition())
    fan_out = _fan_out(stack, workflow=training)
    assert fan_out.max_concurrency == 20
    assert fan_out.definition["Comment"].startswith("Runs a SageMaker training job per item")


def test_given_results_location_is_used_and_no_bucket_is_created(stack: cdk.Stack) -> None:
    results = sm.S3Location.from_uri("s3://results-bucket/fan-out/")
    fan_out = _fan_out(stack, results=results, max_concurrency=7)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    assert resources(template, "AWS::S3::Bucket") == {}
    run = fan_out.definition["States"]["Run jobs"]
    assert run["ResultWriter"]["Parameters"]["Prefix"] == "fan-out/"
    assert "$states.input.MaxConcurrency : 7}" in fan_out.definition["States"]["Read settings"]["Output"]
