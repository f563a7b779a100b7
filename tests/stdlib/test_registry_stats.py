"""Call statistics from run events (stdlib/registry/_stats.py, `Registry.record_calls`):
what counts, once per run (and per ``seq`` for resumed runs), tenants, ``db`` operations,
latency percentiles, and the schema upgrade of registries written before statistics.
"""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fdl
from runtime import Mocks, Runtime
from stdlib.registry import CallStats, Registry
from stdlib.registry._stats import BUCKETS, aggregate
from stdlib.registry._store import SCHEMA_VERSION

T0 = 1_750_000_000.0


def event(kind: str, node: str, seq: int, tool: str | None = None, *, run: str = "r1",
          **extra: Any) -> dict[str, Any]:
    found = {"type": kind, "run_id": run, "node": node, "at": T0 + seq, "seq": seq, **extra}
    if tool is not None:
        found["tool"] = tool
    return found


CUSTOMER = "api://crm/customer"
TAKE = "db://shop.order/take"
LIST = "db://shop.order/list"


def a_run(run: str = "r1", start: int = 0) -> list[dict[str, Any]]:
    """Two customer calls (one retried, one failed), one db take, one db list, one skip."""
    s = start
    return [
        event("flow.started", "", s, run=run),
        event("node.started", "c", s + 1, CUSTOMER, run=run, activation=1),
        event("node.retrying", "c", s + 2, run=run, attempt=1, delay=0.2,
              error={"code": "503"}),
        event("node.retrying", "c", s + 3, run=run, attempt=2, delay=0.4,
              error={"code": "503"}),
        event("node.completed", "c", s + 4, CUSTOMER, run=run, duration=0.3),
        event("node.started", "each/0/c2", s + 5, CUSTOMER, run=run, activation=1),
        event("node.failed", "each/0/c2", s + 6, CUSTOMER, run=run, duration=2.0,
              error={"code": "404"}),
        event("node.started", "t", s + 7, TAKE, run=run, activation=1),
        event("node.completed", "t", s + 8, TAKE, run=run, duration=0.004),
        event("node.started", "l", s + 9, LIST, run=run, activation=1),
        event("node.completed", "l", s + 10, LIST, run=run, duration=0.02),
        event("node.skipped", "s", s + 11, CUSTOMER, run=run),
        event("node.completed", "m", s + 12, run=run, duration=0.0),  # a mapping node
        event("flow.completed", "", s + 13, run=run, duration=3.0),
    ]


def test_calls_failures_retries_and_durations(
        new_registry: Callable[[], Registry]) -> None:
    with new_registry() as registry:
        assert registry.record_calls(a_run()) == 4
        (customer,) = registry.call_stats("api", "crm/customer")
    assert (customer.calls, customer.failures, customer.retries) == (2, 1, 2)
    assert customer.total_duration == pytest.approx(2.3)
    assert customer.max_duration == 2.0 and customer.mean_duration == pytest.approx(1.15)
    assert customer.last_call == T0 + 6 and customer.tenant is None
    assert customer.uri == CUSTOMER


def test_recording_a_run_twice_counts_it_once(
        new_registry: Callable[[], Registry]) -> None:
    with new_registry() as registry:
        assert registry.record_calls(a_run()) == 4
        assert registry.record_calls(a_run()) == 0
        assert registry.record_calls(list(reversed(a_run()))) == 0
        assert registry.call_stats("api", "crm/customer")[0].calls == 2
        assert registry.record_calls(a_run("r2")) == 4
        assert registry.call_stats("api", "crm/customer")[0].calls == 4


def test_a_resumed_run_adds_only_its_new_events(
        new_registry: Callable[[], Registry]) -> None:
    first = a_run()[:5]  # the run stopped after the first call
    rest = a_run()[5:]   # the resumed execution: later seqs
    with new_registry() as registry:
        assert registry.record_calls(first) == 1
        assert registry.record_calls(rest) == 3
        assert registry.record_calls(a_run()) == 0  # everything at once: all seen
        (customer,) = registry.call_stats("api", "crm/customer")
    assert (customer.calls, customer.failures, customer.retries) == (2, 1, 2)


def test_a_tally_fed_event_by_event_records_what_record_calls_would(
        new_registry: Callable[[], Registry]) -> None:
    """`fdl run` counts a run's calls as its events come (`call_tally`, `Tally.add`,
    `record_tally`) instead of keeping every event: the same statistics, once per run."""
    first = a_run()[:5]  # the run stopped after its first call
    with new_registry() as by_tally, new_registry() as by_events:
        tally = by_tally.call_tally("r1", tenant="acme")
        for one in first:
            tally.add(one)
        assert by_tally.record_tally(tally, tenant="acme") == 1
        resumed = by_tally.call_tally("r1", tenant="acme")  # the run resumed later
        for one in a_run():  # a resumed run replays the events already counted
            resumed.add(one)
        assert by_tally.record_tally(resumed, tenant="acme") == 3
        by_events.record_calls(a_run(), tenant="acme")
        assert by_tally.call_stats(tenant="acme") == by_events.call_stats(tenant="acme")


def test_events_without_seq_count_only_the_first_time(
        new_registry: Callable[[], Registry]) -> None:
    events = [{k: v for k, v in e.items() if k != "seq"} for e in a_run()]
    with new_registry() as registry:
        assert registry.record_calls(events) == 4
        assert registry.record_calls(events) == 0
        assert registry.record_calls(a_run()) == 0


def test_retries_find_their_tool_through_the_started_node(
        new_registry: Callable[[], Registry]) -> None:
    events = [event("node.started", "x", 1, CUSTOMER),
              event("node.retrying", "x", 2, attempt=1),
              event("node.retrying", "y", 3, attempt=1),  # no node.started: unknown tool
              event("node.retrying", "z", 4, "api://crm/other", attempt=1)]
    runs = aggregate(events)
    stats = runs["r1"].stats
    assert stats["api", "crm/customer"].retries == 1
    assert stats["api", "crm/customer"].calls == 0
    assert stats["api", "crm/other"].retries == 1
    assert runs["r1"].last_seq == 4


def test_db_statistics_are_per_operation_and_summed_per_table(
        new_registry: Callable[[], Registry]) -> None:
    with new_registry() as registry:
        registry.record_calls(a_run())
        table = registry.call_stats("db", "shop.order")
        assert [s.code for s in table] == ["shop.order/list", "shop.order/take"]
        assert [s.code for s in registry.call_stats("db", "shop.order/take")] == [
            "shop.order/take"]
        assert registry.call_stats("db", "shop") == []
        assert [s.uri for s in registry.call_stats()] == [CUSTOMER, LIST, TAKE]
        assert [s.uri for s in registry.call_stats("db")] == [LIST, TAKE]
    total = table[0].combine(table[1])
    assert total.calls == 2 and total.max_duration == 0.02 and total.last_call == T0 + 10


def test_tenants_see_their_own_statistics(
        new_registry: Callable[[], Registry]) -> None:
    with new_registry() as registry:
        registry.record_calls(a_run("r1"), tenant="acme")
        registry.record_calls(a_run("r2"))
        assert registry.call_stats("api", "crm/customer", tenant="acme")[0].calls == 2
        assert registry.call_stats("api", "crm/customer", tenant="acme")[0].tenant == "acme"
        assert registry.call_stats("api", "crm/customer")[0].calls == 2
        assert registry.call_stats("api", "crm/customer", tenant="other") == []
        with pytest.raises(ValueError, match="tenant"):
            registry.record_calls(a_run("r3"), tenant=" ")


def test_percentiles_come_from_the_histogram(
        new_registry: Callable[[], Registry]) -> None:
    durations = [0.003] * 90 + [0.2] * 9 + [45.0]
    events = []
    for i, d in enumerate(durations):
        events.append(event("node.completed", f"n{i}", i, CUSTOMER, duration=d))
    with new_registry() as registry:
        registry.record_calls(events)
        (stats,) = registry.call_stats("api", "crm/customer")
    assert sum(stats.histogram) == 100 and len(stats.histogram) == len(BUCKETS) + 1
    assert stats.percentile(50) == 0.005       # the bucket up to 5 ms
    assert stats.percentile(95) == 0.25        # the bucket up to 250 ms
    assert stats.percentile(100) == 45.0       # capped at the maximum
    assert stats.to_dict()["p99"] == 0.25
    assert CallStats("api", "x").percentile(50) is None
    with pytest.raises(ValueError):
        stats.percentile(101)


def test_odd_events_are_ignored(
        new_registry: Callable[[], Registry]) -> None:
    events: list[dict[str, Any]] = [
        {"type": "node.completed", "tool": CUSTOMER},                 # no run id
        event("node.completed", "a", 1, "not a uri", duration=1),
        event("node.completed", "b", 2, CUSTOMER, duration=-5),       # a bad duration
        event("node.completed", "c", 3, CUSTOMER, duration=True),
        event("node.completed", "d", 4, CUSTOMER + "?timeout=5", duration=float("nan")),
    ]
    with new_registry() as registry:
        assert registry.record_calls(events) == 3
        (stats,) = registry.call_stats("api", "crm/customer")
    assert stats.calls == 3 and stats.total_duration == 0.0


@pytest.mark.trio
async def test_the_events_of_a_real_run(tmp_path: Path) -> None:
    plan = fdl.check_text(textwrap.dedent("""\
        flow:
            name: stats
            node:
                first:
                    exec: api://crm/customer?max-attempts=3&backoff=1
                    next: all
                all:
                    each: '[1, 2] => n'
                    node:
                        again:
                            exec: api://crm/customer
                        count:
                            exec: db://shop.order/count
                            fail: ignore
                        ignore:
                            with: 'null'
        """), "stats.yaml")
    assert plan.plan is not None, [d.headline() for d in plan.diagnostics]
    mocks = Mocks({
        CUSTOMER: {"sequence": [{"error": {"code": "503", "message": "busy",
                                           "retryable": True}},
                                {"result": {"id": "c1"}}]},
        "db://shop.order/count": {"error": {"code": "E1", "message": "down"}},
    })
    async with Runtime(tools={}, mocks=mocks) as rt:
        result = await rt.run(plan.plan, {}, tenant="acme")
    assert result.status == "completed", result.error
    with Registry(tmp_path / "registry.db") as registry:
        assert registry.record_calls(result.events, tenant="acme") == 5
        assert registry.record_calls(result.events, tenant="acme") == 0
        (customer,) = registry.call_stats("api", "crm/customer", tenant="acme")
        (count,) = registry.call_stats("db", "shop.order", tenant="acme")
    assert (customer.calls, customer.failures, customer.retries) == (3, 0, 1)
    assert (count.code, count.calls, count.failures) == ("shop.order/count", 2, 2)


# ---------------------------------------------------------------------------- storage


def test_statistics_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    with Registry(path) as registry:
        registry.record_calls(a_run())
    with Registry(path) as registry:
        assert registry.call_stats("api", "crm/customer")[0].calls == 2
        assert registry.record_calls(a_run()) == 0


def test_a_registry_from_before_statistics_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    with Registry(path):
        pass
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE calls")
    raw.execute("DROP TABLE recorded_runs")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with Registry(path) as registry:
        assert registry.call_stats() == []
        assert registry.record_calls(a_run()) == 4
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    raw.close()
