"""A project for trigger tests: a flow ``on_order`` that calls a local HTTP server twice
(``/block``, which a test may hold, then ``/done``), a flow ``tick`` that calls nothing, and
``fdl.yaml`` with the triggers a test gives."""

from __future__ import annotations

import json
import socket
import textwrap
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests._http import JsonHandler, LocalServer

ON_ORDER = """\
    flow:
        name: on_order
        args:
            in:
                id: long
                fail: bool = false
            out:
                id: long
        node:
            block:
                exec: api://hold/block
                args: "id = id, fail = fail"
                next: done
            done:
                exec: api://hold/done
                args: id = id
                next: reply
            reply:
                with: id = done.id
"""

TICK = """\
    flow:
        name: tick
        args:
            in:
                label: string = 'tick'
            out:
                label: string
        node:
            reply:
                with: label = label
"""


def _spec(name: str) -> str:
    return textwrap.dedent(f"""\
        type: api
        code: hold/{name}
        args:
            in:
                id: long
                fail: bool?
            out: {{id: long}}
        config:
            method: POST
            path: /{name}
    """)


class Hold(JsonHandler):
    """Counts the calls per path and id; ``/block`` waits while the server's ``gate`` is
    closed; a call with ``fail`` answers 400 (not retryable: the run fails)."""

    def do_POST(self) -> None:
        body = self.read_json()
        path = self.path.rstrip("/")
        server: Any = self.server
        with server.lock:
            key = f"{path}:{body.get('id')}"
            server.counters[key] = server.counters.get(key, 0) + 1
            server.log.append({"path": path, "id": body.get("id")})
        if path == "/block":
            gate: threading.Event = server.gate
            gate.wait(60)
        if body.get("fail"):
            self.reply(400, {"error": "refused"})
            return
        self.reply(200, {"id": body.get("id")})


def hold_server() -> LocalServer:
    server = LocalServer(Hold)
    server.gate = threading.Event()  # type: ignore[attr-defined]
    server.gate.set()  # type: ignore[attr-defined]
    return server


def make_project(folder: Path, server_url: str, triggers: list[dict[str, Any]],
                 mq: dict[str, str] | None = None) -> Path:
    """``folder`` as a project with the flows, the api tools and ``triggers``."""
    (folder / "flows").mkdir(parents=True, exist_ok=True)
    (folder / "tools").mkdir(exist_ok=True)
    (folder / "flows" / "on_order.yaml").write_text(textwrap.dedent(ON_ORDER), "utf-8")
    (folder / "flows" / "tick.yaml").write_text(textwrap.dedent(TICK), "utf-8")
    (folder / "tools" / "block.yaml").write_text(_spec("block"), "utf-8")
    (folder / "tools" / "done.yaml").write_text(_spec("done"), "utf-8")
    config: dict[str, Any] = {"tools": "tools/", "services": {"hold": {"url": server_url}},
                              "triggers": triggers}
    if mq:
        config["mq"] = {name: {"url": url, "timeout": 15_000} for name, url in mq.items()}
    (folder / "fdl.yaml").write_text(json.dumps(config, indent=2), "utf-8")
    return folder


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


REDIS = "redis://127.0.0.1:6379/0"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"
NATS = "nats://127.0.0.1:4222"
BROKERS = {"redis": (REDIS, 6379, "Redis"), "amqp": (AMQP, 5672, "RabbitMQ"),
           "nats": (NATS, 4222, "NATS")}


def broker_param(kind: str) -> Any:
    _url, port, name = BROKERS[kind]
    return pytest.param(kind, id=kind, marks=pytest.mark.skipif(
        not listening(port), reason=f"{name} is not running on 127.0.0.1:{port}"))


def topic() -> str:
    return f"fdl-trig-{uuid.uuid4().hex[:8]}"


def wait_for(check: Any, seconds: float = 30.0, what: str = "the condition") -> Any:
    """Poll ``check()`` until it answers something truthy (a bound on a process's progress,
    never a speed assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
