"""Shared helpers: compile flow text and look at diagnostics as (code, line, column)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import fdl
from compiler import StaticCatalog
from stdlib.registry import load_tool_dir

TOOLS = {
    "customer.yaml": """\
        type: api
        code: crm-service/customer
        desp: Returns one customer by id.
        args:
            defs:
                Customer:
                    id: string
                    name: string
                    mobile: string?
            in:
                id: string                 # customer id
                tenantId: string
            out: Customer
    """,
    "order.yaml": """\
        type: db
        code: ec.order
        args:
            defs:
                Order: {id: long, customerId: string, amount: decimal, time: date}
            out: Order
    """,
}


def compile_text(text: str, catalog: StaticCatalog | None = None) -> fdl.CheckResult:
    return fdl.check_text(textwrap.dedent(text), "flow.yaml", catalog=catalog)


def codes(text: str, catalog: StaticCatalog | None = None) -> list[tuple[str, int, int]]:
    """Every diagnostic as (code, line, column), in file order."""
    return [(d.code, d.line, d.column) for d in compile_text(text, catalog).diagnostics]


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> StaticCatalog:
    folder: Path = tmp_path_factory.mktemp("tools")
    for name, text in TOOLS.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    found, problems = load_tool_dir(folder)
    assert problems == []
    return found
