"""Turn an ASL definition built in Python into a plain DefinitionString with substitutions.

A definition that holds CDK tokens would be rendered as ``Fn::Join``, which cfn-lint's state
machine rule skips. Each token becomes a ``${Name}`` placeholder instead, and
``DefinitionSubstitutions`` maps the names back to the tokens. A ``${`` that a user's own value
holds is written ``${Dollar}{``, with ``Dollar`` substituted by ``$``: no user string can name a
placeholder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")
_USER_PLACEHOLDER = re.compile(r"\$\{(?!Token\[)")


def to_definition_string(definition: dict[str, Any], names: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """``(definition_string, substitutions)``; ``names`` gives readable placeholder names to known tokens."""
    text = json.dumps(definition, separators=(",", ":"))
    substitutions: dict[str, str] = {}
    if _USER_PLACEHOLDER.search(text):
        text = _USER_PLACEHOLDER.sub("${Dollar}{", text)
        substitutions["Dollar"] = "$"
    for index, token in enumerate(dict.fromkeys(_TOKEN.findall(text))):
        name = names.get(token, f"Ref{index}")
        substitutions[name] = token
        text = text.replace(token, "${" + name + "}")
    return text, substitutions
