"""cfn-lint for the tests: what ``cfnlint.api.lint_file(path, config=ManualArgs(regions=["us-east-1"]))``
finds, with the rules built once per process.

``lint_file`` builds cfn-lint's whole rule set for every template it checks (its IAM rules load
their action and resource tables, about 0.45 s a call); cfn-lint's own command line checks many
templates with one rule set, the way this module does: the same ``Runner``, the same
``run_template_by_file_path`` per file (cfn-lint 1.58, ``cfnlint/runner/cli.py``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.rules import Match
from cfnlint.runner import Runner
from cfnlint.runner.template.runner import run_template_by_file_path

__all__ = ["lint", "lint_file"]


@cache
def _runner() -> Runner:
    return Runner(ConfigMixIn([], regions=["us-east-1"]))


def lint_file(path: Path) -> list[Match]:
    """cfn-lint's findings on the template file at ``path`` (us-east-1, warnings included)."""
    runner = _runner()
    return list(run_template_by_file_path(str(path), runner.config, runner.rules, False))


def lint(template: dict[str, Any], path: Path) -> list[str]:
    """cfn-lint's findings on ``template``, written to ``path`` first, warnings included."""
    path.write_text(json.dumps(template))
    return [str(m) for m in lint_file(path)]
