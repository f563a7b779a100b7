"""Definitions and uses of the names of a flow, for go to definition, references, rename,
hover and semantic highlighting.

A `Symbol` names one thing of the flow: a node id (unique in the whole flow), an input, a
``vars`` variable of one scope, an iteration alias or index of one ``each``, a ``defs``
type, a flow called through ``flow://`` (defined by the ``flow`` key of its own file), or
an argument passed to a called flow (the called flow's input: see `lsp.workspace`). Uses
inside GML are resolved through the scope the compiler checked the field in, so a lambda
parameter or an earlier field of the same program that happens to share a name is not
mistaken for the variable; a ``vars`` program's own earlier variables are linked to it.

The index reads an analysis through `Analysed`, a protocol of what it needs (the flow, its
nodes, YAML entries and GML fields), not through `lsp.analysis.Analysis`: the analysis
builds its index (`Analysis.symbols`), so this module is below it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from compiler import FieldSource, Inspection
from compiler.flow import ArgDecl, Flow, Iteration, Node, ToolCall, TypeText
from compiler.scopes import Var
from gml import Span
from gml import nodes as n

from ._gmlindex import file_span, name_uses
from ._yamlindex import YamlIndex

__all__ = ["Analysed", "Occurrence", "Symbol", "SymbolIndex"]


class Analysed(Protocol):
    """What the index reads of one analysed document (`lsp.analysis.Analysis` is one)."""

    @property
    def flow(self) -> Flow | None: ...

    @property
    def inspection(self) -> Inspection:
        """What the front end found: the node table among it."""

    @property
    def nodes(self) -> dict[str, Node]:
        """Every node of the flow model by id (nested ones included)."""

    @property
    def flow_code(self) -> str | None:
        """The name other flows call this one by (``flow://<code>``), if any."""

    @property
    def yaml(self) -> YamlIndex: ...

    @property
    def fields(self) -> list[FieldSource]:
        """Every GML text field, in file order."""

    def ast(self, source: FieldSource) -> n.Program | None:
        """The AST of a field (None when it does not parse)."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """What a name stands for.

    ``kind`` is ``node``, ``input``, ``var``, ``alias``, ``type``, ``flow`` or
    ``argument``; ``owner`` is the each/loop node of a sub-flow variable (None at flow
    level), and for an ``argument`` the called flow's code.
    """

    kind: str
    name: str
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a symbol is written: its definition or a use."""

    span: Span
    symbol: Symbol
    definition: bool = False
    in_gml: bool = False


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def symbol_of(var: Var) -> Symbol | None:
    """The symbol a resolved GML variable stands for (None for built-ins)."""
    if var.kind == "node":
        return Symbol("node", var.name)
    if var.kind == "input":
        return Symbol("input", var.name)
    if var.kind == "vars":
        return Symbol("var", var.name, var.owner)
    if var.kind in ("alias", "index"):
        return Symbol("alias", var.name, var.owner)
    return None


class SymbolIndex:
    """Every occurrence of every symbol of one analysis, in file order."""

    def __init__(self, analysis: Analysed) -> None:
        # The analysis is not kept: it holds this index (a cycle would outlive it).
        found = list(self._collect(analysis))
        found.sort(key=lambda o: (o.span.start, o.span.end))
        self.occurrences = found

    def at(self, offset: int) -> Occurrence | None:
        """The occurrence holding ``offset`` (its end included)."""
        for occurrence in self.occurrences:
            if occurrence.span.start <= offset <= occurrence.span.end:
                return occurrence
            if occurrence.span.start > offset:
                break
        return None

    def of(self, symbol: Symbol) -> list[Occurrence]:
        """Every occurrence of ``symbol``, definition first."""
        found = [o for o in self.occurrences if o.symbol == symbol]
        return sorted(found, key=lambda o: not o.definition)

    def definition(self, symbol: Symbol) -> Occurrence | None:
        return next((o for o in self.occurrences if o.symbol == symbol and o.definition),
                    None)

    # ------------------------------------------------------------------ collecting

    def _collect(self, analysis: Analysed) -> Iterator[Occurrence]:
        flow = analysis.flow
        if flow is None:
            return
        declared = analysis.inspection.nodes
        for node_id, node in analysis.nodes.items():
            if node_id in declared:  # (empty when the compiler stopped early)
                yield Occurrence(node.id_span, Symbol("node", node_id), definition=True)
            for _label, target in node.targets():
                if target.id in analysis.nodes:
                    yield Occurrence(target.span, Symbol("node", target.id))
            if isinstance(node, Iteration):
                yield Occurrence(node.each.item_span, Symbol("alias", node.each.item, node_id),
                                 definition=True)
                if node.each.index:
                    yield Occurrence(node.each.index_span,
                                     Symbol("alias", node.each.index, node_id), definition=True)
            if isinstance(node, ToolCall) and node.exec.type == "flow":
                yield Occurrence(node.exec.span, Symbol("flow", node.exec.code))
        code = analysis.flow_code
        root = analysis.yaml.entries[0] if analysis.yaml.entries else None
        if code is not None and root is not None and root.path == ("flow",):
            yield Occurrence(root.key.span, Symbol("flow", code), definition=True)
        for name, decl in flow.args.inputs.items():
            yield Occurrence(Span(decl.span.start, decl.span.start + len(name)),
                             Symbol("input", name), definition=True)
        yield from self._types(analysis)
        yield from self._gml(analysis)

    def _types(self, analysis: Analysed) -> Iterator[Occurrence]:
        flow = analysis.flow
        assert flow is not None
        names = set(flow.args.defs)
        for entry in analysis.yaml.entries:
            if entry.path[:3] == ("flow", "args", "defs") and len(entry.path) == 4:
                yield Occurrence(entry.key.span, Symbol("type", str(entry.key.value)),
                                 definition=True)
        texts: list[TypeText] = []

        def add(shape: dict[str, ArgDecl] | TypeText | None) -> None:
            if isinstance(shape, TypeText):
                texts.append(shape)
            elif shape is not None:
                texts.extend(d.type for d in shape.values() if d.type is not None)

        add(dict(flow.args.inputs))
        add(flow.args.out)
        for shape in flow.args.defs.values():
            add(shape)
        for text in texts:
            for match in _WORD.finditer(text.text):
                if match.group() in names:
                    start = text.span.start + match.start()
                    yield Occurrence(Span(start, start + len(match.group())),
                                     Symbol("type", match.group()))

    def _gml(self, analysis: Analysed) -> Iterator[Occurrence]:
        for source in analysis.fields:
            program = analysis.ast(source)
            if program is None:
                continue
            defines = source.key == "vars" or source.key.endswith(".vars")
            writes = defines or source.key.endswith(".sets")
            called = _called_flow(analysis, source)
            for use in name_uses(program):
                if called is not None and use.kind == "write":
                    yield Occurrence(file_span(source, use.span),
                                     Symbol("argument", use.name, called), in_gml=True)
                    continue
                if use.kind == "param" or (use.kind in ("write", "field") and not writes):
                    continue  # fields of an output or of tool arguments name no symbol
                span = file_span(source, use.span)
                if defines and use.kind in ("write", "field"):
                    # `vars: a = 1; b = a + 1`: both `a` are the variable being declared
                    yield Occurrence(span, Symbol("var", use.name, source.scope.owner),
                                     definition=use.kind == "write", in_gml=True)
                    continue
                var = source.scope.resolve(use.name)
                symbol = symbol_of(var) if var is not None else None
                if symbol is not None:
                    yield Occurrence(span, symbol, in_gml=True)


def _called_flow(analysis: Analysed, source: FieldSource) -> str | None:
    """The code of the flow a field passes arguments to (its node's ``args`` calling
    ``flow://``), else None."""
    if source.reader is None or source.key != f"{source.reader}.args":
        return None
    node = analysis.nodes.get(source.reader)
    if isinstance(node, ToolCall) and node.exec.type == "flow":
        return node.exec.code
    return None
