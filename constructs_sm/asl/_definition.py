"""Turn an ASL definition built in Python into a plain DefinitionString with substitutions.

A definition that holds CDK tokens would be rendered as ``Fn::Join``, which cfn-lint's state
machine rule skips. Each token becomes a ``${Name}`` placeholder instead, and
``DefinitionSubstitutions`` maps the names back to the tokens. A ``${`` that a user's own value
holds is written ``${Dollar}{``, with ``Dollar`` substituted by ``$``: no user string can name a
placeholder. A state's ``Resource`` that holds a token inside it (the partition of a stack whose
region is not known at synth time) becomes one whole placeholder, ``${SagemakerCreateTrainingJobSync}``:
cfn-lint's state machine rule (E3601) skips exactly such values and still checks the rest.
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
    for state in _all_states(definition):
        resource = state.get("Resource")
        if isinstance(resource, str) and _TOKEN.search(resource) and not _TOKEN.fullmatch(resource):
            placeholder = _resource_name(resource)
            substitutions[placeholder] = resource
            text = text.replace(
                json.dumps({"Resource": resource}, separators=(",", ":"))[1:-1], '"Resource":"${' + placeholder + '}"'
            )
    for index, token in enumerate(dict.fromkeys(_TOKEN.findall(text))):
        name = names.get(token, f"Ref{index}")
        substitutions[name] = token
        text = text.replace(token, "${" + name + "}")
    return text, substitutions


def _all_states(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The definition's states, those of its Map states' ItemProcessors (a Distributed Map's child
    workflow) and their Map states', and the Maps' ItemReader and ResultWriter: whatever has a Resource."""
    found: list[dict[str, Any]] = []
    for state in definition["States"].values():
        found.append(state)
        if state.get("Type") != "Map":
            continue
        # A Distributed Map's reader and writer name their S3 integration in a Resource too.
        found += [state[field] for field in ("ItemReader", "ResultWriter") if isinstance(state.get(field), dict)]
        processor = state.get("ItemProcessor")
        if isinstance(processor, Mapping):
            found += _all_states(processor)
    return found


def _resource_name(resource: str) -> str:
    """``arn:<partition>:states:::sagemaker:createTrainingJob.sync`` -> ``SagemakerCreateTrainingJobSync``."""
    words = re.split(r"[^A-Za-z0-9]+", resource.split(":::", 1)[-1])
    return "".join(word[:1].upper() + word[1:] for word in words if word)
