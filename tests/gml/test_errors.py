"""Errors (spec/gml.md §10): codes, positions, rendering, and limits that turn hostile input
into G306 instead of a hang or a crash."""

from __future__ import annotations

import pickle

import pytest

import gml


def test_error_hierarchy() -> None:
    assert issubclass(gml.GmlSyntaxError, gml.GmlError)
    assert issubclass(gml.GmlCompileError, gml.GmlError)
    assert issubclass(gml.GmlRuntimeError, gml.GmlError)
    assert issubclass(gml.GmlLimitError, gml.GmlRuntimeError)


def test_rendering_shows_the_line_and_a_caret() -> None:
    with pytest.raises(gml.GmlError) as info:
        gml.compile("a = 1\nb = 2 +\n\n")
    assert info.value.render() == (
        "2:8: G101: unexpected end of the program; expected an expression\n"
        "  b = 2 +\n"
        "         ^"
    )


def test_caret_under_a_multi_character_problem() -> None:
    with pytest.raises(gml.GmlCompileError) as info:
        gml.compile("x = 1\ny = NOPE(x)")
    assert str(info.value).splitlines() == [
        "2:5: G202: unknown function 'NOPE'",
        "  y = NOPE(x)",
        "      ^^^^",
    ]


def test_caret_respects_tabs_and_wide_characters() -> None:
    with pytest.raises(gml.GmlCompileError) as info:
        gml.compile("\t客户 = 1, 客户 + 1")
    lines = str(info.value).splitlines()
    assert lines[1] == "  \t客户 = 1, 客户 + 1"
    assert lines[2].startswith("  \t")
    assert info.value.column == 10


def test_compile_error_holds_every_diagnostic() -> None:
    with pytest.raises(gml.GmlCompileError) as info:
        gml.compile("a = NOPE()\nb = 'x' - 1\nc = a + b, c * 2")
    assert [d.code for d in info.value.diagnostics] == ["G202", "G206", "G201"]
    assert info.value.code == "G202"


def test_to_dict_is_the_json_errors_shape() -> None:
    with pytest.raises(gml.GmlRuntimeError) as info:
        gml.evaluate("1 + x / 0", {"x": 1})
    assert info.value.to_dict() == {"code": "G302", "message": "division by zero", "line": 1,
                                    "column": 5}


def test_errors_survive_pickling() -> None:
    with pytest.raises(gml.GmlRuntimeError) as info:
        gml.evaluate("x / 0", {"x": 1})
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.code, copy.line, copy.column, copy.message) == ("G302", 1, 1, "division by zero")


def test_runtime_errors_name_the_operation_and_the_type() -> None:
    with pytest.raises(gml.GmlRuntimeError) as info:
        gml.evaluate("a - b", {"a": "text", "b": 1})
    assert info.value.message == "cannot apply - to string and int"


# ---------------------------------------------------------------- limits (G306)


def test_deeply_nested_source_is_g306() -> None:
    with pytest.raises(gml.GmlLimitError) as info:
        gml.compile("(" * 500 + "1" + ")" * 500)
    assert info.value.code == "G306"
    with pytest.raises(gml.GmlLimitError):
        gml.compile("-" * 2000 + "1")
    with pytest.raises(gml.GmlLimitError):
        gml.compile(" + ".join(["1"] * 3000))
    with pytest.raises(gml.GmlLimitError):
        gml.compile("a" + ".b" * 5000)


def test_oversized_source_is_g306() -> None:
    with pytest.raises(gml.GmlLimitError):
        gml.compile("'" + "x" * 1_000_001 + "'")


def test_string_growth_is_capped() -> None:
    limits = gml.Limits(max_string=1000)
    with pytest.raises(gml.GmlLimitError) as info:
        gml.evaluate("s + s", {"s": "x" * 600}, limits=limits)
    assert (info.value.code, info.value.column) == ("G306", 1)
    with pytest.raises(gml.GmlLimitError):
        gml.evaluate("`${s}${s}`", {"s": "x" * 600}, limits=limits)


def test_array_growth_is_capped() -> None:
    limits = gml.Limits(max_array=100)
    with pytest.raises(gml.GmlLimitError):
        gml.evaluate("a + a", {"a": list(range(60))}, limits=limits)
    with pytest.raises(gml.GmlLimitError):
        gml.evaluate("[...a, ...a]", {"a": list(range(60))}, limits=limits)


def test_huge_integers_are_capped() -> None:
    with pytest.raises(gml.GmlLimitError):
        gml.evaluate("x * x * x * x * x * x * x * x", {"x": 10**2000})


def test_deeply_nested_input_is_capped_where_it_is_walked() -> None:
    value: object = 1
    for _ in range(300):
        value = [value]
    with pytest.raises(gml.GmlLimitError):
        gml.evaluate("`${v}`", {"v": value})
    with pytest.raises(gml.GmlLimitError):
        gml.evaluate("v == v", {"v": value})
    assert gml.evaluate("v[0][0] != null", {"v": value}) is True


def test_self_referencing_input_is_an_error_not_a_hang() -> None:
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(gml.GmlLimitError):
        gml.evaluate("`${v}`", {"v": loop})
