"""FDL — the product: the façade over the compiler and the runtime, the composition root of a
project (`fdl.project`), flow test files, graphs, and the `fdl` command line (`fdl.cli`).

    >>> import fdl
    >>> result = fdl.check_text(open("flow.yaml").read(), "flow.yaml")   # doctest: +SKIP
    >>> plan = fdl.load("flow.yaml")          # raises fdl.CompileError   # doctest: +SKIP
    >>> fdl.run(plan, {"customerId": "c1"}, tools=...).output            # doctest: +SKIP

The names below are imported on first use (PEP 562), not with the package: every ``fdl``
command imports the package first (`fdl.cli` is in it), and ``fdl --help`` or ``fdl eval``
need none of the compiler, pydantic, ruamel.yaml or the runtime behind them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler.diagnostics import CompileError as CompileError
    from compiler.diagnostics import Diagnostic as Diagnostic
    from compiler.flow import Flow as Flow
    from compiler.frontend import CheckResult as CheckResult
    from compiler.frontend import Inspection as Inspection
    from compiler.frontend import check_text as check_text
    from compiler.frontend import inspect_text as inspect_text
    from compiler.frontend import load_text as load_text
    from compiler.frontend import parse_text as parse_text
    from compiler.schema import flow_json_schema as flow_json_schema

    from ._asyncio import run_async as run_async
    from ._facade import load as load
    from ._facade import run as run

__all__ = ["CheckResult", "CompileError", "Diagnostic", "Flow", "Inspection", "check_text",
           "flow_json_schema", "inspect_text", "load", "load_text", "parse_text", "run",
           "run_async"]

_HOMES = {
    "CompileError": "compiler.diagnostics", "Diagnostic": "compiler.diagnostics",
    "Flow": "compiler.flow", "CheckResult": "compiler.frontend",
    "Inspection": "compiler.frontend", "check_text": "compiler.frontend",
    "inspect_text": "compiler.frontend", "load_text": "compiler.frontend",
    "parse_text": "compiler.frontend", "flow_json_schema": "compiler.schema",
    "load": "fdl._facade", "run": "fdl._facade", "run_async": "fdl._asyncio",
}


def __getattr__(name: str) -> Any:
    """Import the module that defines a public name on first use, and keep the name."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
