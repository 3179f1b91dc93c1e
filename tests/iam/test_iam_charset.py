"""Strings IAM cannot hold: a policy document takes only U+0009, U+000A, U+000D and U+0020-U+00FF
(IAM API Reference, CreatePolicy: PolicyDocument). A value that would land in the execution role's
policy with another character is refused at synth, naming its path, the rule and the value; a stack
that synthesized would fail at deployment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.api._rules import policy_characters
from tests.builders import bucket, definition, workflow
from tests.conftest import new_stack
from tests.template_helpers import flat, role_assumed_by, statements_of_role

REQUESTS = Path(__file__).parents[2] / "examples" / "requests"
RULE = "must hold only characters an IAM policy document may hold"


def training_request() -> dict[str, Any]:
    request: dict[str, Any] = json.loads((REQUESTS / "create-training-job.json").read_text())
    return request


def _set(request: dict[str, Any], path: list[Any], value: Any) -> None:
    for step in path[:-1]:
        request = request[step]
    request[path[-1]] = value


@pytest.mark.parametrize("character", ["\t", "\n", "\r", " ", "~", "\x7f", "\xa0", "é", "ÿ"])
def test_the_characters_iam_takes_pass(character: str) -> None:
    policy_characters("S3Uri", f"s3://example-ml-data/a{character}b/")


@pytest.mark.parametrize("character", ["\x00", "\x1f", "\u0100", "\u2028", "数", "\U0001f600"])
def test_other_characters_are_refused_with_their_code_point(character: str) -> None:
    with pytest.raises(sm.ValidationError) as caught:
        policy_characters("S3Uri", f"s3://example-ml-data/a{character}b/")
    assert str(caught.value).startswith(f"S3Uri: {RULE}")
    assert f"U+{ord(character):04X}" in str(caught.value)


def test_cdk_tokens_are_not_checked() -> None:
    policy_characters("S3Uri", "s3://${Token[TOKEN.12]}/data/")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (
            ["InputDataConfig", 0, "DataSource", "S3DataSource", "S3Uri"],
            "s3://example-ml-data/数据/train/",
            "InputDataConfig[0].DataSource.S3DataSource.S3Uri",
        ),
        (
            ["InputDataConfig", 1, "DataSource", "S3DataSource", "S3Uri"],
            "https://s3-us-west-2.amazonaws.com/example-ml-data/validación\u2028/",
            "InputDataConfig[1].DataSource.S3DataSource.S3Uri",
        ),
        (["OutputDataConfig", "S3OutputPath"], "s3://example-ml-data/models-😀/", "OutputDataConfig.S3OutputPath"),
        (["CheckpointConfig", "S3Uri"], "s3://example-ml-data/checkpoints/ǅ/", "CheckpointConfig.S3Uri"),
        (
            ["AlgorithmSpecification", "TrainingImage"],
            "６８３３１３６８８３７８.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "AlgorithmSpecification.TrainingImage",
        ),
    ],
)
def test_a_request_value_iam_cannot_hold_is_refused_with_its_path(path: list[Any], value: str, field: str) -> None:
    request = training_request()
    _set(request, path, value)
    with pytest.raises(sm.ValidationError) as caught:
        sm.training_workflow_from_request(new_stack(), "Imported", request)
    message = str(caught.value)
    assert message.startswith(f"{field}: {RULE}"), message
    assert repr(value)[:60] in message


def test_a_credentials_provider_iam_cannot_hold_is_refused() -> None:
    request = training_request()
    request["VpcConfig"] = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}
    request["AlgorithmSpecification"]["TrainingImageConfig"] = {
        "TrainingRepositoryAccessMode": "Vpc",
        "TrainingRepositoryAuthConfig": {
            "TrainingRepositoryCredentialsProviderArn": "arn:aws:lambda:us-east-1:123456789012:function:凭证"
        },
    }
    field = "AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAuthConfig.TrainingRepositoryCredentialsProviderArn"
    with pytest.raises(sm.ValidationError, match=f"^{field}: {RULE}"):
        sm.training_workflow_from_request(new_stack(), "Imported", request)


def test_a_tuning_request_names_the_definitions_path() -> None:
    request = json.loads((REQUESTS / "create-hyper-parameter-tuning-job.json").read_text())
    source = request["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    source["S3Uri"] = "s3://example-ml-data/训练/"
    field = "TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.S3Uri"
    with pytest.raises(sm.ValidationError) as caught:
        sm.tuning_workflow_from_request(new_stack(), "Imported", request)
    message = str(caught.value)
    assert message.startswith(f"{field}: {RULE}") and "U+8BAD '训'" in message, message
    assert message.endswith("but got 's3://example-ml-data/训练/'"), message


def test_latin_1_reaches_the_policy() -> None:
    request = training_request()
    request["OutputDataConfig"]["S3OutputPath"] = "s3://example-ml-data/modèles/"
    stack = new_stack()
    sm.training_workflow_from_request(stack, "Imported", request)
    template = Template.from_stack(stack).to_json()
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    writes = [flat(s["Resource"]) for s in statements if s["Action"] == "s3:PutObject"]
    assert "arn:aws:s3:::example-ml-data/modèles/*" in ",".join(writes)


def _manifest_channel() -> sm.Channel:
    location = sm.S3Location.from_uri("s3://example-ml-data/manifests/train.manifest")
    return sm.Channel(channel_name="train", data_source=sm.S3DataSource(location=location, s3_data_type="ManifestFile"))


def test_a_manifest_data_location_iam_cannot_hold_is_refused() -> None:
    with pytest.raises(sm.ValidationError, match=rf"^manifest_data\['train'\]\[1\]: {RULE}"):
        workflow(
            training_job_definition=definition(input_data_config=[_manifest_channel()]),
            manifest_data={"train": ["s3://example-ml-data/images/", "s3://example-ml-data/图像/"]},
        )


def test_a_key_prefix_iam_cannot_hold_is_refused_when_given() -> None:
    with pytest.raises(sm.ValidationError, match=rf"^key_prefix: {RULE}.*but got 'données/数据/'$"):
        sm.S3Location.from_bucket(bucket(new_stack()), "données/数据/")
    with pytest.raises(sm.ValidationError, match=rf"^key_prefix: {RULE}.*but got 'données/数据/'$"):
        sm.S3Location.from_json_path("$.TrainingUri", bucket="example-ml-data", key_prefix="données/数据/")
