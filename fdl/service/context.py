"""The state one app serves from: the workspace, the key gate, the metrics, the runs in
progress and the nursery they run in. Route handlers reach it as
``request.app.state.service`` (`service_of`)."""

from __future__ import annotations

import json
from typing import Any

import trio
from fastapi import Request
from fastapi.responses import Response

from compiler.plan import Plan
from gml.values import to_json
from runtime import Runtime

from .auth import Gate, Principal
from .errors import ServiceError
from .metrics import Metrics
from .workspace import Workspace

__all__ = ["ServiceContext", "json_response", "json_text", "principal", "service_of"]


class ServiceContext:
    """Everything the routes share.

    Attributes:
        workspace: the project (registry, stores, runtime).
        gate: the API key checks.
        metrics: the Prometheus metrics.
        nursery: where runs started over HTTP run (open while the app runs).
        runtimes: the runtimes of runs with mocks, while they run.
        plans: compiled deployed flows by (tenant, name, version, tool generation).
        finished: per run started by this process, an event set when it ends.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        settings = workspace.config.service
        self.gate = Gate(workspace.db, settings.rate_limit)
        self.metrics = Metrics()
        self.nursery: trio.Nursery | None = None
        self.finished: dict[str, trio.Event] = {}
        self.runtimes: dict[str, Runtime] = {}
        self.plans: dict[tuple[str, str, int, int], Plan] = {}

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

    Raises:
        ServiceError: 401, 403 or 429.
    """
    who = service_of(request).gate.check(request.headers.get("authorization"), scope)
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
