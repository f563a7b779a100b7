"""What the compiler of a flow knows once its nodes and fields are compiled: where each node
lives, every compiled field, the graphs of the blocks and the variables written.

These are the facts that the flow-wide checks (`compiler._checks`) and the editor read; the
checks take them, not the compiler, so they cannot reach back into compiling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import gml
from gml import Span
from gml import nodes as n

from ._graph import BlockGraph
from .flow import Gml, Node
from .plan import Field
from .scopes import Scope, Var

__all__ = ["CompileFacts", "CompileState", "Compiled", "FieldSource", "NodeInfo"]


@dataclass(slots=True, eq=False)
class NodeInfo:
    """Where a node lives: its block (the enclosing each/loop id, None at the top), the
    chain of (block, id) from the top level down to it, and its static path."""

    node: Node
    block: str | None
    chain: tuple[tuple[str | None, str], ...]
    path: str


@dataclass(slots=True, eq=False)
class Compiled:
    """A compiled field with what the flow-wide checks need."""

    field: Field
    gml: Gml
    reader: str | None
    scope: Scope
    ast: n.Program | None
    key: str
    tool_type: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class FieldSource:
    """A GML text field as the compiler saw it, kept for editors (hover, completion).

    Attributes:
        key: the field's key (``customer.with``, ``in.from``, ``proc.vars``, ``vars``).
        gml: the field's text and its map into the file.
        scope: the variables the field was checked against.
        object_mode: whether the field was read as an object-mode program.
        reader: the node whose field it is (None for the flow's vars and input defaults).
    """

    key: str
    gml: Gml
    scope: Scope
    object_mode: bool
    reader: str | None


@dataclass(slots=True)
class CompileState:
    """What compiling a flow collects field by field, for the flow-wide checks and editors."""

    fields: dict[tuple[str, str], Field | None] = field(default_factory=dict)
    compiled: list[Compiled] = field(default_factory=list)
    asts: dict[str, n.Program] = field(default_factory=dict)
    """The AST of every field that parsed, by key, also when it has errors."""
    vars_fields: dict[str, Field | None] = field(default_factory=dict)
    graphs: dict[str | None, BlockGraph] = field(default_factory=dict)
    writes: list[tuple[str, Var, Gml, Span]] = field(default_factory=list)
    """Every variable a node ``sets``: (node, variable, the ``sets`` text, the target's
    range in that text; mapped into the file only when reported)."""
    written: dict[str, list[Var]] = field(default_factory=dict)
    sources: dict[str, FieldSource] = field(default_factory=dict)
    """Every GML text field by key, with its scope, also when it has errors (for editors)."""


@dataclass(frozen=True, slots=True)
class CompileFacts:
    """The facts of one compilation, read by the flow-wide checks.

    Attributes:
        info: every node id → where the node lives.
        state: the compiled fields, the blocks' graphs, the variables written.
        cache: the GML check cache the fields were checked with (None without one).
    """

    info: Mapping[str, NodeInfo]
    state: CompileState
    cache: gml.CheckCache | None
