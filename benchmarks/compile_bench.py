"""Compiler benchmark: how long ``fdl.check_text`` takes on realistic flows of growing size.

Run from the project root::

    .venv/bin/python -m benchmarks.compile_bench              # full run (about 2 min on 2 cores)
    .venv/bin/python -m benchmarks.compile_bench --quick      # smoke run, rough figures
    .venv/bin/python -m benchmarks.compile_bench --markdown   # the table as Markdown (for the docs)
    .venv/bin/python -m benchmarks.compile_bench --json       # machine-readable results
    .venv/bin/python -m benchmarks.compile_bench --profile    # cProfile of the 1,000-node check

The flows are generated deterministically (``random.Random(42)``) by `FlowWriter`: a chain of
*segments*, each a shape that real flows are made of —

* a fan-out: a mapping node whose ``next`` starts 2–4 tool calls in parallel (one of them
  sometimes followed by a second call, or with a ``fail`` edge to a fallback mapping), joined
  by a mapping that merges their outputs (``...a``) and ``sets`` flow variables;
* a branch (``when``/``then``/``else``) or a switch (``case`` with 2–3 entries and ``else``)
  whose targets are joined by a mapping after them;
* an ``each`` over an earlier node's array with ``vars``, ``with`` and a nested block of 3–5
  nodes (itself a small fan-out and join that ``sets`` the iteration's variables);
* a paged loop (``vars`` + ``when`` + a nested block of 3–4 nodes);
* a tool call followed by a ``wait``; single tool calls.

Tool calls have ``args`` (1–3 arguments reading inputs and earlier outputs) and often a
``with`` program of 2–4 statements (fallbacks with ``||``/``??``, arithmetic, templates,
``CASE``, ``filter``/``map`` lambdas over the call's own result); some have ``only``. Each
program reads inputs and the outputs of nodes that are guaranteed to have completed (the
flows compile without any diagnostic, which the benchmark checks before timing). The flow
declares ``defs`` types and inputs with defaults. Node counts include nested nodes.

What is timed, per flow size (each figure is the median of the runs — at least 7, more for
small flows, up to 41 — and before every run ``gc.collect()`` is called; the collector stays
on, as in real use):

* ``check ms``: ``fdl.check_text(text, env=gml.Environment())`` — a fresh GML environment per
  run, and the process-wide caches emptied (parsed GML programs, type texts), so that no cache
  of an earlier run makes a later one faster: every run is a cold check, as when a file is
  opened. ``best ms`` is the fastest of these runs, ``GC ms`` the median time the cyclic
  garbage collector paused them (``gc.callbacks``);
* ``warm ms``: the same check with the caches kept, as when an editor checks a file again;
* ``YAML ms`` / ``compile ms``: the two phases of the check, timed separately in other runs:
  ``fdl.parse_text`` (YAML composed with positions, then the flow model), and the
  `FlowCompiler` on its result (scopes, graph, every GML field parsed, type-checked and compiled,
  flow-wide checks);
* baselines of the same text in the same run: ``pyyaml ms`` is ``yaml.load(text,
  Loader=yaml.CSafeLoader)`` (the C loader; the pure-Python ``SafeLoader`` when libyaml is
  missing) and ``ruamel ms`` is ``ruamel.yaml.YAML().load(text)`` (round-trip mode). The ratios
  ``check/pyyaml`` and ``check/ruamel`` say how many times a YAML load alone the whole check costs.

``µs/node`` is ``check ms`` per node. The growth lines compare each size with the previous one
(on medians, on best runs, and on medians less the collector's pauses); the *paired* growth
alternates single runs of 100 and 1,000 nodes and takes the median of the ratios, so that a slow
spell of the machine weighs on both sizes alike. Figures are measured, never asserted: this
module is not a test. ``docs/performance.md`` holds the figures of a reference run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import yaml
from ruamel.yaml import YAML

import fdl
import gml
from compiler import FlowCompiler
from compiler.reader import is_type_syntax
from gml._parser import clear_cache as clear_parse_cache

COMMAND = "python -m benchmarks.compile_bench"
SEED = 42
SIZES: tuple[int, ...] = (10, 100, 1_000, 2_000)
RUNS = 7
MAX_RUNS = 41
MIN_SECONDS = 3.0  # small flows get more runs: at least this long per figure, up to MAX_RUNS
QUICK_RUNS = 2
PROFILE_NODES = 1_000

# Targets from the issue.
TARGET_NODES = 1_000
TARGET_SECONDS = 1.0
LINEAR_FROM, LINEAR_TO = 100, 1_000
LINEAR_TOLERANCE = 1.25  # "linear" when 1,000 nodes cost at most 1.25 x 10 x 100 nodes
PAIRS = 9
QUICK_PAIRS = 3

CSAFE = getattr(yaml, "CSafeLoader", None)
PYYAML_LOADER: Any = CSAFE or yaml.SafeLoader
PYYAML_LABEL = "CSafeLoader" if CSAFE is not None else "SafeLoader (no libyaml)"


# --------------------------------------------------------------------------- flow generator

ANY_FIELDS = ("id", "amount", "status", "total", "count", "name", "score", "level")
"""Fields read from tool results (typed ``any`` without a tool catalog)."""

TOOLS = (
    "api://crm-service/customer",
    "api://crm-service/profile?timeout=3000",
    "db://ec.mysql.order/list",
    "db://ec.mysql.order/count",
    "api://pricing/quote?timeout=2000&max-attempts=3",
    "api://risk-service/score",
    "db://crm.mongo.customer/take?timeout=3000&max-attempts=3",
    "api://inventory/stock",
    "mq://events/publish?topic=orders",
    "api://loyalty/points",
)
VERBS = ("fetch", "load", "score", "price", "check", "notify", "enrich", "lookup", "sync", "rate")
TOPICS = ("Customer", "Orders", "Profile", "Risk", "Stock", "Points", "Quote", "Address")

HEADER = """\
flow:
    name: Generated flow of {nodes} nodes
    desp: A synthetic flow shaped like real ones (benchmarks/compile_bench.py).
    args:
        defs:
            Item:
                sku: string
                quantity: int
                price: decimal
            Order:
                id: string
                items: Item[]
                amount: decimal
                channel: string
                time: date
            Summary:
                customerId: string
                orders: Order[]
                total: decimal?
        in:
            customerId: string            # the customer to process (required)
            from: date = DATE('-30d')     # start of the window, thirty days ago by default
            channel: string = 'web'       # sales channel
            pageSize: 50                  # page size of paged reads
            minAmount: decimal = DECIMAL('10.5')
            tags: string[]?               # optional labels
            orders: Order[]?              # orders already known by the caller
        out: any
    vars: |
        total = 0
        seen = []
        attempts = 0
    node:
"""

_PLAIN_FIRST = set("-?:,[]{}#&*!|>'\"%@`")


@dataclass
class GenNode:
    """One generated node: its keys in order (``head``), an optional nested block, keys after
    the block (``tail``), switch entries, and the ``next`` targets filled in last."""

    id: str
    head: list[tuple[str, str]] = field(default_factory=list)
    cases: list[tuple[str, str]] = field(default_factory=list)
    block: list[GenNode] | None = None
    tail: list[tuple[str, str]] = field(default_factory=list)
    next: list[str] = field(default_factory=list)

    def count(self) -> int:
        return 1 + sum(n.count() for n in self.block or ())


@dataclass(frozen=True)
class Produced:
    """A node whose output later nodes may read: ``fields`` are its known output fields
    (None: a tool result, typed ``any``)."""

    id: str
    fields: tuple[str, ...] | None


def _scalar(key: str, value: str, indent: str) -> list[str]:
    """``key: value`` as YAML: plain when that is safe, else a ``|`` block."""
    one_line = "\n" not in value
    safe = (one_line and value[:1] not in _PLAIN_FIRST and ": " not in value
            and " #" not in value and not value.endswith(":") and value == value.strip())
    if safe:
        return [f"{indent}{key}: {value}"]
    return [f"{indent}{key}: |", *(f"{indent}    {line}" for line in value.split("\n"))]


def emit(nodes: Sequence[GenNode], indent: str, out: list[str]) -> None:
    for node in nodes:
        out.append(f"{indent}{node.id}:")
        inner = indent + "    "
        for key, value in node.head:
            out.extend(_scalar(key, value, inner))
        if node.cases:
            out.append(f"{inner}case:")
            for when, then in node.cases:
                out.extend(_scalar("-   when", when, inner))
                out.append(f"{inner}    then: {then}")
        if node.block is not None:
            out.append(f"{inner}node:")
            emit(node.block, inner + "    ", out)
        for key, value in node.tail:
            out.extend(_scalar(key, value, inner))
        if node.next:
            out.append(f"{inner}next: {', '.join(node.next)}")


class FlowWriter:
    """Writes one flow of an exact node count (see the module docstring for its shapes)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counter = 0
        self.produced: list[Produced] = []

    # ---------------------------------------------------------------- vocabulary

    def new_id(self, stem: str | None = None) -> str:
        self.counter += 1
        if stem is None:
            stem = self.rng.choice(VERBS) + self.rng.choice(TOPICS)
        return f"{stem}{self.counter}"

    def read(self, visible: Sequence[Produced], *, untyped: bool = False) -> str:
        """A path into a recent output, or an input now and then.

        ``untyped`` reads only tool results (``any``) and numeric inputs, so that the value
        can take part in arithmetic and comparisons whatever its field."""
        sources = [p for p in visible[-8:] if not untyped or p.fields is None]
        if not sources or self.rng.random() < 0.2:
            inputs = ("pageSize", "minAmount") if untyped else (
                "customerId", "channel", "pageSize", "minAmount")
            return self.rng.choice(inputs)
        source = self.rng.choice(sources)
        names = source.fields or ANY_FIELDS
        return f"{source.id}.{self.rng.choice(names)}"

    def expression(self, own: str | None, visible: Sequence[Produced]) -> str:
        choice = self.rng.randrange(8)
        if choice == 0:
            return (f"{self.read(visible)} || "
                    f"{self.rng.choice(('channel', 'customerId', repr('n/a')))}")
        if choice == 1:
            return f"({self.read(visible, untyped=True)} || 0) + {self.rng.randrange(1, 100)}"
        if choice == 2:
            return f"`${{customerId}}-${{{self.read(visible)}}}`"
        if choice == 3:
            return f"{self.read(visible)} ?? pageSize"
        if choice == 4:
            return (f"CASE WHEN {self.read(visible, untyped=True)} > minAmount THEN 'high' "
                    "ELSE 'low' END")
        if choice == 5 and own is not None:
            return f"{own}.items.filter(i => i.quantity > 0).map(i => i.sku)"
        if choice == 6 and own is not None:
            return f"{own}.amount * {self.rng.randrange(2, 5)} + " \
                f"({self.read(visible, untyped=True)} || 0)"
        return f"{self.read(visible)} != null && {self.read(visible)} != null"

    def program(self, own: str | None, visible: Sequence[Produced], low: int = 2,
                high: int = 4) -> tuple[str, tuple[str, ...]]:
        """A ``with`` program of ``low``–``high`` assignments; returns it and its fields."""
        names = self.rng.sample(("ref", "status", "amount", "label", "score", "skus", "ok",
                                 "note"), self.rng.randint(low, high))
        lines = [f"{name} = {self.expression(own, visible)}" for name in names]
        return "\n".join(lines), tuple(names)

    def args(self, visible: Sequence[Produced]) -> str:
        parts = [self.rng.choice(("customerId = customerId", "since = from",
                                  "size = pageSize", "channel = channel"))]
        for _ in range(self.rng.randint(0, 2)):
            parts.append(f"{self.rng.choice(('ref', 'key', 'amount', 'level'))}"
                         f"{len(parts)} = {self.read(visible)}")
        return ", ".join(parts)

    def tool(self, visible: Sequence[Produced], *, with_p: float = 0.6, only_p: float = 0.15,
             stem: str | None = None) -> tuple[GenNode, Produced]:
        node = GenNode(self.new_id(stem))
        node.head.append(("exec", self.rng.choice(TOOLS)))
        node.head.append(("args", self.args(visible)))
        fields: tuple[str, ...] | None = None
        if self.rng.random() < with_p:
            text, fields = self.program(node.id, visible)
            node.head.append(("with", text))
        if self.rng.random() < only_p:
            node.head.append(("only", f"{self.read(visible)} != null"))
        return node, Produced(node.id, fields)

    def join(self, sources: Sequence[Produced], visible: Sequence[Produced], *, sets: bool
             ) -> tuple[GenNode, Produced]:
        """A mapping after parallel paths: spreads two of their outputs, adds two fields."""
        node = GenNode(self.new_id("merge"))
        lines = [f"...{s.id}" for s in sources]
        lines.append(f"checkedAt = {self.rng.choice(('now', 'DATE()', 'from'))}")
        lines.append(f"total = ({self.read(visible, untyped=True)} || 0) + total")
        node.head.append(("with", "\n".join(lines)))
        if sets:
            node.head.append(("sets", "attempts = attempts + 1\nseen = seen.add("
                              f"{self.read(visible)})"))
        known = {name for s in sources for name in s.fields or ()}
        return node, Produced(node.id, (*sorted(known), "checkedAt", "total"))

    # ---------------------------------------------------------------- segments

    def fan_out(self, width: int, follow: bool, fallback: bool) -> list[GenNode]:
        visible = list(self.produced)
        split = GenNode(self.new_id("prepare"))
        text, fields = self.program(None, visible, 2, 3)
        split.head.append(("with", text))
        visible.append(Produced(split.id, fields))
        nodes = [split]
        ends: list[GenNode] = []
        made: list[Produced] = []
        for _ in range(width):
            call, out = self.tool(visible)
            split.next.append(call.id)
            nodes.append(call)
            made.append(out)
            ends.append(call)
        if follow:
            second, out = self.tool([*visible, made[0]])
            ends[0].next.append(second.id)
            nodes.append(second)
            ends[0] = second
            made.append(out)
        if fallback:
            spare = GenNode(self.new_id("fallback"))
            spare.head.append(("with", "reason = 'fallback'\nfailedAt = now"))
            ends[-1].tail.append(("fail", spare.id))
            nodes.append(spare)
            ends.append(spare)
        join, out = self.join(made[:2], [*visible, *made], sets=True)
        for end in ends:
            end.next.append(join.id)
        nodes.append(join)
        self.produced.extend([Produced(split.id, fields), *made, out])
        return nodes

    def branch(self) -> list[GenNode]:
        visible = list(self.produced)
        test = GenNode(self.new_id("isLarge"))
        yes, out_yes = self.tool(visible)
        no, out_no = self.tool(visible)
        test.head += [("when", f"({self.read(visible, untyped=True)} || 0) > minAmount"),
                      ("then", yes.id),
                      ("else", no.id)]
        join, out = self.join([out_yes, out_no], visible, sets=False)
        yes.next.append(join.id)
        no.next.append(join.id)
        self.produced.extend([out_yes, out_no, out])
        return [test, yes, no, join]

    def switch(self, entries: int) -> list[GenNode]:
        visible = list(self.produced)
        judge = GenNode(self.new_id("route"))
        subject = self.read(visible, untyped=True)
        targets: list[GenNode] = []
        made: list[Produced] = []
        for value in ("gold", "silver", "bronze")[:entries]:
            call, out = self.tool(visible)
            judge.cases.append((f"{subject} == '{value}'", call.id))
            targets.append(call)
            made.append(out)
        other = GenNode(self.new_id("standard"))
        other.head.append(("with", f"level = 'standard'\nref = {self.read(visible)}"))
        judge.tail.append(("else", other.id))
        targets.append(other)
        made.append(Produced(other.id, ("level", "ref")))
        join, out = self.join(made[:2], visible, sets=False)
        for t in targets:
            t.next.append(join.id)
        self.produced.extend([*made, out])
        return [judge, *targets, join]

    def each(self, inner: int) -> list[GenNode]:
        visible = list(self.produced)
        proc = GenNode(self.new_id("forEach"))
        n = self.counter
        calls = [p for p in visible if p.fields is None]
        item: Produced
        if calls and self.rng.random() < 0.7:  # the items of an earlier call's result (any)
            source, key, item = f"{self.rng.choice(calls).id}.items", "sku", Produced(
                f"item{n}", None)
        else:  # the declared input `orders: Order[]?`
            source, key, item = "orders", "id", Produced(f"item{n}", ("id", "amount",
                                                                      "channel"))
        proc.head.append(("each", f"{source} => item{n}, i{n}"))
        proc.head.append(("vars", f"lines{n} = []\nsubtotal{n} = 0"))
        inside = [*visible, item]
        price, p_out = self.tool(inside, with_p=0.0, stem="price")
        price.head[1] = ("args", f"{key} = item{n}.{key}, position = i{n}, channel = channel")
        inside.append(p_out)
        block = [price]
        middle: list[GenNode] = []
        for _ in range(inner - 2):
            call, _out = self.tool(inside, with_p=0.3)
            price.next.append(call.id)
            middle.append(call)
        collect = GenNode(self.new_id("collect"))
        collect.head.append(("with", f"{key} = item{n}.{key}\nindex = i{n}\n"
                             f"amount = {p_out.id}.amount"))
        collect.head.append(("sets", f"lines{n} = lines{n}.add({{{key}: item{n}.{key}, "
                             f"price: {p_out.id}.amount}})\n"
                             f"subtotal{n} = subtotal{n} + ({p_out.id}.amount || 0)"))
        for call in middle:
            call.next.append(collect.id)
        block += [*middle, collect]
        proc.block = block
        proc.tail.append(("with", f"lines{n}\nsubtotal{n}\ncount = lines{n}.length()"))
        self.produced.append(Produced(proc.id, (f"lines{n}", f"subtotal{n}", "count")))
        return [proc]

    def loop(self, inner: int) -> list[GenNode]:
        visible = list(self.produced)
        load = GenNode(self.new_id("pages"))
        n = self.counter
        load.head.append(("vars", f"page{n} = 0\npageCount{n} = 1\nrows{n} = []"))
        load.head.append(("when", f"page{n} < pageCount{n} && page{n} < 20"))
        page, p_out = self.tool(visible, with_p=0.0, stem="page")
        page.head[1] = ("args", f"page = page{n}, size = pageSize, customerId = customerId")
        block = [page]
        last = page
        for _ in range(inner - 2):
            call, _out = self.tool([*visible, p_out], with_p=0.4)
            last.next.append(call.id)
            block.append(call)
            last = call
        keep = GenNode(self.new_id("keep"))
        keep.head.append(("with", f"{page.id}.content.filter(o => o.amount > minAmount)"))
        keep.head.append(("sets", f"page{n} = page{n} + 1\npageCount{n} = "
                          f"{page.id}.totalPages\nrows{n} = rows{n}.addAll("
                          f"{page.id}.content.proj('id, amount'))"))
        last.next.append(keep.id)
        block.append(keep)
        load.block = block
        load.tail.append(("with", f"rows = rows{n}\npages = page{n}"))
        self.produced.append(Produced(load.id, ("rows", "pages")))
        return [load]

    def delay(self) -> list[GenNode]:
        call, out = self.tool(list(self.produced))
        pause = GenNode(self.new_id("pause"))
        pause.head.append(("wait", self.rng.choice(("'500ms'", "'2s'", "1000", "'1m'"))))
        call.next.append(pause.id)
        self.produced.append(out)
        return [call, pause]

    def single(self) -> list[GenNode]:
        call, out = self.tool(list(self.produced))
        if self.rng.random() < 0.5:
            call.head.append(("sets", "attempts = attempts + 1"))
        self.produced.append(out)
        return [call]

    # ---------------------------------------------------------------- the flow

    def segment(self, budget: int) -> list[GenNode]:
        """One segment of at most ``budget`` nodes."""
        rng = self.rng
        shapes: list[tuple[int, float, Callable[[], list[GenNode]]]] = []
        width = rng.randint(2, 4)
        follow, fallback = rng.random() < 0.3, rng.random() < 0.25
        shapes.append((2 + width + follow + fallback, 3.0,
                       lambda: self.fan_out(width, follow, fallback)))
        shapes.append((4, 2.0, self.branch))
        entries = rng.randint(2, 3)
        shapes.append((entries + 3, 1.0, lambda: self.switch(entries)))
        inner = rng.randint(3, 5)
        shapes.append((1 + inner, 1.2, lambda: self.each(inner)))
        pages = rng.randint(3, 4)
        shapes.append((1 + pages, 0.8, lambda: self.loop(pages)))
        shapes.append((2, 0.5, self.delay))
        shapes.append((1, 0.7, self.single))
        fitting = [(w, make) for size, w, make in shapes if size <= budget]
        make = rng.choices([m for _, m in fitting], weights=[w for w, _ in fitting])[0]
        return make()

    def write(self, nodes: int) -> str:
        segments: list[list[GenNode]] = []
        left = nodes
        while left > 0:
            segment = self.segment(left)
            left -= sum(n.count() for n in segment)
            segments.append(segment)
        for before, after in itertools.pairwise(segments):
            exit_node = before[-1]
            exit_node.next.append(after[0].id)
        lines = HEADER.format(nodes=f"{nodes:,}").splitlines()
        emit([n for segment in segments for n in segment], " " * 8, lines)
        return "\n".join(lines) + "\n"


def make_flow(nodes: int, seed: int = SEED) -> str:
    """The text of a generated flow with exactly ``nodes`` nodes (nested ones included)."""
    return FlowWriter(random.Random(seed + nodes)).write(nodes)


# --------------------------------------------------------------------------- timing


def _cold_env() -> gml.Environment:
    """A GML environment no earlier run has compiled anything in, with the process-wide
    caches emptied too (parsed GML programs, type texts)."""
    clear_parse_cache()
    is_type_syntax.cache_clear()
    return gml.Environment()


class GcTimer:
    """Adds up the collector's pauses (``gc.callbacks``) while it is installed."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


@dataclass(frozen=True)
class Timing:
    """Seconds over the runs: the median, the best, and the median collector pause."""

    median: float
    best: float
    gc: float = 0.0


def timed(fn: Callable[[], object], runs: int) -> Timing:
    """Wall time of ``fn`` over ``runs`` runs, each after a ``gc.collect()``."""
    times: list[float] = []
    pauses: list[float] = []
    for _ in range(runs):
        gc.collect()
        with GcTimer() as collector:
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        pauses.append(collector.total)
    return Timing(statistics.median(times), min(times), statistics.median(pauses))


def check(text: str) -> fdl.CheckResult:
    return fdl.check_text(text, "bench.fdl.yaml", env=_cold_env())


def phases(text: str, runs: int) -> tuple[Timing, Timing]:
    """The two phases of `fdl.check_text`, each timed on its own: the YAML load with the flow
    model (``fdl.parse_text``), then the `FlowCompiler` on its result."""
    parse_times: list[float] = []
    compile_times: list[float] = []
    for _ in range(runs):
        env = _cold_env()
        gc.collect()
        started = time.perf_counter()
        flow, reporter = fdl.parse_text(text, "bench.fdl.yaml")
        parsed = time.perf_counter()
        assert flow is not None
        FlowCompiler(flow, "bench.fdl.yaml", reporter, env, None).compile()
        reporter.sorted()
        done = time.perf_counter()
        parse_times.append(parsed - started)
        compile_times.append(done - parsed)
    return (Timing(statistics.median(parse_times), min(parse_times)),
            Timing(statistics.median(compile_times), min(compile_times)))


@dataclass(frozen=True)
class Result:
    """Timings of one flow size, in milliseconds (medians unless named ``best``)."""

    nodes: int
    lines: int
    kib: float
    runs: int
    check_ms: float
    check_best_ms: float
    gc_ms: float
    warm_ms: float
    yaml_ms: float
    compile_ms: float
    pyyaml_ms: float
    ruamel_ms: float

    @property
    def us_per_node(self) -> float:
        return self.check_ms * 1000 / self.nodes

    @property
    def yaml_share(self) -> float:
        return self.yaml_ms / (self.yaml_ms + self.compile_ms)

    @property
    def over_pyyaml(self) -> float:
        return self.check_ms / self.pyyaml_ms

    @property
    def over_ruamel(self) -> float:
        return self.check_ms / self.ruamel_ms

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "us_per_node": round(self.us_per_node, 1),
                "yaml_share": round(self.yaml_share, 3),
                "check_over_pyyaml": round(self.over_pyyaml, 2),
                "check_over_ruamel": round(self.over_ruamel, 2)}


def run_size(nodes: int, quick: bool) -> Result:
    """Check that the generated flow compiles cleanly, then time it and the baselines."""
    text = make_flow(nodes)
    started = time.perf_counter()
    result = check(text)
    first = time.perf_counter() - started
    if result.diagnostics or result.plan is None:
        shown = "\n".join(d.headline() for d in result.diagnostics[:10])
        raise AssertionError(f"the generated {nodes}-node flow does not compile cleanly:\n"
                             f"{shown}")
    planned = len(result.plan.nodes())
    if planned != nodes:
        raise AssertionError(f"asked for {nodes} nodes, the plan has {planned}")
    del result
    runs = QUICK_RUNS if quick else max(RUNS, min(MAX_RUNS, int(MIN_SECONDS / first)))
    runs |= 1  # odd: the median is one of the runs
    total = timed(lambda: check(text), runs)
    warm_env = gml.Environment()
    warm = timed(lambda: fdl.check_text(text, "bench.fdl.yaml", env=warm_env), runs)
    yaml_phase, compile_phase = phases(text, runs)
    pyyaml = timed(lambda: yaml.load(text, Loader=PYYAML_LOADER), runs)
    ruamel = timed(lambda: YAML().load(text), runs)
    return Result(nodes, text.count("\n"), len(text.encode()) / 1024, runs,
                  total.median * 1e3, total.best * 1e3, total.gc * 1e3, warm.median * 1e3,
                  yaml_phase.median * 1e3, compile_phase.median * 1e3,
                  pyyaml.median * 1e3, ruamel.median * 1e3)


@dataclass(frozen=True)
class PairedGrowth:
    """Growth measured on alternating runs of two sizes, so that a slow spell of the machine
    (other processes, frequency changes) weighs on both sizes alike: one ratio per pair."""

    small: int
    large: int
    ratios: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    def describe(self) -> str:
        return (f"paired growth {self.large:,} vs {self.small:,} nodes: median "
                f"{self.median:.2f}x, {min(self.ratios):.2f}x–{max(self.ratios):.2f}x over "
                f"{len(self.ratios)} pairs of alternating runs (linear: "
                f"{self.large / self.small:g}x)")

    def as_json(self) -> dict[str, Any]:
        return {"small": self.small, "large": self.large, "median": round(self.median, 3),
                "ratios": [round(r, 3) for r in self.ratios]}


def paired_growth(small: int, large: int, pairs: int) -> PairedGrowth:
    texts = make_flow(small), make_flow(large)
    ratios: list[float] = []
    for _ in range(pairs):
        small_s, large_s = (timed(partial(check, text), 1).median for text in texts)
        ratios.append(large_s / small_s)
    return PairedGrowth(small, large, tuple(ratios))


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool


def growth(results: Sequence[Result], small: int, large: int, *, best: bool = False,
           without_gc: bool = False) -> float | None:
    """How many times the check of ``large`` nodes costs that of ``small`` nodes (medians,
    best runs, or medians less the median collector pause)."""
    by_size = {r.nodes: r for r in results}
    if small not in by_size or large not in by_size:
        return None
    if best:
        return by_size[large].check_best_ms / by_size[small].check_best_ms
    if without_gc:
        return ((by_size[large].check_ms - by_size[large].gc_ms)
                / (by_size[small].check_ms - by_size[small].gc_ms))
    return by_size[large].check_ms / by_size[small].check_ms


def evaluate_targets(results: Sequence[Result], paired: PairedGrowth | None
                     ) -> list[Target]:
    targets: list[Target] = []
    big = next((r for r in results if r.nodes == TARGET_NODES), None)
    if big is not None:
        targets.append(Target(f"a {TARGET_NODES:,}-node flow checks in under "
                              f"{TARGET_SECONDS:g} s", f"{big.check_ms:,.0f} ms",
                              big.check_ms / 1e3 < TARGET_SECONDS))
    ratio = paired.median if paired is not None else growth(results, LINEAR_FROM, LINEAR_TO)
    if ratio is not None:
        linear = LINEAR_TO / LINEAR_FROM
        targets.append(Target(
            f"time grows linearly ({LINEAR_TO:,} vs {LINEAR_FROM:,} nodes ≈ {linear:g}x)",
            f"{ratio:.1f}x{' (paired runs)' if paired is not None else ''}",
            ratio <= linear * LINEAR_TOLERANCE))
    return targets


# --------------------------------------------------------------------------- output

HEADERS = ("nodes", "lines", "KiB", "runs", "check ms", "best ms", "GC ms", "warm ms",
           "YAML ms", "compile ms", "YAML share", "µs/node", "pyyaml ms", "ruamel ms",
           "check/pyyaml", "check/ruamel")
RIGHT_ALIGNED = (True,) * len(HEADERS)


def row_cells(r: Result) -> tuple[str, ...]:
    return (f"{r.nodes:,}", f"{r.lines:,}", f"{r.kib:,.0f}", f"{r.runs}", f"{r.check_ms:,.1f}",
            f"{r.check_best_ms:,.1f}", f"{r.gc_ms:,.1f}", f"{r.warm_ms:,.1f}",
            f"{r.yaml_ms:,.1f}",
            f"{r.compile_ms:,.1f}", f"{r.yaml_share:.0%}",
            f"{r.us_per_node:,.0f}", f"{r.pyyaml_ms:,.2f}", f"{r.ruamel_ms:,.1f}",
            f"{r.over_pyyaml:,.0f}x", f"{r.over_ruamel:,.1f}x")


def growth_lines(results: Sequence[Result]) -> list[str]:
    sizes = [r.nodes for r in results]
    lines = []
    for small, large in itertools.pairwise(sizes):
        ratio = growth(results, small, large)
        best = growth(results, small, large, best=True)
        no_gc = growth(results, small, large, without_gc=True)
        if ratio is not None and best is not None and no_gc is not None:
            lines.append(f"growth {large:,} vs {small:,} nodes: {ratio:.2f}x on medians, "
                         f"{best:.2f}x on best runs, {no_gc:.2f}x on medians without the "
                         f"collector's pauses (linear: {large / small:g}x)")
    return lines


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def machine() -> dict[str, Any]:
    return {"platform": platform.platform(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "cpus": os.cpu_count(),
            "ruamel_yaml": _version("ruamel.yaml"), "ruamel_clib": _version("ruamel.yaml.clib"),
            "pyyaml": _version("PyYAML"),
            "pyyaml_loader": PYYAML_LABEL}


def print_text(results: Sequence[Result], paired: PairedGrowth, targets: Sequence[Target],
               elapsed: float, quick: bool) -> None:
    info = machine()
    header = (f"{info['platform']} · {info['implementation']} {info['python']} · "
              f"{info['cpus']} CPUs · ruamel.yaml {info['ruamel_yaml']} · PyYAML "
              f"{info['pyyaml']} ({info['pyyaml_loader']}) · ruamel.yaml.clib "
              f"{info['ruamel_clib']}"
              f"{' · QUICK (rough figures)' if quick else ''}")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover - rich is a project dependency
        print(header)
        cells = [HEADERS, *(row_cells(r) for r in results)]
        widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
        for line in cells:
            print("  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)))
        for text in [*growth_lines(results), paired.describe()]:
            print(text)
        for t in targets:
            print(f"[{'met' if t.met else 'MISSED'}] {t.name}: {t.measured}")
        print(f"total {elapsed:.1f} s")
        return
    console = Console()
    if not console.is_terminal:
        console = Console(width=170)
    table = Table(title="fdl.check_text on generated flows (median ms)", caption=header)
    for h, right in zip(HEADERS, RIGHT_ALIGNED, strict=True):
        table.add_column(h, justify="right" if right else "left")
    for r in results:
        table.add_row(*row_cells(r))
    console.print(table)
    for text in [*growth_lines(results), paired.describe()]:
        console.print(text, highlight=False)
    for t in targets:
        mark = "[green]met[/green]" if t.met else "[red]MISSED[/red]"
        console.print(f"{mark}  {t.name}: {t.measured}", highlight=False)
    console.print(f"total {elapsed:.1f} s", highlight=False)


def print_markdown(results: Sequence[Result], paired: PairedGrowth,
                   targets: Sequence[Target]) -> None:
    print("| " + " | ".join(HEADERS) + " |")
    print("|" + "|".join("---:" if right else "---" for right in RIGHT_ALIGNED) + "|")
    for r in results:
        print("| " + " | ".join(row_cells(r)) + " |")
    print()
    for text in [*growth_lines(results), paired.describe()]:
        print(f"- {text}")
    for t in targets:
        print(f"- {'met' if t.met else '**missed**'}: {t.name} — {t.measured}")


def profile(nodes: int, top: int) -> None:
    """cProfile of one cold check of the ``nodes``-node flow: the top functions by own time
    and by cumulative time."""
    text = make_flow(nodes)
    check(text)  # import and grammar set-up out of the way
    env = _cold_env()
    profiler = cProfile.Profile()
    profiler.enable()
    fdl.check_text(text, "bench.fdl.yaml", env=env)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats(order).print_stats(top)
        print(f"==== {nodes:,} nodes, sorted by {order}")
        print(buffer.getvalue())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_RUNS} runs per figure instead of {RUNS} to {MAX_RUNS}")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="emit results as JSON on stdout")
    output.add_argument("--markdown", action="store_true", help="emit the table as Markdown")
    output.add_argument("--profile", type=int, nargs="?", const=25, metavar="TOP",
                        help=f"cProfile the {PROFILE_NODES:,}-node check; print the TOP "
                        "functions (default 25)")
    args = parser.parse_args(argv)

    if args.profile is not None:
        profile(PROFILE_NODES, args.profile)
        return 0
    started = time.perf_counter()
    check(make_flow(SIZES[0]))  # imports, grammars and the default environment, untimed
    results = [run_size(size, args.quick) for size in SIZES]
    paired = paired_growth(LINEAR_FROM, LINEAR_TO, QUICK_PAIRS if args.quick else PAIRS)
    targets = evaluate_targets(results, paired)
    elapsed = time.perf_counter() - started

    if args.json:
        json.dump({"command": COMMAND + (" --quick" if args.quick else ""), "machine": machine(),
                   "seed": SEED, "elapsed_s": round(elapsed, 1),
                   "results": [r.as_json() for r in results],
                   "growth": growth_lines(results), "paired_growth": paired.as_json(),
                   "targets": [asdict(t) for t in targets]}, sys.stdout, indent=2,
                  ensure_ascii=False)
        print()
    elif args.markdown:
        print_markdown(results, paired, targets)
    else:
        print_text(results, paired, targets, elapsed, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
