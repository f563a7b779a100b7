"""Numbers that overflow (issue #17): G306 at evaluation, never an uncaught
``decimal.Overflow`` or a silent infinity; absurd decimals are refused at input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import gml
from gml.convert import ConversionError, convert
from gml.types import DECIMAL

TZ = "UTC"


@pytest.mark.parametrize(("source", "data"), [
    ("d * d", {"d": Decimal("1e999999")}),
    ("d + d * 10", {"d": Decimal("9e999999")}),
    ("x * 10", {"x": 1e308}),
    ("x + x", {"x": 1e308}),
    ("x - -x", {"x": 1e308}),
    ("x / 1e-10", {"x": 1e308}),
    ("i * 1.5", {"i": 10**400}),
    ("i / 3", {"i": 10**400}),
    ("[x, x].sum()", {"x": 1e308}),
    ("SUM(x, x)", {"x": 1e308}),
    ("AVG([x, x])", {"x": 1e308}),
    ("TOJSON(x * 10)", {"x": 1e308}),
])
def test_an_overflowing_result_is_g306(source: str, data: dict[str, Any]) -> None:
    with pytest.raises(gml.GmlRuntimeError) as caught:
        gml.compile(source)(data)
    assert caught.value.code == "G306"
    assert "too large" in caught.value.message
    assert caught.value.line == 1


def test_a_decimal_remainder_beyond_the_precision_is_a_coded_error() -> None:
    with pytest.raises(gml.GmlRuntimeError) as caught:
        gml.compile("d % 3")({"d": Decimal("1e100")})
    assert caught.value.code == "G301"


def test_a_float_literal_beyond_the_double_range_is_refused() -> None:
    with pytest.raises(gml.GmlError) as caught:
        gml.compile("1e400")
    assert caught.value.code == "G306"


def test_large_numbers_within_range_still_compute() -> None:
    assert gml.compile("d * d")({"d": Decimal("1e3000")}) == Decimal("1e6000")
    assert gml.compile("x * 2")({"x": 1e307}) == 2e307


@pytest.mark.parametrize("raw", ["1e999999", "-1e6145", "1e-7000", Decimal("1e999999")])
def test_an_absurd_decimal_input_is_refused(raw: Any) -> None:
    with pytest.raises(ConversionError) as caught:
        convert(raw, DECIMAL, TZ)
    assert caught.value.code == "G303"
    assert "out of range for decimal" in caught.value.message


@pytest.mark.parametrize("raw", ["1e6144", "-1e-6144", "0e-999999", 10**4000])
def test_a_decimal_input_at_the_edge_of_the_range_is_kept(raw: Any) -> None:
    assert convert(raw, DECIMAL, TZ) == Decimal(raw)
