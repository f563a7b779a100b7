"""Flow-wide checks over the compiled fields: data races (W210, W211), SQL built by string
interpolation (W212) and nodes that can never run (E205).

The race checks use the forward graph only (spec/fdl.md §5): node A is guaranteed to have
completed (or been resolved as skipped, dead or failed) before B starts exactly when a
forward path leads from A to B. Nodes on different arms of one branch or switch (every
forward path to A takes its ``then``, every one to B its ``else``, or two different
``case``s) never run in the same pass, so they race neither way (``BlockGraph.exclusive``;
the guards in compiler._graph say why jumps and joins keep this exact). Nodes of different
blocks are compared through the each/loop nodes that contain them, at the level of their
nearest common block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gml import Span
from gml import nodes as n
from gml.values import truthy

from ._facts import CompileFacts, NodeInfo
from ._graph import never_run
from ._names import built_sql, free_names, may_build_sql
from .diagnostics import Reporter

if TYPE_CHECKING:
    from compiler.flow import Gml

    from .plan import Field

__all__ = ["run_all"]


def run_all(facts: CompileFacts, reporter: Reporter) -> None:
    """Every flow-wide check, reporting to ``reporter``."""
    reads(facts, reporter)
    writes(facts, reporter)
    sql(facts, reporter)
    dead(facts, reporter)


def _anchor(info: NodeInfo, block: str | None) -> str | None:
    """The node that stands for ``info`` in ``block`` (itself or the each/loop holding it)."""
    for level, node_id in info.chain:
        if level == block:
            return node_id
    return None


def reads(facts: CompileFacts, reporter: Reporter) -> None:
    """W210: a field reads a node output that is not guaranteed to be complete: no forward
    path leads from the node to the reader, and they are not on different arms of one branch
    or switch (then the node has not run in this pass, which is no race)."""
    cache = facts.cache
    for compiled in facts.state.compiled:
        if compiled.ast is None:
            continue
        names = (free_names(compiled.ast) if cache is None
                 else cache.derived(compiled.ast, "free_names", free_names))
        for name in names:
            var = compiled.scope.resolve(name.name)
            if var is None or var.kind != "node":
                continue
            target = facts.info.get(name.name)
            if target is None:
                continue
            if compiled.reader is None:
                reporter.report(
                    "W210", f"'{name.name}' is read before any node runs (in the flow's "
                    "vars), so it is always null here",
                    compiled.gml.file_span(name.span.start, name.span.end), "warning")
                continue
            reader = facts.info[compiled.reader]
            anchor = _anchor(reader, target.block)
            if anchor is None or anchor == name.name:
                continue
            graph = facts.state.graphs.get(target.block)
            if graph is None or graph.before(name.name, anchor) or graph.exclusive(
                    name.name, anchor):
                continue
            where = f"'{anchor}'" if anchor == compiled.reader else (
                f"'{anchor}' (which contains '{compiled.reader}')")
            reporter.report(
                "W210", f"'{name.name}' may not have completed when {where} runs: no next "
                f"path leads from '{name.name}' to '{anchor}'; add one (e.g. next: {anchor}) "
                "or the value may still be null",
                compiled.gml.file_span(name.span.start, name.span.end), "warning")


def _concurrent(facts: CompileFacts, a: str, b: str) -> bool:
    """Whether nodes ``a`` and ``b`` may run at the same time: compared at their nearest
    common block through the nodes that stand for them there, which are concurrent when
    neither is ordered before the other and they are not on different arms of one branch or
    switch (``BlockGraph.concurrent``)."""
    chain_a, chain_b = facts.info[a].chain, facts.info[b].chain
    for (block_a, node_a), (block_b, node_b) in zip(chain_a, chain_b, strict=False):
        if node_a != node_b:
            graph = facts.state.graphs.get(block_a)
            return block_a == block_b and graph is not None and graph.concurrent(node_a,
                                                                                 node_b)
    return False


def writes(facts: CompileFacts, reporter: Reporter) -> None:
    """W211: two nodes that may run at the same time `sets` the same variable. Writers on
    different arms of one branch or switch are not reported (spec/fdl.md §5)."""
    by_var: dict[int, list[tuple[str, Gml, Span]]] = {}
    for writer, var, text, target in facts.state.writes:
        by_var.setdefault(id(var), []).append((writer, text, target))
    names = {id(var): var.name for _, var, _, _ in facts.state.writes}
    for key, writers in by_var.items():
        for i, (second, text, target) in enumerate(writers):
            for first, _, _ in writers[:i]:
                if first != second and _concurrent(facts, first, second):
                    reporter.report(
                        "W211", f"'{names[key]}' is also set by '{first}', which may run at "
                        f"the same time as '{second}'; the last writer wins at random. Order "
                        "them with next, or merge the updates",
                        text.file_span(target.start, target.end), "warning")
                    break


def sql(facts: CompileFacts, reporter: Reporter) -> None:
    """W212: string interpolation that builds CQL or SQL text."""
    for compiled in facts.state.compiled:
        if compiled.ast is None:
            continue
        database = compiled.tool_type == "db" and compiled.key.endswith(".args")
        if not may_build_sql(compiled.gml.text or "", database):
            continue
        for expr in built_sql(compiled.ast, database):
            reporter.report(
                "W212", "this CQL/SQL text is built by string interpolation; pass the values "
                "as :name parameters instead (tools.md), so that no input can change the "
                "query", compiled.gml.file_span(expr.span.start, expr.span.end), "warning")


def _constant(field: Field | None) -> tuple[bool, bool]:
    """(is constant, truthiness) of a condition field."""
    if field is None:
        return False, False
    if field.program is None:
        return True, truthy(field.literal)
    ast = field.program.ast
    if len(ast.statements) == 1 and isinstance(ast.statements[0], n.ExprStmt):
        value = ast.statements[0].value
        if isinstance(value, n.Literal):
            return True, truthy(value.value)
    return False, False


def dead(facts: CompileFacts, reporter: Reporter) -> None:
    """E205 (warning): nodes that no path can reach, given constant conditions."""
    for graph in facts.state.graphs.values():
        never: set[tuple[str, str, str]] = set()
        for node_id in graph.ids:
            node = facts.info[node_id].node
            fields = facts.state.fields
            if node.kind == "branch":
                constant, value = _constant(fields.get((node_id, "when")))
                if constant:
                    ruled_out = "else" if value else "then"
                    never.update((node_id, t.id, ruled_out) for label, t in node.targets()
                                 if label == ruled_out)
            elif node.kind == "switch":
                decided: str | None = None
                for label, target in node.targets():
                    if decided is not None and label != decided:
                        never.add((node_id, target.id, label))
                        continue
                    if decided is not None or not label.startswith("case["):
                        continue
                    constant, value = _constant(fields.get((node_id, label)))
                    if constant and not value:
                        never.add((node_id, target.id, label))
                    elif constant and value:
                        decided = label
        for node_id in never_run(graph, never):
            reporter.report(
                "E205", f"node '{node_id}' can never run: every path to it passes a branch "
                "whose condition is constant", facts.info[node_id].node.id_span, "warning")
