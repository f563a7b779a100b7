"""Input validation and output shaping (runtime/_convert.py, spec/fdl.md §2 and §7).

The conversion rules themselves (gml.convert) are tested in tests/gml/test_convert.py; these
tests are about runs: F401-F404, defaults, built-in and undeclared inputs, paths."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fdl
import gml
from compiler.plan import Plan
from gml.convert import MAX_DEPTH
from gml.types import Type, parse_type
from runtime._convert import convert_inputs, shape_output
from runtime.errors import InputError, OutputError, Problem
from tests._values import JSON, TYPES

TZ = pendulum.timezone("Asia/Shanghai")
NOW = pendulum.datetime(2025, 6, 15, 12, tz="Asia/Shanghai")


def ctx() -> gml.EvalContext:
    return gml.EvalContext(TZ, lambda: NOW, gml.Limits())


def plan_of(args: str) -> Plan:
    """Compile a flow whose ``args`` block is ``args``."""
    text = textwrap.dedent("""\
        flow:
            name: t
            args:
        {args}
            node:
                done:
                    with: 1
        """).format(args=textwrap.indent(textwrap.dedent(args), " " * 8))
    result = fdl.check_text(text, "flow.yaml")
    assert result.plan is not None, result.diagnostics
    return result.plan


DEFS = """\
    defs:
        Order:
            id: string
            items: Item[]
            amount: decimal
            note: string?
        Item:
            sku: string
            quantity: int
        Filter:
            status: string?
            items: Item[]
        Node:
            name: string
            children: Node[]?
        Holder:
            meta: any
            tags: map<int>
"""

SPEC = plan_of(DEFS + """\
    in:
        customerId: string            # required
        from: date?                   # optional, null when absent
        channel: string = 'pos'
        to: date = DATE()
        since: DATE('-30d')
        pageSize: 50
        limit: int = pageSize * 2
        owner: string = tenantId ?? 'nobody'
    out:
        id: string
        orders: Order[]
        holder: Holder?
""")


def inputs_of(args: str) -> Plan:
    """A plan with `DEFS` and the given ``in`` block."""
    return plan_of(DEFS + textwrap.indent(textwrap.dedent(args), " " * 4))


def problems(specs: Plan, raw: dict[str, Any], **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        convert_inputs(specs.inputs, raw, ctx(), **options)
    return list(caught.value.problems)


def typ(text: str) -> Type:
    """A type of the flow's defs (``Order[]``) or a primitive."""
    return parse_type(text, named=lambda name: SPEC.defs[name])


# ---------------------------------------------------------------- inputs


def test_inputs_with_defaults_in_order() -> None:
    values = convert_inputs(SPEC.inputs, {"customerId": "c1"}, ctx())
    assert values == {
        "customerId": "c1", "from": None, "channel": "pos", "to": NOW,
        "since": NOW.subtract(days=30), "pageSize": 50, "limit": 100, "owner": "nobody",
    }
    assert list(values) == [spec.name for spec in SPEC.inputs]


def test_a_default_sees_earlier_converted_inputs() -> None:
    values = convert_inputs(SPEC.inputs, {"customerId": 7, "pageSize": "7",
                                          "from": "2025-01-01"}, ctx())
    assert values["customerId"] == "7"
    assert values["limit"] == 14
    assert values["from"] == pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai")


def test_null_for_a_non_nullable_input_with_a_default_takes_the_default() -> None:
    values = convert_inputs(SPEC.inputs, {"customerId": "c", "channel": None}, ctx())
    assert values["channel"] == "pos"


def test_null_for_a_nullable_input_with_a_default_stays_null() -> None:
    plan = inputs_of("""\
        in:
            channel: string? = 'pos'
    """)
    assert convert_inputs(plan.inputs, {"channel": None}, ctx()) == {"channel": None}
    assert convert_inputs(plan.inputs, {}, ctx()) == {"channel": "pos"}


def test_null_for_a_required_input_is_a_conversion_problem() -> None:
    (problem,) = problems(SPEC, {"customerId": None})
    assert (problem.code, problem.path) == ("F402", "customerId")
    assert "expected string, got null" in problem.message


def test_nullable_and_any_inputs_default_to_null() -> None:
    plan = inputs_of("""\
        in:
            a: date?
            b: any
            c: Order?
    """)
    assert convert_inputs(plan.inputs, {}, ctx()) == {"a": None, "b": None, "c": None}


def test_missing_required_input() -> None:
    (problem,) = problems(SPEC, {})
    assert problem == Problem("F401", "customerId",
                              "required input 'customerId' is missing (type string)")


def test_every_problem_is_reported_at_once_in_order() -> None:
    found = problems(SPEC, {"zeta": 1, "pageSize": "many", "from": "soon", "alpha": 2})
    assert [(p.code, p.path) for p in found] == [
        ("F401", "customerId"), ("F402", "from"), ("F402", "pageSize"),
        ("F403", "zeta"), ("F403", "alpha")]
    assert 'expected date' in found[1].message and '"soon"' in found[1].message
    assert "undeclared input 'zeta'" in found[3].message
    assert "customerId" in found[3].message  # lists the declared inputs


def test_input_error_message_joins_the_problems() -> None:
    with pytest.raises(InputError) as caught:
        convert_inputs(SPEC.inputs, {"pageSize": "x"}, ctx())
    assert caught.value.code == "F401"
    assert "2 input problems" in caught.value.message


def test_extra_inputs_allowed() -> None:
    values = convert_inputs(SPEC.inputs, {"customerId": "c", "zeta": 1}, ctx(),
                            allow_extra=True)
    assert "zeta" not in values


def test_builtins_are_visible_to_defaults_but_not_returned_nor_undeclared() -> None:
    values = convert_inputs(SPEC.inputs, {"customerId": "c", "tenantId": "evil", "buCode": 3},
                            ctx(), builtins={"tenantId": "t1", "buCode": "b1"})
    assert values["owner"] == "t1"
    assert "tenantId" not in values and "buCode" not in values
    # without builtins the names are still ignored and read as null by defaults
    values = convert_inputs(SPEC.inputs, {"customerId": "c", "tenantId": "x"}, ctx())
    assert values["owner"] == "nobody"


def test_a_failing_default_names_the_gml_error() -> None:
    plan = inputs_of("""\
        in:
            d: int = 0
            ratio: int = 10 / d
    """)
    (problem,) = problems(plan, {})
    assert (problem.code, problem.path) == ("F402", "ratio")
    assert "default" in problem.message and "G302" in problem.message
    assert convert_inputs(plan.inputs, {"d": 5}, ctx()) == {"d": 5, "ratio": 2}


def test_a_default_value_is_converted_too() -> None:
    plan = inputs_of("""\
        in:
            big: any
            n: int = big * 2
    """)
    (problem,) = problems(plan, {"big": 2**40})
    assert (problem.code, problem.path) == ("F402", "n")
    assert "out of range for int" in problem.message and "from the default" in problem.message


def test_a_default_problem_caused_by_a_bad_earlier_input_is_not_reported() -> None:
    plan = inputs_of("""\
        in:
            big: int
            n: int = big * 2
            other: int = 10 / 0
    """)
    found = problems(plan, {"big": "huge"})
    assert [(p.code, p.path) for p in found] == [("F402", "big"), ("F402", "other")]


def test_nested_input_paths() -> None:
    plan = inputs_of("""\
        in:
            filter: Filter
            tags: map<int>
    """)
    raw = {"filter": {"items": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": "2"},
                                {"sku": 5, "quantity": 1}, {"sku": "d"}]},
           "tags": {"ok": 1, "a b": "x", "c": True}}
    found = problems(plan, raw)
    assert [(p.code, p.path) for p in found] == [
        ("F402", "filter.items[3].quantity"), ('F402', 'tags["a b"]'), ("F402", "tags.c")]
    assert "missing (a required field of type int)" in found[0].message
    assert found[0].message.startswith("filter.items[3].quantity: ")
    assert "expected int, got boolean true" in found[2].message


def test_input_objects_are_converted_and_trimmed() -> None:
    plan = inputs_of("""\
        in:
            filter: Filter
    """)
    values = convert_inputs(plan.inputs, {"filter": {
        "items": [{"sku": 12, "quantity": "3", "extra": 1}], "junk": True}}, ctx())
    assert values == {"filter": {"status": None, "items": [{"sku": "12", "quantity": 3}]}}


def test_many_problems_in_one_input_are_capped() -> None:
    plan = inputs_of("""\
        in:
            ids: int[]
    """)
    found = problems(plan, {"ids": ["x"] * 1000})
    assert len(found) == 20
    assert found[0].path == "ids[0]"


def test_input_problems_are_the_converters_messages() -> None:
    plan = inputs_of("""\
        in:
            n: int
            items: Item[]
    """)
    found = problems(plan, {"n": "4.5", "items": [{"sku": "a"}]})
    assert [(p.code, p.path, p.message) for p in found] == [
        ("F402", "n", 'n: expected int, got string "4.5" (not a whole number)'),
        ("F402", "items[0].quantity", "items[0].quantity: missing (a required field of type "
                                      "int)")]
    assert convert_inputs(plan.inputs, {"n": "4.0", "items": []}, ctx()) == {"n": 4,
                                                                             "items": []}


# ---------------------------------------------------------------- outputs


def test_no_out_passes_the_result_untouched() -> None:
    result = {"anything": [object()]}
    assert shape_output(result, None, TZ) is result


def test_output_is_trimmed_through_nested_defs_and_arrays() -> None:
    meta = {"deep": {"kept": [1, {"x": 2}]}, "extra": True}
    result = {
        "id": 7, "secret": "drop me",
        "orders": [{"id": "o1", "amount": "9.90", "hidden": 1,
                    "items": [{"sku": "s", "quantity": 2.0, "price": 1}]}],
        "holder": {"meta": meta, "tags": {"a": "1"}, "more": 1},
    }
    shaped = shape_output(result, SPEC.out, TZ)
    assert shaped == {
        "id": "7",
        "orders": [{"id": "o1", "items": [{"sku": "s", "quantity": 2}],
                    "amount": Decimal("9.90"), "note": None}],
        "holder": {"meta": meta, "tags": {"a": 1}},
    }
    assert shaped["holder"]["meta"] is meta  # any: untouched, not copied


def test_output_missing_or_null_field_names_the_path() -> None:
    good = {"id": "o", "items": [], "amount": 1}
    broken: dict[str, Any]
    for broken in ({"id": "o", "items": []}, {"id": "o", "items": [], "amount": None}):
        with pytest.raises(OutputError) as caught:
            shape_output({"id": "c", "orders": [good, broken]}, SPEC.out, TZ)
        assert caught.value.code == "F404"
        assert caught.value.path == "orders[1].amount"
        assert "orders[1].amount" in caught.value.message


def test_output_value_that_cannot_be_converted() -> None:
    with pytest.raises(OutputError) as caught:
        shape_output({"id": "c", "orders": [{"id": "o", "items": [{"sku": "s",
                      "quantity": 2**40}], "amount": 1}]}, SPEC.out, TZ)
    assert caught.value.path == "orders[0].items[0].quantity"
    assert "out of range for int" in caught.value.message


def test_output_reports_the_first_problem_only() -> None:
    with pytest.raises(OutputError) as caught:
        shape_output({"orders": "none"}, SPEC.out, TZ)
    assert caught.value.path == "id"


def test_single_type_out_paths() -> None:
    orders = plan_of(DEFS + "    out: Order[]\n").out
    with pytest.raises(OutputError) as caught:
        shape_output([{"id": "a", "items": [], "amount": 1}, {"id": "b", "items": []}],
                     orders, TZ)
    assert caught.value.path == "[1].amount"
    text = plan_of("    out: string\n").out
    assert shape_output(12, text, TZ) == "12"
    with pytest.raises(OutputError) as caught:
        shape_output({"a": 1}, text, TZ)
    assert caught.value.path == "$"
    assert "$: expected string, got object" in caught.value.message
    with pytest.raises(OutputError) as caught:
        shape_output("x", SPEC.out, TZ)
    assert caught.value.path == "$"


def test_output_any_is_untouched() -> None:
    value = {"a": [1, {"b": object()}]}
    assert shape_output(value, plan_of("    out: any\n").out, TZ) is value


def test_output_dates_are_converted() -> None:
    out = plan_of("    out: {at: date}\n").out
    assert shape_output({"at": "2025-01-01"}, out, TZ) == {
        "at": pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai")}


# ---------------------------------------------------------------- recursion


def nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"name": "leaf", "children": []}
    for _ in range(levels):
        node = {"name": "n", "children": [node]}
    return node


def test_hostile_nesting_is_a_problem_not_a_recursion_error() -> None:
    with pytest.raises(OutputError) as out:
        shape_output(nested(5000), typ("Node"), TZ)
    assert "nested too deeply" in out.value.message
    assert f"more than {MAX_DEPTH}" in out.value.message
    plan = inputs_of("""\
        in:
            tree: Node
    """)
    (problem,) = problems(plan, {"tree": nested(5000)})
    assert problem.code == "F402" and problem.path.startswith("tree.children[0].children[0]")
    assert "nested too deeply" in problem.message


# ---------------------------------------------------------------- properties



@given(JSON, st.sampled_from(TYPES))
def test_shaping_only_raises_output_errors(value: Any, t: str) -> None:
    try:
        shape_output(value, typ(t), TZ)
    except OutputError as error:
        assert error.code == "F404" and error.path


@given(st.dictionaries(st.sampled_from(["customerId", "pageSize", "from", "to", "x", "tenantId"]),
                       JSON, max_size=6))
def test_inputs_only_raise_input_errors(raw: dict[str, Any]) -> None:
    try:
        values = convert_inputs(SPEC.inputs, raw, ctx())
    except InputError as error:
        found = [p.code for p in error.problems]
        assert set(found) <= {"F401", "F402", "F403"}
        assert found == sorted(found, key=lambda code: code == "F403")  # undeclared last
    else:
        assert list(values) == [spec.name for spec in SPEC.inputs]
