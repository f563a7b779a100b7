"""``fdl.run``: run a compiled flow from synchronous code (interfaces.md §2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler import Plan
    from runtime import RunResult

__all__ = ["run"]


def run(flow: Plan, inputs: Mapping[str, Any] | None = None, *, tenant: str | None = None,
        bu: str | None = None, **options: Any) -> RunResult:
    """Run ``flow`` (from `fdl.load`) to its end in a fresh trio event loop.

    ``options`` are those of `runtime.Runtime` (``tools``, ``mocks``, ``store``,
    ``concurrency``, ``timezone``, ...), plus ``clock`` (a trio clock, e.g.
    ``trio.testing.MockClock(autojump_threshold=0)`` to make waits virtual). Inside an async
    service use `runtime.Runtime` directly.

        >>> result = fdl.run(fdl.load("flows/customer_view.yaml"), {"customerId": "c1"},
        ...                  tools={"api://crm-service/customer": get_customer})  # doctest: +SKIP
        >>> result.status, result.output                                          # doctest: +SKIP
    """
    from runtime import run_sync

    return run_sync(flow, inputs, tenant=tenant, bu=bu, **options)
