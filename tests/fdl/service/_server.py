"""A real ``fdl serve`` for tests: `serve_async` (Hypercorn's trio worker) on a free
loopback port in a background thread, stopped gracefully, and started again on the same
project to check that nothing is lost."""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import trio

from fdl.service import ServiceDatabase, serve_async
from stdlib.config import project_config

__all__ = ["Server", "make_key", "running", "write"]


def write(folder: Path, name: str, text: str) -> Path:
    """Write a (dedented) file of the test project."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def make_key(project: Path, tenant: str, *scopes: str, rate_limit: str | None = None) -> str:
    """A new API key of the project (all scopes when none are given)."""
    db = ServiceDatabase(project_config(project).service_path)
    try:
        _key, text = db.create_key(tenant, scopes=scopes or ("read", "run", "admin"),
                                   rate_limit=rate_limit)
    finally:
        db.close()
    return text


class Server:
    """``fdl serve`` of ``project`` in a thread; ``url`` once started."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.url = ""
        self._started = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self._token = trio.lowlevel.current_trio_token()
            self._stop = trio.Event()
            config = project_config(self.project)
            async with trio.open_nursery() as nursery:
                binds = await nursery.start(partial(serve_async, config, "127.0.0.1", 0,
                                                    shutdown=self._stop.wait))
                self.url = binds[0]
                self._started.set()

        try:
            trio.run(main)
        except BaseException as error:
            self._error = error
        finally:
            self._started.set()

    def start(self) -> Server:
        self._thread.start()
        self._started.wait(60)
        if self._error is not None:
            raise self._error
        assert self.url, "the server did not start within 60 s"
        return self

    def stop(self) -> None:
        if self._token is not None and self._stop is not None:
            trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the server did not stop"
        if self._error is not None:
            raise self._error

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx client for the server (with ``key`` as the bearer key)."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)


@contextmanager
def running(project: Path) -> Iterator[Server]:
    """A started `Server`, stopped when the block ends."""
    server = Server(project).start()
    try:
        yield server
    finally:
        server.stop()
