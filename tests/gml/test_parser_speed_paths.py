"""The parser's fast path (the AST built while parsing, spans computed from children) gives
exactly what the slow path (a parse tree, then the same callbacks on it) gives: the same
nodes, the same spans, the same errors in the same order; the postlexer's depth bound never
lets a too-deep program through; and the parser's own LALR loop (`gml._lalr.Driver`, over
Lark's private API) does what Lark's does: ``test_the_lalr_driver_and_larks_loop_agree*``
protect it, and must pass on every Lark upgrade."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Tree
from lark.exceptions import UnexpectedInput

import gml
from gml import _lalr, _parser
from gml import nodes as n
from gml._lexer import MaybeTooDeep, SeparatorFilter
from gml._parser import MAX_SYNTAX_DEPTH
from gml._source import Span

from .test_properties import TOKENS, statements
from .test_snapshots import PROGRAMS

EXAMPLES = Path(__file__).parents[2] / "examples"


def spans(node: Any) -> list[tuple[str, Span]]:
    """Every node's type and span, in order (equality of nodes ignores spans)."""
    found = [(type(node).__name__, node.span)]
    for name in node.__dataclass_fields__:
        value = getattr(node, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, n.Node):
                found.extend(spans(item))
    return found


def outcome(parse: Any, text: str) -> Any:
    try:
        program = parse(text)
    except gml.GmlError as error:
        return (type(error).__name__, error.code, error.message, error.span)
    return program, spans(program)


def slow(text: str) -> n.Program:
    return _parser._parse_tree(text)


def fast(text: str) -> n.Program:
    """The fast path alone: fails the test if it would fall back on the slow path."""
    program = driver_parse(text)
    assert isinstance(program, n.Program)
    return program


def same(text: str) -> None:
    assert outcome(_parser._parse, text) == outcome(slow, text)
    loops_agree(text)


def driver_parse(text: str) -> Any:
    driver = _parser._driver()
    assert driver is not None, "the parser's LALR loop is off: does Lark's table differ?"
    result = driver.parse(text)
    if result is _lalr.NOT_PARSED:
        raise UnexpectedInput  # Lark's loop would report a syntax error
    return result


def loop_outcome(parse: Any, text: str) -> Any:
    """What one LALR loop gives: a program, a syntax error, or a callback's exception."""
    try:
        program = parse(text)
    except UnexpectedInput:
        return "syntax error"
    except Exception as error:
        return type(error).__name__, str(error), getattr(error, "span", None)
    return program, spans(program)


# ---------------------------------------------------------------- the two LALR loops


def test_the_lalr_driver_is_used() -> None:
    assert isinstance(_parser._driver(), _lalr.Driver), "Lark's internals changed: see _lalr"


def loops_agree(text: str) -> None:
    assert loop_outcome(driver_parse, text) == loop_outcome(_parser._lark().parse, text)


def corpus() -> list[str]:
    """GML programs of the examples and the snapshot tests, and each of their lines."""
    programs = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("gml/*.gml"))]
    programs += PROGRAMS.values()
    return programs + [line for p in programs for line in p.splitlines() if line.strip()]


@pytest.mark.parametrize("source", corpus())
def test_the_lalr_driver_and_larks_loop_agree_on_the_corpus(source: str) -> None:
    loops_agree(source)


@settings(max_examples=500, deadline=None)
@given(st.lists(statements, min_size=1, max_size=5).map(lambda s: n.Program(tuple(s))))
def test_the_lalr_driver_and_larks_loop_agree(program: n.Program) -> None:
    """Same programs, same spans, same callback errors: on every program the AST generator
    makes (printed), and on token soup (syntax errors, mostly)."""
    loops_agree(gml.to_source(program))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_the_lalr_driver_and_larks_loop_agree_on_token_soup(source: str) -> None:
    loops_agree(source)


# ---------------------------------------------------------------- spans


@pytest.mark.parametrize(("source", "expected"), [
    ("x\n", Span(0, 2)),  # a trailing newline belongs to the program (`!_sep`)
    ("x  # note\n\n  ", Span(0, 13)),
    ("x,\n", Span(0, 2)),
    ("a = 1\nb = 2", Span(0, 11)),
])
def test_the_program_span_includes_trailing_separators(source: str, expected: Span) -> None:
    assert fast(source).span == expected
    same(source)


@pytest.mark.parametrize("source", [
    "(a) + b", "a + (b)", "((a)) * (b)", "(a)", "-(a)", "(a).b", "(a)[0]", "(a).m((b))",
    "f((a), (b))", "f((x) => x)", "f(((x)) => (x))", "a.m((x, y) => (x))", "f(((x, y)) => x)",
    "a ? (b) : (c)",
    "[(a), ...(b)]", "{(a.b), x: (c), [(k)]: (v), 'q': (d), ...(e)}", "`${(a)}`",
    "CASE (a) WHEN (b) THEN (c) ELSE (d) END", "(this).$t", "x = (a)", "$t = (a)", "...(a)",
    "(a) NOT IN (b)", "{(a)\n(b.c)}", "!(a)", "f(x => (x), (y) => y)",
])
def test_parentheses_widen_the_parent_span_but_not_the_inner_node(source: str) -> None:
    same(source)
    for _, span in spans(fast(source)):
        text = source[span.start:span.end]
        assert text.count("(") == text.count(")"), (source, text)


def test_spans_of_a_parenthesised_operand() -> None:
    program = fast("(a) + b")
    stmt = program.statements[0]
    assert isinstance(stmt, n.ExprStmt) and isinstance(stmt.value, n.Binary)
    assert (stmt.span, stmt.value.span, stmt.value.left.span) == (
        Span(0, 7), Span(0, 7), Span(1, 2))
    (field,) = fast("{(a.b)}").statements[0].value.entries  # type: ignore[attr-defined]
    assert (field.span, field.value.span) == (Span(1, 6), Span(2, 5))


def test_parenthesised_lists_do_not_leak_into_the_ast() -> None:
    assert fast("f(((x, y)) => x)") == gml.parse("f((x, y) => x)")
    assert fast("f((a))") == gml.parse("f(a)")
    with pytest.raises(gml.GmlSyntaxError) as info:
        gml.parse("((a, b)) + 1")
    assert info.value.span == Span(1, 7)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("source", "code", "span"), [
    # A callback's error (a keyword as a name) comes after a syntax error further on.
    ("AND + 1 +", "G101", None),
    ("x = AND\ny = (a, b)\n)", "G101", None),
    # ... and after a program nested too deeply.
    ("(" * 200 + "AND" + ")" * 200, "G306", None),
    # The first callback error in the tree's order wins.
    ("f(AND, (a, b))", "G101", Span(2, 5)),
    ("`${(a, b)}` + OR", "G101", Span(3, 9)),
])
def test_errors_come_in_the_order_of_the_slow_path(source: str, code: str,
                                                    span: Span | None) -> None:
    same(source)
    with pytest.raises(gml.GmlError) as info:
        gml.parse(source)
    assert info.value.code == code
    if span is not None:
        assert info.value.span == span
    if source.startswith("AND + 1"):
        assert "end of the program" in info.value.message


def test_a_callback_error_keeps_its_span() -> None:
    with pytest.raises(gml.GmlSyntaxError) as info:
        gml.parse("a + 'x\\u12'")
    assert info.value.span == Span(6, 12)  # from the backslash, four digits long
    same("a + 'x\\u12'")


# ---------------------------------------------------------------- depth


def tree_depth(tree: Tree[Any]) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))
    return deepest


def test_the_depth_limit_is_exact() -> None:
    # start > expr_stmt > k parentheses > int_lit: k + 3 levels.
    k = MAX_SYNTAX_DEPTH - 3
    fast("(" * k + "1" + ")" * k)  # the bound is exact here: no slow path
    fast("-" * k + "1")
    fast("`${" * (k - 1) + "1" + "}`" * (k - 1))
    with pytest.raises(gml.GmlLimitError) as info:
        gml.parse("(" * (k + 1) + "1" + ")" * (k + 1))
    assert info.value.span == Span(k + 1, k + 2)  # the node at depth 151: the `1`


@pytest.mark.parametrize("source", [
    "-" * 2000 + "1", " + ".join(["1"] * 3000), "a" + ".b" * 5000, "[" * 400 + "]" * 400,
    "{a: " * 300 + "1" + "}" * 300, "CASE WHEN " * 200 + "1" + " THEN 1 END" * 200,
    "`${" * 200 + "1" + "}`" * 200, "f(x => " * 200 + "1" + ")" * 200,
])
def test_deep_programs_are_g306_on_both_paths(source: str) -> None:
    with pytest.raises(gml.GmlLimitError):
        gml.parse(source)
    same(source)


@pytest.mark.parametrize("source", [
    "{" + ", ".join(f"f{i}: a{i}.b + 1" for i in range(300)) + "}",
    "[" + ", ".join(f"x{i}" for i in range(500)) + "]",
    "\n".join(f"v{i} = f(a, b{i}) ?? 'none'" for i in range(200)),
    "CASE " + " ".join(f"WHEN a == {i} THEN 'v{i}'" for i in range(200)) + " ELSE null END",
    " && ".join(f"x{i}" for i in range(120)),
])
def test_long_flat_programs_stay_on_the_fast_path(source: str) -> None:
    fast(source)  # the depth bound of these is far below the limit


def _bound_covers_depth(text: str) -> None:
    lark = _parser._tree_lark()
    try:
        depth = tree_depth(lark.parse(text))
    except Exception:
        return
    postlex = lark.options.postlex
    assert isinstance(postlex, SeparatorFilter)
    postlex.max_depth = depth - 1
    try:
        with pytest.raises(MaybeTooDeep):
            lark.parse(text)
    finally:
        postlex.max_depth = None


@settings(max_examples=300, deadline=None)
@given(st.lists(statements, min_size=1, max_size=4).map(lambda s: n.Program(tuple(s))))
def test_the_depth_bound_is_never_below_the_depth(program: n.Program) -> None:
    text = gml.to_source(program)
    _bound_covers_depth(text)
    same(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup_gives_the_same_outcome_on_both_paths(source: str) -> None:
    same(source)
    _bound_covers_depth(source)


# ---------------------------------------------------------------- cache


def test_the_same_text_gives_the_same_program() -> None:
    assert gml.parse("a + 1") is gml.parse("a + 1")
    long = "[" + ", ".join(["a"] * 300) + "]"
    assert gml.parse(long) is not gml.parse(long)  # long texts are not kept
    assert gml.parse(long) == gml.parse(long)
    for _ in range(2):  # errors are not kept either
        with pytest.raises(gml.GmlSyntaxError):
            gml.parse("a +")


def test_parsing_from_several_threads_gives_the_same_trees() -> None:
    sources = [f"x{i} = a{i} + ({i} * b).c[{i}]\ny = f(x => x.v, (a, b) => a)" for i in range(200)]
    expected = [outcome(_parser._parse, s) for s in sources]
    results: list[Any] = [None] * 4

    def work(slot: int) -> None:
        results[slot] = [outcome(_parser._parse, s) for s in sources]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results)
