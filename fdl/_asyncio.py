"""`run_async`: a flow run from asyncio code (spec/service.md §4).

The runtime is trio-native; an asyncio service (FastAPI under uvicorn, aiohttp, Django)
awaits `run_async`, which runs the flow in a fresh trio loop on a worker thread and hands
the result back to the asyncio loop. Cancellation goes both ways:

* the awaiting asyncio task is cancelled → the run is cancelled through
  `runtime.Runtime.cancel` (so its store records ``cancelled``), then `asyncio.CancelledError`
  is raised once the trio side has finished;
* the run is cancelled on the trio side (through its store, by ``fdl runs cancel`` or the
  service) → the awaited result has ``status == "cancelled"``.

`fdl` imports this module on first use of ``fdl.run_async`` only, so trio and the runtime
load with it, not with ``import fdl``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import trio

from compiler.plan import Plan
from runtime import RunResult, Runtime, shared_options

__all__ = ["run_async"]


class _Bridge:
    """What the asyncio side needs of the trio run: its loop token, runtime and scope."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.token: trio.lowlevel.TrioToken | None = None
        self.runtime: Runtime | None = None
        self.scope: trio.CancelScope | None = None

    def cancel(self, run_id: str) -> None:
        """Cancel the run from another thread (a no-op once the trio loop has ended)."""
        self.ready.wait()
        if self.token is None or self.runtime is None or self.scope is None:
            return
        runtime, scope = self.runtime, self.scope

        def cancel() -> None:
            if not runtime.cancel(run_id):
                scope.cancel()

        with contextlib.suppress(trio.RunFinishedError):
            trio.from_thread.run_sync(cancel, trio_token=self.token)


async def run_async(flow: Plan, inputs: Mapping[str, Any] | None = None, *,
                    tenant: str | None = None, bu: str | None = None,
                    run_id: str | None = None, **options: Any) -> RunResult:
    """Run ``flow`` from asyncio code; ``options`` are those of `runtime.Runtime`.

    A ``store`` given as a path or spec is opened by the first run in the process and reused
    by the later ones (`runtime.shared_options`), as ``fdl.run`` does.

        >>> result = await fdl.run_async(plan, {"customerId": "c1"}, tools=...)  # doctest: +SKIP

    Raises:
        asyncio.CancelledError: the awaiting task was cancelled (the run is cancelled too).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[RunResult] = loop.create_future()
    bridge = _Bridge()
    run_id = run_id or uuid.uuid4().hex

    async def main() -> RunResult | None:
        bridge.token = trio.lowlevel.current_trio_token()
        with trio.CancelScope() as scope:
            async with Runtime(**shared_options(options)) as runtime:
                bridge.runtime, bridge.scope = runtime, scope
                bridge.ready.set()
                return await runtime.run(flow, inputs, tenant=tenant, bu=bu, run_id=run_id)
        return None

    def settle(result: RunResult | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        elif result is None:
            future.cancel()
        else:
            future.set_result(result)

    def worker() -> None:
        try:
            result = trio.run(main)
        except BaseException as error:
            loop.call_soon_threadsafe(settle, None, error)
        else:
            loop.call_soon_threadsafe(settle, result, None)
        finally:
            bridge.token = None
            bridge.ready.set()

    thread = threading.Thread(target=worker, name=f"fdl-run-{run_id[:8]}", daemon=True)
    thread.start()
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        if not future.done() or future.cancelled():
            await asyncio.to_thread(bridge.cancel, run_id)
            await asyncio.to_thread(thread.join)
        raise
