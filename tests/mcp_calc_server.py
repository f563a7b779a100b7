"""A real MCP server for the tests, written with the MCP SDK's `MCPServer`.

Run as a subprocess: ``python tests/mcp_calc_server.py`` speaks MCP over stdio;
``python tests/mcp_calc_server.py --http PORT`` serves streamable HTTP on 127.0.0.1:PORT/mcp.
Its tools cover the result shapes of tools.md §6 (structured content, JSON text, plain
text, ``isError``) and the failures the adapter must survive (a crash, a slow answer).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

server = MCPServer("calc", log_level="ERROR")


class Sum(BaseModel):
    """The result of add."""

    total: int = Field(description="a + b")


@server.tool(title="Add")
def add(a: int, b: int = 0) -> Sum:
    """Add two whole numbers."""
    return Sum(total=a + b)


@server.tool(structured_output=False)
def stats(values: list[float]) -> str:
    """Count and sum of values, as JSON text (no structured content)."""
    return json.dumps({"count": len(values), "sum": sum(values)})


@server.tool(structured_output=False)
def shout(text: str) -> str:
    """The text in capitals (plain text)."""
    return text.upper()


@server.tool()
def env(name: str) -> dict[str, Any]:
    """An environment variable of the server process."""
    return {"value": os.environ.get(name)}


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the reason."""
    raise ValueError(reason)


@server.tool()
def crash() -> str:
    """Ends the server process in the middle of the call."""
    os._exit(3)


@server.tool()
async def slow(ms: int) -> str:
    """Answers after ms milliseconds."""
    await anyio.sleep(ms / 1000)
    return "done"


@server.tool()
def pid() -> int:
    """The server's process id (tells a restarted server from the first one)."""
    return os.getpid()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
