"""Pictures of a compiled flow: Mermaid and Graphviz DOT text, SVG through Graphviz `dot`.

`fdl graph` prints these (spec/interfaces.md §1). Both formats show the same things:

- one shape per node kind: tool calls (with the tool URI on a second line), mappings
  (rectangles), branches and switches (diamonds), delays (stadiums, with the wait);
- ``each``/``loop`` nodes as subgraphs (Mermaid ``subgraph``, DOT ``subgraph cluster_…``)
  holding their nested block, labelled with the ``each`` spec or the loop condition;
- a small start marker leading to the start nodes of every block and an end marker the
  terminal nodes lead to;
- edge labels ``then``/``else`` for branches, the (shortened) condition for switch cases,
  dashed edges for jumps (labelled ``jump``) and red dotted edges labelled ``fail``.

    >>> import fdl
    >>> from fdl.graphs import to_mermaid
    >>> print(to_mermaid(fdl.load("flow.yaml")))       # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from compiler.plan import Block, Edge, Plan, PlanNode

__all__ = [
    "FONTS",
    "FONT_LIST",
    "FORMATS",
    "GraphFormat",
    "GraphvizError",
    "GraphvizMissing",
    "block_label",
    "dot_label",
    "dot_string",
    "duration_text",
    "edge_label",
    "mermaid_text",
    "node_lines",
    "render",
    "shorten",
    "to_dot",
    "to_mermaid",
    "to_svg",
]

GraphFormat = Literal["mermaid", "dot", "svg"]
FORMATS: tuple[GraphFormat, ...] = ("mermaid", "dot", "svg")

CONDITION_WIDTH = 32
"""Conditions shown in node and edge labels are shortened to this many characters."""

FAIL_COLOR = "#d33"

FONTS = ("Helvetica", "Arial", "Noto Sans", "Noto Sans CJK SC", "Noto Sans CJK JP",
         "Source Han Sans SC", "PingFang SC", "Hiragino Sans", "Microsoft YaHei",
         "Malgun Gothic", "WenQuanYi Micro Hei", "sans-serif")
"""The font list of both formats: a Latin face first, then faces with CJK glyphs, so that
node names in Chinese, Japanese or Korean are drawn rather than shown as boxes; the
renderer takes the first installed face that has a character (Pango for Graphviz SVG, the
browser for Mermaid)."""

FONT_LIST = ",".join(FONTS)


class GraphvizMissing(RuntimeError):
    """The Graphviz ``dot`` executable is not installed (needed for SVG)."""


class GraphvizError(RuntimeError):
    """``dot`` ran but failed; the message holds what it printed."""


# --- what the pictures say (shared by both formats) -------------------------------------


def shorten(text: str, width: int = CONDITION_WIDTH) -> str:
    """``text`` on one line (runs of white space become one space), cut to ``width``
    characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _gml(field_text: str | None, literal: object) -> str:
    if field_text is not None:
        return field_text
    if isinstance(literal, bool):
        return "true" if literal else "false"
    return "null" if literal is None else str(literal)


def duration_text(ms: float) -> str:
    """``10000`` → ``10s``: the largest unit that divides the duration."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size and ms % size == 0:
            return f"{int(ms // size)}{unit}"
    return f"{ms:g}ms"


def block_label(node: PlanNode) -> str:
    """What an ``each``/``loop`` subgraph is about: ``each orders => o, i`` or
    ``loop while page < pages``."""
    if node.kind == "each":
        source = "?" if node.each is None else _gml(node.each.text, node.each.literal)
        aliases = ", ".join(a for a in (node.item, node.index) if a)
        return f"each {shorten(source)} => {aliases}" if aliases else f"each {shorten(source)}"
    condition = "?" if node.when is None else _gml(node.when.text, node.when.literal)
    return f"loop while {shorten(condition)}"


def node_lines(node: PlanNode) -> list[str]:
    """The text lines of a node's label (not escaped): its id (and display name), then what
    the node does (tool URI, condition, wait, ``each`` spec), then its ``only`` guard."""
    title = node.id if not node.name or node.name == node.id else f"{node.id}: {node.name}"
    lines = [title]
    if node.kind == "tool" and node.tool is not None:
        lines.append(node.tool.uri)
    elif node.kind == "branch" and node.when is not None:
        lines.append(shorten(_gml(node.when.text, node.when.literal)) + " ?")
    elif node.kind == "switch":
        lines.append("switch")
    elif node.kind == "delay":
        if node.wait_ms is not None:
            lines.append(f"wait {duration_text(node.wait_ms)}")
        elif node.wait is not None:
            lines.append(f"wait {shorten(_gml(node.wait.text, node.wait.literal))}")
    elif node.kind in ("each", "loop"):
        lines.append(block_label(node))
    if node.only is not None:
        lines.append(f"only {shorten(_gml(node.only.text, node.only.literal))}")
    return lines


def edge_label(edge: Edge, source: PlanNode) -> str | None:
    """The label of an edge: ``then``/``else``, a switch case's shortened condition,
    ``fail``, ``jump``; None for a plain forward ``next``."""
    label: str | None
    if edge.label.startswith("case["):
        index = int(edge.label[5:-1])
        if index < len(source.cases):
            condition = source.cases[index][0]
            label = shorten(_gml(condition.text, condition.literal))
        else:
            label = edge.label
    elif edge.label == "next":
        label = None
    else:
        label = edge.label  # then, else, fail
    if edge.jump:
        label = "jump" if label is None else f"{label} (jump)"
    return label


@dataclass(frozen=True, slots=True)
class _Link:
    """One line of the picture, in both formats' terms."""

    source: str
    target: str
    label: str | None
    style: Literal["plain", "jump", "fail", "marker"]


def _links(block: Block, source_of: Callable[[str], str], target_of: Callable[[str], str],
           start: str, end: str) -> Iterator[_Link]:
    """The lines of one block: start marker → starts, the control edges in declaration
    order, terminals → end marker. ``source_of``/``target_of`` turn a node id into the name
    its lines attach to (a nested block's markers, for ``each``/``loop`` nodes in DOT)."""
    for node_id in block.starts:
        yield _Link(start, target_of(node_id), None, "marker")
    for edge in block.edges:
        source = block.by_id[edge.source]
        style: Literal["plain", "jump", "fail", "marker"] = (
            "fail" if edge.is_fail else "jump" if edge.jump else "plain")
        yield _Link(source_of(edge.source), target_of(edge.target), edge_label(edge, source),
                    style)
    for node_id in block.terminals:
        yield _Link(source_of(node_id), end, None, "marker")


# --- Mermaid ---------------------------------------------------------------------------

_MERMAID_ESCAPES = {
    '"': "#quot;",
    "#": "#35;",
    "&": "#38;",
    "<": "#lt;",
    ">": "#gt;",
    "|": "#124;",
    "`": "#96;",
}
_MERMAID_RESERVED = frozenset({
    "end", "graph", "flowchart", "subgraph", "style", "linkStyle", "classDef", "class",
    "click", "call", "href", "default", "direction",
})
"""Words Mermaid reads as keywords (case-sensitive: ``END`` is a fine id)."""


def mermaid_text(lines: list[str]) -> str:
    """A quoted Mermaid label: entity codes for ``"``, ``#``, ``&``, ``<``, ``>``, ``|``
    and backquotes; ``<br/>`` between lines."""
    parts = []
    for line in lines:
        for piece in line.splitlines() or [""]:
            parts.append("".join(_MERMAID_ESCAPES.get(ch, ch) for ch in piece))
    return '"' + "<br/>".join(parts) + '"'


class _MermaidIds:
    """Mermaid node ids: letters, digits and ``_`` only, never a keyword, unique."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.by_key: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key in self.by_key:
            return self.by_key[key]
        readable = key.replace("(start)", "START").replace("(end)", "END").replace("/", "__")
        base = re.sub(r"[^A-Za-z0-9_]", "_", readable) or "n"
        if base in _MERMAID_RESERVED or base[0].isdigit():
            base = "n_" + base
        name, counter = base, 2
        while name in self.taken:
            name, counter = f"{base}_{counter}", counter + 1
        self.taken.add(name)
        self.by_key[key] = name
        return name


_MERMAID_SHAPES = {
    "tool": ("[[", "]]"),
    "mapping": ("[", "]"),
    "branch": ("{", "}"),
    "switch": ("{", "}"),
    "delay": ("([", "])"),
}


def to_mermaid(plan: Plan) -> str:
    """The flow as a Mermaid ``flowchart TD``."""
    ids = _MermaidIds()
    title = json.dumps(shorten(plan.name, 80), ensure_ascii=False)
    fonts = json.dumps(", ".join(f'"{f}"' if " " in f else f for f in FONTS))
    out = ["---", f"title: {title}", "config:", "    themeVariables:",
           f"        fontFamily: {fonts}", "---", "flowchart TD"]
    link_count = 0
    fail_links: list[int] = []
    markers: list[str] = []

    def emit_block(block: Block, prefix: str, indent: str) -> None:
        nonlocal link_count
        start, end = ids(f"{prefix}(start)"), ids(f"{prefix}(end)")
        markers.extend((start, end))
        out.append(f'{indent}{start}(("start"))')
        for node in block.nodes:
            name = ids(node.path)
            if node.block is not None:
                title = mermaid_text(node_lines(node))
                out.append(f"{indent}subgraph {name} [{title}]")
                emit_block(node.block, node.path + "/", indent + "    ")
                out.append(f"{indent}end")
            else:
                left, right = _MERMAID_SHAPES.get(node.kind, ("[", "]"))
                out.append(f"{indent}{name}{left}{mermaid_text(node_lines(node))}{right}")
        out.append(f'{indent}{end}((("end")))')
        by_path = {n.id: n.path for n in block.nodes}
        for link in _links(block, lambda i: ids(by_path[i]), lambda i: ids(by_path[i]),
                           start, end):
            arrow = "-.->" if link.style in ("jump", "fail") else "-->"
            text = "" if link.label is None else f"|{mermaid_text([link.label])}|"
            out.append(f"{indent}{link.source} {arrow}{text} {link.target}")
            if link.style == "fail":
                fail_links.append(link_count)
            link_count += 1

    emit_block(plan.block, "", "    ")
    out.append("    classDef marker fill:#333,stroke:#333,color:#fff,font-size:10px")
    out.append(f"    class {','.join(markers)} marker")
    if fail_links:
        indexes = ",".join(str(i) for i in fail_links)
        out.append(f"    linkStyle {indexes} stroke:{FAIL_COLOR},color:{FAIL_COLOR}")
    return "\n".join(out) + "\n"


# --- Graphviz DOT ----------------------------------------------------------------------


def dot_string(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as ``\\n``
    (``<``, ``>``, ``|``, ``{`` and ``}`` are only special in record shapes, which are not
    used)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{escaped}"'


def dot_label(lines: list[str]) -> str:
    """A quoted DOT label of several lines."""
    return dot_string("\n".join(lines))


_DOT_SHAPES = {
    "tool": 'shape=box, style="rounded,filled", fillcolor="#e3edfb"',
    "mapping": "shape=box",
    "branch": 'shape=diamond, style=filled, fillcolor="#fdf3d8"',
    "switch": 'shape=diamond, style=filled, fillcolor="#fdf3d8"',
    "delay": 'shape=box, style="rounded,dashed"',
}
_DOT_EDGE_STYLES = {
    "plain": "",
    "marker": "",
    "jump": "style=dashed, constraint=false",
    "fail": f'style=dotted, color="{FAIL_COLOR}", fontcolor="{FAIL_COLOR}"',
}


def to_dot(plan: Plan) -> str:
    """The flow as a Graphviz ``digraph``; ``each``/``loop`` nodes are clusters, and edges
    to or from them attach to the cluster (``lhead``/``ltail``)."""
    out = [
        f"digraph {dot_string(plan.name)} {{",
        f'    graph [compound=true, rankdir=TB, fontname="{FONT_LIST}", fontsize=11];',
        f'    node [fontname="{FONT_LIST}", fontsize=11];',
        f'    edge [fontname="{FONT_LIST}", fontsize=9];',
    ]

    def emit_block(block: Block, prefix: str, indent: str) -> None:
        start, end = f"{prefix}(start)", f"{prefix}(end)"
        out.append(f"{indent}{dot_string(start)} [shape=circle, label=\"\", width=0.18, "
                   "fixedsize=true, style=filled, fillcolor=\"#333333\"];")
        nested: dict[str, str] = {}
        for node in block.nodes:
            if node.block is not None:
                cluster = f"cluster_{node.path}"
                nested[node.id] = cluster
                out.append(f"{indent}subgraph {dot_string(cluster)} {{")
                out.append(f"{indent}    label={dot_label(node_lines(node))};")
                out.append(f'{indent}    style="rounded,dashed"; color="#888888";')
                emit_block(node.block, node.path + "/", indent + "    ")
                out.append(f"{indent}}}")
            else:
                shape = _DOT_SHAPES.get(node.kind, "shape=box")
                out.append(f"{indent}{dot_string(node.path)} "
                           f"[{shape}, label={dot_label(node_lines(node))}];")
        out.append(f"{indent}{dot_string(end)} [shape=doublecircle, label=\"\", width=0.12, "
                   "fixedsize=true, style=filled, fillcolor=\"#333333\"];")
        by_path = {n.id: n.path for n in block.nodes}

        def source_of(node_id: str) -> str:
            path = by_path[node_id]
            return f"{path}/(end)" if node_id in nested else path

        def target_of(node_id: str) -> str:
            path = by_path[node_id]
            return f"{path}/(start)" if node_id in nested else path

        clusters = {f"{by_path[i]}/(end)": c for i, c in nested.items()}
        clusters.update({f"{by_path[i]}/(start)": c for i, c in nested.items()})
        for link in _links(block, source_of, target_of, start, end):
            attrs = [a for a in (_DOT_EDGE_STYLES[link.style],) if a]
            if link.label is not None:
                attrs.append(f"label={dot_string(link.label)}")
            if link.source in clusters:
                attrs.append(f"ltail={dot_string(clusters[link.source])}")
            if link.target in clusters:
                attrs.append(f"lhead={dot_string(clusters[link.target])}")
            suffix = f" [{', '.join(attrs)}]" if attrs else ""
            out.append(f"{indent}{dot_string(link.source)} -> {dot_string(link.target)}"
                       f"{suffix};")

    emit_block(plan.block, "", "    ")
    out.append("}")
    return "\n".join(out) + "\n"


def to_svg(plan: Plan, *, timeout: float = 60) -> str:
    """The DOT picture rendered by Graphviz (``dot -Tsvg``).

    Raises:
        GraphvizMissing: ``dot`` is not on the PATH.
        GraphvizError: ``dot`` failed.
    """
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing("Graphviz (dot) is not installed; use --format dot or mermaid")
    try:
        done = subprocess.run([exe, "-Tsvg"], input=to_dot(plan), capture_output=True,
                              text=True, encoding="utf-8", timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GraphvizError(f"dot could not run: {error}") from None
    if done.returncode != 0:
        detail = done.stderr.strip() or f"exit status {done.returncode}"
        raise GraphvizError(f"dot failed: {detail}")
    return done.stdout


def render(plan: Plan, format: GraphFormat = "mermaid") -> str:
    """The picture in one of `FORMATS`."""
    if format == "mermaid":
        return to_mermaid(plan)
    if format == "dot":
        return to_dot(plan)
    if format == "svg":
        return to_svg(plan)
    raise ValueError(f"unknown graph format {format!r}; use one of {', '.join(FORMATS)}")
