"""Schemas as FDL types: references, components, combinations and objects.

`Schemas.schema` is the entry point: a ``$ref`` to ``components/schemas`` becomes the
component's def (translated on first use), any other local ``$ref`` is followed in place;
``oneOf``/``anyOf`` with a ``null`` alternative make a type nullable, one remaining
alternative (or several of one simple type) is translated, more are ``any``; ``allOf`` of
objects is merged into one object type; an object with properties becomes a def (a
component keeps its name, an inline object gets one from where it is); everything else is
a primitive (`stdlib.openapi._primitives`).

Recursion through ``components/schemas`` is kept (FDL types may be recursive): a component
is entered in the table before its fields are translated, and component objects wait in a
queue (`Schemas.drain`) so that a long chain of components is translated one after another,
not by recursion as deep as the chain. Recursion through any other reference is ``any``.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from ._defs import Defs
from ._names import FIELD_NAME, join, one_line, pascal
from ._primitives import json_type, primitive
from ._shapes import (
    ANY,
    ANY_TYPED,
    ObjectShape,
    Typed,
    annotation_only,
    object_shape,
    simple_type,
    single_part,
)
from .load import Document, at, unescape

__all__ = ["Schemas"]

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
        return object_shape(node, pointer, self.doc.target)

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
            return self.reference(ref, pointer, hint)
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
        """The type a schema ``$ref`` leads to."""
        if not ref.startswith("#"):
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
