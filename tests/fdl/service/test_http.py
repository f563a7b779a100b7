"""The HTTP conventions of the service over loopback: health, readiness, metrics, the
OpenAPI document and /docs, the access log (no keys, no values), every error status of the
spec (401/403/404/409/413/422/429) as the error object, CORS, and bad input that never
reaches a traceback."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from fdl.service import ServiceDatabase
from fdl.service.middleware import ACCESS_LOGGER
from stdlib.config import ConfigError, project_config

from ._server import Server, make_key, running, write
from .test_tools import CUSTOMER


def test_health_readiness_and_docs(server: Server) -> None:
    with server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ready"}
        document = client.get("/openapi.json").json()
        docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = set(document["paths"])
    assert {"/healthz", "/readyz", "/metrics", "/v1/tools", "/v1/tools/{code}:call",
            "/v1/tools/{code}:versions", "/v1/tools/{code}:tags", "/v1/tools/{code}",
            "/v1/ai-tools", "/v1/flows", "/v1/flows/{name}", "/v1/runs", "/v1/runs/{run_id}",
            "/v1/runs/{run_id}/events", "/v1/runs/{run_id}:cancel",
            "/v1/runs/{run_id}:resume"} <= paths
    assert "HTTPBearer" in document["components"]["securitySchemes"]


def test_metrics_count_requests_runs_and_tool_calls(server: Server,
                                                    keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        client.get("/healthz")
        client.post("/v1/tools", json=CUSTOMER)
        client.post("/v1/tools/crm/customer:call", json={"args": {"id": "c1"}})
        text = client.get("/metrics").text
    assert 'fdl_http_requests_total{route="/healthz",status="200"} 1.0' in text
    assert 'fdl_tool_calls_total{outcome="ok",tool="api://crm/customer"} 1.0' in text
    assert "fdl_http_request_duration_seconds_bucket" in text
    assert "fdl_runs_active 0.0" in text
    assert "fdl_tool_call_duration_seconds_count" in text


def test_one_access_log_line_per_request_without_keys_or_values(
        server: Server, keys: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    with server.client(keys["a"]) as client:
        client.post("/v1/tools", json=CUSTOMER)
        client.post("/v1/tools/crm/customer:call", json={"args": {"id": "secret-id-42"}})
        client.get("/v1/tools", params={"q": "private-words"})
    for _ in range(100):  # the line is written just after the response is sent
        err = "\n".join(r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER)
        lines = [json.loads(line) for line in err.splitlines()]
        if len(lines) >= 3:
            break
        time.sleep(0.02)
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("POST", "/v1/tools", 201), ("POST", "/v1/tools/{code}:call", 200),
        ("GET", "/v1/tools", 200)]
    assert all(line["tenant"] == "acme" and line["request_id"] for line in lines)
    assert {"time", "duration_ms"} <= set(lines[0])
    for secret in (keys["a"], "secret-id-42", "private-words", "Alice"):
        assert secret not in err


def test_every_error_status_is_the_error_object(server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as client:
        client.post("/v1/tools", json=CUSTOMER)
        statuses = {
            401: server.client().get("/v1/tools"),
            403: server.client(keys["reader"]).post("/v1/tools", json=CUSTOMER),
            404: client.get("/v1/tools/no/such"),
            409: client.post("/v1/tools", json={**CUSTOMER, "desp": "other"}),
            413: client.post("/v1/tools", content=b"x" * (65 * 1024),
                             headers={"Content-Type": "application/json"}),
            422: client.post("/v1/runs", json={"flow": 7}),
        }
        unknown_route = client.get("/v2/nothing")
    for status, answer in statuses.items():
        assert answer.status_code == status
        error = answer.json()["error"]
        assert error["code"] and error["message"] and isinstance(error["details"], list)
    assert unknown_route.status_code == 404
    assert unknown_route.json()["error"]["code"] == "not_found"


def test_a_chunked_body_over_the_limit_is_413(server: Server, keys: dict[str, str]) -> None:
    def chunks() -> object:
        for _ in range(80):
            yield b"y" * 1024

    with server.client(keys["a"]) as client:
        answer = client.post("/v1/tools", content=chunks(),  # type: ignore[arg-type]
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "body_too_large"


def test_over_the_rate_limit_is_429_with_retry_after(project: Path) -> None:
    key = make_key(project, "acme", rate_limit="3/minute")
    other = make_key(project, "acme")
    with running(project) as server, server.client(key) as client:
        answers = [client.get("/v1/tools").status_code for _ in range(4)]
        limited = client.get("/v1/tools")
        with server.client(other) as fresh:
            assert fresh.get("/v1/tools").status_code == 200
    assert answers == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"


def test_a_revoked_key_is_refused(project: Path) -> None:
    key = make_key(project, "acme")
    db = ServiceDatabase(project_config(project).service_path)
    key_id = db.keys()[-1].id
    with running(project) as server, server.client(key) as client:
        assert client.get("/v1/tools").status_code == 200
        assert db.revoke_key(key_id)
        assert client.get("/v1/tools").status_code == 401
    db.close()


def test_cors_allows_the_configured_origins_only(server: Server) -> None:
    with server.client() as client:
        allowed = client.options("/v1/tools", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
        other = client.options("/v1/tools", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/runs", b"{"),
    ("POST", "/v1/tools", b'{"type": "\\ud800", "code": "\\udfff"}'),
    ("POST", "/v1/runs", b'{"flow": "x", "input": [1]}'),
    ("POST", "/v1/runs", b'{"flow": "x", "wait": "soon"}'),
    ("POST", "/v1/tools/crm/customer:call", b'{"args": 5}'),
    ("PUT", "/v1/tools/crm/customer:tags", b"null"),
    ("PUT", "/v1/flows/x", b"\xff\xfe"),
    ("PUT", "/v1/flows/x", b"flow: [unclosed"),
    ("GET", "/v1/tools?limit=abc", b""),
    ("GET", "/v1/runs?status=sleeping", b""),
    ("GET", "/v1/flows/x?version=99999999999999999999", b""),
])
def test_bad_input_is_4xx_never_500(server: Server, keys: dict[str, str], method: str,
                                    path: str, body: bytes) -> None:
    with server.client(keys["a"]) as client:
        client.post("/v1/tools", json=CUSTOMER)
        answer = client.request(method, path, content=body,
                                headers={"Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500, answer.text
    assert "Traceback" not in answer.text
    assert answer.json()["error"]["message"]


def test_a_malformed_service_section_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path, "fdl.yaml", "service:\n    rate_limit: often\n    max_body: huge\n")
    with pytest.raises(ConfigError, match="rate_limit"):
        project_config(tmp_path)
