"""A real HTTP/1.1 server on 127.0.0.1 for tests of the api:// adapter and the OpenAPI
import: `LocalServer` runs a request handler class in a background thread, one thread per
connection, and records what the handler appends to ``log``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["LocalServer", "serving"]


class LocalServer(ThreadingHTTPServer):
    """A threading HTTP server on a free loopback port.

    Attributes:
        log: what the handler records about the requests it saw.
        counters: per-key counters for handlers that answer differently on later calls.
        lock: guards ``counters`` (one thread per connection).
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.log: list[dict[str, Any]] = []
        self.counters: dict[str, int] = {}
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) leaves a broken pipe behind

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[LocalServer]:
    """A `LocalServer` running ``handler`` for the duration of the block."""
    server = LocalServer(handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
