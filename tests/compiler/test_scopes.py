"""Scopes (spec/fdl.md §3), typed node outputs, and GML diagnostics mapped into the file."""

from __future__ import annotations

from compiler import StaticCatalog

from .conftest import codes, compile_text


def test_gml_error_in_a_literal_block_points_into_the_file() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    with: |
                        total = 1
                        other = totl + 1
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("G204", 7, 25, 29)
    assert d.suggestion == "total" or "did you mean" in d.message


def test_gml_error_in_a_folded_block() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    with: >
                        1 +
                        missing
    """) == [("G204", 7, 17)]


def test_gml_error_in_a_double_quoted_scalar_with_escapes() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    with: "'a\\tb' + nope"
    """) == [("G204", 5, 29)]


def test_gml_syntax_error_position() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    with: 1 + * 2
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("G101", 5, 23)


def test_non_string_scalars_are_literals() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    with: 42
                    only: true
                    next: b
                b:
                    wait: 5000
    """)
    assert result.diagnostics == ()
    assert result.plan is not None
    a = result.plan.block.by_id["a"]
    assert a.with_ is not None and a.with_.program is None and a.with_.literal == 42
    assert str(a.output_type) == "int"
    assert result.plan.block.by_id["b"].wait_ms == 5000


def test_yaml_12_core_schema_yes_is_a_string() -> None:
    result = compile_text("""\
        flow:
            name: yes
            node:
                a:
                    with: "'x'"
    """)
    assert result.flow is not None and result.flow.name == "yes"


def test_inputs_defaults_see_earlier_inputs_only() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    a: 1
                    b: a + 1
                    c: d + 1
                    d: 2
            node:
                n: {with: b}
    """) == [("G204", 7, 16)]


def test_bare_defaults_infer_types_and_are_optional() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    since: DATE('-30d')     # start of the window
                    pageSize: 50
                    channel: string = 'pos'
                    id: string
                    note: string?
            node:
                n: {with: since}
    """)
    assert result.plan is not None
    specs = {i.name: i for i in result.plan.inputs}
    assert (str(specs["since"].type), specs["since"].required) == ("date", False)
    assert specs["since"].description == "start of the window"
    assert (str(specs["pageSize"].type), specs["pageSize"].required) == ("int", False)
    assert (str(specs["channel"].type), specs["channel"].required) == ("string", False)
    assert specs["channel"].default is not None
    assert (str(specs["id"].type), specs["id"].required) == ("string", True)
    assert (str(specs["note"].type), specs["note"].required) == ("string?", False)


def test_default_type_must_match_the_declared_type() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    size: int = 'ten'
            node:
                n: {with: size}
    """) == [("E304", 5, 19)]


def test_recursive_defs() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                defs:
                    Tree:
                        label: string
                        children: Tree[]
                in:
                    tree: Tree
            node:
                n:
                    with: tree.children.map(c => c.label)
                m:
                    with: tree.children[0].lable
    """)
    assert [(d.code, d.line) for d in result.diagnostics] == [("G205", 14)]


def test_typed_node_output_flows_into_later_nodes() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    with: |
                        id = 'c1'
                        count = 3
                    next: b
                b:
                    with: a.cuont + 1
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("G205", 10, 21)
    assert "count" in d.message


def test_typed_tool_results(catalog: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    id: string
            node:
                customer:
                    exec: api://crm-service/customer
                    next: show
                show:
                    with: customer.nmae
    """, catalog)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.suggestion) == ("G205", 11, 28, "name")
    assert result.plan is None


def test_tool_with_reads_its_own_raw_result(catalog: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    id: string
            node:
                customer:
                    exec: api://crm-service/customer
                    with: |
                        label = customer.name + ' (' + customer.id + ')'
    """, catalog)
    assert result.diagnostics == ()
    assert result.plan is not None
    assert str(result.plan.block.by_id["customer"].output_type) == "{label: string}"


def test_node_with_fail_edge_has_an_error_field() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                auth:
                    with: |
                        ok = true
                    fail: denied
                denied:
                    with: auth.error.code
    """) == []


def test_sub_flow_outputs_are_not_visible_outside() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                proc:
                    each: "['a', 'b'] => item, i"
                    vars: seen = []
                    node:
                        inner:
                            with: item.upper() + i
                            sets: seen = seen.add(inner)
                    with: seen
                    next: after
                after:
                    with: inner
    """)
    [d] = result.diagnostics
    assert (d.code, d.line) == ("G204", 14)


def test_loop_condition_sees_its_vars() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    pageSize: 50
            node:
                load:
                    vars: curPage = 0, pageNum = 1, orders = []
                    when: curPage < pageNum
                    node:
                        orderPage:
                            exec: api://ec-service/order_page
                            args: page = curPage, size = pageSize
                            sets: |
                                curPage = curPage + 1
                                pageNum = orderPage.totalPages
                                orders  = orders.addAll(orderPage.content.proj('id, amount'))
                    with: orders
    """)
    assert result.diagnostics == ()
    assert result.plan is not None
    load = result.plan.block.by_id["load"]
    assert load.kind == "loop" and load.block is not None
    assert load.block.by_id["orderPage"].sets_targets == ("curPage", "pageNum", "orders")


def test_each_alias_gets_the_element_type() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                defs:
                    Order: {id: string, amount: decimal}
                in:
                    orders: Order[]
            node:
                proc:
                    each: orders => o
                    node:
                        line:
                            with: o.amont
    """) == [("G205", 13, 29)]


def test_object_mode_fields_read_a_single_path_as_a_field() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    id: string
            node:
                a:
                    exec: api://crm/customer
                    args: id
    """)
    assert result.plan is not None
    args = result.plan.block.by_id["a"].args
    assert args is not None and str(args.type) == "{id: string}"


def test_arg_descriptions_come_from_comments() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    customerId: string   # the customer (required)
                    from: DATE('-3M')    # window start
            node:
                a: {with: customerId}
    """)
    assert result.plan is not None
    assert [i.description for i in result.plan.inputs] == ["the customer (required)",
                                                           "window start"]
