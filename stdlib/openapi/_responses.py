"""The success response as the tool's result (``args.out``).

The first 2xx response with JSON content (200, 201, ..., then ``2XX``) gives the result: a
type (``Order``, ``Order[]``) or, for an inline object, its fields. A success response that
is not JSON is ``string`` (the ``api://`` adapter returns it as text); without any, the
result is ``any`` (no ``out``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._media import json_media
from .load import at
from .schemas import Schemas

__all__ = ["Result", "response"]

Result = tuple[dict[str, str] | str | None, dict[str, str]]
"""``args.out`` (fields, a type text, or None) and the descriptions of its fields."""


def response(schemas: Schemas, operation: Mapping[str, Any], pointer: str, hint: str
             ) -> Result:
    """``args.out`` from the first 2xx response (a type text or fields) and the
    descriptions of its fields."""
    doc = schemas.doc
    responses = operation.get("responses")
    where = at(pointer, "responses")
    if not isinstance(responses, Mapping):
        doc.problem(where, "the operation declares no responses: the result is any")
        return None, {}
    by_status = {str(c): r for c, r in responses.items()}  # YAML may give 200 as int
    codes = sorted((c for c in by_status if c[:1] == "2"),
                   key=lambda c: (c.upper() == "2XX", c))
    if not codes:
        doc.problem(where, "no success (2xx) response is declared: the result is any")
        return None, {}
    chosen: tuple[str, Any, str] | None = None
    text_only = False
    for status in codes:
        resolved = doc.deref(by_status[status], at(where, status), "response")
        if resolved is None:
            continue
        answer, answer_at = resolved
        content = answer.get("content") if isinstance(answer, Mapping) else None
        media = json_media(content)
        if media is not None:
            if chosen is None:
                schema = media[1].get("schema") if isinstance(media[1], Mapping) else None
                chosen = (status, schema, at(answer_at, "content", media[0], "schema"))
            else:
                doc.problem(at(answer_at, "content"), f"the response {status} is not "
                            f"translated: the result is typed from the response {chosen[0]}")
        elif isinstance(content, Mapping) and content:
            text_only = True
            if chosen is None:
                doc.problem(at(answer_at, "content"), f"the response {status} is "
                            f"{', '.join(map(str, content))}, not JSON: the api:// adapter "
                            "returns it as text (string)")
    if chosen is None:
        return ("string" if text_only else None), {}
    _status, schema, schema_at = chosen
    if schema is None:
        return None, {}
    shape = schemas.object_of(schema, schema_at)
    if shape is not None and shape.properties and not (
            isinstance(schema, Mapping) and "$ref" in schema):
        if shape.nullable:
            name = schemas.new_def(hint + "Result", shape, schema_at)
            return name + "?", {}
        return schemas.fields(shape, schema_at, hint)
    typed = schemas.schema(schema, schema_at, hint + "Result")
    return typed.written(False), {}
