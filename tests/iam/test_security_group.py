"""The security group a VpcConfig creates lets a job's instances talk to each other whenever a job
can have more than one: "allows inbound connections between members of the same security group"
(SageMaker Developer Guide, "Give SageMaker training jobs access to resources in your Amazon VPC")."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template
from constructs import Construct

import constructs_sm as sm
from constructs_sm.iam._job_resources import bind_job_resources, single_instance
from constructs_sm.props._request_body import training_body
from tests.builders import definition
from tests.conftest import new_stack
from tests.template_helpers import only, resources

TRAINING, TUNING = "CreateTrainingJob", "CreateHyperParameterTuningJob"


def in_vpc(stack: cdk.Stack) -> sm.TrainingJobDefinition:
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    return definition(vpc_config=sm.VpcConfig(vpc=vpc))


def member_rules(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The ingress rules whose source is the created group itself."""
    group, _ = only(template, "AWS::EC2::SecurityGroup")
    own = {"Fn::GetAtt": [group, "GroupId"]}
    return [
        rule["Properties"]
        for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == own and rule["Properties"]["SourceSecurityGroupId"] == own
    ]


def assert_members_talk(template: dict[str, Any]) -> None:
    (rule,) = member_rules(template)
    assert rule["IpProtocol"] == "-1", "all protocols, all ports"
    _, group = only(template, "AWS::EC2::SecurityGroup")
    # Outbound: all traffic, to the members as to the rest.
    assert group["Properties"]["SecurityGroupEgress"] == [
        {"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}
    ]


@pytest.fixture(scope="module")
def run_time_count_bound() -> dict[str, Any]:
    """InstanceCount 1 in the request, declared as set by the execution input."""
    stack = new_stack()
    bind_job_resources(
        Construct(stack, "Job"),
        TRAINING,
        training_body(definition=in_vpc(stack), tags=None),
        role=None,
        encryption_key=None,
        run_time_paths=["ResourceConfig.InstanceCount"],
    )
    return Template.from_stack(stack).to_json()


def test_a_run_time_instance_count_opens_the_group_to_its_members(run_time_count_bound: dict[str, Any]) -> None:
    assert_members_talk(run_time_count_bound)


def test_a_training_workflow_with_a_run_time_instance_count_opens_the_group() -> None:
    stack = new_stack()
    sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=in_vpc(stack),
        run_time_parameters={"InstanceCount": "ResourceConfig.InstanceCount"},
    )
    assert_members_talk(Template.from_stack(stack).to_json())


def test_one_instance_everywhere_keeps_the_group_closed() -> None:
    stack = new_stack()
    sm.TrainingWorkflow(
        stack,
        "Training",
        training_job_definition=in_vpc(stack),
        run_time_parameters={"InstanceType": "ResourceConfig.InstanceType"},
    )
    assert member_rules(Template.from_stack(stack).to_json()) == []


# Which requests can run a job on several instances


def job(resource_config: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {"ResourceConfig": resource_config or {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}, **fields}


@pytest.mark.parametrize(
    ("operation", "request_", "run_time_paths"),
    [
        (TRAINING, job({"InstanceType": "ml.m5.xlarge", "InstanceCount": 2}), ()),
        (TRAINING, job({"InstanceGroups": [{"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}]}), ()),
        (TRAINING, job({"InstancePreferences": [{"InstanceType": "ml.m5.xlarge", "InstanceCount": 4}]}), ()),
        (TRAINING, job({"InstanceType": "ml.m5.xlarge", "InstanceCount": sfn.JsonPath.number_at("$.Count")}), ()),
        (TRAINING, job(), ("ResourceConfig.InstanceCount",)),
        (TRAINING, job(), ("ResourceConfig.InstanceGroups[gpu].InstanceCount",)),
        (TUNING, {"TrainingJobDefinition": job()}, ("TrainingJobDefinition.ResourceConfig.InstanceCount",)),
        (
            TUNING,
            {
                "TrainingJobDefinition": {
                    "HyperParameterTuningResourceConfig": {
                        "InstanceConfigs": [
                            {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
                            {"InstanceType": "ml.c5.xlarge", "InstanceCount": 2},
                        ]
                    }
                }
            },
            (),
        ),
        (TUNING, {"TrainingJobDefinitions": [job(), job({"InstanceType": "ml.m5.xlarge", "InstanceCount": 3})]}, ()),
    ],
)
def test_several_instances(operation: str, request_: dict[str, Any], run_time_paths: tuple[str, ...]) -> None:
    assert not single_instance(operation, request_, run_time_paths)


@pytest.mark.parametrize(
    ("operation", "request_", "run_time_paths"),
    [
        (TRAINING, job(), ()),
        (TRAINING, job(), ("ResourceConfig.InstanceType",)),
        # A tuning job runs many training jobs, each on one instance: no traffic between them.
        (
            TUNING,
            {"TrainingJobDefinitions": [job(), job()]},
            ("TrainingJobDefinitions[0].ResourceConfig.VolumeSizeInGB",),
        ),
        (TUNING, {"TrainingJobDefinition": {"HyperParameterTuningResourceConfig": {"InstanceCount": 1}}}, ()),
    ],
)
def test_one_instance(operation: str, request_: dict[str, Any], run_time_paths: tuple[str, ...]) -> None:
    assert single_instance(operation, request_, run_time_paths)
