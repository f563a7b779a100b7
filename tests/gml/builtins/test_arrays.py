"""Array methods of spec/gml.md §7.1, called directly through `ARRAY_METHODS`."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gml._context import EvalContext
from gml._errors import GmlRuntimeError
from gml._limits import Limits
from gml.builtins.arrays import ARRAY_METHODS
from gml.types import ANY, DOUBLE, INT, STRING, ArrayType, MapType, Nullable, ObjectType
from gml.values import to_json

CTX = EvalContext(pendulum.timezone("Asia/Shanghai"), lambda: pendulum.now(), Limits())
SMALL = EvalContext(pendulum.timezone("Asia/Shanghai"), lambda: pendulum.now(),
                    Limits(max_array=10, max_string=10))

ORDERS: list[dict[str, Any]] = [
    {"id": "o1", "customer": {"name": "Bo", "tier": 2}, "amount": 120, "day": 3,
     "items": [{"sku": "a"}, {"sku": "b"}]},
    {"id": "o2", "customer": {"name": "Al", "tier": 1}, "amount": 80, "day": 1,
     "items": [{"sku": "a"}]},
    {"id": "o3", "customer": {"name": "Bo", "tier": 2}, "amount": None, "day": 2,
     "items": []},
    {"id": "o4", "customer": {"name": "Cy", "tier": 1}, "amount": 80, "day": 5},
]


def call(name: str, receiver: Any, *args: Any, ctx: EvalContext = CTX) -> Any:
    builtin = ARRAY_METHODS[name]
    if builtin.context:
        return builtin.impl(ctx, receiver, *args)
    return builtin.impl(receiver, *args)


def ids(records: list[dict[str, Any]]) -> list[Any]:
    return [r["id"] for r in records]


def error_code(name: str, receiver: Any, *args: Any, ctx: EvalContext = CTX) -> str:
    with pytest.raises(GmlRuntimeError) as caught:
        call(name, receiver, *args, ctx=ctx)
    assert name in caught.value.message or caught.value.code == "G306"
    return caught.value.code


class Fn:
    """A stand-in for a compiled lambda: declared arity, missing arguments are null."""

    def __init__(self, arity: int, body: Any) -> None:
        self.arity = arity
        self.body = body
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        padded = (*args, *([None] * self.arity))[: self.arity]
        return self.body(*padded)


# ---------------------------------------------------------------- the table




@pytest.mark.parametrize(("alias", "name"), [
    ("count", "length"), ("drop", "skip"), ("push", "add"), ("concat", "addAll"),
    ("pick", "proj"), ("contains", "includes"),
])
def test_aliases_share_one_builtin(alias: str, name: str) -> None:
    assert ARRAY_METHODS[alias] is ARRAY_METHODS[name]


def test_method_names_are_case_sensitive() -> None:
    assert "Map" not in ARRAY_METHODS and "map" in ARRAY_METHODS


# ---------------------------------------------------------------- lambdas and field paths


@pytest.mark.parametrize(("fn", "expected"), [
    ("id", ["o1", "o2", "o3", "o4"]),
    (" id ", ["o1", "o2", "o3", "o4"]),
    ("customer.name", ["Bo", "Al", "Bo", "Cy"]),
    ("customer.missing.deeper", [None, None, None, None]),
    ("items.sku", [["a", "b"], ["a"], [], None]),
    (lambda o: o["day"] * 10, [30, 10, 20, 50]),
    (lambda o, i: i, [0, 1, 2, 3]),
    (Fn(2, lambda o, i: f"{o['id']}#{i}"), ["o1#0", "o2#1", "o3#2", "o4#3"]),
    (Fn(0, lambda: 1), [1, 1, 1, 1]),
])
def test_map_takes_a_lambda_or_a_field_path(fn: Any, expected: list[Any]) -> None:
    assert call("map", ORDERS, fn) == expected


def test_map_reads_paths_through_non_objects_as_null() -> None:
    assert call("map", [None, 3, "x", {"a": 1}, [{"a": 2}]], "a") == [None, None, None, 1, [2]]
    assert call("map", [{"a": {"b": 1}}, 5], "a.b") == [1, None]


def test_a_lambda_of_one_parameter_gets_only_the_element() -> None:
    seen: list[tuple[Any, ...]] = []
    call("map", [1, 2], Fn(1, lambda *args: seen.append(args)))
    assert seen == [(1,), (2,)]


@pytest.mark.parametrize("name", ["map", "filter", "find", "findIndex", "some", "every",
                                  "group", "groupBy", "collap", "distinct", "sum"])
def test_a_number_instead_of_a_lambda_is_g301(name: str) -> None:
    assert error_code(name, [1, 2], 5) == "G301"


TRUTHY_MIX = [0, 1, "", "a", [], [0], {}, {"k": 0}, None, False, True]


@pytest.mark.parametrize(("items", "fn", "expected"), [
    (TRUTHY_MIX, lambda x: x, [1, "a", [0], {"k": 0}, True]),
    (TRUTHY_MIX, lambda x, i: i % 2 == 0, [0, "", [], {}, None, True]),
    ([{"v": 0}, {"v": 1}, {"v": None}, {}, 7], "v", [{"v": 1}]),
])
def test_filter_keeps_truthy_results(items: list[Any], fn: Any, expected: list[Any]) -> None:
    assert call("filter", items, fn) == expected


def test_filter_on_a_field_path() -> None:
    assert ids(call("filter", ORDERS, "items")) == ["o1", "o2"]
    assert ids(call("filter", ORDERS, "customer.tier")) == ["o1", "o2", "o3", "o4"]


@pytest.mark.parametrize(("name", "fn", "expected"), [
    ("find", lambda o: o["amount"] == 80, ORDERS[1]),
    ("find", lambda o: o["day"] > 9, None),
    ("find", "items", ORDERS[0]),
    ("findIndex", lambda o: o["amount"] == 80, 1),
    ("findIndex", lambda o, i: i == 3, 3),
    ("findIndex", lambda o: False, -1),
    ("some", lambda o: o["amount"] is None, True),
    ("some", "missing", False),
    ("every", "customer", True),
    ("every", "amount", False),
])
def test_find_find_index_some_every(name: str, fn: Any, expected: Any) -> None:
    assert call(name, ORDERS, fn) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("find", None), ("findIndex", -1), ("some", False), ("every", True),
])
def test_searches_on_an_empty_array(name: str, expected: Any) -> None:
    assert call(name, [], lambda x: True) == expected


@pytest.mark.parametrize(("name", "calls"), [("find", 2), ("findIndex", 2), ("some", 2),
                                             ("every", 1)])
def test_searches_stop_at_the_first_decisive_element(name: str, calls: int) -> None:
    fn = Fn(1, lambda x: x == 2)  # every stops at 1, the others at 2
    call(name, [1, 2, 3, 4], fn)
    assert fn.calls == calls


@pytest.mark.parametrize(("items", "fn", "init", "expected"), [
    ([1, 2, 3], lambda acc, x: acc + x, 0, 6),
    ([1, 2, 3], lambda acc, x, i: [*acc, i], [], [0, 1, 2]),
    ([], lambda acc, x: acc + x, "init", "init"),
    (["a", "b"], Fn(2, lambda acc, x: acc + x), "", "ab"),
    ([1, 2], Fn(3, lambda acc, x, i: acc * 10 + i), 0, 1),
])
def test_reduce_folds_left(items: list[Any], fn: Any, init: Any, expected: Any) -> None:
    assert call("reduce", items, fn, init) == expected


def test_reduce_needs_a_lambda() -> None:
    assert error_code("reduce", [1], "amount", 0) == "G301"


# ---------------------------------------------------------------- sort


@pytest.mark.parametrize(("items", "expected"), [
    ([3, 1, 2], [1, 2, 3]),
    ([2.5, 1, Decimal("1.5")], [1, Decimal("1.5"), 2.5]),
    (["b", "B", "a", "é"], ["B", "a", "b", "é"]),
    ([3, None, 1, None], [1, 3, None, None]),
    ([], []),
    ([None], [None]),
])
def test_sort_without_a_spec_is_natural_order_with_nulls_last(
        items: list[Any], expected: list[Any]) -> None:
    assert call("sort", items) == expected


def test_sort_orders_datetimes_and_iso_strings() -> None:
    early = pendulum.datetime(2025, 1, 1, tz="UTC")
    late = pendulum.datetime(2025, 6, 1, tz="Asia/Shanghai")
    assert call("sort", [late, early]) == [early, late]
    assert call("sort", [late, "2025-03-01T00:00:00Z", early]) == [
        early, "2025-03-01T00:00:00Z", late]


def test_sort_by_key_lambda_is_stable() -> None:
    assert ids(call("sort", ORDERS, lambda o: o["customer"]["tier"])) == [
        "o2", "o4", "o1", "o3"]


def test_sort_with_a_comparator() -> None:
    assert call("sort", [1, 3, 2], lambda a, b: b - a) == [3, 2, 1]
    assert call("sort", [1, 3, 2], Fn(2, lambda a, b: a - b)) == [1, 2, 3]
    assert call("sort", [3, 1, 2], lambda a, b: Decimal(a - b) / 2) == [1, 2, 3]


def test_a_comparator_returning_null_keeps_the_order() -> None:
    assert call("sort", [3, 1, 2], lambda a, b: None) == [3, 1, 2]


def test_a_comparator_returning_a_boolean_is_g301() -> None:
    assert error_code("sort", [3, 1, 2], lambda a, b: a > b) == "G301"


@pytest.mark.parametrize(("spec", "expected"), [
    ("amount", ["o2", "o4", "o1", "o3"]),
    ("amount ASC", ["o2", "o4", "o1", "o3"]),
    ("amount desc", ["o3", "o1", "o2", "o4"]),
    ("amount DESC, day DESC", ["o3", "o1", "o4", "o2"]),
    ("customer.name, day DESC", ["o2", "o1", "o3", "o4"]),
    ("customer.tier DESC,day", ["o3", "o1", "o2", "o4"]),
    ("  ", ["o1", "o2", "o3", "o4"]),
])
def test_sort_by_spec_string(spec: str, expected: list[str]) -> None:
    records = ORDERS if spec.strip() else [{"id": i} for i in ("o1", "o2", "o3", "o4")]
    assert ids(call("sort", records, spec)) == expected


def test_sort_spec_puts_missing_and_null_fields_first_when_descending() -> None:
    records = [{"id": 1, "v": 2}, {"id": 2}, {"id": 3, "v": 5}, {"id": 4, "v": None}]
    assert ids(call("sort", records, "v DESC")) == [2, 4, 3, 1]
    assert ids(call("sort", records, "v")) == [1, 3, 2, 4]


@pytest.mark.parametrize("spec", ["amount DOWN", "a b c", "amount,, day sideways"])
def test_a_malformed_sort_spec_is_g301(spec: str) -> None:
    assert error_code("sort", ORDERS, spec) == "G301"


def test_sort_spec_of_the_wrong_kind_is_g301() -> None:
    assert error_code("sort", [2, 1], 5) == "G301"


def test_sort_never_fails_on_mixed_kinds() -> None:
    items = [3, "a", None, {"b": 1}, [1], True, 1.5, {"a": 2}, False]
    result = call("sort", items)
    assert len(result) == len(items) and result[-1] is None
    assert result.index(1.5) < result.index(3)


def test_sort_does_not_modify_its_receiver() -> None:
    items = [3, 1, 2]
    call("sort", items)
    assert items == [3, 1, 2]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=10,
)


@given(st.lists(json_values, max_size=15))
def test_sort_never_raises_and_returns_a_permutation(items: list[Any]) -> None:
    result = call("sort", items)
    assert sorted(map(id, result)) == sorted(map(id, items))


@given(st.lists(st.fixed_dictionaries({"k": st.none() | st.integers(0, 3) | st.text(max_size=1),
                                       "n": st.integers()}), max_size=15))
def test_sort_spec_never_raises_and_returns_a_permutation(items: list[Any]) -> None:
    for spec in ("k", "k DESC, n", "n DESC, k ASC"):
        result = call("sort", items, spec)
        assert sorted(map(id, result)) == sorted(map(id, items))


@given(st.lists(st.tuples(st.integers(0, 3), st.integers()), max_size=20))
def test_sort_is_stable_like_python(pairs: list[tuple[int, int]]) -> None:
    records = [{"k": k, "n": n} for k, n in pairs]
    assert call("sort", records, "k") == sorted(records, key=lambda r: r["k"])
    assert call("sort", records, "k DESC") == sorted(records, key=lambda r: -r["k"])


# ---------------------------------------------------------------- reverse, distinct


def test_reverse() -> None:
    assert call("reverse", [1, 2, 3]) == [3, 2, 1]
    assert call("reverse", ()) == []


@pytest.mark.parametrize(("items", "expected"), [
    ([1, 1.0, Decimal("1.00"), 2], [1, 2]),
    ([0.1, Decimal("0.1")], [0.1]),
    ([True, 1, "1", None, None], [True, 1, "1", None]),
    ([{"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1}], [{"a": 1, "b": 2}, {"a": 1}]),
    ([[1, [2]], [1, [2.0]], [[2], 1]], [[1, [2]], [[2], 1]]),
    ([], []),
])
def test_distinct_keeps_the_first_of_each_equal_value(
        items: list[Any], expected: list[Any]) -> None:
    assert call("distinct", items) == expected


def test_distinct_by_key() -> None:
    assert ids(call("distinct", ORDERS, "customer.tier")) == ["o1", "o2"]
    assert ids(call("distinct", ORDERS, lambda o: o["customer"])) == ["o1", "o2", "o4"]


@given(st.lists(json_values, max_size=15))
def test_distinct_is_idempotent(items: list[Any]) -> None:
    once = call("distinct", items)
    assert to_json(call("distinct", once)) == to_json(once)


# ---------------------------------------------------------------- group, groupBy, collap


def test_group_by_field_in_first_seen_order() -> None:
    groups = call("group", ORDERS, "customer.name")
    assert [(g["key"], ids(g["val"])) for g in groups] == [
        ("Bo", ["o1", "o3"]), ("Al", ["o2"]), ("Cy", ["o4"])]


def test_group_keys_may_be_objects_and_keep_their_original_value() -> None:
    groups = call("group", ORDERS, lambda o: o["customer"])
    assert [g["key"] for g in groups] == [
        {"name": "Bo", "tier": 2}, {"name": "Al", "tier": 1}, {"name": "Cy", "tier": 1}]
    assert [len(g["val"]) for g in groups] == [2, 1, 1]


def test_group_keys_compare_like_equality() -> None:
    groups = call("group", [1, 1.0, True, None, "1", None], lambda x: x)
    assert [(g["key"], g["val"]) for g in groups] == [
        (1, [1, 1.0]), (True, [True]), (None, [None, None]), ("1", ["1"])]
    assert type(groups[0]["key"]) is int


def test_group_by_returns_an_object_keyed_by_text() -> None:
    result = call("groupBy", ORDERS, "customer.tier")
    assert {k: ids(v) for k, v in result.items()} == {"2": ["o1", "o3"], "1": ["o2", "o4"]}
    assert call("groupBy", [{"k": None}, {"k": True}, {}], "k") == {
        "": [{"k": None}, {}], "true": [{"k": True}]}


@pytest.mark.parametrize(("args", "expected"), [
    (("customer.name", "amount DESC"), ["o3", "o2", "o4"]),
    (("customer.name", "day"), ["o3", "o2", "o4"]),
    (("customer.name", "day", 2), ["o3", "o1", "o2", "o4"]),
    (("customer.tier", "amount", 2), ["o1", "o3", "o2", "o4"]),
    (("customer.tier", None, 1), ["o1", "o2"]),
    (("customer.tier",), ["o1", "o2"]),
    (("customer.tier", lambda o: -o["day"]), ["o1", "o4"]),
    (("customer.tier", None, 0), []),
])
def test_collap_keeps_the_first_n_of_each_sorted_group(args: tuple[Any, ...],
                                                        expected: list[str]) -> None:
    assert ids(call("collap", ORDERS, *args)) == expected


# ---------------------------------------------------------------- expand


def test_expand_unwinds_an_array_field() -> None:
    result = call("expand", ORDERS, "items")
    assert [(r["id"], r["items"]) for r in result] == [
        ("o1", {"sku": "a"}), ("o1", {"sku": "b"}), ("o2", {"sku": "a"})]
    assert result[0]["customer"] == ORDERS[0]["customer"]
    assert ORDERS[0]["items"] == [{"sku": "a"}, {"sku": "b"}]


def test_expand_keep_empty_keeps_elements_once_with_the_field_null() -> None:
    result = call("expand", ORDERS, "items", True)
    assert [(r["id"], r["items"]) for r in result] == [
        ("o1", {"sku": "a"}), ("o1", {"sku": "b"}), ("o2", {"sku": "a"}), ("o3", None),
        ("o4", None)]


def test_expand_passes_single_values_and_drops_non_objects() -> None:
    items = [{"t": "x"}, 5, {"t": [1, 2]}]
    assert call("expand", items, "t") == [{"t": "x"}, {"t": 1}, {"t": 2}]
    assert call("expand", items, "t", True) == [{"t": "x"}, 5, {"t": 1}, {"t": 2}]


def test_expand_needs_a_field_name() -> None:
    assert error_code("expand", ORDERS, 3) == "G301"


def test_expand_respects_the_array_limit() -> None:
    assert error_code("expand", [{"t": list(range(6))}] * 2, "t", ctx=SMALL) == "G306"


# ---------------------------------------------------------------- proj, pick, omit


@pytest.mark.parametrize(("args", "expected"), [
    (("id, amount",), [{"id": "o1", "amount": 120}, {"id": "o4", "amount": 80}]),
    (("amount", "id"), [{"amount": 120, "id": "o1"}, {"amount": 80, "id": "o4"}]),
    ((["id", "nope"],), [{"id": "o1"}, {"id": "o4"}]),
    ((" day ,, ",), [{"day": 3}, {"day": 5}]),
])
def test_proj_keeps_listed_fields_that_exist(args: tuple[Any, ...],
                                             expected: list[Any]) -> None:
    assert call("proj", [ORDERS[0], ORDERS[3]], *args) == expected


def test_proj_passes_non_objects_through_and_maps_with_a_lambda() -> None:
    assert call("pick", [{"a": 1, "b": 2}, 3, None], "b") == [{"b": 2}, 3, None]
    assert call("proj", ORDERS, lambda o: o["day"]) == [3, 1, 2, 5]


def test_omit_drops_listed_fields() -> None:
    assert call("omit", [{"a": 1, "b": 2, "c": 3}, "x"], "a, c") == [{"b": 2}, "x"]
    assert call("omit", [{"a": 1, "b": 2}], "a", ["b"]) == [{}]


@pytest.mark.parametrize("name", ["proj", "omit"])
def test_field_lists_must_be_strings(name: str) -> None:
    assert error_code(name, [{"a": 1}], 5) == "G301"
    assert error_code(name, [{"a": 1}], ["a", 5]) == "G301"


# ---------------------------------------------------------------- aggregates


@pytest.mark.parametrize(("name", "items", "args", "expected"), [
    ("sum", [1, 2, 3], (), 6),
    ("sum", [1, 2.5, None, "x", True], (), 3.5),
    ("sum", [Decimal("0.1"), 0.2], (), Decimal("0.3")),
    ("sum", [], (), 0),
    ("sum", ORDERS, ("amount",), 280),
    ("sum", ORDERS, (lambda o: o["day"],), 11),
    ("avg", [1, 2], (), 1.5),
    ("avg", [2, 4, None], (), 3),
    ("avg", [Decimal("1"), Decimal("2")], (), Decimal("1.5")),
    ("avg", [], (), None),
    ("avg", ["a"], (), None),
    ("avg", ORDERS, ("amount",), 280 / 3),
    ("min", [3, None, 1.5], (), 1.5),
    ("min", ["b", "a"], (), "a"),
    ("min", [], (), None),
    ("min", ORDERS, ("customer.name",), "Al"),
    ("max", ORDERS, ("amount",), 120),
    ("max", [None], (), None),
    ("med", [5, 1, 3], (), 3),
    ("med", [4, 1, 3, 2], (), 2.5),
    ("med", [], (), None),
    ("med", ORDERS, ("day",), 2.5),
])
def test_aggregates(name: str, items: list[Any], args: tuple[Any, ...], expected: Any) -> None:
    result = call(name, items, *args)
    assert result == expected and type(result) is type(expected)


def test_min_of_incomparable_values_is_g301() -> None:
    with pytest.raises(GmlRuntimeError) as caught:
        call("min", [1, "a"])
    assert caught.value.code == "G301"


# ---------------------------------------------------------------- positions


@pytest.mark.parametrize(("name", "items", "args", "expected"), [
    ("first", [1, 2], (), 1),
    ("first", [], (), None),
    ("last", [1, 2], (), 2),
    ("last", [], (), None),
    ("at", [1, 2, 3], (0,), 1),
    ("at", [1, 2, 3], (-1,), 3),
    ("at", [1, 2, 3], (-3,), 1),
    ("at", [1, 2, 3], (-4,), None),
    ("at", [1, 2, 3], (3,), None),
    ("at", [1, 2, 3], (1.0,), 2),
    ("at", [], (0,), None),
    ("take", [1, 2, 3], (2,), [1, 2]),
    ("take", [1, 2, 3], (9,), [1, 2, 3]),
    ("take", [1, 2, 3], (-1,), []),
    ("skip", [1, 2, 3], (1,), [2, 3]),
    ("skip", [1, 2, 3], (-1,), [1, 2, 3]),
    ("drop", [1, 2, 3], (5,), []),
    ("slice", [1, 2, 3, 4], (1, 3), [2, 3]),
    ("slice", [1, 2, 3, 4], (-2,), [3, 4]),
    ("slice", [1, 2, 3, 4], (1, -1), [2, 3]),
    ("slice", [1, 2, 3, 4], (3, 1), []),
    ("slice", [1, 2, 3, 4], (-9, 9), [1, 2, 3, 4]),
    ("slice", [1, 2, 3, 4], (2, None), [3, 4]),
    ("chunk", [1, 2, 3, 4, 5], (2,), [[1, 2], [3, 4], [5]]),
    ("chunk", [1, 2], (5,), [[1, 2]]),
    ("chunk", [], (3,), []),
    ("removeAt", [1, 2, 3], (0,), [2, 3]),
    ("removeAt", [1, 2, 3], (-1,), [1, 2]),
    ("removeAt", [1, 2, 3], (3,), [1, 2, 3]),
    ("removeAt", [1, 2, 3], (-4,), [1, 2, 3]),
])
def test_positional_methods(name: str, items: list[Any], args: tuple[Any, ...],
                            expected: Any) -> None:
    assert call(name, items, *args) == expected


@given(st.lists(st.integers(), max_size=10), st.integers(-12, 12), st.integers(-12, 12))
def test_slice_agrees_with_python_slicing(items: list[int], start: int, end: int) -> None:
    assert call("slice", items, start, end) == items[start:end]
    assert call("slice", items, start) == items[start:]


@pytest.mark.parametrize(("name", "args"), [
    ("at", ("1",)), ("take", (None,)), ("skip", (1.5,)), ("slice", ("a",)),
    ("chunk", (0,)), ("chunk", (-2,)), ("removeAt", (True,)), ("flat", ("deep",)),
])
def test_bad_index_arguments_are_g301(name: str, args: tuple[Any, ...]) -> None:
    assert error_code(name, [1, 2], *args) == "G301"


# ---------------------------------------------------------------- flat


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("flat", (), [1, 2, 3, [4, [5]], "x"]),
    ("flat", (None,), [1, 2, 3, [4, [5]], "x"]),
    ("flat", (0,), [1, [2, 3, [4, [5]]], "x"]),
    ("flat", (-1,), [1, [2, 3, [4, [5]]], "x"]),
    ("flat", (2,), [1, 2, 3, 4, [5], "x"]),
    ("flat", (99,), [1, 2, 3, 4, 5, "x"]),
    ("flatten", (), [1, 2, 3, [4, [5]], "x"]),
])
def test_flat_splices_nested_arrays(name: str, args: tuple[Any, ...],
                                    expected: list[Any]) -> None:
    assert call(name, [1, [2, 3, [4, [5]]], "x"], *args) == expected


def test_flat_respects_the_array_limit() -> None:
    assert error_code("flat", [list(range(6)), list(range(6))], ctx=SMALL) == "G306"


# ---------------------------------------------------------------- membership


@pytest.mark.parametrize(("items", "value", "found", "index"), [
    ([1, 2, 3], 2, True, 1),
    ([1, 2, 3], 2.0, True, 1),
    ([1, 2, 3], True, False, -1),
    ([True], 1, False, -1),
    ([{"a": [1]}, {"a": [2]}], {"a": [2]}, True, 1),
    ([None, 1], None, True, 0),
    (["a"], "A", False, -1),
    ([], 1, False, -1),
])
def test_includes_and_index_of_use_deep_equality(items: list[Any], value: Any, found: bool,
                                                 index: int) -> None:
    assert call("includes", items, value) is found
    assert call("contains", items, value) is found
    assert call("indexOf", items, value) == index


def test_remove_drops_every_equal_element() -> None:
    assert call("remove", [1, 2, 1.0, True, {"a": 1}], 1) == [2, True, {"a": 1}]
    assert call("remove", [{"a": 1}, {"a": 2}], {"a": 1}) == [{"a": 2}]
    assert call("remove", [1, 2], 3) == [1, 2]


# ---------------------------------------------------------------- join, add, addAll


@pytest.mark.parametrize(("items", "args", "expected"), [
    ([1, 2, 3], (), "1,2,3"),
    ([1, 2, 3], (None,), "1,2,3"),
    (["a", None, True, 2.0, 0.5, Decimal("1.10")], ("|",), "a||true|2|0.5|1.10"),
    ([{"a": 1}, [1, "x"]], (" ",), '{"a":1} [1,"x"]'),
    ([], ("-",), ""),
    (["只"], (), "只"),
])
def test_join_converts_elements_like_templates(items: list[Any], args: tuple[Any, ...],
                                               expected: str) -> None:
    assert call("join", items, *args) == expected


def test_join_checks_its_separator_and_the_string_limit() -> None:
    assert error_code("join", [1, 2], 5) == "G301"
    assert error_code("join", ["abcd", "efgh"], "---", ctx=SMALL) == "G306"
    assert call("join", ["abcd", "efgh"], "--", ctx=SMALL) == "abcd--efgh"


def test_add_and_push_append_values() -> None:
    items = [1, 2]
    assert call("add", items, 3) == [1, 2, 3]
    assert call("push", items, [3], None) == [1, 2, [3], None]
    assert call("add", (1,), 2) == [1, 2]
    assert items == [1, 2]


def test_add_all_and_concat_append_elements() -> None:
    items = [1]
    assert call("addAll", items, [2, 3]) == [1, 2, 3]
    assert call("concat", items, [2], None, (3,), 4) == [1, 2, 3, 4]
    assert call("addAll", items, None) == [1]
    assert items == [1]


@pytest.mark.parametrize(("name", "args"), [
    ("add", tuple(range(6))),
    ("addAll", (list(range(6)),)),
    ("concat", ([1, 2], [3, 4, 5, 6])),
])
def test_growing_methods_respect_the_array_limit(name: str, args: tuple[Any, ...]) -> None:
    assert error_code(name, [0, 0, 0, 0, 0], *args, ctx=SMALL) == "G306"


# ---------------------------------------------------------------- receivers


@pytest.mark.parametrize(("name", "args"), [
    ("sort", ()), ("sort", ("amount DESC",)), ("reverse", ()), ("distinct", ()),
    ("expand", ("items",)), ("proj", ("id",)), ("omit", ("id",)), ("add", (1,)),
    ("addAll", ([1],)), ("remove", (ORDERS[0],)), ("removeAt", (0,)), ("flat", ()),
    ("collap", ("customer.name", "day")), ("group", ("customer.tier",)), ("chunk", (2,)),
])
def test_methods_never_modify_their_receiver(name: str, args: tuple[Any, ...]) -> None:
    before = copy.deepcopy(ORDERS)
    call(name, ORDERS, *args)
    assert before == ORDERS


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("map", (lambda x: x * 2,), [6, 2, 4]),
    ("filter", (lambda x: x > 1,), [3, 2]),
    ("sort", (), [1, 2, 3]),
    ("take", (2,), [3, 1]),
    ("slice", (1,), [1, 2]),
    ("chunk", (2,), [[3, 1], [2]]),
    ("removeAt", (0,), [1, 2]),
    ("length", (), 3),
])
def test_tuples_work_as_receivers_and_give_lists(name: str, args: tuple[Any, ...],
                                                 expected: Any) -> None:
    assert call(name, (3, 1, 2), *args) == expected


# ---------------------------------------------------------------- static result types

ORDER = ObjectType({"id": STRING, "amount": DOUBLE, "n": INT})


@pytest.mark.parametrize(("name", "receiver", "args", "expected"), [
    ("map", ArrayType(ORDER), [INT], ArrayType(INT)),
    ("map", ArrayType(ORDER), [STRING], ArrayType(ANY)),
    ("filter", Nullable(ArrayType(INT)), [ANY], ArrayType(INT)),
    ("filter", ANY, [ANY], ArrayType(ANY)),
    ("find", ArrayType(INT), [ANY], Nullable(INT)),
    ("group", ArrayType(INT), [INT],
     ArrayType(ObjectType({"key": INT, "val": ArrayType(INT)}))),
    ("groupBy", ArrayType(INT), [INT], MapType(ArrayType(INT))),
    ("sum", ArrayType(INT), [], INT),
    ("sum", ArrayType(ORDER), [DOUBLE], DOUBLE),
    ("sum", ArrayType(ORDER), [STRING], ANY),
    ("avg", ArrayType(INT), [], Nullable(DOUBLE)),
    ("max", ArrayType(STRING), [], Nullable(STRING)),
    ("length", ArrayType(INT), [], INT),
    ("chunk", ArrayType(INT), [INT], ArrayType(ArrayType(INT))),
    ("flat", ArrayType(ArrayType(INT)), [], ArrayType(INT)),
    ("flat", ArrayType(INT), [], ArrayType(INT)),
    ("add", ArrayType(INT), [INT, INT], ArrayType(INT)),
    ("add", ArrayType(INT), [STRING], ArrayType(ANY)),
    ("addAll", ArrayType(INT), [ArrayType(INT)], ArrayType(INT)),
    ("join", ArrayType(INT), [], STRING),
    ("reduce", ArrayType(INT), [INT, INT], INT),
    ("proj", ArrayType(ORDER), [STRING], ArrayType(ANY)),
    ("proj", ArrayType(ORDER), [INT], ArrayType(INT)),
])
def test_result_types(name: str, receiver: Any, args: list[Any], expected: Any) -> None:
    assert ARRAY_METHODS[name].result_type(receiver, args) == expected


def test_lambda_parameter_types_come_from_the_receiver() -> None:
    spec = ARRAY_METHODS["map"].params[0].fn
    assert spec is not None and spec.params(ArrayType(ORDER)) == (ORDER, INT)
