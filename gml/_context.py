"""What an evaluation needs from its host: the clock, the timezone and the limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pendulum

from ._limits import Limits

__all__ = ["Clock", "EvalContext", "system_clock"]

Clock = Callable[[], datetime]
"""Returns the current instant as an aware datetime. The runtime passes its own clock so that
tests can freeze or advance time."""


def system_clock() -> datetime:
    """The machine's clock, in UTC."""
    return pendulum.now("UTC")


class EvalContext:
    """Per-evaluation state shared by built-ins: clock, timezone, limits.

    ``now()`` is read once per evaluation, so every ``NOW()`` / ``now`` / ``DATE()`` of one
    evaluation sees the same instant.
    """

    __slots__ = ("_now", "clock", "limits", "tz")

    def __init__(self, tz: pendulum.Timezone | pendulum.FixedTimezone, clock: Clock,
                 limits: Limits) -> None:
        self.tz = tz
        self.clock = clock
        self.limits = limits
        self._now: pendulum.DateTime | None = None

    def now(self) -> pendulum.DateTime:
        """The current instant in the evaluation's timezone."""
        if self._now is None:
            self._now = pendulum.instance(self.clock()).in_timezone(self.tz)
        return self._now


def resolve_timezone(tz: str | pendulum.Timezone | pendulum.FixedTimezone | None
                     ) -> pendulum.Timezone | pendulum.FixedTimezone:
    """A timezone from a name (``Asia/Shanghai``, ``+08:00``), a zone, or None for local."""
    if tz is None:
        return pendulum.local_timezone()
    if isinstance(tz, str):
        return pendulum.timezone(tz)
    return tz
