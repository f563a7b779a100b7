"""Programs of spec/gml.md §3: single-value and object mode, shorthands, temporaries, scope."""

from __future__ import annotations

from typing import Any

import pytest

import gml
from gml.types import INT

CTX: dict[str, Any] = {"user": {"name": "Alice", "age": 30, "city": "Paris"},
                       "taskId": "t1", "status": "done", "count": 5, "orders": [1, 2]}


def ev(source: str) -> Any:
    return gml.evaluate(source, CTX)


@pytest.mark.parametrize(("source", "expected"), [
    ("user.city", "Paris"),
    ("'你好'", "你好"),
    ("orders", [1, 2]),
    ("count + 1", 6),
    ("{a: 1}", {"a": 1}),
])
def test_single_value_mode_returns_the_expression(source: str, expected: Any) -> None:
    assert ev(source) == expected
    assert gml.compile(source).single_value


@pytest.mark.parametrize(("source", "expected"), [
    ("taskId, status", {"taskId": "t1", "status": "done"}),
    ("x = 10, y = x * 2, y", {"x": 10, "y": 20}),
    ("user.name, orders", {"name": "Alice", "orders": [1, 2]}),
    ("a = 1", {"a": 1}),
    ("...user", {"name": "Alice", "age": 30, "city": "Paris"}),
    ("...user\nname = 'x'", {"name": "x", "age": 30, "city": "Paris"}),
    ("name = 'x'\n...user", {"name": "Alice", "age": 30, "city": "Paris"}),
    ("...null, ...5, ...'str', a = 1", {"a": 1}),
    ("$base = count * 2\ntotal = $base + 1", {"total": 11}),
    ("count = count + 1", {"count": 6}),
    ("count = count + 1\nnext = count + 1", {"count": 6, "next": 7}),
    ("a = 1\nb = this.a + 1\nc = this", {"a": 1, "b": 2, "c": {"a": 1, "b": 2}}),
    ("$t = 3, v = this.$t", {"v": 3}),
    ("$t = 1, $t = $t + 1, v = $t", {"v": 2}),
    ("a = orders.map(count => count * 10)\nb = count", {"a": [10, 20], "b": 5}),
])
def test_object_mode(source: str, expected: Any) -> None:
    program = gml.compile(source)
    assert not program.single_value
    result = program(CTX)
    assert result == expected
    assert list(result) == list(expected)  # definition order


def test_earlier_fields_shadow_the_context_and_lambda_params_shadow_fields() -> None:
    assert ev("user = 'me'\nwho = user") == {"user": "me", "who": "me"}
    assert ev("x = 1\nys = orders.map(x => x)") == {"x": 1, "ys": [1, 2]}


def test_fields_defined_by_a_spread_are_read_through_this() -> None:
    # Decision (docs/gml.md): names resolve to fields defined by assignments; fields a spread
    # brought in are reached with `this.field`, so a tool result never shadows a variable.
    assert ev("...user\nn1 = this.name\nn2 = name") == {
        "name": "Alice", "age": 30, "city": "Paris", "n1": "Alice", "n2": None}


def test_bare_non_path_in_object_mode_is_g201() -> None:
    with pytest.raises(gml.GmlCompileError) as info:
        gml.compile("a = 1, a + 1")
    assert info.value.code == "G201"
    assert (info.value.line, info.value.column) == (1, 8)


def test_program_result_is_a_fresh_object_each_call() -> None:
    program = gml.compile("a = count")
    first = program(CTX)
    first["a"] = 99
    assert program(CTX) == {"a": 5}


def test_compile_is_cached_by_source() -> None:
    assert gml.compile("count + 41") is gml.compile("count + 41")


def test_programs_are_reentrant_across_calls_with_lambdas() -> None:
    program = gml.compile("xs.map(x => ys.map(y => x * y))")
    assert program({"xs": [1, 2], "ys": [3, 4]}) == [[3, 4], [6, 8]]
    assert program({"xs": [5], "ys": [1]}) == [[5]]


def test_udfs_are_callable_and_checked() -> None:
    env = gml.Environment(functions=[gml.udf("twice", lambda x: x * 2, params=["x: int"],
                                             returns="int", doc="twice x")])
    assert env.evaluate("TWICE(21)") == 42
    assert env.evaluate("twice(1) + 1") == 3
    diagnostics = env.check("twice(1, 2)")
    assert [d.code for d in diagnostics] == ["G202"]
    assert env.check_result("twice(1)").result == INT
    assert gml.check("twice(1)")[0].code == "G202"  # not in the default environment


def test_a_host_function_may_replace_a_built_in() -> None:
    env = gml.Environment(functions=[gml.udf("upper", lambda s: f"<{s}>", params=["s"])])
    assert env.evaluate("UPPER('a')") == "<a>"
