"""The flow model: what a loaded FDL file says, with the position of every part.

The models are pydantic models (their JSON Schema, `compiler.schema`, is the structure of a
flow file for YAML editors); the values that carry positions are small frozen classes:

- `Gml`: the text of a GML field, with a map from offsets in the text to offsets in the file
  (so a GML diagnostic lands on the right line and column), or a YAML literal (`with: 42`);
- `Target`: one node id in `next`/`then`/`else`/`fail`;
- `TypeText`: a type expression in `args`;
- `ToolUri`: an `exec` URI split into type, code and options.

Models are built by `compiler.reader.read_flow` (positions, diagnostics); building them by
hand (tests, generated flows) works too, with empty positions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from gml import Span

from .kinds import NodeKind

__all__ = [
    "ArgDecl",
    "Args",
    "Branch",
    "CaseEntry",
    "Delay",
    "EachSpec",
    "Flow",
    "FlowFile",
    "Gml",
    "Iteration",
    "Loop",
    "MappingNode",
    "Node",
    "NodeKind",
    "Switch",
    "Target",
    "ToolCall",
    "ToolUri",
    "TypeText",
    "WaitSpec",
]


NO_SPAN = Span(0, 0)


@dataclass(frozen=True, slots=True, eq=False)
class Gml:
    """A GML field: program text (or a YAML literal) and where each character is in the file.

    Attributes:
        text: the GML text, or None when the field holds a non-string YAML scalar.
        literal: that scalar's value (when ``text`` is None).
        span: the range of the whole YAML scalar in the file.
        offsets: file offset of every position of ``text`` (``len(text) + 1`` entries).
        plain: whether ``text`` is a whole plain (unquoted) YAML scalar, the way prose
            written without quotes arrives (used to hint "quote it" on a GML error).

    A single-quoted scalar is text (spec/fdl.md §1): the reader gives it as a string
    ``literal``, never as GML source.
    """

    text: str | None
    literal: Any = None
    span: Span = NO_SPAN
    offsets: Callable[[], list[int]] | None = field(default=None, repr=False)
    plain: bool = False

    @property
    def is_literal(self) -> bool:
        return self.text is None

    def source(self) -> str:
        """The field as GML source: its text, or its YAML literal written as GML (a JSON
        literal is a GML literal). What a tool argument's default is kept as
        (`compiler.ToolArg.default`), whichever way the default was written."""
        if self.text is not None:
            return self.text
        return json.dumps(self.literal, ensure_ascii=False)

    def file_span(self, start: int, end: int) -> Span:
        """The file range of ``text[start:end]``."""
        if self.offsets is None or self.text is None:
            return self.span
        table = self.offsets()
        last = len(table) - 1
        s = table[max(0, min(start, last))]
        if end <= start:
            return Span(s, s)
        e = table[max(0, min(end - 1, last))] + 1 if end - 1 < last else table[last]
        return Span(s, max(s, e))

    def __str__(self) -> str:
        return self.text if self.text is not None else repr(self.literal)


_GML_SCHEMA = WithJsonSchema({"type": ["string", "number", "boolean", "null"],
                              "description": "GML expression or program"})
_PROGRAM_SCHEMA = WithJsonSchema({"type": "string", "description": "GML program"})
_TARGETS_SCHEMA = WithJsonSchema({"anyOf": [{"type": "string"},
                                            {"type": "array", "items": {"type": "string"}}],
                                  "description": "node ids, comma-separated or a list"})
GmlField = Annotated[Gml, _GML_SCHEMA]
ProgramField = Annotated[Gml, _PROGRAM_SCHEMA]


@dataclass(frozen=True, slots=True)
class Target:
    """A node id named in `next`, `then`, `else` or `fail`."""

    id: str
    span: Span = NO_SPAN


Targets = Annotated[tuple[Target, ...], _TARGETS_SCHEMA]


@dataclass(frozen=True, slots=True)
class TypeText:
    """A type expression as written (``Order[]?``), with its range."""

    text: str
    span: Span = NO_SPAN


@dataclass(frozen=True, slots=True)
class ToolUri:
    """``type://code?option=value&...``."""

    text: str
    type: str
    code: str
    options: tuple[tuple[str, str, Span], ...] = ()
    span: Span = NO_SPAN

    @property
    def base(self) -> str:
        """The URI without options (how mocks and catalogs name the tool)."""
        return f"{self.type}://{self.code}"

    def option(self, name: str) -> str | None:
        for key, value, _ in self.options:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class EachSpec:
    """``source => item[, index]``."""

    source: Gml
    item: str
    index: str | None = None
    item_span: Span = NO_SPAN
    index_span: Span = NO_SPAN


@dataclass(frozen=True, slots=True)
class WaitSpec:
    """A fixed delay in milliseconds, or a GML expression computing one."""

    millis: float | None = None
    expr: Gml | None = None
    span: Span = NO_SPAN


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True,
                              populate_by_name=True)


class ArgDecl(_Model):
    """One field of `args.in`/`args.out`/a `defs` type: its type and/or default."""

    name: SkipJsonSchema[str]
    type: SkipJsonSchema[TypeText | None] = None
    default: SkipJsonSchema[Gml | None] = None
    description: SkipJsonSchema[str | None] = None
    span: SkipJsonSchema[Span] = NO_SPAN


_ARG_SCHEMA = WithJsonSchema({
    "type": ["string", "number", "boolean"],
    "description": "a type (string, int?, Order[]), 'type = default', or a bare default"})
ArgField = Annotated[ArgDecl, _ARG_SCHEMA]


class Args(_Model):
    """``args``: typed inputs, the output type and named types."""

    inputs: dict[str, ArgField] = Field(default_factory=dict, alias="in")
    out: Annotated[dict[str, ArgField] | TypeText | None, WithJsonSchema({
        "anyOf": [{"type": "string"}, {"type": "object",
                                       "additionalProperties": {"type": "string"}}]})] = None
    defs: dict[str, Annotated[dict[str, ArgField] | TypeText, WithJsonSchema({
        "anyOf": [{"type": "string"}, {"type": "object",
                                       "additionalProperties": {"type": "string"}}]})]] = (
        Field(default_factory=dict))


class _NodeBase(_Model):
    id: SkipJsonSchema[str] = ""
    id_span: SkipJsonSchema[Span] = NO_SPAN
    span: SkipJsonSchema[Span] = NO_SPAN
    name: str | None = None
    desp: str | None = None
    only: GmlField | None = None

    kind: SkipJsonSchema[NodeKind] = "mapping"

    def targets(self) -> list[tuple[str, Target]]:
        """Every outgoing target with the key that names it (``next``, ``then``, ...)."""
        return []


class _Flowing(_NodeBase):
    next: Targets = ()
    fail: Targets = ()

    def targets(self) -> list[tuple[str, Target]]:
        return [("next", t) for t in self.next] + [("fail", t) for t in self.fail]


class ToolCall(_Flowing):
    """A tool call node (decided by ``exec``)."""

    kind: SkipJsonSchema[NodeKind] = "tool"
    exec: Annotated[ToolUri, WithJsonSchema({"type": "string", "pattern": "^[a-z][a-z0-9+.-]*://"})]
    args: ProgramField | None = None
    sets: ProgramField | None = None
    with_: GmlField | None = Field(default=None, alias="with")


class MappingNode(_Flowing):
    """A mapping node (``with`` without ``exec``, ``each`` or ``node``)."""

    kind: SkipJsonSchema[NodeKind] = "mapping"
    with_: GmlField = Field(alias="with")
    sets: ProgramField | None = None


class Branch(_NodeBase):
    """``when`` + ``then`` [+ ``else``]."""

    kind: SkipJsonSchema[NodeKind] = "branch"
    when: GmlField
    then: Targets
    else_: Targets = Field(default=(), alias="else")

    def targets(self) -> list[tuple[str, Target]]:
        return [("then", t) for t in self.then] + [("else", t) for t in self.else_]


class CaseEntry(_Model):
    """One ``case`` entry."""

    when: GmlField
    then: Targets
    span: SkipJsonSchema[Span] = NO_SPAN


class Switch(_NodeBase):
    """``case`` [+ ``else``]."""

    kind: SkipJsonSchema[NodeKind] = "switch"
    case: list[CaseEntry]
    else_: Targets = Field(default=(), alias="else")

    def targets(self) -> list[tuple[str, Target]]:
        found = [(f"case[{i}]", t) for i, entry in enumerate(self.case) for t in entry.then]
        return found + [("else", t) for t in self.else_]


class Delay(_NodeBase):
    """``wait``."""

    kind: SkipJsonSchema[NodeKind] = "delay"
    wait: Annotated[WaitSpec, WithJsonSchema({"type": ["integer", "string"],
                                              "description": "ms, '10s', '5m', or GML"})]
    next: Targets = ()

    def targets(self) -> list[tuple[str, Target]]:
        return [("next", t) for t in self.next]


class _Block(_Flowing):
    vars: ProgramField | None = None
    node: dict[str, Node]
    with_: GmlField | None = Field(default=None, alias="with")
    sets: ProgramField | None = None


class Iteration(_Block):
    """``each`` + ``node``: one sub-flow run per element, one after another."""

    kind: SkipJsonSchema[NodeKind] = "each"
    each: Annotated[EachSpec, WithJsonSchema({"type": "string",
                                              "description": "source => item[, index]"})]


class Loop(_Block):
    """``when`` + ``node``: the sub-flow runs while ``when`` is truthy."""

    kind: SkipJsonSchema[NodeKind] = "loop"
    when: GmlField


Node = ToolCall | MappingNode | Branch | Switch | Delay | Iteration | Loop


class Flow(_Model):
    """The ``flow`` mapping."""

    name: str
    desp: str | None = None
    args: Args = Field(default_factory=Args)
    vars: ProgramField | None = None
    node: dict[str, Node]

    def calls_tools(self) -> bool:
        """Whether any node, at any depth (``each`` and ``loop`` blocks), calls a tool."""
        stack: list[Any] = list(self.node.values())
        while stack:
            node = stack.pop()
            if isinstance(node, ToolCall):
                return True
            inner = getattr(node, "node", None)
            if isinstance(inner, dict):
                stack.extend(inner.values())
        return False


class FlowFile(_Model):
    """A flow file: one root key, ``flow``."""

    flow: Flow


Iteration.model_rebuild()
Loop.model_rebuild()
Flow.model_rebuild()
FlowFile.model_rebuild()

