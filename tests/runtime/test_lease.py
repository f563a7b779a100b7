"""Run ownership (issue #17): the lease a process holds on a run, taken atomically, renewed
while the run lives, taken over only when it expired or its holder is provably dead.

The process-level tests (a resume while the owner is alive, a killed owner) are in
tests/fdl/test_cli_run.py; here: the store's compare-and-swap, concurrent resumes from
threads with their own store connections (as separate processes would have), renewal,
and a run that stops on a bug being recorded as failed.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio

from runtime import RunFailure, RunRecord, Runtime, Tools, open_store
from runtime._lease import Lease, new_lease, takeable
from runtime.store import LeaseLost, MemoryStore, PgStore, RunStore, SqliteStore
from tests._postgres import fresh_schema

from .conftest import plan_of
from .test_resume import dead_pid

HOST = socket.gethostname()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    if request.param == "postgresql":
        with fresh_schema() as url:
            opened: RunStore = PgStore(url)
            opened.create(RunRecord("r1", "f", "", "", {}, {}, "running", 1.0, 1.0))
            yield opened
            opened.close()
        return
    opened = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "runs.db")
    opened.create(RunRecord("r1", "f", "", "", {}, {}, "running", 1.0, 1.0))
    yield opened
    opened.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A run store every runtime of a test opens with a connection of its own: an SQLite
    file, or a schema of its own in the local PostgreSQL."""
    if request.param == "postgresql":
        with fresh_schema() as url:
            yield url
        return
    yield str(tmp_path / "runs.db")


def lease(owner: str, *, pid: int | None = None, host: str = HOST,
          expires: float = 2e9) -> Lease:
    return Lease(owner, host, os.getpid() if pid is None else pid, expires)


# ---------------------------------------------------------------- the store


def test_a_free_run_is_taken_and_a_held_one_refused(store: RunStore) -> None:
    assert store.lease("r1") is None
    assert store.take_lease("r1", lease("a"), now=100.0) is None
    assert store.lease("r1") == lease("a")
    holder = store.take_lease("r1", lease("b"), now=100.0)  # a lives: this very process
    assert holder == lease("a")
    assert store.lease("r1") == lease("a")  # the refusal changed nothing
    assert store.take_lease("r1", lease("a", expires=3e9), now=100.0) is None  # ours again


def test_an_expired_lease_is_taken_over(store: RunStore) -> None:
    store.take_lease("r1", lease("a", expires=50.0), now=10.0)
    assert store.take_lease("r1", lease("b"), now=49.9) is not None
    assert store.take_lease("r1", lease("b"), now=50.0) is None
    assert store.lease("r1") == lease("b")


def test_a_dead_holder_on_this_host_is_taken_over_at_once(store: RunStore) -> None:
    store.take_lease("r1", lease("a", pid=dead_pid()), now=10.0)
    assert store.take_lease("r1", lease("b"), now=10.0) is None


def test_a_dead_pid_on_another_host_proves_nothing(store: RunStore) -> None:
    store.take_lease("r1", lease("a", pid=dead_pid(), host="elsewhere"), now=10.0)
    assert store.take_lease("r1", lease("b"), now=10.0) is not None


def test_renew_and_release_only_by_the_holder(store: RunStore) -> None:
    store.take_lease("r1", lease("a", expires=50.0), now=10.0)
    assert store.renew_lease("r1", lease("a", expires=90.0))
    assert store.lease("r1") == lease("a", expires=90.0)
    assert not store.renew_lease("r1", lease("b", expires=90.0))
    store.release_lease("r1", "b")
    assert store.lease("r1") is not None
    store.release_lease("r1", "a")
    assert store.lease("r1") is None
    assert not store.renew_lease("r1", lease("a"))


def test_writes_of_a_lost_lease_are_refused_and_write_nothing(store: RunStore) -> None:
    store.take_lease("r1", lease("a", expires=50.0), now=10.0)
    store.append("r1", [{"k": 1}], [{"type": "x"}], owner="a")
    store.take_lease("r1", lease("b"), now=60.0)  # a expired; b took over
    with pytest.raises(LeaseLost, match="lost the ownership of run 'r1'"):
        store.append("r1", [{"k": 2}], [{"type": "y"}], owner="a")
    with pytest.raises(LeaseLost):
        store.finish("r1", "completed", output=1, at=70.0, owner="a")
    assert store.journal("r1") == [{"k": 1}]
    assert [e["type"] for e in store.events("r1")] == ["x"]
    assert store.get("r1").status == "running"  # type: ignore[union-attr]
    store.finish("r1", "completed", output=1, at=70.0, owner="b")
    assert store.lease("r1") is None  # finishing releases it


def test_create_with_a_lease_and_unknown_runs(store: RunStore) -> None:
    store.create(RunRecord("r2", "f", "", "", {}, {}, "running", 1.0, 1.0), lease=lease("c"))
    assert store.lease("r2") == lease("c")
    with pytest.raises(KeyError):
        store.take_lease("nope", lease("a"), now=1.0)
    assert store.lease("nope") is None


def test_takeable_rules() -> None:
    mine = lease("me")
    assert takeable(None, mine, 0.0)
    assert takeable(lease("me", expires=1.0), mine, 5.0)
    assert not takeable(lease("x", pid=os.getpid()), mine, 0.0)
    assert takeable(lease("x", expires=5.0), mine, 5.0)


def test_a_version_1_store_gets_the_leases_table(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    open_store(str(path)).close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE leases")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    reopened = SqliteStore(path)
    reopened.create(RunRecord("r1", "f", "", "", {}, {}, "running", 1.0, 1.0))
    assert reopened.take_lease("r1", lease("a"), now=1.0) is None
    reopened.close()


# ---------------------------------------------------------------- the runtime

FLOW = """\
    flow:
        name: owned
        node:
            first:
                exec: api://t/work
                args: id = 'first'
                next: second
            second:
                exec: api://t/work
                args: id = 'second'
"""


class Work:
    """A tool recording its calls; ``second`` blocks until ``release`` is set."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.release = threading.Event()
        self.entered = threading.Event()
        self._lock = threading.Lock()

    async def __call__(self, call: Any) -> Any:
        with self._lock:
            self.calls.append(call.args["id"])
        if call.args["id"] == "second":
            self.entered.set()
            while not self.release.is_set():
                await trio.sleep(0.01)
        return {"id": call.args["id"]}


def runtime(work: Work, path: Path | str, **options: Any) -> Runtime:
    tools = Tools()
    tools.add("api://t/work", work, pass_call=True)
    return Runtime(tools=tools, store=str(path), **options)


def interrupted_run(path: Path | str) -> None:
    """Leave run r1 interrupted in ``second`` (its process stopped it)."""
    work = Work()

    async def main() -> None:
        async with runtime(work, path) as rt:
            with trio.move_on_after(10) as scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(partial(rt.run, plan_of(FLOW), {}, run_id="r1"))
                    await trio.to_thread.run_sync(work.entered.wait)
                    scope.cancel()

    trio.run(main)


def test_of_concurrent_resumes_exactly_one_proceeds(spec: str) -> None:
    path = spec
    interrupted_run(path)
    work = Work()
    count = 6
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def resume(i: int) -> None:
        async def main() -> Any:
            async with runtime(work, path) as rt:  # its own connection, as a process has
                barrier.wait()
                return await rt.resume("r1")

        try:
            outcomes[i] = trio.run(main)
        except RunFailure as failure:
            outcomes[i] = failure

    threads = [threading.Thread(target=resume, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while sum(isinstance(o, RunFailure) for o in outcomes) < count - 1:
        assert time.monotonic() < deadline, outcomes
        time.sleep(0.01)
    work.release.set()
    for thread in threads:
        thread.join(30)
    refused = [o for o in outcomes if isinstance(o, RunFailure)]
    done = [o for o in outcomes if not isinstance(o, RunFailure)]
    assert len(refused) == count - 1 and len(done) == 1
    assert all(r.code == "F410" and "is being run by process" in r.message for r in refused)
    assert done[0].status == "completed"
    assert work.calls == ["second"]  # one resumer repeated the interrupted call, once
    store = open_store(path)
    types = [e["type"] for e in store.events("r1")]
    assert types.count("flow.resumed") == 1 and types.count("flow.completed") == 1
    assert store.lease("r1") is None
    store.close()


def test_a_refused_resume_changes_nothing(spec: str) -> None:
    path = spec
    interrupted_run(path)
    store = open_store(path)
    store.take_lease("r1", new_lease(time.time()), time.time())  # someone alive holds it
    before = (store.events("r1"), store.journal("r1"), store.get("r1"), store.lease("r1"))

    async def main() -> None:
        async with runtime(Work(), path) as rt:
            await rt.resume("r1")

    with pytest.raises(RunFailure) as info:
        trio.run(main)
    assert info.value.code == "F410"
    assert (store.events("r1"), store.journal("r1"), store.get("r1"),
            store.lease("r1")) == before
    store.close()


def test_a_living_run_renews_its_lease(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    work = Work()
    seen: list[float] = []

    async def main() -> None:
        async with (runtime(work, path, poll_interval=0.01, lease_seconds=1.5) as rt,
                    trio.open_nursery() as nursery):
            nursery.start_soon(partial(rt.run, plan_of(FLOW), {}, run_id="r1"))
            await trio.to_thread.run_sync(work.entered.wait)
            reader = open_store(str(path))
            for _ in range(6):
                current = reader.lease("r1")
                assert current is not None
                seen.append(current.expires)
                await trio.sleep(0.25)
            # Renewed all along: another process could not take it over.
            assert reader.take_lease("r1", new_lease(time.time()), time.time()) is not None
            reader.close()
            work.release.set()

    trio.run(main)
    assert seen == sorted(seen) and seen[-1] > seen[0]
    assert open_store(str(path)).get("r1").status == "completed"  # type: ignore[union-attr]


def test_a_run_whose_lease_was_taken_over_stops_writing(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    work = Work()

    async def main() -> None:
        async with (runtime(work, path, poll_interval=0.01, lease_seconds=0.06) as rt,
                    trio.open_nursery() as nursery):
            nursery.start_soon(partial(rt.run, plan_of(FLOW), {}, run_id="r1"))
            await trio.to_thread.run_sync(work.entered.wait)
            other = open_store(str(path))
            other.release_lease("r1", other.lease("r1").owner)  # type: ignore[union-attr]
            other.take_lease("r1", new_lease(time.time(), 60), time.time())
            other.close()
            await trio.sleep(0.2)
            work.release.set()

    with pytest.raises(BaseException) as info:
        trio.run(main)
    assert "lost the ownership of run 'r1'" in str(_leaf(info.value))
    store = open_store(str(path))
    assert "flow.completed" not in [e["type"] for e in store.events("r1")]
    assert store.get("r1").status == "running"  # type: ignore[union-attr]
    store.close()


def _leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


# ---------------------------------------------------------------- a bug is a failed run


def test_an_unexpected_exception_is_recorded_as_a_failed_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runtime._exec import Executor

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("secret-token-123")

    monkeypatch.setattr(Executor, "run_sync", broken)
    flow = "flow:\n    name: x\n    node:\n        m: {with: 1}\n"

    async def main() -> Any:
        async with Runtime(store=str(tmp_path / "runs.db")) as rt:
            return await rt.run(plan_of(flow), run_id="r1")

    result = trio.run(main)
    assert result.status == "failed"
    assert result.error["code"] == "F499"
    assert "ZeroDivisionError" in result.error["message"]
    assert "secret-token-123" not in str(result.error)
    store = open_store(str(tmp_path / "runs.db"))
    record = store.get("r1")
    assert record is not None and record.status == "failed"
    assert record.error is not None and record.error["code"] == "F499"
    assert store.events("r1")[-1]["type"] == "flow.failed"
    assert store.lease("r1") is None
    store.close()


def test_inputs_the_runtime_chokes_on_fail_the_run(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import runtime._runtime as module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("deep")

    monkeypatch.setattr(module, "convert_inputs", broken)
    flow = "flow:\n    name: x\n    node:\n        m: {with: 1}\n"

    async def main() -> Any:
        async with Runtime(store=str(tmp_path / "runs.db")) as rt:
            return await rt.run(plan_of(flow), {"a": object()}, run_id="r1")

    result = trio.run(main)
    assert result.status == "failed" and result.error["code"] == "F499"
    record = open_store(str(tmp_path / "runs.db")).get("r1")
    assert record is not None and record.status == "failed"
    assert record.inputs == {"a": "<object>"}
