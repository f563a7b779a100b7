"""What happens around requests: a graceful stop cancels the runs in progress (they end
``cancelled``, not ``running``), a run left ``running`` by a process that died is resumed
by a restarted service, adapters replaced by a change of the tools are closed once no call
uses them, and the access log goes through logging (captured here, not written to the real
stderr)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path

import pytest
import trio

import fdl
from fdl.service import ServiceDatabase, open_workspace
from fdl.service.middleware import ACCESS_LOGGER
from runtime import Runtime, ToolCall
from runtime.store import open_store
from stdlib.config import project_config

from ._server import Server, running
from .test_flows_runs import GREET, SLOW, deploy, events, start, wait_for
from .test_tools import CUSTOMER


def test_a_graceful_stop_cancels_the_runs_in_progress(project: Path,
                                                      keys: dict[str, str]) -> None:
    with running(project) as first, first.client(keys["a"]) as client:
        deploy(client, "slow", SLOW)
        run_id = start(client, "slow", wait=0).json()["run_id"]
        assert client.get(f"/v1/runs/{run_id}").json()["status"] == "running"
    store = open_store(str(project_config(project).store_path))
    try:
        record = store.get(run_id)
        stored = list(store.events(run_id))
    finally:
        store.close()
    assert record is not None and record.status == "cancelled"
    assert stored[-1]["type"] == "flow.cancelled"
    with running(project) as second, second.client(keys["a"]) as client:
        assert client.get(f"/v1/runs/{run_id}").json()["status"] == "cancelled"
        assert events(client, run_id)[-1]["type"] == "flow.cancelled"
        assert client.post(f"/v1/runs/{run_id}:resume").status_code == 409


def _run_killed_midway(project: Path, tenant: str) -> str:
    """A run of SLOW for ``tenant`` whose process stopped without ending it (as after a
    crash: its task was cancelled by trio, not through the runtime)."""
    run_id = uuid.uuid4().hex
    plan = fdl.load_text(SLOW)

    async def main() -> None:
        store = open_store(str(project_config(project).store_path))
        try:
            with trio.move_on_after(0.5):
                await Runtime(store=store).run(plan, {}, tenant=tenant, run_id=run_id)
        finally:
            store.close()

    trio.run(main)
    return run_id


def test_a_run_left_running_by_a_crash_is_resumed_after_a_restart(
        project: Path, keys: dict[str, str]) -> None:
    interrupted = _run_killed_midway(project, "acme")
    with running(project) as server, server.client(keys["a"]) as client, \
            server.client(keys["b"]) as other:
        assert client.get(f"/v1/runs/{interrupted}").json()["status"] == "running"
        assert other.post(f"/v1/runs/{interrupted}:resume").status_code == 404
        resumed = client.post(f"/v1/runs/{interrupted}:resume")
        assert resumed.status_code == 202, resumed.text
        assert client.post(f"/v1/runs/{interrupted}:resume").status_code == 409
        assert client.post(f"/v1/runs/{interrupted}:cancel").status_code == 202
        wait_for(client, interrupted, "cancelled")


def test_replaced_adapters_are_closed_once_no_call_uses_them(project: Path) -> None:
    async def main() -> None:
        workspace = open_workspace(project_config(project))
        try:
            workspace.db.deploy("acme", "slow", SLOW)
            workspace.db.deploy("acme", "greet", GREET)
            tools = workspace.tools
            with tools.using("acme"):
                idle = tools.resolve("flow://greet")
            assert idle is not None and workspace.open_builds() == 1
            await workspace.tools_changed()
            assert workspace.open_builds() == 0  # nothing used them: closed at once
            # a call after its build was closed (a retry) goes to the current build
            greeted = await idle.call(ToolCall("flow://greet", "flow://greet", "flow",
                                               "greet", {"who": "Ann"}, tenant_id="acme"))
            assert greeted == {"greeting": "hi Ann"}
            assert workspace.open_builds() == 1
            await workspace.tools_changed()

            with tools.using("acme"):
                busy = tools.resolve("flow://slow")
            assert busy is not None and workspace.open_builds() == 1
            call = ToolCall("flow://slow", "flow://slow", "flow", "slow", {},
                            tenant_id="acme")
            async with trio.open_nursery() as nursery:
                nursery.start_soon(busy.call, call)
                await trio.sleep(0.2)
                await workspace.tools_changed()
                assert workspace.open_builds() == 1  # the call still uses them
                with tools.using("acme"):
                    assert tools.resolve("flow://slow") is not None  # a new build
                assert workspace.open_builds() == 2
                nursery.cancel_scope.cancel()
            assert workspace.open_builds() == 1  # the old one closed with its last call
        finally:
            await workspace.aclose()
        assert workspace.open_builds() == 0

    trio.run(main)


def test_the_access_log_goes_through_logging(server: Server, keys: dict[str, str],
                                             caplog: pytest.LogCaptureFixture,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    capfd.readouterr()
    with server.client(keys["a"]) as client:
        client.post("/v1/tools", json=CUSTOMER)
        deploy(client, "greet", GREET)
        assert start(client, "greet", {"who": "x"}).status_code == 201
    for _ in range(100):  # the line is written just after the response is sent
        lines = [json.loads(r.getMessage()) for r in caplog.records
                 if r.name == ACCESS_LOGGER]
        if len(lines) >= 3:
            break
        time.sleep(0.02)
    assert [(line["method"], line["route"]) for line in lines] == [
        ("POST", "/v1/tools"), ("PUT", "/v1/flows/{name}"), ("POST", "/v1/runs")]
    assert '"request_id"' not in capfd.readouterr().err  # nothing on the real stderr


def test_a_key_revoked_beside_the_running_service_is_refused_at_once(
        project: Path, server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        assert client.get("/v1/tools").status_code == 200
        assert client.get("/v1/tools").status_code == 200  # the remembered key
        db = ServiceDatabase(project_config(project).service_path)
        try:
            stored = db.keys()
            key_id = next(k.id for k in stored if k.tenant == "acme" and
                          k.scopes == ("read", "run", "admin"))
            assert db.revoke_key(key_id)
        finally:
            db.close()
        refused = client.get("/v1/tools")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthenticated"
        assert server.client(keys["b"]).get("/v1/tools").status_code == 200
