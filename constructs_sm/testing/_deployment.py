"""Deploy a stack into the emulated account, and find its workflows.

``deploy`` takes a synthesized ``aws_cdk.Stack``, a cloud assembly directory, a template file or a
template, resolves its intrinsics (``TemplateResolver``), refuses what IAM refuses in a policy
document, creates every resource (``_resources``), then each ``AWS::StepFunctions::StateMachine``
through the Step Functions client, from its ``DefinitionString`` (plain or ``Fn::Join``) with
``DefinitionSubstitutions`` applied: the executing interpreter runs what it was given.

The account keeps a record of each deployed stack (``_stack.Stacks``): a second deployment of a
stack updates the resources it holds; a resource it does not hold yet is created, and fails as
CloudFormation's handler fails it when its name is taken (a model package group that a deleted
stack retained: ``DeploymentFailedError``, ``AlreadyExists``). A deployment that fails is rolled
back: what it created is deleted, but for ``Retain`` resources (``_destroy.roll_back``); a stack that
failed to be created is gone, as CDK deletes a ``ROLLBACK_COMPLETE`` stack before deploying it again.
``Deployment.destroy()`` deletes the stack (``cdk destroy``), honouring each resource's
``DeletionPolicy`` (``_destroy``). A stack created again after that is a new stack: generated
physical names get a new suffix, as CloudFormation's do (``TemplateResolver``'s ``generation``).

Alternative (``via_cloudformation=True``): the whole template goes through moto's CloudFormation
(after setting the SSM parameter ``/cdk-bootstrap/hnb659fds/version``). moto 5.2 then creates the
state machines in its plain Step Functions backend, which the executing interpreter does not read,
and ignores ``DefinitionSubstitutions``; so the machines are created again, under the same names,
from definitions resolved against the stack's physical ids. Slower (0.7 to 1.1 s for a small
stack), and it fails on stacks pinned to an account/region that own subnets (CDK writes dummy
availability zones such as ``dummy1a``, which moto's CloudFormation rejects).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError

from ._asl import zero_waits as _zero_waits
from ._execution import DEFAULT_TIMEOUT, Execution, ExecutionResult, UnpermittedCall
from ._resources import CREATED, STATE_MACHINE, create_resources
from ._stack import DeploymentFailedError, Destroyed, StackRecord, Stacks, stack_resources
from ._template import PolicyCharacterError, TemplateResolver, load_template, policy_character_errors


class OfflineAws(Protocol):
    """What a deployment uses of the emulator that made it (``_env.OfflineAws``)."""

    @property
    def region(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def chosen_ids(self) -> dict[tuple[str, str], str]: ...
    @property
    def stacks(self) -> Stacks: ...
    @property
    def sfn(self) -> Any: ...
    def client(self, service: str) -> Any: ...
    def start(self, arn: str, input: Any = None, name: str | None = None, *, deployment: Any = None) -> Execution: ...


__all__ = ["Deployment", "Workflow", "deploy"]

_BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"


def _reaper_id() -> str:
    from constructs_sm.workflows._reaper import REAPER_ID  # the library's name for the stack's job reaper

    return REAPER_ID


@dataclass(frozen=True)
class Workflow:
    """One deployed state machine: run it, or read what it was created with.

    Attributes
    ----------
    logical_id:
        Its logical id in the template.
    arn:
        Its ARN in the emulated account.
    definition:
        The definition it was created with (substitutions applied, Wait states shortened with
        ``zero_waits``).
    role_arn:
        Its execution role's ARN.
    construct_path:
        The path of its construct (``"Stack/Tuning/StateMachine"``), when the source tells it.
    """

    logical_id: str
    arn: str
    definition: dict[str, Any]
    role_arn: str
    construct_path: str | None
    deployment: Deployment = field(repr=False, compare=False)

    def start(self, input: Any = None, *, name: str | None = None) -> Execution:
        """Start an execution with ``input`` (default ``{}``), named ``name`` (default: generated)."""
        return self.deployment.aws.start(self.arn, input, name, deployment=self.deployment)

    def run(self, input: Any = None, *, name: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> ExecutionResult:
        """Start an execution, wait for its end (at most ``timeout`` s), return its result."""
        return self.start(input, name=name).wait(timeout=timeout)


@dataclass(frozen=True)
class Deployment:
    """What ``OfflineAws.deploy`` created from one stack.

    Attributes
    ----------
    stack_name, region, account_id:
        Where it was deployed (``AWS::StackName``, ``AWS::Region``, ``AWS::AccountId``).
    template:
        The template deployed.
    state_machine_arns:
        ARN of each state machine, by logical id (the workflows and the stack's job reaper).
    definitions, role_arns:
        The definition and role ARN each state machine was created with, by logical id.
    construct_paths:
        The construct path of each state machine, by logical id, when the source tells it.
    physical_ids:
        What each other resource was created as (name, ARN, URL or id), by logical id.
    not_created:
        Resources accepted without being created, by logical id (their types: see MODELLED.md).
    resolver:
        Resolves the template's intrinsics as deployed.
    """

    stack_name: str
    region: str
    account_id: str
    template: dict[str, Any] = field(repr=False)
    state_machine_arns: dict[str, str]
    definitions: dict[str, dict[str, Any]] = field(repr=False)
    role_arns: dict[str, str] = field(repr=False)
    construct_paths: dict[str, str] = field(repr=False)
    physical_ids: dict[str, str] = field(repr=False)
    not_created: dict[str, str] = field(repr=False)
    resolver: TemplateResolver = field(repr=False)
    aws: OfflineAws = field(repr=False, compare=False)

    def __getitem__(self, logical_id: str) -> str:
        return self.state_machine_arns[logical_id]

    def arn(self, prefix: str = "") -> str:
        """ARN of the only state machine whose logical id starts with ``prefix``."""
        matches = [arn for logical, arn in self.state_machine_arns.items() if logical.startswith(prefix)]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} state machines match {prefix!r}: {sorted(self.state_machine_arns)}")
        return matches[0]

    def _workflow(self, logical_id: str) -> Workflow:
        return Workflow(
            logical_id=logical_id,
            arn=self.state_machine_arns[logical_id],
            definition=self.definitions[logical_id],
            role_arn=self.role_arns[logical_id],
            construct_path=self.construct_paths.get(logical_id),
            deployment=self,
        )

    @property
    def workflows(self) -> dict[str, Workflow]:
        """Every state machine but the stack's job reaper, by logical id."""
        reaper = _reaper_id()
        return {k: self._workflow(k) for k in self.state_machine_arns if not k.startswith(reaper)}

    @property
    def job_reaper(self) -> Workflow:
        """The stack's job reaper (it stops the SageMaker job of an aborted or timed-out execution)."""
        reaper = _reaper_id()
        found = [k for k in self.state_machine_arns if k.startswith(reaper)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} job reapers in {self.stack_name}: {sorted(self.state_machine_arns)}")
        return self._workflow(found[0])

    def workflow(self, selector: str | None = None) -> Workflow:
        """One workflow: the only one of the stack (``selector`` left out; the job reaper does not
        count), or the one whose construct id or path (``"Tuning"``, ``"Stack/Tuning"``) or logical
        id prefix is ``selector``.

        Raises ``KeyError`` listing the state machines when none or several match.
        """
        if selector is None:
            candidates = list(self.workflows)
        else:
            wanted = [part for part in selector.strip("/").split("/") if part]
            candidates = [
                logical_id
                for logical_id in self.state_machine_arns
                if logical_id.startswith(selector) or _path_holds(self.construct_paths.get(logical_id), wanted)
            ]
        if len(candidates) != 1:
            described = {k: self.construct_paths.get(k, "") for k in self.state_machine_arns}
            what = "workflows" if selector is None else f"state machines match {selector!r}"
            raise KeyError(f"{len(candidates)} {what}: {described}")
        return self._workflow(candidates[0])

    def destroy(self) -> Destroyed:
        """Delete the stack from the emulated account, as ``cdk destroy`` (CloudFormation's DeleteStack) does.

        Its resources are deleted through their services, each after the resources that refer to it,
        as its ``DeletionPolicy`` says: ``Delete`` (or none) deletes it (a KMS key is scheduled for
        deletion after its ``PendingWindowInDays``, 30 by default), ``Retain`` and
        ``RetainExceptOnCreate`` keep it in the account. The stack as last deployed under this name
        is deleted (a later deployment of it included). Deploying the stack again afterwards creates
        a new stack: a retained resource with a fixed name (a model package group) then makes that
        deployment fail with ``DeploymentFailedError`` (``AlreadyExists``).

        Returns ``Destroyed`` (what was deleted, what was retained). Raises ``DestroyFailedError``
        (``DELETE_FAILED``) when a service refuses a deletion (a model package group that still holds
        model versions, a bucket that holds objects): the stack keeps what is left, and
        ``destroy()`` again retries it. Raises ``NotModelledError``, deleting nothing, for a
        ``Snapshot`` policy, a type the emulator cannot delete, or a ``via_cloudformation``
        deployment; ``ValueError`` if the stack is not deployed.

        What is modelled, and from which pages: MODELLED.md ("Deletion").
        """
        from ._destroy import destroy_stack

        return destroy_stack(self.aws.client, self.aws.stacks, self.stack_name, self.aws.chosen_ids)

    def unpermitted_calls(self, result: ExecutionResult) -> list[UnpermittedCall]:
        """The calls an execution of this deployment made, and the calls the jobs and models it
        created make with their roles, that the template's IAM policies do not allow.

        What is checked and how: ``constructs_sm.testing._permissions`` (and MODELLED.md).
        """
        from ._permissions import unpermitted_calls

        return unpermitted_calls(self, result)


def _path_holds(path: str | None, wanted: list[str]) -> bool:
    if not path or not wanted:
        return False
    parts = path.strip("/").split("/")
    return any(parts[i : i + len(wanted)] == wanted for i in range(len(parts) - len(wanted) + 1))


# ---------------------------------------------------------------------- sources
def _paths_from_metadata(template: Mapping[str, Any]) -> dict[str, str]:
    paths = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        path = (resource.get("Metadata") or {}).get("aws:cdk:path")
        if resource.get("Type") == STATE_MACHINE and isinstance(path, str):
            paths[logical_id] = path.removesuffix("/Resource")
    return paths


def _from_stack(stack: Any) -> tuple[dict[str, Any], str, dict[str, str]]:
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk.assertions import Template

    template = dict(Template.from_stack(stack).to_json())
    paths = {
        str(stack.resolve(child.logical_id)): str(child.node.path).removesuffix("/Resource")
        for child in stack.node.find_all()
        if isinstance(child, sfn.CfnStateMachine)
    }
    return template, str(stack.stack_name), paths


def _assembly_stacks(directory: Path) -> list[tuple[dict[str, Any], Path]]:
    manifest = json.loads((directory / "manifest.json").read_text())
    found: list[tuple[dict[str, Any], Path]] = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            found.append(({"id": artifact_id, **artifact}, directory))
        elif artifact.get("type") == "cdk:cloud-assembly":  # a Stage's nested assembly
            found.extend(_assembly_stacks(directory / artifact["properties"]["directoryName"]))
    return found


def _from_assembly(directory: Path, stack: str | None) -> tuple[dict[str, Any], str, dict[str, str]]:
    stacks = _assembly_stacks(directory)

    def names(artifact: dict[str, Any]) -> set[str]:
        properties = artifact.get("properties") or {}
        return {artifact["id"], artifact.get("displayName", ""), properties.get("stackName", "")} - {""}

    chosen = [a for a in stacks if stack is None or stack in names(a[0])]
    if len(chosen) != 1:
        listed = sorted(a[0].get("displayName", a[0]["id"]) for a in stacks)
        raise KeyError(f"{len(chosen)} stacks of the cloud assembly {directory} match {stack!r}: {listed}")
    artifact, where = chosen[0]
    template = load_template(where / artifact["properties"]["templateFile"])
    paths = _paths_from_metadata(template)
    metadata = dict(artifact.get("metadata") or {})
    if artifact.get("additionalMetadataFile"):  # where recent CDK versions write it
        metadata.update(json.loads((where / artifact["additionalMetadataFile"]).read_text()))
    for path, entries in metadata.items():
        for entry in entries:
            logical_id = entry.get("data")
            if entry.get("type") == "aws:cdk:logicalId" and isinstance(logical_id, str):
                if (template.get("Resources") or {}).get(logical_id, {}).get("Type") == STATE_MACHINE:
                    paths[logical_id] = path.strip("/").removesuffix("/Resource")
    name = (artifact.get("properties") or {}).get("stackName") or artifact["id"]
    return template, str(name), paths


def _load(source: Any, stack: str | None) -> tuple[dict[str, Any], str | None, dict[str, str]]:
    if isinstance(source, Mapping):
        return dict(source), None, _paths_from_metadata(source)
    if isinstance(source, str) and source.lstrip().startswith("{"):
        template = load_template(source)
        return template, None, _paths_from_metadata(template)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            return _from_assembly(path, stack)
        template = load_template(path)
        return template, path.name.removesuffix(".json").removesuffix(".template"), _paths_from_metadata(template)
    import aws_cdk as cdk

    if cdk.Stack.is_stack(source):
        return _from_stack(source)
    raise TypeError(
        "deploy() takes an aws_cdk.Stack, a cloud assembly directory, a template file, or a template "
        f"(dict or JSON text), but got {type(source).__name__}"
    )


# ---------------------------------------------------------------------- deploy
def deploy(
    aws: OfflineAws,
    source: Any,
    *,
    stack: str | None,
    stack_name: str | None,
    zero_waits: bool,
    parameters: Mapping[str, Any] | None,
    known_values: Mapping[str, Any] | None,
    ignore_resource_types: frozenset[str],
    via_cloudformation: bool,
) -> Deployment:
    """See ``OfflineAws.deploy``."""
    body, default_name, paths = _load(source, stack)
    stack_name = stack_name or default_name or "TestStack"
    region, account_id = aws.region, aws.account_id
    known = dict(known_values or {})
    stacks = aws.stacks
    existing = stacks.deployed.get(stack_name)
    generation = stacks.generation(stack_name)

    def resolver() -> TemplateResolver:
        return TemplateResolver(
            body,
            account_id=account_id,
            region=region,
            stack_name=stack_name,
            parameters=parameters,
            known_values=known,
            generation=generation,
        )

    errors = policy_character_errors(body, resolver())
    if errors:
        raise PolicyCharacterError(f"deployment of {stack_name} failed: " + "; ".join(errors))
    held = frozenset(existing.resources) if existing is not None else frozenset()
    physical: dict[str, str] = {}
    arns: dict[str, str] = {}
    if via_cloudformation:
        known = {**_deploy_stack(aws, body, stack_name, parameters), **known}
        resolved = resolver()
        for logical_id, resource in (body.get("Resources") or {}).items():
            if resource.get("Type") == "AWS::SageMaker::ModelPackageGroup":
                create = CREATED["AWS::SageMaker::ModelPackageGroup"]
                physical[logical_id] = create(
                    _context(aws, resolved), logical_id, resolved.resolve(resource["Properties"])
                )
        not_created: dict[str, str] = {}
    else:
        resolved = resolver()
        try:
            physical, not_created = create_resources(
                aws.client,
                body,
                resolved,
                ignore_resource_types=ignore_resource_types,
                chosen=aws.chosen_ids,
                held=held,
                physical=physical,
            )
        except BaseException as error:
            _roll_back(aws, body, resolved, {**physical, **arns}, existing, error)
            raise
    definitions: dict[str, dict[str, Any]] = {}
    role_arns: dict[str, str] = {}
    try:
        for logical_id, resource in (body.get("Resources") or {}).items():
            if resource.get("Type") != STATE_MACHINE:
                continue
            if "Condition" in resource and not resolved.condition(resource["Condition"]):
                continue
            props = resource.get("Properties", {})
            definition = resolved.state_machine_definition(logical_id)
            if zero_waits:
                definition = _zero_waits(definition)
            role_arn = str(
                resolved.resolve(props.get("RoleArn", f"arn:aws:iam::{account_id}:role/emulator-{logical_id}"))
            )
            name = str(resolved.ref(logical_id)).rsplit(":", 1)[-1]
            arns[logical_id] = _create_state_machine(aws, name, definition, role_arn, props.get("StateMachineType"))
            definitions[logical_id] = definition
            role_arns[logical_id] = role_arn
    except BaseException as error:
        if not via_cloudformation:
            _roll_back(aws, body, resolved, {**physical, **arns}, existing, error)
        raise
    record = existing or StackRecord(stack_name, generation, via_cloudformation=via_cloudformation)
    record.resources.update(stack_resources(body, resolved, {**physical, **arns}, STATE_MACHINE))
    stacks.deployed[stack_name] = record
    return Deployment(
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        template=body,
        state_machine_arns=arns,
        definitions=definitions,
        role_arns=role_arns,
        construct_paths={k: v for k, v in paths.items() if k in arns},
        physical_ids=physical,
        not_created=not_created,
        resolver=resolved,
        aws=aws,
    )


def _roll_back(
    aws: OfflineAws,
    body: dict[str, Any],
    resolved: TemplateResolver,
    created: dict[str, str],
    existing: StackRecord | None,
    error: BaseException,
) -> None:
    """Undo a failed deployment: delete what it created (not what the stack held before), but for
    ``Retain`` resources; a stack that failed to be created is gone (``ROLLBACK_COMPLETE``, which the
    next deployment deletes first; a template the emulator refused before creating anything made no
    stack). What cannot be deleted is noted on ``error``."""
    from ._destroy import roll_back

    held = set(existing.resources) if existing is not None else set()
    new = {logical_id: physical_id for logical_id, physical_id in created.items() if logical_id not in held}
    for problem in roll_back(aws.client, stack_resources(body, resolved, new, STATE_MACHINE)):
        error.add_note(f"rollback left {problem}")
    if existing is None and (new or isinstance(error, DeploymentFailedError)):
        aws.stacks.end(resolved.stack_name, aws.chosen_ids)
    else:
        for logical_id in new:
            aws.chosen_ids.pop((resolved.stack_name, logical_id), None)


def _context(aws: OfflineAws, resolver: TemplateResolver) -> Any:
    from ._resources import _Context

    return _Context(aws.client, resolver, resolver.region, resolver.account_id, aws.chosen_ids)


def _create_state_machine(
    aws: OfflineAws, name: str, definition: dict[str, Any], role_arn: str, kind: str | None
) -> str:
    """Create the state machine, or update it (a second deployment of the same stack)."""
    sfn = aws.sfn
    arn = f"arn:aws:states:{aws.region}:{aws.account_id}:stateMachine:{name}"
    try:
        sfn.describe_state_machine(stateMachineArn=arn)
    except ClientError:
        kwargs: dict[str, Any] = {"name": name, "definition": json.dumps(definition), "roleArn": role_arn}
        if kind:
            kwargs["type"] = kind
        return str(sfn.create_state_machine(**kwargs)["stateMachineArn"])
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(definition), roleArn=role_arn)
    return arn


def _deploy_stack(
    aws: OfflineAws, body: dict[str, Any], stack_name: str, parameters: Mapping[str, Any] | None
) -> dict[str, str]:
    aws.client("ssm").put_parameter(Name=_BOOTSTRAP_VERSION_PARAMETER, Value="30", Type="String", Overwrite=True)
    cfn = aws.client("cloudformation")
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in (parameters or {}).items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    if status != "CREATE_COMPLETE":
        raise RuntimeError(f"moto CloudFormation left stack {stack_name} in {status}")
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r.get("PhysicalResourceId")}
