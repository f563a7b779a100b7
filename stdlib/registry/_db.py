"""The operations of a ``db`` table (spec/tools.md §6) as tool signatures.

A ``db`` ToolSpec registers a table, not one tool: every operation becomes a tool
``db://<table>/<operation>`` whose arguments and result follow from the table's record type
(``args.out``) and its key (``config.key``, default ``id``). The spec (`ToolSpec.signatures`),
the registry's catalog, the editor's completion and the adapter (`stdlib.tools.db`, which
takes the same arguments) all read this one table of operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from compiler.catalog import ArgChecker, ArgParts, ArgProblem, ToolArg, ToolSignature
from gml.types import ANY, INT, LONG, STRING, ArrayType, ObjectType, Type, deref, nullable
from stdlib import cql

__all__ = ["cql_checker", "db_operations"]


def cql_checker(fields: Mapping[str, Type] | None) -> ArgChecker:
    """The compile-time check of a query operation's ``exps``, ``proj`` and ``sort`` written
    as literals or templates, against a table's fields (None: not declared, only the syntax
    is checked); tools.md §6."""
    checks = {"exps": cql.check_condition, "proj": cql.check_proj, "sort": cql.check_sort}

    def check(written: Mapping[str, ArgParts]) -> list[ArgProblem]:
        found: list[ArgProblem] = []
        for name, parts in written.items():
            check_one = checks.get(name)
            if check_one is None:
                continue
            for problem in cql.check_parts(parts, fields, check_one):
                severity: Literal["error", "warning"] = (
                    "warning" if problem.severity == "warning" else "error")
                found.append(ArgProblem(name, problem.code, severity, problem.message,
                                        problem.start, problem.end))
        return found

    return check


def db_operations(table: str, record: Type, key: str = "id") -> list[ToolSignature]:
    """The operations of the table ``table`` (``shop.order``) whose rows are ``record``, as
    tool signatures (``shop.order/take``, ...). The query operations accept arguments they
    do not declare: those are the CQL parameters of ``exps``."""
    target = deref(record)
    fields = target.fields if isinstance(target, ObjectType) else {}
    checker = cql_checker(fields if isinstance(target, ObjectType) else None)
    key_type = fields.get(key, ANY)
    opt_text = nullable(STRING)
    query = {"exps": ToolArg("exps", opt_text), "proj": ToolArg("proj", opt_text),
             "sort": ToolArg("sort", opt_text)}
    rows = ArrayType(record)
    page = ObjectType({"content": rows, "page": INT, "size": INT, "totalElements": LONG,
                       "totalPages": INT}, closed=True)

    def op(name: str, inputs: Mapping[str, ToolArg], out: Type, open_args: bool = False
           ) -> ToolSignature:
        queried = any(arg in inputs for arg in ("exps", "proj", "sort"))
        return ToolSignature("db", f"{table}/{name}", dict(inputs), out,
                             f"{name} on table {table}", open_args,
                             checker if queried else None)

    return [
        op("init", {}, ANY),
        op("drop", {}, ANY),
        op("take", {key: ToolArg(key, key_type, True), "proj": query["proj"]},
           nullable(record)),
        op("list", {**query, "size": ToolArg("size", nullable(INT))}, rows, True),
        op("page", {**query, "page": ToolArg("page", nullable(INT)),
                    "size": ToolArg("size", nullable(INT))}, page, True),
        op("stream", query, rows, True),
        op("count", {"exps": query["exps"]}, LONG, True),
        op("create", {"data": ToolArg("data", record, True)}, record),
        op("modify", {"data": ToolArg("data", record, True)}, record),
        op("save", {"data": ToolArg("data", record, True)}, record),
        op("delete", {key: ToolArg(key, key_type, True)}, ObjectType({"deleted": INT})),
        op("bulk", {"dataList": ToolArg("dataList", ArrayType(record), True)},
           ObjectType({"saved": INT})),
        op("native", {"query": ToolArg("query", STRING, True),
                      "params": ToolArg("params", ANY)}, ArrayType(ANY)),
    ]
