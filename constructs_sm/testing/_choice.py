"""A JSONPath Choice rule's ``Assign`` may not read the state input: no AWS page says what ``$`` is there.

The Choice state page documents a rule-level ``Assign`` only under "Choice Rules (JSONata)" (it
"assigns variables when this specific choice rule matches",
https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html). No AWS page found says
which value ``$`` denotes inside a JSONPath Choice *rule*'s ``Assign`` (the state input? the rule's
boolean?): moto evaluates it against the rule's boolean result, LocalStack does the same, and an
earlier version of this emulator read the state input. Relying on any of them is relying on undocumented semantics, so the emulator refuses
it: a JSONPath Choice state whose rule ``Assign`` holds a ``.$`` path or intrinsic reading ``$`` or
``$.…`` fails the execution with ``States.Runtime`` when the state is entered. Literals, workflow
variables (``$name``) and the context object (``$$.…``) stay allowed, and are assigned when the
rule matches: moto 5.2.5 parses a rule-level ``Assign`` for composite (``And``/``Or``/``Not``) JSONPath
rules but silently drops it for a single-comparison (``Variable``) rule; the patch keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._moto import (
    ASLParser,
    AssignDecl,
    EvalComponent,
    FailureEvent,
    FailureEventException,
    HistoryEventType,
    Preprocessor,
    QueryLanguageMode,
    StatesErrorName,
    StatesErrorNameType,
    TaskFailedEventDetails,
    event_details,
    replaced,
    state_choice,
    string_expression,
)

__all__ = ["choice_rule_patches", "input_reads"]

# A "$" that is neither "$$" (context object) nor "$name" (a variable), outside quoted literals.
_INPUT_REFERENCE = re.compile(r"(?<![\w$])\$(?![\w$])")
_QUOTED = re.compile(r"'(?:\\.|[^'\\])*'")


def _reads_input(component: Any) -> str | None:
    if isinstance(component, string_expression.StringContextPath):
        return None
    if isinstance(component, string_expression.StringJsonPath):
        return component.json_path
    if isinstance(component, string_expression.StringIntrinsicFunction):
        text = component.intrinsic_function_derivation
        return text if _INPUT_REFERENCE.search(_QUOTED.sub("''", text)) else None
    return None


def input_reads(component: Any) -> Iterator[str]:
    """Every ``$``/``$.…`` path or intrinsic inside a parsed ASL component (depth first)."""
    found = _reads_input(component)
    if found is not None:
        yield found
        return
    children: list[Any] = []
    for value in vars(component).values():
        children.extend(value if isinstance(value, (list, tuple)) else [value])
    for child in children:
        if isinstance(child, EvalComponent):
            yield from input_reads(child)


def _refuse(env: Any, state_name: str, expression: str) -> FailureEventException:
    cause = (
        f"emulator: the Choice rule Assign of JSONPath state '{state_name}' reads the state input "
        f"('{expression}'). No AWS page states which value '$' denotes in a JSONPath Choice rule's "
        "Assign (undocumented semantics, refused by the emulator): assign literals, variables or "
        "$$ context values there, or move the assignment to a state-level Assign or a JSONata state."
    )
    error = StatesErrorNameType.StatesRuntime
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=error),
            event_type=HistoryEventType.TaskFailed,
            event_details=event_details(
                taskFailedEventDetails=TaskFailedEventDetails(error=error.to_name(), cause=cause)
            ),
        )
    )


@contextmanager
def choice_rule_patches() -> Iterator[None]:
    """Keep, and refuse when it reads the input, a JSONPath Choice rule ``Assign`` (block-scoped)."""
    original = state_choice.StateChoice._eval_state
    original_visit = Preprocessor.visitChoice_rule_comparison_variable

    def visit_comparison_variable(self: Any, ctx: Any) -> Any:
        rule = original_visit(self, ctx)
        if rule.assign is None and self._is_query_language(query_language_mode=QueryLanguageMode.JSONPath):
            for child in ctx.children:
                if isinstance(child, ASLParser.Comparison_variable_stmtContext):
                    component = self.visit(child)
                    if isinstance(component, AssignDecl):
                        setattr(rule, "assign", component)  # noqa: B010 - Final in moto, kept as moto parses it for And/Or/Not
        return rule

    def _eval_state(self: Any, env: Any) -> None:
        if self._is_language_query_jsonpath():
            for rule in self.choices_decl.rules:
                if rule.assign is not None:
                    for expression in input_reads(rule.assign):
                        raise _refuse(env, self.name, expression)
        original(self, env)

    with (
        replaced(state_choice.StateChoice, "_eval_state", _eval_state),
        replaced(Preprocessor, "visitChoice_rule_comparison_variable", visit_comparison_variable),
    ):
        yield
