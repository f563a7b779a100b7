"""FDL — flow documents: YAML loading with positions, the flow model, checking, and the
`fdl` command line.

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
    from ._diagnostics import CompileError as CompileError
    from ._diagnostics import Diagnostic as Diagnostic
    from ._load import CheckResult as CheckResult
    from ._load import Inspection as Inspection
    from ._load import check_text as check_text
    from ._load import inspect_text as inspect_text
    from ._load import load as load
    from ._load import parse_text as parse_text
    from ._run import run as run
    from .flow import Flow as Flow
    from .flow import flow_json_schema as flow_json_schema

__all__ = ["CheckResult", "CompileError", "Diagnostic", "Flow", "Inspection", "check_text",
           "flow_json_schema", "inspect_text", "load", "parse_text", "run"]

_HOMES = {
    "CompileError": "._diagnostics", "Diagnostic": "._diagnostics",
    "CheckResult": "._load", "Inspection": "._load", "check_text": "._load",
    "inspect_text": "._load", "load": "._load", "parse_text": "._load",
    "run": "._run", "Flow": ".flow", "flow_json_schema": ".flow",
}


def __getattr__(name: str) -> Any:
    """Import the module that defines a public name on first use, and keep the name."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
