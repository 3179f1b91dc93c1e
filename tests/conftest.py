"""Shared fixtures: the example app is synthesized once per session."""

from __future__ import annotations

import json
import os
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import app as example_app

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ENV = cdk.Environment(account="123456789012", region="us-east-1")


@pytest.fixture(scope="session")
def example_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every stack of app.py, synthesized once with a pinned account and region."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir), context=_cdk_json_context())
    stacks = example_app.build_app(app, ENV)
    app.synth()
    return {stack.stack_name: Template.from_stack(stack).to_json() for stack in stacks}


def _cdk_json_context() -> dict[str, Any]:
    with open(os.path.join(os.path.dirname(__file__), "..", "cdk.json")) as f:
        return dict(json.load(f)["context"])


@pytest.fixture(scope="session")
def minimal(example_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_templates["MinimalTuning"]


@pytest.fixture(scope="session")
def hardened(example_templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return example_templates["HardenedTuning"]


def new_stack() -> cdk.Stack:
    """A fresh stack for a test that builds its own constructs."""
    return cdk.Stack(cdk.App(context=_cdk_json_context()), "Test", env=ENV)


# hypothesis profiles (tests/props/test_properties.py): "ci" by default, fixed seed and few examples;
# HYPOTHESIS_PROFILE=long for a deeper search.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", derandomize=True, max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
