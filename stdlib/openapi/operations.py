"""Operations as ``api`` ToolSpecs: a code, arguments from the parameters and the request
body, the result from the success response, and the ``config`` that calls it.

The code is ``<service>/<operationId>`` (characters other than letters, digits, ``_ . -``
become ``-``), or a slug of method and path without an operationId; a second operation
with the same code gets ``-2``, ``-3``, ... The arguments come from the parameters
(`arguments`) and the request body (`request_body`), the result from the success response
(`response`), the defs from what those use. ``config`` is exactly what
`stdlib.tools.Endpoint.from_config` reads (``method``, ``path``, ``query``, ``body``,
``headers``), so the imported tool can be called by the ``api://`` adapter.

Every spec made here is valid: a default that does not fit its type is dropped
(reported), and an operation whose spec is still not valid is left out (reported).

The parts, from the bottom up:

- **Names** (`IDENTIFIER`, `PLACEHOLDER`, `SERVICE`, `CODE_BAD`, `identifier`). Query and
  body arguments travel under their own names, so they must be FDL field names
  (`stdlib.openapi.schemas.FIELD_NAME`); path and header arguments are bound through
  ``{placeholders}``, so they must be identifiers (`IDENTIFIER`).
- **Media types** of request and response ``content`` (`json_media`): the ``api://``
  adapter sends JSON bodies and decodes JSON answers (``application/json``, ``text/json``
  and every ``…+json`` type); other content is sent as no body and comes back as text.
- **Arguments** (`Arg`, `arg_type`): one ``args.in`` entry, its name, its type text and
  where it goes. An argument's type text is ``T`` (required), ``T?`` (optional or nullable)
  or ``T = default`` (a default written as GML: JSON is valid GML, dates go through
  ``DATE()``). The built-ins ``tenantId`` and ``buCode`` are always ``string?``: the
  runtime binds them from the run's context.
- **Parameters** (`arguments`): path, query and header parameters as arguments, and the
  path and header templates. Query parameters travel under the argument's name, so they
  keep theirs (a name that is not an FDL field name is skipped). Path and header parameters
  are renamed to identifiers (``{order-id}`` → ``orderId``, ``X-Request-Id`` →
  ``xRequestId``); a path parameter whose name a query parameter or body property already
  has gets ``Path`` appended. ``Accept``, ``Content-Type`` and ``Authorization`` header
  parameters are ignored (OpenAPI says so); cookie parameters are skipped. An optional
  header parameter is an optional argument, and its header is exactly one placeholder
  (``X-Debug: '{xDebug}'``), which the ``api://`` adapter leaves out of the request when
  the argument is null.
- **Request bodies** (`request_body`). A JSON request body object becomes one argument per
  property (``allOf`` merged, ``$ref``s resolved, ``readOnly`` properties left out), listed
  in ``config.body``; properties travel under their own names, so a property whose name is
  not an FDL field name, or is already a query parameter's, is skipped. A body that is not
  an object (an array, a ``oneOf``, a map) is one argument, ``body``, sent as the whole body
  (``config.body: {argument: body}``). A JSON media type other than ``application/json``
  (``application/merge-patch+json``) is sent as the body's ``Content-Type``
  (``config.headers``). A request body that is not JSON is not translated: the tool sends
  no body.
- **The result** (`response`, ``args.out``). The first 2xx response with JSON content (200,
  201, ..., then ``2XX``) gives the result: a type (``Order``, ``Order[]``) or, for an
  inline object, its fields. A success response that is not JSON is ``string`` (the
  ``api://`` adapter returns it as text); without any, the result is ``any`` (no ``out``).
- **The operation** (`Operations`, `Common`): the code, the ``config``, the tags, and the
  check that the spec is valid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from compiler import BUILTIN_INPUTS
from stdlib.registry import ToolSpec

from .load import at
from .schemas import (
    ANY,
    ANY_TYPED,
    FIELD_NAME,
    WORDS,
    Report,
    Schemas,
    Typed,
    default_of,
    join,
    one_line,
    pascal,
    unique,
)

__all__ = ["CODE_BAD", "IDENTIFIER", "PLACEHOLDER", "SERVICE", "Arg", "Arguments", "Body",
           "Common", "Operations", "Result", "Where", "arg_type", "arguments", "base_media",
           "body_property_names", "gml_literal", "identifier", "is_json", "json_media",
           "request_body", "response"]


# ---------------------------------------------------------------- names


IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A placeholder-safe argument name (path and header arguments)."""
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
"""A ``{placeholder}`` of an OpenAPI path template."""
SERVICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
"""A service name, the first segment of every code."""
CODE_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
"""Characters an operationId loses on its way into a code."""


def identifier(name: str) -> str:
    """A placeholder-safe argument name: ``X-Request-Id`` → ``xRequestId``."""
    if IDENTIFIER.fullmatch(name):
        return name
    words = WORDS.findall(name)
    if not words:
        return "arg"
    text = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:]
                                                          for w in words[1:])
    return text if IDENTIFIER.fullmatch(text) else f"_{text}"


# ---------------------------------------------------------------- media types


def base_media(media: str) -> str:
    """A media type without its parameters, in lower case (``application/json``)."""
    return media.split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    """Whether a media type is JSON (``application/json``, ``text/json``, ``…+json``)."""
    name = base_media(media)
    return name in ("application/json", "text/json") or name.endswith("+json")


def json_media(content: Any) -> tuple[str, Any] | None:
    """The first JSON media type of a ``content`` mapping and its media type object."""
    if not isinstance(content, Mapping):
        return None
    for media, value in content.items():
        if is_json(str(media)):
            return str(media), value
    return None


# ---------------------------------------------------------------- arguments


Where = Literal["path", "query", "header", "body"]


@dataclass(slots=True)
class Arg:
    """One ``args.in`` entry: its name, type text, description and where it goes.

    Attributes:
        wire: the parameter, header or property name in the document.
    """

    name: str
    type: str
    description: str | None
    where: Where
    wire: str


def arg_type(report: Report, name: str, typed: Typed, required: bool, default: Any,
             pointer: str) -> str:
    """The ``args.in`` text of an argument: ``T``, ``T?`` or ``T = default``."""
    if name in BUILTIN_INPUTS:
        if typed.text not in ("string", ANY):
            report(pointer, f"'{name}' is bound from the run's context, so it is typed "
                   f"string?, not {typed.text}")
        return "string?"
    if default is not None:
        literal = gml_literal(default, typed.text)
        if literal is None:
            report(pointer, f"the default {default!r} cannot be written in FDL: left out")
        else:
            return f"{typed.text} = {literal}"
    return typed.written(not required)


def gml_literal(value: Any, type_text: str) -> str | None:
    """A default as GML text: JSON is valid GML (strings in double quotes, objects with
    quoted keys); dates go through DATE()."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None
    if type_text == "date":
        return f"DATE({text})" if isinstance(value, str) else None
    return text


# ---------------------------------------------------------------- parameters


_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})

Arguments = tuple[list[Arg], str, dict[str, str]]
"""The arguments, the path with placeholders renamed to them, and the header templates."""


def arguments(schemas: Schemas, path: str, operation: Mapping[str, Any],
              item: Mapping[str, Any], item_pointer: str, pointer: str, hint: str
              ) -> Arguments:
    """Arguments from path, query and header parameters; the path with placeholders
    renamed to the argument names; the header templates."""
    report = schemas.doc.problem
    params = _parameters(schemas, item, operation, item_pointer, pointer)
    body_names = body_property_names(schemas, operation, pointer)
    fixed = {p["name"] for p, _ in params if p["in"] == "query"} | body_names
    taken: set[str] = set()
    by_where: dict[str, list[Arg]] = {"path": [], "query": [], "header": []}
    declared_path: set[str] = set()
    for param, where_at in params:
        where, name = param["in"], param["name"]
        if where == "cookie":
            report(where_at, f"the cookie parameter '{name}' is skipped: the api:// adapter "
                   "sends no cookies")
            continue
        if where == "header" and name.lower() in _IGNORED_HEADERS:
            continue
        typed = _param_type(schemas, param, where_at, hint + pascal(name))
        description = join(one_line(param.get("description")), typed.description,
                           *typed.notes)
        required = param.get("required") is True or where == "path"
        default = default_of(param.get("schema"))
        if where == "query":
            if not FIELD_NAME.fullmatch(name):
                report(where_at, f"the query parameter '{name}' is skipped: the api:// "
                       "adapter sends arguments under their own names, and FDL argument "
                       "names are ASCII letters, digits, _ and -")
                continue
            arg_name = name
            _query_style(schemas, param, typed, where_at)
        elif where == "path":
            declared_path.add(name)
            base = identifier(name)
            arg_name = base if base in BUILTIN_INPUTS else unique(base, taken | fixed, "Path")
            if arg_name != base:
                report(where_at, f"the path parameter '{name}' is the argument '{arg_name}' "
                       f"(a query parameter or body property is '{base}')")
        else:
            arg_name = unique(identifier(name), taken | fixed, "Header")
        taken.add(arg_name)
        by_where[where].append(Arg(arg_name, arg_type(
            report, arg_name, typed, required, default, where_at), description, where, name))
    renamed = {a.wire: a.name for a in by_where["path"]}
    for placeholder in dict.fromkeys(PLACEHOLDER.findall(path)):
        if placeholder not in renamed:
            arg_name = unique(identifier(placeholder), taken | fixed, "Path")
            taken.add(arg_name)
            renamed[placeholder] = arg_name
            report(pointer, f"the path parameter '{placeholder}' is not declared: it is the "
                   f"argument '{arg_name}' of type string")
            by_where["path"].append(Arg(arg_name, "string", None, "path", placeholder))
    for name in declared_path - set(PLACEHOLDER.findall(path)):
        report(pointer, f"the path parameter '{name}' is not in the path {path}: it is left "
               "out")
        by_where["path"] = [a for a in by_where["path"] if a.wire != name]
    placeholders = PLACEHOLDER.sub(lambda m: "{" + renamed[m.group(1)] + "}", path)
    headers = {a.wire: "{" + a.name + "}" for a in by_where["header"]}
    return [*by_where["path"], *by_where["query"], *by_where["header"]], placeholders, \
        headers


def _parameters(schemas: Schemas, item: Mapping[str, Any], operation: Mapping[str, Any],
                item_pointer: str, pointer: str) -> list[tuple[Mapping[str, Any], str]]:
    """The operation's parameters (path-level ones included; the operation's own win),
    references resolved."""
    doc = schemas.doc
    found: dict[tuple[str, str], tuple[Mapping[str, Any], str]] = {}
    for owner, where in ((item, item_pointer), (operation, pointer)):
        params = owner.get("parameters")
        if params is None:
            continue
        if not isinstance(params, list):
            doc.problem(at(where, "parameters"), "parameters is not a list: ignored")
            continue
        for i, raw in enumerate(params):
            resolved = doc.deref(raw, at(where, "parameters", i), "parameter")
            if resolved is None:
                continue
            param, param_at = resolved
            if not isinstance(param, Mapping) or not isinstance(param.get("name"), str) \
                    or param.get("in") not in ("path", "query", "header", "cookie"):
                doc.problem(param_at, "a parameter needs a name and 'in' (path, query, "
                            "header or cookie): ignored")
                continue
            found[(param["in"], param["name"])] = (param, param_at)
    return list(found.values())


def _param_type(schemas: Schemas, param: Mapping[str, Any], pointer: str, hint: str
                ) -> Typed:
    schema = param.get("schema")
    if schema is None and isinstance(param.get("content"), Mapping):
        media = next(iter(param["content"].items()), None)
        if media is not None:
            schemas.doc.problem(at(pointer, "content"), f"the parameter is serialized as "
                                f"{media[0]}: the api:// adapter sends it as a plain value")
            inner = media[1].get("schema") if isinstance(media[1], Mapping) else None
            return schemas.schema(inner if inner is not None else {},
                                  at(pointer, "content", media[0], "schema"), hint)
    if schema is None:
        return ANY_TYPED
    return schemas.schema(schema, at(pointer, "schema"), hint)


def _query_style(schemas: Schemas, param: Mapping[str, Any], typed: Typed, pointer: str
                 ) -> None:
    style = param.get("style", "form")
    explode = param.get("explode", style == "form")
    is_array = typed.text.endswith("[]")
    is_object = not is_array and (typed.text.startswith("map<")
                                  or typed.text in schemas.defs.objects)
    if is_object:
        schemas.doc.problem(pointer, f"the object query parameter '{param['name']}' (style "
                            f"{style}) cannot be sent by the api:// adapter, which sends "
                            "only scalars and arrays in a query string; it is kept as an "
                            "argument")
    elif is_array and (style != "form" or explode is not True):
        schemas.doc.problem(pointer, f"the array query parameter '{param['name']}' has style "
                            f"{style}, explode {str(explode).lower()}: the api:// adapter "
                            "sends arrays as repeated name=value pairs (form, explode)")


# ---------------------------------------------------------------- request bodies


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


# ---------------------------------------------------------------- the result


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


# ---------------------------------------------------------------- the operation


_BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True, slots=True)
class Common:
    """What every tool of an import gets: its version, extra tags and tenant."""

    version: str
    tags: tuple[str, ...]
    tenant: str | None


class Operations:
    """The operations of one document as ToolSpecs of one service.

    Attributes:
        schemas: the schema translation (and through it the document and its problems).
        service: the first segment of every code.
        common: the version, tags and tenant of every tool.
    """

    __slots__ = ("_codes", "common", "schemas", "service")

    def __init__(self, schemas: Schemas, service: str, common: Common) -> None:
        self.schemas = schemas
        self.service = service
        self.common = common
        self._codes: set[str] = set()

    def code(self, operation: Mapping[str, Any], method: str, path: str, pointer: str
             ) -> str:
        """The operation's code (without the service), unique in the document."""
        op_id = operation.get("operationId")
        if isinstance(op_id, str) and op_id.strip():
            code = CODE_BAD.sub("-", op_id.strip()).strip("-")
        else:
            code = "-".join([method, *(w.lower() for w in WORDS.findall(path))])
        code = code or method
        free, number = code, 2
        while free in self._codes:
            free, number = f"{code}-{number}", number + 1
        if free != code:
            self.schemas.doc.problem(pointer, f"the code {self.service}/{code} is taken by an "
                                     f"earlier operation: this one is "
                                     f"{self.service}/{free}")
        self._codes.add(free)
        return free

    def operation(self, path: str, method: str, operation: Mapping[str, Any],
                  item: Mapping[str, Any], item_pointer: str) -> ToolSpec | None:
        """The ToolSpec of ``method`` on ``path``, or None when it cannot be made
        (reported)."""
        schemas, doc = self.schemas, self.schemas.doc
        pointer = at(item_pointer, method)
        code = self.code(operation, method, path, pointer)
        hint = pascal(code) or "Operation"
        verb = method.upper()
        for key in ("callbacks", "servers"):
            if key in operation:
                doc.problem(at(pointer, key), f"{key} of an operation are not translated"
                            + ("; the service URL comes from the configuration"
                               if key == "servers" else ""))
        args, placeholders, headers = arguments(schemas, path, operation, item, item_pointer,
                                                pointer, hint)
        body = request_body(schemas, operation, pointer, hint, args)
        out, out_descriptions = response(schemas, operation, pointer, hint)

        inputs = {a.name: a.type for a in args}
        descriptions = {f"in.{a.name}": a.description for a in args if a.description}
        descriptions.update({f"out.{k}": v for k, v in out_descriptions.items()})
        spec_args = schemas.args_of(inputs, out, descriptions)

        config: dict[str, Any] = {"method": verb, "path": placeholders}
        query = [a.name for a in args if a.where == "query"]
        sent = body.config if body is not None else None
        if query or (sent and verb not in _BODY_METHODS):
            config["query"] = query
        if sent:
            config["body"] = sent
        elif verb in _BODY_METHODS:
            config["body"] = []
        if body is not None and body.content_type is not None:
            headers["Content-Type"] = body.content_type
        if headers:
            config["headers"] = headers
        tags = list(self.common.tags)
        op_tags = operation.get("tags")
        if isinstance(op_tags, list):
            tags.extend(t.strip() for t in op_tags if isinstance(t, str) and t.strip())
        if operation.get("deprecated") is True:
            tags.append("deprecated")
        try:
            spec = ToolSpec(type="api", code=f"{self.service}/{code}",
                            name=one_line(operation.get("summary")),
                            desp=one_line(operation.get("description")),
                            version=self.common.version, tags=tuple(tags),
                            tenant=self.common.tenant, args=spec_args,
                            descriptions=descriptions, config=config)
        except ValidationError as error:
            detail = error.errors()[0]
            where = ".".join(map(str, detail["loc"]))
            doc.problem(pointer, f"the operation is not imported: its ToolSpec is not valid "
                        f"({where}: {detail['msg']})")
            return None
        return self.checked(spec, pointer)

    def checked(self, spec: ToolSpec, pointer: str) -> ToolSpec | None:
        """The spec when it is valid; a default that does not fit its type is dropped
        (reported); any other error leaves the operation out (reported)."""
        problems = [p for p in spec.problems() if p.is_error]
        if not problems:
            return spec
        inputs = dict(spec.args.get("in", {}))
        dropped = False
        for problem in problems:
            name = problem.field.removeprefix("args.in.")
            text = inputs.get(name)
            if problem.field.startswith("args.in.") and isinstance(text, str) and " = " in text:
                inputs[name] = text.split(" = ", 1)[0] + "?"
                self.schemas.doc.problem(pointer, f"the default of '{name}' does not fit its "
                                         f"type and is left out ({problem.message})")
                dropped = True
        if dropped:
            fixed = ToolSpec.model_validate({**spec.model_dump(),
                                             "args": {**spec.args, "in": inputs}})
            return self.checked(fixed, pointer)
        self.schemas.doc.problem(pointer, "the operation is not imported: its ToolSpec is not "
                                 "valid (" + "; ".join(str(p) for p in problems) + ")")
        return None
