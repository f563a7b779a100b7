"""Run-store benchmark: what durability costs per node on SQLite and on PostgreSQL, and what
an ``each`` iteration leaves in the journal (issue #17).

Run from the project root::

    .venv/bin/python -m benchmarks.store_bench                      # SQLite only
    .venv/bin/python -m benchmarks.store_bench --postgres postgresql://postgres@127.0.0.1/test
    .venv/bin/python -m benchmarks.store_bench --quick --markdown

Shapes: ``chain`` (tool nodes one after another: one transaction per node) and ``each`` (one
``each`` whose block is one tool node). For each store: the median µs per node (per
iteration for ``each``), and what the run left behind per node: rows of the ``journal`` and
``events`` tables and the bytes of their text, as stored. On PostgreSQL the benchmark uses a
schema of its own and drops it. Figures are measured, never asserted: this module is not a test.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import trio
import trio.lowlevel
from psycopg import sql

import fdl
from compiler.plan import Plan
from runtime import Runtime
from stdlib.pgdb import is_pg_url, parse_pg_url

WORK = "api://bench/work"


async def work(id: Any = None) -> dict[str, Any]:
    await trio.lowlevel.checkpoint()
    return {"ok": True, "id": id}


def chain_flow(n: int) -> str:
    lines = ["flow:", "    name: chain", "    node:"]
    for i in range(n):
        lines += [f"        n{i}:", f"            exec: {WORK}", f"            args: id = {i}"]
        if i + 1 < n:
            lines.append(f"            next: n{i + 1}")
    return "\n".join(lines) + "\n"


EACH = f"""\
flow:
    name: each
    args:
        in:
            items: any
    node:
        loop:
            each: items => item
            node:
                call:
                    exec: {WORK}
                    args: id = item
"""


def run_once(plan: Plan, inputs: dict[str, Any], store: str) -> tuple[float, str]:
    """Seconds one run takes, and its run id."""
    run_id = uuid.uuid4().hex

    async def go() -> None:
        async with Runtime(tools={WORK: work}, store=store, concurrency=1000) as rt:
            result = await rt.run(plan, inputs, run_id=run_id)
        if result.status != "completed":
            raise RuntimeError(f"benchmark flow failed: {result.error}")

    start = time.perf_counter()
    trio.run(go)
    return time.perf_counter() - start, run_id


def footprint(store_spec: str, run_id: str) -> tuple[int, int, int]:
    """Journal rows, event rows and the bytes of their text, as stored for one run."""
    query = ("SELECT (SELECT count(*) FROM journal WHERE run_id = {p}), "
             "(SELECT count(*) FROM events WHERE run_id = {p}), "
             "(SELECT coalesce(sum(length(record)), 0) FROM journal WHERE run_id = {p}) + "
             "(SELECT coalesce(sum(length(event)), 0) FROM events WHERE run_id = {p})")
    if is_pg_url(store_spec):
        url = parse_pg_url(store_spec)
        with psycopg.connect(url.conninfo) as conn:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(url.schema)))
            row = conn.execute(query.format(p="%(r)s"), {"r": run_id}).fetchone()
    else:
        raw = sqlite3.connect(store_spec)
        try:
            row = raw.execute(query.format(p=":r"), {"r": run_id}).fetchone()
        finally:
            raw.close()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def measure(stores: dict[str, str], quick: bool) -> list[dict[str, Any]]:
    n = 200 if quick else 1000
    items = 500 if quick else 5000
    repeats = 3 if quick else 5
    shapes = [("chain", fdl.check_text(chain_flow(n)).plan, {}, n),
              ("each", fdl.check_text(EACH).plan, {"items": list(range(items))}, items)]
    rows = []
    for name, plan, inputs, count in shapes:
        assert plan is not None
        for kind, spec in stores.items():
            times, run_id = [], ""
            for _ in range(repeats):
                seconds, run_id = run_once(plan, inputs, spec)
                times.append(seconds)
            journal, events, size = footprint(spec, run_id)
            rows.append({"shape": name, "store": kind, "nodes": count,
                         "us_per_node": statistics.median(times) / count * 1e6,
                         "journal": journal / count, "events": events / count,
                         "bytes": size / count})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="also measure PgStore on this server")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as folder:
        stores = {"sqlite": str(Path(folder) / "runs.db")}
        if options.postgres:
            separator = "&" if "?" in options.postgres else "?"
            stores["postgresql"] = f"{options.postgres}{separator}schema={schema}"
        try:
            rows = measure(stores, options.quick)
        finally:
            if options.postgres:
                with psycopg.connect(options.postgres, autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        sql.Identifier(schema)))
    if options.markdown:
        print("| shape | store | nodes | µs/node | journal rows/node | event rows/node | "
              "bytes/node |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['shape']} | {r['store']} | {r['nodes']:,} | {r['us_per_node']:.0f} | "
                  f"{r['journal']:.2f} | {r['events']:.2f} | {r['bytes']:.0f} |")
        return
    for r in rows:
        print(f"{r['shape']:6} {r['store']:10} {r['nodes']:>6} nodes {r['us_per_node']:8.0f} "
              f"µs/node  journal rows {r['journal']:.2f}  event rows {r['events']:.2f}  "
              f"{r['bytes']:.0f} B/node")


if __name__ == "__main__":
    main()
