"""Property tests: the parser is total (GmlError or an AST, nothing else), printing an AST and
re-parsing it gives the same AST, and arithmetic and comparisons agree with a plain Python
model of spec §5.4."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st

import gml
from gml import nodes as n
from gml._parser import KEYWORDS

# ---------------------------------------------------------------- random text

TOKENS = [
    "a", "b", "x", "客户", "$t", "$", "this", "1", "2.5", "0", "'s'", '"d"', "`t ${a} u`", "`",
    "${", "}", "{", "[", "]", "(", ")", ",", "\n", "  ", "=", "=>", ":", "?", "?.", ".", "...",
    "+", "-", "*", "/", "%", "==", "!=", "===", "<", "<=", ">", ">=", "&&", "||", "??", "!",
    "AND", "OR", "NOT", "IN", "LIKE", "CASE", "WHEN", "THEN", "ELSE", "END", "true", "null",
    "# c\n", "map", "filter", "SUM", "\\", "'", '"', "@", "\t", "\r\n",
]


@given(st.text(max_size=200))
@example("`${`${`")
@example("{" * 300)
@example("'\\u")
@example("a\n\n\n.b")
def test_parser_never_raises_anything_but_gml_errors_on_text(source: str) -> None:
    try:
        gml.parse(source)
    except gml.GmlError as error:
        assert error.code in ("G101", "G306")
        assert error.line is not None and error.column is not None


@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_compile_never_raises_anything_but_gml_errors_on_token_soup(source: str) -> None:
    try:
        program = gml.compile(source)
    except gml.GmlError as error:
        assert error.code.startswith("G")
        return
    try:
        program({"a": 1, "b": [1, 2], "x": {"y": "z"}, "客户": "c"})
    except gml.GmlError as error:
        assert error.code.startswith("G3")


# ---------------------------------------------------------------- random ASTs

names = st.sampled_from(["a", "b", "xs", "客户", "_v", "and", "END_X"])
keys = st.one_of(names, st.text(min_size=0, max_size=5))
literals = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=0, max_value=10**20),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
).map(n.Literal)
leaves = st.one_of(literals, names.map(n.Name), names.map(n.Temp), st.just(n.WholeInput()),
                   st.just(n.This()), names.map(n.ThisTemp))
BINARY = ["||", "??", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "like",
          "not like", "+", "-", "*", "/", "%"]


def _extend(children: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
    lambdas = st.builds(n.Lambda, st.lists(names, max_size=3, unique=True).map(tuple), children)
    args = st.lists(st.one_of(children, lambdas), max_size=3).map(tuple)
    return st.one_of(
        st.builds(n.Member, children, st.one_of(names, st.sampled_from(sorted(KEYWORDS)))),
        st.builds(n.Index, children, children),
        st.builds(n.Call, st.sampled_from(["SUM", "f", "Count"]), args),
        st.builds(n.MethodCall, children, names, args),
        st.builds(n.Unary, st.sampled_from(["!", "-", "+"]), children),
        st.builds(n.Binary, st.sampled_from(BINARY), children, children),
        st.builds(n.Conditional, children, children, children),
        st.builds(n.Case, st.one_of(st.none(), children),
                  st.lists(st.builds(n.When, children, children), min_size=1, max_size=2)
                  .map(tuple), st.one_of(st.none(), children)),
        st.builds(n.Array, st.lists(st.one_of(children, st.builds(n.Spread, children)),
                                    max_size=3).map(tuple)),
        st.builds(n.Object, st.lists(st.one_of(
            st.builds(n.Field, keys, children),
            st.builds(n.ComputedField, children, children),
            st.builds(n.Spread, children)), max_size=3).map(tuple)),
        st.builds(n.Template, st.lists(st.one_of(st.text(min_size=1, max_size=6), children),
                                       max_size=3).map(_merge_text)),
    )


def _merge_text(parts: list[str | n.Expr]) -> tuple[str | n.Expr, ...]:
    merged: list[str | n.Expr] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged)


expressions = st.recursive(leaves, _extend, max_leaves=12)
statements = st.one_of(
    st.builds(n.Assign, names, expressions),
    st.builds(n.TempAssign, names, expressions),
    st.builds(n.SpreadStmt, expressions),
    st.builds(n.ExprStmt, expressions),
)


@given(st.lists(statements, min_size=1, max_size=4).map(lambda s: n.Program(tuple(s))))
def test_printing_and_reparsing_gives_the_same_ast(program: n.Program) -> None:
    text = gml.to_source(program)
    assert gml.parse(text) == program


@given(st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join))
def test_parse_print_parse_is_stable(source: str) -> None:
    try:
        first = gml.parse(source)
    except gml.GmlError:
        return
    assert gml.parse(gml.to_source(first)) == first


# ---------------------------------------------------------------- arithmetic model

numbers = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, allow_infinity=False,
                places=4),
)


def _model(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        a = Decimal(repr(a)) if isinstance(a, float) else Decimal(a)
        b = Decimal(repr(b)) if isinstance(b, float) else Decimal(b)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return a // b
        return a / b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == "==":
        return a == b
    raise AssertionError(op)


@given(numbers, numbers, st.sampled_from(["+", "-", "*", "/", "<", "<=", "=="]))
def test_arithmetic_and_comparison_agree_with_the_python_model(a: Any, b: Any, op: str) -> None:
    assume(not (op == "/" and b == 0))
    actual = gml.evaluate(f"a {op} b", {"a": a, "b": b})
    expected = _model(op, a, b)
    if isinstance(expected, float):
        assert isinstance(actual, float)
        assert actual == expected or math.isclose(actual, expected, rel_tol=1e-12)
    else:
        assert actual == expected
        assert type(actual) is type(expected)


@given(st.integers(), st.integers().filter(lambda v: v != 0))
def test_remainder_takes_the_sign_of_the_dividend(a: int, b: int) -> None:
    result = gml.evaluate("a % b", {"a": a, "b": b})
    assert abs(result) < abs(b)
    assert result == 0 or (result > 0) == (a > 0)
    assert (a - result) % b == 0


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=10,
)


@given(json_values)
def test_equality_is_reflexive_and_text_conversion_total(value: Any) -> None:
    assume(not (isinstance(value, float) and math.isinf(value)))
    assert gml.evaluate("v == v", {"v": value}) is True
    assert isinstance(gml.evaluate("`${v}`", {"v": value}), str)
