"""Request bodies as arguments.

A JSON request body object becomes one argument per property (``allOf`` merged, ``$ref``s
resolved, ``readOnly`` properties left out), listed in ``config.body``; properties travel
under their own names, so a property whose name is not an FDL field name, or is already a
query parameter's, is skipped. A body that is not an object (an array, a ``oneOf``, a map)
is one argument, ``body``, sent as the whole body (``config.body: {argument: body}``).
A JSON media type other than ``application/json`` (``application/merge-patch+json``) is
sent as the body's ``Content-Type`` (``config.headers``). A request body that is not JSON
is not translated: the tool sends no body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._arguments import Arg, arg_type
from ._media import base_media, json_media
from .load import at
from .schemas import FIELD_NAME, Schemas, default_of, join, pascal, unique

__all__ = ["Body", "body_property_names", "request_body"]

_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+")


@dataclass(frozen=True, slots=True)
class Body:
    """How an operation sends its JSON request body.

    Attributes:
        config: ``config.body``: the names of the arguments sent as one object, or
            ``{"argument": name}`` for one argument sent as the whole body.
        content_type: the media type to send the body as, when not ``application/json``.
    """

    config: list[str] | dict[str, str]
    content_type: str | None = None


def body_property_names(schemas: Schemas, operation: Mapping[str, Any], pointer: str
                        ) -> set[str]:
    """The names the JSON request body's properties will take (for name conflicts)."""
    found = _body_schema(schemas, operation, pointer, report=False)
    if found is None:
        return set()
    shape = schemas.object_of(found[0], found[1])
    return set(shape.properties) if shape is not None else set()


def _body_schema(schemas: Schemas, operation: Mapping[str, Any], pointer: str, *,
                 report: bool) -> tuple[Any, str, bool, str | None] | None:
    """The schema of the JSON request body, its pointer, whether the body is required and
    its media type when not ``application/json``; None without one (non-JSON bodies
    reported when ``report``)."""
    doc = schemas.doc
    raw = operation.get("requestBody")
    if raw is None:
        return None
    where = at(pointer, "requestBody")
    resolved = doc.deref(raw, where, "request body", report=report)
    if resolved is None:
        return None
    body, body_at = resolved
    if not isinstance(body, Mapping):
        return None
    content = body.get("content")
    media = json_media(content)
    if media is None:
        if report:
            kinds = ", ".join(map(str, content)) if isinstance(content, Mapping) else ""
            doc.problem(where, f"the request body ({kinds or 'no content'}) is not "
                        "translated: the api:// adapter sends JSON bodies only, so the tool "
                        "sends no body")
        return None
    named = base_media(media[0])
    content_type = named if named != "application/json" else None
    if content_type is not None and not _MEDIA_TYPE.fullmatch(content_type):
        content_type = None
        if report:
            doc.problem(at(body_at, "content", media[0]), f"the request body is sent as "
                        f"application/json, not {media[0]}")
    if report and isinstance(content, Mapping) and len(content) > 1:
        others = [str(m) for m in content if str(m) != media[0]]
        doc.problem(at(body_at, "content"), f"the request body is sent as {media[0]} only "
                    f"(not {', '.join(others)})")
    schema = media[1].get("schema") if isinstance(media[1], Mapping) else None
    return (schema if schema is not None else {}, at(body_at, "content", media[0], "schema"),
            body.get("required") is True, content_type)


def request_body(schemas: Schemas, operation: Mapping[str, Any], pointer: str, hint: str,
                 args: list[Arg]) -> Body | None:
    """Add the body's arguments to ``args``; returns how the body is sent (None: no JSON
    body)."""
    report = schemas.doc.problem
    found = _body_schema(schemas, operation, pointer, report=True)
    if found is None:
        return None
    schema, schema_at, required, content_type = found
    taken = {a.name for a in args}
    shape = schemas.object_of(schema, schema_at)
    if shape is None:
        name = unique("body", taken, "")
        typed = schemas.schema(schema, schema_at, hint + "Body")
        args.append(Arg(name, typed.written(not required), join(typed.description,
                                                                  *typed.notes), "body", name))
        return Body({"argument": name}, content_type)
    schemas.shape_problems(shape, schema_at)
    names: list[str] = []
    for prop, (node, where) in shape.properties.items():
        if not FIELD_NAME.fullmatch(prop):
            report(where, f"the body property '{prop}' is skipped: FDL argument names are "
                   "ASCII letters, digits, _ and -")
            continue
        if prop in taken:
            report(where, f"the body property '{prop}' is skipped: a query parameter of the "
                   f"same name is already the argument '{prop}', and arguments are sent "
                   "under their own names")
            continue
        typed = schemas.schema(node, where, hint + pascal(prop))
        if typed.read_only:
            continue
        optional = not required or prop not in shape.required
        text = arg_type(report, prop, typed, not optional, default_of(node), where)
        args.append(Arg(prop, text, join(typed.description, *typed.notes), "body", prop))
        taken.add(prop)
        names.append(prop)
    return Body(names, content_type)
