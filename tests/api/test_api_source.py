"""botocore's SageMaker model is the one source of field names, enums, limits and patterns: the
typed props pass strings through and the model judges them; names, ARNs and prefixes are derived
from it rather than typed a second time."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

import constructs_sm as sm
from constructs_sm.api._model import input_shape
from constructs_sm.props import channels
from tests.api_shapes import member_shape
from tests.builders import channel, definition, workflow
from tests.conftest import new_stack

REQUESTS = Path(__file__).parents[2] / "examples" / "requests"


def fails(message: str) -> pytest.RaisesExc:  # type: ignore[type-arg]
    return pytest.raises(sm.ValidationError, match=re.escape(message))


# Enums: the StrEnums are conveniences; botocore's enum decides.

TUNING, TRAINING = "CreateHyperParameterTuningJob", "CreateTrainingJob"
STR_ENUMS: list[tuple[type[StrEnum], str, str]] = [
    (sm.Strategy, TUNING, "HyperParameterTuningJobConfig.Strategy"),
    (sm.ObjectiveType, TUNING, "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type"),
    (sm.ScalingType, TUNING, "HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[].ScalingType"),
    (sm.EarlyStoppingType, TUNING, "HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType"),
    (sm.WarmStartType, TUNING, "WarmStartConfig.WarmStartType"),
    (
        sm.CompleteOnConvergence,
        TUNING,
        "HyperParameterTuningJobConfig.TuningJobCompletionCriteria.ConvergenceDetected.CompleteOnConvergence",
    ),
    (sm.AllocationStrategy, TUNING, "TrainingJobDefinition.HyperParameterTuningResourceConfig.AllocationStrategy"),
    (sm.S3DataType, TRAINING, "InputDataConfig[].DataSource.S3DataSource.S3DataType"),
    (sm.S3DataDistributionType, TRAINING, "InputDataConfig[].DataSource.S3DataSource.S3DataDistributionType"),
    (sm.CompressionType, TRAINING, "InputDataConfig[].CompressionType"),
    (sm.RecordWrapperType, TRAINING, "InputDataConfig[].RecordWrapperType"),
    (sm.FileSystemType, TRAINING, "InputDataConfig[].DataSource.FileSystemDataSource.FileSystemType"),
    (sm.FileSystemAccessMode, TRAINING, "InputDataConfig[].DataSource.FileSystemDataSource.FileSystemAccessMode"),
    (sm.OutputCompressionType, TRAINING, "OutputDataConfig.CompressionType"),
    (sm.InputMode, TRAINING, "AlgorithmSpecification.TrainingInputMode"),
    (
        sm.TrainingRepositoryAccessMode,
        TRAINING,
        "AlgorithmSpecification.TrainingImageConfig.TrainingRepositoryAccessMode",
    ),
]


@pytest.mark.parametrize(("kind", "operation", "path"), STR_ENUMS, ids=[kind.__name__ for kind, *_ in STR_ENUMS])
def test_every_str_enum_value_is_one_of_botocores(kind: type[StrEnum], operation: str, path: str) -> None:
    """The conveniences offer only what the model accepts; the model may accept more."""
    assert {member.value for member in kind} <= set(member_shape(operation, path).enum)


def test_every_str_enum_of_the_props_is_compared_with_botocore() -> None:
    compared = {kind for kind, *_ in STR_ENUMS}
    props = {
        value
        for name in sm.__all__
        if isinstance(value := getattr(sm, name), type)
        and issubclass(value, StrEnum)
        and value.__module__.startswith("constructs_sm.props")
    }
    assert props == compared


def _training(**changes: Any) -> sm.TrainingWorkflow:
    return sm.TrainingWorkflow(new_stack(), "Training", training_job_definition=definition(**changes))


def test_a_value_botocore_adds_reaches_the_request_before_the_str_enum_lists_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A botocore release that adds an enum value is enough: no constructs_sm release is needed."""
    shape = input_shape(TRAINING).members["InputDataConfig"].member.members["CompressionType"]
    # The shape reads botocore's JSON model: a release that adds a value adds it there.
    monkeypatch.setitem(shape._model, "enum", [*shape.enum, "Zstd"])
    assert "Zstd" not in {m.value for m in sm.CompressionType}
    wf = _training(
        input_data_config=[sm.Channel(channel_name="train", data_source=channel().data_source, compression_type="Zstd")]
    )
    assert wf.request["InputDataConfig"][0]["CompressionType"] == "Zstd"


def test_a_value_the_str_enum_lacks_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The StrEnum is not consulted: one without ``Converse`` still lets the API string through."""
    smaller = StrEnum("S3DataType", {"S3_PREFIX": "S3Prefix"})  # type: ignore[misc]
    monkeypatch.setattr(channels, "S3DataType", smaller)
    source = sm.S3DataSource(location=sm.S3Location.from_uri("s3://example-bucket/train/"), s3_data_type="Converse")
    wf = _training(input_data_config=[sm.Channel(channel_name="train", data_source=source)])
    assert wf.request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataType"] == "Converse"


def test_an_enum_string_botocore_refuses_fails_at_synth_naming_the_request_path() -> None:
    allowed = ", ".join(member_shape(TUNING, "TrainingJobDefinition.InputDataConfig[].CompressionType").enum)
    bad = sm.Channel(channel_name="train", data_source=channel().data_source, compression_type="gzip")
    with fails(f"TrainingJobDefinition.InputDataConfig[0].CompressionType: must be one of {allowed}, but got 'gzip'"):
        workflow(training_job_definition=definition(input_data_config=[bad]))


def test_a_member_of_another_str_enum_is_judged_by_its_value() -> None:
    """OutputCompressionType spells GZIP in capitals; the channels' CompressionType does not."""
    output = sm.OutputDataConfig(
        s3_output_path=sm.S3Location.from_uri("s3://example-bucket/out/"),
        compression_type=sm.CompressionType.GZIP,  # type: ignore[arg-type]
    )
    with fails("OutputDataConfig.CompressionType: must be one of GZIP, NONE, but got 'Gzip'"):
        _training(output_data_config=output)


def test_an_enum_prop_that_is_not_a_string_names_its_str_enum() -> None:
    with fails("HyperParameterTuningJobConfig.Strategy: must be a Strategy or its API string, but got 3"):
        workflow(
            hyper_parameter_tuning_job_config=sm.HyperParameterTuningJobConfig(
                resource_limits=sm.ResourceLimits(max_parallel_training_jobs=1, max_number_of_training_jobs=2),
                strategy=3,  # type: ignore[arg-type]
            )
        )


# Job names: the reaper's check reads the model's pattern, the prefixes its limits.


def test_the_reapers_name_check_is_botocores_pattern() -> None:
    from constructs_sm.asl._job_request import TRAINING_JOB
    from constructs_sm.workflows._reaper import JOB_NAME, name_check

    unbounded = re.sub(r"\{0,\d+\}\$$", "*$", TRAINING_JOB.name_pattern)
    assert name_check("$name", "$kind") == f"$contains($name, /{unbounded}/)"
    assert name_check("$name", "$workflow.kind") in JOB_NAME


def test_the_reapers_name_check_follows_a_changed_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pattern botocore changes reaches the reaper; kinds whose patterns differ get one regex each."""
    from constructs_sm.asl._job_request import TUNING_JOB, JobKind
    from constructs_sm.workflows._reaper import name_check

    patterns = {"TrainingJob": "^[a-z](-*[a-z]){0,62}$", "HyperParameterTuningJob": "^[a-z0-9]{0,31}$"}
    monkeypatch.setattr(JobKind, "name_pattern", property(lambda kind: patterns[kind.action_noun]))
    assert TUNING_JOB.name_pattern == "^[a-z0-9]{0,31}$"
    assert name_check("$n", "$k") == (
        "(($k = 'HyperParameterTuningJob' and $contains($n, /^[a-z0-9]*$/)) or "
        "($k = 'TrainingJob' and $contains($n, /^[a-z](-*[a-z])*$/)))"
    )


def test_request_import_prefixes_leave_room_for_the_generated_suffix() -> None:
    from constructs_sm.asl._job_request import TRAINING_JOB, TUNING_JOB
    from constructs_sm.asl._workflow_states import SUFFIX_LENGTH

    name = "a" * 100
    assert len(sm.job_name_prefix(name)) == TUNING_JOB.max_name_length - SUFFIX_LENGTH
    limit = TRAINING_JOB.max_prefix_length
    assert len(sm.job_name_prefix(name, max_length=limit)) == TRAINING_JOB.max_name_length - SUFFIX_LENGTH


# Step Functions integration ARNs: one helper, for operations botocore's model has.


def test_task_resource_names_the_operation_as_step_functions_does() -> None:
    from constructs_sm.api._integration import task_resource

    assert task_resource("aws", "StopTrainingJob") == "arn:aws:states:::aws-sdk:sagemaker:stopTrainingJob"
    assert task_resource("aws-cn", "DescribeModel") == "arn:aws-cn:states:::aws-sdk:sagemaker:describeModel"
    assert (
        task_resource("aws", "CreateHyperParameterTuningJob", sdk=False, sync=True)
        == "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync"
    )


def test_task_resource_refuses_an_operation_botocore_lacks() -> None:
    from constructs_sm.api._integration import task_resource

    with pytest.raises(ValueError, match="StopTrainingJobs is not an operation"):
        task_resource("aws", "StopTrainingJobs")
    with pytest.raises(ValueError, match="no .sync"):
        task_resource("aws", "CreateTrainingJob", sync=True)


def test_no_module_spells_a_sagemaker_task_resource() -> None:
    """Every ``arn:...:states:::...sagemaker:`` Resource comes from ``task_resource`` (or JobKind)."""
    import constructs_sm

    root = Path(constructs_sm.__file__).parent
    spelled = re.compile(r"""f?["']arn:\{partition\}:states:::""")
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if spelled.search(path.read_text()) and path.parts[-2] not in ("testing",)
    ]
    # api/_integration.py is the helper; asl/_job_request.py (JobKind.resource, describe_resource) is to use it.
    assert set(found) <= {"api/_integration.py", "asl/_job_request.py"}


# S3 bucket names: one rule.


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("example-bucket", True),
        ("a.b-c", True),
        ("192.168.1.10x", True),
        ("1.2.3.4.5", True),
        ("192.168.1.10", False),
        ("ab", False),
        ("Example_Bucket", False),
        ("-bucket", False),
        ("b" * 64, False),
        ("${Token[TOKEN.12]}", True),
        (None, False),
    ],
)
def test_is_bucket_name(name: Any, valid: bool) -> None:
    from constructs_sm.api._s3_uri import BUCKET_NAME, is_bucket_name

    assert is_bucket_name(name) is valid
    if isinstance(name, str) and not name.startswith("$"):
        # The same rule inside a longer pattern: an ARN's bucket, followed by a key.
        assert (re.fullmatch(rf"arn:aws:s3:::{BUCKET_NAME}/key", f"arn:aws:s3:::{name}/key") is not None) is valid


# Request shapes: read from the model.


@pytest.mark.parametrize(
    ("fields", "shape"),
    [
        ({"TrainingJobName": "x"}, sm.RequestShape.CREATE_TRAINING_JOB),
        ({"AlgorithmSpecification": {}}, sm.RequestShape.CREATE_TRAINING_JOB),
        # Any field only CreateTrainingJob has, in botocore's model: not a list typed here.
        ({"RoleArn": "x", "InputDataConfig": []}, sm.RequestShape.CREATE_TRAINING_JOB),
        # A field only CreateHyperParameterTuningJob has wins: the model then names the stray field.
        ({"HyperParameterTuningJobConfig": {}, "RoleArn": "x"}, sm.RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB),
        ({"TuningJobName": "x", "TrainingJobDefinition": {}}, sm.RequestShape.CREATE_TUNING_JOB),
        ({}, sm.RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB),
    ],
)
def test_request_shape_from_the_models_top_level_fields(fields: dict[str, Any], shape: sm.RequestShape) -> None:
    assert sm.detect_request_shape(fields) is shape


def test_a_stray_top_level_field_of_a_tuning_request_is_named_by_the_model() -> None:
    body = json.loads((REQUESTS / "create-hyper-parameter-tuning-job.json").read_text())
    body["RoleArn"] = "arn:aws:iam::123456789012:role/x"
    with fails("RoleArn: is not a field of CreateHyperParameterTuningJobRequest in the SageMaker API"):
        sm.tuning_workflow_from_request(new_stack(), "Imported", body)


def test_request_shapes_are_the_models_operations() -> None:
    from constructs_sm.api._model import operation_names

    assert sm.RequestShape.CREATE_TRAINING_JOB.value in operation_names()
    assert sm.RequestShape.CREATE_HYPER_PARAMETER_TUNING_JOB.value in operation_names()


def test_the_cli_names_the_shapes_from_request_shape(capsys: pytest.CaptureFixture[str]) -> None:
    from constructs_sm.cli import _SHAPES, main

    assert {shape for shape in _SHAPES.values() if shape is not None} == set(sm.RequestShape)
    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for shape in sm.RequestShape:
        assert shape.value in out
