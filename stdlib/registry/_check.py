"""Checking a ToolSpec's ``args`` through FDL's own reader and type resolver, with field paths
for every problem (spec/tools.md §2, §3); its adapter ``config`` is `_adapters`' job.

``args`` is read by the same code that reads a flow's ``args`` (`compiler.reader`, then
`compiler.argtypes.TypeResolver`), so a tool and a flow accept exactly the same syntax and the
same types. That code reads a positioned YAML tree. A spec loaded from a file passes the
file's tree (problems get lines and columns); a spec built in Python (or read back from the
registry) passes a tree *built* from its plain ``args`` mapping by `build_tree`, which writes a
text for the values as it goes, so no YAML is parsed and the reader's offsets stay valid.
Every diagnostic is turned into a `SpecProblem` whose ``field`` is the path of the YAML node
under the diagnostic (``args.in.id``), found by `field_at`.

Plain ``args`` take a shortcut first (`analyse_plain`): when every entry is a plain type
text (``id: string``, ``out: Customer[]``, a ``defs`` record of typed fields; no defaults),
the types are resolved straight from the mapping, by the same resolver, and the reader's
`compiler.flow.Args` model is only built if someone asks for it (`ArgsAnalysis.args`). Anything
else, and anything the resolver reports, goes the whole way through the reader, so the
problems of a spec are always the reader's. This is what makes registering thousands of
generated or imported tools cheap (``benchmarks/registry_bench.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import gml
from compiler.argtypes import BUILTIN_INPUTS, TypeResolver, is_required, literal_type
from compiler.catalog import ToolArg
from compiler.diagnostics import Diagnostic, Reporter
from compiler.flow import ArgDecl, Args, Gml, TypeText
from compiler.reader import _FIELD_NAME, _Reader, is_type_syntax
from compiler.yamltree import YamlText, YMap, YNode, YScalar, YSeq
from gml import GmlError, Source, Span
from gml.types import (
    ANY,
    ArrayType,
    MapType,
    Nullable,
    RefType,
    Type,
    TypeSyntaxError,
    assignable,
    nullable,
    parse_type,
    strip_null,
)

from ._problems import SpecProblem

__all__ = ["ArgsAnalysis", "analyse_args", "build_tree", "field_at", "node_at",
           "problems_from"]

"""Inputs bound from the run context, never by the caller (tools.md §4)."""

_TYPE_CACHE: dict[str, _Parsed | None] = {}
_FIELD_CACHE: dict[str, _Decl] = {}
_TYPE_CACHE_SIZE = 4096


# --------------------------------------------------------------------- field paths


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def field_at(root: YNode | None, offset: int, prefix: str = "", end: int | None = None
             ) -> str:
    """The path of the innermost field whose key or value holds ``offset`` (a mapping or
    list whose whole range is ``offset``..``end`` is named itself, not its first entry)."""
    node = root
    path = prefix
    while node is not None:
        if isinstance(node, YMap):
            for key, value in node.entries:
                if key.span.start <= offset < max(key.span.end, key.span.start + 1):
                    return _join(path, str(key.value))
                if value.span.start <= offset <= value.span.end:
                    path = _join(path, str(key.value))
                    if (value.span.start, value.span.end) == (offset, end):
                        return path
                    node = value
                    break
            else:
                return path
        elif isinstance(node, YSeq):
            for i, item in enumerate(node.items):
                if item.span.start <= offset <= item.span.end:
                    path = _join(path, i)
                    node = item
                    break
            else:
                return path
        else:
            return path
    return path


def node_at(root: YNode | None, loc: Sequence[str | int]) -> YNode | YScalar | None:
    """The node at a path of keys and indexes (the key itself when the last step names a
    missing value), or the deepest existing node on the way."""
    node = root
    for step in loc:
        if isinstance(node, YMap) and isinstance(step, str) and step in node:
            nxt = node.get(step)
            if nxt is None:  # pragma: no cover - `in` checked
                return node
            node = nxt
        elif isinstance(node, YSeq) and isinstance(step, int) and 0 <= step < len(node.items):
            node = node.items[step]
        else:
            return node
    return node


def problems_from(diagnostics: Sequence[Diagnostic], root: YNode | None, prefix: str,
                  path: str | None) -> list[SpecProblem]:
    """Reporter diagnostics as problems naming their field (positions and ranges kept when
    ``path``)."""
    found = []
    for d in diagnostics:
        if path is None:
            found.append(SpecProblem(field_at(root, d.span.start, prefix, d.span.end),
                                     d.message, d.code, d.severity))
        else:
            found.append(SpecProblem(field_at(root, d.span.start, prefix, d.span.end),
                                     d.message, d.code, d.severity, path, d.line, d.column,
                                     d.span))
    return found


# --------------------------------------------------------------------- built trees


class _TreeWriter:
    """Writes a positioned tree for plain values, one text line per mapping entry.

    The text is never parsed: the reader only maps scalar offsets (`YamlText.offsets`, a
    straight copy for a one-line plain scalar) and reads end-of-line comments. So a string
    is written as it is, unless it has a line break: then as a JSON string, which is a
    valid YAML double-quoted scalar for the offset mapping.
    """

    def __init__(self, descriptions: Mapping[str, str]) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.descriptions = descriptions

    def write(self, text: str) -> Span:
        start = self.pos
        self.parts.append(text)
        self.pos += len(text)
        return Span(start, self.pos)

    def scalar(self, value: Any) -> YScalar:
        if isinstance(value, str):
            if "\n" in value or "\r" in value:
                return YScalar(value, "str", '"',
                               self.write(json.dumps(value, ensure_ascii=False)))
            return YScalar(value, "str", None, self.write(value))
        if isinstance(value, bool):
            return YScalar(value, "bool", None, self.write("true" if value else "false"))
        if value is None:
            return YScalar(None, "null", None, self.write("null"))
        if isinstance(value, int):
            return YScalar(value, "int", None, self.write(str(value)))
        if isinstance(value, float):
            return YScalar(value, "float", None, self.write(repr(value)))
        return YScalar(str(value), "str", None, self.write(str(value)))  # pragma: no cover

    def inline(self, value: Any) -> YNode:
        if isinstance(value, Mapping):
            start = self.write("{").start
            entries = []
            for i, (k, v) in enumerate(value.items()):
                if i:
                    self.write(", ")
                key = YScalar(str(k), "str", None, self.write(str(k)))
                self.write(": ")
                entries.append((key, self.inline(v)))
            return YMap(tuple(entries), Span(start, self.write("}").end))
        if isinstance(value, list | tuple):
            start = self.write("[").start
            items = []
            for i, item in enumerate(value):
                if i:
                    self.write(", ")
                items.append(self.inline(item))
            return YSeq(tuple(items), Span(start, self.write("]").end))
        return self.scalar(value)

    def block(self, value: Mapping[Any, Any], indent: int, where: str) -> YMap:
        if not value:
            return YMap((), self.write("{}"))
        entries = []
        pad = "\n" + " " * indent
        parts = self.parts
        first = self.pos + len(pad)
        end = first
        for k, v in value.items():
            name = str(k)
            start = self.pos + len(pad)
            parts.append(pad)
            parts.append(name)
            parts.append(": ")
            self.pos = start + len(name) + 2
            key = YScalar(name, "str", None, Span(start, start + len(name)))
            path = f"{where}.{name}" if where else name
            if isinstance(v, str) and "\n" not in v and "\r" not in v:  # the common case
                node: YNode = YScalar(v, "str", None, Span(self.pos, self.pos + len(v)))
                parts.append(v)
                self.pos += len(v)
            elif isinstance(v, Mapping):
                node = self.block(v, indent + 4, path)
            else:
                node = self.scalar(v) if not isinstance(v, list | tuple) else self.inline(v)
            if not isinstance(v, Mapping):
                description = self.descriptions.get(path)
                if description:
                    self.write("  # " + " ".join(description.split()))
            entries.append((key, node))
            end = node.span.end
        return YMap(tuple(entries), Span(first, end))


def build_tree(args: Mapping[str, Any], descriptions: Mapping[str, str]
               ) -> tuple[YamlText, YMap]:
    """A positioned tree (and its text) for a plain ``args`` mapping; ``descriptions``
    (``in.id`` → text) become the end-of-line comments the reader takes as descriptions."""
    writer = _TreeWriter(descriptions)
    tree = writer.block(args, 0, "")
    return YamlText("".join(writer.parts) + "\n"), tree


# --------------------------------------------------------------------- args


@dataclass(frozen=True, slots=True)
class ArgsAnalysis:
    """What a spec's ``args`` declare, as the compiler sees it.

    Attributes:
        model: the `compiler.flow.Args` model, or a function that reads it (see `args`).
        inputs: every declared input as a `compiler.ToolArg` (built-ins included).
        defaults: the default of each input that has one.
        out: the result type (None when ``out`` is not declared: the tool returns ``any``).
        defs: the named types.
        descriptions: the argument comments, keyed ``in.<name>``, ``out.<field>`` and
            ``defs.<Type>.<field>``.
        problems: what is wrong with ``args`` (filled by the caller).
    """

    model: Args | Callable[[], Args] = field(repr=False, compare=False)
    inputs: Mapping[str, ToolArg]
    defaults: Mapping[str, Gml]
    out: Type | None
    defs: Mapping[str, Type]
    descriptions: Mapping[str, str]
    problems: tuple[SpecProblem, ...] = field(default=())

    @property
    def args(self) -> Args:
        """The `compiler.flow.Args` model (type texts, defaults, descriptions, with spans in the
        file or in the text of `build_tree`). Nothing in the registry needs it, so the
        shortcut of `analyse_plain` reads it only here, on first use."""
        if not isinstance(self.model, Args):
            object.__setattr__(self, "model", self.model())
        return cast(Args, self.model)

    def with_problems(self, problems: tuple[SpecProblem, ...]) -> ArgsAnalysis:
        """The same analysis with ``problems``."""
        return ArgsAnalysis(self.model, self.inputs, self.defaults, self.out, self.defs,
                            self.descriptions, problems)


def _placeholder(name: str) -> Type:
    return RefType(name, _unresolved)


def _unresolved(_name: str) -> Type | None:
    return None


class _Parsed(NamedTuple):
    """A parsed type text: its type with its ``defs`` name (a type expression has at most
    one: ``Order``, ``Order[]?``, ``map<Order>``) left as a placeholder `RefType`."""

    type: Type
    name: str | None


def _template(text: str) -> _Parsed | None:
    """``text`` parsed, or None when it does not parse. Cached: parsing is most of the
    cost of checking a spec, and generated or imported specs repeat a handful of type
    texts."""
    if text in _TYPE_CACHE:
        return _TYPE_CACHE[text]
    try:
        t = parse_type(text, named=_placeholder)
    except (TypeSyntaxError, RecursionError):
        found = None
    else:
        leaf = t
        while isinstance(leaf, Nullable | ArrayType | MapType):
            leaf = (leaf.inner if isinstance(leaf, Nullable) else
                    leaf.element if isinstance(leaf, ArrayType) else leaf.value)
        found = _Parsed(t, leaf.name if isinstance(leaf, RefType) else None)
    if len(_TYPE_CACHE) < _TYPE_CACHE_SIZE:
        _TYPE_CACHE[text] = found
    return found


def _rebind(t: Type, ref: Type) -> Type:
    """``t`` with its placeholder replaced by ``ref``, built as the type grammar's
    transformer builds it (`gml.types.nullable` for ``?``)."""
    if isinstance(t, Nullable):
        return nullable(_rebind(t.inner, ref))
    if isinstance(t, ArrayType):
        return ArrayType(_rebind(t.element, ref))
    if isinstance(t, MapType):
        return MapType(_rebind(t.value, ref))
    return ref


class _Resolver(TypeResolver):
    """`TypeResolver` with a cache of parsed type texts (`_template`): a text's type is
    the cached one with its ``defs`` name bound to this resolver's ``defs``, exactly what
    parsing it again would give. Texts that do not parse, or name a type that ``defs``
    does not declare, take the resolver's own path, with its diagnostics."""

    def parse(self, text: TypeText) -> Type:
        parsed = _template(text.text)
        if parsed is None:
            return super().parse(text)
        if parsed.name is None:
            return parsed.type
        if parsed.name not in self.types:
            return super().parse(text)
        return _rebind(parsed.type, RefType(parsed.name, self.types.get))


def _default_type(name: str, default: Gml, names: Mapping[str, Type],
                  reporter: Reporter) -> Type:
    """The static type of an input's default (a YAML literal or a GML expression), with
    its GML problems reported at the default."""
    if default.is_literal:
        return literal_type(default.literal)
    try:
        _program, checked = gml.default_environment().compile_checked(default.text or "",
                                                                      names)
    except GmlError as error:
        span = error.span or Span(0, len(default.text or ""))
        reporter.report(error.code, f"the default of '{name}': {error.message}",
                        default.file_span(span.start, span.end))
        return ANY
    for d in checked.errors:
        reporter.report(d.code, f"the default of '{name}': {d.message}",
                        default.file_span(d.span.start, d.span.end))
    return strip_null(checked.result) if not checked.errors else ANY


def analyse_args(node: YNode | None, yaml: YamlText, reporter: Reporter) -> ArgsAnalysis:
    """Read ``args`` with FDL's reader and resolve its types; problems go to ``reporter``.

    Input types follow the flow compiler: a declared type, else the type of the default; an
    input is required when its type is neither nullable nor ``any`` and it has no default.
    """
    args = _Reader(yaml, reporter).args(node) if node is not None else Args.model_construct(
        inputs={}, out=None, defs={})
    types = _Resolver(args.defs, reporter)
    names: dict[str, Type] = dict(BUILTIN_INPUTS)
    inputs: dict[str, ToolArg] = {}
    defaults: dict[str, Gml] = {}
    descriptions: dict[str, str] = {}
    for name, decl in args.inputs.items():
        declared = types.parse(decl.type) if decl.type is not None else None
        t = declared if declared is not None else ANY
        if decl.default is not None:
            defaults[name] = decl.default
            found = _default_type(name, decl.default, names, reporter)
            if declared is None:
                t = found
            elif not assignable(found, declared):
                reporter.report("E304", f"the default of '{name}' is {found}, but {declared} "
                                "is declared", decl.default.span)
        inputs[name] = ToolArg(name, t, is_required(declared, decl.default is not None),
                               decl.description,
                               decl.default.source() if decl.default is not None else None)
        names[name] = t
        if decl.description:
            descriptions[f"in.{name}"] = decl.description
    out = types.shape(args.out) if args.out is not None else None
    if isinstance(args.out, Mapping):
        descriptions.update({f"out.{f}": d.description for f, d in args.out.items()
                             if d.description})
    for type_name, shape in args.defs.items():
        if isinstance(shape, Mapping):
            descriptions.update({f"defs.{type_name}.{f}": d.description
                                 for f, d in shape.items() if d.description})
    return ArgsAnalysis(args, inputs, defaults, out, dict(types.types), descriptions)


# --------------------------------------------------------------------- plain args


class _NotPlain(Exception):
    """The shortcut of `analyse_plain` met something it leaves to the reader."""


class _Decl(NamedTuple):
    """A field that is a plain type text: what `TypeResolver.shape` reads of an
    `compiler.flow.ArgDecl` (``type``), and for a text of primitives only its type and whether
    an input of that type is required (`is_required`), which no ``defs`` can change."""

    type: TypeText
    fixed: tuple[Type, bool] | None = None


def _plain_fields(value: Any) -> dict[str, _Decl]:
    """A mapping of fields whose values are all plain type texts (``id: string``); what the
    reader reads as ``ArgDecl(type=...)`` without a default."""
    if not isinstance(value, Mapping):
        raise _NotPlain
    found: dict[str, _Decl] = {}
    for name, text in value.items():
        decl = _FIELD_CACHE.get(text) if isinstance(text, str) else None
        if decl is None:
            decl = _plain_field(text)
        if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
            raise _NotPlain
        found[name] = decl
    return found


def _plain_field(text: Any) -> _Decl:
    """A field's value that the reader reads as a type (`is_type_syntax`), on one line."""
    if (not isinstance(text, str) or "\n" in text or "\r" in text
            or not is_type_syntax(text)):
        raise _NotPlain
    body = text.strip()
    parsed = _template(body)
    decl = _Decl(TypeText(body), (parsed.type, is_required(parsed.type, False))
                 if parsed is not None and parsed.name is None else None)
    if len(_FIELD_CACHE) < _TYPE_CACHE_SIZE:
        _FIELD_CACHE[text] = decl
    return decl


def _plain_shape(value: Any) -> dict[str, _Decl] | TypeText:
    """``out`` or a ``defs`` entry: a type text or a mapping of typed fields."""
    if isinstance(value, str):
        if "\n" in value or "\r" in value:
            raise _NotPlain
        return TypeText(value.strip())
    return _plain_fields(value)


def _comments(descriptions: Mapping[str, str]) -> dict[str, str]:
    """The descriptions as the reader reads them back from the comments `build_tree`
    writes (on one line, spaces collapsed; blank ones are no comment)."""
    found = {}
    for path, text in descriptions.items():
        if text and (comment := " ".join(text.split())):
            found[path] = comment
    return found


def _analyse_shortcut(args: Mapping[str, Any], descriptions: Mapping[str, str]
                      ) -> ArgsAnalysis:
    """`analyse_args` of the tree `build_tree` would write, for ``args`` made of plain type
    texts only, without the tree and without the reader's models.

    Raises:
        _NotPlain: anything else (defaults, other value kinds, bad names, multi-line
            texts), or when the resolver reports a problem (the reader reports it then,
            at its field).
    """
    inputs: dict[str, _Decl] = {}
    out: dict[str, _Decl] | TypeText | None = None
    defs: dict[str, dict[str, _Decl] | TypeText] = {}
    for key, value in args.items():
        if key == "in":
            inputs = _plain_fields(value)
        elif key == "out":
            out = _plain_shape(value)
        elif key == "defs" and isinstance(value, Mapping):
            for name, shape in value.items():
                if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
                    raise _NotPlain
                defs[name] = _plain_shape(shape)
        else:
            raise _NotPlain
    reporter = Reporter("<spec>", Source(""))
    types = _Resolver(cast("Mapping[str, Mapping[str, ArgDecl] | TypeText]", defs), reporter)
    comments = _comments(descriptions) if descriptions else {}
    found: dict[str, ToolArg] = {}
    notes: dict[str, str] = {}
    for name, decl in inputs.items():
        if decl.fixed is not None:
            declared, required = decl.fixed
        else:
            declared = types.parse(decl.type)
            required = is_required(declared, False)
        description = comments.get(f"in.{name}") if comments else None
        found[name] = ToolArg(name, declared, required, description, None)
        if description:
            notes[f"in.{name}"] = description
    out_type = None
    if out is not None:
        out_type = types.shape(cast("Mapping[str, ArgDecl] | TypeText", out))
    if comments:
        shapes = [("out", out), *((f"defs.{n}", shape) for n, shape in defs.items())]
        for where, shape in shapes:
            if isinstance(shape, Mapping):
                notes.update({path: comments[path] for f in shape
                              if (path := f"{where}.{f}") in comments})
    if reporter.diagnostics:
        raise _NotPlain
    return ArgsAnalysis(lambda: _read_plain(args, descriptions)[0], found, {}, out_type,
                        dict(types.types), notes)


def _read_plain(args: Mapping[str, Any], descriptions: Mapping[str, str]
                ) -> tuple[Args, ArgsAnalysis]:
    """The reader's way for plain ``args``: `build_tree`, then `analyse_args`."""
    yaml, tree = build_tree(args, descriptions)
    reporter = Reporter("<spec>", Source(yaml.text))
    analysis = analyse_args(tree, yaml, reporter)
    problems = problems_from(reporter.sorted(), tree, "args", None)
    return analysis.args, analysis.with_problems(tuple(problems))


def analyse_plain(args: Mapping[str, Any], descriptions: Mapping[str, str], *,
                  shortcut: bool = True) -> ArgsAnalysis:
    """`analyse_args` for a plain ``args`` mapping (no file): problems without positions.

    Args:
        shortcut: try `_analyse_shortcut` first (the same result, see the module
            docstring); False always goes through `build_tree` and the reader.
    """
    if shortcut:
        try:
            return _analyse_shortcut(args, descriptions)
        except _NotPlain:
            pass
    return _read_plain(args, descriptions)[1]
