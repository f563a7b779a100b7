"""The values the schema translation works with, and questions about a schema's shape.

`Typed` is a translated schema (an FDL type text plus what the description and the
optionality of a field need). `ObjectShape` is an object schema with its ``allOf`` parts
merged: the properties (each with its pointer), which are required, and what
``additionalProperties`` said. `object_shape` finds it, following ``$ref``s; the other
functions are small predicates on raw schema mappings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .load import at

__all__ = ["ANY", "ANY_TYPED", "ObjectShape", "Typed", "annotation_only", "default_of",
           "json_kind", "null_in_type", "object_shape", "simple_type", "single_part"]

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


def object_shape(node: Any, pointer: str, target: Callable[[str], Any]
                 ) -> ObjectShape | None:
    """The properties of an object schema (following local ``$ref``s through ``target``
    and merging ``allOf`` parts), or None when the schema is not an object with
    properties."""
    shape = _collect(node, pointer, (), target)
    if shape is None or not shape.properties:
        return None
    return shape


def _collect(node: Any, pointer: str, seen: tuple[str, ...], target: Callable[[str], Any]
             ) -> ObjectShape | None:
    if not isinstance(node, Mapping):
        return None
    ref = node.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith("#") or ref in seen:
            return None
        found = target(ref)
        return _collect(found, ref, (*seen, ref), target) if found is not None else None
    kind = node.get("type")
    if not (kind in ("object", None) or (isinstance(kind, list) and "object" in kind)):
        return None
    if kind is None and any(k in node for k in ("items", "enum", "oneOf", "anyOf", "const")):
        return None
    shape = ObjectShape(nullable=node.get("nullable") is True or null_in_type(node))
    parts = node.get("allOf")
    if isinstance(parts, list):
        for i, part in enumerate(parts):
            sub = _collect(part, at(pointer, "allOf", i), seen, target)
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
