"""One analysed document: the front end's result on its text, and a position index.

`analyze` runs the same front end as `fdl check` (`compiler.inspect_text`: YAML with
positions, the flow model, what the compiler found) with the project's catalog, in
check-only mode (the GML fields are type-checked, not compiled to closures: the plan is
never run here, see `Plan.executable`) and with the server's `gml.CheckCache`, so that the
fields an edit did not touch, read in unchanged scopes, are not checked again. It keeps
everything an editor request needs: the diagnostics, the plan (when the flow compiles),
the scopes, node table, fields and named types of the `compiler.Inspection` (also when it
does not), the YAML tree, and a `LineIndex` for positions. The indexes built from them
(which GML field, node, key or symbol is at an offset) are computed on first use and kept:
an analysis is never changed once built, a new text gets a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import gml
from compiler import Diagnostic, FieldSource, Inspection, Plan, ReuseCache, inspect_text
from compiler.flow import Flow, Iteration, Loop, Node
from gml import CheckResult
from gml import nodes as n
from gml.types import ANY, Type

from ._gmlindex import check_field, parse_field
from ._positions import LineIndex
from ._project import Project, ProjectCatalog
from ._symbols import SymbolIndex
from ._yamlindex import YamlIndex

__all__ = ["Analysis", "analyze"]


@dataclass(eq=False)
class Analysis:
    """The analysis of one version of one document.

    Attributes:
        uri: the document.
        version: the editor's version of the text (None for files read from disk).
        text: the analysed text.
        inspection: what the front end produced.
        lines: offsets ↔ positions of ``text``.
        project: the project the document belongs to (None for an unsaved document).
        catalog: the catalog it was checked with.
        path: the document's file (None for other URI schemes).
    """

    uri: str
    version: int | None
    text: str
    inspection: Inspection
    lines: LineIndex
    project: Project | None = None
    catalog: ProjectCatalog | None = None
    path: Path | None = None
    _asts: dict[str, n.Program | None] = field(default_factory=dict, repr=False)
    _checks: dict[str, CheckResult] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ front end

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.inspection.result.diagnostics

    @property
    def flow(self) -> Flow | None:
        return self.inspection.result.flow

    @property
    def plan(self) -> Plan | None:
        return self.inspection.result.plan

    @cached_property
    def flow_code(self) -> str | None:
        """The name other flows call this one by (``flow://<code>``): its path in the
        project's flows folder, without the suffix; None outside that folder."""
        if self.path is None or self.project is None:
            return None
        return self.project.flow_code(self.path)

    @cached_property
    def yaml(self) -> YamlIndex:
        """The YAML tree's entries with their paths."""
        return YamlIndex(self.inspection.root)

    # ------------------------------------------------------------------ GML fields

    @cached_property
    def fields(self) -> list[FieldSource]:
        """Every GML text field, in file order."""
        return sorted(self.inspection.fields.values(), key=lambda f: f.gml.span.start)

    def field_at(self, offset: int) -> FieldSource | None:
        """The GML field whose scalar holds ``offset`` (its end included)."""
        found = None
        for source in self.fields:
            span = source.gml.span
            if span.start <= offset <= span.end:
                found = source
            elif span.start > offset:
                break
        return found

    def ast(self, source: FieldSource) -> n.Program | None:
        """The AST of a field (None when it does not parse), parsed once."""
        if source.key not in self._asts:
            self._asts[source.key] = parse_field(source)
        return self._asts[source.key]

    def checked(self, source: FieldSource) -> CheckResult | None:
        """The checker's result for a field that parses (expression types by node id)."""
        program = self.ast(source)
        if program is None:
            return None
        if source.key not in self._checks:
            self._checks[source.key] = check_field(source, program)
        return self._checks[source.key]

    # ------------------------------------------------------------------ nodes

    @cached_property
    def nodes(self) -> dict[str, Node]:
        """Every node of the flow model by id (nested ones included)."""
        found: dict[str, Node] = {}
        if self.flow is not None:
            _collect_nodes(self.flow.node, found)
        return found

    def node_at(self, offset: int) -> Node | None:
        """The innermost node whose entry (id and body) holds ``offset``."""
        found = None
        for node in self.nodes.values():
            if node.span.start <= offset <= node.span.end and (
                    found is None or node.span.start >= found.span.start):
                found = node
        return found

    def output_type(self, node_id: str) -> Type:
        """The inferred type of a node's output (``any`` when unknown)."""
        plan = self.plan
        if plan is not None:
            for node in plan.nodes():
                if node.id == node_id:
                    return node.output_type
        info = self.inspection.nodes.get(node_id)
        if info is None:
            return ANY
        scope = self.inspection.scopes.get(info.block)
        var = scope.resolve(node_id) if scope is not None else None
        return var.type if var is not None else ANY

    def block_of(self, node_id: str) -> dict[str, Node] | None:
        """The node block that declares ``node_id``."""
        flow = self.flow
        if flow is None:
            return None
        info = self.inspection.nodes.get(node_id)
        owner = info.block if info is not None else None
        if owner is None:
            return flow.node
        holder = self.nodes.get(owner)
        return holder.node if isinstance(holder, Iteration | Loop) else None

    # ------------------------------------------------------------------ symbols

    @cached_property
    def symbols(self) -> SymbolIndex:
        """Definitions and uses of node ids, variables, types and flow targets."""
        return SymbolIndex(self)


def _collect_nodes(block: dict[str, Node], found: dict[str, Node]) -> None:
    # Module level: a nested recursive function would make a reference cycle.
    for node_id, node in block.items():
        found.setdefault(node_id, node)
        if isinstance(node, Iteration | Loop):
            _collect_nodes(node.node, found)


def analyze(uri: str, text: str, version: int | None = None, *, path: Path | None = None,
            project: Project | None = None, catalog: ProjectCatalog | None = None,
            encoding: str = "utf-16", cache: gml.CheckCache | None = None,
            reuse: ReuseCache | None = None) -> Analysis:
    """Analyse a document's text with the project's catalog; never raises.

    Args:
        cache: GML fields checked by earlier analyses (the server keeps one).
        reuse: the document's last check (`compiler.ReuseCache`: the server keeps one per
            open document), whose unchanged nodes' YAML and models are taken over.
    """
    inspection = inspect_text(text, str(path) if path is not None else uri,
                              catalog=catalog, codegen=False, cache=cache, reuse=reuse)
    return Analysis(uri, version, text, inspection, LineIndex(text, encoding), project,
                    catalog, path)
