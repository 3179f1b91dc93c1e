"""The README's "Test your workflows offline" examples, run as a user runs them: the README's own
text (not a copy), the pytest plugin's ``offline_aws`` fixture, the public API only. CI also runs
them outside the repository against the built wheel (.ci/wheel-check)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("readme_examples", _ROOT / ".ci" / "readme_examples.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

exec(compile(_module.readme_examples((_ROOT / "README.md").read_text()), "README.md", "exec"))  # noqa: S102
