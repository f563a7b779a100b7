"""Cron arithmetic of a scheduled trigger: when it fires next, and whether a firing was
missed, in the project's timezone (croniter over pendulum datetimes, so a schedule such as
``0 2 * * *`` follows the zone's daylight-saving changes)."""

from __future__ import annotations

from typing import Any

import pendulum
from croniter import croniter

__all__ = ["missed", "next_fire"]


def next_fire(cron: str, after: float, tz: Any) -> float:
    """The first time (epoch seconds) after ``after`` that ``cron`` names, read in ``tz``."""
    start = pendulum.from_timestamp(after, tz=tz)
    return float(croniter(cron, start).get_next(float))


def missed(cron: str, last: float, now: float, tz: Any) -> bool:
    """Whether ``cron`` named a time after ``last`` (the last firing) and up to ``now``."""
    return next_fire(cron, last, tz) <= now
