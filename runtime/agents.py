"""``agent://<name>`` — an AI agent's tool-calling loop (spec/tools.md §6).

An agent (``agents:`` of ``fdl.yaml``, `stdlib.tools.agent_config.AgentConfig`) is a model
behind a chat-completions compatible endpoint (OpenAI's protocol, as served by OpenAI, vLLM,
llama.cpp, Ollama, ...), spoken with plain httpx. A call's arguments are ``prompt`` (text,
required) and ``input`` (any value, sent as JSON after the prompt). The loop:

1. the model gets the system message, the prompt, and the agent's tools as functions (the
   registry's OpenAI export of the tools whose URIs match the ``tools`` globs: registered
   tools and the flows of the flows folder);
2. each function call of a reply runs as a one-node flow calling that tool
   (`call_flow_text`), on a nested runtime like ``flow://`` does: the tool's types convert the
   arguments, its events appear under the calling node, its URI options apply; the calls of
   one reply run concurrently; each result (or ``{"error": ...}`` for a failed call, an
   unknown function or arguments that are not a JSON object) goes back to the model;
3. until the model answers without calling a function, or ``max_steps`` replies were not
   enough: tool error F410.

A flow test scripts the model instead (the ``replies:`` of a mock, `stdlib.tools.chat`): the
mocks ask the real agent for `_AgentTool.scripted`, the same loop with a `ChatModel` that
answers from the script and the tool calls run on the mocks; no endpoint is reached and no
API key is read.

The result is ``{answer, steps, usage: {prompt_tokens, completion_tokens}}``. Answers 429
and 5xx (and connection failures) are retried within the step, up to three attempts with
doubling delays; other non-2xx answers are errors with the status as code. The API key is
read from ``api_key_env`` when a request is made and never appears in errors or events.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import trio

from compiler import ToolCatalog, check_text
from gml.values import to_json
from stdlib.flowfiles import flow_files
from stdlib.registry import ToolSpec, ToolSpecError, export_tools, to_openai
from stdlib.tools import ToolCall, ToolError, ToolProvider
from stdlib.tools.agent_config import AgentConfig
from stdlib.tools.chat import ChatModel

from ._runtime import Runtime

__all__ = ["AgentTools", "call_flow_text"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ATTEMPTS = 3
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def call_flow_text(uri: str, arguments: Sequence[str]) -> str:
    """The one-node flow that calls the tool ``uri`` with ``arguments`` (given as the flow's
    inputs, of type ``any``: the tool's declared types convert them). Names must be GML
    identifiers."""
    lines = ["flow:", f"    name: {json.dumps('call ' + uri)}"]
    if arguments:
        lines += ["    args:", "        in:"]
        lines += [f"            {name}: any" for name in arguments]
    lines += ["    node:", "        call:", f"            exec: {json.dumps(uri)}"]
    if arguments:
        lines += ["            args: |"]
        lines += [f"                {name} = {name}" for name in arguments]
    return "\n".join(lines) + "\n"


class AgentTools:
    """Resolves ``agent://<name>`` to the configured agents.

    Args:
        agents: the ``agents:`` entries by name.
        specs: the registered tools the ``tools`` globs choose from.
        flows: the flows folder (its flows are tools ``flow://<name>`` too).
        tools: the provider the agent's tool calls run on (set later with `bind`).
        catalog: what the calls are compiled with (the tools' argument types).
        environ: where the API key is read from (default: ``os.environ``).
        transport: the httpx transport (tests); default: httpx's.
        options: further `Runtime` options for the nested runs (timezone, ...).
    """

    def __init__(self, agents: Mapping[str, AgentConfig], *, specs: Sequence[ToolSpec] = (),
                 flows: Path | None = None, tools: ToolProvider | None = None,
                 catalog: ToolCatalog | None = None, environ: Mapping[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, **options: Any) -> None:
        self.agents = dict(agents)
        self.specs = list(specs)
        self.flows = flows
        self.tools = tools
        self.catalog = catalog
        self.environ = environ
        self.transport = transport
        self.options = options

    def bind(self, tools: ToolProvider) -> None:
        """Run the agents' tool calls on ``tools`` (the project's whole provider)."""
        self.tools = tools

    def resolve(self, base: str) -> _AgentTool | None:
        """The agent of ``agent://<name>``, or None."""
        scheme, sep, name = base.partition("://")
        config = self.agents.get(name) if scheme == "agent" and sep else None
        return None if config is None else _AgentTool(self, name, config)

    def offered(self, config: AgentConfig) -> list[ToolSpec]:
        """The tools matching the agent's globs: registered tools, then flows."""
        def chosen(uri: str) -> bool:
            return any(fnmatch.fnmatchcase(uri, pattern) for pattern in config.tools)

        found = [spec for spec in self.specs if chosen(spec.uri)]
        if self.flows is not None and any(p.startswith("flow://") for p in config.tools):
            for file in flow_files(self.flows):
                code = str(file.relative_to(self.flows).with_suffix(""))
                if chosen(f"flow://{code}"):
                    try:
                        found.append(ToolSpec.from_flow(file, code=code))
                    except ToolSpecError:
                        continue  # a flow that does not compile is not offered
        return found


class _AgentTool:
    arguments: Sequence[str] = ("prompt", "input")

    def __init__(self, owner: AgentTools, name: str, config: AgentConfig, *,
                 model: ChatModel | None = None, tools: ToolProvider | None = None) -> None:
        self.owner = owner
        self.name = name
        self.config = config
        self.model = model
        self.tools = tools

    def scripted(self, model: ChatModel, tools: ToolProvider) -> _AgentTool:
        """This agent with ``model`` in place of its endpoint, its tool calls run on
        ``tools`` (a flow test's mocks): the loop, the offered tools, ``system`` and
        ``max_steps`` are the agent's own."""
        return _AgentTool(self.owner, self.name, self.config, model=model, tools=tools)

    # ---------------------------------------------------------------- the model

    def _headers(self) -> dict[str, str]:
        name = self.config.api_key_env
        if name is None:
            return {}
        environ = self.owner.environ if self.owner.environ is not None else os.environ
        key = environ.get(name)
        if not key:
            raise ToolError("F406", f"the environment variable {name} (the API key of the "
                            f"agent {self.name}) is not set", type="auth")
        return {"Authorization": f"Bearer {key}"}

    async def _complete(self, client: httpx.AsyncClient, body: Mapping[str, Any],
                        headers: Mapping[str, str]) -> dict[str, Any]:
        url = self.config.url.rstrip("/") + "/chat/completions"
        label = f"agent {self.name}"
        for attempt in range(1, _ATTEMPTS + 1):
            last = attempt == _ATTEMPTS
            try:
                response = await client.post(url, json=body, headers=dict(headers))
            except httpx.TimeoutException:
                if last:
                    raise ToolError("F407", f"{label}: the model did not answer in time",
                                    type="timeout") from None
            except httpx.HTTPError as error:
                if last:
                    raise ToolError("AGENT503", f"{label}: the endpoint cannot be reached "
                                    f"({type(error).__name__})", type="connection") from None
            else:
                if response.status_code < 300:
                    try:
                        data = response.json()
                        data["choices"][0]["message"]
                    except (ValueError, KeyError, IndexError, TypeError):
                        raise ToolError("AGENT502", f"{label}: the answer is not a chat "
                                        "completion", type="tool") from None
                    return dict(data)
                if response.status_code not in _RETRY_STATUS or last:
                    raise ToolError(str(response.status_code),
                                    f"{label}: the endpoint answered {response.status_code}",
                                    type="auth" if response.status_code in (401, 403)
                                    else "tool",
                                    retryable=response.status_code in _RETRY_STATUS)
            await trio.sleep(0.2 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    # ---------------------------------------------------------------- the tools

    async def _run_tool(self, uri: str, arguments: Mapping[str, Any], call: ToolCall) -> Any:
        """One function call of the model, as a one-node flow on a nested runtime."""
        bad = [name for name in arguments if not _IDENTIFIER.match(name)]
        if bad:
            return {"error": {"code": "F402", "message": f"'{bad[0]}' is not an argument"}}
        result = check_text(call_flow_text(uri, list(arguments)), f"<agent {self.name}>",
                            catalog=self.owner.catalog)
        if result.plan is None:
            problems = "; ".join(d.message for d in result.diagnostics if d.is_error)
            return {"error": {"code": "E302", "message": problems}}
        tools = self.tools if self.tools is not None else self.owner.tools
        async with Runtime(tools=tools, **self.owner.options) as rt:
            run = await rt.run(result.plan, dict(arguments), tenant=call.tenant_id,
                               bu=call.bu_code, on_event=call.publish)
        if run.status == "completed":
            return run.output
        error = dict(run.error or {})
        return {"error": {k: error[k] for k in ("code", "message") if k in error}}

    async def _answer(self, tool_call: Mapping[str, Any], names: Mapping[str, str],
                      call: ToolCall, into: dict[str, str]) -> None:
        function = tool_call.get("function") or {}
        name = str(function.get("name", ""))
        uri = names.get(name)
        value: Any
        if uri is None:
            value = {"error": {"code": "F406", "message": f"there is no function {name!r}; "
                               f"the functions are {', '.join(sorted(names)) or 'none'}"}}
        else:
            try:
                arguments = json.loads(function.get("arguments") or "{}")
            except (ValueError, TypeError):
                arguments = None
            if not isinstance(arguments, dict):
                value = {"error": {"code": "F402", "message": "the arguments are not a JSON "
                                   "object"}}
            else:
                value = await self._run_tool(uri, arguments, call)
        into[str(tool_call.get("id", ""))] = to_json(value)

    # ---------------------------------------------------------------- the loop

    async def call(self, call: ToolCall) -> Any:
        config = self.config
        prompt = call.args.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            raise ToolError("F401", f"agent://{self.name} needs the argument 'prompt' (text)",
                            type="validation")
        content = prompt
        if call.args.get("input") is not None:
            content += "\n\n" + to_json(call.args["input"])
        messages: list[dict[str, Any]] = []
        if config.system:
            messages.append({"role": "system", "content": config.system})
        messages.append({"role": "user", "content": content})
        exported = export_tools(self.owner.offered(config))
        names = {tool.name: tool.uri for tool in exported}
        functions = to_openai(exported)
        usage = {"prompt_tokens": 0, "completion_tokens": 0}
        headers = self._headers() if self.model is None else {}
        timeout = config.timeout / 1000 if config.timeout is not None else 120.0
        async with httpx.AsyncClient(transport=self.owner.transport, timeout=timeout,
                                     trust_env=False) as client:
            for step in range(1, config.max_steps + 1):
                body: dict[str, Any] = {"model": config.model, "messages": messages}
                if functions:
                    body["tools"] = functions
                if config.temperature is not None:
                    body["temperature"] = config.temperature
                reply = (await self.model.complete(body, names) if self.model is not None
                         else await self._complete(client, body, headers))
                counted = reply.get("usage") or {}
                this = {key: counted[key] for key in usage
                        if isinstance(counted.get(key), int)}
                for key, value in this.items():
                    usage[key] += value
                if call.publish is not None:  # the node's events carry the usage (§6)
                    call.publish({"type": "agent.usage", "node": "", "step": step,
                                  "usage": this, "total": dict(usage)})
                message = dict(reply["choices"][0]["message"])
                tool_calls = message.get("tool_calls") or []
                if not tool_calls:
                    return {"answer": message.get("content"), "steps": step, "usage": usage}
                messages.append({"role": "assistant", "content": message.get("content"),
                                 "tool_calls": tool_calls})
                answers: dict[str, str] = {}
                async with trio.open_nursery() as nursery:
                    for tool_call in tool_calls:
                        nursery.start_soon(self._answer, tool_call, names, call, answers)
                for tool_call in tool_calls:
                    tool_id = str(tool_call.get("id", ""))
                    messages.append({"role": "tool", "tool_call_id": tool_id,
                                     "content": answers.get(tool_id, "null")})
        raise ToolError("F410", f"agent://{self.name} did not answer within max_steps="
                        f"{config.max_steps} replies", type="tool",
                        details={"steps": config.max_steps, "usage": usage})
