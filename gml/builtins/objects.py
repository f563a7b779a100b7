"""Object methods (spec/gml.md §7.3): ``keys values entries proj/pick omit merge has``.

Rules:

- The receiver is a dict (the compiler returns null for a null receiver and never calls these
  with anything else); methods never modify it and return new values.
- Field lists (``proj('a, b')``, ``omit('a, b')``) are comma-separated top-level field names;
  several arguments and arrays of names are accepted too (``pick('a', 'b')``,
  ``proj(['a', 'b'])``). A name is taken literally: ``'a.b'`` names the field ``a.b``, not a
  path. `field_names`, `project` and `omit_fields` are shared with the array methods of the
  same names, which apply them to every object element.
- ``merge`` is shallow: later arguments win, ``null`` arguments are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gml._errors import GmlRuntimeError
from gml.types import (
    ANY,
    BOOL,
    NULL,
    STRING,
    ArrayType,
    MapType,
    ObjectType,
    Type,
    join,
    strip_null,
)
from gml.values import article, kind

from ._table import Builtin, Param, table

__all__ = ["OBJECT_METHODS", "field_names", "omit_fields", "project"]


# ---------------------------------------------------------------- shared helpers


def field_names(specs: Iterable[Any], what: str) -> list[str]:
    """The field names of ``'a, b'`` arguments (or arrays of names), in order, deduplicated.

    Raises:
        GmlRuntimeError: G301 when an argument is neither a string nor an array of strings.
    """
    names: list[str] = []
    for spec in specs:
        if isinstance(spec, str):
            parts: Iterable[Any] = spec.split(",")
        elif isinstance(spec, list | tuple):
            parts = spec
        elif spec is None:
            continue
        else:
            raise GmlRuntimeError(
                "G301", f"{what} needs field names such as 'id, amount', not {article(kind(spec))}")
        for part in parts:
            if not isinstance(part, str):
                raise GmlRuntimeError(
                    "G301", f"{what} needs field names as strings, not {article(kind(part))}")
            name = part.strip()
            if name and name not in names:
                names.append(name)
    return names


def project(obj: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The listed fields of ``obj`` that exist, in the order listed."""
    return {name: obj[name] for name in names if name in obj}


def omit_fields(obj: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """``obj`` without the listed fields."""
    drop = set(names)
    return {key: value for key, value in obj.items() if key not in drop}


# ---------------------------------------------------------------- implementations


def _keys(obj: Mapping[str, Any]) -> list[str]:
    return list(obj)


def _values(obj: Mapping[str, Any]) -> list[Any]:
    return list(obj.values())


def _entries(obj: Mapping[str, Any]) -> list[list[Any]]:
    return [[key, value] for key, value in obj.items()]


def _proj(obj: Mapping[str, Any], *fields: Any) -> dict[str, Any]:
    return project(obj, field_names(fields, "proj"))


def _omit(obj: Mapping[str, Any], *fields: Any) -> dict[str, Any]:
    return omit_fields(obj, field_names(fields, "omit"))


def _merge(obj: Mapping[str, Any], *others: Any) -> dict[str, Any]:
    merged = dict(obj)
    for other in others:
        if other is None:
            continue
        if not isinstance(other, Mapping):
            raise GmlRuntimeError(
                "G301", f"merge needs objects to merge in, not {article(kind(other))}")
        merged.update(other)
    return merged


def _has(obj: Mapping[str, Any], key: Any) -> bool:
    if key is None:
        return False
    if not isinstance(key, str):
        raise GmlRuntimeError("G301", f"has needs a field name string, not {article(kind(key))}")
    return key in obj


# ---------------------------------------------------------------- static result types


def _values_type(receiver: Type, args: Sequence[Type]) -> Type:
    t = strip_null(receiver)
    if isinstance(t, MapType):
        return ArrayType(t.value)
    if isinstance(t, ObjectType) and t.closed and t.fields:
        element: Type = ANY
        for i, field_type in enumerate(t.fields.values()):
            element = field_type if i == 0 else join(element, field_type)
        return ArrayType(element)
    return ArrayType(ANY)


def _subset_type(receiver: Type, args: Sequence[Type]) -> Type:
    """proj/omit keep a map's value type; the fields of a named shape are not known."""
    t = strip_null(receiver)
    return t if isinstance(t, MapType) else ANY


def _merge_type(receiver: Type, args: Sequence[Type]) -> Type:
    """Maps merge into a map; object shapes merge field by field (later wins). A null
    argument is skipped; a nullable or unknown one makes the result unknown."""
    t = strip_null(receiver)
    args = [a for a in args if a != NULL]  # null arguments are skipped
    maps = [a for a in args if isinstance(a, MapType)]
    if isinstance(t, MapType) and len(maps) == len(args):
        value = t.value
        for m in maps:
            value = join(value, m.value)
        return MapType(value)
    shapes = [a for a in args if isinstance(a, ObjectType)]
    if isinstance(t, ObjectType) and len(shapes) == len(args):
        fields = dict(t.fields)
        for shape in shapes:
            fields.update(shape.fields)
        return ObjectType(fields, closed=all(s.closed for s in (t, *shapes)))
    return ANY


_FIELDS = (Param("fields", STRING), Param("more", STRING, optional=True))

OBJECT_METHODS = table(
    Builtin(
        "keys", _keys, (), ArrayType(STRING),
        "The field names, in order.",
        examples=(("user.keys()", '["name","email","tags","address"]'),),
    ),
    Builtin(
        "values", _values, (), _values_type,
        "The field values, in order.",
        examples=(("user.address.values()", '["Shanghai","200000"]'),),
    ),
    Builtin(
        "entries", _entries, (), ArrayType(ArrayType(ANY)),
        "The fields as [name, value] pairs, in order.",
        examples=(("user.address.entries()", '[["city","Shanghai"],["zip","200000"]]'),),
    ),
    Builtin(
        "proj", _proj, _FIELDS, _subset_type,
        "Only the listed fields that exist ('a, b'; several arguments or arrays of names "
        "also work).",
        examples=(
            ("user.proj('name, email, phone')",
             '{"name":"Alice","email":"alice@example.com"}'),
            ("user.pick('address', 'name')",
             '{"address":{"city":"Shanghai","zip":"200000"},"name":"Alice"}'),
        ),
        variadic=True,
        aliases=("pick",),
    ),
    Builtin(
        "omit", _omit, _FIELDS, _subset_type,
        "Every field except the listed ones ('a, b').",
        examples=(("user.omit('tags, address')",
                   '{"name":"Alice","email":"alice@example.com"}'),),
        variadic=True,
    ),
    Builtin(
        "merge", _merge, (Param("other", ANY), Param("more", ANY, optional=True)),
        _merge_type,
        "A shallow merge with the given objects: later fields win, null arguments are "
        "skipped.",
        examples=(
            ("user.address.merge({zip: '200001'}, null, {country: 'CN'})",
             '{"city":"Shanghai","zip":"200001","country":"CN"}'),
        ),
        variadic=True,
    ),
    Builtin(
        "has", _has, (Param("key", STRING),), BOOL,
        "Whether the object has this field (a top-level name; null gives false).",
        examples=(("user.has('email')", "true"), ("user.has('phone')", "false")),
    ),
)
"""Methods of objects, by name (case-sensitive)."""
