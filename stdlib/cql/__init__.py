"""CQL — the database-neutral condition language of db:// operations (spec/tools.md §6).

    >>> from stdlib import cql
    >>> q = cql.compile_query("customerId = :c && status IN ('paid', 'sent')",
    ...                       dialect="sqlite", fields=None, params={"c": "C1"})
    >>> q.where
    '("customerId" = ? AND "status" IN (?, ?))'
    >>> q.params
    ['C1', 'paid', 'sent']

Text → AST (`parse`, grammar/cql.lark) → a SQLAlchemy condition with bound parameters
(`compile_condition`, what ``db://`` runs) or parameterised SQL text for one dialect
(`compile_query`). Values never become SQL text and field names are checked, so no input can
change a query's structure. A bare word on the right of a comparison that is not a field of
the table is a string (``level = error``); `bare_words` finds them, for W215. Every problem
is a `CqlError` with a code (Q1xx syntax, Q2xx meaning), a message saying what to do and a
character range.

Parsing and checking (`parse`, `check_condition`, `parse_proj`, `adapt_value`...) need no
SQLAlchemy; the names that build SQL (`compile_condition`, `compile_query`, `render`,
`column`, `Condition`, `Query`) live in `stdlib.cql._sql` and are imported on first use
(PEP 562), so ``fdl check`` and the language server, which import this package through the
registry's catalog, never load SQLAlchemy (docs/performance.md, "Start-up").
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._ast import And as And
from ._ast import Call as Call
from ._ast import Compare as Compare
from ._ast import Expr as Expr
from ._ast import Field as Field
from ._ast import In as In
from ._ast import IsNull as IsNull
from ._ast import Like as Like
from ._ast import Literal as Literal
from ._ast import Node as Node
from ._ast import Not as Not
from ._ast import Operand as Operand
from ._ast import Or as Or
from ._ast import Param as Param
from ._ast import fields_of as fields_of
from ._ast import params_of as params_of
from ._ast import to_text as to_text
from ._bare import BareWord as BareWord
from ._bare import bare_words as bare_words
from ._check import CqlProblem as CqlProblem
from ._check import check_condition as check_condition
from ._check import check_proj as check_proj
from ._check import check_sort as check_sort
from ._dialect import Dialect as Dialect
from ._dialect import adapt_value as adapt_value
from ._dialect import order_by_sql as order_by_sql
from ._dialect import placeholder as placeholder
from ._dialect import quote_ident as quote_ident
from ._errors import CqlError as CqlError
from ._fields import parse_proj as parse_proj
from ._fields import parse_sort as parse_sort
from ._holes import check_parts as check_parts
from ._parser import MAX_LENGTH as MAX_LENGTH
from ._parser import MAX_NESTING as MAX_NESTING
from ._parser import parse as parse

if TYPE_CHECKING:
    from ._sql import Condition as Condition
    from ._sql import Query as Query
    from ._sql import column as column
    from ._sql import compile_condition as compile_condition
    from ._sql import compile_query as compile_query
    from ._sql import render as render

_SQL_NAMES = frozenset({"Condition", "Query", "column", "compile_condition", "compile_query",
                        "render"})

__all__ = [
    "MAX_LENGTH",
    "MAX_NESTING",
    "And",
    "BareWord",
    "Call",
    "Compare",
    "Condition",
    "CqlError",
    "CqlProblem",
    "Dialect",
    "Expr",
    "Field",
    "In",
    "IsNull",
    "Like",
    "Literal",
    "Node",
    "Not",
    "Operand",
    "Or",
    "Param",
    "Query",
    "adapt_value",
    "bare_words",
    "check_condition",
    "check_parts",
    "check_proj",
    "check_sort",
    "column",
    "compile_condition",
    "compile_query",
    "fields_of",
    "order_by_sql",
    "params_of",
    "parse",
    "parse_proj",
    "parse_sort",
    "placeholder",
    "quote_ident",
    "render",
    "to_text",
]


def __getattr__(name: str) -> Any:
    """Import the SQL builder on first use of one of its names, and keep the name."""
    if name not in _SQL_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # heavy: stdlib.cql._sql imports SQLAlchemy, which checking CQL never needs
    value = getattr(import_module(f"{__name__}._sql"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
