"""IAM's quotas on what the examples deploy, and a shared role that does not grow with the workflows."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

import constructs_sm as sm
from tests.builders import config, definition
from tests.cfn_lint import lint
from tests.conftest import new_stack
from tests.template_helpers import resources

# IAM quotas (IAM User Guide, "IAM and AWS STS quotas"): managed policies attached to a role
# (default), characters of one managed policy and of a role's inline policies in all, whitespace
# not counted.
MANAGED_POLICIES_PER_ROLE = 10
MANAGED_POLICY_CHARACTERS = 6144
INLINE_POLICY_CHARACTERS = 10240
# What CloudFormation writes for a Ref or GetAtt at deploy time, at its longest for these resources.
_REFERENCE = {"Ref": "x" * 64, "Fn::GetAtt": "arn:aws:iam::123456789012:role/" + "x" * 64}


def _deployed_length(document: Any) -> int:
    """Characters of a policy document as IAM counts them, intrinsics replaced by their longest value."""

    def value(node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1 and next(iter(node)) in _REFERENCE:
                return _REFERENCE[next(iter(node))]
            if "Fn::Join" in node:
                separator, parts = node["Fn::Join"]
                return separator.join(str(value(p)) for p in parts)
            return {k: value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [value(v) for v in node]
        return node

    return len(re.sub(r"\s", "", json.dumps(value(document), separators=(",", ":"))))


def _attached(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each role's managed policy documents (attached through the policy's Roles)."""
    roles: dict[str, list[dict[str, Any]]] = {logical_id: [] for logical_id in resources(template, "AWS::IAM::Role")}
    for policy in resources(template, "AWS::IAM::ManagedPolicy").values():
        for role in policy["Properties"].get("Roles", []):
            roles[role["Ref"]].append(policy["Properties"]["PolicyDocument"])
    return roles


@pytest.mark.parametrize("stack", ["MinimalTuning", "HardenedTuning", "MultiAlgorithmTuning", "SpotTraining"])
def test_every_role_of_the_examples_is_within_iams_quotas(example_templates: dict[str, Any], stack: str) -> None:
    template = example_templates[stack]
    for logical_id, documents in _attached(template).items():
        role = template["Resources"][logical_id]["Properties"]
        managed = len(documents) + len(role.get("ManagedPolicyArns", []))
        assert managed <= MANAGED_POLICIES_PER_ROLE, logical_id
        for document in documents:
            assert _deployed_length(document) <= MANAGED_POLICY_CHARACTERS, logical_id
        inline = [p["PolicyDocument"] for p in role.get("Policies", [])]
        inline += [
            p["Properties"]["PolicyDocument"]
            for p in resources(template, "AWS::IAM::Policy").values()
            if {"Ref": logical_id} in p["Properties"].get("Roles", [])
        ]
        assert sum(_deployed_length(d) for d in inline) <= INLINE_POLICY_CHARACTERS, logical_id


def _shared(count: int) -> dict[str, Any]:
    """``count`` workflows sharing role, key, VPC security group and log group."""
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    role = sm.SageMakerExecutionRole(stack, "Role")
    key = sm.artifact_key(stack, "Key")
    log_group = logs.LogGroup(stack, "Logs", encryption_key=key)
    group = ec2.SecurityGroup(stack, "Group", vpc=vpc)
    job = definition(vpc_config=sm.VpcConfig(vpc=vpc, security_groups=[group]))
    for index in range(count):
        sm.TuningWorkflow(
            stack,
            f"Tuning{index}",
            hyper_parameter_tuning_job_config=config(),
            training_job_definition=job,
            role=role,
            encryption_key=key,
            log_group=log_group,
            job_name_prefix=f"job{index}",
        )
    return Template.from_stack(stack).to_json()


def test_a_shared_role_gets_nothing_more_per_workflow() -> None:
    """A per-workflow resource (a security group, a prefix) adds no statement to the shared role, so
    the workflows one stack holds are bounded by CloudFormation's quotas, not IAM's."""
    few, many = _shared(2), _shared(8)

    def execution_role_documents(template: dict[str, Any]) -> list[Any]:
        (role_id,) = [k for k in resources(template, "AWS::IAM::Role") if k.startswith("Role")]
        return _attached(template)[role_id]

    assert execution_role_documents(few) == execution_role_documents(many)
    added = len(many["Resources"]) - len(few["Resources"])
    assert added == 6 * 3, "a state machine, its role and its policy per workflow; no log group"


def _training_stack(count: int, *, in_s3: bool) -> dict[str, Any]:
    stack = new_stack()
    role = sm.SageMakerExecutionRole(stack, "Role")
    key = sm.artifact_key(stack, "Key")
    log_group = logs.LogGroup(stack, "Logs", encryption_key=key)
    for index in range(count):
        sm.TrainingWorkflow(
            stack,
            f"Training{index}",
            training_job_definition=definition(),
            role=role,
            encryption_key=key,
            log_group=log_group,
            job_name_prefix=f"train{index}",
            definition_in_s3=in_s3,
        )
    return Template.from_stack(stack).to_json()


def test_a_definition_in_s3_leaves_the_template_with_its_location(tmp_path: Path) -> None:
    inline, in_s3 = _training_stack(2, in_s3=False), _training_stack(2, in_s3=True)
    assert lint(in_s3, tmp_path / "InS3.template.json") == []
    (machine, _) = resources(in_s3, "AWS::StepFunctions::StateMachine").values()
    assert set(machine["Properties"]["DefinitionS3Location"]) == {"Bucket", "Key"}
    assert "DefinitionString" not in machine["Properties"]
    assert machine["Properties"]["DefinitionSubstitutions"]["ExecutionRoleArn"] == {"Fn::GetAtt": ["Role1ABCC5F0", "Arn"]}

    def size(template: dict[str, Any]) -> int:
        return len(json.dumps(template, separators=(",", ":")))

    assert size(inline) - size(in_s3) > 2 * 1500, "the definitions leave the template"
    # The asset holds the very definition the template would have held.
    (inline_machine, _) = resources(inline, "AWS::StepFunctions::StateMachine").values()
    (text,) = [
        p.read_text()
        for p in (Path(tempfile.gettempdir()) / "constructs_sm-definitions").glob("*.asl.json")
        if p.read_text() == inline_machine["Properties"]["DefinitionString"]
    ]
    assert json.loads(text)["StartAt"] == "Check input"


def test_definition_in_s3_must_be_a_boolean() -> None:
    with pytest.raises(sm.ValidationError, match="definition_in_s3: must be true or false"):
        sm.TrainingWorkflow(new_stack(), "Training", training_job_definition=definition(), definition_in_s3="yes")
