"""Value conversion (gml/convert.py, spec/fdl.md §2) and its static twin
`gml.types.assignable`: the rows of the conversion table, errors, paths, and property tests
that tie the checker's rule to the converter."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gml
from gml.convert import MAX_DEPTH, ConversionError, convert
from gml.types import (
    ANY,
    BOOL,
    DATE,
    DECIMAL,
    DOUBLE,
    INT,
    LONG,
    NULL,
    STRING,
    ArrayType,
    MapType,
    Nullable,
    ObjectType,
    RefType,
    Type,
    accepts_null,
    assignable,
    parse_type,
    strip_null,
)
from tests._values import JSON, TYPES

TZ = pendulum.timezone("Asia/Shanghai")

DEFS: dict[str, Type] = {}


def typ(text: str) -> Type:
    """A type expression over `DEFS` (``Order[]``, ``map<int>``), plus what type expressions
    cannot write: object shapes (``{sku: string, n: int?}[]``) and ``int?[]``."""
    text = text.strip()
    body, suffix = text, ""
    if text.startswith("{"):
        end = _closing(text)
        body, suffix = text[:end + 1], text[end + 1:]
    elif re.fullmatch(r"\w+\?(\[\]|\?)*", text):
        body, suffix = text[:text.index("?")], text[text.index("?"):]
    if not body.startswith("{") and not suffix:
        return parse_type(text, named=lambda name: RefType(name, DEFS.get))
    t = _shape(body[1:-1]) if body.startswith("{") else typ(body)
    for mark in re.findall(r"\[\]|\?", suffix):
        t = ArrayType(t) if mark == "[]" else Nullable(t)
    return t


def _closing(text: str) -> int:
    """The index of the brace that closes the one ``text`` starts with."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return i
    raise ValueError(text)


def _shape(fields: str) -> ObjectType:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(fields + ","):
        depth += {"{": 1, "<": 1, "}": -1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(fields[start:i])
            start = i + 1
    pairs = [part.split(":", 1) for part in parts if part.strip()]
    return ObjectType({name.strip(): typ(t) for name, t in pairs})


def _define(name: str, fields: dict[str, str]) -> None:
    DEFS[name] = ObjectType({k: typ(v) for k, v in fields.items()}, name=name)


_define("Item", {"sku": "string", "quantity": "int"})
_define("Order", {"id": "string", "items": "Item[]", "amount": "decimal", "note": "string?"})
_define("Filter", {"status": "string?", "items": "Item[]"})
_define("Node", {"name": "string", "children": "Node[]?"})
_define("Holder", {"meta": "any", "tags": "map<int>"})


def bad(value: Any, t: str) -> ConversionError:
    """The single problem of converting ``value`` to ``t``."""
    with pytest.raises(ConversionError) as caught:
        convert(value, typ(t), TZ, "x")
    assert caught.value.problems == (caught.value,)
    assert caught.value.code == "G303" and caught.value.path == "x"
    return caught.value


# ---------------------------------------------------------------- the table, row by row


@pytest.mark.parametrize(("t", "value", "expected"), [
    ("int", 42, 42),
    ("int", 3.0, 3),
    ("int", "42", 42),
    ("int", " -7 ", -7),
    ("int", "4.0", 4),  # numeric text, read as the number 4.0 is (spec §2: range checks)
    ("int", "1e3", 1000),
    ("int", Decimal("12"), 12),
    ("int", 2**31 - 1, 2**31 - 1),
    ("int", -(2**31), -(2**31)),
    ("long", 2**40, 2**40),
    ("long", "9223372036854775807", 2**63 - 1),
    ("double", 2, 2.0),
    ("double", "2.5", 2.5),
    ("double", Decimal("0.25"), 0.25),
    ("decimal", "1.50", Decimal("1.50")),
    ("decimal", 0.1, Decimal("0.1")),
    ("decimal", 3, Decimal(3)),
    ("decimal", Decimal("2.000"), Decimal("2.000")),
    ("bool", True, True),
    ("bool", "TRUE", True),
    ("bool", "false", False),
    ("string", "abc", "abc"),
    ("string", 123, "123"),
    ("string", 6.0, "6"),
    ("string", Decimal("1.50"), "1.50"),
    ("string", pendulum.datetime(2025, 1, 1, tz="UTC"), "2025-01-01T00:00:00.000+00:00"),
    ("null", None, None),
    ("int?", None, None),
    ("any", {"a": [1]}, {"a": [1]}),
    ("int[]", ["1", 2.0, 3], [1, 2, 3]),
    ("int[]", (1, 2), [1, 2]),
    ("map<long>", {"a": "5"}, {"a": 5}),
    ("Item", {"sku": 5, "quantity": "2", "extra": 1}, {"sku": "5", "quantity": 2}),
    ("{a: int, …}", {"a": "1", "b": [2]}, {"a": 1, "b": [2]}),
    ("Missing", {"x": object}, {"x": object}),  # a defs name that resolves to nothing: any
])
def test_accepted(t: str, value: Any, expected: Any) -> None:
    if t == "{a: int, …}":
        target: Type = ObjectType({"a": INT}, closed=False)
    else:
        target = typ(t)
    result = convert(value, target, TZ, "x")
    assert result == expected
    assert type(result) is type(expected)


def test_decimal_from_float_has_no_binary_noise() -> None:
    assert str(convert(0.1 + 0.2, DECIMAL, TZ)) == "0.30000000000000004"
    assert str(convert(1.1, DECIMAL, TZ)) == "1.1"


@pytest.mark.parametrize(("t", "value", "message", "reason"), [
    ("int", True, "expected int, got boolean true", "kind"),
    ("int", 3.5, "expected int, got number 3.5 (not a whole number)", "fraction"),
    ("int", "3.5", 'expected int, got string "3.5" (not a whole number)', "text"),
    ("int", "abc", 'expected int, got string "abc"', "text"),
    ("int", "0x10", 'expected int, got string "0x10"', "text"),
    ("int", "1_000", 'expected int, got string "1_000"', "text"),
    ("int", 2**31, "2147483648 is out of range for int (-2147483648 to 2147483647)", "range"),
    ("int", -(2**31) - 1, "out of range for int", "range"),
    ("int", "1e999999999", "out of range for int", "range"),
    ("int", 1e300, "out of range for int", "range"),
    ("int", float("nan"), "expected int, got number nan", "range"),
    ("int", None, "expected int, got null", "null"),
    ("int", [1], "expected int, got array [1]", "kind"),
    ("long", 2**63, "out of range for long (-9223372036854775808 to 9223372036854775807)",
     "range"),
    ("long", "9223372036854775808", "out of range for long", "range"),
    ("double", True, "expected double, got boolean true", "kind"),
    ("double", "NaN", 'expected double, got string "NaN"', "text"),
    ("double", float("inf"), "expected double, got number inf (not a finite number)", "range"),
    ("double", "1e999", "out of range for double", "range"),
    ("double", 10**400, "out of range for double", "range"),
    ("decimal", "abc", 'expected decimal, got string "abc"', "text"),
    ("decimal", float("nan"), "(not a finite number)", "range"),
    ("decimal", Decimal("Infinity"), "(not a finite number)", "range"),
    ("decimal", False, "expected decimal, got boolean false", "kind"),
    ("bool", 1, "expected bool, got integer 1", "kind"),
    ("bool", 0, "expected bool, got integer 0", "kind"),
    ("bool", "yes", 'expected bool, got string "yes"', "text"),
    ("string", True, "expected string, got boolean true", "kind"),
    ("string", [1, 2], "expected string, got array [1, 2]", "kind"),
    ("string", {"a": 1}, 'expected string, got object {"a": 1}', "kind"),
    ("string", float("inf"), "expected string, got number inf", "range"),
    pytest.param("string", 10**5000, "too large", "range", id="string-huge-int"),
    ("string", dt.datetime(2025, 1, 1), "expected string, got date", "kind"),  # naive
    ("date", 5, "expected date, got integer 5", "kind"),
    ("date", "now", 'got string "now"', "text"),
    ("date", "10:30", "ISO 8601", "text"),
    ("date", "2025-13-01", 'got string "2025-13-01"', "text"),
    ("null", 0, "expected null, got integer 0", "kind"),
    ("null", "x", 'expected null, got string "x"', "kind"),
    ("int[]", "1,2", 'expected int[], got string "1,2"', "kind"),
    ("map<int>", [1], "expected map<int>, got array [1]", "kind"),
    ("Item", "x", 'expected object Item, got string "x"', "kind"),
])
def test_rejected(t: str, value: Any, message: str, reason: str) -> None:
    error = bad(value, t)
    assert message in error.detail
    assert error.message == f"x: {error.detail}"
    assert error.reason == reason
    assert error.expected == (f"object {t}" if t in DEFS else t)


def test_the_error_describes_the_value_shortly() -> None:
    error = bad("x" * 500, "int")
    assert len(error.message) < 80 and error.message.endswith("…")
    assert error.got.startswith('string "xxx') and len(error.got) < 50
    assert len(bad(list(range(1000)), "string").message) < 80
    assert bad(None, "Item").got == "null"
    assert bad(None, "Item").expected == "object Item"


def test_a_conversion_error_is_a_gml_runtime_error_that_pickles() -> None:
    error = bad("abc", "int")
    assert isinstance(error, gml.GmlRuntimeError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.expected, copy.got, copy.detail, copy.reason, copy.message) == (
        error.path, error.expected, error.got, error.detail, error.reason, error.message)


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-01-01", pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai")),
    ("2025-01-01T10:30", pendulum.datetime(2025, 1, 1, 10, 30, tz="Asia/Shanghai")),
    ("2025-12-01T10:30:00.000+08:00",
     pendulum.datetime(2025, 12, 1, 10, 30, tz=pendulum.FixedTimezone(8 * 3600))),
    ("2025-12-01T10:30:00Z", pendulum.datetime(2025, 12, 1, 10, 30, tz="UTC")),
    (dt.datetime(2025, 1, 1, 8), pendulum.datetime(2025, 1, 1, 8, tz="Asia/Shanghai")),
    (dt.date(2025, 1, 1), pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai")),
    (dt.datetime(2025, 1, 1, tzinfo=dt.UTC), pendulum.datetime(2025, 1, 1, tz="UTC")),
])
def test_dates(value: Any, expected: pendulum.DateTime) -> None:
    result = convert(value, DATE, TZ, "x")
    assert isinstance(result, pendulum.DateTime)
    assert result == expected
    assert result.utcoffset() == expected.utcoffset()


def test_a_date_keeps_its_offset() -> None:
    result = convert("2025-12-01T10:30:00+02:00", DATE, TZ, "x")
    assert result.utcoffset() == dt.timedelta(hours=2)


def test_the_timezone_may_be_named() -> None:
    assert convert("2025-01-01", DATE, "UTC") == pendulum.datetime(2025, 1, 1, tz="UTC")


# ---------------------------------------------------------------- paths and many problems


def test_problems_are_named_from_the_path() -> None:
    raw = {"items": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": "2"},
                     {"sku": 5, "quantity": True}, {"sku": "d"}]}
    with pytest.raises(ConversionError) as caught:
        convert(raw, typ("Filter"), TZ, "filter", limit=20)
    found = [(p.path, p.reason) for p in caught.value.problems]
    assert found == [("filter.items[2].quantity", "kind"),
                     ("filter.items[3].quantity", "missing")]
    missing = caught.value.problems[1]
    assert missing.message == ("filter.items[3].quantity: missing (a required field of "
                               "type int)")
    assert (missing.expected, missing.got) == ("int", "nothing")


def test_keys_that_are_not_identifiers_are_quoted_and_the_root_is_dollar() -> None:
    with pytest.raises(ConversionError) as caught:
        convert({"ok": 1, "a b": "x", "c": True}, typ("map<int>"), TZ, limit=5)
    assert [p.path for p in caught.value.problems] == ['["a b"]', "c"]
    with pytest.raises(ConversionError) as caught:
        convert([{"sku": "a"}], typ("Item[]"), TZ)
    assert caught.value.path == "[0].quantity"
    with pytest.raises(ConversionError) as caught:
        convert({"a": 1}, STRING, TZ)
    assert caught.value.path == "$" and caught.value.message.startswith("$: expected string")


def test_the_first_problem_is_raised_and_limit_caps_the_rest() -> None:
    with pytest.raises(ConversionError) as caught:
        convert(["x"] * 1000, typ("int[]"), TZ, "ids", limit=20)
    assert len(caught.value.problems) == 20
    assert caught.value.problems[0] is caught.value and caught.value.path == "ids[0]"
    with pytest.raises(ConversionError) as caught:
        convert(["x"] * 1000, typ("int[]"), TZ, "ids")
    assert len(caught.value.problems) == 1


def test_map_keys_must_be_strings() -> None:
    error = bad({1: 2}, "map<int>")
    assert error.reason == "kind" and "a key that is not a string (1)" in error.message


# ---------------------------------------------------------------- recursion


def nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"name": "leaf", "children": []}
    for _ in range(levels):
        node = {"name": "n", "children": [node]}
    return node


def test_recursive_defs_follow_the_value() -> None:
    assert convert(nested(20), typ("Node"), TZ, "tree") == nested(20)


def test_hostile_nesting_is_a_problem_not_a_recursion_error() -> None:
    with pytest.raises(ConversionError) as caught:
        convert(nested(5000), typ("Node"), TZ, "tree")
    assert caught.value.reason == "depth"
    assert f"nested too deeply (more than {MAX_DEPTH} levels)" in caught.value.message
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ConversionError):  # the type is finite: recursion follows the value
        convert(deep, typ("int[][][][][][][][][][]"), TZ, "x")
    assert convert(deep, ANY, TZ, "x") is deep




@given(JSON, st.sampled_from(TYPES))
def test_conversion_only_raises_its_own_errors_and_is_idempotent(value: Any, t: str) -> None:
    try:
        converted = convert(value, typ(t), TZ, "x", limit=20)
    except ConversionError as error:
        assert error.problems[0] is error and len(error.problems) <= 20
        assert all(p.code == "G303" and p.path.startswith("x") for p in error.problems)
    else:
        if t not in ("any", "Holder"):  # `any` keeps NaN, which is not equal to itself
            assert convert(converted, typ(t), TZ, "x") == converted


# ---------------------------------------------------------------- the static twin


@pytest.mark.parametrize(("source", "target", "expected"), [
    ("int", "long", True),
    ("long", "int", True),  # the range is checked at run time, as for inputs (§2)
    ("int", "double", True),
    ("long", "decimal", True),
    ("double", "decimal", True),
    ("double", "int", False),  # 4.5 never becomes an int: not a matter of range
    ("decimal", "long", False),
    ("decimal", "double", False),
    ("string", "decimal", True),  # §2: strings become decimals
    ("string", "date", True),  # §2: ISO strings become dates
    ("string", "int", False),  # `count: int = 'ten'` is E304: write INT(x)
    ("string", "bool", False),
    ("int", "string", False),  # `id = 42` for a string is E304: write STRING(x)
    ("date", "string", False),
    ("bool", "string", False),  # the converter refuses it too
    ("bool", "int", False),
    ("int?", "int", True),  # nulls are checked at run time
    ("null", "Item", True),
    ("int", "null", False),
    ("any", "Item", True),
    ("Item", "any", True),
    ("int[]", "long[]", True),
    ("int?[]", "int[]", True),
    ("int[]", "string[]", False),
    ("int[]", "int", False),
    ("map<int>", "map<long>", True),
    ("map<int>", "map<string>", False),
    ("Item", "Item", True),
    ("Item", "{sku: string, quantity: long}", True),
    ("Item", "{sku: string}", True),  # trimmed
    ("Item", "{sku: string, note: string?}", True),  # a missing nullable field is null
    ("Item", "{sku: string, note: string}", False),  # never there
    ("Item", "{sku: string, quantity: bool}", False),
    ("Item", "map<string>", False),  # quantity is an int
    ("{sku: string, quantity: string}", "map<string>", True),
    ("map<int>", "{a: int, b: long?}", True),  # keys may be absent, like nulls
    ("map<bool>", "{a: int}", False),
    ("Node", "Node", True),
    ("Order", "{id: string, items: {sku: string}[], amount: double}", False),
    ("Order", "{id: string, items: {sku: string}[], amount: decimal}", True),
])
def test_assignable_examples(source: str, target: str, expected: bool) -> None:
    assert assignable(typ(source), typ(target)) is expected


def test_assignable_follows_recursive_defs_of_another_name() -> None:
    DEFS["Tree"] = ObjectType({"name": STRING, "children": typ("Tree[]?")}, name="Tree")
    DEFS["Bad"] = ObjectType({"name": INT, "children": typ("Bad[]?")}, name="Bad")
    assert assignable(typ("Node"), typ("Tree")) and assignable(typ("Tree"), typ("Node"))
    assert not assignable(typ("Node"), typ("Bad"))


def test_open_shapes_may_have_the_fields_a_target_needs() -> None:
    shape = ObjectType({"a": INT}, closed=False)
    assert assignable(shape, typ("{a: int, b: string}"))
    assert not assignable(ObjectType({"a": INT}), typ("{a: int, b: string}"))


def test_the_compiler_keeps_the_old_name() -> None:
    import compiler

    assert compiler.compatible is assignable


# ---------------------------------------------------------------- properties: one rule, two forms
#
# Random types are built from primitives with `T?`, `T[]`, `map<T>` and closed objects over
# a few field names (so that two random objects share fields). `values(t)` draws a value of
# static type t as GML holds one: ints of any size for int and long, floats (NaN and
# infinities too) for double, decimals, text (numeric, ISO and boolean text among it), aware
# datetimes, and nulls where t is nullable (a nullable object field may also be absent).
# Sources never contain `any` or open shapes, whose values the type does not describe.

LEAVES: list[Type] = [BOOL, INT, LONG, DOUBLE, DECIMAL, STRING, DATE]
FIELDS = ["a", "b", "c"]
TEXTS = ["42", "4.0", "-3.5", " 7 ", "1e999", "1e3", "NaN", "true", "FALSE", "abc", "",
         "2025-01-01", "2025-12-01T10:30:00+08:00", "2025-13-01", "10:30"]


def _nullable(t: Type) -> Type:
    return t if isinstance(t, Nullable) else Nullable(t)


def _types(leaves: list[Type], *, open_objects: bool = False) -> st.SearchStrategy[Type]:
    def grow(inner: st.SearchStrategy[Type]) -> st.SearchStrategy[Type]:
        fields = st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3)
        closed = st.booleans() if open_objects else st.just(True)
        return st.one_of(inner.map(_nullable), inner.map(ArrayType), inner.map(MapType),
                         st.builds(ObjectType, fields, closed))

    return st.recursive(st.sampled_from(leaves), grow, max_leaves=5)


SOURCES = _types(LEAVES)
TARGETS = _types([*LEAVES, ANY, NULL], open_objects=True)


def related(s: Type) -> st.SearchStrategy[Type]:
    """Types of the same shape as ``s`` with parts changed, so that a good share of the pairs
    (s, t) is assignable and the conversions have something to do."""
    options = [TARGETS, st.just(s)]
    if isinstance(s, Nullable):
        options += [related(s.inner), related(s.inner).map(_nullable)]
    elif isinstance(s, ArrayType):
        options.append(related(s.element).map(ArrayType))
    elif isinstance(s, MapType):
        options += [related(s.value).map(MapType),
                    st.dictionaries(st.sampled_from(FIELDS), related(s.value), max_size=3)
                    .map(ObjectType)]
    elif isinstance(s, ObjectType):
        kept = st.fixed_dictionaries({k: related(v) for k, v in s.fields.items()})
        extra = st.dictionaries(st.sampled_from(FIELDS), TARGETS, max_size=1)
        options += [st.builds(lambda a, b: ObjectType({**b, **a}), kept, extra),
                    st.builds(lambda a: ObjectType(dict(list(a.items())[1:])), kept),
                    st.one_of(*[related(v) for v in s.fields.values()] or [TARGETS])
                    .map(MapType)]
    else:
        options.append(st.sampled_from([*LEAVES, ANY, _nullable(s)]))
    return st.one_of(options)


def values(t: Type, *, full: bool = False) -> st.SearchStrategy[Any]:
    """Values of static type ``t``; ``full`` ones have no nulls, no absent fields and no
    empty arrays or maps (so every part of the type has a value to show)."""
    t = strip_null(t) if full else t
    if isinstance(t, Nullable):
        return st.none() | values(t.inner)
    if isinstance(t, ArrayType):
        return st.lists(values(t.element, full=full), min_size=int(full), max_size=3)
    if isinstance(t, MapType):
        keys = st.sampled_from(["a", "b", "c", "x", "a b"]) | st.text(max_size=3)
        return st.dictionaries(keys, values(t.value, full=full), min_size=int(full),
                               max_size=3)
    if isinstance(t, ObjectType):
        required = {k: values(v, full=full) for k, v in t.fields.items()
                    if full or not accepts_null(v)}
        optional = {k: values(v) for k, v in t.fields.items() if k not in required}
        return st.fixed_dictionaries(required, optional=optional)
    return {
        BOOL: st.booleans(),
        INT: st.integers(),
        LONG: st.integers(),
        DOUBLE: st.floats(),
        DECIMAL: st.decimals(allow_nan=False, min_value=-(10**30), max_value=10**30)
        | st.sampled_from([Decimal("Infinity"), Decimal("1E+400"), Decimal("-0.000")]),
        STRING: st.text(max_size=10) | st.sampled_from(TEXTS)
        | st.from_regex(r"\d{4}-\d{2}[-0-9T:.+Z ]{0,16}", fullmatch=True),
        DATE: st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1),
                           timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))]))
        .map(pendulum.instance),
    }[t]


_SEGMENT = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def _segments(path: str) -> list[str | int]:
    found: list[str | int] = []
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        assert match is not None, path
        name, index, quoted = match.groups()
        found.append(name if name is not None else int(index) if index is not None
                     else json.loads(quoted))
        position = match.end()
    return found


def _absence_is_a_value_accident(source: Type, path: str) -> bool:
    """Whether a field missing at ``path`` may be missing from a value of ``source``: the
    source there is a map (whose keys the type does not fix) or an object whose field of
    that name is nullable (and may be absent)."""
    *parents, name = _segments(path)
    t = strip_null(source)
    for segment in parents:
        if isinstance(t, ArrayType):
            t = strip_null(t.element)
        elif isinstance(t, MapType):
            t = strip_null(t.value)
        else:
            assert isinstance(t, ObjectType)
            t = strip_null(t.fields[str(segment)])
    if isinstance(t, MapType):
        return True
    return isinstance(t, ObjectType) and name in t.fields and accepts_null(t.fields[str(name)])


def _value_accident(problem: ConversionError, source: Type) -> bool:
    """A problem that the static types could not have foreseen (`ConversionError.reason`)."""
    if problem.reason == "missing":
        return _absence_is_a_value_accident(source, problem.path)
    return problem.reason in ("null", "range", "text")


def _same(a: Any, b: Any) -> bool:
    """The same value of the same Python types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def check_accepted(source: Type, target: Type, value: Any) -> None:
    """If ``assignable(S, T)``, every value of S converts to T, or fails only for a reason
    no static type can see: a null (or an absent field, where S is a map or the field is
    nullable), a number out of T's range or not finite, or text that does not read as T.
    A ``kind``, ``fraction`` or ``depth`` problem means that the checker accepted a pair
    the converter refuses by type, which is the disagreement this exists to catch (the old
    rule let any object or map through to any other)."""
    if not assignable(source, target):
        return
    try:
        convert(value, target, TZ, limit=50)
    except ConversionError as error:
        wrong = [p.message for p in error.problems if not _value_accident(p, source)]
        assert not wrong, (str(source), str(target), wrong)


def check_refused(source: Type, target: Type, full_value: Any) -> None:
    """If not ``assignable(S, T)``, no fully populated value of S (no nulls, no empty
    arrays or maps, every field present) converts to T unchanged: the conversion fails, or
    it changes the value (its Python type or its value). So the checker refuses only pairs
    where the run would fail or silently rewrite the value (``long`` → ``int`` passes
    values through, so it is assignable; ``int`` → ``string`` rewrites 42 as "42", so the
    checker may ask for ``STRING(x)``).

    With `check_accepted` this pins the rule between two limits; where they leave a choice
    (text read as int, double or bool; numbers and dates written as text; decimal to
    double) the rule refuses, as spec/fdl.md §2 and E304 say, and `test_assignable_examples`
    holds those choices."""
    if assignable(source, target):
        return
    try:
        converted = convert(full_value, target, TZ)
    except ConversionError:
        return
    assert not _same(converted, full_value), (str(source), str(target))


PAIRS = [(s, t) for s in LEAVES for t in [*LEAVES, ANY, NULL]]


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
@settings(max_examples=40)
@given(data=st.data())
def test_the_checker_and_the_converter_agree_on_primitives(source: Type, target: Type,
                                                           data: st.DataObject) -> None:
    """`check_accepted` and `check_refused` for every pair of primitive types."""
    check_accepted(source, target, data.draw(values(Nullable(source)), "v"))
    check_refused(source, target, data.draw(values(source, full=True), "full v"))


@settings(max_examples=300)
@given(st.data())
def test_what_the_checker_accepts_converts_at_run_time(data: st.DataObject) -> None:
    """`check_accepted` for random types built of arrays, maps, objects and nullables."""
    source = data.draw(SOURCES, "S")
    target = data.draw(st.one_of(related(source), TARGETS), "T")
    assume(assignable(source, target))
    check_accepted(source, target, data.draw(values(source), "v"))


@settings(max_examples=300)
@given(st.data())
def test_what_the_checker_refuses_never_passes_through_unchanged(data: st.DataObject) -> None:
    """`check_refused` for random types built of arrays, maps, objects and nullables."""
    source = data.draw(SOURCES, "S")
    target = data.draw(st.one_of(related(source), TARGETS), "T")
    assume(not assignable(source, target))
    check_refused(source, target, data.draw(values(source, full=True), "v"))


@given(st.sampled_from(LEAVES), st.sampled_from(LEAVES))
def test_assignable_primitive_pairs_are_exactly_the_documented_ones(source: Type,
                                                                   target: Type) -> None:
    widening = {(INT, LONG), (LONG, INT), (INT, DOUBLE), (LONG, DOUBLE), (INT, DECIMAL),
                (LONG, DECIMAL), (DOUBLE, DECIMAL), (STRING, DECIMAL), (STRING, DATE)}
    assert assignable(source, target) is (source == target or (source, target) in widening)
