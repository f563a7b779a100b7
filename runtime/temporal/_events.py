"""The run's events in the workflow's result, within Temporal's payload limit.

A workflow's result is one payload, and Temporal refuses a payload over 2 MB (its default
blob size limit): the workflow task that would complete the run fails, and is retried
forever. The events of a long run pass that long before its history does (a mapping loop
of 5,000 iterations makes about 2.2 MB of events and a history of 5 events), so the result
keeps, when they do not fit in `EVENTS_BUDGET`, the first event (``flow.started``) and the
newest ones that fit; the whole run is in its Temporal history all the same.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["EVENTS_BUDGET", "fitting"]

EVENTS_BUDGET = 512 * 1024
"""Bytes of events (as JSON) a run's result may carry: a quarter of the payload limit (the
SDK's warning threshold), the rest for the output, the error and the call record."""


def fitting(events: list[dict[str, Any]], budget: int) -> tuple[list[dict[str, Any]], int]:
    """The events to return and how many were left out (the first event and the newest
    that fit in ``budget`` bytes, in order)."""
    sizes = [len(json.dumps(event, default=str)) for event in events]
    if sum(sizes) <= budget or len(events) < 2:
        return list(events), 0
    room = budget - sizes[0]
    start = len(events)
    while start > 1 and sizes[start - 1] <= room:
        room -= sizes[start - 1]
        start -= 1
    return [events[0], *events[start:]], start - 1
