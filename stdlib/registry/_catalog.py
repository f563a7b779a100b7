"""The registry as the compiler's tool catalog (`compiler.catalog.ToolCatalog`).

``RegistryCatalog(registry, tenant)`` answers ``lookup(type, code)`` with the signature of
the tool's default version as ``tenant`` sees it; a ``db`` URI ``db://<table>/<operation>``
is answered from the table's spec (every operation, `stdlib.registry.db_operations`).
``codes(type)`` feeds the compiler's "did you mean".

**Versions.** The protocol's ``lookup(type, code)`` carries no URI options, so it cannot see
``?version=``. A catalog can be given pinned versions (``versions={"api://x/y": "1.0.0"}``),
and `RegistryCatalog.for_flow` pins the ``version`` option of every ``exec`` URI of a flow
before it is compiled. A flow that calls one tool in two different versions is checked
against the first one (the compiler asks once per type and code); an unknown version makes
the tool unknown (E301).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from compiler.catalog import TOOL_SCHEME, TYPE_OPTIONS, ToolSignature, signatures_by_code
from compiler.flow import Flow, Iteration, Loop, Node, ToolCall

from ._core import Registry, split_uri

__all__ = ["BUILTIN_TYPES", "RegistryCatalog"]

BUILTIN_TYPES = frozenset(TYPE_OPTIONS) - {TOOL_SCHEME}
"""The tool types every catalog accepts (tools.md §1; ``tool://`` is resolved by code)."""


class RegistryCatalog:
    """A `compiler.ToolCatalog` over a `Registry`.

    Args:
        registry: where the tools are.
        tenant: whose view of the registry (None: global tools only).
        versions: pinned versions by URI (``api://crm-service/customer`` → ``1.0.0``);
            other tools use their default version.

    Signatures are cached per catalog: make a new catalog to see later registrations.
    """

    def __init__(self, registry: Registry, tenant: str | None = None, *,
                 versions: Mapping[str, str] | None = None) -> None:
        self.registry = registry
        self.tenant = tenant
        self.versions: dict[tuple[str, str], str] = {
            split_uri(uri): version for uri, version in (versions or {}).items()}
        self._cache: dict[tuple[str, str], dict[str, ToolSignature] | None] = {}
        self._types: frozenset[str] | None = None

    @classmethod
    def for_flow(cls, registry: Registry, flow: Flow, tenant: str | None = None
                 ) -> RegistryCatalog:
        """A catalog that honours the ``?version=`` option of the flow's ``exec`` URIs."""
        versions: dict[str, str] = {}
        for uri, version in _versions(flow.node.values()):
            versions.setdefault(uri, version)
        return cls(registry, tenant, versions=versions)

    def _signatures(self, tool_type: str, code: str) -> dict[str, ToolSignature] | None:
        """The signatures a registered spec provides, by code (cached)."""
        key = (tool_type, code)
        if key not in self._cache:
            version = self.versions.get(key)
            spec = self.registry.get(tool_type, code, version, tenant=self.tenant)
            self._cache[key] = (None if spec is None else
                                {s.code: s for s in spec.signatures()})
        return self._cache[key]

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        """The signature of ``type://code``, or None when the registry does not have it."""
        if type == "db":
            table, sep, _operation = code.rpartition("/")
            if not sep:
                return None
            # A db table is one spec (and one version) for all of its operations.
            found = self._signatures("db", table)
            return None if found is None else found.get(code)
        found = self._signatures(type, code)
        return None if found is None else found.get(code)

    def types(self) -> frozenset[str]:
        """The built-in tool types and every type the registry has tools of."""
        if self._types is None:
            self._types = BUILTIN_TYPES | frozenset(self.registry.types(tenant=self.tenant))
        return self._types

    def by_code(self, code: str) -> list[ToolSignature]:
        """The default version of every tool with that code, whatever its type."""
        return signatures_by_code(self, code)

    def codes(self, type: str) -> list[str]:
        """Known codes of one type, for "did you mean" (``db``: every operation)."""
        codes = self.registry.codes(type, tenant=self.tenant)
        if type != "db":
            return codes
        found: list[str] = []
        for table in codes:
            signatures = self._signatures("db", table) or {}
            found.extend(signatures)
        return found


def _versions(nodes: Iterable[Node]) -> Iterable[tuple[str, str]]:
    """``(uri, version)`` of every ``exec`` with a ``version`` option, nested blocks
    included."""
    for node in nodes:
        if isinstance(node, ToolCall):
            version = node.exec.option("version")
            if version:
                uri = node.exec.base
                if node.exec.type == "db":
                    uri = f"db://{node.exec.code.rpartition('/')[0]}"
                yield uri, version
        elif isinstance(node, Iteration | Loop):
            yield from _versions(node.node.values())
