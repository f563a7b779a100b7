"""``fdl.run_async`` under asyncio (spec/service.md §4): a flow run from an asyncio task,
the asyncio loop free meanwhile, and cancellation both ways."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

import fdl
from runtime import Runtime, cancel_stored, open_store, shared_options

GREET = """\
flow:
    name: Greet
    args:
        in:
            who: string
    node:
        greet:
            with: "{greeting: 'hi ' + who}"
"""

SLOW = """\
flow:
    name: Slow
    node:
        pause:
            wait: '30s'
"""


async def _until_stored(path: Path, run_id: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if path.exists():
            store = open_store(str(path))
            try:
                record = store.get(run_id)
            finally:
                store.close()
            if record is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the run did not start")


@pytest.mark.asyncio
async def test_a_flow_runs_from_asyncio_and_the_loop_stays_free() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    result = await fdl.run_async(fdl.load_text(GREET), {"who": "Ann"})
    ticker.cancel()
    assert (result.status, result.output) == ("completed", {"greeting": "hi Ann"})
    assert ticks > 0


@pytest.mark.asyncio
async def test_cancelling_the_asyncio_task_cancels_the_run(tmp_path: Path) -> None:
    store = tmp_path / "runs.db"
    task = asyncio.create_task(fdl.run_async(fdl.load_text(SLOW), store=str(store),
                                             run_id="r-asyncio"))
    await _until_stored(store, "r-asyncio")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reader = open_store(str(store))
    record = reader.get("r-asyncio")
    reader.close()
    assert record is not None and record.status == "cancelled"


@pytest.mark.asyncio
async def test_a_run_cancelled_on_the_trio_side_returns_cancelled(tmp_path: Path) -> None:
    store = tmp_path / "runs.db"
    task = asyncio.create_task(fdl.run_async(fdl.load_text(SLOW), store=str(store),
                                             run_id="r-trio", poll_interval=0.02))
    await _until_stored(store, "r-trio")
    other = open_store(str(store))
    try:
        assert cancel_stored(other, "r-trio") in ("requested", "cancelled")
    finally:
        other.close()
    result = await asyncio.wait_for(task, 20)
    assert result.status == "cancelled"


@pytest.mark.asyncio
async def test_errors_of_the_trio_side_reach_the_awaiting_task() -> None:
    plan = fdl.load_text(GREET)
    with pytest.raises(ValueError, match="concurrency"):
        await fdl.run_async(plan, {"who": "x"}, concurrency=0)


@pytest.mark.asyncio
async def test_runs_with_a_store_path_share_one_open_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.db"
    plan = fdl.check_text(GREET).plan
    assert plan is not None
    given: list[Any] = []

    class Recording(Runtime):
        def __init__(self, **options: Any) -> None:
            given.append(options.get("store"))
            super().__init__(**options)

    monkeypatch.setattr("fdl._asyncio.Runtime", Recording)
    results = [await fdl.run_async(plan, {"who": who}, store=str(path))
               for who in ("ann", "bob")]
    assert [r.output for r in results] == [{"greeting": "hi ann"}, {"greeting": "hi bob"}]
    store = shared_options({"store": str(path)})["store"]
    assert given == [store, store]  # one store object, opened once, for both runs
    records = {record.run_id: record for record in store.list()}
    assert set(records) == {r.run_id for r in results}
    assert all(record.status == "completed" for record in records.values())
    assert all(store.lease(r.run_id) is None for r in results)
