"""Schemas as FDL types (fdl.md §2): references, components, combinations, objects and
primitives, and the ``defs`` table they fill.

`Schemas.schema` is the entry point: a ``$ref`` to ``components/schemas`` becomes the
component's def (translated on first use), any other local ``$ref`` is followed in place;
``oneOf``/``anyOf`` with a ``null`` alternative make a type nullable, one remaining
alternative (or several of one simple type) is translated, more are ``any``; ``allOf`` of
objects is merged into one object type; an object with properties becomes a def (a
component keeps its name, an inline object gets one from where it is); everything else is
a primitive (`primitive`).

Recursion through ``components/schemas`` is kept (FDL types may be recursive): a component
is entered in the table before its fields are translated, and component objects wait in a
queue (`Schemas.drain`) so that a long chain of components is translated one after another,
not by recursion as deep as the chain. Recursion through any other reference is ``any``.

The parts, from the bottom up:

- **Names** (`FIELD_NAME`, `TYPE_NAME`, `pascal`, `unique`, `one_line`, `join`): pure text
  work. Query and body arguments travel under their own names, so they must be FDL field
  names (`FIELD_NAME`); properties that are not are left out.
- **Translated types and object shapes.** `Typed` is a translated schema (an FDL type text
  plus what the description and the optionality of a field need). `ObjectShape` is an
  object schema with its ``allOf`` parts merged: the properties (each with its pointer),
  which are required, and what ``additionalProperties`` said. `object_shape` finds it,
  following ``$ref``s; the other functions are small predicates on raw schema mappings.
- **JSON types and formats** (`json_type`, `primitive`). ``string`` → ``string`` (``date``
  for ``format: date``/``date-time``); ``integer`` → ``long`` (``int`` for ``int32`` and
  smaller); ``number`` → ``double`` (``decimal`` for ``format: decimal``); ``boolean`` →
  ``bool``; arrays → ``T[]``; objects without properties → ``map<T>``; no type → ``any``.
  ``enum`` and ``const`` keep the base type and become notes (``one of: new, paid``); so do
  formats FDL has no type for (``format: uuid``). Item and value schemas are translated by
  the caller's ``translate`` (`Schemas.schema`), so these functions need no state.
- **The defs table** (`Defs`), shared by every tool of one document. A component becomes a
  def the first time an operation uses it, under its own name when that is an FDL type name
  (else a cleaned one, chosen up front so that names do not depend on the order of use); an
  inline object becomes a def named after where it is (``CreateOrderAddress``). Each tool
  then carries exactly the defs it uses, transitively (`Defs.closure`), in the order they
  were first used. A def is a mapping of fields (an object) or a type text (an alias such as
  ``Order[]``). Aliases that lead back to themselves only through aliases are no FDL type
  (E107): they become ``any`` (`Defs.resolve_alias_cycles`).
- **The translation** (`Schemas`): the entry point above, sharing one `Defs` table across
  the tools of a document.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from gml.types import PRIMITIVES

from .load import Document, at, unescape

__all__ = ["ANY", "ANY_TYPED", "FIELD_NAME", "MAX_ENUM_SHOWN", "RESERVED_TYPES", "TYPE_NAME",
           "WORDS", "Defs", "ObjectShape", "Report", "Schemas", "Translate", "Typed",
           "annotation_only", "default_of", "join", "json_kind", "json_type", "null_in_type",
           "object_shape", "one_line", "pascal", "primitive", "simple_type", "single_part",
           "unique"]


# ---------------------------------------------------------------- names


FIELD_NAME = re.compile(r"[A-Za-z0-9_\-]+")
"""An FDL field name (and so a query or body argument name)."""
TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
"""An FDL type name (also used to find the names a type text mentions)."""
WORDS = re.compile(r"[A-Za-z0-9]+")
"""The words of a name: runs of ASCII letters and digits."""


def pascal(text: str) -> str:
    """``create order`` / ``create-order`` / ``createOrder`` → ``CreateOrder``."""
    return "".join(w[:1].upper() + w[1:] for w in WORDS.findall(text))


def one_line(text: Any) -> str | None:
    """A description on one line (None for no text or only white space)."""
    if not isinstance(text, str):
        return None
    joined = " ".join(text.split())
    return joined or None


def join(*parts: str | None) -> str | None:
    """Description parts joined with ``; `` (their own trailing punctuation dropped)."""
    kept = [p.rstrip(".;, ") for p in parts if p]
    return "; ".join(kept) or None


def unique(name: str, taken: Iterable[str], suffix: str = "") -> str:
    """``name``, or ``name + suffix``, or ``name + suffix + 2, 3, ...``: the first not taken."""
    taken = set(taken)
    if name not in taken:
        return name
    if suffix and name + suffix not in taken:
        return name + suffix
    number = 2
    while f"{name}{suffix}{number}" in taken:
        number += 1
    return f"{name}{suffix}{number}"


# ---------------------------------------------------------------- types and object shapes


ANY = "any"

_ANNOTATIONS = frozenset({"description", "title", "nullable", "readOnly", "writeOnly",
                          "example", "examples", "default", "deprecated", "externalDocs",
                          "xml", "$comment"})


@dataclass(frozen=True, slots=True)
class Typed:
    """A translated schema: an FDL type text (no trailing ``?``), whether it is nullable,
    and notes for the description (enum values, formats)."""

    text: str
    nullable: bool = False
    notes: tuple[str, ...] = ()
    read_only: bool = False
    write_only: bool = False
    description: str | None = None

    def written(self, optional: bool) -> str:
        """The type text with ``?`` when optional or nullable (``any`` never gets one)."""
        return self.text + ("?" if (optional or self.nullable) and self.text != ANY else "")


ANY_TYPED = Typed(ANY)


@dataclass(slots=True)
class ObjectShape:
    """The properties of an object schema (``allOf`` parts merged), each with its pointer."""

    properties: dict[str, tuple[Any, str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    extra: Any = None
    extra_pointer: str = ""
    parts: int = 0
    nullable: bool = False


def object_shape(node: Any, pointer: str, target: Callable[[str], Any],
                 absolute: Callable[[str, str], str]) -> ObjectShape | None:
    """The properties of an object schema (following local ``$ref``s through ``target``
    and merging ``allOf`` parts), or None when the schema is not an object with
    properties."""
    shape = _collect(node, pointer, (), target, absolute)
    if shape is None or not shape.properties:
        return None
    return shape


def _collect(node: Any, pointer: str, seen: tuple[str, ...], target: Callable[[str], Any],
             absolute: Callable[[str, str], str]) -> ObjectShape | None:
    if not isinstance(node, Mapping):
        return None
    raw = node.get("$ref")
    if isinstance(raw, str):
        ref = absolute(raw, pointer)
        if ref in seen:
            return None
        found = target(ref)
        return _collect(found, ref, (*seen, ref), target, absolute) \
            if found is not None else None
    kind = node.get("type")
    if not (kind in ("object", None) or (isinstance(kind, list) and "object" in kind)):
        return None
    if kind is None and any(k in node for k in ("items", "enum", "oneOf", "anyOf", "const")):
        return None
    shape = ObjectShape(nullable=node.get("nullable") is True or null_in_type(node))
    parts = node.get("allOf")
    if isinstance(parts, list):
        for i, part in enumerate(parts):
            sub = _collect(part, at(pointer, "allOf", i), seen, target, absolute)
            if sub is None:
                return None
            shape.properties.update(sub.properties)
            shape.required |= sub.required
            shape.parts += sub.parts
            if sub.extra is not None:
                shape.extra, shape.extra_pointer = sub.extra, sub.extra_pointer
    properties = node.get("properties")
    if isinstance(properties, Mapping) and properties:
        shape.parts += 1
        for name, value in properties.items():
            shape.properties[str(name)] = (value, at(pointer, "properties", str(name)))
    required = node.get("required")
    if isinstance(required, list):
        shape.required |= {str(r) for r in required}
    if "additionalProperties" in node:
        shape.extra = node["additionalProperties"]
        shape.extra_pointer = at(pointer, "additionalProperties")
    return shape


def annotation_only(node: Any) -> bool:
    """A schema that only annotates (``description``, ``nullable``, ``x-...``): an
    ``allOf`` part beside one real schema, as in 3.0's ``allOf: [{$ref: X}]`` idiom."""
    return isinstance(node, Mapping) and all(
        k in _ANNOTATIONS or str(k).startswith("x-") for k in node)


def single_part(node: Any) -> bool:
    """``allOf`` with one real part and no own properties: an alias of that part."""
    if not isinstance(node, Mapping) or node.get("properties"):
        return False
    parts = node.get("allOf")
    return isinstance(parts, list) and sum(not annotation_only(p) for p in parts) == 1


def null_in_type(node: Mapping[str, Any]) -> bool:
    """A 3.1 type list that allows null (``type: [string, "null"]``)."""
    kind = node.get("type")
    return isinstance(kind, list) and "null" in kind


def simple_type(node: Any) -> bool:
    """A schema with one primitive ``type`` and no structure (for ``oneOf`` of formats)."""
    return (isinstance(node, Mapping) and node.get("type") in ("string", "integer", "number",
                                                                "boolean")
            and not any(k in node for k in ("$ref", "oneOf", "anyOf", "allOf", "properties")))


def json_kind(value: Any) -> str:
    """The JSON type of a value (of an ``enum`` or ``const``)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def default_of(schema: Any) -> Any:
    """A schema's ``default`` (None without one)."""
    if isinstance(schema, Mapping) and "default" in schema:
        return schema["default"]
    return None


# ---------------------------------------------------------------- JSON types and formats


MAX_ENUM_SHOWN = 20
"""How many enum values an argument description lists."""

Report = Callable[[str, str], None]
"""Reports a problem: ``(pointer, message)``."""
Translate = Callable[[Any, str, str], Typed]
"""Translates a schema: ``(node, pointer, hint)``."""

_INTEGER_FORMATS = {"int32": "int", "int64": "long", "int8": "int", "int16": "int",
                    "uint8": "int", "uint16": "int", "uint32": "long"}
_NUMBER_FORMATS = {"float": "double", "double": "double", "decimal": "decimal"}
_DATE_FORMATS = frozenset({"date", "date-time"})


def json_type(node: Mapping[str, Any], pointer: str, report: Report
              ) -> tuple[str | None, bool]:
    """The JSON type of a schema (inferred when not given) and whether null is allowed by
    a 3.1 type list."""
    kind = node.get("type")
    nullable = False
    if isinstance(kind, list):
        nullable = "null" in kind
        rest = [k for k in kind if k != "null"]
        if len(rest) > 1:
            report(at(pointer, "type"), f"a value of several types "
                   f"({', '.join(map(str, rest))}) is not translated: typed any")
            return None, nullable
        kind = rest[0] if rest else None
    if kind is None:
        if "properties" in node or "additionalProperties" in node:
            kind = "object"
        elif "items" in node:
            kind = "array"
        elif "const" in node:
            kind = json_kind(node["const"]) if node["const"] is not None else "null"
        elif isinstance(node.get("enum"), list) and node["enum"]:
            kinds = {json_kind(v) for v in node["enum"] if v is not None}
            kind = kinds.pop() if len(kinds) == 1 else None
    if kind is not None and not isinstance(kind, str):
        report(at(pointer, "type"), f"the type {kind!r} is not a JSON type: typed any")
        return None, nullable
    return kind, nullable


def primitive(node: Mapping[str, Any], kind: str | None, pointer: str, hint: str,
              report: Report, translate: Translate) -> Typed:
    """A schema that is not a reference, a combination or an object with properties."""
    notes: list[str] = []
    enum = node.get("enum")
    if isinstance(enum, list) and enum:
        shown = ", ".join(json.dumps(v, ensure_ascii=False, default=str)
                          if not isinstance(v, str)
                          else v for v in enum[:MAX_ENUM_SHOWN])
        more = f" (and {len(enum) - MAX_ENUM_SHOWN} more)" if len(enum) > MAX_ENUM_SHOWN \
            else ""
        notes.append(f"one of: {shown}{more}")
        if None in enum:
            node = {**node, "nullable": True}
    if "const" in node:
        notes.append(f"always {json.dumps(node['const'], ensure_ascii=False, default=str)}")
    fmt = node.get("format")
    fmt = fmt if isinstance(fmt, str) else None
    text = ANY
    if kind == "string":
        text = "string"
        if fmt in _DATE_FORMATS:
            text = "date"
            if fmt == "date":
                notes.append("format: date (a day)")
        elif fmt == "binary":
            report(at(pointer, "format"), "binary data (format: binary) cannot be sent or "
                   "received as JSON text: typed string")
        elif fmt == "byte":
            notes.append("base64")
        elif fmt:
            notes.append(f"format: {fmt}")
    elif kind == "integer":
        text = _INTEGER_FORMATS.get(fmt or "int64", "")
        if not text:
            report(at(pointer, "format"), f"the integer format '{fmt}' is not known: typed "
                   "long")
            text = "long"
    elif kind == "number":
        text = _NUMBER_FORMATS.get(fmt or "double", "")
        if not text:
            if fmt in _INTEGER_FORMATS:
                text = _INTEGER_FORMATS[fmt]
            else:
                report(at(pointer, "format"), f"the number format '{fmt}' is not known: "
                       "typed double")
                text = "double"
    elif kind == "boolean":
        text = "bool"
    elif kind == "array":
        items = node.get("items")
        if items is None:
            text = "any[]"
        else:
            inner = translate(items, at(pointer, "items"), hint + "Item")
            text = f"{inner.text}[]"
            notes.extend(f"items {n}" for n in inner.notes)
    elif kind == "object":
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping) and extra:
            inner = translate(extra, at(pointer, "additionalProperties"), hint + "Value")
            text = f"map<{inner.written(False)}>"
        else:
            text = "map<any>"
    elif kind == "null":
        return Typed(ANY, nullable=True)
    elif kind is not None:
        report(at(pointer, "type"), f"the type '{kind}' is not a JSON type: typed any")
    return Typed(text, nullable=node.get("nullable") is True, notes=tuple(notes))


# ---------------------------------------------------------------- the defs table


RESERVED_TYPES = frozenset({*PRIMITIVES, "map"})
"""Names a def cannot have."""


class Defs:
    """The defs of one document, filled as operations use components.

    Attributes:
        types: def name → its fields (an object) or its type text (an alias).
        descriptions: def name → field name → description.
        notes: def name → notes of an alias (enum values, formats).
        nullable: the defs whose schema allows null.
        objects: the defs that are objects (fields).
        pointers: def name → the pointer of its schema.
        used: component name → def name, for the components translated so far.
        reserved: component name → the def name it gets when used.
    """

    __slots__ = ("descriptions", "notes", "nullable", "objects", "pointers", "reserved",
                 "types", "used")

    def __init__(self, components: Iterable[object]) -> None:
        self.types: dict[str, dict[str, str] | str] = {}
        self.descriptions: dict[str, dict[str, str]] = {}
        self.notes: dict[str, tuple[str, ...]] = {}
        self.nullable: set[str] = set()
        self.objects: set[str] = set()
        self.pointers: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.reserved: dict[str, str] = {}
        taken: set[str] = set()
        for name in components:
            text = str(name)
            clean = re.sub(r"[^A-Za-z0-9_\-]", "_", text)
            if not clean or not (clean[0].isalpha() or clean[0] == "_"):
                clean = "T" + clean
            if clean in RESERVED_TYPES:
                clean = clean[:1].upper() + clean[1:]
                if clean in RESERVED_TYPES:  # pragma: no cover - primitives are lower case
                    clean += "Type"
            clean = unique(clean, taken)
            taken.add(clean)
            self.reserved[text] = clean

    def fresh(self, hint: str) -> str:
        """A name for an inline object's def, made from ``hint`` and not taken."""
        base = hint if TYPE_NAME.fullmatch(hint) and hint not in RESERVED_TYPES else "T" + hint
        return unique(base, {*self.types, *self.reserved.values()})

    def resolve_alias_cycles(self, report: Report) -> None:
        """Aliases (``A: B[]``) that lead back to themselves only through aliases are not
        FDL types (E107): they become ``any``."""
        aliases = {name: [w for w in TYPE_NAME.findall(shape) if isinstance(
            self.types.get(w), str)] for name, shape in self.types.items()
            if isinstance(shape, str)}
        for start in list(aliases):
            if self.types[start] == ANY:
                continue
            stack, seen = list(aliases[start]), set()
            while stack:
                current = stack.pop()
                if current == start:
                    report(self.pointers.get(start, "#"), f"the schema '{start}' is defined "
                           "only through itself (no object in between): typed any")
                    self.types[start] = ANY
                    break
                if current not in seen:
                    seen.add(current)
                    stack.extend(aliases.get(current, ()))

    def closure(self, texts: Iterable[str]) -> list[str]:
        """The defs the type texts use, transitively, in the order of ``types``."""
        used: set[str] = set()
        stack = [w for text in texts for w in TYPE_NAME.findall(text) if w in self.types]
        while stack:
            name = stack.pop()
            if name in used:
                continue
            used.add(name)
            shape = self.types[name]
            for text in (shape.values() if isinstance(shape, dict) else (shape,)):
                stack.extend(w for w in TYPE_NAME.findall(text) if w in self.types)
        return [name for name in self.types if name in used]


# ---------------------------------------------------------------- schemas


_UNSUPPORTED_KEYWORDS = ("not", "if", "patternProperties", "dependentSchemas", "prefixItems",
                         "contains")


class Schemas:
    """The schema translation of one document, sharing one `Defs` table across its tools.

    Attributes:
        doc: the document (references, problems).
        defs: the defs translated so far.
    """

    __slots__ = ("_active", "_pending", "defs", "doc")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.defs = Defs(doc.schemas)
        self._active: list[str] = []            # non-component refs being translated
        self._pending: deque[tuple[str, ObjectShape, str]] = deque()

    # ------------------------------------------------------------------ objects

    def object_of(self, node: Any, pointer: str) -> ObjectShape | None:
        """The properties of an object schema (following ``$ref``s and merging ``allOf``
        parts), or None when the schema is not an object with properties."""
        return object_shape(node, pointer, self.doc.target, self.doc.absolute)

    def shape_problems(self, shape: ObjectShape, pointer: str) -> None:
        """Report what merging an object's parts left out or changed."""
        if shape.parts > 1:
            self.doc.problem(pointer, f"allOf of {shape.parts} object schemas is merged into "
                             "one object type (their properties together)")
        if shape.extra not in (None, False) and shape.extra != {}:
            self.doc.problem(shape.extra_pointer or pointer, "additionalProperties beside "
                             "properties is not translated: only the declared properties "
                             "are fields (FDL object types are closed)")

    def fields(self, shape: ObjectShape, pointer: str, owner: str
               ) -> tuple[dict[str, str], dict[str, str]]:
        """FDL fields (and their descriptions) for the properties of an object."""
        self.shape_problems(shape, pointer)
        found: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        for name, (node, where) in shape.properties.items():
            if not FIELD_NAME.fullmatch(name):
                self.doc.problem(where, f"the property '{name}' is left out: FDL field names "
                                 "are ASCII letters, digits, _ and -")
                continue
            typed = self.schema(node, where, owner + pascal(name))
            optional = (name not in shape.required or typed.read_only or typed.write_only)
            found[name] = typed.written(optional)
            text = join(typed.description, *typed.notes)
            if text:
                descriptions[name] = text
        return found, descriptions

    def new_def(self, hint: str, shape: ObjectShape, pointer: str) -> str:
        """A def for an inline object, named after where it is (``CreateOrderAddress``)."""
        defs = self.defs
        name = defs.fresh(hint)
        defs.types[name] = ANY
        defs.objects.add(name)
        defs.pointers[name] = pointer
        fields, descriptions = self.fields(shape, pointer, name)
        defs.types[name] = fields
        if descriptions:
            defs.descriptions[name] = descriptions
        return name

    # ------------------------------------------------------------------ components

    def component(self, name: str, pointer: str) -> Typed:
        """The def of ``components/schemas/<name>`` (translated on first use)."""
        defs = self.defs
        known = defs.used.get(name)
        if known is None:
            if name not in self.doc.schemas:
                self.doc.problem(pointer, f"the $ref to the schema '{name}' points at "
                                 "nothing: typed any")
                return ANY_TYPED
            known = defs.reserved[name]
            defs.used[name] = known
            where = at("#/components/schemas", name)
            if known != name:
                self.doc.problem(where, f"the schema '{name}' is the type '{known}' (FDL type "
                                 "names are ASCII letters, digits, _ and -, not a primitive)")
            defs.pointers[known] = where
            defs.types[known] = ANY           # placeholder: keeps first-use order
            self._define(known, self.doc.schemas[name], where)
        return Typed(known, nullable=known in defs.nullable, notes=defs.notes.get(known, ()))

    def _define(self, def_name: str, node: Any, pointer: str) -> None:
        """Fill the def from a schema: fields for an object with properties (later, by
        `drain`), else a type text (an alias, now)."""
        defs = self.defs
        shape = None if isinstance(node, Mapping) and "$ref" in node else self.object_of(
            node, pointer)
        if shape is not None and not single_part(node):
            if shape.nullable:
                defs.nullable.add(def_name)
            self._pending.append((def_name, shape, pointer))
            defs.objects.add(def_name)
            return
        typed = self.schema(node, pointer, def_name)
        defs.types[def_name] = typed.text
        if typed.nullable:
            defs.nullable.add(def_name)
        if typed.notes:
            defs.notes[def_name] = typed.notes

    def drain(self) -> None:
        """Translate the fields of the component objects used so far."""
        while self._pending:
            def_name, shape, pointer = self._pending.popleft()
            fields, descriptions = self.fields(shape, pointer, def_name)
            self.defs.types[def_name] = fields
            if descriptions:
                self.defs.descriptions[def_name] = descriptions

    def args_of(self, inputs: Mapping[str, Any], out: Any, descriptions: dict[str, str]
                ) -> dict[str, Any]:
        """A ToolSpec's ``args`` for these inputs and output (type texts, or an object of
        them): the component types they use, translated now with alias cycles resolved, as
        ``defs``; the descriptions of those types' fields are added to ``descriptions``."""
        texts = [*inputs.values(), *(out.values() if isinstance(out, dict) else
                                     [out] if out is not None else [])]
        self.drain()
        self.defs.resolve_alias_cycles(self.doc.problem)
        defs: dict[str, Any] = {}
        for def_name in self.defs.closure(texts):
            defs[def_name] = self.defs.types[def_name]
            for field_name, text in self.defs.descriptions.get(def_name, {}).items():
                descriptions[f"defs.{def_name}.{field_name}"] = text
        args: dict[str, Any] = {}
        if defs:
            args["defs"] = defs
        if inputs:
            args["in"] = dict(inputs)
        if out is not None:
            args["out"] = out
        return args

    # ------------------------------------------------------------------ schemas

    def schema(self, node: Any, pointer: str, hint: str) -> Typed:
        """The FDL type of a schema; ``hint`` names inline objects hoisted into ``defs``."""
        if node is True or (isinstance(node, Mapping) and not node):
            return ANY_TYPED
        if not isinstance(node, Mapping):
            self.doc.problem(pointer, "this schema is not a mapping: typed any")
            return ANY_TYPED
        typed = self._schema(node, pointer, hint)
        return replace(typed, nullable=typed.nullable or node.get("nullable") is True,
                       description=one_line(node.get("description")) or typed.description,
                       read_only=node.get("readOnly") is True,
                       write_only=node.get("writeOnly") is True)

    def _schema(self, node: Mapping[str, Any], pointer: str, hint: str) -> Typed:
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self.reference(self.doc.absolute(ref, pointer), pointer, hint)
        for keyword in _UNSUPPORTED_KEYWORDS:
            if keyword in node:
                self.doc.problem(at(pointer, keyword), f"'{keyword}' is not translated "
                                 "(FDL types have no equivalent); it is ignored")
        for keyword in ("oneOf", "anyOf"):
            if keyword not in node:
                continue
            if "properties" in node or "allOf" in node:
                self.doc.problem(at(pointer, keyword), f"{keyword} beside properties or "
                                 "allOf is not translated; it is ignored")
                continue
            return self.alternatives(node, keyword, pointer, hint)
        parts = node.get("allOf")
        if isinstance(parts, list) and single_part(node):
            i, part = next((i, p) for i, p in enumerate(parts) if not annotation_only(p))
            typed = self.schema(part, at(pointer, "allOf", i), hint)
            return replace(typed, nullable=typed.nullable or any(
                isinstance(p, Mapping) and p.get("nullable") is True for p in parts))
        if "properties" in node or "allOf" in node:
            shape = self.object_of(node, pointer)
            if shape is not None:
                return Typed(self.new_def(hint, shape, pointer), nullable=shape.nullable)
            if "allOf" in node:
                self.doc.problem(at(pointer, "allOf"), "allOf of schemas that are not all "
                                 "objects is not translated: typed any")
                return ANY_TYPED
        kind, nullable = json_type(node, pointer, self.doc.problem)
        typed = primitive(node, kind, pointer, hint, self.doc.problem, self.schema)
        return replace(typed, nullable=typed.nullable or nullable)

    def reference(self, ref: str, pointer: str, hint: str) -> Typed:
        """The type a schema ``$ref`` (a place: `Document.absolute`) leads to."""
        if not ref.startswith("#") and self.doc.target(ref) is None:
            self.doc.problem(pointer, f"the external $ref '{ref}' is not resolved: typed any "
                             "(bundle the document into one file first, e.g. with "
                             "`redocly bundle`)")
            return ANY_TYPED
        match = re.fullmatch(r"#/components/schemas/([^/]+)", ref)
        if match:
            return self.component(unescape(unquote(match.group(1))), pointer)
        if ref in self._active:
            self.doc.problem(pointer, f"the schema is recursive through '{ref}', which is not "
                             "a component: typed any (recursion is kept only through "
                             "#/components/schemas)")
            return ANY_TYPED
        target = self.doc.target(ref)
        if target is None:
            self.doc.problem(pointer, f"the $ref '{ref}' points at nothing: typed any")
            return ANY_TYPED
        self._active.append(ref)
        try:
            return self.schema(target, ref, hint)
        finally:
            self._active.pop()

    def alternatives(self, node: Mapping[str, Any], keyword: str, pointer: str,
                     hint: str) -> Typed:
        """``oneOf``/``anyOf``: a null alternative makes the type nullable; one remaining
        alternative (or several of the same simple type) is translated, more are ``any``."""
        options = node[keyword]
        where = at(pointer, keyword)
        if not isinstance(options, list) or not options:
            self.doc.problem(where, f"{keyword} is not a non-empty list: typed any")
            return ANY_TYPED
        nullable = False
        rest: list[tuple[int, Any]] = []
        for i, option in enumerate(options):
            if isinstance(option, Mapping) and (option.get("type") == "null"
                                                or option.get("enum") == [None]):
                nullable = True
            else:
                rest.append((i, option))
        if not rest:
            return Typed(ANY, nullable=True)
        if len(rest) == 1:
            i, option = rest[0]
            typed = self.schema(option, at(where, i), hint)
            return replace(typed, nullable=typed.nullable or nullable)
        if rest and all(simple_type(option) for _, option in rest):
            found = [self.schema(option, at(where, i), hint) for i, option in rest]
            if len({t.text for t in found}) == 1:
                return replace(found[0], nullable=nullable or any(t.nullable for t in found),
                               notes=())
        discriminator = node.get("discriminator")
        by = ""
        if isinstance(discriminator, Mapping) and discriminator.get("propertyName"):
            by = f" (discriminator '{discriminator['propertyName']}')"
        self.doc.problem(where, f"{keyword} of {len(rest)} schemas{by} is not translated: "
                         "typed any (values pass unchecked)")
        return Typed(ANY, nullable=nullable)
