"""``/v1/tools`` and ``/v1/ai-tools`` over loopback: registering (JSON, YAML), conflicts and
field problems, search, versions, tags, deleting, direct calls through the real api
adapter with argument checking, exports, scopes and tenant isolation."""

from __future__ import annotations

import json
from typing import Any

import yaml

from tests._http import LocalServer

from ._server import Server

CUSTOMER: dict[str, Any] = {
    "type": "api", "code": "crm/customer", "desp": "Look up a customer by id",
    "tags": ["crm"], "args": {"in": {"id": "string"}, "out": {"id": "string", "name": "string"}},
    "config": {"method": "GET", "path": "/customers/{id}"}}

ORDERS = """\
type: api
code: shop/orders
desp: List the orders of a customer
tags: [shop]
args:
    in:
        customerId: string
        limit: int?
config:
    method: GET
    path: /orders
"""


def register(server: Server, key: str, spec: dict[str, Any] | None = None) -> Any:
    with server.client(key) as client:
        return client.post("/v1/tools", json=spec or CUSTOMER)


def test_a_tool_registers_as_json_and_as_yaml_and_is_listed(server: Server,
                                                             keys: dict[str, str]) -> None:
    assert register(server, keys["a"]).status_code == 201
    with server.client(keys["a"]) as client:
        answer = client.post("/v1/tools", content=ORDERS,
                             headers={"Content-Type": "application/yaml"})
        assert answer.status_code == 201
        assert answer.json()["code"] == "shop/orders"
        listed = client.get("/v1/tools").json()
    assert listed["total"] == 2
    assert {item["code"] for item in listed["items"]} == {"crm/customer", "shop/orders"}
    assert listed["items"][0] == {"code": "crm/customer", "type": "api", "version": "1.0.0",
                                  "desp": "Look up a customer by id", "tags": ["crm"]}


def test_registering_the_same_version_again_is_200_and_other_content_is_409(
        server: Server, keys: dict[str, str]) -> None:
    assert register(server, keys["a"]).status_code == 201
    assert register(server, keys["a"]).status_code == 200
    changed = register(server, keys["a"], {**CUSTOMER, "desp": "changed"})
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "version_conflict"
    assert "1.0.1" in changed.json()["error"]["message"]


def test_an_invalid_spec_is_422_with_field_paths_and_malformed_json_is_400(
        server: Server, keys: dict[str, str]) -> None:
    bad = register(server, keys["a"], {**CUSTOMER, "args": {"in": {"id": "strin"}},
                                       "colour": "red"})
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert "colour" in fields
    with server.client(keys["a"]) as client:
        broken = client.post("/v1/tools", content=b"{not json",
                             headers={"Content-Type": "application/json"})
        listing = client.post("/v1/tools", content=b"[1, 2]",
                              headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "bad_json"
    assert listing.status_code == 422


def test_search_is_ranked_and_filters_by_type_and_tag(server: Server,
                                                      keys: dict[str, str]) -> None:
    register(server, keys["a"])
    with server.client(keys["a"]) as client:
        client.post("/v1/tools", content=ORDERS, headers={"Content-Type": "application/yaml"})
        found = client.get("/v1/tools", params={"q": "orders customer"}).json()
        tagged = client.get("/v1/tools", params={"tag": "shop"}).json()
        paged = client.get("/v1/tools", params={"limit": 1, "offset": 1}).json()
        nothing = client.get("/v1/tools", params={"q": "\"zzz\" AND ( *"}).json()
        first = client.get("/v1/tools", params={"q": "customer", "limit": 1}).json()
        second = client.get("/v1/tools", params={"q": "customer", "limit": 1,
                                                  "offset": 1}).json()
    assert found["items"][0]["code"] == "shop/orders"
    assert [i["code"] for i in tagged["items"]] == ["shop/orders"]
    assert paged == {"items": [paged["items"][0]], "total": 2}
    assert paged["items"][0]["code"] == "shop/orders"
    assert nothing == {"items": [], "total": 0}
    assert (len(first["items"]), first["total"], second["total"]) == (1, 2, 2)
    assert first["items"][0]["code"] != second["items"][0]["code"]


def test_versions_tags_and_delete(server: Server, keys: dict[str, str]) -> None:
    register(server, keys["a"])
    register(server, keys["a"], {**CUSTOMER, "version": "1.1.0", "desp": "newer"})
    with server.client(keys["a"]) as client:
        assert client.get("/v1/tools/crm/customer").json()["version"] == "1.1.0"
        old = client.get("/v1/tools/crm/customer", params={"version": "1.0.0"}).json()
        assert old["desp"] == "Look up a customer by id"
        versions = client.get("/v1/tools/crm/customer:versions").json()
        assert [v["version"] for v in versions["versions"]] == ["1.0.0", "1.1.0"]
        assert versions["default"] == "1.1.0"
        tagged = client.put("/v1/tools/crm/customer:tags", json={"tags": ["crm", "gold"]})
        assert tagged.status_code == 200
        assert tagged.json() == {"code": "crm/customer", "version": "1.1.1",
                                 "tags": ["crm", "gold"]}
        assert client.get("/v1/tools", params={"tag": "gold"}).json()["total"] == 1
        gone = client.delete("/v1/tools/crm/customer", params={"version": "1.0.0"})
        assert gone.status_code == 204
        missing = client.get("/v1/tools/crm/customer", params={"version": "1.0.0"})
        assert missing.status_code == 404
        assert client.delete("/v1/tools/crm/customer").status_code == 204
        assert client.get("/v1/tools/crm/customer").status_code == 404
        bad_tags = client.put("/v1/tools/crm/customer:tags", json={"tags": "gold"})
        assert bad_tags.status_code == 422


def test_a_direct_call_goes_through_the_real_adapter(server: Server, keys: dict[str, str],
                                                     crm: LocalServer) -> None:
    register(server, keys["a"])
    with server.client(keys["a"]) as client:
        answer = client.post("/v1/tools/crm/customer:call", json={"args": {"id": "c7"}})
        missing = client.post("/v1/tools/crm/customer:call", json={"args": {"id": "missing"}})
    assert answer.status_code == 200
    assert answer.json() == {"result": {"id": "c7", "name": "Alice"}}
    assert crm.log[0] == {"path": "/customers/c7"}
    assert missing.status_code == 502
    assert missing.json()["error"]["code"] == "404"


def test_call_arguments_are_checked_against_the_spec(server: Server, keys: dict[str, str],
                                                     crm: LocalServer) -> None:
    register(server, keys["a"])
    with server.client(keys["a"]) as client:
        wrong = client.post("/v1/tools/crm/customer:call", json={"args": {"id": [1]}})
        extra = client.post("/v1/tools/crm/customer:call",
                            json={"args": {"id": "c1", "secret": "s3cr3t-value"}})
        absent = client.post("/v1/tools/crm/customer:call", json={"args": {}})
        shape = client.post("/v1/tools/crm/customer:call", json={"args": "c1"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["path"] == "id"
    assert extra.status_code == 422
    assert "secret" in extra.json()["error"]["message"]
    assert "s3cr3t-value" not in extra.text
    assert absent.status_code == 422
    assert absent.json()["error"]["details"] == [{"path": "id", "message": "'id' is required"}]
    assert shape.status_code == 422
    assert crm.log == []


def test_ai_exports_in_three_formats(server: Server, keys: dict[str, str]) -> None:
    register(server, keys["a"])
    with server.client(keys["a"]) as client:
        openai = client.get("/v1/ai-tools", params={"format": "openai"}).json()["tools"]
        mcp = client.get("/v1/ai-tools", params={"format": "mcp"}).json()["tools"]
        schema = client.get("/v1/ai-tools", params={"format": "jsonschema"}).json()["tools"]
        bad = client.get("/v1/ai-tools", params={"format": "soap"})
    assert openai[0]["type"] == "function"
    assert openai[0]["function"]["parameters"]["required"] == ["id"]
    assert mcp[0]["inputSchema"]["properties"]["id"] == {"type": "string"}
    assert schema and bad.status_code == 422


def test_scopes_and_keys(server: Server, keys: dict[str, str]) -> None:
    denied = register(server, keys["reader"])
    assert denied.status_code == 403
    assert "admin" in denied.json()["error"]["message"]
    with server.client(keys["reader"]) as client:
        assert client.get("/v1/tools").status_code == 200
        assert client.post("/v1/tools/crm/customer:call", json={}).status_code == 403
    with server.client() as client:
        assert client.get("/v1/tools").status_code == 401
    with server.client("fdlk_unknown") as client:
        unknown = client.get("/v1/tools")
    assert unknown.status_code == 401
    assert unknown.headers["WWW-Authenticate"] == "Bearer"


def test_tenants_do_not_see_each_others_tools(server: Server, keys: dict[str, str]) -> None:
    register(server, keys["a"])
    register(server, keys["b"], {**CUSTOMER, "code": "erp/invoice", "desp": "invoices"})
    with server.client(keys["b"]) as b, server.client(keys["a"]) as a:
        assert b.get("/v1/tools/crm/customer").status_code == 404
        assert b.delete("/v1/tools/crm/customer").status_code == 404
        assert b.post("/v1/tools/crm/customer:call",
                      json={"args": {"id": "x"}}).status_code == 404
        assert [i["code"] for i in b.get("/v1/tools").json()["items"]] == ["erp/invoice"]
        assert b.get("/v1/tools", params={"q": "customer"}).json()["total"] == 0
        assert a.get("/v1/tools/erp/invoice").status_code == 404
        assert [i["code"] for i in a.get("/v1/tools").json()["items"]] == ["crm/customer"]
        assert a.get("/v1/tools/crm/customer").status_code == 200


def test_a_yaml_body_with_bad_yaml_is_422_not_500(server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        answer = client.post("/v1/tools", content=b"type: [api\ncode: x",
                             headers={"Content-Type": "application/yaml"})
    assert answer.status_code == 422
    assert json.loads(answer.text)["error"]["details"]
    assert yaml.safe_load(ORDERS)["code"] == "shop/orders"
