"""String methods of spec/gml.md §7.2, called directly through `STRING_METHODS`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gml._context import EvalContext
from gml._errors import GmlRuntimeError
from gml._limits import Limits
from gml.builtins.strings import STRING_METHODS
from gml.types import BOOL, DATE, INT, STRING, ArrayType, Nullable

NOW = pendulum.datetime(2025, 6, 15, 10, 30, tz="Asia/Shanghai")
CTX = EvalContext(pendulum.timezone("Asia/Shanghai"), lambda: NOW, Limits())
SMALL = EvalContext(pendulum.timezone("Asia/Shanghai"), lambda: NOW,
                    Limits(max_array=10, max_string=10))


def call(name: str, receiver: str, *args: Any, ctx: EvalContext = CTX) -> Any:
    builtin = STRING_METHODS[name]
    if builtin.context:
        return builtin.impl(ctx, receiver, *args)
    return builtin.impl(receiver, *args)


def error_code(name: str, receiver: str, *args: Any, ctx: EvalContext = CTX) -> str:
    with pytest.raises(GmlRuntimeError) as caught:
        call(name, receiver, *args, ctx=ctx)
    assert name in caught.value.message or caught.value.code == "G306"
    return caught.value.code




@pytest.mark.parametrize(("alias", "name"), [
    ("upper", "toUpperCase"), ("lower", "toLowerCase"), ("contains", "includes"),
])
def test_aliases_share_one_builtin(alias: str, name: str) -> None:
    assert STRING_METHODS[alias] is STRING_METHODS[name]


@pytest.mark.parametrize(("name", "receiver", "args", "expected"), [
    ("length", "你好!", (), 3),
    ("length", "", (), 0),
    ("length", "👍🏽", (), 2),
    ("trim", " \t hi \n", (), "hi"),
    ("trim", "\u3000hi\u00a0", (), "hi"),
    ("trimStart", "  hi  ", (), "hi  "),
    ("trimEnd", "  hi  ", (), "  hi"),
    ("toUpperCase", "abc é", (), "ABC É"),
    ("upper", "x", (), "X"),
    ("toLowerCase", "ABC É", (), "abc é"),
    ("lower", "X", (), "x"),
    ("startsWith", "Hello", ("He",), True),
    ("startsWith", "Hello", ("he",), False),
    ("startsWith", "Hello", ("",), True),
    ("startsWith", "Hello", (None,), False),
    ("endsWith", "Hello", ("llo",), True),
    ("endsWith", "Hello", (None,), False),
    ("includes", "Hello", ("ell",), True),
    ("contains", "Hello", ("xyz",), False),
    ("includes", "Hello", (None,), False),
    ("indexOf", "banana", ("an",), 1),
    ("indexOf", "banana", ("x",), -1),
    ("indexOf", "banana", (None,), -1),
    ("indexOf", "你好你好", ("好",), 1),
    ("lastIndexOf", "banana", ("an",), 3),
    ("lastIndexOf", "banana", (None,), -1),
])
def test_simple_methods(name: str, receiver: str, args: tuple[Any, ...], expected: Any) -> None:
    assert call(name, receiver, *args) == expected


@pytest.mark.parametrize("name", ["startsWith", "endsWith", "includes", "indexOf",
                                  "lastIndexOf"])
def test_search_arguments_must_be_strings(name: str) -> None:
    assert error_code(name, "abc", 1) == "G301"


# ---------------------------------------------------------------- positions


@pytest.mark.parametrize(("args", "expected"), [
    ((7,), "World"),
    ((0, 5), "Hello"),
    ((5, 0), "Hello"),
    ((-3, 2), "He"),
    ((2, -3), "He"),
    ((3, 99), "lo, World"),
    ((99,), ""),
    ((4, 4), ""),
    ((1, None), "ello, World"),
    ((1.0, 2.0), "e"),
])
def test_substring_uses_javascript_rules(args: tuple[Any, ...], expected: str) -> None:
    assert call("substring", "Hello, World", *args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ((-5,), "World"),
    ((0, -7), "Hello"),
    ((7, 99), "World"),
    ((5, 2), ""),
    ((-99, 2), "He"),
    ((2, None), "llo, World"),
])
def test_slice_counts_negative_positions_from_the_end(args: tuple[Any, ...],
                                                      expected: str) -> None:
    assert call("slice", "Hello, World", *args) == expected


@given(st.text(max_size=8), st.integers(-10, 10), st.integers(-10, 10))
def test_slice_agrees_with_python_slicing(text: str, start: int, end: int) -> None:
    assert call("slice", text, start, end) == text[start:end]


@given(st.text(max_size=8), st.integers(-10, 10), st.integers(-10, 10))
def test_substring_is_symmetric_and_in_range(text: str, start: int, end: int) -> None:
    result = call("substring", text, start, end)
    assert result == call("substring", text, end, start)
    assert result in text


@pytest.mark.parametrize(("index", "expected"), [
    (0, "你"), (2, "!"), (-1, "!"), (-3, "你"), (3, None), (-4, None),
])
def test_char_at_counts_negative_indexes_from_the_end(index: int, expected: str | None) -> None:
    assert call("charAt", "你好!", index) == expected


@pytest.mark.parametrize(("name", "args"), [
    ("substring", ("1",)), ("substring", (0, "x")), ("slice", (None,)), ("charAt", (1.5,)),
    ("padStart", ("3",)), ("padEnd", (3, 0)),
])
def test_bad_position_arguments_are_g301(name: str, args: tuple[Any, ...]) -> None:
    assert error_code(name, "abc", *args) == "G301"


# ---------------------------------------------------------------- split, replace, pad


@pytest.mark.parametrize(("receiver", "args", "expected"), [
    ("a,b,,c", (), ["a", "b", "", "c"]),
    ("a,b", (None,), ["a", "b"]),
    ("Hello, World", (", ",), ["Hello", "World"]),
    ("abc", ("",), ["a", "b", "c"]),
    ("", (), [""]),
    ("", ("",), []),
    ("a-b", ("x",), ["a-b"]),
])
def test_split(receiver: str, args: tuple[Any, ...], expected: list[str]) -> None:
    assert call("split", receiver, *args) == expected


def test_split_checks_its_separator_and_the_array_limit() -> None:
    assert error_code("split", "a,b", 1) == "G301"
    assert error_code("split", ",,,,,,,,,,", ctx=SMALL) == "G306"
    assert error_code("split", "abcdefghijk", "", ctx=SMALL) == "G306"
    assert call("split", ",,,,,,,,,", ctx=SMALL) == [""] * 10


@pytest.mark.parametrize(("name", "receiver", "args", "expected"), [
    ("replace", "a-b-c", ("-", "+"), "a+b-c"),
    ("replace", "a-b-c", ("-",), "ab-c"),
    ("replace", "a-b-c", ("-", None), "ab-c"),
    ("replace", "a-b-c", ("x", "y"), "a-b-c"),
    ("replace", "a-b-c", (None, "y"), "a-b-c"),
    ("replace", "abc", ("", "x"), "xabc"),
    ("replaceAll", "a-b-c", ("-", "+"), "a+b+c"),
    ("replaceAll", "a-b-c", ("-",), "abc"),
    ("replaceAll", "aaa", ("aa", "b"), "ba"),
    ("replaceAll", "abc", ("", "-"), "-a-b-c-"),
    ("replaceAll", "abc", (None, "-"), "abc"),
])
def test_replace_first_and_replace_all(name: str, receiver: str, args: tuple[Any, ...],
                                       expected: str) -> None:
    assert call(name, receiver, *args) == expected


@pytest.mark.parametrize("name", ["replace", "replaceAll"])
def test_replace_checks_arguments_and_the_string_limit(name: str) -> None:
    assert error_code(name, "abc", 1, "x") == "G301"
    assert error_code(name, "abc", "b", 2) == "G301"
    assert error_code(name, "abcabc", "b", "xxxxxx", ctx=SMALL) == "G306"
    assert call(name, "abcabc", "b", "xxxxx" if name == "replace" else "xxx", ctx=SMALL)


@pytest.mark.parametrize(("name", "receiver", "args", "expected"), [
    ("padStart", "7", (3, "0"), "007"),
    ("padStart", "7", (3,), "  7"),
    ("padStart", "7", (3, None), "  7"),
    ("padStart", "abc", (2, "0"), "abc"),
    ("padStart", "abc", (-1,), "abc"),
    ("padStart", "abc", (6, "12"), "121abc"),
    ("padStart", "abc", (6, ""), "abc"),
    ("padEnd", "ab", (5, "xy"), "abxyx"),
    ("padEnd", "ab", (4,), "ab  "),
    ("padEnd", "你", (3, "好"), "你好好"),
])
def test_padding(name: str, receiver: str, args: tuple[Any, ...], expected: str) -> None:
    assert call(name, receiver, *args) == expected


@pytest.mark.parametrize("name", ["padStart", "padEnd"])
def test_padding_respects_the_string_limit(name: str) -> None:
    assert error_code(name, "a", 11, ctx=SMALL) == "G306"
    assert error_code(name, "a", 10**12) == "G306"
    assert len(call(name, "a", 10, "-", ctx=SMALL)) == 10


# ---------------------------------------------------------------- toDate


@pytest.mark.parametrize(("text", "args", "expected"), [
    ("2025-01-05T10:00:00+02:00", (), pendulum.datetime(2025, 1, 5, 8, tz="UTC")),
    ("2025-01-05T10:00:00Z", (), pendulum.datetime(2025, 1, 5, 10, tz="UTC")),
    ("2025-01-05 10:00", (), pendulum.datetime(2025, 1, 5, 10, tz="Asia/Shanghai")),
    (" 2025-01-05 ", (), pendulum.datetime(2025, 1, 5, tz="Asia/Shanghai")),
    ("10:15", (), pendulum.datetime(2025, 6, 15, 10, 15, tz="Asia/Shanghai")),
    ("05/01/2025", ("DD/MM/YYYY",), pendulum.datetime(2025, 1, 5, tz="Asia/Shanghai")),
    ("05/01/2025 23:59 +01:00", ("DD/MM/YYYY HH:mm Z",),
     pendulum.datetime(2025, 1, 5, 22, 59, tz="UTC")),
    ("2025-01-05", (None,), pendulum.datetime(2025, 1, 5, tz="Asia/Shanghai")),
])
def test_to_date(text: str, args: tuple[Any, ...], expected: datetime) -> None:
    result = call("toDate", text, *args)
    assert isinstance(result, datetime) and result.tzinfo is not None
    assert result == expected


def test_to_date_without_offset_uses_the_evaluation_timezone() -> None:
    assert call("toDate", "2025-01-05T10:00:00").utcoffset() == pendulum.duration(hours=8)


@pytest.mark.parametrize(("text", "args"), [
    ("garbage", ()),
    ("2025-13-01", ()),
    ("P1D", ()),
    ("", ()),
    ("05/01/2025", ("YYYY-MM-DD",)),
    ("05/01/2025", ("QQQ QQQ",)),
])
def test_malformed_dates_are_g304(text: str, args: tuple[Any, ...]) -> None:
    assert error_code("toDate", text, *args) == "G304"


def test_to_date_pattern_must_be_a_string() -> None:
    assert error_code("toDate", "2025-01-01", 5) == "G301"


# ---------------------------------------------------------------- types


@pytest.mark.parametrize(("name", "expected"), [
    ("length", INT), ("trim", STRING), ("startsWith", BOOL), ("indexOf", INT),
    ("split", ArrayType(STRING)), ("charAt", Nullable(STRING)), ("toDate", DATE),
])
def test_result_types(name: str, expected: Any) -> None:
    assert STRING_METHODS[name].result_type(STRING, []) == expected
