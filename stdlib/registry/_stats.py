"""Call statistics from run events (spec/tools.md §3, "Statistics"; docs/runtime.md "Events").

A run's events say which tool each tool node called: ``node.started``, ``node.completed`` and
``node.failed`` carry ``tool`` (the URI without options, ``api://crm/customer``), and the
last two ``duration`` (seconds, from the node's start to its end, retries included).
``node.retrying`` events may not carry ``tool``; they belong to the tool of the latest
``node.started`` of the same run and node path. `Tally` folds events, one at a time, into
per-tool counts (holding only the totals and the tool calls in flight, so a run of a million
calls is counted as it goes in constant memory); `aggregate` folds a whole sequence with one;
`record` adds events to the ``calls`` table of the registry database, `record_runs` what a
`Tally` counted; `read` reads them back.

Rules:

- **What counts.** A *call* is a finished tool node (``node.completed`` or ``node.failed``),
  a *failure* a ``node.failed``, a *retry* a ``node.retrying``. Skipped nodes do not count.
  Events of sub-flows (nested under a ``flow://`` node) count for their own tools too.
- **Keys.** Per tenant (the run's, given by the caller), tool type and full code: a ``db``
  call counts for ``db://shop.order/list``, so one table has one line per operation
  (`CallStats.combine` sums them). Events carry no tool version, so statistics are per tool,
  not per version.
- **Latency.** Besides total and maximum duration, every call lands in one bucket of a
  fixed histogram (`BUCKETS`), from which `CallStats.percentile` estimates p50/p95/p99 as
  the upper edge of the bucket holding that rank (never above the maximum).
- **Once per run.** ``recorded_runs`` remembers each run id with the highest event ``seq``
  counted. Recording the same events again adds nothing; recording a resumed run's later
  events (higher ``seq``) adds only those. Events without ``seq`` count only the first
  time their run is recorded.
"""

from __future__ import annotations

import json
import math
import time
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._store import Conn

__all__ = ["BUCKETS", "CallStats", "RunCalls", "Tally", "aggregate", "read", "record",
           "record_runs", "recorded_after"]

BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                              2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
"""Upper edges (seconds) of the latency histogram; one more bucket holds longer calls."""

_FINISHED = ("node.completed", "node.failed")


@dataclass(frozen=True, slots=True)
class CallStats:
    """How often one tool was called, and how long the calls took.

    Attributes:
        type, code: the tool (``db`` codes include the operation: ``shop.order/list``).
        tenant: whose runs (None: runs without a tenant).
        calls: finished calls; failures: those that failed; retries: retried attempts.
        total_duration, max_duration: seconds.
        last_call: when the latest call ended (epoch seconds on the run clock), or None.
        histogram: calls per latency bucket (`BUCKETS`, plus one for longer calls).
    """

    type: str
    code: str
    tenant: str | None = None
    calls: int = 0
    failures: int = 0
    retries: int = 0
    total_duration: float = 0.0
    max_duration: float = 0.0
    last_call: float | None = None
    histogram: tuple[int, ...] = field(default=(0,) * (len(BUCKETS) + 1))

    @property
    def uri(self) -> str:
        return f"{self.type}://{self.code}"

    @property
    def mean_duration(self) -> float | None:
        """Seconds per call, or None without calls."""
        return self.total_duration / self.calls if self.calls else None

    def percentile(self, q: float) -> float | None:
        """An upper estimate of the ``q``-th percentile latency (``q`` in 0..100), in
        seconds: the upper edge of the histogram bucket holding that rank, capped at the
        maximum. None without calls.

        Raises:
            ValueError: ``q`` is not between 0 and 100.
        """
        if not 0 <= q <= 100:
            raise ValueError(f"a percentile is between 0 and 100, not {q}")
        counted = sum(self.histogram)
        if not counted:
            return None
        rank = max(1, math.ceil(counted * q / 100))
        seen = 0
        for index, count in enumerate(self.histogram):
            seen += count
            if seen >= rank:
                edge = BUCKETS[index] if index < len(BUCKETS) else self.max_duration
                return min(edge, self.max_duration)
        return self.max_duration  # pragma: no cover - rank <= counted

    def combine(self, other: CallStats) -> CallStats:
        """The sum of two statistics (``type``/``code``/``tenant`` of ``self``)."""
        last = [t for t in (self.last_call, other.last_call) if t is not None]
        return CallStats(self.type, self.code, self.tenant, self.calls + other.calls,
                         self.failures + other.failures, self.retries + other.retries,
                         self.total_duration + other.total_duration,
                         max(self.max_duration, other.max_duration),
                         max(last) if last else None,
                         tuple(a + b for a, b in zip(self.histogram, other.histogram,
                                                     strict=True)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (``--json`` output); durations in seconds."""
        return {"uri": self.uri, "type": self.type, "code": self.code, "tenant": self.tenant,
                "calls": self.calls, "failures": self.failures, "retries": self.retries,
                "total_duration": self.total_duration, "max_duration": self.max_duration,
                "mean_duration": self.mean_duration, "p50": self.percentile(50),
                "p95": self.percentile(95), "p99": self.percentile(99),
                "last_call": self.last_call}


@dataclass(slots=True)
class RunCalls:
    """What one run's events add: statistics per (type, code), and the highest ``seq``."""

    run_id: str
    stats: dict[tuple[str, str], CallStats] = field(default_factory=dict)
    last_seq: int | None = None


def _bucket(duration: float) -> int:
    return bisect_left(BUCKETS, duration)


def _split(uri: str) -> tuple[str, str] | None:
    tool_type, sep, code = uri.partition("://")
    code = code.split("?", 1)[0]
    return (tool_type, code) if sep and tool_type and code else None


class Tally:
    """Per run id, the calls, failures, retries and durations of its tool nodes, from
    events given one at a time (`add`).

    Args:
        tenant: recorded as the statistics' tenant.
        after: per run id already recorded, the highest ``seq`` counted then (None: the
            run was recorded without ``seq``s); its events up to there are skipped.
    """

    def __init__(self, tenant: str | None = None,
                 after: Mapping[str, int | None] | None = None) -> None:
        self.tenant = tenant
        self.after: dict[str, int | None] = dict(after or {})
        self.runs: dict[str, RunCalls] = {}
        self._started: dict[tuple[str, str], str] = {}  # (run, node path) -> tool uri

    def add(self, event: Mapping[str, Any]) -> None:
        """Count one event (events of a run in their order)."""
        run_id = event.get("run_id")
        if not isinstance(run_id, str):
            return
        kind = event.get("type")
        node = str(event.get("node") or "")
        uri = event.get("tool")
        if kind == "node.started" and isinstance(uri, str):
            self._started[run_id, node] = uri
        elif kind == "node.retrying" and not isinstance(uri, str):
            uri = self._started.get((run_id, node))
        elif kind in _FINISHED:
            self._started.pop((run_id, node), None)  # only calls in flight are kept
        seq = event.get("seq")
        seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        if run_id in self.after:
            done = self.after[run_id]
            if seq is None or done is None or seq <= done:
                return
        run = self.runs.setdefault(run_id, RunCalls(run_id))
        if seq is not None:
            run.last_seq = seq if run.last_seq is None else max(run.last_seq, seq)
        if kind not in (*_FINISHED, "node.retrying") or not isinstance(uri, str):
            return
        key = _split(uri)
        if key is None:
            return
        current = run.stats.get(key) or CallStats(key[0], key[1], self.tenant)
        run.stats[key] = current.combine(_one(key, kind, event))


def aggregate(events: Iterable[Mapping[str, Any]], tenant: str | None = None,
              after: Mapping[str, int | None] | None = None) -> dict[str, RunCalls]:
    """Per run id, the calls, failures, retries and durations of its tool nodes (a `Tally`
    of ``events``, in order: one run or several)."""
    tally = Tally(tenant, after)
    for event in events:
        tally.add(event)
    return tally.runs


def _one(key: tuple[str, str], kind: str, event: Mapping[str, Any]) -> CallStats:
    """The statistics of one finished call or one retry."""
    if kind == "node.retrying":
        return CallStats(key[0], key[1], retries=1)
    duration = event.get("duration")
    seconds = 0.0
    if isinstance(duration, int | float) and not isinstance(duration, bool) \
            and math.isfinite(duration) and duration > 0:
        seconds = float(duration)
    at = event.get("at")
    histogram = [0] * (len(BUCKETS) + 1)
    histogram[_bucket(seconds)] = 1
    return CallStats(key[0], key[1], calls=1, failures=int(kind == "node.failed"),
                     total_duration=seconds, max_duration=seconds,
                     last_call=float(at) if isinstance(at, int | float)
                     and not isinstance(at, bool) else None, histogram=tuple(histogram))


# --------------------------------------------------------------------------- storage


def recorded_after(conn: Conn, run_ids: Iterable[str]) -> dict[str, int | None]:
    """Of ``run_ids``, those recorded before, with the highest ``seq`` counted then."""
    after: dict[str, int | None] = {}
    for run_id in run_ids:
        row = conn.execute("SELECT last_seq FROM recorded_runs WHERE run_id = ?",
                           (run_id,)).fetchone()
        if row is not None:
            after[str(run_id)] = row[0]
    return after


def record(conn: Conn, events: Iterable[Mapping[str, Any]],
           tenant_key: str) -> int:
    """Add the events' calls to the ``calls`` table inside the caller's transaction;
    returns how many calls were added."""
    events = list(events)
    after = recorded_after(conn, {e["run_id"] for e in events
                                  if isinstance(e.get("run_id"), str)})
    return record_runs(conn, aggregate(events, tenant_key or None, after), after, tenant_key)


def record_runs(conn: Conn, runs: Mapping[str, RunCalls], after: Mapping[str, int | None],
                tenant_key: str) -> int:
    """Add what a `Tally` counted (``runs``, counted after ``after``) to the ``calls`` table
    inside the caller's transaction; returns how many calls were added."""
    added = 0
    now = time.time()
    for run in runs.values():
        for (tool_type, code), stats in run.stats.items():
            added += stats.calls
            old = _row(conn, tenant_key, tool_type, code)
            total = stats if old is None else old.combine(stats)
            conn.execute(
                "INSERT INTO calls (tenant, type, code, calls, failures, retries, "
                "total_duration, max_duration, last_call, histogram) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, type, code) DO UPDATE "
                "SET calls = excluded.calls, failures = excluded.failures, "
                "retries = excluded.retries, total_duration = excluded.total_duration, "
                "max_duration = excluded.max_duration, last_call = excluded.last_call, "
                "histogram = excluded.histogram",
                (tenant_key, tool_type, code, total.calls, total.failures, total.retries,
                 total.total_duration, total.max_duration, total.last_call,
                 json.dumps(list(total.histogram))))
        previous = after.get(run.run_id)
        last = run.last_seq if previous is None or run.last_seq is None \
            else max(previous, run.last_seq)
        conn.execute("INSERT INTO recorded_runs (run_id, tenant, last_seq, recorded_at) "
                     "VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET "
                     "last_seq = excluded.last_seq, recorded_at = excluded.recorded_at",
                     (run.run_id, tenant_key, last, now))
    return added


def _row(conn: Conn, tenant_key: str, tool_type: str, code: str
         ) -> CallStats | None:
    row = conn.execute("SELECT calls, failures, retries, total_duration, max_duration, "
                       "last_call, histogram FROM calls WHERE tenant = ? AND type = ? AND "
                       "code = ?", (tenant_key, tool_type, code)).fetchone()
    return None if row is None else _stats(tenant_key, tool_type, code, row)


def _stats(tenant_key: str, tool_type: str, code: str, row: Sequence[Any]) -> CallStats:
    histogram = [0] * (len(BUCKETS) + 1)
    try:
        stored = json.loads(row[6])
    except (TypeError, ValueError):
        stored = []
    if isinstance(stored, list):
        for index, count in enumerate(stored[: len(histogram)]):
            if isinstance(count, int):
                histogram[index] = count
    return CallStats(tool_type, code, tenant_key or None, int(row[0]), int(row[1]),
                     int(row[2]), float(row[3]), float(row[4]),
                     None if row[5] is None else float(row[5]), tuple(histogram))


def read(conn: Conn, tenant_key: str, tool_type: str | None,
         code: str | None) -> list[CallStats]:
    """The statistics of ``tenant_key`` for one tool (a ``db`` table: each of its
    operations), one type, or all, ordered by type and code."""
    sql = ("SELECT type, code, calls, failures, retries, total_duration, max_duration, "
           "last_call, histogram FROM calls WHERE tenant = ?")
    params: list[Any] = [tenant_key]
    if tool_type is not None:
        sql += " AND type = ?"
        params.append(tool_type)
    if code is not None:
        sql += " AND (code = ?"
        params.append(code)
        if tool_type == "db" and "/" not in code:
            sql += " OR (substr(code, 1, ?) = ? AND instr(substr(code, ?), '/') = 0)"
            params.extend([len(code) + 1, code + "/", len(code) + 2])
        sql += ")"
    sql += " ORDER BY type, code"
    rows = conn.execute(sql, params).fetchall()
    return [_stats(tenant_key, row[0], row[1], row[2:]) for row in rows]
