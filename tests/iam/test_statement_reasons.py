"""Every IAM statement the constructs write carries its reason into the template (the managed
policy's Metadata), and ``constructs-sm permissions`` prints that reason, not a guess."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.core._metadata import REASONS_METADATA
from constructs_sm.iam._policy import ManagedPolicyRole, Statement, granting, merged, statement
from constructs_sm.tools.permissions import NO_REASON, format_table, permission_rows
from tests.builders import definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import resources

STACKS = ["MinimalTuning", "HardenedTuning", "SpotTraining", "MultiAlgorithmTuning"]
# The example app's own managed policy (app.py's add_flow_logs), not the constructs'.
APP_POLICY = "VpcFlowLogsPolicy"


def library_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: policy
        for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy", reaper=True).items()
        if not logical_id.startswith(APP_POLICY)
    }


def assert_every_statement_has_its_reason(template: dict[str, Any]) -> None:
    found = library_policies(template)
    assert found
    for logical_id, policy in found.items():
        reasons = policy.get("Metadata", {}).get(REASONS_METADATA)
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert isinstance(reasons, list) and len(reasons) == len(statements), logical_id
        assert [index for index, reason in enumerate(reasons) if not reason.strip()] == [], logical_id


@pytest.mark.parametrize("stack", STACKS)
def test_every_statement_of_the_examples_has_its_reason(example_templates: dict[str, Any], stack: str) -> None:
    if stack not in example_templates:
        pytest.skip(f"app.py builds no {stack} stack")
    template = example_templates[stack]
    assert_every_statement_has_its_reason(template)
    # Only the app's own policy records none.
    assert [
        logical_id
        for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy", reaper=True).items()
        if REASONS_METADATA not in policy.get("Metadata", {})
    ] == [p for p in resources(template, "AWS::IAM::ManagedPolicy") if p.startswith(APP_POLICY)]


def test_the_grants_aws_cdk_lib_writes_carry_their_reason() -> None:
    """key.grant_decrypt, key.grant_encrypt and repository.grant_pull add their statements through the
    role's add_to_principal_policy: each gets the reason of the grant around it."""
    stack = new_stack()
    bucket_key = kms.Key(stack, "BucketKey", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Data", encryption=s3.BucketEncryption.KMS, encryption_key=bucket_key)
    channel = sm.Channel(
        channel_name="train", data_source=sm.S3DataSource(location=sm.S3Location.from_bucket(bucket, "train/"))
    )
    image = sm.TrainingImage.from_ecr_repository(ecr.Repository(stack, "Repo"), "v3")
    spec = dataclasses.replace(definition().algorithm_specification, training_image=image)
    output = sm.S3Location.from_bucket(bucket, "models/")
    job = definition(input_data_config=[channel], algorithm_specification=spec, output_data_config=output)
    workflow(stack, training_job_definition=job)
    template = Template.from_stack(stack).to_json()
    assert_every_statement_has_its_reason(template)
    why = {(row.action, row.resource): row.why for row in permission_rows(template)}
    key = stack.get_logical_id(bucket_key.node.default_child)
    assert "decrypts what it reads" in why["kms:Decrypt", f"{key}.Arn"]
    assert "encrypts what it writes" in why["kms:Encrypt", f"{key}.Arn"]
    (repository,) = resources(template, "AWS::ECR::Repository")
    assert "pulls the image" in why["ecr:BatchGetImage", f"{repository}.Arn"]
    assert "ECR" in why["ecr:GetAuthorizationToken", "*"]


def test_merged_statements_join_their_distinct_reasons() -> None:
    first = statement(["s3:GetObject"], ["arn:aws:s3:::b/a*"], reason="read a")
    second = statement(["s3:GetObject"], ["arn:aws:s3:::b/c*"], reason="read c")
    again = statement(["s3:GetObject"], ["arn:aws:s3:::b/d*"], reason="read a")
    alone = statement(["s3:PutObject"], ["arn:aws:s3:::b/o*"], reason="write", sid="Write")
    (reads, writes) = merged([first, second, again, alone])
    assert reads == {"Action": "s3:GetObject", "Effect": "Allow", "Resource": [f"arn:aws:s3:::b/{k}*" for k in "acd"]}
    assert (reads.reason, writes.reason) == ("read a; read c", "write")
    assert isinstance(reads, Statement) and first["Resource"] == "arn:aws:s3:::b/a*", "the parts are left as they were"


def test_a_statement_given_from_outside_records_no_reason_and_the_table_says_so() -> None:
    stack = new_stack()
    role = ManagedPolicyRole(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::mine/*"]))
    with granting(role, "the grant's reason"):
        role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:::q"]))
    template = Template.from_stack(stack).to_json()
    ((_, policy),) = resources(template, "AWS::IAM::ManagedPolicy").items()
    assert policy["Metadata"][REASONS_METADATA] == ["", "the grant's reason"]
    assert [(row.action, row.why) for row in permission_rows(template)] == [
        ("s3:GetObject", NO_REASON),
        ("sqs:SendMessage", "the grant's reason"),
    ]


def test_the_permissions_table_prints_the_recorded_reasons(minimal: dict[str, Any]) -> None:
    recorded = {
        logical_id: policy["Metadata"][REASONS_METADATA] for logical_id, policy in library_policies(minimal).items()
    }
    rows = permission_rows(minimal)
    for row in rows:
        index = int(row.statement[1:]) if row.statement.startswith("#") else None
        if row.policy in recorded and index is not None:
            assert row.why == recorded[row.policy][index]
    metrics = next(row for row in rows if row.statement == "PutTrainingMetrics")
    assert metrics.why.startswith("SageMaker publishes the jobs' metrics")
    assert {row.why for row in rows} >= {reason for reasons in recorded.values() for reason in reasons}
    text = format_table(rows)
    assert "      Why:       SageMaker publishes the jobs' metrics, in its namespace only" in text
    assert NO_REASON not in text, "every role of the minimal stack is the constructs'"
