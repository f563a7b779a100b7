"""A project's tools and flows as an MCP server (tools.md §6, "the other direction"):
what ``fdl mcp`` serves, over stdio or streamable HTTP.

* **tools/list** is the registry's MCP export (`stdlib.registry.to_mcp`) of the project's
  registered tools (their default versions; a ``db`` table exports its data operations) and
  of every flow of its ``flows:`` folder (`ToolSpec.from_flow`: name, description, ``args.in``
  and ``args.out`` as input and output schemas). A flow that does not compile is left out
  (it is reported once, on stderr, by the command).
* **tools/call** runs through the runtime, journaled in the project's run store like any
  run: a flow runs with the arguments as its inputs; a registered tool runs as a one-node
  flow made for the call (``exec: <uri>`` with the given arguments), so conversion to the
  declared types, defaults, retries, timeouts and the run's events are those of any call.
* **Results**: a completed run's output is the tool's result: structured content when the
  tool declares an object output schema, and its JSON text in every case. A failed run is
  an MCP tool error (``isError``) whose text is the run's error (code, message, node) as
  JSON, and whose structured content is that error. An unknown tool, or arguments that
  cannot be names of GML variables, are refused as JSON-RPC errors (invalid params).

The SDK's low-level `mcp.server.lowlevel.Server` is used (not `MCPServer`): its tools are
not Python functions but the registry's entries, with the registry's schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mcp_types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from compiler import Plan, ToolCatalog, check_text
from gml.values import to_json
from runtime import Runtime
from runtime.agents import call_flow_text
from stdlib.registry import ToolSpec, export_tools, to_mcp

__all__ = ["ServedTool", "mcp_server", "served_tools"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class ServedTool:
    """One MCP tool of the project.

    Attributes:
        entry: its ``tools/list`` entry (name, description, input and output schemas).
        uri: the tool it runs (``api://crm/customer``, ``flow://hello``).
        plan: the compiled flow, for a flow; None for a registered tool.
    """

    entry: Mapping[str, Any]
    uri: str
    plan: Plan | None = None

    @property
    def name(self) -> str:
        """The MCP tool name (the registry's function name: unique, at most 64 characters)."""
        return str(self.entry["name"])


def served_tools(specs: Sequence[ToolSpec], flows: Sequence[tuple[ToolSpec, Plan]]
                 ) -> list[ServedTool]:
    """The MCP tools of registered ``specs`` and compiled ``flows`` (each with its spec,
    `ToolSpec.from_flow`)."""
    plans = {spec.uri: plan for spec, plan in flows}
    exported = export_tools([*specs, *(spec for spec, _ in flows)])
    return [ServedTool(entry, tool.uri, plans.get(tool.uri))
            for tool, entry in zip(exported, to_mcp(exported), strict=True)]


def _text(value: Any) -> str:
    return to_json(value, pretty=True)


class _Handlers:
    """The request handlers over the served tools and one runtime."""

    def __init__(self, tools: Sequence[ServedTool], runtime: Runtime,
                 catalog: ToolCatalog | None, tenant: str | None) -> None:
        self.tools = {tool.name: tool for tool in tools}
        self.listing = mcp_types.ListToolsResult(
            tools=[mcp_types.Tool.model_validate(tool.entry) for tool in tools])
        self.runtime = runtime
        self.catalog = catalog
        self.tenant = tenant

    async def list_tools(self, ctx: ServerRequestContext[Any, Any],
                         params: mcp_types.PaginatedRequestParams | None
                         ) -> mcp_types.ListToolsResult:
        return self.listing

    def _plan(self, tool: ServedTool, arguments: Mapping[str, Any]) -> Plan:
        if tool.plan is not None:
            return tool.plan
        bad = [name for name in arguments if not _IDENTIFIER.match(name)]
        if bad:
            raise MCPError(mcp_types.INVALID_PARAMS, f"'{bad[0]}' is not an argument of "
                           f"{tool.name}")
        text = call_flow_text(tool.uri, list(arguments))
        result = check_text(text, f"<mcp {tool.uri}>", catalog=self.catalog)
        if result.plan is None:
            problems = "; ".join(d.message for d in result.diagnostics if d.is_error)
            raise MCPError(mcp_types.INVALID_PARAMS, f"{tool.name}: {problems}")
        return result.plan

    async def call_tool(self, ctx: ServerRequestContext[Any, Any],
                        params: mcp_types.CallToolRequestParams) -> mcp_types.CallToolResult:
        tool = self.tools.get(params.name)
        if tool is None:
            raise MCPError(mcp_types.INVALID_PARAMS, f"unknown tool '{params.name}': "
                           "tools/list names the tools of this project")
        arguments = dict(params.arguments or {})
        plan = self._plan(tool, arguments)
        result = await self.runtime.run(plan, arguments, tenant=self.tenant)
        if result.status != "completed":
            error = dict(result.error or {"code": result.status, "message": result.status})
            error["run_id"] = result.run_id
            return mcp_types.CallToolResult(
                content=[mcp_types.TextContent(type="text", text=_text(error))],
                structured_content={"error": json.loads(to_json(error))}, is_error=True)
        output = json.loads(to_json(result.output))
        structured = output if "outputSchema" in tool.entry and isinstance(output, dict) \
            else None
        return mcp_types.CallToolResult(
            content=[mcp_types.TextContent(type="text", text=_text(result.output))],
            structured_content=structured)


def mcp_server(tools: Sequence[ServedTool], runtime: Runtime, *,
               catalog: ToolCatalog | None = None, tenant: str | None = None,
               name: str = "fdl") -> Server[Any]:
    """The SDK server answering ``tools/list`` and ``tools/call`` for ``tools``, running
    calls on ``runtime`` (entered by the caller, which owns its store and adapters);
    ``catalog`` compiles the calls of registered tools."""
    handlers = _Handlers(tools, runtime, catalog, tenant)
    return Server(name, on_list_tools=handlers.list_tools, on_call_tool=handlers.call_tool)
