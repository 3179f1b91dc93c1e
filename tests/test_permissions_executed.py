"""Permissions executed, not listed: every AWS call an execution makes, and every call the AWS
documentation says its training jobs make, checked against the deployed policies with moto's own
IAM policy evaluation (``moto.iam.access_control.IAMPolicy``).

The calls come from this table and the execution's history (each Task's resource and resolved
parameters), not from the library's policy code. moto's evaluator matches actions and resource
wildcards; it does not evaluate conditions (``iam:PassedToService``, ``s3:prefix``, ...), which the
template assertions in test_tuning_workflow.py / test_hardening.py check instead.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_cdk.assertions import Template
from moto.iam.access_control import IAMPolicy, PermissionResult

from tests.harness import offline_aws
from tests.template_helpers import generated_name, resources, workflow_arn

Call = tuple[str, str]

# What each integration calls, from the Step Functions developer guide ("Create and manage Amazon
# SageMaker AI jobs", "IAM policies for Amazon SageMaker AI"): the optimized .sync pattern creates
# the job, tags it (MANAGED_BY_AWS=STARTED_BY_STEP_FUNCTIONS) and lists its tags, describes and may
# stop it, and manages its EventBridge rule; the aws-sdk integration makes exactly the named call.
_SYNC = {
    "createHyperParameterTuningJob.sync": ("HyperParameterTuningJob", "hyper-parameter-tuning-job", "Tuning"),
    "createTrainingJob.sync": ("TrainingJob", "training-job", "Training"),
}
# The aws-sdk calls on other resources than a job, from their parameters (Service Authorization
# Reference, Amazon SageMaker AI): CreateModel on the model; CreateModelPackage on the group and on
# the version it creates (SageMaker writes names in ARNs in lowercase).
_SDK_RESOURCES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "createModel": lambda p: [f"model/{p['ModelName'].lower()}"],
    "createModelPackage": lambda p: [
        f"model-package-group/{p['ModelPackageGroupName']}",
        f"model-package/{p['ModelPackageGroupName'].lower()}/1",
    ],
}


def state_machine_calls(event: dict[str, Any], region: str, account: str) -> list[Call]:
    details = event["taskScheduledEventDetails"]
    parameters = json.loads(details["parameters"])
    resource, kind = details["resource"], details["resourceType"]
    sagemaker = f"arn:aws:sagemaker:{region}:{account}"
    calls: list[Call] = []
    if kind == "sagemaker" and resource in _SYNC:
        noun, arn_type, rule = _SYNC[resource]
        job = f"{sagemaker}:{arn_type}/{parameters[noun + 'Name'].lower()}"
        calls += [(f"sagemaker:{verb}{noun}", job) for verb in ("Create", "Describe", "Stop")]
        calls += [("sagemaker:AddTags", job), ("sagemaker:ListTags", job)]
        events = f"arn:aws:events:{region}:{account}:rule/StepFunctionsGetEventsForSageMaker{rule}JobsRule"
        calls += [(f"events:{verb}", events) for verb in ("PutTargets", "PutRule", "DescribeRule")]
    elif kind == "aws-sdk:sagemaker":
        action = resource[0].upper() + resource[1:]
        if resource in _SDK_RESOURCES:
            arns = [f"{sagemaker}:{path}" for path in _SDK_RESOURCES[resource](parameters)]
        else:
            name = next(v for k, v in parameters.items() if k.endswith("JobName"))
            arn_type = "hyper-parameter-tuning-job" if "HyperParameterTuning" in action else "training-job"
            arns = [f"{sagemaker}:{arn_type}/{name.lower()}"]
        calls += [(f"sagemaker:{action}", arn) for arn in arns]
        if "Tags" in parameters:
            calls.append(("sagemaker:AddTags", arns[0]))
    else:
        raise AssertionError(f"no documented calls for {kind}:{resource}")
    # RoleArn of a job, ExecutionRoleArn of a model: the role SageMaker receives.
    calls += [("iam:PassRole", role) for role in _find(parameters, "RoleArn")]
    return calls


def training_job_calls(parameters: dict[str, Any], region: str, account: str) -> list[Call]:
    """What a training job of these parameters does with its execution role (SageMaker Developer
    Guide, "CreateTrainingJob API: Execution Role Permissions")."""
    calls: list[Call] = []
    for definition in [
        parameters,
        *parameters.get("TrainingJobDefinitions", []),
        parameters.get("TrainingJobDefinition") or {},
    ]:
        for channel in definition.get("InputDataConfig", []):
            bucket, _, prefix = channel["DataSource"]["S3DataSource"]["S3Uri"][5:].partition("/")
            calls += [
                ("s3:GetObject", f"arn:aws:s3:::{bucket}/{prefix}part-0000.csv"),
                ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
            ]
        if "OutputDataConfig" in definition:
            bucket, _, prefix = definition["OutputDataConfig"]["S3OutputPath"][5:].partition("/")
            calls.append(("s3:PutObject", f"arn:aws:s3:::{bucket}/{prefix}job/output/model.tar.gz"))
            key = definition["OutputDataConfig"]["KmsKeyId"]
            calls += [(f"kms:{verb}", key) for verb in ("Encrypt", "Decrypt", "GenerateDataKey", "CreateGrant")]
        calls += _image_calls(definition.get("AlgorithmSpecification", {}).get("TrainingImage", ""))
        vpc = definition.get("VpcConfig")
        if vpc:  # "Give SageMaker Training Jobs Access to Resources in Your Amazon VPC"
            ec2 = f"arn:aws:ec2:{region}:{account}"
            interface = f"{ec2}:network-interface/eni-0123456789abcdef0"
            calls += [("ec2:CreateNetworkInterface", interface), ("ec2:DeleteNetworkInterface", interface)]
            calls += [("ec2:CreateNetworkInterface", f"{ec2}:subnet/{subnet}") for subnet in vpc["Subnets"]]
            calls += [("ec2:CreateNetworkInterface", f"{ec2}:security-group/{g}") for g in vpc["SecurityGroupIds"]]
            calls += [
                (f"ec2:Describe{n}", "*")
                for n in ("Vpcs", "Subnets", "SecurityGroups", "NetworkInterfaces", "DhcpOptions")
            ]
    group = f"arn:aws:logs:{region}:{account}:log-group:/aws/sagemaker/TrainingJobs"
    calls += [
        ("logs:CreateLogStream", f"{group}:log-stream:job/algo-1"),
        ("logs:PutLogEvents", f"{group}:log-stream:job/algo-1"),
    ]
    calls.append(("cloudwatch:PutMetricData", "*"))
    return calls


def model_calls(parameters: dict[str, Any], key_arn: str) -> list[Call]:
    """What a model of these CreateModel parameters does with its execution role (SageMaker
    Developer Guide, "CreateModel API: Execution Role Permissions"): read its artifacts, encrypted
    with the workflow's key, and pull its image."""
    container = parameters["PrimaryContainer"]
    bucket, _, key = container["ModelDataUrl"][len("s3://") :].partition("/")
    return [
        ("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"),
        ("kms:Decrypt", key_arn),
        *_image_calls(container["Image"]),
    ]


def _image_calls(image: str) -> list[Call]:
    match = re.fullmatch(r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+).*", image)
    if not match:
        return []
    repository = f"arn:aws:ecr:{match[2]}:{match[1]}:repository/{match[3]}"
    calls = [
        (f"ecr:{verb}", repository)
        for verb in ("BatchCheckLayerAvailability", "GetDownloadUrlForLayer", "BatchGetImage")
    ]
    return [*calls, ("ecr:GetAuthorizationToken", "*")]


def _find(value: Any, suffix: str) -> Iterator[Any]:
    """Every value whose key ends with ``suffix``."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k.endswith(suffix):
                yield v
            yield from _find(v, suffix)
    elif isinstance(value, list):
        for item in value:
            yield from _find(item, suffix)


def policies_of(template: dict[str, Any], role: str, resolve: Callable[[Any], Any]) -> list[str]:
    """The resolved policy documents attached to the role with logical id ``role``."""
    documents = []
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy") and {"Ref": role} in properties.get(
            "Roles", []
        ):
            documents.append(json.dumps(resolve(properties["PolicyDocument"])))
    return documents


def denied(documents: list[str], calls: list[Call]) -> list[Call]:
    """The calls no document permits (or one denies)."""
    missing = []
    for action, resource in calls:
        results = [IAMPolicy(document).is_action_permitted(action, resource) for document in documents]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            missing.append((action, resource))
    return missing


def _role_assumed_by(template: dict[str, Any], service: str) -> str:
    (logical_id,) = [
        k
        for k, r in resources(template, "AWS::IAM::Role").items()
        if service in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    return logical_id


def missing_permissions(
    template: dict[str, Any], execution_input: dict[str, Any] | None = None
) -> dict[str, list[Call]]:
    """Run one successful execution of the template's state machine and check every call."""
    # SageMaker names a tuning job's training jobs after it: <tuning job>-<3 digits>-<8 hex>.
    field, prefix = re.search(  # the input's name, or '<prefix>-' and a hash (Check input's Assign)
        r"\$exists\(\$states\.input\.(\w+)\) \? .* : '([a-z0-9-]+)-' &", generated_name(template)
    ).groups()
    with offline_aws() as aws:
        aws.jobs.set_best_training_job(training_job_name=f"{prefix}-checked-003-9f8e7d6c")
        for group in resources(template, "AWS::SageMaker::ModelPackageGroup").values():  # as CloudFormation would
            aws.sagemaker.create_model_package_group(ModelPackageGroupName=group["Properties"]["ModelPackageGroupName"])
        deployment = aws.deploy(template, zero_waits=True)
        result = aws.run(workflow_arn(deployment), {field: f"{prefix}-checked"}, name="permissions")
        assert result.status == "SUCCEEDED", result.cause
        resolve = deployment.resolver.resolve
        region, account = deployment.region, deployment.account_id
        scheduled = [e for e in result.events if e["type"] == "TaskScheduled"]
        machine_calls = [c for e in scheduled for c in state_machine_calls(e, region, account)]
        created = json.loads(scheduled[0]["taskScheduledEventDetails"]["parameters"])
        key_arn = next(_find(created, "KmsKeyId"))
        models = [
            c
            for e in scheduled
            if e["taskScheduledEventDetails"]["resource"] == "createModel"
            for c in model_calls(json.loads(e["taskScheduledEventDetails"]["parameters"]), key_arn)
        ]
        return {
            "state machine role": denied(
                policies_of(template, _role_assumed_by(template, "states."), resolve), machine_calls
            ),
            "execution role": denied(
                policies_of(template, _role_assumed_by(template, "sagemaker."), resolve),
                training_job_calls(created, region, account) + models,
            ),
        }


@pytest.mark.parametrize("stack", ["MinimalTuning", "HardenedTuning", "SpotTraining", "MultiAlgorithmTuning"])
def test_every_call_of_an_execution_is_permitted(example_templates: dict[str, Any], stack: str) -> None:
    assert missing_permissions(example_templates[stack]) == {"state machine role": [], "execution role": []}


@pytest.fixture(scope="module")
def registering() -> dict[str, Any]:
    """A tuning workflow that registers its best training job (ModelRegistration, a group created)."""
    from constructs_sm.model_registration import ModelRegistration
    from tests.builders import workflow
    from tests.conftest import new_stack

    stack = new_stack()
    workflow(stack, model_registration=ModelRegistration())
    return Template.from_stack(stack).to_json()


def test_every_call_of_a_registering_execution_is_permitted(registering: dict[str, Any]) -> None:
    assert missing_permissions(registering) == {"state machine role": [], "execution role": []}


def test_a_registration_permission_removed_on_purpose_is_caught(registering: dict[str, Any]) -> None:
    """Without CreateModelPackage, and without the execution role's read of the output path
    (where the model's artifacts are), both are missed: the model's calls are checked too."""
    broken = copy.deepcopy(registering)
    for resource in broken["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            document = resource["Properties"]["PolicyDocument"]
            document["Statement"] = [s for s in document["Statement"] if s["Action"] != "sagemaker:CreateModelPackage"]
            for statement in document["Statement"]:
                if statement["Action"] == "s3:GetObject":
                    statement["Resource"] = [r for r in statement["Resource"] if not r.endswith("/output/*")]
    missing = missing_permissions(broken)
    assert [action for action, _ in missing["state machine role"]] == ["sagemaker:CreateModelPackage"] * 2
    ((action, resource),) = missing["execution role"]
    assert action == "s3:GetObject" and resource.endswith("/output/model.tar.gz")


def test_a_permission_removed_on_purpose_is_caught(minimal: dict[str, Any]) -> None:
    broken = copy.deepcopy(minimal)
    for resource in broken["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                statement["Action"] = [a for a in actions if a not in ("sagemaker:AddTags", "s3:PutObject")] or [
                    "none:None"
                ]
    missing = missing_permissions(broken)
    assert [action for action, _ in missing["state machine role"]] == ["sagemaker:AddTags"]
    assert [action for action, _ in missing["execution role"]] == ["s3:PutObject"]
