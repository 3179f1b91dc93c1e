"""JSONata for moto's interpreter: ``jsonata-python`` with Step Functions' ``$states`` and functions.

moto 5.2.5 parses JSONata states (``"QueryLanguage": "JSONata"``, ``{% ... %}`` strings) but its
evaluator, ``moto.stepfunctions.parser.asl.jsonata.jsonata.eval_jsonata_expression``, calls a
function pointer that is never set (it was written for a JVM-hosted engine): every JSONata
expression ends the execution with ``TypeError: 'NoneType' object is not callable``.

``jsonata_patches()`` (installed by ``sagemaker_sync_adapter``) evaluates every JSONata expression
of the interpreter with ``jsonata-python`` (module ``jsonata``, a port of JSONata 2.x; Step
Functions documents JSONata 2.0.6):

* the expression sees ``$states`` (``input``, ``context``, ``result``, ``errorOutput``) and every
  workflow variable as JSONata variables, passed as bindings (moto's own route writes them into
  the expression text, unescaped);
* Step Functions' own functions are bound: ``$partition``, ``$range``, ``$hash``, ``$random``,
  ``$uuid``, ``$parse`` (moto declares ``$hash`` and ``$uuid`` as stubs returning "not supported");
* an expression that yields nothing (undefined) or raises fails the state with
  ``States.QueryEvaluationError``, as the guide states.

It also sets moto's function pointer, so that any other moto caller of
``eval_jsonata_expression`` (a plain expression, no bindings) evaluates too.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jsonata import Jsonata
from jsonata.utils import Utils

from ._moto import (
    EvaluationFailedEventDetails,
    FailureEvent,
    FailureEventException,
    HistoryEventType,
    QueryLanguageMode,
    StatesErrorName,
    StatesErrorNameType,
    event_details,
    moto_jsonata,
    replaced,
    string_expression,
)

__all__ = ["JSONataEvaluationError", "evaluate", "jsonata_patches", "step_functions_functions"]


class JSONataEvaluationError(ValueError):
    """An expression that raised in the engine, or yielded nothing where a value is required."""


# "Transforming data with JSONata in Step Functions", section "JSONata functions provided by
# Step Functions": https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
_HASH_ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _plain(value: Any) -> Any:
    """An engine value as plain JSON data (JSONata ``null`` -> ``None``, sequences -> lists)."""
    if value is Utils.NULL_VALUE:
        return None
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise JSONataEvaluationError(f"{name} must be a number, got {value!r}")
    return value


def _partition(array: Any, chunk_size: Any) -> list[list[Any]]:
    # $partition([1,2,3,4], 3) -> [[1,2,3],[4]] (the States.ArrayPartition counterpart).
    size = _number(chunk_size, "$partition chunk size")
    if not isinstance(array, list) or size < 1 or int(size) != size:
        raise JSONataEvaluationError("$partition takes an array and a positive integer chunk size")
    items, size = _plain(array), int(size)
    return [items[start : start + size] for start in range(0, len(items), size)]


def _range(first: Any, last: Any, step: Any) -> list[float]:
    # $range(0, 10, 2) -> [0, 2, 4, 6, 8, 10]: both ends included (States.ArrayRange counterpart).
    start, end, by = (_number(v, "$range argument") for v in (first, last, step))
    if by == 0:
        raise JSONataEvaluationError("$range step must not be 0")
    values, current = [], start
    while (by > 0 and current <= end) or (by < 0 and current >= end):
        values.append(current)
        current += by
    return values


def _hash(data: Any, algorithm: Any) -> str:
    # $hash(value, 'SHA-256') -> lowercase hex digest (States.Hash counterpart).
    if algorithm not in _HASH_ALGORITHMS:
        raise JSONataEvaluationError(f"$hash algorithm must be one of {sorted(_HASH_ALGORITHMS)}, got {algorithm!r}")
    text = data if isinstance(data, str) else json.dumps(_plain(data), separators=(",", ":"))
    return hashlib.new(_HASH_ALGORITHMS[algorithm], text.encode()).hexdigest()


def _random(*seed: Any) -> float:
    # $random() or $random(seed): 0 <= n < 1, the same n for the same seed.
    if seed:
        return random.Random(_number(seed[0], "$random seed")).random()
    return random.random()


def _uuid() -> str:
    # $uuid(): a version 4 UUID (States.UUID counterpart).
    return str(uuid.uuid4())


def _parse(text: Any) -> Any:
    # $parse(jsonString): the JSON value a string holds ($eval is not available).
    if not isinstance(text, str):
        raise JSONataEvaluationError(f"$parse takes a JSON string, got {text!r}")
    try:
        return json.loads(text)
    except ValueError as error:
        raise JSONataEvaluationError(f"$parse: {error}") from None


def step_functions_functions() -> dict[str, Any]:
    """The functions Step Functions adds to JSONata, as engine bindings (names without ``$``)."""
    return {
        "partition": Jsonata.JLambda(_partition),
        "range": Jsonata.JLambda(_range),
        "hash": Jsonata.JLambda(_hash),
        "random": Jsonata.JLambda(_random),
        "uuid": Jsonata.JLambda(_uuid),
        "parse": Jsonata.JLambda(_parse),
    }


_compiled = threading.local()


def _compile(expression: str) -> Jsonata:
    cache = _compiled.__dict__.setdefault("expressions", {})
    if expression not in cache:
        compiled = Jsonata(expression)
        compiled.set_output_convert_nulls(False)  # tell null from undefined
        cache[expression] = compiled
    return cache[expression]


def _binding(value: Any) -> Any:
    # The engine reads a top-level Python None as undefined; JSON null is its NULL_VALUE.
    return Utils.NULL_VALUE if value is None else value


def evaluate(expression: str, variables: dict[str, Any] | None = None) -> Any:
    """Evaluate ``expression`` with Step Functions' functions and ``variables`` bound.

    Raises ``JSONataEvaluationError`` when the engine raises or the result is undefined.
    """
    bindings = {**step_functions_functions(), **{k: _binding(v) for k, v in (variables or {}).items()}}
    try:
        result = _compile(expression).evaluate(None, bindings)
    except JSONataEvaluationError:
        raise
    except Exception as error:  # the engine's JException and Python errors inside it
        raise JSONataEvaluationError(str(error) or type(error).__name__) from None
    if result is None:
        raise JSONataEvaluationError(f"The JSONata expression '{expression}' returned nothing (undefined).")
    return _plain(result)


def _variables(env: Any) -> dict[str, Any]:
    store = env.variable_store
    return {**store._outer_scope, **store._inner_scope}


def _states(env: Any) -> dict[str, Any]:
    data = env.states._states_data
    return {
        "input": data.get("input"),
        "context": data.get("context"),
        "result": data.get("result"),
        "errorOutput": data.get("errorOutput"),
    }


def _query_evaluation_error(env: Any, cause: str) -> FailureEventException:
    # "Handling errors in Step Functions workflows": States.QueryEvaluationError is raised when a
    # JSONata expression fails (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
    details = event_details(
        evaluationFailedEventDetails=EvaluationFailedEventDetails(error=error_name.error_name, cause=cause)
    )
    env.event_manager.add_event(
        context=env.event_history_context, event_type=HistoryEventType.EvaluationFailed, event_details=details
    )
    return FailureEventException(
        failure_event=FailureEvent(
            env=env, error_name=error_name, event_type=HistoryEventType.EvaluationFailed, event_details=details
        )
    )


def _eval_in_state(env: Any, expression: str, *, with_states: bool) -> Any:
    variables = _variables(env)
    if with_states:
        variables["states"] = _states(env)
    try:
        return evaluate(expression, variables)
    except JSONataEvaluationError as error:
        raise _query_evaluation_error(env, str(error)) from None


def _string_jsonata_eval_body(self: Any, env: Any) -> None:
    """A ``{% ... %}`` string of a JSONata state."""
    env.stack.append(_eval_in_state(env, self.expression, with_states=True))


def _variable_sample_eval_body(self: Any, env: Any) -> None:
    """A variable reference: ``$name...`` (JSONata states see ``$states`` too)."""
    with_states = self.query_language_mode == QueryLanguageMode.JSONata
    env.stack.append(_eval_in_state(env, self.expression, with_states=with_states))


def _plain_expression(expression: str) -> Any:
    """moto's ``eval_jsonata_expression`` contract: an expression with its declarations inlined."""
    try:
        return evaluate(expression)
    except JSONataEvaluationError as error:
        raise moto_jsonata.JSONataException("UNKNOWN", str(error)) from None


@contextmanager
def jsonata_patches() -> Iterator[None]:
    """Evaluate JSONata in moto's interpreter for the duration of the block (undone on exit).

    A JSONPath state's ``"x.$": "$name.path"`` goes through ``StringVariableSample`` too; the
    caller (``_interpreter``) reads the plain ``$name.path`` form with JSONPath semantics first.
    """
    with (
        replaced(string_expression.StringJSONata, "_eval_body", _string_jsonata_eval_body),
        replaced(string_expression.StringVariableSample, "_eval_body", _variable_sample_eval_body),
        replaced(moto_jsonata, "_eval_jsonata", _plain_expression),
    ):
        yield
