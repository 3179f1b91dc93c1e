"""Read a synthesized template: resolve its intrinsics to plausible values, check its policies' characters.

``TemplateResolver`` gives every ``Ref`` / ``Fn::GetAtt`` / ``Fn::Sub`` ... of a template the value
CloudFormation would give it in the emulated account (names generated as CloudFormation generates
them, ARNs in their documented formats; ids of resources the emulator creates with ids of its own,
KMS keys, VPCs, subnets, security groups, come in through ``known_values``).
``policy_character_errors`` finds what IAM and KMS refuse in a policy document; ``references`` the
logical ids a resource's properties name (its dependencies, as CloudFormation orders them)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["PolicyCharacterError", "TemplateResolver", "load_template", "policy_character_errors", "references"]

_NO_VALUE = object()
_URL_SUFFIX = {"aws-cn": "amazonaws.com.cn"}


def _suffix(*parts: str, length: int = 12) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:length]


class TemplateResolver:
    """Resolve CloudFormation intrinsics of a template to plausible values.

    Supports ``Ref`` (resources, parameters, pseudo parameters), ``Fn::GetAtt``, ``Fn::Join``,
    ``Fn::Sub``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` with ``Conditions``, ``Fn::FindInMap``,
    ``Fn::GetAZs``, ``Fn::Base64``, ``Fn::ToJsonString`` and ``AWS::NoValue``.
    ``Fn::ImportValue`` needs ``known_values["ImportValue:<export>"]``.

    ``known_values`` overrides what a ``Ref`` (``"LogicalId"``) or ``Fn::GetAtt``
    (``"LogicalId.Attribute"``) resolves to.

    ``generation`` counts the stacks of this name that came before (deleted, or rolled back on
    creation): CloudFormation gives each new stack a new ``AWS::StackId`` and generated physical
    names a new random suffix, so a stack created again never meets the names of resources its
    predecessor retained. Generation 0 gives the names the emulator always gave.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        account_id: str,
        region: str,
        stack_name: str,
        partition: str = "aws",
        parameters: Mapping[str, Any] | None = None,
        known_values: Mapping[str, Any] | None = None,
        generation: int = 0,
    ):
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.account_id, self.region, self.partition, self.stack_name = account_id, region, partition, stack_name
        self.parameters = dict(parameters or {})
        self.known_values = dict(known_values or {})
        self.generation = generation
        # What sets this stack's generated names apart from its predecessors' (nothing for the first).
        self._incarnation: tuple[str, ...] = (f"#{generation}",) if generation else ()

    # ------------------------------------------------------------------ intrinsics
    def resolve(self, value: Any) -> Any:
        """Return ``value`` with every intrinsic function replaced by its value."""
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key.startswith("Fn::"):
                handler = getattr(self, "_fn_" + key[4:].lower(), None)
                if handler is None:
                    raise NotImplementedError(f"the emulator cannot resolve {key}")
                return handler(arg)
        return {k: item for k, item in ((k, self.resolve(v)) for k, v in value.items()) if item is not _NO_VALUE}

    def ref(self, name: str) -> Any:
        """Value of ``{"Ref": name}``."""
        if name in self.known_values:
            return self.known_values[name]
        pseudo = {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": _URL_SUFFIX.get(self.partition, "amazonaws.com"),
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/"
            f"{self.stack_name}/{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join((self.stack_name, *self._incarnation)))}",
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            if name in self.parameters:
                return self.parameters[name]
            declared = self.template["Parameters"][name]
            if "Default" not in declared:
                raise KeyError(f"template parameter {name} has no Default: pass parameters={{{name!r}: ...}}")
            default = declared["Default"]
            if declared.get("Type") == "CommaDelimitedList":
                return [item.strip() for item in default.split(",")]
            return default
        if name not in self.resources:
            raise KeyError(f"Ref to unknown logical id {name}")
        return self._physical_id(name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """Value of ``{"Fn::GetAtt": [logical_id, attribute]}``."""
        key = f"{logical_id}.{attribute}"
        if key in self.known_values:
            return self.known_values[key]
        if logical_id not in self.resources:
            raise KeyError(f"Fn::GetAtt of unknown logical id {logical_id}")
        resource = self.resources[logical_id]
        kind, props = resource["Type"], resource.get("Properties", {})
        ref = self.ref(logical_id)
        p, region, account = self.partition, self.region, self.account_id
        service = kind.split("::")[1].lower() if kind.count("::") >= 2 else "unknown"
        table: dict[tuple[str, str], Any] = {
            ("AWS::IAM::Role", "Arn"): lambda: f"arn:{p}:iam::{account}:role{props.get('Path', '/')}{ref}",
            ("AWS::IAM::Role", "RoleId"): lambda: "AROA" + _suffix(logical_id, length=17).upper(),
            ("AWS::KMS::Key", "Arn"): lambda: f"arn:{p}:kms:{region}:{account}:key/{ref}",
            ("AWS::KMS::Key", "KeyId"): lambda: ref,
            ("AWS::S3::Bucket", "Arn"): lambda: f"arn:{p}:s3:::{ref}",
            ("AWS::S3::Bucket", "DomainName"): lambda: f"{ref}.s3.{self.ref('AWS::URLSuffix')}",
            ("AWS::S3::Bucket", "RegionalDomainName"): lambda: f"{ref}.s3.{region}.{self.ref('AWS::URLSuffix')}",
            ("AWS::EC2::SecurityGroup", "GroupId"): lambda: ref,
            ("AWS::EC2::SecurityGroup", "VpcId"): lambda: self.resolve(props.get("VpcId")),
            ("AWS::EC2::Subnet", "SubnetId"): lambda: ref,
            ("AWS::EC2::VPC", "VpcId"): lambda: ref,
            ("AWS::StepFunctions::StateMachine", "Arn"): lambda: ref,
            ("AWS::StepFunctions::StateMachine", "Name"): lambda: ref.rsplit(":", 1)[-1],
            ("AWS::SQS::Queue", "Arn"): lambda: f"arn:{p}:sqs:{region}:{account}:{ref.rsplit('/', 1)[-1]}",
            ("AWS::SQS::Queue", "QueueName"): lambda: ref.rsplit("/", 1)[-1],
            ("AWS::SNS::Topic", "TopicArn"): lambda: ref,
            ("AWS::SNS::Topic", "TopicName"): lambda: ref.rsplit(":", 1)[-1],
            ("AWS::Lambda::Function", "Arn"): lambda: f"arn:{p}:lambda:{region}:{account}:function:{ref}",
            ("AWS::Logs::LogGroup", "Arn"): lambda: f"arn:{p}:logs:{region}:{account}:log-group:{ref}:*",
            ("AWS::ECR::Repository", "Arn"): lambda: f"arn:{p}:ecr:{region}:{account}:repository/{ref}",
            ("AWS::ECR::Repository", "RepositoryUri"): lambda: f"{account}.dkr.ecr.{region}.amazonaws.com/{ref}",
            ("AWS::SageMaker::ModelPackageGroup", "ModelPackageGroupArn"): lambda: ref,
            ("AWS::IAM::ManagedPolicy", "PolicyArn"): lambda: ref,
            ("AWS::Scheduler::Schedule", "Arn"): lambda: (
                f"arn:{p}:scheduler:{region}:{account}:schedule/"
                f"{self.resolve(props.get('GroupName')) or 'default'}/{ref}"
            ),
            ("AWS::Events::Rule", "Arn"): lambda: f"arn:{p}:events:{region}:{account}:rule/{ref}",
        }
        if (kind, attribute) in table:
            return table[(kind, attribute)]()
        if attribute == "Arn":
            return (
                ref
                if ref.startswith("arn:")
                else f"arn:{p}:{service}:{region}:{account}:{kind.split('::')[-1].lower()}/{ref}"
            )
        return f"{ref}.{attribute}"

    def _physical_id(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        kind, props = resource["Type"], resource.get("Properties", {})
        p, region, account = self.partition, self.region, self.account_id
        name_property = {
            "AWS::IAM::Role": "RoleName",
            "AWS::S3::Bucket": "BucketName",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::ECR::Repository": "RepositoryName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::KMS::Alias": "AliasName",
            "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupName",
            "AWS::Events::Rule": "Name",
            "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
            "AWS::Scheduler::Schedule": "Name",
            "AWS::Scheduler::ScheduleGroup": "Name",
        }.get(kind)
        given = self.resolve(props.get(name_property)) if name_property else None
        unique = (self.stack_name, logical_id, *self._incarnation)
        generated = f"{self.stack_name}-{logical_id}"[:51] + "-" + _suffix(*unique).upper()
        name = given if isinstance(given, str) else generated
        hex17 = _suffix(*unique, length=17)
        if kind == "AWS::S3::Bucket":
            return name.lower()[:63] if not given else name
        if kind == "AWS::KMS::Key":
            return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(unique)))
        if kind == "AWS::StepFunctions::StateMachine":
            return f"arn:{p}:states:{region}:{account}:stateMachine:{name[:80]}"
        if kind == "AWS::SNS::Topic":
            return f"arn:{p}:sns:{region}:{account}:{name}"
        if kind == "AWS::SageMaker::ModelPackageGroup":
            # Ref returns the group's ARN (AWS::SageMaker::ModelPackageGroup, "Return values").
            return f"arn:{p}:sagemaker:{region}:{account}:model-package-group/{name.lower()}"
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        if kind == "AWS::IAM::ManagedPolicy":
            # Ref returns the policy's ARN (AWS::IAM::ManagedPolicy, "Return values").
            return f"arn:{p}:iam::{account}:policy{props.get('Path', '/')}{name}"
        prefix = {
            "AWS::EC2::Subnet": "subnet-",
            "AWS::EC2::SecurityGroup": "sg-",
            "AWS::EC2::VPC": "vpc-",
            "AWS::EC2::RouteTable": "rtb-",
            "AWS::EC2::InternetGateway": "igw-",
            "AWS::EC2::VPCEndpoint": "vpce-",
        }.get(kind)
        if prefix:
            return prefix + hex17
        return name

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        logical_id, attribute = arg
        return self.get_att(logical_id, self.resolve(attribute))

    def _fn_join(self, arg: list[Any]) -> str:
        delimiter, items = arg
        return str(self.resolve(delimiter)).join(_text(item) for item in self.resolve(items))

    def _fn_select(self, arg: list[Any]) -> Any:
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        return items[int(index)]

    def _fn_split(self, arg: list[Any]) -> list[str]:
        delimiter, text = self.resolve(arg[0]), self.resolve(arg[1])
        return str(text).split(delimiter)

    def _fn_sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return _text(self.get_att(*name.split(".", 1)))
            return _text(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_base64(self, arg: Any) -> str:
        import base64

        return base64.b64encode(_text(self.resolve(arg)).encode()).decode()

    def _fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))

    def _fn_findinmap(self, arg: list[Any]) -> Any:
        name, top, second = (self.resolve(item) for item in arg[:3])
        return self.template["Mappings"][name][top][second]

    def _fn_importvalue(self, arg: Any) -> Any:
        export = self.resolve(arg)
        try:
            return self.known_values[f"ImportValue:{export}"]
        except KeyError:
            raise KeyError(f"Fn::ImportValue {export!r}: pass known_values={{'ImportValue:{export}': ...}}") from None

    def _fn_if(self, arg: list[Any]) -> Any:
        condition, when_true, when_false = arg
        return self.resolve(when_true if self.condition(condition) else when_false)

    def condition(self, name: str) -> bool:
        """Value of the template condition ``name``."""
        return bool(self._condition_value(self.template["Conditions"][name]))

    def _condition_value(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Equals":
                left, right = (self._condition_value(item) for item in arg)
                return _text(left) == _text(right)
            if key == "Fn::Not":
                return not self._condition_value(arg[0])
            if key == "Fn::And":
                return all(self._condition_value(item) for item in arg)
            if key == "Fn::Or":
                return any(self._condition_value(item) for item in arg)
        return self.resolve(value)

    # ------------------------------------------------------------------ state machines
    def state_machine_definition(self, logical_id: str) -> dict[str, Any]:
        """The definition of state machine ``logical_id``, substitutions applied, as a dict."""
        props = self.resources[logical_id].get("Properties", {})
        if "DefinitionString" in props:
            text = self.resolve(props["DefinitionString"])
        elif "Definition" in props:
            text = json.dumps(self.resolve(props["Definition"]))
        else:
            raise NotImplementedError(f"{logical_id}: only DefinitionString/Definition are supported")
        for key, value in self.resolve(props.get("DefinitionSubstitutions", {})).items():
            text = text.replace("${" + key + "}", _text(value))
        return dict(json.loads(text))


# "IAM and AWS STS quotas": "Policy documents can contain only the following Unicode characters:
# horizontal tab (U+0009), linefeed (U+000A), carriage return (U+000D), and characters in the range
# U+0020 to U+00FF." (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html);
# KMS states the same set for key policies ("Key policy format",
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html).
_POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::IAM::Policy": ("PolicyDocument",),
    "AWS::IAM::ManagedPolicy": ("PolicyDocument",),
    "AWS::IAM::RolePolicy": ("PolicyDocument",),
    "AWS::IAM::UserPolicy": ("PolicyDocument",),
    "AWS::IAM::GroupPolicy": ("PolicyDocument",),
    "AWS::IAM::Role": ("AssumeRolePolicyDocument", "Policies"),
    "AWS::IAM::User": ("Policies",),
    "AWS::IAM::Group": ("Policies",),
    "AWS::KMS::Key": ("KeyPolicy",),
}


def _allowed_in_policy(character: str) -> bool:
    return character in "\t\n\r" or 0x20 <= ord(character) <= 0xFF


class PolicyCharacterError(ValueError):
    """A template's policy document holds a character IAM (or KMS) refuses; the deployment fails."""


def _strings(value: Any, at: str) -> Any:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, f"{at}.<key>")
            yield from _strings(item, f"{at}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{at}[{index}]")


def policy_character_errors(template: Mapping[str, Any], resolver: TemplateResolver | None = None) -> list[str]:
    """One message per policy document of ``template`` holding a character outside IAM's set."""
    messages = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        kind = resource.get("Type")
        for name in _POLICY_PROPERTIES.get(kind, ()):
            value = (resource.get("Properties") or {}).get(name)
            if value is None:
                continue
            try:
                value = resolver.resolve(value) if resolver is not None else value
            except (KeyError, NotImplementedError):
                pass  # the literal parts are what can hold such a character
            for path, text in _strings(value, name):
                bad = next((c for c in text if not _allowed_in_policy(c)), None)
                if bad is not None:
                    messages.append(
                        f"{logical_id} ({kind}): {path} holds U+{ord(bad):04X} ({bad!r}): 1 validation error "
                        "detected: Value at 'policyDocument' failed to satisfy constraint: Member must satisfy "
                        "regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
                    )
                    break
    return messages


def references(value: Any) -> set[str]:
    """The names a template value refers to: ``Ref``, ``Fn::GetAtt``, and ``${Name}`` /
    ``${Name.Attribute}`` in ``Fn::Sub`` (pseudo parameters and ``${!literal}`` left out). Intersect
    with the template's resources for a resource's dependencies (with its ``DependsOn``)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {arg}
            if key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]
                return {target} | references(arg[1:] if isinstance(arg, list) else [])
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                named = {m.split(".", 1)[0] for m in re.findall(r"\$\{([^}!][^}]*)\}", str(text))}
                return {n for n in named if not n.startswith("AWS::") and n not in variables} | references(variables)
        for item in value.values():
            found |= references(item)
    return found


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _role_logical_id(role_property: Any) -> str | None:
    # {"Fn::GetAtt": ["RoleLogicalId", "Arn"]} is how CDK points a machine at its role.
    if isinstance(role_property, dict) and "Fn::GetAtt" in role_property:
        target = role_property["Fn::GetAtt"]
        return (target.split(".", 1) if isinstance(target, str) else target)[0]
    return None


def load_template(template: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    """A template given as a dict, a JSON string, or a path to ``*.template.json``."""
    if isinstance(template, Mapping):
        return dict(template)
    if isinstance(template, str) and template.lstrip().startswith("{"):
        return dict(json.loads(template))
    return dict(json.loads(Path(template).read_text()))
