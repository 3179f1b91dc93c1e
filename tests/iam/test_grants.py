"""Grants that depend on what the user passes: ECR repositories, security groups, encrypted buckets."""

from __future__ import annotations

import dataclasses
import json

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

import constructs_sm as sm
from tests.builders import config, definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import (
    actions,
    flat,
    resources,
    role_assumed_by,
    statement_with,
    statements_of_role,
)


def test_image_from_an_ecr_repository_of_the_stack_is_pulled_from_that_repository_only() -> None:
    stack = new_stack()
    repository = ecr.Repository(stack, "Repo")
    image = sm.TrainingImage.from_ecr_repository(repository, "v3")
    spec = dataclasses.replace(definition().algorithm_specification, training_image=image)
    workflow(stack, training_job_definition=definition(algorithm_specification=spec))
    template = Template.from_stack(stack).to_json()
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    pull = statement_with(statements, "ecr:BatchGetImage")
    (repo_id,) = resources(template, "AWS::ECR::Repository")
    assert pull["Resource"] == {"Fn::GetAtt": [repo_id, "Arn"]}
    assert statement_with(statements, "ecr:GetAuthorizationToken")["Resource"] == "*"


def test_given_security_groups_are_used_and_none_is_created() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    group = ec2.SecurityGroup(stack, "Mine", vpc=vpc, description="training")
    config = sm.VpcConfig(vpc=vpc, security_groups=[group])
    workflow(stack, training_job_definition=definition(vpc_config=config))
    template = Template.from_stack(stack).to_json()
    assert list(resources(template, "AWS::EC2::SecurityGroup")) == [stack.get_logical_id(group.node.default_child)]
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    create = statement_with(statements, "ec2:CreateNetworkInterface")
    assert "security-group/" in flat(create["Resource"])


def test_a_bucket_encrypted_with_its_own_key_grants_that_key_too() -> None:
    stack = new_stack()
    bucket_key = kms.Key(stack, "BucketKey", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Data", encryption=s3.BucketEncryption.KMS, encryption_key=bucket_key)
    channel = sm.Channel(
        channel_name="train", data_source=sm.S3DataSource(location=sm.S3Location.from_bucket(bucket, "train/"))
    )
    workflow(stack, training_job_definition=definition(input_data_config=[channel]))
    template = Template.from_stack(stack).to_json()
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    key_id = stack.get_logical_id(bucket_key.node.default_child)
    decrypt = [
        s for s in statements if "kms:Decrypt" in actions(s) and s["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    ]
    assert decrypt, "the role may decrypt the bucket's own key"


def test_a_shared_role_gets_each_grant_once() -> None:
    """Twelve workflows sharing a role, key and definition: the role's policies do not grow with them."""
    stack = new_stack()
    role = sm.SageMakerExecutionRole(stack, "Shared")
    key = sm.artifact_key(stack, "SharedKey")
    shared = definition()
    for index in range(12):
        sm.TuningWorkflow(
            stack,
            f"Tuning{index}",
            hyper_parameter_tuning_job_config=config(),
            training_job_definition=shared,
            role=role,
            encryption_key=key,
        )
    template = Template.from_stack(stack).to_json()
    role_id = stack.get_logical_id(role.node.default_child)
    attached = [
        p
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in p["Properties"].get("Roles", [])
    ]
    assert len(attached) == 1, f"{len(attached)} managed policies for one set of grants"
    reads = [s for s in statements_of_role(template, role_id) if "s3:GetObject" in actions(s)]
    assert len(reads) == 1, reads


def _manifest_channel(data_type: str = "ManifestFile") -> sm.Channel:
    location = sm.S3Location.from_uri("s3://example-bucket/manifests/train.manifest")
    return sm.Channel(channel_name="train", data_source=sm.S3DataSource(location=location, s3_data_type=data_type))


def test_a_manifest_channel_grants_read_on_the_data_its_manifest_lists() -> None:
    stack = new_stack()
    images = sm.S3Location.from_uri("s3://example-images/labelled/")
    workflow(
        stack,
        training_job_definition=definition(input_data_config=[_manifest_channel()]),
        manifest_data={"train": [images, "s3://example-bucket/extra/"]},
    )
    template = Template.from_stack(stack).to_json()
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    text = json.dumps([s["Resource"] for s in statements if "s3:GetObject" in actions(s)])
    assert "example-bucket/manifests/train.manifest*" in text, "the manifest itself"
    assert "example-images/labelled/*" in text and "example-bucket/extra/*" in text, "the data it lists"


@pytest.mark.parametrize("data_type", ["ManifestFile", "AugmentedManifestFile"])
def test_a_manifest_channel_without_its_data_locations_is_refused(data_type: str) -> None:
    with pytest.raises(sm.ValidationError) as error:
        workflow(training_job_definition=definition(input_data_config=[_manifest_channel(data_type)]))
    message = str(error.value)
    assert "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3DataType" in message
    assert "manifest_data={'train'" in message and data_type in message


def test_the_manifest_message_shows_a_balanced_python_argument() -> None:
    with pytest.raises(sm.ValidationError) as error:
        workflow(training_job_definition=definition(input_data_config=[_manifest_channel()]))
    assert str(error.value) == (
        "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3DataType: is ManifestFile: give "
        "manifest_data={'train': [<S3 locations the manifest lists>]} so that the execution role may read the data, "
        "not only the manifest, but got 'ManifestFile'"
    )


@pytest.mark.parametrize(
    ("manifest_data", "field"),
    [
        ({"train": ["s3://example-bucket/x/"], "validation": ["s3://example-bucket/x/"]}, "manifest_data['validation']"),
        ({"train": "s3://example-bucket/x/"}, "manifest_data['train']"),
        ({"train": ["s3://example-bucket/x/*"]}, "manifest_data['train'][0]"),
        ({"train": ["not-a-uri"]}, "manifest_data['train'][0]"),
    ],
)
def test_wrong_manifest_data_names_the_entry(manifest_data: dict, field: str) -> None:
    with pytest.raises(sm.ValidationError) as error:
        workflow(training_job_definition=definition(input_data_config=[_manifest_channel()]), manifest_data=manifest_data)
    assert str(error.value).startswith(field)


def test_manifest_data_for_a_prefix_channel_is_refused() -> None:
    with pytest.raises(sm.ValidationError, match=r"^manifest_data\['train'\]: names no channel"):
        workflow(manifest_data={"train": ["s3://example-bucket/x/"]})
