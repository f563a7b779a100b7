"""The chat model behind ``agent://`` (tools.md §6), and a scripted one for flow tests.

`ChatModel` is what the agent loop (`runtime.agents`) asks for each reply: the request body
of the chat-completions protocol in, a chat completion out. The real model is the agent's
endpoint, spoken over HTTP by the loop itself; `ScriptedChat` is the model of a mock's
``replies:`` (tools.md §7, docs/testing.md): it answers the loop's requests with the replies
the test wrote, one per request, so the loop runs for real (the offered tools really called,
through mocks or passthrough) without a model endpoint::

    mocks:
        agent://helper:
            replies:
                - calls:                                   # the model calls tools ...
                    - {tool: 'flow://greet', args: {name: Ada}}
                - answer: 'I greeted Ada.'                 # ... then answers
        flow://greet:
            result: {greeting: 'Hello, Ada!'}

A reply is ``answer`` (text: the loop ends) or ``calls`` (one or more function calls, run
concurrently; ``text`` is the content that goes with them), with an optional ``usage``
(``{prompt_tokens, completion_tokens}``). A call names its ``tool`` by URI (``flow://greet``)
or by the function name the loop offers (``greet``), with ``args`` a mapping (sent as JSON) or
a text (sent as written: malformed arguments can be scripted). The replies answer the
requests of one agent call in order; past the end, the last reply repeats (so a script
of calls only runs into ``max_steps``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from compiler.validate import Invalid, Wording

__all__ = ["ChatModel", "ScriptedCall", "ScriptedChat", "ScriptedReply", "ScriptedUsage"]


class ChatModel(Protocol):
    """A chat-completions model as the agent loop uses it."""

    async def complete(self, body: Mapping[str, Any], functions: Mapping[str, str]
                       ) -> dict[str, Any]:
        """The chat completion for the request ``body`` (``model``, ``messages``,
        ``tools``); ``functions`` maps the offered function names to their tools' URIs."""
        ...


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ScriptedCall(_Model):
    """One function call of a scripted reply."""

    tool: Annotated[str, Field(min_length=1), Wording(
        expect="a tool URI (flow://greet) or a function name")] = Field(
        description="the tool called: its URI or its function name")
    args: Annotated[dict[str, Any] | str, Wording(
        expect="a mapping of arguments (or a text: the arguments as the model wrote them)")
    ] = Field(default_factory=dict, description="the call's arguments")


class ScriptedUsage(_Model):
    """The tokens a scripted reply reports."""

    prompt_tokens: Annotated[int, Field(ge=0)] = 0
    completion_tokens: Annotated[int, Field(ge=0)] = 0


class ScriptedReply(_Model):
    """One reply of the model: ``answer`` (the loop ends) or ``calls``."""

    answer: Annotated[str | None, Wording(expect="text")] = Field(
        None, description="the final answer")
    calls: Annotated[list[Annotated[ScriptedCall, Wording(
        expect="a mapping such as {tool: 'flow://greet', args: {name: Ada}}")]] | None, Field(
        min_length=1), Wording(expect="a non-empty list of calls ({tool, args})")] = Field(
        None, description="the function calls of the reply")
    text: Annotated[str | None, Wording(expect="text")] = Field(
        None, description="the content sent with the calls")
    usage: ScriptedUsage | None = Field(None, description="the tokens the reply reports")

    @model_validator(mode="after")
    def _one(self) -> ScriptedReply:
        if (self.answer is None) == (self.calls is None):
            raise Invalid("needs exactly one of answer (the final text) and calls (the "
                          "functions the model calls)")
        if self.text is not None and self.calls is None:
            raise Invalid("has 'text' without 'calls': write the final text as answer",
                          at=("text",), key=True)
        return self


Replies = Annotated[list[Annotated[ScriptedReply, Wording(
    expect="a mapping with answer or calls")]], Field(min_length=1), Wording(
    expect="a non-empty list of model replies (calls, then an answer)")]
"""The ``replies:`` of a mock."""


class ScriptedChat:
    """A `ChatModel` answering with ``replies`` in order (the last repeats): one object per
    agent call.

    Attributes:
        requests: how many requests it answered.
        bodies: the request bodies it got, in order (what the model was sent: the messages
            with the tools' results, the offered functions).
    """

    def __init__(self, replies: Sequence[ScriptedReply]) -> None:
        if not replies:
            raise ValueError("a script needs at least one reply")
        self.replies = tuple(replies)
        self.requests = 0
        self.bodies: list[dict[str, Any]] = []

    async def complete(self, body: Mapping[str, Any], functions: Mapping[str, str]
                       ) -> dict[str, Any]:
        """The next reply as a chat completion (`ChatModel.complete`)."""
        reply = self.replies[min(self.requests, len(self.replies) - 1)]
        self.requests += 1
        self.bodies.append(json.loads(json.dumps(body, default=str)))
        by_uri = {uri: name for name, uri in functions.items()}
        message: dict[str, Any] = {"role": "assistant"}
        if reply.calls is None:
            message["content"] = reply.answer
        else:
            message["content"] = reply.text
            message["tool_calls"] = [
                {"id": f"call_{self.requests}_{number}", "type": "function",
                 "function": {"name": by_uri.get(call.tool, call.tool),
                              "arguments": call.args if isinstance(call.args, str)
                              else json.dumps(call.args)}}
                for number, call in enumerate(reply.calls, 1)]
        completion: dict[str, Any] = {"object": "chat.completion",
                                      "model": str(body.get("model", "")),
                                      "choices": [{"index": 0, "message": message}]}
        if reply.usage is not None:
            completion["usage"] = reply.usage.model_dump()
        return completion
