"""``mcp://`` on the command line (tools.md §6): ``fdl tools import-mcp`` lists a configured
server (the SDK-written tests/mcp_calc_server.py over stdio) into the registry as ``mcp``
ToolSpecs, after which ``fdl check`` knows its tools' argument and result types and
``fdl run`` binds their arguments; mocks replace ``mcp://`` calls like any other."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.fdl.test_cli_adapters import invoke, output_of, write

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "tests" / "mcp_calc_server.py"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)




def configure() -> None:
    write("fdl.yaml", f"""\
        mcp:
            calc: {{command: [{json.dumps(sys.executable)}, {json.dumps(str(SERVER))}]}}
    """)


SUM_FLOW = """\
    flow:
        name: Sum
        args:
            in: {a: int, b: int}
            out: {total: int}
        node:
            add:
                exec: mcp://calc/add
                next: done
            done:
                with: total = add.total
"""


def test_import_mcp_registers_the_servers_tools_and_check_and_run_use_them() -> None:
    configure()
    imported = invoke("tools", "import-mcp", "calc", "--json")
    assert imported.exit_code == 0, imported.output
    uris = json.loads(imported.stdout)["tools"]
    assert {"mcp://calc/add", "mcp://calc/shout", "mcp://calc/slow"} <= set(uris)
    shown = output_of(invoke("tools", "show", "mcp://calc/add", "--json"))
    assert shown["args"]["in"] == {"a": "long", "b": "long = 0"}
    assert shown["args"]["out"] == {"total": "long"}
    # the checker knows the result type now: a misspelt field is a compile error
    write("flows/typo.yaml", SUM_FLOW.replace("add.total", "add.totl"))
    checked = invoke("check", "flows/typo.yaml")
    assert checked.exit_code == 1
    assert "totl" in checked.output
    # and the run binds a and b from the flow's inputs by the declared arguments
    write("flows/sum.yaml", SUM_FLOW)
    assert output_of(invoke("run", "flows/sum.yaml", "--set", "a=40", "--set", "b=2",
                            "--json"))["output"] == {"total": 42}


def test_import_mcp_writes_toolspec_files() -> None:
    configure()
    result = invoke("tools", "import-mcp", "calc", "--write", "tools/calc")
    assert result.exit_code == 0, result.output
    text = Path("tools/calc/add.yaml").read_text(encoding="utf-8")
    assert "type: mcp" in text and "code: calc/add" in text and "b: long = 0" in text


def test_import_mcp_of_an_unknown_server_is_a_usage_error() -> None:
    configure()
    result = invoke("tools", "import-mcp", "nope")
    assert result.exit_code == 2
    assert "no MCP server 'nope'" in result.output and "calc" in result.output


def test_import_mcp_of_a_server_that_cannot_start_fails_cleanly() -> None:
    write("fdl.yaml", """\
        mcp:
            gone: {command: [./no-such-server]}
    """)
    result = invoke("tools", "import-mcp", "gone")
    assert result.exit_code == 1
    assert "the MCP server 'gone' cannot be started" in result.output
    assert "Traceback" not in result.output


def test_a_crashing_tool_fails_the_run_with_a_clean_error() -> None:
    configure()
    write("flows/crash.yaml", """\
        flow:
            name: Crash
            node:
                boom:
                    exec: mcp://calc/crash
    """)
    result = invoke("run", "flows/crash.yaml", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["type"], error["node"]) == ("MCP503", "connection", "boom")


def test_mcp_calls_are_mockable() -> None:
    # the server is never started: no ToolSpec, so the arguments are given explicitly
    write("flows/sum.yaml", SUM_FLOW.replace("exec: mcp://calc/add", """exec: mcp://calc/add
                args: |
                    a = a
                    b = b"""))
    write("mocks.yaml", """\
        mocks:
            mcp://calc/add:
                expr: '{total: args.a + args.b + 1}'
    """)
    write("fdl.yaml", "mcp:\n    calc: {command: [./never-started]}\n")
    out = output_of(invoke("run", "flows/sum.yaml", "--set", "a=1", "--set", "b=1",
                           "--mock", "mocks.yaml", "--json"))
    assert out["output"] == {"total": 3}


def test_the_mcp_example_project_runs(tmp_path: Path) -> None:
    project = tmp_path / "mcp"
    shutil.copytree(ROOT / "examples" / "mcp", project, ignore=shutil.ignore_patterns(".fdl"))
    config = project / "fdl.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[python,", f"[{json.dumps(sys.executable)},"), encoding="utf-8")
    os.chdir(project)
    assert invoke("check", "flows/order_quote.yaml").exit_code == 0
    assert output_of(invoke("run", "flows/order_quote.yaml", "--set", "item=apple",
                            "--set", "quantity=4", "--json"))["output"] == {
        "item": "apple", "total": 2, "inStock": True}
    assert output_of(invoke("run", "flows/order_quote.yaml", "--set", "item=pear",
                            "--json"))["output"] == {
        "item": "pear", "total": None, "inStock": False}
