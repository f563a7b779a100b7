"""The tool catalog of a project: what ``fdl check``, ``compile``, ``run`` and ``test`` (and
the editor) compile flows with.

`project_catalog` chains, in this order of precedence:

1. the ToolSpec folders (``--tools DIR``, else ``tools:`` of the configuration: a folder or a
   list; without the key, ``tools/`` beside the configuration when it exists), read as files
   so that their problems are reported with positions;
2. the project's registry (``<state>/registry.db``) when it exists: tools registered with
   ``fdl tools register`` or imported from OpenAPI, read once and closed;
3. the tools of the configuration (`configured_signatures`: the operations of each ``mail:``,
   ``oss:``, ``sms:`` and ``mq:`` entry, ``mail://<name>/send``, ``oss://<name>/put``, ...);
4. the flows folder (`FlowCatalog`): ``flow://name`` is typed by the called flow's
   ``args.in``/``args.out`` (tools.md §2: a flow is a tool);
5. the ``mcp:`` servers (`McpServersCatalog`): no tools of their own (those are imported into
   the registry), but the advice for an unknown ``mcp://<server>/<tool>`` of a configured
   server: run ``fdl tools import-mcp <server>``.

Without tool folders, a registry or configured tools there is no catalog (None): tool calls are not
checked and their results are ``any`` (the "no tool catalog found" note).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from compiler import (
    ChainCatalog,
    Diagnostic,
    StaticCatalog,
    ToolCatalog,
    ToolSignature,
    flow_signature,
    parse_text,
)

from .config import ConfigError, ProjectConfig, project_config
from .flowfiles import find_flow, flow_names
from .registry import Registry, RegistryError, ToolSpec, load_tool_dir
from .tools.mail_config import mail_signatures
from .tools.mq_config import mq_signatures
from .tools.oss_config import oss_signatures
from .tools.sms_config import sms_signatures

__all__ = ["FlowCatalog", "McpServersCatalog", "configured_signatures", "mcp_import_hint",
           "project_catalog", "tool_catalog"]


@dataclass(frozen=True, slots=True)
class _Read:
    stamp: tuple[int, int]
    signature: ToolSignature


class FlowCatalog:
    """``flow://<name>`` → the signature of ``<flows>/<name>.yaml``: its inputs and ``out``.

    The called flow is parsed, not compiled, so flows that call each other do not recurse;
    its own problems are reported when it is checked itself. A flow file that cannot be
    read as a tool accepts any arguments and returns ``any`` (its file exists, so "unknown
    tool" would be wrong). Signatures are cached until the file changes.
    """

    def __init__(self, flows: Path) -> None:
        self.flows = flows
        self._cache: dict[Path, _Read] = {}

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        if type != "flow":
            return None
        if code == "call":  # flow://call?flow-id=<name>: the flow is chosen at run time
            return ToolSignature("flow", code, open_arguments=True)
        path = find_flow(self.flows, code)
        if path is None:
            return None
        try:
            info = path.stat()
        except OSError:
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._cache.get(path)
        if cached is None or cached.stamp != stamp:
            cached = _Read(stamp, _flow_signature(path, code))
            self._cache[path] = cached
        return cached.signature

    def types(self) -> frozenset[str]:
        return frozenset({"flow"})

    def codes(self, type: str) -> list[str]:
        """The flows of the folder by name (for "did you mean")."""

        return flow_names(self.flows) if type == "flow" else []

    def by_code(self, code: str) -> list[ToolSignature]:
        """The flow named ``code`` (``tool://<name>``), when there is one."""
        found = self.lookup("flow", code) if code != "call" else None
        return [found] if found is not None else []


def mcp_import_hint(server: str) -> str:
    """What to do about an unknown tool of the configured MCP server ``server``."""
    return (f"the MCP server '{server}' (mcp: in the configuration) has no such tool in the "
            f"registry: run `fdl tools import-mcp {server}` to import (or refresh) its tools; "
            "`fdl check` imports them, and lists the server again for a tool the registry "
            "does not know")


class McpServersCatalog:
    """The configured MCP servers as a `ToolCatalog` that knows no tool (their tools are
    imported into the registry) but advises on an unknown ``mcp://<server>/<tool>`` of a
    configured ``<server>`` (`compiler.catalog.unknown_hint`)."""

    def __init__(self, servers: Iterable[str]) -> None:
        self.servers = frozenset(servers)

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        return None

    def types(self) -> frozenset[str]:
        return frozenset({"mcp"}) if self.servers else frozenset()

    def codes(self, type: str) -> list[str]:
        return []

    def by_code(self, code: str) -> list[ToolSignature]:
        return []

    def unknown_hint(self, type: str, code: str) -> str | None:
        """`mcp_import_hint` for a tool of a configured server, else None."""
        server = code.partition("/")[0]
        return mcp_import_hint(server) if type == "mcp" and server in self.servers else None


def _flow_signature(path: Path, code: str) -> ToolSignature:
    """The flow in ``path`` as the tool ``flow://code``, parsed only
    (`compiler.flow_signature`); any arguments and ``any`` when it cannot be read."""
    try:
        model, _reporter = parse_text(path.read_text(encoding="utf-8-sig"), str(path))
    except (OSError, UnicodeDecodeError):
        model = None
    if model is None:
        return ToolSignature("flow", code, open_arguments=True)
    return flow_signature(model, code)


def _registry_signatures(path: Path | str, tenant: str | None
                         ) -> list[ToolSignature] | None:
    """The signatures of the registry's tools (default versions), read once (the file is
    closed); None when there is no registry file. ``path`` may be a ``postgresql://`` URL
    (``state:`` of the project)."""
    if isinstance(path, Path) and not path.is_file():
        return None
    try:
        with Registry(path) as registry:
            specs = registry.list(tenant=tenant)
    except RegistryError as error:
        raise ConfigError(path if isinstance(path, Path) else None,
                          None if isinstance(path, Path) else "state",
                          f"the tool registry cannot be read: {error}") from None
    return [s for spec in specs for s in spec.signatures()]


def tool_catalog(folders: Sequence[Path], registry: Path | str | Sequence[ToolSpec] | None,
                 tenant: str | None = None
                 ) -> tuple[StaticCatalog | None, list[Diagnostic]]:
    """The tools of ToolSpec folders, then those of the registry, as one catalog, with the
    problems of the folders' files; (None, []) when there are neither. ``registry`` is the
    registry file (read when it exists) or its tools already read.

    Raises:
        ConfigError: the registry cannot be read.
    """
    if isinstance(registry, Path | str):
        registered = _registry_signatures(registry, tenant)
    else:
        registered = None if registry is None else [
            s for spec in registry for s in spec.signatures()]
    if not folders and registered is None:
        return None, []
    signatures: list[ToolSignature] = []
    problems: list[Diagnostic] = []
    for folder in folders:
        catalog, found = load_tool_dir(folder)
        signatures.extend(catalog.tools())
        problems.extend(found)
    known = {(s.type, s.code) for s in signatures}
    signatures.extend(s for s in registered or () if (s.type, s.code) not in known)
    return StaticCatalog(signatures), problems


def project_catalog(tools_dir: Path | None = None, *, start: Path | None = None,
                    tenant: str | None = None, registered: Sequence[ToolSpec] | None = None
                    ) -> tuple[ToolCatalog | None, list[Diagnostic]]:
    """The project's tool catalog for the folder ``start`` (default: the working folder),
    with the problems found in its ToolSpec files; (None, []) when the project has neither
    tool folders nor a registry. ``registered``: the registry's tools when the caller has
    read them already (the file is then not read again).

    Raises:
        ConfigError: a malformed configuration, a configured tools folder that does
            not exist, a registry that cannot be read.
    """
    start = (start or Path.cwd()).resolve()
    config = project_config(start)
    folders = config.existing_tool_folders(tools_dir)
    registry = config.registry_spec if registered is None else registered
    tools, problems = tool_catalog(folders, registry, tenant)
    configured = configured_signatures(config)
    if tools is None and not configured:
        return None, []
    catalogs: list[ToolCatalog] = [] if tools is None else [tools]
    if configured:
        catalogs.append(StaticCatalog(configured))
    if config.mcp:
        catalogs.append(McpServersCatalog(config.mcp))
    return ChainCatalog(*catalogs, FlowCatalog(config.flows_folder(start))), problems


def configured_signatures(config: ProjectConfig) -> list[ToolSignature]:
    """The tools a project has by configuration rather than by ToolSpec: the operations of
    every ``mail:`` entry (``mail://<name>/send``), ``oss:`` entry (``oss://<name>/put``, ...)
    ``sms:`` entry (``sms://<name>/send``) and ``mq:`` entry (``mq://<name>/publish``, ...),
    typed for checking, completion and
    hover (tools.md §6)."""
    found: list[ToolSignature] = []
    for name in config.mail or {}:
        found.extend(mail_signatures(name))
    for name in config.oss or {}:
        found.extend(oss_signatures(name))
    for name in config.sms or {}:
        found.extend(sms_signatures(name))
    for name in config.mq or {}:
        found.extend(mq_signatures(name))
    return found
