"""The grammar of spec/gml.md §2–§4 and the separator rules of §3.1."""

from __future__ import annotations

import pytest
from lark import Lark

import gml
from gml import nodes as n
from gml._lexer import SeparatorFilter
from grammar import read_grammar


def expr(source: str) -> n.Expr:
    program = gml.parse(source)
    assert len(program.statements) == 1
    stmt = program.statements[0]
    assert isinstance(stmt, n.ExprStmt)
    return stmt.value


def statements(source: str) -> tuple[n.Stmt, ...]:
    return gml.parse(source).statements


A, B, C = n.Name("a"), n.Name("b"), n.Name("c")


def test_grammar_has_no_conflicts_in_strict_mode() -> None:
    Lark(read_grammar("gml.lark"), parser="lalr", lexer="contextual",
         postlex=SeparatorFilter(), strict=True)


# ---------------------------------------------------------------- lexical structure (§2)


@pytest.mark.parametrize(("source", "value"), [
    ("0", 0), ("42", 42), ("123456789012345678901234567890", 123456789012345678901234567890),
    ("3.14", 3.14), ("1e10", 1e10), ("2.5E-3", 2.5e-3), ("1E+2", 100.0),
    ("true", True), ("false", False), ("null", None),
    ("'single'", "single"), ('"double"', "double"), ("''", ""),
    (r"'a\'b'", "a'b"), (r'"a\"b"', 'a"b'), (r"'\\'", "\\"), (r"'\n\r\t'", "\n\r\t"),
    (r"'\u4F60\u597d'", "你好"), (r"'\q'", "q"), ("'it''s'", None),
])
def test_literals(source: str, value: object) -> None:
    if source == "'it''s'":  # two adjacent strings are not one string
        with pytest.raises(gml.GmlSyntaxError):
            gml.parse(source)
        return
    node = expr(source)
    assert node == n.Literal(value)
    assert type(node.value) is type(value)  # type: ignore[attr-defined]


def test_integers_are_ints_and_numbers_with_fraction_are_floats() -> None:
    assert isinstance(expr("42").value, int)  # type: ignore[attr-defined]
    assert isinstance(expr("42.0").value, float)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["customerId", "客户", "_x", "x1", "ÄÖÜ", "and", "or", "not"])
def test_unicode_and_lowercase_keyword_identifiers(name: str) -> None:
    assert expr(name) == n.Name(name)


@pytest.mark.parametrize("keyword", ["CASE", "WHEN", "THEN", "ELSE", "END", "AND", "OR", "NOT",
                                     "IN", "LIKE"])
def test_upper_case_keywords_are_reserved(keyword: str) -> None:
    with pytest.raises(gml.GmlSyntaxError) as info:
        gml.parse(f"{keyword} = 1")
    assert info.value.code == "G101"


def test_keywords_are_case_sensitive() -> None:
    assert expr("case") == n.Name("case")
    assert expr("and") == n.Name("and")
    with pytest.raises(gml.GmlSyntaxError):  # `and` is a name, not an operator
        gml.parse("a and b")


def test_field_names_after_a_dot_may_be_keywords() -> None:
    assert expr("x.END") == n.Member(n.Name("x"), "END")
    assert expr("x.true") == n.Member(n.Name("x"), "true")


def test_temporaries_and_whole_input() -> None:
    assert expr("$base") == n.Temp("base")
    assert expr("$") == n.WholeInput()
    assert expr("this") == n.This()
    assert expr("this.$t") == n.ThisTemp("t")
    assert expr("this.x") == n.Member(n.This(), "x")


def test_comments_outside_strings() -> None:
    assert expr("a # a comment") == A
    assert expr("'# not a comment'") == n.Literal("# not a comment")
    assert statements("# first\na = 1 # trailing\n# last") == (n.Assign("a", n.Literal(1)),)


def test_leading_minus_is_unary() -> None:
    assert expr("-5") == n.Unary("-", n.Literal(5))
    assert expr("--5") == n.Unary("-", n.Unary("-", n.Literal(5)))
    assert expr("a-5") == n.Binary("-", A, n.Literal(5))


# ---------------------------------------------------------------- templates


def test_template_parts() -> None:
    assert expr("`a ${b} c`") == n.Template(("a ", B, " c"))
    assert expr("``") == n.Template(())
    assert expr("`${a}${b}`") == n.Template((A, B))


def test_nested_templates() -> None:
    assert expr("`x ${ `y ${a}` } z`") == n.Template(("x ", n.Template(("y ", A)), " z"))


def test_template_escapes_and_dollars() -> None:
    assert expr(r"`\` \${a} \n`") == n.Template(("` ${a} \n",))
    assert expr("`cost $5 and $`") == n.Template(("cost $5 and $",))


def test_templates_span_lines_and_keep_hashes() -> None:
    assert expr("`line1\n# not a comment\n${a}`") == n.Template(("line1\n# not a comment\n", A))


def test_template_holds_objects_and_newlines_inside_insertions() -> None:
    assert expr("`${ {k: 1}.k }`") == n.Template((n.Member(n.Object((n.Field("k", n.Literal(1)),)),
                                                           "k"),))
    assert expr("`${a +\n b}`") == n.Template((n.Binary("+", A, B),))


# ---------------------------------------------------------------- precedence (§4.1)


@pytest.mark.parametrize(("source", "tree"), [
    ("a || b && c", n.Binary("||", A, n.Binary("&&", B, C))),
    ("a OR b AND c", n.Binary("||", A, n.Binary("&&", B, C))),
    ("a ?? b || c", n.Binary("||", n.Binary("??", A, B), C)),
    ("a == b < c", n.Binary("==", A, n.Binary("<", B, C))),
    ("a === b", n.Binary("==", A, B)),
    ("a !== b", n.Binary("!=", A, B)),
    ("a < b + c", n.Binary("<", A, n.Binary("+", B, C))),
    ("a + b * c", n.Binary("+", A, n.Binary("*", B, C))),
    ("a - b - c", n.Binary("-", n.Binary("-", A, B), C)),
    ("a / b % c", n.Binary("%", n.Binary("/", A, B), C)),
    ("-a * b", n.Binary("*", n.Unary("-", A), B)),
    ("!a.b", n.Unary("!", n.Member(A, "b"))),
    ("NOT a", n.Unary("!", A)),
    ("+a", n.Unary("+", A)),
    ("a IN b", n.Binary("in", A, B)),
    ("a NOT IN b", n.Binary("not in", A, B)),
    ("a LIKE b", n.Binary("like", A, B)),
    ("a NOT LIKE b", n.Binary("not like", A, B)),
    ("a IN b == c", n.Binary("==", n.Binary("in", A, B), C)),
    ("a ? b : c ? a : b", n.Conditional(A, B, n.Conditional(C, A, B))),
    ("a || b ? c : a", n.Conditional(n.Binary("||", A, B), C, A)),
    ("(a + b) * c", n.Binary("*", n.Binary("+", A, B), C)),
    ("a?.b", n.Member(A, "b")),
    ("a.b[0].c", n.Member(n.Index(n.Member(A, "b"), n.Literal(0)), "c")),
    ("a.m(b)", n.MethodCall(A, "m", (B,))),
    ("a?.m()", n.MethodCall(A, "m", ())),
    ("F(a, b)", n.Call("F", (A, B))),
])
def test_precedence_and_associativity(source: str, tree: n.Expr) -> None:
    assert expr(source) == tree


# ---------------------------------------------------------------- literals (§4.2–§4.4)


def test_object_literal_entry_forms() -> None:
    assert expr("{ name = a, other: b, c, ...d, 'quoted key': 1, [k]: 2 }") == n.Object((
        n.Field("name", A), n.Field("other", B), n.Field("c", C), n.Spread(n.Name("d")),
        n.Field("quoted key", n.Literal(1)), n.ComputedField(n.Name("k"), n.Literal(2)),
    ))


def test_object_shorthand_path_takes_last_segment() -> None:
    assert expr("{customer.name}") == n.Object((n.Field("name", n.Member(n.Name("customer"),
                                                                          "name")),))


def test_object_entries_separated_by_newlines() -> None:
    assert expr("{\n  a = 1\n  b = 2,\n  c = 3\n}") == expr("{a = 1, b = 2, c = 3}")


def test_object_entry_without_key_is_an_error() -> None:
    with pytest.raises(gml.GmlSyntaxError, match="needs a key"):
        gml.parse("{ 1 + 2 }")


def test_array_literals_with_spreads_and_trailing_comma() -> None:
    assert expr("[]") == n.Array(())
    assert expr("[a, ...b, c,]") == n.Array((A, n.Spread(B), C))


def test_case_forms() -> None:
    assert expr("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END") == n.Case(
        None, (n.When(A, n.Literal(1)), n.When(B, n.Literal(2))), n.Literal(3))
    assert expr("CASE a WHEN 1 THEN b END") == n.Case(A, (n.When(n.Literal(1), B),), None)


def test_case_spans_lines() -> None:
    assert expr("CASE\n  WHEN a THEN 1\n  ELSE 2\nEND") == expr("CASE WHEN a THEN 1 ELSE 2 END")


def test_lambda_forms() -> None:
    assert expr("f(x => x)") == n.Call("f", (n.Lambda(("x",), n.Name("x")),))
    assert expr("f((a, b) => a)") == n.Call("f", (n.Lambda(("a", "b"), A),))
    assert expr("f(() => 1)") == n.Call("f", (n.Lambda((), n.Literal(1)),))
    assert expr("f((x) => x)") == n.Call("f", (n.Lambda(("x",), n.Name("x")),))


def test_lambda_body_extends_to_the_argument_end() -> None:
    assert expr("f(x => x > 1 ? a : b, c)") == n.Call("f", (
        n.Lambda(("x",), n.Conditional(n.Binary(">", n.Name("x"), n.Literal(1)), A, B)), C))


@pytest.mark.parametrize("source", ["(a, b)", "f((a, 1) => a)", "f(a + 1 => a)",
                                    "f((a, a) => a)", "()"])
def test_bad_lambda_parameters(source: str) -> None:
    with pytest.raises(gml.GmlSyntaxError):
        gml.parse(source)


# ---------------------------------------------------------------- statements and separators (§3)


def test_statement_kinds() -> None:
    assert statements("a = 1, $t = 2, ...c, b") == (
        n.Assign("a", n.Literal(1)), n.TempAssign("t", n.Literal(2)), n.SpreadStmt(C),
        n.ExprStmt(B))


SEPARATOR_CASES = [
    # (source, number of statements)
    ("id = customerId, proj = 'a, b'", 2),
    ("id = customerId\nproj = 'a, b'", 2),
    ("a = 1,\nb = 2", 2),
    ("a = 1\n\n\nb = 2", 2),
    ("a = 1\n# comment only\n  # another\nb = 2", 2),
    ("a = 1\r\nb = 2", 2),
    ("\n\na = 1\n\n", 1),
    ("a = f(\n  1,\n  2\n)", 1),
    ("a = [\n 1,\n 2\n]", 1),
    ("a = {\n x: 1\n y: 2\n}", 1),
    ("a = CASE\n WHEN b THEN 1\n ELSE 2\nEND", 1),
    ("a = `x\n${b}\ny`", 1),
    ("a = b\n  .c()\n  .d()", 1),
    ("a = b\n  ?.c", 1),
    ("a = b\n  + c", 1),
    ("a = b\n  - c", 1),
    ("a = b\n  * c\n  / c\n  % c", 1),
    ("a = b\n  == c", 1),
    ("a = b\n  != c", 1),
    ("a = b\n  < c", 1),
    ("a = b\n  <= c", 1),
    ("a = b\n  > c", 1),
    ("a = b\n  >= c", 1),
    ("a = b\n  && c\n  || c", 1),
    ("a = b\n  ?? c", 1),
    ("a = b\n  AND c\n  OR c", 1),
    ("a = b\n  IN c", 1),
    ("a = b\n  LIKE c", 1),
    ("a = b\n  ? 1\n  : 2", 1),
    ("a = b +\n  c", 1),
    ("a = b &&\n  c", 1),
    ("a =\n  b", 1),
    ("a = b\n# comment between\n  .c", 1),
    ("a = b\n...c", 2),
    ("a = b\nANDROID = 1", 2),
    ("a = b\nORDER = 1", 2),
    ("a\n(b)", 2),
    ("a\n[b]", 2),
]


@pytest.mark.parametrize(("source", "count"), SEPARATOR_CASES)
def test_separator_rules(source: str, count: int) -> None:
    assert len(statements(source)) == count


def test_single_line_and_block_forms_are_equivalent() -> None:
    assert gml.parse("id = customerId, proj = 'a, b'") == gml.parse(
        "id = customerId\nproj = 'a, b'\n")


@pytest.mark.parametrize(("source", "line", "column", "fragment"), [
    ("a +", 1, 4, "expected an expression"),
    ("a b", 1, 3, "unexpected 'b'"),
    ("(a", 1, 3, "expected one of ')'"),
    ("f(,)", 1, 3, "unexpected ','"),
    ("'abc", 1, 1, "unterminated string"),
    ("x = ", 1, 4, "expected an expression"),
    ("{a: }", 1, 5, "unexpected '}'"),
    ("a ]", 1, 3, "unexpected ']'"),
    ("a = 1\nb = @", 2, 5, "unexpected '@'; expected an expression"),
    ("a = 1,,", 1, 7, "unexpected ','"),
    ("", 1, 1, "empty"),
    ("# only a comment", 1, 1, "empty"),
    ("$x.$y", 1, 1, "only `this` has temporaries"),
    (r"'\u12'", 1, 2, "four hexadecimal digits"),
])
def test_syntax_errors_have_codes_positions_and_expectations(
        source: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(gml.GmlSyntaxError) as info:
        gml.compile(source)
    error = info.value
    assert error.code == "G101"
    assert (error.line, error.column) == (line, column)
    assert fragment in error.message


def test_spans_cover_the_node_source() -> None:
    source = "total = orders.sum('amount') + 1"
    stmt = gml.parse(source).statements[0]
    assert isinstance(stmt, n.Assign)
    value = stmt.value
    assert source[value.span.start:value.span.end] == "orders.sum('amount') + 1"
    assert isinstance(value, n.Binary)
    assert source[value.left.span.start:value.left.span.end] == "orders.sum('amount')"


def test_a_statement_starting_with_minus_prints_unambiguously() -> None:
    program = n.Program((n.Assign("a", n.Literal(None)),
                         n.ExprStmt(n.Unary("-", n.Literal(None)))))
    assert gml.parse(gml.to_source(program)) == program
