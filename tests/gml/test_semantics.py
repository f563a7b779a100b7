"""Values and semantics of spec/gml.md §5: navigation, operators, truthiness, equality, text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pendulum
import pytest

import gml

SHANGHAI = pendulum.datetime(2025, 12, 1, 10, 30, tz="Asia/Shanghai")
DATA: dict[str, Any] = {
    "user": {"name": "Alice", "addr": {"city": "Paris"}, "tags": ["a", "b"]},
    "orders": [
        {"id": 1, "items": [{"sku": "x"}, {"sku": "y"}], "note": None},
        {"id": 2, "items": [{"sku": "z"}]},
        {"id": 3},
    ],
    "nested": [[1, 2], [3]],
    "d": SHANGHAI,
    "n": None,
    "s": "héllo",
    "dec": Decimal("1.10"),
}


def ev(source: str, **extra: Any) -> Any:
    return gml.evaluate(source, {**DATA, **extra})


def same(actual: Any, expected: Any) -> bool:
    """Equal and of the same Python type (so 5 is not 5.0 and True is not 1)."""
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected, strict=True))
    return type(actual) is type(expected) and actual == expected


# ---------------------------------------------------------------- navigation (§5.3)


@pytest.mark.parametrize(("source", "expected"), [
    ("user.name", "Alice"),
    ("user?.name", "Alice"),
    ("user.missing", None),
    ("user.addr.city", "Paris"),
    ("n.anything", None),
    ("n?.a?.b", None),
    ("missing.deeply.nested", None),
    ("orders.id", [1, 2, 3]),
    ("orders.items.sku", ["x", "y", "z"]),
    ("orders.note", []),
    ("nested.length()", 2),
    ("d.year", 2025), ("d.month", 12), ("d.day", 1), ("d.hour", 10), ("d.minute", 30),
    ("d.second", 0), ("d.millisecond", 0), ("d.weekday", 1), ("d.dayOfYear", 335),
    ("d.nothing", None),
    ("s.length", None),
    ("user.tags[0]", "a"), ("user.tags[-1]", "b"), ("user.tags[5]", None),
    ("user.tags[-3]", None),
    ("user['name']", "Alice"), ("user['nope']", None),
    ("s[1]", "é"), ("s[-1]", "o"), ("s[10]", None),
    ("n[0]", None), ("user.tags[n]", None),
    ("n.trim()", None), ("n?.length()", None),
    ("orders['id']", [1, 2, 3]),
])
def test_navigation(source: str, expected: Any) -> None:
    assert same(ev(source), expected)


def test_navigation_returns_the_value_itself_without_copying() -> None:
    big = {"doc": {"a": {"b": [1, 2, 3]}}}
    assert gml.evaluate("doc.a.b", big) is big["doc"]["a"]["b"]


# ---------------------------------------------------------------- operators (§5.4)


@pytest.mark.parametrize(("source", "expected"), [
    ("1 + 2", 3), ("1 + 2.5", 3.5), ("1 + dec", Decimal("2.10")), ("2.5 + dec", Decimal("3.60")),
    ("'a' + 1", "a1"), ("1 + 'a'", "1a"), ("'a' + null", "a"), ("'a' + true", "atrue"),
    ("'x' + 6.0", "x6"), ("'x' + 1.5", "x1.5"), ("'x' + [1, 'b']", 'x[1,"b"]'),
    ("'x' + {k: 1}", 'x{"k":1}'), ("[1] + [2, 3]", [1, 2, 3]), ("null + 1", None),
    ("1 + null", None), ("null + null", None),
    ("5 - 3", 2), ("5 - 0.5", 4.5), ("null - 1", None), ("2 * 3", 6), ("2 * 1.5", 3.0),
    ("dec * 2", Decimal("2.20")), ("null * 2", None),
    ("15 / 3", 5), ("7 / 2", 3.5), ("-7 / 2", -3.5), ("1.0 / 4", 0.25),
    ("dec / 2", Decimal("0.55")),
    ("null / 2", None),
    ("7 % 3", 1), ("-7 % 3", -1), ("7 % -3", 1), ("7.5 % 2", 1.5), ("null % 2", None),
    ("-5", -5), ("--5", 5), ("-null", None), ("+5", 5), ("-dec", Decimal("-1.10")),
    ("1 < 2", True), ("2 <= 2", True), ("3 > 2.5", True), ("1 >= dec", False),
    ("'a' < 'b'", True), ("'B' < 'a'", True), ("null < 1", False), ("1 > null", False),
    ("d > '2025-01-01'", True), ("'2026-01-01' > d", True), ("d >= d", True),
    ("1 == 1.0", True), ("1 == dec", False), ("dec == 1.1", True), ("1 == '1'", False),
    ("1 == true", False), ("null == null", True), ("null == 0", False),
    ("[1, {a: [2]}] == [1.0, {a: [2]}]", True), ("{a: 1, b: 2} == {b: 2, a: 1}", True),
    ("{a: 1} == {a: 1, b: null}", False), ("[1, 2] != [2, 1]", True),
    ("d == '2025-12-01T02:30:00Z'", True), ("d == '2025-12-01'", False), ("1 === 1", True),
    ("1 !== 2", True),
    ("true && 'x'", True), ("0 && x", False), ("1 AND 1", True),
    ("user.nick || 'unknown'", "unknown"), ("'a' || 'b'", "a"), ("0 OR 5", 5),
    ("null ?? 5", 5), ("0 ?? 5", 0), ("'' ?? 5", ""),
    ("2 IN [1, 2]", True), ("2.0 IN [1, 2]", True), ("3 NOT IN [1, 2]", True),
    ("'ell' IN 'hello'", True), ("'x' IN 'hello'", False), ("null IN [null]", True),
    ("1 IN null", False),
    ("'hello' LIKE 'h%'", True), ("'hello' LIKE 'h_llo'", True), ("'hello' LIKE 'H%'", False),
    ("'hello' LIKE 'ell'", False), ("'50%' LIKE '50\\\\%'", True), ("'500' LIKE '50\\\\%'", False),
    ("null LIKE '%'", False), ("'abc' NOT LIKE 'a%'", False),
    ("'a.c' LIKE 'a.c'", True), ("'abc' LIKE 'a.c'", False),
    ("!0", True), ("!'x'", False), ("NOT null", True), ("!!{}", False), ("!![0]", True),
    ("1 ? 'y' : 'n'", "y"), ("[] ? 'y' : 'n'", "n"),
])
def test_operators(source: str, expected: Any) -> None:
    assert same(ev(source), expected)


def test_and_or_short_circuit() -> None:
    assert ev("false && 1 / 0") is False
    assert ev("true || 1 / 0") is True
    assert ev("5 ?? 1 / 0") == 5
    assert ev("true ? 1 : 1 / 0") == 1
    assert ev("CASE WHEN true THEN 1 ELSE 1 / 0 END") == 1


@pytest.mark.parametrize(("source", "code"), [
    ("1 / 0", "G302"), ("1 % 0", "G302"), ("dec / 0", "G302"), ("1.5 / 0", "G302"),
    ("x - 1", "G301"), ("x * 2", "G301"), ("u + i", "G301"), ("x < 1", "G301"),
    ("x < u", "G301"), ("arr < arr", "G301"), ("d < 5", "G301"), ("d < 'soon'", "G301"),
    ("-x", "G301"), ("x IN 5", "G301"), ("i IN 'abc'", "G301"), ("i LIKE 'a'", "G301"),
    ("u + 1", "G301"),
])
def test_operator_runtime_errors(source: str, code: str) -> None:
    with pytest.raises(gml.GmlRuntimeError) as info:
        gml.evaluate(source, {**DATA, "x": "str", "u": True, "arr": [1], "i": 1})
    assert info.value.code == code
    assert info.value.line == 1


def test_runtime_error_points_at_the_failing_operation() -> None:
    with pytest.raises(gml.GmlRuntimeError) as info:
        gml.evaluate("a = 1\nb = a + (c / 0)", {"c": 1})
    assert (info.value.line, info.value.column) == (2, 10)
    assert "division by zero" in info.value.message
    assert "c / 0" in info.value.render()


# ---------------------------------------------------------------- truthiness (§5.2)


@pytest.mark.parametrize(("value", "truth"), [
    (None, False), (False, False), (0, False), (0.0, False), (Decimal(0), False), ("", False),
    ([], False), ({}, False), (True, True), (1, True), (-1, True), (0.1, True),
    (Decimal("0.01"), True), ("0", True), ("false", True), ([0], True), ({"a": None}, True),
    (SHANGHAI, True),
])
def test_truthiness(value: Any, truth: bool) -> None:
    assert gml.evaluate("v ? true : false", {"v": value}) is truth
    assert gml.evaluate("!v", {"v": value}) is (not truth)


# ---------------------------------------------------------------- conversion to text (§5.6)


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), ("s", "s"), (True, "true"), (False, "false"), (42, "42"), (10**30, "1" + "0" * 30),
    (6.0, "6"), (0.1, "0.1"), (1.5, "1.5"), (-2.0, "-2"), (1e15, "1000000000000000"),
    (1e20, "1e+20"),
    (Decimal("1.50"), "1.50"), (Decimal("1E+2"), "100"),
    (SHANGHAI, "2025-12-01T10:30:00.000+08:00"),
    ([1, "a", None, True], '[1,"a",null,true]'), ({"k": [1.0, Decimal("2.5")]}, '{"k":[1,2.5]}'),
    ({"d": SHANGHAI}, '{"d":"2025-12-01T10:30:00.000+08:00"}'), ({"ü": "é"}, '{"ü":"é"}'),
])
def test_template_conversion(value: Any, text: str) -> None:
    assert gml.evaluate("`${v}`", {"v": value}) == text
    assert gml.evaluate("'' + v", {"v": value}) == text


# ---------------------------------------------------------------- CASE (§4.3)


@pytest.mark.parametrize(("source", "expected"), [
    ("CASE WHEN 0 THEN 'a' WHEN 'x' THEN 'b' ELSE 'c' END", "b"),
    ("CASE WHEN 0 THEN 'a' END", None),
    ("CASE 2 WHEN 1 THEN 'one' WHEN 2.0 THEN 'two' END", "two"),
    ("CASE user.name WHEN 'Bob' THEN 1 ELSE 0 END", 0),
    ("CASE [1] WHEN [1] THEN 'deep' END", "deep"),
])
def test_case(source: str, expected: Any) -> None:
    assert ev(source) == expected


# ---------------------------------------------------------------- literals


def test_object_literal_later_keys_override_and_spreads_merge() -> None:
    assert ev("{a: 1, ...user.addr, a: 2, [s]: 3, [1]: 4, ...null, ...5}") == {
        "a": 2, "city": "Paris", "héllo": 3, "1": 4}


def test_array_spreads() -> None:
    assert ev("[0, ...user.tags, ...null, 9]") == [0, "a", "b", 9]
    with pytest.raises(gml.GmlRuntimeError) as info:
        ev("[...user]")
    assert info.value.code == "G301"


def test_computed_key_must_be_text_or_number() -> None:
    with pytest.raises(gml.GmlRuntimeError) as info:
        ev("{[null]: 1}")
    assert info.value.code == "G301"


def test_now_constant_uses_the_clock_and_the_timezone() -> None:
    instant = pendulum.datetime(2025, 1, 1, 0, 0, tz="UTC")
    value = gml.evaluate("now", {}, tz="Asia/Shanghai", clock=lambda: instant)
    assert value == instant
    assert value.utcoffset().total_seconds() == 8 * 3600
    assert gml.evaluate("now", {"now": "shadowed"}) == "shadowed"


def test_whole_input_is_the_context() -> None:
    data = {"a": 1, "b": 2}
    assert gml.evaluate("$", data) == data
    assert gml.evaluate("$.a", data) == 1


def test_decimal_nan_compares_false_instead_of_crashing() -> None:
    assert gml.evaluate("a < b", {"a": Decimal("NaN"), "b": 1}) is False
    assert gml.evaluate("a >= 1.5", {"a": Decimal("NaN")}) is False
    assert gml.evaluate("a < 1.5", {"a": Decimal("1")}) is True


def test_huge_decimal_exponent_stays_in_scientific_form() -> None:
    assert gml.evaluate("`${a}`", {"a": Decimal("1e999999999")}) == "1E+999999999"


@pytest.mark.parametrize(("source", "value", "message"), [
    ("x.trim()", 5, "an int has no method 'trim'"),
    ("x.map(v => v)", "text", "a string has no method 'map'"),
    ("x.keys()", [1], "an array has no method 'keys'"),
    ("x.offset('1d')", True, "a bool has no method 'offset'"),
    ("x.toDate()", 1.5, "a double has no method 'toDate'"),
])
def test_method_missing_for_the_runtime_type_is_g305(source: str, value: Any,
                                                     message: str) -> None:
    with pytest.raises(gml.GmlRuntimeError) as info:
        gml.evaluate(source, {"x": value})
    assert info.value.code == "G305"
    assert message in info.value.message
    assert (info.value.line, info.value.column) == (1, 1)


def test_methods_on_null_receivers_give_null() -> None:
    assert gml.evaluate("x.trim()", {"x": None}) is None
    assert gml.evaluate("x.map(v => v)", {"x": None}) is None
    assert gml.evaluate("x.y.keys().first()", {"x": None}) is None
