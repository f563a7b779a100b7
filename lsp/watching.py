"""Files that change on disk outside the editor's documents: a flow that other flows call,
a ToolSpec, the tool registry, or a flow whose diagnostics the server published without it
being open (a caller of a changed flow, `FdlLanguageServer.publish_closed_callers`).

The client watches the files (LSP ``workspace/didChangeWatchedFiles``, registered when the
client supports dynamic registration) and reports what changed; `affected` says which
analyses depend on those files, and the server checks those documents again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from .analysis import Analysis

__all__ = ["WATCHERS", "Change", "affected", "registration", "supports_watching"]

WATCHERS = ("**/*.yaml", "**/*.yml", "**/*.json", "**/registry.db", "**/registry.db-wal")
"""Flows and ToolSpecs (YAML or JSON), and the registry (written through its WAL)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One file that changed on disk."""

    path: Path
    kind: types.FileChangeType


def supports_watching(capabilities: types.ClientCapabilities) -> bool:
    """Whether the client can watch files for the server (dynamic registration)."""
    workspace = capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    return bool(watched is not None and watched.dynamic_registration)


def registration() -> types.RegistrationParams:
    """The request that asks the client to report changes of `WATCHERS`."""
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHERS])
    return types.RegistrationParams(registrations=[types.Registration(
        id="fdl-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options)])


def affected(analysis: Analysis, changes: Iterable[Change]) -> bool:
    """Whether an analysis may say something else after ``changes`` of other files: a
    flow it calls, a ToolSpec or the registry of its project changed, or a flow file was
    created or deleted in its project (a ``flow://`` name it could not find may exist now,
    one it found may be gone). A change of its own file is not counted: the editor's text
    or, for a file that is not open, `lsp.workspace.FlowFiles` decides."""
    project = analysis.project
    catalog = analysis.catalog
    if project is None or catalog is None:
        return False
    tools = [folder.resolve() for folder in project.tools]
    registry = project.registry.resolve() if project.registry is not None else None
    flows = project.flows.resolve()
    for change in changes:
        path = change.path.resolve()
        if path in catalog.used or any(path.is_relative_to(f) for f in tools):
            return True
        if registry is not None and path.parent == registry.parent and (
                path.name.startswith(registry.name)):
            return True
        if change.kind != types.FileChangeType.Changed and path.is_relative_to(flows):
            return True
    return False
