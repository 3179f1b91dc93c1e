"""Draw a Step Functions state machine (Amazon States Language, JSONPath) as a diagram.

Public API: :func:`to_mermaid` (the primary picture: GitHub renders it), :func:`to_dot`,
:func:`write_svg` (Graphviz ``dot``; :class:`GraphvizNotFoundError` without it), and
:func:`definitions_from_template` to get definitions out of a CloudFormation template.
Diagrams show one box per state, Start and End markers, Next/Default/Choice edges,
Retry self-loops, dashed red Catch edges, and Parallel branches or Map iterations as
subgraphs. Labels wrap at word boundaries only: no word is ever cut or elided.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any, Literal

from ..core._intrinsics import to_text

Definition = Mapping[str, Any]
_Kind = Literal["marker", "task", "choice", "fail", "succeed", "state"]

_START, _END = "start", "finish"  # "end" is a Mermaid keyword
# Wrap widths in characters: state boxes, edge labels. A longer word keeps its own line.
_NODE_WIDTH, _EDGE_WIDTH = 36, 30
# (fill, stroke, text) colours shared by the Mermaid and DOT outputs.
_COLOURS: dict[_Kind, tuple[str, str, str]] = {
    "marker": ("#37474f", "#37474f", "#ffffff"),
    "task": ("#e3edfb", "#3b6fb6", "#1a1a1a"),
    "choice": ("#fff3d0", "#b8860b", "#1a1a1a"),
    "fail": ("#fde0e0", "#c62828", "#1a1a1a"),
    "succeed": ("#e2f4e4", "#2e7d32", "#1a1a1a"),
    "state": ("#f2f2f2", "#757575", "#1a1a1a"),
}
_CATCH_COLOUR, _EDGE_COLOUR = "#c62828", "#555555"


@dataclass(frozen=True)
class _Node:
    id: str
    lines: tuple[str, ...]
    kind: _Kind


@dataclass(frozen=True)
class _Edge:
    src: str
    dst: str
    label: str = ""  # may hold several lines
    dashed: bool = False


@dataclass
class _Cluster:
    id: str
    label: str
    nodes: list[str] = field(default_factory=list)
    clusters: list[_Cluster] = field(default_factory=list)


@dataclass
class _Graph:
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: list[_Edge] = field(default_factory=list)
    root: _Cluster = field(default_factory=lambda: _Cluster("root", ""))
    state_ids: Iterator[int] = field(default_factory=count)
    cluster_ids: Iterator[int] = field(default_factory=count)

    def add(self, cluster: _Cluster, node: _Node) -> None:
        self.nodes[node.id] = node
        cluster.nodes.append(node.id)


# --- definition -> graph -------------------------------------------------------------


def _build(definition: Definition) -> _Graph:
    graph = _Graph()
    graph.add(graph.root, _Node(_START, ("Start",), "marker"))
    entry = _add_states(graph, definition, graph.root, _END)
    graph.add(graph.root, _Node(_END, ("End",), "marker"))
    graph.edges.insert(0, _Edge(_START, entry))
    return graph


def _add_states(graph: _Graph, machine: Definition, cluster: _Cluster, after: str) -> str:
    """Add a (sub-)machine's states to cluster, its terminal states leading to after.

    Returns the id of its StartAt state.
    """
    states: Mapping[str, Any] = machine.get("States", {})
    ids = {name: f"s{next(graph.state_ids)}" for name in states}

    def target(name: str) -> str:
        if name not in ids:
            raise ValueError(f"transition to undefined state {name!r}")
        return ids[name]

    for name, state in states.items():
        kind = _KINDS.get(state.get("Type", ""), "state")
        graph.add(cluster, _Node(ids[name], _state_lines(name, state), kind))
    for name, state in states.items():
        _add_transitions(graph, cluster, name, state, ids[name], target, after)
    return target(machine["StartAt"])


def _add_transitions(
    graph: _Graph,
    cluster: _Cluster,
    name: str,
    state: Mapping[str, Any],
    sid: str,
    target: Callable[[str], str],
    after: str,
) -> None:
    edges = graph.edges
    kind = state.get("Type")
    successor = target(state["Next"]) if "Next" in state else after
    if kind == "Choice":
        for rule in state.get("Choices", []):
            edges.append(_Edge(sid, target(rule["Next"]), _wrap(_rule_text(rule), _EDGE_WIDTH)))
        if "Default" in state:
            edges.append(_Edge(sid, target(state["Default"]), "default"))
    elif kind in ("Parallel", "Map"):
        if kind == "Parallel":
            branches = [(f"branch {n}", b) for n, b in enumerate(state.get("Branches", []), 1)]
        else:
            branches = [("each item", state.get("ItemProcessor") or state.get("Iterator", {}))]
        for caption, branch in branches:
            sub = _Cluster(f"c{next(graph.cluster_ids)}", _wrap(f"{name}: {caption}", _NODE_WIDTH))
            cluster.clusters.append(sub)
            edges.append(_Edge(sid, _add_states(graph, branch, sub, successor), caption))
    elif kind != "Fail":
        edges.append(_Edge(sid, successor))
    retries = [
        _wrap(f"retry ×{r.get('MaxAttempts', 3)}: {', '.join(r.get('ErrorEquals', []))}", _EDGE_WIDTH)
        for r in state.get("Retry", [])
    ]
    if retries:
        edges.append(_Edge(sid, sid, "\n".join(retries)))
    for catcher in state.get("Catch", []):
        errors = _wrap(", ".join(catcher.get("ErrorEquals", [])), _EDGE_WIDTH)
        edges.append(_Edge(sid, target(catcher["Next"]), errors, dashed=True))


_KINDS: dict[str, _Kind] = {
    "Task": "task",
    "Choice": "choice",
    "Fail": "fail",
    "Succeed": "succeed",
}


def _state_lines(name: str, state: Mapping[str, Any]) -> tuple[str, ...]:
    kind = str(state.get("Type", "?"))
    detail = ""
    if kind == "Task":
        detail = _integration(state.get("Resource", ""))
    elif kind == "Fail":
        error = state.get("Error") or state.get("ErrorPath")
        detail = f"Error: {error}" if error else ""
    elif kind == "Wait":
        keys = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")
        detail = next((f"{key}: {state[key]}" for key in keys if key in state), "")
    return tuple(_wrap(f"{name}\n{kind}\n{detail}".strip(), _NODE_WIDTH).splitlines())


def _integration(resource: Any) -> str:
    """Shorten a Task Resource ARN, e.g. to ``sagemaker:createTrainingJob.sync``."""
    text = to_text(resource)
    for marker, prefix in (
        (":states:::", ""),
        (":function:", "lambda:"),
        (":activity:", "activity:"),
    ):
        if marker in text:
            return prefix + text.split(marker, 1)[1]
    return text


_OPERATORS = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
    "Matches": "~",
}


def _rule_text(rule: Mapping[str, Any]) -> str:
    """A short text for a Choice rule, e.g. ``$.status == "Completed"``; a JSONata rule's condition,
    cut to a line or two (the state it leads to names what it checks)."""
    if "Condition" in rule:
        condition = str(rule["Condition"]).removeprefix("{%").removesuffix("%}").strip()
        return condition if len(condition) <= _CONDITION_WIDTH else condition[: _CONDITION_WIDTH - 1] + "…"
    if "And" in rule or "Or" in rule:
        joiner = " and " if "And" in rule else " or "
        return joiner.join(f"({_rule_text(r)})" for r in rule.get("And", rule.get("Or", [])))
    if "Not" in rule:
        return f"not ({_rule_text(rule['Not'])})"
    variable = rule.get("Variable", "")
    for key, value in rule.items():
        for family in ("String", "Numeric", "Boolean", "Timestamp"):
            operator = key.removeprefix(family)
            if key.startswith(family) and operator.removesuffix("Path") in _OPERATORS:
                shown = value if operator.endswith("Path") else json.dumps(value)
                return f"{variable} {_OPERATORS[operator.removesuffix('Path')]} {shown}"
        if key.startswith("Is"):
            return f"{variable} {'is' if value else 'is not'} {key[2:].lower()}"
    return json.dumps({k: v for k, v in rule.items() if k != "Next"})


_CONDITION_WIDTH = 60


def _wrap(text: str, width: int) -> str:
    """Wrap each line of text to width at spaces only; a longer word stays whole on its own line."""
    return "\n".join(
        "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""])
        for line in text.splitlines()
    )


# --- Mermaid --------------------------------------------------------------------------

_MERMAID_SHAPES: dict[_Kind, tuple[str, str]] = {
    "marker": ('(("', '"))'),
    "task": ('["', '"]'),
    "choice": ('{{"', '"}}'),
    "fail": ('(["', '"])'),
    "succeed": ('(["', '"])'),
    "state": ('("', '")'),
}


# Mermaid wraps a label line wider than wrappingWidth (200 px by default) anywhere, even after the
# hyphen of "aws-sdk": room for _NODE_WIDTH characters keeps every line whole.
_MERMAID_INIT = '%%{init: {"flowchart": {"wrappingWidth": 400}}}%%'


def to_mermaid(definition: Definition) -> str:
    """Return Mermaid ``flowchart TD`` text for the state machine definition.

    Retry is a note at the foot of its state's box (Mermaid draws self-loop labels over other
    boxes); Catch edges are dashed and red.
    """
    graph = _build(definition)
    notes = {edge.src: edge.label.splitlines() for edge in graph.edges if edge.src == edge.dst}
    lines = [_MERMAID_INIT, "flowchart TD"]
    _mermaid_cluster(graph, graph.root, notes, lines, "    ")
    links = [edge for edge in graph.edges if edge.src != edge.dst]
    for edge in links:
        arrow = "-.->" if edge.dashed else "-->"
        text = "<br/>".join(map(_mermaid_escape, edge.label.splitlines()))
        label = f'|"{text}"|' if edge.label else ""
        lines.append(f"    {edge.src} {arrow}{label} {edge.dst}")
    for kind, (fill, stroke, text) in _COLOURS.items():
        lines.append(f"    classDef {kind} fill:{fill},stroke:{stroke},color:{text}")
    catches = [str(index) for index, edge in enumerate(links) if edge.dashed]  # linkStyle counts links
    if catches:
        lines.append(f"    linkStyle {','.join(catches)} stroke:{_CATCH_COLOUR},color:{_CATCH_COLOUR}")
    return "\n".join(lines) + "\n"


def _mermaid_cluster(
    graph: _Graph, cluster: _Cluster, notes: Mapping[str, Sequence[str]], lines: list[str], indent: str
) -> None:
    for node_id in cluster.nodes:
        node = graph.nodes[node_id]
        opening, closing = _MERMAID_SHAPES[node.kind]
        text = "<br/>".join(_mermaid_escape(line) for line in (*node.lines, *notes.get(node_id, ())))
        lines.append(f"{indent}{node_id}{opening}{text}{closing}:::{node.kind}")
    for sub in cluster.clusters:
        label = "<br/>".join(map(_mermaid_escape, sub.label.splitlines()))
        lines.append(f'{indent}subgraph {sub.id} ["{label}"]')
        _mermaid_cluster(graph, sub, notes, lines, indent + "    ")
        lines.append(f"{indent}end")


def _mermaid_escape(text: str) -> str:
    return "".join(f"#{ord(c)};" if c in '"#&<>|`' else c for c in text)


# --- Graphviz DOT ---------------------------------------------------------------------

# Room between boxes and ranks (inches), so that edge labels sit clear of boxes and of each other.
_DOT_GRAPH = (
    "rankdir=TB",
    "newrank=true",
    "forcelabels=true",
    "nodesep=0.45",
    "ranksep=0.5",
    "pad=0.25",
    'fontname="Helvetica"',
    "fontsize=10",
)


def to_dot(definition: Definition) -> str:
    """Return Graphviz DOT text for the state machine definition.

    Boxes have HTML-like labels (the state name in bold, its type and integration below); edge
    labels are laid out by ``dot`` as part of the graph, so they never overlap a box, an edge or
    another label; Retry is a self-loop labelled with its attempts and errors, Catch a dashed red
    edge.
    """
    graph = _build(definition)
    lines = [
        "digraph state_machine {",
        f"    graph [{', '.join(_DOT_GRAPH)}];",
        '    node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.18,0.08"];',
        f'    edge [fontname="Helvetica", fontsize=9, color="{_EDGE_COLOUR}", fontcolor="#333333", arrowsize=0.7];',
    ]
    _dot_cluster(graph, graph.root, lines, "    ")
    for edge in graph.edges:
        attrs = [f"label={_dot_edge_label(edge.label.splitlines())}"] if edge.label else []
        if edge.dashed:
            attrs += ["style=dashed", f'color="{_CATCH_COLOUR}"', f'fontcolor="{_CATCH_COLOUR}"']
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {edge.src} -> {edge.dst}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_cluster(graph: _Graph, cluster: _Cluster, lines: list[str], indent: str) -> None:
    for node_id in cluster.nodes:
        node = graph.nodes[node_id]
        fill, stroke, text = _COLOURS[node.kind]
        shape = "ellipse" if node.kind == "marker" else "box"
        lines.append(
            f"{indent}{node_id} [label={_dot_label(node.lines, bold_first=node.kind != 'marker')}, "
            f'shape={shape}, fillcolor="{fill}", color="{stroke}", fontcolor="{text}"];'
        )
    for sub in cluster.clusters:
        lines.append(f"{indent}subgraph cluster_{sub.id} {{")
        lines.append(
            f'{indent}    label={_dot_label(sub.label.splitlines())}; style="rounded,dashed"; '
            'color="#9e9e9e"; fontcolor="#616161"; margin=12;'
        )
        _dot_cluster(graph, sub, lines, indent + "    ")
        lines.append(f"{indent}}}")


def _dot_label(lines: Sequence[str], *, bold_first: bool = False) -> str:
    """An HTML-like DOT label, one line per line; the first in bold when asked."""
    shown = [_html_escape(line) for line in lines]
    if bold_first and shown:
        shown[0] = f"<B>{shown[0]}</B>"
    return "<" + '<BR ALIGN="CENTER"/>'.join(shown) + ">"


def _dot_edge_label(lines: Sequence[str]) -> str:
    """An edge label in a padded cell, so that no edge runs along or through its text."""
    text = '<BR ALIGN="CENTER"/>'.join(_html_escape(line) for line in lines)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="4" CELLSPACING="0"><TR><TD>{text}</TD></TR></TABLE>>'


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# --- SVG ------------------------------------------------------------------------------

GRAPHVIZ_INSTALL = (
    "Graphviz's 'dot' is not on PATH; install Graphviz (Debian/Ubuntu: apt-get install graphviz; "
    "macOS: brew install graphviz; Windows: winget install graphviz; https://graphviz.org/download/) "
    "or use --format mermaid"
)


class GraphvizNotFoundError(FileNotFoundError):
    """Graphviz's ``dot`` program, which renders the SVG, is not installed."""


def to_svg(definition: Definition) -> str:
    """Return the diagram as SVG text, laid out by Graphviz ``dot``.

    Raises :class:`GraphvizNotFoundError` (a ``FileNotFoundError``) with install instructions when
    ``dot`` is not on PATH.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(GRAPHVIZ_INSTALL)
    return subprocess.run(
        [dot, "-Tsvg"],
        input=to_dot(definition),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def write_svg(definition: Definition, path: str | os.PathLike[str]) -> Path:
    """Write the diagram as an SVG file at path (see :func:`to_svg`) and return that path."""
    target = Path(path)
    target.write_text(to_svg(definition), encoding="utf-8")
    return target


# --- CloudFormation -------------------------------------------------------------------


def definitions_from_template(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return ``{logical_id: definition}`` for each state machine in a template.

    Reads ``Definition`` or ``DefinitionString`` (a JSON string, ``Fn::Sub`` or
    ``Fn::Join``). ``${Name}`` placeholders named in ``DefinitionSubstitutions`` (or in the
    ``Fn::Sub`` variables) become the readable text of their value, others stay as they are;
    ``Fn::Join`` parts become ``${LogicalId}``, ``${LogicalId.Arn}`` or ``${AWS::Region}``.
    """
    found: dict[str, dict[str, Any]] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        properties = resource.get("Properties", {})
        if isinstance(properties.get("Definition"), Mapping):
            found[logical_id] = dict(properties["Definition"])
            continue
        text = _definition_text(properties.get("DefinitionString"))
        if text is not None:
            found[logical_id] = json.loads(_substitute(text, properties.get("DefinitionSubstitutions") or {}))
    return found


def _definition_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        if isinstance(sub, str):
            return sub
        template, variables = sub
        return _substitute(str(template), variables)
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return _join_json(separator, parts)
    return None


_PLACEHOLDER = re.compile(r"\$\{([^}!][^}]*)\}")


def _substitute(text: str, substitutions: Mapping[str, Any]) -> str:
    """Fill in ``${Name}`` placeholders (inside JSON strings) with the readable text of their values."""
    return _PLACEHOLDER.sub(
        lambda m: json.dumps(to_text(substitutions[m[1]]))[1:-1] if m[1] in substitutions else m[0],
        text,
    )


def _join_json(separator: str, parts: Sequence[Any]) -> str:
    """Join Fn::Join parts, quoting placeholders that fall outside a JSON string."""
    pieces = [p for part in parts for p in (separator, part)][1:]
    out: list[str] = []
    inside = False
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            inside = _ends_inside_string(piece, inside)
        else:
            text = json.dumps(to_text(piece))
            out.append(text[1:-1] if inside else text)
    return "".join(out)


def _ends_inside_string(text: str, inside: bool) -> bool:
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif inside and char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    return inside
