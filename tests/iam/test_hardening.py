"""No input widens IAM, and each role holds what its path calls (issue 12's request-layer part)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template

import constructs_sm as sm
from tests.builders import definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import resources


def fails(message: str) -> Any:
    return pytest.raises(sm.ValidationError, match=re.escape(message))


def request() -> dict[str, Any]:
    return dict(json.loads(open("examples/requests/create-hyper-parameter-tuning-job.json").read()))


@pytest.mark.parametrize("uri", ["s3://example-bucket/*", "s3://example-bucket/data?/", "s3://example-bucket/a\x07b/"])
def test_wildcards_and_control_characters_in_s3_uris_are_refused(uri: str) -> None:
    body = request()
    body["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = uri
    with fails("TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri: must not contain '*', '?'"):
        sm.tuning_workflow_from_request(new_stack(), "Imported", body)


def test_a_declared_prefix_with_a_wildcard_is_refused() -> None:
    location = sm.S3Location.from_json_path("$.Uri", bucket="example-bucket", key_prefix="data/*")
    source = sm.Channel(channel_name="train", data_source=sm.S3DataSource(location=location))
    with fails("S3Uri: must not contain '*', '?'"):
        workflow(training_job_definition=definition(input_data_config=[source]))


@pytest.mark.parametrize("bucket", ["Example_Bucket", "192.168.1.10", "ab"])
def test_invalid_bucket_names_are_refused(bucket: str) -> None:
    body = request()
    body["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = f"s3://{bucket}/models/"
    with fails("TrainingJobDefinition.OutputDataConfig.S3OutputPath: must be an s3:// URI with a valid bucket name"):
        sm.tuning_workflow_from_request(new_stack(), "Imported", body)


def test_a_role_of_another_account_is_refused() -> None:
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Other", "arn:aws:iam::210987654321:role/SageMaker")
    with fails("role: must be a role of the stack's account (123456789012)"):
        workflow(stack, role=role)


def test_the_execution_role_trusts_sagemaker_for_this_account_only(minimal: dict[str, Any]) -> None:
    roles = [r for r in minimal["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    (sagemaker,) = [
        r for r in roles if "sagemaker.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    (statement,) = sagemaker["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:sagemaker:us-east-1:123456789012:*"}


def _job_actions(stack: Any, create: str) -> list[str]:
    template = Template.from_stack(stack).to_json()
    statements = [
        s
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    (job,) = [s for s in statements if create in s["Action"]]
    events = [s for s in statements if "events:PutRule" in s["Action"]]
    return sorted(job["Action"]) + (["events"] if events else [])


def test_each_path_holds_what_it_calls() -> None:
    sync, polled, tagged = new_stack(), new_stack(), new_stack()
    workflow(sync)
    workflow(polled, integration=sm.TuningIntegration.AWS_SDK)
    workflow(tagged, integration=sm.TuningIntegration.AWS_SDK, tags={"team": "ml"})
    create = "sagemaker:CreateHyperParameterTuningJob"
    assert _job_actions(sync, create) == [
        "sagemaker:AddTags",
        create,
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:ListTags",
        "sagemaker:StopHyperParameterTuningJob",
        "events",
    ]
    assert _job_actions(polled, create) == [create, "sagemaker:DescribeHyperParameterTuningJob"]
    assert _job_actions(tagged, create) == ["sagemaker:AddTags", create, "sagemaker:DescribeHyperParameterTuningJob"]


def test_job_name_patterns_end_at_a_separator(minimal: dict[str, Any]) -> None:
    text = json.dumps(minimal)
    assert "hyper-parameter-tuning-job/xgboosttuning-*" in text
    assert "hyper-parameter-tuning-job/xgboosttuning*" not in text


def test_an_immutable_role_gets_a_warning_listing_what_it_must_allow() -> None:
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Given", "arn:aws:iam::123456789012:role/Existing", mutable=False)
    workflow(stack, role=role)
    warnings = [w for w in Annotations.from_stack(stack).find_warning("*", Match.any_value())]
    texts = [str(w.entry.data) for w in warnings]
    assert any("must already allow" in t and "s3:GetObject" in t and "example-bucket/train/*" in t for t in texts)


def test_an_imported_key_gets_a_log_key_that_says_what_it_is() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(
        stack, "Given", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    workflow(stack, encryption_key=key)
    keys = resources(Template.from_stack(stack).to_json(), "AWS::KMS::Key")  # the job reaper's aside
    (log_key,) = keys.values()
    assert log_key["Properties"]["Description"].startswith("Encrypts the execution logs")


def test_the_types_public_signatures_name_are_exported() -> None:
    """A user can annotate what the constructors take (issue 21): the ranges' union, manifest data,
    the workflows' base class."""
    import typing

    from constructs_sm.props.tuning_config import ContinuousParameterRange

    assert ContinuousParameterRange in typing.get_args(sm.ParameterRange)
    assert sm.ManifestData is not None
    assert issubclass(sm.TuningWorkflow, sm.JobWorkflow) and issubclass(sm.TrainingWorkflow, sm.JobWorkflow)
    assert {"ParameterRange", "ManifestData", "JobWorkflow", "WorkflowOptions", "JobTaskOptions"} <= set(dir(sm))


def _types_in(hint: object) -> list[type]:
    import typing

    if isinstance(hint, type) and typing.is_typeddict(hint):
        return [hint, *(t for h in typing.get_type_hints(hint).values() for t in _types_in(h))]
    found = [hint] if isinstance(hint, type) else []
    return found + [t for arg in typing.get_args(hint) for t in _types_in(arg)]


def test_every_type_a_public_signature_names_is_exported() -> None:
    """One export list: each class of constructs_sm that an exported constructor, function or
    dataclass field names (TypedDict options included) is exported under its own name."""
    import dataclasses
    import inspect
    import typing

    from aws_cdk import aws_ecr, aws_lambda, aws_sagemaker

    # Names the library imports for annotations only (under TYPE_CHECKING: aws_lambda alone costs 0.2 s).
    type_only = {"ecr": aws_ecr, "lambda_": aws_lambda, "sagemaker": aws_sagemaker}
    missing = set()
    for name in sm.__all__:
        value = getattr(sm, name)
        if typing.is_typeddict(value):
            continue
        targets = [value.__init__] if inspect.isclass(value) else [value] if callable(value) else []
        for target in targets:
            try:
                hints = typing.get_type_hints(target, localns=type_only)
            except (NameError, TypeError):
                continue
            if inspect.isclass(value) and dataclasses.is_dataclass(value):
                hints.update(typing.get_type_hints(value, localns=type_only))
            for hint in hints.values():
                for found in _types_in(hint):
                    if found.__module__.startswith("constructs_sm") and getattr(sm, found.__name__, None) is not found:
                        missing.add(f"{name} names {found.__module__}.{found.__name__}")
    assert not missing, sorted(missing)
