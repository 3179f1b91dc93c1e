"""ModelRegistration: the states after the best training job, their parameters against botocore's
model, the group and the IAM statements, cfn-lint, cdk-nag, one test per rule, and executions
offline (constructs_sm.testing).

moto 5.2.5 has CreateModel, CreateModelPackage, DescribeModel and DescribeModelPackage. Its
CreateModel drops ``EnableNetworkIsolation`` (DescribeModel always says false), so the tests read
what the state machine sent from the execution history; it keeps ``VpcConfig``, and every
CreateModelPackage field the workflow sends. A deployment creates the template's model package
group, as CloudFormation does; a group named by ``model_package_group_name`` is created by the test.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template
from constructs import Construct
from parliament import analyze_policy_string

import constructs_sm as sm
from app import add_flow_logs, drop_redundant_depends_on
from constructs_sm.api import _model
from constructs_sm.errors import ValidationError
from constructs_sm.testing import DeploymentFailedError, OfflineAws
from constructs_sm.workflows.model_registration import ModelRegistration, check_registration, group_name_for
from tests import builders
from tests.api_shapes import problems
from tests.cfn_lint import lint
from tests.conftest import ENV, _cdk_json_context, new_stack
from tests.nag import PACK_NAMES, findings, synth_with_packs
from tests.template_helpers import (
    definition,
    only,
    resources,
    role_assumed_by,
    statement_with,
    statements_of_role,
    substitutions,
)

REGISTRATION = ModelRegistration(inference_instance_types=["ml.m5.large"], transform_instance_types=["ml.m5.xlarge"])
GROUP = "Churn-Models"
VPC_REGISTRATION = ModelRegistration(model_package_group_name=GROUP, description="XGBoost churn model")
BEST = "tuning-0a1b2c3d4e5f-003-9f8e7d6c"
# The group the "Registered" stack's workflow creates: the stack's name, the workflow's path, a hash.
CREATED = re.compile(r"registered-tuning-[0-9a-f]{8}")
# Name job, Create tuning job, Has best training job, Describe best training job, Create model,
# Register model (its ResultSelector is the output): two more than without registration.
SUCCESS_TRANSITIONS = 6


class _VpcStack(cdk.Stack):
    @property
    def availability_zones(self) -> list[str]:
        # As app.py's HardenedTuning: resolved at deploy time, no dummy zones for cfn-lint (W3010).
        return [cdk.Fn.select(i, cdk.Fn.get_azs()) for i in range(2)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One app, synthesized once with the four cdk-nag packs as validation plugins.

    ``Registered``: the test workflow with registration and every default (a group is created).
    ``RegisteredInVpc``: private isolated subnets, network isolation, an existing group named
    with capitals and a description. ``Unregistered``: the same test workflow without registration.
    ``NagControl``: a plain topic and a key without rotation, which every pack flags.
    """
    outdir = tmp_path_factory.mktemp("cdk.out.registration")
    app = cdk.App(outdir=str(outdir), context=_cdk_json_context())
    registered = cdk.Stack(app, "Registered", env=ENV)
    workflow = builders.workflow(registered, model_registration=REGISTRATION)

    in_vpc = _VpcStack(app, "RegisteredInVpc", env=ENV)
    vpc = ec2.Vpc(
        in_vpc,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
        restrict_default_security_group=True,
    )
    add_flow_logs(vpc)
    drop_redundant_depends_on(in_vpc)
    vpc_workflow = builders.workflow(
        in_vpc,
        job_name_prefix="churn",
        training_job_definition=builders.definition(vpc_config=sm.VpcConfig(vpc=vpc), enable_network_isolation=True),
        model_registration=VPC_REGISTRATION,
    )

    unregistered = cdk.Stack(app, "Unregistered", env=ENV)
    builders.workflow(unregistered, job_name_prefix="unregistered")  # one app: a prefix of its own

    control = cdk.Stack(app, "NagControl", env=ENV)
    kms.Key(control, "NoRotation")
    sns.Topic(control, "Plain")

    stacks = {"Registered": registered, "RegisteredInVpc": in_vpc}
    nag = synth_with_packs(app, outdir, control, stacks)
    return {
        "templates": {
            name: json.loads((outdir / f"{name}.template.json").read_text()) for name in [*stacks, "Unregistered"]
        },
        "report": nag["report"],
        "scopes": nag["scopes"],
        "control": nag["control"],
        "workflows": {"Registered": workflow, "RegisteredInVpc": vpc_workflow},
        "logical_ids": {
            "group": registered.get_logical_id(workflow.model_package_group),  # type: ignore[arg-type]
            "machine": registered.get_logical_id(workflow.state_machine.node.default_child),  # type: ignore[arg-type]
        },
        "group_names": {
            "Registered": registered.resolve(workflow.model_package_group_name),
            "RegisteredInVpc": in_vpc.resolve(vpc_workflow.model_package_group_name),
        },
    }


@pytest.fixture(scope="module")
def group(built: dict[str, Any]) -> str:
    """The name of the group the "Registered" stack creates."""
    name = built["group_names"]["Registered"]
    assert CREATED.fullmatch(name), name
    return str(name)


def _group_parameter(template: dict[str, Any]) -> Any:
    """Register model's ModelPackageGroupName with its ``${Placeholder}`` substituted, as deployed."""
    value = definition(template)["States"]["Register model"]["Parameters"]["ModelPackageGroupName"]
    placeholder = re.fullmatch(r"\$\{(\w+)\}", value)
    return substitutions(template)[placeholder[1]] if placeholder else value


@pytest.fixture(scope="module")
def template(built: dict[str, Any]) -> dict[str, Any]:
    return dict(built["templates"]["Registered"])


@pytest.fixture(scope="module")
def vpc_template(built: dict[str, Any]) -> dict[str, Any]:
    return dict(built["templates"]["RegisteredInVpc"])


@pytest.fixture(scope="module")
def unregistered(built: dict[str, Any]) -> dict[str, Any]:
    return dict(built["templates"]["Unregistered"])


@pytest.fixture(scope="module")
def states(template: dict[str, Any]) -> dict[str, Any]:
    return dict(definition(template)["States"])


# --- the states ---


def test_registration_follows_the_best_training_job(states: dict[str, Any]) -> None:
    describe = states["Describe best training job"]
    assert "End" not in describe and "ResultSelector" not in describe
    assert describe["Next"] == "Create model" and describe["ResultPath"] is None
    assert describe["Assign"] == {"retries": 0, "retryDelay": 5, "bestJob.$": "$"}
    assert states["Create model"]["Next"] == "Register model"
    assert states["Register model"]["End"] is True
    assert [name for name, state in states.items() if state.get("End")] == ["Register model"]


def test_create_model_runs_the_best_training_jobs_image_artifacts_and_role(states: dict[str, Any]) -> None:
    create = states["Create model"]
    assert create["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createModel"
    assert create["Parameters"] == {
        "ModelName.$": "$bestJob.TrainingJobName",
        "PrimaryContainer": {
            "Image.$": "$bestJob.AlgorithmSpecification.TrainingImage",
            "ModelDataUrl.$": "$bestJob.ModelArtifacts.S3ModelArtifacts",
        },
        "ExecutionRoleArn.$": "$bestJob.RoleArn",
    }
    assert create["ResultPath"] is None
    assert create["Assign"] == {"retries": 0, "retryDelay": 5, "modelArn.$": "$.ModelArn"}


def test_register_model_creates_a_version_pending_manual_approval(
    states: dict[str, Any], template: dict[str, Any], group: str
) -> None:
    register = states["Register model"]
    assert register["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:createModelPackage"
    parameters = register["Parameters"]
    assert _group_parameter(template) == group
    assert parameters["ModelApprovalStatus"] == "PendingManualApproval"
    assert parameters["ClientToken.$"] == "$tuningJob.HyperParameterTuningJobName"
    assert parameters["InferenceSpecification"] == {
        "Containers": [
            {
                "Image.$": "$bestJob.AlgorithmSpecification.TrainingImage",
                "ModelDataUrl.$": "$bestJob.ModelArtifacts.S3ModelArtifacts",
            }
        ],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
        "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large"],
        "SupportedTransformInstanceTypes": ["ml.m5.xlarge"],
    }
    assert parameters["ModelPackageDescription.$"] == (
        "States.Format('Best training job {} of hyperparameter tuning job {}', "
        "$bestJob.TrainingJobName, $tuningJob.HyperParameterTuningJobName)"
    )
    assert parameters["MetadataProperties"] == {"GeneratedBy.$": "$$.Execution.Id"}
    objective = "$tuningJob.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric"
    assert parameters["CustomerMetadataProperties"] == {
        "HyperParameterTuningJobName.$": "$tuningJob.HyperParameterTuningJobName",
        "TrainingJobName.$": "$bestJob.TrainingJobName",
        "ObjectiveMetricName.$": f"{objective}.MetricName",
        "ObjectiveMetricValue.$": f"States.Format('{{}}', {objective}.Value)",
    }


def test_the_output_is_the_report_and_the_two_arns(states: dict[str, Any], unregistered: dict[str, Any]) -> None:
    report = definition(unregistered)["States"]["Describe best training job"]["ResultSelector"]
    # The same report, its DescribeTrainingJob read from $bestJob instead of the state's own result.
    moved = {key: re.sub(r"^\$(?=\.|$)", "$bestJob", value) for key, value in report.items()}
    assert states["Register model"]["ResultSelector"] == {
        **moved,
        "ModelArn.$": "$modelArn",
        "ModelPackageArn.$": "$.ModelPackageArn",
    }


def test_both_tasks_retry_transient_errors_and_fail_on_others(states: dict[str, Any]) -> None:
    back = {rule["StringEquals"]: rule["Next"] for rule in states["Retry"]["Choices"]}
    for name in ("Create model", "Register model"):
        api, other = states[name]["Catch"]
        assert api["ErrorEquals"] == ["SageMaker.SageMakerException", "SageMaker.ResourceLimitExceededException"]
        assert api["Next"] == "Transient error" and api["Assign"]["retryState"] == name
        assert other == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.Error", "Next": "Job failed"}
    # A retried CreateModel first looks for the model SageMaker may have created (Find model); the
    # version's ClientToken makes a retried CreateModelPackage idempotent.
    assert back["Create model"] == "Find model" and back["Register model"] == "Register model"
    find = states["Find model"]
    assert find["Resource"].endswith(":aws-sdk:sagemaker:describeModel") and find["Next"] == "Register model"
    assert find["Catch"][0]["Next"] == "Model not found"
    assert states["Model not found"]["Choices"] == [
        {"Variable": "$.Error.Cause", "StringMatches": "Could not find model*", "Next": "Create model"}
    ]


# What the paths read at run time, as SageMaker receives them.
_RUN_TIME = {
    "ModelName": BEST,
    "Image": builders.IMAGE,
    "ModelDataUrl": f"s3://example-bucket/output/{BEST}/output/model.tar.gz",
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/Registered-TuningExecutionRole",
    "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]},
    "ClientToken": "tuning-0a1b2c3d4e5f",
    "GeneratedBy": "arn:aws:states:us-east-1:123456789012:execution:Tuning:run",
}


def _as_sent(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key.removesuffix(".$"): _RUN_TIME.get(key.removesuffix(".$"), "0.91")
            if key.endswith(".$")
            else _as_sent(item)
            for key, item in value.items()
        }
    return [_as_sent(item) for item in value] if isinstance(value, list) else value


@pytest.mark.parametrize("stack", ["Registered", "RegisteredInVpc"])
def test_task_parameters_validate_against_botocore_model(built: dict[str, Any], stack: str) -> None:
    machine = definition(built["templates"][stack])["States"]
    assert problems("CreateModel", _as_sent(machine["Create model"]["Parameters"])) == []
    assert problems("CreateModelPackage", _as_sent(machine["Register model"]["Parameters"])) == []


def test_the_model_takes_the_training_jobs_vpc_and_network_isolation(vpc_template: dict[str, Any]) -> None:
    create = definition(vpc_template)["States"]["Create model"]["Parameters"]
    assert create["VpcConfig.$"] == "$bestJob.VpcConfig"
    assert create["EnableNetworkIsolation"] is True
    request = json.loads(only(vpc_template, "AWS::StepFunctions::StateMachine")[1]["Properties"]["DefinitionString"])[
        "States"
    ]["Create tuning job"]["Parameters"]["TrainingJobDefinition"]
    assert request["EnableNetworkIsolation"] is True and "VpcConfig" in request


def test_an_existing_group_is_named_and_none_is_created(vpc_template: dict[str, Any], built: dict[str, Any]) -> None:
    register = definition(vpc_template)["States"]["Register model"]["Parameters"]
    assert register["ModelPackageGroupName"] == GROUP
    assert register["ModelPackageDescription"] == "XGBoost churn model"
    assert resources(vpc_template, "AWS::SageMaker::ModelPackageGroup") == {}
    assert built["group_names"]["RegisteredInVpc"] == GROUP
    assert built["workflows"]["RegisteredInVpc"].model_package_group is None


# --- the group and IAM ---


def test_the_created_group_is_named_after_the_stack_and_workflow_and_kept(
    template: dict[str, Any], built: dict[str, Any], group: str
) -> None:
    """Not after the job name prefix, which two stages share; the description is create-only, like
    the name, so it holds only what the name is made of. Kept when the stack is deleted or the group
    replaced, but not when the deployment that created it rolls back (RetainExceptOnCreate): a
    failed first deployment leaves no group behind to collide with the next one."""
    group_id = built["logical_ids"]["group"]
    resource = template["Resources"][group_id]
    assert resource["Properties"] == {
        "ModelPackageGroupName": group,
        "ModelPackageGroupDescription": "The best training jobs of the tuning workflow Tuning of stack Registered",
    }
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert group_id in template["Resources"][built["logical_ids"]["machine"]]["DependsOn"]
    workflow = built["workflows"]["Registered"]
    assert group == group_name_for(workflow)


def test_the_state_machine_may_create_only_these_models_and_versions(template: dict[str, Any], group: str) -> None:
    statements = statements_of_role(template, role_assumed_by(template, "states.amazonaws.com"))
    create = statement_with(statements, "sagemaker:CreateModel")
    assert create == {
        "Action": ["sagemaker:CreateModel", "sagemaker:DescribeModel"],
        "Effect": "Allow",
        "Resource": "arn:aws:sagemaker:us-east-1:123456789012:model/tuning-*",
    }
    register = statement_with(statements, "sagemaker:CreateModelPackage")
    assert register == {
        "Action": "sagemaker:CreateModelPackage",
        "Effect": "Allow",
        "Resource": [
            f"arn:aws:sagemaker:us-east-1:123456789012:model-package-group/{group}",
            f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{group}/*",
        ],
    }
    # The model passes the execution role, which only SageMaker may receive (granted with the job's).
    (pass_role,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    sagemaker_actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {a for a in sagemaker_actions if "Model" in a} == {
        "sagemaker:CreateModel",
        "sagemaker:DescribeModel",
        "sagemaker:CreateModelPackage",
    }


def test_a_group_named_with_capitals_is_granted_as_sagemaker_writes_its_arn(vpc_template: dict[str, Any]) -> None:
    statements = statements_of_role(vpc_template, role_assumed_by(vpc_template, "states.amazonaws.com"))
    account = "arn:aws:sagemaker:us-east-1:123456789012"
    assert statement_with(statements, "sagemaker:CreateModel")["Resource"] == f"{account}:model/churn-*"
    assert statement_with(statements, "sagemaker:CreateModelPackage")["Resource"] == [
        f"{account}:model-package-group/Churn-Models",
        f"{account}:model-package-group/churn-models",
        f"{account}:model-package/Churn-Models/*",
        f"{account}:model-package/churn-models/*",
    ]


def test_a_group_arn_scopes_iam_to_its_account_and_region() -> None:
    stack = new_stack()
    group_arn = "arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/shared-models"
    registration = check_registration(
        ModelRegistration(model_package_group_name=group_arn), prefix="churn", definitions=[builders.definition()]
    )
    assert registration.states("aws", output={})["Register model"]["Parameters"]["ModelPackageGroupName"] == group_arn
    _, register = registration.statements(stack, "churn")
    assert register["Resource"] == [group_arn, "arn:aws:sagemaker:eu-west-1:111122223333:model-package/shared-models/*"]


def _staged_app() -> dict[str, dict[str, Any]]:
    """Stages Dev and Prod of one app, each with the same stack and workflow, in one account and region:
    each its own job name prefix (the same one is refused: tests/workflows/test_job_workflow.py)."""
    app = cdk.App(context=_cdk_json_context())
    stacks = {stage: cdk.Stack(cdk.Stage(app, stage), "Churn", env=ENV) for stage in ("Dev", "Prod")}
    for stack in stacks.values():
        stage = stack.node.scope.node.id.lower()  # type: ignore[union-attr]
        builders.workflow(stack, job_name_prefix=f"{stage}-churn", model_registration=ModelRegistration())
    return {stage: Template.from_stack(stack).to_json() for stage, stack in stacks.items()}


@pytest.fixture(scope="module")
def staged() -> list[dict[str, dict[str, Any]]]:
    """The staged app, synthesized twice (two apps built by the same code)."""
    return [_staged_app(), _staged_app()]


def _created_group(template: dict[str, Any]) -> str:
    _, group = only(template, "AWS::SageMaker::ModelPackageGroup")
    return str(group["Properties"]["ModelPackageGroupName"])


def test_two_stages_create_groups_of_their_own(staged: list[dict[str, dict[str, Any]]]) -> None:
    """Each stage's group, state and IAM scope name that stage's group: deploying both into one
    account and region creates two groups, not the same one twice (AlreadyExists)."""
    templates = staged[0]
    names = {stage: _created_group(template) for stage, template in templates.items()}
    assert re.fullmatch(r"devchurn-tuning-[0-9a-f]{8}", names["Dev"])
    assert re.fullmatch(r"prodchurn-tuning-[0-9a-f]{8}", names["Prod"])
    for stage, template in templates.items():
        assert _group_parameter(template) == names[stage]
        statements = statements_of_role(template, role_assumed_by(template, "states.amazonaws.com"))
        account = "arn:aws:sagemaker:us-east-1:123456789012"
        # Each stage's job name prefix, and a group of each stage's own.
        model = f"{account}:model/{stage.lower()}-churn-*"
        assert statement_with(statements, "sagemaker:CreateModel")["Resource"] == model
        assert statement_with(statements, "sagemaker:CreateModelPackage")["Resource"] == [
            f"{account}:model-package-group/{names[stage]}",
            f"{account}:model-package/{names[stage]}/*",
        ]


def test_the_same_app_synthesized_again_names_the_same_groups(staged: list[dict[str, dict[str, Any]]]) -> None:
    """Deterministic: a redeployment updates the group instead of replacing it, and a group kept by
    ``cdk destroy`` has the name the app prints at every synth."""
    first, again = staged
    assert {stage: _created_group(t) for stage, t in first.items()} == {
        stage: _created_group(t) for stage, t in again.items()
    }
    assert first == again


@pytest.mark.parametrize(
    ("policy", "deletion", "update_replace"),
    [
        (cdk.RemovalPolicy.DESTROY, "Delete", "Delete"),
        (cdk.RemovalPolicy.RETAIN, "Retain", "Retain"),
    ],
)
def test_the_removal_policy_applies_to_the_created_group(
    policy: cdk.RemovalPolicy, deletion: str, update_replace: str
) -> None:
    stack = new_stack()
    builders.workflow(stack, model_registration=ModelRegistration(removal_policy=policy))
    _, group = only(Template.from_stack(stack).to_json(), "AWS::SageMaker::ModelPackageGroup")
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (deletion, update_replace)


def test_a_generated_name_fits_the_api_however_long_the_stack_and_path() -> None:
    """Trimmed in the middle to CreateModelPackageGroup's length (botocore's model), the hash of the
    whole stack name and path kept at its end: two long names that differ only in the middle differ."""
    app = cdk.App()
    names = []
    for middle in ("a", "b"):
        stack = cdk.Stack(app, f"Stack{middle}", stack_name="Churn-" + "x" * 50 + middle + "y" * 60)
        names.append(group_name_for(Construct(Construct(stack, "Models" * 10), "Tuning" * 10)))
    member = _model.input_shape("CreateModelPackageGroup").members["ModelPackageGroupName"]
    for name in names:
        assert len(name) <= member.metadata["max"], name
        assert re.fullmatch(member.metadata["pattern"], name) and name == name.lower()
    assert names[0] != names[1]


def test_the_execution_role_may_read_the_artifacts_it_serves(template: dict[str, Any]) -> None:
    """CreateModel needs s3:GetObject on the model data for the role it is given (SageMaker Developer
    Guide, "CreateModel API: Execution Role Permissions"); the artifacts are under the output path."""
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    reads = statement_with(statements, "s3:GetObject")
    assert "arn:aws:s3:::example-bucket/output/*" in reads["Resource"]
    assert "Condition" not in reads


def test_the_new_statements_pass_parliament(template: dict[str, Any]) -> None:
    statements = statements_of_role(template, role_assumed_by(template, "states.amazonaws.com"))
    document = {
        "Version": "2012-10-17",
        "Statement": [
            s
            for s in statements
            if s["Action"] in (["sagemaker:CreateModel", "sagemaker:DescribeModel"], "sagemaker:CreateModelPackage")
        ],
    }
    assert len(document["Statement"]) == 2
    assert [f"{f.issue}: {f.detail}" for f in analyze_policy_string(json.dumps(document)).findings] == []


# --- cfn-lint and cdk-nag ---


@pytest.mark.parametrize("stack", ["Registered", "RegisteredInVpc"])
def test_cfn_lint_finds_nothing(built: dict[str, Any], stack: str, tmp_path: Path) -> None:
    assert lint(built["templates"][stack], tmp_path / f"{stack}.template.json") == []


def _findings(built: dict[str, Any], kind: str) -> set[tuple[str, str, str]]:
    """``violations`` (unacknowledged) or ``suppressedViolations`` (acknowledged) on the two stacks."""
    unacknowledged = {
        f for stack in ("Registered/", "RegisteredInVpc/") for f in findings(built["report"], stack, acknowledged=False)
    }
    if kind == "violations":
        return unacknowledged
    every = {
        f for stack in ("Registered/", "RegisteredInVpc/") for f in findings(built["report"], stack, acknowledged=True)
    }
    return every - unacknowledged


def test_cdk_nag_finds_nothing_unacknowledged(built: dict[str, Any]) -> None:
    assert _findings(built, "violations") == set()


@pytest.mark.parametrize("pack", PACK_NAMES)
@pytest.mark.parametrize("stack", ["Registered", "RegisteredInVpc"])
def test_each_pack_ran_and_its_findings_are_acknowledged(built: dict[str, Any], pack: str, stack: str) -> None:
    assert built["control"][pack], f"{pack} flags the control stack"
    acknowledged = {rule for _, rule, path in _findings(built, "suppressedViolations") if path.startswith(f"{stack}/")}
    assert built["scopes"][(pack, stack)] <= acknowledged


def test_the_wildcards_of_registration_are_acknowledged_on_their_policy(built: dict[str, Any], group: str) -> None:
    suppressed = [
        v
        for p in built["report"]["pluginReports"]
        for v in p.get("suppressedViolations", [])
        if ":model/" in v["ruleName"] or ":model-package/" in v["ruleName"]
    ]
    found = {(c["constructPath"], v["ruleName"]) for v in suppressed for c in v["violatingConstructs"]}
    account = "arn:aws:sagemaker:us-east-1:123456789012"
    assert found == {
        (
            "Registered/Tuning/StateMachineRole/Policy/Resource",
            f"AwsSolutions-IAM5[Resource::{account}:model/tuning-*]",
        ),
        (
            "Registered/Tuning/StateMachineRole/Policy/Resource",
            f"AwsSolutions-IAM5[Resource::{account}:model-package/{group}/*]",
        ),
        (
            "RegisteredInVpc/Tuning/StateMachineRole/Policy/Resource",
            f"AwsSolutions-IAM5[Resource::{account}:model/churn-*]",
        ),
        (
            "RegisteredInVpc/Tuning/StateMachineRole/Policy/Resource",
            f"AwsSolutions-IAM5[Resource::{account}:model-package/Churn-Models/*]",
        ),
        (
            "RegisteredInVpc/Tuning/StateMachineRole/Policy/Resource",
            f"AwsSolutions-IAM5[Resource::{account}:model-package/churn-models/*]",
        ),
    }
    for violation in suppressed:
        assert violation["acknowledgedAt"] == violation["violatingConstructs"][0]["constructPath"]
        assert "Service Authorization Reference" in violation["reason"]


# --- without registration, nothing changes ---


def test_without_registration_the_workflow_is_unchanged(unregistered: dict[str, Any]) -> None:
    machine = definition(unregistered)["States"]
    assert "Create model" not in machine and "Register model" not in machine
    describe = machine["Describe best training job"]
    assert describe["End"] is True and "Assign" not in describe
    assert describe["ResultSelector"]["TrainingJob.$"] == "$"
    assert resources(unregistered, "AWS::SageMaker::ModelPackageGroup") == {}
    policies = resources(unregistered, "AWS::IAM::ManagedPolicy").values()
    assert "CreateModel" not in json.dumps([p["Properties"]["PolicyDocument"] for p in policies])
    retried = [rule["StringEquals"] for rule in machine["Retry"]["Choices"]]
    assert "Describe best training job" in retried
    assert not {"Create model", "Register model"} & set(retried)


# --- one test per rule ---


@pytest.fixture(scope="module")
def spare_stack() -> cdk.Stack:
    """One stack for the errors raised before the workflow creates anything (the registration's own values)."""
    return new_stack()


@pytest.mark.parametrize(
    ("registration", "message"),
    [
        ("tuning", r"^model_registration: must be a ModelRegistration, but got 'tuning'"),
        (
            ModelRegistration(supported_content_types="text/csv"),  # type: ignore[arg-type]
            r"^InferenceSpecification\.SupportedContentTypes: must be a list of strings, not one string",
        ),
        (
            ModelRegistration(supported_response_mime_types=["csv"]),
            r"^InferenceSpecification\.SupportedResponseMIMETypes\[0\]: must match",
        ),
        (
            ModelRegistration(inference_instance_types=["ml.m5.huge"]),
            r"^InferenceSpecification\.SupportedRealtimeInferenceInstanceTypes\[0\]: must be one of ml\.t2\.medium",
        ),
        (
            ModelRegistration(transform_instance_types=["m5.xlarge"]),
            r"^InferenceSpecification\.SupportedTransformInstanceTypes\[0\]: must be one of",
        ),
        (
            ModelRegistration(model_package_group_name="churn_models"),
            r"^ModelPackageGroupName: must match .*, but got 'churn_models'",
        ),
        (
            ModelRegistration(model_package_group_name="a" * 64),
            r"^ModelPackageGroupName: must match",
        ),
        (
            ModelRegistration(model_package_group_name=sfn.JsonPath.string_at("$.Group")),
            r"^ModelPackageGroupName: must be a string known at synth time \(it scopes IAM\)",
        ),
        (
            ModelRegistration(model_package_group_name="arn:aws:sagemaker:us-east-1:123456789012:model/churn"),
            r"^ModelPackageGroupName: must be a group name or ARN",
        ),
        (
            ModelRegistration(description="x" * 1025),
            r"^ModelPackageDescription: length must be between 0 and 1024 characters",
        ),
        (ModelRegistration(description=42), r"^ModelPackageDescription: must be a string, but got 42"),  # type: ignore[arg-type]
        (
            ModelRegistration(model_package_group_name="churn-models", removal_policy=cdk.RemovalPolicy.DESTROY),
            r"^removal_policy: applies to the group the workflow creates; a group named by "
            r"model_package_group_name is not the stack's to delete, but got <RemovalPolicy\.DESTROY",
        ),
        (
            ModelRegistration(removal_policy=cdk.RemovalPolicy.SNAPSHOT),
            r"^removal_policy: must be RemovalPolicy\.RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY \(CloudFormation "
            r"snapshots none of the keys, log groups, queues and model package groups the constructs create\), but got <RemovalPolicy\.SNAPSHOT",
        ),
        (
            ModelRegistration(removal_policy="destroy"),  # type: ignore[arg-type]
            r"^removal_policy: must be RemovalPolicy\.RETAIN, .*, but got 'destroy'",
        ),
    ],
)
def test_registration_values_are_checked_against_the_api_model(
    spare_stack: cdk.Stack, registration: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        builders.workflow(spare_stack, model_registration=registration)


def test_definitions_must_agree_on_the_network_the_model_takes(spare_stack: cdk.Stack) -> None:
    isolated = builders.definition(
        definition_name="isolated",
        enable_network_isolation=True,
        tuning_objective=sm.TuningObjective(metric_name="validation:auc", type=sm.ObjectiveType.MAXIMIZE),
        hyper_parameter_ranges=[sm.ContinuousParameterRange(name="eta", min_value=0.1, max_value=0.5)],
    )
    plain = dataclasses.replace(isolated, definition_name="plain", enable_network_isolation=False)
    with pytest.raises(
        ValidationError, match=r"^TrainingJobDefinitions: must agree on VpcConfig and EnableNetworkIsolation"
    ):
        builders.workflow(
            spare_stack,
            training_job_definition=None,
            training_job_definitions=[isolated, plain],
            model_registration=ModelRegistration(),
        )


def test_an_objective_metric_name_the_package_metadata_cannot_hold_is_refused() -> None:
    metric = "validation:auc (%)"
    definition = builders.definition(
        algorithm_specification=sm.AlgorithmSpecification(
            training_image=sm.TrainingImage.from_registry(builders.IMAGE),
            metric_definitions=[sm.MetricDefinition(name=metric, regex="auc=([0-9.]+)")],
        )
    )
    config = builders.config(objective=sm.TuningObjective(metric_name=metric, type=sm.ObjectiveType.MAXIMIZE))
    with pytest.raises(
        ValidationError,
        match=r"^HyperParameterTuningJobConfig\.HyperParameterTuningJobObjective\.MetricName: is recorded in the "
        r"model package's CustomerMetadataProperties, whose values must match",
    ):
        builders.workflow(
            new_stack(),
            hyper_parameter_tuning_job_config=config,
            training_job_definition=definition,
            model_registration=ModelRegistration(),
        )


def test_an_algorithm_resource_cannot_be_registered() -> None:
    """The model runs the best training job's image; a job of an algorithm resource has none."""
    request = {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}]},
        },
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {
                "AlgorithmName": "arn:aws:sagemaker:us-east-1:123456789012:algorithm/churn",
                "TrainingInputMode": "File",
            },
            "OutputDataConfig": {"S3OutputPath": "s3://example-bucket/output/"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }
    with pytest.raises(
        ValidationError,
        match=r"^TrainingJobDefinition\.AlgorithmSpecification\.TrainingImage: is required with model registration",
    ):
        sm.TuningWorkflow(new_stack(), "Tuning", request=request, model_registration=ModelRegistration())


# --- executions offline ---


@pytest.fixture
def aws(offline_aws: OfflineAws) -> OfflineAws:
    return offline_aws


def _deploy(aws: OfflineAws, template: dict[str, Any], group: str, **kwargs: Any) -> str:
    """Deploy ``template``; ``group`` exists afterwards (the deployment creates the template's group;
    a group the template only names is created here, as it existed before)."""
    deployment = aws.deploy(template, **kwargs)
    if group not in _groups(aws):
        aws.sagemaker.create_model_package_group(ModelPackageGroupName=group)
    return deployment.workflow().arn


def _groups(aws: OfflineAws) -> set[str]:
    summaries = aws.sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"]
    return {summary["ModelPackageGroupName"] for summary in summaries}


def test_a_successful_run_registers_the_best_training_job(
    aws: OfflineAws, template: dict[str, Any], group: str
) -> None:
    aws.jobs.set_best_training_job(
        training_job_name=BEST, final_metric_data_list=[{"MetricName": "validation:auc", "Value": 0.91}]
    )
    result = aws.run(_deploy(aws, template, group), {}, name="registered")
    assert result.status == "SUCCEEDED", result.cause
    assert result.state_transitions == SUCCESS_TRANSITIONS
    output = result.output
    tuning_job = output["HyperParameterTuningJobName"]
    assert set(output) == {
        "HyperParameterTuningJobName",
        "HyperParameterTuningJobArn",
        "TrainingJobStatusCounters",
        "BestTrainingJob",
        "S3ModelArtifacts",
        "TrainingJob",
        "ModelArn",
        "ModelPackageArn",
    }
    assert output["TrainingJob"]["TrainingJobName"] == output["BestTrainingJob"]["TrainingJobName"] == BEST
    assert output["ModelArn"] == f"arn:aws:sagemaker:us-east-1:123456789012:model/{BEST}"
    assert output["ModelPackageArn"] == f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{group}/1"

    model = aws.sagemaker.describe_model(ModelName=BEST)
    trained = aws.sagemaker.describe_training_job(TrainingJobName=BEST)
    assert model["PrimaryContainer"] == {
        "Image": builders.IMAGE,
        "ModelDataUrl": output["S3ModelArtifacts"],
    }
    assert output["S3ModelArtifacts"] == f"s3://example-bucket/output/{BEST}/output/model.tar.gz"
    assert model["ExecutionRoleArn"] == trained["RoleArn"]
    assert re.fullmatch(r"arn:aws:iam::123456789012:role/.*ExecutionRole.*", model["ExecutionRoleArn"])

    package = aws.sagemaker.describe_model_package(ModelPackageName=output["ModelPackageArn"])
    assert package["ModelPackageGroupName"] == group
    assert package["ModelPackageVersion"] == 1
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    assert package["ModelPackageDescription"] == f"Best training job {BEST} of hyperparameter tuning job {tuning_job}"
    assert package["InferenceSpecification"] == {
        "Containers": [{"Image": builders.IMAGE, "ModelDataUrl": output["S3ModelArtifacts"]}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
        "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large"],
        "SupportedTransformInstanceTypes": ["ml.m5.xlarge"],
    }
    assert package["CustomerMetadataProperties"] == {
        "HyperParameterTuningJobName": tuning_job,
        "TrainingJobName": BEST,
        "ObjectiveMetricName": "validation:auc",
        "ObjectiveMetricValue": "0.91",
    }
    assert package["MetadataProperties"] == {"GeneratedBy": result.execution_arn}


def test_a_run_in_the_vpc_gives_the_model_the_training_jobs_network(
    aws: OfflineAws, vpc_template: dict[str, Any]
) -> None:
    best = "churn-0a1b2c3d4e5f-001-12345678"
    aws.jobs.set_best_training_job(training_job_name=best)
    result = aws.run(_deploy(aws, vpc_template, GROUP), {}, name="in-vpc")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["ModelPackageArn"].endswith(":model-package/churn-models/1")
    trained = aws.sagemaker.describe_training_job(TrainingJobName=best)
    model = aws.sagemaker.describe_model(ModelName=best)
    assert model["VpcConfig"] == trained["VpcConfig"] and trained["VpcConfig"]["Subnets"]
    # moto's CreateModel drops EnableNetworkIsolation: what the state machine sent.
    (sent,) = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in result.events
        if e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resource"] == "createModel"
    ]
    assert sent["EnableNetworkIsolation"] is True and sent["VpcConfig"] == trained["VpcConfig"]
    package = aws.sagemaker.describe_model_package(ModelPackageName=result.output["ModelPackageArn"])
    assert package["ModelPackageDescription"] == "XGBoost churn model"


# SageMaker's model has no ThrottlingException shape: moto warns when it writes one (expected).
@pytest.mark.filterwarnings("ignore:Exception\\(_ApiError\\) with code ThrottlingException")
def test_a_throttled_registration_is_retried_and_registers_once(
    aws: OfflineAws, template: dict[str, Any], group: str
) -> None:
    aws.jobs.fail_next("CreateModelPackage", error="ThrottlingException")
    aws.jobs.set_best_training_job(training_job_name=BEST)
    result = aws.run(_deploy(aws, template, group), {}, name="throttled")
    assert result.status == "SUCCEEDED", result.cause
    assert result.entered_states.count("Register model") == 2
    assert result.entered_states.count("Wait to retry") == 1
    assert result.state_transitions == SUCCESS_TRANSITIONS + 4
    assert aws.jobs.calls == [
        ("CreateHyperParameterTuningJob", "created"),
        ("CreateModelPackage", "ThrottlingException"),
        ("CreateModelPackage", "called"),
    ]
    tokens = [call.parameters["ClientToken"] for call in result.api_calls if call.action == "CreateModelPackage"]
    assert tokens == [result.output["HyperParameterTuningJobName"]] * 2, "the same ClientToken each time"
    packages = aws.sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    assert len(packages) == 1


def test_without_registration_a_run_creates_no_model(aws: OfflineAws, unregistered: dict[str, Any]) -> None:
    aws.jobs.set_best_training_job(training_job_name=BEST)
    result = aws.run(aws.deploy(unregistered).workflow().arn, {}, name="unregistered")
    assert result.status == "SUCCEEDED", result.cause
    assert result.state_transitions == SUCCESS_TRANSITIONS - 2
    assert "ModelArn" not in result.output and "ModelPackageArn" not in result.output
    assert aws.sagemaker.list_models()["Models"] == []


def test_a_missing_group_fails_the_run_at_once_with_sagemakers_cause(
    aws: OfflineAws, vpc_template: dict[str, Any]
) -> None:
    """A group named by model_package_group_name that does not exist (a typo, or deleted)."""
    aws.jobs.set_best_training_job(training_job_name="churn-0a1b2c3d4e5f-001-12345678")
    arn = aws.deploy(vpc_template).workflow().arn
    assert GROUP not in _groups(aws)
    result = aws.run(arn, {}, name="no-group")
    assert result.status == "FAILED"
    assert result.error == "JobFailed"
    assert re.match(r"Model Package Group (Churn-Models )?does not exist", result.cause), result.cause
    assert result.entered_states[-4:] == ["Create model", "Register model", "Transient error", "Job failed"]


def test_after_destroy_the_kept_group_is_named_again_and_gets_the_next_version(
    aws: OfflineAws, template: dict[str, Any], built: dict[str, Any], group: str
) -> None:
    """``cdk destroy`` keeps the group (DeletionPolicy RetainExceptOnCreate) with its versions, so
    deploying the same app again would create a group of the same name, which SageMaker refuses
    (the deployment fails, AlreadyExists). The README's way: name the kept group
    (``model_package_group_name``); the stack creates none, and the workflow registers the next
    version in it."""
    aws.jobs.set_best_training_job(training_job_name=BEST)
    deployment = aws.deploy(template)
    before = aws.run(deployment.workflow().arn, {}, name="before-destroy")
    assert before.status == "SUCCEEDED", before.cause
    # cdk destroy: the state machines go; the group stays, as its policy says.
    group_id = built["logical_ids"]["group"]
    assert template["Resources"][group_id]["DeletionPolicy"] == "RetainExceptOnCreate"
    destroyed = deployment.destroy()
    assert group_id in destroyed.retained and set(deployment.state_machine_arns) <= set(destroyed.deleted)
    assert aws.sfn.list_state_machines()["stateMachines"] == []
    with pytest.raises(DeploymentFailedError, match=f"identifier '{group}' already exists"):
        aws.deploy(template)

    stack = cdk.Stack(cdk.App(context=_cdk_json_context()), "Registered", env=ENV)
    builders.workflow(stack, model_registration=dataclasses.replace(REGISTRATION, model_package_group_name=group))
    again = Template.from_stack(stack).to_json()
    assert resources(again, "AWS::SageMaker::ModelPackageGroup") == {}
    assert _group_parameter(again) == group
    states_role = role_assumed_by(again, "states.amazonaws.com")
    assert statement_with(statements_of_role(again, states_role), "sagemaker:CreateModelPackage")["Resource"] == [
        f"arn:aws:sagemaker:us-east-1:123456789012:model-package-group/{group}",
        f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{group}/*",
    ]

    aws.jobs.set_best_training_job(training_job_name="tuning-5f4e3d2c1b0a-002-0a1b2c3d")
    after = aws.run(_deploy(aws, again, group), {}, name="after-destroy")
    assert after.status == "SUCCEEDED", after.cause
    assert before.output["ModelPackageArn"].endswith(f":model-package/{group}/1")
    assert after.output["ModelPackageArn"].endswith(f":model-package/{group}/2")
    assert _groups(aws) == {group}


def test_a_model_sagemaker_created_although_the_call_failed_is_not_created_again(
    aws: OfflineAws, template: dict[str, Any], group: str
) -> None:
    """CreateModel succeeds at SageMaker and the caller gets a 500: the retry finds the model
    (DescribeModel) instead of meeting 'Cannot create already existing model' (issue "Runs on AWS as
    documented", item 3)."""
    aws.jobs.set_best_training_job(training_job_name=BEST)
    aws.jobs.accept_then_fail("CreateModel", error="InternalFailure")
    result = aws.run(_deploy(aws, template, group), {}, name="model-accepted")
    assert result.status == "SUCCEEDED", result.cause
    assert "Find model" in result.entered_states
    assert result.output["ModelArn"].endswith(f":model/{BEST}")
