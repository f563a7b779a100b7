"""The compiler's fast paths (a literal on the right of a comparison, `x => x.field`,
`x => x.field OP literal` as the lambda itself) mean exactly what the general code means.

Each case is evaluated twice: as written (fused) and wrapped so that no fast path applies
(``(… ) && true`` / ``[x.f][0]``); results, or error codes, must agree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pendulum
from hypothesis import given
from hypothesis import strategies as st

import gml

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(-3, 3, allow_nan=False),
    st.sampled_from([Decimal("1.5"), Decimal("2"), "a", "b", "", "2025-01-01",
                     pendulum.datetime(2025, 1, 1, tz="UTC"), [1], {"v": 1}]),
)
elements = st.one_of(st.fixed_dictionaries({"v": scalars}), scalars,
                     st.lists(st.fixed_dictionaries({"v": scalars}), max_size=2))
literals = st.sampled_from(["1", "2.5", "0", "'a'", "''", "'2025-01-01'", "-1"])
ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def outcome(source: str, data: dict[str, Any]) -> Any:
    try:
        return ("ok", gml.evaluate(source, data))
    except gml.GmlError as error:
        return ("error", error.code)


@given(st.lists(elements, max_size=6), ops, literals)
def test_fused_filter_agrees_with_the_general_path(items: list[Any], op: str, lit: str) -> None:
    data = {"xs": items}
    fused = outcome(f"xs.filter(o => o.v {op} {lit})", data)
    general = outcome(f"xs.filter(o => (o.v {op} {lit}) && true)", data)
    assert fused == general


@given(st.lists(elements, max_size=6), ops, literals)
def test_comparison_with_a_literal_agrees(items: list[Any], op: str, lit: str) -> None:
    data = {"xs": items, "c": gml.evaluate(lit)}
    assert outcome(f"xs.map(o => o.v {op} {lit})", data) == outcome(
        f"xs.map(o => o.v {op} c)", data)


@given(st.lists(elements, max_size=6))
def test_field_lambda_agrees_with_a_general_lambda(items: list[Any]) -> None:
    data = {"xs": items}
    fast = outcome("xs.map(o => o.v)", data)
    slow = outcome("xs.map(o => [o.v][0])", data)
    assert fast == slow


def test_outer_parameter_in_an_inner_lambda_is_not_mistaken_for_the_inner_one() -> None:
    data = {"xs": [{"a": 1}, {"a": 5}], "ys": [1, 2]}
    assert gml.evaluate("xs.map(x => ys.filter(y => x.a > 2))", data) == [[], [1, 2]]


def test_errors_inside_a_fused_lambda_point_at_the_comparison() -> None:
    try:
        gml.evaluate("xs.filter(x => x.a > 1)", {"xs": [{"a": "s"}]})
    except gml.GmlRuntimeError as error:
        assert (error.code, error.column) == ("G301", 16)
    else:  # pragma: no cover - the evaluation must fail
        raise AssertionError("expected G301")
