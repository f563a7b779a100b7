"""A flow as a tool (tools.md §2, "a flow is also a tool") when the flow is only parsed.

``flow://name`` calls are checked against the called flow's ``args``. A compiled flow gives
its signature itself (`Plan.as_tool`). A caller is often checked without compiling the flows
it calls (they may call each other, and their own problems are reported when they are
checked): `flow_signature` types a parsed flow's ``args`` the way the compiler's first step
does (`FlowCompiler.flow_args`, the same code), so both give the same signature.
"""

from __future__ import annotations

import gml
from gml import Source
from gml.types import ANY

from ._compile import FlowCompiler
from .catalog import ToolSignature
from .diagnostics import Reporter
from .flow import Flow

__all__ = ["flow_signature"]


def flow_signature(flow: Flow, code: str, *, env: gml.Environment | None = None
                   ) -> ToolSignature:
    """The parsed ``flow`` as the tool ``flow://code``: what `Plan.as_tool` gives once the
    flow compiles. Only ``args`` is read (types, defaults, descriptions), with ``env``'s
    functions for the defaults (default: `gml.default_environment`).

    A flow whose ``args`` have errors (an unknown type, a default of the wrong type) is a
    tool that takes any arguments and returns ``any``: its own check reports the errors,
    and guessing its arguments would report wrong ones at every call.
    """
    reporter = Reporter("<flow>", Source(""))
    compiler = FlowCompiler(flow, "<flow>", reporter, env or gml.default_environment(),
                            codegen=False)
    try:
        _root, inputs, out = compiler.flow_args()
    except RecursionError:  # types nested beyond the parser: the check says so
        return ToolSignature("flow", code, open_arguments=True)
    if any(d.is_error for d in reporter.diagnostics):
        return ToolSignature("flow", code, open_arguments=True)
    return ToolSignature("flow", code, {i.name: i.as_arg() for i in inputs}, out or ANY,
                         flow.desp or flow.name)
