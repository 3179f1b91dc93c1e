"""The constructs-sm command: synth, diagram and permissions, exit codes and messages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from constructs_sm.cli import main
from tests.template_helpers import resources

REQUESTS = Path(__file__).parent.parent / "examples" / "requests"


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "cdk.out"
    assert main(["synth", str(REQUESTS / "create-hyper-parameter-tuning-job.json"), "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def template_file(assembly: Path) -> Path:
    return assembly / "ImportedTuning.template.json"


def test_synth_writes_a_cloud_assembly_cdk_deploys(assembly: Path) -> None:
    manifest = json.loads((assembly / "manifest.json").read_text())
    stack = manifest["artifacts"]["ImportedTuning"]
    assert stack["type"] == "aws:cloudformation:stack"
    assert stack["properties"]["templateFile"] == "ImportedTuning.template.json"
    # Environment-agnostic: CDK resolves the account and region from the deploying credentials.
    assert stack["environment"] == "aws://unknown-account/unknown-region"
    template = (assembly / "ImportedTuning.template.json").read_text()
    assert "123456789012" not in template
    assert '"Ref": "AWS::AccountId"' in template or "${AWS::AccountId}" in template


def test_synth_for_a_named_account_and_region(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    request = str(REQUESTS / "create-hyper-parameter-tuning-job.json")
    assert main(["synth", request, "-o", str(out), "--account", "210987654321", "--region", "eu-west-1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["artifacts"]["ImportedTuning"]["environment"] == "aws://210987654321/eu-west-1"


def test_synth_writes_a_template(template_file: Path) -> None:
    template = json.loads(template_file.read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::StepFunctions::StateMachine", "AWS::KMS::Key", "AWS::IAM::Role"} <= types


def test_synth_definition_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(REQUESTS / "create-tuning-job-boto3.json"), "--definition-only"]) == 0
    definition = json.loads(capsys.readouterr().out)
    assert definition["StartAt"] == "Check input"
    assert "Create tuning job" in definition["States"]


def test_bad_request_exits_2_with_the_json_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = json.loads((REQUESTS / "create-hyper-parameter-tuning-job.json").read_text())
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxParallelTrainingJobs"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(request))
    assert main(["synth", str(path)]) == 2
    assert "HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs: must be at least 1, but got 0" in (
        capsys.readouterr().err
    )


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(tmp_path / "none.json")]) == 2
    assert "No such file" in capsys.readouterr().err


def test_help_documents_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("synth", "diagram", "permissions"):
        assert command in out


def test_diagram_prints_mermaid(template_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", str(template_file)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("%% ImportedTuning-")
    assert "flowchart TD" in out and "Create tuning job" in out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed: .ci/run installs it")
def test_diagram_writes_svg(template_file: Path, tmp_path: Path) -> None:
    assert main(["diagram", str(template_file), "--format", "svg", "-o", str(tmp_path)]) == 0
    svgs = sorted(tmp_path.glob("*.svg"))
    assert len(svgs) == 2, "the workflow's and the stack's job reaper's"
    assert all(svg.read_text().lstrip().startswith(("<?xml", "<svg")) for svg in svgs)


def test_permissions_table(template_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["permissions", str(template_file), "--format", "markdown"]) == 0
    out: Any = capsys.readouterr().out
    assert "iam:PassRole" in out and "sagemaker:CreateHyperParameterTuningJob" in out and "s3:GetObject" in out


def test_synth_a_training_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(REQUESTS / "create-training-job.json")]) == 0
    template = json.loads(capsys.readouterr().out)
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    # The example request sets OutputDataConfig.CompressionType GZIP, SageMaker's documented default:
    # left out, so that the request keeps the optimized integration.
    assert "sagemaker:createTrainingJob.sync" in json.dumps(machine)


def test_synth_a_training_request_with_the_shape_named(capsys: pytest.CaptureFixture[str]) -> None:
    request = str(REQUESTS / "create-training-job.json")
    assert main(["synth", request, "--shape", "create-training-job", "--definition-only"]) == 0
    assert "Create training job" in json.loads(capsys.readouterr().out)["States"]


def test_bad_training_request_exits_2_with_the_json_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = json.loads((REQUESTS / "create-training-job.json").read_text())
    request["RetryStrategy"]["MaximumRetryAttempts"] = 31
    path = tmp_path / "bad-training.json"
    path.write_text(json.dumps(request))
    assert main(["synth", str(path)]) == 2
    assert "RetryStrategy.MaximumRetryAttempts: must be at most 30, but got 31" in capsys.readouterr().err


def test_training_shape_named_for_a_tuning_request_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    request = str(REQUESTS / "create-hyper-parameter-tuning-job.json")
    assert main(["synth", request, "--shape", "create-training-job"]) == 2
    err = capsys.readouterr().err
    assert "not CreateTrainingJob" in err
    assert "use --shape create-hyper-parameter-tuning-job, or leave --shape out" in err


# --- --shape: each form named by the operation it calls; the 0.1.0 names as deprecated aliases ---

SHAPE_EXAMPLES = {
    "create-hyper-parameter-tuning-job": "create-hyper-parameter-tuning-job.json",
    "create-training-job": "create-training-job.json",
    "preview-create-tuning-job": "create-tuning-job-preview.json",
    "preview-create-tuning-job-boto3": "create-tuning-job-boto3.json",
}
DEPRECATED = {
    "current": "create-hyper-parameter-tuning-job",
    "training": "create-training-job",
    "preview": "preview-create-tuning-job",
    "boto3": "preview-create-tuning-job-boto3",
}


def _definition(capsys: pytest.CaptureFixture[str], request: str, *shape: str) -> tuple[Any, str]:
    assert main(["synth", str(REQUESTS / request), *shape, "--definition-only"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


@pytest.mark.parametrize("shape", SHAPE_EXAMPLES)
def test_each_shape_name_reads_its_example_as_detection_does(shape: str, capsys: pytest.CaptureFixture[str]) -> None:
    named, err = _definition(capsys, SHAPE_EXAMPLES[shape], "--shape", shape)
    detected, _ = _definition(capsys, SHAPE_EXAMPLES[shape])
    assert named == detected
    assert err == ""


@pytest.mark.parametrize("old", DEPRECATED)
def test_a_deprecated_shape_name_still_works_and_says_its_new_name(
    old: str, capsys: pytest.CaptureFixture[str]
) -> None:
    new = DEPRECATED[old]
    by_old_name, err = _definition(capsys, SHAPE_EXAMPLES[new], "--shape", old)
    assert by_old_name == _definition(capsys, SHAPE_EXAMPLES[new], "--shape", new)[0]
    assert err.startswith(f"constructs-sm: --shape {old} is deprecated, use --shape {new}: ")


def test_boto3_says_it_is_the_preview_apis_form(capsys: pytest.CaptureFixture[str]) -> None:
    _, err = _definition(capsys, "create-tuning-job-boto3.json", "--shape", "boto3")
    assert "the HPO preview API's boto3 create_tuning_job(...) keyword arguments" in err


def test_a_current_api_boto3_request_under_the_old_boto3_name_is_told_its_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The report that named these shapes: boto3's create_hyper_parameter_tuning_job(...) arguments are the
    current API's fields, which `--shape boto3` (the preview API's boto3 form) refused as not in the preview API."""
    assert main(["synth", str(REQUESTS / "create-hyper-parameter-tuning-job.json"), "--shape", "boto3"]) == 2
    deprecated, error, hint = capsys.readouterr().err.splitlines()
    assert deprecated.startswith(
        "constructs-sm: --shape boto3 is deprecated, use --shape preview-create-tuning-job-boto3"
    )
    assert "is not a field of the preview CreateTuningJob request" in error
    assert hint.startswith(
        "constructs-sm: --shape preview-create-tuning-job-boto3 reads the HPO preview API's boto3 create_tuning_job(...)"
    )
    assert "are those of create-hyper-parameter-tuning-job, the current API's CreateHyperParameterTuningJob" in hint
    assert hint.endswith("use --shape create-hyper-parameter-tuning-job, or leave --shape out")
    _definition(capsys, "create-hyper-parameter-tuning-job.json", "--shape", "create-hyper-parameter-tuning-job")


@pytest.mark.parametrize(
    ("request_file", "named", "right"),
    [
        ("create-tuning-job-preview.json", "create-hyper-parameter-tuning-job", "preview-create-tuning-job"),
        ("create-hyper-parameter-tuning-job.json", "preview-create-tuning-job", "create-hyper-parameter-tuning-job"),
        ("create-training-job.json", "preview-create-tuning-job-boto3", "create-training-job"),
        ("create-tuning-job-boto3.json", "create-training-job", "preview-create-tuning-job"),
    ],
)
def test_a_shape_that_does_not_fit_names_the_shape_and_the_one_that_does(
    request_file: str, named: str, right: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["synth", str(REQUESTS / request_file), "--shape", named]) == 2
    *_, hint = capsys.readouterr().err.splitlines()
    assert hint.startswith(f"constructs-sm: --shape {named} reads ")
    assert f"are those of {right}, " in hint
    assert hint.endswith(f"use --shape {right}, or leave --shape out")


def test_preview_json_and_boto3_forms_read_alike(capsys: pytest.CaptureFixture[str]) -> None:
    """The preview API's JSON under the boto3 name (and the reverse) is read, not refused: no hint."""
    as_boto3, err = _definition(capsys, "create-tuning-job-preview.json", "--shape", "preview-create-tuning-job-boto3")
    assert as_boto3 == _definition(capsys, "create-tuning-job-preview.json")[0]
    assert err == ""


def test_synth_help_names_the_shapes_and_the_deprecated_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for name in SHAPE_EXAMPLES:
        assert f"{name}: " in out, name
    assert (
        "Deprecated names, still accepted: current for create-hyper-parameter-tuning-job, training for "
        "create-training-job, preview for preview-create-tuning-job, boto3 for preview-create-tuning-job-boto3 "
        "(the preview API's boto3 form, not the current API's)" in out
    )


def test_an_unknown_shape_exits_2_listing_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["synth", str(REQUESTS / "create-training-job.json"), "--shape", "sdk"])
    assert exit_.value.code == 2
    assert "preview-create-tuning-job-boto3" in capsys.readouterr().err


# --- --version ---


def test_version_prints_the_installed_distributions_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"constructs-sm {version('constructs-sm')}\n"


def test_synth_help_documents_training_requests(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "CreateTrainingJob" in out and "training" in out and "Exit codes" in out


def test_no_jsii_banner_and_no_aws_cdk_at_import() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_SILENCE")}
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "constructs-sm"), "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0
    assert "!!" not in done.stderr and "b'" not in done.stderr
    code = "import sys, constructs_sm, constructs_sm.cli; print('aws_cdk' in sys.modules, 'botocore' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert imported.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("option", "value", "rule"),
    [
        ("--stack-name", "bad name!", "must start with a letter"),
        ("--account", "not-an-account", "must be a 12-digit AWS account ID"),
        ("--region", "moon-1", "must be an AWS region"),
    ],
)
def test_bad_option_values_exit_2_naming_the_option(
    option: str, value: str, rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cdk.out"
    request = str(REQUESTS / "create-hyper-parameter-tuning-job.json")
    assert main(["synth", request, option, value, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{option}: {rule}" in err and "Traceback" not in err
    assert not out.exists()


_VALID = (REQUESTS / "create-hyper-parameter-tuning-job.json").read_text()


@pytest.mark.parametrize(
    ("name", "content", "named"),
    [
        ("not-utf8", b'{"a": "\xff\xfe"}', "must be UTF-8 (byte"),
        ("empty", b"", "must not be empty"),
        ("invalid", b'{"HyperParameterTuningJobName": ', "must be JSON"),
        ("array", b"[1, 2]", "must hold a JSON object"),
        ("deep", b"[" * 10000 + b"]" * 10000, "must nest at most 64 levels deep"),
        ("deep-under-unknown", b'{"Unknown": ' + b"[" * 700 + b"]" * 700 + b"}", "must nest at most 64 levels deep"),
        ("nan", b'{"x": NaN}', "x: must be a JSON number (NaN and Infinity are not)"),
        ("huge-int", b'{"x": 18446744073709551616}', "x: must be an integer within 64 bits"),
        ("duplicate-keys", b'{"Tags": [], "Tags": []}', "Tags: must appear once in its object (duplicate JSON key)"),
        ("too-large", b'{"x": "' + b"a" * (1 << 20) + b'"}', "must be at most 1048576 bytes"),
        (
            "escaped-quote",
            _VALID.replace('"Strategy": "Bayesian"', '"Strategy": "Bay\\"esian"').encode(),
            "Strategy: must be one of",
        ),
        (
            "int32",
            _VALID.replace('"MaxParallelTrainingJobs": 3', '"MaxParallelTrainingJobs": 2147483648').encode(),
            "must be at most",
        ),
    ],
)
def test_hostile_request_files_exit_2_without_a_traceback(
    name: str, content: bytes, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(content)
    out = tmp_path / "cdk.out"
    assert main(["synth", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err
    assert not out.exists()


def test_manifest_data_option_grants_read_on_the_listed_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = json.loads((REQUESTS / "create-training-job.json").read_text())
    source = request["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    source.update(S3DataType="ManifestFile", S3Uri=source["S3Uri"].rstrip("/") + "/train.manifest")
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(request))
    channel = request["InputDataConfig"][0]["ChannelName"]
    assert main(["synth", str(path), "--manifest-data", f"{channel}=s3://example-images/labelled/"]) == 0
    assert ":s3:::example-images/labelled/*" in capsys.readouterr().out
    assert main(["synth", str(path), "--manifest-data", "no-equals-sign"]) == 2
    assert "--manifest-data: must be CHANNEL=s3://bucket/prefix/" in capsys.readouterr().err


def _manifest_request(tmp_path: Path) -> Path:
    request = json.loads((REQUESTS / "create-training-job.json").read_text())
    source = request["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    source.update(S3DataType="ManifestFile", S3Uri=source["S3Uri"].rstrip("/") + "/train.manifest")
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(request))
    return path


def test_a_missing_manifest_data_names_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(_manifest_request(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err == (
        "constructs-sm: InputDataConfig[0].DataSource.S3DataSource.S3DataType: is ManifestFile: give "
        "--manifest-data train=s3://<bucket>/<prefix>/ for each S3 location the manifest lists (repeat the option "
        "for more) so that the execution role may read the data, not only the manifest, but got 'ManifestFile'\n"
    )
    assert "manifest_data" not in err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("validation=s3://example-images/labelled/", "--manifest-data: names no channel"),
        ("train=s3://example-images/数据/", "--manifest-data: must hold only characters an IAM policy document"),
        ("train=s3://example-images/*", "--manifest-data: must not contain '*'"),
        ("train=https://example.com/labelled/", "--manifest-data: must be CHANNEL=s3://bucket/prefix/"),
    ],
)
def test_wrong_manifest_data_names_the_option(
    option: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = "train=s3://example-images/labelled/"
    assert main(["synth", str(_manifest_request(tmp_path)), "--manifest-data", good, "--manifest-data", option]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"constructs-sm: {message}"), err
    assert "manifest_data" not in err


def test_manifest_data_may_be_an_https_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    option = "train=https://s3-us-west-2.amazonaws.com/example-images/labelled/"
    assert main(["synth", str(_manifest_request(tmp_path)), "--manifest-data", option]) == 0
    assert ":s3:::example-images/labelled/*" in capsys.readouterr().out
