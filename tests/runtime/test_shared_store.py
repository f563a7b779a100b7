"""The run store `fdl.run` opens once per process and reuses (issue #18)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from runtime import open_store, run_sync, shared_options
from runtime._shared import SharedStores
from runtime.store import PgStore, SqliteStore, StoreError
from tests._postgres import fresh_schema

from .conftest import plan_of

FLOW = """\
flow:
    name: shared
    node:
        a:
            exec: api://t/echo
"""


async def echo(args: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True}


def test_the_same_file_gives_the_same_open_store(tmp_path: Path) -> None:
    shared = SharedStores()
    first = shared.get(str(tmp_path / "runs.db"))
    assert isinstance(first, SqliteStore)
    assert shared.get(f"sqlite:///{tmp_path / 'runs.db'}") is first
    assert shared.get(tmp_path / "runs.db") is first
    assert shared.get(str(tmp_path / "other.db")) is not first
    shared.close()


def test_a_store_in_memory_is_not_shared() -> None:
    shared = SharedStores()
    assert shared.get("memory") is None
    assert shared.get(":memory:") is None


def test_a_replaced_file_is_opened_again(tmp_path: Path) -> None:
    shared = SharedStores()
    path = tmp_path / "runs.db"
    first = shared.get(str(path))
    for name in os.listdir(tmp_path):
        os.unlink(tmp_path / name)
    second = shared.get(str(path))
    assert second is not None and second is not first
    assert second.list() == []  # the new file works (the old connection was closed)
    shared.close()


def test_a_bad_spec_is_still_refused() -> None:
    with pytest.raises(StoreError, match="unsupported run store"):
        SharedStores().get("redis://localhost")


def test_runs_through_run_sync_share_the_file_and_are_all_stored(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    plan = plan_of(FLOW)
    ids = [run_sync(plan, tools={"api://t/echo": echo}, store=str(path)).run_id
           for _ in range(3)]
    reader = open_store(str(path))
    try:
        records = {record.run_id: record for record in reader.list()}
        assert set(records) == set(ids)
        assert all(record.status == "completed" for record in records.values())
        assert all(reader.lease(run_id) is None for run_id in ids)
    finally:
        reader.close()


def test_shared_options_replace_a_path_by_the_one_open_store(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    options = {"store": str(path), "concurrency": 3}
    first = shared_options(options)
    second = shared_options({"store": f"sqlite:///{path}"})
    assert isinstance(first["store"], SqliteStore)
    assert second["store"] is first["store"]
    assert first["concurrency"] == 3
    assert options["store"] == str(path)  # the caller's mapping is left as it was
    assert shared_options({"store": "memory"})["store"] == "memory"
    assert "store" not in shared_options({})


def test_a_postgresql_store_is_shared_per_url_and_runs_through_run_sync() -> None:
    with fresh_schema() as url:
        shared = SharedStores()
        first = shared.get(url)
        assert isinstance(first, PgStore) and shared.get(f" {url} ") is first
        shared.close()
        plan = plan_of(FLOW)
        ids = [run_sync(plan, tools={"api://t/echo": echo}, store=url).run_id
               for _ in range(2)]
        with PgStore(url) as reader:
            assert {r.run_id for r in reader.list() if r.status == "completed"} == set(ids)
