"""The ``mcp://`` adapter (stdlib/tools/mcp.py, tools.md §6) against a real MCP server written
with the SDK (tests/mcp_calc_server.py), started as a subprocess over stdio and over
streamable HTTP on loopback: listing, calls and their result shapes, ``isError``, a crash in
the middle of a call (a clean connection error, and the next call restarts the server), a
slow server (F407 from the runtime's timeout), cancellation, and a server that cannot start.
Async tests are marked ``@pytest.mark.trio``."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio

import fdl
from compiler import Plan
from runtime import Runtime
from stdlib.tools import ToolCall, ToolError
from stdlib.tools.mcp import McpTools
from stdlib.tools.mcp_config import McpServerConfig

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "tests" / "mcp_calc_server.py"
STDIO = McpServerConfig(command=[sys.executable, str(SERVER)])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    """The calc server over streamable HTTP on a free loopback port."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(SERVER), "--http", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the MCP test server over HTTP did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


@asynccontextmanager
async def mcp_tools(servers: Mapping[str, McpServerConfig] | None = None,
                    **kwargs: Any) -> AsyncIterator[McpTools]:
    tools = McpTools(servers or {"calc": STDIO}, ROOT, **kwargs)
    try:
        yield tools
    finally:
        await tools.aclose()


async def call(tools: McpTools, base: str, args: Mapping[str, Any] | None = None) -> Any:
    tool = tools.resolve(base)
    assert tool is not None, base
    type_, _, code = base.partition("://")
    return await tool.call(ToolCall(uri=base, base=base, type=type_, code=code,
                                    args=dict(args or {})))


async def failure(tools: McpTools, base: str, args: Mapping[str, Any] | None = None
                  ) -> ToolError:
    with pytest.raises(ToolError) as caught:
        await call(tools, base, args)
    return caught.value


def plan_of(text: str) -> Plan:
    result = fdl.check_text(textwrap.dedent(text), "flow.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    return result.plan


# ---------------------------------------------------------------------------- resolving


def test_only_configured_servers_resolve() -> None:
    tools = McpTools({"calc": STDIO}, ROOT)
    assert tools.resolve("mcp://calc/add") is not None
    assert tools.resolve("mcp://other/add") is None
    assert tools.resolve("mcp://calc") is None
    assert tools.resolve("api://calc/add") is None


def test_a_server_is_either_started_or_reached() -> None:
    with pytest.raises(ValueError, match="either 'command'"):
        McpServerConfig(command=["x"], url="http://127.0.0.1:1/mcp")
    with pytest.raises(ValueError, match="either 'command'"):
        McpServerConfig()
    with pytest.raises(ValueError, match="'env' is for a server started with 'command'"):
        McpServerConfig(url="http://127.0.0.1:1/mcp", env={"A": "1"})


# ---------------------------------------------------------------------------- stdio


@pytest.mark.trio
async def test_stdio_list_and_call_map_every_result_shape() -> None:
    async with mcp_tools() as tools:
        server = tools.server("calc")
        assert server is not None
        listed = {tool.name: tool for tool in await server.list_tools()}
        assert {"add", "stats", "shout", "fail", "crash", "slow"} <= set(listed)
        assert listed["add"].input_schema["required"] == ["a"]
        # structured content when the tool has one
        assert await call(tools, "mcp://calc/add", {"a": 2, "b": 3}) == {"total": 5}
        # else its text, JSON-decoded when it parses, else as it is
        assert await call(tools, "mcp://calc/stats", {"values": [1, 2.5]}) == \
            {"count": 2, "sum": 3.5}
        assert await call(tools, "mcp://calc/shout", {"text": "hi"}) == "HI"
        # one server process serves every call
        assert await call(tools, "mcp://calc/pid") == await call(tools, "mcp://calc/pid")


@pytest.mark.trio
async def test_builtin_inputs_are_not_sent_to_a_tool_that_does_not_declare_them() -> None:
    async with mcp_tools() as tools:
        # add's arguments are validated by the server: an extra tenantId would be refused
        assert await call(tools, "mcp://calc/add", {"a": 1, "tenantId": "t1",
                                                    "buCode": "b"}) == {"total": 1}


@pytest.mark.trio
async def test_is_error_results_are_tool_errors() -> None:
    async with mcp_tools() as tools:
        error = await failure(tools, "mcp://calc/fail", {"reason": "out of paper"})
        unknown = await failure(tools, "mcp://calc/nothing")
    assert (error.code, error.type, error.retryable) == ("MCP500", "tool", False)
    assert error.message.startswith("mcp://calc/fail: ")
    assert unknown.code == "MCP500" and "nothing" in unknown.message


@pytest.mark.trio
async def test_a_crash_mid_call_is_a_connection_error_and_the_next_call_restarts_it(
) -> None:
    async with mcp_tools() as tools:
        first = await call(tools, "mcp://calc/pid")
        error = await failure(tools, "mcp://calc/crash")
        assert (error.code, error.type, error.retryable) == ("MCP503", "connection", True)
        assert "closed the connection during the call" in error.message
        second = await call(tools, "mcp://calc/pid")
        assert second != first
        assert await call(tools, "mcp://calc/add", {"a": 4}) == {"total": 4}


@pytest.mark.trio
async def test_a_server_that_cannot_start_is_a_connection_error() -> None:
    missing = McpServerConfig(command=[str(ROOT / "no-such-server")])
    async with mcp_tools({"gone": missing}) as tools:
        error = await failure(tools, "mcp://gone/add")
    assert (error.code, error.type) == ("MCP503", "connection")
    assert error.message.startswith("the MCP server 'gone' cannot be started: ")
    assert "was not found" in error.message


@pytest.mark.trio
async def test_a_slow_server_times_out_with_f407_and_the_connection_survives() -> None:
    plan = plan_of("""\
        flow:
            name: slow
            node:
                answer:
                    exec: mcp://calc/slow?timeout=300
                    args: ms = 5000
    """)
    async with mcp_tools() as tools:
        async with Runtime(tools=tools) as rt:
            started = trio.current_time()
            result = await rt.run(plan, {})
            elapsed = trio.current_time() - started
        assert result.status == "failed" and result.error is not None
        assert (result.error["code"], result.error["type"]) == ("F407", "timeout")
        assert elapsed < 4.5
        # the cancelled request left the connection usable
        assert await call(tools, "mcp://calc/shout", {"text": "ok"}) == "OK"


@pytest.mark.trio
async def test_a_flow_calls_mcp_tools_binding_their_declared_arguments() -> None:
    plan = plan_of("""\
        flow:
            name: sums
            args:
                in: {a: int, b: int}
                out: {total: int}
            node:
                add:
                    exec: mcp://calc/add
                    next: done
                done:
                    with: total = add.total
    """)
    # the arguments of an imported ToolSpec bind from the flow's variables (fdl.md §4.1)
    async with mcp_tools(arguments={"calc/add": ("a", "b")}) as tools, \
            Runtime(tools=tools) as rt:
        result = await rt.run(plan, {"a": 20, "b": 22})
    assert result.status == "completed", result.error
    assert result.output == {"total": 42}


# ---------------------------------------------------------------------------- HTTP


@pytest.mark.trio
async def test_streamable_http_list_and_call(http_url: str) -> None:
    async with mcp_tools({"remote": McpServerConfig(url=http_url)}) as tools:
        server = tools.server("remote")
        assert server is not None
        names = {tool.name for tool in await server.list_tools()}
        assert "add" in names
        assert await call(tools, "mcp://remote/add", {"a": 1, "b": 1}) == {"total": 2}
        error = await failure(tools, "mcp://remote/fail", {"reason": "no"})
    assert error.code == "MCP500"


@pytest.mark.trio
async def test_an_unreachable_http_server_is_a_connection_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    async with mcp_tools({"down": McpServerConfig(url=url)}) as tools:
        error = await failure(tools, "mcp://down/add")
    assert (error.code, error.type, error.retryable) == ("MCP503", "connection", True)
    assert error.message.startswith("the MCP server 'down' cannot be reached")


@pytest.mark.trio
async def test_auth_secrets_come_from_the_environment_and_never_show() -> None:
    config = McpServerConfig(url=f"http://127.0.0.1:{free_port()}/mcp",
                             auth={"bearer_env": "MCP_TEST_TOKEN"})  # type: ignore[arg-type]
    async with mcp_tools({"s": config}, environ={}) as tools:
        missing = await failure(tools, "mcp://s/add")
    assert (missing.code, missing.type) == ("MCP401", "auth")
    assert "MCP_TEST_TOKEN" in missing.message
    async with mcp_tools({"s": config}, environ={"MCP_TEST_TOKEN": "s3cret"}) as tools:
        down = await failure(tools, "mcp://s/add")
    assert down.code == "MCP503" and "s3cret" not in down.message
