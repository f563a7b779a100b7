"""Inlay hints: the inferred output type after each node id (tool calls, mappings, delays,
each/loop nodes; branches and switches have no output)."""

from __future__ import annotations

from lsprotocol import types

from ._text import type_label
from .analysis import Analysis

__all__ = ["inlay_hints"]


def inlay_hints(analysis: Analysis, start: int, end: int) -> list[types.InlayHint]:
    """Hints for the nodes whose id lies in ``[start, end]`` (file offsets)."""
    hints = []
    for node_id, node in analysis.nodes.items():
        span = node.id_span
        if node.kind in ("branch", "switch") or not start <= span.start <= end:
            continue
        colon = analysis.text.find(":", span.end)
        position = analysis.lines.position(colon + 1 if colon >= 0 else span.end)
        hints.append(types.InlayHint(
            position=position, label=f"→ {type_label(analysis.output_type(node_id))}",
            kind=types.InlayHintKind.Type, padding_left=True,
            tooltip=f"the inferred output type of '{node_id}'"))
    return hints
