"""A TCP forwarder that tests put between an adapter and a shared broker, to cut and restore
the connection without stopping the broker (other tests use it).

`TcpProxy` listens on a free loopback port and forwards every connection to the target, one
pair of pumping threads per connection. `cut` closes every open connection (both ends, with a
reset) and refuses new ones: each connection attempt is accepted and reset at once, as by a
broker that is restarting; `restore` forwards again. ``cut(refusals=n)`` restores by itself
after refusing ``n`` attempts, so a test of retries does not depend on timing.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

__all__ = ["TcpProxy"]


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a dying broker does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """Forward ``127.0.0.1:<port>`` to ``host:target``.

    Attributes:
        port: the port to connect to instead of the broker's.
        refused: connection attempts refused while cut.
        accepted: connections forwarded.
    """

    def __init__(self, target: int, host: str = "127.0.0.1") -> None:
        self.target = (host, target)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._refusals_left: int | None = None
        self._stopped = threading.Event()
        self.refused = 0
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    def url(self, template: str) -> str:
        """``template`` with ``{port}`` filled: ``redis://127.0.0.1:{port}/0``."""
        return template.format(port=self.port)

    def cut(self, refusals: int | None = None) -> None:
        """Reset every open connection and refuse new ones (until `restore`, or until
        ``refusals`` attempts were refused)."""
        with self._lock:
            self._cut = True
            self._refusals_left = refusals
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _reset(sock)

    def restore(self) -> None:
        """Forward new connections again."""
        with self._lock:
            self._cut = False
            self._refusals_left = None

    def close(self) -> None:
        """Stop listening and reset every connection."""
        self._stopped.set()
        self._thread.join(5)
        self.cut()
        with contextlib.suppress(OSError):
            self._listener.close()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                refuse = self._cut
                if refuse:
                    self.refused += 1
                    if self._refusals_left is not None:
                        self._refusals_left -= 1
                        if self._refusals_left <= 0:
                            self._cut, self._refusals_left = False, None
            if refuse:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self.accepted += 1
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True,
                                 name="tcp-proxy-pump").start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open -= {source, sink}
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()
