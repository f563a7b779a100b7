"""`fdl run` with the project's real tools (fdl/_adapters.py): ``services:`` + api ToolSpecs
against a local HTTP server, ``databases:`` + db ToolSpecs on SQLite files, ``flows:`` for
flow://, tools registered in the project's registry, mocks with passthrough, and malformed
configuration as usage errors."""

from __future__ import annotations

import json
import shutil
import sqlite3
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner, Result

from fdl.cli import main
from tests._http import JsonHandler, LocalServer, serving

ROOT = Path(__file__).resolve().parents[2]


class _Handler(JsonHandler):
    def do_GET(self) -> None:
        self.server.log.append({"path": self.path,
                                 "authorization": self.headers.get("Authorization")})
        if self.path.startswith("/customers/") and not self.path.endswith("/missing"):
            body = json.dumps({"id": unquote(self.path.rsplit("/", 1)[1]),
                               "name": "Alice"}).encode()
            status = 200
        else:
            body, status = b'{"message": "no route"}', 404
        self.reply(status, body)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serving(_Handler) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def output_of(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


CUSTOMER_SPEC = """\
    type: api
    code: crm/customer
    args:
        in:
            id: string
        out: {id: string, name: string}
    config:
        method: GET
        path: /customers/{id}
"""

CUSTOMER_FLOW = """\
    flow:
        name: Customer
        args:
            in:
                customerId: string
        node:
            customer:
                exec: api://crm/customer
                args: id = customerId
"""


def test_api_tools_come_from_services_and_specs(server: LocalServer,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write("fdl.yaml", f"""\
        tools: tools/
        services:
            crm: {{url: '{server.url}', auth: {{bearer_env: CRM_TOKEN}}}}
    """)
    write("tools/customer.yaml", CUSTOMER_SPEC)
    write("flows/customer.yaml", CUSTOMER_FLOW)
    monkeypatch.setenv("CRM_TOKEN", "s3cret-token")
    result = invoke("run", "flows/customer.yaml", "--set", "customerId=c 1", "--json")
    assert output_of(result)["output"] == {"id": "c 1", "name": "Alice"}
    assert server.log == [{"path": "/customers/c%201", "authorization": "Bearer s3cret-token"}]
    assert "s3cret-token" not in result.output


def test_a_non_2xx_answer_fails_the_run_with_the_status_as_code(server: LocalServer) -> None:
    write("fdl.yaml", f"""\
        services:
            crm: {{url: '{server.url}/nowhere'}}
    """)
    write("tools/customer.yaml", CUSTOMER_SPEC)
    write("flows/customer.yaml", CUSTOMER_FLOW)
    result = invoke("run", "flows/customer.yaml", "--set", "customerId=c1", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["node"]) == ("404", "customer")


def test_the_example_project_runs_on_sqlite_from_any_folder(tmp_path: Path) -> None:
    project = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", project, ignore=shutil.ignore_patterns(".fdl"))
    import os

    os.chdir(project / "flows")  # the database path is relative to fdl.yaml, not to here
    first = output_of(invoke("run", "order_report.yaml", "--input-file",
                             "../data/orders.json", "--json"))["output"]
    assert first["loaded"] == 6 and first["bigOrders"] == 4
    assert [o["id"] for o in first["top"]] == [1004, 1002, 1006]
    assert first["bigTotal"] == 1880.75 and first["largest"]["id"] == 1004
    # Saved by id: a second run finds the same six orders, not twelve.
    second = output_of(invoke("run", "order_report.yaml", "--input-file",
                              "../data/orders.json", "--set", "minAmount=1000", "--json"))
    assert second["output"]["bigOrders"] == 1
    with sqlite3.connect(project / ".fdl" / "ec.db") as db:
        assert db.execute('SELECT COUNT(*) FROM "order"').fetchone() == (6,)
    assert not (project / "flows" / ".fdl" / "ec.db").exists()


def test_flow_tools_find_flows_in_the_configured_folder() -> None:
    write("fdl.yaml", """\
        flows: sub/
    """)
    write("sub/double.yaml", """\
        flow:
            name: Double
            args:
                in:
                    n: int
                out: int
            node:
                twice:
                    with: n * 2
    """)
    write("main.yaml", """\
        flow:
            name: Main
            node:
                call:
                    exec: flow://double
                    args: n = 21
    """)
    assert output_of(invoke("run", "main.yaml", "--json"))["output"] == 42


def test_mocks_pass_unmocked_calls_to_the_real_tools_only_when_allowed() -> None:
    write("fdl.yaml", """\
        databases:
            shop: sqlite:///shop.db
    """)
    write("flow.yaml", """\
        flow:
            name: Mixed
            node:
                setup:
                    exec: db://shop.item/init
                    next: add
                add:
                    exec: db://shop.item/save
                    args: "data = {id: 7, label: 'seven'}"
                    next: label
                label:
                    exec: api://names/label
                    args: id = add.id
    """)
    write("tools/item.yaml", """\
        type: db
        code: shop.item
        args:
            out: {id: long, label: string}
    """)
    write("tools/label.yaml", """\
        type: api
        code: names/label
        args:
            in:
                id: long
            out: string
    """)
    write("open.yaml", """\
        passthrough: true
        mocks:
            api://names/label: {expr: "'label of ' + args.id"}
    """)
    write("closed.yaml", """\
        mocks:
            api://names/label: {expr: "'label of ' + args.id"}
    """)
    assert output_of(invoke("run", "flow.yaml", "--mock", "open.yaml", "--json"))[
        "output"] == "label of 7"
    closed = invoke("run", "flow.yaml", "--mock", "closed.yaml", "--json")
    assert closed.exit_code == 1
    assert json.loads(closed.stdout)["error"]["code"] == "F406"


def test_tools_registered_in_the_registry_are_checked_and_called(server: LocalServer) -> None:
    write("fdl.yaml", f"""\
        services:
            crm: {{url: '{server.url}'}}
    """)
    write("specs/customer.yaml", CUSTOMER_SPEC)
    assert invoke("tools", "register", "specs/customer.yaml").exit_code == 0
    write("flow.yaml", CUSTOMER_FLOW)
    assert output_of(invoke("run", "flow.yaml", "--set", "customerId=c2", "--json"))[
        "output"] == {"id": "c2", "name": "Alice"}
    write("bad.yaml", CUSTOMER_FLOW.replace("id = customerId", "ident = customerId"))
    bad = invoke("run", "bad.yaml", "--set", "customerId=c2")
    assert bad.exit_code == 1
    assert "E302" in bad.stderr and "ident" in bad.stderr


@pytest.mark.parametrize(("config", "message"), [
    ("databases:\n    ec: {native: true}\n", "fdl.yaml:2:9: databases.ec: 'url' is required"),
    ("databases:\n    ec: {url: 'sqlite:///x.db', pool: 3}\n",
     "fdl.yaml:2:33: unknown key 'pool' in databases.ec; expected one of url, native"),
    ("databases:\n    ec: {url: 'oracle://x'}\n", "unsupported database URL"),
    ("databases:\n    ec: {url: 'sqlite:///x.db', native: 'yes'}\n",
     "fdl.yaml:2:41: databases.ec.native must be true or false, not a string"),
    ("databases:\n    ec: 5\n", "fdl.yaml:2:9: databases.ec must be a URL or a mapping such as "
                                 "{url: 'sqlite:///db.db'}, not an integer"),
    ("services:\n    crm: {}\n", "fdl.yaml:2:10: services.crm: 'url' is required"),
    ("services:\n    crm: {url: 'http://x', tiemout: 5}\n",
     "fdl.yaml:2:28: unknown key 'tiemout' in services.crm; did you mean 'timeout'?"),
    ("services: [crm]\n", "fdl.yaml:1:11: 'services' must be a mapping of service names to "
                          "{url: ...} entries, not a list"),
    ("flows: 3\n", "fdl.yaml:1:8: 'flows' must be a folder name, not an integer"),
    ("servics: {}\n", "fdl.yaml:1:1: unknown key 'servics' in fdl.yaml; did you mean "
                      "'services'?"),
])
def test_malformed_tool_configuration_is_a_usage_error(config: str, message: str) -> None:
    write("fdl.yaml", config)
    write("flow.yaml", "flow:\n    name: F\n    node:\n        a: {with: 1}\n")
    result = invoke("run", "flow.yaml")
    assert result.exit_code == 2
    assert message in result.stderr and "fdl.yaml" in result.stderr


# --- the catalog: fdl check sees what fdl run sees -----------------------------------------

DOUBLE = """\
    flow:
        name: Double
        desp: Twice a number.
        args:
            in:
                n: int
            out: int
        node:
            twice:
                with: n * 2
"""


def test_flow_calls_are_checked_against_the_called_flows_arguments() -> None:
    write("fdl.yaml", "flows: sub/\n")
    write("tools/label.yaml", "type: api\ncode: names/label\n")
    write("sub/double.yaml", DOUBLE)
    write("bad.yaml", """\
        flow:
            name: Bad
            node:
                a:
                    exec: flow://doubel
                    args: n = 1
                b:
                    exec: flow://double
                    args: m = 21
                c:
                    exec: flow://double
                    args: n = 1
                    next: d
                d:
                    with: c.length()
    """)
    result = invoke("check", "bad.yaml", "--format", "json")
    assert result.exit_code == 1
    found = {(d["code"], d["line"]) for d in json.loads(result.stdout)}
    assert ("E301", 5) in found  # did you mean flow://double
    assert {("E303", 8), ("E302", 9)} <= found
    assert any(code.startswith("G") and line == 15 for code, line in found)  # int has no length
    assert "did you mean 'flow://double'" in invoke("check", "bad.yaml").stdout


def test_check_reads_the_default_tools_folder_a_list_of_folders_and_the_registry() -> None:
    write("fdl.yaml", "tools: [tools/, more/]\n")
    write("tools/label.yaml", "type: api\ncode: names/label\nargs:\n    in:\n        id: long\n")
    write("more/other.yaml", "type: api\ncode: names/other\n")
    write("specs/extra.yaml", "type: api\ncode: names/extra\n")
    assert invoke("tools", "register", "specs/extra.yaml").exit_code == 0
    write("flow.yaml", """\
        flow:
            name: F
            node:
                a: {exec: api://names/label, args: id = 1}
                b: {exec: api://names/other}
                c: {exec: api://names/extra}
                d: {exec: api://names/unknown}
    """)
    result = invoke("check", "flow.yaml", "--format", "json")
    codes = [(d["code"], d["line"]) for d in json.loads(result.stdout)]
    assert codes == [("E301", 7)]
    Path("fdl.yaml").unlink()
    write("fdl.yaml", "state: .fdl/\n")  # no tools key: tools/ beside the file is the folder
    codes = [d["code"] for d in json.loads(invoke("check", "flow.yaml", "--format",
                                                  "json").stdout)]
    # more/ is no longer a tool folder, but its tools were synced into the registry by the
    # first commands, and the registry is part of the catalog.
    assert codes == ["E301"]


def test_runs_count_their_tool_calls_into_the_registrys_statistics(server: LocalServer) -> None:
    write("fdl.yaml", f"""\
        services:
            crm: {{url: '{server.url}'}}
    """)
    write("tools/customer.yaml", CUSTOMER_SPEC)
    write("flow.yaml", CUSTOMER_FLOW)
    for customer in ("c1", "c2"):
        assert invoke("run", "flow.yaml", "--set", f"customerId={customer}").exit_code == 0
    assert invoke("run", "flow.yaml", "--set", "customerId=missing").exit_code == 1
    write("mocks.yaml", "mocks:\n    api://crm/customer: {result: {id: m, name: M}}\n")
    assert invoke("run", "flow.yaml", "--set", "customerId=c4", "--mock",
                  "mocks.yaml").exit_code == 0  # mocked calls are not the tool's
    shown = json.loads(invoke("tools", "show", "api://crm/customer", "--json").stdout)
    (stats,) = shown["stats"]
    assert (stats["calls"], stats["failures"]) == (3, 1)
    text = invoke("tools", "show", "api://crm/customer").stdout
    assert "3 calls (1 failed)" in text


def test_a_passed_through_db_call_binds_its_cql_parameters_as_without_mocks(
        server: LocalServer) -> None:
    """``:customerId`` in a db:// query is bound from the flow's input whether the call
    reaches the database directly or through ``--mock`` with ``passthrough: true``."""
    write("fdl.yaml", f"""\
        databases:
            shop: sqlite:///shop.db
        services:
            crm: {{url: '{server.url}'}}
    """)
    write("tools/order.yaml", """\
        type: db
        code: shop.order
        args:
            out: {id: long, customerId: string, amount: long}
    """)
    write("tools/customer.yaml", CUSTOMER_SPEC)
    write("flow.yaml", """\
        flow:
            name: Orders of a customer
            args:
                in:
                    customerId: string
            node:
                orders:
                    exec: db://shop.order/list
                    args: exps = 'customerId = :customerId', sort = 'id'
                    next: merge
                count:
                    exec: db://shop.order/count
                    args: exps = 'customerId = :customerId && amount >= :least', least = 10
                    next: merge
                customer:
                    exec: api://crm/customer
                    args: id = customerId
                    next: merge
                merge:
                    with: |
                        name = customer.name
                        orders = orders
                        big = count
    """)
    write("open.yaml", """\
        passthrough: true
        mocks:
            api://crm/customer: {expr: "{id: args.id, name: 'Alice'}"}
    """)
    with sqlite3.connect("shop.db") as db:
        db.execute('CREATE TABLE "order" (id INTEGER PRIMARY KEY, customerId TEXT, '
                   'amount INTEGER)')
        db.executemany('INSERT INTO "order" VALUES (?, ?, ?)',
                       [(1, "c1", 5), (2, "c2", 50), (3, "c1", 70), (4, "c1", 20)])
    real = output_of(invoke("run", "flow.yaml", "--set", "customerId=c1", "--json"))
    mocked = output_of(invoke("run", "flow.yaml", "--set", "customerId=c1", "--mock",
                              "open.yaml", "--json"))
    assert real["output"] == {"name": "Alice", "big": 2, "orders": [
        {"id": 1, "customerId": "c1", "amount": 5},
        {"id": 3, "customerId": "c1", "amount": 70},
        {"id": 4, "customerId": "c1", "amount": 20}]}
    assert mocked["output"] == real["output"]
    assert len(server.log) == 1  # the real run's call; the mocked run's was the mock's
    # `fdl test`: inline mocks with passthrough reach the project's real tools too.
    write("flow.test.yaml", """\
        flow: flow.yaml
        cases:
            -   name: the orders come from the database
                input: {customerId: c1}
                mocks:
                    passthrough: true
                    api://crm/customer: {expr: "{id: args.id, name: 'Alice'}"}
                expect:
                    output:
                        name: Alice
                        big: 2
                        orders: [{id: 1, customerId: c1, amount: 5},
                                 {id: 3, customerId: c1, amount: 70},
                                 {id: 4, customerId: c1, amount: 20}]
                    calls: {api://crm/customer: 1, db://shop.order/list: 1}
            -   name: without passthrough the database is not reached
                input: {customerId: c1}
                mocks:
                    api://crm/customer: {expr: "{id: args.id, name: 'Alice'}"}
                expect:
                    status: failed
                    error: {code: F406}
    """)
    tested = invoke("test", "flow.test.yaml")
    assert tested.exit_code == 0, tested.output
    assert "2 passed" in tested.output
    assert len(server.log) == 1


def test_check_reports_literal_cql_at_its_line_and_column() -> None:
    """tools.md §6: CQL is checked at compile time, against the table's ToolSpec."""
    write("fdl.yaml", "tools: tools/\nstate: .fdl/\n")
    write("tools/log.yaml", """\
        type: db
        code: ops.log
        args:
            defs:
                Log: {id: long, level: string, time: date}
            out: Log
    """)
    write("flow.yaml", """\
        flow:
            name: F
            node:
                a:
                    exec: db://ops.log/list
                    args: exps = 'levle = :x && level = error', sort = 'time DOWN', x = 1
    """)
    result = invoke("check", "flow.yaml", "--format", "json")
    assert result.exit_code == 1
    found = [(d["code"], d["line"], d["column"]) for d in json.loads(result.stdout)]
    line = "            args: exps = 'levle = :x && level = error', sort = 'time DOWN', x = 1"
    assert found == [("Q201", 6, line.index("levle") + 1), ("W215", 6, line.index("error") + 1),
                     ("Q204", 6, line.index("DOWN") + 1)]
    assert "did you mean 'level'?" in invoke("check", "flow.yaml").stdout


def test_a_cql_error_found_only_by_the_run_names_the_node_and_the_flow_position() -> None:
    """An interpolated ``exps`` whose text is only known at run time: the Q-error carries the
    node and the line and column of the ``exps`` argument in the flow (tools.md §6), not only
    character offsets into the CQL text."""
    write("fdl.yaml", """\
        databases:
            shop: sqlite:///shop.db
    """)
    write("tools/order.yaml", """\
        type: db
        code: shop.order
        args:
            out: {id: long, customerId: string, amount: long}
    """)
    write("flow.yaml", """\
        flow:
            name: Broken at run time
            args:
                in:
                    field: string
            node:
                orders:
                    exec: db://shop.order/list
                    args: |
                        size = 5
                        exps = `${field} >= 10`
    """)
    with sqlite3.connect("shop.db") as db:
        db.execute('CREATE TABLE "order" (id INTEGER PRIMARY KEY, customerId TEXT, '
                   'amount INTEGER)')
    result = invoke("run", "flow.yaml", "--set", "field=amount &&", "--json")
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["node"], error["line"], error["column"]) == ("Q101", "orders",
                                                                               11, 17)
    assert error["details"]["argument"] == "exps"
    assert error["message"].endswith("'exps' is at line 11, column 17 of the flow")
    text = invoke("run", "flow.yaml", "--set", "field=amount &&")
    assert "error Q101 at node orders: " in text.stderr + text.stdout


def test_an_expr_mock_of_a_db_query_reads_its_cql_parameters_in_args() -> None:
    """A mocked (not passed-through) db:// query gets its ``:name`` parameters bound from the
    visible variables as the real tool would, so ``expr`` reads them; the database is never
    reached (no table exists)."""
    write("fdl.yaml", """\
        databases:
            shop: sqlite:///shop.db
    """)
    write("tools/order.yaml", """\
        type: db
        code: shop.order
        args:
            out: {id: long, customerId: string, amount: long}
    """)
    write("flow.yaml", """\
        flow:
            name: Count
            args:
                in:
                    customerId: string
            node:
                count:
                    exec: db://shop.order/count
                    args: exps = 'customerId = :customerId'
    """)
    write("mocks.yaml", """\
        mocks:
            db://shop.order/count: {expr: "args.customerId == 'c1' ? 7 : 0"}
    """)
    result = invoke("run", "flow.yaml", "--set", "customerId=c1", "--mock", "mocks.yaml",
                    "--json")
    assert output_of(result)["output"] == 7
    assert not Path("shop.db").exists() or sqlite3.connect("shop.db").execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'order'").fetchone() == (0,)
