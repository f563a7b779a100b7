"""JSON types and formats as FDL types (fdl.md §2), with notes for the description.

``string`` → ``string`` (``date`` for ``format: date``/``date-time``); ``integer`` →
``long`` (``int`` for ``int32`` and smaller); ``number`` → ``double`` (``decimal`` for
``format: decimal``); ``boolean`` → ``bool``; arrays → ``T[]``; objects without
properties → ``map<T>``; no type → ``any``. ``enum`` and ``const`` keep the base type and
become notes (``one of: new, paid``); so do formats FDL has no type for (``format: uuid``).

Item and value schemas are translated by the caller's ``translate`` (the schema
translation of `stdlib.openapi._schemas`), so this module needs no state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ._shapes import ANY, Typed, json_kind
from .load import at

__all__ = ["MAX_ENUM_SHOWN", "Report", "Translate", "json_type", "primitive"]

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
