"""Value conversion (gml/convert.py, spec/fdl.md §2): the rows of the conversion table,
errors and paths."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gml
from gml.convert import MAX_DEPTH, ConversionError, convert
from gml.types import (
    ANY,
    DATE,
    DECIMAL,
    INT,
    STRING,
    ArrayType,
    Nullable,
    ObjectType,
    RefType,
    Type,
    parse_type,
)

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


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.decimals() | st.sampled_from(["42", "2025-01-01", "true", "1e999", "-3.0", "now"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "sku", "quantity", "items", "amount", "name",
                                       "children", "a b", "meta", "tags"]) | st.text(max_size=3),
                      children, max_size=5),
    max_leaves=25,
)
TYPES = ["int", "long", "double", "decimal", "bool", "string", "date", "null", "any",
         "map<int?>[]", "map<decimal>", "Order", "Order[]?", "Node", "Holder", "Filter"]


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
