"""The tools of a project as the editor checks against them: the ToolSpec folders first,
then the registry, whose tools are looked up one at a time.

Reading every spec of a registry of 10,000 tools into a catalog takes more than a second
(parsing and typing each spec); the editor does it only for the tools a flow calls
(`stdlib.registry.RegistryCatalog`, which caches them), and lists the others for completion
from their summaries (`Registry.summaries`: type, code and description, no spec read).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler import ChainCatalog, StaticCatalog, ToolSignature
from gml.types import ANY
from stdlib.registry import Registry, RegistryCatalog, RegistryError, db_operations

__all__ = ["RegistryToolCatalog", "ToolSummary", "open_registry"]

DB_OPERATIONS = tuple(s.code.rpartition("/")[2] for s in db_operations("t", ANY))
"""The operations of every ``db`` table (``db://<table>/<operation>``)."""


@dataclass(frozen=True, slots=True)
class ToolSummary:
    """A tool for listings: its URI parts, description and, when already read, signature."""

    type: str
    code: str
    description: str | None
    signature: ToolSignature | None = None

    @property
    def uri(self) -> str:
        return f"{self.type}://{self.code}"


class RegistryToolCatalog(ChainCatalog):
    """The tools of the ToolSpec folders, then those of the registry (a `ToolCatalog`);
    a registry that cannot be read (any more) counts as empty, as when it was read at once.

    Args:
        folders: the catalog of the ToolSpec folders (None without any).
        registry: the project's registry, open (None without one).
    """

    def __init__(self, folders: StaticCatalog | None, registry: Registry | None) -> None:
        self.folders = folders
        self.registry = registry
        self._summaries: list[ToolSummary] | None = None
        super().__init__(folders, RegistryCatalog(registry) if registry is not None else None)

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        try:
            return super().lookup(type, code)
        except RegistryError:  # unreadable meanwhile: the folders alone
            return self.folders.lookup(type, code) if self.folders is not None else None

    def types(self) -> frozenset[str]:
        try:
            return super().types()
        except RegistryError:
            return self.folders.types() if self.folders is not None else frozenset()

    def by_code(self, code: str) -> list[ToolSignature]:
        try:
            return super().by_code(code)
        except RegistryError:
            return self.folders.by_code(code) if self.folders is not None else []

    def codes(self, type: str) -> list[str]:
        """Known codes of one type, for "did you mean" (a registry's ``db`` tables with
        every operation, without reading their specs)."""
        found = dict.fromkeys(self.folders.codes(type) if self.folders is not None else [])
        if self.registry is not None:
            try:
                codes = self.registry.codes(type)
            except RegistryError:
                codes = []
            if type == "db":
                codes = [f"{table}/{op}" for table in codes for op in DB_OPERATIONS]
            found.update(dict.fromkeys(codes))
        return list(found)

    def summaries(self) -> list[ToolSummary]:
        """Every tool, for completion: the folders' with their signatures, then the
        registry's others (``db`` tables: one per operation). Listed once per catalog (a
        catalog lives as long as the files are unchanged)."""
        if self._summaries is None:
            self._summaries = self._list()
        return self._summaries

    def _list(self) -> list[ToolSummary]:
        found: dict[tuple[str, str], ToolSummary] = {}
        if self.folders is not None:
            for signature in sorted(self.folders.tools(), key=lambda s: (s.type, s.code)):
                found[signature.type, signature.code] = ToolSummary(
                    signature.type, signature.code, signature.description, signature)
        try:
            listed = self.registry.summaries() if self.registry is not None else []
        except RegistryError:
            listed = []
        for tool_type, code, description in listed:
            codes = [f"{code}/{op}" for op in DB_OPERATIONS] if tool_type == "db" else [code]
            for one in codes:
                found.setdefault((tool_type, one), ToolSummary(tool_type, one, description))
        return list(found.values())


def open_registry(path: Path | None) -> Registry | None:
    """The registry file, open (None when there is none or it cannot be read: the check
    goes on with the folders alone)."""
    if path is None or not path.is_file():
        return None
    try:
        return Registry(path)
    except RegistryError:
        return None
