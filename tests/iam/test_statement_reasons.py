"""Every IAM statement the constructs write carries its reason into the template (the managed
policy's Metadata), and ``constructs-sm permissions`` prints that reason, not a guess."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

import constructs_sm as sm
from constructs_sm.core._metadata import REASONS_METADATA
from constructs_sm.iam._policy import ManagedPolicyRole, Statement, add_statements, granting, merged, statement
from constructs_sm.tools.permissions import IMPORTED_ROLE, NO_REASON, format_table, permission_rows
from tests.builders import definition, workflow
from tests.conftest import ENV, _cdk_json_context, new_stack
from tests.template_helpers import policies as iam_policies
from tests.template_helpers import resources

STACKS = ["MinimalTuning", "HardenedTuning", "SpotTraining", "MultiAlgorithmTuning", "SegmentTuning"]
# The example app's own managed policy (app.py's add_flow_logs), not the constructs'.
APP_POLICY = "VpcFlowLogsPolicy"
REQUESTS = Path(__file__).parents[2] / "examples" / "requests"


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


# A role of yours (imported, or an iam.Role): aws-cdk-lib writes the statements into an AWS::IAM::Policy,
# whose Metadata records their reasons, matched to the statements as aws-cdk-lib renders them.
IMPORTED_ARN = "arn:aws:iam::123456789012:role/ml-exec"


def grants_everywhere(stack: cdk.Stack, role: iam.IRole | None) -> None:
    """A tuning workflow whose grants come both from the constructs' statements and from aws-cdk-lib's
    grants (a bucket's KMS key, an ECR repository), merged by aws-cdk-lib when it renders them."""
    bucket_key = kms.Key(stack, "BucketKey", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Data", encryption=s3.BucketEncryption.KMS, encryption_key=bucket_key)
    channel = sm.Channel(
        channel_name="train", data_source=sm.S3DataSource(location=sm.S3Location.from_bucket(bucket, "train/"))
    )
    image = sm.TrainingImage.from_ecr_repository(ecr.Repository(stack, "Repo"), "v3")
    spec = dataclasses.replace(definition().algorithm_specification, training_image=image)
    output = sm.S3Location.from_bucket(bucket, "models/")
    job = definition(input_data_config=[channel], algorithm_specification=spec, output_data_config=output)
    workflow(stack, training_job_definition=job, **({} if role is None else {"role": role}))


def inline_policy(template: dict[str, Any]) -> dict[str, Any]:
    """The one AWS::IAM::Policy (the imported role's default policy), its reasons one a statement."""
    (policy,) = resources(template, "AWS::IAM::Policy").values()
    reasons = policy["Metadata"][REASONS_METADATA]
    assert len(reasons) == len(policy["Properties"]["PolicyDocument"]["Statement"])
    return policy


def attached_to(template: dict[str, Any], role_name: Any) -> dict[str, dict[str, Any]]:
    """The policies (inline or managed) that attach to the role named ``role_name``, each recording
    the reasons of its statements."""
    found = {
        logical_id: policy
        for logical_id, policy in iam_policies(template).items()
        if role_name in policy["Properties"].get("Roles", [])
    }
    for logical_id, policy in found.items():
        reasons = policy.get("Metadata", {}).get(REASONS_METADATA)
        assert isinstance(reasons, list), logical_id
        assert len(reasons) == len(policy["Properties"]["PolicyDocument"]["Statement"]), logical_id
    return found


def test_an_imported_roles_policy_records_the_reason_of_every_statement_of_the_library() -> None:
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Imported", IMPORTED_ARN, mutable=True)
    grants_everywhere(stack, role)
    role.add_to_principal_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["arn:aws:sqs:::mine"]))
    template = Template.from_stack(stack).to_json()
    inline_policy(template)  # what aws-cdk-lib's grants and the user's statement give the role
    attached = attached_to(template, "ml-exec")
    rows = [row for row in permission_rows(template) if row.role == "ml-exec"]
    assert {row.principals for row in rows} == {IMPORTED_ROLE}
    assert {row.policy for row in rows} == set(attached)
    assert [row.action for row in rows if row.why == NO_REASON] == ["sqs:SendMessage"], "only the user's own"
    why = {(row.action, row.resource): row.why for row in rows}
    bucket_key = f"{stack.get_logical_id(stack.node.find_child('BucketKey').node.default_child)}.Arn"
    assert "decrypts what it reads" in why["kms:Decrypt", bucket_key]
    assert "encrypts what it writes" in why["kms:Decrypt", bucket_key], "aws-cdk-lib merged the two grants"
    (repository,) = resources(template, "AWS::ECR::Repository")
    assert "pulls the image" in why["ecr:BatchGetImage", f"{repository}.Arn"]
    (bucket,) = resources(template, "AWS::S3::Bucket")
    assert "reads the objects under the S3 prefix" in why["s3:GetObject", f"arn:aws:s3:::${{{bucket}}}/train/*"]
    (key,) = [k for k in resources(template, "AWS::KMS::Key") if f"{k}.Arn" != bucket_key]
    assert "for AWS resources only" in why["kms:CreateGrant", f"{key}.Arn"]
    # Every statement the library gives its own execution role, less what that role writes itself (its
    # logs and metrics), is in the imported role's rows.
    own = new_stack()
    grants_everywhere(own, None)
    executions = [
        row
        for row in permission_rows(Template.from_stack(own).to_json())
        if row.principals == "sagemaker.amazonaws.com"
        and row.statement not in ("WriteTrainingLogs", "PutTrainingMetrics")
    ]
    assert {(row.action, row.resource) for row in executions} == {
        (row.action, row.resource) for row in rows if row.why != NO_REASON
    }
    text = format_table(rows)
    assert text.startswith("Role ml-exec (imported: who may assume it is not in the template)\n")
    # A mutable imported role holds the statements: it is not warned about as an immutable one.
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("immutable role"))


def test_reasons_follow_the_statements_whether_or_not_aws_cdk_lib_minimizes_them() -> None:
    found = {}
    for minimize in (True, False):
        app = cdk.App(context={**_cdk_json_context(), "@aws-cdk/aws-iam:minimizePolicies": minimize})
        stack = cdk.Stack(app, "Test", env=ENV)
        grants_everywhere(stack, iam.Role.from_role_arn(stack, "Imported", IMPORTED_ARN, mutable=True))
        template = Template.from_stack(stack).to_json()
        statements = inline_policy(template)["Properties"]["PolicyDocument"]["Statement"]
        assert NO_REASON not in {row.why for row in permission_rows(template)}
        found[minimize] = (len(statements), {(row.action, row.resource, row.why) for row in permission_rows(template)})
    assert found[True][0] < found[False][0], "aws-cdk-lib merged statements"
    merged_rows, plain_rows = found[True][1], found[False][1]
    # A merged statement's reason holds the reason of each statement it was merged from.
    for action, resource, why in plain_rows:
        assert any(
            a == action and resource in r and all(part in w for part in why.split("; ")) for a, r, w in merged_rows
        ), (action, resource)


def test_an_imported_role_known_at_deployment_is_shown_by_its_arn() -> None:
    stack = new_stack()
    arn = cdk.CfnParameter(stack, "ExecRoleArn").value_as_string
    workflow(stack, role=iam.Role.from_role_arn(stack, "Imported", arn, mutable=True))
    template = Template.from_stack(stack).to_json()
    names = {json.dumps(role) for policy in iam_policies(template).values() for role in policy["Properties"]["Roles"]}
    imported = [json.loads(name) for name in names if "Fn::Select" in name]  # the name taken out of the ARN
    assert len(imported) == 1 and attached_to(template, imported[0])
    rows = [row for row in permission_rows(template) if row.principals == IMPORTED_ROLE]
    assert {row.role for row in rows} == {"${ExecRoleArn}"}
    assert rows and NO_REASON not in {row.why for row in rows}


def test_a_plain_iam_role_of_yours_records_the_reasons_in_its_default_policy() -> None:
    stack = new_stack()
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    workflow(stack, role=role)
    template = Template.from_stack(stack).to_json()
    inline_policy(template)
    rows = [row for row in permission_rows(template) if row.role == stack.get_logical_id(role.node.default_child)]
    assert rows and {row.principals for row in rows} == {"sagemaker.amazonaws.com"}
    assert NO_REASON not in {row.why for row in rows}


def test_the_innermost_granting_block_gives_an_imported_roles_statements_their_reason() -> None:
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Imported", IMPORTED_ARN, mutable=True)
    first, second = kms.Key(stack, "First"), kms.Key(stack, "Second")
    with granting(role, "outer"):
        with granting(role, "inner"):
            first.grant_decrypt(role)
        second.grant_encrypt_decrypt(role)
    add_statements(role, [statement(["s3:GetObject"], ["arn:aws:s3:::b/*"], reason="read b")])
    template = Template.from_stack(stack).to_json()
    why = {(row.action, row.resource): row.why for row in permission_rows(template)}
    assert why["kms:Decrypt", f"{stack.get_logical_id(first.node.default_child)}.Arn"] == "inner"
    assert why["kms:Encrypt", f"{stack.get_logical_id(second.node.default_child)}.Arn"] == "outer"
    assert why["s3:GetObject", "arn:aws:s3:::b/*"] == "read b"


def test_the_request_role_is_immutable_it_gets_no_policy_and_the_table_says_what_is_passed() -> None:
    """use_request_role imports the request's role immutable: no policy is written for it (a warning
    lists what it must already allow), so the table lists the constructs' roles only."""
    request = json.loads((REQUESTS / "create-hyper-parameter-tuning-job.json").read_text())
    stack = new_stack()
    sm.tuning_workflow_from_request(stack, "Imported", request, use_request_role=True)
    template = Template.from_stack(stack).to_json()
    assert resources(template, "AWS::IAM::Policy") == {}
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("must already allow"))
    assert any("s3:GetObject" in str(warning.entry.data) for warning in warnings)
    rows = permission_rows(template)
    assert IMPORTED_ROLE not in {row.principals for row in rows}
    role_arn = request["TrainingJobDefinition"]["RoleArn"]
    (passing,) = [row for row in rows if row.action == "iam:PassRole" and row.resource == role_arn]
    assert passing.why.startswith("Step Functions passes the execution role to SageMaker")
    assert NO_REASON not in format_table(rows)


def test_a_statement_of_yours_that_holds_one_of_the_librarys_does_not_take_its_reason() -> None:
    """Unmerged (no minimizePolicies), the library's statement is found as itself: a broader statement
    you give the role keeps no reason."""
    app = cdk.App(context={**_cdk_json_context(), "@aws-cdk/aws-iam:minimizePolicies": False})
    stack = cdk.Stack(app, "Test", env=ENV)
    role = iam.Role.from_role_arn(stack, "Imported", IMPORTED_ARN, mutable=True)
    with granting(role, "read a"):  # as aws-cdk-lib's grants add theirs
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/a/*"]))
    broad = iam.PolicyStatement(
        actions=["s3:GetObject", "s3:PutObject"], resources=["arn:aws:s3:::b/a/*", "arn:aws:s3:::c/*"]
    )
    role.add_to_principal_policy(broad)
    assert inline_policy(Template.from_stack(stack).to_json())["Metadata"][REASONS_METADATA] == ["read a", ""]
