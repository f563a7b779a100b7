"""Properties over random flows (hypothesis): every node runs at most once, never before its
predecessors are resolved, the result does not depend on timing, and replaying the journal
into a fresh core rebuilds the same state."""

from __future__ import annotations

from typing import Any

import trio
import trio.testing
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.plan import Plan
from runtime import RunResult, Runtime
from runtime._core import RunCore
from runtime._journal import from_record

from .conftest import plan_of


@st.composite
def dags(draw: st.DrawFn) -> tuple[Plan, list[str]]:
    """A random block: tool, mapping and branch nodes with forward edges only."""
    count = draw(st.integers(min_value=2, max_value=10))
    ids = [f"n{i}" for i in range(count)]
    nodes: dict[str, Any] = {}
    for i, node_id in enumerate(ids):
        later = ids[i + 1:]
        kind = draw(st.sampled_from(["tool", "tool", "mapping", "branch"]))
        if kind == "branch" and later:
            then = draw(st.lists(st.sampled_from(later), min_size=1, max_size=2, unique=True))
            node: dict[str, Any] = {"when": draw(st.sampled_from(["true", "false",
                                                                  "NOW() != null"])),
                                    "then": ", ".join(then)}
            rest = [t for t in later if t not in then]
            if rest and draw(st.booleans()):
                node["else"] = draw(st.sampled_from(rest))
        else:
            if kind == "tool" or not later:
                node = {"exec": "api://t/work", "args": f"id = '{node_id}'"}
            else:
                node = {"with": f"{{{node_id}: true}}"}
            if later:
                targets = draw(st.lists(st.sampled_from(later), max_size=3, unique=True))
                if targets:
                    node["next"] = ", ".join(targets)
            if draw(st.integers(0, 5)) == 0:
                node["only"] = "false"
        nodes[node_id] = node
    text = yaml.safe_dump({"flow": {"name": "random", "node": nodes}}, sort_keys=False)
    return plan_of(text), ids


def run(plan: Plan, delays: dict[str, float], store: str | None = None) -> RunResult:
    async def work(args: dict[str, Any]) -> Any:
        await trio.sleep(delays.get(args["id"], 0))
        return {args["id"]: True}

    async def main() -> RunResult:
        async with Runtime(tools={"api://t/work": work}, store=store,
                           wall_clock=lambda: 1_700_000_000.0) as rt:
            return await rt.run(plan, run_id="r")

    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def started(result: RunResult) -> list[str]:
    return [e["node"] for e in result.events if e["type"] == "node.started"]


delay_lists = st.lists(st.sampled_from([0, 0.5, 1, 2, 3]), min_size=10, max_size=10)


@settings(max_examples=60)
@given(dags(), delay_lists, delay_lists)
def test_random_flows_run_each_node_once_after_its_predecessors_whatever_the_timing(
        flow: tuple[Plan, list[str]], first: list[float], second: list[float]) -> None:
    plan, ids = flow
    results = [run(plan, dict(zip(ids, delays, strict=False))) for delays in (first, second)]
    for result in results:
        assert result.status == "completed"
        nodes = started(result)
        assert len(nodes) == len(set(nodes)), "a node ran twice"
        seq = {(e["type"], e["node"]): e["seq"] for e in result.events}
        for node_id in nodes:
            start = seq[("node.started", node_id)]
            for pred in plan.block.predecessors[node_id]:
                done = [seq[k] for k in (("node.completed", pred), ("node.skipped", pred))
                        if k in seq]
                if ("node.started", pred) in seq:
                    assert done and done[0] < start, f"{node_id} started before {pred}"
    assert sorted(started(results[0])) == sorted(started(results[1]))
    assert results[0].output == results[1].output


@settings(max_examples=30)
@given(dags(), delay_lists)
def test_replaying_the_journal_rebuilds_the_same_state(flow: tuple[Plan, list[str]],
                                                       delays: list[float]) -> None:
    import tempfile
    from pathlib import Path

    from runtime.store import open_store

    plan, ids = flow
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "runs.db")
        result = run(plan, dict(zip(ids, delays, strict=False)), store=path)
        store = open_store(path)
        journal = store.journal("r")
        record = store.get("r")
        store.close()
    assert record is not None
    core = RunCore(plan, record.inputs, run_id="r")
    core.start(record.created_at)
    for entry in journal:
        assert core.feed(from_record(entry))
    assert core.done and core.status == result.status
    assert core.output == result.output
    replayed = [e["node"] for e in core.take_events() if e["type"] == "node.started"]
    assert replayed == started(result)
