"""S3 URIs in every form SageMaker takes: s3:// and S3's https:// URLs, with IAM scoped to the same
bucket and prefix whichever form the request holds."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

import constructs_sm as sm
from constructs_sm.api._s3_uri import S3Uri, is_s3_uri, parse
from tests.conftest import new_stack
from tests.template_helpers import actions, definition, flat, role_assumed_by, statements_of_role

REQUESTS = Path(__file__).parents[2] / "examples" / "requests"

# S3 User Guide, "Methods for accessing a bucket" and "Virtual hosting of general purpose buckets".
FORMS = [
    ("s3://example-ml-data/data/train/", "example-ml-data", "data/train/"),
    ("s3://example-ml-data", "example-ml-data", ""),
    # path-style
    ("https://s3.amazonaws.com/example-ml-data/data/train/", "example-ml-data", "data/train/"),
    ("https://s3.us-west-2.amazonaws.com/example-ml-data/data/train/", "example-ml-data", "data/train/"),
    ("https://s3-us-west-2.amazonaws.com/example-ml-data/data/train/", "example-ml-data", "data/train/"),
    ("https://s3.dualstack.eu-west-1.amazonaws.com/example-ml-data/data/", "example-ml-data", "data/"),
    ("https://s3-fips.us-gov-west-1.amazonaws.com/example-ml-data/data/", "example-ml-data", "data/"),
    ("https://s3.cn-north-1.amazonaws.com.cn/example-ml-data/data/", "example-ml-data", "data/"),
    ("https://s3.amazonaws.com/example-ml-data", "example-ml-data", ""),
    # virtual-hosted
    ("https://example-ml-data.s3.amazonaws.com/data/train/", "example-ml-data", "data/train/"),
    ("https://example-ml-data.s3.us-west-2.amazonaws.com/data/train/", "example-ml-data", "data/train/"),
    ("https://example-ml-data.s3-us-west-2.amazonaws.com/data/train/", "example-ml-data", "data/train/"),
    ("https://example.ml.data.s3.eu-west-1.amazonaws.com/data/", "example.ml.data", "data/"),
    ("https://example-ml-data.s3.dualstack.us-east-1.amazonaws.com/d/", "example-ml-data", "d/"),
    ("https://example-ml-data.s3.cn-northwest-1.amazonaws.com.cn/d/", "example-ml-data", "d/"),
    ("https://s3-us-west-2.s3.amazonaws.com/d/", "s3-us-west-2", "d/"),
    ("https://example-ml-data.s3.amazonaws.com", "example-ml-data", ""),
]


@pytest.mark.parametrize(("uri", "bucket", "key"), FORMS)
def test_each_form_names_its_bucket_and_key(uri: str, bucket: str, key: str) -> None:
    assert parse("S3Uri", uri) == S3Uri(bucket, key)


@pytest.mark.parametrize(
    ("uri", "rule"),
    [
        ("https://example.com/example-ml-data/data/", "must be an https:// URL of an S3 endpoint"),
        (
            "https://example-ml-data.s3-accesspoint.us-east-1.amazonaws.com/d/",
            "must be an https:// URL of an S3 endpoint",
        ),
        ("https://example-ml-data.s3-website-us-east-1.amazonaws.com/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://s3.amazonaws.com:443/example-ml-data/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://user@s3.amazonaws.com/example-ml-data/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://S3.amazonaws.com/example-ml-data/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://s3.amazonaws.com.cn/example-ml-data/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://s3.cn-north-1.amazonaws.com/example-ml-data/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://s3.us-east-1.amazonaws.com.cn/example-ml-data/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://s3.dualstack.amazonaws.com/example-ml-data/d/", "must be an https:// URL of an S3 endpoint"),
        ("https://s3.amazonaws.com/", "must be an https:// S3 URL with a valid bucket name"),
        ("https://s3.amazonaws.com/Example_Bucket/d/", "must be an https:// S3 URL with a valid bucket name"),
        ("https://Example_Bucket.s3.amazonaws.com/d/", "must be an https:// S3 URL with a valid bucket name"),
        ("https://s3.amazonaws.com/example-ml-data/my%20data/", "must not hold '%'"),
        ("https://s3.amazonaws.com/example-ml-data/d/?versionId=1", "must not hold '?'"),
        ("https://s3.amazonaws.com/example-ml-data/d/#x", "must not hold '#'"),
        ("http://s3.amazonaws.com/example-ml-data/d/", "must be an s3:// URI or an https:// S3 URL"),
        ("s3://Example_Bucket/d/", "must be an s3:// URI with a valid bucket name"),
        ("example-ml-data/d/", "must be an s3:// URI or an https:// S3 URL"),
    ],
)
def test_other_uris_are_refused_with_the_rule(uri: str, rule: str) -> None:
    with pytest.raises(sm.ValidationError) as caught:
        parse("OutputDataConfig.S3OutputPath", uri)
    assert str(caught.value).startswith(f"OutputDataConfig.S3OutputPath: {rule}"), str(caught.value)
    assert repr(uri) in str(caught.value)
    assert not is_s3_uri(uri)


def test_a_cdk_token_stands_for_the_bucket_or_the_domain() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "Data")
    assert parse("S3Uri", bucket.url_for_object("data/")) == S3Uri(bucket.bucket_name, "data/")
    imported = s3.Bucket.from_bucket_name(stack, "Imported", "example-ml-data")
    assert parse("S3Uri", imported.virtual_hosted_url_for_object("data/")) == S3Uri("example-ml-data", "data/")
    with pytest.raises(sm.ValidationError, match="^S3Uri: must not take its host from a CDK token"):
        parse("S3Uri", bucket.virtual_hosted_url_for_object("data/"))


# A request as SageMaker's example notebooks write it: path-style https:// URIs.
NOTEBOOK_TRAIN = "https://s3-us-west-2.amazonaws.com/example-ml-data/data/train/"
NOTEBOOK_VALIDATION = "https://example-ml-data.s3.us-west-2.amazonaws.com/data/validation/"
NOTEBOOK_OUTPUT = "https://s3.us-west-2.amazonaws.com/example-ml-data/models/"
NOTEBOOK_CHECKPOINTS = "https://example-ml-data.s3-us-west-2.amazonaws.com/checkpoints/churn-xgb/"


def notebook_request() -> dict[str, Any]:
    request: dict[str, Any] = json.loads((REQUESTS / "create-training-job.json").read_text())
    train, validation = request["InputDataConfig"]
    train["DataSource"]["S3DataSource"]["S3Uri"] = NOTEBOOK_TRAIN
    validation["DataSource"]["S3DataSource"]["S3Uri"] = NOTEBOOK_VALIDATION
    request["OutputDataConfig"]["S3OutputPath"] = NOTEBOOK_OUTPUT
    request["CheckpointConfig"]["S3Uri"] = NOTEBOOK_CHECKPOINTS
    return request


@pytest.fixture(scope="module")
def notebook() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    stack = new_stack()
    sm.training_workflow_from_request(stack, "Notebook", notebook_request())
    template = Template.from_stack(stack).to_json()
    role = role_assumed_by(template, "sagemaker.amazonaws.com")
    return template, statements_of_role(template, role)


def _resources(statements: list[dict[str, Any]], action: str) -> set[str]:
    found = set()
    for statement in statements:
        if action in actions(statement):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            found.update(flat(r) for r in resources)
    return found


def test_a_notebooks_https_request_grants_the_same_buckets_and_prefixes(
    notebook: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, statements = notebook
    assert _resources(statements, "s3:GetObject") == {
        "arn:aws:s3:::example-ml-data/data/train/*",
        "arn:aws:s3:::example-ml-data/data/validation/*",
        "arn:aws:s3:::example-ml-data/checkpoints/churn-xgb/*",
    }
    assert _resources(statements, "s3:PutObject") == {
        "arn:aws:s3:::example-ml-data/models/*",
        "arn:aws:s3:::example-ml-data/checkpoints/churn-xgb/*",
    }
    assert _resources(statements, "s3:ListBucket") == {"arn:aws:s3:::example-ml-data"}
    prefixes = {s["Condition"]["StringLike"]["s3:prefix"] for s in statements if "s3:ListBucket" in actions(s)}
    assert prefixes == {"data/train/*", "data/validation/*", "checkpoints/churn-xgb/*"}


def test_a_notebooks_https_request_reaches_sagemaker_as_written(
    notebook: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    template, _ = notebook
    parameters = definition(template)["States"]["Create training job"]["Parameters"]
    uris = [c["DataSource"]["S3DataSource"]["S3Uri"] for c in parameters["InputDataConfig"]]
    assert uris == [NOTEBOOK_TRAIN, NOTEBOOK_VALIDATION]
    assert parameters["OutputDataConfig"]["S3OutputPath"] == NOTEBOOK_OUTPUT
    assert parameters["CheckpointConfig"]["S3Uri"] == NOTEBOOK_CHECKPOINTS


def test_an_unknown_https_host_in_a_request_is_refused_with_its_path() -> None:
    request = copy.deepcopy(notebook_request())
    request["InputDataConfig"][1]["DataSource"]["S3DataSource"]["S3Uri"] = "https://data.example.com/validation/"
    with pytest.raises(sm.ValidationError) as caught:
        sm.training_workflow_from_request(new_stack(), "Notebook", request)
    assert str(caught.value).startswith(
        "InputDataConfig[1].DataSource.S3DataSource.S3Uri: must be an https:// URL of an S3 endpoint"
    )


def test_s3_location_from_an_https_uri_keeps_the_uri_and_scopes_to_its_bucket() -> None:
    location = sm.S3Location.from_uri(NOTEBOOK_TRAIN)
    assert (location.uri, location.bucket_name, location.key_prefix) == (
        NOTEBOOK_TRAIN,
        "example-ml-data",
        "data/train/",
    )


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("https://example.com/data/", "uri: must be an https:// URL of an S3 endpoint"),
        ("https://s3.amazonaws.com/example-ml-data/my data/", "uri: must be an https:// S3 URL with no spaces"),
    ],
)
def test_s3_location_refuses_other_https_uris(uri: str, message: str) -> None:
    with pytest.raises(sm.ValidationError, match=f"^{message}"):
        sm.S3Location.from_uri(uri)


def test_manifest_data_may_be_https_urls() -> None:
    stack = new_stack()
    location = sm.S3Location.from_uri("s3://example-ml-data/manifests/train.manifest")
    channel = sm.Channel(
        channel_name="train", data_source=sm.S3DataSource(location=location, s3_data_type="ManifestFile")
    )
    from tests.builders import definition as job_definition
    from tests.builders import workflow

    workflow(
        stack,
        training_job_definition=job_definition(input_data_config=[channel]),
        manifest_data={"train": ["https://example-images.s3.eu-west-1.amazonaws.com/labelled/"]},
    )
    template = Template.from_stack(stack).to_json()
    statements = statements_of_role(template, role_assumed_by(template, "sagemaker.amazonaws.com"))
    assert "arn:aws:s3:::example-images/labelled/*" in _resources(statements, "s3:GetObject")


@pytest.mark.parametrize(
    "make",
    [
        lambda name: sm.S3Location(bucket_name=name, key_prefix="data/"),
        lambda name: sm.S3Location.from_json_path("$.Data", bucket=name),
        lambda name: sm.S3Location.from_uri(f"s3://{name}/data/"),
    ],
    ids=["constructor", "from_json_path", "from_uri"],
)
@pytest.mark.parametrize("name", ["192.168.1.1", "Upper-Case", "ab", "-leading"])
def test_every_way_to_name_a_bucket_applies_one_bucket_rule(make: Any, name: str) -> None:
    # One rule (api._s3_uri): an IP-address-like name is refused by each, not only by URIs.
    with pytest.raises(sm.ValidationError, match="bucket"):
        make(name)
