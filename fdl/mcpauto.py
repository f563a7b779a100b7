"""The automatic import of an MCP server's tools (tools.md §6): when ``fdl check``, ``fdl run``
or ``fdl test`` meet ``mcp://<server>/<tool>`` of a server configured under ``mcp:`` whose tools
the project does not know (neither a ToolSpec folder nor the registry has a tool
``mcp://<server>/...``), the server is started (or reached), its ``tools/list`` translated
(`stdlib.mcpimport`) and registered in the project's registry, as ``fdl tools import-mcp
<server>`` does. The registry is the cache: a server whose tools are known is not asked again;
``fdl tools import-mcp <server>`` refreshes them explicitly.

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
from stdlib.registry import Registry, RegistryError, ToolSpecError

__all__ = ["McpAutoImport", "import_unknown_servers", "servers_called"]

_MCP_CALL = re.compile(r"\bmcp://([A-Za-z0-9_][A-Za-z0-9_.-]*)/")


def servers_called(texts: Iterable[str]) -> set[str]:
    """The server names of the ``mcp://<server>/...`` URIs in flow texts."""
    return {match.group(1) for text in texts for match in _MCP_CALL.finditer(text)}


@dataclass(frozen=True, slots=True)
class McpAutoImport:
    """What happened to one server.

    Attributes:
        server: its name under ``mcp:``.
        tools: the tools registered (0 on failure).
        problems: what was not translated exactly (``tool#/pointer: message``).
        error: why nothing was imported, or None.
    """

    server: str
    tools: int = 0
    problems: tuple[str, ...] = ()
    error: str | None = None

    def note(self) -> str:
        """One line for stderr (``note:`` or ``warning:``)."""
        if self.error is not None:
            return (f"warning: the tools of the MCP server '{self.server}' were not imported, "
                    f"so calls of mcp://{self.server}/... are not type-checked: {self.error}")
        problems = len(self.problems)
        return (f"note: imported {self.tools} tool{'s' if self.tools != 1 else ''} of the MCP "
                f"server '{self.server}' into the registry"
                + (f" ({problems} problem{'s' if problems != 1 else ''}: see fdl tools "
                   f"import-mcp {self.server})" if problems else "")
                + f"; `fdl tools import-mcp {self.server}` refreshes them")


def _known_servers(config: ProjectConfig, tools_dir: Path | None, start: Path,
                   tenant: str | None) -> set[str]:
    """The servers the project's catalog has at least one ``mcp`` tool of."""
    catalog, _problems = project_catalog(tools_dir, start=start, tenant=tenant)
    codes = catalog.codes("mcp") if catalog is not None else []
    return {code.partition("/")[0] for code in codes}


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
                tenant: str | None) -> McpAutoImport:
    """List one server and register its tools."""
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
        return McpAutoImport(name, error=error.message)
    found = import_mcp_tools(name, listed, tenant=tenant)
    try:
        registry.register_many(found.tools, tenant=tenant, source=f"mcp:{name}")
    except (RegistryError, ToolSpecError) as error:
        return McpAutoImport(name, error=f"the registry refused them: {error}")
    return McpAutoImport(name, len(found.tools), tuple(
        f"{p.pointer}: {p.message}" for p in found.problems))


def import_unknown_servers(config: ProjectConfig, texts: Iterable[str], *,
                           tools_dir: Path | None = None, start: Path | None = None,
                           tenant: str | None = None,
                           skip: Iterable[str] = ()) -> list[McpAutoImport]:
    """Import the tools of every configured server that ``texts`` (flow files) call and the
    project does not know yet; one outcome per server tried (none: nothing to do). ``skip``:
    servers already tried by this command. Must be called outside a trio run.

    Raises:
        ConfigError: the configuration or the registry cannot be read.
    """
    servers = config.mcp or {}
    wanted = sorted(name for name in servers_called(texts) - set(skip) if name in servers)
    if not wanted or _in_trio():
        return []
    base = config.base or Path.cwd()
    known = _known_servers(config, tools_dir, start or base, tenant)
    missing = [name for name in wanted if name not in known]
    if not missing:
        return []
    path = config.registry_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        registry = Registry(path)
    except (OSError, RegistryError) as error:
        raise ConfigError(path, None, f"the tool registry cannot be opened: {error}") from None
    with registry:
        return [_import_one(registry, name, config, base, tenant) for name in missing]
