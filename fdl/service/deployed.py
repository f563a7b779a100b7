"""``flow://<name>`` of a tenant's deployed flows, for the compiler: a catalog answering
each deployed flow's signature (its ``args``, parsed only, as `stdlib.catalogs` does for the
flows folder), so that a deployed flow may call another one."""

from __future__ import annotations

import threading

from compiler import ToolSignature, flow_signature, parse_text

from .database import ServiceDatabase

__all__ = ["DeployedCatalog"]


class DeployedCatalog:
    """The deployed flows of one tenant as tools ``flow://<name>`` (read from the service
    database when asked; signatures cached per flow version)."""

    def __init__(self, db: ServiceDatabase, tenant: str) -> None:
        self.db = db
        self.tenant = tenant
        self._lock = threading.Lock()
        self._signatures: dict[tuple[str, int], ToolSignature] = {}

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        if type != "flow" or code == "call":
            return None
        flow = self.db.flow(self.tenant, code)
        if flow is None:
            return None
        key = (flow.name, flow.version)
        with self._lock:
            found = self._signatures.get(key)
        if found is None:
            model, _reporter = parse_text(flow.source, f"{flow.name}.yaml")
            found = (ToolSignature("flow", code, open_arguments=True) if model is None
                     else flow_signature(model, code))
            with self._lock:
                self._signatures[key] = found
        return found

    def types(self) -> frozenset[str]:
        return frozenset({"flow"})

    def codes(self, type: str) -> list[str]:
        """The tenant's deployed flows by name (for "did you mean")."""
        return [flow.name for flow in self.db.flows(self.tenant)] if type == "flow" else []

    def by_code(self, code: str) -> list[ToolSignature]:
        found = self.lookup("flow", code)
        return [] if found is None else [found]
