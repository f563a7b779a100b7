"""Limits that bound work, not only sizes (issue #17): values counted by their expanded size,
a step budget per evaluation, and lone surrogates that never reach a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest

import gml
from gml._size import expanded_size
from gml.convert import ConversionError, convert
from gml.types import STRING

# ---------------------------------------------------------------- expanded size


def doubling(steps: int) -> str:
    """``$a0 = [[1]]``, ``$a1 = [$a0, $a0]``, …: 300 characters, 2**steps leaves."""
    lines = ["$a0 = [[1]]"] + [f"$a{i} = [$a{i - 1}, $a{i - 1}]" for i in range(1, steps + 1)]
    return "\n".join([*lines, f"r = $a{steps} == $a{steps}", f"s = TOJSON($a{steps})"])


def g306(source: str, data: dict[str, Any] | None = None, **limits: int) -> gml.GmlError:
    with pytest.raises(gml.GmlRuntimeError) as caught:
        gml.compile(source)(data or {}, limits=gml.Limits(**limits) if limits else None)
    assert caught.value.code == "G306"
    assert caught.value.line is not None
    return caught.value


def test_an_array_built_by_doubling_one_part_fails_as_it_is_built() -> None:
    error = g306(doubling(40))
    assert "counting a shared part every time it is reachable" in error.message
    assert error.line == 23  # $a22: 2**24 - 2 elements, the first past 10 million


def test_a_small_doubled_array_still_works() -> None:
    result = gml.compile(doubling(5))()
    assert result["r"] is True
    assert json.loads(result["s"]) == json.loads(json.dumps(_doubled(5)))


def _doubled(steps: int) -> Any:
    value: Any = [[1]]
    for _ in range(steps):
        value = [value, value]
    return value


def chain(step: str, levels: int = 12) -> str:
    """``$v0 = [[1]]`` then ``levels`` temporaries, each ``step`` with ``{p}`` the one before."""
    lines = ["$v0 = [[1]]"] + [f"$v{i} = " + step.format(p=f"$v{i - 1}")
                               for i in range(1, levels + 1)]
    return "\n".join([*lines, f"r = $v{levels}"])


@pytest.mark.parametrize(("source", "small"), [
    *((chain(step), chain(step, 3)) for step in [
        "{{x: {p}, y: {p}}}", "[{p}] + [{p}]", "[...[{p}, {p}]]", "[{p}].addAll([{p}])"]),
    ("r = xs.reduce((acc, i) => [acc, acc], [1])",
     "r = xs.take(3).reduce((acc, i) => [acc, acc], [1])"),
    ("r = xs.reduce((acc, i) => xs.take(2).map(j => acc), [1])",
     "r = xs.take(3).reduce((acc, i) => xs.take(2).map(j => acc), [1])"),
])
def test_every_way_of_sharing_a_part_is_counted(source: str, small: str) -> None:
    g306(source, {"xs": list(range(12))}, max_total=1000)
    # the same construction, fewer times, stays within the limit and computes
    assert gml.compile(small)({"xs": list(range(12))}, limits=gml.Limits(max_total=1000))


def test_a_built_in_result_that_repeats_a_part_is_counted() -> None:
    source = "$a = xs.map(i => [1, 2, 3])\n$b = xs.map(i => $a)\n$c = xs.map(i => $b)"
    assert "4001001000 elements" in g306(source, {"xs": list(range(1000))}).message


def test_measuring_walks_each_shared_part_once() -> None:
    value: Any = [1]
    for _ in range(200):
        value = [value, value]  # 2**200 elements: walking it as a tree would never end
    with pytest.raises(gml.GmlError, match="exceeds the limit"):
        expanded_size(value, {}, 10**6)
    memo: dict[int, tuple[int, Any]] = {}
    small: Any = [1]
    for _ in range(10):
        small = [small, small]
    assert expanded_size(small, memo, 10**6) == 2**11 - 2 + 2**10
    assert len(memo) == 10  # each distinct level once; the flat [1] needs no record


def test_a_value_that_contains_itself_is_refused() -> None:
    cycle: list[Any] = [1]
    cycle.append(cycle)
    with pytest.raises(gml.GmlError, match="contains itself"):
        expanded_size(cycle, {}, 10**6)


# ---------------------------------------------------------------- step budget


@pytest.mark.parametrize("source", [
    "r = xs.map(i => xs.map(j => i + j).sum()).sum()",
    "r = xs.map(i => xs.length).sum()",      # a projection over an array is work too
    "r = xs.filter(i => i IN xs).length()",
    "r = xs.map(i => xs == ys).length()",
])
def test_nested_work_runs_out_of_steps(source: str) -> None:
    xs = list(range(300))
    error = g306(source, {"xs": xs, "ys": list(xs)}, max_steps=20_000)
    assert "steps of work" in error.message


def test_the_same_work_within_the_budget_computes() -> None:
    xs = list(range(30))
    assert gml.compile("xs.map(i => xs.map(j => i + j).sum()).sum()")(
        {"xs": xs}, limits=gml.Limits(max_steps=20_000)) == 2 * 30 * sum(xs)


def test_the_budget_is_per_evaluation() -> None:
    program = gml.compile("xs.map(i => i * 2).sum()")
    limits = gml.Limits(max_steps=250)  # one evaluation spends 202 (map 101, sum 101)
    for _ in range(5):
        assert program({"xs": list(range(100))}, limits=limits) == 9900


# ---------------------------------------------------------------- lone surrogates


def test_a_string_input_with_a_lone_surrogate_is_a_conversion_error() -> None:
    with pytest.raises(ConversionError) as caught:
        convert("ok \ud800", STRING, "UTC")
    assert caught.value.code == "G303"
    assert "lone surrogate (\\ud800 at character 3)" in caught.value.message
    caught.value.message.encode("utf-8")  # the message itself is printable


def test_json_of_a_lone_surrogate_is_escaped_and_valid_utf8() -> None:
    text = gml.compile("TOJSON(FROMJSON(s))")({"s": '["\\ud800x", "\\udfff"]'})
    assert text == '["\\ud800x","\\udfff"]'
    text.encode("utf-8")
    assert json.loads(text) == ["\ud800x", "\udfff"]


def test_characters_outside_the_bmp_are_kept_in_json() -> None:
    assert gml.to_json(["é😀"]) == '["é😀"]'


def test_json_of_one_long_string_held_many_times_is_bounded() -> None:
    error = g306("TOJSON(xs.map(x => s))", {"xs": list(range(100)), "s": "x" * 1000},
                 max_string=50_000)
    assert "JSON text would exceed 50000 characters" in error.message
