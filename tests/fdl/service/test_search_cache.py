"""Searches are answered again from a cache while the registry does not change: a tool
registered through the service, or by another process on the same registry file (``fdl
tools register`` while ``fdl serve`` runs), is found by the next search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stdlib.config import project_config
from stdlib.registry import Registry, ToolSpec

from ._server import Server
from .test_tools import CUSTOMER


def _codes(answer: dict[str, Any]) -> list[str]:
    return [item["code"] for item in answer["items"]]


def test_a_search_sees_tools_registered_through_the_service_or_beside_it(
        project: Path, server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        query = {"q": "customer"}
        assert client.get("/v1/tools", params=query).json()["total"] == 0
        assert client.post("/v1/tools", json=CUSTOMER).status_code == 201
        first = client.get("/v1/tools", params=query).json()
        assert _codes(first) == ["crm/customer"]
        assert client.get("/v1/tools", params=query).json() == first  # from the cache
        other = Registry(project_config(project).registry_path)
        try:
            other.register(ToolSpec.model_validate(
                {**CUSTOMER, "code": "erp/customer", "desp": "An ERP customer"}),
                tenant="acme")
        finally:
            other.close()
        assert sorted(_codes(client.get("/v1/tools", params=query).json())) == [
            "crm/customer", "erp/customer"]
        assert client.delete("/v1/tools/crm/customer").status_code == 204
        assert _codes(client.get("/v1/tools", params=query).json()) == ["erp/customer"]
        assert _codes(client.get("/v1/tools").json()) == ["erp/customer"]
