"""`gml.CheckCache` and check-only compilation (`compile_checked(codegen=False)`).

A cached result is handed back only when the checker would produce the same one: the same
text and mode, and identical answers for every name the checker asked about. These tests
change one thing at a time (a type, a field's order, a ``defs`` target, a name appearing)
and expect a miss, and check that a replay asks for the names in the checker's order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

import gml
from gml._checkcache import identical
from gml.types import ANY, INT, STRING, ArrayType, Nullable, ObjectType, RefType, Type


class Names(Mapping[str, Type]):
    """Typed names that log every type asked for (as the FDL compiler's lazy scopes do)."""

    def __init__(self, types: dict[str, Type]) -> None:
        self.types = types
        self.asked: list[str] = []

    def __getitem__(self, name: str) -> Type:
        t = self.types[name]
        self.asked.append(name)
        return t

    def __iter__(self) -> Iterator[str]:
        return iter(self.types)

    def __len__(self) -> int:
        return len(self.types)


def check(env: gml.Environment, cache: gml.CheckCache, source: str, types: dict[str, Type],
          *, object_mode: bool = False, codegen: bool = True
          ) -> tuple[gml.Program | None, gml.Diagnostic | None, object]:
    program, checked = env.compile_checked(source, Names(types), object_mode=object_mode,
                                           codegen=codegen, cache=cache)
    return program, (checked.diagnostics[0] if checked.diagnostics else None), checked


@pytest.fixture
def env() -> gml.Environment:
    return gml.Environment()


def test_the_same_text_and_types_hit_and_share_the_result(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    _, _, first = check(env, cache, "total = a + 1", {"a": INT})
    _, _, second = check(env, cache, "total = a + 1", {"a": INT})
    assert second is first
    assert (cache.hits, cache.misses) == (1, 1)


def test_a_changed_type_of_a_name_read_misses(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    _, problem, _ = check(env, cache, "a - 1", {"a": INT})
    assert problem is None
    _, problem, _ = check(env, cache, "a - 1", {"a": STRING})
    assert problem is not None and problem.code == "G206"
    assert cache.hits == 0
    _, problem, _ = check(env, cache, "a - 1", {"a": INT})  # both versions are kept
    assert problem is None and cache.hits == 1


def test_names_the_program_does_not_read_do_not_matter(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    check(env, cache, "a + 1", {"a": INT, "b": INT})
    check(env, cache, "a + 1", {"a": INT, "b": STRING, "c": ANY})
    assert cache.hits == 1


def test_a_name_that_appears_or_disappears_misses(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    _, problem, _ = check(env, cache, "x = a\ny = b", {"a": INT})
    assert problem is not None and problem.code == "G204"
    _, problem, _ = check(env, cache, "x = a\ny = b", {"a": INT, "b": INT})
    assert problem is None
    _, problem, _ = check(env, cache, "x = a", {"a": INT})
    _, problem, _ = check(env, cache, "x = a", {})
    assert problem is not None and problem.code == "G204"


def test_field_order_and_names_of_object_types_count(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    ab = ObjectType({"a": INT, "b": STRING})
    ba = ObjectType({"b": STRING, "a": INT})
    assert ab == ba  # equal for the type system, not for messages
    _, _, first = check(env, cache, "o", {"o": ab})
    _, _, second = check(env, cache, "o", {"o": ba})
    assert str(first.result) != str(second.result)  # type: ignore[attr-defined]
    check(env, cache, "o", {"o": ObjectType({"a": INT, "b": STRING}, name="Order")})
    assert cache.hits == 0


def test_defs_references_are_compared_by_their_targets(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    old = {"Order": ObjectType({"id": INT}, name="Order")}
    new = {"Order": ObjectType({"id": STRING}, name="Order")}
    _, problem, _ = check(env, cache, "o.id + 1", {"o": RefType("Order", old.get)})
    assert problem is None
    # The same name, another target: RefType equality alone would call these equal.
    assert RefType("Order", old.get) == RefType("Order", new.get)
    _, problem, _ = check(env, cache, "o.id + 1", {"o": RefType("Order", new.get)})
    assert cache.hits == 0
    _, problem, _ = check(env, cache, "o.id + 1", {"o": RefType("Order", dict(old).get)})
    assert cache.hits == 1


def test_recursive_types_compare_without_end() -> None:
    def tree() -> Type:
        table: dict[str, Type] = {}
        table["Node"] = ObjectType({"next": Nullable(RefType("Node", table.get))},
                                   name="Node")
        return RefType("Node", table.get)

    assert identical(tree(), tree())
    assert not identical(tree(), ArrayType(tree()))


def test_checks_that_read_every_name_are_not_cached(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    check(env, cache, "$", {"a": INT})  # the whole input
    check(env, cache, "$", {"a": INT})
    check(env, cache, "amout", {"amount": INT})  # an unknown name looks for a close one
    check(env, cache, "amout", {"amount": INT})
    assert cache.hits == 0 and len(cache) == 0


def test_a_replay_asks_for_types_in_the_checkers_order(env: gml.Environment) -> None:
    source = "x = b + a\ny = items.filter(i => i > a).size() + c"
    types: dict[str, Type] = {"a": INT, "b": INT, "c": INT, "items": ArrayType(INT)}
    plain = Names(types)
    env.compile_checked(source, plain)
    cache = gml.CheckCache()
    check(env, cache, source, types)
    replayed = Names(types)
    env.compile_checked(source, replayed, cache=cache)
    assert cache.hits == 1
    assert replayed.asked == list(dict.fromkeys(plain.asked)) == ["b", "a", "items", "c"]


def test_the_same_text_in_several_scopes_keeps_several_answers(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    scopes: list[dict[str, Type]] = [{"id": INT}, {"id": STRING}, {"id": ANY}]
    for _ in range(3):
        for types in scopes:
            check(env, cache, "id", types, object_mode=True)
    assert (cache.hits, cache.misses) == (6, 3)


def test_the_cache_is_bounded(env: gml.Environment) -> None:
    cache = gml.CheckCache(size=3)
    for i in range(10):
        check(env, cache, f"a + {i}", {"a": INT})
    assert len(cache) == 3
    check(env, cache, "a + 9", {"a": INT})
    check(env, cache, "a + 0", {"a": INT})
    assert (cache.hits, len(cache)) == (1, 3)


def test_check_only_programs_have_no_closures(env: gml.Environment) -> None:
    program, problem, _ = check(env, gml.CheckCache(), "a * 2", {"a": INT},
                                codegen=False)
    assert problem is None and program is not None
    assert not program.executable
    assert program.result_type == INT and program.ast is not None
    with pytest.raises(RuntimeError, match="only checked"):
        program({"a": 2})
    compiled, _ = env.compile_checked("a * 2", {"a": INT})
    assert compiled is not None and compiled.executable and compiled({"a": 2}) == 4


def test_a_check_only_entry_is_compiled_when_a_program_is_needed(
        env: gml.Environment) -> None:
    cache = gml.CheckCache()
    check(env, cache, "a * 2", {"a": INT}, codegen=False)
    program, _, _ = check(env, cache, "a * 2", {"a": INT})
    assert program is not None and program.executable and program({"a": 21}) == 42
    again, _, _ = check(env, cache, "a * 2", {"a": INT}, codegen=False)
    assert again is program  # the closures are kept for the next caller
    assert cache.hits == 2


def test_programs_with_errors_are_cached_with_their_diagnostics(
        env: gml.Environment) -> None:
    cache = gml.CheckCache()
    first = check(env, cache, "a - 'x'", {"a": INT})
    second = check(env, cache, "a - 'x'", {"a": INT})
    assert first[0] is None and second[0] is None
    assert second[1] is first[1] and cache.hits == 1


def test_environments_do_not_share_entries(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    check(env, cache, "a + 1", {"a": INT})
    check(gml.Environment(), cache, "a + 1", {"a": INT})
    assert cache.hits == 0


def test_derived_facts_are_computed_once_per_ast(env: gml.Environment) -> None:
    cache = gml.CheckCache()
    ast = env.parse("a + b")
    calls: list[object] = []

    def count(program: gml.nodes.Program) -> int:
        calls.append(program)
        return len(program.statements)

    assert cache.derived(ast, "count", count) == 1
    assert cache.derived(ast, "count", count) == 1
    assert cache.derived(env.parse("x = 1\ny = 2"), "count", count) == 2
    assert len(calls) == 2
