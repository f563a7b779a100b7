"""Running ``tool://<code>`` (tools.md §1, §7): the tool of the type its code resolves to,
through mocks keyed either way and through a real api adapter."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fdl
from compiler import StaticCatalog, ToolArg, ToolSignature
from gml.types import STRING
from runtime import Mocks
from stdlib.tools import ToolCodes, Tools
from tests._http import LocalServer, serving
from tests.fdl.test_cli_adapters import (
    CUSTOMER_FLOW,
    CUSTOMER_SPEC,
    _Handler,
    invoke,
    output_of,
    write,
)

SPEC = CUSTOMER_SPEC

FLOW = CUSTOMER_FLOW.replace("api://crm/customer", "tool://crm/customer")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serving(_Handler) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_fdl_run_calls_the_api_tool_a_tool_uri_resolves_to(server: LocalServer) -> None:
    write("fdl.yaml", f"""\
        tools: tools/
        services:
            crm: {{url: '{server.url}'}}
    """)
    write("tools/customer.yaml", SPEC)
    write("flows/customer.yaml", FLOW)
    result = invoke("run", "flows/customer.yaml", "--set", "customerId=c1", "--json")
    assert output_of(result)["output"] == {"id": "c1", "name": "Alice"}
    assert [entry["path"] for entry in server.log] == ["/customers/c1"]


@pytest.mark.parametrize("key", ["tool://crm/customer", "api://crm/customer"])
def test_fdl_run_answers_a_tool_uri_from_a_mock_keyed_either_way(key: str) -> None:
    write("fdl.yaml", "tools: tools/\n")
    write("tools/customer.yaml", SPEC)
    write("flows/customer.yaml", FLOW)
    write("mocks.yaml", f"""\
        mocks:
            {key}: {{expr: "{{id: args.id, name: 'mocked'}}"}}
    """)
    result = invoke("run", "flows/customer.yaml", "--set", "customerId=c7", "--mock",
                    "mocks.yaml", "--json")
    assert output_of(result)["output"] == {"id": "c7", "name": "mocked"}


def test_fdl_compile_json_shows_the_uri_as_written_and_the_resolved_type() -> None:
    write("fdl.yaml", "tools: tools/\n")
    write("tools/customer.yaml", SPEC)
    write("flows/customer.yaml", FLOW)
    result = invoke("compile", "flows/customer.yaml", "--json")
    assert result.exit_code == 0, result.output
    assert '"uri": "tool://crm/customer"' in result.stdout
    assert '"scheme": "tool"' in result.stdout and '"type": "api"' in result.stdout


CATALOG = StaticCatalog([ToolSignature("api", "crm/customer", {"id": ToolArg("id", STRING, True)})])


def _plan(catalog: StaticCatalog | None) -> Any:
    return fdl.load_text(textwrap.dedent(FLOW), "flow.yaml", catalog=catalog)


@pytest.mark.parametrize("catalog", [CATALOG, None], ids=["resolved", "unresolved"])
@pytest.mark.parametrize("key", ["tool://crm/customer", "api://crm/customer"])
def test_mock_calls_are_recorded_under_the_uri_as_written(
        key: str, catalog: StaticCatalog | None) -> None:
    mocks = Mocks({key: {"sequence": [{"result": 1}, {"result": 2}]}})
    first = fdl.run(_plan(catalog), {"customerId": "c1"}, mocks=mocks)
    second = fdl.run(_plan(catalog), {"customerId": "c2"}, mocks=mocks)
    assert (first.output, second.output) == (1, 2)
    assert mocks.calls["tool://crm/customer"] == [{"id": "c1"}, {"id": "c2"}]


def test_the_written_mock_wins_over_the_resolved_one() -> None:
    mocks = Mocks({"tool://crm/customer": {"result": "written"},
                   "api://crm/customer": {"result": "resolved"}})
    assert fdl.run(_plan(CATALOG), {"customerId": "c1"}, mocks=mocks).output == "written"
    assert mocks.counts() == {"tool://crm/customer": 1, "api://crm/customer": 0}


def test_an_unmocked_tool_uri_fails_with_f406_naming_it() -> None:
    mocks = Mocks({"api://other/tool": {"result": 1}})
    result = fdl.run(_plan(CATALOG), {"customerId": "c1"}, mocks=mocks)
    assert result.status == "failed" and result.error is not None
    assert result.error["code"] == "F406"
    assert "tool://crm/customer" in result.error["message"]


def test_a_resolved_tool_uri_runs_the_typed_tool() -> None:
    tools = Tools({"api://crm/customer": lambda args: {"id": args["id"]}})
    assert fdl.run(_plan(CATALOG), {"customerId": "c3"}, tools=tools).output == {"id": "c3"}


def test_an_unresolved_tool_uri_is_resolved_at_run_time_by_code() -> None:
    typed = Tools({"api://crm/customer": lambda args: {"id": args["id"]}})
    provider = ToolCodes(lambda code: ["api"] if code == "crm/customer" else [], typed)
    assert fdl.run(_plan(None), {"customerId": "c4"}, tools=provider).output == {"id": "c4"}
    assert provider.resolve("tool://crm/other") is None
    assert provider.resolve("api://crm/customer") is None
    two = ToolCodes(lambda code: ["api", "db"], typed)
    assert two.resolve("tool://crm/customer") is None
