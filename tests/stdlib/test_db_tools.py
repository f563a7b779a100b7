"""The ``db://`` adapter (stdlib/tools/db.py) against SQLite, PostgreSQL and MariaDB.

Every behaviour test runs once per backend through the parametrized ``url`` fixture; the
server backends skip, naming the service, when nothing listens on 127.0.0.1:5432 / :3306
(shared/services.md). Each test works on its own table ``t_<uuid8>`` and drops it.
"""

from __future__ import annotations

import json
import socket
import textwrap
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pendulum
import pytest
import trio
from hypothesis import example, given
from hypothesis import strategies as st

import fdl
from gml.types import (
    ANY,
    BOOL,
    DATE,
    DECIMAL,
    DOUBLE,
    INT,
    LONG,
    STRING,
    ArrayType,
    MapType,
    ObjectType,
    Type,
    nullable,
)
from runtime import Runtime
from stdlib.tools import ToolCall, ToolError
from stdlib.tools._sqlconn import parse_url
from stdlib.tools._sqltypes import exact
from stdlib.tools.db import OPERATIONS, DbTools, RecordStream, TableSpec

ITEM = ObjectType({"sku": STRING, "n": INT}, name="Item")
FIELDS: dict[str, Type] = {
    "id": LONG, "customerId": STRING, "amount": nullable(DECIMAL), "qty": nullable(INT),
    "price": nullable(DOUBLE), "paid": nullable(BOOL), "time": nullable(DATE),
    "items": nullable(ArrayType(ITEM)), "attrs": nullable(MapType(STRING)), "extra": ANY,
}
TZ = "Asia/Shanghai"

SERVERS = {
    "postgresql": ("PostgreSQL", 5432, "postgresql://postgres@127.0.0.1:5432/test"),
    "mysql": ("MariaDB", 3306, "mysql://root@127.0.0.1:3306/test"),
}


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL per backend (SQLite in a folder that does not exist yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/nested/state/shop.db"
    service, port, server_url = SERVERS[request.param]
    if not _listening(port):
        pytest.skip(f"{service} is not reachable on 127.0.0.1:{port} (shared/services.md)")
    return server_url


def new_code() -> str:
    return f"shop.t_{uuid.uuid4().hex[:8]}"


class Db:
    """Calls the operations of one table as the runtime would."""

    def __init__(self, tools: DbTools, code: str) -> None:
        self.tools = tools
        self.code = code

    async def __call__(self, operation: str, **args: Any) -> Any:
        base = f"db://{self.code}/{operation}"
        tool = self.tools.resolve(base)
        assert tool is not None, base
        return await tool.call(ToolCall(uri=base, base=base, type="db",
                                        code=f"{self.code}/{operation}", args=args))

    async def fails(self, operation: str, **args: Any) -> ToolError:
        with pytest.raises(ToolError) as caught:
            await self(operation, **args)
        return caught.value


@pytest.fixture
async def shop(url: str) -> AsyncIterator[Db]:
    """A fresh table with `FIELDS`, initialised, dropped afterwards."""
    code = new_code()
    tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)], tz=TZ, batch_size=100,
                    native=[code])
    db = Db(tools, code)
    await db("init")
    try:
        yield db
    finally:
        with trio.CancelScope(shield=True):
            await db("drop")
            await tools.aclose()


def order(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": i, "customerId": f"c{i % 3}", "amount": Decimal(i) / 4, "qty": i,
            **extra}


# ---------------------------------------------------------------------------- init/drop


@pytest.mark.trio
async def test_init_and_drop_report_whether_they_changed_anything(url: str) -> None:
    code = new_code()
    tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)])
    db = Db(tools, code)
    try:
        assert await db("init") == {"table": code, "created": True}
        assert await db("init") == {"table": code, "created": False}
        assert await db("count") == 0
        assert await db("drop") == {"table": code, "dropped": True}
        assert await db("drop") == {"table": code, "dropped": False}
        error = await db.fails("count")
        assert (error.code, error.type) == ("DB404", "tool")
        assert "init" in error.message
    finally:
        await db("drop")
        await tools.aclose()


# ---------------------------------------------------------------------------- round trips


@pytest.mark.trio
async def test_create_returns_the_stored_record_with_declared_types(shop: Db) -> None:
    record = await shop("create", data={
        "id": 1, "customerId": "c1", "amount": Decimal("12345678901234567890.0123456789"),
        "qty": 7, "price": 1.25, "paid": False, "time": "2025-03-04T05:06:07.123456+02:00",
        "items": [{"sku": "a", "n": 2}], "attrs": {"color": "red"},
        "extra": {"nested": [1, "x", None, True]}})
    assert list(record) == list(FIELDS)
    assert record["amount"] == Decimal("12345678901234567890.0123456789")
    assert str(record["amount"]) == "12345678901234567890.0123456789"
    assert record["qty"] == 7 and type(record["qty"]) is int
    assert record["price"] == 1.25
    assert record["paid"] is False
    moment = record["time"]
    assert isinstance(moment, pendulum.DateTime) and moment.tzinfo is not None
    assert moment == pendulum.parse("2025-03-04T03:06:07.123456Z")
    assert moment.timezone_name == TZ
    assert record["items"] == [{"sku": "a", "n": 2}]
    assert record["attrs"] == {"color": "red"}
    assert record["extra"] == {"nested": [1, "x", None, True]}
    assert await shop("take", id=1) == record


@pytest.mark.trio
async def test_values_are_converted_to_the_declared_types_before_storing(shop: Db) -> None:
    record = await shop("create", data={"id": "2", "customerId": "c", "amount": "0.10",
                                        "qty": 3.0, "paid": "true", "time": "2025-01-02"})
    assert record["id"] == 2
    assert record["amount"] == Decimal("0.1")
    assert record["qty"] == 3
    assert record["paid"] is True
    assert record["time"] == pendulum.datetime(2025, 1, 2, tz=TZ)
    assert record["price"] is None and record["extra"] is None


@pytest.mark.trio
async def test_decimals_come_back_exact_without_scale_padding(shop: Db) -> None:
    values = ["0.1", "100", "-3.5", "0.0000000001", "99999999999999999999999999.9999999999"]
    await shop("bulk", dataList=[{"id": i, "customerId": "c", "amount": Decimal(v)}
                                 for i, v in enumerate(values)])
    rows = await shop("list", proj="amount", sort="id")
    assert [r["amount"].as_tuple() for r in rows] == [Decimal(v).as_tuple() for v in values]


@pytest.mark.trio
async def test_int_keys_are_generated_when_create_has_none(shop: Db) -> None:
    first = await shop("create", data={"customerId": "a"})
    second = await shop("create", data={"customerId": "b"})
    assert isinstance(first["id"], int) and second["id"] > first["id"]
    assert (await shop("take", id=second["id"]))["customerId"] == "b"


# ---------------------------------------------------------------------------- writes


@pytest.mark.trio
async def test_take_returns_null_for_a_missing_record(shop: Db) -> None:
    assert await shop("take", id=404) is None


@pytest.mark.trio
async def test_take_with_proj_returns_only_the_projected_fields(shop: Db) -> None:
    """tools.md §6 ``take(id, proj)``: the language's own examples pass ``proj``."""
    await shop("create", data={"id": 3, "customerId": "c3", "amount": "12.50", "qty": 4})
    assert await shop("take", id=3, proj="customerId, qty") == {"customerId": "c3", "qty": 4}
    assert await shop("take", id=404, proj="qty") is None
    error = await shop.fails("take", id=3, proj="customerID")
    assert error.code == "Q204" and "customerId" in error.message


@pytest.mark.trio
async def test_modify_updates_only_the_non_null_fields(shop: Db) -> None:
    await shop("create", data=order(1, paid=True))
    record = await shop("modify", data={"id": 1, "qty": 99, "amount": None, "paid": False})
    assert record["qty"] == 99
    assert record["amount"] == Decimal("0.25")
    assert record["paid"] is False
    error = await shop.fails("modify", data={"id": 2, "qty": 1})
    assert (error.code, error.type) == ("DB404", "tool")
    error = await shop.fails("modify", data={"id": 2})
    assert error.code == "DB404"
    error = await shop.fails("modify", data={"qty": 1})
    assert (error.code, error.type) == ("DB400", "validation")


@pytest.mark.trio
async def test_save_inserts_then_updates_the_same_key(shop: Db) -> None:
    inserted = await shop("save", data=order(5))
    assert inserted["qty"] == 5
    updated = await shop("save", data={"id": 5, "customerId": "new", "qty": None})
    assert updated["customerId"] == "new"
    assert updated["qty"] is None
    assert updated["amount"] == Decimal("1.25")
    assert await shop("count") == 1
    error = await shop.fails("save", data={"id": 5})  # customerId is required
    assert (error.code, error.type) == ("DB409", "tool")
    assert (await shop("take", id=5))["customerId"] == "new"


@pytest.mark.trio
async def test_delete_reports_how_many_records_went(shop: Db) -> None:
    await shop("bulk", dataList=[order(i) for i in range(3)])
    assert await shop("delete", id=1) == {"deleted": 1}
    assert await shop("delete", id=1) == {"deleted": 0}
    assert await shop("count") == 2


@pytest.mark.trio
async def test_bulk_saves_every_record_in_one_call(shop: Db) -> None:
    assert await shop("bulk", dataList=[order(i) for i in range(50)]) == {"saved": 50}
    assert await shop("bulk", dataList=[order(1, qty=-1), {"customerId": "gen"}]) == {
        "saved": 2}
    assert await shop("count") == 51
    assert (await shop("take", id=1))["qty"] == -1
    assert await shop("bulk", dataList=[]) == {"saved": 0}


@pytest.mark.trio
async def test_bulk_is_atomic_when_a_row_fails_in_the_database(shop: Db) -> None:
    await shop("create", data=order(100))
    rows = [order(1), order(2), {"id": 3, "customerId": None}, order(4)]
    error = await shop.fails("bulk", dataList=rows)
    assert (error.code, error.type) == ("DB409", "tool")
    assert await shop("count") == 1
    error = await shop.fails("bulk", dataList=[order(1), {"id": 2, "nope": 1}])
    assert error.code == "DB400" and "dataList[1]" in error.message
    assert await shop("count") == 1


# ---------------------------------------------------------------------------- queries


@pytest.mark.trio
async def test_list_filters_sorts_projects_and_limits(shop: Db) -> None:
    await shop("bulk", dataList=[order(i) for i in range(12)])
    rows = await shop("list", exps="customerId = 'c1' && qty > 1", sort="qty DESC",
                      proj="qty, id")
    assert rows == [{"id": i, "qty": i} for i in (10, 7, 4)]
    assert [r["id"] for r in await shop("list", size=3)] == [0, 1, 2]
    assert len(await shop("list")) == 12
    assert await shop("list", size=0) == []


@pytest.mark.trio
async def test_undeclared_arguments_are_cql_parameters(shop: Db) -> None:
    await shop("bulk", dataList=[order(i, time=f"2025-01-{i + 1:02d}T00:00:00Z")
                                 for i in range(9)])
    rows = await shop("list", exps="customerId = :cid && qty >= :min", cid="c2", min=3)
    assert [r["id"] for r in rows] == [5, 8]
    since = pendulum.datetime(2025, 1, 7, tz="UTC")
    assert await shop("count", exps="time >= :since", since=since) == 3
    assert await shop("count", exps="time < :t", t="2025-01-03T00:00:00Z") == 2
    assert await shop("count", exps="id IN (:ids)", ids=[1, 2, 50]) == 2
    error = await shop.fails("count", exps="qty = :missing")
    assert (error.code, error.type) == ("Q202", "validation")


@pytest.mark.trio
async def test_bare_words_on_the_right_are_strings(shop: Db) -> None:
    await shop("bulk", dataList=[order(i) for i in range(6)])
    assert [r["id"] for r in await shop("list", exps="customerId = c1")] == [1, 4]
    rows = await shop("list", exps="customerId IN (c0, c2) && qty > id", sort="id")
    assert rows == []  # qty is a field: qty > id compares two columns
    assert await shop("count", exps="customerId != c1 && customerId NOT IN (c2)") == 2


LOG_FIELDS: dict[str, Type] = {"id": LONG, "level": STRING, "time": DATE, "message": STRING}


@pytest.mark.trio
async def test_the_specs_log_alert_condition_runs_on_sqlite(tmp_path: Path) -> None:
    # spec/tools.md §6: exps = 'level = error && time >= TIME(-5m)', as the examples write it.
    code = new_code()
    tools = DbTools({"shop": f"sqlite:///{tmp_path}/logs.db"}, [TableSpec(code, LOG_FIELDS)],
                    tz=TZ)
    logs = Db(tools, code)
    now = pendulum.now("UTC")
    try:
        await logs("init")
        await logs("bulk", dataList=[
            {"id": 1, "level": "error", "time": now.subtract(minutes=1), "message": "recent"},
            {"id": 2, "level": "info", "time": now.subtract(minutes=1), "message": "info"},
            {"id": 3, "level": "error", "time": now.subtract(minutes=10), "message": "old"},
            {"id": 4, "level": "error", "time": now.subtract(seconds=20), "message": "newest"},
            {"id": 5, "level": "warn", "time": now.subtract(hours=2), "message": "older"},
        ])
        rows = await logs("list", exps="level = error && time >= TIME(-5m)", sort="id")
        assert [(r["id"], r["message"]) for r in rows] == [(1, "recent"), (4, "newest")]
        assert await logs("count", exps="level IN (error, warn) && time >= DATE(-1d)") == 4
        assert await logs("count", exps="level = 'error' && time >= TIME('-5m')") == 2
        assert await logs("count", exps="level != error && time < TIME(+1h)") == 2
        assert await logs("count", exps="message = message") == 5  # a field stays a field
        error = await logs.fails("count", exps="level = error && time >= -5m")
        assert error.code == "Q101"
    finally:
        await logs("drop")
        await tools.aclose()


@pytest.mark.trio
async def test_decimal_comparisons_are_numeric_on_every_backend(shop: Db) -> None:
    # As text, '99.5' > '100' and '1000' < '200': SQLite keeps decimals as text, so the
    # comparison must be made on numbers there too.
    amounts = ["99.5", "100", "200", "1000", "20.25"]
    await shop("bulk", dataList=[{"id": i, "customerId": "c", "amount": a}
                                 for i, a in enumerate(amounts)])
    big = await shop("list", exps="amount >= :min", min=Decimal("100"), sort="amount")
    assert [r["amount"] for r in big] == [Decimal("100"), Decimal("200"), Decimal("1000")]
    assert await shop("count", exps="amount < 100") == 2
    assert await shop("count", exps="amount = 100.00") == 1
    assert await shop("count", exps="amount IN (20.25, 1000)") == 2


@pytest.mark.trio
async def test_page_reports_content_and_totals(shop: Db) -> None:
    await shop("bulk", dataList=[order(i) for i in range(23)])
    first = await shop("page", size=5)
    assert [r["id"] for r in first["content"]] == [0, 1, 2, 3, 4]
    assert {k: v for k, v in first.items() if k != "content"} == {
        "page": 0, "size": 5, "totalElements": 23, "totalPages": 5}
    last = await shop("page", page=4, size=5, proj="id")
    assert last["content"] == [{"id": i} for i in (20, 21, 22)]
    beyond = await shop("page", page=5, size=5)
    assert beyond["content"] == [] and beyond["totalPages"] == 5
    filtered = await shop("page", exps="customerId = :c", c="c0", size=3, sort="id DESC")
    assert filtered["totalElements"] == 8 and filtered["totalPages"] == 3
    assert [r["id"] for r in filtered["content"]] == [21, 18, 15]
    default = await shop("page")
    assert default["size"] == 20 and len(default["content"]) == 20
    for bad in ({"size": 0}, {"page": -1}, {"size": "x"}, {"page": 1.5}):
        error = await shop.fails("page", **bad)
        assert (error.code, error.type) == ("DB400", "validation")


@pytest.mark.trio
async def test_count_counts_matching_records(shop: Db) -> None:
    await shop("bulk", dataList=[order(i, paid=i % 2 == 0) for i in range(10)])
    assert await shop("count") == 10
    assert await shop("count", exps="paid = true") == 5
    assert await shop("count", exps="!(paid = true) && qty < 5") == 2
    assert await shop("count", exps="price IS NULL") == 10


@pytest.mark.trio
async def test_stream_fetches_in_batches_without_loading_everything(url: str) -> None:
    code = new_code()
    tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)], batch_size=100, pool_size=1)
    db = Db(tools, code)
    await db("init")
    try:
        await db("bulk", dataList=[order(i) for i in range(1000)])
        with trio.fail_after(60):
            stream = await db("stream", proj="id")
            assert isinstance(stream, RecordStream) and hasattr(stream, "__aiter__")
            assert stream.fetched == 0
            seen = []
            async for record in stream:
                seen.append(record["id"])
                if len(seen) == 1:
                    assert (stream.fetched, stream.exhausted) == (100, False)
                if len(seen) == 150:
                    assert (stream.fetched, stream.exhausted) == (200, False)
            assert seen == list(range(1000))
            assert stream.exhausted and stream.fetched == 1000
            # the one pooled connection came back: another call does not wait forever
            assert await db("count") == 1000

            early = await db("stream", exps="qty >= :q", q=500, sort="id DESC")
            assert (await early.__anext__())["id"] == 999
            await early.aclose()
            assert await db("count", exps="qty >= 500") == 500
            async with await db("stream", exps="id < 3") as few:
                assert [r["id"] async for r in few] == [0, 1, 2]
    finally:
        with trio.CancelScope(shield=True):
            await db("drop")
            await tools.aclose()


@pytest.mark.trio
async def test_many_concurrent_calls_share_a_small_pool(url: str) -> None:
    code = new_code()
    tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)], pool_size=2)
    db = Db(tools, code)
    await db("init")
    try:
        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                for i in range(30):
                    nursery.start_soon(lambda i=i: db("create", data=order(i)))
        assert await db("count") == 30
    finally:
        await db("drop")
        await tools.aclose()


SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
              "WHERE x < 1000000000) SELECT COUNT(*) FROM c",
    "postgresql": "SELECT pg_sleep(3)",
    "mysql": "SELECT SLEEP(3)",
}


@pytest.mark.trio
async def test_a_cancelled_call_gives_its_pooled_connection_up(url: str) -> None:
    code = new_code()
    tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)], pool_size=1, native=True)
    db = Db(tools, code)
    await db("init")
    try:
        with trio.move_on_after(0.3) as scope:
            await db("native", query=SLOW[parse_url(url).dialect])
        assert scope.cancelled_caught
        with trio.fail_after(2.5):  # sooner than the abandoned statement ends
            assert await db("count") == 0
            await db("create", data=order(1))
            assert await db("count") == 1
    finally:
        with trio.CancelScope(shield=True):
            await db("drop")
            await tools.aclose()


@pytest.mark.trio
async def test_in_memory_sqlite_keeps_one_connection() -> None:
    tools = DbTools({"mem": "sqlite:///:memory:"}, [TableSpec("mem.notes", {
        "id": LONG, "text": STRING})])
    db = Db(tools, "mem.notes")
    try:
        await db("init")
        await db("bulk", dataList=[{"text": "a"}, {"text": "b"}])
        assert [r["id"] for r in await db("list")] == [1, 2]
    finally:
        await tools.aclose()


# ---------------------------------------------------------------------------- injection


@pytest.mark.trio
async def test_injection_through_any_argument_leaves_the_table_intact(shop: Db) -> None:
    evil = "x'); DROP TABLE t; -- \" ` \\ %s ? :id"
    await shop("bulk", dataList=[order(i) for i in range(5)])
    stored = await shop("create", data={"id": 10, "customerId": evil,
                                        "attrs": {evil: evil}, "extra": [evil]})
    assert stored["customerId"] == evil and stored["attrs"] == {evil: evil}
    # CQL parameters are values, never SQL
    assert await shop("count", exps="customerId = :c", c="c0' OR '1'='1") == 0
    found = await shop("list", exps="customerId = :c", c=evil)
    assert [r["id"] for r in found] == [10]
    assert await shop("count", exps="customerId LIKE :p", p="%DROP TABLE%") == 1
    attempts: list[tuple[str, dict[str, Any], str]] = [
        ("count", {"exps": "qty = 1; DROP TABLE t"}, "Q101"),
        ("count", {"exps": "qty = 1 OR 1=1 --"}, "Q101"),
        ("list", {"proj": "id FROM t; DROP TABLE t; --"}, "Q204"),
        ("list", {"proj": "(SELECT 1)"}, "Q204"),
        ("list", {"sort": "id; DROP TABLE t"}, "Q204"),
        ("list", {"sort": "id DESC, (SELECT 1)"}, "Q204"),
        ("take", {"id": "1 OR 1=1"}, "DB400"),
        ("delete", {"id": "1; DROP TABLE t"}, "DB400"),
        ("create", {"data": {"id": 11, "customerId": "a", 'x" = 1; DROP TABLE t; --': 1}},
         "DB400"),
        ("save", {"data": {"id": 11, "customerId = 'a'; --": "a"}}, "DB400"),
        ("modify", {"data": {"id": 1, "qty) VALUES (1); --": 1}}, "DB400"),
        ("bulk", {"dataList": [{"id": 12, "customerId": "a", "`id`": 1}]}, "DB400"),
        ("count", {"exps": "customerId = :c", "c": {"$ne": 1}}, "Q203"),
    ]
    for operation, args, code in attempts:
        error = await shop.fails(operation, **args)
        assert error.code == code, (operation, args, error)
        assert error.type == "validation"
        if code.startswith("Q"):  # the CQL error's own argument, not a guess from its text
            assert error.details["argument"] == next(iter(args)), (operation, args, error)
    assert await shop("count") == 6
    assert (await shop("take", id=10))["customerId"] == evil


@pytest.mark.trio
async def test_string_keys_are_bound_not_spliced(url: str) -> None:
    code = new_code()
    tools = DbTools({"shop": url}, [TableSpec(code, {"code": STRING, "n": INT}, key="code")])
    db = Db(tools, code)
    await db("init")
    try:
        await db("bulk", dataList=[{"code": "a", "n": 1}, {"code": "b", "n": 2}])
        assert await db("take", code="' OR '1'='1") is None
        assert await db("delete", code="a' OR 'x'='x") == {"deleted": 0}
        assert (await db("take", code="a"))["n"] == 1
        error = await db.fails("create", data={"n": 3})
        assert error.code == "DB400" and "'code'" in error.message
        assert tools.resolve(f"db://{code}/take").arguments == ("code", "proj")  # type: ignore[union-attr]
    finally:
        await db("drop")
        await tools.aclose()


# ---------------------------------------------------------------------------- errors


@pytest.mark.trio
async def test_errors_have_codes_and_types(shop: Db) -> None:
    await shop("create", data=order(1))
    error = await shop.fails("create", data=order(1))
    assert (error.code, error.type, error.retryable) == ("DB409", "tool", False)
    error = await shop.fails("create", data={"id": 2, "customerId": "c", "bogus": 1})
    assert (error.code, error.type) == ("DB400", "validation")
    assert "'bogus'" in error.message and error.details == {"field": "bogus"}
    error = await shop.fails("create", data={"id": 2, "customerId": "c", "qty": "many"})
    assert error.code == "DB400" and "qty" in error.message
    error = await shop.fails("create", data=[1, 2])
    assert error.code == "DB400"
    error = await shop.fails("list", exps="qty >")
    assert (error.code, error.type) == ("Q101", "validation")
    assert error.details is not None and "start" in error.details
    error = await shop.fails("list", exps="qtty = 1")
    assert error.code == "Q201" and "qty" in error.message
    error = await shop.fails("list", exps=5)
    assert error.code == "DB400"
    error = await shop.fails("native", query="SELECT 1", params=5)
    assert error.code == "DB400"


@pytest.mark.trio
async def test_native_runs_only_where_enabled(shop: Db, url: str) -> None:
    await shop("bulk", dataList=[order(i) for i in range(4)])
    mark = "?" if url.startswith("sqlite") else "%s"
    table = shop.code.split(".")[-1]
    rows = await shop("native", query=f"SELECT id, qty FROM {table} WHERE qty >= {mark} "
                      "ORDER BY id", params=[2])
    assert rows == [{"id": 2, "qty": 2}, {"id": 3, "qty": 3}]
    assert await shop("native", query=f"UPDATE {table} SET qty = 0 WHERE id = {mark}",
                      params=[1]) == []
    assert (await shop("take", id=1))["qty"] == 0
    error = await shop.fails("native", query="SELEC nonsense FROM nowhere")
    assert (error.code, error.type, error.retryable) == ("DB500", "tool", False)
    assert await shop("count") == 4  # the failed statement left the connection usable
    locked = DbTools({"shop": url})
    try:
        error = await Db(locked, shop.code).fails("native", query=f"DROP TABLE {table}")
        assert (error.code, error.type) == ("DB403", "auth")
        assert "native=" in error.message
    finally:
        await locked.aclose()
    assert await shop("count") == 4


@pytest.mark.trio
@pytest.mark.parametrize("scheme", ["postgresql", "mysql", "mariadb"])
async def test_connection_errors_never_show_the_password(scheme: str) -> None:
    secret = "s3cr3t-P@ss:word"
    quoted = "s3cr3t-P%40ss%3Aword"
    tools = DbTools({"shop": f"{scheme}://admin:{quoted}@127.0.0.1:1/test"},
                    [TableSpec("shop.t_orders", FIELDS)])
    try:
        error = await Db(tools, "shop.t_orders").fails("count")
    finally:
        await tools.aclose()
    assert (error.code, error.type, error.retryable) == ("DB503", "connection", True)
    shown = f"{error} {error.message} {error.details!r} {error.to_dict()!r}"
    assert secret not in shown and quoted not in shown and "s3cr3t" not in shown
    assert "127.0.0.1" in error.message and "admin@" in error.message


def test_urls_hide_their_password() -> None:
    url = parse_url("postgresql://u:hunter2@db.example:5433/shop?sslmode=disable")
    assert "hunter2" not in repr(url) and "hunter2" not in url.safe
    assert url.safe == "postgresql://u@db.example:5433/shop"
    assert url.scrub("failed: postgresql://u:hunter2@db.example/shop password=hunter2") == (
        "failed: postgresql://u:***@db.example/shop password=***")
    with pytest.raises(ValueError) as caught:
        parse_url("oracle://u:hunter2@h/db")
    assert "hunter2" not in str(caught.value)


def test_sqlite_urls_take_relative_and_absolute_paths(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_url("sqlite:///data/shop.db").path == str(tmp_path / "data" / "shop.db")
    assert parse_url("sqlite:////abs/shop.db").path == "/abs/shop.db"
    assert parse_url("sqlite:///:memory:").path == ":memory:"
    assert parse_url("mariadb://root@127.0.0.1:3306/test").dialect == "mysql"


def test_exact_drops_only_scale_padding() -> None:
    assert str(exact(Decimal("1.2300000000"))) == "1.23"
    assert str(exact(Decimal("100.0000000000"))) == "100"
    assert str(exact(Decimal("1E+2"))) == "1E+2"
    digits = "1234567890123456789012345678.0123456789"
    assert str(exact(Decimal(digits + "0000"))) == digits


# ---------------------------------------------------------------------------- metadata


@pytest.mark.trio
async def test_tables_without_a_spec_read_their_columns_from_metadata(shop: Db,
                                                                      url: str) -> None:
    await shop("create", data={"id": 1, "customerId": "c", "amount": Decimal("2.5"),
                               "paid": True, "time": "2025-05-06T07:08:09Z",
                               "extra": {"k": [1]}})
    tools = DbTools({"shop": url}, tz="UTC")
    db = Db(tools, shop.code)
    try:
        [record] = await db("list")
        assert list(record) == list(FIELDS)
        assert (record["id"], record["customerId"]) == (1, "c")
        if url.startswith("sqlite"):  # declared types are all SQLite has
            assert record["amount"] == "2.5" and record["paid"] == 1
            assert record["time"] == "2025-05-06T07:08:09.000000+00:00"
            assert record["extra"] == '{"k":[1]}'
        else:
            assert record["amount"] == Decimal("2.5") and record["paid"] is True
            assert record["time"] == pendulum.datetime(2025, 5, 6, 7, 8, 9, tz="UTC")
            assert record["extra"] == {"k": [1]}
        created = await db("create", data={"id": 2, "customerId": "d", "qty": "4"})
        assert created["qty"] == 4
        assert await db("count", exps="qty = :q", q=4) == 1
        assert (await db("take", id=2))["customerId"] == "d"
        error = await db.fails("create", data={"id": 3, "customerId": "x", "nope": 1})
        assert error.code == "DB400" and "'nope'" in error.message
        error = await db.fails("list", sort="nope")
        assert error.code == "Q204"
        error = await db.fails("init")
        assert error.code == "DB400"
        missing = Db(tools, new_code())
        error = await missing.fails("list")
        assert (error.code, error.type) == ("DB404", "tool")
    finally:
        await tools.aclose()


# ---------------------------------------------------------------------------- provider


def test_resolve_knows_databases_operations_and_argument_names() -> None:
    from stdlib.registry import db_operations

    spec = TableSpec("shop.sales.order", FIELDS)
    assert (spec.database, spec.table) == ("shop", "order")
    tools = DbTools({"shop": "sqlite:///:memory:"}, [spec])
    assert tools.resolve("db://other.order/list") is None
    assert tools.resolve("db://shop.order/frobnicate") is None
    assert tools.resolve("api://shop.order/list") is None
    assert tools.resolve("db://shop.order/list") is tools.resolve("db://shop.order/list")
    assert tools.resolve("db://shop.unknown_table/list") is not None
    record = ObjectType(FIELDS, name="Order")
    signatures = db_operations("shop.sales.order", record)
    assert sorted(s.code.rsplit("/", 1)[1] for s in signatures) == sorted(OPERATIONS)
    for signature in signatures:
        tool = tools.resolve(f"db://{signature.code}")
        assert tool is not None
        assert tuple(tool.arguments) == tuple(signature.inputs), signature.code


def test_table_specs_are_checked() -> None:
    with pytest.raises(ValueError, match=r"<database>\.<table>"):
        TableSpec("orders", FIELDS)
    with pytest.raises(ValueError, match="key"):
        TableSpec("shop.order", {"name": STRING})
    with pytest.raises(ValueError, match="identifier"):
        TableSpec("shop.order", {"id": LONG, "bad name": STRING})
    with pytest.raises(ValueError, match="identifier"):
        TableSpec("shop.or-der", None)
    assert TableSpec("shop.order", {"id": "long", "n": "int?"}).fields == {
        "id": LONG, "n": nullable(INT)}
    with pytest.raises(ValueError, match="no database"):
        DbTools({"shop": "sqlite:///:memory:"}, [TableSpec("crm.user", None)])


# ---------------------------------------------------------------------------- end to end


@pytest.mark.trio
async def test_a_flow_uses_the_tables_through_the_runtime(tmp_path: Path) -> None:
    code = new_code()
    flow = textwrap.dedent(f"""\
        flow:
            name: Orders
            args:
                in:
                    customerId: string
                    amount: decimal
            node:
                setup:
                    exec: db://{code}/init
                    next: store
                store:
                    exec: db://{code}/save
                    args: "data = {{id: 1, customerId: customerId, amount: amount}}"
                    next: more
                more:
                    exec: db://{code}/bulk
                    args: |
                        dataList = [{{id: 2, customerId: customerId, amount: 2.5}},
                                    {{id: 3, customerId: 'other', amount: 1}}]
                    next: mine
                mine:
                    exec: db://{code}/list
                    args: exps = 'customerId = :cid', cid = customerId, sort = 'id DESC'
                    next: pages
                pages:
                    exec: db://{code}/page
                    args: page = 0, size = 2
                    next: merge
                merge:
                    with: |
                        ids = mine.map(x => x.id)
                        total = mine.sum(x => x.amount)
                        pages = pages.totalPages
        """)
    result = fdl.check_text(flow, "orders.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    tools = DbTools({"shop": f"sqlite:///{tmp_path}/flows.db"}, [TableSpec(code, FIELDS)])
    try:
        async with Runtime(tools=tools, timezone="UTC") as runtime:
            run = await runtime.run(result.plan, {"customerId": "c7", "amount": "10.25"})
        assert run.ok, run.error
        assert run.output == {"ids": [2, 1], "total": Decimal("12.75"), "pages": 2}
    finally:
        await tools.aclose()


@pytest.mark.trio
async def test_cql_parameters_come_from_visible_variables_and_each_reads_a_stream(
        tmp_path: Path) -> None:
    code = new_code()
    flow = textwrap.dedent(f"""\
        flow:
            name: Big orders
            args:
                in:
                    orders: any
                    minAmount: decimal
            node:
                setup:
                    exec: db://{code}/init
                    next: load
                load:
                    exec: db://{code}/bulk
                    args: dataList = orders
                    next: big
                big:
                    exec: db://{code}/stream
                    args: exps = 'amount >= :minAmount', sort = 'id'
                    next: scan
                scan:
                    each: big => row
                    vars: total = 0, n = 0
                    node:
                        add:
                            with: row.amount
                            sets: total = total + row.amount, n = n + 1
                    with: "{{total: total, n: n}}"
        """)
    result = fdl.check_text(flow, "big.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    tools = DbTools({"shop": f"sqlite:///{tmp_path}/big.db"}, [TableSpec(code, FIELDS)],
                    batch_size=16)
    try:
        async with Runtime(tools=tools, timezone="UTC") as runtime:
            orders = [{"id": i, "customerId": "c", "amount": i} for i in range(300)]
            run = await runtime.run(result.plan, {"orders": orders, "minAmount": "250"})
        assert run.ok, run.error
        # :minAmount is no argument of `big`: it is bound from the flow's input.
        assert run.output == {"total": Decimal(sum(range(250, 300))), "n": 50}
        iterations = [e for e in run.events if e["type"] == "iteration.started"]
        assert len(iterations) == 50
    finally:
        await tools.aclose()


ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe"]


@given(moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                           timezones=st.sampled_from([pendulum.timezone(z) for z in ZONES])),
       zone=st.sampled_from(ZONES), naive=st.booleans())
@example(moment=datetime(1900, 1, 1, tzinfo=pendulum.timezone("Asia/Shanghai")), zone="UTC",
         naive=False)
def test_dates_read_back_equal_pendulums_own_conversion(moment: datetime, zone: str,
                                                        naive: bool) -> None:
    from stdlib.tools._sqltypes import from_db

    tz = pendulum.timezone(zone)
    stored = moment.replace(tzinfo=None).isoformat() if naive else moment.isoformat()
    # A text with an offset is read by the standard library: `pendulum.parse` refuses the
    # seconds of local mean time offsets (Asia/Shanghai before 1901: +08:05:43).
    parsed = pendulum.parse(stored, tz="UTC") if naive else pendulum.instance(
        datetime.fromisoformat(stored))
    expected = pendulum.instance(parsed).in_tz(tz)
    got = from_db(stored, "date", tz)
    assert got == expected
    assert (got.utcoffset(), got.tzinfo.name, got.fold) == (
        expected.utcoffset(), expected.tzinfo.name, expected.fold)


# ---------------------------------------------------------------------------- exactly once


async def keyed_call(db: Db, operation: str, key: str, **args: Any) -> Any:
    base = f"db://{db.code}/{operation}"
    tool = db.tools.resolve(base)
    assert tool is not None
    return await tool.call(ToolCall(uri=base, base=base, type="db",
                                    code=f"{db.code}/{operation}", args=args,
                                    idempotency_key=key))


@pytest.mark.trio
async def test_a_write_repeated_with_its_idempotency_key_is_not_made_again(shop: Db) -> None:
    run = uuid.uuid4().hex
    first = await keyed_call(shop, "create", f"{run}/add/1", data=order(1))
    again = await keyed_call(shop, "create", f"{run}/add/1", data=order(1))  # a resumed run
    assert again == first  # the recorded result, exactly (Decimal and all)
    assert await shop("count") == 1
    await keyed_call(shop, "create", f"{run}/add/2", data=order(2))  # another activation
    assert await shop("count") == 2
    done = await keyed_call(shop, "bulk", f"{run}/many/1", dataList=[order(3), order(4)])
    assert await keyed_call(shop, "bulk", f"{run}/many/1",
                            dataList=[order(5), order(6)]) == done
    assert await shop("count") == 4
    assert await keyed_call(shop, "delete", f"{run}/del/1", id=1) == {"deleted": 1}
    await shop("create", data=order(1))
    assert await keyed_call(shop, "delete", f"{run}/del/1", id=1) == {"deleted": 1}
    assert await shop("take", id=1) is not None  # the repeated delete did not run


@pytest.mark.trio
async def test_a_failed_write_records_no_key_and_is_made_on_the_next_attempt(shop: Db
                                                                             ) -> None:
    key = f"{uuid.uuid4().hex}/m/1"
    with pytest.raises(ToolError) as caught:
        await keyed_call(shop, "modify", key, data={"id": 9, "qty": 1})
    assert caught.value.code == "DB404"
    await shop("create", data=order(9))
    modified = await keyed_call(shop, "modify", key, data={"id": 9, "qty": 5})
    assert modified["qty"] == 5


@pytest.mark.trio
async def test_reads_and_calls_without_a_key_are_not_recorded(shop: Db) -> None:
    await shop("create", data=order(1))
    await shop("create", data=order(2))  # no key: both made
    assert await keyed_call(shop, "count", "r/c/1") == 2
    await shop("create", data=order(3))
    assert await keyed_call(shop, "count", "r/c/1") == 3  # a read is never answered twice


def test_results_round_trip_exactly() -> None:
    from stdlib.tools._applied import decode, encode

    value = {"a": Decimal("1.50"),
             "b": pendulum.datetime(2025, 1, 2, 3, 4, 5, tz="Asia/Shanghai"),
             "c": [1, "x", None, True, 2.5, float("inf")], "d": {"m": {"l": 1}},
             "e": date(2025, 1, 2)}
    back = decode(json.loads(json.dumps(encode(value))))
    assert back == value
    assert back["b"].utcoffset() == value["b"].utcoffset()
    assert str(back["a"]) == "1.50"


class _CrashAfterWrite:
    """The provider of a run that is killed right after its write committed: the write's
    result never reaches the journal (the call is in flight when the run stops)."""

    def __init__(self, tools: DbTools, committed: trio.Event) -> None:
        self.tools = tools
        self.committed = committed

    def resolve(self, base: str) -> Any:
        tool = self.tools.resolve(base)
        if tool is None or not base.endswith("/create"):
            return tool
        committed = self.committed

        class Crashing:
            arguments = tool.arguments

            async def call(self, call: ToolCall) -> Any:
                await tool.call(call)
                committed.set()
                await trio.sleep_forever()

        return Crashing()


@pytest.mark.trio
async def test_a_write_in_flight_at_a_crash_is_not_repeated_on_resume(url: str,
                                                                      tmp_path: Path) -> None:
    code = new_code()
    flow = textwrap.dedent(f"""\
        flow:
            name: once
            node:
                add:
                    exec: db://{code}/create
                    args: "data = {{id: 7, customerId: 'c', amount: 1.5}}"
    """)
    result = fdl.check_text(flow, "once.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)], tz=TZ)
    db = Db(tools, code)
    await db("init")
    store = str(tmp_path / "runs.db")
    run_id = uuid.uuid4().hex  # keys are unique per run: the databases outlive the test
    try:
        committed = trio.Event()
        async with (Runtime(tools=_CrashAfterWrite(tools, committed), store=store) as first,
                    trio.open_nursery() as nursery):
            nursery.start_soon(partial(first.run, result.plan, run_id=run_id))
            await committed.wait()
            nursery.cancel_scope.cancel()  # the "crash": the completion is not journaled
        assert await db("count") == 1
        async with Runtime(tools=tools, store=store) as second:
            resumed = await second.resume(run_id)
        assert resumed.ok, resumed.error
        assert resumed.output["id"] == 7  # the recorded result of the first attempt
        assert await db("count") == 1  # a repeated create would have been DB409
    finally:
        with trio.CancelScope(shield=True):
            await db("drop")
            await tools.aclose()
