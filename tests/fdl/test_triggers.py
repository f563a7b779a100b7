"""Triggers in ``fdl.yaml`` and their schedules (stdlib/trigger_config.py, fdl/triggers/):
the configuration's coded errors with their lines, cron arithmetic in the project's zone, a
schedule driven by trio's MockClock (no wall-clock waits for the schedule: only the runs'
completion is polled), and ``catch_up`` both ways across a restart."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pendulum
import pytest
import trio
import trio.testing

from fdl.triggers import ScheduleState, open_engine, run_id_for
from fdl.triggers.schedule import missed, next_fire
from runtime.store import RunRecord, open_store
from stdlib.config import ConfigError, project_config
from tests.fdl._triggers import hold_server, make_project

NOWHERE = "http://127.0.0.1:9"
EPOCH = pendulum.datetime(2026, 3, 2, 9, 2, 0, tz="UTC").timestamp()
"""A Monday, 09:02 UTC: the virtual clock's start."""


def _config_error(folder: Path, text: str) -> ConfigError:
    (folder / "flows").mkdir(exist_ok=True)
    (folder / "flows" / "tick.yaml").write_text("flow: {name: tick}\n", "utf-8")
    (folder / "fdl.yaml").write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        project_config(folder)
    return caught.value


@pytest.mark.parametrize(("entry", "code", "at"), [
    ("{flow: tick, cron: '61 * * * *'}", "T101", "'61"),
    ("{flow: tick, cron: '* * *'}", "T101", "'*"),
    ("{flow: nope, cron: '* * * * *'}", "T102", "nope"),
    ("{flow: tick, mq: rabbit/orders}", "T103", "rabbit"),
    ("{flow: tick, mq: orders}", "T103", "orders"),
    ("{flow: tick}", "T104", "{"),
    ("{flow: tick, cron: '* * * * *', mq: bus/x}", "T104", "{"),
])
def test_a_bad_trigger_is_a_coded_error_at_its_line(tmp_path: Path, entry: str, code: str,
                                                    at: str) -> None:
    error = _config_error(tmp_path, "mq:\n    bus: {url: 'redis://127.0.0.1:6379/0'}\n"
                                    f"triggers:\n    - {entry}\n")
    assert code in error.message
    column = len("    - ") + entry.index(at) + 1  # the value the problem is about
    assert (error.line, error.column) == (4, column), str(error)
    assert error.path == tmp_path / "fdl.yaml"


def test_good_triggers_are_read_with_their_defaults(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "tick.yaml").write_text("flow: {name: tick}\n", "utf-8")
    (tmp_path / "fdl.yaml").write_text(
        "mq:\n    bus: {url: 'amqp://127.0.0.1/'}\ntriggers:\n"
        "    - {flow: tick, cron: '*/5 * * * *', input: {label: x}, catch_up: false}\n"
        "    - {flow: tick, mq: bus/orders, max_deliveries: 2}\n", "utf-8")
    first, second = project_config(tmp_path).triggers or []
    assert (first.cron, first.input, first.catch_up, first.mq) == ("*/5 * * * *",
                                                                   {"label": "x"}, False, None)
    assert (second.broker, second.topic, second.max_deliveries, second.catch_up) == (
        "bus", "orders", 2, True)
    assert first.key != second.key


def test_cron_times_are_read_in_the_project_zone() -> None:
    shanghai = pendulum.timezone("Asia/Shanghai")
    after = pendulum.datetime(2026, 3, 2, 0, 30, tz="UTC").timestamp()  # 08:30 in Shanghai
    fired = next_fire("0 9 * * *", after, shanghai)
    assert pendulum.from_timestamp(fired, tz=shanghai).to_datetime_string() == \
        "2026-03-02 09:00:00"
    assert pendulum.from_timestamp(fired, tz="UTC").hour == 1
    assert missed("0 9 * * *", after, fired, shanghai)
    assert not missed("0 9 * * *", after, fired - 1, shanghai)


def test_a_daily_schedule_follows_daylight_saving() -> None:
    paris = pendulum.timezone("Europe/Paris")
    before = pendulum.datetime(2026, 3, 28, 12, 0, tz=paris).timestamp()
    saturday = next_fire("0 2 * * *", before, paris)  # 2026-03-29 02:00 does not exist
    shown = pendulum.from_timestamp(saturday, tz=paris)
    assert shown.day in (29, 30)
    sunday = next_fire("30 3 * * *", before, paris)
    assert pendulum.from_timestamp(sunday, tz=paris).to_datetime_string() == \
        "2026-03-29 03:30:00"


def _runs(folder: Path) -> list[RunRecord]:
    path = folder / ".fdl" / "runs.db"
    if not path.exists():
        return []
    store = open_store(path)
    try:
        return store.list()
    finally:
        store.close()


async def _until(check: Any, what: str) -> Any:
    """Poll ``check`` on real time (in a thread: the virtual clock does not move)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        await trio.to_thread.run_sync(time.sleep, 0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_schedule_fires_at_its_times_on_a_virtual_clock(tmp_path: Path) -> None:
    cron = "*/5 * * * *"
    make_project(tmp_path, NOWHERE, [{"flow": "tick", "cron": cron, "input": {"label": "t"}}])
    config = project_config(tmp_path)
    [trigger] = config.triggers or []

    async def main() -> list[RunRecord]:
        clock = trio.lowlevel.current_clock()
        assert isinstance(clock, trio.testing.MockClock)
        async with open_engine(config, clock=lambda: EPOCH + trio.current_time()) as engine, \
                trio.open_nursery() as nursery:
            await nursery.start(engine.run)
            await trio.testing.wait_all_tasks_blocked()
            assert _runs(tmp_path) == []            # 09:02: nothing due yet
            clock.jump(3 * 60)                       # 09:05
            await _until(lambda: len(_runs(tmp_path)) == 1, "the 09:05 run")
            clock.jump(4 * 60)                       # 09:09: not due
            await trio.testing.wait_all_tasks_blocked()
            clock.jump(60)                           # 09:10
            await _until(lambda: len(_runs(tmp_path)) == 2, "the 09:10 run")
            engine.stop()
        return _runs(tmp_path)

    runs = trio.run(main, clock=trio.testing.MockClock())
    slots = [EPOCH + 180, EPOCH + 480]
    assert sorted(r.run_id for r in runs) == sorted(run_id_for(trigger.key, repr(s))
                                                    for s in slots)
    assert all(r.status == "completed" and r.output == {"label": "t"} for r in runs)
    state = ScheduleState(tmp_path / ".fdl" / "triggers.db")
    try:
        assert state.last_fired(trigger.key) == EPOCH + 480
    finally:
        state.close()


@pytest.mark.parametrize("catch_up", [True, False])
def test_a_schedule_missed_while_down_runs_once_or_not_per_catch_up(
        tmp_path: Path, catch_up: bool) -> None:
    make_project(tmp_path, NOWHERE, [{"flow": "tick", "cron": "*/5 * * * *",
                                      "catch_up": catch_up}])
    config = project_config(tmp_path)
    [trigger] = config.triggers or []

    async def session(start: float) -> None:
        async with open_engine(config, clock=lambda: start + trio.current_time()) as engine, \
                trio.open_nursery() as nursery:
            await nursery.start(engine.run)
            await trio.testing.wait_all_tasks_blocked()
            engine.stop()  # graceful: a catch-up run in progress ends first

    trio.run(session, EPOCH, clock=trio.testing.MockClock())       # first start: 09:02
    assert _runs(tmp_path) == []
    down_until = EPOCH + 3600                                      # restarted at 10:02
    trio.run(session, down_until, clock=trio.testing.MockClock())
    runs = _runs(tmp_path)
    if catch_up:   # twelve times were missed: one run
        assert [(r.run_id, r.status) for r in runs] == [
            (run_id_for(trigger.key, repr(EPOCH + 180)), "completed")]
    else:
        assert runs == []
    state = ScheduleState(tmp_path / ".fdl" / "triggers.db")
    try:
        assert state.last_fired(trigger.key) == down_until
    finally:
        state.close()
    trio.run(session, down_until + 60, clock=trio.testing.MockClock())  # nothing missed now
    assert len(_runs(tmp_path)) == len(runs)


def test_a_trigger_flow_that_does_not_compile_stops_the_engine_with_t105(
        tmp_path: Path) -> None:
    make_project(tmp_path, NOWHERE, [{"flow": "tick", "cron": "* * * * *"}])
    (tmp_path / "flows" / "tick.yaml").write_text(json.dumps(
        {"flow": {"name": "tick", "node": {"a": {"with": "x = nope("}}}}), "utf-8")
    config = project_config(tmp_path)

    async def main() -> None:
        async with open_engine(config):
            raise AssertionError("the engine opened")

    with pytest.raises(ConfigError) as caught:
        trio.run(main)
    assert "T105" in str(caught.value) and "tick" in str(caught.value)
    assert caught.value.key == "triggers.0.flow" and caught.value.line is not None


def test_a_scheduled_run_interrupted_by_a_stop_is_resumed_by_the_next_process(
        tmp_path: Path) -> None:
    server = hold_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gate: threading.Event = server.gate  # type: ignore[attr-defined]
    try:
        make_project(tmp_path, server.url, [{"flow": "on_order", "cron": "*/5 * * * *",
                                             "input": {"id": 11}}])
        config = project_config(tmp_path)

        async def first() -> None:
            clock = trio.lowlevel.current_clock()
            assert isinstance(clock, trio.testing.MockClock)
            async with open_engine(config, clock=lambda: EPOCH + trio.current_time()) as \
                    engine, trio.open_nursery() as nursery:
                await nursery.start(engine.run)
                await trio.testing.wait_all_tasks_blocked()
                clock.jump(3 * 60)                                 # 09:05: fires
                await _until(lambda: server.counters.get("/block:11"), "the call")
                engine.cancel()                                    # interrupted mid-run

        async def second() -> None:
            async with open_engine(config, clock=lambda: EPOCH + 200 + trio.current_time()) \
                    as engine, trio.open_nursery() as nursery:
                await nursery.start(engine.run)
                await _until(lambda: server.counters.get("/done:11"), "the resumed run")
                engine.stop()

        gate.clear()
        trio.run(first, clock=trio.testing.MockClock())
        [interrupted] = _runs(tmp_path)
        assert interrupted.status == "running"
        gate.set()
        trio.run(second, clock=trio.testing.MockClock())
    finally:
        gate.set()
        server.shutdown()
        server.server_close()
    [run] = _runs(tmp_path)
    assert (run.run_id, run.status, run.output) == (interrupted.run_id, "completed", {"id": 11})
    assert server.counters["/done:11"] == 1


@pytest.mark.parametrize(("cron", "flow_text", "expected"), [
    ("* * * * * * *", "flow: {name: t}\n", "fdl.yaml:2:21: triggers[0].cron: T101"),
    ("* * * * *", 'flow:\n  name: t\n  node:\n    a:\n      with: "x = nope("\n',
     "fdl.yaml:2:12: T105"),
])
def test_fdl_worker_refuses_a_bad_trigger_with_exit_2(tmp_path: Path, cron: str,
                                                      flow_text: str, expected: str) -> None:
    from click.testing import CliRunner

    from fdl.cli import main

    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "t.yaml").write_text(flow_text, "utf-8")
    (tmp_path / "fdl.yaml").write_text(f"triggers:\n  - {{flow: t, cron: '{cron}'}}\n",
                                       "utf-8")
    result = CliRunner().invoke(main, ["worker", "--project", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output
