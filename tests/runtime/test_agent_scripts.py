"""Scripted model replies for ``agent://`` (the ``replies:`` of a mock, tools.md §7,
docs/testing.md): the real agent loop runs with `stdlib.tools.chat.ScriptedChat` as its model,
so the offered tools are really called (mocked or passed through) and their results really go
back to the model, without any endpoint. Async tests are marked ``@pytest.mark.trio``."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio

from runtime import Mocks, Runtime
from runtime.agents import AgentTools
from stdlib.tools import ToolCall, ToolError, Tools, chain
from stdlib.tools.agent_config import AgentConfig
from stdlib.tools.chat import ScriptedChat, ScriptedReply
from stdlib.tools.mocks import MockFileError
from tests.runtime.test_agents import CUSTOMER, customer, plan_of

# never reached: a scripted agent sends no request
UNREACHABLE = "http://127.0.0.1:9/v1"


def agents(**config: Any) -> AgentTools:
    settings: dict[str, Any] = {"url": UNREACHABLE, "model": "m", "tools": ["api://crm/*"],
                                "api_key_env": "NOT_SET_ANYWHERE", **config}
    return AgentTools({"helper": AgentConfig.model_validate(settings)}, specs=[CUSTOMER],
                      environ={})


async def run_mocked(mocks: dict[str, Any], found: AgentTools | None = None,
                     **args: Any) -> tuple[dict[str, Any], Mocks]:
    """The ask flow with ``mocks``, the project's tools being the agent and crm/customer."""
    chosen = found if found is not None else agents()
    real = chain(chosen, Tools({"api://crm/customer": customer}))
    chosen.bind(real)
    mocked = Mocks.from_mapping(mocks)
    async with Runtime(tools=real, mocks=mocked) as rt:
        result = await rt.run(plan_of("Who is c1?", args), {})
    return {"status": result.status, "output": result.output, "error": result.error}, mocked


def replies(*items: dict[str, Any]) -> tuple[ScriptedReply, ...]:
    return tuple(ScriptedReply.model_validate(item) for item in items)


@pytest.mark.trio
async def test_the_loop_runs_for_real_with_the_scripted_model() -> None:
    found = agents(system="Be brief.")
    tool = found.resolve("agent://helper")
    assert tool is not None
    chat = ScriptedChat(replies(
        {"calls": [{"tool": "api://crm/customer", "args": {"id": "c1"}}],
         "usage": {"prompt_tokens": 12, "completion_tokens": 3}},
        {"answer": "c1 is Alice.", "usage": {"prompt_tokens": 20, "completion_tokens": 4}}))
    real = Tools({"api://crm/customer": customer})
    mocked = Mocks.from_mapping({"passthrough": True}, fallback=real)
    scripted = tool.scripted(chat, mocked)
    plan = plan_of("Who is c1?", {"input": {"id": "c1"}})

    async with Runtime(tools=chain(Tools({}), _Only("agent://helper", scripted))) as rt:
        result = await rt.run(plan, {})
    assert result.status == "completed", result.error
    assert result.output == {"answer": "c1 is Alice.", "steps": 2,
                             "usage": {"prompt_tokens": 32, "completion_tokens": 7}}
    first, second = chat.bodies
    assert first["messages"][0] == {"role": "system", "content": "Be brief."}
    assert first["messages"][1]["content"] == 'Who is c1?\n\n{"id":"c1"}'
    assert [t["function"]["name"] for t in first["tools"]] == ["crm_customer"]
    # the tool really ran (through the mocks, passed through) and its result went back
    assert mocked.calls == {"api://crm/customer": [{"id": "c1"}]}
    call_id = second["messages"][-2]["tool_calls"][0]["id"]
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": call_id,
                                      "content": '{"id":"c1","name":"Alice"}'}


class _Only:
    """A provider of one tool."""

    def __init__(self, base: str, tool: Any) -> None:
        self.base = base
        self.tool = tool

    def resolve(self, base: str) -> Any:
        return self.tool if base == self.base else None


@pytest.mark.trio
async def test_a_mock_with_replies_runs_the_projects_agent_on_the_mocks() -> None:
    ran, mocked = await run_mocked({
        "agent://helper": {"replies": [
            {"calls": [{"tool": "crm_customer", "args": {"id": "c1"}},
                       {"tool": "api://crm/customer", "args": {"id": "c2"}}]},
            {"answer": "Two customers."}]},
        "api://crm/customer": {"expr": "{id: args.id, name: 'Mocked ' + args.id}"}})
    assert ran["status"] == "completed", ran["error"]
    assert ran["output"]["answer"] == "Two customers." and ran["output"]["steps"] == 2
    # the agent's calls are recorded with the flow's own, with their arguments
    assert mocked.calls["agent://helper"] == [{"prompt": "Who is c1?"}]
    assert sorted(c["id"] for c in mocked.calls["api://crm/customer"]) == ["c1", "c2"]


@pytest.mark.trio
async def test_unmocked_tool_calls_fail_with_f406_and_the_model_sees_it() -> None:
    found = agents()
    ran, mocked = await run_mocked({"agent://helper": {"replies": [
        {"calls": [{"tool": "api://crm/customer", "args": {"id": "c1"}}]},
        {"answer": "It failed."}]}}, found)
    assert ran["output"]["answer"] == "It failed."
    assert mocked.calls["api://crm/customer"] == [{"id": "c1"}]  # recorded, then F406


@pytest.mark.trio
async def test_a_script_of_calls_only_runs_into_max_steps() -> None:
    ran, mocked = await run_mocked({
        "agent://helper": {"replies": [
            {"calls": [{"tool": "api://crm/customer", "args": {"id": "c1"}}]}]},
        "api://crm/customer": {"result": {"id": "c1", "name": "A"}}},
        agents(max_steps=3))
    assert ran["status"] == "failed"
    assert ran["error"]["code"] == "F410"
    assert len(mocked.calls["api://crm/customer"]) == 3


@pytest.mark.trio
async def test_each_call_of_a_sequence_gets_its_own_script() -> None:
    ran, _ = await run_mocked({"agent://helper": {"sequence": [
        {"replies": [{"answer": "first"}]}, {"replies": [{"answer": "second"}]}]}})
    assert ran["output"]["answer"] == "first"


@pytest.mark.trio
async def test_replies_without_a_configured_agent_fail_with_a_hint() -> None:
    mocked = Mocks.from_mapping({"agent://nobody": {"replies": [{"answer": "x"}]},
                                 "api://a/x": {"replies": [{"answer": "x"}]}})
    assert mocked.scripted
    for base, words in (("agent://nobody", "configure the agent 'nobody' under agents:"),
                        ("api://a/x", "replies: is for agent:// tools only")):
        tool = mocked.resolve(base)
        assert tool is not None
        with pytest.raises(ToolError) as raised:
            await tool.call(ToolCall(uri=base, base=base, type=base.partition(":")[0],
                                     code=base.partition("://")[2], args={"prompt": "hi"}))
        assert raised.value.code == "F406" and words in raised.value.message


@pytest.mark.parametrize(("entry", "message"), [
    ({"replies": []}, "the replies of the mock for agent://helper must be a non-empty list"),
    ({"replies": [{"answer": "a", "calls": [{"tool": "t"}]}]},
     "reply 1 of the mock for agent://helper needs exactly one of answer"),
    ({"replies": [{"text": "hm"}]}, "reply 1 of the mock for agent://helper needs exactly one"),
    ({"replies": [{"answer": "a", "text": "hm"}]}, "reply 1 of the mock for agent://helper "
                                                   "has 'text' without 'calls'"),
    ({"replies": [{"calls": []}]}, "the calls of reply 1 of the mock for agent://helper must "
                                   "be a non-empty list"),
    ({"replies": [{"calls": [{"tool": "t", "arg": {}}]}]},
     "unknown key 'arg' in call 1 of reply 1 of the mock for agent://helper; did you mean "
     "'args'?"),
    ({"replies": [{"calls": [{"tool": "t", "args": 5}]}]},
     "the args of call 1 of reply 1 of the mock for agent://helper must be a mapping"),
    ({"replies": [{"answer": "a"}], "result": 1}, "the mock for agent://helper has both"),
])
def test_bad_scripts_are_refused_with_their_place(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(MockFileError) as raised:
        Mocks.from_mapping({"agent://helper": entry})
    assert raised.value.message.startswith(message), raised.value.message


def test_a_scripted_reply_is_a_chat_completion() -> None:
    chat = ScriptedChat(replies({"calls": [{"tool": "flow://greet", "args": '{"x": '}],
                                 "text": "calling"}, {"answer": "done"}))
    first = trio.run(chat.complete, {"model": "m"}, {"greet": "flow://greet"})
    message = first["choices"][0]["message"]
    assert message["content"] == "calling"
    assert message["tool_calls"][0]["function"] == {"name": "greet", "arguments": '{"x": '}
    second = trio.run(chat.complete, {"model": "m"}, {})
    third = trio.run(chat.complete, {"model": "m"}, {})
    assert second["choices"][0]["message"] == third["choices"][0]["message"] == {
        "role": "assistant", "content": "done"}
    assert json.dumps(first)  # plain JSON
    assert chat.requests == 3
