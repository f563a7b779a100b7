"""``fdl serve`` imports the tools of the configured MCP servers its flows call (tools.md §6,
fdl/mcpauto.py) with the real SDK-written server (tests/mcp_calc_server.py over stdio): at
its start for the project's flows folder, and when a flow is deployed for the tools of it
the registry does not know, with a note in its log (stderr)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from stdlib.registry import Registry
from tests.fdl.test_cli_mcp import SERVER, SUM_FLOW
from tests.fdl.test_mcp_autoimport import IMPORTED, SHOUT_FLOW

from ._server import make_key, running, write
from .test_flows_runs import deploy, start


def _forget_calc(project: Path) -> None:
    """Remove every tool of the calc server from the registry."""
    with Registry(project / ".fdl" / "registry.db") as registry:
        for code in registry.codes("mcp"):
            registry.remove("mcp", code)


def test_serve_imports_at_deploy_and_at_start(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "fdl.yaml", f"""\
        mcp:
            calc: {{command: [{json.dumps(sys.executable)}, {json.dumps(str(SERVER))}]}}
    """)
    key = make_key(tmp_path, "acme")
    with running(tmp_path) as server, server.client(key) as client:
        assert "MCP server" not in capsys.readouterr().err  # no flow calls one yet
        assert deploy(client, "sum", SUM_FLOW).status_code == 201
        assert f"fdl serve: {IMPORTED}" in capsys.readouterr().err
        run = start(client, "sum", {"a": 40, "b": 2}).json()
        assert run["status"] == "completed", run
        assert run["output"] == {"total": 42}  # a and b bound by the imported arguments
        # a deployed flow calling a tool the registry does not know lists the server again
        with Registry(tmp_path / ".fdl" / "registry.db") as registry:
            assert registry.remove("mcp", "calc/shout") == 1
        deployed = deploy(client, "shout", SHOUT_FLOW)
        assert deployed.status_code == 201, deployed.text
        assert ("fdl serve: note: listed the MCP server 'calc' again for mcp://calc/shout"
                in capsys.readouterr().err)
        shouted = start(client, "shout", {"text": "hello"}).json()
        assert shouted["status"] == "completed", shouted
        assert "HELLO" in json.dumps(shouted["output"])
        # a tool the server does not list: listed again, nothing new, the deploy refused
        refused = deploy(client, "nosuch", SHOUT_FLOW.replace("calc/shout", "calc/nosuch"))
        assert refused.status_code == 422 and "E301" in refused.text
        assert "imported 0 new tools" in capsys.readouterr().err
    # started again without the tools: imported at the start for the deployed flows
    _forget_calc(tmp_path)
    with running(tmp_path) as server, server.client(key) as client:
        assert f"fdl serve: {IMPORTED}" in capsys.readouterr().err
        run = start(client, "sum", {"a": 1, "b": 2}).json()
        assert run["status"] == "completed" and run["output"] == {"total": 3}, run


def test_serve_imports_for_the_flows_folder_at_start(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    write(tmp_path, "fdl.yaml", f"""\
        mcp:
            calc: {{command: [{json.dumps(sys.executable)}, {json.dumps(str(SERVER))}]}}
    """)
    write(tmp_path, "flows/sum.yaml", SUM_FLOW)  # flow://sum of the deployed flows
    key = make_key(tmp_path, "acme")
    with running(tmp_path) as server, server.client(key) as client:
        assert f"fdl serve: {IMPORTED}" in capsys.readouterr().err
        caller = """\
            flow:
                name: Caller
                args:
                    in: {n: int}
                    out: {v: int}
                node:
                    sum:
                        exec: flow://sum
                        args: |
                            a = n
                            b = 1
                        next: done
                    done:
                        with: v = sum.total
        """
        assert deploy(client, "caller", caller).status_code == 201
        run = start(client, "caller", {"n": 41}).json()
        assert run["status"] == "completed" and run["output"] == {"v": 42}, run
