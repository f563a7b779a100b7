"""Run stores opened once per process and reused by `run_sync` (``fdl.run``).

Opening an SQLite run store (connect, PRAGMAs, schema check) and closing it (a WAL
checkpoint) costs milliseconds, many times what a small flow takes to run. ``fdl.run`` is
called once per run, so it takes its store from a `SharedStores`: the first run with a given
file opens it, later runs in the same process reuse that connection, and it is closed when
the process exits.

A cached store is used only while it is still the file the path names: a file deleted or
replaced since (another inode), or a connection inherited over ``fork``, is not reused.
`runtime.Runtime` itself never caches: a service or the CLI that runs many flows keeps one
`Runtime` (and so one store) for its lifetime.

A PostgreSQL store (``postgresql://...``) is kept open per URL the same way (one connection
per process, not inherited over ``fork``).
"""

from __future__ import annotations

import atexit
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from stdlib.pgdb import is_pg_url

from .store import PgStore, RunStore, SqliteStore, store_file

__all__ = ["SHARED_STORES", "SharedStores"]


@dataclass(frozen=True, slots=True)
class _Opened:
    store: SqliteStore
    pid: int
    device: int
    inode: int


class SharedStores:
    """SQLite run stores kept open per file for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[Path, _Opened] = {}
        self._pg: dict[str, tuple[PgStore, int]] = {}

    def get(self, spec: str | Path) -> RunStore | None:
        """The open store for the file ``spec`` names (opened now if need be), or None when
        ``spec`` names a store in memory (each run then gets its own).

        Raises:
            StoreError: the spec is not understood or the file cannot be opened.
        """
        if isinstance(spec, str) and is_pg_url(spec):
            return self._postgres(spec.strip())
        path = store_file(spec)
        if path is None:
            return None
        key = path.resolve()
        with self._lock:
            opened = self._open.get(key)
            if opened is not None and self._current(opened, key):
                return opened.store
            if opened is not None and opened.pid == os.getpid():
                opened.store.close()
            store = SqliteStore(key)
            stat = key.stat()
            self._open[key] = _Opened(store, os.getpid(), stat.st_dev, stat.st_ino)
            return store

    def _postgres(self, url: str) -> RunStore:
        with self._lock:
            found = self._pg.get(url)
            if found is not None and found[1] == os.getpid():
                return found[0]
            store = PgStore(url)
            self._pg[url] = (store, os.getpid())
            return store

    @staticmethod
    def _current(opened: _Opened, path: Path) -> bool:
        if opened.pid != os.getpid():
            return False
        try:
            stat = path.stat()
        except OSError:
            return False
        return (stat.st_dev, stat.st_ino) == (opened.device, opened.inode)

    def close(self) -> None:
        """Close every store this process opened (at exit; harmless twice)."""
        with self._lock:
            opened, self._open = list(self._open.values()), {}
            postgres, self._pg = list(self._pg.values()), {}
        for entry in opened:
            if entry.pid == os.getpid():
                entry.store.close()
        for store, pid in postgres:
            if pid == os.getpid():
                store.close()


SHARED_STORES = SharedStores()
"""The process's shared stores, used by `run_sync`; closed at interpreter exit."""
atexit.register(SHARED_STORES.close)
