"""The README shows what the code produces: its diagram is regenerated from the example app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from constructs_sm.diagram import definitions_from_template, to_mermaid

README = Path(__file__).parent.parent / "README.md"


def test_readme_diagram_is_the_minimal_examples(minimal: dict[str, Any]) -> None:
    (definition,) = definitions_from_template(minimal).values()
    blocks = re.findall(r"```mermaid\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks == [to_mermaid(definition).rstrip("\n") + "\n"], "regenerate the README diagram"


def test_readme_names_the_two_setup_commands() -> None:
    text = README.read_text()
    assert "make synth" in text and "make test" in text
