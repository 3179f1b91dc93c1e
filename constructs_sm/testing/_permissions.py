"""Permissions executed, not listed: the calls an execution made, and the calls the AWS documentation
says its jobs and models make, checked against the deployed IAM policies.

The calls come from the execution's history (each Task's resource and resolved parameters) and the
tables below, which follow the AWS pages cited, not from the library's policy code:

* the state machine's role (Step Functions developer guide, "Create and manage Amazon SageMaker AI
  jobs" and "IAM policies for Amazon SageMaker AI"): the optimized ``.sync`` pattern creates the
  job, tags it and lists its tags, describes and may stop it, and manages its EventBridge rule; a
  request-response or ``aws-sdk`` task makes exactly the named call; every role ARN in the
  parameters is passed (``iam:PassRole``);
* the SageMaker execution role of each training or tuning job created ("CreateTrainingJob API:
  Execution Role Permissions"): read its input channels, write its output (and use its KMS key),
  pull its image, create its network interfaces in its VPC, write its logs and metrics;
* the execution role of each model created ("CreateModel API: Execution Role Permissions"): read
  its artifacts (decrypting them with the job's output key) and pull its image.

Each call is evaluated with moto's IAM policy evaluation (``moto.iam.access_control.IAMPolicy``)
against the role's policies in the template (inline, attached managed policies, and managed
policies naming the role). It matches actions and resource wildcards; it does not evaluate
conditions (``iam:PassedToService``, ``s3:prefix``...): those are for template assertions. A role
or a policy the template does not hold, or a Task integration not in the tables, raises
``NotModelledError``: the check refuses to guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ._execution import ApiCall, ExecutionResult, UnpermittedCall
from ._map import map_run_calls
from ._moto import IAMPolicy, PermissionResult


class DeployedStack(Protocol):
    """What the check reads of a deployment (``_deployment.Deployment``)."""

    @property
    def template(self) -> dict[str, Any]: ...
    @property
    def resolver(self) -> Any: ...
    @property
    def region(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def aws(self) -> Any: ...
    @property
    def state_machine_arns(self) -> dict[str, str]: ...
    @property
    def role_arns(self) -> dict[str, str]: ...
    @property
    def stack_name(self) -> str: ...


__all__ = ["NotModelledError", "UnpermittedCall", "unpermitted_calls"]

Call = tuple[str, str]


class NotModelledError(NotImplementedError):
    """The emulator cannot tell or do it: an integration, a role or a policy the permission check does
    not model; a deletion ``Deployment.destroy()`` does not model."""


# .sync: Step Functions' own calls for a SageMaker job (developer guide, "IAM policies for Amazon
# SageMaker AI"): the job's noun, its ARN type, and the name of the EventBridge rule it manages.
_SYNC = {
    "CreateHyperParameterTuningJob": ("HyperParameterTuningJob", "hyper-parameter-tuning-job", "Tuning"),
    "CreateTrainingJob": ("TrainingJob", "training-job", "Training"),
}
# The resources of SageMaker calls that are not a job's, from their parameters (Service Authorization
# Reference, Amazon SageMaker AI); SageMaker writes names in ARNs in lowercase.
_RESOURCES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "CreateModel": lambda p: [f"model/{p['ModelName'].lower()}"],
    "DescribeModel": lambda p: [f"model/{p['ModelName'].lower()}"],
    "CreateModelPackage": lambda p: [
        f"model-package-group/{p['ModelPackageGroupName']}",
        f"model-package/{p['ModelPackageGroupName'].lower()}/1",
    ],
}
_JOB_ARN_TYPES = {"HyperParameterTuningJob": "hyper-parameter-tuning-job", "TrainingJob": "training-job"}


def _state_machine_calls(call: ApiCall, region: str, account: str) -> list[Call]:
    if (call.service, call.integration, call.action) == ("sfn", "aws-sdk", "DescribeMapRun"):
        # Service Authorization Reference, Step Functions: DescribeMapRun on the mapRun resource.
        return [("states:DescribeMapRun", str(call.parameters.get("MapRunArn")))]
    if call.service != "sagemaker" or call.integration == "callback":
        raise NotModelledError(f"the permission check does not model {call.integration} calls of {call.service}")
    parameters, action = call.parameters, call.action
    sagemaker = f"arn:aws:sagemaker:{region}:{account}"
    calls: list[Call] = []
    if call.integration == "sync":
        if action not in _SYNC:
            raise NotModelledError(f"the permission check does not model .sync for {action}")
        noun, arn_type, rule = _SYNC[action]
        job = f"{sagemaker}:{arn_type}/{parameters[noun + 'Name'].lower()}"
        calls += [(f"sagemaker:{verb}{noun}", job) for verb in ("Create", "Describe", "Stop")]
        calls += [("sagemaker:AddTags", job), ("sagemaker:ListTags", job)]
        events = f"arn:aws:events:{region}:{account}:rule/StepFunctionsGetEventsForSageMaker{rule}JobsRule"
        calls += [(f"events:{verb}", events) for verb in ("PutTargets", "PutRule", "DescribeRule")]
    else:
        if action in _RESOURCES:
            arns = [f"{sagemaker}:{path}" for path in _RESOURCES[action](parameters)]
        else:
            job_noun = next((n for n in _JOB_ARN_TYPES if action.endswith(n)), None)
            name = next((v for k, v in parameters.items() if k.endswith("JobName")), None)
            if job_noun is None or not isinstance(name, str):
                raise NotModelledError(f"the permission check does not model the resource of sagemaker:{action}")
            arns = [f"{sagemaker}:{_JOB_ARN_TYPES[job_noun]}/{name.lower()}"]
        calls += [(f"sagemaker:{action}", arn) for arn in arns]
        if "Tags" in parameters:
            calls.append(("sagemaker:AddTags", arns[0]))
    # RoleArn of a job, ExecutionRoleArn of a model: the role SageMaker receives.
    calls += [("iam:PassRole", role) for role in _find(parameters, "RoleArn")]
    return calls


def _definitions(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        parameters,
        *parameters.get("TrainingJobDefinitions", []),
        parameters.get("TrainingJobDefinition") or {},
    ]


def _training_job_calls(definition: dict[str, Any], region: str, account: str) -> list[Call]:
    """What a training job of this definition does with its execution role (SageMaker Developer
    Guide, "CreateTrainingJob API: Execution Role Permissions")."""
    calls: list[Call] = []
    for channel in definition.get("InputDataConfig", []):
        uri = ((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
        if isinstance(uri, str) and uri.startswith("s3://"):
            bucket, _, prefix = uri[5:].partition("/")
            calls += [
                ("s3:GetObject", f"arn:aws:s3:::{bucket}/{prefix}part-0000.csv"),
                ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
            ]
    output = definition.get("OutputDataConfig") or {}
    if str(output.get("S3OutputPath", "")).startswith("s3://"):
        bucket, _, prefix = output["S3OutputPath"][5:].partition("/")
        calls.append(("s3:PutObject", f"arn:aws:s3:::{bucket}/{prefix}job/output/model.tar.gz"))
        if output.get("KmsKeyId"):
            key = output["KmsKeyId"]
            calls += [(f"kms:{verb}", key) for verb in ("Encrypt", "Decrypt", "GenerateDataKey", "CreateGrant")]
    calls += _image_calls((definition.get("AlgorithmSpecification") or {}).get("TrainingImage", ""))
    vpc = definition.get("VpcConfig")
    if vpc:  # "Give SageMaker Training Jobs Access to Resources in Your Amazon VPC"
        ec2 = f"arn:aws:ec2:{region}:{account}"
        interface = f"{ec2}:network-interface/eni-0123456789abcdef0"
        calls += [("ec2:CreateNetworkInterface", interface), ("ec2:DeleteNetworkInterface", interface)]
        calls += [("ec2:CreateNetworkInterface", f"{ec2}:subnet/{subnet}") for subnet in vpc["Subnets"]]
        calls += [("ec2:CreateNetworkInterface", f"{ec2}:security-group/{g}") for g in vpc["SecurityGroupIds"]]
        calls += [
            (f"ec2:Describe{n}", "*") for n in ("Vpcs", "Subnets", "SecurityGroups", "NetworkInterfaces", "DhcpOptions")
        ]
    group = f"arn:aws:logs:{region}:{account}:log-group:/aws/sagemaker/TrainingJobs"
    calls += [
        ("logs:CreateLogStream", f"{group}:log-stream:job/algo-1"),
        ("logs:PutLogEvents", f"{group}:log-stream:job/algo-1"),
    ]
    calls.append(("cloudwatch:PutMetricData", "*"))
    return calls


def _model_calls(parameters: dict[str, Any], key_arn: str | None) -> list[Call]:
    """What a model of these CreateModel parameters does with its execution role (SageMaker
    Developer Guide, "CreateModel API: Execution Role Permissions"): read its artifacts, encrypted
    with the job's output key, and pull its image."""
    calls: list[Call] = []
    for container in [parameters.get("PrimaryContainer") or {}, *(parameters.get("Containers") or [])]:
        url = container.get("ModelDataUrl")
        if isinstance(url, str) and url.startswith("s3://"):
            bucket, _, key = url[len("s3://") :].partition("/")
            calls.append(("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"))
            if key_arn:
                calls.append(("kms:Decrypt", key_arn))
        calls += _image_calls(container.get("Image", ""))
    return calls


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


class _Policies:
    """The template's roles and the policy documents that apply to each, resolved as deployed."""

    def __init__(self, deployment: DeployedStack) -> None:
        self._deployment = deployment
        resources = deployment.template.get("Resources") or {}
        self._resources = resources
        resolver = deployment.resolver
        self._role_by_arn: dict[str, str] = {
            str(resolver.get_att(logical_id, "Arn")): logical_id
            for logical_id, resource in resources.items()
            if resource.get("Type") == "AWS::IAM::Role"
        }
        self._managed: dict[str, str] = {
            str(resolver.ref(logical_id)): logical_id
            for logical_id, resource in resources.items()
            if resource.get("Type") == "AWS::IAM::ManagedPolicy"
        }
        self._cache: dict[str, list[str]] = {}

    def role(self, arn: str) -> str:
        if arn not in self._role_by_arn:
            raise NotModelledError(f"the role {arn} is not in the template: its policies are unknown")
        return self._role_by_arn[arn]

    def documents(self, role: str) -> list[str]:
        if role not in self._cache:
            self._cache[role] = self._documents(role)
        return self._cache[role]

    def _documents(self, role: str) -> list[str]:
        resolve = self._deployment.resolver.resolve
        documents = []
        role_properties = self._resources[role].get("Properties") or {}
        for policy in role_properties.get("Policies") or []:
            documents.append(json.dumps(resolve(policy["PolicyDocument"])))
        attached = set()
        for arn in resolve(role_properties.get("ManagedPolicyArns") or []):
            if arn not in self._managed:
                raise NotModelledError(f"role {role} has the managed policy {arn}, which is not in the template")
            attached.add(self._managed[arn])
        for logical_id, resource in self._resources.items():
            properties = resource.get("Properties") or {}
            if resource.get("Type") not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
                continue
            if logical_id in attached or {"Ref": role} in (properties.get("Roles") or []):
                documents.append(json.dumps(resolve(properties["PolicyDocument"])))
        return documents


def _denied(documents: list[str], calls: list[Call]) -> list[Call]:
    """The calls no document permits (or one denies), in order, each once."""
    missing: list[Call] = []
    for action, resource in calls:
        results = [IAMPolicy(document).is_action_permitted(action, resource) for document in documents]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            missing.append((action, resource))
    return missing


def unpermitted_calls(deployment: DeployedStack, result: ExecutionResult) -> list[UnpermittedCall]:
    """See ``Deployment.unpermitted_calls``."""
    region, account = deployment.region, deployment.account_id
    policies = _Policies(deployment)
    machine_arn = deployment.aws.sfn.describe_execution(executionArn=result.execution_arn)["stateMachineArn"]
    machine = next((k for k, v in deployment.state_machine_arns.items() if v == machine_arn), None)
    if machine is None:
        raise ValueError(f"{result.execution_arn} is not an execution of a state machine of {deployment.stack_name}")
    found: list[UnpermittedCall] = []

    def check(caller: str, role_arn: str, calls: list[Call]) -> None:
        role = policies.role(role_arn)
        for action, resource in _denied(policies.documents(role), calls):
            denied = UnpermittedCall(caller, role, action, resource)
            if denied not in found:  # a retried call is checked once
                found.append(denied)

    # Distributed Map child executions run with the parent's role: their calls are checked as its own
    # (the map run's own calls: _map.map_run_calls).
    executions = [result]
    for execution in executions:
        executions.extend(execution.children)
    api_calls = [call for execution in executions for call in execution.api_calls]
    machine_calls = [c for call in api_calls for c in _state_machine_calls(call, region, account)]
    machine_calls += [c for execution in executions for c in map_run_calls(execution.execution_arn)]
    check("state machine", deployment.role_arns[machine], machine_calls)
    key_arn = None
    for call in api_calls:
        if call.action in _SYNC:
            for definition in _definitions(call.parameters):
                if definition.get("RoleArn"):
                    check("training job", definition["RoleArn"], _training_job_calls(definition, region, account))
                    key_arn = key_arn or (definition.get("OutputDataConfig") or {}).get("KmsKeyId")
    for call in api_calls:
        if call.action == "CreateModel" and call.parameters.get("ExecutionRoleArn"):
            check("model", call.parameters["ExecutionRoleArn"], _model_calls(call.parameters, key_arn))
    return found
