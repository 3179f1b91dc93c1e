"""The README shows what the code produces: its diagram is regenerated from the example app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from constructs_sm.tools.diagram import definitions_from_template, to_mermaid
from tests.template_helpers import resources, workflow_machine

README = Path(__file__).parent.parent / "README.md"


def test_readme_diagram_is_the_minimal_examples(minimal: dict[str, Any]) -> None:
    (logical_id, _) = workflow_machine(minimal)
    definition = definitions_from_template(minimal)[logical_id]
    blocks = re.findall(r"```mermaid\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks == [to_mermaid(definition).rstrip("\n") + "\n"], "regenerate the README diagram"


def test_readme_python_snippets_run_and_synthesize() -> None:
    """Every ```python block of the README, in order, in one namespace: they assume a ``stack``, a
    ``ci_role`` and a ``vpc``, as the tour says."""
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam as iam
    from aws_cdk.assertions import Template

    from tests.conftest import new_stack

    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="training", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    namespace: dict[str, Any] = {
        "stack": stack,
        "vpc": vpc,
        "ci_role": iam.Role(stack, "Ci", assumed_by=iam.AccountRootPrincipal()),
    }
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own examples
    machines = resources(Template.from_stack(stack).to_json(), "AWS::StepFunctions::StateMachine")
    assert len(machines) == 6, "five workflows and a fan-out (and the stack's job reaper beside them)"
    assert len(Template.from_stack(stack).find_resources("AWS::SageMaker::ModelPackageGroup")) == 1
    assert "TrainDataUri" in namespace["tunable"].input_schema["properties"]
    assert isinstance(namespace["workflow"].state_machine.state_machine_arn, str)
    assert cdk.Stack.of(namespace["workflow"]) is stack


def test_readme_names_the_two_setup_commands() -> None:
    text = README.read_text()
    assert "make synth" in text and "make test" in text
