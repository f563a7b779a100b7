"""`Registry.search_summaries` and `Registry.list_summaries`: the fields of `search` and
`list` read from the stored specs by the database (SQLite and PostgreSQL), without
validating them again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stdlib.registry import Registry, ToolSpec, ToolSummary


def api(code: str, version: str = "1.0.0", **fields: Any) -> ToolSpec:
    fields.setdefault("args", {"in": {"id": "string"}})
    return ToolSpec(type="api", code=code, version=version, **fields)


def fill(registry: Registry) -> None:
    """Tools with and without descriptions and tags, text that JSON escapes, versions with
    a pinned default, tenants, and 60 tools that tie on a word (the ranking's fallback)."""
    registry.register_many([
        api("crm/customer", desp="Customer records", tags=("crm", "people")),
        api("crm/orders", name="Orders", tags=("crm",)),
        api("quotes/customer", desp='A "quoted" \\ customer\nline, ümlaut 😀 \u2028',
            tags=("q\"uote", "ü")),
        api("bare/customer"),
    ])
    registry.register(api("crm/customer", "1.1.0", desp="Customer records, newer",
                          tags=("crm",)))
    registry.register(api("crm/orders", "2.0.0", name="Orders", desp="not the default"))
    registry.set_default("api", "crm/orders", "1.0.0")
    registry.register(api("crm/customer", desp="tenant A's own customer"), tenant="A")
    registry.register(api("a/customer", desp="only for A", tags=("a",)), tenant="A")
    registry.register(api("b/customer", desp="only for B"), tenant="B")
    registry.register_many([api(f"tie/t{i:02d}", desp="same words customer tie")
                            for i in range(60)])


def expected(hits: list[tuple[ToolSpec, float]]) -> list[ToolSummary]:
    return [ToolSummary(spec.type, spec.code, spec.version, spec.desp, spec.tags, score)
            for spec, score in hits]


QUERIES = [("customer", {}), ("customer", {"tenant": "A"}), ("customer", {"tenant": "B"}),
           ("customer", {"limit": 1}), ("customer", {"limit": 3, "tenant": "A"}),
           ("customer", {"limit": 200}), ("tie", {"limit": 5}), ("orders", {}),
           ("customer", {"tag": "crm"}), ("customer", {"type": "db"}),
           ("customer", {"type": "api", "limit": 7}), ("quoted ümlaut", {}), ("zzz", {}),
           ("*", {}), ("newer default", {"category": None})]


def check(registry: Registry) -> None:
    for query, options in QUERIES:
        hits = registry.search(query, **options)
        assert registry.search_summaries(query, **options) == expected(
            [(hit.spec, hit.score) for hit in hits]), (query, options)
    for tenant in (None, "A", "B"):
        for filters in ({}, {"tag": "crm"}, {"type": "api"}, {"type": "db"}):
            specs = registry.list(tenant=tenant, **filters)
            assert registry.list_summaries(tenant=tenant, **filters) == expected(
                [(spec, 0.0) for spec in specs])


def test_summaries_are_the_fields_of_search_and_list(
        new_registry: Callable[[], Registry]) -> None:
    registry = new_registry()
    fill(registry)
    check(registry)
    found = registry.search_summaries("quoted")
    assert [(s.code, s.desp, s.tags) for s in found] == [
        ("quotes/customer", 'A "quoted" \\ customer\nline, ümlaut 😀 \u2028', ('q"uote', "ü"))]
    assert [(s.code, s.version, s.tags) for s in registry.search_summaries("orders")] == [
        ("crm/orders", "1.0.0", ("crm",))]
    assert [(s.code, s.desp) for s in registry.list_summaries(type="api", tag="crm")] == [
        ("crm/customer", "Customer records, newer"), ("crm/orders", None)]
    assert registry.list_summaries(tag="people") == []  # only 1.0.0 had it


def test_summaries_on_a_file_with_read_connections(tmp_path: Path) -> None:
    with Registry(tmp_path / "registry.db") as registry:
        fill(registry)
        check(registry)


def test_summaries_take_the_search_limit_rule() -> None:
    with Registry() as registry, pytest.raises(ValueError, match="limit"):
        registry.search_summaries("customer", limit=0)
