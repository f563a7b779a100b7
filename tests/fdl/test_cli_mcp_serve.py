"""``fdl mcp`` (tools.md §6, the other direction) driven by the MCP SDK's own client, over
stdio and over streamable HTTP on loopback: tools/list has the project's flows and registered
tools with their schemas, tools/call runs them through the runtime (journaled in the run
store), a failing flow is an MCP tool error, an unknown tool is refused."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from runtime.store import open_store

ROOT = Path(__file__).resolve().parents[2]
CALC = ROOT / "tests" / "mcp_calc_server.py"
FDL = [sys.executable, "-c", "from fdl.cli import main; main()"]


def write(base: Path, name: str, text: str) -> None:
    path = base / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two flows (one fails), and a registered tool: add of the calc MCP server."""
    write(tmp_path, "fdl.yaml", f"""\
        mcp:
            calc: {{command: [{json.dumps(sys.executable)}, {json.dumps(str(CALC))}]}}
    """)
    write(tmp_path, "flows/hello.yaml", """\
        flow:
            name: Hello
            desp: Greets someone.
            args:
                in:
                    who: string      # whom to greet
                    times: int = 1
                out:
                    text: string
                    times: int
            node:
                greet:
                    with: |
                        text = 'Hello, ' + who + '!'
                        times = times
    """)
    write(tmp_path, "flows/broken.yaml", """\
        flow:
            name: Broken
            args:
                in: {n: string}
            node:
                divide:
                    exec: mcp://calc/fail
                    args: reason = 'no ' + n
    """)
    write(tmp_path, "tools/add.yaml", """\
        type: mcp
        code: calc/add
        desp: Add two whole numbers.
        args:
            in: {a: long, b: long = 0}
            out: {total: long}
    """)
    write(tmp_path, "tools/fail.yaml", """\
        type: mcp
        code: calc/fail
        args:
            in: {reason: string}
    """)
    return tmp_path


async def _exercise(client: Client, project: Path) -> None:
    listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert {"hello", "broken", "calc_add"} <= set(listed)
    hello = listed["hello"]
    assert hello.description == "Greets someone."
    assert hello.input_schema["required"] == ["who"]
    assert hello.input_schema["properties"]["times"]["default"] == 1
    assert hello.output_schema is not None
    assert hello.output_schema["properties"]["text"]["type"] == "string"
    # a flow runs through the runtime
    result = await client.call_tool("hello", {"who": "Ada", "times": 2})
    assert not result.is_error
    assert result.structured_content == {"text": "Hello, Ada!", "times": 2}
    # a registered tool runs as a call of the runtime (here: an MCP tool of another server)
    added = await client.call_tool("calc_add", {"a": 40, "b": "2"})
    assert not added.is_error, added.content
    assert added.structured_content == {"total": 42}
    # a failing flow is a tool error with the run's error
    failed = await client.call_tool("broken", {"n": "1"})
    assert failed.is_error
    assert failed.structured_content is not None
    error = failed.structured_content["error"]
    assert (error["code"], error["node"]) == ("MCP500", "divide")
    # invalid inputs fail the run, not the server
    invalid = await client.call_tool("hello", {})
    assert invalid.is_error and invalid.structured_content is not None
    assert invalid.structured_content["error"]["code"] == "F401"
    # an unknown tool is refused
    with pytest.raises(MCPError, match="unknown tool 'nothing'"):
        await client.call_tool("nothing", {})


def _journaled(project: Path) -> list[str]:
    store = open_store(str(project / ".fdl" / "runs.db"))
    try:
        return sorted(run.flow for run in store.list())
    finally:
        store.close()


@pytest.mark.trio
async def test_fdl_mcp_over_stdio(project: Path) -> None:
    params = StdioServerParameters(command=FDL[0], args=[*FDL[1:], "mcp"], cwd=project)
    async with Client(params, mode="legacy") as client:
        await _exercise(client, project)
    flows = _journaled(project)
    assert "Hello" in flows and "Broken" in flows and "call mcp://calc/add" in flows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def http_server(project: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([*FDL, "mcp", "--http", f"127.0.0.1:{port}"], cwd=project,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("fdl mcp --http did not start: "
                                + (process.stderr.read().decode() if process.stderr else ""))
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.trio
async def test_fdl_mcp_over_streamable_http(http_server: str, project: Path) -> None:
    async with Client(http_server) as client:
        await _exercise(client, project)
