"""runtime.store: the run store. Both implementations go through the same behaviour tests;
then the SQLite store's durability (kill -9), concurrency, schema and error handling."""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import pytest

from runtime import store as store_module
from runtime._lease import new_lease
from runtime.store import (
    SCHEMA_VERSION,
    LeaseLost,
    MemoryStore,
    PgStore,
    RunRecord,
    RunStore,
    SqliteStore,
    StoreError,
    open_store,
)
from tests._postgres import fresh_schema

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI_TIME = pendulum.datetime(2025, 1, 1, 10, 30, tz="Asia/Shanghai")


def record(run_id: str = "r1", *, flow: str = "orders", status: str = "running",
           created_at: float = 1000.0, **changes: Any) -> RunRecord:
    values: dict[str, Any] = {
        "run_id": run_id, "flow": flow, "path": f"flows/{flow}.yaml",
        "source": f"flow: {flow}\nnode: []\n",
        "inputs": {"customerId": "c1", "amount": Decimal("1.50"), "since": SHANGHAI_TIME},
        "context": {"tenantId": "t1", "buCode": "bu", "options": {"concurrency": 4}},
        "status": status, "created_at": created_at, "updated_at": created_at,
    }
    values.update(changes)
    return RunRecord(**values)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    if request.param == "postgresql":
        with fresh_schema() as url:
            opened: RunStore = PgStore(url)
            yield opened
            opened.close()
        return
    opened = MemoryStore() if request.param == "memory" else SqliteStore(
        tmp_path / "state" / "runs.db")
    yield opened
    opened.close()


# ---------------------------------------------------------------- behaviour (both stores)


def test_create_and_get(store: RunStore) -> None:
    original = record()
    store.create(original)
    got = store.get("r1")
    assert got == original
    assert got is not None
    assert got.inputs["amount"] == Decimal("1.50") and str(got.inputs["amount"]) == "1.50"
    assert isinstance(got.inputs["since"], pendulum.DateTime)
    assert got.inputs["since"].utcoffset() == SHANGHAI_TIME.utcoffset()
    assert got.output is None and got.error is None


def test_unknown_run(store: RunStore) -> None:
    assert store.get("nope") is None
    assert store.journal("nope") == []
    assert store.events("nope") == []
    assert store.request_cancel("nope") is False
    assert store.cancel_requested("nope") is False
    with pytest.raises(KeyError, match="nope"):
        store.append("nope", [{"a": 1}], [])
    with pytest.raises(KeyError, match="nope"):
        store.finish("nope", "completed", at=1.0)
    with pytest.raises(KeyError, match="nope"):
        store.set_status("nope", "running", 1.0)


def test_duplicate_create(store: RunStore) -> None:
    store.create(record())
    with pytest.raises(ValueError, match="exists already"):
        store.create(record(flow="other"))
    assert store.get("r1") == record()


def test_bad_status(store: RunStore) -> None:
    with pytest.raises(ValueError, match="unknown run status"):
        store.create(record(status="paused"))
    store.create(record())
    with pytest.raises(ValueError, match="unknown run status"):
        store.set_status("r1", "paused", 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="final status"):
        store.finish("r1", "running", at=2.0)


def test_unsupported_value_is_rejected(store: RunStore) -> None:
    with pytest.raises(TypeError, match="'set'"):
        store.create(record(inputs={"tags": {"a"}}))
    assert store.get("r1") is None


def test_list_newest_first_with_filters_and_limit(store: RunStore) -> None:
    store.create(record("a", created_at=10.0))
    store.create(record("b", created_at=30.0, flow="billing"))
    store.create(record("c", created_at=20.0))
    store.create(record("d", created_at=30.0))  # same time as b, created later: first
    store.finish("c", "completed", output={"n": 1}, at=25.0)
    store.finish("a", "failed", error={"code": "F401", "message": "missing"}, at=11.0)

    assert [r.run_id for r in store.list()] == ["d", "b", "c", "a"]
    assert [r.run_id for r in store.list(limit=2)] == ["d", "b"]
    assert [r.run_id for r in store.list(limit=None)] == ["d", "b", "c", "a"]
    assert [r.run_id for r in store.list(status="running")] == ["d", "b"]
    assert [r.run_id for r in store.list(status="completed")] == ["c"]
    assert [r.run_id for r in store.list(status="cancelled")] == []
    assert [r.run_id for r in store.list(flow="orders")] == ["d", "c", "a"]
    assert [r.run_id for r in store.list(flow="orders", status="running")] == ["d"]
    assert [r.run_id for r in store.list(flow="orders", limit=1)] == ["d"]
    assert store.list(flow="nothing") == []
    assert store.list()[2].output == {"n": 1}
    with pytest.raises(ValueError, match="limit"):
        store.list(limit=0)
    with pytest.raises(ValueError, match="unknown run status"):
        store.list(status="paused")  # type: ignore[arg-type]


def test_append_keeps_order_across_batches(store: RunStore) -> None:
    store.create(record())
    store.append("r1", [{"i": 0}, {"i": 1}], [{"type": "flow.started", "run_id": "r1"}])
    store.append("r1", [], [])  # nothing to write
    store.append("r1", [{"i": 2}], [])
    store.append("r1", [], [{"type": "node.started", "node": "a"}])
    store.append("r1", [{"i": i} for i in range(3, 103)],
                 [{"type": "node.completed", "node": f"n{i}"} for i in range(50)])
    assert store.journal("r1") == [{"i": i} for i in range(103)]
    events = store.events("r1")
    assert [e["type"] for e in events[:2]] == ["flow.started", "node.started"]
    assert [e.get("node") for e in events[2:]] == [f"n{i}" for i in range(50)]


def test_runs_are_kept_apart(store: RunStore) -> None:
    store.create(record("a"))
    store.create(record("b"))
    store.append("a", [{"run": "a", "i": 0}], [{"type": "x"}])
    store.append("b", [{"run": "b", "i": 0}], [])
    store.append("a", [{"run": "a", "i": 1}], [])
    assert store.journal("a") == [{"run": "a", "i": 0}, {"run": "a", "i": 1}]
    assert store.journal("b") == [{"run": "b", "i": 0}]
    assert store.events("b") == []


def test_values_come_back_exactly(store: RunStore) -> None:
    store.create(record())
    entry = {
        "kind": "completed", "key": 3, "at": 12.5,
        "output": {"total": Decimal("10.00"), "when": SHANGHAI_TIME, "day": date(2025, 2, 3),
                   "rows": [[1, 2.5, None, True], {"$ref": "not a tag"}], "big": 10**30,
                   "nan": float("inf")},
    }
    event = {"type": "node.completed", "run_id": "r1", "node": "proc[2]/user",
             "at": pendulum.datetime(2025, 1, 1, tz="UTC"), "duration": 0.25}
    store.append("r1", [entry], [event])
    (back,) = store.journal("r1")
    assert back == entry
    assert str(back["output"]["total"]) == "10.00"
    assert back["output"]["when"].tzinfo.name == "Asia/Shanghai"
    assert store.events("r1") == [event]


def test_stored_values_are_copies(store: RunStore) -> None:
    inputs: dict[str, Any] = {"items": [1]}
    store.create(record(inputs=inputs))
    inputs["items"].append(2)
    entry: dict[str, Any] = {"v": [1]}
    store.append("r1", [entry], [])
    entry["v"].append(2)
    store.journal("r1")[0]["v"].append(3)
    got = store.get("r1")
    assert got is not None and got.inputs == {"items": [1]}
    assert store.journal("r1") == [{"v": [1]}]


def test_append_is_all_or_nothing(store: RunStore) -> None:
    store.create(record())
    with pytest.raises(TypeError):
        store.append("r1", [{"ok": 1}, {"bad": object()}], [{"type": "x"}])
    assert store.journal("r1") == [] and store.events("r1") == []


def test_finish_and_set_status(store: RunStore) -> None:
    store.create(record())
    store.finish("r1", "failed", error={"code": "0401", "message": "denied", "node": "auth"},
                 at=1005.0)
    got = store.get("r1")
    assert got is not None
    assert (got.status, got.error, got.output) == (
        "failed", {"code": "0401", "message": "denied", "node": "auth"}, None)
    assert (got.created_at, got.updated_at) == (1000.0, 1005.0)

    store.set_status("r1", "running", 1010.0)  # a resume
    got = store.get("r1")
    assert got is not None and (got.status, got.updated_at) == ("running", 1010.0)

    store.finish("r1", "completed", output=[Decimal("2.5"), SHANGHAI_TIME], at=1020.0)
    got = store.get("r1")
    assert got is not None
    assert (got.status, got.output, got.error) == (
        "completed", [Decimal("2.5"), SHANGHAI_TIME], None)


def test_request_cancel(store: RunStore) -> None:
    store.create(record())
    assert store.cancel_requested("r1") is False
    assert store.request_cancel("r1") is True
    assert store.cancel_requested("r1") is True
    assert store.request_cancel("r1") is True  # asking twice is fine
    store.finish("r1", "cancelled", error={"code": "F408", "message": "cancelled"}, at=2.0)
    assert store.cancel_requested("r1") is False  # served
    assert store.request_cancel("r1") is False  # not running any more

    store.create(record("r2"))
    assert store.request_cancel("r2")
    store.set_status("r2", "failed", 3.0)
    assert store.cancel_requested("r2") is True  # only a finish or a resume clears it
    store.set_status("r2", "running", 4.0)  # a resume starts afresh
    assert store.cancel_requested("r2") is False


def test_to_dict_is_a_json_summary(store: RunStore) -> None:
    store.create(record())
    store.finish("r1", "completed", output={"total": Decimal("1.50"), "n": Decimal("3"),
                                            "when": SHANGHAI_TIME, "bad": float("nan")},
                 at=1001.0)
    got = store.get("r1")
    assert got is not None
    summary = got.to_dict()
    json.dumps(summary, allow_nan=False)
    assert "source" not in summary
    assert summary["run_id"] == "r1" and summary["status"] == "completed"
    assert summary["output"] == {"total": 1.5, "n": 3, "when": "2025-01-01T10:30:00+08:00",
                                 "bad": None}
    assert summary["inputs"]["since"] == "2025-01-01T10:30:00+08:00"
    assert summary["context"]["tenantId"] == "t1"


def test_threads_share_a_store(store: RunStore) -> None:
    store.create(record())

    def work(worker: int) -> None:
        for batch in range(20):
            store.append("r1", [{"w": worker, "b": batch, "i": i} for i in range(5)],
                         [{"type": "node.completed", "w": worker, "b": batch}])
            store.cancel_requested("r1")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    journal = store.journal("r1")
    assert len(journal) == 8 * 20 * 5 and len(store.events("r1")) == 8 * 20
    # Every batch is contiguous, and each worker's batches are in its own order.
    for start in range(0, len(journal), 5):
        chunk = journal[start:start + 5]
        assert [e["i"] for e in chunk] == list(range(5))
        assert len({(e["w"], e["b"]) for e in chunk}) == 1
    for worker in range(8):
        assert [e["b"] for e in journal if e["w"] == worker and e["i"] == 0] == list(range(20))


def test_is_a_run_store(store: RunStore) -> None:
    assert isinstance(store, RunStore)


def test_close_twice(store: RunStore) -> None:
    store.close()
    store.close()


# ---------------------------------------------------------------- SQLite


def test_sqlite_data_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "runs.db"
    with SqliteStore(path) as first:
        first.create(record())
        first.append("r1", [{"v": Decimal("0.10")}], [{"type": "flow.started"}])
        first.request_cancel("r1")
        first.create(record("r2", created_at=2000.0))
        first.finish("r2", "completed", output={"at": SHANGHAI_TIME}, at=2001.0)
    with SqliteStore(path) as second:
        assert second.get("r1") == record()
        assert second.journal("r1") == [{"v": Decimal("0.10")}]
        assert second.events("r1") == [{"type": "flow.started"}]
        assert second.cancel_requested("r1")
        assert [r.run_id for r in second.list()] == ["r2", "r1"]
        got = second.get("r2")
        assert got is not None and got.output == {"at": SHANGHAI_TIME}
        second.append("r1", [{"v": 2}], [])
        assert second.journal("r1") == [{"v": Decimal("0.10")}, {"v": 2}]


def test_sqlite_settings_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SqliteStore(path) as opened:
        opened.create(record())
        with opened._file.read() as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master "
                                                "WHERE type = 'table'")}
        assert {"runs", "journal", "events"} <= tables
        inputs = raw.execute("SELECT inputs FROM runs").fetchone()[0]
        assert json.loads(inputs)["amount"] == {"$dec": "1.50"}
    finally:
        raw.close()


def _child(script: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _read_line(child: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The child's next line of output, waiting at most ``timeout`` seconds."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    line = child.stdout.readline() if ready else ""
    if not line:
        child.kill()
        _, err = child.communicate()
        raise AssertionError(f"child printed nothing; stderr:\n{err}")
    return line.strip()


_CHILD_PRELUDE = """
import sys, time
from decimal import Decimal
from runtime.store import SqliteStore, RunRecord
store = SqliteStore(sys.argv[1] if len(sys.argv) > 1 else {path!r})
"""


def test_sqlite_batch_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    child = _child(_CHILD_PRELUDE.format(path=str(path)) + """
store.create(RunRecord("r1", "orders", "", "flow: orders", {"x": Decimal("1.5")}, {},
                       "running", 1.0, 1.0))
store.append("r1", [{"seq": i, "v": Decimal("0.01") * i} for i in range(100)],
             [{"type": "node.completed", "node": f"n{i}"} for i in range(10)])
print("appended", flush=True)
time.sleep(60)
""")
    try:
        assert _read_line(child) == "appended"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    # The commit lives in the write-ahead log (no checkpoint ran): reopening recovers it.
    assert Path(f"{path}-wal").stat().st_size > 0
    with SqliteStore(path) as reopened:
        journal = reopened.journal("r1")
        assert journal == [{"seq": i, "v": Decimal("0.01") * i} for i in range(100)]
        assert len(reopened.events("r1")) == 10
        got = reopened.get("r1")
        assert got is not None and got.status == "running"  # it never finished: resumable


def test_sqlite_kill_9_mid_stream_keeps_whole_batches(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    child = _child(_CHILD_PRELUDE.format(path=str(path)) + """
store.create(RunRecord("r1", "orders", "", "flow: orders", {}, {}, "running", 1.0, 1.0))
batch = 0
while True:
    store.append("r1", [{"batch": batch, "i": i} for i in range(7)], [{"batch": batch}])
    batch += 1
    if batch % 20 == 0:
        print(batch, flush=True)
""")
    try:
        committed = int(_read_line(child))
        os.kill(child.pid, signal.SIGKILL)  # somewhere in a later append
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    with SqliteStore(path) as reopened:
        journal = reopened.journal("r1")
        events = reopened.events("r1")
    batches = len(journal) // 7
    assert len(journal) % 7 == 0 and len(events) == batches >= committed
    assert journal == [{"batch": b, "i": i} for b in range(batches) for i in range(7)]


def test_sqlite_reader_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    writer, reader = SqliteStore(path), SqliteStore(path)
    try:
        writer.create(record())
        writer.append("r1", [{"i": 0}], [])
        assert reader.journal("r1") == [{"i": 0}]
        # Another process holds the write lock mid-transaction: readers go on, unblocked.
        locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        locker.execute("BEGIN IMMEDIATE")
        locker.execute("INSERT INTO journal VALUES ('r1', 2, '{\"i\":1}')")
        started = time.monotonic()
        assert reader.journal("r1") == [{"i": 0}]  # the uncommitted row is not seen
        assert [r.run_id for r in reader.list()] == ["r1"]
        assert reader.cancel_requested("r1") is False
        assert time.monotonic() - started < 1.0
        # A writer waits for the lock (busy timeout) and goes on once it is released.
        threading.Timer(0.3, lambda: locker.execute("COMMIT")).start()
        writer.append("r1", [{"i": 2}], [])
        assert time.monotonic() - started >= 0.25
        locker.close()
        assert reader.journal("r1") == [{"i": 0}, {"i": 1}, {"i": 2}]
    finally:
        writer.close()
        reader.close()


def test_sqlite_reader_in_another_process(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SqliteStore(path) as writer:
        writer.create(record())
        writer.append("r1", [{"i": 0}], [{"type": "flow.started"}])
        result = subprocess.run(
            [sys.executable, "-c", "import sys, json\nfrom runtime.store import open_store\n"
             "s = open_store(sys.argv[1])\n"
             "print(json.dumps([r.to_dict() for r in s.list()]))\n"
             "print(len(s.journal('r1')))", str(path)],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
        listed, count = result.stdout.splitlines()
        assert json.loads(listed)[0]["run_id"] == "r1" and count == "1"
        writer.append("r1", [{"i": 1}], [])  # the writer goes on after the reader is gone
        assert len(writer.journal("r1")) == 2


def test_sqlite_busy_for_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.db"
    with SqliteStore(path) as first:
        first.create(record())
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    opened = SqliteStore(path)
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="busy"):
            opened.append("r1", [{"i": 0}], [])
        locker.execute("ROLLBACK")
        opened.append("r1", [{"i": 0}], [])  # usable again
        assert opened.journal("r1") == [{"i": 0}]
    finally:
        locker.close()
        opened.close()


def test_sqlite_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    path.write_bytes(b"this is not an SQLite database at all, just text" * 100)
    for opener in (open_store, SqliteStore):
        with pytest.raises(StoreError) as info:
            opener(path)
        message = str(info.value)
        assert str(path) in message and "not a database" in message
        assert "--store" in message and "move it aside" in message


def test_sqlite_damaged_pages(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SqliteStore(path) as opened:
        opened.create(record())
        opened.append("r1", [{"i": i, "pad": "x" * 500} for i in range(200)], [])
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # keep the header page, wreck the rest
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=str(path).replace("\\", "\\\\")):
        damaged = open_store(path)
        try:
            damaged.journal("r1")
        finally:
            damaged.close()


def test_sqlite_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    SqliteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer version of fdl"):
        open_store(path)


def test_sqlite_foreign_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT)")
    raw.close()
    with pytest.raises(StoreError, match="not an FDL run store"):
        open_store(path)


def test_sqlite_needs_a_file() -> None:
    with pytest.raises(StoreError, match="MemoryStore"):
        SqliteStore(":memory:")


def test_sqlite_closed(tmp_path: Path) -> None:
    opened = SqliteStore(tmp_path / "runs.db")
    opened.close()
    with pytest.raises(StoreError, match="closed"):
        opened.get("r1")


def test_sqlite_folder_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot create the folder"):
        open_store(tmp_path / "file" / "runs.db")


# ---------------------------------------------------------------- open_store


@pytest.mark.parametrize("spec", [None, "memory", ":memory:", "MEMORY", "sqlite:///:memory:"])
def test_open_store_memory(spec: str | None) -> None:
    assert isinstance(open_store(spec), MemoryStore)


@pytest.mark.parametrize(("spec", "expected"), [
    ("sqlite:///runs.db", "runs.db"),
    ("sqlite:///.fdl/runs.db", ".fdl/runs.db"),
    ("sqlite:rel/runs.db", "rel/runs.db"),
    ("plain/runs.db", "plain/runs.db"),
    ("state/", "state/runs.db"),
])
def test_open_store_relative_paths(spec: str, expected: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    opened = open_store(spec)
    try:
        assert isinstance(opened, SqliteStore)
        assert opened.path.resolve() == (tmp_path / expected).resolve()
        assert (tmp_path / expected).is_file()
    finally:
        opened.close()


def test_open_store_absolute_paths(tmp_path: Path) -> None:
    target = tmp_path / "abs" / "runs.db"
    for spec in (f"sqlite:///{target}", str(target), target):  # sqlite:////abs/path
        opened = open_store(spec)
        assert isinstance(opened, SqliteStore) and opened.path == target
        opened.close()
    folder = tmp_path / "state"
    folder.mkdir()
    opened = open_store(folder)  # an existing folder: runs.db inside
    assert isinstance(opened, SqliteStore) and opened.path == folder / "runs.db"
    opened.close()


@pytest.mark.parametrize(("spec", "message"), [
    ("redis://localhost/runs", "unsupported run store"),
    ("sqlite://host/runs.db", "names a host"),
    ("sqlite:///", "no file path"),
    ("  ", "empty"),
])
def test_open_store_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(spec)


def test_create_and_finish_carry_the_first_and_last_events(store: RunStore) -> None:
    lease = new_lease(time.time())
    store.create(record(), lease=lease, events=[{"type": "flow.started", "n": 1}])
    store.append("r1", [{"j": 1}], [{"type": "node.completed", "n": 2}], owner=lease.owner)
    store.finish("r1", "completed", output=1, at=2000.0, owner=lease.owner,
                 events=[{"type": "flow.completed", "n": 3}])
    assert [event["n"] for event in store.events("r1")] == [1, 2, 3]
    assert store.journal("r1") == [{"j": 1}]
    finished = store.get("r1")
    assert finished is not None and finished.status == "completed"
    assert store.lease("r1") is None


def test_finish_by_a_lost_lease_writes_no_event(store: RunStore) -> None:
    store.create(record(), lease=new_lease(time.time()), events=[{"n": 1}])
    with pytest.raises(LeaseLost):
        store.finish("r1", "completed", at=2000.0, owner="someone else", events=[{"n": 2}])
    assert [event["n"] for event in store.events("r1")] == [1]
    current = store.get("r1")
    assert current is not None and current.status == "running"
