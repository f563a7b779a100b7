"""``each`` over a stream (a tool returning an async iterator, like ``db://.../stream``):
elements are pulled one per iteration, never all at once (tools.md §6, fdl.md §4.6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from runtime import Runtime, ToolError

from .conftest import plan_of, run_flow

FLOW = """\
    flow:
        name: stream
        node:
            rows:
                exec: db://shop.order/stream
                next: proc
            proc:
                each: rows => row, i
                vars: total = 0
                node:
                    add:
                        exec: api://t/work
                        args: id = row.id
                        sets: total = total + row.amount
                with: total
                fail: report
            report:
                with: "{failed: proc.error.code, node: proc.error.node}"
"""


class Rows:
    """A stream of rows that logs when each one is produced and when it is closed."""

    def __init__(self, count: int, log: list[str], fail_at: int | None = None) -> None:
        self.count = count
        self.log = log
        self.fail_at = fail_at

    def __call__(self, args: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        return self.rows()

    async def rows(self) -> AsyncIterator[dict[str, Any]]:
        try:
            for n in range(self.count):
                if n == self.fail_at:
                    raise ToolError("DB500", "cursor lost", retryable=False)
                self.log.append(f"row {n}")
                yield {"id": n, "amount": 10}
        finally:
            self.log.append("closed")


def worker(log: list[str]) -> Any:
    async def work(args: dict[str, Any]) -> Any:
        await trio.sleep(1)
        log.append(f"work {args['id']}")
        return args
    return work


async def test_each_pulls_one_element_per_iteration(autojump_clock: Any) -> None:
    log: list[str] = []
    result = await run_flow(FLOW, tools={"db://shop.order/stream": Rows(3, log),
                                         "api://t/work": worker(log)})
    assert result.output == 30
    # Row n+1 is read only after iteration n finished: nothing is loaded ahead.
    assert log == ["row 0", "work 0", "row 1", "work 1", "row 2", "work 2", "closed"]
    assert [e["index"] for e in result.events if e["type"] == "iteration.started"] == [0, 1, 2]


async def test_a_failing_stream_fails_the_each_and_is_closed(autojump_clock: Any) -> None:
    log: list[str] = []
    result = await run_flow(FLOW, tools={"db://shop.order/stream": Rows(5, log, fail_at=2),
                                         "api://t/work": worker(log)})
    assert result.output == {"failed": "DB500", "node": "proc"}
    assert log == ["row 0", "work 0", "row 1", "work 1", "closed"]


async def test_an_each_that_fails_inside_closes_its_stream(autojump_clock: Any) -> None:
    log: list[str] = []

    async def broken(args: dict[str, Any]) -> Any:
        raise ToolError("500", "no")

    result = await run_flow(FLOW, tools={"db://shop.order/stream": Rows(5, log),
                                         "api://t/work": broken})
    assert result.output == {"failed": "500", "node": "proc[0]/add"}
    assert log == ["row 0", "closed"]


async def test_a_durable_run_journals_a_stream_as_a_marker(tmp_path: Path) -> None:
    from runtime import open_store

    log: list[str] = []
    result = await run_flow(FLOW, tools={"db://shop.order/stream": Rows(2, log),
                                         "api://t/work": worker(log)},
                            store=str(tmp_path / "runs.db"))
    assert result.output == 20
    store = open_store(str(tmp_path / "runs.db"))
    journal = store.journal(result.run_id)
    store.close()
    from runtime._stream import StaleStream

    outputs = [r.get("output") for r in journal if r["e"] == "Completed"]
    assert StaleStream("rows") in outputs
    assert [r["item"] for r in journal if r["e"] == "Pulled" and "item" in r] == [
        {"id": 0, "amount": 10}, {"id": 1, "amount": 10}]


async def test_after_a_restart_the_stream_cannot_go_on_and_the_each_fails_with_f411(
        autojump_clock: Any, tmp_path: Path) -> None:
    log: list[str] = []
    store = str(tmp_path / "runs.db")
    tools = {"db://shop.order/stream": Rows(5, log), "api://t/work": worker(log)}
    plan = plan_of(FLOW)
    async with Runtime(tools=tools, store=store) as rt:
        with trio.move_on_after(2.5):  # inside the third iteration
            await rt.run(plan, run_id="s1")
    async with Runtime(tools=tools, store=store) as rt:
        result = await rt.resume("s1")
    assert result.output == {"failed": "F411", "node": "proc"}
    failed = [e for e in result.events if e["type"] == "node.failed" and e["node"] == "proc"]
    assert "cannot be read again" in failed[0]["error"]["message"]
    # The iterations done before the restart are not run again.
    assert log.count("work 0") == 1 and log.count("work 1") == 1


@pytest.mark.parametrize("source", ["[]", "null", "42"])
async def test_each_over_a_plain_value_still_works(source: str) -> None:
    result = await run_flow(f"""\
        flow:
            name: plain
            node:
                proc:
                    each: '{source} => x'
                    vars: n = 0
                    node:
                        one: {{with: 1, sets: n = n + 1}}
                    with: n
    """)
    assert result.output == 0


class Batched:
    """An async iterator that has batches of ``size`` elements at hand (``next_nowait``,
    like a database stream's fetched rows) and must wait for the next batch."""

    def __init__(self, count: int, size: int, log: list[str], fail_at: int | None = None
                 ) -> None:
        self.count, self.size, self.log, self.fail_at = count, size, log, fail_at
        self.next = 0
        self.buffered = 0
        self.waits = 0

    def __call__(self, args: dict[str, Any]) -> Batched:
        return self

    def __aiter__(self) -> Batched:
        return self

    def _take(self) -> dict[str, Any]:
        n = self.next
        if n == self.fail_at:
            raise ToolError("DB500", "cursor lost", retryable=False)
        self.next += 1
        self.buffered -= 1
        self.log.append(f"row {n}")
        return {"id": n, "amount": 10}

    def next_nowait(self) -> dict[str, Any]:
        if self.next >= self.count:
            raise StopAsyncIteration
        if self.buffered == 0:
            raise trio.WouldBlock
        return self._take()

    async def __anext__(self) -> dict[str, Any]:
        if self.next >= self.count:
            raise StopAsyncIteration
        if self.buffered == 0:
            self.waits += 1
            await trio.sleep(0.5)  # fetch the next batch
            self.buffered = self.size
        return self._take()

    async def aclose(self) -> None:
        self.log.append("closed")


@pytest.mark.parametrize("fail_at", [None, 4])
async def test_elements_at_hand_are_taken_without_waiting_in_the_same_order(
        autojump_clock: Any, fail_at: int | None) -> None:
    log: list[str] = []
    source = Batched(7, 3, log, fail_at)
    result = await run_flow(FLOW, tools={"db://shop.order/stream": source,
                                         "api://t/work": worker(log)})
    if fail_at is None:
        assert result.output == 70
        assert log == [entry for n in range(7) for entry in (f"row {n}", f"work {n}")]
        assert source.waits == 3  # one wait per batch of three: the others were at hand
    else:
        assert result.output == {"failed": "DB500", "node": "proc"}
        assert log == ["row 0", "work 0", "row 1", "work 1", "row 2", "work 2", "row 3",
                       "work 3", "closed"]
    assert [e["index"] for e in result.events if e["type"] == "iteration.started"] == list(
        range(7 if fail_at is None else 4))
