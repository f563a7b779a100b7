"""The project a flow file belongs to: its configuration, its tool catalog and its flows.

The server finds tools as `fdl check` does (`stdlib.catalogs`): the ToolSpec folders of the
configuration (``tools:``, a folder or a list; default ``tools/`` beside it) and the
project's registry (``<state>/registry.db``), from the folder of each document; they are
reloaded when a file changes. ``flow://name`` calls are resolved against the ``flows:``
folder (the document's own folder without a configuration): the called flow is compiled (its
open editor text when it is open) and its ``args`` become the tool's signature, so a caller
is checked against the flow it calls, and re-checked when that flow changes.

The tools of the ``mcp:`` servers are what the registry holds: the editor never starts a
server (it stays off trio and the MCP SDK). A call of a configured server none of whose tools
were imported is unknown (E301) with the advice to run ``fdl tools import-mcp <server>``
(`stdlib.catalogs.mcp_import_hint`), which ``fdl check`` also does on its own; the registry
changes then, and the document is checked again with the imported tools.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from compiler import ToolCatalog, ToolSignature, check_text
from compiler.catalog import TOOL_SCHEME, TYPE_OPTIONS
from gml.types import ANY
from stdlib.catalogs import mcp_import_hint, tool_catalog
from stdlib.config import ConfigError, project_config
from stdlib.flowfiles import SUFFIXES as FLOW_SUFFIXES
from stdlib.flowfiles import find_flow, flow_files, flow_names
from stdlib.registry import TOOL_SUFFIXES

from ._catalog import RegistryToolCatalog, ToolSummary, open_registry
from ._toolspecs import ToolSpecIndex

__all__ = ["Project", "ProjectCatalog", "Projects"]

TextSource = Callable[[Path], str | None]
"""The text of a file: an open document's, else the file's (None when unreadable)."""


@dataclass(frozen=True, slots=True)
class Project:
    """Where a document's tools and flows are.

    Attributes:
        root: the folder of the configuration file (the document's folder without one).
        tools: the ToolSpec folders (none: tool calls are checked only when there is a
            registry).
        flows: the folder ``flow://`` names resolve in.
        registry: the project's registry file (it may not exist).
        mcp: the MCP servers of the configuration (``mcp:``), by name.
    """

    root: Path
    tools: tuple[Path, ...]
    flows: Path
    registry: Path | None = None
    mcp: frozenset[str] = frozenset()

    def flow_path(self, code: str) -> Path | None:
        """The flow file ``flow://code`` names, if it exists."""
        return find_flow(self.flows, code)

    def flow_code(self, path: Path) -> str | None:
        """The name ``flow://`` calls the flow in ``path`` by (None outside the flows
        folder)."""
        try:
            relative = path.resolve().relative_to(self.flows.resolve())
        except ValueError:
            return None
        return relative.with_suffix("").as_posix() if path.suffix in FLOW_SUFFIXES else None

    def flow_files(self) -> list[Path]:
        """The flow files of the flows folder (test files left out)."""
        return flow_files(self.flows)

    def flow_names(self) -> list[str]:
        """The names of the flows in the flows folder (for completion)."""
        return flow_names(self.flows)


def _read_project(folder: Path) -> tuple[Project, tuple[Path, ...]]:
    """The project of the documents of ``folder``, and the tool folders its configuration
    names (whether they exist or not)."""
    try:
        config = project_config(folder)
        candidates = tuple(config.tool_folders())
    except ConfigError:  # a malformed configuration: work as if there were none
        return Project(folder, (), folder), ()
    folders = tuple(f for f in candidates if f.is_dir())
    if config.file is None:
        return Project(folder, folders, folder), candidates
    base = config.file.parent
    return Project(base, folders, config.flows_folder(base),
                   config.registry_path, frozenset(config.mcp or ())), candidates


def _config_marker(folder: Path) -> tuple[object, ...]:
    """What says the configuration of ``folder`` may have changed: the time and size of
    every ``fdl.yaml`` and ``pyproject.toml`` from the folder up to the nearest
    ``fdl.yaml``, and the time of the folder holding it (a default ``tools/`` appears)."""
    found: list[object] = []
    for parent in (folder, *folder.parents):
        for name in ("fdl.yaml", "pyproject.toml"):
            stamp = _stamp(parent / name)
            if stamp != _MISSING:
                found.append((name, parent, *stamp))
                if name == "fdl.yaml":
                    return (*found, _stamp(parent))
    return (*found, _stamp(folder))


@dataclass(frozen=True, slots=True)
class _Found:
    marker: tuple[object, ...]
    candidates: tuple[Path, ...]
    folders: tuple[bool, ...]
    """Which of the candidate tool folders existed."""
    project: Project


@dataclass(slots=True)
class _Loaded:
    stamp: tuple[tuple[str, int, int], ...]
    """Each ToolSpec file and the registry, with its time and size."""
    catalog: RegistryToolCatalog
    folders: tuple[Path, ...]
    _specs: ToolSpecIndex | None = None

    def specs(self) -> ToolSpecIndex:
        """Where the folders' files declare their tools (read on first use, then kept as
        long as this entry, that is until the files change)."""
        if self._specs is None:
            self._specs = ToolSpecIndex.read(self.folders)
        return self._specs


@dataclass(slots=True)
class _FlowSignature:
    text: str
    signature: ToolSignature


class Projects:
    """Finds projects and caches their catalogs and the signatures of their flows.

    One per server; documents of several projects may be open at once.
    """

    def __init__(self) -> None:
        self._catalogs: dict[Path, _Loaded] = {}
        self._flows: dict[Path, _FlowSignature] = {}
        self._projects: dict[Path, _Found] = {}

    def project_of(self, document: Path) -> Project:
        """The project of a document (by its path; an unsaved document uses the current
        folder). Kept per folder while the configuration files above it, the folder of
        the configuration and the tool folders it names are unchanged (reading the
        configuration again costs milliseconds on every check)."""
        folder = document.parent
        marker = _config_marker(folder)
        found = self._projects.get(folder)
        if found is not None and found.marker == marker and found.folders == tuple(
                f.is_dir() for f in found.candidates):
            return found.project
        project, candidates = _read_project(folder)
        self._projects[folder] = _Found(marker, candidates,
                                        tuple(f.is_dir() for f in candidates), project)
        return project

    def tool_catalog(self, project: Project) -> RegistryToolCatalog | None:
        """The catalog of the project's tool folders and registry, reloaded when one of
        their files changed."""
        loaded = self._loaded(project)
        return loaded.catalog if loaded is not None else None

    def tool_specs(self, project: Project) -> ToolSpecIndex | None:
        """Where the project's ToolSpec files declare their tools (for go to definition),
        kept with the catalog and rebuilt when the files change."""
        loaded = self._loaded(project)
        return loaded.specs() if loaded is not None else None

    def _loaded(self, project: Project) -> _Loaded | None:

        files = [entry for folder in project.tools for entry in _spec_files(folder)]
        if project.registry is not None:
            # In WAL mode a write lands in the -wal file until a checkpoint; an empty one
            # is only there because a connection is open (this catalog's own, say).
            wal = project.registry.with_name(project.registry.name + "-wal")
            wal_stamp = _stamp(wal)
            files += [(str(project.registry), *_stamp(project.registry)),
                      (str(wal), *(_MISSING if wal_stamp[1] == 0 else wal_stamp))]
        if not project.tools and all(entry[1:] == _MISSING for entry in files):
            return None
        stamp = tuple(sorted(files))
        key = project.root
        loaded = self._catalogs.get(key)
        if loaded is None or loaded.stamp != stamp:
            folders, _problems = tool_catalog(project.tools, None)
            catalog = RegistryToolCatalog(folders, open_registry(project.registry))
            loaded = self._catalogs[key] = _Loaded(stamp, catalog, project.tools)
        return loaded

    def catalog(self, project: Project, texts: TextSource) -> ProjectCatalog:
        """A catalog for checking one document of ``project``."""
        return ProjectCatalog(self, project, self.tool_catalog(project), texts)

    def flow_signature(self, path: Path, text: str, catalog: ProjectCatalog) -> ToolSignature:
        """The signature of the flow in ``path`` with content ``text`` (cached by text)."""
        cached = self._flows.get(path)
        if cached is not None and cached.text == text:
            return cached.signature
        code = catalog.project.flow_code(path) or path.stem
        plan = check_text(text, str(path), catalog=catalog, codegen=False).plan
        if plan is None:
            signature = ToolSignature("flow", code, {}, ANY, None, open_arguments=True)
        else:
            signature = plan.as_tool(code)
        self._flows[path] = _FlowSignature(text, signature)
        return signature


@dataclass(eq=False)
class ProjectCatalog:
    """The `ToolCatalog` a document is checked with: the project's tools, and its flows as
    ``flow://`` tools.

    Without a tools folder, tools other than flows are unknown to the project: they get an
    open signature (any arguments, result ``any``), which is what checking without a catalog
    means (fdl.md §5, E301).

    Attributes:
        used: the flow files this catalog was asked about (the document depends on them).
    """

    projects: Projects
    project: Project
    tools: RegistryToolCatalog | None
    texts: TextSource
    used: set[Path] = field(default_factory=set)
    _active: set[Path] = field(default_factory=set)

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        if type == "flow":
            return self._flow(code)
        if self.tools is None:
            if self._unimported(type, code):
                return None  # E301, with the advice to import the server's tools
            return ToolSignature(type, code, {}, ANY, None, open_arguments=True)
        return self.tools.lookup(type, code)

    def _unimported(self, type: str, code: str) -> bool:
        """Whether ``type://code`` is a tool of a configured MCP server none of whose tools
        the project knows."""
        server = code.partition("/")[0]
        if type != "mcp" or server not in self.project.mcp:
            return False
        known = self.tools.codes("mcp") if self.tools is not None else []
        return not any(c.partition("/")[0] == server for c in known)

    def unknown_hint(self, type: str, code: str) -> str | None:
        """For an unknown tool of a configured MCP server: run ``fdl tools import-mcp``
        (`compiler.catalog.unknown_hint`)."""
        server = code.partition("/")[0]
        return mcp_import_hint(server) if type == "mcp" and server in self.project.mcp \
            else None

    def _flow(self, code: str) -> ToolSignature | None:
        path = self.project.flow_path(code)
        if path is None:
            if code == "call" or self.tools is None:
                return ToolSignature("flow", code, {}, ANY, None, open_arguments=True)
            return None
        self.used.add(path.resolve())
        text = self.texts(path)
        if text is None or path in self._active:  # unreadable, or a flow calling itself
            return ToolSignature("flow", code, {}, ANY, None, open_arguments=True)
        self._active.add(path)
        try:
            return self.projects.flow_signature(path, text, self)
        finally:
            self._active.discard(path)

    def types(self) -> frozenset[str]:
        found = frozenset(TYPE_OPTIONS) | {"flow"}
        return found | self.tools.types() if self.tools is not None else found

    def by_code(self, code: str) -> list[ToolSignature]:
        """The tools of that code whatever their type (``tool://<code>``): the project's
        flow of that name and the tools of the folders and registry. Without tool folders
        or a registry, any code is an unchecked tool, as any typed URI is."""
        flow = self._flow(code) if self.project.flow_path(code) is not None else None
        if self.tools is None:
            return [flow] if flow is not None else [
                ToolSignature(TOOL_SCHEME, code, {}, ANY, None, open_arguments=True)]
        found = self.tools.by_code(code)
        return [flow, *found] if flow is not None else found

    def codes(self, type: str) -> list[str]:
        """Known codes of one type (for "did you mean" and completion)."""
        if type == "flow":
            return self.project.flow_names()
        return self.tools.codes(type) if self.tools is not None else []

    def summaries(self) -> list[ToolSummary]:
        """Every tool of the project's tool folders and registry (not the flows), for
        completion."""
        return self.tools.summaries() if self.tools is not None else []


def _check_protocol(catalog: ProjectCatalog) -> ToolCatalog:
    return catalog  # mypy: a ProjectCatalog is a ToolCatalog


def _spec_files(folder: Path) -> list[tuple[str, int, int]]:
    """The ToolSpec files under ``folder`` with their times and sizes (``os.scandir``: a
    fifth of the cost of ``Path.rglob`` and a ``stat`` per file, which matters on every
    check with a thousand ToolSpecs)."""
    found: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    pending = [str(folder)]
    while pending:
        current = pending.pop()
        real = os.path.realpath(current)
        if real in seen:  # a link back up the tree
            continue
        seen.add(real)
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.name.startswith("."):  # skipped by the catalog too (tool_files)
                        continue
                    if entry.is_dir():
                        pending.append(entry.path)
                    elif entry.name.endswith(TOOL_SUFFIXES) and entry.is_file():
                        status = entry.stat()
                        found.append((entry.path, status.st_mtime_ns, status.st_size))
        except OSError:  # removed or unreadable meanwhile: the next check sees it
            continue
    return found


def _stamp(path: Path) -> tuple[int, int]:
    """What says a file changed: its modification time and size (either may not change
    alone: coarse clocks, same-size rewrites)."""
    try:
        status = path.stat()
    except OSError:  # absent, or removed since the folder was listed
        return _MISSING
    return status.st_mtime_ns, status.st_size


_MISSING = (-1, -1)
