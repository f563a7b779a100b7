"""`fdl tools` (spec/interfaces.md §1): list, show, search, register, export, pin, remove;
the project's registry file and tool folders; output formats and exit codes.

Every test runs in its own project folder (``fdl.yaml`` with ``tools: tools/`` and
``state: .fdl/``), so the registry lands in ``tmp_path/.fdl/registry.db``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from fdl.cli import main

CUSTOMER = """\
type: api
code: crm-service/customer
name: Get customer
desp: Returns one customer by id.
version: 1.2.0
tags: [crm, customer]
args:
    defs:
        Customer:
            id: string
            name: string
    in:
        id: string                 # customer id
        tenantId: string?          # built-in
    out: Customer
config:
    method: GET
    path: /customers/{id}
"""

ORDER = """\
type: db
code: shop.order
desp: Orders of the shop.
args:
    defs:
        Order: {id: long, customerId: string, amount: decimal}
    out: Order
"""

SMS = """\
type: api
code: sms/send
name: Send SMS
desp: Sends a text message.
tags: [notify]
args:
    in:
        mobile: string
        text: string
"""

FLOW = """\
flow:
    name: Customer view
    desp: A customer and their orders.
    args:
        in:
            customerId: string        # customer id
        out:
            id: string
    node:
        merge:
            with: "{id: customerId}"
"""


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "fdl.yaml").write_text("tools: tools/\nstate: .fdl/\n")
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "customer.yaml").write_text(CUSTOMER)
    (tools / "order.yaml").write_text(ORDER)
    (tmp_path / "customer_view.yaml").write_text(FLOW)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["tools", *args], catch_exceptions=False)


def test_list_syncs_the_tools_folder(project: Path) -> None:
    result = invoke("list")
    assert result.exit_code == 0, result.stderr
    assert "api://crm-service/customer" in result.stdout and "1.2.0" in result.stdout
    assert "db://shop.order" in result.stdout
    assert (project / ".fdl" / "registry.db").is_file()
    listed = json.loads(invoke("list", "--json").stdout)
    assert [t["uri"] for t in listed] == ["api://crm-service/customer", "db://shop.order"]
    assert listed[0]["tags"] == ["crm", "customer"] and listed[0]["tenant"] is None
    assert [t["uri"] for t in json.loads(invoke("list", "--json", "--type", "db").stdout)] == [
        "db://shop.order"]
    assert json.loads(invoke("list", "--json", "--tag", "nope").stdout) == []


def test_sync_is_cheap_and_follows_changes(project: Path) -> None:
    invoke("list")
    db = project / ".fdl" / "registry.db"
    conn = sqlite3.connect(db)
    files = conn.execute("SELECT path, digest FROM files ORDER BY path").fetchall()
    conn.close()
    assert len(files) == 2 and all(len(d) == 64 for _, d in files)
    (project / "tools" / "sms.yaml").write_text(SMS)
    (project / "tools" / "order.yaml").unlink()
    uris = [t["uri"] for t in json.loads(invoke("list", "--json").stdout)]
    assert uris == ["api://crm-service/customer", "api://sms/send"]


def test_bad_tool_files_are_reported_on_stderr(project: Path) -> None:
    (project / "tools" / "bad.yaml").write_text("type: api\ncode: x/y\nversion: 1.x\n")
    result = invoke("list", "--json")
    assert result.exit_code == 0
    assert re.search(r"tools/bad\.yaml:3:10: error\[E105\]: version: '1\.x' is not a "
                     "semantic version", result.stderr)
    assert len(json.loads(result.stdout)) == 2


def test_show_text_and_json() -> None:
    result = invoke("show", "api://crm-service/customer")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("api://crm-service/customer  1.2.0\n")
    assert re.search(r"id\s+string\s+yes\s+customer id", out)
    assert re.search(r"tenantId\s+string\?\s+built-in", out)
    assert "returns: Customer" in out and "versions: 1.2.0 (default)" in out
    data = json.loads(invoke("show", "api://crm-service/customer", "--json").stdout)
    assert data["inputs"][0] == {"name": "id", "type": "string", "required": True,
                                 "builtin": False, "default": None,
                                 "description": "customer id"}
    assert data["out"] == "Customer" and data["versions"][0]["default"] is True
    table = invoke("show", "db://shop.order/take")
    assert table.exit_code == 0 and "record: Order" in table.stdout
    assert "operations: init, drop, take" in table.stdout


def test_show_versions_and_unknown_tools(project: Path) -> None:
    newer = project / "v2.yaml"
    newer.write_text(CUSTOMER.replace("1.2.0", "2.0.0").replace("Get customer", "Get v2"))
    assert invoke("register", str(newer)).exit_code == 0
    shown = invoke("show", "api://crm-service/customer")
    assert "api://crm-service/customer  2.0.0" in shown.stdout
    assert "versions: 1.2.0, 2.0.0 (default)" in shown.stdout
    old = invoke("show", "api://crm-service/customer?version=1.2.0", "--json")
    assert json.loads(old.stdout)["name"] == "Get customer"
    assert json.loads(invoke("show", "api://crm-service/customer", "--version", "1.2.0",
                             "--json").stdout)["version"] == "1.2.0"
    missing = invoke("show", "api://crm-service/customer", "--version", "9.0.0")
    assert missing.exit_code == 1 and "versions: 1.2.0, 2.0.0" in missing.stderr
    assert invoke("show", "api://nope").exit_code == 1
    bad = invoke("show", "not-a-uri")
    assert bad.exit_code == 2 and "TYPE://CODE" in bad.stderr


def test_search(project: Path) -> None:
    (project / "tools" / "sms.yaml").write_text(SMS)
    hits = json.loads(invoke("search", "customer", "--json").stdout)
    assert [h["uri"] for h in hits] == ["api://crm-service/customer"]
    assert hits[0]["score"] > 0
    assert [h["uri"] for h in json.loads(invoke("search", "text message order", "--json")
                                         .stdout)] == ["api://sms/send", "db://shop.order"]
    assert len(json.loads(invoke("search", "text message order", "--limit", "1", "--json")
                          .stdout)) == 1
    for hostile in ('"', "NEAR(", "*", "-x", "a:b", "AND"):
        result = invoke("search", "--json", "--", hostile)
        assert result.exit_code == 0, result.stderr
    empty = invoke("search", "zzz")
    assert empty.exit_code == 0 and "no tools match" in empty.stderr
    assert invoke("search", "x", "--limit", "0").exit_code == 2


def test_register_reports_field_errors_with_positions(project: Path) -> None:
    bad = project / "bad.yaml"
    bad.write_text("type: api\ncode: x/y\nargs:\n    in:\n        id: strng\n"
                   "config: {method: get}\n")
    good = project / "sms.yaml"
    good.write_text(SMS)
    result = invoke("register", str(good), str(bad))
    assert result.exit_code == 1
    assert "bad.yaml:5:13: error[E107]: args.in.id: unknown type 'strng'" in result.stderr
    assert "bad.yaml:6:18: error[E105]: config.method:" in result.stderr
    assert "nothing was registered" in result.stderr
    assert invoke("show", "api://sms/send", "--no-sync").exit_code == 1


def test_register_files_folders_tenants_and_conflicts(project: Path) -> None:
    extra = project / "extra"
    extra.mkdir()
    (extra / "sms.yaml").write_text(SMS)
    result = invoke("register", str(extra), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["status"] == "added"
    again = invoke("register", str(extra / "sms.yaml"))
    assert again.exit_code == 0 and again.stdout.startswith("unchanged")
    (extra / "sms.yaml").write_text(SMS.replace("Sends a text", "Sends a short text"))
    conflict = invoke("register", str(extra / "sms.yaml"))
    assert conflict.exit_code == 1
    assert "version 1.0.0 is registered already" in conflict.stderr
    tenant = invoke("register", str(extra / "sms.yaml"), "--tenant", "acme")
    assert tenant.exit_code == 0, tenant.stderr
    mine = json.loads(invoke("show", "api://sms/send", "--tenant", "acme", "--json").stdout)
    assert mine["desp"] == "Sends a short text message." and mine["tenant"] == "acme"
    theirs = json.loads(invoke("show", "api://sms/send", "--tenant", "other", "--json").stdout)
    assert theirs["desp"] == "Sends a text message."
    empty = project / "empty"
    empty.mkdir()
    assert invoke("register", str(empty)).exit_code == 2


def test_registry_option_and_no_configuration(tmp_path_factory: pytest.TempPathFactory,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path_factory.mktemp("bare")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    empty = invoke("list", "--json")
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []
    assert not (elsewhere / ".fdl").exists()  # reading creates no registry
    (elsewhere / "sms.yaml").write_text(SMS)
    path = tmp_path / "custom.db"
    assert invoke("register", "sms.yaml", "--registry", str(path)).exit_code == 0
    listed = json.loads(invoke("list", "--json", "--registry", str(path)).stdout)
    assert [t["uri"] for t in listed] == ["api://sms/send"]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"junk" * 1000)
    bad = invoke("list", "--registry", str(junk))
    assert bad.exit_code == 2 and "junk.db" in bad.stderr


def test_export_formats_validate() -> None:
    validator = jsonschema.Draft202012Validator
    openai = json.loads(invoke("export", "--format", "openai").stdout)
    names = [t["function"]["name"] for t in openai]
    assert names[0] == "crm-service_customer" and "shop_order_take" in names
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", n) for n in names)
    for tool in openai:
        validator.check_schema(tool["function"]["parameters"])
    mcp = json.loads(invoke("export", "--format", "mcp").stdout)
    assert mcp[0]["inputSchema"]["required"] == ["id"]
    assert mcp[0]["outputSchema"]["type"] == "object"
    documents = json.loads(invoke("export", "--format", "jsonschema").stdout)
    for document in documents:
        validator.check_schema(document["input"])
    assert documents[0]["uri"] == "api://crm-service/customer"


def test_export_selected_tools_and_flows() -> None:
    one = json.loads(invoke("export", "api://crm-service/customer").stdout)
    assert [t["function"]["name"] for t in one] == ["crm-service_customer"]
    take = json.loads(invoke("export", "db://shop.order/take", "--format", "mcp").stdout)
    assert [t["name"] for t in take] == ["shop_order_take"]
    table = json.loads(invoke("export", "db://shop.order").stdout)
    assert len(table) == 9
    flow = json.loads(invoke("export", "--flow", "customer_view.yaml", "--format", "mcp")
                      .stdout)
    assert flow == [{
        "name": "customer_view", "title": "Customer view",
        "description": "A customer and their orders.",
        "inputSchema": {"type": "object", "properties": {"customerId": {
            "type": "string", "description": "customer id"}}, "required": ["customerId"],
            "additionalProperties": False},
        "outputSchema": {"type": "object", "properties": {"id": {"type": "string"}},
                         "required": ["id"], "additionalProperties": False}}]
    both = json.loads(invoke("export", "api://crm-service/customer", "--flow",
                             "customer_view.yaml").stdout)
    assert [t["function"]["name"] for t in both] == ["crm-service_customer", "customer_view"]
    assert invoke("export", "api://nope").exit_code == 1


def test_export_broken_flow(project: Path) -> None:
    (project / "broken.yaml").write_text("flow:\n    name: B\n    node:\n        a:\n"
                                         "            next: nowhere\n")
    result = invoke("export", "--flow", "broken.yaml")
    assert result.exit_code == 1 and "broken.yaml:" in result.stderr


def test_pin_and_remove(project: Path) -> None:
    newer = project / "v2.yaml"
    newer.write_text(CUSTOMER.replace("1.2.0", "2.0.0"))
    invoke("register", str(newer))
    assert invoke("pin", "api://crm-service/customer", "1.2.0").exit_code == 0
    shown = invoke("show", "api://crm-service/customer")
    assert "versions: 1.2.0 (default, pinned), 2.0.0" in shown.stdout
    assert invoke("pin", "api://crm-service/customer", "--auto").exit_code == 0
    assert "2.0.0 (default)" in invoke("show", "api://crm-service/customer").stdout
    assert invoke("pin", "api://crm-service/customer", "7.0.0").exit_code == 1
    assert invoke("pin", "api://crm-service/customer").exit_code == 2
    assert invoke("remove", "api://crm-service/customer", "--version", "2.0.0").exit_code == 0
    assert "versions: 1.2.0 (default)" in invoke("show", "api://crm-service/customer").stdout
    assert invoke("remove", "api://nope").exit_code == 1


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    for command in ("list", "show", "search", "register", "export", "pin", "remove"):
        assert command in result.stdout
