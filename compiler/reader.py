"""YAML tree → `Flow` model, with the structural rules of spec/fdl.md (E102–E108, E201).

The reader checks shapes, keys and kinds, never GML or types (that is the compiler's job);
it reports every problem it finds and still builds as much of the model as it can, so that
the compiler (and the editor) can go on checking the rest of the file. With a `NodeMemo`
(the editor's, through `compiler.ReuseCache`) the nodes of YAML subtrees read last time are
taken over instead of read again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, cast

from lark.exceptions import LarkError
from pydantic import BaseModel

from gml import GmlError, Span
from gml import nodes as gml_nodes
from gml import parse as gml_parse
from gml.text import suggest
from gml.types import ANY, TypeSyntaxError, parse_type

from ._moved import CannotMove, Offsets, moved
from .diagnostics import Diagnostic, Reporter
from .flow import (
    ArgDecl,
    Args,
    Branch,
    CaseEntry,
    Delay,
    EachSpec,
    Flow,
    Gml,
    Iteration,
    Loop,
    MappingNode,
    Node,
    NodeKind,
    Switch,
    Target,
    ToolCall,
    ToolUri,
    TypeText,
    WaitSpec,
)
from .kinds import ARGS_KEYS, CASE_KEYS, COMMON_KEYS, FLOW_KEYS, KIND_KEYS, KIND_LABELS, NODE_KEYS
from .yamltree import YamlText, YMap, YNode, YScalar, YSeq

__all__ = ["MAX_BLOCK_DEPTH", "NodeMemo", "double_quoted", "looks_like_prose", "quote_hint",
           "read_flow", "reads_as_expression", "suggest"]

MAX_BLOCK_DEPTH = 32
"""How deeply each/loop blocks may nest (a resource limit; deeper is E105)."""

_NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_FIELD_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_ALIAS = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*([A-Za-z_][A-Za-z0-9_]*)\s*)?")
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*")
_URI = re.compile(r"([a-z][a-z0-9+.\-]*)://([^?\s]*)(?:\?(.*))?")
_REQUIRED: dict[str, tuple[str, ...]] = {
    "tool": ("exec",), "mapping": ("with",), "branch": ("when", "then"), "switch": ("case",),
    "delay": ("wait",), "each": ("each", "node"), "loop": ("when", "node")}
_REQUIRED_FIELD = {"with": "with_"}
_MODELS: dict[str, type[BaseModel]] = {
    "tool": ToolCall, "mapping": MappingNode, "branch": Branch, "switch": Switch,
    "delay": Delay, "each": Iteration, "loop": Loop}
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def duration_millis(text: str) -> float | None:
    """``'500ms'``, ``'10s'``, ``'20m'``, ``'1h'``, ``'1d'`` → milliseconds; None otherwise."""
    match = _DURATION.fullmatch(text)
    if match is None:
        return None
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


@cache
def is_type_syntax(text: str) -> bool:
    """Whether ``text`` parses as a type expression (names not resolved)."""
    if not text.strip():
        return False
    try:
        parse_type(text, named=lambda _name: ANY)
    except (TypeSyntaxError, LarkError, RecursionError):
        return False
    return True


def _split_default(text: str) -> int | None:
    """Index of the ``=`` of ``type = default``, if the text has that form."""
    i = text.find("=")
    while i > 0:
        if text[i + 1: i + 2] not in ("=", ">") and text[i - 1] not in "!<>=":
            return i if is_type_syntax(text[:i]) else None
        i = text.find("=", i + 2)
    return None


_TYPE_ATTEMPT = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_\-]*\s*[\[\]<>?\sA-Za-z0-9_\-]*")
"""Text made only of type-expression characters (``string[``, ``map<int``): a type with a
mistake in it, not a default value."""


_EXPRESSION_PARTS = (gml_nodes.Unary, gml_nodes.Binary, gml_nodes.Conditional,
                     gml_nodes.Member, gml_nodes.Index, gml_nodes.Call, gml_nodes.MethodCall,
                     gml_nodes.Case, gml_nodes.Lambda)
"""What makes text an expression rather than a word: an operator, a member access or a
call (spec/fdl.md §1, W214)."""


def _parts(node: gml_nodes.Node) -> Iterator[gml_nodes.Node]:
    yield node
    for f in fields(node):
        value = getattr(node, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, gml_nodes.Node):
                yield from _parts(item)


@cache
def reads_as_expression(text: str) -> bool:
    """Whether single-quoted ``text`` would parse as one GML expression with an operator, a
    member access or a call (``a > 1``, ``customer.name``, ``UPPER(x)``); prose
    (``Hello, Ann``, ``你好。``, ``well-known``, ``N/A``) and a single word or literal
    (``authorized``) do not."""
    if len(text) > 10_000:
        return False
    try:
        program = gml_parse(text)
        statements = program.statements
        if len(statements) != 1 or not isinstance(statements[0], gml_nodes.ExprStmt):
            return False
        parts = [p for p in _parts(statements[0]) if isinstance(p, _EXPRESSION_PARTS)]
        return bool(parts) and not all(_joins_words(p, text) for p in parts)
    except (GmlError, RecursionError):
        return False


def _joins_words(part: gml_nodes.Node, text: str) -> bool:
    """A ``-`` or ``/`` written without blanks between two words or numbers: how prose
    joins words (``well-known``, ``N/A``, ``24/7``, ``read/write``), not arithmetic."""
    if not isinstance(part, gml_nodes.Binary) or part.op not in ("-", "/"):
        return False
    leaves = (gml_nodes.Name, gml_nodes.Literal, gml_nodes.Binary)
    if not isinstance(part.left, leaves) or not isinstance(part.right, leaves):
        return False
    return text[part.left.span.end:part.right.span.start] == part.op


def double_quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar (``\\`` and ``"`` escaped, control
    characters written as escapes)."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
_CAPITALISED_WORD = re.compile(r"[A-Z][a-z]+")
_WORDS = re.compile(r"[A-Za-z][A-Za-z']*(?:[ ,;:]+[A-Za-z][A-Za-z']*)+[.!?]?")
_QUOTE_HINTS = ("G101", "G204")


def looks_like_prose(text: str) -> bool:
    """Whether unquoted text that is not GML looks like it was meant as text: it has
    non-ASCII letters or CJK punctuation (``你好，尊敬的会员。``), is one capitalised word
    (``Hello``), or is words separated by spaces with no operator (``Hello dear member``)."""
    body = text.strip()
    if any(ch.isalpha() and not ch.isascii() for ch in body) or _CJK_PUNCTUATION.search(body):
        return True
    return bool(_CAPITALISED_WORD.fullmatch(body) or _WORDS.fullmatch(body))


def quote_hint(code: str, field: str, text: str) -> str:
    """What to append to a GML error on a plain scalar that looks like prose: how to write
    it as text (single quotes, spec/fdl.md §1); empty when no hint applies."""
    if code not in _QUOTE_HINTS or not looks_like_prose(text):
        return ""
    body = text.strip()
    example = body.replace("'", "''") if len(body) <= 40 and "\n" not in body else "Hello"
    return f"; to write text, quote it in single quotes: {field}: '{example}'"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


@dataclass(frozen=True, slots=True, eq=False)
class _Read:
    """One node read from one YAML subtree: the model and what reading it reported."""

    body: YMap
    key: YScalar
    depth: int
    model: Node | None
    diagnostics: tuple[Diagnostic, ...]
    blocks: tuple[int, ...]


class NodeMemo:
    """The nodes read by the last `read_flow`, by the YAML subtree they were read from.

    A subtree the next YAML tree shares (the same object: `compiler.reuse` keeps the
    unchanged entries of a document's node block) gives the same model and diagnostics, so
    they are taken over instead of read again; a subtree that only moved (``moved``: the
    same text further on or back, `yamltree.shifted`) gives them with their positions
    moved. Only the last read's nodes are kept.
    """

    def __init__(self) -> None:
        self.last: dict[int, _Read] = {}
        self.now: dict[int, _Read] = {}
        self.moved: dict[int, tuple[YMap, YScalar, int]] = {}
        """A new subtree's id → the last tree's subtree, key and how far it moved."""

    def done(self) -> None:
        """A read ended: its nodes are the ones the next read may take over."""
        self.last, self.now, self.moved = self.now, {}, {}


class _Reader:
    def __init__(self, yaml: YamlText, reporter: Reporter, memo: NodeMemo | None = None
                 ) -> None:
        self.yaml = yaml
        self.reporter = reporter
        self.depth = 0
        self.blocks: set[int] = set()
        self.memo = memo
        self.block_log: list[int] = []

    def report(self, code: str, message: str, span: Span, suggestion: str | None = None
               ) -> None:
        self.reporter.report(code, message, span, suggestion=suggestion)

    # ----------------------------------------------------------------- shapes

    def unknown_key(self, key: YScalar, where: str, allowed: Iterable[str]) -> None:
        name = str(key.value)
        hint = suggest(name, allowed)
        message = f"unknown key '{name}' in {where}"
        if hint:
            message += f"; did you mean '{hint}'?"
        else:
            message += f" (allowed: {', '.join(allowed)})"
        self.report("E103", message, key.span, hint)

    def expect_map(self, node: YNode, what: str) -> YMap | None:
        if isinstance(node, YMap):
            return node
        self.report("E105", f"{what} must be a mapping, not {node.describe()}", node.span)
        return None

    def text(self, node: YNode, what: str) -> str | None:
        if isinstance(node, YScalar) and node.kind != "null":
            return str(node.value) if node.kind != "bool" else str(node.value).lower()
        self.report("E105", f"{what} must be text, not {node.describe()}", node.span)
        return None

    def gml(self, node: YNode, what: str, program: bool = False) -> Gml | None:
        """A GML field. ``program`` fields (args, sets, vars) must be text.

        A single-quoted scalar in an expression field is text, a string literal
        (spec/fdl.md §1); W214 when that text reads as an expression. Program fields stay
        GML source however they are quoted: text is never a program.
        """
        if isinstance(node, YScalar):
            if node.kind == "str" and node.style == "'" and not program:
                return self.quoted_text(node, what)
            if node.kind == "str":
                return Gml(str(node.value), None, node.span, Offsets(self.yaml, node),
                           plain=node.style is None and not program)
            if not program:
                return Gml(None, node.value, node.span)
        shape = "a GML program (text; use | for several lines)" if program else (
            "a GML expression (text; use | for several lines) or a literal")
        self.report("E105", f"{what} must be {shape}, not {node.describe()}", node.span)
        return None

    def quoted_text(self, node: YScalar, what: str) -> Gml:
        """A single-quoted scalar: the text literal, with W214 if it reads as an expression."""
        text = str(node.value)
        if reads_as_expression(text):
            field = what.rsplit(".", 1)[-1]
            quoted = double_quoted(text)
            self.reporter.report(
                "W214", f"{what}: a single-quoted value is text, so this is the string "
                f"'{text}', not an expression; for an expression use double quotes: "
                f"{field}: {quoted}", node.span, "warning", quoted)
        return Gml(None, text, node.span)

    def targets(self, node: YNode, what: str) -> tuple[Target, ...]:
        found: list[Target] = []
        if isinstance(node, YSeq):
            for item in node.items:
                if isinstance(item, YScalar) and item.kind == "str":
                    found.extend(self._split_targets(item, what))
                else:
                    self.report("E105", f"{what} lists node ids, not {item.describe()}",
                                item.span)
        elif isinstance(node, YScalar) and node.kind == "str":
            found.extend(self._split_targets(node, what))
        else:
            self.report("E105", f"{what} takes node ids (a, b or a YAML list), not "
                        f"{node.describe()}", node.span)
        return tuple(found)

    def _split_targets(self, scalar: YScalar, what: str) -> list[Target]:
        text = str(scalar.value)
        offsets = Offsets(self.yaml, scalar)
        found: list[Target] = []
        start = 0
        for part in text.split(","):
            lead = len(part) - len(part.lstrip())
            name = part.strip()
            begin = start + lead
            table = offsets()
            span = Span(table[begin], table[min(begin + len(name), len(table) - 1)])
            if not name:
                self.report("E105", f"{what} has an empty node id; remove the extra comma",
                            scalar.span)
            elif not _NODE_ID.fullmatch(name):
                self.report("E105", f"'{name}' is not a node id (letters, digits, _ and -)",
                            span)
            else:
                found.append(Target(name, span))
            start += len(part) + 1
        return found

    # ----------------------------------------------------------------- flow

    def root(self, root: YNode | None) -> Flow | None:
        if not isinstance(root, YMap) or "flow" not in root:
            span = root.span if root is not None else Span(0, 0)
            self.report("E102", "a flow file is a mapping with the root key 'flow' "
                        "(flow: {name: ..., node: {...}})", Span(span.start, span.start))
            return None
        for key, _ in root:
            if key.value != "flow":
                self.unknown_key(key, "the file's root", ("flow",))
        flow_key = root.key("flow")
        node = self.expect_map(cast(YNode, root.get("flow")), "'flow'")
        if node is None or flow_key is None:
            return None
        return self.flow(node, flow_key)

    def flow(self, node: YMap, key: YScalar) -> Flow | None:
        values: dict[str, Any] = {}
        for k, v in node:
            name = str(k.value)
            if name not in FLOW_KEYS:
                self.unknown_key(k, "'flow'", FLOW_KEYS)
            elif name in ("name", "desp"):
                values[name] = self.text(v, f"flow.{name}")
            elif name == "args":
                values["args"] = self.args(v)
            elif name == "vars":
                values["vars"] = self.gml(v, "flow.vars", program=True)
            elif name == "node":
                values["node"] = self.block(v, "flow.node")
        for required in ("name", "node"):
            if required not in node:
                self.report("E102", f"the flow has no '{required}'; add "
                            f"{'a name: ...' if required == 'name' else 'a node: block'}",
                            key.span)
        if values.get("name") is None or values.get("node") is None:
            return None
        return Flow.model_construct(
            name=values["name"], desp=values.get("desp"),
            args=values.get("args") or Args.model_construct(inputs={}, out=None, defs={}),
            vars=values.get("vars"), node=values["node"])

    # ----------------------------------------------------------------- args

    def args(self, node: YNode) -> Args:
        inputs: dict[str, ArgDecl] = {}
        out: dict[str, ArgDecl] | TypeText | None = None
        defs: dict[str, dict[str, ArgDecl] | TypeText] = {}
        mapping = self.expect_map(node, "'args'")
        for k, v in mapping or ():
            name = str(k.value)
            if name == "in":
                fields = self.expect_map(v, "'args.in'")
                inputs = self.fields(fields, "args.in", defaults=True) if fields else {}
            elif name == "out":
                out = self.type_or_fields(v, "args.out")
            elif name == "defs":
                for dk, dv in self.expect_map(v, "'args.defs'") or ():
                    if self.field_name(dk):
                        shape = self.type_or_fields(dv, f"args.defs.{dk.value}")
                        if shape is not None:
                            defs[str(dk.value)] = shape
            else:
                self.unknown_key(k, "'args'", ARGS_KEYS)
        return Args.model_construct(inputs=inputs, out=out, defs=defs)

    def field_name(self, key: YScalar) -> bool:
        if _FIELD_NAME.fullmatch(str(key.value)):
            return True
        self.report("E105", f"'{key.value}' is not a field name (ASCII letters, digits, _ "
                    "and -)", key.span)
        return False

    def type_or_fields(self, node: YNode, what: str) -> dict[str, ArgDecl] | TypeText | None:
        if isinstance(node, YMap):
            return self.fields(node, what, defaults=False)
        if isinstance(node, YScalar) and node.kind == "str":
            return self.type_text(node, 0, len(str(node.value)))
        self.report("E107", f"{what} takes a type (string, Order[]) or a mapping of fields, "
                    f"not {node.describe()}", node.span)
        return None

    def type_text(self, scalar: YScalar, start: int, end: int) -> TypeText:
        text = str(scalar.value)[start:end]
        lead = len(text) - len(text.lstrip())
        body = text.strip()
        table = Offsets(self.yaml, scalar)()
        s = table[start + lead]
        return TypeText(body, Span(s, table[start + lead + len(body) - 1] + 1 if body else s))

    def fields(self, node: YMap, what: str, defaults: bool) -> dict[str, ArgDecl]:
        found: dict[str, ArgDecl] = {}
        for k, v in node:
            if not self.field_name(k):
                continue
            decl = self.arg(k, v, f"{what}.{k.value}", defaults)
            if decl is not None:
                found[str(k.value)] = decl
        return found

    def arg(self, key: YScalar, node: YNode, what: str, defaults: bool) -> ArgDecl | None:
        name = str(key.value)
        description = self.yaml.comment_after(node)
        if not isinstance(node, YScalar) or node.kind == "null":
            hint = " (declare nested structures in args.defs)" if isinstance(node, YMap) else ""
            self.report("E107", f"{what} needs a type such as string or int?, not "
                        f"{node.describe()}{hint}", key.span if isinstance(node, YScalar)
                        else node.span)
            return ArgDecl.model_construct(name=name, type=None, default=None,
                                           description=description, span=key.span)
        span = Span(key.span.start, node.span.end)
        if node.kind != "str":
            if not defaults:
                self.report("E107", f"{what} needs a type, not {node.describe()}", node.span)
                return None
            return ArgDecl.model_construct(name=name, type=None,
                                           default=Gml(None, node.value, node.span),
                                           description=description, span=span)
        text = str(node.value)
        if defaults and node.style == "'" and text.strip():
            # `channel: 'pos'`: a text default, not a type (a blank one is a missing type)
            return ArgDecl.model_construct(name=name, type=None, description=description,
                                           default=self.quoted_text(node, what), span=span)
        if is_type_syntax(text):
            return ArgDecl.model_construct(name=name, type=self.type_text(node, 0, len(text)),
                                           default=None, description=description, span=span)
        eq = _split_default(text)
        if eq is None and _TYPE_ATTEMPT.fullmatch(text):
            self.report("E107", f"{what}: '{text.strip()}' is not a type: write a name such as "
                        "string, int?, Order[] or map<int>", node.span)
            return ArgDecl.model_construct(name=name, type=None, default=None,
                                           description=description, span=span)
        if not defaults:
            self.report("E107", f"{what}: '{text}' is not a type", node.span)
            return None
        offsets = Offsets(self.yaml, node)
        if eq is None:
            return ArgDecl.model_construct(name=name, type=None, description=description,
                                           default=Gml(text, None, node.span, offsets),
                                           span=span)
        default_text = text[eq + 1:]
        lead = len(default_text) - len(default_text.lstrip())
        body = default_text.strip()
        begin = eq + 1 + lead
        if not body:
            self.report("E107", f"{what}: nothing after '='; give a default value",
                        node.span)
            return None
        return ArgDecl.model_construct(
            name=name, type=self.type_text(node, 0, eq), description=description, span=span,
            default=Gml(body, None, node.span, offsets.part(begin, begin + len(body))))

    # ----------------------------------------------------------------- nodes

    def block(self, node: YNode, what: str) -> dict[str, Node] | None:
        mapping = self.expect_map(node, f"'{what}'")
        if mapping is None:
            return None
        if id(mapping) in self.blocks:
            self.report("E201", "this node block is used a second time through a YAML alias; "
                        "node ids must be unique in the whole flow, so write a new block",
                        node.span)
            return None
        self.blocks.add(id(mapping))
        self.block_log.append(id(mapping))
        if self.depth >= MAX_BLOCK_DEPTH:
            self.report("E105", f"node blocks are nested more than {MAX_BLOCK_DEPTH} deep; "
                        "move the inner part into a sub-flow (flow://)", node.span)
            return None
        self.depth += 1
        try:
            return self._block(mapping)
        finally:
            self.depth -= 1

    def _block(self, mapping: YMap) -> dict[str, Node]:
        nodes: dict[str, Node] = {}
        for k, v in mapping:
            node_id = str(k.value)
            if not _NODE_ID.fullmatch(node_id):
                self.report("E105", f"'{node_id}' is not a node id (an ASCII letter or _, "
                            "then ASCII letters, digits, _ and -)", k.span)
                continue
            body = self.expect_map(v, f"node '{node_id}'")
            if body is None:
                continue
            built = (self.node(node_id, k, body) if self.memo is None
                     else self.memo_node(self.memo, node_id, k, body))
            if built is not None:
                nodes[node_id] = built
        return nodes

    def memo_node(self, memo: NodeMemo, node_id: str, key: YScalar, body: YMap
                  ) -> Node | None:
        """`node`, or what the last read found for the same subtree (`NodeMemo`)."""
        read = memo.last.get(id(body))
        if (read is not None and read.body is body and read.key is key
                and read.depth == self.depth and self.blocks.isdisjoint(read.blocks)):
            self.reporter.diagnostics.extend(read.diagnostics)
            self.blocks.update(read.blocks)
            self.block_log.extend(read.blocks)
        elif (again := self.moved_node(memo, key, body)) is not None:
            read = again
        else:
            reported, logged = len(self.reporter.diagnostics), len(self.block_log)
            model = self.node(node_id, key, body)
            read = _Read(body, key, self.depth, model,
                         tuple(self.reporter.diagnostics[reported:]),
                         tuple(self.block_log[logged:]))
        memo.now[id(body)] = read
        return read.model

    def moved_node(self, memo: NodeMemo, key: YScalar, body: YMap) -> _Read | None:
        """The last read of a subtree that only moved, moved along (None when there is
        none, or it cannot be moved: then the node is read again)."""
        source = memo.moved.get(id(body))
        if source is None or body.span.start != source[0].span.start + source[2]:
            return None
        old_body, old_key, delta = source
        read = memo.last.get(id(old_body))
        if (read is None or read.body is not old_body or read.key is not old_key
                or read.depth != self.depth
                or any("line" in d.message for d in read.diagnostics)):
            return None  # a position written in words would not move
        # Its nested blocks are new objects, as in a read from scratch: none is in `blocks`.
        try:
            model = moved(read.model, delta, self.yaml)
        except CannotMove:  # pragma: no cover - every model value is known
            return None
        diagnostics = tuple(
            self.reporter.report(d.code, d.message, Span(d.span.start + delta,
                                                         d.span.end + delta),
                                 d.severity, d.suggestion)
            for d in read.diagnostics)
        return _Read(body, key, self.depth, model, diagnostics, ())

    def kind(self, node_id: str, key: YScalar, body: YMap) -> NodeKind | None:
        keys = set(body.keys())
        deciders: list[tuple[NodeKind, str]] = []
        for decider, kind in (("exec", "tool"), ("each", "each"), ("case", "switch"),
                              ("wait", "delay"), ("then", "branch")):
            if decider in keys:
                deciders.append((cast(NodeKind, kind), decider))
        if "node" in keys and "each" not in keys:
            deciders.append(("loop", "node"))
        if len(deciders) > 1:
            parts = ", ".join(f"'{k}' makes {_a(KIND_LABELS[kind])}" for kind, k in deciders)
            span = cast(YScalar, body.key(deciders[1][1])).span
            self.report("E106", f"node '{node_id}' mixes two kinds: {parts}; a node has one "
                        "kind, so split it into two nodes", span)
            return None
        if deciders:
            kind, decider = deciders[0]
            needs = {"each": ("node", "'each' needs a 'node' block to run per element"),
                     "loop": ("when", "a 'node' block needs 'each' (iteration) or 'when' "
                              "(loop)"),
                     "branch": ("when", "'then' needs a 'when' condition")}.get(kind)
            if needs and needs[0] not in keys:
                self.report("E104", f"node '{node_id}': {needs[1]}",
                            cast(YScalar, body.key(decider)).span)
                return None
            return kind
        if "with" in keys:
            return "mapping"
        if "when" in keys:
            self.report("E104", f"node '{node_id}': 'when' needs 'then' (a branch) or 'node' "
                        "(a loop)", cast(YScalar, body.key("when")).span)
            return None
        if keys <= NODE_KEYS:
            self.report("E106", f"the kind of node '{node_id}' cannot be decided: give it "
                        "exec (tool call), with (mapping), when + then (branch), case "
                        "(switch), wait (delay), each + node (iteration) or when + node "
                        "(loop)", key.span)
        return None

    def node(self, node_id: str, key: YScalar, body: YMap) -> Node | None:
        kind = self.kind(node_id, key, body)
        allowed = COMMON_KEYS + (KIND_KEYS[kind] if kind else ())
        for k, _ in body:
            name = str(k.value)
            if kind is None and name in NODE_KEYS:
                continue
            if name not in allowed:
                if kind is not None and name in NODE_KEYS:
                    owners = [KIND_LABELS[o] for o, keys in KIND_KEYS.items() if name in keys]
                    self.report("E103", f"'{name}' is not a key of {_a(KIND_LABELS[kind])} "
                                f"node (it belongs to: {', '.join(owners)})", k.span)
                else:
                    self.unknown_key(k, f"node '{node_id}'", allowed if kind else NODE_KEYS)
        if kind is None:
            return None
        values: dict[str, Any] = {"id": node_id, "id_span": key.span,
                                  "span": Span(key.span.start, body.span.end), "kind": kind}
        where = f"{node_id}."
        for k, v in body:
            name = str(k.value)
            if name in allowed:
                values[{"with": "with_", "else": "else_"}.get(name, name)] = self.node_value(
                    name, v, where + name)
        if any(values.get(_REQUIRED_FIELD.get(r, r)) is None for r in _REQUIRED[kind]):
            return None
        return cast(Node, _MODELS[kind].model_construct(**{k: v for k, v in values.items()
                                                     if v is not None}))

    def node_value(self, name: str, node: YNode, what: str) -> Any:
        if name in ("name", "desp"):
            return self.text(node, what)
        if name in ("args", "sets", "vars"):
            return self.gml(node, what, program=True)
        if name in ("with", "when", "only"):
            return self.gml(node, what)
        if name in ("next", "then", "else", "fail"):
            return self.targets(node, what)
        if name == "exec":
            return self.uri(node, what)
        if name == "case":
            return self.case(node, what)
        if name == "wait":
            return self.wait(node, what)
        if name == "each":
            return self.each(node, what)
        if name == "node":
            return self.block(node, what)
        raise AssertionError(name)  # pragma: no cover - keys are filtered by the kind table

    def uri(self, node: YNode, what: str) -> ToolUri | None:
        if not (isinstance(node, YScalar) and node.kind == "str"):
            self.report("E105", f"{what} takes a tool URI such as api://crm-service/customer, "
                        f"not {node.describe()}", node.span)
            return None
        text = str(node.value).strip()
        match = _URI.fullmatch(text)
        if match is None or not match.group(2):
            self.report("E105", f"{what}: '{text}' is not a tool URI; write "
                        "type://code[?option=value], e.g. db://shop.order/list", node.span)
            return None
        offsets = Offsets(self.yaml, node)
        lead = len(str(node.value)) - len(str(node.value).lstrip())
        options: list[tuple[str, str, Span]] = []
        if match.group(3):
            position = match.start(3)
            for part in match.group(3).split("&"):
                table = offsets()
                span = Span(table[lead + position],
                            table[min(lead + position + len(part), len(table) - 1)])
                option, sep, value = part.partition("=")
                if not option or not sep:
                    self.report("E105", f"{what}: option '{part}' must be name=value", span)
                elif any(option == given for given, _, _ in options):
                    self.report("E105", f"{what}: option '{option}' is given twice", span)
                else:
                    options.append((option, value, span))
                position += len(part) + 1
        return ToolUri(text, match.group(1), match.group(2), tuple(options), node.span)

    def case(self, node: YNode, what: str) -> list[CaseEntry] | None:
        if not isinstance(node, YSeq) or not node.items:
            self.report("E105", f"{what} takes a list of entries '- when: ... then: ...'",
                        node.span)
            return None
        entries: list[CaseEntry] = []
        for i, item in enumerate(node.items):
            entry = self.expect_map(item, f"{what}[{i}]")
            if entry is None:
                continue
            for k, _ in entry:
                if k.value not in CASE_KEYS:
                    self.unknown_key(k, f"{what}[{i}]", CASE_KEYS)
            missing = [k for k in CASE_KEYS if k not in entry]
            if missing:
                self.report("E104", f"{what}[{i}] needs '{missing[0]}'", entry.span)
                continue
            when = self.gml(cast(YNode, entry.get("when")), f"{what}[{i}].when")
            then = self.targets(cast(YNode, entry.get("then")), f"{what}[{i}].then")
            if when is not None:
                entries.append(CaseEntry.model_construct(when=when, then=then,
                                                         span=entry.span))
        return entries

    def wait(self, node: YNode, what: str) -> WaitSpec | None:
        if isinstance(node, YScalar):
            if node.kind in ("int", "float") and node.value >= 0 and node.value < float("inf"):
                return WaitSpec(float(node.value), None, node.span)
            if node.kind == "str":
                millis = duration_millis(str(node.value))
                if millis is not None:
                    return WaitSpec(millis, None, node.span)
                expr = self.gml(node, what)
                return WaitSpec(None, expr, node.span)
        self.report("E108", f"{what} takes milliseconds (5000), a duration ('500ms', '10s', "
                    "'20m', '1h', '1d') or a GML expression", node.span)
        return None

    def each(self, node: YNode, what: str) -> EachSpec | None:
        if not (isinstance(node, YScalar) and node.kind == "str"):
            self.report("E108", f"{what} takes 'source => item' or 'source => item, index'",
                        node.span)
            return None
        text = str(node.value)
        arrow = text.rfind("=>")
        alias = _ALIAS.fullmatch(text[arrow + 2:]) if arrow >= 0 else None
        source = text[:arrow] if arrow >= 0 else ""
        if alias is None or not source.strip():
            self.report("E108", f"{what}: '{text}' is not 'source => item[, index]' (e.g. "
                        "orders => order, i)", node.span)
            return None
        offsets = Offsets(self.yaml, node)
        lead = len(source) - len(source.lstrip())
        body = source.strip()
        table = offsets()
        base = arrow + 2

        def span(group: int) -> Span:
            return Span(table[base + alias.start(group)], table[base + alias.end(group)])

        return EachSpec(
            Gml(body, None, node.span, offsets.part(lead, lead + len(body))),
            alias.group(1), alias.group(2), span(1), span(2) if alias.group(2) else Span(0, 0))


def read_flow(root: YNode | None, yaml: YamlText, reporter: Reporter,
              memo: NodeMemo | None = None) -> Flow | None:
    """Build the `Flow` model from a loaded YAML tree, reporting structural problems.

    With a ``memo``, the nodes read from subtrees the last read's tree shares are taken
    over from it (`NodeMemo`)."""
    try:
        return _Reader(yaml, reporter, memo).root(root)
    finally:
        if memo is not None:
            memo.done()
