"""cfn-lint finds nothing wherever the templates are synthesized, not only under this repo's cdk.json.

The four places: ``npx cdk synth`` here (the repo's feature flags: tests/test_templates.py), the
example app run as ``python app.py`` without any cdk.json, a user's app with an empty cdk.json and
no environment, and the ``constructs-sm`` CLI's environment-agnostic cloud assembly. State machine
Resources whose partition is unknown at synth time are one whole substitution, which E3601 skips
while it checks the rest of the definition.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as example_app
import constructs_sm as sm
from constructs_sm.cli import main
from tests.builders import config, definition
from tests.cfn_lint import lint as cfn_lint
from tests.template_helpers import resources

REQUESTS = Path(__file__).parent.parent / "examples" / "requests"


def lint(template: dict[str, Any], tmp_path: Path, name: str) -> list[str]:
    return cfn_lint(template, tmp_path / f"{name}.template.json")


@pytest.fixture(scope="module")
def without_cdk_json() -> dict[str, dict[str, Any]]:
    """``python app.py`` as app.py's main block runs it: no context, the region from the environment."""
    app = cdk.App()
    stacks = example_app.build_app(app, cdk.Environment(region="us-east-1"))
    return {s.stack_name: Template.from_stack(s).to_json() for s in stacks}


@pytest.mark.parametrize("stack", ["MinimalTuning", "HardenedTuning", "SpotTraining", "MultiAlgorithmTuning", "SegmentTuning"])
def test_the_example_app_without_cdk_json(without_cdk_json: dict[str, Any], stack: str, tmp_path: Path) -> None:
    template = without_cdk_json[stack]
    assert "${Partition}" not in json.dumps(template)  # the partition is a token: a whole substitution
    assert lint(template, tmp_path, stack) == []


def test_a_users_app_with_an_empty_cdk_json(tmp_path: Path) -> None:
    app = cdk.App(context={})
    stack = cdk.Stack(app, "UserStack")
    sm.TuningWorkflow(stack, "Tuning", hyper_parameter_tuning_job_config=config(), training_job_definition=definition())
    sm.TrainingWorkflow(stack, "Training", training_job_definition=definition())
    template = Template.from_stack(stack).to_json()
    (tuning, training) = resources(template, "AWS::StepFunctions::StateMachine").values()
    assert json.loads(tuning["Properties"]["DefinitionString"])["States"]["Create tuning job"]["Resource"] == (
        "${SagemakerCreateHyperParameterTuningJobSync}"
    )
    assert lint(template, tmp_path, "UserStack") == []


@pytest.mark.parametrize("request_file", sorted(p.name for p in REQUESTS.glob("*.json")))
def test_the_cli_cloud_assembly(request_file: str, tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    assert main(["synth", str(REQUESTS / request_file), "-o", str(out)]) == 0
    (template_file,) = out.glob("*.template.json")
    assert lint(json.loads(template_file.read_text()), tmp_path, template_file.stem) == []


ROOT = Path(__file__).parent.parent


@pytest.mark.skipif(not (ROOT / "node_modules" / ".bin" / "cdk").exists(), reason="no CDK CLI: run `make test`")
def test_npx_cdk_synth_of_the_example_app(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    done = subprocess.run(
        ["npx", "cdk", "synth", "--quiet", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    templates = sorted(out.glob("*.template.json"))
    assert len(templates) == 5
    for path in templates:
        assert lint(json.loads(path.read_text()), tmp_path, path.name.removesuffix(".template.json")) == []
