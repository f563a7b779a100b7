"""What the core is told: the events that move a run forward, which are also its journal.

Every fact that depends on the outside world or on evaluating GML (a node's output, a
branch's choice, an ``each`` source, a timer's deadline, ``UUID()``, ``NOW()``) reaches the
core as one of these events. The core itself is deterministic, so feeding the same
sequence into a fresh core rebuilds exactly the same state: the journal *is* this sequence,
and resume is replay (design.md, "Data flows one way").

Events are small frozen values keyed by the instance ``key`` the core assigned when it
activated the node; ``at`` is the run clock's time (epoch seconds) when the fact happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Cancelled", "Completed", "Event", "Failed", "Opened", "Pulled", "Skipped",
           "Tested", "TimerSet", "from_record", "to_record"]


@dataclass(frozen=True, slots=True)
class Event:
    """Base of core events: which instance, and when."""

    key: int
    at: float


@dataclass(frozen=True, slots=True)
class Completed(Event):
    """A node (or the closing phase of an ``each``/``loop``) finished.

    ``output`` is bound to the node id; ``writes`` are the ``sets`` fields; ``choice`` is
    the label a branch or switch took (``then``, ``else``, ``case[2]``; None: no path).
    """

    output: Any = None
    writes: Mapping[str, Any] | None = None
    choice: str | None = None


@dataclass(frozen=True, slots=True)
class Skipped(Event):
    """``only`` was falsy."""


@dataclass(frozen=True, slots=True)
class Failed(Event):
    """The node failed; ``error`` is the error object of fdl.md §6.4 (without the wrapper)."""

    error: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Opened(Event):
    """The flow, an ``each`` or a ``loop`` evaluated its ``vars`` (and an ``each`` its
    source: ``items``, None for a loop; ``stream`` when the source is read lazily, one
    `Pulled` per element)."""

    vars: Mapping[str, Any]
    items: list[Any] | None = None
    stream: bool = False


@dataclass(frozen=True, slots=True)
class Pulled(Event):
    """An ``each`` over a stream read its next element (``done``: there is none)."""

    item: Any = None
    done: bool = False


@dataclass(frozen=True, slots=True)
class Tested(Event):
    """A loop evaluated its ``when`` before an iteration."""

    value: bool


@dataclass(frozen=True, slots=True)
class TimerSet(Event):
    """A ``wait`` node computed its deadline (run clock, epoch seconds)."""

    until: float


@dataclass(frozen=True, slots=True)
class Cancelled(Event):
    """The run was cancelled (``key`` is 0)."""

    reason: str = "cancelled"


_KINDS: dict[str, type[Event]] = {cls.__name__: cls for cls in (
    Completed, Skipped, Failed, Opened, Pulled, Tested, TimerSet, Cancelled)}


def to_record(event: Event) -> dict[str, Any]:
    """The event as a JSON-able dict (values still need the run codec for dates/decimals)."""
    record: dict[str, Any] = {"e": type(event).__name__}
    for name, spec in event.__dataclass_fields__.items():
        value = getattr(event, name)
        if value is None or (value is False and spec.default is False):
            continue  # left out: the default
        record[name] = dict(value) if isinstance(value, Mapping) else value
    return record


def from_record(record: Mapping[str, Any]) -> Event:
    """Inverse of `to_record`; raises ValueError for a record it does not know."""
    kind = _KINDS.get(str(record.get("e")))
    if kind is None:
        raise ValueError(f"unknown journal record {record.get('e')!r}")
    fields = {k: v for k, v in record.items() if k != "e"}
    return kind(**fields)
