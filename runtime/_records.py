"""What every run store shares: the run record, the run statuses, the store's errors and
the checks of arguments (`runtime.store` has the stores themselves)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from . import _codec
from ._lease import Lease

__all__ = ["LeaseLost", "RunRecord", "RunStatus", "StoreError", "check_final",
           "check_limit", "check_status", "lease_lost", "list_query", "run_row", "unknown"]

RunStatus = Literal["running", "completed", "failed", "cancelled"]
_STATUSES: frozenset[str] = frozenset(get_args(RunStatus))


class StoreError(Exception):
    """The run store cannot be opened or used; the message names the file and what to do."""


class LeaseLost(StoreError):
    """A write on behalf of a lease that another process has taken over: nothing was
    written (the run is that process's now)."""

    def __init__(self, run_id: str, holder: Lease | None) -> None:
        who = ("nobody holds it any more" if holder is None else
               f"process {holder.pid} on {holder.host} holds it now")
        super().__init__(f"this process lost the ownership of run {run_id!r} ({who}); it "
                         "stopped without writing more; see fdl runs show " + run_id)
        self.run_id = run_id
        self.holder = holder


def lease_lost(run_id: str, current: Lease | None, owner: str | None) -> LeaseLost | None:
    """The error for a write by ``owner`` when ``current`` holds the run (None: allowed)."""
    if owner is None or (current is not None and current.owner == owner):
        return None
    return LeaseLost(run_id, current)


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run as the store knows it.

    Attributes:
        run_id: the run's id.
        flow: the flow's name.
        path: the flow file's path as given ("" for a flow not read from a file).
        source: the flow's YAML text; a resume compiles this text, not the file.
        inputs: the run's inputs.
        context: what the run was started with besides inputs (tenantId, buCode, options).
        status: ``running``, ``completed``, ``failed`` or ``cancelled``.
        created_at: when the run was created (epoch seconds).
        updated_at: the last status change (epoch seconds).
        output: the flow result of a completed run.
        error: the error object of a failed run.
    """

    run_id: str
    flow: str
    path: str
    source: str
    inputs: dict[str, Any]
    context: dict[str, Any]
    status: RunStatus
    created_at: float
    updated_at: float
    output: Any = None
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary without the source text.

        Values are made plain JSON for display: datetimes and dates become ISO 8601 text,
        Decimals become numbers, non-finite numbers become ``None`` and tuples lists. Use the
        store itself, not this summary, when the exact values matter.
        """
        return {
            "run_id": self.run_id,
            "flow": self.flow,
            "path": self.path,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "inputs": _plain(self.inputs),
            "context": _plain(self.context),
            "output": _plain(self.output),
            "error": _plain(self.error),
        }


def _plain(value: Any) -> Any:
    """A value as plain JSON (lossy where JSON has no word for it)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value() and abs(value.adjusted()) < 30:
            return int(value)
        number = float(value)
        return number if math.isfinite(number) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def check_status(status: str) -> None:
    if status not in _STATUSES:
        raise ValueError(f"unknown run status {status!r}; expected one of "
                         f"{', '.join(sorted(_STATUSES))}")


def check_final(status: str) -> None:
    check_status(status)
    if status == "running":
        raise ValueError("finish() needs a final status: completed, failed or cancelled")


def unknown(run_id: str) -> KeyError:
    return KeyError(f"unknown run {run_id!r}")


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 (or None for all runs), not {limit}")


def list_query(select: str, mark: str, order: str, status: str | None, flow: str | None,
               limit: int | None) -> tuple[str, list[Any]]:
    """``list()``'s query on a database store: ``select`` filtered by status and flow, newest
    first (``created_at``, then ``order``: the insertion order), at most ``limit`` rows;
    ``mark`` is the driver's placeholder (``?`` or ``%s``)."""
    check_limit(limit)
    where: list[str] = []
    params: list[Any] = []
    if status is not None:
        check_status(status)
        where.append(f"status = {mark}")
        params.append(status)
    if flow is not None:
        where.append(f"flow = {mark}")
        params.append(flow)
    sql = select
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY created_at DESC, {order} DESC"
    if limit is not None:
        sql += f" LIMIT {mark}"
        params.append(limit)
    return sql, params


def run_row(record: RunRecord) -> tuple[Any, ...]:
    """``record`` as the values of a database store's ``runs`` row, in the column order
    ``run_id, flow, path, source, inputs, context, status, created_at, updated_at, output,
    error`` (values encoded by `runtime._codec`)."""
    return (record.run_id, record.flow, record.path, record.source,
            _codec.dumps(record.inputs), _codec.dumps(record.context), record.status,
            record.created_at, record.updated_at, _codec.dumps(record.output),
            _codec.dumps(record.error))
