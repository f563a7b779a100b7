"""A tiny local chat-completions endpoint for trying examples/agent without a model.

Start it, then run the flow in another terminal::

    $ python stub/chat_stub.py            # serves http://127.0.0.1:8765/v1 (the port: argv[1])
    $ fdl run flows/ask.yaml --set who=Ada --json

It is not a model: it plays one deterministically, with the standard library only. Asked with
functions offered and no function result yet, it calls the first function with the JSON object
that follows the prompt (the agent's ``input``); once results came back, it answers with them.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def reply(body: dict[str, Any]) -> dict[str, Any]:
    """The chat completion the stub answers ``body`` with."""
    messages = body.get("messages") or []
    results = [m.get("content") for m in messages if m.get("role") == "tool"]
    functions = [t["function"]["name"] for t in body.get("tools") or []]
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if results or not functions:
        message["content"] = "The tools answered: " + "; ".join(map(str, results)) \
            if results else "I have no tools to call."
    else:
        user = next((m.get("content") or "" for m in reversed(messages)
                     if m.get("role") == "user"), "")
        _prompt, _, given = user.partition("\n\n")
        try:
            arguments = json.loads(given) if given else {}
        except ValueError:
            arguments = {}
        message["tool_calls"] = [{"id": "call_1", "type": "function", "function": {
            "name": functions[0], "arguments": json.dumps(arguments)}}]
    return {"object": "chat.completion", "model": body.get("model", "stub"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(json.dumps(messages)) // 4,
                      "completion_tokens": 8}}


class Handler(BaseHTTPRequestHandler):
    """POST …/chat/completions only."""

    def do_POST(self) -> None:
        if not self.path.endswith("/chat/completions"):
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self.send_error(400, "the body is not JSON")
            return
        data = json.dumps(reply(body)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line per request."""


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"chat stub on http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
