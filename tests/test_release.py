"""The release's version: pyproject.toml's, its CHANGELOG section, and what the package says it is."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import constructs_sm

ROOT = Path(__file__).parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SECTIONS = re.findall(r"^## (.+)$", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)


def _section(heading: str) -> str:
    text = (ROOT / "CHANGELOG.md").read_text()
    start = text.index(f"\n## {heading}\n") + len(f"\n## {heading}\n")
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else None]


def test_the_pyproject_version_has_a_changelog_section() -> None:
    assert PROJECT["version"] in SECTIONS, f"CHANGELOG.md has no '## {PROJECT['version']}' section: {SECTIONS}"
    assert re.search(r"^- ", _section(PROJECT["version"]), flags=re.MULTILINE), "the section lists no change"


def test_the_changelog_keeps_unreleased_on_top_and_releases_newest_first() -> None:
    assert SECTIONS[0] == "Unreleased"
    releases = [tuple(int(part) for part in heading.split(".")) for heading in SECTIONS[1:]]
    assert releases == sorted(releases, reverse=True) and len(set(releases)) == len(releases), SECTIONS


def test_version_is_the_installed_distributions() -> None:
    assert constructs_sm.__version__ == version("constructs-sm")


def test_version_is_read_on_first_use_only() -> None:
    code = "import sys, constructs_sm; print('importlib.metadata' in sys.modules, '__version__' in vars(constructs_sm))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_the_wheel_metadata_names_its_urls_and_license() -> None:
    """What .ci/wheel-check checks in the installed wheel, checked here in pyproject.toml."""
    assert set(PROJECT["urls"]) == {"Homepage", "Repository", "Issues", "Changelog"}
    assert PROJECT["license"] == "Apache-2.0"  # an SPDX expression, not a table (setuptools' deprecation)
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"]), "PEP 639: the expression says it"
    assert PROJECT["keywords"] and PROJECT["readme"] == "README.md"
