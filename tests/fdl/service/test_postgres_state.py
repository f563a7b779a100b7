"""Two ``fdl serve`` processes on one PostgreSQL (``state: {url: postgresql://...}``, issue
#23): a tool registered through one is found and called through the other, and a run one
started is listed, shown and streamed by the other. Each project keeps its own keys and
deployed flows (``service.db`` in its state folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._http import LocalServer
from tests._postgres import fresh_schema

from ._server import Server, make_key, running, write
from .test_flows_runs import CUSTOMER_FLOW, deploy, events, start
from .test_tools import CUSTOMER


@pytest.fixture
def shared(tmp_path: Path, crm: LocalServer) -> Iterator[tuple[Path, Path]]:
    """Two projects (as on two machines) whose state is one fresh PostgreSQL schema."""
    with fresh_schema() as url:
        folders = []
        for name in ("one", "two"):
            folder = tmp_path / name
            write(folder, "fdl.yaml", f"""\
                state: {{url: '{url}', folder: .fdl/}}
                services:
                    crm: {{url: '{crm.url}'}}
            """)
            folders.append(folder)
        yield folders[0], folders[1]


def test_two_services_share_tools_and_runs(shared: tuple[Path, Path],
                                           crm: LocalServer) -> None:
    one, two = shared
    key_one, key_two = make_key(one, "acme"), make_key(two, "acme")
    first: Server
    with running(one) as first, running(two) as second:
        with first.client(key_one) as client:
            assert client.post("/v1/tools", json=CUSTOMER).status_code == 201
        with second.client(key_two) as client:
            listed = client.get("/v1/tools").json()
            assert "crm/customer" in [tool["code"] for tool in listed["items"]]
            assert deploy(client, "customer", CUSTOMER_FLOW).status_code == 201
            run = start(client, "customer", {"customerId": "c7"}).json()
        assert run["status"] == "completed", run
        assert crm.log == [{"path": "/customers/c7"}]
        with first.client(key_one) as client:
            shown = client.get(f"/v1/runs/{run['run_id']}").json()
            assert shown["status"] == "completed"
            assert shown["output"] == {"id": "c7", "name": "Alice"}
            assert run["run_id"] in [r["run_id"] for r in client.get("/v1/runs").json()["items"]]
            types = [event["type"] for event in events(client, run["run_id"])]
            assert types[0] == "flow.started" and types[-1] == "flow.completed"
    assert not (one / ".fdl" / "runs.db").exists() and not (two / ".fdl" / "registry.db").exists()
