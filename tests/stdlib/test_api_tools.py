"""``api://`` and ``svc://`` against a real HTTP server on 127.0.0.1 (stdlib/tools/api.py).

The server is `http.server.ThreadingHTTPServer` in a background thread, speaking HTTP/1.1
with keep-alive so that connection reuse is observable (each request records the client's
port). Async tests are marked ``@pytest.mark.trio`` (no trio mode in this folder).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
import textwrap
import time
import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import trio

import fdl
from compiler.plan import Plan
from runtime import Runtime, ToolCall, ToolError
from stdlib.tools._http import Secrets, decode_json, redact_url, snippet
from stdlib.tools.api import ApiTools, Auth, Endpoint, Service
from tests._http import LocalServer, serving

TOKEN = "tok-3xT8/s+cret=="
USER, PASSWORD = "svc-user", "pa55:w0rd!"
API_KEY = "key-9f8e7d6c"
ENVIRON = {"CRM_TOKEN": TOKEN, "CRM_USER": USER, "CRM_PASSWORD": PASSWORD,
           "CRM_KEY": API_KEY}

# ---------------------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _reply(self, status: int, body: bytes = b"", content_type: str | None = None,
               headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any, headers: Mapping[str, str] | None = None) -> None:
        self._reply(status, json.dumps(value).encode(), "application/json", headers)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        record: dict[str, Any] = {
            "method": self.command,
            "path": parts.path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": json.loads(raw) if raw else None,
            "port": self.client_address[1],
        }
        self.server.log.append(record)
        path = parts.path
        params = {k: v[-1] for k, v in query.items()}
        authorization = self.headers.get("Authorization", "") + " " + \
            self.headers.get("X-Api-Key", "")
        if path.startswith("/echo"):
            self._json(200, record)
        elif path == "/missing":
            self._json(404, {"message": "customer c9 not found", "code": "CUSTOMER_NOT_FOUND"})
        elif path == "/nested-error":
            self._json(422, {"error": {"message": "amount must be positive", "code": 17}})
        elif path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            headers = {"Location": "http://127.0.0.1:1/elsewhere"} if status == 302 else {}
            if status == 429:
                headers["Retry-After"] = "3"
            self._reply(status, f"status {status}".encode(), "text/plain", headers)
        elif path == "/long-error":
            self._reply(500, ("x" * 1000).encode(), "text/plain")
        elif path == "/no-content":
            self._reply(204)
        elif path == "/empty":
            self._reply(200, b"", "application/json")
        elif path == "/text":
            self._reply(200, "hello, wörld".encode(), "text/plain; charset=utf-8")
        elif path == "/numbers":
            self._reply(200, b'{"i": 123456789012345678901234567890, "f": 1.5, "one": 1.0, '
                        b'"big": 1e400, "n": -3}', "application/json")
        elif path == "/bad-json":
            self._reply(200, b"{not json", "application/json")
        elif path == "/slow":
            time.sleep(int(params.get("ms", "1000")) / 1000)
            self._json(200, {"slow": True})
        elif path.startswith("/flaky/"):
            key = path
            with self.server.lock:
                seen = self.server.counters.get(key, 0)
                self.server.counters[key] = seen + 1
            if seen == 0:
                self._reply(503, b"try again", "text/plain")
            else:
                self._json(200, {"ok": True, "seen": seen + 1})
        elif path == "/leak":
            self._json(400, {"message": f"bad credentials: {authorization}"})
        elif path == "/leak-text":
            self._reply(400, f"rejected {authorization} (query {parts.query})".encode(),
                        "text/plain")
        elif path == "/leak-503":
            self._json(503, {"error": f"overloaded for {authorization}",
                             "code": f"E-{authorization}"})
        elif path == "/drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._json(404, {"error": "no route"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A real HTTP/1.1 server on 127.0.0.1, running for one test."""
    with serving(_Handler) as srv:
        yield srv


def tools_for(server: LocalServer, endpoints: Mapping[str, Endpoint] | None = None, *,
              auth: Auth | None = None, environ: Mapping[str, str] | None = None,
              **service: Any) -> ApiTools:
    """ApiTools with one service, ``test``, pointing at the server."""
    return ApiTools({"test": Service("test", server.url, auth=auth, **service)}, endpoints,
                    environ=ENVIRON if environ is None else environ)


def tool_call(base: str, args: Mapping[str, Any] | None = None, **fields: Any) -> ToolCall:
    type_, _, code = base.partition("://")
    fields.setdefault("idempotency_key", "run-1/node/1")
    return ToolCall(uri=base, base=base, type=type_, code=code, args=dict(args or {}),
                    **fields)


async def call(tools: ApiTools, base: str, args: Mapping[str, Any] | None = None,
               **fields: Any) -> Any:
    tool = tools.resolve(base)
    assert tool is not None, base
    return await tool.call(tool_call(base, args, **fields))


async def failure(tools: ApiTools, base: str, args: Mapping[str, Any] | None = None,
                  **fields: Any) -> ToolError:
    with pytest.raises(ToolError) as caught:
        await call(tools, base, args, **fields)
    return caught.value


def plan_of(text: str) -> Plan:
    result = fdl.check_text(textwrap.dedent(text), "flow.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    return result.plan


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_no_secret(text: str) -> None:
    for secret in (TOKEN, PASSWORD, API_KEY, base64.b64encode(f"{USER}:{PASSWORD}".encode())
                   .decode()):
        assert secret not in text
    assert "s3cret" not in text.replace("***", "")


# ---------------------------------------------------------------------------- mapping


@pytest.mark.trio
async def test_get_sends_remaining_arguments_as_query(server: LocalServer) -> None:
    endpoints = {"test/customer": Endpoint(path="/echo/customers/{id}")}
    async with tools_for(server, endpoints) as tools:
        echo = await call(tools, "api://test/customer",
                          {"id": "c1", "proj": "name", "gone": None, "tags": ["a", "b"],
                           "vip": True, "since": dt.date(2025, 1, 2), "n": 3})
    assert echo["method"] == "GET"
    assert echo["path"] == "/echo/customers/c1"
    assert echo["query"] == {"proj": ["name"], "tags": ["a", "b"], "vip": ["true"],
                             "since": ["2025-01-02"], "n": ["3"]}
    assert echo["body"] is None


@pytest.mark.trio
async def test_post_sends_remaining_arguments_as_a_json_body(server: LocalServer) -> None:
    endpoints = {"test/order": Endpoint(method="post", path="/echo/customers/{id}/orders")}
    async with tools_for(server, endpoints) as tools:
        echo = await call(tools, "api://test/order",
                          {"id": "c1", "amount": Decimal("12.50"), "count": Decimal(3),
                           "note": None, "at": dt.datetime(2025, 1, 2, 3, 4, 5)})
    assert echo["method"] == "POST"
    assert echo["path"] == "/echo/customers/c1/orders"
    assert echo["query"] == {}
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["body"] == {"amount": 12.5, "count": 3, "note": None,
                            "at": "2025-01-02T03:04:05"}


@pytest.mark.trio
@pytest.mark.parametrize(("method", "in_query"), [
    ("GET", True), ("DELETE", True), ("POST", False), ("PUT", False), ("PATCH", False)])
async def test_default_mapping_per_method(server: LocalServer, method: str,
                                          in_query: bool) -> None:
    async with tools_for(server, {"test/x": Endpoint(method=method, path="/echo/x")}) as tools:
        echo = await call(tools, "api://test/x", {"a": 1})
    assert echo["method"] == method
    if in_query:
        assert echo["query"] == {"a": ["1"]} and echo["body"] is None
    else:
        assert echo["query"] == {} and echo["body"] == {"a": 1}


@pytest.mark.trio
async def test_explicit_query_and_body_lists(server: LocalServer) -> None:
    endpoints = {
        "test/post": Endpoint(method="POST", path="/echo/p/{id}", query=["page", "id"],
                              body=["data"]),
        "test/get-body": Endpoint(path="/echo/g", body=["filter"]),
        "test/no-body": Endpoint(method="POST", path="/echo/n", body=[]),
        "test/only-q": Endpoint(method="PUT", path="/echo/q", query="page, size"),
    }
    async with tools_for(server, endpoints) as tools:
        post = await call(tools, "api://test/post",
                          {"id": "7", "page": 2, "data": {"x": 1}, "other": "dropped"})
        get = await call(tools, "api://test/get-body", {"filter": {"a": 1}, "q": "z"})
        empty = await call(tools, "api://test/no-body", {"a": 1})
        put = await call(tools, "api://test/only-q", {"page": 1, "size": 10, "name": "n"})
    # an explicit list is taken as written: `id` is both in the path and the query
    assert post["query"] == {"page": ["2"], "id": ["7"]}
    assert post["body"] == {"data": {"x": 1}}
    assert get["query"] == {"q": ["z"]} and get["body"] == {"filter": {"a": 1}}
    assert empty["body"] is None and empty["query"] == {}
    assert "content-type" not in empty["headers"]
    assert put["query"] == {"page": ["1"], "size": ["10"]} and put["body"] == {"name": "n"}


@pytest.mark.trio
async def test_the_method_option_overrides_the_endpoint(server: LocalServer) -> None:
    async with tools_for(server) as tools:
        echo = await call(tools, "api://test/echo", {"a": 1}, options={"method": "post"})
        error = await failure(tools, "api://test/echo", {}, options={"method": "FETCH"})
    assert echo["method"] == "POST" and echo["body"] == {"a": 1}
    assert error.code == "API400" and error.type == "validation"


@pytest.mark.trio
async def test_path_values_stay_one_escaped_segment(server: LocalServer) -> None:
    endpoints = {"test/item": Endpoint(path="/echo/items/{id}/x")}
    async with tools_for(server, endpoints) as tools:
        slash = await call(tools, "api://test/item", {"id": "a/b c"})
        dots = await call(tools, "api://test/item", {"id": ".."})
        other = await call(tools, "api://test/item", {"id": "ü?#&%"})
    assert slash["path"] == "/echo/items/a%2Fb%20c/x"
    assert dots["path"] == "/echo/items/%2E%2E/x"
    assert other["path"] == "/echo/items/%C3%BC%3F%23%26%25/x"
    assert slash["query"] == {}


@pytest.mark.trio
async def test_a_missing_path_argument_is_a_validation_error(server: LocalServer) -> None:
    endpoints = {"test/item": Endpoint(path="/echo/items/{itemId}")}
    async with tools_for(server, endpoints) as tools:
        missing = await failure(tools, "api://test/item", {})
        null = await failure(tools, "api://test/item", {"itemId": None})
    for error in (missing, null):
        assert error.code == "API400" and error.type == "validation"
        assert "'itemId'" in error.message and not error.retryable
        assert error.details == {"argument": "itemId"}
    assert server.log == []


@pytest.mark.trio
async def test_static_and_placeholder_headers(server: LocalServer) -> None:
    endpoints = {"test/h": Endpoint(path="/echo/h", headers={"X-Trace": "t-{traceId}",
                                                              "X-Fixed": "1"})}
    async with tools_for(server, endpoints, headers={"X-Service": "crm",
                                                      "X-Fixed": "0"}) as tools:
        echo = await call(tools, "api://test/h", {"traceId": "abc", "q": 1})
        error = await failure(tools, "api://test/h", {})
    headers = echo["headers"]
    assert headers["x-service"] == "crm"
    assert headers["x-trace"] == "t-abc"
    assert headers["x-fixed"] == "1"  # the endpoint's header wins over the service's
    assert echo["query"] == {"q": ["1"]}  # traceId was used by a header
    assert error.code == "API400" and "'traceId'" in error.message


@pytest.mark.trio
async def test_a_header_of_one_placeholder_is_left_out_when_its_argument_is_null(
        server: LocalServer) -> None:
    endpoints = {"test/get": Endpoint(path="/echo/g", headers={"X-Debug": "{debug}"}),
                 "test/post": Endpoint(method="POST", path="/echo/p",
                                       headers={"X-Debug": "{debug}"}),
                 "test/mixed": Endpoint(path="/echo/m", headers={"X-Trace": "t-{traceId}"})}
    async with tools_for(server, endpoints) as tools:
        given = await call(tools, "api://test/get", {"debug": True, "q": 1})
        null = await call(tools, "api://test/get", {"debug": None, "q": 1})
        absent = await call(tools, "api://test/get", {"q": 1})
        posted = await call(tools, "api://test/post", {"debug": None, "a": 1})
        mixed = await failure(tools, "api://test/mixed", {"traceId": None})
    assert given["headers"]["x-debug"] == "true" and given["query"] == {"q": ["1"]}
    for echo in (null, absent):
        assert "x-debug" not in echo["headers"]
        assert echo["query"] == {"q": ["1"]}  # the argument is not sent elsewhere either
    assert "x-debug" not in posted["headers"] and posted["body"] == {"a": 1}
    # a placeholder inside other text still needs its argument
    assert mixed.code == "API400" and "'traceId'" in mixed.message


@pytest.mark.trio
async def test_body_argument_sends_one_value_as_the_whole_body(server: LocalServer) -> None:
    def endpoint(method: str, path: str) -> Endpoint:
        return Endpoint.from_config({"method": method, "path": path,
                                     "body": {"argument": "items"}},
                                    ["id", "items", "other"])

    endpoints = {"test/post": endpoint("POST", "/echo/p/{id}"),
                 "test/get": endpoint("GET", "/echo/g"),
                 "test/put": endpoint("PUT", "/echo/u")}
    async with tools_for(server, endpoints) as tools:
        posted = await call(tools, "api://test/post", {
            "id": "7", "items": [{"sku": "A", "at": dt.date(2025, 1, 2)}, 2, None],
            "other": "dropped"})
        get = await call(tools, "api://test/get", {"items": ["x"], "other": "q"})
        text = await call(tools, "api://test/put", {"items": "just text"})
        null = await call(tools, "api://test/put", {"items": None})
        bad = await failure(tools, "api://test/put", {"items": [b"bytes"]})
    assert posted["path"] == "/echo/p/7" and posted["query"] == {}
    assert posted["body"] == [{"sku": "A", "at": "2025-01-02"}, 2, None]
    assert posted["headers"]["content-type"] == "application/json"
    # GET: the other arguments still default to the query, the body argument does not
    assert get["body"] == ["x"] and get["query"] == {"other": ["q"]}
    assert text["body"] == "just text"
    assert null["body"] is None and "content-type" not in null["headers"]
    assert bad.code == "API400" and bad.details == {"argument": "items"}
    assert "'items' cannot be sent as JSON" in bad.message


@pytest.mark.trio
async def test_a_content_type_header_names_the_json_media_type(server: LocalServer) -> None:
    patch = "application/merge-patch+json"
    endpoints = {
        "test/patch": Endpoint(method="PATCH", path="/echo/x", headers={"content-type": patch}),
        "test/ops": Endpoint(method="PATCH", path="/echo/o", body_argument="ops",
                             headers={"Content-Type": "application/json-patch+json"}),
        "test/none": Endpoint(method="POST", path="/echo/n", body=[],
                              headers={"Content-Type": patch})}
    async with tools_for(server, endpoints) as tools:
        merged = await call(tools, "api://test/patch", {"title": None})
        ops = await call(tools, "api://test/ops", {"ops": [{"op": "remove", "path": "/a"}]})
        empty = await call(tools, "api://test/none", {"a": 1})
        no_ops = await call(tools, "api://test/ops", {"ops": None})
    assert merged["headers"]["content-type"] == patch and merged["body"] == {"title": None}
    assert ops["headers"]["content-type"] == "application/json-patch+json"
    assert ops["body"] == [{"op": "remove", "path": "/a"}]
    for echo in (empty, no_ops):  # no body, so no Content-Type either
        assert echo["body"] is None and "content-type" not in echo["headers"]


@pytest.mark.trio
async def test_tenant_and_bu_travel_as_headers(server: LocalServer) -> None:
    endpoints = {"test/listed": Endpoint(path="/echo/l", query=["tenantId", "q"])}
    async with tools_for(server, endpoints) as tools:
        from_args = await call(tools, "api://test/echo",
                               {"tenantId": "t1", "buCode": "b1", "q": 1})
        from_context = await call(tools, "api://test/echo", {"tenantId": None},
                                  tenant_id="t2", bu_code=None)
        listed = await call(tools, "api://test/listed", {"tenantId": "t3", "q": 2})
        posted = await call(tools, "api://test/echo", {"tenantId": "t4", "a": 1},
                            options={"method": "POST"})
    assert from_args["headers"]["x-tenant-id"] == "t1"
    assert from_args["headers"]["x-bu-code"] == "b1"
    assert from_args["query"] == {"q": ["1"]}
    assert from_context["headers"]["x-tenant-id"] == "t2"
    assert "x-bu-code" not in from_context["headers"] and from_context["query"] == {}
    assert listed["query"] == {"tenantId": ["t3"], "q": ["2"]}
    assert listed["headers"]["x-tenant-id"] == "t3"
    assert posted["body"] == {"a": 1}


@pytest.mark.trio
@pytest.mark.parametrize(("value", "problem"), [
    ("a\r\nX-Evil: 1", "a line break"),
    ("a\x00b", "a NUL byte"),
    ("a\x07b", "a control character (U+0007)"),
    ("caf\u00e9", "non-ASCII text ('\u00e9' at position 4); header values must be ASCII"),
])
async def test_a_header_value_that_http_cannot_carry_is_named_precisely(
        server: LocalServer, value: str, problem: str) -> None:
    endpoints = {"test/h": Endpoint(path="/echo/h", headers={"X-Trace": "{traceId}"})}
    async with tools_for(server, endpoints) as tools:
        in_header = await failure(tools, "api://test/h", {"traceId": value})
        in_tenant = await failure(tools, "api://test/echo", {"tenantId": value})
    assert in_header.code == "API400" and in_header.type == "validation"
    assert f"the value of header X-Trace contains {problem}" in in_header.message
    assert in_tenant.code == "API400"
    assert f"tenantId (sent as header X-Tenant-Id) contains {problem}" in in_tenant.message


def test_a_static_header_must_be_ascii() -> None:
    from stdlib.tools.config import AdapterConfigError, ServiceConfig, read_config

    with pytest.raises(AdapterConfigError, match="must not contain non-ASCII text"):
        read_config(ServiceConfig, {"url": "http://x", "headers": {"X-A": "caf\u00e9"}})
    with pytest.raises(AdapterConfigError, match="must not contain a NUL byte"):
        read_config(ServiceConfig, {"url": "http://x", "headers": {"X-A": "a\x00"}})


@pytest.mark.trio
async def test_idempotency_key_and_attempt_headers(server: LocalServer) -> None:
    async with tools_for(server) as tools:
        first = await call(tools, "api://test/echo", idempotency_key="r/n/1", attempt=1)
        second = await call(tools, "api://test/echo", idempotency_key="r/n/1", attempt=2)
    assert first["headers"]["idempotency-key"] == "r/n/1"
    assert second["headers"]["idempotency-key"] == "r/n/1"
    assert (first["headers"]["x-request-attempt"], second["headers"]["x-request-attempt"]) \
        == ("1", "2")


@pytest.mark.trio
async def test_resolution_and_default_endpoints(server: LocalServer) -> None:
    async with tools_for(server, {"api://test/only-api": Endpoint(path="/echo/api")}) as tools:
        tool = tools.resolve("api://test/echo/deeper")
        assert tool is not None and tool is tools.resolve("api://test/echo/deeper")
        assert tool.arguments == ()
        assert tools.resolve("api://nope/echo") is None
        assert tools.resolve("db://test/echo") is None
        assert tools.resolve("api://") is None
        deeper = await call(tools, "api://test/echo/deeper", {"a": "1"})
        root = await failure(tools, "api://test", {})
        via_svc = await call(tools, "svc://test/echo/svc", {"b": "2"})
        only_api = await call(tools, "api://test/only-api")
        svc_default = await failure(tools, "svc://test/only-api")
    assert (deeper["method"], deeper["path"], deeper["query"]) == \
        ("GET", "/echo/deeper", {"a": ["1"]})
    assert root.message == "HTTP 404 from test GET /: no route"
    assert server.log[1]["path"] == "/"
    assert (via_svc["path"], via_svc["query"]) == ("/echo/svc", {"b": ["2"]})
    assert only_api["path"] == "/echo/api"
    # the endpoint was keyed by api://, so svc:// gets the default one
    assert svc_default.message == "HTTP 404 from test GET /only-api: no route"


def test_services_may_be_given_as_configuration_and_types_chosen() -> None:
    tools = ApiTools({"crm": {"url": "http://127.0.0.1:9", "auth": {"bearer_env": "T"}}},
                     types=("svc",))
    assert tools.services["crm"].auth == Auth(bearer_env="T")
    assert tools.resolve("svc://crm/x") is not None
    assert tools.resolve("api://crm/x") is None


@pytest.mark.trio
async def test_service_url_path_prefix_is_kept(server: LocalServer) -> None:
    tools = ApiTools({"test": Service("test", server.url + "/echo/v1")})
    async with tools:
        echo = await call(tools, "api://test/customers")
    assert echo["path"] == "/echo/v1/customers"


def test_arguments_are_declared_for_auto_binding() -> None:
    endpoint = Endpoint.from_config({"path": "/c/{id}"}, ["id", "proj"])
    tools = ApiTools({"s": Service("s", "http://127.0.0.1:9")}, {"s/c": endpoint})
    tool = tools.resolve("api://s/c")
    assert tool is not None and tuple(tool.arguments) == ("id", "proj")


# ---------------------------------------------------------------------------- auth


@pytest.mark.trio
@pytest.mark.parametrize(("auth", "header", "expected"), [
    (Auth(bearer_env="CRM_TOKEN"), "authorization", f"Bearer {TOKEN}"),
    (Auth(basic_user_env="CRM_USER", basic_password_env="CRM_PASSWORD"), "authorization",
     "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()),
    (Auth(header="X-Api-Key", header_env="CRM_KEY"), "x-api-key", API_KEY),
])
async def test_auth_schemes(server: LocalServer, auth: Auth, header: str, expected: str) -> None:
    async with tools_for(server, auth=auth) as tools:
        echo = await call(tools, "api://test/echo")
    assert echo["headers"][header] == expected


@pytest.mark.trio
async def test_secrets_are_read_at_call_time(server: LocalServer) -> None:
    environ: dict[str, str] = {}
    async with tools_for(server, auth=Auth(bearer_env="CRM_TOKEN"), environ=environ) as tools:
        error = await failure(tools, "api://test/echo")
        environ["CRM_TOKEN"] = "later"
        echo = await call(tools, "api://test/echo")
        environ["CRM_TOKEN"] = ""
        empty = await failure(tools, "api://test/echo")
    assert error.code == "API401" and error.type == "auth" and not error.retryable
    assert error.message == "the environment variable CRM_TOKEN for test is not set"
    assert echo["headers"]["authorization"] == "Bearer later"
    assert empty.message == "the environment variable CRM_TOKEN for test is empty"
    assert len(server.log) == 1


@pytest.mark.trio
async def test_missing_basic_password(server: LocalServer) -> None:
    auth = Auth(basic_user_env="CRM_USER", basic_password_env="NOPE")
    async with tools_for(server, auth=auth) as tools:
        error = await failure(tools, "api://test/echo")
    assert error.message == "the environment variable NOPE for test is not set"
    assert USER not in str(error)


# ---------------------------------------------------------------------------- responses


@pytest.mark.trio
async def test_response_decoding(server: LocalServer) -> None:
    async with tools_for(server) as tools:
        numbers = await call(tools, "api://test/numbers")
        text = await call(tools, "api://test/text")
        no_content = await call(tools, "api://test/no-content", options={"method": "DELETE"})
        empty = await call(tools, "api://test/empty")
        head = await call(tools, "api://test/echo", options={"method": "HEAD"})
        bad = await failure(tools, "api://test/bad-json")
    assert numbers["i"] == 123456789012345678901234567890 and type(numbers["i"]) is int
    assert numbers["f"] == 1.5 and type(numbers["one"]) is float and numbers["n"] == -3
    assert numbers["big"] == Decimal("1e400")
    assert text == "hello, wörld"
    assert no_content is None and empty is None and head is None
    assert bad.code == "API502" and "invalid JSON" in bad.message


@pytest.mark.trio
async def test_json_error_body_gives_message_and_code(server: LocalServer) -> None:
    endpoints = {"test/customer": Endpoint(path="/missing", query=[]),
                 "test/nested": Endpoint(method="POST", path="/nested-error")}
    async with tools_for(server, endpoints) as tools:
        missing = await failure(tools, "api://test/customer", {"id": "c9"})
        nested = await failure(tools, "api://test/nested", {"amount": -1})
    assert missing.code == "404" and missing.type == "tool" and not missing.retryable
    assert missing.message == "HTTP 404 from test GET /missing: customer c9 not found"
    assert missing.details == {"code": "CUSTOMER_NOT_FOUND"}
    assert nested.message == "HTTP 422 from test POST /nested-error: amount must be positive"
    assert nested.details == {"code": 17}


@pytest.mark.trio
async def test_the_message_names_the_path_template_not_values(server: LocalServer) -> None:
    endpoints = {"test/c": Endpoint(path="/status/{status}")}
    async with tools_for(server, endpoints) as tools:
        error = await failure(tools, "api://test/c", {"status": "404", "secretish": "v1"})
    assert error.message == "HTTP 404 from test GET /status/{status}: status 404"
    assert "v1" not in error.message


@pytest.mark.trio
@pytest.mark.parametrize(("status", "type_", "retryable"), [
    (400, "tool", False), (401, "auth", False), (403, "auth", False), (404, "tool", False),
    (408, "tool", True), (409, "tool", False), (425, "tool", True), (429, "tool", True),
    (500, "tool", True), (502, "tool", True), (503, "tool", True), (504, "tool", True),
    (302, "tool", False),
])
async def test_status_classification(server: LocalServer, status: int, type_: str,
                                     retryable: bool) -> None:
    async with tools_for(server) as tools:
        error = await failure(tools, f"api://test/status/{status}")
    assert (error.code, error.type, error.retryable) == (str(status), type_, retryable)
    assert error.message == f"HTTP {status} from test GET /status/{status}: status {status}"
    assert error.details == ({"retryAfter": "3"} if status == 429 else None)
    assert len(server.log) == 1  # the 302 was not followed


@pytest.mark.trio
async def test_long_error_bodies_are_cut(server: LocalServer) -> None:
    async with tools_for(server) as tools:
        error = await failure(tools, "api://test/long-error")
    head = "HTTP 500 from test GET /long-error: "
    assert error.message.startswith(head)
    assert len(error.message) - len(head) == 200 and error.message.endswith("…")


# ---------------------------------------------------------------------------- transport


@pytest.mark.trio
async def test_service_timeout_is_f407(server: LocalServer) -> None:
    async with tools_for(server, timeout_ms=200) as tools:
        started = trio.current_time()
        error = await failure(tools, "api://test/slow", {"ms": 1000})
        elapsed = trio.current_time() - started
    assert (error.code, error.type, error.retryable) == ("F407", "timeout", True)
    assert error.message == "no answer from test GET /slow within 200 ms"
    assert elapsed < 0.9


@pytest.mark.trio
async def test_runtime_timeout_is_f407(server: LocalServer) -> None:
    plan = plan_of("""\
        flow:
            name: slow
            node:
                answer:
                    exec: api://test/slow?timeout=200
                    args: ms = 1000
    """)
    async with tools_for(server) as tools, Runtime(tools=tools) as rt:
        started = trio.current_time()
        result = await rt.run(plan, {})
        elapsed = trio.current_time() - started
    assert result.status == "failed"
    assert result.error is not None
    assert (result.error["code"], result.error["type"]) == ("F407", "timeout")
    assert elapsed < 0.9


@pytest.mark.trio
async def test_connection_refused_is_a_retryable_connection_error() -> None:
    port = free_port()
    tools = ApiTools({"down": Service("down", f"http://127.0.0.1:{port}/base")})
    async with tools:
        error = await failure(tools, "api://down/x", {"k": "query-value"})
    assert error.type == "connection" and error.retryable and error.code == "API503"
    assert error.message.startswith(
        f"could not connect to down at http://127.0.0.1:{port}/base (GET /x): ConnectError")
    assert "query-value" not in error.message


@pytest.mark.trio
async def test_a_dropped_connection_is_a_connection_error(server: LocalServer) -> None:
    async with tools_for(server) as tools:
        error = await failure(tools, "api://test/drop")
    assert error.type == "connection" and error.retryable and error.code == "API502"
    assert error.message.startswith("lost the connection to test at ")


@pytest.mark.trio
async def test_other_httpx_errors_are_api502() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.DecodingError(f"cannot decode {TOKEN} at {request.url}")

    tools = ApiTools({"m": Service("m", "http://127.0.0.1:9", auth=Auth(bearer_env="CRM_TOKEN"))},
                     transport=httpx.MockTransport(handler), environ=ENVIRON)
    async with tools:
        error = await failure(tools, "api://m/x", {"q": "query-value"})
    assert (error.code, error.type, error.retryable) == ("API502", "connection", True)
    assert error.message.startswith("the request m GET /x failed: DecodingError: cannot decode")
    assert "***" in error.message and "query-value" not in error.message
    assert_no_secret(str(error))


@pytest.mark.trio
async def test_retries_through_the_runtime(server: LocalServer) -> None:
    key = uuid.uuid4().hex
    plan = plan_of(f"""\
        flow:
            name: retry
            node:
                flaky:
                    exec: api://test/flaky/{key}?max-attempts=3&backoff=1
    """)
    async with tools_for(server) as tools, Runtime(tools=tools, seed=1) as rt:
        result = await rt.run(plan, {})
    assert result.status == "completed", result.error
    assert result.output == {"ok": True, "seen": 2}
    sent = [r["headers"] for r in server.log]
    assert [h["x-request-attempt"] for h in sent] == ["1", "2"]
    assert sent[0]["idempotency-key"] == sent[1]["idempotency-key"] != ""
    assert sent[0]["idempotency-key"].startswith(result.run_id)
    retrying = [e for e in result.events if e["type"] == "node.retrying"]
    assert len(retrying) == 1 and retrying[0]["error"]["code"] == "503"


@pytest.mark.trio
async def test_not_retryable_errors_are_not_retried(server: LocalServer) -> None:
    plan = plan_of("""\
        flow:
            name: no-retry
            node:
                gone:
                    exec: api://test/status/404?max-attempts=3&backoff=1
    """)
    async with tools_for(server) as tools, Runtime(tools=tools) as rt:
        result = await rt.run(plan, {})
    assert result.status == "failed" and result.error is not None
    assert result.error["code"] == "404"
    assert len(server.log) == 1


@pytest.mark.trio
async def test_sequential_calls_share_one_connection(server: LocalServer) -> None:
    async with tools_for(server) as tools:
        for i in range(5):
            await call(tools, "api://test/echo", {"i": i})
        await call(tools, "svc://test/echo", {"i": 5})  # same service, same client
    ports = {r["port"] for r in server.log}
    assert len(server.log) == 6 and len(ports) == 1
    async with tools:  # closed above: a new call opens a new connection
        await call(tools, "api://test/echo")
    assert server.log[-1]["port"] not in ports


def test_a_provider_survives_several_trio_runs(server: LocalServer) -> None:
    tools = tools_for(server)

    async def once() -> Any:
        return await call(tools, "api://test/echo")

    assert trio.run(once)["path"] == "/echo"
    assert trio.run(once)["path"] == "/echo"  # the first run's client is closed, not reused
    trio.run(tools.aclose)
    assert server.log[0]["port"] != server.log[1]["port"]


# ---------------------------------------------------------------------------- secrets


@pytest.mark.trio
@pytest.mark.parametrize("auth", [
    Auth(bearer_env="CRM_TOKEN"),
    Auth(basic_user_env="CRM_USER", basic_password_env="CRM_PASSWORD"),
    Auth(header="X-Api-Key", header_env="CRM_KEY"),
])
@pytest.mark.parametrize("path", ["leak", "leak-text", "leak-503"])
async def test_secrets_never_appear_in_errors(server: LocalServer, auth: Auth, path: str) -> None:
    async with tools_for(server, auth=auth) as tools:
        error = await failure(tools, f"api://test/{path}", {"echo": TOKEN})
    assert "***" in error.message
    assert_no_secret(error.message)
    assert_no_secret(str(error))
    assert_no_secret(json.dumps(error.to_dict()))
    assert_no_secret(repr(error.args))
    if path == "leak-503":
        assert error.details is not None and "***" in error.details["code"]


@pytest.mark.trio
async def test_secrets_never_appear_in_run_events(server: LocalServer) -> None:
    plan = plan_of("""\
        flow:
            name: leaky
            node:
                first:
                    exec: api://test/leak-503?max-attempts=2&backoff=1
                    fail: second
                second:
                    exec: api://test/leak
    """)
    async with tools_for(server, auth=Auth(bearer_env="CRM_TOKEN")) as tools, \
            Runtime(tools=tools) as rt:
        result = await rt.run(plan, {})
    assert result.status == "failed"
    text = json.dumps({"events": result.events, "error": result.error}, default=str)
    assert "node.retrying" in text and "***" in text
    assert_no_secret(text)
    assert server.log[0]["headers"]["authorization"] == f"Bearer {TOKEN}"


# ---------------------------------------------------------------------------- end to end


@pytest.mark.trio
async def test_a_flow_end_to_end(server: LocalServer) -> None:
    plan = plan_of("""\
        flow:
            name: customer_view
            args:
                in:
                    customerId: string
            node:
                customer:
                    exec: api://crm-service/customer
                    next: order
                order:
                    exec: svc://crm-service/echo/orders?method=POST
                    args: amount = 12.5, items = ['a b', 'c']
                    next: merge
                merge:
                    with: |
                        path = customer.path
                        tenant = customer.headers['x-tenant-id']
                        auth = customer.headers['authorization']
                        body = order.body
                        method = order.method
    """)
    endpoints = {"crm-service/customer": Endpoint.from_config(
        {"path": "/echo/customers/{customerId}"}, ["customerId", "tenantId"])}
    services = {"crm-service": {"url": server.url, "auth": {"bearer_env": "CRM_TOKEN"},
                                "headers": {"X-Client": "fdl"}, "timeout": 5000}}
    async with ApiTools(services, endpoints, environ=ENVIRON) as tools, \
            Runtime(tools=tools) as rt:
        result = await rt.run(plan, {"customerId": "c 1"}, tenant="t1", bu="b1")
    assert result.status == "completed", result.error
    assert result.output == {"path": "/echo/customers/c%201", "tenant": "t1",
                             "auth": f"Bearer {TOKEN}", "body": {"amount": 12.5,
                                                                 "items": ["a b", "c"]},
                             "method": "POST"}
    assert server.log[1]["path"] == "/echo/orders"
    assert server.log[1]["headers"]["x-bu-code"] == "b1"
    assert server.log[0]["headers"]["x-client"] == "fdl"


# ---------------------------------------------------------------------------- configuration


def test_service_from_config() -> None:
    service = Service.from_config("crm", {
        "url": "http://127.0.0.1:8081", "headers": {"X-A": "1", "X-N": 2}, "timeout": 3000,
        "auth": {"bearer_env": "CRM_TOKEN"}})
    assert service == Service("crm", "http://127.0.0.1:8081", {"X-A": "1", "X-N": "2"},
                              Auth(bearer_env="CRM_TOKEN"), 3000.0)
    assert Service.from_config("crm", {"url": "https://x", "timeout_ms": 5}).timeout_ms == 5.0


@pytest.mark.parametrize(("mapping", "message"), [
    ({"url": "http://x", "tiemout": 5}, "unknown key 'tiemout' in services.crm; did you mean "
                                        "'timeout'?"),
    ({"headers": {}}, "services.crm: 'url' is required"),
    ({"url": "ftp://x"}, "services.crm.url must be an http:// or https:// URL"),
    ({"url": "http://u:secret@"}, "services.crm.url must be an http:// or https:// URL"),
    ({"url": "http://u:secret@host"}, "services.crm.url must not hold credentials"),
    ({"url": "http://host/?key=abc"}, "services.crm.url must not have a query string"),
    ({"url": "http://x", "timeout": 0}, "services.crm.timeout must be a positive number"),
    ({"url": "http://x", "timeout": 1, "timeout_ms": 1}, "not both"),
    ({"url": "http://x", "headers": {"X-A": "a\nb"}}, "services.crm.headers.X-A must not"),
    ({"url": "http://x", "headers": {"bad name": "1"}}, "'bad name' is not a valid header"),
    ({"url": "http://x", "auth": {"token": "abc"}}, "unknown key 'token' in services.crm.auth; "
                                                    "expected one of bearer_env, "),
    ({"url": "http://x", "auth": {"token": "abc"}}, "(secrets are never written in "
                                                    "configuration"),
    ({"url": "http://x", "auth": {"bearer": "X"}}, "did you mean 'bearer_env'?"),
    ({"url": "http://x", "auth": {"bearer_env": "not a name"}},
     "services.crm.auth.bearer_env names an environment variable"),
    ({"url": "http://x", "auth": {"basic_user_env": "U"}},
     "services.crm.auth: basic_user_env and basic_password_env go together"),
    ({"url": "http://x", "auth": {"header": "X-Key"}}, "header and header_env go together"),
    ({"url": "http://x", "auth": "CRM_TOKEN"}, "services.crm.auth must be a mapping"),
])
def test_service_config_errors_name_the_key(mapping: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Service.from_config("crm", mapping)
    assert message in str(caught.value)
    assert ":secret@" not in str(caught.value) and "abc" not in str(caught.value)


def test_endpoint_from_config() -> None:
    endpoint = Endpoint.from_config({"method": "POST", "path": "/c/{id}", "query": "page, size",
                                     "body": ["data"], "headers": {"X-T": "{trace}"}})
    assert endpoint == Endpoint("POST", "/c/{id}", ("page", "size"), ("data",),
                                {"X-T": "{trace}"})
    assert Endpoint.from_config({}) == Endpoint()
    assert Endpoint.from_config({"path": "/x"}, ("a", "tenantId")).arguments == ("a", "tenantId")
    whole = Endpoint.from_config({"method": "PUT", "body": {"argument": "items"}}, ["items"])
    assert whole == Endpoint("PUT", body_argument="items", arguments=("items",))
    assert whole.body is None


@pytest.mark.parametrize(("config", "arguments", "message"), [
    ({"methd": "GET"}, (), "unknown key 'methd' in config; did you mean 'method'?"),
    ({"method": "post"}, (), "config.method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, "
                             "OPTIONS; write it in upper case: POST"),
    ({"method": "FETCH"}, (), "config.method must be one of GET, POST"),
    ({"path": "customers"}, (), "config.path must start with '/'"),
    ({"path": "/c/{id"}, (), "config.path: '/c/{id' has a '{' or '}'"),
    ({"query": [1]}, (), "config.query must be a list of argument names"),
    ({"body": 5}, (), "config.body must be a list of argument names"),
    ({"body": {"a": 1}}, (), "unknown key 'a' in config.body; expected 'argument' (a body "
                             "mapping is {argument: NAME}, NAME the argument whose value is the "
                             "whole JSON body)"),
    ({"body": {"argumnt": "x"}}, (), "unknown key 'argumnt' in config.body; did you mean "
                                     "'argument'?"),
    ({"body": {"argument": ["x"]}}, (), "config.body.argument must be an argument name"),
    ({"body": {}}, (), "config.body needs the argument to send: {argument: NAME}"),
    ({"body": {"argument": "itms"}}, ("items",), "config.body.argument: 'itms' is not a "
                                                 "declared argument; did you mean 'items'?"),
    ({"headers": {"Content-Type": "text/plain"}}, (), "config.headers.Content-Type: the "
                                                      "adapter sends JSON bodies"),
    ({"headers": {"content-type": "application/{t}+json"}}, ("t",), "is a JSON media type"),
    ({"headers": ["X-A"]}, (), "config.headers must be a mapping"),
    ({"path": "/c/{idd}"}, ("id",), "config.path: the placeholder {idd} is not a declared "
                                    "argument; did you mean 'id'?"),
    ({"query": ["pgae"]}, ("page",), "config.query: 'pgae' is not a declared argument"),
    ({"headers": {"X-T": "{trace}"}}, ("id",), "config.headers.X-T: the placeholder {trace} "
                                               "is not a declared argument"),
])
def test_endpoint_config_errors_name_the_field(config: dict[str, Any],
                                               arguments: tuple[str, ...],
                                               message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Endpoint.from_config(config, arguments)
    assert message in str(caught.value)


def test_a_body_argument_and_a_body_list_do_not_go_together() -> None:
    with pytest.raises(ValueError, match="not both"):
        Endpoint(method="POST", body=["a"], body_argument="b")


@pytest.mark.parametrize(("body", "field"), [
    ({"argument": "items"}, None), (["items"], None),
    ({"argument": "nope"}, "config.body.argument"),
    ({"argument": "items", "extra": 1}, "config.body.extra"),
    ({"argument": ["items"]}, "config.body.argument"), (["itms"], "config.body")])
def test_the_registry_checks_a_body_with_the_adapters_model(body: Any, field: str | None) -> None:
    from stdlib.registry import ToolSpec

    spec = ToolSpec(type="api", code="test/put", args={"in": {"items": "long[]"}},
                    config={"method": "PUT", "body": body})
    errors = [p for p in spec.problems() if p.is_error]
    assert [p.field for p in errors] == ([field] if field else [])
    for problem in errors:  # the adapter refuses the same config with the same message
        with pytest.raises(ValueError) as caught:
            Endpoint.from_config(spec.config, list(spec.inputs))
        assert str(caught.value).endswith(problem.message)


# ---------------------------------------------------------------------------- helpers


def test_secret_scrubbing_covers_encodings() -> None:
    secrets = Secrets([TOKEN, ""])
    assert secrets.scrub(f"a {TOKEN} b") == "a *** b"
    slashed = '{"t": "' + TOKEN.replace("/", "\\/") + '"}'  # {"t": "tok-3xT8\/s+cret=="}
    assert secrets.scrub(slashed) == '{"t": "***"}'
    assert secrets.scrub("k=tok-3xT8%2Fs%2Bcret%3D%3D&x=1") == "k=***&x=1"
    assert secrets.scrub_value({"k": [TOKEN, 1], TOKEN: None}) == {"k": ["***", 1],
                                                                   "***": None}
    assert Secrets().scrub("plain") == "plain" and not Secrets()


def test_redact_url_and_snippet() -> None:
    assert redact_url("https://bob:pw@api.example.com:8443/v1?key=abc&flag") == \
        "https://api.example.com:8443/v1?key=***&flag"
    assert redact_url("http://[::1]:80/") == "http://[::1]:80/"
    assert redact_url("http://x:notaport/") == "<an invalid URL>"
    assert snippet("a\n\tb\x00c", 10) == "a bc"
    assert snippet("x" * 300) == "x" * 199 + "…"


def test_decode_json_keeps_numbers_exact() -> None:
    value = decode_json('{"a": 1, "b": 2.5, "c": 1e400, "d": ' + "9" * 5000 + "}")
    assert value["a"] == 1 and type(value["a"]) is int
    assert value["b"] == 2.5 and value["c"] == Decimal("1e400")
    assert value["d"] == Decimal("9" * 5000)
