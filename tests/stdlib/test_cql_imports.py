"""Checking CQL loads no SQLAlchemy (docs/performance.md, "Start-up"): `stdlib.cql` is
imported by the registry's catalog, so by every ``fdl check`` and by the language server,
which parse and check CQL but never build SQL. Only the names that build SQL
(`compile_condition`, `compile_query`, `render`...) load it, on first use."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gml.types import BOOL, DATE, DECIMAL, INT, STRING
from stdlib import cql

ORDER = """\
type: db
code: shop.order
desp: Orders of the shop.
args:
    defs:
        Order: {id: long, customerId: string, amount: decimal}
    out: Order
"""

FLOW = """\
flow:
    name: Orders
    args:
        in:
            customerId: string
    node:
        orders:
            exec: db://shop.order/list
            args: |
                exps = "{exps}",
                sort = 'amount DESC, id',
                customerId = customerId
"""


def modules_after(code: str, cwd: Path | None = None) -> tuple[set[str], str]:
    """The top-level packages a fresh interpreter has imported after running ``code``, and
    what ``code`` printed before them (and on stderr)."""
    script = textwrap.dedent(code) + textwrap.dedent("""
        import json, sys
        print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True, cwd=cwd)
    *printed, last = done.stdout.splitlines()
    return set(json.loads(last)), "\n".join([*printed, *done.stderr.splitlines()])


def test_parsing_and_checking_cql_needs_no_sqlalchemy() -> None:
    loaded, printed = modules_after("""
        from decimal import Decimal
        from gml.types import DECIMAL, STRING
        from stdlib import cql
        fields = {"amount": DECIMAL, "status": STRING}
        cql.parse("amount > 1 && status IN ('paid', 'sent')")
        print([p.code for p in cql.check_condition("amount > 'lots'", fields)])
        print([p.code for p in cql.check_condition("stauts = 'paid'", fields)])
        print(cql.parse_proj("amount, status", fields), cql.parse_sort("amount DESC", fields))
        print(cql.adapt_value(Decimal("1.50"), "sqlite"), cql.quote_ident("amount", "mysql"))
    """)
    assert printed.splitlines()[:4] == ["['Q203']", "['Q201']",
                                    "['amount', 'status'] [('amount', True)]", "1.50 `amount`"]
    assert "stdlib" in loaded
    assert "sqlalchemy" not in loaded


def test_building_sql_loads_sqlalchemy_on_first_use() -> None:
    # the control of the test above: the same probe sees SQLAlchemy once SQL is built
    loaded, printed = modules_after("""
        from stdlib import cql
        print(cql.compile_query("id = 1", dialect="sqlite", fields=None, params={}).where)
    """)
    assert printed.splitlines()[0] == '"id" = ?'
    assert "sqlalchemy" in loaded


def test_the_sql_names_stay_public() -> None:
    for name in ("Condition", "Query", "column", "compile_condition", "compile_query",
                 "render"):
        assert name in cql.__all__ and name in dir(cql)
        assert getattr(cql, name) is not None
    from stdlib.cql import compile_condition  # noqa: F401 - `from` imports work too
    with pytest.raises(AttributeError, match="no_such_name"):
        cql.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_the_language_server_needs_no_sqlalchemy() -> None:
    loaded, _ = modules_after("""
        import pkgutil, importlib, lsp
        for module in pkgutil.iter_modules(lsp.__path__):
            importlib.import_module(f"lsp.{module.name}")
        import stdlib.registry
    """)
    assert {"lsp", "pygls", "stdlib"} <= loaded
    assert "sqlalchemy" not in loaded


@pytest.mark.parametrize(("exps", "expected"), [
    ("amount > 10 && customerId = :customerId", "exit 0"),
    ("amount > 'lots'", "error[Q203]: exps: the value 'lots'"),
    ("amont > 10", "error[Q201]: exps: unknown field 'amont'"),
])
def test_fdl_check_of_literal_cql_needs_no_sqlalchemy(tmp_path: Path, exps: str,
                                                      expected: str) -> None:
    (tmp_path / "fdl.yaml").write_text("tools: tools/\nstate: .fdl/\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "order.yaml").write_text(ORDER)
    (tmp_path / "orders.yaml").write_text(FLOW.format(exps=exps))
    loaded, printed = modules_after("""
        from fdl.cli import main
        try:
            main(["check", "orders.yaml"])
        except SystemExit as exit:
            print("exit", exit.code)
    """, cwd=tmp_path)
    assert expected in printed
    assert {"compiler", "stdlib"} <= loaded
    assert "sqlalchemy" not in loaded


_FIELDS = {"amount": DECIMAL, "qty": INT, "time": DATE, "name": STRING, "paid": BOOL}
_LITERALS = ["1", "-2.5", "'4.0'", "'lots'", "'2025-01-31'", "null", "true", "''",
             "99999999999999999999", "DATE('-3M')", "DATE('soon')", "error"]
_FORMS = ["{f} = {v}", "{f} > {v}", "{f} != {v}", "{f} IN ({v}, {w})", "{f} NOT IN ({v})",
          "{f} LIKE {v}", "{v} <= {f}", "!({f} = {v} || {f} < {w})"]


@settings(max_examples=200, deadline=None)
@given(form=st.sampled_from(_FORMS), f=st.sampled_from(list(_FIELDS)),
       v=st.sampled_from(_LITERALS), w=st.sampled_from(_LITERALS))
def test_the_static_check_and_the_sql_builder_report_the_same_value_errors(
        form: str, f: str, v: str, w: str) -> None:
    # the check runs the builder's own first pass (stdlib.cql._values) without building SQL
    text = form.format(f=f, v=v, w=w)
    problems = cql.check_condition(text, _FIELDS)
    # a bare word is reported as W215 first, and the values are checked once it is fixed
    assume(all(p.code != "W215" for p in problems))
    try:
        cql.compile_query(text, dialect="sqlite", fields=_FIELDS, params={},
                          clock=lambda: datetime(2025, 6, 15, tzinfo=UTC))
    except cql.CqlError as error:
        assert [(p.code, p.start, p.end) for p in problems] == [
            (error.code, error.start, error.end)]
        if "DATE(" not in text:  # else the message holds the instant of each clock
            assert problems[0].message == error.message
    else:
        assert problems == []
