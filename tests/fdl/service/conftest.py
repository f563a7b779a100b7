"""Fixtures of the service tests: a project folder with a tool service on loopback, two
tenants' keys and a running ``fdl serve``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests._http import JsonHandler, LocalServer, serving

from ._server import Server, make_key, running, write


class CrmHandler(JsonHandler):
    """``GET /customers/<id>`` answers a customer; ``/customers/missing`` is a 404."""

    def do_GET(self) -> None:
        self.server.log.append({"path": self.path})
        if self.path.startswith("/customers/") and not self.path.endswith("/missing"):
            body = json.dumps({"id": unquote(self.path.rsplit("/", 1)[1]),
                               "name": "Alice"}).encode()
            status = 200
        else:
            body, status = b'{"message": "no such customer"}', 404
        self.reply(status, body)


@pytest.fixture
def crm() -> Iterator[LocalServer]:
    with serving(CrmHandler) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, crm: LocalServer) -> Path:
    write(tmp_path, "fdl.yaml", f"""\
        services:
            crm: {{url: '{crm.url}'}}
        service:
            rate_limit: 1000/second
            max_body: 64KiB
            cors: ['https://app.example']
            allow_mocks: true
    """)
    return tmp_path


@pytest.fixture
def keys(project: Path) -> dict[str, str]:
    """Keys: ``a`` and ``b`` (tenants acme and globex, every scope), ``reader`` (acme,
    read only)."""
    return {"a": make_key(project, "acme"), "b": make_key(project, "globex"),
            "reader": make_key(project, "acme", "read")}


@pytest.fixture
def server(project: Path, keys: dict[str, str]) -> Iterator[Server]:
    with running(project) as srv:
        yield srv
