"""``sms://<name>/send`` — an SMS gateway described as an ``api`` tool (spec/tools.md §6).

An ``sms:`` entry names the gateway's tool (`stdlib.tools.sms_config.SmsConfig`: ``{tool:
'api://sms-gateway/send'}``); a call is a call of that tool with the arguments ``to`` and
``content`` (and the call's run, node, attempt and idempotency key), answered with the
gateway's result or failing with its error. The gateway's tool comes from the project's own
provider (`SmsTools.bind`), so its service, ToolSpec, credentials and mocks are those of any
``api`` call. A gateway the project does not have is F406.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from stdlib.tools import Tool, ToolCall, ToolError, ToolProvider

from .sms_config import SMS_OPERATIONS, SmsConfig

__all__ = ["SmsTools"]


class SmsTools:
    """A runtime `ToolProvider` for ``sms://<name>/send``; `bind` gives it the provider the
    gateways' tools come from."""

    def __init__(self, gateways: Mapping[str, SmsConfig]) -> None:
        self.gateways = dict(gateways)
        self.provider: ToolProvider | None = None

    def bind(self, provider: ToolProvider) -> None:
        """Where the gateways' tools are found (the project's whole provider)."""
        self.provider = provider

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``sms://<name>/send``; None for others."""
        scheme, _, code = base.partition("://")
        name, _, operation = code.partition("/")
        if scheme != "sms" or operation not in SMS_OPERATIONS or name not in self.gateways:
            return None
        return _SendTool(self, name, self.gateways[name].tool)

    async def aclose(self) -> None:
        """Nothing of its own stays open (the gateway's adapter closes its connections)."""


class _SendTool:
    arguments: Sequence[str] = ("to", "content")

    def __init__(self, owner: SmsTools, name: str, target: str) -> None:
        self.owner = owner
        self.name = name
        self.target = target

    async def call(self, call: ToolCall) -> Any:
        provider = self.owner.provider
        gateway = provider.resolve(self.target) if provider is not None else None
        if gateway is None:
            raise ToolError("F406", f"sms://{self.name}/send: its gateway {self.target} is "
                            "not available: configure its service and ToolSpec")
        scheme, _, code = self.target.partition("://")
        forwarded = dataclasses.replace(
            call, uri=self.target, base=self.target, type=scheme, code=code,
            args={"to": call.args.get("to"), "content": call.args.get("content")},
            options={})
        return await gateway.call(forwarded)
