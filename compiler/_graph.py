"""The control graph of one ``node`` block (spec/fdl.md §6.1): edges, join sets, starts,
terminals, jump resets, and the two relations the race checks need: "happens before" and
"exclusive" (different arms of one branch or switch).

Forward edges go to nodes declared later, so declaration order is a topological order:
every closure below is one pass over the nodes, with ancestor sets as integer bit masks.

Guards (spec/fdl.md §5, W211). The guards of a node are the ``(branch, arm)`` pairs that
every forward path to it passes through, where a path starts at a start node or at a jump
target and an arm is one label of a branch's or switch's edges (``then``, ``else``,
``case[i]``). They are one pass in declaration order: a node's guards are those its
incoming forward edges agree on, each edge bringing its source's guards plus, when the source
is a branch or switch, ``(source, label)``. So

- a node also reachable by a path that avoids the arm (from a start node outside the branch,
  or from another arm: a join after the arms merge, a target named by two arms) loses that
  guard;
- a jump target has no guards: taking a jump activates it without its incoming forward edges
  (§6.3), so it may run whatever arm the branches before it took;
- fail edges carry their source's guards like any forward edge.

Two nodes are *exclusive* when they hold different arms of the same branch. They never run
at the same time: a branch or switch takes exactly one arm per activation (none when skipped
or failed), both nodes lie in the forward region of the branch, and a branch runs again only
after a jump to a node whose forward region holds the branch, which waits until nothing in
that region, both nodes included, is running (§6.3). Iterations of an ``each``/``loop``
block run one after another, so within a sub-flow "one pass" is one iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from compiler.flow import Node

from .plan import Edge

__all__ = ["BlockGraph", "build_graph"]


@dataclass(frozen=True, slots=True)
class BlockGraph:
    """The graph of one block, by node id, plus ``ancestors`` as bit masks over ``order``
    and ``guards`` (branch id → arm label, see the module docstring) in the same order."""

    order: Mapping[str, int]
    ids: tuple[str, ...]
    edges: tuple[Edge, ...]
    predecessors: Mapping[str, tuple[str, ...]]
    starts: tuple[str, ...]
    terminals: tuple[str, ...]
    resets: Mapping[str, frozenset[str]]
    ancestors: tuple[int, ...]
    guards: tuple[Mapping[str, str], ...]

    def before(self, first: str, second: str) -> bool:
        """Whether ``first`` is always resolved before ``second`` starts (a forward path)."""
        a, b = self.order.get(first), self.order.get(second)
        if a is None or b is None:
            return False
        return bool(self.ancestors[b] >> a & 1)

    def exclusive(self, first: str, second: str) -> bool:
        """Whether the two nodes lie on different arms of one branch or switch, so that at
        most one of them runs in one pass of the block."""
        a, b = self.order.get(first), self.order.get(second)
        if a is None or b is None:
            return False
        guards_b = self.guards[b]
        return any(guards_b.get(branch, arm) != arm
                   for branch, arm in self.guards[a].items())

    def concurrent(self, first: str, second: str) -> bool:
        """Whether two different nodes may run at the same time: neither is ordered before
        the other and they are not on different arms of one branch or switch."""
        return (first != second and not self.before(first, second)
                and not self.before(second, first) and not self.exclusive(first, second))


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
        resets=resets, ancestors=tuple(ancestors),
        guards=_guards(nodes, edges, order, frozenset(resets)))


def _guards(nodes: Mapping[str, Node], edges: list[Edge], order: Mapping[str, int],
            jump_targets: frozenset[str]) -> tuple[Mapping[str, str], ...]:
    """Per node (in declaration order), the ``(branch, arm)`` pairs every forward path from a
    start node or a jump target passes through, as branch id → arm label."""
    incoming: dict[str, list[Edge]] = {node_id: [] for node_id in nodes}
    for edge in edges:
        if not edge.jump:
            incoming[edge.target].append(edge)
    guards: list[dict[str, str]] = []
    for node_id in nodes:
        found: dict[str, str] | None = None
        if node_id not in jump_targets:
            for edge in incoming[node_id]:
                brought = dict(guards[order[edge.source]])
                if nodes[edge.source].kind in ("branch", "switch"):
                    brought[edge.source] = edge.label
                found = brought if found is None else {
                    branch: arm for branch, arm in found.items()
                    if brought.get(branch) == arm}
        guards.append(found or {})
    return tuple(guards)


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
