"""Persistence and resume (spec/fdl.md §6.7) on the mock clock.

An interrupted run is simulated by cancelling the trio task that runs it (what a crash
leaves behind is the same: a store whose run is still ``running`` with the journal written
so far). The test with a real ``kill -9`` is in tests/fdl/test_cli_run.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio

from runtime import RunFailure, Runtime, open_store

from .conftest import plan_of

WALL = 1_700_000_000.0

FLOW = """\
    flow:
        name: resumable
        args:
            in:
                items: int[]
        vars: seen = []
        node:
            first:
                exec: api://t/work
                args: id = 'first'
                next: pause
            pause:
                wait: '100s'
                next: proc
            proc:
                each: items => x
                vars: acc = []
                node:
                    step:
                        exec: api://t/work
                        args: id = 'step-' + x
                        sets: acc = acc.add(x)
                with: acc
                next: last
            last:
                exec: api://t/work
                args: id = 'last'
                with: "{acc: proc, first: first.id, when: NOW()}"
"""


class Work:
    """A tool that sleeps one second and records every call (id, idempotency key)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def __call__(self, call: Any) -> Any:
        self.calls.append((call.args["id"], call.idempotency_key))
        await trio.sleep(1)
        return {"id": call.args["id"]}


def runtime(work: Work, store: Path, wall: float) -> Runtime:
    from runtime import Tools

    tools = Tools()
    tools.add("api://t/work", work, pass_call=True)
    return Runtime(tools=tools, store=str(store), wall_clock=lambda: wall)


async def interrupt_after(seconds: float, rt: Runtime, plan: Any, inputs: Any) -> None:
    with trio.move_on_after(seconds) as scope:
        await rt.run(plan, inputs, run_id="r1")
    assert scope.cancelled_caught, "the run ended before the interruption"
    rt.close()


async def test_a_wait_sleeps_only_for_its_remaining_time(autojump_clock: Any,
                                                         tmp_path: Path) -> None:
    plan = plan_of(FLOW)
    store = tmp_path / "runs.db"
    work = Work()
    # first: 0-1 s; the wait is due at WALL + 101; interrupted at 31 s.
    await interrupt_after(31, runtime(work, store, WALL), plan, {"items": []})
    assert open_store(str(store)).get("r1").status == "running"  # type: ignore[union-attr]
    # Resumed 40 s of wall time later (WALL + 71): 30 s of the wait remain.
    start = trio.current_time()
    async with runtime(work, store, WALL + 71) as rt:
        result = await rt.resume("r1")
    assert result.status == "completed"
    assert trio.current_time() - start == pytest.approx(30 + 1)  # the rest of the wait, last
    assert [c[0] for c in work.calls] == ["first", "last"]  # first is not called again
    assert result.output["first"] == "first"
    assert result.output["when"].timestamp() == pytest.approx(WALL + 71 + 31)


async def test_a_call_in_flight_is_repeated_with_the_same_idempotency_key(
        autojump_clock: Any, tmp_path: Path) -> None:
    plan = plan_of(FLOW)
    store = tmp_path / "runs.db"
    work = Work()
    # first 0-1, wait 1-101, step-1 101-102, step-2 starts at 102: interrupt at 102.5.
    await interrupt_after(102.5, runtime(work, store, WALL), plan, {"items": [1, 2, 3]})
    assert [c[0] for c in work.calls] == ["first", "step-1", "step-2"]
    async with runtime(work, store, WALL + 102.5) as rt:
        result = await rt.resume("r1")
    assert result.status == "completed"
    ids = [c[0] for c in work.calls]
    assert ids == ["first", "step-1", "step-2", "step-2", "step-3", "last"]
    keys = [c[1] for c in work.calls]
    assert keys[2] == keys[3] == "r1/proc[1]/step/1"
    restarted = [e for e in result.events if e["type"] == "node.started"]
    assert restarted[0]["node"] == "proc[1]/step" and restarted[0]["resumed"] is True
    assert restarted[0]["activation"] == 1
    # Variables of the each node survived the interruption: the first iteration's write
    # was restored from the journal, the second and third were added after the resume.
    assert result.output["acc"] == [1, 2, 3]


async def test_resume_emits_resumed_and_the_store_ends_completed(autojump_clock: Any,
                                                                 tmp_path: Path) -> None:
    plan = plan_of(FLOW)
    store = tmp_path / "runs.db"
    work = Work()
    await interrupt_after(50, runtime(work, store, WALL), plan, {"items": [1]})
    async with runtime(work, store, WALL + 50) as rt:
        result = await rt.resume("r1")
        stored = [e async for e in rt.events("r1")]
    assert result.events[0]["type"] == "flow.resumed"
    types = [e["type"] for e in stored]
    assert [e["seq"] for e in stored] == list(range(len(stored)))  # seq goes on after resume
    assert types[0] == "flow.started" and types[-1] == "flow.completed"
    assert "flow.resumed" in types
    reopened = open_store(str(store))
    record = reopened.get("r1")
    assert record is not None and record.status == "completed"
    assert record.output == result.output
    with pytest.raises(RunFailure) as info:
        async with runtime(work, store, WALL) as rt:
            await rt.resume("r1")
    assert info.value.code == "F410"


async def test_resuming_an_unknown_run_is_a_lookup_error(tmp_path: Path) -> None:
    async with Runtime(store=str(tmp_path / "runs.db")) as rt:
        with pytest.raises(LookupError):
            await rt.resume("nope")
    async with Runtime() as rt:
        with pytest.raises(LookupError):
            await rt.resume("nope")


async def test_a_cancel_requested_through_the_store_stops_the_run(autojump_clock: Any,
                                                                  tmp_path: Path) -> None:
    plan = plan_of(FLOW)
    store = tmp_path / "runs.db"
    work = Work()
    async with runtime(work, store, WALL) as rt, trio.open_nursery() as nursery:
        results: list[Any] = []

        async def go() -> None:
            results.append(await rt.run(plan, {"items": []}, run_id="r1"))

        nursery.start_soon(go)
        await trio.sleep(10)
        other = open_store(str(store))  # another process, as `fdl runs cancel` does
        assert other.request_cancel("r1")
        other.close()
    assert results[0].status == "cancelled"
    assert trio.current_time() <= 10.5
    assert open_store(str(store)).get("r1").status == "cancelled"  # type: ignore[union-attr]


def dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def stored_run(path: Path, pid: int, host: str | None = None) -> None:
    import socket

    from runtime import RunRecord

    store = open_store(str(path))
    store.create(RunRecord("r9", "f", "", "", {}, {}, "running", WALL, WALL))
    store.append("r9", [], [{"type": "flow.started", "run_id": "r9", "node": "", "at": WALL,
                             "host": host or socket.gethostname(), "pid": pid}])
    store.close()


def test_cancelling_a_run_whose_process_died_marks_it_cancelled(tmp_path: Path) -> None:
    from runtime._owner import cancel_stored

    stored_run(tmp_path / "runs.db", dead_pid())
    store = open_store(str(tmp_path / "runs.db"))
    assert cancel_stored(store, "r9") == "cancelled"
    record = store.get("r9")
    assert record is not None and record.status == "cancelled"
    assert record.error is not None and record.error["code"] == "F408"
    assert store.events("r9")[-1]["type"] == "flow.cancelled"
    assert cancel_stored(store, "r9") == "finished"
    assert cancel_stored(store, "nope") == "unknown"


def test_a_run_of_a_live_or_remote_process_is_only_asked_to_stop(tmp_path: Path) -> None:
    import os

    from runtime._owner import cancel_stored

    for name, pid, host in (("live", os.getppid(), None), ("remote", dead_pid(), "elsewhere")):
        path = tmp_path / f"{name}.db"
        stored_run(path, pid, host)
        store = open_store(str(path))
        assert cancel_stored(store, "r9") == "requested"
        assert store.cancel_requested("r9")
        assert store.get("r9").status == "running"  # type: ignore[union-attr]
        store.close()


async def test_runs_record_their_process_in_the_opening_event(tmp_path: Path) -> None:
    import os
    import socket

    async with Runtime(store=str(tmp_path / "runs.db")) as rt:
        result = await rt.run(plan_of("flow:\n    name: x\n    node:\n        m: {with: 1}\n"))
    opening = result.events[0]
    assert (opening["host"], opening["pid"]) == (socket.gethostname(), os.getpid())
