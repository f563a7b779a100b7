"""Serving the app: Hypercorn's trio worker inside the ``fdl`` process, so requests and
runs share one trio loop and one `runtime.Runtime` (spec/service.md §1). The project's
``triggers:`` run beside the server (`fdl.triggers`), their runs in the same run store."""

from __future__ import annotations

import signal
from collections.abc import Awaitable, Callable
from typing import Any, cast

import trio
from hypercorn.config import Config
from hypercorn.trio import serve as hypercorn_serve

from fdl.triggers import DEFAULT_GRACE, TriggerEngine, open_engine
from stdlib.config import ProjectConfig

from .app import create_app
from .middleware import log_access_to_stderr
from .workspace import open_workspace

__all__ = ["serve", "serve_async"]


async def serve_async(config: ProjectConfig, host: str = "127.0.0.1", port: int = 8080, *,
                      shutdown: Callable[[], Awaitable[Any]] | None = None,
                      task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
    """Serve the project of ``config`` until ``shutdown`` returns (default: forever, or
    Ctrl-C). ``task_status.started`` gets the bound address list (``nursery.start``).

    Raises:
        ConfigError: a store or the registry cannot be opened.
    """
    workspace = open_workspace(config)
    try:
        # the tools of the configured MCP servers the flows call, imported when the registry
        # does not know them (fdl.mcpauto; in a thread: the listing is a trio run of its own)
        await trio.to_thread.run_sync(workspace.import_mcp_of_flows)
        app = create_app(workspace)
        settings = Config()
        settings.bind = [f"{host}:{port}"]
        settings.accesslog = None
        settings.errorlog = "-"
        settings.graceful_timeout = 5.0
        if not config.triggers:
            await hypercorn_serve(cast(Any, app), settings,
                                  shutdown_trigger=cast(Any, shutdown), task_status=task_status)
            return
        async with open_engine(config, store=workspace.store) as engine, \
                trio.open_nursery() as nursery:
            ended = trio.Event()
            nursery.start_soon(_run_engine, engine, ended)
            await hypercorn_serve(cast(Any, app), settings,
                                  shutdown_trigger=cast(Any, shutdown), task_status=task_status)
            engine.stop()
            with trio.move_on_after(DEFAULT_GRACE):
                await ended.wait()
            engine.cancel()
    finally:
        with trio.CancelScope(shield=True):
            await workspace.aclose()


async def _run_engine(engine: TriggerEngine, ended: trio.Event) -> None:
    """Run the triggers until the server stops; the runs in progress then get
    ``DEFAULT_GRACE`` seconds to end before they are interrupted (they stay resumable)."""
    try:
        await engine.run()
    finally:
        ended.set()


def serve(config: ProjectConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve from synchronous code (``fdl serve``) until SIGINT (Ctrl-C) or SIGTERM, which
    shut the server down gracefully (requests in flight finish, runs in progress are
    cancelled, stores are closed). The access log goes to stderr."""
    log_access_to_stderr()

    async def main() -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:

            async def stop() -> None:
                async for _ in signals:
                    return

            await serve_async(config, host, port, shutdown=stop)

    trio.run(main)
