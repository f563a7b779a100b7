"""``fdl tools import-openapi`` (and the call statistics of ``show`` / ``list --stats``):
registering, writing ToolSpec files, dry runs, JSON output, problems on stderr, exit codes.

Every test runs in its own project folder (``fdl.yaml`` with ``tools: tools/`` and
``state: .fdl/``), so the registry lands in ``tmp_path/.fdl/registry.db``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fdl.cli import main
from stdlib.registry import Registry, ToolSpec

DATA = Path(__file__).resolve().parents[1] / "stdlib" / "data" / "openapi"
SHOP = DATA / "shop-3.0.yaml"
TASKS = DATA / "tasks-3.1.json"
SHOP_TOOLS = ["api://shop/listOrders", "api://shop/createOrder", "api://shop/getOrder",
              "api://shop/replaceOrder", "api://shop/deleteOrder",
              "api://shop/post-orders-order-id-payments", "api://shop/categoryTree",
              "api://shop/uploadAvatar"]


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "fdl.yaml").write_text("tools: tools/\nstate: .fdl/\n")
    (tmp_path / "tools").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["tools", *args], catch_exceptions=False)


def registry(project: Path) -> Registry:
    return Registry(project / ".fdl" / "registry.db")


# ---------------------------------------------------------------------------- importing


def test_import_registers_the_tools_and_reports_problems(project: Path) -> None:
    result = invoke("import-openapi", str(SHOP), "--service", "shop", "--tag", "shop")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "added      api://shop/listOrders  2.1.0" and len(lines) == 8
    assert f"{SHOP}#/paths/~1orders/get/parameters/6: the cookie parameter 'session' is " \
           "skipped" in result.stderr
    assert f"imported 8 tools (version 2.1.0) from {SHOP}; 8 problems" in result.stderr
    assert "services: {shop: {url: https://shop.example.com/api/v2}}" in result.stderr
    with registry(project) as found:
        spec = found.get("api", "shop/getOrder")
        assert spec is not None and spec.tags == ("shop", "orders")
        assert found.versions("api", "shop/getOrder")[0].source == f"openapi:{SHOP}"
    shown = invoke("show", "api://shop/getOrder")
    assert shown.exit_code == 0 and "returns: Order" in shown.stdout
    again = invoke("import-openapi", str(SHOP), "--service", "shop", "--tag", "shop")
    assert again.exit_code == 0 and again.stdout.startswith("unchanged")


def test_json_output(project: Path) -> None:
    result = invoke("import-openapi", str(TASKS), "--service", "tasks", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["tools"] == ["api://tasks/tasks.list", "api://tasks/tasks.create",
                             "api://tasks/tasks.update", "api://tasks/tasks.delete",
                             "api://tasks/get-health"]
    assert {"pointer": "#/webhooks", "message": "webhooks are not imported (they are calls "
            "the service makes, not operations a flow can call)"} in data["problems"]
    assert set(data) == {"tools", "problems"}


def test_version_tenant_and_conflicts(project: Path) -> None:
    first = invoke("import-openapi", str(SHOP), "--service", "shop", "--tenant", "acme")
    assert first.exit_code == 0, first.stderr
    mine = json.loads(invoke("show", "api://shop/getOrder", "--tenant", "acme",
                             "--json").stdout)
    assert mine["tenant"] == "acme"
    assert invoke("show", "api://shop/getOrder").exit_code == 1  # not global
    changed = invoke("import-openapi", str(SHOP), "--service", "shop", "--tenant", "acme",
                     "--tag", "new")
    assert changed.exit_code == 1
    assert "registered already" in changed.stderr and "--version V" in changed.stderr
    newer = invoke("import-openapi", str(SHOP), "--service", "shop", "--tenant", "acme",
                   "--tag", "new", "--version", "2.2.0")
    assert newer.exit_code == 0, newer.stderr
    assert "api://shop/getOrder  2.2.0" in newer.stdout
    bad = invoke("import-openapi", str(SHOP), "--service", "shop", "--version", "2")
    assert bad.exit_code == 2 and "--version" in bad.stderr


def test_dry_run_changes_nothing(project: Path) -> None:
    result = invoke("import-openapi", str(SHOP), "--service", "shop", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("would add  api://shop/listOrders")
    assert "would import 8 tools" in result.stderr
    assert json.loads(invoke("list", "--json").stdout) == []


# ---------------------------------------------------------------------------- writing files


def test_write_creates_one_spec_file_per_tool(project: Path) -> None:
    folder = project / "tools" / "shop"
    result = invoke("import-openapi", str(SHOP), "--service", "shop", "--write",
                    str(folder), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["tools"] == SHOP_TOOLS
    assert data["files"] == [str(folder / f"{uri.rpartition('/')[2]}.yaml")
                             for uri in SHOP_TOOLS]
    text = (folder / "listOrders.yaml").read_text()
    assert "customerId: string  # The customer whose orders are listed; format: uuid" in text
    assert ToolSpec.load(folder / "getOrder.yaml").code == "shop/getOrder"
    listed = json.loads(invoke("list", "--json").stdout)  # the tools folder is synced
    assert [t["uri"] for t in listed] == sorted(SHOP_TOOLS)
    again = invoke("import-openapi", str(SHOP), "--service", "shop", "--write", str(folder))
    assert again.exit_code == 0 and again.stdout.startswith("unchanged")


def test_write_does_not_overwrite_changed_files_without_force(project: Path) -> None:
    folder = project / "specs"
    assert invoke("import-openapi", str(SHOP), "--service", "shop", "--write",
                  str(folder)).exit_code == 0
    edited = folder / "getOrder.yaml"
    edited.write_text(edited.read_text().replace("Get one order", "Mine"))
    before = (folder / "listOrders.yaml").read_text()
    result = invoke("import-openapi", str(SHOP), "--service", "shop", "--write", str(folder),
                    "--tag", "x")
    assert result.exit_code == 1
    assert f"{edited}: exists with other content" in result.stderr
    assert "nothing was written; use --force" in result.stderr
    assert (folder / "listOrders.yaml").read_text() == before  # all or nothing
    dry = invoke("import-openapi", str(SHOP), "--service", "shop", "--write", str(folder),
                 "--force", "--dry-run")
    assert dry.exit_code == 0 and "would be replaced" in dry.stdout
    assert "Mine" in edited.read_text()
    forced = invoke("import-openapi", str(SHOP), "--service", "shop", "--write", str(folder),
                    "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "Get one order" in edited.read_text()
    assert "replaced   " in forced.stdout


# ---------------------------------------------------------------------------- errors


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/openapi.yaml":
            data = SHOP.read_bytes()
            self.send_response(200)
        else:
            data = b"not here"
            self.send_response(404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        host, port = srv.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_import_from_a_url(project: Path, server: str) -> None:
    result = invoke("import-openapi", f"{server}/openapi.yaml", "--service", "shop", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["tools"] == SHOP_TOOLS
    assert f"{server}/openapi.yaml#/paths/~1orders/get/parameters/6:" in result.stderr
    missing = invoke("import-openapi", f"{server}/nope.yaml", "--service", "shop")
    assert missing.exit_code == 1
    assert missing.stderr == f"error: E101: cannot read {server}/nope.yaml: HTTP 404 Not Found; " \
                             "check the URL\n"


@pytest.mark.parametrize(("text", "message"), [
    ("swagger: '2.0'\npaths: {}\n", "this is a Swagger 2.0 document"),
    ("openapi: 3.0.0\ninfo: {title: t}\n", "the document has no 'paths'"),
    ("- 1\n", "is a list, not an OpenAPI document"),
    ("openapi: [", "is not valid YAML or JSON"),
])
def test_bad_documents_are_errors_without_traceback(project: Path, text: str,
                                                    message: str) -> None:
    file = project / "api.yaml"
    file.write_text(text)
    result = invoke("import-openapi", str(file), "--service", "shop")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_bad_service(project: Path) -> None:
    missing = invoke("import-openapi", "nope.yaml", "--service", "shop")
    assert missing.exit_code == 1
    assert "cannot read nope.yaml: the file does not exist" in missing.stderr
    bad = invoke("import-openapi", str(SHOP), "--service", "a/b")
    assert bad.exit_code == 2 and "is not a service name" in bad.stderr
    assert invoke("import-openapi", str(SHOP)).exit_code == 2  # --service is required


# ---------------------------------------------------------------------------- statistics


def _events() -> list[dict[str, Any]]:
    def node(kind: str, path: str, tool: str | None, seq: int, **extra: Any
             ) -> dict[str, Any]:
        event = {"type": kind, "run_id": "r1", "node": path, "at": 1_750_000_000.0 + seq,
                 "seq": seq, **extra}
        if tool is not None:
            event["tool"] = tool
        return event

    return [
        {"type": "flow.started", "run_id": "r1", "node": "", "at": 1_750_000_000.0, "seq": 0},
        node("node.started", "a", "api://shop/getOrder", 1, activation=1),
        node("node.retrying", "a", None, 2, attempt=1, delay=0.1, error={"code": "503"}),
        node("node.completed", "a", "api://shop/getOrder", 3, duration=0.120),
        node("node.started", "t", "db://shop.order/take", 4, activation=1),
        node("node.failed", "t", "db://shop.order/take", 5, duration=0.004,
             error={"code": "F409"}),
    ]


def test_show_and_list_print_call_statistics(project: Path) -> None:
    (project / "tools" / "order.yaml").write_text(
        "type: db\ncode: shop.order\nargs:\n    defs:\n        Order: {id: long}\n"
        "    out: Order\n")
    assert invoke("import-openapi", str(SHOP), "--service", "shop").exit_code == 0
    none = invoke("show", "api://shop/getOrder")
    assert "calls: none recorded" in none.stdout
    with registry(project) as found:
        assert found.record_calls(_events()) == 2
    shown = invoke("show", "api://shop/getOrder")
    assert "calls: 1 call (1 retry); mean 120 ms, p50 <= 120 ms, p95 <= 120 ms, max " \
           "120 ms; last 2025-06-15 15:06:43Z" in shown.stdout
    data = json.loads(invoke("show", "api://shop/getOrder", "--json").stdout)
    assert data["stats"][0]["calls"] == 1 and data["stats"][0]["retries"] == 1
    assert data["stats"][0]["max_duration"] == pytest.approx(0.12)
    table = invoke("show", "db://shop.order")
    assert "calls:\n  take: 1 call (1 failed); mean 4 ms" in table.stdout
    listed = invoke("list", "--stats")
    row = next(line for line in listed.stdout.splitlines() if "shop/getOrder" in line)
    assert row.split()[1:6] == ["2.1.0", "1", "0", "120", "ms"]
    rows = {t["uri"]: t["stats"] for t in json.loads(invoke("list", "--stats", "--json")
                                                     .stdout)}
    assert rows["db://shop.order"]["failures"] == 1
    assert rows["api://shop/listOrders"]["calls"] == 0
    assert "stats" not in json.loads(invoke("list", "--json").stdout)[0]
