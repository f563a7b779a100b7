"""What ``fdl serve`` serves: one project's registry, run store, service database and one
`runtime.Runtime`, shared by every request and every run (spec/service.md §1).

Tenants share the runtime but not their tools: a run's tool calls resolve through
`TenantTools`, which asks the adapters built from the tools *its tenant* sees (its own
ToolSpecs and the global ones). The tenant of the current run is a context variable set by
`TenantTools.using`: trio hands a copy of the context to every task a run spawns, so the
calls a run makes find their tenant without the runtime knowing about tenants at all.

The adapters of a tenant are built on first use and rebuilt after the tenant's tools change
(`Workspace.tools_changed`); building opens no connection (`fdl.project.project_tools`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compiler import ToolCatalog
from fdl.project import ProjectTools, load_tooling, project_tools
from runtime import Runtime, Tool
from runtime.store import RunStore, open_store
from stdlib.catalogs import project_catalog
from stdlib.config import ConfigError, ProjectConfig
from stdlib.registry import Registry

from .database import ServiceDatabase

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["TenantTools", "Workspace", "open_workspace"]


@dataclass(slots=True)
class _Built:
    generation: int
    catalog: ToolCatalog | None
    tools: ProjectTools


class TenantTools:
    """A `ToolProvider` that answers with the tools of the current run's tenant."""

    def __init__(self, build: Callable[[str], ProjectTools]) -> None:
        self._build = build
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
        return self._build(tenant).provider.resolve(base)


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
        self._generation = 0
        self._built: dict[str, _Built] = {}
        self._retired: list[ProjectTools] = []
        self.tools = TenantTools(lambda tenant: self._tenant(tenant).tools)
        self.runtime = Runtime(tools=self.tools, store=store, timezone=config.timezone,
                               concurrency=config.concurrency or 64)

    def _tenant(self, tenant: str) -> _Built:
        built = self._built.get(tenant)
        if built is not None and built.generation == self._generation:
            return built
        if built is not None:
            self._retired.append(built.tools)
        specs = self.registry.list(tenant=tenant)
        catalog, _problems = project_catalog(None, start=self.config.base, tenant=tenant,
                                             registered=specs)
        tools = project_tools(self.config, specs, catalog=catalog)
        built = _Built(self._generation, catalog, tools)
        self._built[tenant] = built
        return built

    @property
    def generation(self) -> int:
        """Bumped by `tools_changed`: what cached compilations depend on."""
        return self._generation

    def catalog(self, tenant: str) -> ToolCatalog | None:
        """What ``tenant``'s flows are compiled with."""
        return self._tenant(tenant).catalog

    def tools_changed(self) -> None:
        """The registry changed: adapters and catalogs are built again on next use."""
        self._generation += 1

    async def aclose(self) -> None:
        """Close every adapter's connections and the files."""
        for built in self._built.values():
            self._retired.append(built.tools)
        self._built.clear()
        for tools in self._retired:
            await tools.aclose()
        self._retired.clear()
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
