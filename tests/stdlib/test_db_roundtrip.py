"""Random records written through ``db://`` read back equal, on every tested dialect.

SQLite always runs; PostgreSQL and MariaDB skip, naming the server, when nothing listens on
127.0.0.1:5432 / :3306 (shared/services.md). Each example writes a fresh table with ``bulk``
and ``save``, reads it back with ``list`` and ``take``, and drops it.
"""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gml.types import BOOL, DATE, DECIMAL, DOUBLE, INT, LONG, STRING, MapType, Type, nullable
from stdlib.tools import ToolCall
from stdlib.tools.db import DbTools, TableSpec

FIELDS: dict[str, Type] = {
    "id": LONG, "name": STRING, "amount": nullable(DECIMAL), "qty": nullable(INT),
    "price": nullable(DOUBLE), "paid": nullable(BOOL), "time": nullable(DATE),
    "attrs": nullable(MapType(STRING)),
}
SERVERS = {
    "postgresql": ("PostgreSQL", 5432, "postgresql://postgres@127.0.0.1:5432/test"),
    "mysql": ("MariaDB", 3306, "mysql://root@127.0.0.1:3306/test"),
}

_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                max_size=12)
_record = st.fixed_dictionaries({"name": _text}, optional={
    "amount": st.none() | st.decimals(min_value=-10**12, max_value=10**12, places=4,
                                      allow_nan=False, allow_infinity=False),
    "qty": st.none() | st.integers(-2**31, 2**31 - 1),
    "price": st.none() | st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False),
    "paid": st.none() | st.booleans(),
    "time": st.none() | st.datetimes(datetime(1970, 1, 2), datetime(2100, 1, 1),
                                     timezones=st.just(UTC)),
    "attrs": st.none() | st.dictionaries(_text, _text, max_size=3),
})


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgresql", "mysql"], scope="module")
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("roundtrip")
        return f"sqlite:///{folder}/shop.db"
    service, port, server_url = SERVERS[request.param]
    if not _listening(port):
        pytest.skip(f"{service} is not reachable on 127.0.0.1:{port} (shared/services.md)")
    return server_url


async def _call(tools: DbTools, code: str, operation: str, **args: Any) -> Any:
    base = f"db://{code}/{operation}"
    tool = tools.resolve(base)
    assert tool is not None
    return await tool.call(ToolCall(uri=base, base=base, type="db", code=f"{code}/{operation}",
                                    args=args))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(_record, max_size=12), saved=_record)
def test_random_records_read_back_equal(url: str, records: list[dict[str, Any]],
                                        saved: dict[str, Any]) -> None:
    code = f"shop.r_{uuid.uuid4().hex[:8]}"
    rows = [{"id": i, **record} for i, record in enumerate(records)]
    again = {"id": len(rows) // 2, **saved}  # an upsert over a row when there is one

    async def main() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        tools = DbTools({"shop": url}, [TableSpec(code, FIELDS)], tz="UTC")
        try:
            await _call(tools, code, "init")
            await _call(tools, code, "bulk", dataList=rows)
            await _call(tools, code, "save", data=again)
            return (await _call(tools, code, "list"),
                    await _call(tools, code, "take", id=again["id"]))
        finally:
            with trio.CancelScope(shield=True):
                await _call(tools, code, "drop")
                await tools.aclose()

    listed, taken = trio.run(main)
    expected = {row["id"]: row for row in rows}
    # save upserts the fields it is given: a stored row keeps the others
    expected[again["id"]] = expected.get(again["id"], {}) | again
    assert [r["id"] for r in listed] == sorted(expected)
    for record in listed:
        want = {name: expected[record["id"]].get(name) for name in FIELDS}
        assert record == want
        if want["amount"] is not None:
            assert isinstance(record["amount"], Decimal)
    assert taken == {name: expected[again["id"]].get(name) for name in FIELDS}
