"""Lossless JSON for run values: what the run store writes and reads back.

A run's inputs, outputs, variables and journal records hold GML values, which are JSON plus a
few types JSON has no word for. ``encode`` turns such a value into a plain JSON tree, ``decode``
turns the tree back, and ``dumps``/``loads`` add the JSON text step. ``decode(encode(v))`` is
equal to ``v`` for every supported value, with the same types:

====================================  ====================================================
Python value                          JSON form
====================================  ====================================================
None, bool, str, finite float         themselves
int                                   itself; beyond 2**2000 ``{"$int": "<hex>"}`` (JSON
                                      readers and Python's own int/str limit choke on
                                      gigantic decimal digits)
nan, inf, -inf                        ``{"$float": "nan" | "inf" | "-inf"}``
decimal.Decimal                       ``{"$dec": "1.50"}`` (``str()``: exact digits, exponent,
                                      sign of zero, NaN and Infinity all survive)
datetime (aware)                      ``{"$date": "2025-01-01T10:00:00+08:00[Asia/Shanghai]"}``:
                                      ISO 8601 wall time and offset, then the zone name in
                                      brackets (RFC 9557 style) when the zone has one
datetime (naive)                      ``{"$date": "2025-01-01T10:00:00"}``
datetime.date                         ``{"$day": "2025-01-01"}``
a tool's stream (`runtime._stream`)   ``{"$stream": "<node path>"}``: a live handle is not
                                      data; it comes back as a ``StaleStream``
list, tuple                           a JSON array (a tuple comes back as a list)
dict (str keys)                       a JSON object; a dict with exactly one key that starts
                                      with ``$`` could be taken for a tag, so it is wrapped:
                                      ``{"$obj": {"$ref": 1}}``
====================================  ====================================================

Decoding gives ``pendulum`` types: every datetime comes back as a ``pendulum.DateTime`` with
the same wall time, the same ``utcoffset()`` and the same zone name (a named zone becomes the
pendulum zone of that name, a bare offset a ``pendulum.FixedTimezone``; ``datetime.timezone.utc``
is the zone ``UTC``), and a date as a ``pendulum.Date``. Both subclass the standard types and
compare equal to the originals.

Anything else (sets, bytes, arbitrary objects, dicts with non-string keys) raises ``TypeError``
naming the type and where it sits in the value. Values nested deeper than ``MAX_DEPTH`` JSON
containers (counting the wrapper objects above) raise ``ValueError``, on the way in and on the
way out, so a hostile or cyclic value is an error rather than a crash. JSON text is pure ASCII
(non-ASCII characters are escaped), so any string, even one with lone surrogates, survives any
byte-oriented storage.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import pendulum

from ._stream import StaleStream, Stream

__all__ = ["MAX_DEPTH", "decode", "dumps", "encode", "loads"]

MAX_DEPTH = 500
"""The deepest nesting of JSON containers (arrays, objects, tag objects) allowed."""

_BIG = 1 << 2000
_FLOAT_TAGS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class _Unsupported(TypeError):
    """Raised deep inside ``encode``; collects the path on the way out."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str | int] = []


class _TooDeep(ValueError):
    pass


def _too_deep() -> _TooDeep:
    return _TooDeep(f"value is nested more than {MAX_DEPTH} levels deep (or contains a cycle)")


def _where(path: list[str | int]) -> str:
    if not path:
        return "the top level"
    parts: list[str] = []
    for step in reversed(path):
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif step.isidentifier():
            parts.append(f".{step}" if parts else step)
        else:
            parts.append(f"[{json.dumps(step)}]")
    return "".join(parts)


# ---------------------------------------------------------------- encoding


def encode(value: Any) -> Any:
    """Return ``value`` as a JSON-compatible tree (dicts, lists, str, int, float, bool, None).

    Raises:
        TypeError: a value of an unsupported type (the message names the type and its place).
        ValueError: nesting deeper than ``MAX_DEPTH`` (or a cycle).
    """
    try:
        return _enc(value, 1)
    except _Unsupported as exc:
        raise TypeError(f"{exc.problem} at {_where(exc.path)}") from None
    except _TooDeep as exc:
        raise ValueError(str(exc)) from None
    except RecursionError:
        raise ValueError(str(_too_deep())) from None


def _enc(value: Any, depth: int) -> Any:
    """Encode ``value``; a container it turns into would sit at nesting level ``depth``.

    One Python frame per level of nesting (containers are handled inline), so that
    ``MAX_DEPTH`` levels stay well inside the interpreter's recursion limit.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        return value if -_BIG < value < _BIG else _tag("$int", format(value, "x"), depth)
    if kind is float:
        if math.isfinite(value):
            return value
        return _tag("$float", "nan" if value != value else ("inf" if value > 0 else "-inf"),
                    depth)
    if kind is list or kind is tuple or (
            kind is not dict and isinstance(value, list | tuple)):
        if depth > MAX_DEPTH:
            raise _too_deep()
        out: list[Any] = []
        inner = depth + 1
        for index, item in enumerate(value):
            try:
                out.append(_enc(item, inner))
            except _Unsupported as exc:
                exc.path.append(index)
                raise
        return out
    if kind is dict or isinstance(value, Mapping):
        wrap = False
        if len(value) == 1:
            (key,) = value
            # A lone $-key could be taken for a tag: wrap the dict in {"$obj": ...}.
            wrap = isinstance(key, str) and key.startswith("$")
        if wrap:
            depth += 1
        if depth > MAX_DEPTH:
            raise _too_deep()
        obj: dict[str, Any] = {}
        inner = depth + 1
        for key, item in value.items():
            if type(key) is not str:
                key = _key(key)
            try:
                obj[key] = _enc(item, inner)
            except _Unsupported as exc:
                exc.path.append(key)
                raise
        return {"$obj": obj} if wrap else obj
    if isinstance(value, datetime):
        return _tag("$date", _datetime_text(value), depth)
    if isinstance(value, date):
        return _tag("$day", date.isoformat(value), depth)
    if isinstance(value, Decimal):
        return _tag("$dec", str(value), depth)
    if isinstance(value, Stream | StaleStream):
        return _tag("$stream", value.origin, depth)
    # Subclasses of the plain types (str enums, int enums, ...) lose their class.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return _enc(int(value), depth)
    if isinstance(value, float):
        return _enc(float(value), depth)
    raise _Unsupported(f"cannot store a value of type {kind.__qualname__!r}")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise _Unsupported(f"cannot store a dict key of type {type(key).__qualname__!r} "
                           f"(keys must be strings)")
    return str.__str__(key)


def _tag(name: str, payload: str, depth: int) -> dict[str, str]:
    if depth > MAX_DEPTH:
        raise _too_deep()
    return {name: payload}


def _datetime_text(value: datetime) -> str:
    text = datetime.isoformat(value)
    zone = value.tzinfo
    if zone is None or value.utcoffset() is None:
        return text if zone is None else datetime.isoformat(value.replace(tzinfo=None))
    name = _zone_name(zone)
    return f"{text}[{name}]" if name else text


def _zone_name(zone: tzinfo) -> str | None:
    """The IANA name of a zone, or None for a bare offset (or a zone we cannot name)."""
    if zone is UTC:
        return "UTC"
    if isinstance(zone, ZoneInfo):  # pendulum.Timezone is a ZoneInfo
        key: str | None = zone.key
        return key or None
    return None


# ---------------------------------------------------------------- decoding


def decode(tree: Any) -> Any:
    """Rebuild a value from a tree made by ``encode`` (or parsed from ``dumps`` text).

    Raises:
        ValueError: an unknown or malformed tag, or nesting deeper than ``MAX_DEPTH``.
        TypeError: the tree holds something that is not JSON-compatible.
    """
    try:
        return _dec(tree, 1)
    except _TooDeep as exc:
        raise ValueError(str(exc)) from None
    except RecursionError:
        raise ValueError(str(_too_deep())) from None


def _dec(tree: Any, depth: int) -> Any:
    kind = type(tree)
    if kind is str or kind is int or kind is float or kind is bool or tree is None:
        return tree
    if kind is list:
        if depth > MAX_DEPTH:
            raise _too_deep()
        inner = depth + 1
        items: list[Any] = []
        for item in tree:  # a loop, not a comprehension: one frame per level on 3.11
            items.append(_dec(item, inner))
        return items
    if kind is dict:
        if depth > MAX_DEPTH:
            raise _too_deep()
        if len(tree) == 1:
            ((key, payload),) = tree.items()
            if isinstance(key, str) and key.startswith("$"):
                if key != "$obj":
                    return _untag(key, payload)
                if type(payload) is not dict:
                    raise ValueError("malformed '$obj' value: expected an object")
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep()
                tree = payload
        out: dict[str, Any] = {}
        inner = depth + 1
        for key, item in tree.items():
            if not isinstance(key, str):
                raise TypeError(f"not a JSON object key: {type(key).__qualname__!r}")
            out[key] = _dec(item, inner)
        return out
    raise TypeError(f"not a JSON value: {kind.__qualname__!r}")


def _untag(tag: str, payload: Any) -> Any:
    if not isinstance(payload, str):
        raise ValueError(f"malformed {tag!r} value: expected a string")
    try:
        if tag == "$date":
            return _parse_datetime(payload)
        if tag == "$dec":
            return Decimal(payload)
        if tag == "$day":
            day = date.fromisoformat(payload)
            return pendulum.Date(day.year, day.month, day.day)
        if tag == "$float":
            return _FLOAT_TAGS[payload]
        if tag == "$int":
            return int(payload, 16)
        if tag == "$stream":
            return StaleStream(payload)
    except (ValueError, KeyError, InvalidOperation, OverflowError) as exc:
        raise ValueError(f"malformed {tag!r} value {payload[:80]!r}: {exc}") from None
    raise ValueError(f"unknown tag {tag!r} in stored value")


def _parse_datetime(text: str) -> pendulum.DateTime:
    name: str | None = None
    if text.endswith("]"):
        cut = text.rfind("[")
        if cut < 0:
            raise ValueError("unbalanced zone brackets")
        text, name = text[:cut], text[cut + 1:-1]
    parsed = datetime.fromisoformat(text)
    offset = parsed.utcoffset()
    fields = (parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second,
              parsed.microsecond)
    if offset is None:
        if name:
            raise ValueError("a zone name needs an offset")
        return pendulum.DateTime(*fields, fold=parsed.fold)
    if name:
        try:
            zone = pendulum.timezone(name)
        except Exception as exc:  # pendulum raises its own InvalidTimezone
            raise ValueError(f"unknown time zone {name!r}") from exc
        # Same wall time in the named zone; the fold picks the occurrence with the stored offset.
        for fold in (0, 1):
            moment = pendulum.DateTime(*fields, tzinfo=zone, fold=fold)
            if moment.utcoffset() == offset:
                return moment
        # The stored offset is not one this zone uses at that wall time (the zone rules have
        # changed since): keep the instant.
        instant = pendulum.DateTime(*fields, tzinfo=_fixed(offset))
        return pendulum.instance(instant.astimezone(zone))
    return pendulum.DateTime(*fields, tzinfo=_fixed(offset))


def _fixed(offset: timedelta) -> tzinfo:
    seconds = offset.total_seconds()
    if seconds.is_integer():
        return pendulum.FixedTimezone(int(seconds))
    return timezone(offset)


# ---------------------------------------------------------------- text


# One encoder for all calls (``json.dumps`` with options builds a new one each time). The
# tree is fresh and acyclic and its floats finite, so no circular check is needed and
# ``allow_nan=False`` only guards the invariant.
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False,
                            check_circular=False)


def dumps(value: Any) -> str:
    """Compact, pure-ASCII JSON text for ``value`` (see ``encode`` for the errors)."""
    return _ENCODER.encode(encode(value))


def loads(text: str) -> Any:
    """Rebuild a value from ``dumps`` text.

    Raises:
        ValueError: the text is not JSON (``json.JSONDecodeError``), a tag is malformed or
            unknown, or the nesting is deeper than ``MAX_DEPTH``.
    """
    try:
        tree = json.loads(text)
    except RecursionError:
        raise ValueError(str(_too_deep())) from None
    return decode(tree)
