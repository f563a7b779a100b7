"""The state one app serves from: the workspace, the key gate, the metrics, the runs in
progress and the nursery they run in. Route handlers reach it as
``request.app.state.service`` (`service_of`).

Blocking work (the registry and the stores are SQLite files; compiling a flow is CPU work)
runs in worker threads through `ServiceContext.blocking`, never on the
trio thread that answers every request: a search must not hold up a health check. The
threads are bounded by a `trio.CapacityLimiter`. The registry's reads run side by side, each
thread on a read-only connection of its own (`stdlib.sqlitefile.SqliteFile.read` with
``readers``; WAL); its writes, and the run store's and the service database's reads and
writes, go one at a time per file through one connection under a lock, while other files and
the event loop go on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import trio
from fastapi import Request
from fastapi.responses import Response

from gml.values import to_json
from runtime import Runtime
from stdlib.config import TemporalConfig

from .auth import Gate, Principal
from .cluster import Cluster
from .errors import ServiceError
from .metrics import Metrics
from .searchcache import AnswerCache
from .workspace import Workspace

__all__ = ["WORKER_THREADS", "ServiceContext", "json_response", "json_text", "plain_response",
           "principal", "service_of"]

T = TypeVar("T")

WORKER_THREADS = 8
"""How many worker threads run blocking work of requests at once."""


class ServiceContext:
    """Everything the routes share.

    Attributes:
        workspace: the project (registry, stores, runtime).
        gate: the API key checks.
        metrics: the Prometheus metrics.
        nursery: where runs started over HTTP run (open while the app runs).
        runtimes: the runtimes of runs with mocks, while they run.
        threads: the bound on worker threads of `blocking`.
        answers: listings and searches of the registry, while it does not change.
        finished: per run started by this process, an event set when it ends.
        cluster: the Temporal cluster runs start on (``service.engine: temporal``), else
            None (runs run in this process).
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        settings = workspace.config.service
        self.gate = Gate(workspace.db, settings.rate_limit)
        self.metrics = Metrics()
        self.nursery: trio.Nursery | None = None
        self.finished: dict[str, trio.Event] = {}
        self.runtimes: dict[str, Runtime] = {}
        self.threads = trio.CapacityLimiter(WORKER_THREADS)
        self.answers = AnswerCache()
        self.cluster: Cluster | None = None
        if settings.engine == "temporal":
            self.cluster = Cluster(workspace.config.temporal
                                   or TemporalConfig.model_validate({}))

    def tools_changed(self) -> None:
        """The registry or the deployed flows changed (`Workspace.retire`): the next
        request sees the change; idle old adapters are closed in the app's nursery, so the
        request that changed them does not wait for their connections to close."""
        idle = self.workspace.retire()
        if idle and self.nursery is not None:  # else the workspace closes them at its end
            self.nursery.start_soon(self.workspace.close_builds, idle)

    async def blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a worker thread (the trio thread goes on answering
        other requests); if the request is cancelled meanwhile, the call still ends in its
        thread (a transaction is never cut short) and its result is dropped."""
        return await trio.to_thread.run_sync(partial(fn, *args, **kwargs),
                                             limiter=self.threads)

    def start_soon(self, fn: Any, *args: Any) -> None:
        """Run ``fn`` in the app's nursery.

        Raises:
            ServiceError: 503 when the app is not running (its lifespan has not started).
        """
        if self.nursery is None:
            raise ServiceError(503, "not_ready", "the service is starting or stopping; retry")
        self.nursery.start_soon(fn, *args)


def service_of(request: Request) -> ServiceContext:
    """The app's `ServiceContext`."""
    service: ServiceContext = request.app.state.service
    return service


def principal(request: Request, scope: str) -> Principal:
    """Check the request's key for ``scope``; the key's tenant goes to the access log.

    This runs on the trio thread: the gate remembers keys it looked up while the service
    database's ``data_version`` (a counter read from shared memory) stays the same, so a
    request costs no table read and no hop to a worker thread, which on a loaded machine
    costs more than the check (a key seen for the first time is one indexed read).

    Raises:
        ServiceError: 401, 403 or 429.
    """
    service = service_of(request)
    who = service.gate.check(request.headers.get("authorization"), scope)
    request.scope.setdefault("state", {})["tenant"] = who.tenant
    return who


def json_text(value: Any) -> bytes:
    """``value`` as UTF-8 JSON; GML values (dates, decimals) as `gml.values.to_json` writes
    them. Text that is not valid Unicode (a lone surrogate sent as ``\\ud800`` and echoed
    in a message) is written escaped rather than failing."""
    try:
        return to_json(value).encode("utf-8")
    except Exception:  # NaN, bytes, lone surrogates: the plain, ASCII-escaped form
        return json.dumps(value, default=str).encode("ascii")


def json_response(value: Any, status: int = 200) -> Response:
    """`json_text` of ``value`` as a response."""
    return Response(json_text(value), status_code=status, media_type="application/json")


def plain_response(value: Any, status: int = 200) -> Response:
    """``value`` made of JSON's own types only (text, numbers, lists, objects: a ToolSpec
    dumped in JSON mode, a listing) as a response, written by the standard library's
    encoder (C code, several times faster than `json_text`'s writer of GML values); text
    that is not valid Unicode goes through `json_text`."""
    try:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeError):
        body = json_text(value)
    return Response(body, status_code=status, media_type="application/json")
