"""CQL built by a template (tools.md §6): the literal parts are checked, what an insertion
could change is not, and problems are located over the literal parts only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gml.types import LONG, STRING
from stdlib.cql import check_condition, check_parts, check_proj, check_sort

FIELDS = {"id": LONG, "customerId": STRING, "amount": LONG}
_WORDS = st.sampled_from(["id", "amount", "amout", "=", ">", "&&", "||", "(", ")", "'x'",
                          "1", ":p", "IN", "NOT", "LIKE", " ", ",", "DESC", "IS NULL"])
PARTS = st.lists(st.one_of(st.none(), st.lists(_WORDS, max_size=5).map(" ".join)),
                 max_size=5)


def test_a_text_without_insertions_is_checked_as_a_whole() -> None:
    assert check_parts(("amout > 1",), FIELDS, check_condition) == check_condition(
        "amout > 1", FIELDS)


def test_offsets_count_the_literal_parts_only() -> None:
    [problem] = check_parts(("id = ", None, " && amout > 1"), FIELDS, check_condition)
    assert (problem.code, problem.start, problem.end) == ("Q201", 9, 14)  # "id = " + " && "


def test_an_inserted_field_is_tried_when_a_value_does_not_parse() -> None:
    assert check_parts((None, " = 1"), FIELDS, check_condition) == []
    [problem] = check_parts((None, " = 1 && amout = 2"), FIELDS, check_condition)
    assert problem.code == "Q201"


@given(PARTS)
def test_random_templates_never_raise_and_stay_inside_the_literal_text(
        parts: list[str | None]) -> None:
    literal = sum(len(p) for p in parts if p is not None)
    for check in (check_condition, check_proj, check_sort):
        for problem in check_parts(tuple(parts), FIELDS, check):
            assert 0 <= problem.start <= problem.end <= literal
