"""Draw a Step Functions state machine (Amazon States Language, JSONPath) as a diagram.

Public API: :func:`to_mermaid`, :func:`to_dot`, :func:`write_svg`, and
:func:`definitions_from_template` to get definitions out of a CloudFormation template.
Diagrams show one box per state, Start and End markers, Next/Default/Choice edges,
Retry self-loops, dashed Catch edges, and Parallel branches or Map iterations as
subgraphs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from statistics import fmean
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

Definition = Mapping[str, Any]
_Kind = Literal["marker", "task", "choice", "fail", "succeed", "state"]

_START, _END = "start", "finish"  # "end" is a Mermaid keyword
_LABEL_MAX = 44
# (fill, stroke, text) colours shared by the Mermaid, DOT and SVG outputs.
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
            edges.append(_Edge(sid, target(rule["Next"]), _wrap(_rule_text(rule))))
        if "Default" in state:
            edges.append(_Edge(sid, target(state["Default"]), "default"))
    elif kind in ("Parallel", "Map"):
        if kind == "Parallel":
            branches = [(f"branch {n}", b) for n, b in enumerate(state.get("Branches", []), 1)]
        else:
            branches = [("each item", state.get("ItemProcessor") or state.get("Iterator", {}))]
        for caption, branch in branches:
            sub = _Cluster(f"c{next(graph.cluster_ids)}", _short(f"{name}: {caption}"))
            cluster.clusters.append(sub)
            edges.append(_Edge(sid, _add_states(graph, branch, sub, successor), caption))
    elif kind != "Fail":
        edges.append(_Edge(sid, successor))
    retries = [
        _wrap(f"retry ×{r.get('MaxAttempts', 3)}: {', '.join(r.get('ErrorEquals', []))}")
        for r in state.get("Retry", [])
    ]
    if retries:
        edges.append(_Edge(sid, sid, "\n".join(retries)))
    for catcher in state.get("Catch", []):
        errors = _wrap(", ".join(catcher.get("ErrorEquals", [])))
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
    return tuple(_wrap(f"{name}\n{kind}\n{detail}".strip()).splitlines())


def _integration(resource: Any) -> str:
    """Shorten a Task Resource ARN, e.g. to ``sagemaker:createTrainingJob.sync``."""
    text = resource if isinstance(resource, str) else json.dumps(resource)
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
    """A short text for a Choice rule, e.g. ``$.status == "Completed"``."""
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


def _wrap(text: str) -> str:
    """Wrap each line of text to the label width, at most three lines per line."""
    return "\n".join(
        "\n".join(textwrap.wrap(line, _LABEL_MAX, max_lines=3, placeholder=" …")) for line in text.splitlines()
    )


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1] + "…"


# --- Mermaid --------------------------------------------------------------------------

_MERMAID_SHAPES: dict[_Kind, tuple[str, str]] = {
    "marker": ('(("', '"))'),
    "task": ('["', '"]'),
    "choice": ('{"', '"}'),
    "fail": ('(["', '"])'),
    "succeed": ('(["', '"])'),
    "state": ('("', '")'),
}


def to_mermaid(definition: Definition) -> str:
    """Return Mermaid ``flowchart TD`` text for the state machine definition."""
    graph = _build(definition)
    lines = ["flowchart TD"]
    _mermaid_cluster(graph, graph.root, lines, "    ")
    for edge in graph.edges:
        arrow = "-.->" if edge.dashed else "-->"
        text = "<br/>".join(map(_mermaid_escape, edge.label.splitlines()))
        label = f'|"{text}"|' if edge.label else ""
        lines.append(f"    {edge.src} {arrow}{label} {edge.dst}")
    for kind, (fill, stroke, text) in _COLOURS.items():
        lines.append(f"    classDef {kind} fill:{fill},stroke:{stroke},color:{text}")
    return "\n".join(lines) + "\n"


def _mermaid_cluster(graph: _Graph, cluster: _Cluster, lines: list[str], indent: str) -> None:
    for node_id in cluster.nodes:
        node = graph.nodes[node_id]
        opening, closing = _MERMAID_SHAPES[node.kind]
        text = "<br/>".join(_mermaid_escape(line) for line in node.lines)
        lines.append(f"{indent}{node_id}{opening}{text}{closing}:::{node.kind}")
    for sub in cluster.clusters:
        lines.append(f'{indent}subgraph {sub.id} ["{_mermaid_escape(sub.label)}"]')
        _mermaid_cluster(graph, sub, lines, indent + "    ")
        lines.append(f"{indent}end")


def _mermaid_escape(text: str) -> str:
    return "".join(f"#{ord(c)};" if c in '"#&<>|`' else c for c in text)


# --- Graphviz DOT ---------------------------------------------------------------------


def to_dot(definition: Definition) -> str:
    """Return Graphviz DOT text for the state machine definition."""
    graph = _build(definition)
    lines = [
        "digraph state_machine {",
        "    rankdir=TB;",
        "    graph [fontname=Helvetica fontsize=10];",
        '    node [shape=box style="rounded,filled" fontname=Helvetica fontsize=11];',
        f'    edge [fontname=Helvetica fontsize=9 color="{_EDGE_COLOUR}"];',
    ]
    _dot_cluster(graph, graph.root, lines, "    ")
    for edge in graph.edges:
        attrs = [f"label={_dot_quote(edge.label.splitlines())}"] if edge.label else []
        if edge.dashed:
            attrs += [
                "style=dashed",
                f'color="{_CATCH_COLOUR}"',
                f'fontcolor="{_CATCH_COLOUR}"',
            ]
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {edge.src} -> {edge.dst}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_cluster(graph: _Graph, cluster: _Cluster, lines: list[str], indent: str) -> None:
    for node_id in cluster.nodes:
        node = graph.nodes[node_id]
        fill, stroke, text = _COLOURS[node.kind]
        shape = "oval" if node.kind == "marker" else "box"
        lines.append(
            f"{indent}{node_id} [label={_dot_quote(node.lines)}, shape={shape}, "
            f'fillcolor="{fill}", color="{stroke}", fontcolor="{text}"];'
        )
    for sub in cluster.clusters:
        lines.append(f"{indent}subgraph cluster_{sub.id} {{")
        lines.append(f'{indent}    label={_dot_quote([sub.label])}; style="rounded,dashed";')
        _dot_cluster(graph, sub, lines, indent + "    ")
        lines.append(f"{indent}}}")


def _dot_quote(lines: Sequence[str]) -> str:
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(escaped) + '"'


# --- SVG ------------------------------------------------------------------------------


def write_svg(definition: Definition, path: str | os.PathLike[str], *, use_dot: bool | None = None) -> Path:
    """Write the diagram as an SVG file at path and return that path.

    Uses the Graphviz ``dot`` program when it is on PATH, otherwise a built-in
    pure-Python renderer. Pass ``use_dot=False`` to force the built-in renderer, or
    ``use_dot=True`` to require Graphviz (FileNotFoundError without it).
    """
    target = Path(path)
    dot = shutil.which("dot") if use_dot is not False else None
    if use_dot and dot is None:
        raise FileNotFoundError("Graphviz 'dot' is not on PATH")
    if dot is None:
        svg = _render_svg(_build(definition))
    else:
        svg = subprocess.run(
            [dot, "-Tsvg"],
            input=to_dot(definition),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    target.write_text(svg, encoding="utf-8")
    return target


_CHAR_W, _LABEL_CHAR_W, _LINE_H, _PAD = 7.2, 6.0, 15.0, 8.0
_RANK_GAP, _NODE_GAP, _LANE_GAP, _LOOP_W = 56.0, 36.0, 14.0, 26.0
_Point = tuple[float, float]
_Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class _Box:
    x: float  # centre
    y: float  # top
    w: float
    h: float
    extra: float  # room on the right for the Retry loop and its label

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def rect(self) -> _Rect:
        return (self.left, self.y, self.right + self.extra, self.bottom)


@dataclass(frozen=True)
class _Route:
    points: tuple[_Point, ...]
    label_spots: tuple[_Point, ...]  # candidate label anchors, best first
    anchor: Literal["start", "middle", "end"]


def _render_svg(graph: _Graph) -> str:
    """Draw the graph in layers from Start without Graphviz."""
    ranks = _ranks(graph)
    loops = {e.src: e.label.splitlines() for e in graph.edges if e.src == e.dst}
    boxes = _layout(graph, ranks, loops)
    clusters: list[tuple[_Rect, str]] = []
    for sub in graph.root.clusters:
        _cluster_rect(sub, boxes, clusters)

    body: list[str] = []
    extent: list[_Rect] = []
    for rect, label in clusters:
        x0, y0, x1, y1 = rect
        body.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
            f'height="{y1 - y0:.1f}" rx="8" fill="#fafafa" stroke="#9e9e9e" '
            'stroke-dasharray="5,3"/>'
        )
        body.append(_svg_text(x0 + 8, y0 + 14, label, "start", 11, "#616161", italic=True))
        extent.append(rect)
    for node_id, box in boxes.items():
        body += _svg_node(graph.nodes[node_id], box, loops.get(node_id, []))
        extent.append(box.rect)
    taken = [box.rect for box in boxes.values()]
    for edge, route in _routes(graph, ranks, boxes):
        colour = _CATCH_COLOUR if edge.dashed else _EDGE_COLOUR
        dash = ' stroke-dasharray="6,4"' if edge.dashed else ""
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in route.points)
        marker = "catch" if edge.dashed else "arrow"
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="1.3"{dash} marker-end="url(#{marker})"/>'
        )
        extent += [(x, y, x, y) for x, y in route.points]
        if edge.label:
            spot, rect = _free_spot(route, edge.label, taken)
            taken.append(rect)
            extent.append(rect)
            body.append(
                f'<rect x="{rect[0]:.1f}" y="{rect[1]:.1f}" '
                f'width="{rect[2] - rect[0]:.1f}" height="{rect[3] - rect[1]:.1f}" '
                'fill="#ffffff" fill-opacity="0.85"/>'
            )
            body.append(_svg_text(*spot, edge.label, route.anchor, 10, colour))

    margin = 16.0
    left, top = min(r[0] for r in extent) - margin, min(r[1] for r in extent) - margin
    width = max(r[2] for r in extent) + margin - left
    height = max(r[3] for r in extent) + margin - top
    markers = "".join(
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for name, colour in (("arrow", _EDGE_COLOUR), ("catch", _CATCH_COLOUR))
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{left:.1f} {top:.1f} {width:.1f} {height:.1f}" '
        'font-family="Helvetica, Arial, sans-serif">\n'
        f"<defs>{markers}</defs>\n"
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" '
        'fill="#ffffff"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def _ranks(graph: _Graph) -> dict[str, int]:
    """Longest-path layers from Start, ignoring loop-closing edges; End goes last."""
    successors: dict[str, list[str]] = {node: [] for node in graph.nodes}
    for edge in graph.edges:
        if edge.src != edge.dst and edge.dst != _END:
            successors[edge.src].append(edge.dst)
    # Depth-first search: an edge back to a node still on the stack closes a loop.
    order: list[str] = []
    seen, on_stack = {_START}, {_START}
    back: set[tuple[str, str]] = set()
    stack = [(_START, iter(successors[_START]))]
    while stack:
        node, pending = stack[-1]
        nxt = next(pending, None)
        if nxt is None:
            stack.pop()
            on_stack.discard(node)
            order.append(node)
        elif nxt in on_stack:
            back.add((node, nxt))
        elif nxt not in seen:
            seen.add(nxt)
            on_stack.add(nxt)
            stack.append((nxt, iter(successors[nxt])))
    ranks = dict.fromkeys(reversed(order), 0)
    for node in ranks:
        for nxt in successors[node]:
            if (node, nxt) not in back:
                ranks[nxt] = max(ranks[nxt], ranks[node] + 1)
    bottom = max(ranks.values()) + 1
    unreached = [node for node in graph.nodes if node not in ranks and node != _END]
    ranks.update(dict.fromkeys(unreached, bottom))
    ranks[_END] = bottom + 1 if unreached else bottom
    return ranks


def _layout(graph: _Graph, ranks: dict[str, int], loops: dict[str, list[str]]) -> dict[str, _Box]:
    """Place each rank in a row, each node near the mean x of its parents."""
    rows: list[list[str]] = [[] for _ in range(max(ranks.values()) + 1)]
    for node_id, rank in ranks.items():
        rows[rank].append(node_id)
    parents: dict[str, list[str]] = {}
    # Labelled edges leaving each rank set the height of the gap below it.
    labels = [0] * len(rows)
    for edge in graph.edges:
        if ranks[edge.src] < ranks[edge.dst]:
            parents.setdefault(edge.dst, []).append(edge.src)
        if edge.label and edge.src != edge.dst:
            labels[ranks[edge.src]] += len(edge.label.splitlines())
    boxes: dict[str, _Box] = {}
    top = 0.0
    for row, row_labels in zip(rows, labels, strict=True):
        sizes = {node: _box_size(graph.nodes[node], loops.get(node, [])) for node in row}
        desired = {n: fmean(boxes[p].x for p in parents[n]) if n in parents else 0.0 for n in row}
        row.sort(key=desired.__getitem__)
        xs: list[float] = []
        right = float("-inf")
        for node in row:
            w, _, extra = sizes[node]
            xs.append(max(desired[node], right + _NODE_GAP + w / 2))
            right = xs[-1] + w / 2 + extra
        shift = fmean(desired[n] - x for n, x in zip(row, xs, strict=True))
        height = max(h for _, h, _ in sizes.values())
        for node, x in zip(row, xs, strict=True):
            w, h, extra = sizes[node]
            boxes[node] = _Box(x + shift, top + (height - h) / 2, w, h, extra)
        top += height + max(_RANK_GAP, min(24 + 16 * row_labels, 160))
    return boxes


def _box_size(node: _Node, loop_labels: list[str]) -> tuple[float, float, float]:
    width = max(len(line) for line in node.lines) * _CHAR_W + 2 * _PAD
    if node.kind == "marker":
        width = max(width, 64.0)
    height = len(node.lines) * _LINE_H + 2 * _PAD
    extra = (_LOOP_W + 6 + max(map(len, loop_labels)) * _LABEL_CHAR_W) if loop_labels else 0.0
    return width, height, extra


def _routes(graph: _Graph, ranks: dict[str, int], boxes: dict[str, _Box]) -> list[tuple[_Edge, _Route]]:
    """Straight arrows where clear, else detours through a side lane."""
    by_rank: dict[int, list[_Box]] = {}
    for node_id, box in boxes.items():
        by_rank.setdefault(ranks[node_id], []).append(box)
    routes: list[tuple[_Edge, _Route]] = []
    lanes = count()
    for edge in graph.edges:
        if edge.src == edge.dst:
            continue
        src, dst = boxes[edge.src], boxes[edge.dst]
        start, end = (src.x, src.bottom), (dst.x, dst.y)
        first, last = ranks[edge.src], ranks[edge.dst]
        if last > first:
            passed = [b for r in range(first + 1, last) for b in by_rank[r]]
        else:
            passed = [b for r in range(last, first + 1) for b in by_rank[r]]
        if last > first and not _blocked(start, end, passed):
            spots = tuple(
                (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
                for t in (0.5, 0.3, 0.7, 0.15, 0.85)
            )
            routes.append((edge, _Route((start, end), spots, "middle")))
            continue
        offset = 20 + next(lanes) * _LANE_GAP
        west = min(b.left for b in passed) - offset
        east = max(b.right + b.extra for b in passed) + offset
        detour = {lane: abs(lane - src.x) + abs(lane - dst.x) for lane in (west, east)}
        on_east = detour[east] < detour[west]
        lane = east if on_east else west
        side = 1 if on_east else -1  # leave and enter off-centre, towards the lane
        sx, dx = src.x + side * src.w / 4, dst.x + side * dst.w / 4
        below, above = src.bottom + 12, dst.y - 12
        points = (
            (sx, src.bottom),
            (sx, below),
            (lane, below),
            (lane, above),
            (dx, above),
            (dx, dst.y),
        )
        x = lane + 4 if on_east else lane - 4
        spots = tuple((x, below + (above - below) * t) for t in (0.5, 0.3, 0.7))
        routes.append((edge, _Route(points, spots, "start" if on_east else "end")))
    return routes


def _blocked(start: _Point, end: _Point, boxes: list[_Box]) -> bool:
    steps = 24
    return any(
        box.left - 6 <= start[0] + (end[0] - start[0]) * i / steps <= box.right + box.extra + 6
        and box.y - 6 <= start[1] + (end[1] - start[1]) * i / steps <= box.bottom + 6
        for i in range(1, steps)
        for box in boxes
    )


def _free_spot(route: _Route, label: str, taken: list[_Rect]) -> tuple[_Point, _Rect]:
    """The first candidate spot where the label overlaps nothing (else the first)."""
    lines = label.splitlines()
    width = max(map(len, lines)) * _LABEL_CHAR_W
    height = len(lines) * 13
    placed: list[tuple[_Point, _Rect]] = []
    for x, y in route.label_spots:
        x0 = {"start": x, "middle": x - width / 2, "end": x - width}[route.anchor]
        rect = (x0 - 2, y - height / 2, x0 + width + 2, y + height / 2)
        placed.append(((x, rect[1] + 10), rect))
    for spot, rect in placed:
        if not any(_overlap(rect, other) for other in taken):
            return spot, rect
    return placed[0]


def _overlap(a: _Rect, b: _Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _cluster_rect(cluster: _Cluster, boxes: dict[str, _Box], out: list[tuple[_Rect, str]]) -> _Rect:
    """Append the frame of cluster, then those of its sub-clusters, to out."""
    index = len(out)
    rects = [boxes[node].rect for node in cluster.nodes]
    rects += [_cluster_rect(sub, boxes, out) for sub in cluster.clusters]
    pad = 10.0
    rect = (
        min(r[0] for r in rects) - pad,
        min(r[1] for r in rects) - pad - 16,
        max(r[2] for r in rects) + pad,
        max(r[3] for r in rects) + pad,
    )
    out.insert(index, (rect, cluster.label))
    return rect


def _svg_node(node: _Node, box: _Box, loop_labels: list[str]) -> list[str]:
    fill, stroke, text = _COLOURS[node.kind]
    radius = box.h / 2 if node.kind in ("marker", "fail", "succeed") else 6
    parts = [
        (
            f'<rect x="{box.left:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" '
            f'height="{box.h:.1f}" rx="{radius:.1f}" fill="{fill}" stroke="{stroke}" '
            'stroke-width="1.5"/>'
        )
    ]
    for i, line in enumerate(node.lines):
        y = box.y + _PAD + _LINE_H * (i + 1) - 4
        parts.append(_svg_text(box.x, y, line, "middle", 12, text, bold=i == 0))
    if loop_labels:
        cy, r = box.y + box.h / 2, box.right
        parts.append(
            f'<path d="M{r:.1f},{cy - 6:.1f} C{r + _LOOP_W:.1f},{cy - 20:.1f} '
            f'{r + _LOOP_W:.1f},{cy + 20:.1f} {r:.1f},{cy + 6:.1f}" fill="none" '
            f'stroke="{_EDGE_COLOUR}" stroke-width="1.3" marker-end="url(#arrow)"/>'
        )
        y = cy - (len(loop_labels) - 1) * 6.5 + 3.5
        text = "\n".join(loop_labels)
        parts.append(_svg_text(r + _LOOP_W + 4, y, text, "start", 10, _EDGE_COLOUR))
    return parts


def _svg_text(
    x: float,
    y: float,
    text: str,
    anchor: str,
    size: int,
    colour: str,
    *,
    bold: bool = False,
    italic: bool = False,
) -> str:
    """A <text> whose first baseline is at y, one <tspan> per line of text."""
    style = (' font-weight="bold"' if bold else "") + (' font-style="italic"' if italic else "")
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{size * 1.3 if i else 0:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(text.splitlines())
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f"fill={quoteattr(colour)}{style}>{spans}</text>"
    )


# --- CloudFormation -------------------------------------------------------------------


def definitions_from_template(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return ``{logical_id: definition}`` for each state machine in a template.

    Reads ``Definition`` or ``DefinitionString`` (a JSON string, ``Fn::Sub`` or
    ``Fn::Join``). ``${...}`` placeholders stay as text; other ``Fn::Join`` parts
    become ``${Ref:LogicalId}``, ``${GetAtt:LogicalId.Arn}`` or ``${AWS::Region}``.
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
            found[logical_id] = json.loads(text)
    return found


def _definition_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub if isinstance(sub, str) else sub[0])
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return _join_json(separator, parts)
    return None


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
            text = _placeholder(piece)
            out.append(text if inside else json.dumps(text))
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


def _placeholder(value: Any) -> str:
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return f"${{{arg}}}" if str(arg).startswith("AWS::") else f"${{Ref:{arg}}}"
        if key == "Fn::GetAtt":
            name = arg if isinstance(arg, str) else ".".join(map(str, arg))
            return f"${{GetAtt:{name}}}"
        return f"${{{key}}}"
    return str(value)
