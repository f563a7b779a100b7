"""Evaluation benchmark: compiled GML vs hand-written Python vs jsonata-python.

Run from the project root with the ``bench`` extra installed (``pip install -e .[bench]``)::

    .venv/bin/python -m benchmarks.gml_bench            # full run (about 90 s on 2 cores)
    .venv/bin/python -m benchmarks.gml_bench --quick    # smoke run, rough figures
    .venv/bin/python -m benchmarks.gml_bench --json     # machine-readable results on stdout
    .venv/bin/python -m benchmarks.gml_bench --markdown # the table as Markdown (for the docs)

Every case is written three times — as a GML program, as the hand-written Python a developer
would write for the same job (the floor: no interpretation at all), and as a JSONata
expression run by jsonata-python (a peer: another interpreted JSON query language). All three
run on the same plain Python dicts and lists, generated deterministically with
``random.Random(42)``. Before anything is timed, each case's three results are checked to be the
same (floats compared with a relative tolerance); jsonata's result is normalised first where its
form differs (see `Case.jsonata_normalise`).

What is timed is one *evaluation*: the GML program and the JSONata expression are compiled once,
outside the timed loop; the timed call is ``program(data)`` / ``expr.evaluate(data)`` /
``python_fn(data)``. Timing uses `timeit.Timer.autorange` to pick a loop count, then
``repeat(5)`` and keeps the minimum per call (the least disturbed measurement). Calls that take
longer than `SLOW_CALL_S` (jsonata on 1,000 records) are repeated only 3 times.

Columns of the table:

* ``GML µs``, ``Python µs``, ``jsonata µs``: microseconds per call.
* ``jsonata nv µs``: jsonata-python with input validation off (``set_validate_input(False)``).
  By default jsonata-python walks the whole input on every call to check that it is JSON; this
  column shows its evaluator alone, a stricter comparison than its default settings.
* ``GML/Python``: how many times slower GML is than hand-written Python (1.0 = as fast as the
  floor; the target for the collection cases at 1,000 records is ≤ 5).
* ``jsonata/GML``: how many times faster GML is than jsonata-python with its default settings
  (the target is ≥ 20); ``nv/GML``: the same against jsonata without input validation.

The ``path`` case runs one path on a small document and on documents that also hold a 1,000-
and a 100,000-record array in another field: a compiled GML path must cost the same on all three
(no per-call copying or conversion of the input).

Figures are measured, never asserted: this module is not a test. ``docs/performance.md`` holds
the figures of a reference run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import sys
import time
import timeit
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import gml

try:
    import jsonata
except ImportError:  # pragma: no cover - the bench extra is missing
    sys.exit("jsonata-python is not installed: pip install -e '.[bench]'")

Data = Mapping[str, Any]

COMMAND = "python -m benchmarks.gml_bench"
SEED = 42
SIZES: tuple[int, ...] = (10, 1_000)
PATH_BACKGROUND_SIZES: tuple[int, ...] = (1_000, 100_000)
REPEAT = 5
SLOW_REPEAT = 3
SLOW_CALL_S = 0.005
QUICK_TARGET_S = 0.01

# Targets from the issue.
TARGET_GML_OVER_PYTHON = 5.0
TARGET_JSONATA_OVER_GML = 20.0
TARGET_RECORDS = 1_000
PATH_SAME_COST_TOLERANCE = 1.25  # a path on a big document may cost ≤ 1.25x the small one

CHANNELS = ("web", "app", "store", "phone")
STATUSES = ("new", "paid", "shipped", "cancelled")
CITIES = ("Paris", "Lyon", "Berlin", "Madrid", "Shanghai", "Osaka")


# --------------------------------------------------------------------------- data


def make_orders(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` order records shaped like typical flow data."""
    return [
        {
            "id": f"o{i:06d}",
            "amount": round(rng.uniform(1.0, 300.0), 2),
            "channel": rng.choice(CHANNELS),
            "status": rng.choice(STATUSES),
            "customer": {"id": f"c{rng.randrange(10_000):05d}", "city": rng.choice(CITIES)},
        }
        for i in range(count)
    ]


def make_order(rng: random.Random) -> dict[str, Any]:
    """The single order read by the ``path`` case."""
    return {
        "id": "o-path",
        "total": round(rng.uniform(1.0, 300.0), 2),
        "customer": {
            "id": "c00042",
            "name": "Ada",
            "address": {"street": "1 Rue de Rivoli", "city": "Paris", "zip": "75001"},
        },
    }


# --------------------------------------------------------------------------- hand-written Python


def py_path(data: Data) -> Any:
    return data["order"]["customer"]["address"]["city"]


def py_filter_map(data: Data) -> Any:
    return [o["id"] for o in data["orders"] if o["amount"] > 100]


def py_sum(data: Data) -> Any:
    return sum(o["amount"] for o in data["orders"])


def py_filter_sum(data: Data) -> Any:
    return sum(o["amount"] for o in data["orders"] if o["channel"] == "web")


def py_group_sum(data: Data) -> Any:
    totals: dict[Any, Any] = {}
    for o in data["orders"]:
        channel = o["channel"]
        totals[channel] = totals.get(channel, 0) + o["amount"]
    return [{"channel": key, "total": total} for key, total in totals.items()]


# --------------------------------------------------------------------------- jsonata normalising


def jsonata_plain(value: Any) -> Any:
    """jsonata-python's ``JList`` (a list subclass) and nested values as plain lists/dicts."""
    if isinstance(value, list):
        return [jsonata_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonata_plain(item) for key, item in value.items()}
    return value


def jsonata_group_rows(value: Any) -> Any:
    """``orders{channel: $sum(amount)}`` gives ``{channel: total}``; GML gives
    ``[{channel, total}]`` in first-seen key order (jsonata keeps that order too)."""
    return [{"channel": key, "total": total} for key, total in value.items()]


def same(left: Any, right: Any) -> bool:
    """Deep equality; floats equal within a relative 1e-9 (summation order may differ)."""
    if isinstance(left, float) or isinstance(right, float):
        return (isinstance(left, int | float) and isinstance(right, int | float)
                and math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9))
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    return bool(type(left) is type(right) and left == right)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One benchmark row: the same computation in three languages, on one data set."""

    name: str
    data_label: str
    records: int
    gml: str
    jsonata: str
    python: Callable[[Data], Any]
    data: Data = field(repr=False)
    collection: bool
    jsonata_normalise: Callable[[Any], Any] = jsonata_plain


@dataclass(frozen=True)
class Result:
    """Timings of one case in microseconds per call, and the ratios derived from them."""

    case: str
    data: str
    records: int
    collection: bool
    gml_us: float
    python_us: float
    jsonata_us: float
    jsonata_nv_us: float

    @property
    def gml_over_python(self) -> float:
        return self.gml_us / self.python_us

    @property
    def jsonata_over_gml(self) -> float:
        return self.jsonata_us / self.gml_us

    @property
    def jsonata_nv_over_gml(self) -> float:
        return self.jsonata_nv_us / self.gml_us

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "gml_over_python": round(self.gml_over_python, 3),
                "jsonata_over_gml": round(self.jsonata_over_gml, 3),
                "jsonata_nv_over_gml": round(self.jsonata_nv_over_gml, 3)}


PATH_GML = PATH_JSONATA = "order.customer.address.city"

COLLECTION_CASES: tuple[tuple[str, str, str, Callable[[Data], Any], Callable[[Any], Any]], ...] = (
    ("filter+map", "orders.filter(o => o.amount > 100).map(o => o.id)",
     # `[...]` keeps a one-element result an array (jsonata unwraps singletons otherwise).
     "[orders[amount > 100].id]", py_filter_map, jsonata_plain),
    ("sum", "orders.sum('amount')", "$sum(orders.amount)", py_sum, jsonata_plain),
    ("filter+sum", "orders.filter(o => o.channel == 'web').sum('amount')",
     "$sum(orders[channel = 'web'].amount)", py_filter_sum, jsonata_plain),
    ("group+sum", "orders.group('channel').map(g => {channel: g.key, total: g.val.sum('amount')})",
     "orders{channel: $sum(amount)}", py_group_sum, jsonata_group_rows),
)


def build_cases(sizes: Sequence[int], background_sizes: Sequence[int]) -> Iterator[Case]:
    """Every case on deterministic data (one `random.Random(SEED)` per data set).

    A generator: each data set is built just before its cases run and freed after them, so
    the 100,000-record document does not stay in memory while the other cases are timed.
    """
    order = make_order(random.Random(SEED))
    yield Case("path", "small doc", 0, PATH_GML, PATH_JSONATA, py_path, {"order": order},
               collection=False)
    for size in background_sizes:
        big = {"order": order, "history": make_orders(size, random.Random(SEED))}
        yield Case("path", f"doc + {size:,} records", size, PATH_GML, PATH_JSONATA, py_path, big,
                   collection=False)
        del big
    for size in sizes:
        data = {"orders": make_orders(size, random.Random(SEED))}
        for name, gml_src, jsonata_src, python_fn, normalise in COLLECTION_CASES:
            yield Case(name, f"{size:,} records", size, gml_src, jsonata_src, python_fn, data,
                       collection=True, jsonata_normalise=normalise)


# --------------------------------------------------------------------------- timing


def time_call(fn: Callable[[Data], Any], data: Data, *, quick: bool) -> float:
    """Seconds per call of ``fn(data)``: min over repeats of a loop sized by autorange."""
    timer = timeit.Timer("fn(data)", globals={"fn": fn, "data": data})
    if quick:
        once = max(timer.timeit(1), 1e-7)
        number = max(1, int(QUICK_TARGET_S / once))
        return timer.timeit(number) / number
    number, total = timer.autorange()
    repeat = SLOW_REPEAT if total / number > SLOW_CALL_S else REPEAT
    return min(timer.repeat(repeat, number)) / number


def run_case(case: Case, *, quick: bool) -> Result:
    """Check the three implementations agree, then time each of them."""
    program = gml.compile(case.gml)
    expr = jsonata.Jsonata(case.jsonata)
    expr_nv = jsonata.Jsonata(case.jsonata)
    expr_nv.set_validate_input(False)
    expected = case.python(case.data)
    got_gml = program(case.data)
    got_jsonata = case.jsonata_normalise(expr.evaluate(case.data))
    got_jsonata_nv = case.jsonata_normalise(expr_nv.evaluate(case.data))
    for who, got in (("GML", got_gml), ("jsonata", got_jsonata),
                     ("jsonata (no validation)", got_jsonata_nv)):
        if not same(got, expected):
            raise AssertionError(f"{case.name} on {case.data_label}: {who} gave {got!r:.300}, "
                                 f"Python gave {expected!r:.300}")
    gc.collect()  # timeit switches the collector off while timing; start from a clean heap
    gml_s = time_call(program, case.data, quick=quick)
    python_s = time_call(case.python, case.data, quick=quick)
    jsonata_s = time_call(expr.evaluate, case.data, quick=quick)
    jsonata_nv_s = time_call(expr_nv.evaluate, case.data, quick=quick)
    return Result(case.name, case.data_label, case.records, case.collection,
                  gml_s * 1e6, python_s * 1e6, jsonata_s * 1e6, jsonata_nv_s * 1e6)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool


def evaluate_targets(results: Sequence[Result]) -> list[Target]:
    """The issue's three targets, judged on the measured figures."""
    targets: list[Target] = []
    big = [r for r in results if r.collection and r.records == TARGET_RECORDS]
    if big:
        worst = max(big, key=lambda r: r.gml_over_python)
        targets.append(Target(
            f"GML within {TARGET_GML_OVER_PYTHON:g}x of Python, collection cases at "
            f"{TARGET_RECORDS:,} records",
            f"worst {worst.gml_over_python:.2f}x ({worst.case})",
            worst.gml_over_python <= TARGET_GML_OVER_PYTHON))
    if results:
        slowest = min(results, key=lambda r: r.jsonata_over_gml)
        targets.append(Target(
            f"GML at least {TARGET_JSONATA_OVER_GML:g}x faster than jsonata-python",
            f"least {slowest.jsonata_over_gml:.1f}x ({slowest.case}, {slowest.data})",
            slowest.jsonata_over_gml >= TARGET_JSONATA_OVER_GML))
        slowest = min(results, key=lambda r: r.jsonata_nv_over_gml)
        targets.append(Target(
            "(stricter) the same against jsonata-python without input validation",
            f"least {slowest.jsonata_nv_over_gml:.1f}x ({slowest.case}, {slowest.data})",
            slowest.jsonata_nv_over_gml >= TARGET_JSONATA_OVER_GML))
    paths = [r for r in results if r.case == "path"]
    if len(paths) > 1:
        small = min(paths, key=lambda r: r.records)
        largest = max((r for r in paths if r is not small), key=lambda r: r.gml_us)
        ratio = largest.gml_us / small.gml_us
        targets.append(Target(
            "a path costs the same whatever the document's size",
            f"{ratio:.2f}x the small-document time at worst ({largest.data})",
            ratio <= PATH_SAME_COST_TOLERANCE))
    return targets


# --------------------------------------------------------------------------- output

HEADERS = ("case", "data", "GML µs", "Python µs", "jsonata µs", "jsonata nv µs", "GML/Python",
           "jsonata/GML", "nv/GML")
RIGHT_ALIGNED = (False, False, True, True, True, True, True, True, True)


def row_cells(r: Result) -> tuple[str, ...]:
    return (r.case, r.data, f"{r.gml_us:,.2f}", f"{r.python_us:,.2f}", f"{r.jsonata_us:,.1f}",
            f"{r.jsonata_nv_us:,.1f}", f"{r.gml_over_python:.2f}x",
            f"{r.jsonata_over_gml:,.1f}x", f"{r.jsonata_nv_over_gml:,.1f}x")


def machine() -> dict[str, Any]:
    return {"platform": platform.platform(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "cpus": os.cpu_count(),
            "jsonata_python": _version("jsonata-python")}


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def print_text(results: Sequence[Result], targets: Sequence[Target], elapsed: float,
               quick: bool) -> None:
    """The table and the targets, with rich when it is installed, else plain text."""
    info = machine()
    header = (f"{info['platform']} · {info['implementation']} {info['python']} · "
              f"{info['cpus']} CPUs · jsonata-python {info['jsonata_python']}"
              f"{' · QUICK (rough figures)' if quick else ''}")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover - rich is a project dependency
        print(header)
        widths = [max(len(h), *(len(row_cells(r)[i]) for r in results))
                  for i, h in enumerate(HEADERS)]
        lines = [HEADERS, *(row_cells(r) for r in results)]
        for line in lines:
            print("  ".join(c.rjust(w) if right else c.ljust(w)
                            for c, w, right in zip(line, widths, RIGHT_ALIGNED, strict=True)))
        for t in targets:
            print(f"[{'met' if t.met else 'MISSED'}] {t.name}: {t.measured}")
        print(f"total {elapsed:.1f} s")
        return
    console = Console()
    if not console.is_terminal:  # piped output: do not squeeze the table into 80 columns
        console = Console(width=140)
    table = Table(title="GML evaluation, µs per call (min of repeats)", caption=header)
    for h, right in zip(HEADERS, RIGHT_ALIGNED, strict=True):
        table.add_column(h, justify="right" if right else "left")
    previous: tuple[bool, int] | None = None
    for r in results:
        group = (r.collection, r.records if r.collection else 0)
        if previous is not None and group != previous:
            table.add_section()
        previous = group
        table.add_row(*row_cells(r))
    console.print(table)
    for t in targets:
        mark = "[green]met[/green]" if t.met else "[red]MISSED[/red]"
        console.print(f"{mark}  {t.name}: {t.measured}", highlight=False)
    console.print(f"total {elapsed:.1f} s", highlight=False)


def print_markdown(results: Sequence[Result], targets: Sequence[Target]) -> None:
    print("| " + " | ".join(HEADERS) + " |")
    print("|" + "|".join("---:" if right else "---" for right in RIGHT_ALIGNED) + "|")
    for r in results:
        print("| " + " | ".join(row_cells(r)) + " |")
    print()
    for t in targets:
        print(f"- {'met' if t.met else '**missed**'}: {t.name} — {t.measured}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one short timing loop per call instead of autorange + repeat(5)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="emit results as JSON on stdout")
    output.add_argument("--markdown", action="store_true", help="emit the table as Markdown")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    cases = build_cases(SIZES, PATH_BACKGROUND_SIZES)
    results = [run_case(case, quick=args.quick) for case in cases]
    targets = evaluate_targets(results)
    elapsed = time.perf_counter() - started

    if args.json:
        json.dump({"command": COMMAND + (" --quick" if args.quick else ""), "machine": machine(),
                   "seed": SEED, "elapsed_s": round(elapsed, 1),
                   "results": [r.as_json() for r in results],
                   "targets": [asdict(t) for t in targets]}, sys.stdout, indent=2,
                  ensure_ascii=False)
        print()
    elif args.markdown:
        print_markdown(results, targets)
    else:
        print_text(results, targets, elapsed, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
