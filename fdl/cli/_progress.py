"""Progress of a run on stderr (``fdl run`` without ``--json``).

Two modes, chosen by `RunDisplay`:

* **live** (stderr is a terminal): a `rich.live.Live` tree of the flow's nodes, nested for
  sub-flows (``proc`` → ``[2]`` → ``user`` for ``proc[2]/user``), each with its state
  (waiting, running, completed, skipped, failed, dead, cancelled), its duration (the running
  time for running nodes) and, after jumps, how often it ran. Nodes that never started by the
  end of their block are *dead* (dead-path elimination); those still running when the run
  failed or was cancelled are *cancelled*. Each/loop nodes show their last few iterations
  and count the earlier ones.
* **lines** (stderr is a pipe or a file): one concise line per finished node
  (``completed  customer  0.4 ms``), per retry and per failure, so CI logs stay readable and
  nothing is redrawn.

The run's final summary line is printed by the caller in both modes.

Events arrive on the trio thread; rich redraws from its own thread, so the state is guarded
by a lock and rendered from a consistent snapshot.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console, RenderableType
from rich.live import Live
from rich.text import Text
from rich.tree import Tree

from compiler.plan import Block, Plan

__all__ = ["RunDisplay", "format_duration"]

SHOWN_ITERATIONS = 5
"""How many of the latest iterations of an each/loop node the live tree shows."""

_SEGMENT = re.compile(r"^(?P<name>.*)\[(?P<index>\d+)\]$")

_STYLES = {
    "waiting": ("·", "dim"),
    "running": ("▶", "yellow"),
    "completed": ("✓", "green"),
    "skipped": ("↷", "dim"),
    "failed": ("✗", "bold red"),
    "dead": ("–", "dim"),
    "cancelled": ("⊘", "magenta"),
    "not run": ("·", "dim"),
}


def format_duration(seconds: float) -> str:
    """``0.4 ms``, ``12 ms``, ``1.25 s``, ``2m 03s``."""
    if seconds < 0:
        seconds = 0.0
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


@dataclass(slots=True)
class _Item:
    """One node (or one iteration of an each/loop node) in the tree."""

    label: str
    state: str = "waiting"
    started: float | None = None
    duration: float | None = None
    activations: int = 0
    note: str = ""
    block: Block | None = None
    children: dict[str, _Item] = field(default_factory=dict)
    iterations: dict[int, _Item] = field(default_factory=dict)
    hidden: int = 0
    hidden_failed: int = 0

    def child(self, name: str) -> _Item:
        item = self.children.get(name)
        if item is None:
            item = self.children[name] = _Item(name)
        return item

    def iteration(self, index: int) -> _Item:
        """The item of iteration ``index``; only the latest few are kept (a loop may run
        thousands of times), the older ones are counted."""
        item = self.iterations.get(index)
        if item is None:
            item = self.iterations[index] = _Item(f"[{index}]")
            _fill(item, self.block)
            while len(self.iterations) > SHOWN_ITERATIONS:
                oldest = min(self.iterations)
                self.hidden += 1
                self.hidden_failed += self.iterations.pop(oldest).state == "failed"
        return item


def _fill(item: _Item, block: Block | None) -> None:
    """Add the nodes of ``block`` (declaration order) as waiting children of ``item``."""
    if block is None:
        return
    for node in block.nodes:
        child = item.child(node.id)
        child.block = node.block


class RunDisplay:
    """Shows a run's events on stderr; use as a context manager, pass `on_event` to the run.

    Args:
        plan: the flow (its nodes are listed up front in the live tree).
        console: where to draw (default: stderr).
        live: force the live tree on or off (default: on when the console is a terminal).
    """

    def __init__(self, plan: Plan | None, *, console: Console | None = None,
                 live: bool | None = None) -> None:
        self.console = console if console is not None else Console(stderr=True)
        self.live = self.console.is_terminal if live is None else live
        self.root = _Item(plan.name if plan is not None else "flow")
        self.root.block = plan.block if plan is not None else None
        _fill(self.root, self.root.block)
        self.flow_state = "running"
        self.started: float | None = None
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._quiet = False
        self._cancelled: list[str] = []

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> RunDisplay:
        if self.live:
            self._live = Live(get_renderable=self.render, console=self.console,
                              refresh_per_second=8, transient=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.stop()
            self._live = None

    def replay(self, events: Iterable[dict[str, Any]]) -> None:
        """Feed events that happened before this process started (a resumed run's earlier
        events) into the tree without printing lines for them."""
        self._quiet = True
        try:
            for event in events:
                self.on_event(event)
        finally:
            self._quiet = False

    # ------------------------------------------------------------------ events

    def on_event(self, event: dict[str, Any]) -> None:
        """The runtime's ``on_event`` callback."""
        with self._lock:
            self._apply(event)
        if not self.live and not self._quiet:
            line = self._line(event)
            if line is not None:
                click.echo(line, err=True)

    def _item(self, path: str) -> _Item:
        """The tree item of a node path (``proc[2]/user``), created on the way."""
        item = self.root
        for segment in path.split("/"):
            match = _SEGMENT.match(segment)
            if match is None:
                item = item.child(segment)
                continue
            item = item.child(match["name"]).iteration(int(match["index"]))
        return item

    def _apply(self, event: dict[str, Any]) -> None:
        kind = str(event.get("type", ""))
        at = float(event.get("at") or 0.0)
        if kind in ("flow.started", "flow.resumed"):
            if self.started is None:
                self.started = at
            self.flow_state = "running"
            return
        if kind.startswith("flow."):
            self.flow_state = kind.partition(".")[2]
            self.root.duration = event.get("duration")
            self._cancelled = self._finish(self.root, self.flow_state == "completed")
            return
        path = str(event.get("node", ""))
        if not path:
            return
        item = self._item(path)
        if kind == "node.started":
            item.state, item.started, item.duration = "running", at, None
            item.activations = int(event.get("activation") or item.activations + 1)
            item.note = ""
            if item.block is not None and item.activations > 1:
                item.iterations.clear()
                item.hidden = item.hidden_failed = 0
        elif kind in ("node.completed", "node.failed", "node.skipped"):
            item.state = kind.partition(".")[2]
            item.duration = event.get("duration")
            error = event.get("error")
            if isinstance(error, dict):
                item.note = str(error.get("code", ""))
        elif kind == "node.retrying":
            error = event.get("error")
            code = error.get("code", "") if isinstance(error, dict) else ""
            item.note = f"retry {event.get('attempt', '?')} after {code}".rstrip()
        elif kind in ("iteration.started", "iteration.completed"):
            iteration = item.iteration(int(event.get("index") or 0))
            if kind == "iteration.started":
                iteration.state, iteration.started = "running", at
            else:
                iteration.state = "completed"
                iteration.duration = at - (iteration.started or at)
                self._finish(iteration, True)

    def _finish(self, item: _Item, completed: bool, prefix: str = "") -> list[str]:
        """The end of ``item``'s block: waiting nodes are dead (or not run, when the run
        failed), running ones cancelled. Returns the paths of the cancelled ones."""
        cancelled = []
        children = [*((f"{prefix}{name}", c, True) for name, c in item.children.items()),
                    *((f"{prefix.rstrip('/')}[{i}]", c, False)
                      for i, c in item.iterations.items())]
        for path, child, is_node in children:
            if child.state == "waiting":
                child.state = "dead" if completed else "not run"
            elif child.state == "running":
                child.state = "cancelled"
                if is_node:
                    cancelled.append(path)
            cancelled.extend(self._finish(child, completed, path + "/"))
        return cancelled

    # ------------------------------------------------------------------ lines

    def _line(self, event: dict[str, Any]) -> str | None:
        kind = str(event.get("type", ""))
        node = str(event.get("node", ""))
        if kind in ("flow.failed", "flow.cancelled") and self._cancelled:
            return "\n".join(f"{'cancelled':<9}  {path}" for path in self._cancelled)
        if kind in ("node.completed", "node.skipped", "node.failed"):
            state = kind.partition(".")[2]
            parts = [f"{state:<9}", node]
            if event.get("duration") is not None:
                parts.append(format_duration(float(event["duration"])))
            error = event.get("error")
            if isinstance(error, dict):
                parts.append(f"{error.get('code', '')}: {error.get('message', '')}")
            return "  ".join(parts)
        if kind == "node.retrying":
            error = event.get("error")
            code = error.get("code", "") if isinstance(error, dict) else ""
            delay = float(event.get("delay") or 0.0)
            return (f"{'retrying':<9}  {node}  attempt {event.get('attempt', '?')} failed "
                    f"({code}); next in {format_duration(delay)}")
        return None

    # ------------------------------------------------------------------ the tree

    def render(self) -> RenderableType:
        """The tree as it is now (called by rich's refresh thread)."""
        with self._lock:
            now = time.time()
            tree = Tree(self._label(self.root, self.flow_state, now, bold=True))
            self._add(tree, self.root, now)
            return tree

    def _label(self, item: _Item, state: str, now: float, *, bold: bool = False) -> Text:
        mark, style = _STYLES.get(state, ("?", ""))
        text = Text()
        text.append(f"{mark} ", style=style)
        text.append(item.label, style="bold" if bold else "")
        text.append(f"  {state}", style=style)
        if item.duration is not None:
            text.append(f"  {format_duration(float(item.duration))}", style="dim")
        elif state == "running" and item.started is not None:
            text.append(f"  {format_duration(now - item.started)}", style="dim")
        if item.activations > 1:
            text.append(f"  ×{item.activations}", style="cyan")
        if item.note:
            text.append(f"  {item.note}", style=style)
        return text

    def _add(self, tree: Tree, item: _Item, now: float) -> None:
        for child in item.children.values():
            branch = tree.add(self._label(child, child.state, now))
            self._add_iterations(branch, child, now)
            self._add(branch, child, now)

    def _add_iterations(self, tree: Tree, item: _Item, now: float) -> None:
        if item.hidden:
            note = f" ({item.hidden_failed} failed)" if item.hidden_failed else ""
            tree.add(Text(f"… {item.hidden} earlier iteration"
                          f"{'' if item.hidden == 1 else 's'}{note}", style="dim"))
        for index in sorted(item.iterations):
            iteration = item.iterations[index]
            branch = tree.add(self._label(iteration, iteration.state, now))
            self._add(branch, iteration, now)
