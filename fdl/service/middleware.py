"""The ASGI layer around every request: a request id, the body size limit (413), one JSON
access-log line and the HTTP metrics.

The access log names the route *template* (``/v1/tools/{code}:call``), never the path as
sent, and no header, query or body: a key, an argument value or an output can never reach
it (spec/service.md §1).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .metrics import Metrics

__all__ = ["ACCESS_LOGGER", "BodyTooLarge", "RequestLog", "access_logger", "log_access_to_stderr"]


_DOC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
"""Routes FastAPI serves without a route object in the scope (logged by their path)."""


class BodyTooLarge(Exception):
    """A request body went over ``max_body`` while it was read."""


class _Stderr(logging.Handler):
    """Writes each line to the ``sys.stderr`` of the moment (not the one of the handler's
    creation, which a daemonizer may have replaced since)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


ACCESS_LOGGER = "fdl.service.access"
"""The logger of the access log: one JSON line per request, at level INFO."""


def access_logger() -> logging.Logger:
    """``fdl.service.access``, at level INFO and with no handler of its own: its lines go
    through logging's handlers (a test harness captures them; an embedding program routes
    them as it routes its own logs). ``fdl serve`` writes them to stderr
    (`log_access_to_stderr`)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def log_access_to_stderr() -> None:
    """Write the access log's lines, bare (they are JSON already), to stderr and nowhere
    else (the ``fdl serve`` command)."""
    logger = access_logger()
    if not any(isinstance(handler, _Stderr) for handler in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.propagate = False


def _too_large(limit: int) -> bytes:
    return json.dumps({"error": {"code": "body_too_large", "message":
                                 f"the request body is larger than {limit} bytes (max_body "
                                 "in fdl.yaml's service: section)", "details": []}}).encode()


async def _drain(receive: Receive, cap: int) -> None:
    """Read what is left of a refused body (up to ``cap`` bytes), so that a client which
    sends its whole body before reading the answer gets the 413 instead of a closed
    connection; a body larger than that is cut off."""
    drained = 0
    while drained < cap:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class RequestLog:
    """ASGI middleware: request id, body limit, access log and metrics for HTTP requests."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body: int,
                 logger: logging.Logger) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = [500]
        sent = [False]

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                sent[0] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        limit = self.max_body
        length = dict(scope.get("headers", [])).get(b"content-length")
        try:
            if length is not None and length.isdigit() and int(length) > limit:
                raise BodyTooLarge
            received = [0]

            async def receive_limited() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    received[0] += len(message.get("body", b""))
                    if received[0] > limit:
                        raise BodyTooLarge
                return message

            await self.app(scope, receive_limited, send_logged)
        except BodyTooLarge:
            if sent[0]:
                raise
            await _drain(receive, 16 * limit)
            await send_logged({"type": "http.response.start", "status": 413, "headers": [
                (b"content-type", b"application/json")]})
            await send_logged({"type": "http.response.body", "body": _too_large(limit)})
        finally:
            self._record(scope, status[0], time.perf_counter() - started, request_id)

    def _record(self, scope: Scope, status: int, duration: float, request_id: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path_format", None) or (
            scope.get("path") if scope.get("path") in _DOC_PATHS else "unmatched")
        state: dict[str, Any] = scope.get("state", {})
        self.metrics.requests.labels(template, str(status)).inc()
        self.metrics.duration.labels(template).observe(duration)
        self.logger.info(json.dumps({
            "time": round(time.time(), 3), "request_id": request_id,
            "tenant": state.get("tenant"), "method": scope.get("method"), "route": template,
            "status": status, "duration_ms": round(duration * 1000, 3)}))
