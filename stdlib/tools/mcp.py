"""The ``mcp://<server>/<tool>`` adapter (tools.md §6): tools of MCP servers, called with the
official MCP SDK (`mcp.Client`, which drives a `mcp.ClientSession`) on anyio's trio backend.

* **Servers** come from ``mcp:`` of ``fdl.yaml`` (`McpServerConfig`): ``command`` starts the
  server as a subprocess speaking MCP over stdio, ``url`` reaches it over streamable HTTP.
  A server is connected on first use and the connection is kept for the process (every
  call of every run reuses it) until `McpTools.aclose`.
* **One owner task per connection.** The SDK's client is an async context manager holding a
  task group (the reader of the server's messages); it must be entered and left by the same
  task. A connection outlives the node that opened it, so it is owned by a trio *system
  task* (`trio.lowlevel.spawn_system_task`) that enters the client, waits until it is told
  to stop, and leaves it. Tool calls from any task use the client meanwhile. The owner
  never lets an error escape (a system task must not fail): a failed start is handed to the
  caller waiting for it.
* **Results** (tools.md §6): the tool's structured content when it has one, else its text
  (JSON-decoded when it parses), else its content blocks as JSON. An ``isError`` result is
  a tool error ``MCP500`` with the tool's text as message.
* **Errors**: a server that cannot be started or reached, or that closes the connection
  during a call (it crashed), is ``MCP503`` of type ``connection`` (retryable: the next
  attempt or call starts it again); a protocol error the server answers with is ``MCP400``
  (invalid arguments, type ``validation``), ``MCP404`` (unknown method) or ``MCP502``.
  Timeouts, retries and cancellation are the runtime's, as for every tool: cancelling a
  call cancels the SDK's request (which tells the server).
* **Secrets**: ``auth`` names environment variables read when the connection is opened;
  their values are sent as headers and never appear in errors.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx2
import mcp_types
import trio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from compiler import BUILTIN_INPUTS
from gml.values import to_json

from . import Tool, ToolCall, ToolError
from ._http import basic_credentials
from .mcp_config import McpServerConfig

__all__ = ["McpServer", "McpTools", "call_result", "list_server_tools"]

_CLIENT_INFO = mcp_types.Implementation(name="fdl", version="1")


def call_result(result: mcp_types.CallToolResult, label: str) -> Any:
    """The value of a ``tools/call`` result (tools.md §6), or `ToolError` ``MCP500`` for an
    ``isError`` result."""
    texts = [block.text for block in result.content if isinstance(block, mcp_types.TextContent)]
    if result.is_error:
        message = " ".join(" ".join(texts).split()) or "the tool reported an error"
        raise ToolError("MCP500", f"{label}: {message}", type="tool",
                        details=result.structured_content)
    if result.structured_content is not None:
        return result.structured_content
    if texts:
        text = "\n".join(texts)
        try:
            return json.loads(text)
        except ValueError:
            return text
    if not result.content:
        return None
    return [block.model_dump(mode="json", by_alias=True, exclude_none=True)
            for block in result.content]


def _protocol_error(error: MCPError, label: str) -> ToolError:
    if error.code == mcp_types.CONNECTION_CLOSED:
        return ToolError("MCP503", f"{label}: the server closed the connection during the "
                         "call (it may have crashed); the next call starts it again",
                         type="connection")
    if error.code == mcp_types.INVALID_PARAMS:
        return ToolError("MCP400", f"{label}: the server refused the arguments: "
                         f"{error.message}", type="validation")
    if error.code == mcp_types.METHOD_NOT_FOUND:
        return ToolError("MCP404", f"{label}: {error.message}", type="tool")
    return ToolError("MCP502", f"{label}: the server answered with an error: {error.message} "
                     f"(code {error.code})", type="tool")


@dataclass(eq=False)
class _Connection:
    """One connection's life: ready once started (``client`` set, or ``error``), stopped
    once its owner task has left the client."""

    ready: trio.Event = field(default_factory=trio.Event)
    stop: trio.Event = field(default_factory=trio.Event)
    stopped: trio.Event = field(default_factory=trio.Event)
    client: Client | None = None
    error: BaseException | None = None


class McpServer:
    """A configured MCP server and its connection, opened on first use.

    Args:
        name: the server's name in ``mcp:``.
        config: its entry.
        base: the folder a relative ``cwd`` (and the default working folder) is taken from.
        environ: where ``auth`` secrets are read from (default: ``os.environ``).
        errlog: where a stdio server's stderr goes (default: this process's stderr).
    """

    def __init__(self, name: str, config: McpServerConfig, base: Path, *,
                 environ: Mapping[str, str] | None = None, errlog: TextIO | None = None
                 ) -> None:
        self.name = name
        self.config = config
        self.base = base
        self.environ = environ
        self.errlog = errlog
        self._current: _Connection | None = None
        self._live: set[_Connection] = set()

    # ------------------------------------------------------------------ connection

    def _transport(self) -> Any:
        config = self.config
        if config.command is not None:
            cwd = self.base / config.cwd if config.cwd is not None else self.base
            params = StdioServerParameters(command=config.command[0],
                                           args=list(config.command[1:]),
                                           env=dict(config.env) or None, cwd=cwd)
            return stdio_client(params, errlog=self.errlog or _stderr())
        assert config.url is not None
        http = httpx2.AsyncClient(headers=self._headers(), follow_redirects=False,
                                  timeout=httpx2.Timeout(30.0, read=300.0))
        return streamable_http_client(config.url, http_client=http)

    def _headers(self) -> dict[str, str]:
        headers = dict(self.config.headers)
        auth = self.config.auth
        if auth is None:
            return headers
        environ = self.environ if self.environ is not None else os.environ
        values = {name: environ.get(name, "") for name in auth.env_names()}
        for name, value in values.items():
            if not value:
                raise ToolError("MCP401", f"the environment variable {name} for the MCP "
                                f"server '{self.name}' is not set", type="auth")
        if auth.bearer_env:
            headers["Authorization"] = f"Bearer {values[auth.bearer_env]}"
        if auth.basic_user_env and auth.basic_password_env:
            headers["Authorization"] = "Basic " + basic_credentials(
                values[auth.basic_user_env], values[auth.basic_password_env])
        if auth.header and auth.header_env:
            headers[auth.header] = values[auth.header_env]
        return headers

    async def _own(self, connection: _Connection, transport: Any) -> None:
        """The owner task: enter the client, publish it, wait for ``stop``, leave it."""
        try:
            async with Client(transport, client_info=_CLIENT_INFO, mode="legacy") as client:
                connection.client = client
                connection.ready.set()
                await connection.stop.wait()
        except Exception as error:  # a system task must not fail: the caller gets it
            connection.error = error
        finally:
            connection.client = None
            if self._current is connection:
                self._current = None
            self._live.discard(connection)
            connection.ready.set()
            connection.stopped.set()

    async def client(self) -> Client:
        """The connected client, starting the server (or connecting) when needed.

        Raises:
            ToolError: ``MCP503`` when the server cannot be started or reached.
        """
        connection = self._current
        if connection is None:
            transport = self._transport()
            connection = self._current = _Connection()
            self._live.add(connection)
            trio.lowlevel.spawn_system_task(self._own, connection, transport,
                                            name=f"mcp server {self.name}")
        await connection.ready.wait()
        if connection.client is None:
            raise ToolError("MCP503", f"the MCP server '{self.name}' cannot be "
                            f"{'started' if self.config.command else 'reached'}: "
                            f"{_describe(connection.error)}", type="connection")
        return connection.client

    def discard(self, client: Client) -> None:
        """Forget a broken connection: its owner leaves it, the next call opens another."""
        connection = self._current
        if connection is not None and connection.client is client:
            self._current = None
            connection.stop.set()

    async def aclose(self) -> None:
        """Stop every connection of this server (a stdio server's process ends)."""
        self._current = None
        for connection in list(self._live):
            connection.stop.set()
            await connection.stopped.wait()

    # ------------------------------------------------------------------ requests

    async def list_tools(self) -> list[mcp_types.Tool]:
        """Every tool the server lists (all pages).

        Raises:
            ToolError: the server cannot be reached or answers with an error.
        """
        client = await self.client()
        found: list[mcp_types.Tool] = []
        cursor: str | None = None
        label = f"mcp://{self.name} tools/list"
        try:
            while True:
                page = await client.list_tools(cursor=cursor)
                found.extend(page.tools)
                cursor = page.next_cursor
                if cursor is None:
                    return found
        except MCPError as error:
            if error.code == mcp_types.CONNECTION_CLOSED:
                self.discard(client)
            raise _protocol_error(error, label) from None

    async def call_tool(self, tool: str, arguments: Mapping[str, Any]) -> Any:
        """Call ``tool`` with ``arguments`` (JSON-compatible values; datetimes and decimals
        are converted as GML converts them to JSON) and return its value (`call_result`).

        Raises:
            ToolError: as the module docstring says.
        """
        label = f"mcp://{self.name}/{tool}"
        client = await self.client()
        plain = json.loads(to_json(dict(arguments)))
        try:
            result = await client.call_tool(tool, plain)
        except MCPError as error:
            if error.code == mcp_types.CONNECTION_CLOSED:
                self.discard(client)
            raise _protocol_error(error, label) from None
        except (OSError, httpx2.HTTPError) as error:
            self.discard(client)
            raise ToolError("MCP503", f"{label}: {_describe(error)}",
                            type="connection") from None
        except ValueError as error:  # the result breaks the tool's output schema
            raise ToolError("MCP502", f"{label}: the server's result is not valid: "
                            f"{_first_line(error)}", type="tool") from None
        return call_result(result, label)


def _stderr() -> TextIO:
    """This process's stderr for a server's stderr: the subprocess needs a real file, which
    ``sys.stderr`` is not when it is captured (click's test runner), then the original."""
    try:
        sys.stderr.fileno()
        return sys.stderr
    except (AttributeError, OSError, ValueError):
        return sys.__stderr__ or sys.stderr


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _describe(error: BaseException | None) -> str:
    """The innermost useful message of a start failure (the SDK wraps them in groups)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if error is None:
        return "it stopped before answering"
    if isinstance(error, FileNotFoundError):
        return f"the program {error.filename or ''} was not found".replace("  ", " ")
    if isinstance(error, httpx2.ConnectError):
        return "the connection was refused (is it running?)"
    if isinstance(error, MCPError) and error.code == mcp_types.CONNECTION_CLOSED:
        return "it closed the connection before answering (see its output on stderr)"
    return f"{type(error).__name__}: {_first_line(error)}"


@dataclass(frozen=True, slots=True)
class _McpTool:
    server: McpServer
    name: str
    arguments: Sequence[str]

    async def call(self, call: ToolCall) -> Any:
        # the built-ins travel only to a tool that declares them
        args = {name: value for name, value in call.args.items()
                if name in self.arguments or name not in BUILTIN_INPUTS}
        return await self.server.call_tool(self.name, args)


class McpTools:
    """A runtime `ToolProvider` for ``mcp://<server>/<tool>``.

        >>> tools = McpTools({"calc": McpServerConfig(command=["python", "calc.py"])},
        ...                  Path("."))
        >>> tools.resolve("mcp://calc/add") is not None
        True

    Args:
        servers: the ``mcp:`` entries by name.
        base: the configuration's folder (a stdio server's working folder).
        arguments: the declared inputs by code (``calc/add``), from the project's ``mcp``
            ToolSpecs (`fdl tools import-mcp`), for auto-binding; a tool without one gets
            the arguments the node gives.
        environ, errlog: as `McpServer`.
    """

    def __init__(self, servers: Mapping[str, McpServerConfig], base: Path, *,
                 arguments: Mapping[str, Sequence[str]] | None = None,
                 environ: Mapping[str, str] | None = None,
                 errlog: TextIO | None = None) -> None:
        self.servers = {name: McpServer(name, config, base, environ=environ, errlog=errlog)
                        for name, config in servers.items()}
        self.arguments = dict(arguments or {})
        self._tools: dict[str, _McpTool] = {}

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``mcp://<server>/<tool>`` for a configured server, else None."""
        found = self._tools.get(base)
        if found is not None:
            return found
        scheme, sep, code = base.partition("://")
        server_name, _, tool = code.partition("/")
        server = self.servers.get(server_name)
        if scheme != "mcp" or not sep or not tool or server is None:
            return None
        found = _McpTool(server, tool, tuple(self.arguments.get(code, ())))
        self._tools[base] = found
        return found

    def server(self, name: str) -> McpServer | None:
        """The configured server ``name``."""
        return self.servers.get(name)

    async def aclose(self) -> None:
        """Stop every server's connection."""
        for server in self.servers.values():
            await server.aclose()


async def list_server_tools(name: str, config: McpServerConfig, base: Path, *,
                            errlog: TextIO | None = None) -> list[dict[str, Any]]:
    """The ``tools/list`` entries of one server, in their JSON form (``name``,
    ``inputSchema``, ...): the server is started (or reached), listed and stopped.

    Raises:
        ToolError: the server cannot be started or reached, or refuses the listing.
    """
    server = McpServer(name, config, base, errlog=errlog)
    try:
        listed = await server.list_tools()
    finally:
        await server.aclose()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed]
