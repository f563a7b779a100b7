"""Tools as function-calling definitions for AI models (spec/tools.md §3, "Exports").

Three formats, all built on one JSON Schema (Draft 2020-12) rendering of FDL types:

* ``jsonschema``: per tool ``{"uri", "name", "version", "description", "input",
  "output"?}`` where ``input``/``output`` are complete schemas (with ``$schema``);
* ``openai``: ``{"type": "function", "function": {"name", "description", "parameters"}}``
  (the ``tools`` list of the chat-completions API);
* ``mcp``: ``tools/list`` entries ``{"name", "title"?, "description", "inputSchema",
  "outputSchema"?}``.

Type mapping (decisions where the spec is silent):

==========  ===============================================================================
FDL         JSON Schema
==========  ===============================================================================
bool        ``{"type": "boolean"}``
int / long  ``{"type": "integer"}`` with the 32-bit / 64-bit ``minimum`` and ``maximum``
double      ``{"type": "number"}``
decimal     ``{"type": ["number", "string"], "pattern": ...}``: a JSON number, or the exact
            digits as text (the runtime converts both; text keeps money exact)
string      ``{"type": "string"}``
date        ``{"type": "string", "format": "date-time"}`` (ISO 8601 with offset)
any         ``{}`` (anything)
T?          ``"null"`` added to ``type``, or ``anyOf: [T, {"type": "null"}]``
T[]         ``{"type": "array", "items": T}``
map<T>      ``{"type": "object", "additionalProperties": T}``
defs name   ``{"$ref": "#/$defs/Name"}``; the object goes to ``$defs`` (recursion works)
==========  ===============================================================================

Objects list their non-nullable, non-``any`` fields as ``required``; declared (closed)
objects say ``additionalProperties: false``. Descriptions come from the argument comments;
a default that is a constant becomes ``default``, any other default is named in the
description. The built-in inputs ``tenantId`` and ``buCode`` are never offered to a model
(the run context supplies them). A ``db`` table is exported as its data operations
(`DB_OPERATIONS`); ``init``, ``drop``, ``stream`` and ``native`` are not offered.
Function names are codes made safe for ``^[a-zA-Z0-9_-]{1,64}$`` and unique
(`function_name`); an MCP ``outputSchema`` is given only for object results (MCP requires
an object there).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import gml
from compiler.argtypes import BUILTIN_INPUTS, is_required
from compiler.catalog import ToolSignature
from compiler.flow import Gml
from gml.types import ArrayType as ArrayT
from gml.types import MapType, Nullable, ObjectType, Prim, RefType, Type, deref

from ._spec import ToolSpec

__all__ = ["DB_OPERATIONS", "DRAFT", "ExportedTool", "export_tools", "function_name",
           "to_jsonschema", "to_mcp", "to_openai", "type_schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DB_OPERATIONS = ("take", "list", "page", "count", "create", "modify", "save", "delete", "bulk")
"""The operations of a ``db`` table offered to models."""

DB_DESCRIPTIONS = {
    "take": "Read one record of table {table} by its key; null when there is none.",
    "list": "Records of table {table} matching a condition.",
    "page": "One page of the records of table {table} matching a condition, with totals.",
    "count": "How many records of table {table} match a condition.",
    "create": "Insert a record into table {table}; returns the stored record.",
    "modify": "Update the non-null fields of a record of table {table}, found by its key.",
    "save": "Insert or update (by key) a record of table {table}.",
    "delete": "Delete the record of table {table} with this key.",
    "bulk": "Save several records of table {table} in one transaction.",
}
DB_ARGUMENTS = {
    "exps": "condition in CQL, e.g. amount > :min && status IN ('new', 'paid'); :name "
            "parameters are further arguments",
    "proj": "comma-separated fields to return (default: all)",
    "sort": "field [ASC|DESC], ...",
    "size": "at most this many records",
    "page": "page number, from 0",
    "data": "the record",
    "dataList": "the records",
}

DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
MAX_DESCRIPTION = 1024
_PRIMITIVES: dict[str, dict[str, Any]] = {
    "bool": {"type": "boolean"},
    "int": {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
    "long": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
    "double": {"type": "number"},
    "decimal": {"type": ["number", "string"], "pattern": DECIMAL_PATTERN},
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date-time"},
    "null": {"type": "null"},
    "any": {},
}
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")
_CONSTANT = re.compile(r"'[^'\\]*'|\"[^\"\\]*\"|-?\d+(\.\d+)?|true|false|null")


class _Schemas:
    """Renders types, collecting the ``defs`` they name into ``$defs``."""

    def __init__(self, descriptions: Mapping[str, str]) -> None:
        self.defs: dict[str, dict[str, Any]] = {}
        self.descriptions = descriptions

    def of(self, t: Type) -> dict[str, Any]:
        if isinstance(t, RefType):
            if t.name not in self.defs:
                self.defs[t.name] = {}
                self.defs[t.name] = self.of_target(t.target(), t.name)
            return {"$ref": f"#/$defs/{t.name}"}
        return self.of_target(t, None)

    def of_target(self, t: Type, name: str | None) -> dict[str, Any]:
        if isinstance(t, Prim):
            return dict(_PRIMITIVES.get(t.name, {}))
        if isinstance(t, Nullable):
            inner = self.of(t.inner)
            kind = inner.get("type")
            if isinstance(kind, str) and "$ref" not in inner and kind != "null":
                return {**inner, "type": [kind, "null"]}
            if isinstance(kind, list) and "null" not in kind:
                return {**inner, "type": [*kind, "null"]}
            return {"anyOf": [inner, {"type": "null"}]}
        if isinstance(t, ArrayT):
            return {"type": "array", "items": self.of(t.element)}
        if isinstance(t, MapType):
            return {"type": "object", "additionalProperties": self.of(t.value)}
        if isinstance(t, ObjectType):
            return self.object(t, name or t.name)
        if isinstance(t, RefType):  # pragma: no cover - an alias of an alias
            return self.of(t)
        return {}

    def object(self, t: ObjectType, name: str | None) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field, field_type in t.fields.items():
            prop = self.of(field_type)
            note = self.descriptions.get(f"defs.{name}.{field}" if name else f"out.{field}")
            if note:
                prop = {**prop, "description": note}
            properties[field] = prop
            if is_required(field_type, False):
                required.append(field)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if t.closed:
            schema["additionalProperties"] = False
        return schema

    def root(self, t: Type) -> dict[str, Any]:
        """A complete schema: the type, with the ``$defs`` it uses."""
        schema = self.of(t)
        if self.defs:
            schema = {**schema, "$defs": dict(self.defs)}
        return schema


def type_schema(t: Type, descriptions: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON Schema of an FDL type (see the table above), with its ``$defs``."""
    return _Schemas(descriptions or {}).root(t)


def _constant(default: Gml) -> tuple[bool, Any]:
    """(True, value) when a default is a constant JSON value."""
    if default.is_literal:
        return True, default.literal
    text = (default.text or "").strip()
    if _CONSTANT.fullmatch(text):
        try:
            return True, gml.evaluate(text, {})
        except gml.GmlError:  # pragma: no cover - the pattern only admits literals
            return False, None
    return False, None


@dataclass(frozen=True, slots=True)
class ExportedTool:
    """One tool (or one db operation) ready to be rendered in any format."""

    uri: str
    name: str
    title: str | None
    description: str
    version: str
    input: dict[str, Any]
    output: dict[str, Any] | None
    output_is_object: bool


def input_schema(signature: ToolSignature, descriptions: Mapping[str, str],
                 defaults: Mapping[str, Gml]) -> dict[str, Any]:
    """The parameters object of a tool: its inputs but the built-ins."""
    schemas = _Schemas(descriptions)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, arg in signature.inputs.items():
        if name in BUILTIN_INPUTS:
            continue
        schema = schemas.of(arg.type)
        note = arg.description or descriptions.get(f"in.{name}")
        notes = [note] if note else []
        default = defaults.get(name)
        if default is not None:
            constant, value = _constant(default)
            if constant:
                schema = {**schema, "default": value}
            else:
                notes.append(f"default: {default.text}")
        if notes:
            schema = {**schema, "description": "; ".join(notes)}
        properties[name] = schema
        if arg.required:
            required.append(name)
    result: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    if not signature.open_arguments:
        result["additionalProperties"] = False
    if schemas.defs:
        result["$defs"] = schemas.defs
    return result


def function_name(code: str, tool_type: str, taken: set[str]) -> str:
    """A unique function name for a tool: its code with every run of characters outside
    ``[a-zA-Z0-9_-]`` replaced by ``_`` (``crm-service/customer`` →
    ``crm-service_customer``), at most 64 characters; on a clash the type is put in front,
    then a short hash of the URI is appended. The name is added to ``taken``."""
    base = _UNSAFE.sub("_", code).strip("_") or tool_type
    candidates = [base, f"{tool_type}_{base}"]
    for candidate in candidates:
        if len(candidate) <= 64 and candidate not in taken:
            taken.add(candidate)
            return candidate
    digest = hashlib.sha256(f"{tool_type}://{code}".encode()).hexdigest()
    for size in range(8, 65):
        candidate = f"{base[:63 - size]}_{digest[:size]}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise ValueError(f"no unique function name for {tool_type}://{code}")  # pragma: no cover


def _description(*parts: str | None) -> str:
    text = " ".join(" ".join(p.split()) for p in parts if p)
    return text[:MAX_DESCRIPTION]


def export_tools(specs: Iterable[ToolSpec]) -> list[ExportedTool]:
    """Every tool of ``specs`` (a ``db`` table: its data operations) as `ExportedTool`s,
    with unique function names."""
    taken: set[str] = set()
    found: list[ExportedTool] = []
    for spec in specs:
        analysis = spec.analysis()
        for signature in spec.signatures():
            if spec.type == "db" and signature.code.rpartition("/")[2] not in DB_OPERATIONS:
                continue
            out = signature.out if (spec.type == "db" or analysis.out is not None) else None
            output = _Schemas(spec.descriptions).root(out) if out is not None else None
            is_object = out is not None and isinstance(deref(out), ObjectType | MapType)
            descriptions = spec.descriptions
            if spec.type == "db":
                operation = signature.code.rpartition("/")[2]
                description = _description(DB_DESCRIPTIONS[operation].format(table=spec.code),
                                            spec.desp)
                descriptions = {**{f"in.{k}": v for k, v in DB_ARGUMENTS.items()},
                                **descriptions}
            else:
                description = _description(spec.desp or spec.name or signature.uri)
            found.append(ExportedTool(
                signature.uri, function_name(signature.code, spec.type, taken), spec.name,
                description, spec.version,
                input_schema(signature, descriptions, analysis.defaults), output, is_object))
    return found


def to_openai(tools: Iterable[ExportedTool]) -> list[dict[str, Any]]:
    """OpenAI function-calling ``tools`` entries."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": t.input}} for t in tools]


def _object_root(schema: dict[str, Any]) -> dict[str, Any]:
    """An object schema given as ``$ref`` + ``$defs``, with the referenced object inlined
    at the root (MCP wants ``type: object`` there)."""
    ref = schema.get("$ref")
    defs = schema.get("$defs", {})
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"), {})
        return {**target, "$defs": defs}
    return schema


def to_mcp(tools: Iterable[ExportedTool]) -> list[dict[str, Any]]:
    """MCP ``tools/list`` entries."""
    entries = []
    for t in tools:
        entry: dict[str, Any] = {"name": t.name}
        if t.title:
            entry["title"] = t.title
        entry["description"] = t.description
        entry["inputSchema"] = t.input
        if t.output is not None and t.output_is_object:
            entry["outputSchema"] = _object_root(t.output)
        entries.append(entry)
    return entries


def to_jsonschema(tools: Iterable[ExportedTool]) -> list[dict[str, Any]]:
    """Per tool: its URI, function name, version, description and complete input (and
    output) JSON Schemas."""
    entries = []
    for t in tools:
        entry: dict[str, Any] = {"uri": t.uri, "name": t.name, "version": t.version,
                                 "description": t.description,
                                 "input": {"$schema": DRAFT, **t.input}}
        if t.output is not None:
            entry["output"] = {"$schema": DRAFT, **t.output}
        entries.append(entry)
    return entries
