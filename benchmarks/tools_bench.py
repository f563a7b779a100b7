"""Tools benchmark: the ``db://`` and ``api://`` adapters against hand-written sqlite3 and httpx.

Run from the project root::

    .venv/bin/python -m benchmarks.tools_bench              # full run (about 2 min on 2 cores)
    .venv/bin/python -m benchmarks.tools_bench --quick      # fewer rows and calls, rough figures
    .venv/bin/python -m benchmarks.tools_bench --markdown   # the tables as Markdown (for the docs)
    .venv/bin/python -m benchmarks.tools_bench --small      # db:// take/list of 100 rows only

**Small reads** (``--small``): ``db://`` ``take`` of one row and ``list`` of 100 rows (the
same six fields) on SQLite and, when it listens on 127.0.0.1:5432, PostgreSQL, against the
same two SELECTs through the bare driver (``sqlite3``, ``psycopg``) on an open connection,
dict rows, measured on trio's thread and in a trio worker thread (where a trio program must
run a blocking driver, and where the adapter runs it). 200 calls per case per round, 7 rounds
alternating, median; figures are per call.

**Database** (the embedded default: a SQLite file in a temporary folder). A table
``shop.orders`` with six typed fields (``id long``, ``name string``, ``amount decimal``,
``qty int``, ``price double``, ``created date``) is created with ``db://.../init`` and filled
with 10,000 rows by one ``db://.../bulk`` call (not timed). Then each case runs against a
baseline measured in the same run: the runs of a case and of its baseline alternate (one of
each per round, 5 rounds), so that a slow spell of the machine weighs on both; each figure is
the median of its runs, with ``gc.collect()`` before each.

* ``list``: ``db://shop.orders/list`` (every row, typed: `Decimal`, aware pendulum dates)
  called as a tool (``await tool.call(call)``, no runtime), the same with a ``proj`` that
  leaves the date field out (what the dates cost), and as a flow of one node run by
  `runtime.Runtime`. Baseline: hand-written ``sqlite3`` on an open connection — ``execute``
  of the same SELECT, ``fetchall``, one ``dict`` per row (values as stored: decimals and dates
  stay text). A reference converts those two columns by hand (``Decimal(text)``,
  ``datetime.fromisoformat(text)``): what typed values cost at the least.
* ``stream``: ``db://shop.orders/stream`` read with ``async for`` (no runtime), and as a flow
  whose node feeds an ``each`` that sums ``qty`` into its ``vars`` (one mapping node per
  iteration). Baseline: a hand-written ``sqlite3`` cursor loop building the same dict per row
  and summing ``qty``. For reference, the same ``each`` over the same rows given as an input
  list, and over a plain async generator yielding them (no database either way): they
  separate the ``each``'s own cost, the cost of pulling from a stream, and the adapter's.
* memory: the peak of ``tracemalloc`` while the 10,000 rows are read by ``list`` and by
  ``stream`` (no runtime), and while the two flows (``list`` or ``stream`` feeding the same
  ``each``) run. Measured once each, after the timed runs (tracing slows Python down);
  ``--no-memory`` skips it.

**HTTP.** A local HTTP/1.1 server on 127.0.0.1, started by the benchmark in a *separate
process* (an `asyncio.Protocol` that answers every request with the same small JSON object,
keep-alive), so that on 2 cores it runs beside the client instead of sharing its interpreter
lock. ``api://bench/customer`` (`ApiTools`, default settings: a GET with the arguments in the
query) is called

* one call after another: as a tool (``await tool.call(call)``) and as a flow whose ``each``
  calls it once per item (``Runtime(concurrency=1)``);
* 64 at a time: as a tool (a nursery of one task per call, a `trio.CapacityLimiter` of 64)
  and as a *wide* flow of independent tool nodes (``Runtime(concurrency=64)``).

Baseline, in the same run and at the same concurrency: plain ``httpx.AsyncClient`` (default
settings, as the adapter's client has) GETs from trio, ``response.json()`` on each. The
server's own floor is shown by raw HTTP/1.1 round trips on trio sockets (the request bytes
written, the known response length read), one connection, or 64 at once. Every variant runs
200 sequential calls, or 300 calls 64 at a time, per round, in turn; 7 rounds; calls/s is
the calls of a round over the median round time.

``ratio`` is always time over the baseline's time (``2.0x`` = twice as slow); for HTTP,
baseline calls/s over calls/s. Figures are measured, never asserted: this module is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import platform
import socket
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from decimal import Decimal
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import httpx
import pendulum
import trio

import fdl
from compiler.plan import Plan
from runtime import Runtime
from stdlib.tools import ToolCall, Tools, chain
from stdlib.tools.api import ApiTools, Service
from stdlib.tools.db import DbTools, TableSpec

TABLE = "shop.orders"
FIELDS = {"id": "long", "name": "string", "amount": "decimal", "qty": "int",
          "price": "double", "created": "date"}
COLUMNS = list(FIELDS)
NO_DATE = ", ".join(c for c in COLUMNS if c != "created")
SELECT = "SELECT " + ", ".join(f'"{c}"' for c in COLUMNS) + ' FROM "orders" ORDER BY "id"'
"""The baselines' query: the adapter's ``list`` reads the same columns in the same order
(the benchmark compares the rows of both before timing)."""
GENERATOR = "db://memory.rows/stream"
"""A stream that is not the database's: an async generator over rows already in memory."""
API = "api://bench/customer"
BODY = b'{"id":1,"name":"customer 1","amount":12.5,"tags":["a","b"]}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
WIDTH = 64


# ---------------------------------------------------------------------------- timing


def collected() -> float:
    """``gc.collect()``, then the clock."""
    gc.collect()
    return time.perf_counter()


async def alternate(cases: dict[str, Callable[[], Awaitable[Any]]], repeats: int
                    ) -> dict[str, float]:
    """Median seconds of each case; one run of every case per round, in turn."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, case in cases.items():
            start = collected()
            await case()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(found) for name, found in times.items()}


def synchronous(fn: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    """A blocking baseline as a case of `alternate` (it runs on trio's thread)."""
    async def case() -> Any:
        return fn()
    return case


def plan_of(text: str) -> Plan:
    result = fdl.check_text(text, "bench.yaml")
    if result.plan is None:
        raise RuntimeError([d.headline() for d in result.diagnostics])
    return result.plan


async def run_plan(runtime: Runtime, plan: Plan, inputs: dict[str, Any] | None = None) -> Any:
    result = await runtime.run(plan, inputs or {})
    if result.status != "completed":
        raise RuntimeError(f"benchmark flow failed: {result.error}")
    return result.output


# ---------------------------------------------------------------------------- database


def rows_for(count: int) -> list[dict[str, Any]]:
    start = pendulum.datetime(2025, 1, 1, tz="UTC")
    return [{"id": i, "name": f"customer {i}", "amount": Decimal(i) / 4, "qty": i % 17,
             "price": i * 0.5, "created": start.add(minutes=i)} for i in range(1, count + 1)]


def db_call(tools: DbTools, operation: str, **args: Any) -> Awaitable[Any]:
    base = f"db://{TABLE}/{operation}"
    tool = tools.resolve(base)
    assert tool is not None, base
    return tool.call(ToolCall(uri=base, base=base, type="db", code=f"{TABLE}/{operation}",
                              args=args))


def each_flow(source: str | None) -> str:
    """An ``each`` summing ``qty`` of every row; the rows come from the tool ``source``, or
    from the input ``rows`` when ``source`` is None."""
    if source is None:
        head = "    args:\n        in:\n            rows: any[]\n    node:\n"
    else:
        head = f"    node:\n        rows:\n            exec: {source}\n            next: proc\n"
    return f"""\
flow:
    name: sum
{head}        proc:
            each: rows => row
            vars: total = 0
            node:
                add:
                    with: row.qty
                    sets: total = total + row.qty
            with: total
"""


def list_flow() -> str:
    return f"flow:\n    name: list\n    node:\n        rows:\n            exec: db://{TABLE}/list\n"


def sqlite_list(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    cursor = conn.execute(SELECT)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def sqlite_typed(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    cursor = conn.execute(SELECT)
    names = [d[0] for d in cursor.description]
    records = []
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        record["amount"] = Decimal(record["amount"])
        record["created"] = datetime.fromisoformat(record["created"])
        records.append(record)
    return records


def sqlite_loop(conn: sqlite3.Connection) -> int:
    cursor = conn.execute(SELECT)
    names = [d[0] for d in cursor.description]
    total = 0
    for row in cursor:
        record = dict(zip(names, row, strict=True))
        total += record["qty"]
    return total


def traced_peak(fn: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[float]]:
    """Peak MiB that ``fn`` allocates (tracemalloc), as a trio coroutine function."""
    async def measure() -> float:
        gc.collect()
        tracemalloc.start()
        try:
            await fn()
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    return measure


def measure_db(folder: Path, count: int, repeats: int, memory: bool) -> dict[str, Any]:
    path = folder / "bench.db"
    spec = TableSpec(TABLE, FIELDS)
    list_plan, stream_plan = plan_of(list_flow()), plan_of(each_flow(f"db://{TABLE}/stream"))
    input_plan, listed_plan = plan_of(each_flow(None)), plan_of(each_flow(f"db://{TABLE}/list"))
    generator_plan = plan_of(each_flow(GENERATOR))
    expected = sum(i % 17 for i in range(1, count + 1))

    async def main() -> dict[str, Any]:
        tools = DbTools({"shop": f"sqlite:///{path}"}, [spec])
        conn = sqlite3.connect(path)
        try:
            await db_call(tools, "init")
            await db_call(tools, "bulk", dataList=rows_for(count))
            records = await db_call(tools, "list")
            by_hand = sqlite_typed(conn)
            if len(records) != count or [(r["id"], r["amount"], r["created"]) for r in records] \
                    != [(r["id"], r["amount"], r["created"]) for r in by_hand]:
                raise RuntimeError("the adapter and the baseline do not read the same rows")

            async def generate(args: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
                for record in records:
                    yield record

            provider = chain(tools, Tools({GENERATOR: generate}))
            async with Runtime(tools=provider, concurrency=WIDTH) as runtime:

                async def tool_list() -> None:
                    await db_call(tools, "list")

                async def tool_list_no_date() -> None:
                    await db_call(tools, "list", proj=NO_DATE)

                async def tool_stream() -> None:
                    total = 0
                    async for record in await db_call(tools, "stream"):
                        total += record["qty"]
                    if total != expected:
                        raise RuntimeError(f"stream summed {total}, not {expected}")

                async def flow(plan: Plan, inputs: dict[str, Any] | None = None) -> None:
                    output = await run_plan(runtime, plan, inputs)
                    if plan is not list_plan and output != expected:
                        raise RuntimeError(f"flow summed {output}, not {expected}")

                times = await alternate({
                    "sqlite3 list": synchronous(lambda: sqlite_list(conn)),
                    "sqlite3 typed": synchronous(lambda: sqlite_typed(conn)),
                    "tool list": tool_list,
                    "tool list no date": tool_list_no_date,
                    "flow list": lambda: flow(list_plan),
                }, repeats)
                times.update(await alternate({
                    "sqlite3 loop": synchronous(lambda: sqlite_loop(conn)),
                    "tool stream": tool_stream,
                    "flow stream": lambda: flow(stream_plan),
                    "flow input": lambda: flow(input_plan, {"rows": records}),
                    "flow generator": lambda: flow(generator_plan),
                }, repeats))
                peaks: dict[str, float] = {}
                if memory:
                    peaks["tool list"] = await traced_peak(tool_list)()
                    peaks["tool stream"] = await traced_peak(tool_stream)()
                    peaks["flow list"] = await traced_peak(lambda: flow(listed_plan))()
                    peaks["flow stream"] = await traced_peak(lambda: flow(stream_plan))()
        finally:
            conn.close()
            await tools.aclose()
        return {"times": times, "peaks": peaks}

    return trio.run(main)


# ---------------------------------------------------------------------------- small reads

SMALL_ROWS = 100
SMALL_CALLS = 200
"""``--small``: calls per round of each case (take of one row, list of all 100)."""
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def small_baselines(conn: Any, mark: str, table: str) -> dict[str, Callable[[], Any]]:
    """Bare DB-API reads of the adapter's two queries: one row by key, all rows by key order,
    one dict per row (values as the driver gives them)."""
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    take = f'SELECT {columns} FROM "{table}" WHERE "id" = {mark}'
    listing = f'SELECT {columns} FROM "{table}" ORDER BY "id" ASC'

    def fetch(sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        cursor = conn.cursor()
        try:
            cursor.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    return {"take": lambda: fetch(take, (SMALL_ROWS // 2,)), "list": lambda: fetch(listing, ())}


def measure_small(folder: Path, repeats: int) -> dict[str, dict[str, float]]:
    """Seconds per call of ``take``/``list`` on 100 rows, adapter and bare driver, per
    database (PostgreSQL only when it listens on 127.0.0.1:5432)."""
    targets = {"SQLite": f"sqlite:///{folder}/small.db"}
    with suppress(OSError), socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
        targets["PostgreSQL"] = PG_URL
    table = f"small_{os.getpid()}"
    code = f"shop.{table}"
    results: dict[str, dict[str, float]] = {}

    async def one(name: str, url: str) -> dict[str, float]:
        tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)])

        def call(operation: str, **args: Any) -> Awaitable[Any]:
            base = f"db://{code}/{operation}"
            tool = tools.resolve(base)
            assert tool is not None
            return tool.call(ToolCall(uri=base, base=base, type="db",
                                      code=f"{code}/{operation}", args=args))

        await call("drop")
        await call("init")
        await call("bulk", dataList=rows_for(SMALL_ROWS))
        if name == "SQLite":
            conn: Any = sqlite3.connect(folder / "small.db", check_same_thread=False)
            mark = "?"
        else:
            import psycopg  # the baseline's driver, only with a PostgreSQL server

            conn = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test")
            mark = "%s"
        bare = small_baselines(conn, mark, table)
        if len(bare["list"]()) != len(await call("list")) != SMALL_ROWS:
            raise RuntimeError("the adapter and the baseline do not read the same rows")

        def repeated(fn: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
            async def case() -> None:
                for _ in range(SMALL_CALLS):
                    await fn()
            return case

        def threaded(fn: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
            return lambda: trio.to_thread.run_sync(fn)

        try:
            times = await alternate({
                "bare take": repeated(synchronous(bare["take"])),
                "bare take, thread": repeated(threaded(bare["take"])),
                "tool take": repeated(lambda: call("take", id=SMALL_ROWS // 2)),
                "bare list": repeated(synchronous(bare["list"])),
                "bare list, thread": repeated(threaded(bare["list"])),
                "tool list": repeated(lambda: call("list")),
            }, repeats)
        finally:
            conn.close()
            await call("drop")
            await tools.aclose()
        return {case: seconds / SMALL_CALLS for case, seconds in times.items()}

    for name, url in targets.items():
        results[name] = trio.run(one, name, url)
    return results


def report_small(results: dict[str, dict[str, float]], markdown: bool) -> None:
    print(machine())
    print()
    if markdown:
        print("| database | operation | bare driver µs | bare driver in a worker thread µs "
              "| db:// tool µs | ratio | ratio to the threaded baseline |")
        print("|---|---|---:|---:|---:|---:|---:|")
    for name, t in results.items():
        for operation in ("take", "list"):
            bare, threaded, tool = (t[f"bare {operation}"], t[f"bare {operation}, thread"],
                                    t[f"tool {operation}"])
            label = "take (1 row)" if operation == "take" else f"list ({SMALL_ROWS} rows)"
            if markdown:
                print(f"| {name} | {label} | {bare * 1e6:,.0f} | {threaded * 1e6:,.0f} | "
                      f"{tool * 1e6:,.0f} | {tool / bare:.2f}x | {tool / threaded:.2f}x |")
            else:
                print(f"  {name:10} {label:16} bare {bare * 1e6:8,.0f} µs  in a thread "
                      f"{threaded * 1e6:8,.0f} µs  tool {tool * 1e6:8,.0f} µs  "
                      f"ratio {tool / bare:5.2f}x ({tool / threaded:5.2f}x threaded)")


# ---------------------------------------------------------------------------- HTTP


class _Answer(asyncio.Protocol):
    """HTTP/1.1 with keep-alive: every complete request gets `RESPONSE`."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            length = 0
            for line in buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(buffer) < end + 4 + length:
                break
            buffer = buffer[end + 4 + length:]
            assert self.transport is not None
            self.transport.write(RESPONSE)
        self.buffer = buffer


def serve(control: Connection) -> None:
    """The server process: sends its port on ``control``, stops when told to."""
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Answer, "127.0.0.1", 0, backlog=1024)
        control.send(server.sockets[0].getsockname()[1])
        await loop.run_in_executor(None, control.recv)
        server.close()
    asyncio.run(main())


@contextmanager
def http_server() -> Iterator[str]:
    """The URL of a server process running `serve`."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve, args=(theirs,), daemon=True)
    process.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the benchmark's HTTP server did not start")
        yield f"http://127.0.0.1:{ours.recv()}"
    finally:
        with suppress(OSError):  # the server may already be gone
            ours.send("stop")
        process.join(5)
        if process.is_alive():
            process.terminate()
            process.join(5)


def sequential_flow() -> str:
    return f"""\
flow:
    name: sequential
    args:
        in:
            items: int[]
    node:
        proc:
            each: items => x
            node:
                call:
                    exec: {API}
                    args: id = x
"""


def wide_flow(count: int) -> str:
    nodes = "\n".join(f"        n{i}:\n            exec: {API}\n            args: id = {i}"
                      for i in range(count))
    return f"flow:\n    name: wide\n    node:\n{nodes}\n"


async def gated(count: int, width: int, call: Callable[[int], Awaitable[Any]]) -> None:
    """``call(i)`` for every ``i`` below ``count``, ``width`` at a time (one task each, as
    the runtime starts independent nodes)."""
    if width == 1:
        for i in range(count):
            await call(i)
        return
    limiter = trio.CapacityLimiter(width)

    async def one(i: int) -> None:
        async with limiter:
            await call(i)

    async with trio.open_nursery() as nursery:
        for i in range(count):
            nursery.start_soon(one, i)


async def raw_round_trips(url: str, count: int, width: int) -> None:
    """The server's floor: requests written and answers read on bare trio sockets."""
    port = int(url.rsplit(":", 1)[1])
    request = b"GET /customer?id=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    numbers = iter(range(count))

    async def connection() -> None:
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            for _ in numbers:
                await stream.send_all(request)
                got = 0
                while got < len(RESPONSE):
                    data = await stream.receive_some(65536)
                    if not data:
                        raise RuntimeError("the server closed the connection")
                    got += len(data)

    async with trio.open_nursery() as nursery:
        for _ in range(width):
            nursery.start_soon(connection)


def measure_api(sequential: int, concurrent: int, repeats: int) -> dict[str, Any]:
    seq_plan, wide_plan = plan_of(sequential_flow()), plan_of(wide_flow(concurrent))
    items = list(range(sequential))

    async def main(url: str) -> dict[str, float]:
        tools = ApiTools({"bench": Service("bench", url)})
        tool = tools.resolve(API)
        assert tool is not None
        try:
            async with httpx.AsyncClient(base_url=url) as client:

                async def bare(i: int) -> None:
                    response = await client.get("/customer", params={"id": i})
                    response.raise_for_status()
                    response.json()

                async def adapter(i: int) -> None:
                    await tool.call(ToolCall(uri=API, base=API, type="api",
                                             code="bench/customer", args={"id": i},
                                             idempotency_key=f"bench/call/{i}"))

                await gated(WIDTH, WIDTH, bare)  # warm up: connections, first-use paths
                await gated(WIDTH, WIDTH, adapter)
                async with Runtime(tools=tools, concurrency=1) as one:
                    seconds = await alternate({
                        "raw 1": lambda: raw_round_trips(url, sequential, 1),
                        "httpx 1": lambda: gated(sequential, 1, bare),
                        "tool 1": lambda: gated(sequential, 1, adapter),
                        "flow 1": lambda: run_plan(one, seq_plan, {"items": items}),
                    }, repeats)
                async with Runtime(tools=tools, concurrency=WIDTH) as wide:
                    seconds.update(await alternate({
                        f"raw {WIDTH}": lambda: raw_round_trips(url, concurrent, WIDTH),
                        f"httpx {WIDTH}": lambda: gated(concurrent, WIDTH, bare),
                        f"tool {WIDTH}": lambda: gated(concurrent, WIDTH, adapter),
                        f"flow {WIDTH}": lambda: run_plan(wide, wide_plan),
                    }, repeats))
        finally:
            await tools.aclose()
        return seconds

    with http_server() as url:
        seconds = trio.run(main, url)
    return {name: (sequential if name.endswith(" 1") else concurrent) / s
            for name, s in seconds.items()}


# ---------------------------------------------------------------------------- report


def machine() -> str:
    packages = ", ".join(f"{name} {version(name)}" for name in ("trio", "httpx", "httpcore"))
    return (f"{platform.platform()} · {platform.python_implementation()} "
            f"{platform.python_version()} · {os.cpu_count()} CPUs · SQLite "
            f"{sqlite3.sqlite_version} · {packages}")


def db_rows(db: dict[str, Any], count: int) -> list[tuple[str, str, float, float]]:
    """(case, baseline name, seconds, baseline seconds)."""
    t = db["times"]
    return [
        ("list: hand-written typed (Decimal, fromisoformat)", "sqlite3 list",
         t["sqlite3 typed"], t["sqlite3 list"]),
        ("list: tool call", "sqlite3 list", t["tool list"], t["sqlite3 list"]),
        ("list: tool call, proj without the date field", "sqlite3 list",
         t["tool list no date"], t["sqlite3 list"]),
        ("list: flow of one node", "sqlite3 list", t["flow list"], t["sqlite3 list"]),
        ("stream: async for over the tool's result", "sqlite3 loop", t["tool stream"],
         t["sqlite3 loop"]),
        ("stream: flow, each over the stream", "sqlite3 loop", t["flow stream"],
         t["sqlite3 loop"]),
        ("reference: the same each over an input list", "sqlite3 loop", t["flow input"],
         t["sqlite3 loop"]),
        ("reference: the same each over an async generator", "sqlite3 loop",
         t["flow generator"], t["sqlite3 loop"]),
    ]


def report(db: dict[str, Any], api: dict[str, float], count: int, calls: tuple[int, int],
           markdown: bool, quick: bool) -> None:
    print(machine() + (" · QUICK (rough figures)" if quick else ""))
    print()
    t = db["times"]
    if markdown:
        print(f"sqlite3 baselines: list (execute + fetchall + dict rows) "
              f"{t['sqlite3 list'] * 1000:.1f} ms, cursor loop {t['sqlite3 loop'] * 1000:.1f} "
              f"ms for {count:,} rows")
        print()
        print("| case | rows | ms | µs/row | baseline ms | overhead µs/row | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for case, _, seconds, base in db_rows(db, count):
            print(f"| {case} | {count:,} | {seconds * 1000:,.1f} | {seconds / count * 1e6:.1f} "
                  f"| {base * 1000:.1f} | {(seconds - base) / count * 1e6:.1f} "
                  f"| {seconds / base:.1f}x |")
    else:
        print(f"db:// on SQLite, {count:,} rows")
        print(f"  {'sqlite3 list (dict rows)':52} {t['sqlite3 list'] * 1000:9.1f} ms")
        print(f"  {'sqlite3 cursor loop (dict rows, sum)':52} {t['sqlite3 loop'] * 1000:9.1f} ms")
        for case, _, seconds, base in db_rows(db, count):
            print(f"  {case:52} {seconds * 1000:9.1f} ms  {seconds / count * 1e6:6.1f} µs/row  "
                  f"+{(seconds - base) / count * 1e6:6.1f} µs/row  ratio {seconds / base:5.1f}x")
    peaks = db["peaks"]
    if peaks:
        print()
        print(f"memory (tracemalloc peak, {count:,} rows): tool list {peaks['tool list']:.1f} "
              f"MiB, tool stream {peaks['tool stream']:.2f} MiB; flow list + each "
              f"{peaks['flow list']:.1f} MiB, flow stream + each {peaks['flow stream']:.1f} MiB")
    print()
    sequential, concurrent = calls
    cases = [(1, sequential), (WIDTH, concurrent)]
    if markdown:
        print("| calls per round | concurrency | raw sockets calls/s | bare httpx calls/s "
              "| tool calls/s | tool ratio | flow calls/s | flow ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
    else:
        print("api:// against a local HTTP/1.1 server (another process)")
    for width, n in cases:
        raw, bare = api[f"raw {width}"], api[f"httpx {width}"]
        tool, flow = api[f"tool {width}"], api[f"flow {width}"]
        if markdown:
            print(f"| {n:,} | {width} | {raw:,.0f} | {bare:,.0f} | {tool:,.0f} | "
                  f"{bare / tool:.2f}x | {flow:,.0f} | {bare / flow:.2f}x |")
        else:
            print(f"  {n:>5} calls, concurrency {width:>2}: raw sockets {raw:8,.0f}/s  "
                  f"bare httpx {bare:6,.0f}/s  tool {tool:6,.0f}/s ({bare / tool:4.2f}x)  "
                  f"flow {flow:6,.0f}/s ({bare / flow:4.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the tracemalloc measurements")
    parser.add_argument("--small", action="store_true",
                        help=f"only db:// take/list of {SMALL_ROWS} rows against bare sqlite3 "
                        "and psycopg")
    options = parser.parse_args()
    if options.small:
        with tempfile.TemporaryDirectory() as folder:
            report_small(measure_small(Path(folder), 3 if options.quick else 7),
                         options.markdown)
        return
    count = 2_000 if options.quick else 10_000
    calls = (50, 200) if options.quick else (200, 300)
    db_repeats, api_repeats = (3, 3) if options.quick else (5, 7)
    with tempfile.TemporaryDirectory() as folder:
        db = measure_db(Path(folder), count, db_repeats, not options.no_memory)
    api = measure_api(*calls, api_repeats)
    report(db, api, count, calls, options.markdown, options.quick)


if __name__ == "__main__":
    main()
