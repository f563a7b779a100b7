"""Object methods of spec/gml.md §7.3, called directly through `OBJECT_METHODS`."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gml._errors import GmlRuntimeError
from gml.builtins.objects import OBJECT_METHODS, field_names
from gml.types import ANY, BOOL, INT, NULL, STRING, ArrayType, MapType, ObjectType

USER: dict[str, Any] = {"name": "Alice", "email": "a@x.org", "tags": ["vip"],
                        "address": {"city": "Shanghai", "zip": "200000"}, "note": None}


def call(name: str, receiver: dict[str, Any], *args: Any) -> Any:
    return OBJECT_METHODS[name].impl(receiver, *args)


def error_code(name: str, receiver: dict[str, Any], *args: Any) -> str:
    with pytest.raises(GmlRuntimeError) as caught:
        call(name, receiver, *args)
    assert name in caught.value.message
    return caught.value.code




def test_pick_is_proj() -> None:
    assert OBJECT_METHODS["pick"] is OBJECT_METHODS["proj"]


@pytest.mark.parametrize(("name", "receiver", "expected"), [
    ("keys", USER, ["name", "email", "tags", "address", "note"]),
    ("keys", {}, []),
    ("values", {"a": 1, "b": None}, [1, None]),
    ("values", {}, []),
    ("entries", {"a": 1, "b": [2]}, [["a", 1], ["b", [2]]]),
    ("entries", {}, []),
])
def test_keys_values_entries_keep_field_order(name: str, receiver: dict[str, Any],
                                              expected: list[Any]) -> None:
    assert call(name, receiver) == expected


@pytest.mark.parametrize(("args", "expected"), [
    (("name, email, phone",), {"name": "Alice", "email": "a@x.org"}),
    (("email,name",), {"email": "a@x.org", "name": "Alice"}),
    (("note",), {"note": None}),
    (("address", "name"), {"address": USER["address"], "name": "Alice"}),
    ((["tags", "zip"],), {"tags": ["vip"]}),
    (("",), {}),
    ((None,), {}),
])
def test_proj_keeps_the_listed_fields_that_exist(args: tuple[Any, ...],
                                                 expected: dict[str, Any]) -> None:
    assert call("proj", USER, *args) == expected
    assert list(call("pick", USER, *args)) == list(expected)


@pytest.mark.parametrize(("args", "expected"), [
    (("tags, address, note",), {"name": "Alice", "email": "a@x.org"}),
    (("tags", ["address", "note", "nope"]), {"name": "Alice", "email": "a@x.org"}),
    (("nope",), USER),
])
def test_omit_drops_the_listed_fields(args: tuple[Any, ...], expected: dict[str, Any]) -> None:
    assert call("omit", USER, *args) == expected


@pytest.mark.parametrize("name", ["proj", "omit"])
def test_field_lists_must_be_names(name: str) -> None:
    assert error_code(name, USER, 3) == "G301"
    assert error_code(name, USER, ["a", {}]) == "G301"


def test_field_names_are_trimmed_and_deduplicated() -> None:
    assert field_names([" a , b,a", ["b", " c "]], "proj") == ["a", "b", "c"]


@pytest.mark.parametrize(("args", "expected"), [
    (({"b": 2},), {"a": 1, "b": 2}),
    (({"a": 9}, {"a": 10, "c": 3}), {"a": 10, "c": 3}),
    ((None, {"c": 3}, None), {"a": 1, "c": 3}),
    (({},), {"a": 1}),
    (({"a": None},), {"a": None}),
])
def test_merge_is_shallow_and_later_wins(args: tuple[Any, ...],
                                         expected: dict[str, Any]) -> None:
    assert call("merge", {"a": 1}, *args) == expected


def test_merge_needs_objects() -> None:
    assert error_code("merge", {"a": 1}, [1]) == "G301"


@pytest.mark.parametrize(("key", "expected"), [
    ("email", True), ("note", True), ("phone", False), ("address.city", False), (None, False),
])
def test_has(key: Any, expected: bool) -> None:
    assert call("has", USER, key) is expected


def test_has_needs_a_string() -> None:
    assert error_code("has", USER, 1) == "G301"


@pytest.mark.parametrize(("name", "args"), [
    ("proj", ("name",)), ("omit", ("name",)), ("merge", ({"name": "Bob"},)),
    ("keys", ()), ("entries", ()),
])
def test_methods_never_modify_their_receiver(name: str, args: tuple[Any, ...]) -> None:
    before = copy.deepcopy(USER)
    result = call(name, USER, *args)
    assert before == USER and result is not USER


SHAPE = ObjectType({"a": INT, "b": STRING})


@pytest.mark.parametrize(("name", "receiver", "args", "expected"), [
    ("keys", SHAPE, [], ArrayType(STRING)),
    ("values", MapType(INT), [], ArrayType(INT)),
    ("values", ObjectType({"a": INT, "b": INT}), [], ArrayType(INT)),
    ("values", SHAPE, [], ArrayType(ANY)),
    ("proj", MapType(INT), [STRING], MapType(INT)),
    ("omit", SHAPE, [STRING], ANY),
    ("merge", SHAPE, [ObjectType({"c": BOOL})],
     ObjectType({"a": INT, "b": STRING, "c": BOOL})),
    ("merge", SHAPE, [NULL, ObjectType({"a": STRING})], ObjectType({"a": STRING, "b": STRING})),
    ("merge", MapType(INT), [MapType(INT)], MapType(INT)),
    ("merge", SHAPE, [ANY], ANY),
    ("has", SHAPE, [STRING], BOOL),
])
def test_result_types(name: str, receiver: Any, args: list[Any], expected: Any) -> None:
    assert OBJECT_METHODS[name].result_type(receiver, args) == expected
