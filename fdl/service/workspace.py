"""What ``fdl serve`` serves: one project's registry, run store, service database and one
`runtime.Runtime`, shared by every request and every run (spec/service.md §1).

Tenants share the runtime but not their tools: a run's tool calls resolve through
`TenantTools`, which asks the adapters built from the tools *its tenant* sees (its own
ToolSpecs and the global ones). The tenant of the current run is a context variable set by
`TenantTools.using`: trio hands a copy of the context to every task a run spawns, so the
calls a run makes find their tenant without the runtime knowing about tenants at all.

``flow://<name>`` finds the tenant's deployed flows first (compiled with the tenant's
catalog, cached like the flows runs start), then the project's flows folder; the tenant's
catalog knows the deployed flows' signatures the same way (`DeployedCatalog`).

The adapters of a tenant are built on first use (building opens no connection:
`fdl.project.project_tools`). When the tools or the deployed flows change
(`Workspace.retire`) the builds are retired: each is closed as soon as no tool call
through it is in progress (a call is counted from `TenantTools.resolve` to its end), so
connections of replaced adapters do not pile up until shutdown.

A workspace is used from the trio thread and from the service's worker threads: its
caches are guarded by one lock.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import trio

from compiler import ChainCatalog, ToolCatalog, check_text
from compiler.plan import Plan
from fdl.mcpauto import McpAutoImport, flow_texts, import_unknown_servers
from fdl.project import ProjectTools, load_tooling, project_tools
from runtime import Runtime, Tool, ToolCall, ToolError
from runtime.store import RunStore, open_store
from stdlib.catalogs import project_catalog
from stdlib.config import ConfigError, ProjectConfig
from stdlib.registry import Registry

from .database import DeployedFlow, ServiceDatabase
from .deployed import DeployedCatalog

__all__ = ["FlowCompileError", "TenantTools", "Workspace", "open_workspace"]

MAX_PLANS = 1000
"""Compiled deployed flows kept (the cache is emptied when it grows past this)."""


class FlowCompileError(Exception):
    """A deployed flow no longer compiles (a tool it calls changed): its errors."""

    def __init__(self, flow: DeployedFlow, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"the flow '{flow.name}' no longer compiles; deploy it again")
        self.errors = errors


@dataclass(slots=True)
class _Built:
    generation: int
    catalog: ToolCatalog | None
    tools: ProjectTools
    calls: int = 0
    retired: bool = False
    closed: bool = field(default=False)


class _Counted:
    """A tool of one build, counting the calls through it in progress (so that a retired
    build is closed only once no call uses it); other attributes (``scope_names``) are
    the tool's. A call made after its build was closed (a retry, after a change of the
    tools between two attempts) goes to the tenant's current build."""

    def __init__(self, tool: Tool, built: _Built, workspace: Workspace, tenant: str,
                 base: str) -> None:
        self._tool = tool
        self._built = built
        self._workspace = workspace
        self._tenant = tenant
        self._base = base

    @property
    def arguments(self) -> Any:
        return self._tool.arguments

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tool, name)

    async def call(self, call: ToolCall) -> Any:
        if self._built.closed:
            built = self._workspace._tenant(self._tenant)
            tool = built.tools.provider.resolve(self._base)
            if tool is None:
                raise ToolError("F406", f"the tool {self._base} is no longer available (the "
                                "tools changed during the call)", type="tool")
            self._tool, self._built = tool, built
        built = self._built
        built.calls += 1
        try:
            return await self._tool.call(call)
        finally:
            built.calls -= 1
            if built.retired and built.calls == 0:
                with trio.CancelScope(shield=True):
                    await self._workspace.close_build(built)


class TenantTools:
    """A `ToolProvider` that answers with the tools of the current run's tenant."""

    def __init__(self, resolve: Callable[[str, str], Tool | None]) -> None:
        self._resolve = resolve
        self._tenant: ContextVar[str | None] = ContextVar("fdl_service_tenant", default=None)

    @contextmanager
    def using(self, tenant: str) -> Iterator[None]:
        """Resolve tools as ``tenant`` sees them inside the block (and the tasks it starts)."""
        token = self._tenant.set(tenant)
        try:
            yield
        finally:
            self._tenant.reset(token)

    def resolve(self, base: str) -> Tool | None:
        tenant = self._tenant.get()
        if tenant is None:
            return None
        return self._resolve(tenant, base)


class Workspace:
    """One project as a service.

    Attributes:
        config: the project's configuration.
        registry: the tool registry (``<state>/registry.db``, tool folders synced in).
        store: the run store (``<state>/runs.db``).
        db: the keys and the deployed flows (``<state>/service.db``).
        tools: the tenant-aware provider the runtime calls tools through.
        runtime: the one runtime of the process.
    """

    def __init__(self, config: ProjectConfig, registry: Registry, store: RunStore,
                 db: ServiceDatabase) -> None:
        self.config = config
        self.registry = registry
        self.store = store
        self.db = db
        self._lock = threading.RLock()
        self._generation = 0
        self._built: dict[str, _Built] = {}
        self._retired: list[_Built] = []
        self._plans: dict[tuple[str, str, int, int], Plan] = {}
        self.tools = TenantTools(self._resolve)
        self.runtime = Runtime(tools=self.tools, store=store, timezone=config.timezone,
                               concurrency=config.concurrency or 64)

    def _resolve(self, tenant: str, base: str) -> Tool | None:
        built = self._tenant(tenant)
        tool = built.tools.provider.resolve(base)
        return None if tool is None else _Counted(tool, built, self, tenant, base)

    def _tenant(self, tenant: str) -> _Built:
        with self._lock:
            built = self._built.get(tenant)
            if built is not None and built.generation == self._generation:
                return built
            generation = self._generation
            specs = self.registry.list(tenant=tenant)
            catalog, _problems = project_catalog(None, start=self.config.base, tenant=tenant,
                                                 registered=specs)
            both = ChainCatalog(DeployedCatalog(self.db, tenant), catalog)
            tools = project_tools(self.config, specs, catalog=both,
                                  named_flows=lambda name: self._named(tenant, name))
            built = _Built(generation, both, tools)
            self._built[tenant] = built
            return built

    def _named(self, tenant: str, name: str) -> Plan | None:
        """``flow://name`` of a run of ``tenant``: its deployed flow's plan, or None."""
        flow = self.db.flow(tenant, name)
        if flow is None:
            return None
        try:
            return self.plan(flow)
        except FlowCompileError as error:
            raise ToolError("F406", str(error), type="validation") from None

    def import_mcp_of_flows(self) -> list[McpAutoImport]:
        """`import_mcp` for what the service serves, at its start: the flows of the
        project's flows folder (``flow://`` of the deployed flows) and the deployed flows of
        every tenant."""
        if not self.config.mcp:
            return []
        start = self.config.base or Path.cwd()
        return self.import_mcp([*flow_texts(self.config.flows_folder(start)),
                                *self.db.sources()])

    def import_mcp(self, texts: list[str]) -> list[McpAutoImport]:
        """Import the tools of the configured MCP servers the flow ``texts`` (a flow being
        deployed, or those served at the start) call that the registry does not know
        (`fdl.mcpauto`: a server none of whose tools are known, or one listed again for a
        called tool it does not know), with a note on stderr for each; when any were
        imported, the catalogs are built again (`retire`).
        Called in a worker thread (the listing is a trio run of its own). A registry that
        cannot be opened is a warning: the flow is then checked with what is known.
        """
        try:
            outcomes = import_unknown_servers(self.config, texts, start=self.config.base)
        except ConfigError as error:
            sys.stderr.write(f"fdl serve: warning: MCP tools not imported: {error}\n")
            return []
        for outcome in outcomes:
            sys.stderr.write(f"fdl serve: {outcome.note()}\n")
        if any(outcome.error is None and outcome.tools for outcome in outcomes):
            self.retire()
        return outcomes

    @property
    def generation(self) -> int:
        """Bumped by `retire`: what cached compilations depend on."""
        return self._generation

    def catalog(self, tenant: str) -> ToolCatalog | None:
        """What ``tenant``'s flows are compiled with: its deployed flows, then the
        project's catalog (its registry and configuration)."""
        return self._tenant(tenant).catalog

    def plan(self, flow: DeployedFlow) -> Plan:
        """The deployed flow's plan, compiled with its tenant's catalog (cached per version
        and generation).

        Raises:
            FlowCompileError: the flow no longer compiles.
        """
        key = (flow.tenant, flow.name, flow.version, self._generation)
        with self._lock:
            plan = self._plans.get(key)
        if plan is not None:
            return plan
        result = check_text(flow.source, f"{flow.name}.yaml", catalog=self.catalog(flow.tenant))
        if result.plan is None:
            raise FlowCompileError(flow, [d.to_dict() for d in result.errors])
        plan = replace(result.plan, name=flow.name, path=f"{flow.name}.yaml")
        with self._lock:
            if len(self._plans) > MAX_PLANS:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    async def tools_changed(self) -> None:
        """`retire` the adapters, and close the idle ones now."""
        await self.close_builds(self.retire())

    def retire(self) -> list[_Built]:
        """The registry or the deployed flows changed: adapters, catalogs and plans are
        built again on next use. Returns the old builds no call uses, to close (with
        `close_builds`; until then, or if nobody does, `aclose` closes them); the others
        are closed by their last call."""
        with self._lock:
            self._generation += 1
            self._retired.extend(self._built.values())
            self._built.clear()
            self._plans.clear()
            for built in self._retired:
                built.retired = True
            return [built for built in self._retired if built.calls == 0]

    async def close_builds(self, builds: list[_Built]) -> None:
        """Close the adapters of retired builds."""
        for built in builds:
            await self.close_build(built)

    async def close_build(self, built: _Built, *, force: bool = False) -> None:
        """Close the adapters of a retired build (once), unless a call uses it again (a
        retry that started meanwhile: its end closes it) and ``force`` is off."""
        with self._lock:
            if built.closed or (built.calls > 0 and not force):
                return
            built.closed = True
            if built in self._retired:
                self._retired.remove(built)
        await built.tools.aclose()

    def open_builds(self) -> int:
        """How many builds of adapters are open (current and retired, not closed yet)."""
        with self._lock:
            return len(self._built) + len(self._retired)

    async def aclose(self) -> None:
        """Close every adapter's connections and the files."""
        with self._lock:
            builds = [*self._built.values(), *self._retired]
            self._built.clear()
            self._retired.clear()
        for built in builds:
            await self.close_build(built, force=True)
        self.close()

    def close(self) -> None:
        """Close the registry, the run store and the service database."""
        self.registry.close()
        self.store.close()
        self.db.close()


def open_workspace(config: ProjectConfig) -> Workspace:
    """The project's registry (its tool folders synced in), run store and service
    database.

    Raises:
        ConfigError: a store or the registry cannot be opened.
    """
    tooling = load_tooling(None, config, None)
    registry = tooling.registry
    if registry is None:
        spec = config.registry_spec
        if isinstance(spec, Path):
            spec.parent.mkdir(parents=True, exist_ok=True)
        registry = Registry(spec)
    try:
        store = open_store(config.store_spec)
        db = ServiceDatabase(config.service_path)
    except Exception as error:
        registry.close()
        raise ConfigError(Path(config.state), None, str(error)) from None
    return Workspace(config, registry, store, db)
