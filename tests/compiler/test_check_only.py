"""Check-only compilation and the GML cache, as an editor uses them.

``fdl.check_text(codegen=False, cache=...)`` must give exactly what the full compilation
gives — the same diagnostics and the same plan (only not runnable) — on every flow, and
keep doing so when a cache filled by earlier versions of the text is used.
"""

from __future__ import annotations

import gc
import random
import textwrap
import weakref
from pathlib import Path

import pytest

import fdl
import gml
from benchmarks.compile_bench import make_flow
from compiler._names import built_sql, may_build_sql

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted([*ROOT.glob("examples/flows/**/*.yaml"), *ROOT.glob("tests/flows/*.yaml")])


def _same(full: fdl.CheckResult, quick: fdl.CheckResult) -> None:
    def key(result: fdl.CheckResult) -> list[tuple[object, ...]]:
        return [(d.code, d.span, d.severity, d.message, d.suggestion)
                for d in result.diagnostics]

    assert key(quick) == key(full)
    assert (quick.plan is None) == (full.plan is None)
    if full.plan is not None and quick.plan is not None:
        assert quick.plan.to_dict() == full.plan.to_dict()
        assert full.plan.executable and not quick.plan.executable


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_check_only_gives_the_full_compilations_results_on_the_examples(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    cache = gml.CheckCache()
    full = fdl.check_text(text, str(path))
    _same(full, fdl.check_text(text, str(path), codegen=False))
    _same(full, fdl.check_text(text, str(path), codegen=False, cache=cache))
    _same(full, fdl.check_text(text, str(path), codegen=False, cache=cache))


@pytest.mark.parametrize("nodes", [20, 150])
def test_check_only_and_the_cache_follow_random_edits_of_generated_flows(nodes: int) -> None:
    rng = random.Random(nodes)
    cache = gml.CheckCache()
    text = make_flow(nodes)
    pieces = ["", "x", "zz", " + 1", "'", ".", "int", "string", "?", "\n", "[]"]
    for _ in range(12):
        start = rng.randrange(len(text))
        edited = text[:start] + rng.choice(pieces) + text[start + rng.randrange(0, 4):]
        full = fdl.check_text(edited, "f.yaml")
        _same(full, fdl.check_text(edited, "f.yaml", codegen=False, cache=cache))
    assert cache.hits > cache.misses


FLOW = """\
    flow:
        name: typed
        args:
            defs:
                Order: {{id: {id_type}, amount: int}}
            in:
                order: Order
                limit: {limit_type}
        node:
            total:
                with: "sum = order.amount * 2"
                next: check
            check:
                when: total.sum > limit
                then: big
            big:
                with: "label = order.id - 1"
"""


def _typed(id_type: str = "int", limit_type: str = "int") -> str:
    return textwrap.dedent(FLOW.format(id_type=id_type, limit_type=limit_type))


def test_the_cache_misses_when_the_type_of_a_name_in_scope_changes() -> None:
    cache = gml.CheckCache()
    for id_type, limit_type in [("int", "int"), ("string", "int"), ("int", "string"),
                                ("int", "int")]:
        text = _typed(id_type, limit_type)
        full = fdl.check_text(text, "f.yaml")
        _same(full, fdl.check_text(text, "f.yaml", codegen=False, cache=cache))
    codes = [d.code for d in fdl.check_text(_typed("string"), "f.yaml", codegen=False,
                                            cache=cache).diagnostics]
    assert codes == ["G206"]  # `order.id - 1` with a string id, found again from the cache
    assert [d.code for d in fdl.check_text(_typed("int", "string"), "f.yaml",
                                           codegen=False, cache=cache).diagnostics] == ["G206"]


def test_a_node_output_type_that_changes_reaches_its_readers() -> None:
    cache = gml.CheckCache()
    text = _typed()
    assert fdl.check_text(text, codegen=False, cache=cache).diagnostics == ()
    # `total` now holds a string: `total.sum > limit` compares it with an int.
    edited = text.replace("sum = order.amount * 2", "sum = `${order.amount}`")
    result = fdl.check_text(edited, codegen=False, cache=cache)
    assert [d.code for d in result.diagnostics] == ["G206"]
    _same(fdl.check_text(edited), result)


def test_check_only_plans_cannot_run() -> None:
    result = fdl.check_text(_typed(), codegen=False)
    plan = result.plan
    assert plan is not None and not plan.executable
    node = plan.block.by_id["total"]
    assert node.with_ is not None and node.with_.program is not None
    assert not node.with_.program.executable
    with pytest.raises(RuntimeError, match="only checked"):
        node.with_.evaluate({"order": {"id": 1, "amount": 2}}, gml.EvalContext(
            gml.default_environment().timezone, gml.default_environment().clock,
            gml.Limits()))
    assert fdl.load_text(_typed()).executable


def test_a_compiled_flow_is_freed_without_the_cyclic_collector() -> None:
    enabled = gc.isenabled()
    gc.disable()
    try:
        inspection = fdl.inspect_text(make_flow(30), codegen=False)
        # every scope was reachable from the compiler (and the compiler from its node
        # variables until they settle): freeing the scope frees it all
        scope = inspection.scopes[None]
        assert scope.vars
        gone = weakref.ref(scope)
        del scope, inspection
        assert gone() is None
    finally:
        if enabled:
            gc.enable()


# ------------------------------------------------------------------ W212 without walking


@pytest.mark.parametrize("source", [
    "q = `sel${a}ect x fr${b}om t`",
    'q = "\\u0073elect * from t where a = " + x',
    "q = 'x ${where} y' + z",
    "q = `a ${ {b: 1}.b } where ${c}`",
    "q = `wh${x}ere ${y}`",
    "q = 'SELECT * FROM t WHERE id = ' + id",
    "exps = `id = ${x}`",
])
def test_sql_built_by_interpolation_is_never_skipped(source: str) -> None:
    program = gml.parse(source)
    for database in (False, True):
        if built_sql(program, database):
            assert may_build_sql(source, database)


@pytest.mark.parametrize("source", ["a + b", "x = `${a}-${b}`", "q = 'text ' + name"])
def test_texts_without_quotes_or_sql_words_are_skipped(source: str) -> None:
    assert not may_build_sql(source, False)
    assert built_sql(gml.parse(source), False) == []
