"""Importing OpenAPI 3.0/3.1 documents as ``api`` ToolSpecs (stdlib/openapi/).

Two documents under ``data/openapi/``: a 3.0 shop (path, query, header and cookie parameters,
``$ref``'d request bodies, parameters and responses, enums, arrays of ``$ref``'d objects,
nested components, ``allOf``, ``oneOf``, a recursive schema, non-JSON bodies) and a 3.1
tasks API (type lists with ``null``, ``const``, ``$ref`` siblings, path item ``$ref``s,
webhooks, external and non-component recursive ``$ref``s, alias cycles). The produced specs
are snapshots (update deliberately with ``pytest --snapshot-update`` and review the diff);
the other tests state single rules. Imported tools are called for real through
`stdlib.tools.ApiTools` against an HTTP server on 127.0.0.1, directly and from a flow.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from syrupy.assertion import SnapshotAssertion

import fdl
from runtime import Runtime, ToolCall
from stdlib.openapi import (
    OpenApiError,
    OpenApiImport,
    OpenApiProblem,
    import_openapi,
    load_openapi,
    spec_to_yaml,
)
from stdlib.registry import Registry, RegistryCatalog, ToolSpec
from stdlib.tools.api import ApiTools, Endpoint, Service
from tests._http import LocalServer, serving

DATA = Path(__file__).parent / "data" / "openapi"
SHOP = DATA / "shop-3.0.yaml"
TASKS = DATA / "tasks-3.1.json"


def shop() -> OpenApiImport:
    return import_openapi(load_openapi(SHOP), service="shop")


def tasks() -> OpenApiImport:
    return import_openapi(load_openapi(TASKS), service="tasks")


def tool(result: OpenApiImport, code: str) -> ToolSpec:
    found = [spec for spec in result.tools if spec.code.endswith("/" + code)]
    assert len(found) == 1, [spec.code for spec in result.tools]
    return found[0]


def messages(result: OpenApiImport) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in result.problems:
        found.setdefault(problem.pointer, []).append(problem.message)
    return found


def minimal(paths: dict[str, Any], components: dict[str, Any] | None = None,
            **extra: Any) -> dict[str, Any]:
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1.0.0"},
                "paths": paths, **extra}
    if components is not None:
        document["components"] = components
    return document


def one_op(operation: dict[str, Any], path: str = "/x", method: str = "post"
           ) -> dict[str, Any]:
    operation.setdefault("operationId", "op")
    operation.setdefault("responses", {"204": {"description": "none"}})
    return {path: {method: operation}}


def body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


# ---------------------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _reply(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        record = {"method": self.command, "path": parts.path,
                  "query": parse_qs(parts.query, keep_blank_values=True),
                  "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": json.loads(raw) if raw else None}
        path = parts.path
        if path == "/openapi.yaml":
            self._reply(200, SHOP.read_bytes(), "application/yaml")
            return
        if path == "/openapi":  # JSON without a telling file name
            self._reply(200, TASKS.read_bytes(), "application/json; charset=utf-8")
            return
        self.server.log.append(record)
        if path.startswith("/orders/") and self.command == "GET":
            order = {"id": int(path.rsplit("/", 1)[1]), "customerId": "c1",
                     "items": [{"sku": "A-1", "quantity": 2}], "status": "paid",
                     "createdAt": "2025-01-02T03:04:05Z"}
            self._reply(200, json.dumps(order).encode(), "application/json")
        elif path == "/orders" and self.command == "POST":
            created = {**(record["body"] or {}), "id": 7, "status": "new",
                       "createdAt": "2025-02-03T00:00:00Z"}
            self._reply(201, json.dumps(created).encode(), "application/json")
        elif path.startswith("/echo") or path.startswith("/orders"):
            self._reply(200, json.dumps(record).encode(), "application/json")
        else:
            self._reply(404, b'{"message": "no route"}', "application/json")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serving(_Handler) as srv:
        yield srv


def api_tools(result: OpenApiImport, service: str, url: str) -> ApiTools:
    """The api:// adapter for the imported tools, as `fdl run` builds it."""
    endpoints = {spec.uri: Endpoint.from_config(spec.config, list(spec.inputs))
                 for spec in result.tools}
    return ApiTools({service: Service(service, url)}, endpoints)


async def call(tools: ApiTools, uri: str, args: dict[str, Any]) -> Any:
    found = tools.resolve(uri)
    assert found is not None, uri
    type_, _, code = uri.partition("://")
    return await found.call(ToolCall(uri=uri, base=uri, type=type_, code=code, args=args,
                                     idempotency_key="run-1/n/1"))


# ---------------------------------------------------------------------------- snapshots


def _plain(result: OpenApiImport) -> dict[str, Any]:
    return {"tools": [{**spec.to_document(), "descriptions": spec.descriptions}
                      for spec in result.tools],
            "problems": [str(problem) for problem in result.problems],
            "title": result.title, "version": result.version, "servers": list(result.servers)}


def test_openapi_30_snapshot(snapshot: SnapshotAssertion) -> None:
    assert _plain(shop()) == snapshot


def test_openapi_31_snapshot(snapshot: SnapshotAssertion) -> None:
    assert _plain(tasks()) == snapshot


# ---------------------------------------------------------------------------- every tool


@pytest.mark.parametrize("load", [shop, tasks], ids=["3.0", "3.1"])
def test_every_tool_is_valid_callable_and_survives_a_yaml_file(load: Any) -> None:
    result = load()
    assert result.tools
    for spec in result.tools:
        assert spec.type == "api"
        assert [p for p in spec.problems() if p.is_error] == []
        endpoint = Endpoint.from_config(spec.config, list(spec.inputs))
        assert endpoint.method == spec.config["method"]
        assert ToolSpec.from_text(spec_to_yaml(spec), "tool.yaml") == spec
        used = json.dumps(spec.args.get("in", {})) + json.dumps(spec.args.get("out"))
        for name, shape in spec.args.get("defs", {}).items():  # defs are all used
            others = {k: v for k, v in spec.args["defs"].items() if k != name}
            assert name in used + json.dumps(others), (spec.code, name)
            assert shape is not None


def test_codes_come_from_operation_ids_or_method_and_path() -> None:
    assert [spec.code for spec in shop().tools] == [
        "shop/listOrders", "shop/createOrder", "shop/getOrder", "shop/replaceOrder",
        "shop/deleteOrder", "shop/post-orders-order-id-payments", "shop/categoryTree",
        "shop/uploadAvatar"]
    assert [spec.code for spec in tasks().tools] == [
        "tasks/tasks.list", "tasks/tasks.create", "tasks/tasks.update", "tasks/tasks.delete",
        "tasks/get-health"]


def test_duplicate_codes_get_a_suffix() -> None:
    paths = {"/a": {"get": {"operationId": "same", "responses": {}}},
             "/b": {"get": {"operationId": "same", "responses": {}}}}
    result = import_openapi(minimal(paths), service="s")
    assert [spec.code for spec in result.tools] == ["s/same", "s/same-2"]
    assert "this one is s/same-2" in messages(result)["#/paths/~1b/get"][0]


def test_names_descriptions_tags_version_and_tenant() -> None:
    result = import_openapi(load_openapi(SHOP), service="shop", version="3.0.0",
                            tags=["imported"], tenant="acme")
    listing = tool(result, "listOrders")
    assert listing.name == "List orders"
    assert listing.desp == "Returns the orders of a customer, newest first."
    assert listing.tags == ("imported", "orders") and listing.version == "3.0.0"
    assert listing.tenant == "acme"
    assert tool(result, "post-orders-order-id-payments").tags == ("imported", "deprecated")
    assert shop().version == "2.1.0"  # info.version 2.1, padded
    assert messages(shop())["#/info/version"] == [
        "the version '2.1' is not a semantic version: the tools are version 2.1.0"]
    assert result.title == "Shop API" and result.servers == ("https://shop.example.com/api/v2",)


@pytest.mark.parametrize(("declared", "version", "reported"), [
    ("1.2.3", "1.2.3", False), ("v2", "2.0.0", True), ("2024-05-01", "1.0.0", True),
    (None, "1.0.0", False), ("1.0.0-beta.1", "1.0.0-beta.1", False)])
def test_the_version_comes_from_info(declared: str | None, version: str,
                                     reported: bool) -> None:
    document = minimal({})
    document["info"] = {"title": "t"} if declared is None else {"title": "t",
                                                                 "version": declared}
    result = import_openapi(document, service="s")
    assert result.version == version
    assert ("#/info/version" in messages(result)) is reported


# ---------------------------------------------------------------------------- arguments


def test_parameters_and_bodies_become_arguments_and_config() -> None:
    result = shop()
    listing = tool(result, "listOrders")
    assert listing.args["in"] == {
        "customerId": "string", "status": "OrderStatus?", "tags": "string[]?",
        "pageSize": "int = 20", "since": "date?", "xRequestId": "string", "xDebug": "bool?"}
    assert listing.config == {
        "method": "GET", "path": "/orders",
        "query": ["customerId", "status", "tags", "pageSize", "since"],
        "headers": {"X-Request-Id": "{xRequestId}", "X-Debug": "{xDebug}"}}
    assert listing.args["out"] == "Order[]"
    assert listing.descriptions["in.customerId"] == \
        "The customer whose orders are listed; format: uuid"
    assert listing.descriptions["in.status"] == "one of: new, paid, shipped, cancelled"
    create = tool(result, "createOrder")  # a $ref'd request body of a $ref'd schema
    assert create.args["in"] == {
        "customerId": "string", "items": "Item[]", "note": "string?", "shipTo": "Address?",
        "express": "bool = false", "metadata": "map<string>?"}
    assert create.config == {"method": "POST", "path": "/orders",
                             "body": ["customerId", "items", "note", "shipTo", "express",
                                      "metadata"]}
    replace = tool(result, "replaceOrder")
    assert next(iter(replace.args["in"])) == "orderId"
    assert replace.config["path"] == "/orders/{orderId}"  # {order-id} renamed
    delete = tool(result, "deleteOrder")
    assert delete.args["in"] == {"orderId": "long", "reason": 'string = "customer-request"'}
    assert "out" not in delete.args and "defs" not in delete.args
    assert tool(result, "uploadAvatar").config["body"] == []  # no JSON body: none sent


def test_components_become_the_defs_a_tool_uses() -> None:
    result = shop()
    order = tool(result, "getOrder")
    assert list(order.args["defs"]) == ["OrderStatus", "Order", "Item", "Address", "Money",
                                        "AddressGeo"]  # in the order they were first used
    defs = order.args["defs"]
    assert defs["OrderStatus"] == "string"
    assert defs["Order"]["items"] == "Item[]" and defs["Order"]["status"] == "OrderStatus"
    assert defs["Order"]["id"] == "long?"  # readOnly: absent in requests
    assert defs["Money"] == {"amount": "decimal", "currency": "string"}
    assert defs["Address"]["geo"] == "AddressGeo?"  # an inline object gets a def
    assert order.descriptions["defs.Money.amount"] == "The amount in the currency"
    assert order.descriptions["defs.Order.status"] == "one of: new, paid, shipped, cancelled"
    everything = json.dumps([spec.args for spec in result.tools])
    assert "CardPayment" not in everything  # only behind a oneOf: never used
    assert tool(result, "categoryTree").args == {
        "defs": {"Category": {"name": "string", "children": "Category[]?"}},
        "out": "Category[]"}


def test_openapi_31_types() -> None:
    result = tasks()
    listing = tool(result, "tasks.list")
    assert listing.args["in"] == {"assignee": "string?", "due": "date?", "ids": "long[]?",
                                  "where": "map<string>?"}
    assert listing.args["defs"]["TaskPage"]["next"] == "string?"  # [string, "null"]
    task = listing.args["defs"]["Task"]
    assert task["owner"] == "User?"  # oneOf [User, null]
    assert task["subtasks"] == "Task[]?" and task["meta"] == "map<any>?"
    create = tool(result, "tasks.create")
    inputs = create.args["in"]
    assert inputs["priority"] == "int = 3"
    assert inputs["estimate"] == "Duration?"  # anyOf [Duration, null]
    assert inputs["kind"] == "string?" and create.descriptions["in.kind"] == 'always "task"'
    assert inputs["owner"] == "User?"
    assert create.descriptions["in.owner"] == "Who owns the task"  # a $ref sibling
    assert inputs["dueAt"] == 'date = DATE("2030-01-01T00:00:00Z")'
    assert "id" not in inputs  # readOnly
    assert inputs["score"] == "any" and inputs["attachment"] == "any"
    assert create.args["defs"]["Loop"] == "any"  # an alias of itself
    update = tool(result, "tasks.update")  # a path item $ref, path-level parameters
    assert update.args["in"] == {"taskId": "string", "tenantId": "string?",
                                 "ifMatch": "string", "title": "string?", "done": "bool?"}
    assert update.config == {"method": "PATCH", "path": "/tasks/{taskId}",
                             "query": ["tenantId"], "body": ["title", "done"],
                             "headers": {"If-Match": "{ifMatch}",  # the body's own JSON type
                                         "Content-Type": "application/merge-patch+json"}}
    assert tool(result, "get-health").args == {"out": "string"}


def test_name_conflicts_between_path_query_and_body() -> None:
    paths = {"/items/{id}": {"put": {
        "operationId": "put",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string"}},
                       {"name": "dry", "in": "query", "schema": {"type": "boolean"}}],
        "requestBody": body({"type": "object", "properties": {
            "id": {"type": "string"}, "dry": {"type": "string"}, "name": {"type": "string"}}}),
        "responses": {"204": {"description": "ok"}}}}}
    result = import_openapi(minimal(paths), service="s")
    spec = result.tools[0]
    assert spec.args["in"] == {"idPath": "string", "dry": "bool?", "id": "string?",
                               "name": "string?"}
    assert spec.config == {"method": "PUT", "path": "/items/{idPath}", "query": ["dry"],
                           "body": ["id", "name"]}
    found = messages(result)
    assert "is the argument 'idPath'" in found["#/paths/~1items~1{id}/put/parameters/0"][0]
    assert "the body property 'dry' is skipped" in found[
        "#/paths/~1items~1{id}/put/requestBody/content/application~1json/schema/properties/dry"
    ][0]


def test_an_object_query_parameter_is_kept_and_reported() -> None:
    operation = {"parameters": [{"name": "f", "in": "query",
                                 "schema": {"$ref": "#/components/schemas/F"}}]}
    components = {"schemas": {"F": {"type": "object", "properties": {"a": {"type": "string"}}}}}
    result = import_openapi(minimal(one_op(operation, method="get"), components), service="s")
    assert result.tools[0].args == {"defs": {"F": {"a": "string?"}}, "in": {"f": "F?"}}
    assert "the object query parameter 'f' (style form) cannot be sent" in \
        result.problems[0].message


def test_a_non_object_body_is_one_argument_sent_as_the_whole_body() -> None:
    result = import_openapi(minimal(one_op({"requestBody": body(
        {"type": "array", "items": {"type": "string"}})})), service="s")
    spec = result.tools[0]
    assert spec.args["in"] == {"body": "string[]"}
    assert spec.config == {"method": "POST", "path": "/x", "body": {"argument": "body"}}
    assert result.problems == ()
    Endpoint.from_config(spec.config, list(spec.inputs))  # the adapter reads it


def test_a_non_object_body_beside_parameters() -> None:
    operation = {"parameters": [{"name": "body", "in": "query", "schema": {"type": "string"}}],
                 "requestBody": body({"type": "object", "additionalProperties": {
                     "type": "integer"}}, required=False)}
    result = import_openapi(minimal(one_op(operation)), service="s")
    spec = result.tools[0]
    assert spec.args["in"] == {"body": "string?", "body2": "map<long>?"}
    assert spec.config == {"method": "POST", "path": "/x", "query": ["body"],
                           "body": {"argument": "body2"}}


def test_an_optional_header_is_an_optional_argument() -> None:
    operation = {"parameters": [
        {"name": "X-Trace-Id", "in": "header", "schema": {"type": "string"}},
        {"name": "X-Limit", "in": "header", "schema": {"type": "integer", "default": 5}},
        {"name": "X-Must", "in": "header", "required": True, "schema": {"type": "string"}}]}
    result = import_openapi(minimal(one_op(operation, method="get")), service="s")
    spec = result.tools[0]
    assert spec.args["in"] == {"xTraceId": "string?", "xLimit": "long = 5",
                               "xMust": "string"}
    assert spec.config["headers"] == {"X-Trace-Id": "{xTraceId}", "X-Limit": "{xLimit}",
                                      "X-Must": "{xMust}"}
    assert result.problems == ()


@pytest.mark.parametrize(("media", "content_type"), [
    ("application/json", None), ("application/json; charset=utf-8", None),
    ("application/merge-patch+json", "application/merge-patch+json"),
    ("application/vnd.api+json; ext=bulk", "application/vnd.api+json"),
    ("text/json", "text/json")])
def test_a_json_body_is_sent_as_its_own_media_type(media: str,
                                                   content_type: str | None) -> None:
    operation = {"requestBody": {"content": {media: {"schema": {
        "type": "object", "properties": {"a": {"type": "string"}}}}}}}
    result = import_openapi(minimal(one_op(operation, method="patch")), service="s")
    spec = result.tools[0]
    assert spec.config.get("headers") == (None if content_type is None
                                          else {"Content-Type": content_type})
    assert spec.config["body"] == ["a"] and result.problems == ()
    Endpoint.from_config(spec.config, list(spec.inputs))


def test_a_default_that_does_not_fit_is_left_out() -> None:
    operation = {"parameters": [{"name": "n", "in": "query", "schema": {
        "type": "integer", "default": "many"}}]}
    result = import_openapi(minimal(one_op(operation, method="get")), service="s")
    assert result.tools[0].args["in"] == {"n": "long?"}
    assert "the default of 'n' does not fit its type" in result.problems[0].message


def test_undeclared_and_unused_path_parameters() -> None:
    operation = {"parameters": [{"name": "gone", "in": "path", "required": True,
                                 "schema": {"type": "string"}}]}
    result = import_openapi(minimal(one_op(operation, path="/a/{b}", method="get")),
                            service="s")
    assert result.tools[0].args["in"] == {"b": "string"}
    assert [p.message for p in result.problems] == [
        "the path parameter 'b' is not declared: it is the argument 'b' of type string",
        "the path parameter 'gone' is not in the path /a/{b}: it is left out"]


# ---------------------------------------------------------------------------- problems


def test_what_is_not_translated_is_reported_with_its_pointer() -> None:
    found = messages(shop())
    assert found["#/paths/~1orders/get/parameters/6"] == [
        "the cookie parameter 'session' is skipped: the api:// adapter sends no cookies"]
    assert "#/paths/~1orders/get/parameters/5" not in found  # X-Debug: an optional header
    assert found["#/components/schemas/Order"] == [
        "allOf of 2 object schemas is merged into one object type (their properties "
        "together)"]
    one_of = ("#/paths/~1orders~1{order-id}~1payments/post/requestBody/content/"
              "application~1json/schema/oneOf")
    assert found[one_of] == ["oneOf of 2 schemas (discriminator 'kind') is not translated: "
                             "typed any (values pass unchecked)"]
    assert "(image/png) is not translated" in found[
        "#/paths/~1customers~1{id}~1avatar/put/requestBody"][0]
    assert "HEAD operations are not imported" in found["#/paths/~1customers~1{id}~1avatar/head"][0]
    assert "services.shop.auth" in found["#/components/securitySchemes"][0]
    assert found["#/components/requestBodies/NewOrder/content"] == [
        "the request body is sent as application/json only (not application/xml)"]


def test_openapi_31_problems() -> None:
    found = messages(tasks())
    create = "#/paths/~1tasks/post/requestBody/content/application~1json/schema/properties"
    assert "external $ref 'other.yaml#/components/schemas/Attachment'" in found[
        f"{create}/attachment"][0]
    assert "several types (integer, string)" in found[f"{create}/score/type"][0]
    assert found[f"{create}/ratio/format"] == [
        "the number format 'percent' is not known: typed double"]
    assert "'prefixItems' is not translated" in found[f"{create}/position/prefixItems"][0]
    assert "recursive through '#/components/schemas/Tree/properties/node'" in found[
        "#/components/schemas/Tree/properties/node/properties/down"][0]
    assert "defined only through itself" in found["#/components/schemas/Loop"][0]
    assert "webhooks are not imported" in found["#/webhooks"][0]
    assert "the document lists 2 servers" in found["#/servers"][0]
    assert "'filter[state]' is skipped" in found["#/paths/~1tasks/get/parameters/3"][0]
    assert "style deepObject" in found["#/paths/~1tasks/get/parameters/4"][0]
    assert "explode false" in found["#/paths/~1tasks/get/parameters/2"][0]
    assert not any("merge-patch" in pointer for pointer in found)  # sent as its own type
    assert "returns it as text" in found["#/paths/~1health/get/responses/200/content"][0]


def test_circular_and_dangling_refs_are_reported() -> None:
    paths = {"/a": {"get": {"operationId": "a", "parameters": [
        {"$ref": "#/components/parameters/P"}, {"$ref": "#/components/parameters/Nope"}],
        "responses": {"200": {"$ref": "#/components/responses/R"}}}}}
    components = {"parameters": {"P": {"$ref": "#/components/parameters/Q"},
                                 "Q": {"$ref": "#/components/parameters/P"}},
                  "responses": {"R": {"description": "r", "content": {"application/json": {
                      "schema": {"$ref": "#/components/schemas/Missing"}}}}}}
    result = import_openapi(minimal(paths, components), service="s")
    assert result.tools[0].args == {"out": "any"}
    text = "\n".join(map(str, result.problems))
    assert "leads back to itself" in text
    assert "'#/components/parameters/Nope' points at nothing" in text
    assert "the schema 'Missing' points at nothing: typed any" in text


def test_long_chains_of_components_do_not_recurse() -> None:
    schemas: dict[str, Any] = {f"S{i}": {"type": "object", "properties": {
        "next": {"$ref": f"#/components/schemas/S{i + 1}"}}} for i in range(400)}
    schemas["S400"] = {"type": "string"}
    response = {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/S0"}}}}}
    result = import_openapi(minimal(one_op({"responses": response}, method="get"),
                                    {"schemas": schemas}), service="s")
    defs = result.tools[0].args["defs"]
    assert len(defs) == 401 and defs["S399"] == {"next": "S400?"} and defs["S400"] == "string"


def test_too_deeply_nested_schemas_are_an_error() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(2000):
        schema = {"type": "array", "items": schema}
    operation = {"requestBody": body(schema)}
    with pytest.raises(OpenApiError, match="nested too deeply"):
        import_openapi(minimal(one_op(operation)), service="s")


def test_problem_values() -> None:
    problem = OpenApiProblem("#/paths/~1a", "skipped")
    assert str(problem) == "#/paths/~1a: skipped"
    assert problem.to_dict() == {"pointer": "#/paths/~1a", "message": "skipped"}


# ---------------------------------------------------------------------------- checking flows


def test_imported_tools_check_flows_through_the_registry() -> None:
    registry = Registry()
    registry.register_many(shop().tools)
    catalog = RegistryCatalog(registry)
    good = textwrap.dedent("""\
        flow:
            name: status
            args:
                in:
                    orderId: long
                out: string
            node:
                order:
                    exec: api://shop/getOrder
                    with: order.status + ' ' + order.items[0].sku
        """)
    result = fdl.check_text(good, "flow.yaml", catalog=catalog)
    assert [d.headline() for d in result.diagnostics if d.severity == "error"] == []
    bad = good.replace("order.status", "order.statsu")
    found = fdl.check_text(bad, "flow.yaml", catalog=catalog)
    assert any("statsu" in d.message for d in found.diagnostics if d.severity == "error")


# ---------------------------------------------------------------------------- calling


@pytest.mark.trio
async def test_an_imported_tool_is_called_where_the_document_says(server: LocalServer) -> None:
    result = shop()
    async with api_tools(result, "shop", server.url) as tools:
        listed = await call(tools, "api://shop/listOrders", {
            "customerId": "c1", "status": "paid", "tags": ["a", "b"], "pageSize": 5,
            "since": None, "xRequestId": "req-1"})
        replaced = await call(tools, "api://shop/replaceOrder", {
            "orderId": 42, "customerId": "c1", "items": [{"sku": "A-1", "quantity": 1}],
            "note": None, "express": True})
        deleted = await call(tools, "api://shop/deleteOrder", {"orderId": 9,
                                                                "reason": "fraud"})
    assert server.log[0]["method"] == "GET" and server.log[0]["path"] == "/orders"
    assert server.log[0]["query"] == {"customerId": ["c1"], "status": ["paid"],
                                      "tags": ["a", "b"], "pageSize": ["5"]}
    assert server.log[0]["headers"]["x-request-id"] == "req-1"
    assert server.log[0]["body"] is None
    assert replaced["method"] == "PUT" and replaced["path"] == "/orders/42"
    assert replaced["body"] == {"customerId": "c1", "items": [{"sku": "A-1", "quantity": 1}],
                                "note": None, "shipTo": None, "express": True,
                                "metadata": None}
    assert replaced["query"] == {}
    assert deleted["method"] == "DELETE" and deleted["path"] == "/orders/9"
    assert deleted["query"] == {"reason": ["fraud"]}
    assert listed["path"] == "/orders"


@pytest.mark.trio
async def test_a_flow_runs_imported_tools(server: LocalServer) -> None:
    result = shop()
    registry = Registry()
    registry.register_many(result.tools)
    text = textwrap.dedent("""\
        flow:
            name: reorder
            args:
                in:
                    orderId: long
                out:
                    id: long
                    status: string
                    sku: string
            node:
                old:
                    exec: api://shop/getOrder
                    next: copy
                copy:
                    exec: api://shop/createOrder
                    args: customerId = old.customerId, items = old.items
                    with: "{id: copy.id, status: copy.status, sku: copy.items[0].sku}"
        """)
    checked = fdl.check_text(text, "reorder.yaml", catalog=RegistryCatalog(registry))
    assert checked.plan is not None, [d.headline() for d in checked.diagnostics]
    async with api_tools(result, "shop", server.url) as tools, Runtime(tools=tools) as rt:
        run = await rt.run(checked.plan, {"orderId": 42})
    assert run.status == "completed", run.error
    assert run.output == {"id": 7, "status": "new", "sku": "A-1"}
    assert [(r["method"], r["path"]) for r in server.log] == [("GET", "/orders/42"),
                                                              ("POST", "/orders")]
    sent = server.log[1]["body"]
    assert sent["customerId"] == "c1" and sent["items"] == [{"sku": "A-1", "quantity": 2}]
    tools_seen = {e.get("tool") for e in run.events if e["type"] == "node.completed"}
    assert tools_seen == {"api://shop/getOrder", "api://shop/createOrder"}


def _patch_document() -> dict[str, Any]:
    """A JSON Patch operation: an optional header and an array body of its own media type."""
    operation = {
        "operationId": "patchTask",
        "parameters": [
            {"name": "task-id", "in": "path", "required": True,
             "schema": {"type": "integer"}},
            {"name": "X-Request-Id", "in": "header", "required": True,
             "schema": {"type": "string"}},
            {"name": "X-Dry-Run", "in": "header", "schema": {"type": "boolean"}}],
        "requestBody": {"required": True, "content": {"application/json-patch+json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/PatchOp"}}}}},
        "responses": {"200": {"description": "the request as the server saw it",
                              "content": {"application/json": {"schema": {}}}}}}
    components = {"schemas": {"PatchOp": {
        "type": "object", "required": ["op", "path"], "properties": {
            "op": {"type": "string", "enum": ["add", "remove", "replace"]},
            "path": {"type": "string"}, "value": {}}}}}
    return minimal({"/echo/tasks/{task-id}": {"patch": operation}}, components)


def test_an_optional_header_and_an_array_body_are_imported_exactly() -> None:
    result = import_openapi(_patch_document(), service="t")
    spec = result.tools[0]
    assert result.problems == ()
    assert spec.args == {"defs": {"PatchOp": {"op": "string", "path": "string",
                                              "value": "any"}},
                         "in": {"taskId": "long", "xRequestId": "string", "xDryRun": "bool?",
                                "body": "PatchOp[]"},
                         "out": "any"}
    assert spec.config == {"method": "PATCH", "path": "/echo/tasks/{taskId}",
                           "body": {"argument": "body"},
                           "headers": {"X-Request-Id": "{xRequestId}",
                                       "X-Dry-Run": "{xDryRun}",
                                       "Content-Type": "application/json-patch+json"}}
    assert ToolSpec.from_text(spec_to_yaml(spec), "tool.yaml") == spec


@pytest.mark.trio
async def test_an_optional_header_and_an_array_body_are_sent_as_declared(
        server: LocalServer) -> None:
    result = import_openapi(_patch_document(), service="t")
    ops = [{"op": "replace", "path": "/title", "value": "New"}, {"op": "remove",
                                                                  "path": "/due"}]
    async with api_tools(result, "t", server.url) as tools:
        dry = await call(tools, "api://t/patchTask", {
            "taskId": 5, "xRequestId": "r-1", "xDryRun": True, "body": ops})
        real = await call(tools, "api://t/patchTask", {
            "taskId": 5, "xRequestId": "r-2", "xDryRun": None, "body": ops})
    for echo in (dry, real):
        assert echo["method"] == "PATCH" and echo["path"] == "/echo/tasks/5"
        assert echo["body"] == ops and echo["query"] == {}
        assert echo["headers"]["content-type"] == "application/json-patch+json"
    assert dry["headers"]["x-dry-run"] == "true" and dry["headers"]["x-request-id"] == "r-1"
    assert "x-dry-run" not in real["headers"] and real["headers"]["x-request-id"] == "r-2"

    # From a flow: the optional header is bound to null (not given), so it is left out.
    registry = Registry()
    registry.register_many(result.tools)
    text = textwrap.dedent("""\
        flow:
            name: retitle
            args:
                in:
                    taskId: long
                    v: string
                out: any
            node:
                patch:
                    exec: api://t/patchTask
                    args: "xRequestId = 'r-3', body = [{op: 'replace', path: '/title', value: v}]"
                    with: patch.body
        """)
    checked = fdl.check_text(text, "retitle.yaml", catalog=RegistryCatalog(registry))
    assert checked.plan is not None, [d.headline() for d in checked.diagnostics]
    async with api_tools(result, "t", server.url) as tools, Runtime(tools=tools) as rt:
        run = await rt.run(checked.plan, {"taskId": 8, "v": "Newer"})
    assert run.status == "completed", run.error
    assert run.output == [{"op": "replace", "path": "/title", "value": "Newer"}]
    sent = server.log[-1]
    assert sent["path"] == "/echo/tasks/8" and "x-dry-run" not in sent["headers"]
    assert sent["headers"]["content-type"] == "application/json-patch+json"


# ---------------------------------------------------------------------------- loading


def test_url_import_reads_yaml_and_json(server: LocalServer) -> None:
    assert load_openapi(f"{server.url}/openapi.yaml") == load_openapi(SHOP)
    assert load_openapi(f"{server.url}/openapi") == load_openapi(TASKS)


def test_a_transport_can_be_given() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n")

    document = load_openapi("https://api.example.com/openapi.yaml",
                            transport=httpx.MockTransport(answer))
    assert document["openapi"] == "3.1.0"


def test_yaml_is_read_like_yaml_12(tmp_path: Path) -> None:
    file = tmp_path / "doc.yaml"
    file.write_text("openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths: {}\n"
                    "x-values: [yes, no, on, off, 2024-01-02, true]\n")
    assert load_openapi(file)["x-values"] == ["yes", "no", "on", "off", "2024-01-02", True]


def test_a_document_without_paths_has_no_tools_but_no_error() -> None:
    assert import_openapi(minimal({}), service="s").tools == ()


@pytest.mark.parametrize(("document", "message"), [
    ([1, 2], "not a list"),
    ({"swagger": "2.0", "paths": {}}, "Swagger 2.0 document; only OpenAPI 3.0 and 3.1"),
    ({"info": {}, "paths": {}}, "has no 'openapi' field"),
    ({"openapi": "4.0.0", "paths": {}}, "openapi: 4.0.0 is not supported"),
    ({"openapi": "3.1.0", "info": {}}, "has no 'paths'"),
    ({"openapi": "3.1.0", "webhooks": {"a": {}}}, "(webhooks are not imported)"),
    ({"openapi": "3.0.0", "paths": []}, "'paths' that are not a mapping"),
])
def test_documents_that_are_not_openapi_3(document: Any, message: str) -> None:
    with pytest.raises(OpenApiError, match=None) as caught:
        import_openapi(document, service="s")
    assert message in str(caught.value)


@pytest.mark.parametrize(("text", "name", "message"), [
    ("- a\n- b\n", "list.yaml", "is a list, not an OpenAPI document"),
    ("", "empty.yaml", "is empty, not an OpenAPI document"),
    ("openapi: [\n", "bad.yaml", "is not valid YAML or JSON at line 2"),
    ('{"openapi": ', "bad.json", "is not valid JSON"),
])
def test_unreadable_files(tmp_path: Path, text: str, name: str, message: str) -> None:
    file = tmp_path / name
    file.write_text(text)
    with pytest.raises(OpenApiError) as caught:
        load_openapi(file)
    assert message in str(caught.value)


def test_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(OpenApiError, match="the file does not exist; check the path"):
        load_openapi(tmp_path / "nope.yaml")
    with pytest.raises(OpenApiError, match="it is a folder"):
        load_openapi(tmp_path)


def test_bad_urls(server: LocalServer) -> None:
    with pytest.raises(OpenApiError, match=r"HTTP 404 Not Found; check the URL"):
        load_openapi(f"{server.url}/missing.yaml")
    host, port = server.server_address[:2]
    server.shutdown()
    server.server_close()
    with pytest.raises(OpenApiError, match=r"cannot read .*: ConnectError"):
        load_openapi(f"http://{host!s}:{port}/openapi.yaml", timeout=2)


@pytest.mark.parametrize(("service", "version"), [("a/b", None), ("", None), ("s", "1.0")])
def test_bad_service_names_and_versions(service: str, version: str | None) -> None:
    with pytest.raises(ValueError, match="is not a"):
        import_openapi(minimal({}), service=service, version=version)
