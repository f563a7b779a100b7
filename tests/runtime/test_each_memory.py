"""What a long ``each`` keeps in memory (issue #17): nothing of an iteration once it has
finished. Checked by what survives (weak references, batch sizes, the event history), never
by a memory figure."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from runtime import Runtime
from runtime._core import RUN, RunCore
from runtime._driver import WAVE_LIMIT
from runtime._journal import Completed, Opened
from runtime.store import MemoryStore

from .conftest import plan_of

EACH = """\
    flow:
        name: each
        args:
            in:
                items: any
        node:
            loop:
                each: items => item
                node:
                    step:
                        with: item + 1
"""


def test_a_finished_iteration_leaves_nothing_alive_in_the_core() -> None:
    plan = plan_of(EACH)
    items = list(range(50))
    core = RunCore(plan, {"items": items}, run_id="r")
    core.start(0.0)
    core.take_commands()
    assert core.feed(Opened(0, 0.0, {}))
    (command,) = core.take_commands()
    loop = command.instance
    assert core.feed(Opened(loop.key, 0.0, {}, items))
    assert loop.items is items  # the source is not copied
    finished: list[weakref.ref[Any]] = []
    for index in range(len(items)):
        (command,) = core.take_commands()
        assert command.op == RUN and command.instance.path == f"loop[{index}]/step"
        assert loop.child is not None
        finished.append(weakref.ref(loop.child))
        assert core.feed(Completed(command.instance.key, 0.0, index + 1))
        del command
        gc.collect()
        assert [ref() for ref in finished] == [None] * len(finished), index
        core.take_events()
    assert sorted(core.instances) == [0, loop.key]  # the flow, and the each closing


class CountingStore(MemoryStore):
    """A memory store that remembers the size of every batch it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[tuple[int, int]] = []

    def append(self, run_id: str, journal: Sequence[Mapping[str, Any]],
               events: Sequence[Mapping[str, Any]], *, owner: str | None = None) -> None:
        self.batches.append((len(journal), len(events)))
        super().append(run_id, journal, events, owner=owner)


async def test_a_long_wave_is_stored_in_bounded_batches() -> None:
    store = CountingStore()
    items = 3 * WAVE_LIMIT
    seen: list[str] = []
    async with Runtime(store=store) as rt:
        result = await rt.run(plan_of(EACH), {"items": list(range(items))},
                              on_event=lambda event: seen.append(event["type"]))
    assert result.ok
    assert len(store.batches) > 3  # the each is one wave: written in parts, not at its end
    assert max(journal for journal, _ in store.batches) <= WAVE_LIMIT
    assert max(events for _, events in store.batches) <= 4 * WAVE_LIMIT
    assert sum(journal for journal, _ in store.batches) == items + 3
    assert seen.count("iteration.completed") == items
    assert len(store.journal(result.run_id)) == items + 3


async def test_without_kept_events_the_history_is_not_held() -> None:
    seen: list[dict[str, Any]] = []
    async with Runtime(store=MemoryStore(), keep_events=False) as rt:
        result = await rt.run(plan_of(EACH), {"items": list(range(100))},
                              on_event=seen.append)
        stored = rt.store.events(result.run_id) if rt.store is not None else []
    assert result.ok and result.output is None
    assert result.events == [seen[-1]]
    assert result.events[0]["type"] == "flow.completed"
    assert [e["seq"] for e in seen] == list(range(len(seen)))
    assert len(seen) == 4 + 4 * 100  # the flow and the each: 2 each; 4 per iteration
    assert [e["type"] for e in stored] == [e["type"] for e in seen]


async def test_kept_events_are_every_event_as_before() -> None:
    seen: list[dict[str, Any]] = []
    async with Runtime() as rt:
        result = await rt.run(plan_of(EACH), {"items": [1, 2, 3]}, on_event=seen.append)
    assert result.events == seen
    assert [e["node"] for e in result.events if e["type"] == "node.completed"] == [
        "loop[0]/step", "loop[1]/step", "loop[2]/step", "loop"]
