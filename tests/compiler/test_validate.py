"""compiler.validate: pydantic models over positioned YAML trees, problems in our words at the
YAML positions of their keys and values."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from compiler.diagnostics import Reporter
from compiler.validate import (
    Invalid,
    Loc,
    Problem,
    Wording,
    describe,
    field_path,
    validate,
    validate_value,
)
from compiler.yamltree import YNode, load_yaml
from gml import Source


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Error(Strict):
    code: Annotated[str, Wording(expect="text such as '0401'")]
    retryable: bool = False


def _no_sequence(value: list[Any]) -> list[Any]:
    return value


class Step(Strict):
    result: Any = None
    error: Error | None = None
    delay: Annotated[float, Field(ge=0), Wording(expect="a number of ms (0 or more)")] = 0

    @model_validator(mode="after")
    def _one(self) -> Step:
        if "result" in self.model_fields_set and self.error is not None:
            raise Invalid("has both 'result' and 'error'", at=("error",), key=True)
        return self


class Names(Strict):
    argument: Annotated[str, Wording(expect="an argument name",
                                     missing="needs the argument: {argument: NAME}")]


def _form(value: Any) -> str | None:
    return "names" if isinstance(value, list) else "argument" if isinstance(value, dict) \
        else None


def _path(value: str) -> str:
    if not value.startswith("/"):
        raise Invalid(f"must start with '/', not {value!r}")
    return value


class Service(Strict):
    url: str
    path: Annotated[str, AfterValidator(_path)] = "/"
    timeout: Annotated[float | None, Field(gt=0), Wording(expect="a positive number of ms")] = \
        None
    method: Literal["GET", "POST"] = "GET"
    status: Annotated[Literal["completed", "failed"], Wording(noun="status")] = "completed"
    body: Annotated[Annotated[Annotated[list[str], Tag("names")]
                              | Annotated[Names, Tag("argument")], Discriminator(_form)] | None,
                    Wording(expect="a list of names or {argument: NAME}",
                            unknown="a body mapping is {argument: NAME}")] = None
    steps: Annotated[list[Step], Field(min_length=1)] = Field(
        default_factory=lambda: [Step()])


class Document(Strict):
    services: dict[str, Service] = Field(default_factory=dict)
    cases: list[dict[str, int]] = Field(default_factory=list)


def tree(text: str) -> tuple[YNode | None, Source]:
    source = Source(text)
    reporter = Reporter("t.yaml", source)
    node = load_yaml(text, reporter)
    assert not reporter.diagnostics
    return node, source


def problems(text: str, model: type[BaseModel] = Document, **kwargs: Any
             ) -> list[tuple[tuple[int, int], str, str]]:
    node, source = tree(text)
    found = validate(node, model, **kwargs)
    assert found.value is None
    return [(source.position(p.span.start), p.path, p.message) for p in found.problems
            if p.span is not None]


# ---------------------------------------------------------------------------- positions


def test_a_valid_tree_gives_the_model() -> None:
    node, _ = tree("services:\n  crm: {url: 'http://x', timeout: 5, body: [a, b]}\n")
    found = validate(node, Document)
    assert found.ok and found.problems == ()
    assert found.value is not None and found.value.services["crm"].body == ["a", "b"]


def test_an_unknown_key_is_reported_at_the_key_with_a_suggestion() -> None:
    assert problems("services:\n  crm:\n    url: x\n    tiemout: 5\n") == [
        ((4, 5), "services.crm.tiemout",
         "unknown key 'tiemout' in services.crm; did you mean 'timeout'?")]


def test_an_unknown_key_without_a_close_match_lists_the_keys() -> None:
    assert problems("servces: {}\nzzz: 1\n", root="fdl.yaml") == [
        ((1, 1), "servces", "unknown key 'servces' in fdl.yaml; did you mean 'services'?"),
        ((2, 1), "zzz", "unknown key 'zzz' in fdl.yaml; expected one of services, cases")]


def test_nested_lists_and_maps_point_at_the_value() -> None:
    text = ("services:\n  crm:\n    url: x\n    steps:\n      - {}\n"
            "      - {error: {code: 401}, delay: -1}\n"
            "cases:\n  - {a: 1}\n  - {b: two}\n")
    assert problems(text) == [
        ((6, 24), "services.crm.steps[1].error.code",
         "services.crm.steps[1].error.code must be text such as '0401', not an integer"),
        ((6, 37), "services.crm.steps[1].delay",
         "services.crm.steps[1].delay must be a number of ms (0 or more), not -1"),
        ((9, 9), "cases[1].b", "cases[1].b must be a whole number, not a string")]


def test_a_missing_key_is_reported_at_its_mapping_after_unknown_keys() -> None:
    assert problems("services:\n  crm: {ur: 'http://x'}\n") == [
        ((2, 9), "services.crm.ur", "unknown key 'ur' in services.crm; did you mean 'url'?"),
        ((2, 8), "services.crm.url", "services.crm: 'url' is required")]


def test_wording_of_a_missing_key_and_of_an_unknown_key_in_a_field() -> None:
    assert problems("services:\n  crm: {url: x, body: {name: a}}\n") == [
        ((2, 24), "services.crm.body.name", "unknown key 'name' in services.crm.body; expected "
                                           "'argument' (a body mapping is {argument: NAME})"),
        ((2, 23), "services.crm.body.argument",
         "services.crm.body needs the argument: {argument: NAME}")]


def test_tagged_unions_speak_of_the_member_that_applies() -> None:
    assert problems("services:\n  a: {url: x, body: 5}\n  b: {url: x, body: [n, 1]}\n") == [
        ((2, 21), "services.a.body",
         "services.a.body must be a list of names or {argument: NAME}, not an integer"),
        ((3, 25), "services.b.body[1]", "services.b.body[1] must be text, not an integer")]


def test_literals_suggest_and_nouns_name_their_values() -> None:
    assert problems("services:\n  a: {url: x, method: get, status: complete}\n") == [
        ((2, 23), "services.a.method",
         "services.a.method must be one of GET, POST, not 'get'; did you mean 'GET'?"),
        ((2, 36), "services.a.status",
         "unknown status 'complete' in services.a; did you mean 'completed'?")]


def test_validators_speak_of_their_value_or_point_at_a_key() -> None:
    text = "services:\n  a:\n    url: x\n    path: customers\n    steps:\n" \
           "      - result: 1\n        error: {code: '1'}\n"
    assert problems(text) == [
        ((4, 11), "services.a.path", "services.a.path must start with '/', not 'customers'"),
        ((7, 9), "services.a.steps[0].error",
         "services.a.steps[0] has both 'result' and 'error'")]


def test_yaml_scalars_are_not_coerced() -> None:
    assert [m for _, _, m in problems(
        "services:\n  a: {url: 1, timeout: '5', steps: [{error: {code: x, retryable: yes}}]}\n"
    )] == ["services.a.url must be text, not an integer",
           "services.a.timeout must be a positive number of ms, not a string",
           "services.a.steps[0].error.retryable must be true or false, not a string"]


def test_names_prefix_and_root() -> None:
    def name(loc: Loc) -> str | None:
        return f"the service {loc[1]}" if len(loc) == 2 and loc[0] == "services" else None

    assert problems("services:\n  crm: {url: x, tiemout: 1}\n", name=name) == [
        ((2, 17), "services.crm.tiemout",
         "unknown key 'tiemout' in the service crm; did you mean 'timeout'?")]
    node, _ = tree("url: 1\n")
    found = validate(node, Service, at=("services", "crm"))
    assert [(p.loc, p.message) for p in found.problems] == [
        (("services", "crm", "url"), "services.crm.url must be text, not an integer")]


def test_a_document_that_is_not_a_mapping() -> None:
    assert problems("- a\n", root="the test file") == [
        ((1, 1), "", "the test file must be a mapping, not a list")]
    assert [p.message for p in validate(None, Service).problems] == [
        "the document must be a mapping, not null"]


def test_plain_values_have_paths_but_no_spans() -> None:
    found = validate_value({"services": {"a": {"url": "x", "tiemout": 1}}}, Document)
    assert found.problems == (Problem(
        "unknown key 'tiemout' in services.a; did you mean 'timeout'?",
        ("services", "a", "tiemout"), None, True, "extra_forbidden"),)
    keys = validate_value({"services": {1: {"url": "x"}}}, Document)
    assert [(p.loc, p.on_key, p.message) for p in keys.problems] == [
        (("services", 1), True, "services must be text, not an integer")]


def test_helpers() -> None:
    assert field_path(("cases", 0, "expect", "calls")) == "cases[0].expect.calls"
    assert field_path(()) == ""
    assert [describe(v) for v in (None, True, 1, 1.5, "x", {}, [])] == [
        "null", "a boolean", "an integer", "a number", "a string", "a mapping", "a list"]


# ---------------------------------------------------------------------------- robustness

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                     st.floats(allow_nan=False), st.text(max_size=8),
                     st.sampled_from(["GET", "get", "/x", "x", "completed", "url", "http://h"]))
_KEYS = st.one_of(st.text(min_size=1, max_size=8),
                  st.sampled_from(["services", "cases", "url", "path", "timeout", "method",
                                   "status", "body", "steps", "argument", "result", "error",
                                   "code", "delay", "retryable", "crm"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=24)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=5))
def test_random_mappings_give_positioned_problems_never_a_crash(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    source = Source(text)
    reporter = Reporter("t.yaml", source)
    node = load_yaml(text, reporter)
    if reporter.diagnostics:  # PyYAML writes YAML 1.1; a few texts read differently in 1.2
        return
    for model in (Document, Service):
        found = validate(node, model)
        assert (found.value is None) == bool(found.problems)
        for problem in found.problems:
            assert problem.message and problem.span is not None
            assert 0 <= problem.span.start <= problem.span.end <= len(text)
        plain = validate_value(data, model)
        assert (plain.value is None) == bool(plain.problems)
        assert all(p.message and p.span is None for p in plain.problems)


@pytest.mark.parametrize("value", [object(), {"services": {"a": {"url": b"x"}}}, [1, [2]]])
def test_values_that_yaml_never_gives_still_give_problems(value: Any) -> None:
    found = validate_value(value, Document)
    assert found.value is None and found.problems


class Extras(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    __pydantic_extra__: dict[str, Step]

    flag: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key in value:
                if key != "flag" and not str(key).startswith("x-"):
                    raise Invalid(f"{key!r} is not an x- key", at=(key,), key=True, whole=True)
        return value


def test_typed_extras_and_whole_messages() -> None:
    assert problems("x-a: {reslt: 1}\nflag: 1\n", Extras) == [
        ((1, 7), "x-a.reslt", "unknown key 'reslt' in x-a; did you mean 'result'?"),
        ((2, 7), "flag", "flag must be true or false, not an integer")]
    assert problems("x-a: {}\nother: 1\n", Extras) == [((2, 1), "other",
                                                        "'other' is not an x- key")]
