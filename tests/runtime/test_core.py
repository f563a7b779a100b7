"""The sans-I/O core on its own (h11's test_state.py style): feed events, assert the exact
commands and states, and that illegal input changes nothing."""

from __future__ import annotations

import pytest

from runtime import _journal as journal
from runtime._core import CANCEL, CLOSE, RUN, SLEEP, TEST, InvariantError, RunCore
from runtime._journal import Completed, Failed, Opened, Skipped, TimerSet, from_record, to_record

from .conftest import plan_of

FLOW = plan_of("""\
    flow:
        name: core
        node:
            a:
                exec: api://t/a
                next: join
            b:
                wait: 1000
                next: join
            join:
                with: a
            spin:
                vars: n = 0
                when: n < 2
                node:
                    step:
                        with: 1
                with: n
""")


def ops(core: RunCore) -> list[tuple[str, str]]:
    return [(c.op, c.instance.path) for c in core.take_commands()]


def started() -> RunCore:
    core = RunCore(FLOW, {}, run_id="r")
    core.start(0.0)
    assert ops(core) == [(RUN, "")]
    assert core.feed(Opened(0, 0.0, {}))
    return core


def key_of(core: RunCore, path: str) -> int:
    return next(k for k, i in core.instances.items() if i.path == path)


def test_start_nodes_are_run_in_declaration_order() -> None:
    core = started()
    assert ops(core) == [(RUN, "a"), (RUN, "b"), (RUN, "spin")]


def test_a_join_runs_only_when_every_incoming_edge_is_resolved() -> None:
    core = started()
    core.take_commands()
    assert core.feed(Completed(key_of(core, "a"), 1.0, {"x": 1}))
    assert ops(core) == []  # b is still running
    b = key_of(core, "b")
    assert core.feed(TimerSet(b, 1.0, 2.0))
    assert ops(core) == [(SLEEP, "b")]
    assert core.feed(Completed(b, 2.0))
    assert ops(core) == [(RUN, "join")]


def test_a_loop_tests_before_each_iteration_and_closes_at_the_end() -> None:
    core = started()
    core.take_commands()
    spin = key_of(core, "spin")
    assert core.feed(Opened(spin, 0.0, {"n": 0}))
    assert ops(core) == [(TEST, "spin")]
    assert core.feed(journal.Tested(spin, 0.0, True))
    assert ops(core) == [(RUN, "spin[0]/step")]
    assert core.feed(Completed(key_of(core, "spin[0]/step"), 0.0, 1))
    assert ops(core) == [(TEST, "spin")]
    assert core.feed(journal.Tested(spin, 0.0, False))
    assert ops(core) == [(CLOSE, "spin")]


def test_an_event_that_does_not_fit_is_an_invariant_error_and_changes_nothing() -> None:
    core = started()
    core.take_commands()
    a = key_of(core, "a")
    before = (dict(core.flow_scope.local), core.instances[a].waiting)
    with pytest.raises(InvariantError):
        core.feed(journal.Tested(a, 1.0, True))  # a tool node never waits for a loop test
    with pytest.raises(InvariantError):
        core.feed(Opened(a, 1.0, {}))
    assert (dict(core.flow_scope.local), core.instances[a].waiting) == before
    assert core.commands == []


def test_events_about_instances_that_are_gone_are_stale() -> None:
    core = started()
    core.take_commands()
    a = key_of(core, "a")
    b = key_of(core, "b")
    assert core.feed(Failed(a, 1.0, {"code": "500", "message": "boom"}))
    assert core.done and core.status == "failed"
    assert core.error == {"code": "500", "message": "boom", "node": "a", "type": "tool"}
    assert (CANCEL, "b") in ops(core)
    assert not core.feed(Completed(b, 2.0))
    assert not core.feed(Skipped(a, 2.0))


def test_outstanding_lists_what_each_live_instance_waits_for() -> None:
    core = started()
    core.take_commands()
    core.feed(TimerSet(key_of(core, "b"), 0.0, 5.0))
    assert [(c.op, c.instance.path) for c in core.outstanding()] == [
        (RUN, "a"), (SLEEP, "b"), (RUN, "spin")]


def test_journal_records_round_trip() -> None:
    for event in (Completed(3, 1.5, {"a": [1]}, {"x": 2}, "then"), Skipped(1, 0.0),
                  Failed(2, 1.0, {"code": "F407"}), Opened(4, 2.0, {"v": 1}, [1, 2]),
                  journal.Tested(5, 3.0, False), TimerSet(6, 4.0, 9.5)):
        assert from_record(to_record(event)) == event
    with pytest.raises(ValueError):
        from_record({"e": "Exploded"})
