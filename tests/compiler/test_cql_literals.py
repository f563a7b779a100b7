"""CQL is checked at compile time (tools.md §6): a db operation's literal ``exps``, ``proj``
and ``sort`` are parsed and checked against the table's fields, and what is wrong is reported
at the exact line and column of the offending characters inside the flow file."""

from __future__ import annotations

from compiler import StaticCatalog

from .conftest import codes, compile_text

_FLOW = """\
    flow:
        name: x
        args:
            in:
                cid: string
        node:
            a:
                exec: db://ec.order/{op}
                args: {args}
"""


def _check(args: str, catalog: StaticCatalog, op: str = "list") -> list[tuple[str, int, int]]:
    return codes(_FLOW.format(op=op, args=args), catalog)


# "            args: " (dedented) is 12 + 6 characters: the args text starts at column 19.


def test_syntax_error_in_exps_at_its_column_in_a_plain_scalar(catalog: StaticCatalog) -> None:
    # exps = 'amount >= && id = 1'  → the error is at '&&' (column 19 + 19)
    args = "exps = 'amount >= && id = 1'"
    assert _check(args, catalog) == [("Q101", 9, 19 + args.index("&&"))]


def test_syntax_error_in_exps_in_a_double_quoted_scalar(catalog: StaticCatalog) -> None:
    args = "\"exps = 'amount >= && id = 1'\""
    assert _check(args, catalog) == [("Q101", 9, 19 + args.index("&&"))]


def test_syntax_error_in_exps_in_a_block_scalar(catalog: StaticCatalog) -> None:
    assert codes("""\
        flow:
            name: x
            node:
                a:
                    exec: db://ec.order/list
                    args: |
                        size = 10,
                        exps = 'amount >= && id = 1'
    """, catalog) == [("Q101", 8, 17 + len("exps = 'amount >= "))]


def test_unknown_field_with_did_you_mean(catalog: StaticCatalog) -> None:
    args = "exps = 'customerID = :cid'"
    result = compile_text(_FLOW.format(op="list", args=args), catalog)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column, d.end_column) == (
        "Q201", 9, 19 + args.index("customerID"), 19 + args.index(" = :"))
    assert "did you mean 'customerId'" in d.message
    assert d.suggestion == "customerId"


def test_every_unknown_field_is_reported(catalog: StaticCatalog) -> None:
    args = "exps = 'amout > 1 && tme IS NULL'"
    assert _check(args, catalog) == [("Q201", 9, 19 + args.index("amout")),
                                     ("Q201", 9, 19 + args.index("tme"))]


def test_bad_proj_field(catalog: StaticCatalog) -> None:
    args = "exps = 'amount > 1', proj = 'id, amont'"
    assert _check(args, catalog) == [("Q204", 9, 19 + args.index("amont"))]


def test_bad_proj_field_of_take(catalog: StaticCatalog) -> None:
    args = "id = 1, proj = 'id, nope'"
    assert _check(args, catalog, "take") == [("Q204", 9, 19 + args.index("nope"))]


def test_bad_sort(catalog: StaticCatalog) -> None:
    args = "sort = 'time DOWN'"
    assert _check(args, catalog) == [("Q204", 9, 19 + args.index("DOWN"))]
    args = "sort = 'tim DESC'"
    assert _check(args, catalog) == [("Q204", 9, 19 + args.index("tim"))]


def test_w215_bare_word(catalog: StaticCatalog) -> None:
    args = "exps = 'customerId = error'"
    result = compile_text(_FLOW.format(op="list", args=args), catalog)
    [d] = result.diagnostics
    assert (d.code, d.severity, d.line, d.column) == (
        "W215", "warning", 9, 19 + args.index("error"))


def test_value_that_cannot_compare_with_the_field(catalog: StaticCatalog) -> None:
    args = "exps = \"amount > 'lots'\""
    assert _check(args, catalog) == [("Q203", 9, 19 + args.index("'lots'"))]


def test_escapes_place_the_problem_on_the_whole_literal(catalog: StaticCatalog) -> None:
    args = "exps = 'amount >= \\u0020&& id = 1'"
    assert _check(args, catalog) == [("Q101", 9, 19 + args.index("'"))]


def test_a_correct_query_has_no_diagnostics(catalog: StaticCatalog) -> None:
    args = ("exps = 'customerId = :cid && amount >= 10 && time >= TIME(-5m)', "
            "proj = 'id, amount', sort = 'time DESC, id', cid = cid")
    assert _check(args, catalog) == []
    assert _check("exps = 'amount > 1'", catalog, "count") == []


def test_variables_are_left_to_the_run(catalog: StaticCatalog) -> None:
    assert _check("exps = cid, proj = cid", catalog) == []


def test_the_literal_parts_of_a_template_are_checked(catalog: StaticCatalog) -> None:
    # tools.md §6: "or a template whose literal parts parse"; W212 still asks for :params.
    args = "exps = `nope = ${cid}`"
    assert _check(args, catalog) == [("W212", 9, 26), ("Q201", 9, 19 + args.index("nope"))]
    args = "exps = `customerId = ${cid} && amout > 1`"
    assert _check(args, catalog) == [("W212", 9, 26), ("Q201", 9, 19 + args.index("amout"))]
    args = "proj = `id, amout, ${cid}`"
    assert _check(args, catalog) == [("Q204", 9, 19 + args.index("amout"))]


def test_a_template_that_cannot_parse_is_reported_where_its_text_ends(
        catalog: StaticCatalog) -> None:
    args = "exps = `customerId = ${cid} && amount >`"
    assert _check(args, catalog) == [("W212", 9, 26), ("Q101", 9, 19 + args.index("`", 8))]


def test_what_an_insertion_could_change_is_left_to_the_run(catalog: StaticCatalog) -> None:
    # an inserted field name, a value, a whole condition: none is judged before the run
    for args in ("exps = `${cid} = 1 && amount > 2`", "exps = `amount > ${cid}`",
                 "exps = `${cid} && amount > 2`", "exps = `customerId = '${cid}'`",
                 "sort = `${cid} DESC`"):
        assert [c for c in _check(args, catalog) if c[0] != "W212"] == [], args


def test_without_a_catalog_nothing_is_checked() -> None:
    assert codes(_FLOW.format(op="list", args="exps = 'amount >= &&'")) == []
