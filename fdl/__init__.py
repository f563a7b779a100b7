"""FDL — flow documents: YAML loading with positions, the flow model, checking, and the
`fdl` command line.

    >>> import fdl
    >>> result = fdl.check_text(open("flow.yaml").read(), "flow.yaml")   # doctest: +SKIP
    >>> plan = fdl.load("flow.yaml")          # raises fdl.CompileError   # doctest: +SKIP
    >>> fdl.run(plan, {"customerId": "c1"}, tools=...).output            # doctest: +SKIP
"""

from __future__ import annotations

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
