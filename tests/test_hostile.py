"""Hostile input: request files through ``constructs-sm synth``, wrong values through the Python API,
and bad CLI option values. Each one is refused: exit code 2 (or a ValidationError) with a message
naming the file, the field or the option, no traceback, and no template written.

The request files are in tests/hostile/cases/ (written by tests/hostile/make_cases.py; the 50 MB
one is written here at test time).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import constructs_sm as sm
from constructs_sm.api._request_file import MAX_BYTES, check_account, check_region, check_stack_name, load_request
from constructs_sm.cli import main
from tests import builders
from tests.conftest import new_stack

HOSTILE = Path(__file__).parent / "hostile"
CASES = HOSTILE / "cases"
EXPECTED: dict[str, str] = json.loads((CASES / "EXPECTED.json").read_text())
ARGS: dict[str, list[str]] = json.loads((CASES / "ARGS.json").read_text())
VALID = Path(__file__).parent.parent / "examples" / "requests" / "create-hyper-parameter-tuning-job.json"


def _refused(argv: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI; assert exit 2, no traceback and nothing written; return standard error."""
    rc = main([*argv, "-o", str(out)])
    captured = capsys.readouterr()
    assert rc == 2, captured.err
    assert "Traceback" not in captured.err and "@jsii" not in captured.err, captured.err
    assert captured.out == ""
    assert not out.exists()
    return captured.err


def test_the_case_files_are_those_make_cases_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_cases", HOSTILE / "make_cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made: dict[str, tuple[str, bytes, str]] = module.cases()
    on_disk = {path.name for path in CASES.glob("*.json")} - {"EXPECTED.json", "ARGS.json"}
    assert on_disk == set(made) == set(EXPECTED)
    assert len(made) >= 80
    for name, (_, content, named) in made.items():
        assert (CASES / name).read_bytes() == content, f"{name}: run python tests/hostile/make_cases.py"
        assert EXPECTED[name] == named


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_request_file_exits_2_naming_the_field_or_file(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(["synth", str(CASES / name), *ARGS.get(name, [])], tmp_path / "cdk.out", capsys)
    assert EXPECTED[name] in err


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_request_file_refused_by_load_request_or_the_library(name: str) -> None:
    """What the CLI does once it reads files with ``constructs_sm.api._request_file.load_request``."""
    args = ARGS.get(name, [])
    account = args[args.index("--account") + 1] if "--account" in args else None
    with pytest.raises(sm.ValidationError) as refused:
        request = load_request(CASES / name)
        use_request_role = "--use-request-role" in args
        # The stack the CLI builds: environment-agnostic unless --account is given.
        stack = cdk.Stack(cdk.App(), "Test", env=None if account is None else cdk.Environment(account=account))
        if sm.detect_request_shape(request) is sm.RequestShape.CREATE_TRAINING_JOB:
            sm.training_workflow_from_request(stack, "Workflow", request, use_request_role=use_request_role)
        else:
            sm.tuning_workflow_from_request(stack, "Workflow", request, use_request_role=use_request_role)
    assert EXPECTED[name] in str(refused.value)


def test_a_50_mb_file_exits_2_naming_the_file_and_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "fifty-mb.json"
    with big.open("wb") as file:
        file.write(b'{"HyperParameterTuningJobName": "')
        file.truncate(50 * 1024 * 1024 - 2)
        file.seek(0, 2)
        file.write(b'"}')
    err = _refused(["synth", str(big)], tmp_path / "cdk.out", capsys)
    assert "fifty-mb.json" in err and str(MAX_BYTES) in err


def test_a_file_one_byte_over_1_mib_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    over = tmp_path / "over.json"
    head = VALID.read_bytes().rstrip()[:-1] + b', "Padding": "'
    over.write_bytes(head + b" " * (MAX_BYTES + 1 - len(head) - 2) + b'"}')
    assert over.stat().st_size == MAX_BYTES + 1
    assert "over.json" in _refused(["synth", str(over)], tmp_path / "cdk.out", capsys)


@pytest.mark.parametrize("where", ["missing.json", "."])
def test_an_unreadable_path_exits_2_naming_it(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / where
    assert str(path) in _refused(["synth", str(path)], tmp_path / "cdk.out", capsys)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--stack-name", "bad name!"),
        ("--stack-name", "1stack"),
        ("--stack-name", "a" * 129),
        ("--stack-name", "stäck"),
        ("--account", "not-an-account"),
        ("--account", "12345678901"),
        ("--account", "\u0661" * 12),
        ("--region", "moon-1"),
        ("--region", "us-east-\u0661"),
        ("--region", "US-EAST-1"),
    ],
)
def test_a_bad_option_value_exits_2_naming_the_option(
    option: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(["synth", str(VALID), option, value], tmp_path / "cdk.out", capsys)
    assert f"{option}:" in err


@pytest.mark.parametrize(
    ("check", "option", "value"),
    [
        (check_stack_name, "--stack-name", "bad name!"),
        (check_stack_name, "--stack-name", "a" * 129),
        (check_stack_name, "--stack-name", ""),
        (check_account, "--account", "not-an-account"),
        (check_account, "--account", "\u0661" * 12),
        (check_region, "--region", "moon-1"),
        (check_region, "--region", "us-east-\u0661"),
    ],
)
def test_option_checks_name_the_option(check: Callable[[str], None], option: str, value: str) -> None:
    with pytest.raises(sm.ValidationError, match=f"^{option}: "):
        check(value)


def test_option_checks_accept_good_values() -> None:
    check_stack_name("A" + "-b1" * 42)
    check_account("123456789012")
    for region in ("us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1", "cn-north-1"):
        check_region(region)


def _tuning(**changes: Any) -> Callable[[cdk.Stack], Any]:
    return lambda stack: builders.workflow(stack, **changes)


def _config(**changes: Any) -> Callable[[cdk.Stack], Any]:
    return lambda stack: builders.workflow(stack, hyper_parameter_tuning_job_config=builders.config(**changes))


def _definition(**changes: Any) -> Callable[[cdk.Stack], Any]:
    return lambda stack: builders.workflow(stack, training_job_definition=builders.definition(**changes))


def _image(image: Any) -> Callable[[cdk.Stack], Any]:
    return _definition(algorithm_specification=sm.AlgorithmSpecification(training_image=image))


def _limits(**props: Any) -> Callable[[cdk.Stack], Any]:
    return lambda stack: _config(resource_limits=sm.ResourceLimits(**props))(stack)


def _range(range_: Callable[[], Any]) -> Callable[[cdk.Stack], Any]:
    return lambda stack: _config(parameter_ranges=[range_()])(stack)


def _training(**changes: Any) -> Callable[[cdk.Stack], Any]:
    def build(stack: cdk.Stack) -> Any:
        props: dict[str, Any] = {"training_job_definition": builders.definition(), **changes}
        return sm.TrainingWorkflow(stack, "Training", **props)

    return build


# (id, what builds it, substrings of which the message must hold one: the prop or the field)
API_CASES: list[tuple[str, Callable[[cdk.Stack], Any], tuple[str, ...]]] = [
    ("job_name_prefix-int", _tuning(job_name_prefix=123), ("job_name_prefix",)),
    (
        "from_registry-None",
        lambda stack: _image(sm.TrainingImage.from_registry(None))(stack),
        ("TrainingImage", "from_registry", "training_image"),
    ),  # type: ignore[arg-type]
    (
        "from_registry-int",
        lambda stack: _image(sm.TrainingImage.from_registry(5))(stack),
        ("TrainingImage", "from_registry", "training_image"),
    ),  # type: ignore[arg-type]
    ("tags-int-key", _tuning(tags={1: "x"}), ("tags", "Tags")),
    ("tags-None-value", _tuning(tags={"team": None}), ("tags", "Tags")),
    ("tags-list", _tuning(tags=["team"]), ("tags", "Tags")),
    ("S3Location.from_uri-int", lambda stack: sm.S3Location.from_uri(5), ("from_uri", "S3Uri", "uri")),  # type: ignore[arg-type]
    ("S3Location.from_uri-None", lambda stack: sm.S3Location.from_uri(None), ("from_uri", "S3Uri", "uri")),  # type: ignore[arg-type]
    (
        "max_parallel-str",
        _limits(max_parallel_training_jobs="2"),
        ("MaxParallelTrainingJobs", "max_parallel_training_jobs"),
    ),
    (
        "max_number-float",
        _limits(max_parallel_training_jobs=2, max_number_of_training_jobs=4.5),
        ("MaxNumberOfTrainingJobs", "max_number_of_training_jobs"),
    ),
    (
        "max_runtime-int",
        _limits(max_parallel_training_jobs=2, max_runtime=3600),
        ("MaxRuntimeInSeconds", "max_runtime"),
    ),
    (
        "objective-type-misspelt",
        _config(objective=sm.TuningObjective(metric_name="validation:auc", type="Maximise")),
        ("Type", "type"),
    ),
    (
        "objective-metric-None",
        _config(objective=sm.TuningObjective(metric_name=None, type="Maximize")),
        ("MetricName", "metric_name"),
    ),  # type: ignore[arg-type]
    ("strategy-lowercase", _config(strategy="bayesian"), ("Strategy", "strategy")),
    (
        "scaling-type-unknown",
        _range(lambda: sm.ContinuousParameterRange(name="eta", min_value=0.1, max_value=0.5, scaling_type="Log")),
        ("ScalingType", "scaling_type"),
    ),
    (
        "continuous-min-None",
        _range(lambda: sm.ContinuousParameterRange(name="eta", min_value=None, max_value=0.5)),
        ("MinValue", "min_value"),
    ),  # type: ignore[arg-type]
    (
        "integer-min-float",
        _range(lambda: sm.IntegerParameterRange(name="depth", min_value=1.5, max_value=5)),
        ("MinValue", "min_value"),
    ),  # type: ignore[arg-type]
    (
        "categorical-values-str",
        _range(lambda: sm.CategoricalParameterRange(name="tree", values="auto")),
        ("Values", "values"),
    ),
    (
        "static-hyperparameter-int",
        _definition(static_hyper_parameters={"num_round": 100}),
        ("StaticHyperParameters", "static_hyper_parameters"),
    ),
    ("environment-None", _definition(environment={"A": None}), ("Environment", "environment")),
    (
        "channel-name-None",
        _definition(
            input_data_config=[
                sm.Channel(
                    channel_name=None,
                    data_source=sm.S3DataSource(location=sm.S3Location.from_uri("s3://example-bucket/train/")),
                )
            ]
        ),
        ("ChannelName", "channel_name"),
    ),  # type: ignore[arg-type]
    (
        "input_data_config-not-a-list",
        lambda stack: _definition(input_data_config=builders.channel())(stack),
        ("InputDataConfig", "input_data_config"),
    ),
    (
        "stopping-max_runtime-int",
        _definition(stopping_condition=sm.StoppingCondition(max_runtime=3600)),
        ("MaxRuntimeInSeconds", "max_runtime"),
    ),  # type: ignore[arg-type]
    (
        "volume_size-int",
        _definition(resource_config=sm.ResourceConfig(instance_type="ml.m5.xlarge", instance_count=1, volume_size=30)),
        ("VolumeSizeInGB", "volume_size"),
    ),  # type: ignore[arg-type]
    (
        "network-isolation-str",
        _definition(enable_network_isolation="yes"),
        ("EnableNetworkIsolation", "enable_network_isolation"),
    ),
    (
        "retry-attempts-str",
        _definition(retry_strategy=sm.RetryStrategy(maximum_retry_attempts="2")),
        ("MaximumRetryAttempts", "maximum_retry_attempts"),
    ),  # type: ignore[arg-type]
    ("polling_interval-int", _tuning(polling_interval=30), ("polling_interval",)),
    ("timeout-str", _tuning(timeout="1h"), ("timeout",)),
    ("integration-unknown", _tuning(integration="turbo"), ("integration",)),
    (
        "config-dict",
        _tuning(hyper_parameter_tuning_job_config={"Strategy": "Bayesian"}),
        ("hyper_parameter_tuning_job_config", "HyperParameterTuningJobConfig"),
    ),
    (
        "definition-str",
        _tuning(training_job_definition="xgboost"),
        ("training_job_definition", "TrainingJobDefinition"),
    ),
    ("random_seed-str", _config(random_seed="42"), ("RandomSeed", "random_seed")),
    ("training-request-str", lambda stack: sm.TrainingWorkflow(stack, "Training", request="{}"), ("request",)),  # type: ignore[arg-type]
    ("training-state_machine_name-int", _training(state_machine_name=5), ("state_machine_name", "StateMachineName")),
]


@pytest.mark.parametrize(("build", "named"), [case[1:] for case in API_CASES], ids=[case[0] for case in API_CASES])
def test_a_wrong_value_through_the_python_api_raises_a_validation_error(
    build: Callable[[cdk.Stack], Any], named: tuple[str, ...]
) -> None:
    with pytest.raises(sm.ValidationError) as refused:
        build(new_stack())
    assert any(name in str(refused.value) for name in named), str(refused.value)
