"""The FastAPI app of ``fdl serve`` (spec/service.md): error handlers that always answer
the error object, the health and metrics routes, CORS from ``fdl.yaml`` and the routers of
tools, flows and runs.

The app's lifespan holds the nursery runs started over HTTP run in. When the server stops
gracefully, runs still going are cancelled through the runtime (`stop_runs`): each ends
``cancelled`` in the store, with its ``flow.cancelled`` event, as a run cancelled over HTTP
does, so no run is left ``running`` with no process behind it. Only a run whose process
died (a crash, ``kill -9``) stays ``running``; a restarted service resumes it with
``POST /v1/runs/<id>:resume`` (completed nodes are not run again).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import flows, runs, tools
from .cluster import Cluster
from .context import ServiceContext, json_response, service_of
from .errors import ServiceError
from .middleware import RequestLog, access_logger
from .workspace import Workspace

__all__ = ["create_app"]

_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "body_too_large",
          415: "unsupported_media_type", 422: "invalid", 429: "rate_limited"}


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    """A pydantic error as a detail: where and what, never the value sent."""
    return {"path": ".".join(str(p) for p in error.get("loc", ())),
            "message": str(error.get("msg", "invalid"))}


def create_app(workspace: Workspace, *, logger: logging.Logger | None = None) -> FastAPI:
    """The app serving ``workspace`` (its registry, stores and runtime)."""
    service = ServiceContext(workspace)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with trio.open_nursery() as nursery:
            service.nursery = nursery
            try:
                yield
            finally:
                service.nursery = None
                with trio.CancelScope(shield=True):
                    await stop_runs(service)
                nursery.cancel_scope.cancel(reason="the service is stopping")
                if service.cluster is not None:
                    service.cluster.close()

    app = FastAPI(title="FDL service", version="1", lifespan=lifespan,
                  description="The registry and the runtime of one FDL project over HTTP "
                              "(docs/service.md).")
    app.state.service = service

    @app.exception_handler(ServiceError)
    async def on_service_error(_request: Request, error: ServiceError) -> Response:
        response = json_response(error.to_dict(), error.status)
        response.headers.update(error.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, error: RequestValidationError) -> Response:
        details = [_problem(e) for e in error.errors()]
        first = details[0] if details else {"path": "", "message": "invalid request"}
        where = f"{first['path']}: " if first["path"] else ""
        return json_response(ServiceError(422, "invalid", f"{where}{first['message']}",
                                          details=details).to_dict(), 422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_request: Request, error: StarletteHTTPException) -> Response:
        code = _CODES.get(error.status_code, "error")
        response = json_response(ServiceError(error.status_code, code, str(error.detail))
                                 .to_dict(), error.status_code)
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(Exception)
    async def on_bug(request: Request, error: Exception) -> Response:
        logging.getLogger("fdl.service").error(
            "internal error in %s %s: %s", request.method,
            getattr(request.scope.get("route"), "path", "?"), type(error).__name__)
        return json_response(ServiceError(500, "internal", "the service failed; the "
                                          "request id is in the X-Request-Id header").to_dict(),
                             500)

    @app.get("/healthz", tags=["health"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Readiness",
             responses={503: {"description": "not ready, with the reason"}})
    async def readyz(request: Request) -> Response:
        service = service_of(request)
        problem = ("the service is starting or stopping" if service.nursery is None
                   else await service.blocking(_not_ready, service))
        if problem is None and service.cluster is not None:
            problem = await _cluster_problem(service.cluster)
        if problem is not None:
            return json_response(ServiceError(503, "not_ready", problem).to_dict(), 503)
        return json_response({"status": "ready"})

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics",
             response_class=Response,
             responses={200: {"content": {"text/plain": {}}}})
    async def metrics(request: Request) -> Response:
        return Response(service_of(request).metrics.render(),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.include_router(tools.router)
    app.include_router(flows.router)
    app.include_router(runs.router)
    settings = workspace.config.service
    if settings.cors:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(RequestLog, metrics=service.metrics, max_body=settings.max_body_bytes,
                       logger=logger or access_logger())
    return app


_ERROR_SCHEMA = {
    "type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "details": {"type": "array"}}}}}
_ERRORS = {"400": "malformed body", "401": "no or unknown key", "403": "missing scope",
           "404": "not found (or another tenant's)", "409": "conflict",
           "413": "body over max_body", "422": "invalid request", "429": "over the rate limit"}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the service's error object as every error response."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version,
                           description=app.description, routes=app.routes)
    document.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    error = {"content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Error"}}}}
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = _ERRORS if path.startswith("/v1/") else {
                c: d for c, d in _ERRORS.items() if c in responses}
            for code, description in codes.items():
                responses[code] = {"description": description, **error}
    app.openapi_schema = document
    return document


STOP_GRACE = 10.0
"""Seconds a graceful stop waits for cancelled runs to record their end."""


async def stop_runs(service: ServiceContext, grace: float = STOP_GRACE) -> None:
    """Cancel every run this service is running, through its runtime, and wait (up to
    ``grace`` seconds) until each has recorded its end (``cancelled``)."""
    waiting = list(service.finished.items())
    for run_id, _done in waiting:
        runtime = service.runtimes.get(run_id, service.workspace.runtime)
        runtime.cancel(run_id)
    with trio.move_on_after(grace):
        for _run_id, done in waiting:
            await done.wait()


async def _cluster_problem(cluster: Cluster) -> str | None:
    """Why the Temporal cluster of ``service.engine: temporal`` cannot take runs, or None."""
    try:
        healthy = await cluster.call(lambda client: client.service_client.check_health())
    except ServiceError as error:
        return error.message
    return None if healthy else "the Temporal cluster reports itself unhealthy"


def _not_ready(service: ServiceContext) -> str | None:
    """Why the stores cannot serve, or None (reads each store: in a worker thread)."""
    workspace = service.workspace
    try:
        workspace.store.list(limit=1)
        workspace.registry.types()
        workspace.db.keys()
    except Exception as error:
        return f"a store cannot be read: {type(error).__name__}: {error}"
    return None
