"""The emulator's dependency on moto's internals is the table in constructs_sm/testing/_moto.py, and
moto still has each of them: a moto release that renames, moves or re-signs one fails here, naming
it, before any behaviour test fails for a reason harder to read.

moto is required as a range (``>=5.2.5,<5.3``): these tests are what makes a release inside the range
safe to take; run them against the newest (``make test-latest``) before widening it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from constructs_sm.testing import OfflineAws, _moto

PACKAGE = Path(_moto.__file__).parent
TABLE_ROW = re.compile(r"^\| ``(?P<path>[\w.]+)``(?P<extra>[^|]*)\| (?P<how>[^|]+) \| (?P<why>[^|]+) \|$", re.M)


def _rows() -> list[dict[str, Any]]:
    rows = []
    for match in TABLE_ROW.finditer(_moto.__doc__ or ""):
        extra = match["extra"]
        rows.append(
            {
                "path": match["path"],
                "attributes": re.findall(r"``(\w+)``", extra) if "attributes" in extra else [],
                "module_attributes": re.findall(r"``(\w+)``", extra) if "module attribute" in extra else [],
                "how": match["how"].strip(),
                "why": match["why"].strip(),
            }
        )
    return rows


ROWS = _rows()


def _resolve(path: str) -> Any:
    """``a.b.C.d`` relative to moto: the longest importable module, then attributes."""
    parts = ("moto." + path).split(".")
    for split in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            value = getattr(value, name)
        return value
    raise ImportError(path)


def test_the_table_lists_what_and_why() -> None:
    assert len(ROWS) > 60
    for row in ROWS:
        assert row["how"] and row["why"], row["path"]
    paths = [row["path"] for row in ROWS]
    assert len(paths) == len(set(paths)), "one row per internal"


@pytest.mark.parametrize("row", ROWS, ids=[row["path"] for row in ROWS])
def test_each_internal_is_where_the_table_says(row: dict[str, Any]) -> None:
    value = _resolve(row["path"])
    for name in row["module_attributes"]:
        assert hasattr(value, name), f"moto.{row['path']} has no {name}"
    if row["attributes"]:
        assert inspect.isclass(value), row["path"]
        source = "".join(inspect.getsource(cls) for cls in value.__mro__ if cls.__module__ != "builtins")
        for name in row["attributes"]:
            # Set in moto's code, or a class attribute (the emulator sets failure_reason on training jobs).
            assert f"self.{name}" in source or hasattr(value, name) or name in _SET_BY_THE_EMULATOR, (
                f"moto.{row['path']} no longer has the attribute {name}"
            )


# Instance attributes moto does not set and the emulator adds (its Describe lists every attribute).
_SET_BY_THE_EMULATOR = {"failure_reason"}


@pytest.mark.parametrize("path", sorted(_moto.EXPECTED_PARAMETERS))
def test_each_function_the_emulator_calls_or_replaces_keeps_its_parameters(path: str) -> None:
    function = _resolve(path)
    function = getattr(function, "__func__", function)
    assert tuple(inspect.signature(function).parameters) == _moto.EXPECTED_PARAMETERS[path], f"moto.{path}"
    owner, _, name = path.rpartition(".")
    listed = path in {row["path"] for row in ROWS} or any(
        row["path"] == owner and name in row["module_attributes"] for row in ROWS
    )
    assert listed, f"moto.{path} is checked but not in the table"


def _moto_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "moto":
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "moto"]
    return found


def test_only_the_adapter_module_imports_moto() -> None:
    importing = {
        path.name
        for path in PACKAGE.glob("*.py")
        if path.name != "_moto.py" and _moto_imports(ast.parse(path.read_text()))
    }
    assert importing == set()


def test_every_moto_import_of_the_adapter_is_in_the_table() -> None:
    paths = [row["path"] for row in ROWS]
    imported = _moto_imports(ast.parse((PACKAGE / "_moto.py").read_text()))
    public = {"moto.mock_aws"}  # moto's public API
    missing = [
        name
        for name in imported
        if name not in public
        and not any(p == name.removeprefix("moto.") or p.startswith(name.removeprefix("moto.") + ".") for p in paths)
    ]
    assert missing == []


def test_invalid_definition_reaches_the_client_with_its_code_and_message(offline_aws: OfflineAws) -> None:
    """moto 5.2.5 and 5.2.6 build InvalidDefinition with different constructors (``invalid_definition``)."""
    task = {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:createModel", "End": True}
    task["Parameters"] = {"ModelName": "m", "Unknown": 1}
    with pytest.raises(ClientError) as refused:
        offline_aws.create_state_machine({"StartAt": "T", "States": {"T": task}}, "refused")
    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"
    assert refused.value.response["Error"]["Message"].startswith(
        'Invalid State Machine Definition: \'SCHEMA_VALIDATION_FAILED: The field "Unknown"'
    )


def test_a_training_jobs_describe_lists_the_attributes_the_emulator_sets(offline_aws: OfflineAws) -> None:
    """``FakeTrainingJob.response_object`` lists every attribute that is not None: the emulator's
    FailureReason and FinalMetricDataList reach DescribeTrainingJob through it."""
    offline_aws.jobs.fail("ClientError: scripted", "probe")
    offline_aws.sagemaker.create_training_job(
        TrainingJobName="probe",
        AlgorithmSpecification={
            "TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1",
            "TrainingInputMode": "File",
        },
        RoleArn="arn:aws:iam::123456789012:role/r",
        OutputDataConfig={"S3OutputPath": "s3://bucket/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    described = offline_aws.sagemaker.describe_training_job(TrainingJobName="probe")
    assert (described["TrainingJobStatus"], described["FailureReason"]) == ("Failed", "ClientError: scripted")


def test_every_patch_is_undone_when_the_block_ends() -> None:
    """The block leaves moto as it found it: each replaced attribute is the original again."""
    replaced = [row for row in ROWS if row["how"] in ("replaced", "wrapped", "patched", "extended")]
    before = {row["path"]: _snapshot(row) for row in replaced}
    with OfflineAws():
        pass
    assert {row["path"]: _snapshot(row) for row in replaced} == before


def _snapshot(row: dict[str, Any]) -> Any:
    owner_path, _, name = row["path"].rpartition(".")
    value = _resolve(row["path"])
    if row["module_attributes"]:
        return tuple(id(getattr(value, attribute)) for attribute in row["module_attributes"])
    owner = _resolve(owner_path) if owner_path else None
    if inspect.isclass(owner):
        return id(vars(owner).get(name))
    if inspect.isclass(value):
        return tuple(sorted((k, id(v)) for k, v in vars(value).items() if callable(v) or isinstance(v, staticmethod)))
    return id(value)


def test_the_checks_fail_when_moto_moves_or_re_signs_an_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative control: a renamed internal does not resolve, a re-signed one no longer matches."""
    from moto.sagemaker.models import SageMakerModelBackend

    monkeypatch.delattr("moto.core.utils.utcnow")
    with pytest.raises(AttributeError):
        _resolve("core.utils.utcnow")

    def describe_training_job(self: Any, name: str) -> None: ...

    monkeypatch.setattr(SageMakerModelBackend, "describe_training_job", describe_training_job)
    path = "sagemaker.models.SageMakerModelBackend.describe_training_job"
    assert tuple(inspect.signature(_resolve(path)).parameters) != _moto.EXPECTED_PARAMETERS[path]
