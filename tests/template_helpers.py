"""Read synthesized templates: resources by type, state machine definitions, policy statements."""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def resources(template: dict[str, Any], type_name: str, *, reaper: bool = False) -> dict[str, dict[str, Any]]:
    """The template's resources of a type; the stack's job reaper (tests/workflows/test_reaper.py) left out
    unless ``reaper``, so that a test of a workflow finds the workflow's role, key and state machine."""
    from constructs_sm.workflows._reaper import REAPER_ID

    return {
        k: v
        for k, v in template["Resources"].items()
        if v["Type"] == type_name and (reaper or not k.startswith(REAPER_ID))
    }


def only(template: dict[str, Any], type_name: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, type_name)
    assert len(found) == 1, f"expected one {type_name}, found {sorted(found)}"
    return next(iter(found.items()))


def workflow_machine(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The one workflow state machine of a template (the stack's job reaper aside)."""
    found = resources(template, "AWS::StepFunctions::StateMachine")
    assert len(found) == 1, f"expected one workflow state machine, found {sorted(found)}"
    return next(iter(found.items()))


def definition(template: dict[str, Any]) -> dict[str, Any]:
    """The state machine definition with its ``${Placeholder}`` substitutions left as text."""
    _, machine = workflow_machine(template)
    text = machine["Properties"]["DefinitionString"]
    assert isinstance(text, str), "the definition must be a plain string (cfn-lint E3601 checks it)"
    return json.loads(text)


def generated_name(template: dict[str, Any]) -> str:
    """The JSONata that names a job (the input's name, or one derived from the execution's ARN)."""
    return str(definition(template)["States"]["Check input"]["Choices"][-1]["Assign"]["jobName"])


def substitutions(template: dict[str, Any]) -> dict[str, Any]:
    _, machine = workflow_machine(template)
    return machine["Properties"].get("DefinitionSubstitutions", {})


def policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Inline (``AWS::IAM::Policy``) and customer managed policies of the template."""
    return {**resources(template, "AWS::IAM::Policy"), **resources(template, "AWS::IAM::ManagedPolicy")}


def statements_of_role(template: dict[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    found = []
    for policy in policies(template).values():
        if {"Ref": role_logical_id} in policy["Properties"].get("Roles", []):
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def role_assumed_by(template: dict[str, Any], service: str) -> str:
    matches = [
        logical_id
        for logical_id, role in resources(template, "AWS::IAM::Role").items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service") == service
    ]
    assert len(matches) == 1, matches
    return matches[0]


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


def statement_with(statements: list[dict[str, Any]], action: str) -> dict[str, Any]:
    found = [s for s in statements if action in actions(s)]
    assert len(found) == 1, f"{action}: {found}"
    return found[0]


def flat(value: Any) -> str:
    """A CloudFormation value as readable text: Fn::Join joined, Ref/GetAtt named."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(flat(v) for v in value)
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(flat(p) for p in parts)
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    return json.dumps(value, sort_keys=True)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def reviewable(template: dict[str, Any]) -> dict[str, Any]:
    """The template as a snapshot holds it: each state machine definition parsed (a change diffs as
    pretty-printed JSON), and what belongs to aws-cdk-lib rather than to this library masked: the
    asset hash and Node runtime of CDK's own custom-resource handlers, which change with CDK upgrades."""
    out = copy.deepcopy(template)
    for resource in out["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and isinstance(properties.get("DefinitionString"), str):
            properties["DefinitionString"] = json.loads(properties["DefinitionString"])
        if resource["Type"] == "AWS::Lambda::Function" and properties.get("Handler") == "__entrypoint__.handler":
            properties["Code"]["S3Key"] = "<aws-cdk-lib asset>"
            properties["Runtime"] = "<aws-cdk-lib runtime>"
    return out


def evaluate(field: str, execution_input: Any) -> Any:
    """A JSONata field (``{% … %}``) of a state, evaluated with ``$states.input`` bound, as Step
    Functions binds it (no Step Functions-only function: those are the emulator's business)."""
    from jsonata import Jsonata

    assert field.startswith("{%") and field.endswith("%}"), field
    return Jsonata(f"($states := {json.dumps({'input': execution_input})}; {field[2:-2]})").evaluate(None)



_PROBES = itertools.count()


def routed(region: str, pattern: dict[str, Any], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The events moto's EventBridge delivers for ``entry`` to a rule with ``pattern`` (a probe rule
    with an SQS target, removed afterwards)."""
    import boto3

    events, sqs = boto3.client("events", region_name=region), boto3.client("sqs", region_name=region)
    name = f"probe-{next(_PROBES)}"
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    events.remove_targets(Rule=name, Ids=["queue"])
    events.delete_rule(Name=name)
    return [json.loads(m["Body"]) for m in messages]
