"""Concurrent reads of a registry file: read-only connections per reading thread, every
read seeing the writes committed before it (`stdlib.sqlitefile.SqliteFile.read`)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stdlib.registry import Registry, RegistryError, ToolSpec

WAIT = 60.0
"""Seconds a thread waits for another before the test gives up (a hang, not a speed)."""


def _spec(i: int, version: str = "1.0.0") -> ToolSpec:
    return ToolSpec.model_validate({
        "type": "api", "code": f"svc/tool{i}", "version": version,
        "desp": "fetch the customer records", "tags": [f"tag{i % 3}"],
        "config": {"method": "GET", "path": "/c"}})


def _in_thread(fn: Callable[[], Any]) -> Any:
    """``fn()`` in another thread; its result, or its exception raised here."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed to the test's thread
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "the thread did not finish: a read waited for a lock"
    if "error" in out:
        raise out["error"]
    return out["value"]


def _codes(registry: Registry, **kw: Any) -> set[str]:
    return {hit.spec.code for hit in registry.search("customer", limit=1000, **kw)}


def test_a_read_sees_a_write_of_the_same_thread(tmp_path: Path) -> None:
    with Registry(tmp_path / "registry.db") as registry:
        for i in range(5):
            registry.register(_spec(i))
            assert registry.get("api", f"svc/tool{i}") is not None
            assert len(_codes(registry)) == i + 1
        registry.register(_spec(0, "1.1.0"))
        assert registry.default_version("api", "svc/tool0") == "1.1.0"
        assert [v.version for v in registry.versions("api", "svc/tool0")] == ["1.0.0", "1.1.0"]
        registry.remove("api", "svc/tool1")
        assert registry.get("api", "svc/tool1") is None
        assert "svc/tool1" not in _codes(registry)
        assert registry.tags() == {"tag0": 2, "tag1": 1, "tag2": 1}


@pytest.mark.parametrize("readers", [8, 1, 0])
def test_a_read_sees_a_write_of_another_thread(tmp_path: Path, readers: int) -> None:
    with Registry(tmp_path / "registry.db", readers=readers) as registry:
        assert _in_thread(lambda: _codes(registry)) == set()  # a reader of that thread, idle
        _in_thread(lambda: registry.register(_spec(1)))
        assert _codes(registry) == {"svc/tool1"}
        registry.register(_spec(2))
        assert _in_thread(lambda: _codes(registry)) == {"svc/tool1", "svc/tool2"}
        _in_thread(lambda: registry.remove("api", "svc/tool1"))
        assert _codes(registry) == {"svc/tool2"}
        assert _in_thread(lambda: registry.get("api", "svc/tool1")) is None


def test_a_read_sees_a_write_of_another_process(tmp_path: Path) -> None:
    with Registry(tmp_path / "registry.db") as mine, \
            Registry(tmp_path / "registry.db") as other:
        assert _codes(mine) == set()
        other.register(_spec(1))
        assert _codes(mine) == {"svc/tool1"}
        assert _in_thread(lambda: mine.get("api", "svc/tool1")) is not None


def test_a_read_does_not_wait_for_a_write_in_progress_nor_see_it(tmp_path: Path) -> None:
    with Registry(tmp_path / "registry.db") as registry:
        registry.register_many([_spec(1), _spec(2)])
        inside, release = threading.Event(), threading.Event()

        def writer() -> None:
            with contextlib.suppress(RuntimeError), registry.db.write() as conn:
                conn.execute("DELETE FROM defaults")
                inside.set()
                assert release.wait(WAIT)
                raise RuntimeError("rolled back")

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            assert inside.wait(WAIT)
            # The write lock is held: these reads would wait for it on a shared connection.
            assert _in_thread(lambda: _codes(registry)) == {"svc/tool1", "svc/tool2"}
            assert registry.get("api", "svc/tool2") is not None
            assert len(registry.list()) == 2
        finally:
            release.set()
            thread.join(WAIT)
        assert _codes(registry) == {"svc/tool1", "svc/tool2"}  # the write was rolled back


def test_readers_read_at_the_same_time(tmp_path: Path) -> None:
    with Registry(tmp_path / "registry.db") as registry:
        registry.register(_spec(1))
        holding, release = threading.Event(), threading.Event()

        def hold() -> None:
            with registry.db.read() as conn:
                conn.execute("SELECT count(*) FROM tools").fetchone()
                holding.set()
                assert release.wait(WAIT)

        thread = threading.Thread(target=hold)
        thread.start()
        try:
            assert holding.wait(WAIT)
            assert _in_thread(lambda: _codes(registry)) == {"svc/tool1"}
            registry.register(_spec(2))  # the writer is not held up by the open read
            assert _codes(registry) == {"svc/tool1", "svc/tool2"}
        finally:
            release.set()
            thread.join(WAIT)


def test_one_read_sees_one_state(tmp_path: Path) -> None:
    """The statements of one read block see the file as of its first statement."""
    with Registry(tmp_path / "registry.db") as registry:
        registry.register(_spec(1))
        with registry.db.read() as conn:
            (before,) = conn.execute("SELECT count(*) FROM tools").fetchone()
            _in_thread(lambda: registry.register(_spec(2)))
            (after,) = conn.execute("SELECT count(*) FROM tools").fetchone()
        assert before == after == 1
        assert len(_codes(registry)) == 2


@pytest.mark.parametrize("readers", [8, 2, 0])
def test_threads_search_while_one_registers(tmp_path: Path, readers: int) -> None:
    tools, searchers = 120, 8
    committed = [0]
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[list[int]] = [[] for _ in range(searchers)]

    with Registry(tmp_path / "registry.db", readers=readers) as registry:
        def register() -> None:
            try:
                for i in range(tools):
                    registry.register(_spec(i))
                    with lock:
                        committed[0] = i + 1
            except BaseException as exc:
                errors.append(exc)
            finally:
                done.set()

        def search(n: int) -> None:
            try:
                while True:
                    finished = done.is_set()
                    with lock:
                        floor = committed[0]
                    found = _codes(registry)
                    # every registration that returned before the search began is seen
                    assert len(found) >= floor, (len(found), floor)
                    assert found == {f"svc/tool{i}" for i in range(len(found))}
                    seen[n].append(len(found))
                    if finished:
                        return
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=search, args=(n,)) for n in range(searchers)]
        threads.append(threading.Thread(target=register))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 4)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []
        for counts in seen:
            assert counts == sorted(counts)  # a thread never sees the registry go back
            assert counts[-1] == tools
        assert len(_codes(registry)) == tools


def test_reads_after_close_are_refused(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "registry.db")
    registry.register(_spec(1))
    assert _in_thread(lambda: _codes(registry)) == {"svc/tool1"}
    registry.close()
    with pytest.raises(RegistryError, match="is closed"):
        registry.get("api", "svc/tool1")
    with pytest.raises(RegistryError, match="is closed"):
        registry.data_version()
    registry.close()  # twice is harmless


def test_a_read_in_progress_when_the_registry_closes_ends_normally(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "registry.db")
    registry.register(_spec(1))
    with registry.db.read() as conn:
        registry.close()
        assert conn.execute("SELECT count(*) FROM tools").fetchone() == (1,)
    with pytest.raises(RegistryError, match="is closed"):
        _codes(registry)


def test_a_failed_read_leaves_the_registry_usable(tmp_path: Path) -> None:
    with Registry(tmp_path / "registry.db") as registry:
        registry.register(_spec(1))
        with pytest.raises(RegistryError, match="no such table"), registry.db.read() as conn:
            conn.execute("SELECT * FROM no_such_table")
        with pytest.raises(KeyError), registry.db.read() as conn:
            conn.execute("SELECT 1").fetchone()
            raise KeyError("not a database error")
        with pytest.raises(RegistryError, match="readonly"), registry.db.read() as conn:
            conn.execute("DELETE FROM tools")  # reads cannot write
        assert _codes(registry) == {"svc/tool1"}
        registry.register(_spec(2))
        assert _codes(registry) == {"svc/tool1", "svc/tool2"}


def test_a_registry_in_memory_is_shared_by_threads(tmp_path: Path) -> None:
    with Registry() as registry:
        _in_thread(lambda: registry.register(_spec(1)))
        assert _codes(registry) == {"svc/tool1"}
        registry.register(_spec(2))
        assert _in_thread(lambda: _codes(registry)) == {"svc/tool1", "svc/tool2"}


def test_a_path_with_uri_characters_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a dir #1?x=%20&mode=rw" / "registry.db"
    with Registry(path) as registry:
        registry.register(_spec(1))
        assert _in_thread(lambda: _codes(registry)) == {"svc/tool1"}
    assert not (tmp_path / "a dir ").exists()  # no other file was opened or created
