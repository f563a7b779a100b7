"""Every static rule of spec/fdl.md §5: a failing flow, the code, and the exact position."""

from __future__ import annotations

from compiler import StaticCatalog

from .conftest import codes, compile_text

# --------------------------------------------------------------------- E1xx: structure


def test_e101_yaml_syntax_error_has_its_position() -> None:
    found = compile_text("flow:\n    name: x\n    node: [a,\n")
    assert [d.code for d in found.diagnostics] == ["E101"]
    assert found.diagnostics[0].line == 4
    assert "YAML syntax" in found.diagnostics[0].message


def test_e101_tab_indentation() -> None:
    assert codes("flow:\n\tname: x\n")[0][0] == "E101"


def test_e102_root_must_be_a_mapping_with_flow() -> None:
    assert codes("- a\n- b\n") == [("E102", 1, 1)]
    assert codes("name: x\n") == [("E102", 1, 1)]


def test_e102_flow_needs_name_and_node() -> None:
    assert codes("""\
        flow:
            desp: nothing
    """) == [("E102", 1, 1), ("E102", 1, 1)]


def test_e103_unknown_flow_key_with_suggestion() -> None:
    result = compile_text("""\
        flow:
            name: x
            nodes: {}
            node:
                a: {with: 1}
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E103", 3, 5)
    assert "did you mean 'node'" in d.message
    assert d.suggestion == "node"


def test_e103_unknown_node_key_with_suggestion() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    with: 1
                    nxt: b
                b:
                    with: 2
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.suggestion) == ("E103", 6, 13, "next")


def test_e103_key_of_another_kind_names_its_owner() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: api://s/t
                    else: b
                b:
                    with: 2
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E103", 6, 13)
    assert "branch" in d.message and "tool call" in d.message


def test_e103_unknown_uri_option() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: api://s/t?timeout=10&retries=3
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E103", 5, 40)


def test_e104_each_without_node() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    each: xs => x
    """) == [("E104", 5, 13)]


def test_e104_when_without_then_or_node() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    when: true
    """) == [("E104", 5, 13)]


def test_e104_case_entry_without_then() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    case:
                        -   when: true
                            then: b
                        -   when: false
                b:
                    with: 1
    """) == [("E104", 8, 21)]


def test_e105_targets_must_be_ids() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    with: 1
                    next: {b: 1}
                b:
                    with: 2
    """) == [("E105", 6, 19)]


def test_e105_exec_must_be_a_uri() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    exec: crm-service/customer
    """) == [("E105", 5, 19)]


def test_e105_condition_must_be_one_expression() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    when: x = 1, y = 2
                    then: b
                b:
                    with: 1
    """) == [("E105", 5, 19)]


def test_e105_program_fields_must_be_text() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    exec: api://s/t
                    args: {id: 1}
    """) == [("E105", 6, 19)]


def test_e106_two_kinds_mixed() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: api://s/t
                    wait: 10s
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E106", 6, 13)
    assert "'exec' makes a tool call" in d.message and "'wait' makes a delay" in d.message


def test_e106_kind_cannot_be_decided() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    name: just a name
    """) == [("E106", 4, 9)]


def test_e107_unknown_type_with_suggestion() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                defs:
                    Order: {id: string}
                in:
                    orders: Ordr[]
            node:
                a: {with: orders}
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.end_column, d.suggestion) == ("E107", 7, 21, 25,
                                                                       "Order")


def test_e107_nested_structure_in_args() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    customer:
                        id: string
            node:
                a: {with: 1}
    """) == [("E107", 6, 17)]


def test_e108_bad_each_spec() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    each: orders.filter(o => o.ok)
                    node:
                        b: {with: 1}
    """) == [("E108", 5, 19)]


def test_e108_bad_wait() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    wait: -5
    """) == [("E108", 5, 19)]


# --------------------------------------------------------------------- E2xx: graph, ids


def test_e201_duplicate_node_id_in_one_block() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a: {with: 1}
                a: {with: 2}
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E201", 5, 9)
    assert "line 4" in d.message


def test_e201_duplicate_node_id_across_blocks() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a: {with: 1}
                loop:
                    vars: i = 0
                    when: i < 3
                    node:
                        a: {with: 2}
    """) == [("E201", 9, 17)]


def test_e202_unknown_target_with_suggestion() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    with: 1
                    next: b, mrege
                b: {with: 2}
                merge: {with: 3}
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.end_column) == ("E202", 6, 22, 27)
    assert d.suggestion == "merge"


def test_e202_target_in_a_yaml_list() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    with: 1
                    next:
                        - b
                        - c
                b: {with: 2}
    """) == [("E202", 8, 19)]


def test_e203_target_in_another_block() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                outer:
                    each: "[1, 2] => n"
                    node:
                        inner:
                            with: n
                            next: after
                after: {with: 1}
    """) == [("E203", 9, 27)]


def test_e204_node_id_clashes() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    customerId: string
            vars: count = 0
            node:
                customerId: {with: 1}
                count: {with: 2}
                now: {with: 3}
                tenantId: {with: 4}
    """) == [("E204", 8, 9), ("E204", 9, 9), ("E204", 10, 9), ("E204", 11, 9)]


def test_e205_constant_branch_leaves_a_node_that_never_runs() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                check:
                    when: true
                    then: yes_path
                    else: no_path
                yes_path: {with: 1}
                no_path: {with: 2}
    """)
    [d] = result.diagnostics
    assert (d.code, d.severity, d.line, d.column) == ("E205", "warning", 9, 9)
    assert result.plan is not None


def test_e205_switch_after_a_constant_true_case() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                judge:
                    case:
                        -   when: false
                            then: a
                        -   when: true
                            then: b
                    else: c
                a: {with: 1}
                b: {with: 2}
                c: {with: 3}
    """) == [("E205", 11, 9), ("E205", 13, 9)]


# --------------------------------------------------------------------- E3xx: tools, sets


def test_e301_unknown_tool_type_without_catalog() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: apii://crm/customer
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.suggestion) == ("E301", 5, 19, "api")


def test_e301_unknown_tool_with_catalog(catalog: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    exec: api://crm-service/custmer
    """, catalog)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("E301", 5, 19)
    assert d.suggestion == "api://crm-service/customer"


def test_e302_undeclared_argument(catalog: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    exec: api://crm-service/customer
                    args: id = 'c1', idd = 'c2'
    """, catalog) == [("E302", 6, 30)]


def test_db_operations_accept_extra_arguments_as_cql_parameters(
        catalog: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    cid: string
            node:
                a:
                    exec: db://ec.order/list
                    args: exps = 'customerId = :cid', cid = cid
    """, catalog) == []


def test_e303_required_argument_missing(catalog: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    exec: api://crm-service/customer
    """, catalog) == [("E303", 5, 19)]


def test_e303_not_reported_when_auto_bound(catalog: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    id: string
            node:
                a:
                    exec: api://crm-service/customer
    """, catalog) == []


def test_e304_argument_type_mismatch(catalog: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    exec: api://crm-service/customer
                    args: id = true
    """, catalog) == [("E304", 6, 19)]


def test_e305_sets_targets() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    limit: int
            vars: total = 0
            node:
                a:
                    with: 1
                    sets: total = total + 1, limit = 2, missing = 3
                proc:
                    each: "[1, 2] => n"
                    node:
                        b:
                            with: n
                            sets: n = 0
    """)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [
        ("E305", 10, 38), ("E305", 10, 49), ("E305", 16, 27)]
    assert "declare it in vars" in result.diagnostics[1].message


def test_sets_may_write_node_outputs_and_enclosing_vars() -> None:
    assert codes("""\
        flow:
            name: x
            vars: total = 0
            node:
                a:
                    with: 1
                proc:
                    each: "[1, 2] => n"
                    vars: seen = []
                    node:
                        b:
                            with: n
                            sets: seen = seen.add(n), total = total + n
                    with: seen
                c:
                    with: 2
                    sets: a = 3
    """) == []


# --------------------------------------------------------------------- W2xx: races, SQL


def test_w210_read_of_a_node_not_ordered_before() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                customer:
                    exec: api://crm/customer
                summary:
                    with: customer.name
    """)
    [d] = result.diagnostics
    assert (d.code, d.severity, d.line, d.column, d.end_column) == ("W210", "warning", 7, 19,
                                                                     27)


def test_w210_not_reported_when_a_next_path_orders_them() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                customer:
                    exec: api://crm/customer
                    next: middle
                middle:
                    with: 1
                    next: summary
                summary:
                    with: customer.name
    """) == []


def test_w210_read_inside_a_sub_flow_uses_the_enclosing_node() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                customer:
                    exec: api://crm/customer
                proc:
                    each: "[1, 2] => n"
                    node:
                        b:
                            with: customer.id
    """) == [("W210", 10, 27)]


def test_w210_flow_vars_cannot_read_node_outputs() -> None:
    assert codes("""\
        flow:
            name: x
            vars: first = a
            node:
                a: {with: 1}
    """) == [("W210", 3, 19)]


def test_w211_concurrent_writers() -> None:
    result = compile_text("""\
        flow:
            name: x
            vars: count = 0
            node:
                a:
                    with: 1
                    sets: count = count + 1
                b:
                    with: 2
                    sets: count = count + 2
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("W211", 10, 19)
    assert "'a'" in d.message


def test_w211_not_reported_for_ordered_writers() -> None:
    assert codes("""\
        flow:
            name: x
            vars: count = 0
            node:
                a:
                    with: 1
                    sets: count = count + 1
                    next: b
                b:
                    with: 2
                    sets: count = count + 2
    """) == []


def test_w212_interpolated_cql() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    cid: string
            node:
                a:
                    exec: db://ec.order/list
                    args: exps = `customerId = '${cid}'`
    """) == [("W212", 9, 26)]


def test_w212_concatenated_sql_anywhere() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    cid: string
            node:
                a:
                    with: "'select * from t where id = ' + cid"
    """) == [("W212", 8, 20)]


def test_w213_each_over_a_non_array() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    n: int
            node:
                a:
                    each: n => i
                    node:
                        b: {with: i}
    """) == [("W213", 8, 19)]


def _nested(depth: int) -> str:
    lines = ["flow:", "    name: x", "    node:"]
    indent = "        "
    for i in range(depth):
        lines += [f"{indent}n{i}:", f"{indent}    when: true", f"{indent}    node:"]
        indent += "        "
    return "\n".join([*lines, f"{indent}leaf: {{with: 1}}"]) + "\n"


def test_deeply_nested_blocks_are_an_error_not_a_crash() -> None:
    assert compile_text(_nested(5)).diagnostics == ()
    assert [d.code for d in compile_text(_nested(40)).diagnostics] == ["E105"]
    assert [d.code for d in compile_text(_nested(400)).diagnostics] == ["E101"]


# --------------------------------------------------------------------- regressions


def test_a_file_with_only_a_comment_is_e102() -> None:
    assert codes("# nothing here\n") == [("E102", 1, 1)]


def test_typed_default_with_a_map_type() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    counts: map<int> = {}
            node:
                a: {with: counts}
    """)
    assert result.diagnostics == ()
    assert result.plan is not None and str(result.plan.inputs[0].type) == "map<int>"


def test_malformed_input_type_is_e107_not_a_gml_error() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                in:
                    ids: string[
            node:
                a: {with: ids}
    """) == [("E107", 5, 18)]


def test_self_referencing_type_alias_is_e107() -> None:
    assert codes("""\
        flow:
            name: x
            args:
                defs:
                    A: A?
                in:
                    x: A
            node:
                a: {with: x.foo}
    """) == [("E107", 5, 16)]


def test_empty_value_is_reported_on_its_own_line() -> None:
    assert codes("""\
        flow:
            name:
            node:
                a: {with: 1}
    """) == [("E105", 2, 10)]


def test_an_error_in_vars_does_not_hide_its_variables() -> None:
    assert codes("""\
        flow:
            name: x
            vars: total = 0, bad = missing + 1
            node:
                a: {with: total + bad}
    """) == [("G204", 3, 28)]


def test_sets_of_an_undeclared_variable_keeps_the_e305_hint() -> None:
    assert [c for c, _, _ in codes("""\
        flow:
            name: x
            node:
                a:
                    with: 1
                    sets: count = count + 1
    """)] == ["E305", "G204"]


def test_duplicate_uri_option() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    exec: api://s/t?timeout=1&timeout=2
    """) == [("E105", 5, 39)]


def test_node_id_clashing_with_a_nested_vars_name() -> None:
    assert codes("""\
        flow:
            name: x
            node:
                proc:
                    each: "[1] => n"
                    vars: acc = 0
                    node:
                        acc: {with: n}
    """) == [("E204", 8, 17)]


def test_a_tool_call_reads_its_raw_result_in_sets_and_with(catalog: StaticCatalog) -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    id: string
            vars: lastId = ''
            node:
                a:
                    exec: api://crm-service/customer
                    sets: lastId = a.id
                    with: "{n: a.nmae}"
    """, catalog)
    assert [(d.code, d.line) for d in result.diagnostics] == [("G205", 11)]


def test_a_node_block_reused_through_an_alias_is_e201() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                a:
                    each: "[1] => i"
                    node: &inner
                        x: {with: i}
                b:
                    each: "[2] => i"
                    node: *inner
    """)
    assert [(d.code, d.line) for d in result.diagnostics] == [("E201", 6)]
