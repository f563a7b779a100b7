"""Flow → Plan: kind inference (in `fdl`'s reader), static rules, graph, scopes and type
checking of every GML field (spec/fdl.md §3–§6).

    >>> import fdl
    >>> plan = fdl.load("examples/flows/customer_view.yaml")   # doctest: +SKIP
"""

from __future__ import annotations

from gml.types import assignable as compatible  # the old name of gml.types.assignable

from ._compile import FieldSource as FieldSource
from ._compile import FlowCompiler as FlowCompiler
from .catalog import ChainCatalog as ChainCatalog
from .catalog import StaticCatalog as StaticCatalog
from .catalog import ToolArg as ToolArg
from .catalog import ToolCatalog as ToolCatalog
from .catalog import ToolSignature as ToolSignature
from .plan import Block as Block
from .plan import Edge as Edge
from .plan import Field as Field
from .plan import InputSpec as InputSpec
from .plan import Plan as Plan
from .plan import PlanNode as PlanNode
from .plan import ToolRef as ToolRef
from .tooldir import load_tool_dir as load_tool_dir

__all__ = [
    "Block",
    "ChainCatalog",
    "Edge",
    "Field",
    "FieldSource",
    "FlowCompiler",
    "InputSpec",
    "Plan",
    "PlanNode",
    "StaticCatalog",
    "ToolArg",
    "ToolCatalog",
    "ToolRef",
    "ToolSignature",
    "compatible",
    "load_tool_dir",
]
