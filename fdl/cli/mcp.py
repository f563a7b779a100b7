"""``fdl mcp``: the project's registered tools and flows as an MCP server (tools.md §6).

Over stdio by default (an MCP client starts ``fdl mcp`` as its server; stdout carries the
protocol only, everything else goes to stderr), or over streamable HTTP with ``--http
HOST:PORT`` (the endpoint is ``http://HOST:PORT/mcp``; served by Hypercorn on trio). Calls
run through the runtime and are journaled in the project's run store (``fdl runs list``
shows them). What is served is `fdl.mcpserve`'s. At the start, the tools of the configured
MCP servers the project's flows call are imported when the registry does not know them
(`fdl.mcpauto`), with a note on stderr.

Exit codes: 0 when the client closes the connection (stdio) or on Ctrl-C (HTTP), 2 usage
error (a malformed configuration, a bad ``--http``).
"""

from __future__ import annotations

from pathlib import Path

import click
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve
from mcp.server.stdio import stdio_server

from compiler import Plan, ToolCatalog, check_text
from fdl.mcpauto import import_for_flows
from fdl.mcpserve import mcp_server, served_tools
from fdl.project import open_run_store, open_tooling, store_spec
from runtime import Runtime
from stdlib.config import project_config
from stdlib.flowfiles import flow_files, read_flow_text
from stdlib.registry import ToolSpec, ToolSpecError

__all__ = ["mcp_command"]


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"'{text}' is not HOST:PORT (e.g. 127.0.0.1:8765)",
                                 param_hint="--http")
    return host.strip("[]"), int(port)


def _flows(folder: Path, catalog: ToolCatalog | None) -> list[tuple[ToolSpec, Plan]]:
    """The flows of the project that compile, each with its ToolSpec; the others are
    reported on stderr and left out."""
    found: list[tuple[ToolSpec, Plan]] = []
    for file in flow_files(folder):
        text, problem = read_flow_text(file)
        plan = None
        why = problem.headline() if problem is not None else "it does not compile"
        if text is not None:
            result = check_text(text, str(file), catalog=catalog)
            plan = result.plan
            errors = [d for d in result.diagnostics if d.is_error]
            if errors:
                why = errors[0].headline()
        if plan is None:
            click.echo(f"warning: the flow is not served: {why}", err=True)
            continue
        code = str(file.relative_to(folder).with_suffix(""))
        try:
            found.append((ToolSpec.from_flow(plan, code=code), plan))
        except ToolSpecError as error:
            click.echo(f"warning: {file} is not served: {error}", err=True)
    return found


@click.command("mcp")
@click.option("--http", "http", metavar="HOST:PORT",
              help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio.")
@click.option("--tenant", metavar="T", help="Serve the tools this tenant sees; runs are "
                                            "made for this tenant.")
@click.option("--store", "store_option", metavar="SPEC",
              help="The run store (default: <state>/runs.db of the project).")
def mcp_command(http: str | None, tenant: str | None, store_option: str | None) -> None:
    """Serve the project's tools and flows as an MCP server (stdio, or --http)."""
    address = _address(http) if http is not None else None
    config = project_config()
    for outcome in import_for_flows(config, Path.cwd(), tenant=tenant):
        click.echo(f"fdl mcp: {outcome.note()}", err=True)
    tooling, tools = open_tooling(None, config, tenant)
    flows = _flows(config.flows_folder(Path.cwd()), tooling.catalog)
    served = served_tools(tooling.specs, flows)
    store = open_run_store(store_spec(store_option, config))

    async def main() -> None:
        try:
            async with Runtime(tools=tools.provider, store=store,
                               timezone=config.timezone) as rt:
                server = mcp_server(served, rt, catalog=tooling.catalog, tenant=tenant)
                if address is None:
                    click.echo(f"fdl mcp: serving {len(served)} tools over stdio", err=True)
                    async with stdio_server() as (read, write):
                        await server.run(read, write, server.create_initialization_options())
                    return
                host, port = address
                app = server.streamable_http_app(host=host)
                settings = HypercornConfig()
                settings.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
                settings.accesslog = None
                settings.errorlog = None

                click.echo(f"fdl mcp: serving {len(served)} tools at "
                           f"http://{host}:{port}/mcp", err=True)
                await serve(app, settings, mode="asgi")  # type: ignore[arg-type]
        finally:
            await tools.aclose()

    try:
        trio.run(main)
    except KeyboardInterrupt:
        pass
    finally:
        tooling.close()
        if store is not None:
            store.close()
