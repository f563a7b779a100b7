"""Hostile programs and inputs (issue #17): every evaluation ends with a result or a coded
GmlError, never another exception. Bounded examples here; raise ``max_examples`` locally for a
longer run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import gml

PIECES = [
    "d", "f", "i", "s", "p", "xs", "o", "1", "2.5", "1e308", "0", "-1", "'a'", "'%a_'",
    "[d, d]", "{k: xs}", "[xs, xs]", "+", "-", "*", "/", "%", "==", "<", "LIKE", "IN", "??",
    "(", ")", "[", "]", ",", ".", "length", "map(x => [x, x])", "sum()", "sort()",
    "distinct()", "reduce((a, x) => [a, a], [1])", "TOJSON(", "STRING(", "FROMJSON(",
    "DECIMAL(", "FLOAT(", "ROUND(", "INT(", "SPLIT(", "JOIN(", " ", "!", "? 1 : 2",
]

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 10_000),
    st.text(max_size=12), st.sampled_from(["\ud800", "%a" * 8 + "%b", "1e999999"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=4)),
    max_leaves=12)
DATA = st.fixed_dictionaries({
    "d": st.one_of(VALUES, st.sampled_from([Decimal("9e999998"), Decimal("1e-999990")])),
    "f": st.one_of(st.floats(), st.just(1.7e308)), "i": st.integers(),
    "s": st.text(max_size=30), "p": st.text("%_\\ab", max_size=12),
    "xs": st.lists(VALUES, max_size=6), "o": VALUES,
})
LIMITS = gml.Limits(max_string=10_000, max_array=1_000, max_total=5_000, max_steps=20_000)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join), DATA)
@example("d * d * d", {"d": Decimal("9e999998"), "f": 0.0, "i": 0, "s": "", "p": "",
                       "xs": [], "o": None})
@example("s LIKE p", {"d": None, "f": 0.0, "i": 0, "s": "a" * 45, "p": "%a" * 15 + "%b",
                      "xs": [], "o": None})
@example("TOJSON(xs.reduce((a, x) => [a, a], [1]))",
         {"d": None, "f": 0.0, "i": 0, "s": "", "p": "", "xs": list(range(40)), "o": None})
@example("f * f", {"d": None, "f": 1.7e308, "i": 0, "s": "", "p": "", "xs": [], "o": None})
def test_a_result_or_a_coded_error_never_a_traceback(source: str, data: dict[str, Any]) -> None:
    try:
        program = gml.compile(source)
    except gml.GmlError as error:
        assert error.code.startswith("G")
        return
    try:
        result = program(data, limits=LIMITS)
    except gml.GmlError as error:
        assert error.code.startswith("G3")
        error.render().encode("utf-8", "backslashreplace")
        return
    try:
        text = gml.to_json(result, LIMITS)
    except gml.GmlError as error:  # a lambda is a value, not JSON (G303); or too large
        assert error.code in ("G303", "G306")
        return
    text.encode("utf-8")  # whatever came out can be written as UTF-8 JSON text
