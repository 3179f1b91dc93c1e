"""The aws-cdk-lib range: pyproject.toml's floor is the release `make test-floor` runs the suite on
(constraints-floor.txt), the README states the range, and what the newest release has that the floor
lacks is detected, not assumed.

Found at aws-cdk-lib 2.200.0: ``aws_cdk.interfaces`` (the ``*Ref`` interfaces, 2.225 on) is named for
the type checker only; ``Validations.acknowledge`` / ``Acknowledgment`` (2.252.0 on, what cdk-nag 3
reads; cdk-nag 3 itself needs 2.257.0) is called only where it exists (``core._nag.can_acknowledge``).
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import app as example_app
from constructs_sm.core._nag import ACKNOWLEDGE_SINCE, can_acknowledge
from tests.conftest import ENV, _cdk_json_context

ROOT = Path(__file__).resolve().parent.parent
# Modules of aws-cdk-lib that are newer than the floor: the constructs must import without them.
NEWER_THAN_THE_FLOOR = ["aws_cdk.interfaces"]


def _dependencies() -> dict[str, str]:
    """name -> the requirement as pyproject.toml writes it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {Requirement(text).name: text for text in project["dependencies"]}


def _requirements() -> dict[str, Requirement]:
    return {name: Requirement(text) for name, text in _dependencies().items()}


def _floor_pins() -> dict[str, str]:
    """name -> version of constraints-floor.txt's pins."""
    text = (ROOT / "constraints-floor.txt").read_text()
    return {m[1].lower(): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.MULTILINE)}


@pytest.mark.parametrize("name", ["aws-cdk-lib", "constructs"])
def test_the_floor_venv_runs_at_the_floor_of_the_range(name: str) -> None:
    """pyproject.toml's lower bound is the version constraints-floor.txt pins (`make test-floor`)."""
    (floor,) = (s.version for s in _requirements()[name].specifier if s.operator == ">=")
    assert _floor_pins()[name] == floor


@pytest.mark.parametrize("name", ["aws-cdk-lib", "constructs"])
def test_the_installed_version_is_in_the_range(name: str) -> None:
    assert _requirements()[name].specifier.contains(version(name))


def test_the_readme_states_the_ranges() -> None:
    """The install section gives pyproject.toml's ranges as written there."""
    readme = (ROOT / "README.md").read_text()
    install = readme[readme.index("## Install") : readme.index("\n## ", readme.index("## Install") + 1)]
    for name in ("aws-cdk-lib", "constructs"):
        assert f"`{_dependencies()[name]}`" in install, name


def test_validations_acknowledge_is_detected_by_release() -> None:
    """``can_acknowledge`` is true exactly from the release that brought ``Validations.acknowledge``."""
    assert can_acknowledge() == (Version(version("aws-cdk-lib")) >= Version(ACKNOWLEDGE_SINCE))


def test_without_validations_acknowledge_the_app_synthesizes_and_writes_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An aws-cdk-lib before 2.252.0 (simulated on a newer one): no cdk-nag 3 can run there, so its form
    of the acknowledgements is not written, and nothing fails."""
    monkeypatch.delattr(cdk, "Acknowledgment", raising=False)
    assert not can_acknowledge()
    app = cdk.App(outdir=str(tmp_path), context=_cdk_json_context())
    example_app.build_app(app, ENV)
    app.synth()
    assert [c.node.path for c in app.node.find_all() if _nag_acknowledgements(c)] == []


def _nag_acknowledgements(construct: Any) -> list[str]:
    """The cdk-nag rules acknowledged on ``construct`` through ``Validations`` (aws-cdk-lib acknowledges
    rules of its own validator, ``CloudFormation-Validate::``, on some of its constructs)."""
    return [
        rule
        for m in construct.node.metadata
        if m.type == "aws:cdk:acknowledged-rules"
        for rule in m.data
        if rule.startswith("AwsSolutions::")
    ]


def test_the_newest_release_writes_the_acknowledgements_the_test_above_looks_for(tmp_path: Path) -> None:
    """The control of the test above: where ``Validations.acknowledge`` exists, the same app has them."""
    if not can_acknowledge():
        pytest.skip(f"Validations.acknowledge needs aws-cdk-lib>={ACKNOWLEDGE_SINCE}; this is {version('aws-cdk-lib')}")
    app = cdk.App(outdir=str(tmp_path), context=_cdk_json_context())
    example_app.build_app(app, ENV)
    assert any(_nag_acknowledgements(c) for c in app.node.find_all())


def _runtime_imports(tree: ast.AST) -> list[str]:
    """The modules a module imports when it runs: every import but those under ``if TYPE_CHECKING:``."""
    found: list[str] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            found += [name for child in node.orelse for name in _runtime_imports(ast.Module([child], []))]
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found += _runtime_imports(node)
    return found


def test_no_module_imports_what_is_newer_than_the_floor_at_run_time() -> None:
    """No module of the package imports, when it runs, a module of aws-cdk-lib newer than the floor
    (a type named from one is imported under ``if TYPE_CHECKING:``), so that `make test` at the newest
    release already catches what `make test-floor` would."""
    found = [
        (str(path.relative_to(ROOT)), name)
        for path in sorted((ROOT / "constructs_sm").rglob("*.py"))
        for name in _runtime_imports(ast.parse(path.read_text()))
        if any(name == newer or name.startswith(f"{newer}.") for newer in NEWER_THAN_THE_FLOOR)
    ]
    assert found == []


def test_the_import_check_sees_a_runtime_import() -> None:
    """Its negative control: the same import outside ``if TYPE_CHECKING:`` is found, inside it is not."""
    code = (
        "from typing import TYPE_CHECKING\n"
        "from aws_cdk.interfaces import aws_events\n"
        "if TYPE_CHECKING:\n"
        "    from aws_cdk.interfaces import aws_iam\n"
        "def f():\n"
        "    import aws_cdk.interfaces.aws_s3\n"
    )
    found = _runtime_imports(ast.parse(code))
    assert "aws_cdk.interfaces.aws_events" in found and "aws_cdk.interfaces.aws_s3" in found
    assert "aws_cdk.interfaces.aws_iam" not in found
