"""GML — the mapping and expression language of FDL (spec/gml.md).

    >>> import gml
    >>> gml.evaluate("orders.filter(o => o.amount > 100).sum('amount')",
    ...              {"orders": [{"amount": 50}, {"amount": 150}]})
    150

Source → AST (built while Lark parses) (`gml.nodes`) → static checker → nested Python closures.
``compile`` caches programs by source. Errors are `GmlError` values with a code, a message
and a position.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from . import nodes as nodes
from . import types as types
from ._checkcache import CheckCache as CheckCache
from ._checker import CheckResult as CheckResult
from ._context import Clock as Clock
from ._context import EvalContext as EvalContext
from ._context import resolve_timezone as resolve_timezone
from ._context import system_clock as system_clock
from ._environment import Environment as Environment
from ._environment import udf as udf
from ._errors import Diagnostic as Diagnostic
from ._errors import GmlCompileError as GmlCompileError
from ._errors import GmlError as GmlError
from ._errors import GmlLimitError as GmlLimitError
from ._errors import GmlRuntimeError as GmlRuntimeError
from ._errors import GmlSyntaxError as GmlSyntaxError
from ._limits import Limits as Limits
from ._printer import to_source as to_source
from ._program import Program as Program
from ._program import TimezoneLike
from ._source import Source as Source
from ._source import Span as Span
from .types import Type
from .values import to_json as to_json
from .values import to_text as to_text

__all__ = [
    "CheckCache",
    "CheckResult",
    "Clock",
    "Diagnostic",
    "Environment",
    "EvalContext",
    "GmlCompileError",
    "GmlError",
    "GmlLimitError",
    "GmlRuntimeError",
    "GmlSyntaxError",
    "Limits",
    "Program",
    "Source",
    "Span",
    "check",
    "compile",
    "default_environment",
    "evaluate",
    "nodes",
    "parse",
    "resolve_timezone",
    "system_clock",
    "to_json",
    "to_source",
    "to_text",
    "types",
    "udf",
]


@cache
def default_environment() -> Environment:
    """The environment behind the module-level functions (built-ins only, local timezone).

    Built on first use, so that importing `gml` and `stdlib` in either order works.
    """
    return Environment()


def parse(source: str) -> nodes.Program:
    """Parse GML text into an AST (raises `GmlSyntaxError`)."""
    return default_environment().parse(source)


def compile(source: str) -> Program:
    """Compile GML text; cached by source (raises `GmlSyntaxError`, `GmlCompileError`)."""
    return default_environment().compile(source)


def evaluate(source: str, data: Mapping[str, Any] | None = None, *, tz: TimezoneLike = None,
             clock: Clock | None = None, limits: Limits | None = None) -> Any:
    """Compile (cached) and evaluate ``source`` against ``data``."""
    return default_environment().evaluate(source, data, tz=tz, clock=clock, limits=limits)


def check(source: str, names: Mapping[str, Type | str] | None = None) -> list[Diagnostic]:
    """Every diagnostic of ``source`` given typed ``names``; never raises."""
    return default_environment().check(source, names)
