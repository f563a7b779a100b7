"""The `Plan`: what the runtime executes, with nothing left to parse.

A plan is immutable. Every GML field is a `Field` holding its compiled program (or its
literal), its static type and its range in the file; every `node` block is a `Block` with
its nodes in declaration order, its forward edges (the DAG), join sets, jump edges and the
set of nodes each jump target resets (spec/fdl.md §6).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import gml
from compiler.flow import NodeKind
from gml import Span
from gml.types import ANY, ObjectType, Type, deref

from .catalog import ToolArg, ToolSignature

__all__ = ["Block", "Edge", "Field", "InputSpec", "Plan", "PlanNode", "ToolRef"]

NOWHERE = Span(0, 0)
EdgeLabel = str
"""``next``, ``then``, ``else``, ``case[i]`` or ``fail``."""


@dataclass(frozen=True, slots=True)
class Field:
    """One compiled GML field (or a YAML literal).

    Attributes:
        program: the compiled program; None for a literal.
        literal: the literal value when ``program`` is None.
        type: the field's static type.
        span: its range in the file.
    """

    program: gml.Program | None
    literal: Any = None
    type: Type = ANY
    span: Span = NOWHERE
    line: int = 0
    column: int = 0

    @property
    def text(self) -> str | None:
        return None if self.program is None else self.program.source

    def source(self) -> str:
        """The field as GML source: its text, or its literal written as GML (as
        `compiler.flow.Gml.source` writes it)."""
        if self.program is not None:
            return self.program.source
        return json.dumps(self.literal, ensure_ascii=False)

    def evaluate(self, data: Mapping[str, Any], ctx: gml.EvalContext) -> Any:
        """The field's value in the variables ``data``."""
        if self.program is None:
            return self.literal
        return self.program.evaluate(data, ctx)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": str(self.type), "line": self.line,
                               "column": self.column}
        if self.program is None:
            out["literal"] = self.literal
        else:
            out["gml"] = self.program.source
        return out


@dataclass(frozen=True, slots=True)
class Edge:
    """A control edge of one block: ``jump`` when the target is declared at or before the
    source (§6.1)."""

    source: str
    target: str
    label: EdgeLabel
    jump: bool = False

    @property
    def is_fail(self) -> bool:
        return self.label == "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "label": self.label}


_NO_OPTIONS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ToolRef:
    """A tool call's target: the URI, its options and (when a catalog knows the tool) its
    declared argument names and result type.

    ``uri`` is the URI as written (options included); ``type`` is the type of the tool it
    runs. They differ for ``tool://<code>`` (tools.md §1): ``scheme`` is then ``tool`` and
    ``type`` the type of the tool the catalog resolved the code to (``api``), or ``tool``
    when it was compiled without a catalog (the run resolves it, `stdlib.tools.ToolCodes`).
    """

    uri: str
    type: str
    code: str
    options: Mapping[str, str] = field(default_factory=dict)
    known: bool = False
    arguments: tuple[str, ...] = ()
    out: Type = ANY
    defaults: Mapping[str, str] = field(default_factory=dict)
    """The declared defaults of arguments (GML source), applied by the runtime."""
    scheme: str = ""
    """The scheme as written when it is not ``type`` (``tool``); empty otherwise."""

    base: str = field(init=False, repr=False, compare=False)
    """The tool it runs, without options: ``api://mail-service/send`` (computed once, read
    on every call)."""
    written: str = field(init=False, repr=False, compare=False)
    """The URI as written, without options: ``tool://mail-service/send``."""

    def __post_init__(self) -> None:
        # Interned, and one shared empty mapping: the nodes that call one tool share these
        # instead of holding a copy each (a plan keeps them for as long as the flow lives).
        for name in ("uri", "type", "code", "scheme"):
            object.__setattr__(self, name, sys.intern(getattr(self, name)))
        if not self.options:
            object.__setattr__(self, "options", _NO_OPTIONS)
        if not self.defaults:
            object.__setattr__(self, "defaults", _NO_OPTIONS)
        object.__setattr__(self, "base", sys.intern(f"{self.type}://{self.code}"))
        object.__setattr__(self, "written", sys.intern(f"{self.scheme or self.type}://"
                                                       f"{self.code}"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uri": self.uri, "type": self.type, "code": self.code}
        if self.scheme:
            out["scheme"] = self.scheme
        if self.options:
            out["options"] = dict(self.options)
        if self.known:
            out["arguments"] = list(self.arguments)
            out["out"] = str(self.out)
        if self.defaults:
            out["defaults"] = dict(self.defaults)
        return out


@dataclass(frozen=True, slots=True, eq=False)
class PlanNode:
    """One node, ready to run.

    ``path`` is the static path (``proc/user``); the runtime adds iteration indexes.
    Targets are node ids of the same block.
    """

    id: str
    path: str
    kind: NodeKind
    order: int
    line: int
    column: int
    span: Span
    name: str | None = None
    desp: str | None = None
    only: Field | None = None
    args: Field | None = None
    sets: Field | None = None
    with_: Field | None = None
    vars: Field | None = None
    when: Field | None = None
    cases: tuple[tuple[Field, tuple[str, ...]], ...] = ()
    then: tuple[str, ...] = ()
    else_: tuple[str, ...] = ()
    next: tuple[str, ...] = ()
    fail: tuple[str, ...] = ()
    wait_ms: float | None = None
    wait: Field | None = None
    each: Field | None = None
    item: str | None = None
    index: str | None = None
    tool: ToolRef | None = None
    block: Block | None = None
    output_type: Type = ANY
    sets_targets: tuple[str, ...] = ()
    arg_positions: tuple[tuple[str, int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "path": self.path, "kind": self.kind,
                               "line": self.line, "column": self.column,
                               "output_type": str(self.output_type)}
        for key in ("name", "desp", "item", "index", "wait_ms"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.tool is not None:
            out["tool"] = self.tool.to_dict()
        for key in ("only", "args", "sets", "with_", "vars", "when", "wait", "each"):
            value = getattr(self, key)
            if value is not None:
                out[key.rstrip("_")] = value.to_dict()
        if self.cases:
            out["case"] = [{"when": w.to_dict(), "then": list(t)} for w, t in self.cases]
        for key in ("then", "else_", "next", "fail", "sets_targets"):
            value = getattr(self, key)
            if value:
                out[key.rstrip("_")] = list(value)
        if self.block is not None:
            out["block"] = self.block.to_dict()
        return out


@dataclass(frozen=True, slots=True, eq=False)
class Block:
    """One ``node`` block (the flow's, or an ``each``/``loop`` node's sub-flow).

    Attributes:
        nodes: in declaration order.
        edges: every control edge (forward and jump, fail included), in declaration order.
        predecessors: for each node, the sources of its incoming forward edges (its join set).
        starts: nodes without incoming forward edges; they start when the block starts.
        terminals: nodes without outgoing next/then/else/case edges (their outputs make the
            result, §6.6).
        resets: for each jump target, the nodes reachable from it through forward edges
            (itself included): what taking the jump restarts (§6.3).
        variables: the names this block adds to the scope (§3): at the top, the flow's vars
            and node ids; in a sub-flow, the node's vars, the aliases and the inner node ids.
    """

    nodes: tuple[PlanNode, ...]
    edges: tuple[Edge, ...]
    predecessors: Mapping[str, tuple[str, ...]]
    starts: tuple[str, ...]
    terminals: tuple[str, ...]
    resets: Mapping[str, frozenset[str]]
    variables: tuple[str, ...] = ()
    by_id: Mapping[str, PlanNode] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({n.id: n for n in self.nodes}))

    @property
    def forward(self) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if not e.jump)

    @property
    def jumps(self) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.jump)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "start": list(self.starts),
            "terminal": list(self.terminals),
            "edges": [e.to_dict() for e in self.forward],
            "jumps": [e.to_dict() for e in self.jumps],
            "joins": {k: list(v) for k, v in self.predecessors.items() if len(v) > 1},
            "variables": list(self.variables),
        }


@dataclass(frozen=True, slots=True)
class InputSpec:
    """A declared input: its type, whether it may be absent, its default."""

    name: str
    type: Type
    required: bool
    default: Field | None = None
    description: str | None = None

    def as_arg(self) -> ToolArg:
        """The input as an argument of the flow's tool (`Plan.as_tool`)."""
        return ToolArg(self.name, self.type, self.required, self.description,
                       self.default.source() if self.default is not None else None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": str(self.type),
                               "required": self.required}
        if self.default is not None:
            out["default"] = self.default.to_dict()
        if self.description:
            out["description"] = self.description
        return out


PlanStatus = Literal["ok", "errors"]


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """A compiled flow.

    Attributes:
        path: the file the flow came from (as given).
        inputs: declared inputs in declaration order (the built-ins are not listed).
        out: the declared output type (None: not declared, the result passes as it is).
        defs: named types of ``args.defs``.
        vars: the flow's ``vars`` program (object mode).
        block: the top-level node block.
        diagnostics: warnings found while compiling (a plan is only built without errors).
        source: the flow's text (a run keeps it, so a resume compiles what was started).
        executable: False for a plan compiled for checking only (``codegen=False``, what
            the language server does): its GML fields have no closures and evaluating one
            raises `RuntimeError`; compile the flow again to run it.
    """

    name: str
    path: str
    desp: str | None
    inputs: tuple[InputSpec, ...]
    out: Type | None
    defs: Mapping[str, Type]
    vars: Field | None
    block: Block
    diagnostics: tuple[Any, ...] = ()
    source: str = field(default="", repr=False)
    executable: bool = field(default=True, repr=False)

    def as_tool(self, code: str) -> ToolSignature:
        """The flow as the tool ``flow://code`` (tools.md §2, "a flow is also a tool"): its
        inputs (types, required flags, descriptions, defaults as GML source), its ``out``
        (``any`` when not declared) and its ``desp`` (else its name). What a caller of the
        flow is checked against; `compiler.flow_signature` gives the same for a flow that
        is only parsed."""
        return ToolSignature("flow", code, {i.name: i.as_arg() for i in self.inputs},
                             self.out or ANY, self.desp or self.name)

    def nodes(self) -> list[PlanNode]:
        """Every node of the flow, nested ones included, depth first in declaration order."""
        found: list[PlanNode] = []
        _walk(self.block, found)
        return found

    def to_dict(self) -> dict[str, Any]:
        """A readable JSON form (`fdl compile --json`)."""
        return {
            "flow": self.name,
            "path": self.path,
            "desp": self.desp,
            "inputs": [i.to_dict() for i in self.inputs],
            "out": None if self.out is None else str(self.out),
            "defs": {k: _describe(v) for k, v in self.defs.items()},
            "vars": None if self.vars is None else self.vars.to_dict(),
            "block": self.block.to_dict(),
            "warnings": [d.to_dict() for d in self.diagnostics],
        }


def _walk(block: Block, found: list[PlanNode]) -> None:
    # Module level: a nested recursive function would make a reference cycle per call.
    for node in block.nodes:
        found.append(node)
        if node.block is not None:
            _walk(node.block, found)


def _describe(t: Type) -> Any:
    target = deref(t)
    if isinstance(target, ObjectType):
        return {k: str(v) for k, v in target.fields.items()}
    return str(target)
