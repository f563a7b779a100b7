"""Document symbols (the outline: the flow, its arguments, its nodes and nested blocks) and
folding ranges, both from the positioned YAML tree, so they work while the flow has errors.
"""

from __future__ import annotations

from lsprotocol import types

from compiler.kinds import KIND_LABELS
from compiler.yamltree import YMap, YNode, YScalar, YSeq
from gml import Span

from ._text import type_label
from ._yamlindex import Entry
from .analysis import Analysis

__all__ = ["NODE_SYMBOL_KINDS", "document_symbols", "folding_ranges"]

NODE_SYMBOL_KINDS = {
    "tool": types.SymbolKind.Function,
    "mapping": types.SymbolKind.Object,
    "branch": types.SymbolKind.Boolean,
    "switch": types.SymbolKind.Enum,
    "delay": types.SymbolKind.Event,
    "each": types.SymbolKind.Array,
    "loop": types.SymbolKind.Namespace,
}


def _entry_span(key: YScalar, value: YNode) -> Span:
    return Span(key.span.start, max(key.span.end, value.span.end))


def _symbol(analysis: Analysis, name: str, detail: str | None, kind: types.SymbolKind,
            key: YScalar, value: YNode, children: list[types.DocumentSymbol] | None = None
            ) -> types.DocumentSymbol:
    lines = analysis.lines
    return types.DocumentSymbol(name=name or "?", detail=detail, kind=kind,
                                range=lines.range(_entry_span(key, value)),
                                selection_range=lines.range(key.span), children=children)


def _nodes(analysis: Analysis, block: YNode) -> list[types.DocumentSymbol]:
    if not isinstance(block, YMap):
        return []
    found = []
    for key, value in block:
        node_id = str(key.value)
        node = analysis.nodes.get(node_id)
        kind = node.kind if node is not None and node.span.start == key.span.start else None
        detail = KIND_LABELS[kind] if kind else "node"
        if kind not in (None, "branch", "switch"):
            detail += f" → {type_label(analysis.output_type(node_id))}"
        inner = value.get("node") if isinstance(value, YMap) else None
        children = _nodes(analysis, inner) if inner is not None else None
        found.append(_symbol(analysis, node_id, detail, NODE_SYMBOL_KINDS.get(
            kind or "", types.SymbolKind.Object), key, value, children))
    return found


def _fields(analysis: Analysis, mapping: YNode, kind: types.SymbolKind
            ) -> list[types.DocumentSymbol]:
    if not isinstance(mapping, YMap):
        return []
    return [_symbol(analysis, str(k.value), str(v.value) if isinstance(v, YScalar) else None,
                    kind, k, v) for k, v in mapping]


def document_symbols(analysis: Analysis) -> list[types.DocumentSymbol]:
    """The outline: ``flow`` holding ``args`` (inputs, output, types), ``vars`` and the
    nodes, each/loop nodes holding their block."""
    root = analysis.inspection.root
    if not isinstance(root, YMap):
        return []
    flow_key = root.key("flow")
    flow = root.get("flow")
    if flow_key is None or flow is None:
        return []
    children: list[types.DocumentSymbol] = []
    if isinstance(flow, YMap):
        for key, value in flow:
            name = str(key.value)
            if name == "args" and isinstance(value, YMap):
                parts = []
                for k, v in value:
                    kind = {"in": types.SymbolKind.Field, "out": types.SymbolKind.Field,
                            "defs": types.SymbolKind.Struct}.get(str(k.value),
                                                                 types.SymbolKind.Field)
                    parts.append(_symbol(analysis, str(k.value), None,
                                         types.SymbolKind.Namespace, k, v,
                                         _fields(analysis, v, kind)))
                children.append(_symbol(analysis, "args", None, types.SymbolKind.Namespace,
                                        key, value, parts))
            elif name == "vars":
                children.append(_symbol(analysis, "vars", None, types.SymbolKind.Variable,
                                        key, value))
            elif name == "node":
                children.append(_symbol(analysis, "node", None, types.SymbolKind.Namespace,
                                        key, value, _nodes(analysis, value)))
    name = analysis.flow.name if analysis.flow is not None else "flow"
    return [_symbol(analysis, name, "flow", types.SymbolKind.Module, flow_key, flow,
                    children)]


def _fold(analysis: Analysis, entry: Entry) -> types.FoldingRange | None:
    lines = analysis.lines
    start = lines.line_of(entry.key.span.start)
    end_offset = entry.value.span.end
    end = lines.line_of(end_offset)
    if end > start and not analysis.text[lines.starts[end]:end_offset].strip():
        end -= 1  # a block ends where the next key starts
    if end <= start:
        return None
    kind = None if isinstance(entry.value, YMap | YSeq) else types.FoldingRangeKind.Region
    return types.FoldingRange(start_line=start, end_line=end, kind=kind)


def folding_ranges(analysis: Analysis) -> list[types.FoldingRange]:
    """A range for every entry whose value spans several lines (mappings, lists and block
    scalars such as multi-line GML)."""
    found = []
    for entry in analysis.yaml.entries:
        folded = _fold(analysis, entry)
        if folded is not None:
            found.append(folded)
    return found
