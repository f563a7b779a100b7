"""Flow text → Flow → Plan: YAML with positions (`yamltree`), the flow model (`flow`), the
reader with kind inference (`reader`), static rules, graph, scopes and type checking of every
GML field (spec/fdl.md §3–§6), and diagnostics. No I/O beyond the text handed to it.

    >>> import compiler
    >>> plan = compiler.load_text(text, "flow.yaml")   # raises CompileError  # doctest: +SKIP
"""

from __future__ import annotations

from gml.types import assignable as compatible  # the old name of gml.types.assignable

from ._compile import FlowCompiler as FlowCompiler
from ._facts import FieldSource as FieldSource
from ._facts import NodeInfo as NodeInfo
from .argtypes import BUILTIN_INPUTS as BUILTIN_INPUTS
from .catalog import ChainCatalog as ChainCatalog
from .catalog import StaticCatalog as StaticCatalog
from .catalog import ToolArg as ToolArg
from .catalog import ToolCatalog as ToolCatalog
from .catalog import ToolSignature as ToolSignature
from .diagnostics import CompileError as CompileError
from .diagnostics import Diagnostic as Diagnostic
from .flowtool import flow_signature as flow_signature
from .frontend import CheckResult as CheckResult
from .frontend import Inspection as Inspection
from .frontend import check_text as check_text
from .frontend import inspect_text as inspect_text
from .frontend import load_text as load_text
from .frontend import parse_text as parse_text
from .plan import Block as Block
from .plan import Edge as Edge
from .plan import Field as Field
from .plan import InputSpec as InputSpec
from .plan import Plan as Plan
from .plan import PlanNode as PlanNode
from .plan import ToolRef as ToolRef
from .reuse import ReuseCache as ReuseCache

__all__ = [
    "BUILTIN_INPUTS",
    "Block",
    "ChainCatalog",
    "CheckResult",
    "CompileError",
    "Diagnostic",
    "Edge",
    "Field",
    "FieldSource",
    "FlowCompiler",
    "InputSpec",
    "Inspection",
    "NodeInfo",
    "Plan",
    "PlanNode",
    "ReuseCache",
    "StaticCatalog",
    "ToolArg",
    "ToolCatalog",
    "ToolRef",
    "ToolSignature",
    "check_text",
    "compatible",
    "flow_signature",
    "inspect_text",
    "load_text",
    "parse_text",
]
