"""The automatic import of an MCP server's tools (tools.md §6): when ``fdl check``, ``fdl run``
or ``fdl test`` meet ``mcp://<server>/<tool>`` of a server configured under ``mcp:`` whose tools
the project does not know (neither a ToolSpec folder nor the registry has a tool
``mcp://<server>/...``), the server is started (or reached), its ``tools/list`` translated
(`stdlib.mcpimport`) and registered in the project's registry, as ``fdl tools import-mcp
<server>`` does. The registry is the cache: a server whose tools are known is not asked again,
unless a flow calls a tool of it the registry does not know: then the server is listed again
(once per command: the caller's ``skip``) and its new tools are registered (the known ones
are left as they are); ``fdl tools import-mcp <server>`` refreshes them all explicitly.

``fdl mcp`` and ``fdl serve`` import, at start, for the flows of the project's flows folder
(and the service for a flow deployed to it), with the same notes in their logs.

The editor never starts a server (the language server stays off trio and the MCP SDK): it reads
the registry, and a call of a configured server without imported tools gets the hint to run
``fdl tools import-mcp <server>`` (`stdlib.catalogs.McpServersCatalog`), which ``fdl check``
does on its own.

A server that cannot be started or listed is not an error of the command: the outcome says
why, and the calls of its tools are then checked as before (unknown tools, E301, with the hint).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stdlib.catalogs import project_catalog
from stdlib.config import ConfigError, ProjectConfig
from stdlib.flowfiles import flow_files, read_flow_text
from stdlib.registry import Registry, RegistryError, ToolSpecError

__all__ = [
    "McpAutoImport",
    "flow_texts",
    "import_for_flows",
    "import_unknown_servers",
    "servers_called",
    "tools_called",
]

_MCP_CALL = re.compile(r"\bmcp://([A-Za-z0-9_][A-Za-z0-9_.-]*)/([A-Za-z0-9_][A-Za-z0-9_.-]*)?")


def servers_called(texts: Iterable[str]) -> set[str]:
    """The server names of the ``mcp://<server>/...`` URIs in flow texts."""
    return set(tools_called(texts))


def tools_called(texts: Iterable[str]) -> dict[str, set[str]]:
    """The tools of each server the ``mcp://<server>/<tool>`` URIs in flow texts name (a
    server named without a tool has an empty set)."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for match in _MCP_CALL.finditer(text):
            tools = found.setdefault(match.group(1), set())
            if match.group(2):
                tools.add(match.group(2).rstrip("."))
    return found


@dataclass(frozen=True, slots=True)
class McpAutoImport:
    """What happened to one server.

    Attributes:
        server: its name under ``mcp:``.
        tools: the tools registered (0 on failure).
        problems: what was not translated exactly (``tool#/pointer: message``).
        error: why nothing was imported, or None.
        unknown: for a server listed again (some of its tools were known), the called tools
            the registry did not know, which made it list the server again; empty for a
            first import.
    """

    server: str
    tools: int = 0
    problems: tuple[str, ...] = ()
    error: str | None = None
    unknown: tuple[str, ...] = ()

    def note(self) -> str:
        """One line for stderr (``note:`` or ``warning:``)."""
        if self.error is not None:
            return (f"warning: the tools of the MCP server '{self.server}' were not imported, "
                    f"so calls of mcp://{self.server}/... are not type-checked: {self.error}")
        problems = len(self.problems)
        if self.unknown:
            named = ", ".join(f"mcp://{self.server}/{tool}" for tool in self.unknown)
            return (f"note: listed the MCP server '{self.server}' again for {named}, which the "
                    f"registry did not know: imported {self.tools} new "
                    f"tool{'s' if self.tools != 1 else ''}"
                    + (f" ({problems} problem{'s' if problems != 1 else ''}: see fdl tools "
                       f"import-mcp {self.server})" if problems else ""))
        return (f"note: imported {self.tools} tool{'s' if self.tools != 1 else ''} of the MCP "
                f"server '{self.server}' into the registry"
                + (f" ({problems} problem{'s' if problems != 1 else ''}: see fdl tools "
                   f"import-mcp {self.server})" if problems else "")
                + f"; `fdl tools import-mcp {self.server}` refreshes them")


def _known_tools(config: ProjectConfig, tools_dir: Path | None, start: Path,
                 tenant: str | None) -> dict[str, set[str]]:
    """The ``mcp`` tools the project's catalog knows, by server."""
    catalog, _problems = project_catalog(tools_dir, start=start, tenant=tenant)
    known: dict[str, set[str]] = {}
    for code in catalog.codes("mcp") if catalog is not None else []:
        server, _, tool = code.partition("/")
        known.setdefault(server, set()).add(tool)
    return known


def _in_trio() -> bool:
    """Whether this runs inside a trio run (trio not even imported: it does not)."""
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.current_trio_token()
    except RuntimeError:
        return False
    return True


def _import_one(registry: Registry, name: str, config: ProjectConfig, base: Path,
                tenant: str | None, known: set[str], unknown: tuple[str, ...]
                ) -> McpAutoImport:
    """List one server and register its tools the project does not know (``known``: the
    tool names it knows; ``unknown``: the called ones it does not, for a server listed
    again)."""
    # trio, the MCP SDK and the JSON Schema translation are heavy: `fdl check` loads them
    # only when a server is to be listed.
    import trio

    from stdlib.mcpimport import import_mcp_tools
    from stdlib.tools import ToolError
    from stdlib.tools.mcp import list_server_tools

    servers = config.mcp or {}
    try:
        listed = trio.run(list_server_tools, name, servers[name], base)
    except ToolError as error:
        return McpAutoImport(name, error=error.message, unknown=unknown)
    found = import_mcp_tools(name, listed, tenant=tenant)
    new = [spec for spec in found.tools if spec.code.partition("/")[2] not in known]
    try:
        if new:
            registry.register_many(new, tenant=tenant, source=f"mcp:{name}")
    except (RegistryError, ToolSpecError) as error:
        return McpAutoImport(name, error=f"the registry refused them: {error}", unknown=unknown)
    return McpAutoImport(name, len(new), tuple(
        f"{p.pointer}: {p.message}" for p in found.problems), unknown=unknown)


def import_unknown_servers(config: ProjectConfig, texts: Iterable[str], *,
                           tools_dir: Path | None = None, start: Path | None = None,
                           tenant: str | None = None,
                           skip: Iterable[str] = ()) -> list[McpAutoImport]:
    """Import the tools of every configured server that ``texts`` (flow files) call and the
    project does not know yet: a server none of whose tools are known, or one of which a
    called tool is not known (listed again; only its new tools are registered). One
    outcome per server tried (none: nothing to do). ``skip``: servers already tried by this
    command. Must be called outside a trio run.

    Raises:
        ConfigError: the configuration or the registry cannot be read.
    """
    servers = config.mcp or {}
    called = tools_called(texts)
    wanted = sorted(name for name in set(called) - set(skip) if name in servers)
    if not wanted or _in_trio():
        return []
    base = config.base or Path.cwd()
    known = _known_tools(config, tools_dir, start or base, tenant)
    missing = [name for name in wanted
               if name not in known or called[name] - known[name]]
    if not missing:
        return []
    spec = config.registry_spec  # state_url (PostgreSQL), else <state>/registry.db
    try:
        if isinstance(spec, Path):
            spec.parent.mkdir(parents=True, exist_ok=True)
        registry = Registry(spec)
    except (OSError, RegistryError) as error:
        raise ConfigError(config.registry_path, None,
                          f"the tool registry cannot be opened: {error}") from None
    with registry:
        return [_import_one(registry, name, config, base, tenant, known.get(name, set()),
                            tuple(sorted(called[name] - known[name])) if name in known else ())
                for name in missing]


def import_for_flows(config: ProjectConfig, start: Path, *, tenant: str | None = None
                     ) -> list[McpAutoImport]:
    """`import_unknown_servers` for every flow of the project's flows folder (what ``fdl
    mcp`` and ``fdl serve`` serve, at their start); files that cannot be read are skipped
    (the commands report them when they compile the flows). Must be called outside a trio
    run (``fdl serve`` calls it in a worker thread).

    Raises:
        ConfigError: the configuration or the registry cannot be read.
    """
    if not config.mcp:
        return []
    return import_unknown_servers(config, flow_texts(config.flows_folder(start)),
                                  start=start, tenant=tenant)


def flow_texts(folder: Path) -> list[str]:
    """The texts of the flow files under ``folder`` that call an MCP tool (the files that
    cannot be read are left out)."""
    texts = []
    for file in flow_files(folder):
        text, _problem = read_flow_text(file)
        if text is not None and "mcp://" in text:
            texts.append(text)
    return texts
