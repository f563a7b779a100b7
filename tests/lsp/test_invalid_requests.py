"""Requests the server cannot read get JSON-RPC errors, not silence (#17), and the server
goes on answering. A raw stdio client: pygls' client cannot send parameters that do not
fit their request."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from ._support import server_command

pytestmark = pytest.mark.asyncio(loop_scope="module")


class _RawClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def reply(self, msg_id: int) -> dict[str, Any]:
        """The response to request ``msg_id`` (notifications in between are skipped)."""
        assert self.process.stdout is not None
        while True:
            length = 0
            while (line := await self.process.stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(await self.process.stdout.readexactly(length))
            if message.get("id") == msg_id and "method" not in message:
                return dict(message)


@pytest.mark.parametrize(("method", "params"), [
    ("textDocument/hover", {"foo": 1}),
    ("textDocument/completion", {"textDocument": {"uri": 5},
                                 "position": {"line": -1, "character": "x"}}),
    ("textDocument/definition", None),
])
async def test_a_request_with_invalid_params_gets_an_error(method: str, params: Any) -> None:
    process = await asyncio.create_subprocess_exec(
        *server_command(), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)
    client = _RawClient(process)
    try:
        client.send({"id": 0, "method": "initialize", "params": {"capabilities": {}}})
        await asyncio.wait_for(client.reply(0), 30)
        client.send({"method": "initialized", "params": {}})
        request: dict[str, Any] = {"id": 1, "method": method}
        if params is not None:
            request["params"] = params
        client.send(request)
        answer = await asyncio.wait_for(client.reply(1), 30)
        assert answer["error"]["code"] == -32602
        assert method in answer["error"]["message"]
        # The server still answers what it can read.
        client.send({"id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": "file:///nowhere.yaml"},
            "position": {"line": 0, "character": 0}}})
        assert (await asyncio.wait_for(client.reply(2), 30)) == {
            "jsonrpc": "2.0", "id": 2, "result": None}
    finally:
        process.kill()
        await process.wait()
