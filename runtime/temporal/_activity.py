"""Tool calls as Temporal activities.

One activity type (``fdl-tool``) runs every tool call: the workflow has evaluated ``only``
and ``args`` and bound the arguments; the activity resolves the tool through the worker's
project (or the run's mocks), makes *one* attempt and reports the result. Retries are
Temporal's (the workflow sets the `RetryPolicy` from the URI options), so an attempt that
failed on a worker that died is retried on another one.

Errors keep the runtime's rules: a `ToolError` becomes an ``ApplicationError`` whose type is
the error code, marked non-retryable when the tool said it is not retryable (timeouts and
connection failures always are retryable), with the error object and the attempt number as
details. Anything else escaping a tool is F409 without the exception's text (it may hold a
secret). The per-attempt ``timeout`` is enforced here on the tool's own loop (F407, as in a
local run); Temporal's start-to-close timeout is only the backstop for a lost worker, whose
calls are noticed sooner by their missing heartbeats. A call heartbeats while it runs, and
a cancel from the workflow (the node's iteration failed, the run was cancelled) cancels it
on the tools' loop.

Mocks run here too, never in the workflow: the run's mock document travels in the request;
the mock's call number (``sequence`` steps, ``call`` in ``expr``) is the number of calls the
workflow recorded before this one plus the attempt number, as in a local run where every
attempt is a recorded call.
"""

from __future__ import annotations

import concurrent.futures
import copy
import threading
from collections.abc import Callable
from typing import Any

import trio
from temporalio import activity
from temporalio.exceptions import ApplicationError, CancelledError

from stdlib.tools import Tool, ToolCall, ToolError, ToolProvider, resolve_written
from stdlib.tools.mocks import MockFileError, Mocks

from .. import _codec
from ._host import TrioHost
from ._model import TOOL_ACTIVITY, ToolRequest, ToolResult

__all__ = ["ToolActivities"]

_MOCK_CACHE = 64
"""How many validated mock documents a worker keeps."""

HEARTBEAT_SECONDS = 1.0
"""How often a running call heartbeats (Temporal throttles what it sends on)."""


class ToolActivities:
    """The activities of one worker.

    Args:
        tools: the worker's real tools (its project's adapters).
        host: the trio loop the tools run on.
    """

    def __init__(self, tools: ToolProvider, host: TrioHost) -> None:
        self.tools = tools
        self.host = host
        self._mocks: dict[str, Mocks] = {}
        self._lock = threading.Lock()

    def definitions(self) -> list[Callable[..., Any]]:
        """The activity functions to register with a worker."""
        return [self.call_tool]

    @activity.defn(name=TOOL_ACTIVITY)
    def call_tool(self, request: ToolRequest) -> ToolResult:
        """One attempt of one tool call."""
        attempt = activity.info().attempt
        try:
            tool = self._tool(request, attempt)
            call = ToolCall(uri=request.uri, base=request.base, type=request.type,
                            code=request.code, args=_codec.loads(request.args),
                            options=dict(request.options),
                            idempotency_key=request.idempotency_key, run_id=request.run_id,
                            node=request.node, attempt=attempt, tenant_id=request.tenant,
                            bu_code=request.bu)
            raw = self._wait(self.host.submit(_attempt, tool, call, request.timeout_ms,
                                              request.max_attempts))
            return ToolResult(_codec.dumps(raw), attempt)
        except ToolError as error:
            raise ApplicationError(error.message, error.to_dict(), attempt, type=error.code,
                                   non_retryable=not error.retryable) from None
        except (TypeError, ValueError):
            failure = ToolError("F409", "the tool returned a value that is not data (the "
                                "run codec cannot carry it)")
            raise ApplicationError(failure.message, failure.to_dict(), attempt,
                                   type=failure.code, non_retryable=True) from None

    @staticmethod
    def _wait(started: tuple[concurrent.futures.Future[Any], Callable[[], None]]) -> Any:
        """The call's result, heartbeating while it runs; a cancel from the workflow (or
        the worker's shutdown) cancels the call on the tools' loop."""
        future, cancel = started
        try:
            while True:
                try:
                    return future.result(timeout=HEARTBEAT_SECONDS)
                except concurrent.futures.TimeoutError:
                    if activity.is_cancelled():
                        raise CancelledError("the run cancelled the tool call") from None
                    activity.heartbeat()
                except concurrent.futures.CancelledError:
                    raise CancelledError("the tool call was cancelled") from None
        except CancelledError:  # ours, or raised into this thread by the SDK
            cancel()
            raise

    def _tool(self, request: ToolRequest, attempt: int) -> Tool:
        if request.mocks is None:
            tool = resolve_written(self.tools, request.written, request.base)
            if tool is None:
                raise ToolError("F406", f"the tool {request.written} is not available on "
                                "this worker: no adapter of its project provides it")
            return tool
        mocks = self._mocks_of(request.mocks)
        # the call number the mock answers with: calls before this one, plus this attempt
        mocks.calls[request.written] = [{}] * (request.mock_calls_before + attempt - 1)
        tool = mocks.resolve_written(request.written, request.base)
        assert tool is not None  # mocks resolve every URI (a missing one fails when called)
        return tool

    def _mocks_of(self, text: str) -> Mocks:
        """A fresh `Mocks` for one call (its own call record), from a cached validated
        template."""
        with self._lock:
            template = self._mocks.get(text)
            if template is None:
                try:
                    template = Mocks.from_mapping(_codec.loads(text), fallback=self.tools)
                except MockFileError as error:
                    raise ToolError("F406", f"the run's mocks are invalid: {error}",
                                    type="validation") from None
                if len(self._mocks) >= _MOCK_CACHE:
                    self._mocks.pop(next(iter(self._mocks)))
                self._mocks[text] = template
        mocks = copy.copy(template)
        mocks.calls = {}
        return mocks


async def _attempt(tool: Tool, call: ToolCall, timeout_ms: float | None,
                   attempts: int) -> Any:
    """One attempt on the tools' loop, with the per-attempt timeout (F407)."""
    if timeout_ms is None:
        return await _invoke(tool, call)
    with trio.move_on_after(timeout_ms / 1000):
        return await _invoke(tool, call)
    text = str(int(timeout_ms)) if float(timeout_ms).is_integer() else f"{timeout_ms:g}"
    raise ToolError("F407", f"no answer within {text} ms (attempt {call.attempt} "
                    f"of {attempts})",
                    type="timeout", retryable=True)


async def _invoke(tool: Tool, call: ToolCall) -> Any:
    try:
        return await tool.call(call)
    except ToolError:
        raise
    except Exception as error:  # never its text: it may hold a secret
        raise ToolError("F409", f"the tool failed unexpectedly: {type(error).__name__}"
                        ) from None
