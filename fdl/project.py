"""The real tools of a project: ``api://``, ``svc://``, ``db://``, ``mcp://``, ``agent://``,
``flow://``, ``py://``, ``shell://``, ``mail://``, ``oss://``, ``sms://`` and ``mq://`` adapters
built from the configuration (interfaces.md §3) and the project's ToolSpecs (tools.md §6).

`project_tools` is what ``fdl run``, ``fdl runs resume`` and ``fdl test`` (for mocks with
``passthrough``) run flows with:

* ``services:`` become `stdlib.tools.ApiTools` services; each ``api``/``svc`` ToolSpec's
  ``config`` becomes its endpoint (method, path, query, body, headers);
* ``databases:`` become `stdlib.tools.DbTools` databases (``{url: ..., native: true}`` or
  just the URL); each ``db`` ToolSpec declares a table's record type and key. A relative
  ``sqlite:///`` path is relative to the configuration file's folder (not to the folder the
  command runs in), and its folder is created when missing;
* ``mcp:`` servers become `stdlib.tools.mcp.McpTools` (started on first use, kept until
  `ProjectTools.aclose`); ``mcp`` ToolSpecs give their tools' arguments;
* ``agents:`` become `runtime.agents.AgentTools` (their tool calls run on this provider);
* ``flows:`` is where ``flow://name`` finds ``name.yaml``; the called flows use the same tools
  and catalog;
* ``mail:`` entries become `stdlib.tools.mail.MailTools` SMTP servers (``mail://<name>/send``),
  ``oss:`` entries `stdlib.tools.oss.OssTools` stores (a ``file://`` folder relative to the
  configuration file's folder, or an ``s3://`` bucket), where mail attachments are read;
  ``sms:`` entries `stdlib.tools.sms.SmsTools` gateways (calls of the tool each one names);
  ``mq:`` entries `stdlib.tools.mq.MqTools` brokers (Redis streams, NATS, AMQP, MQTT), with
  the ``mq`` ToolSpecs (one operation on one topic; `fdl tools import-asyncapi`);
* each ``py``/``shell`` ToolSpec becomes a `stdlib.tools.process.ProcessTools` tool (its
  paths relative to the configuration file's folder).

Building is cheap and opens nothing: connections are made on first use inside the run and
closed by `ProjectTools.aclose`. The configuration was validated whole when it was read
(`stdlib.config.project_config`: a malformed entry is a `stdlib.config.ConfigError` naming
the file, the key and its line); what can still fail here, before anything runs, is what needs
the ToolSpecs or a driver: a ToolSpec's ``config`` the adapter refuses, an unsupported
database URL.

This module is the composition root: the only place where the configuration, the catalog,
the registry, the adapters, the mocks and the run store of one project meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from compiler import Plan, ToolCatalog
from gml.types import ObjectType, deref
from runtime import Mocks, ToolProvider
from runtime.agents import AgentTools
from runtime.store import RunStore, open_store
from runtime.subflows import DEFAULT_MAX_RUNS, FlowTools
from stdlib.catalogs import project_catalog
from stdlib.config import (
    STORE_FILE,
    ConfigError,
    DatabaseConfig,
    ProjectConfig,
)
from stdlib.registry import Registry, RegistryError, ToolSpec
from stdlib.tools import ToolCodes, chain
from stdlib.tools.api import ApiTools, Endpoint, Service
from stdlib.tools.config import TableConfig, TableSpec, read_config
from stdlib.tools.db import DbTools
from stdlib.tools.mail import MailTools
from stdlib.tools.mq import MqTools
from stdlib.tools.mq_config import MqToolConfig
from stdlib.tools.oss import OssTools
from stdlib.tools.process import ProcessTools
from stdlib.tools.sms import SmsTools

if TYPE_CHECKING:
    from stdlib.tools.mcp import McpTools

__all__ = [
    "ProjectTools",
    "Tooling",
    "code_types",
    "database_urls",
    "load_mocks",
    "load_tooling",
    "open_run_store",
    "open_tooling",
    "project_tools",
    "store_spec",
]


@dataclass(slots=True)
class Tooling:
    """What a command knows about a project's tools.

    Attributes:
        catalog: what flows are compiled with (`stdlib.catalogs.project_catalog`, as
            ``fdl check`` has it).
        specs: the default version of every tool the tenant sees (the adapters' endpoints
            and tables).
        registry: the project's registry (``<state>/registry.db``), or None when the
            project has neither tool folders nor a registry; `close` it.
    """

    catalog: ToolCatalog | None
    specs: list[ToolSpec]
    registry: Registry | None = None

    def close(self) -> None:
        """Close the registry."""
        if self.registry is not None:
            self.registry.close()
            self.registry = None


def load_tooling(tools_dir: Path | None, config: ProjectConfig, tenant: str | None, *,
                 start: Path | None = None) -> Tooling:
    """The project's tools for running flows: the ToolSpec folders (``--tools DIR``, else
    ``tools:`` of ``config``) synced into the registry ``<state>/registry.db``, which is only
    created when there are folders to sync (or into the PostgreSQL database ``state:``
    names, always opened). ToolSpec problems are not repeated here:
    ``fdl check`` and ``fdl tools`` report them (an invalid file is left out).

    ``config`` is the project of the flow being run (`stdlib.config.project_config` from the
    flow file's folder); ``start`` is the folder it was looked up from (default: the
    configuration's folder), where the catalog's ``flow://`` names resolve.

    Raises:
        ConfigError: the configuration is malformed or the registry cannot be opened.
    """
    folders = config.existing_tool_folders(tools_dir)
    spec = config.registry_spec
    # A registry on PostgreSQL (state: postgresql://...) is the configuration's business.
    path, key = ((spec, None) if isinstance(spec, Path)
                 else (config.file or config.state, "state"))
    if isinstance(spec, Path) and not folders and not spec.exists():
        return Tooling(None, [])
    try:
        if isinstance(spec, Path):
            spec.parent.mkdir(parents=True, exist_ok=True)
        registry = Registry(spec)
    except (OSError, RegistryError) as error:
        raise ConfigError(path, key, f"the tool registry cannot be opened: {error}") from None
    try:
        for folder in folders:
            registry.sync_folder(folder)
        specs = registry.list(tenant=tenant)
        if not folders and not specs:  # an empty PostgreSQL registry: as no registry file
            registry.close()
            return Tooling(None, [])
        catalog, _problems = project_catalog(tools_dir, start=start or config.base,
                                             tenant=tenant, registered=specs)
    except RegistryError as error:
        registry.close()
        raise ConfigError(path, key, f"the tool registry: {error}") from None
    except BaseException:
        registry.close()
        raise
    return Tooling(catalog, specs, registry)


class Closable(Protocol):
    """An adapter holding connections or processes (`ApiTools`, `DbTools`, `McpTools`,
    `ProcessTools`, ...)."""

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class ProjectTools:
    """The adapters of one command: ``provider`` answers tool calls; `aclose` (inside the
    trio run that used them) closes their connections."""

    provider: ToolProvider
    closers: list[Closable] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close every adapter's connections (pools, HTTP clients, open streams)."""
        for adapter in self.closers:
            await adapter.aclose()


def _sqlite_url(url: str, base: Path) -> str:
    """``sqlite:///rel.db`` made absolute against ``base`` (its folder created)."""
    scheme, _, rest = url.partition("://")
    path, sep, query = rest.partition("?")
    path = path[1:] if path.startswith("/") else path
    if path in ("", ":memory:"):
        return url
    absolute = Path(path) if Path(path).is_absolute() else base / path
    absolute.parent.mkdir(parents=True, exist_ok=True)
    return f"{scheme}:///{absolute.resolve()}{sep}{query}"


def database_urls(databases: Mapping[str, str | DatabaseConfig] | None, base: Path
                  ) -> tuple[dict[str, str], set[str]]:
    """``databases:`` of the configuration (validated by `stdlib.config.ProjectConfig`) →
    (URLs by name, names with ``native`` on); relative SQLite paths resolved against
    ``base``."""
    urls: dict[str, str] = {}
    native: set[str] = set()
    for name, entry in (databases or {}).items():
        url, flag = (entry, False) if isinstance(entry, str) else (entry.url, entry.native)
        if flag:
            native.add(name)
        urls[name] = _sqlite_url(url, base) if url.lower().startswith("sqlite:") else url
    return urls, native


def _endpoints(specs: Iterable[ToolSpec]) -> dict[str, Endpoint]:
    endpoints: dict[str, Endpoint] = {}
    for spec in specs:
        if spec.type not in ("api", "svc"):
            continue
        try:
            endpoints[spec.uri] = Endpoint.from_config(spec.config, list(spec.inputs))
        except ValueError as error:
            raise ConfigError(None, None, f"the ToolSpec {spec.uri}: {error}") from None
    return endpoints


def _tables(specs: Iterable[ToolSpec], databases: Mapping[str, str]) -> list[TableSpec]:
    tables: list[TableSpec] = []
    for spec in specs:
        if spec.type != "db" or spec.code.split(".")[0] not in databases:
            continue  # a table of a database this project does not configure: F406 if used
        record = deref(spec.out_type) if spec.out_type is not None else None
        fields = dict(record.fields) if isinstance(record, ObjectType) else None
        try:
            config = read_config(TableConfig, spec.config, at=("config",), context={
                "fields": fields, "record": spec.out_type is not None})
            tables.append(TableSpec(spec.code, fields, config.key))
        except ValueError as error:
            raise ConfigError(None, None, f"the ToolSpec {spec.uri}: {error}") from None
    return tables


def code_types(specs: Iterable[ToolSpec]) -> Callable[[str], Sequence[str]]:
    """The types of the tools with a code, from the project's ToolSpecs: how a
    ``tool://<code>`` compiled without a catalog finds its adapter at run time
    (`stdlib.tools.ToolCodes`). A ``db`` spec's code is its table: ``<table>/<operation>``
    is a ``db`` tool."""
    by_code: dict[str, set[str]] = {}
    for spec in specs:
        by_code.setdefault(spec.code, set()).add(spec.type)

    def types_of(code: str) -> Sequence[str]:
        found = {t for t in by_code.get(code, ()) if t != "db"}
        table, sep, _operation = code.rpartition("/")
        if sep and "db" in by_code.get(table, ()):
            found.add("db")
        return sorted(found)

    return types_of


def project_tools(config: ProjectConfig, specs: Iterable[ToolSpec], *,
                  catalog: ToolCatalog | None = None,
                  named_flows: Callable[[str], Plan | None] | None = None) -> ProjectTools:
    """The adapters for a project's configuration (validated already: `services`,
    `databases`, `flows`) and its ToolSpecs; ``named_flows`` answers ``flow://`` names
    before the flows folder (`runtime.subflows.FlowTools`'s ``named``).

    Raises:
        ConfigError: a ToolSpec whose adapter configuration cannot be used, or a database
            URL the ``db`` adapter does not support.
    """
    file = config.file
    base = config.base or Path.cwd()
    specs = list(specs)
    services = {name: Service(name, entry.url, entry.headers, entry.auth, entry.millis)
                for name, entry in (config.services or {}).items()}
    api = ApiTools(services, _endpoints(specs))
    urls, native = database_urls(config.databases, base)
    try:
        db = DbTools(urls, _tables(specs, urls), native=native, tz=config.timezone)
    except ValueError as error:
        raise ConfigError(file, "databases", str(error)) from None
    flows = FlowTools(config.flows_folder(base), catalog=catalog, timezone=config.timezone,
                      max_runs=config.flow_runs or DEFAULT_MAX_RUNS, named=named_flows)
    processes = _process_tools(specs, base)
    oss = OssTools(config.oss or {}, base=base)
    mail = MailTools(config.mail or {}, base=base, attachments=oss.attachment)
    sms = SmsTools(config.sms or {})
    mq = MqTools(config.mq or {}, _mq_tools(specs))
    closers: list[Closable] = [api, db, processes, mail, oss, sms, mq]
    mcp = _mcp_tools(config, specs, base)
    if mcp is not None:
        closers.append(mcp)
    agents = AgentTools(config.agents, specs=specs, flows=config.flows_folder(base),
                        catalog=catalog, timezone=config.timezone) if config.agents else None
    typed = chain(flows, api, db, processes, mail, oss, sms, mq, mcp, agents)
    provider = chain(typed, ToolCodes(code_types(specs), typed))
    flows.bind(provider)
    sms.bind(provider)
    if agents is not None:
        agents.bind(provider)
    return ProjectTools(provider, closers)


def _mq_tools(specs: Iterable[ToolSpec]) -> dict[str, tuple[MqToolConfig, list[str]]]:
    """The ``mq`` ToolSpecs (`fdl tools import-asyncapi`) by code: their checked config and
    declared arguments."""
    found: dict[str, tuple[MqToolConfig, list[str]]] = {}
    for spec in specs:
        if spec.type == "mq":
            try:
                checked = read_config(MqToolConfig, spec.config, at=("config",),
                                      context={"arguments": list(spec.inputs)})
            except ValueError as error:
                raise ConfigError(None, None, f"the ToolSpec {spec.uri}: {error}") from None
            found[spec.code] = (checked, list(spec.inputs))
    return found


def _process_tools(specs: Iterable[ToolSpec], base: Path) -> ProcessTools:
    """``py://`` and ``shell://`` tools from their ToolSpecs (paths relative to ``base``)."""
    chosen = [(spec.type, spec.code, spec.config, list(spec.inputs)) for spec in specs
              if spec.type in ("py", "shell")]
    try:
        return ProcessTools(chosen, base)
    except ValueError as error:
        raise ConfigError(None, None, f"a py or shell ToolSpec: {error}") from None


def _mcp_tools(config: ProjectConfig, specs: Sequence[ToolSpec], base: Path
               ) -> McpTools | None:
    """The ``mcp://`` adapter of the configured servers (None without ``mcp:``); the
    arguments of their tools come from the ``mcp`` ToolSpecs (`fdl tools import-mcp`)."""
    if not config.mcp:
        return None
    # The MCP SDK (anyio, starlette, its HTTP client) is heavy: only a project that
    # configures servers loads it.
    from stdlib.tools.mcp import McpTools

    arguments = {spec.code: tuple(spec.inputs) for spec in specs if spec.type == "mcp"}
    return McpTools(config.mcp, base, arguments=arguments)


def open_tooling(tools_dir: Path | None, config: ProjectConfig, tenant: str | None, *,
                 start: Path | None = None) -> tuple[Tooling, ProjectTools]:
    """The project's catalog and registry (`load_tooling`), and its real tool adapters
    (`project_tools`); the registry is closed again when the adapters cannot be built.
    ``config`` is the flow file's project and ``start`` the flow file's folder (see
    `load_tooling`): the registry, the run's relative paths (``databases:``, ``flows:``,
    ``tools:``) are those of ``config``, whatever the working folder.

    Raises:
        ConfigError: as `load_tooling` and `project_tools`.
    """
    tooling = load_tooling(tools_dir, config, tenant, start=start)
    try:
        tools = project_tools(config, tooling.specs, catalog=tooling.catalog)
    except BaseException:
        tooling.close()
        raise
    return tooling, tools


def load_mocks(path: Path | None) -> Mocks | None:
    """The mock file at ``path`` (None: no mocks).

    Raises:
        MockFileError: the file is malformed (with its position).
    """
    return None if path is None else Mocks.load(path)


def store_spec(store: str | None, config: ProjectConfig) -> str:
    """The run store to use: the one given, else the project's: ``<state>/runs.db``, or
    the PostgreSQL database ``state:`` names."""
    return store if store is not None else config.store_spec


def open_run_store(spec: str, *, create: bool = True) -> RunStore | None:
    """Open the run store ``spec`` (a file, ``sqlite:///PATH``, ``postgresql://...`` or
    ``memory``); None when ``create`` is false and it is a file that does not exist
    (read-only commands do not create files; a PostgreSQL store gets its tables).

    Raises:
        StoreError: the store cannot be opened.
    """
    if not create and "://" not in spec and not spec.startswith("sqlite:") \
            and spec.strip().lower() not in ("memory", ":memory:"):
        path = Path(spec).expanduser()
        if path.is_dir():
            path = path / STORE_FILE
        if not path.exists():
            return None
    return open_store(spec)

