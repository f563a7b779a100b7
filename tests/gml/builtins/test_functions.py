"""The built-in functions of spec/gml.md §6, called directly through ``FUNCTIONS``.

Each call goes through the table the compiler uses: ``call`` passes the evaluation context when
the built-in declares ``context`` and wraps arguments in thunks when it is ``lazy``, exactly as
compiled code does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from decimal import Decimal
from typing import Any

import pendulum
import pytest

from gml._context import EvalContext
from gml._errors import GmlLimitError, GmlRuntimeError
from gml._limits import Limits
from gml.builtins import FUNCTIONS
from gml.builtins._examples import EXAMPLE_NOW
from gml.types import (
    ANY,
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
)

SHANGHAI = pendulum.timezone("Asia/Shanghai")


def make_context(limits: Limits | None = None) -> EvalContext:
    return EvalContext(SHANGHAI, lambda: EXAMPLE_NOW, limits or Limits())


def call(name: str, *args: Any, limits: Limits | None = None) -> Any:
    """Call a function as compiled code does: context first, lazy arguments as thunks."""
    builtin = FUNCTIONS[name.upper()]
    values: list[Any] = list(args)
    if builtin.lazy:
        values = [(lambda v=v: v) for v in values]
    if builtin.context:
        return builtin.impl(make_context(limits), *values)
    return builtin.impl(*values)


def fails(code: str, name: str, *args: Any, limits: Limits | None = None) -> GmlRuntimeError:
    with pytest.raises(GmlRuntimeError) as info:
        call(name, *args, limits=limits)
    assert info.value.code == code, info.value.message
    return info.value


def same(actual: Any, expected: Any) -> bool:
    """Equal and of the same Python type (5 is not 5.0, True is not 1)."""
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and list(actual) == list(expected) and all(
            same(actual[k], v) for k, v in expected.items())
    return type(actual) is type(expected) and actual == expected


ORDERS = [{"amount": 120}, {"amount": 80}, {"amount": 45.5}, {"amount": None}, {}]


# ---------------------------------------------------------------- the table itself


def test_every_spec_function_is_in_the_table() -> None:
    spec = [
        "SUM", "AVG", "MIN", "MAX", "MED", "COUNT", "ROUND", "FLOOR", "CEIL", "ABS", "CONCAT",
        "UPPER", "LOWER", "TRIM", "LEN", "LENGTH", "SUBSTRING", "REPLACE", "SPLIT", "JOIN", "IF",
        "COALESCE", "INT", "LONG", "FLOAT", "DOUBLE", "DECIMAL", "STRING", "BOOL", "NOW", "DATE",
        "TIME", "TODAY", "FORMAT_DATE", "PARSE_DATE", "TOJSON", "FROMJSON", "UUID", "MD5",
        "SHA256", "FIRST", "LAST", "KEYS", "VALUES",
    ]
    assert sorted(FUNCTIONS) == sorted(spec)


@pytest.mark.parametrize("alias, name", [("LENGTH", "LEN"), ("LONG", "INT"),
                                         ("DOUBLE", "FLOAT"), ("TIME", "DATE")])
def test_aliases_share_one_builtin(alias: str, name: str) -> None:
    assert FUNCTIONS[alias] is FUNCTIONS[name]


def test_every_function_documents_itself_with_examples() -> None:
    for builtin in set(FUNCTIONS.values()):
        assert builtin.doc and "\n" not in builtin.doc, builtin.name
        assert builtin.examples, builtin.name
        for _program, expected in builtin.examples:
            json.loads(expected)  # the expected result is valid JSON


# ---------------------------------------------------------------- aggregates


@pytest.mark.parametrize("args, expected", [
    (([1, 2, 3],), 6),
    (([1, 2.5],), 3.5),
    (([Decimal("0.1"), Decimal("0.2")],), Decimal("0.3")),
    (([1, "x", None, True, [2]],), 1),
    (([],), 0),
    ((None,), 0),
    ((1, 2, None, 4), 7),
    ((ORDERS, "amount"), 245.5),
    ((ORDERS, lambda o, *_: (o.get("amount") or 0) * 2), 491.0),
    ((None, "amount"), 0),
])
def test_sum(args: tuple[Any, ...], expected: Any) -> None:
    assert same(call("SUM", *args), expected)


@pytest.mark.parametrize("name, args, expected", [
    ("AVG", ([1, 2, 3, 4],), 2.5),
    ("AVG", ([2, 4, None],), 3),
    ("AVG", ([],), None),
    ("AVG", (None,), None),
    ("AVG", (["a"],), None),
    ("AVG", (ORDERS, "amount"), 81.83333333333333),
    ("MED", ([5, 1, 3],), 3),
    ("MED", ([4, 1, 3, 2],), 2.5),
    ("MED", ([Decimal("1"), Decimal("2")],), Decimal("1.5")),
    ("MED", ([],), None),
    ("MIN", ([3, 1, 2],), 1),
    ("MIN", (3, None, 2.5), 2.5),
    ("MIN", (["b", "a"],), "a"),
    ("MIN", ([],), None),
    ("MIN", (ORDERS, "amount"), 45.5),
    ("MAX", ([3, 1, 2],), 3),
    ("MAX", ([1, Decimal("1.5"), 1.2],), Decimal("1.5")),
    ("MAX", (None,), None),
    ("MAX", ("pear", "apple"), "pear"),
])
def test_mean_median_and_extremes(name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert same(call(name, *args), expected)


def test_min_max_of_dates() -> None:
    early = pendulum.datetime(2025, 1, 1, tz=SHANGHAI)
    late = pendulum.datetime(2025, 6, 1, tz=SHANGHAI)
    assert call("MIN", [late, early]) == early
    assert call("MAX", [late, early]) == late


@pytest.mark.parametrize("name", ["MIN", "MAX"])
def test_min_max_of_incomparable_values_is_a_type_error(name: str) -> None:
    fails("G301", name, [1, "a"])


@pytest.mark.parametrize("value, expected", [
    ([1, 2, 3], 3), ([], 0), (None, 0), ("abc", 1), ({"a": 1}, 1), (0, 1), (False, 1),
])
def test_count(value: Any, expected: int) -> None:
    assert same(call("COUNT", value), expected)


# ---------------------------------------------------------------- ROUND FLOOR CEIL ABS


@pytest.mark.parametrize("args, expected", [
    ((2.5,), 3),
    ((-2.5,), -3),
    ((0.5,), 1),
    ((-0.5,), -1),
    ((1.4999,), 1),
    ((2,), 2),
    ((2.4, 0), 2),
    ((2.675, 2), 2.68),
    ((-2.675, 2), -2.68),
    ((1.005, 2), 1.01),
    ((3.14159, 3), 3.142),
    ((1.5, 10), 1.5),
    ((7, 2), 7),
    ((1250, -2), 1300),
    ((-1250, -2), -1300),
    ((1249, -2), 1200),
    ((12.5, -1), 10.0),
    ((Decimal("2.5"),), 3),
    ((Decimal("-2.5"),), -3),
    ((Decimal("2.345"), 2), Decimal("2.35")),
    ((Decimal("-2.345"), 2), Decimal("-2.35")),
    ((Decimal("2.3"), 5), Decimal("2.3")),
    ((Decimal("123456789012345678901234567890.45"), 1),
     Decimal("123456789012345678901234567890.5")),
    ((Decimal("1250"), -2), Decimal("1.3E+3")),
    ((0.004, 2), 0.0),
    ((5, -10), 0),
    ((None,), None),
    ((2.5, None), 3),
])
def test_round_is_half_away_from_zero(args: tuple[Any, ...], expected: Any) -> None:
    assert same(call("ROUND", *args), expected)


@pytest.mark.parametrize("args, code", [
    (("2.5",), "G301"),
    ((True,), "G301"),
    ((2.5, 1.5), "G301"),
    ((2.5, "1"), "G301"),
    ((float("inf"),), "G303"),
    ((float("nan"), 2), "G303"),
    ((Decimal("NaN"),), "G303"),
])
def test_round_errors(args: tuple[Any, ...], code: str) -> None:
    fails(code, "ROUND", *args)


@pytest.mark.parametrize("name, value, expected", [
    ("FLOOR", 2.7, 2), ("FLOOR", -2.1, -3), ("FLOOR", 5, 5), ("FLOOR", Decimal("-1.5"), -2),
    ("FLOOR", 1e20, 100000000000000000000), ("FLOOR", None, None),
    ("CEIL", 2.1, 3), ("CEIL", -2.7, -2), ("CEIL", 5, 5), ("CEIL", Decimal("1.01"), 2),
    ("CEIL", None, None),
])
def test_floor_and_ceil_give_ints(name: str, value: Any, expected: Any) -> None:
    assert same(call(name, value), expected)


@pytest.mark.parametrize("name, value, code", [
    ("FLOOR", "1", "G301"), ("CEIL", [1], "G301"), ("FLOOR", float("inf"), "G303"),
    ("CEIL", float("nan"), "G303"), ("FLOOR", Decimal("1e99999"), "G303"),
])
def test_floor_and_ceil_errors(name: str, value: Any, code: str) -> None:
    fails(code, name, value)


@pytest.mark.parametrize("value, expected", [
    (-5, 5), (5, 5), (-2.5, 2.5), (Decimal("-1.2345678901234567890123456789012"),
                                   Decimal("1.2345678901234567890123456789012")),
    (None, None),
])
def test_abs_keeps_the_numeric_kind_and_every_digit(value: Any, expected: Any) -> None:
    assert same(call("ABS", value), expected)


def test_abs_of_a_string_is_a_type_error() -> None:
    error = fails("G301", "ABS", "-1")
    assert "ABS" in error.message and "string" in error.message


# ---------------------------------------------------------------- strings


@pytest.mark.parametrize("args, expected", [
    (("a", 1, None, True, 2.0), "a1true2"),
    ((), ""),
    (("x", [1, "y"], {"k": None}), 'x[1,"y"]{"k":null}'),
    ((Decimal("1.50"), pendulum.datetime(2025, 1, 1, tz=SHANGHAI)),
     "1.502025-01-01T00:00:00.000+08:00"),
])
def test_concat_converts_like_templates(args: tuple[Any, ...], expected: str) -> None:
    assert call("CONCAT", *args) == expected


def test_concat_respects_the_string_limit() -> None:
    with pytest.raises(GmlLimitError) as info:
        call("CONCAT", "abc", "def", limits=Limits(max_string=5))
    assert info.value.code == "G306"


@pytest.mark.parametrize("name, value, expected", [
    ("UPPER", "straße", "STRASSE"), ("UPPER", None, None),
    ("LOWER", "ÄBC", "äbc"), ("LOWER", None, None),
    ("TRIM", " \t a b \n", "a b"), ("TRIM", "\u3000x\u3000", "x"), ("TRIM", None, None),
])
def test_case_and_trim(name: str, value: Any, expected: Any) -> None:
    assert call(name, value) == expected


@pytest.mark.parametrize("name", ["UPPER", "LOWER", "TRIM"])
def test_case_and_trim_need_strings(name: str) -> None:
    error = fails("G301", name, 12)
    assert name in error.message and "int" in error.message


@pytest.mark.parametrize("value, expected", [
    ("你好!", 3), ("", 0), ([1, 2], 2), ({"a": 1, "b": 2}, 2), (None, 0), ("😀", 1),
])
def test_len(value: Any, expected: int) -> None:
    assert same(call("LEN", value), expected)
    assert same(call("LENGTH", value), expected)


@pytest.mark.parametrize("value", [12, 1.5, True, pendulum.datetime(2025, 1, 1)])
def test_len_of_a_scalar_is_a_type_error(value: Any) -> None:
    fails("G301", "LEN", value)


@pytest.mark.parametrize("args, expected", [
    (("Hello, World", 7), "World"),
    (("Hello, World", 0, 5), "Hello"),
    (("Hello, World", -5), "World"),
    (("Hello, World", -5, 3), "Wor"),
    (("abcde", -2, 5), "de"),
    (("abc", -10), "abc"),
    (("abc", 10), ""),
    (("abc", 1, 100), "bc"),
    (("abc", 1, -1), ""),
    (("abc", 1, None), "bc"),
    (("你好世界", 1, 2), "好世"),
    ((None, 1), None),
])
def test_substring_counts_characters(args: tuple[Any, ...], expected: Any) -> None:
    assert call("SUBSTRING", *args) == expected


@pytest.mark.parametrize("args", [(5, 1), ("abc", "1"), ("abc", None), ("abc", 0, "2")])
def test_substring_type_errors(args: tuple[Any, ...]) -> None:
    fails("G301", "SUBSTRING", *args)


@pytest.mark.parametrize("args, expected", [
    (("a-b-c", "-", "+"), "a+b+c"),
    (("a-b-c", "-"), "abc"),
    (("a-b-c", "-", None), "abc"),
    (("aaa", "a", "bb"), "bbbbbb"),
    (("abc", "x", "y"), "abc"),
    (("ab", "", "-"), "-a-b-"),
    ((None, "a", "b"), None),
])
def test_replace_replaces_every_occurrence(args: tuple[Any, ...], expected: Any) -> None:
    assert call("REPLACE", *args) == expected


def test_replace_errors_and_limits() -> None:
    fails("G301", "REPLACE", "abc", None)
    fails("G301", "REPLACE", "abc", "a", 1)
    fails("G306", "REPLACE", "aaaa", "a", "xx", limits=Limits(max_string=7))
    assert call("REPLACE", "aaaa", "a", "x", limits=Limits(max_string=4)) == "xxxx"


@pytest.mark.parametrize("args, expected", [
    (("a,b,,c",), ["a", "b", "", "c"]),
    (("a, b", ","), ["a", " b"]),
    (("a b", " "), ["a", "b"]),
    (("abc", ""), ["a", "b", "c"]),
    (("",), []),
    (("", ";"), []),
    (("a",), ["a"]),
    (("a,b", None), ["a", "b"]),
    ((None,), None),
])
def test_split(args: tuple[Any, ...], expected: Any) -> None:
    assert call("SPLIT", *args) == expected


def test_split_errors_and_limits() -> None:
    fails("G301", "SPLIT", 12)
    fails("G301", "SPLIT", "a", 1)
    fails("G306", "SPLIT", "a,b,c", limits=Limits(max_array=2))


@pytest.mark.parametrize("args, expected", [
    (([1, 2, 3],), "1,2,3"),
    ((["a", None, 1.0, True],), "a,,1,true"),
    ((["x", "y"], " | "), "x | y"),
    ((["x", "y"], ""), "xy"),
    (([],), ""),
    (([[1, 2], {"a": "b"}], ";"), '[1,2];{"a":"b"}'),
    ((None,), None),
])
def test_join(args: tuple[Any, ...], expected: Any) -> None:
    assert call("JOIN", *args) == expected


def test_join_errors_and_limits() -> None:
    fails("G301", "JOIN", "abc")
    fails("G301", "JOIN", ["a"], 1)
    fails("G306", "JOIN", ["abc", "def"], "-", limits=Limits(max_string=6))
    assert call("JOIN", ["ab", "cd"], "-", limits=Limits(max_string=5)) == "ab-cd"


# ---------------------------------------------------------------- IF COALESCE BOOL


def test_if_evaluates_only_the_chosen_branch() -> None:
    def boom() -> Any:
        raise AssertionError("the other branch was evaluated")

    impl = FUNCTIONS["IF"].impl
    assert impl(lambda: 1, lambda: "yes", boom) == "yes"
    assert impl(lambda: 0, boom, lambda: "no") == "no"
    assert impl(lambda: None, boom) is None


@pytest.mark.parametrize("test, expected", [
    (True, "a"), ("x", "a"), ([0], "a"), (False, "b"), ("", "b"), ([], "b"), ({}, "b"),
    (None, "b"), (0.0, "b"), (Decimal(0), "b"),
])
def test_if_uses_truthiness(test: Any, expected: str) -> None:
    assert call("IF", test, "a", "b") == expected


@pytest.mark.parametrize("args, expected", [
    ((None, None, 3, 4), 3), ((0, 1), 0), (("", "x"), ""), ((None,), None), ((None, None), None),
])
def test_coalesce_returns_the_first_non_null(args: tuple[Any, ...], expected: Any) -> None:
    assert same(call("COALESCE", *args), expected)


@pytest.mark.parametrize("value, expected", [
    (None, False), (False, False), (0, False), (0.0, False), (Decimal("0.0"), False), ("", False),
    ([], False), ({}, False), (True, True), (1, True), (-0.1, True), ("0", True), ([None], True),
    ({"a": None}, True), (pendulum.datetime(2025, 1, 1), True),
])
def test_bool_is_truthiness(value: Any, expected: bool) -> None:
    assert call("BOOL", value) is expected


# ---------------------------------------------------------------- conversions


@pytest.mark.parametrize("value, expected", [
    (42, 42), (3.9, 3), (-3.9, -3), (Decimal("-7.99"), -7), ("42", 42), (" -42 ", -42),
    ("+7", 7), ("7.9", 7), ("-7.9", -7), ("1e3", 1000), ("2.5E1", 25), (".5", 0),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    (True, 1), (False, 0), (None, None), (1e20, 100000000000000000000),
])
def test_int_truncates_exactly(value: Any, expected: Any) -> None:
    assert same(call("INT", value), expected)
    assert same(call("LONG", value), expected)


@pytest.mark.parametrize("value", [
    "abc", "", "1_000", "0x1F", "NaN", "Infinity", "1e", "١٢", "1.2.3", float("inf"),
    "1e9999999999999999999999999",
    float("nan"), Decimal("Infinity"), "1e99999", [1], {"a": 1},
    pendulum.datetime(2025, 1, 1),
])
def test_int_conversion_failures(value: Any) -> None:
    fails("G303", "INT", value)


@pytest.mark.parametrize("value, expected", [
    (2, 2.0), (2.5, 2.5), (Decimal("0.1"), 0.1), ("2.5", 2.5), (" 1e3 ", 1000.0), ("-0", -0.0),
    (True, 1.0), (None, None),
])
def test_float(value: Any, expected: Any) -> None:
    assert same(call("FLOAT", value), expected)
    assert same(call("DOUBLE", value), expected)


@pytest.mark.parametrize("value", ["x", "1e999", 10**400, Decimal("NaN"), [], {}])
def test_float_conversion_failures(value: Any) -> None:
    fails("G303", "FLOAT", value)


@pytest.mark.parametrize("value, expected", [
    ("0.1", Decimal("0.1")),
    ("12345678901234567890.123456789012345678901234567890",
     Decimal("12345678901234567890.123456789012345678901234567890")),
    ("1.50", Decimal("1.50")),
    (" -2e3 ", Decimal("-2E+3")),
    (0.1, Decimal("0.1")),
    (5, Decimal(5)),
    (Decimal("1.10"), Decimal("1.10")),
    (True, Decimal(1)),
    (None, None),
])
def test_decimal_keeps_every_digit(value: Any, expected: Any) -> None:
    result = call("DECIMAL", value)
    assert same(result, expected)
    if result is not None:
        assert str(result) == str(expected)


@pytest.mark.parametrize("value", [
    "abc", "NaN", float("inf"), [1], pendulum.datetime(2025, 1, 1), "1e999999999",
    "1e9999999999999999999999999", "1e-99999",
])
def test_decimal_conversion_failures(value: Any) -> None:
    fails("G303", "DECIMAL", value)


@pytest.mark.parametrize("value, expected", [
    (None, ""), ("x", "x"), (True, "true"), (6.0, "6"), (0.1, "0.1"), (Decimal("1.50"), "1.50"),
    ([1, None], "[1,null]"), ({"a": "é"}, '{"a":"é"}'),
    (pendulum.datetime(2025, 12, 1, 10, 30, tz=SHANGHAI), "2025-12-01T10:30:00.000+08:00"),
])
def test_string_uses_template_text(value: Any, expected: str) -> None:
    assert call("STRING", value) == expected


def test_string_respects_the_string_limit() -> None:
    fails("G306", "STRING", ["abcdef"], limits=Limits(max_string=5))


@pytest.mark.parametrize("value, expected", [
    ({"a": 1, "b": [True, None]}, '{"a":1,"b":[true,null]}'),
    ("x\"y", '"x\\"y"'),
    (None, "null"),
    (Decimal("1.10"), "1.10"),
    (2.0, "2"),
    (pendulum.datetime(2025, 1, 31, tz=SHANGHAI), '"2025-01-31T00:00:00.000+08:00"'),
])
def test_tojson_is_compact(value: Any, expected: str) -> None:
    assert call("TOJSON", value) == expected


def test_tojson_limits() -> None:
    fails("G306", "TOJSON", ["abcdef"], limits=Limits(max_string=5))
    deep: Any = []
    for _ in range(10):
        deep = [deep]
    fails("G306", "TOJSON", deep, limits=Limits(max_depth=5))


@pytest.mark.parametrize("text, expected", [
    ('{"a": [1, 2.5, null, true]}', {"a": [1, 2.5, None, True]}),
    ("1e3", 1000.0),
    ("12345678901234567890", 12345678901234567890),
    ('"x"', "x"),
    ("null", None),
    (None, None),
])
def test_fromjson(text: Any, expected: Any) -> None:
    assert same(call("FROMJSON", text), expected)


@pytest.mark.parametrize("text", ["{", "", "[1,]", "NaN", "Infinity", "{'a': 1}", "1 2"])
def test_fromjson_malformed(text: str) -> None:
    fails("G303", "FROMJSON", text)


def test_fromjson_errors_on_non_strings_and_deep_nesting() -> None:
    fails("G301", "FROMJSON", 12)
    fails("G306", "FROMJSON", "[[[[[[1]]]]]]", limits=Limits(max_depth=3))
    fails("G306", "FROMJSON", "[" * 100_000 + "]" * 100_000)


def test_fromjson_round_trips_tojson() -> None:
    value = {"a": [1, 2.5, "x", None, {"b": False}]}
    assert same(call("FROMJSON", call("TOJSON", value)), value)


# ---------------------------------------------------------------- dates


def test_now_is_the_context_clock_in_the_flow_timezone() -> None:
    now = call("NOW")
    assert now == EXAMPLE_NOW
    assert now.utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize("args, expected", [
    ((), "2025-06-15T10:30:00+08:00"),
    (("-3M",), "2025-03-15T10:30:00+08:00"),
    (("+1d",), "2025-06-16T10:30:00+08:00"),
    (("-5m",), "2025-06-15T10:25:00+08:00"),
    (("30s",), "2025-06-15T10:30:30+08:00"),
    (("-1y 2d",), "2024-06-13T10:30:00+08:00"),
    (("2025-01-31",), "2025-01-31T00:00:00+08:00"),
    (("2025-01-31T10:00:00",), "2025-01-31T10:00:00+08:00"),
    (("2025-01-31T10:00:00Z",), "2025-01-31T10:00:00+00:00"),
    (("2025-01-31T10:00:00-05:00",), "2025-01-31T10:00:00-05:00"),
])
def test_date(args: tuple[Any, ...], expected: str) -> None:
    result = call("DATE", *args)
    assert isinstance(result, pendulum.DateTime)
    assert result.isoformat() == expected
    assert call("TIME", *args) == result


def test_date_passes_datetimes_through_and_null_gives_null() -> None:
    moment = pendulum.datetime(2020, 2, 29, tz="Europe/Berlin")
    assert call("DATE", moment) is moment
    assert call("DATE", None) is None


@pytest.mark.parametrize("value, code", [
    ("yesterday", "G304"), ("2025-13-01", "G304"), ("10:30", "G304"), ("3 M", "G304"),
    (12, "G301"), ([], "G301"),
])
def test_date_errors(value: Any, code: str) -> None:
    fails(code, "DATE", value)


def test_today_is_the_start_of_the_current_day() -> None:
    assert call("TODAY").isoformat() == "2025-06-15T00:00:00+08:00"


@pytest.mark.parametrize("args, expected", [
    ((EXAMPLE_NOW,), "2025-06-15"),
    ((EXAMPLE_NOW, None), "2025-06-15"),
    ((EXAMPLE_NOW, "YYYY/MM/DD HH:mm:ss.SSS Z"), "2025/06/15 10:30:00.000 +08:00"),
    ((EXAMPLE_NOW, "dddd D MMMM YYYY [at] h A"), "Sunday 15 June 2025 at 10 AM"),
    (("2025-01-05T10:00:00+02:00", "HH:mm Z"), "10:00 +02:00"),
    (("2025-01-05", "DD.MM.YYYY HH:mm"), "05.01.2025 00:00"),
    ((None,), None),
])
def test_format_date(args: tuple[Any, ...], expected: Any) -> None:
    assert call("FORMAT_DATE", *args) == expected


def test_format_date_errors() -> None:
    fails("G304", "FORMAT_DATE", "not a date")
    fails("G301", "FORMAT_DATE", 12)
    fails("G301", "FORMAT_DATE", EXAMPLE_NOW, 12)


@pytest.mark.parametrize("args, expected", [
    (("31/01/2025 08:15", "DD/MM/YYYY HH:mm"), "2025-01-31T08:15:00+08:00"),
    (("2025-01-31 08:15 +02:00", "YYYY-MM-DD HH:mm Z"), "2025-01-31T08:15:00+02:00"),
    (("08:15", "HH:mm"), "2025-06-15T08:15:00+08:00"),
    (("2025-01-05T10:00:00Z",), "2025-01-05T10:00:00+00:00"),
    (("2025-01-05",), "2025-01-05T00:00:00+08:00"),
])
def test_parse_date(args: tuple[Any, ...], expected: str) -> None:
    assert call("PARSE_DATE", *args).isoformat() == expected


def test_parse_date_null_and_passthrough() -> None:
    assert call("PARSE_DATE", None) is None
    assert call("PARSE_DATE", None, "YYYY") is None
    assert call("PARSE_DATE", EXAMPLE_NOW, "YYYY") is EXAMPLE_NOW


@pytest.mark.parametrize("args, code", [
    (("2025-02-30", "YYYY-MM-DD"), "G304"),
    (("hello", "YYYY-MM-DD"), "G304"),
    (("31/01/2025",), "G304"),
    ((12, "YYYY"), "G301"),
    (("2025", 4), "G301"),
])
def test_parse_date_errors(args: tuple[Any, ...], code: str) -> None:
    fails(code, "PARSE_DATE", *args)


# ---------------------------------------------------------------- UUID and digests


def test_uuid_is_a_random_version_4_uuid() -> None:
    first, second = call("UUID"), call("UUID")
    pattern = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert re.fullmatch(pattern, first)
    assert first != second


@pytest.mark.parametrize("name, value, text", [
    ("MD5", "abc", "abc"), ("MD5", "你好", "你好"), ("MD5", 42, "42"), ("MD5", 6.0, "6"),
    ("SHA256", "abc", "abc"), ("SHA256", "", ""), ("SHA256", [1, "a"], '[1,"a"]'),
])
def test_digests_hash_the_utf8_text(name: str, value: Any, text: str) -> None:
    expected = hashlib.new(name.lower(), text.encode("utf-8")).hexdigest()
    assert call(name, value) == expected


def test_digest_known_values_and_null() -> None:
    assert call("MD5", "abc") == "900150983cd24fb0d6963f7d28e17f72"
    assert call("SHA256", "abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert call("MD5", None) is None
    assert call("SHA256", None) is None


# ---------------------------------------------------------------- arrays and objects


@pytest.mark.parametrize("name, value, expected", [
    ("FIRST", [1, 2, 3], 1), ("FIRST", [], None), ("FIRST", None, None), ("FIRST", [None, 1], None),
    ("LAST", [1, 2, 3], 3), ("LAST", [], None), ("LAST", None, None),
])
def test_first_and_last(name: str, value: Any, expected: Any) -> None:
    assert same(call(name, value), expected)


@pytest.mark.parametrize("name, value", [("FIRST", "abc"), ("LAST", {"a": 1}), ("FIRST", 1)])
def test_first_and_last_need_arrays(name: str, value: Any) -> None:
    fails("G301", name, value)


@pytest.mark.parametrize("name, value, expected", [
    ("KEYS", {"b": 1, "a": 2}, ["b", "a"]), ("KEYS", {}, []), ("KEYS", None, None),
    ("VALUES", {"b": 1, "a": None}, [1, None]), ("VALUES", {}, []), ("VALUES", None, None),
])
def test_keys_and_values_keep_insertion_order(name: str, value: Any, expected: Any) -> None:
    assert same(call(name, value), expected)


@pytest.mark.parametrize("name, value", [("KEYS", [1]), ("VALUES", "ab")])
def test_keys_and_values_need_objects(name: str, value: Any) -> None:
    fails("G301", name, value)


# ---------------------------------------------------------------- static result types


def result(name: str, *args: Any) -> Any:
    return FUNCTIONS[name].result_type(ANY, list(args))


@pytest.mark.parametrize("name, args, expected", [
    ("SUM", (ArrayType(INT),), INT),
    ("SUM", (ArrayType(Nullable(INT)),), INT),
    ("SUM", (INT, LONG), LONG),
    ("SUM", (ArrayType(DOUBLE),), DOUBLE),
    ("SUM", (ArrayType(DECIMAL),), DECIMAL),
    ("SUM", (ArrayType(ANY),), ANY),
    ("SUM", (ArrayType(ANY), STRING), ANY),
    ("SUM", (ArrayType(ANY), INT), INT),
    ("AVG", (ArrayType(INT),), Nullable(DOUBLE)),
    ("MED", (ArrayType(DECIMAL),), Nullable(DECIMAL)),
    ("MIN", (ArrayType(STRING),), Nullable(STRING)),
    ("MAX", (INT, DOUBLE), Nullable(DOUBLE)),
    ("COUNT", (ANY,), INT),
    ("ROUND", (DOUBLE,), INT),
    ("ROUND", (DECIMAL, INT), DECIMAL),
    ("ABS", (Nullable(DOUBLE),), DOUBLE),
    ("IF", (ANY, INT, NULL), Nullable(INT)),
    ("IF", (ANY, STRING), Nullable(STRING)),
    ("COALESCE", (Nullable(STRING), STRING), STRING),
    ("COALESCE", (Nullable(STRING), NULL), Nullable(STRING)),
    ("FIRST", (ArrayType(STRING),), Nullable(STRING)),
    ("LAST", (ANY,), ANY),
    ("KEYS", (ANY,), ArrayType(STRING)),
    ("VALUES", (MapType(INT),), ArrayType(INT)),
    ("NOW", (), DATE),
    ("DATE", (STRING,), DATE),
    ("SPLIT", (STRING,), ArrayType(STRING)),
])
def test_static_result_types(name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert result(name, *args) == expected


def test_variadic_signatures() -> None:
    for name in ("SUM", "MIN", "MAX", "CONCAT", "COALESCE"):
        assert FUNCTIONS[name].variadic, name
        assert FUNCTIONS[name].max_args is None
    assert "SUM(a, b, ...)" in FUNCTIONS["SUM"].signature
    assert FUNCTIONS["IF"].lazy
    assert (FUNCTIONS["IF"].min_args, FUNCTIONS["IF"].max_args) == (2, 3)


def test_only_gml_errors_escape() -> None:
    samples: list[Any] = [None, True, 0, -1, 2.5, float("inf"), Decimal("1.5"), "", "x", "1",
                          [], [1, "a"], {}, {"a": 1}, pendulum.datetime(2025, 1, 1)]
    tried = 0
    for name, builtin in FUNCTIONS.items():
        if builtin.lazy or name == "UUID":
            continue
        most = builtin.max_args if builtin.max_args is not None else builtin.min_args + 2
        arities = range(builtin.min_args, most + 1)
        for arity in arities:
            for value in samples:
                for other in samples[:8] if arity > 1 else [None]:
                    args = [value, *([other] * (arity - 1))][:arity]
                    with contextlib.suppress(GmlRuntimeError):
                        call(name, *args)
                    tried += 1
    assert tried > 1000


def test_date_results_are_aware_pendulum_datetimes() -> None:
    for name in ("NOW", "DATE", "TODAY"):
        value = call(name)
        assert isinstance(value, pendulum.DateTime)
        assert value.tzinfo is not None
