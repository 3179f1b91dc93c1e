"""CreateStateMachine refuses an optimized ``sagemaker:`` task whose Parameters hold a field it does not take.

Step Functions validates the Parameters of an optimized integration against its own schema when the
state machine is created or updated, and answers ``InvalidDefinition``: "Invalid State Machine
Definition: 'SCHEMA_VALIDATION_FAILED: The field "X" is not supported by Step Functions at
/States/<state>/Parameters'" (quoted in aws/aws-cdk issues 10014 and 29968 and in the Step
Functions Data Science SDK's issue 200, where the field is nested: ``Tags[].key``; the location is
the state's Parameters, the field its own name). The fields each optimized SageMaker action takes
are listed in the Step Functions guide, "Create and manage Amazon SageMaker AI jobs with Step
Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html); the
library keeps that allowlist, with its evidence, in ``constructs_sm.api._integration``
(``unsupported_fields``), which this module reads rather than copies.

Checked here, for every Task whose Resource is ``arn:<partition>:states:::sagemaker:<action>``
(any integration pattern), in every branch and item processor:

* for CreateTrainingJob and CreateHyperParameterTuningJob, every field outside the allowlist;
* for every SageMaker action, every field that is not a member of the action's request in the
  SageMaker API model botocore ships (no schema of Step Functions can take those).

A placeholder (``"Field.$": "$.path"``) counts as the field. A JSONata ``Arguments`` object is read
the same way; an ``Arguments`` that is a whole ``{% %}`` expression has nothing to read statically.
The same check runs on the evaluated parameters when the task starts (``runtime_unsupported``):
fields that came in through a path. The Data Science SDK's issue 15 shows Step Functions failing
such an execution with ``States.Runtime`` naming the field; the wording of that cause around the
field is the emulator's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import botocore.session

from ._moto import StepFunctionsParserBackend, invalid_definition, replaced

__all__ = ["definition_patches", "runtime_unsupported", "unsupported_in_definition"]

_SAGEMAKER_TASK = re.compile(r"^arn:[^:]+:states:::sagemaker:([A-Za-z]+)(?:\.[A-Za-z0-9:]+)?$")


@cache
def _sagemaker_model() -> Any:
    return botocore.session.get_session().get_service_model("sagemaker")


def _operation(action: str) -> str:
    return action[:1].upper() + action[1:]


def _without_placeholders(value: Any) -> Any:
    """``{"A.$": "$.x"}`` -> ``{"A": "$.x"}``: a placeholder stands for its field."""
    if isinstance(value, dict):
        return {
            (k[:-2] if isinstance(k, str) and k.endswith(".$") else k): _without_placeholders(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_placeholders(v) for v in value]
    return value


def _unknown_to_api(shape: Any, value: Any, at: str) -> Iterator[str]:
    """Fields of ``value`` that are not members of the API shape, as ``A.B[].C`` patterns."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            path = f"{at}.{key}" if at else str(key)
            if key not in shape.members:
                yield path
            else:
                yield from _unknown_to_api(shape.members[key], item, path)
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            yield from _unknown_to_api(shape.member, item, f"{at}[]")


def _unsupported(operation: str, request: dict[str, Any]) -> list[str]:
    """Paths of ``request`` (placeholders resolved to their fields) the optimized integration refuses."""
    request = _without_placeholders(request)
    try:
        shape = _sagemaker_model().operation_model(operation).input_shape
    except Exception:  # not a SageMaker action: moto refuses the resource itself at run time
        return []
    found = list(_unknown_to_api(shape, request, ""))
    from constructs_sm.api import _integration  # lazily: the library's evidence table

    if operation in _integration.OPTIMIZED_FIELDS:
        found += [path for path in _integration.unsupported_fields(operation, request) if path not in found]
    return found


def _leaf(path: str) -> str:
    return re.split(r"[.\[\]]+", path.rstrip("[]"))[-1]


def _states(machine: dict[str, Any], at: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in (machine.get("States") or {}).items():
        yield f"{at}/States/{name}", state
        for index, branch in enumerate(state.get("Branches") or []):
            yield from _states(branch, f"{at}/States/{name}/Branches[{index}]")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                yield from _states(state[key], f"{at}/States/{name}/{key}")


def unsupported_in_definition(definition: dict[str, Any]) -> list[str]:
    """Step Functions' SCHEMA_VALIDATION_FAILED messages for a definition, one per refused field."""
    messages = []
    for location, state in _states(definition, ""):
        match = _SAGEMAKER_TASK.match(str(state.get("Resource", ""))) if state.get("Type") == "Task" else None
        if match is None:
            continue
        for field_name in ("Parameters", "Arguments"):
            request = state.get(field_name)
            if isinstance(request, dict):
                for path in _unsupported(_operation(match.group(1)), request):
                    messages.append(
                        f'SCHEMA_VALIDATION_FAILED: The field "{_leaf(path)}" is not supported by Step Functions '
                        f"at {location}/{field_name}"
                    )
    return messages


def runtime_unsupported(action: str, parameters: dict[str, Any]) -> str | None:
    """The cause for a started optimized task whose evaluated parameters hold a refused field."""
    paths = _unsupported(_operation(action), parameters)
    if not paths:
        return None
    fields = ", ".join(f'The field "{_leaf(path)}" is not supported by Step Functions' for path in paths)
    return f"The Parameters '{json.dumps(parameters, separators=(',', ':'))}' could not be used to start the Task: [{fields}]"


@contextmanager
def definition_patches() -> Iterator[None]:
    """Run the check at CreateStateMachine / UpdateStateMachine for the duration of the block."""
    original = StepFunctionsParserBackend.__dict__["_validate_definition"]

    def _validate_definition(definition: str) -> None:
        original.__func__(definition)
        messages = unsupported_in_definition(json.loads(definition))
        if messages:
            raise invalid_definition(f"Invalid State Machine Definition: '{messages[0]}'")

    with replaced(StepFunctionsParserBackend, "_validate_definition", staticmethod(_validate_definition)):
        yield
