"""The registry on PostgreSQL, where it differs from one SQLite file: several processes
(here threads, each with a connection of its own) registering at once, search text that
would be tsquery syntax, and a URL whose password is never shown. The behaviour shared with
SQLite is the parametrized suite of test_registry.py and test_registry_stats.py."""

from __future__ import annotations

import threading

from stdlib.registry import Registry, ToolSpec
from stdlib.registry._search import ts_query


def api(code: str, version: str = "1.0.0", **fields: object) -> ToolSpec:
    return ToolSpec(type="api", code=code, version=version,
                    args={"in": {"customerId": "string"}}, **fields)  # type: ignore[arg-type]


def test_writers_in_several_processes_never_collide(pg_url: str) -> None:
    count = 5
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def register(worker: int) -> None:
        try:
            with Registry(pg_url) as registry:
                barrier.wait()
                for batch in range(4):
                    registry.register_many([api(f"w{worker}/t{batch}-{i}") for i in range(5)])
                    registry.register(api("shared/tool", version=f"1.{worker}.{batch}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with Registry(pg_url) as registry:
        assert len(registry.list()) == count * 4 * 5 + 1
        assert len(registry.versions("api", "shared/tool")) == count * 4
        assert registry.default_version("api", "shared/tool") == f"1.{count - 1}.3"
        assert [hit.spec.code for hit in registry.search("customer", limit=1000)
                if hit.spec.code == "shared/tool"] == ["shared/tool"]


def test_search_text_is_never_tsquery_syntax(pg_url: str) -> None:
    with Registry(pg_url) as registry:
        registry.register(api("crm/customerOrders", desp="Orders of a customer"))
        for text in ["cust", "customer & !orders", "a:* | (b", "'quoted'", "orders <-> x",
                     "\\", "ümlaut", ":*"]:
            hits = registry.search(text)
            assert all(hit.spec.code == "crm/customerOrders" for hit in hits)
        assert [h.spec.code for h in registry.search("orders")] == ["crm/customerOrders"]
        assert registry.search_count("customer") == 1
    assert ts_query("a & b") == "'a' | 'a':* | 'b' | 'b':*"


def test_the_password_is_never_shown(pg_url: str) -> None:
    secret = pg_url.replace("postgresql://postgres@", "postgresql://postgres:Pa55-xyz@", 1)
    with Registry(secret) as registry:
        assert "Pa55-xyz" not in repr(registry) and "Pa55-xyz" not in str(registry.path)


def test_data_version_changes_when_another_process_writes(pg_url: str) -> None:
    with Registry(pg_url) as mine, Registry(pg_url) as other:
        before = mine.data_version()
        assert mine.data_version() == before  # reads do not change it
        other.register(api("crm/customer"))
        after = mine.data_version()
        assert after != before
        mine.search("customer")
        assert mine.data_version() == after
        other.remove("api", "crm/customer")
        assert mine.data_version() != after
