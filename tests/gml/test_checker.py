"""The static checker (spec/gml.md §9) and the compile-time codes of §10."""

from __future__ import annotations

import pytest

import gml
from gml.types import INT, STRING, ArrayType, ObjectType, parse_type

CUSTOMER = ObjectType({"id": STRING, "name": STRING, "age": INT}, name="Customer")
NAMES = {"customer": CUSTOMER, "customers": ArrayType(CUSTOMER), "n": "int", "s": "string",
         "when": "date", "tags": "string[]", "scores": "map<int>", "anything": "any",
         "maybe": "string?", "flag": "bool"}


def codes(source: str, names: dict[str, object] | None = NAMES) -> list[str]:
    return [d.code for d in gml.check(source, names)]  # type: ignore[arg-type]


@pytest.mark.parametrize("source", [
    "customer.name", "customers.name", "customers.filter(c => c.age > 18).map(c => c.name)",
    "n + 1", "s + n", "when.year", "when > '2025-01-01'", "tags.join(',')", "scores.x + 1",
    "anything.whatever.you.trim()", "maybe.length()", "maybe ?? 'x'", "a = n, b = a * 2",
    "$t = customer, name = $t.name", "customer.name.upper()", "UPPER(customer.name)",
    "customers.sort('age DESC').first().name", "`${customer.name}`", "[1, 2].map(x => x + n)",
    "{a: 1}.a", "CASE n WHEN 1 THEN 'a' END", "now.offset('-1d')",
])
def test_valid_programs_have_no_diagnostics(source: str) -> None:
    assert gml.check(source, NAMES) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(("source", "code", "message"), [
    ("a = 1, a + 1", "G201", "bare expression"),
    ("NOPE(1)", "G202", "unknown function 'NOPE'"),
    ("SUMM(n)", "G202", "did you mean 'SUM'"),
    ("UPPER()", "G202", "takes 1 argument"),
    ("UPPER(s, s)", "G202", "takes 1 argument"),
    ("s.map(x => x)", "G203", "a string has no method 'map'"),
    ("tags.upper()", "G203", "string[] has no method 'upper'"),
    ("n.foo()", "G203", "unknown method 'foo'"),
    ("s.lenght()", "G203", "did you mean 'length'"),
    ("custmer.name", "G204", "did you mean 'customer'"),
    ("$nope", "G204", "unknown temporary"),
    ("customer.nmae", "G205", "type Customer has no field 'nmae'; did you mean 'name'?"),
    ("customers.nmae", "G205", "did you mean 'name'"),
    ("{a: 1}.b", "G205", "has no field 'b'"),
    ("when.yaer", "G205", "did you mean 'year'"),
    ("s - 1", "G206", "cannot apply - to string and int"),
    ("flag * 2", "G206", "cannot apply"),
    ("s < n", "G206", "cannot compare"),
    ("-s", "G206", "needs a number"),
    ("n LIKE 'x'", "G206", "LIKE needs strings"),
    ("x => 1", "G101", ""),
])
def test_error_codes(source: str, code: str, message: str) -> None:
    diagnostics = gml.check(source, NAMES)  # type: ignore[arg-type]
    assert [d.code for d in diagnostics] == [code]
    assert message in diagnostics[0].message
    assert diagnostics[0].severity == "error"


def test_field_access_on_a_scalar_is_a_warning() -> None:
    (diagnostic,) = gml.check("n.value", NAMES)  # type: ignore[arg-type]
    assert (diagnostic.code, diagnostic.severity) == ("G213", "warning")
    program = gml.compile("(1).value")
    assert [d.code for d in program.diagnostics] == ["G213"]
    assert program() is None


def test_diagnostic_ranges_are_exact() -> None:
    source = "x = 1\ny = customer.nmae"
    (d,) = gml.check(source, NAMES)  # type: ignore[arg-type]
    assert (d.line, d.column, d.end_line, d.end_column) == (2, 14, 2, 18)
    assert source[d.span.start:d.span.end] == "nmae"
    assert d.suggestion == "name"
    assert d.to_dict()["code"] == "G205"


def test_every_problem_is_reported_at_once() -> None:
    assert codes("a = custmer.id\nb = NOPE()\nc = s - 1") == ["G204", "G202", "G206"]


def test_without_names_the_context_is_open() -> None:
    assert codes("whatever.you.like + 1", None) == []
    assert codes("NOPE(1)", None) == ["G202"]


def test_check_never_raises_on_syntax_errors() -> None:
    (d,) = gml.check("a +", NAMES)  # type: ignore[arg-type]
    assert (d.code, d.line, d.column) == ("G101", 1, 4)


def test_names_accept_type_strings() -> None:
    assert codes("xs.map(x => x.toUpperCase())", {"xs": "string[]"}) == []
    assert codes("xs.map(x => x.toUpperCase())", {"xs": "int[]"}) == ["G203"]


def test_lambda_parameters_are_typed_from_the_receiver() -> None:
    assert codes("customers.filter(c => c.agee > 1)") == ["G205"]
    assert codes("customers.map((c, i) => i + c.age)") == []


def test_object_mode_result_type_is_inferred() -> None:
    env = gml.default_environment()
    result = env.check_result("id = customer.id\nage = n + 1", NAMES)  # type: ignore[arg-type]
    assert isinstance(result.result, ObjectType)
    assert {k: str(v) for k, v in result.result.fields.items()} == {"id": "string", "age": "int"}


def test_type_expressions() -> None:
    assert str(parse_type("map<Order[]?>?", lambda name: ObjectType({}, name=name))) == \
        "map<Order[]?>?"
