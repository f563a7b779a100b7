"""Path, query and header parameters as arguments, and the path and header templates.

Query parameters travel under the argument's name, so they keep theirs (a name that is not
an FDL field name is skipped). Path and header parameters are bound through
``{placeholders}``, so they are renamed to identifiers (``{order-id}`` → ``orderId``,
``X-Request-Id`` → ``xRequestId``); a path parameter whose name a query parameter or body
property already has gets ``Path`` appended. ``Accept``, ``Content-Type`` and
``Authorization`` header parameters are ignored (OpenAPI says so); cookie parameters are
skipped. An optional header parameter is an optional argument, and its header is exactly
one placeholder (``X-Debug: '{xDebug}'``), which the ``api://`` adapter leaves out of the
request when the argument is null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stdlib.registry import BUILTIN_INPUTS

from ._arguments import Arg, arg_type
from ._bodies import body_property_names
from ._names import PLACEHOLDER, identifier
from .load import at
from .schemas import (
    ANY_TYPED,
    FIELD_NAME,
    Schemas,
    Typed,
    default_of,
    join,
    one_line,
    pascal,
    unique,
)

__all__ = ["Arguments", "arguments"]

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
