"""A long run on Temporal: its events outgrow what a workflow's result may carry (2 MB)
long before its history outgrows Temporal's limits; the run still completes, its result
keeping the first event and the newest ones."""

from __future__ import annotations

import json

from ._engines import run_temporal
from .conftest import TASK_QUEUE, WorkerThread

LONG = """\
    flow:
        name: long
        node:
            spin:
                vars: n = 0
                when: n < 5000
                node:
                    step:
                        with: n
                        sets: n = n + 1
                with: n
"""


def test_a_run_whose_events_pass_the_payload_limit_completes(
        temporal_address: str, temporal_worker: WorkerThread) -> None:
    result = run_temporal(temporal_address, TASK_QUEUE, LONG, {}, None, max_iterations=6000)
    assert (result.status, result.output) == ("completed", 5000)
    events = result.events
    assert events[0]["type"] == "flow.started" and events[-1]["type"] == "flow.completed"
    numbers = [event["seq"] for event in events]
    assert numbers == sorted(numbers) and numbers[0] == 0
    assert numbers[1] > 1  # the events between the first and the newest were left out
    assert numbers[1:] == list(range(numbers[1], numbers[-1] + 1))  # the newest, all of them
    assert sum(len(json.dumps(event)) for event in events) <= 512 * 1024
