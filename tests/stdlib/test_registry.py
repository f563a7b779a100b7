"""The tool registry (spec/tools.md §2–§3): ToolSpec validation with field paths and
positions, versions and defaults, tenants, FTS5 search, folder sync, the compiler catalog,
and the JSON Schema / OpenAI / MCP exports."""

from __future__ import annotations

import contextlib
import sqlite3
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fdl
from compiler import StaticCatalog, ToolCatalog
from compiler.catalog import TYPE_OPTIONS
from gml.types import INT, STRING, ObjectType, deref, element_type
from stdlib.registry import (
    Registry,
    RegistryCatalog,
    RegistryError,
    SpecProblem,
    ToolSpec,
    ToolSpecError,
    VersionConflictError,
    db_operations,
    export_tools,
    function_name,
    load_tool_dir,
    parse_spec_text,
    to_jsonschema,
    to_mcp,
    to_openai,
    type_schema,
    version_key,
)
from stdlib.registry._check import ArgsAnalysis, _analyse_shortcut, _NotPlain, analyse_plain

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

CUSTOMER = """\
type: api
code: crm-service/customer
name: Get customer
desp: Returns one customer by id.
version: 1.2.0
tags: [crm, customer]
args:
    defs:
        Customer:
            id: string             # the id
            name: string
            mobile: string?
    in:
        id: string                 # customer id
        tenantId: string?          # built-in: bound automatically
    out: Customer
config:
    method: GET
    path: /customers/{id}
"""

ORDER = """\
type: db
code: shop.order
desp: Orders of the shop.
args:
    defs:
        Order: {id: long, customerId: string, amount: decimal, time: date}
    out: Order
config: {key: id}
"""


def api(code: str = "crm/customer", version: str = "1.0.0", **fields: Any) -> ToolSpec:
    fields.setdefault("args", {"in": {"id": "string"}})
    return ToolSpec(type="api", code=code, version=version, **fields)


def problems_of(text: str) -> list[SpecProblem]:
    spec, problems = parse_spec_text(text, "t.yaml")
    assert spec is None or not any(p.is_error for p in problems)
    return problems


def where(problems: list[SpecProblem]) -> list[tuple[str, int | None, int | None, str]]:
    return [(p.field, p.line, p.column, p.code) for p in problems]


# ------------------------------------------------------------------------ ToolSpec


def test_spec_from_yaml_has_typed_inputs_descriptions_and_result() -> None:
    spec = ToolSpec.from_text(CUSTOMER, "customer.yaml")
    assert (spec.type, spec.code, spec.version, spec.tags) == (
        "api", "crm-service/customer", "1.2.0", ("crm", "customer"))
    assert spec.uri == "api://crm-service/customer"
    assert str(spec.inputs["id"].type) == "string" and spec.inputs["id"].required
    assert spec.inputs["id"].description == "customer id"
    assert not spec.inputs["tenantId"].required
    assert str(spec.out_type) == "Customer"
    assert spec.descriptions["defs.Customer.id"] == "the id"
    assert spec.args["in"] == {"id": "string", "tenantId": "string?"}
    [signature] = spec.signatures()
    assert signature.uri == spec.uri and signature.description == "Returns one customer by id."


def test_spec_from_json_equals_yaml_but_descriptions() -> None:
    import json

    yaml_spec = ToolSpec.from_text(CUSTOMER)
    data = yaml_spec.to_document()
    json_spec = ToolSpec.from_text(json.dumps(data), "customer.json")
    assert json_spec.model_dump(exclude={"descriptions"}) == yaml_spec.model_dump(
        exclude={"descriptions"})
    assert json_spec.descriptions == {}


def test_load_examples_and_defaults() -> None:
    spec = ToolSpec.load(EXAMPLES / "tools" / "ec_order.yaml")
    assert spec.version == "1.0.0" and spec.tenant is None and spec.tags == ()
    ops = [s.code for s in spec.signatures()]
    assert "ec.order/take" in ops and "ec.order/native" in ops and len(ops) == 13


def test_version_order() -> None:
    ordered = ["0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0",
               "2.0.0"]
    assert sorted(reversed(ordered), key=version_key) == ordered
    assert version_key("1.0.0+build.5") == version_key("1.0.0")
    with pytest.raises(ValueError):
        version_key("1.0")


@pytest.mark.parametrize(("text", "expected"), [
    ("version: 1.2", ("version", 3, 10, "E105")),
    ("version: v1", ("version", 3, 10, "E105")),
    ("tagz: [a]", ("tagz", 3, 1, "E103")),
    ("tags: [a, ' b']", ("tags", 3, 7, "E105")),
    ("tenant: ''", ("tenant", 3, 9, "E105")),
])
def test_field_problems_have_paths_and_positions(text: str, expected: tuple[Any, ...]) -> None:
    problems = problems_of(f"type: api\ncode: crm/customer\n{text}\n")
    assert where(problems) == [expected]


def test_args_problems_name_the_argument() -> None:
    text = textwrap.dedent("""\
        type: api
        code: crm/customer
        args:
            in:
                id: strng                # the id
                n: int = 'x'
                a: int = b +
            out: Customer
        """)
    problems = problems_of(text)
    assert where(problems) == [("args.in.id", 5, 13, "E107"), ("args.in.n", 6, 12, "E304"),
                               ("args.in.a", 7, 21, "G101"), ("args.out", 8, 10, "E107")]
    assert "did you mean 'string'" in problems[0].message
    assert str(problems[0]).startswith("t.yaml:5:13: error[E107]: args.in.id: unknown type")


@pytest.mark.parametrize(("text", "field", "message"), [
    ("type: api\ncode: crm/c\nconfig: {method: get}\n", "config.method", "upper case: GET"),
    ("type: api\ncode: crm/c\nconfig: {method: FETCH}\n", "config.method", "not an HTTP"),
    ("type: svc\ncode: crm/c\nargs: {in: {id: string}}\nconfig: {path: '/c/{idx}'}\n",
     "config.path", "{idx}"),
    ("type: db\ncode: shop\n", "code", "database first"),
    ("type: db\ncode: shop.order/take\n", "code", "without an operation"),
    ("type: db\ncode: shop.order\nargs: {in: {a: int}}\n", "args.in", "no inputs"),
    ("type: db\ncode: shop.order\nargs: {out: string}\n", "args.out", "object type"),
    ("type: db\ncode: shop.order\nargs: {out: {id: long}}\nconfig: {key: nope}\n",
     "config.key", "not a field"),
    ("type: db\ncode: shop.order\nconfig: {key: id}\n", "config.key", "needs a record"),
    ("type: mcp\ncode: server\n", "code", "<server>/<tool>"),
    ("type: Api\ncode: x/y\n", "type", "URI scheme"),
    ("type: api\ncode: 'a b'\n", "code", "not a tool code"),
    ("type: api\n", "code", "needs 'code'"),
    ("type: api\ncode: x/y\nargs: [1]\n", "args", "must be a mapping"),
    ("type: api\ncode: x/y\nargs: {in: {a: {b: int}}}\n", "args.in.a", "defs"),
])
def test_adapter_and_structure_problems(text: str, field: str, message: str) -> None:
    problems = [p for p in problems_of(text) if p.is_error]
    assert [p.field for p in problems] == [field]
    assert message in problems[0].message
    assert problems[0].line is not None


def test_config_problems_come_from_the_adapters_model_at_their_positions() -> None:
    text = textwrap.dedent("""\
        type: api
        code: crm/customer
        args: {in: {id: string}}
        config:
            methd: GET
            path: '/c/{idd}'
            headers: {X-Key: 2, bad name: x}
        """)
    problems = [p for p in problems_of(text) if p.is_error]
    assert where(problems) == [("config.methd", 5, 5, "E103"), ("config.path", 6, 11, "E105"),
                               ("config.headers.bad name", 7, 25, "E105")]
    assert [p.message for p in problems] == [
        "unknown key 'methd' in config; did you mean 'method'?",
        "the placeholder {idd} is not a declared argument; did you mean 'id'?",
        "'bad name' is not a valid header name"]
    assert str(problems[1]) == ("t.yaml:6:11: error[E105]: config.path: the placeholder {idd} "
                                "is not a declared argument; did you mean 'id'?")


def test_db_without_id_field_is_a_warning_only() -> None:
    spec, problems = parse_spec_text("type: db\ncode: shop.order\nargs: {out: {oid: long}}\n")
    assert spec is not None
    assert [(p.field, p.severity) for p in problems] == [("config.key", "warning")]


def test_db_metadata_mode_and_flow_specs_are_valid() -> None:
    assert ToolSpec.from_text("type: db\ncode: shop.order\n").signatures()[0].code == \
        "shop.order/init"
    assert ToolSpec.from_text("type: flow\ncode: customer_view\n").uri == "flow://customer_view"


@pytest.mark.parametrize(("text", "code"), [
    ("", "E105"), ("- a\n- b\n", "E105"), ("a: [b\n", "E101"),
    ("type: api\ncode: x/y\ntype: db\n", "E201"), ("just text", "E105"),
])
def test_unusable_documents(text: str, code: str) -> None:
    spec, problems = parse_spec_text(text, "t.yaml")
    assert spec is None
    assert [p.code for p in problems] == [code]
    assert problems[0].line is not None
    with pytest.raises(ToolSpecError) as caught:
        ToolSpec.from_text(text, "t.yaml")
    assert caught.value.problems == tuple(problems)


def test_load_reports_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ToolSpecError, match="cannot read"):
        ToolSpec.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"type: \xff\n")
    with pytest.raises(ToolSpecError, match="UTF-8"):
        ToolSpec.load(bad)


def test_python_specs_are_checked_with_field_paths() -> None:
    spec = ToolSpec(type="api", code="x/y", args={"in": {"id": "strin", "at": "date"},
                                                   "out": "Foo[]"})
    assert where(spec.problems()) == [("args.in.id", None, None, "E107"),
                                      ("args.out", None, None, "E107")]
    with pytest.raises(ToolSpecError) as caught:
        spec.check()
    assert len(caught.value.problems) == 2
    assert "args.in.id" in str(caught.value)


def test_python_spec_structure_errors_are_pydantic_errors() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="semantic version"):
        ToolSpec(type="api", code="x/y", version="1.0")
    with pytest.raises(ValidationError, match="only JSON values"):
        ToolSpec(type="api", code="x/y", config={"a": {1, 2}})


def test_python_spec_descriptions_and_defaults() -> None:
    spec = ToolSpec(type="api", code="x/y", descriptions={"in.size": "page size"},
                    args={"in": {"size": 50, "since": "DATE('-30d')", "q": "string = 'a'",
                                 "text": "string = 'line\\nbreak'"}})
    assert spec.problems() == []
    inputs = spec.inputs
    assert str(inputs["size"].type) == "int" and inputs["size"].description == "page size"
    assert str(inputs["since"].type) == "date" and not inputs["since"].required
    assert str(inputs["q"].type) == "string" and not inputs["q"].required


def test_spec_round_trips_through_json() -> None:
    spec = ToolSpec.from_text(CUSTOMER)
    again = ToolSpec.model_validate_json(spec.model_dump_json())
    assert again == spec and again.digest() == spec.digest()
    assert {n: str(a.type) for n, a in again.inputs.items()} == {
        n: str(a.type) for n, a in spec.inputs.items()}
    assert again.inputs["id"].description == "customer id"
    assert spec.with_tenant("t1").digest() == spec.digest()


FLOW = """\
flow:
    name: Customer view
    desp: Fetch a customer.
    args:
        defs:
            Item: {sku: string, quantity: int}
        in:
            customerId: string        # customer id
            from: DATE('-3M')         # start time
            limit: int = 10
        out:
            id: string
            items: Item[]
    node:
        merge:
            with: "{id: customerId, items: []}"
"""


def _flow_checks(spec: ToolSpec, code: str) -> None:
    assert (spec.type, spec.code, spec.name, spec.desp) == (
        "flow", code, "Customer view", "Fetch a customer.")
    assert list(spec.inputs) == ["customerId", "from", "limit"]
    assert spec.inputs["customerId"].required and spec.inputs["customerId"].description == \
        "customer id"
    assert str(spec.inputs["from"].type) == "date"
    assert str(spec.out_type) == "{id: string, items: Item[]}"


def test_from_flow_file_plan_and_model(tmp_path: Path) -> None:
    path = tmp_path / "customer_view.yaml"
    path.write_text(FLOW)
    _flow_checks(ToolSpec.from_flow(path), "customer_view")
    _flow_checks(ToolSpec.from_flow(fdl.load(path)), "customer_view")
    model, _ = fdl.parse_text(FLOW)
    assert model is not None
    _flow_checks(ToolSpec.from_flow(model), "customer-view")
    _flow_checks(ToolSpec.from_flow(model, "views/customer"), "views/customer")


def test_from_flow_plan_without_source(tmp_path: Path) -> None:
    from dataclasses import replace

    plan = replace(fdl.load_text(FLOW), source="")
    spec = ToolSpec.from_flow(plan, "cv")
    assert list(spec.inputs) == ["customerId", "from", "limit"]
    assert str(spec.out_type) == "{id: string, items: Item[]}"
    # written from the plan's signature, the spec reads back as that signature
    assert spec.signatures() == [plan.as_tool("cv")]
    assert ToolSpec.from_flow(fdl.load_text(FLOW), "cv").signatures() == [plan.as_tool("cv")]


def test_from_flow_rejects_broken_flows(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("flow:\n    name: B\n    node:\n        a:\n            next: nowhere\n")
    with pytest.raises(ToolSpecError) as caught:
        ToolSpec.from_flow(path)
    assert caught.value.problems[0].line is not None


# ------------------------------------------------------------------------ plain args


def _view(analysis: ArgsAnalysis) -> tuple[Any, ...]:
    """Everything an analysis tells the compiler, exports and the CLI (types by value and
    as text)."""
    return ({n: (a, str(a.type)) for n, a in analysis.inputs.items()},
            {n: d.source() for n, d in analysis.defaults.items()},
            analysis.out, str(analysis.out), dict(analysis.defs),
            {n: str(t) for n, t in analysis.defs.items()}, dict(analysis.descriptions),
            analysis.problems)


_FIELD_NAMES = st.sampled_from(["id", "customerId", "a-b", "x_1", "tenantId", "Item", "a b",
                                "", "x.y", "é"])
_TYPE_TEXTS = st.sampled_from([
    "string", "int?", "  long ", "decimal", "date?", "bool", "any", "null", "string[]",
    "map<int>", "map<string[]>?", "Customer", "Customer[]?", "map<Customer>", "Item",
    "Item[]", "Alias", "Loop", "Nope", "strng", "string[", "", "  ", "int = 3",
    "string = 'a'", "DATE('-1d')", "a +", "Customer??", "int\n", "string[]\r", "map<Item>[]",
    "int # note"])
_VALUES = st.one_of(_TYPE_TEXTS, st.sampled_from([None, 1, 2**40, 2.5, True, [1], {}]))
_FIELDS = st.dictionaries(_FIELD_NAMES, _VALUES, max_size=4)
_SHAPES = st.one_of(_TYPE_TEXTS, _FIELDS, st.sampled_from([None, 3]))
_ARGS = st.dictionaries(
    st.sampled_from(["in", "out", "defs", "ins"]),
    st.one_of(_FIELDS, _SHAPES, st.dictionaries(
        st.sampled_from(["Customer", "Item", "Alias", "Loop", "bad name"]), _SHAPES,
        max_size=4)),
    max_size=3)
_DESCRIPTIONS = st.dictionaries(
    st.sampled_from(["in.id", "in.customerId", "in.a-b", "out.id", "out", "defs.Item",
                     "defs.Customer.id", "defs.Item.x_1"]),
    st.sampled_from(["", "  ", "the id", " a  b\n c ", "x # y", "\u2028odd\tspace"]),
    max_size=3)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ARGS, _DESCRIPTIONS)
def test_plain_args_shortcut_matches_the_reader(args: dict[str, Any],
                                                descriptions: dict[str, str]) -> None:
    """`analyse_plain`'s shortcut gives exactly what the reader gives (types, required,
    descriptions, no problems), and leaves every spec with a problem to the reader."""
    read = analyse_plain(args, descriptions, shortcut=False)
    fast = analyse_plain(args, descriptions)
    assert _view(fast) == _view(read)
    try:
        taken = _analyse_shortcut(args, descriptions)
    except _NotPlain:
        return
    assert read.problems == () and read.defaults == {}
    assert _view(taken) == _view(read)
    assert taken.args == read.args  # built on first use, by the reader


PLAIN = {"defs": {"Customer": {"id": "string", "name": "string", "mobile": "string?"},
                  "Page": {"items": "Customer[]", "next": "string?"}},
         "in": {"id": "string", "tenantId": "string?", "tags": "map<int>[]",
                "who": "Customer?"},
         "out": "Page"}


def test_plain_specs_take_the_shortcut() -> None:
    descriptions = {"in.id": "  customer\n id ", "defs.Customer.mobile": "with country code",
                    "out.x": "not a field"}
    analysis = _analyse_shortcut(PLAIN, descriptions)
    assert {n: (str(a.type), a.required) for n, a in analysis.inputs.items()} == {
        "id": ("string", True), "tenantId": ("string?", False),
        "tags": ("map<int>[]", True), "who": ("Customer?", False)}
    assert str(deref(analysis.out)) == "Page"  # type: ignore[arg-type]
    assert analysis.descriptions == {"in.id": "customer id",
                                     "defs.Customer.mobile": "with country code"}
    assert _view(analysis) == _view(analyse_plain(PLAIN, descriptions, shortcut=False))
    from benchmarks.registry_bench import generate

    for spec in generate(30):
        _analyse_shortcut(spec.args, spec.descriptions)


BAD_ARGS = [
    {"in": {"id": "strng"}}, {"in": {"id": "string["}},
    {"in": {"id": "Customer"}, "out": "Customer[]"}, {"in": {"a b": "int"}},
    {"in": {"n": "int = 'x'"}}, {"in": {"a": "int = b +"}}, {"in": {"a": {"b": "int"}}},
    {"in": {"a": None}}, {"in": {"a": [1, 2]}}, {"in": "string"}, {"in": {"x": "int ="}},
    {"out": "Nope?"}, {"out": {"f": 3}}, {"out": {"f": "int = 3"}}, {"out": None},
    {"out": 5}, {"defs": {"A": "B", "B": "A[]"}, "out": "A"},
    {"defs": {"T": {"x": "U"}}, "out": "T"}, {"defs": {"T t": {"x": "int"}}},
    {"defs": "x"}, {"defs": {"T": 5}}, {"ins": {"a": "int"}},
    {"in": {"s": "string = 'a'", "d": "DATE('-1d')", "k": 50, "q": "int = 'no'"}},
    {"in": {"m": "map<Nope>", "l": "string[]?"}}, {"in": {"x": ""}}, {"in": {"x": "  "}},
]


@pytest.mark.parametrize("args", BAD_ARGS)
def test_plain_specs_have_the_problems_of_the_same_file(args: dict[str, Any]) -> None:
    """A spec built in Python has the problems of the same spec read from a file (without
    positions)."""
    import yaml

    spec = ToolSpec(type="api", code="x/y", args=args)
    text = yaml.safe_dump({"type": "api", "code": "x/y", "args": args}, sort_keys=False)
    _, from_file = parse_spec_text(text, "t.yaml")
    assert from_file and all(p.line is not None for p in from_file)
    assert [(p.field, p.code, p.severity, p.message) for p in spec.problems()] == [
        (p.field, p.code, p.severity, p.message) for p in from_file]
    assert all(p.line is None for p in spec.problems())


def test_type_texts_with_defs_names_are_parsed_once_and_bound_per_spec() -> None:
    first = analyse_plain({"defs": {"A": {"x": "int"}}, "out": "A[]?"}, {})
    second = analyse_plain({"defs": {"A": {"y": "string"}}, "out": "A[]?"}, {})
    assert str(first.out) == str(second.out) == "A[]?"
    assert str(deref(element_type(first.out))) == "A"  # type: ignore[arg-type]
    assert deref(element_type(first.out)).fields == {"x": INT}  # type: ignore[arg-type, attr-defined]
    assert deref(element_type(second.out)).fields == {"y": STRING}  # type: ignore[arg-type, attr-defined]
    wrong = analyse_plain({"out": "A[]?"}, {})
    assert [(p.field, p.code) for p in wrong.problems] == [("args.out", "E107")]


_TYPE_PARTS = st.recursive(
    st.sampled_from(["Customer", "Item", "string", "int", "map", "any", "null", "Nope", "_x",
                     "a-b", "", " ", "1", "<", "?"]),
    lambda inner: st.one_of(st.builds("{}?".format, inner), st.builds("{}[]".format, inner),
                            st.builds("map<{}>".format, inner),
                            st.builds(" {} ".format, inner)),
    max_leaves=4)


@settings(max_examples=300, deadline=None)
@given(_TYPE_PARTS)
def test_cached_type_texts_resolve_as_the_resolver_does(text: str) -> None:
    """The registry's type cache gives the type and the diagnostics of parsing again."""
    from compiler.argtypes import TypeResolver
    from compiler.diagnostics import Reporter
    from compiler.flow import TypeText
    from gml import Span
    from gml._source import Source
    from stdlib.registry._check import _Resolver

    found = []
    for resolver in (TypeResolver, _Resolver, _Resolver):  # the second _Resolver: cached
        reporter = Reporter("t", Source(" " * 80))
        defs = {"Customer": TypeText("map<int>", Span(0, 8)), "Item": TypeText("Customer[]")}
        types = resolver(defs, reporter)  # type: ignore[arg-type]
        t = types.parse(TypeText(text, Span(5, 5 + len(text))))
        found.append((t, str(t), str(deref(t)), [(d.code, d.message, d.span)
                                                 for d in reporter.diagnostics]))
    assert found[0] == found[1] == found[2]


def test_stored_text_and_digest() -> None:
    tricky = 'q",\\"tenant\\":null,"args":{} \\\\" ,"tenant":null,'
    for spec in [api(), api(desp=tricky, name=tricky, tags=(tricky,), category=tricky,
                            config={"tenant": None, "x": tricky}), api(tenant="A"),
                 ToolSpec.from_text(CUSTOMER)]:
        assert spec.stored() == (spec.model_dump_json(), spec.digest())


# ------------------------------------------------------------------------ versions


@pytest.fixture
def registry(new_registry: Callable[[], Registry]) -> Registry:
    """An empty registry: in memory, or in a schema of its own on PostgreSQL."""
    return new_registry()


def test_register_get_list(registry: Registry) -> None:
    spec = ToolSpec.from_text(CUSTOMER)
    assert registry.register(spec).status == "added"
    assert registry.get("api", "crm-service/customer") == spec
    assert registry.get("api", "crm-service/customer", "1.2.0") == spec
    assert registry.get("api", "crm-service/customer", "9.9.9") is None
    assert registry.get("api", "nope") is None
    assert registry.list() == [spec]
    assert registry.list(type="db") == []


def test_same_version_same_content_is_a_no_op(registry: Registry) -> None:
    registry.register(api())
    assert registry.register(api()).status == "unchanged"
    assert len(registry.versions("api", "crm/customer")) == 1


def test_same_version_other_content_is_an_error_naming_it(registry: Registry) -> None:
    registry.register(api(desp="one"))
    with pytest.raises(VersionConflictError, match=r"version 1\.0\.0 .* 1\.0\.1"):
        registry.register(api(desp="two"))
    assert registry.get("api", "crm/customer").desp == "one"  # type: ignore[union-attr]


def test_invalid_specs_are_refused(registry: Registry) -> None:
    with pytest.raises(ToolSpecError, match=r"args\.in\.id"):
        registry.register(api(args={"in": {"id": "strng"}}))
    assert registry.list() == []


def test_default_is_highest_release_and_history_is_kept(registry: Registry) -> None:
    for version in ("1.0.0", "1.2.0", "2.0.0-rc.1", "1.1.0"):
        registry.register(api(version=version, desp=version))
    assert registry.default_version("api", "crm/customer") == "1.2.0"
    infos = registry.versions("api", "crm/customer")
    assert [v.version for v in infos] == ["1.0.0", "1.1.0", "1.2.0", "2.0.0-rc.1"]
    assert [v.default for v in infos] == [False, False, True, False]
    assert all(v.registered_at > 0 and len(v.digest) == 64 for v in infos)
    assert registry.get("api", "crm/customer", "1.0.0").desp == "1.0.0"  # type: ignore[union-attr]


def test_prerelease_only_tool_defaults_to_its_highest(registry: Registry) -> None:
    registry.register(api(version="0.1.0-alpha"))
    registry.register(api(version="0.1.0-beta"))
    assert registry.default_version("api", "crm/customer") == "0.1.0-beta"


def test_pinning_and_unpinning(registry: Registry) -> None:
    registry.register(api(version="1.0.0", desp="old"))
    registry.register(api(version="1.1.0", desp="new"))
    registry.set_default("api", "crm/customer", "1.0.0")
    registry.register(api(version="2.0.0", desp="newer"))
    assert registry.default_version("api", "crm/customer") == "1.0.0"
    assert [v.pinned for v in registry.versions("api", "crm/customer")] == [True, False, False]
    assert [h.spec.desp for h in registry.search("customer")] == ["old"]
    registry.set_default("api", "crm/customer", None)
    assert registry.default_version("api", "crm/customer") == "2.0.0"
    assert [h.spec.desp for h in registry.search("customer")] == ["newer"]
    with pytest.raises(KeyError, match=r"no version 3\.0\.0"):
        registry.set_default("api", "crm/customer", "3.0.0")
    with pytest.raises(KeyError, match="not registered"):
        registry.set_default("api", "other", "1.0.0")


def test_remove_versions_moves_the_default(registry: Registry) -> None:
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        registry.register(api(version=version))
    registry.set_default("api", "crm/customer", "1.2.0")
    assert registry.remove("api", "crm/customer", "1.2.0") == 1
    assert registry.default_version("api", "crm/customer") == "1.1.0"
    assert len(registry.search("customer")) == 1
    assert registry.remove("api", "crm/customer") == 2
    assert registry.get("api", "crm/customer") is None and registry.search("customer") == []
    assert registry.remove("api", "crm/customer") == 0


def test_register_many_is_all_or_nothing(registry: Registry) -> None:
    with pytest.raises(ToolSpecError):
        registry.register_many([api("a/one"), api("a/two", args={"in": {"x": "nope"}})])
    assert registry.list() == []
    with pytest.raises(VersionConflictError):
        registry.register_many([api("a/one"), api("a/one", desp="other")])
    assert registry.list() == []
    done = registry.register_many([api("a/one"), api("a/two"), api("a/one")])
    assert [r.status for r in done] == ["added", "added", "unchanged"]


# ------------------------------------------------------------------------ tenants


def test_tenants_never_see_each_others_tools(registry: Registry) -> None:
    registry.register(api("a/only", desp="for a"), tenant="A")
    registry.register(api("b/only", desp="for b", tenant="B"))
    registry.register(api("all/tool", desp="for all"))
    assert [s.code for s in registry.list(tenant="A")] == ["a/only", "all/tool"]
    assert [s.code for s in registry.list(tenant="B")] == ["all/tool", "b/only"]
    assert [s.code for s in registry.list()] == ["all/tool"]
    assert registry.get("api", "b/only", tenant="A") is None
    assert registry.get("api", "a/only", tenant="B") is None
    assert registry.get("api", "a/only") is None
    assert registry.get("api", "a/only", tenant="A").tenant == "A"  # type: ignore[union-attr]
    assert [h.spec.code for h in registry.search("for", tenant="A")] == ["a/only", "all/tool"] \
        or sorted(h.spec.code for h in registry.search("for", tenant="A")) == [
            "a/only", "all/tool"]
    assert {h.spec.code for h in registry.search("only", tenant="B")} == {"b/only"}
    assert registry.search("only") == []
    assert registry.versions("api", "a/only", tenant="B") == []
    assert registry.codes("api", tenant="A") == ["a/only", "all/tool"]


def test_a_tenants_own_tool_hides_the_global_one(registry: Registry) -> None:
    registry.register(api(desp="global", version="2.0.0"))
    registry.register(api(desp="tenant", version="1.0.0"), tenant="A")
    assert registry.get("api", "crm/customer", tenant="A").desp == "tenant"  # type: ignore[union-attr]
    assert registry.get("api", "crm/customer", "2.0.0", tenant="A") is None
    assert registry.get("api", "crm/customer", tenant="B").desp == "global"  # type: ignore[union-attr]
    assert [s.desp for s in registry.list(tenant="A")] == ["tenant"]
    assert [h.spec.desp for h in registry.search("customer", tenant="A")] == ["tenant"]
    assert [v.version for v in registry.versions("api", "crm/customer", tenant="A")] == ["1.0.0"]
    # the same code and version may exist for a tenant and globally with other content
    registry.register(api(desp="tenant 2", version="2.0.0"), tenant="A")


def test_summaries_are_what_list_says_without_reading_the_specs(registry: Registry) -> None:
    registry.register(api(desp="global", name="Customer", version="2.0.0"))
    registry.register(api(desp="older", version="1.0.0"))
    registry.register(api("crm/named", name="Only a name"))
    registry.register(api("crm/bare"))
    registry.register(api(desp="tenant", version="1.0.0"), tenant="A")
    registry.register(ToolSpec(type="db", code="shop.order", desp="Orders"))
    for tenant in (None, "A"):
        assert registry.summaries(tenant=tenant) == [
            (s.type, s.code, s.desp or s.name or None) for s in registry.list(tenant=tenant)]
    assert registry.summaries() == [("api", "crm/bare", None),
                                    ("api", "crm/customer", "global"),
                                    ("api", "crm/named", "Only a name"),
                                    ("db", "shop.order", "Orders")]
    assert ("api", "crm/customer", "tenant") in registry.summaries(tenant="A")


def test_tenant_mismatch_and_empty_tenant(registry: Registry) -> None:
    with pytest.raises(ToolSpecError) as caught:
        registry.register(api(tenant="A"), tenant="B")
    assert caught.value.problems[0].field == "tenant"
    with pytest.raises(ValueError, match="tenant"):
        registry.list(tenant=" ")


# ------------------------------------------------------------------------ search


@pytest.fixture
def corpus(registry: Registry) -> Registry:
    registry.register_many([
        api("crm-service/customer", name="Get customer", desp="One customer by id.",
            tags=("crm",), category="crm"),
        api("crm-service/orders", name="Orders", desp="Orders of a customer.",
            tags=("crm", "orders"), args={"in": {"customerId": "string", "from": "date?"}}),
        api("billing/invoice", name="Invoice", desp="An invoice; mentions the customer once.",
            tags=("billing",), category="finance", args={"in": {"invoiceNo": "string"}}),
        api("sms/send", name="Send SMS", desp="Sends a text message.", tags=("notify",),
            args={"in": {"mobile": "string", "text": "string"}},
            descriptions={"in.mobile": "phone number of the recipient"}),
    ])
    return registry


def test_search_ranks_code_and_name_matches_first(corpus: Registry) -> None:
    ranked = [h.spec.code for h in corpus.search("customer")]
    assert ranked == ["crm-service/customer", "crm-service/orders", "billing/invoice"]
    scores = [h.score for h in corpus.search("customer")]
    assert scores == sorted(scores, reverse=True)


def test_search_finds_argument_names_prefixes_and_descriptions(corpus: Registry) -> None:
    assert [h.spec.code for h in corpus.search("invoiceNo")] == ["billing/invoice"]
    assert corpus.search("invoice no")[0].spec.code == "billing/invoice"
    assert [h.spec.code for h in corpus.search("recipient phone")] == ["sms/send"]
    assert [h.spec.code for h in corpus.search("notif")] == ["sms/send"]
    assert [h.spec.code for h in corpus.search("mess")] == ["sms/send"]
    assert corpus.search("zzz") == []


def test_search_and_list_filters(corpus: Registry) -> None:
    assert [h.spec.code for h in corpus.search("customer", tag="billing")] == ["billing/invoice"]
    assert [h.spec.code for h in corpus.search("customer", limit=1)] == ["crm-service/customer"]
    assert corpus.search("customer", type="db") == []
    assert [s.code for s in corpus.list(tag="crm")] == ["crm-service/customer",
                                                        "crm-service/orders"]
    assert [s.code for s in corpus.list(category="finance")] == ["billing/invoice"]
    assert corpus.tags() == {"billing": 1, "crm": 2, "notify": 1, "orders": 1}
    assert corpus.categories() == {"crm": 1, "finance": 1}
    with pytest.raises(ValueError, match="limit"):
        corpus.search("x", limit=0)


def test_search_count_is_the_number_of_matches_without_a_limit(corpus: Registry) -> None:
    for query, tag in [("customer", None), ("customer", "crm"), ("zzz", None), ("*", None),
                       ("mess", None)]:
        found = corpus.search(query, tag=tag, limit=1000)
        assert corpus.search_count(query, tag=tag) == len(found)
    assert corpus.search_count("customer", tenant="nobody") == 3


HOSTILE = ['"', '""', "*", "customer*", 'NEAR(customer order', "NEAR(", "-", "-customer",
           ":", "code:customer", "customer AND", "OR", "NOT customer", "(", ")", "^", "{a b}",
           "'", "customer\x00", "\\", "a" * 5000, "🙂", "", "   ", "AND OR NOT NEAR",
           "col:val AND \"x", "+", "crm-service/customer?version=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_text_never_raises(corpus: Registry, text: str) -> None:
    hits = corpus.search(text)
    assert isinstance(hits, list)


@given(st.text(max_size=60))
def test_any_search_text_is_safe(text: str) -> None:
    with Registry() as registry:
        registry.register(api())
        registry.search(text)


def _state(registry: Registry) -> dict[str, Any]:
    """The registry's tables, with tool ids replaced by what they identify (a batch may
    number its new rows in another order) and without registration times."""
    with registry.db.read() as conn:
        names = {row[0]: tuple(row[1:]) for row in conn.execute(
            "SELECT id, tenant, type, code, version FROM tools")}
        return {
            "tools": sorted(conn.execute(
                "SELECT tenant, type, code, version, category, spec, digest, source "
                "FROM tools").fetchall()),
            "defaults": sorted((*row[:3], names[row[3]], row[4]) for row in conn.execute(
                "SELECT tenant, type, code, tool_id, pinned FROM defaults")),
            "tags": sorted((row[0], names[row[1]]) for row in conn.execute(
                "SELECT tag, tool_id FROM tags")),
            "search": sorted((names[row[0]], *row[1:]) for row in conn.execute(
                "SELECT rowid, code, name, desp, tags, args FROM search")),
        }


def _one_by_one(registry: Registry, specs: list[ToolSpec]) -> list[tuple[str, str]]:
    """What `register_many` did before batches: `_insert` for every spec, in order."""
    with registry.db.write() as conn:
        return [(r.spec.uri, r.status) for r in (
            registry._insert(conn, Registry._prepare(spec, None), None, 1.0,
                             replace_own=False) for spec in specs)]


_BATCH_SPECS = st.builds(
    lambda code, version, desp, tenant, tags: api(code, version, desp=desp, tenant=tenant,
                                                  tags=tags),
    st.sampled_from(["a/x", "a/y", "b/z"]), st.sampled_from(["1.0.0", "1.1.0", "2.0.0-rc.1"]),
    st.sampled_from(["one", "two"]), st.sampled_from([None, "A"]),
    st.sampled_from([(), ("t1",), ("t1", "t2")]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_BATCH_SPECS, max_size=5), st.lists(_BATCH_SPECS, max_size=8))
def test_a_batch_registers_what_one_by_one_registers(before: list[ToolSpec],
                                                     batch: list[ToolSpec]) -> None:
    """`register_many` writes the new tools of a batch together; the outcome (statuses,
    conflicts, versions, defaults, tags, the search index) is that of `_insert` one spec
    after another."""
    outcomes = []
    for batched in (False, True):
        with Registry() as registry:
            for spec in before:
                with contextlib.suppress(VersionConflictError):
                    registry.register(spec)
            try:
                if batched:
                    done = [(r.spec.uri, r.status) for r in registry.register_many(batch)]
                else:
                    done = _one_by_one(registry, batch)
            except VersionConflictError as error:
                done = [("conflict", str(error))]
            outcomes.append((done, _state(registry)))
    assert outcomes[0] == outcomes[1]


def _reference_search(registry: Registry, text: str, tenant: str | None, limit: int
                      ) -> list[tuple[str, float]]:
    """A search that ranks and looks up every match (what `search` does when the best
    matches do not settle it)."""
    where, params = registry._filters("t", tenant, None, None, None)
    dialect = registry.db.dialect
    params.update(match=dialect.query(text), limit=limit)
    with registry.db.read() as conn:
        rows = conn.execute(
            f"SELECT t.spec, {dialect.rank} AS rank FROM search JOIN tools t ON "
            f"t.id = search.rowid WHERE {dialect.match} AND {where} ORDER BY rank, t.type, "
            "t.code LIMIT :limit", params).fetchall()
    return [(ToolSpec.model_validate_json(spec).uri, -rank) for spec, rank in rows]


def test_search_from_the_best_matches_equals_ranking_every_match(
        new_registry: Callable[[], Registry]) -> None:
    """Ties beyond the best matches, tools hidden by a tenant's own and other tenants'
    tools: `search` answers what ranking every match answers."""
    with new_registry() as registry:
        registry.register_many(
            [api(f"same/t{i:03}", desp="identical words here") for i in range(100)]
            + [api(f"mixed/m{i:03}", desp="words " * (i % 7 + 1) + "here")
               for i in range(80)])
        registry.register_many([api(f"same/t{i:03}", desp="identical words for A")
                                for i in range(0, 100, 2)], tenant="A")
        registry.register_many([api(f"b/only{i:03}", desp="words of b") for i in range(90)],
                               tenant="B")
        for text in ("identical", "words", "here", "words here", "for", "b", "ident"):
            for tenant in (None, "A", "B"):
                for limit in (1, 5, 20, 100):
                    hits = registry.search(text, tenant=tenant, limit=limit)
                    assert [(h.spec.uri, h.score) for h in hits] == _reference_search(
                        registry, text, tenant, limit), (text, tenant, limit)


# ------------------------------------------------------------------------ storage


def test_file_registry_persists_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "state" / "registry.db"
    with Registry(path) as registry:
        registry.register(api())
        registry.register(api(version="1.1.0"))
        registry.set_default("api", "crm/customer", "1.0.0")
    with Registry(path) as registry:
        assert registry.default_version("api", "crm/customer") == "1.0.0"
        assert len(registry.search("customer")) == 1
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with Registry(tmp_path / "state") as registry:  # a folder: registry.db inside
        assert registry.path == path


def test_unusable_files_raise_registry_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(RegistryError, match=r"junk\.db"):
        Registry(junk)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE tools (x)")
    conn.commit()
    conn.close()
    with pytest.raises(RegistryError, match="not an FDL tool registry"):
        Registry(other)
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(RegistryError, match="newer version"):
        Registry(newer)
    registry = Registry()
    registry.close()
    registry.close()
    with pytest.raises(RegistryError, match="closed"):
        registry.list()


# ------------------------------------------------------------------------ folders


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "tools"
    folder.mkdir()
    (folder / "customer.yaml").write_text(CUSTOMER)
    (folder / "order.yaml").write_text(ORDER)
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "skip.yaml").write_text("not: a spec\n")
    (folder / "notes.txt").write_text("ignored")
    return folder


def test_sync_registers_and_skips_unchanged_files(tmp_path: Path, registry: Registry) -> None:
    folder = _folder(tmp_path)
    first = registry.sync_folder(folder)
    assert (first.files, first.read, first.ok, first.changed) == (2, 2, True, True)
    assert {r.spec.uri for r in first.registered} == {"api://crm-service/customer",
                                                      "db://shop.order"}
    again = registry.sync_folder(folder)
    assert (again.files, again.read, again.registered, again.changed) == (2, 0, [], False)
    # touched but identical: no parse
    (folder / "order.yaml").write_text(ORDER)
    assert registry.sync_folder(folder).read == 0


def test_sync_changed_file_replaces_its_version_or_adds_one(tmp_path: Path,
                                                             registry: Registry) -> None:
    folder = _folder(tmp_path)
    registry.sync_folder(folder)
    path = folder / "customer.yaml"
    path.write_text(CUSTOMER.replace("Returns one customer", "Returns a customer"))
    report = registry.sync_folder(folder)
    assert [r.status for r in report.registered] == ["replaced"]
    assert registry.get("api", "crm-service/customer").desp == "Returns a customer by id."  # type: ignore[union-attr]
    path.write_text(CUSTOMER.replace("version: 1.2.0", "version: 1.3.0"))
    registry.sync_folder(folder)
    assert [v.version for v in registry.versions("api", "crm-service/customer")] == [
        "1.2.0", "1.3.0"]
    path.write_text(CUSTOMER.replace("code: crm-service/customer", "code: crm-service/client"))
    report = registry.sync_folder(folder)
    assert report.removed == 2
    assert registry.get("api", "crm-service/customer") is None
    assert registry.get("api", "crm-service/client") is not None
    path.unlink()
    report = registry.sync_folder(folder)
    assert report.removed == 1 and registry.get("api", "crm-service/client") is None
    assert [s.uri for s in registry.list()] == ["db://shop.order"]


def test_sync_reports_bad_files_every_time(tmp_path: Path, registry: Registry) -> None:
    folder = _folder(tmp_path)
    bad = folder / "bad.yaml"
    bad.write_text("type: api\ncode: x/y\nargs:\n    in:\n        id: strng\n")
    for _ in range(2):
        report = registry.sync_folder(folder)
        assert not report.ok
        [problem] = report.problems[str(bad)]
        assert (problem.field, problem.line, problem.column) == ("args.in.id", 5, 13)
    assert registry.get("api", "x/y") is None
    bad.write_bytes(b"\xff\xfe")
    assert registry.sync_folder(folder).problems[str(bad)][0].code == "E101"


def test_sync_conflict_with_another_source(tmp_path: Path, registry: Registry) -> None:
    folder = _folder(tmp_path)
    registry.register(ToolSpec.from_text(CUSTOMER.replace("Get customer", "Other")))
    report = registry.sync_folder(folder)
    [problem] = report.problems[str(folder / "customer.yaml")]
    assert problem.field == "version" and problem.line == 5
    assert "registered already" in problem.message
    with pytest.raises(RegistryError, match="does not exist"):
        registry.sync_folder(tmp_path / "missing")


def test_a_tools_folder_is_a_catalog_read_by_the_registrys_reader(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "late.yaml").write_text("type: api\ncode: x/y\nversion: 1.x\nargs:\n"
                                      "    in:\n        id: strng\n")
    (folder / "broken.yaml").write_text("type: Api\ncode: x/z\n")
    (folder / "empty.json").write_text("")
    catalog, problems = load_tool_dir(folder)
    # a spec with errors elsewhere still declares its tool; one without a valid type does not
    assert catalog.lookup("api", "x/y") is not None
    assert catalog.lookup("Api", "x/z") is None
    assert catalog.lookup("db", "shop.order/take") is not None
    assert catalog.lookup("api", "crm-service/customer") is not None
    assert frozenset(TYPE_OPTIONS) <= catalog.types()
    found = [(Path(d.path).name, d.line, d.column, d.end_column, d.code) for d in problems]
    # .hidden/skip.yaml is not read, as the registry's sync does not read it
    assert found == [("broken.yaml", 1, 7, 10, "E105"), ("empty.json", 1, 1, 1, "E105"),
                     ("late.yaml", 3, 10, 13, "E105"), ("late.yaml", 6, 13, 18, "E107")]
    late = [d.message for d in problems if d.path.endswith("late.yaml")]
    assert late[0].startswith("'1.x' is not a semantic version")
    assert late[1] == "unknown type 'strng'; did you mean 'string'?"
    # the same problems as the registry's, without the field (the range shows it)
    _spec, registry_problems = parse_spec_text((folder / "late.yaml").read_text(),
                                               str(folder / "late.yaml"))
    assert [(p.line, p.column, p.message) for p in registry_problems] == [
        (d.line, d.column, d.message) for d in problems if d.path.endswith("late.yaml")]


def test_an_unreadable_tool_file_is_an_e101_diagnostic(tmp_path: Path) -> None:
    folder = tmp_path / "tools"
    folder.mkdir()
    (folder / "bad.yaml").write_bytes(b"type: \xff\n")
    catalog, [problem] = load_tool_dir(folder)
    assert (problem.code, problem.line, problem.message) == (
        "E101", 1, "cannot read the file: not UTF-8 text")
    assert catalog.tools() == []


def test_sync_example_tools(
        new_registry: Callable[[], Registry]) -> None:
    with new_registry() as registry:
        report = registry.sync_folder(EXAMPLES / "tools")
        assert report.ok and report.files == 2


# ------------------------------------------------------------------------ catalog

CHECKED = """\
flow:
    name: Checked
    args:
        in:
            customerId: string
    node:
        customer:
            exec: api://crm-service/customer
            args: id = customerId
            next: merge
        typo:
            exec: api://crm-service/custome
        missing:
            exec: api://crm-service/customer
        extra:
            exec: api://crm-service/customer
            args: id = customerId, idd = 1
        wrong:
            exec: api://crm-service/customer
            args: id = 42
        count:
            exec: db://shop.order/count
            args: exps = 'customerId = :customerId'
        take:
            exec: db://shop.order/tak
        merge:
            with: customer.nmae
"""


def test_catalog_checks_calls(corpus: Registry) -> None:
    corpus.register(ToolSpec.from_text(CUSTOMER))
    corpus.register(ToolSpec.from_text(ORDER))
    catalog: ToolCatalog = RegistryCatalog(corpus)
    result = fdl.check_text(CHECKED, "checked.yaml", catalog=catalog)
    found = [(d.code, d.line) for d in result.diagnostics]
    assert found == [("E301", 12), ("E303", 14), ("E302", 17), ("E304", 20), ("E301", 25),
                     ("G205", 27)]
    messages = {d.code + str(d.line): d.message for d in result.diagnostics}
    assert "did you mean 'api://crm-service/customer'" in messages["E30112"]
    assert "did you mean 'db://shop.order/take'" in messages["E30125"]
    assert "'nmae'" in messages["G20527"] and "did you mean 'name'" in messages["G20527"]
    assert isinstance(catalog, RegistryCatalog)
    assert "crm-service/orders" in catalog.codes("api")
    assert "shop.order/take" in catalog.codes("db")
    assert {"api", "db", "flow"} <= catalog.types()


def test_catalog_respects_tenants(registry: Registry) -> None:
    registry.register(ToolSpec.from_text(CUSTOMER), tenant="A")
    flow = CHECKED.split("        typo:")[0] + "        merge:\n            with: customer.id\n"
    assert fdl.check_text(flow, catalog=RegistryCatalog(registry, "A")).ok
    codes = [d.code for d in fdl.check_text(flow, catalog=RegistryCatalog(registry, "B"))
             .diagnostics]
    assert codes == ["E301"]


def test_catalog_versions(registry: Registry) -> None:
    registry.register(api("crm/customer", "1.0.0", args={"in": {"id": "string"},
                                                           "out": {"name": "string"}}))
    registry.register(api("crm/customer", "2.0.0", args={"in": {"id": "string"},
                                                           "out": {"fullName": "string"}}))
    flow = textwrap.dedent("""\
        flow:
            name: V
            node:
                c:
                    exec: api://crm/customer?version=1.0.0
                    args: id = 'x'
                    next: m
                m:
                    with: c.name
        """)
    assert [d.code for d in fdl.check_text(flow, catalog=RegistryCatalog(registry))
            .diagnostics] == ["G205"]
    model, _ = fdl.parse_text(flow)
    assert model is not None
    catalog = RegistryCatalog.for_flow(registry, model)
    assert fdl.check_text(flow, catalog=catalog).ok
    pinned = RegistryCatalog(registry, versions={"api://crm/customer": "9.0.0"})
    assert [d.code for d in fdl.check_text(flow, catalog=pinned).diagnostics] == ["E301"]


def test_flow_registered_as_tool_is_checked(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "customer_view.yaml"
    path.write_text(FLOW)
    registry.register(ToolSpec.from_flow(path))
    caller = textwrap.dedent("""\
        flow:
            name: Caller
            node:
                view:
                    exec: flow://customer_view
                    args: customerId = 'c1'
                    next: m
                m:
                    with: view.items[0].sku + view.nope
        """)
    diagnostics = fdl.check_text(caller, catalog=RegistryCatalog(registry)).diagnostics
    assert [d.code for d in diagnostics] == ["G205"]


# ------------------------------------------------------------------------ exports

VALIDATOR = jsonschema.Draft202012Validator


def _types_spec() -> ToolSpec:
    return ToolSpec(type="api", code="svc/everything", name="Everything",
                    desp="Takes every type.", descriptions={
                        "in.count": "how many", "defs.Tree.children": "the sub-trees"},
                    args={"defs": {"Tree": {"name": "string", "children": "Tree[]?"},
                                   "Money": {"amount": "decimal", "currency": "string"}},
                          "in": {"count": "int", "total": "long", "ratio": "double",
                                 "price": "decimal", "at": "date?", "flag": "bool",
                                 "tags": "string[]", "attrs": "map<int>", "tree": "Tree",
                                 "money": "Money?", "any": "any", "size": 20,
                                 "since": "DATE('-1d')", "channel": "string = 'pos'",
                                 "tenantId": "string?", "buCode": "string?"},
                          "out": "Tree[]"})


def test_type_mapping() -> None:
    schema = export_tools([_types_spec()])[0].input
    VALIDATOR.check_schema(schema)
    props = schema["properties"]
    assert props["count"] == {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1,
                              "description": "how many"}
    assert props["total"]["maximum"] == 2**63 - 1
    assert props["ratio"] == {"type": "number"}
    assert props["price"]["type"] == ["number", "string"]
    assert props["at"] == {"type": ["string", "null"], "format": "date-time"}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert props["attrs"]["additionalProperties"]["type"] == "integer"
    assert props["tree"] == {"$ref": "#/$defs/Tree"}
    assert props["money"] == {"anyOf": [{"$ref": "#/$defs/Money"}, {"type": "null"}]}
    assert props["any"] == {}
    assert props["size"]["default"] == 20 and props["channel"]["default"] == "pos"
    assert "default: DATE('-1d')" in props["since"]["description"]
    assert "tenantId" not in props and "buCode" not in props
    assert schema["required"] == ["count", "total", "ratio", "price", "flag", "tags", "attrs",
                                  "tree"]
    assert schema["additionalProperties"] is False
    tree = schema["$defs"]["Tree"]
    assert tree["required"] == ["name"] and tree["additionalProperties"] is False
    assert tree["properties"]["children"]["description"] == "the sub-trees"


def test_exported_schemas_validate_instances() -> None:
    schema = export_tools([_types_spec()])[0].input
    good = {"count": 3, "total": 2**40, "ratio": 0.5, "price": "12.50", "at": None,
            "flag": True, "tags": ["a"], "attrs": {"x": 1},
            "tree": {"name": "root", "children": [{"name": "leaf", "children": None}]},
            "money": {"amount": 3, "currency": "EUR"}}
    VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER).validate(good)
    for bad in ({**good, "count": 2**31}, {**good, "price": "12,50"}, {**good, "tags": [1]},
                {**good, "tree": {"children": []}}, {**good, "unknown": 1},
                {k: v for k, v in good.items() if k != "count"}, {**good, "at": 5}):
        assert not VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER).is_valid(bad)


def test_openai_mcp_and_jsonschema_formats(tmp_path: Path) -> None:
    path = tmp_path / "customer_view.yaml"
    path.write_text(FLOW)
    specs = [ToolSpec.from_text(CUSTOMER), ToolSpec.from_text(ORDER), _types_spec(),
             ToolSpec.from_flow(path)]
    tools = export_tools(specs)
    openai = to_openai(tools)
    names = [t["function"]["name"] for t in openai]
    assert names[:2] == ["crm-service_customer", "shop_order_take"]
    assert len(set(names)) == len(names)
    assert all(t["type"] == "function" and set(t["function"]) == {
        "name", "description", "parameters"} for t in openai)
    assert [n for n in names if n.startswith("shop_order_")] == [
        f"shop_order_{op}" for op in ("take", "list", "page", "count", "create", "modify",
                                      "save", "delete", "bulk")]
    for tool in openai:
        VALIDATOR.check_schema(tool["function"]["parameters"])
    mcp = {t["name"]: t for t in to_mcp(tools)}
    assert mcp["crm-service_customer"]["title"] == "Get customer"
    assert mcp["crm-service_customer"]["outputSchema"]["type"] == "object"
    assert mcp["crm-service_customer"]["outputSchema"]["required"] == ["id", "name"]
    assert "outputSchema" not in mcp["svc_everything"]  # Tree[]: not an object
    assert "outputSchema" not in mcp["shop_order_count"]  # long
    assert mcp["customer_view"]["outputSchema"]["properties"]["items"]["items"] == {
        "$ref": "#/$defs/Item"}
    for entry in mcp.values():
        VALIDATOR.check_schema(entry["inputSchema"])
        if "outputSchema" in entry:
            VALIDATOR.check_schema(entry["outputSchema"])
    record = {"id": "c1", "name": "Alice", "mobile": None}
    VALIDATOR(mcp["crm-service_customer"]["outputSchema"]).validate(record)
    documents = to_jsonschema(tools)
    for document in documents:
        assert document["input"]["$schema"].endswith("2020-12/schema")
        VALIDATOR.check_schema(document["input"])
        if "output" in document:
            VALIDATOR.check_schema(document["output"])
    customer = documents[0]
    assert customer["uri"] == "api://crm-service/customer" and customer["version"] == "1.2.0"
    VALIDATOR(customer["output"]).validate(record)
    assert not VALIDATOR(customer["output"]).is_valid({"id": "c1"})


def test_function_names_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert function_name("crm-service/customer", "api", taken) == "crm-service_customer"
    assert function_name("crm-service/customer", "flow", taken) == "flow_crm-service_customer"
    assert function_name("crm-service.customer", "api", taken) == "api_crm-service_customer"
    assert function_name("crm-service:customer", "api", taken).startswith(
        "crm-service_customer_")
    long = function_name("a" * 200, "api", taken)
    assert len(long) == 64
    again = function_name("a" * 200 + "b", "api", taken)
    assert len(again) <= 64 and again != long
    import re

    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name) for name in taken)
    assert function_name("中文/工具", "api", set()) == "api"


def test_type_schema_of_a_recursive_def() -> None:
    spec = ToolSpec(type="api", code="t/t", args={"defs": {"Node": {"next": "Node?"}},
                                                  "out": "Node"})
    schema = type_schema(spec.out_type)  # type: ignore[arg-type]
    VALIDATOR.check_schema(schema)
    VALIDATOR(schema).validate({"next": {"next": None}})
    assert not VALIDATOR(schema).is_valid({"next": {"next": 1}})


def test_take_accepts_proj_as_the_languages_own_examples_write_it() -> None:
    """tools.md §6 ``take(id, proj)``: the spec's flows call ``take`` with ``proj``; that is
    checked clean, and ``proj`` is text."""
    record = ObjectType({"id": STRING, "mobile": STRING, "email": STRING}, closed=True)
    catalog = StaticCatalog(db_operations("crm.mongo.customer", record))
    flow = textwrap.dedent("""\
        flow:
            name: notify
            args:
                in:
                    customerId: string
            node:
                customer:
                    exec: db://crm.mongo.customer/take
                    args: id = customerId, proj = 'mobile, email'
        """)
    assert [d.code for d in fdl.check_text(flow, catalog=catalog).diagnostics] == []
    typed = flow.replace("proj = 'mobile, email'", "proj = 3")
    assert "E304" in [d.code for d in fdl.check_text(typed, catalog=catalog).diagnostics]


def test_data_version_changes_when_another_connection_commits(tmp_path: Path) -> None:
    spec = ToolSpec.model_validate({"type": "api", "code": "crm/customer",
                                    "config": {"method": "GET", "path": "/c"}})
    with Registry(tmp_path / "registry.db") as mine, \
            Registry(tmp_path / "registry.db") as other:
        before = mine.data_version()
        mine.register(spec)
        assert mine.data_version() == before  # its own writes do not count
        other.register(spec.model_copy(update={"version": "1.0.1"}))
        assert mine.data_version() != before


def test_data_version_on_postgresql_changes_when_another_process_commits(pg_url: str) -> None:
    """The service's search cache (fdl/service/searchcache.py) forgets its answers when this
    number moves; on PostgreSQL it counts the registry's write transactions."""
    spec = ToolSpec.model_validate({"type": "api", "code": "crm/customer",
                                    "config": {"method": "GET", "path": "/c"}})
    with Registry(pg_url) as mine, Registry(pg_url) as other:
        before = mine.data_version()
        other.register(spec)
        assert mine.data_version() != before
        assert "crm/customer" in [hit.spec.code for hit in mine.search("customer")]
