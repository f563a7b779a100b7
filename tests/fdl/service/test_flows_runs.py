"""``/v1/flows`` and ``/v1/runs`` over loopback: deploying with diagnostics, runs waited
for and not, events as server-sent events read to the end, a run cancelled from HTTP,
conflicts, mocks, tenant isolation both ways, and a restart that loses nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from tests._http import LocalServer

from ._server import Server, running
from .test_tools import CUSTOMER

GREET = """\
flow:
    name: Greet
    args:
        in:
            who: string
        out: {greeting: string}
    node:
        greet:
            with: "{greeting: 'hi ' + who}"
"""

SLOW = """\
flow:
    name: Slow
    node:
        pause:
            wait: '30s'
            next: done
        done:
            with: "{done: true}"
"""

CUSTOMER_FLOW = """\
flow:
    name: Customer
    args:
        in:
            customerId: string
    node:
        customer:
            exec: tool://crm/customer
            args: id = customerId
"""

BROKEN = """\
flow:
    name: Broken
    node:
        one:
            with: "undefinedName + 1"
"""


def deploy(client: httpx.Client, name: str, text: str) -> httpx.Response:
    return client.put(f"/v1/flows/{name}", content=text,
                      headers={"Content-Type": "application/yaml"})


def start(client: httpx.Client, flow: str, inputs: dict[str, Any] | None = None,
          wait: float = 10, **extra: Any) -> httpx.Response:
    return client.post("/v1/runs", json={"flow": flow, "input": inputs or {}, "wait": wait,
                                         **extra})


def events(client: httpx.Client, run_id: str, **params: Any) -> list[dict[str, Any]]:
    out = []
    with client.stream("GET", f"/v1/runs/{run_id}/events", params=params) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
    return out


def wait_for(client: httpx.Client, run_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        run: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if run["status"] == status:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not become {status}")


def test_deploying_reports_errors_as_diagnostics_and_versions_changes(
        server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        broken = deploy(client, "broken", BROKEN)
        assert broken.status_code == 422
        detail = broken.json()["error"]["details"][0]
        assert {"code", "line", "column", "message", "severity"} <= set(detail)
        first = deploy(client, "greet", GREET)
        assert first.status_code == 201
        assert first.json() == {"name": "greet", "version": 1, "diagnostics": []}
        assert deploy(client, "greet", GREET).json()["version"] == 1
        second = deploy(client, "greet", GREET.replace("'hi '", "'hello '"))
        assert (second.status_code, second.json()["version"]) == (200, 2)
        shown = client.get("/v1/flows/greet").json()
        assert shown["versions"] == [1, 2]
        assert shown["signature"]["in"][0]["name"] == "who"
        assert "'hello '" in shown["source"]
        assert client.get("/v1/flows").json()["total"] == 1
        assert client.delete("/v1/flows/greet").status_code == 204
        assert client.get("/v1/flows/greet").status_code == 404
        assert client.delete("/v1/flows/greet").status_code == 404
        assert client.put("/v1/flows/bad name!", content=GREET).status_code in (404, 422)


def test_a_run_waited_for_answers_its_output(server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        deploy(client, "greet", GREET)
        answer = start(client, "greet", {"who": "Ann"})
        assert answer.status_code == 201
        run = answer.json()
        assert run["status"] == "completed"
        assert run["output"] == {"greeting": "hi Ann"}
        again = client.get(f"/v1/runs/{run['run_id']}").json()
        assert again["output"] == {"greeting": "hi Ann"} and again["ended"] is not None
        bad = start(client, "greet", {})
        assert bad.json()["status"] == "failed"
        assert bad.json()["error"]["code"] == "F403" or bad.json()["error"]["type"] == \
            "validation"
        metrics = client.get("/metrics").text
        assert 'fdl_runs_total{flow="greet",status="completed"} 1.0' in metrics
        assert 'fdl_runs_total{flow="greet",status="failed"} 1.0' in metrics
        listed = client.get("/v1/runs", params={"flow": "greet"}).json()["items"]
        assert [r["run_id"] for r in listed] == [bad.json()["run_id"], run["run_id"]]
        failed = client.get("/v1/runs", params={"status": "failed"}).json()["items"]
        assert [r["run_id"] for r in failed] == [bad.json()["run_id"]]
        assert start(client, "nope").status_code == 404
        assert client.post("/v1/runs", json={"flow": "greet", "wait": -1}).status_code == 422


def test_a_run_calls_the_tenants_real_tools(server: Server, keys: dict[str, str],
                                            crm: LocalServer) -> None:
    with server.client(keys["a"]) as client:
        assert client.post("/v1/tools", json=CUSTOMER).status_code == 201
        assert deploy(client, "customer", CUSTOMER_FLOW).status_code == 201
        run = start(client, "customer", {"customerId": "c9"}).json()
    assert run["status"] == "completed", run
    assert run["output"] == {"id": "c9", "name": "Alice"}
    assert crm.log == [{"path": "/customers/c9"}]


def test_events_stream_to_the_end_and_a_run_is_cancelled_from_http(
        server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        deploy(client, "slow", SLOW)
        run = start(client, "slow", wait=0).json()
        assert run["status"] == "running"
        run_id = run["run_id"]
        assert client.post(f"/v1/runs/{run_id}:resume").status_code == 409
        cancelled = client.post(f"/v1/runs/{run_id}:cancel")
        assert cancelled.status_code == 202
        wait_for(client, run_id, "cancelled")
        stream = events(client, run_id)
        assert stream[0]["type"] == "flow.started"
        assert stream[-1]["type"] == "flow.cancelled"
        later = events(client, run_id, after=stream[0]["seq"])
        assert later == stream[1:]
        assert client.post(f"/v1/runs/{run_id}:cancel").status_code == 409
        assert client.post(f"/v1/runs/{run_id}:resume").status_code == 409


def test_live_events_arrive_while_the_run_goes_on(server: Server,
                                                  keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        deploy(client, "slow", SLOW)
        run_id = start(client, "slow", wait=0).json()["run_id"]
        seen: list[str] = []
        with client.stream("GET", f"/v1/runs/{run_id}/events") as answer:
            for line in answer.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                seen.append(event["type"])
                if event["type"] == "flow.started":
                    with server.client(keys["a"]) as other:
                        assert other.post(f"/v1/runs/{run_id}:cancel").status_code == 202
    assert seen[0] == "flow.started" and seen[-1] == "flow.cancelled"


def test_mocks_answer_tool_calls_of_one_run(server: Server, keys: dict[str, str],
                                            crm: LocalServer) -> None:
    with server.client(keys["a"]) as client:
        client.post("/v1/tools", json=CUSTOMER)
        deploy(client, "customer", CUSTOMER_FLOW)
        run = start(client, "customer", {"customerId": "c1"},
                    mocks={"tool://crm/customer": {"result": {"id": "m", "name": "Mock"}}})
        bad = start(client, "customer", {"customerId": "c1"}, mocks={"nonsense": 1})
    assert run.json().get("output") == {"id": "m", "name": "Mock"}, run.json()
    assert bad.status_code == 422
    assert crm.log == []


def test_tenants_do_not_see_each_others_flows_or_runs(server: Server,
                                                      keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as a, server.client(keys["b"]) as b:
        deploy(a, "greet", GREET)
        run_id = start(a, "greet", {"who": "x"}).json()["run_id"]
        assert b.get("/v1/flows/greet").status_code == 404
        assert b.get("/v1/flows").json()["total"] == 0
        assert start(b, "greet", {"who": "x"}).status_code == 404
        assert b.get(f"/v1/runs/{run_id}").status_code == 404
        assert b.get(f"/v1/runs/{run_id}/events").status_code == 404
        assert b.post(f"/v1/runs/{run_id}:cancel").status_code == 404
        assert b.get("/v1/runs").json()["items"] == []
        assert b.delete("/v1/flows/greet").status_code == 404
        deploy(b, "greet", GREET.replace("'hi '", "'yo '"))
        other = start(b, "greet", {"who": "x"}).json()
        assert other["output"] == {"greeting": "yo x"}
        assert a.get(f"/v1/runs/{other['run_id']}").status_code == 404
        assert [r["run_id"] for r in a.get("/v1/runs").json()["items"]] == [run_id]
        assert a.get("/v1/flows/greet").json()["version"] == 1


def test_a_restarted_server_keeps_tools_flows_and_runs(project: Path,
                                                       keys: dict[str, str]) -> None:
    with running(project) as first, first.client(keys["a"]) as client:
        assert client.post("/v1/tools", json=CUSTOMER).status_code == 201
        deploy(client, "greet", GREET)
        deploy(client, "slow", SLOW)
        done = start(client, "greet", {"who": "Ann"}).json()
        interrupted = start(client, "slow", wait=0).json()["run_id"]
    with running(project) as second, second.client(keys["a"]) as client:
        assert client.get("/v1/tools/crm/customer").status_code == 200
        assert client.get("/v1/flows/greet").json()["version"] == 1
        again = client.get(f"/v1/runs/{done['run_id']}").json()
        assert again["output"] == {"greeting": "hi Ann"}
        assert events(client, done["run_id"])[-1]["type"] == "flow.completed"
        stopped = client.get(f"/v1/runs/{interrupted}").json()
        assert stopped["status"] == "cancelled"  # by the graceful stop (test_lifecycle)
        assert client.post(f"/v1/runs/{interrupted}:resume").status_code == 409
