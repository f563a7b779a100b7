"""The control graph of one ``node`` block (spec/fdl.md §6.1): edges, join sets, starts,
terminals, jump resets, and the "happens before" relation the race checks need.

Forward edges go to nodes declared later, so declaration order is a topological order:
every closure below is one pass over the nodes, with ancestor sets as integer bit masks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from compiler.flow import Node

from .plan import Edge

__all__ = ["BlockGraph", "build_graph"]


@dataclass(frozen=True, slots=True)
class BlockGraph:
    """The graph of one block, by node id, plus ``ancestors`` as bit masks over ``order``."""

    order: Mapping[str, int]
    ids: tuple[str, ...]
    edges: tuple[Edge, ...]
    predecessors: Mapping[str, tuple[str, ...]]
    starts: tuple[str, ...]
    terminals: tuple[str, ...]
    resets: Mapping[str, frozenset[str]]
    ancestors: tuple[int, ...]

    def before(self, first: str, second: str) -> bool:
        """Whether ``first`` is always resolved before ``second`` starts (a forward path)."""
        a, b = self.order.get(first), self.order.get(second)
        if a is None or b is None:
            return False
        return bool(self.ancestors[b] >> a & 1)

    def concurrent(self, first: str, second: str) -> bool:
        """Whether two different nodes may run at the same time."""
        return first != second and not self.before(first, second) and not self.before(
            second, first)


def build_graph(nodes: Mapping[str, Node], edges: list[Edge]) -> BlockGraph:
    """Analyse a block whose targets were already checked (``edges`` only holds valid ones).

    Args:
        nodes: the block's nodes in declaration order.
        edges: its control edges with ``jump`` already decided.
    """
    ids = tuple(nodes)
    order = {node_id: i for i, node_id in enumerate(ids)}
    preds: dict[str, list[str]] = {node_id: [] for node_id in ids}
    succs: dict[str, list[str]] = {node_id: [] for node_id in ids}
    flowing: set[str] = set()
    for edge in edges:
        if not edge.is_fail:
            flowing.add(edge.source)
        if not edge.jump and edge.source not in preds[edge.target]:
            preds[edge.target].append(edge.source)
            succs[edge.source].append(edge.target)
    ancestors = [0] * len(ids)
    for i, node_id in enumerate(ids):
        mask = 0
        for p in preds[node_id]:
            j = order[p]
            mask |= ancestors[j] | (1 << j)
        ancestors[i] = mask
    resets: dict[str, frozenset[str]] = {}
    for edge in edges:
        if edge.jump and edge.target not in resets:
            resets[edge.target] = _reachable(edge.target, succs.__getitem__)
    return BlockGraph(
        order=order, ids=ids, edges=tuple(edges),
        predecessors={k: tuple(v) for k, v in preds.items()},
        starts=tuple(i for i in ids if not preds[i]),
        terminals=tuple(i for i in ids if i not in flowing),
        resets=resets, ancestors=tuple(ancestors))


def _reachable(start: str, successors: Callable[[str], list[str]]) -> frozenset[str]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in successors(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return frozenset(seen)


def never_run(graph: BlockGraph, never_taken: set[tuple[str, str, str]]) -> list[str]:
    """Nodes that can never run: not reachable from a start node through edges that may be
    taken (``never_taken`` holds ``(source, target, label)`` of edges a constant condition
    rules out)."""
    live = set(graph.starts)
    stack = list(graph.starts)
    out: dict[str, list[str]] = {}
    for edge in graph.edges:
        if (edge.source, edge.target, edge.label) not in never_taken:
            out.setdefault(edge.source, []).append(edge.target)
    while stack:
        for nxt in out.get(stack.pop(), ()):
            if nxt not in live:
                live.add(nxt)
                stack.append(nxt)
    return [i for i in graph.ids if i not in live]
