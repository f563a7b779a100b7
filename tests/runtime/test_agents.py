"""``agent://`` (runtime/agents.py, tools.md §6) against a local HTTP server on loopback that
speaks the chat-completions protocol and answers from a script per test: a tool call, its
result and the answer; parallel tool calls; an unknown function; malformed arguments;
``max_steps`` reached (F410); 429 and 5xx answers retried; the API key from the environment
only. Async tests are marked ``@pytest.mark.trio``."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fdl
from compiler import Plan
from runtime import Runtime
from runtime.agents import AgentTools, call_flow_text
from stdlib.registry import ToolSpec
from stdlib.tools import ToolError, Tools, chain
from stdlib.tools.agent_config import AgentConfig
from tests._http import JsonHandler, LocalServer, serving

CUSTOMER = ToolSpec.model_validate({
    "type": "api", "code": "crm/customer", "desp": "One customer by id.",
    "args": {"in": {"id": "string"}, "out": {"id": "string", "name": "string"}}})


class _Chat(JsonHandler):
    """Answers POST /v1/chat/completions with the next scripted (status, body)."""

    def do_POST(self) -> None:
        request = self.read_json()
        with self.server.lock:
            self.server.log.append({"path": self.path, "body": request,
                                    "authorization": self.headers.get("Authorization")})
            script: list[tuple[int, Any]] = self.server.script  # type: ignore[attr-defined]
            status, reply = script.pop(0) if len(script) > 1 else script[0]
        self.reply(status, reply)


@pytest.fixture
def chat() -> Iterator[LocalServer]:
    with serving(_Chat) as server:
        server.script = []  # type: ignore[attr-defined]
        yield server


def script(server: LocalServer, *replies: tuple[int, Any]) -> None:
    server.script = list(replies)  # type: ignore[attr-defined]


def message(content: str | None = None, *calls: tuple[str, str, str],
            usage: tuple[int, int] = (10, 5)) -> tuple[int, Any]:
    """A 200 reply: content, and tool calls as (id, function name, arguments text)."""
    msg: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        msg["tool_calls"] = [{"id": i, "type": "function",
                              "function": {"name": name, "arguments": args}}
                             for i, name, args in calls]
    return 200, {"choices": [{"index": 0, "message": msg}],
                 "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1]}}


def agents_for(server: LocalServer, **config: Any) -> AgentTools:
    settings: dict[str, Any] = {"url": server.url + "/v1", "model": "test-model",
                                "tools": ["api://crm/*"], **config}
    return AgentTools({"helper": AgentConfig.model_validate(settings)}, specs=[CUSTOMER],
                      environ={"AGENT_KEY": "s3cret-key"})


def customer(args: dict[str, Any]) -> dict[str, Any]:
    if args["id"] == "missing":
        raise ToolError("404", "no such customer")
    return {"id": args["id"], "name": "Alice"}


async def ask(agents: AgentTools, prompt: str = "Who is c1?", **args: Any) -> dict[str, Any]:
    tools = chain(agents, Tools({"api://crm/customer": customer}))
    agents.bind(tools)
    plan = plan_of(prompt, args)
    async with Runtime(tools=tools) as rt:
        result = await rt.run(plan, {})
    return {"status": result.status, "output": result.output, "error": result.error,
            "events": result.events}


def plan_of(prompt: str, extra: dict[str, Any]) -> Plan:
    lines = [f"prompt = {json.dumps(prompt)}"] + [f"{k} = {json.dumps(v)}"
                                                   for k, v in extra.items()]
    text = textwrap.dedent("""\
        flow:
            name: ask
            node:
                agent:
                    exec: agent://helper
                    args: |
        """) + "".join(f"                {line}\n" for line in lines)
    result = fdl.check_text(text, "flow.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    return result.plan


# ---------------------------------------------------------------------------- the loop


@pytest.mark.trio
async def test_a_tool_call_its_result_and_the_answer(chat: LocalServer) -> None:
    script(chat, message(None, ("c1", "crm_customer", '{"id": "c1"}')),
           message("c1 is Alice.", usage=(30, 7)))
    ran = await ask(agents_for(chat, system="Be brief.", api_key_env="AGENT_KEY"),
                    input={"id": "c1"})
    assert ran["status"] == "completed", ran["error"]
    assert ran["output"] == {"answer": "c1 is Alice.", "steps": 2,
                             "usage": {"prompt_tokens": 40, "completion_tokens": 12}}
    first, second = (entry["body"] for entry in chat.log)
    assert first["model"] == "test-model"
    assert first["messages"][0] == {"role": "system", "content": "Be brief."}
    assert first["messages"][1]["content"] == 'Who is c1?\n\n{"id":"c1"}'
    assert [t["function"]["name"] for t in first["tools"]] == ["crm_customer"]
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "c1",
                                      "content": '{"id":"c1","name":"Alice"}'}
    assert chat.log[0]["authorization"] == "Bearer s3cret-key"
    # the tool call ran through the runtime: its events are under the agent's node
    assert any(e["type"] == "node.completed" and e["node"].startswith("agent/")
               for e in ran["events"])
    assert "s3cret-key" not in json.dumps(ran["events"])
    # tools.md §6: usage is also reported in the node's events, one per model reply
    usage = [(e["node"], e["step"], e["usage"], e["total"]) for e in ran["events"]
             if e["type"] == "agent.usage"]
    assert usage == [
        ("agent", 1, {"prompt_tokens": 10, "completion_tokens": 5},
         {"prompt_tokens": 10, "completion_tokens": 5}),
        ("agent", 2, {"prompt_tokens": 30, "completion_tokens": 7},
         {"prompt_tokens": 40, "completion_tokens": 12})]


@pytest.mark.trio
async def test_parallel_tool_calls_are_all_answered_in_order(chat: LocalServer) -> None:
    script(chat, message(None, ("a", "crm_customer", '{"id": "c1"}'),
                         ("b", "crm_customer", '{"id": "missing"}')),
           message("done"))
    ran = await ask(agents_for(chat))
    assert ran["output"]["answer"] == "done"
    tools = [m for m in chat.log[1]["body"]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tools] == ["a", "b"]
    assert json.loads(tools[0]["content"]) == {"id": "c1", "name": "Alice"}
    assert json.loads(tools[1]["content"])["error"]["code"] == "404"


@pytest.mark.trio
async def test_an_unknown_function_and_malformed_arguments_go_back_as_errors(
        chat: LocalServer) -> None:
    script(chat, message(None, ("x", "drop_tables", "{}"), ("y", "crm_customer", "{oops")),
           message("sorry"))
    ran = await ask(agents_for(chat))
    assert ran["output"]["answer"] == "sorry"
    tools = {m["tool_call_id"]: json.loads(m["content"])
             for m in chat.log[1]["body"]["messages"] if m["role"] == "tool"}
    assert "no function 'drop_tables'" in tools["x"]["error"]["message"]
    assert "crm_customer" in tools["x"]["error"]["message"]
    assert tools["y"]["error"]["message"] == "the arguments are not a JSON object"


@pytest.mark.trio
async def test_max_steps_reached_is_f410(chat: LocalServer) -> None:
    script(chat, message(None, ("again", "crm_customer", '{"id": "c1"}')))
    ran = await ask(agents_for(chat, max_steps=3))
    assert ran["status"] == "failed"
    assert ran["error"]["code"] == "F410"
    assert len(chat.log) == 3


@pytest.mark.trio
async def test_429_and_5xx_answers_are_retried(chat: LocalServer) -> None:
    script(chat, (429, {"error": "slow down"}), (503, {"error": "busy"}), message("fine"))
    ran = await ask(agents_for(chat))
    assert ran["output"]["answer"] == "fine"
    assert len(chat.log) == 3


@pytest.mark.trio
async def test_other_errors_are_not_retried_and_keep_their_status(chat: LocalServer) -> None:
    script(chat, (400, {"error": "bad"}), message("never"))
    ran = await ask(agents_for(chat))
    assert (ran["status"], ran["error"]["code"]) == ("failed", "400")
    assert len(chat.log) == 1


@pytest.mark.trio
async def test_a_missing_api_key_fails_without_calling_the_model(chat: LocalServer) -> None:
    script(chat, message("never"))
    agents = agents_for(chat, api_key_env="OTHER_KEY")
    ran = await ask(agents)
    assert ran["status"] == "failed" and "OTHER_KEY" in ran["error"]["message"]
    assert chat.log == []


def test_tool_globs_choose_registered_tools_and_flows(tmp_path: Path) -> None:
    (tmp_path / "hello.yaml").write_text(textwrap.dedent("""\
        flow:
            name: Hello
            args:
                in: {who: string}
            node:
                greet:
                    with: text = 'Hello, ' + who
    """), encoding="utf-8")
    other = ToolSpec.model_validate({"type": "api", "code": "erp/order"})
    agents = AgentTools({}, specs=[CUSTOMER, other], flows=tmp_path)
    config = AgentConfig(url="http://127.0.0.1:1/v1", model="m",
                         tools=["api://crm/*", "flow://hel*"])
    assert [spec.uri for spec in agents.offered(config)] == ["api://crm/customer",
                                                             "flow://hello"]


def test_the_call_flow_of_a_tool_binds_the_given_arguments() -> None:
    text = call_flow_text("api://crm/customer", ["id"])
    result = fdl.check_text(text, "call.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    assert [i.name for i in result.plan.inputs] == ["id"]
