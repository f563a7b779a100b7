"""A real HTTP/1.1 server on 127.0.0.1 for tests of the api:// adapter and the OpenAPI
import: `LocalServer` runs a request handler class in a background thread, one thread per
connection, and records what the handler appends to ``log``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["JsonHandler", "LocalServer", "serving"]


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


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler that reads and answers JSON: subclasses write ``do_GET`` /
    ``do_POST`` with `read_json` and `reply`."""

    protocol_version = "HTTP/1.1"
    server: LocalServer

    def log_message(self, *args: Any) -> None:
        pass

    def read_json(self) -> Any:
        """The request's JSON body (None when it has none)."""
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def reply(self, status: int, data: Any) -> None:
        """Answer ``data`` as JSON with ``status`` (bytes are sent as they are)."""
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
