"""One tool call: per-attempt timeout, retries with exponential backoff and full jitter.

The URI options ``timeout``, ``max-attempts`` and ``backoff`` (spec/tools.md §1) and the retry
rule of spec/fdl.md §4.1 step 3 live here, in one small function, so that every adapter gets
the same behaviour and none re-implements it.

Rules and invariants:

- Attempt *n* is called with ``dataclasses.replace(call, attempt=n)``; everything else in the
  `ToolCall`, the idempotency key in particular, is the same on every attempt, so a tool can
  tell a retry from a new call.
- The timeout applies to each attempt, not to the whole call: a retry after a timeout gets
  the full budget again. A timeout is a `ToolError` F407 of type ``timeout`` (retryable).
- Only retryable errors are retried (``ToolError.retryable``; timeouts and connection
  failures always are). Deciding that an HTTP 503 is retryable is the adapter's job: it knows
  what its codes mean, this module does not guess from a code.
- The delay before attempt *n + 1* is drawn uniformly from ``[0, min(cap, backoff * 2**(n-1))]``
  ("full jitter"): spreading retries over the whole window is what stops many runs that
  failed together from retrying together. The random source is a parameter, so a test (or
  a replay) can make the schedule deterministic.
- Anything other than `ToolError` escaping an adapter is a bug in the adapter. It becomes
  F409 *without* the exception's text, because that text may hold a secret (a URL with a
  token, a connection string); the original is dropped with ``from None``.
- Cancellation is never turned into an error: `trio.Cancelled` and other `BaseException`
  subclasses (KeyboardInterrupt, SystemExit) propagate untouched, so cancelling a run stops
  its calls at once, including during a backoff sleep.

Sleeping uses `trio.sleep`, so the run's clock (a `trio.testing.MockClock` in tests) decides
how long a backoff takes.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import trio

from stdlib.tools import Tool, ToolCall, ToolError

__all__ = ["CallPolicy", "call_tool", "policy_for"]

_WHOLE_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """How to call a tool: the per-attempt timeout and the retry schedule.

    Attributes:
        timeout_ms: the limit of each attempt in milliseconds; None for no limit.
        max_attempts: total attempts, at least 1 (1 means no retries).
        backoff_ms: the initial backoff window in milliseconds; it doubles per attempt.
        cap_ms: the largest backoff window in milliseconds (30 s, tools.md §1).

    Raises:
        ValueError: a value out of range (zero or negative timeout, fewer than one attempt,
            a negative or non-finite backoff or cap).
    """

    timeout_ms: float | None = None
    max_attempts: int = 1
    backoff_ms: float = 200.0
    cap_ms: float = 30_000.0

    def __post_init__(self) -> None:
        if self.timeout_ms is not None and not (0 < self.timeout_ms < math.inf):
            raise ValueError(f"timeout_ms must be a positive number of ms, not {self.timeout_ms}")
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) \
                or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be a whole number of at least 1, "
                             f"not {self.max_attempts!r}")
        if not (0 <= self.backoff_ms < math.inf):
            raise ValueError(f"backoff_ms must be zero or a positive number of ms, "
                             f"not {self.backoff_ms}")
        if not (0 <= self.cap_ms < math.inf):
            raise ValueError(f"cap_ms must be zero or a positive number of ms, not {self.cap_ms}")

    def delay_window_ms(self, attempt: int) -> float:
        """The upper bound of the backoff drawn after failed attempt ``attempt`` (1-based)."""
        # The exponent is clamped so that a huge attempt number cannot overflow the power;
        # any clamped window is far beyond any cap.
        return min(self.cap_ms, self.backoff_ms * 2.0 ** min(attempt - 1, 1000))


def policy_for(options: Mapping[str, str], *,
               default_timeout_ms: float | None = None) -> CallPolicy:
    """The policy given by a URI's options (``timeout``, ``max-attempts``, ``backoff``).

    Other options (``version``, adapter options) are ignored. The compiler has already
    checked the values (E105); this check is repeated because a plan may come from elsewhere
    (a store, another version), and a bad value must fail loudly rather than call a tool
    with no timeout.

    Args:
        options: the URI's options, values as written (``{"timeout": "3000"}``).
        default_timeout_ms: the timeout when the URI gives none (None: no limit).

    Returns:
        The policy; absent options take the defaults of tools.md §1.

    Raises:
        ValueError: an option is not a whole number, or is out of range
            (``timeout=0``, ``max-attempts=0``).
    """
    timeout = _whole("timeout", options.get("timeout"))
    attempts = _whole("max-attempts", options.get("max-attempts"))
    backoff = _whole("backoff", options.get("backoff"))
    if timeout == 0:
        raise ValueError("option 'timeout' must be at least 1 ms, not 0")
    if attempts == 0:
        raise ValueError("option 'max-attempts' must be at least 1, not 0")
    defaults = CallPolicy()
    return CallPolicy(
        timeout_ms=float(timeout) if timeout is not None else default_timeout_ms,
        max_attempts=attempts if attempts is not None else defaults.max_attempts,
        backoff_ms=float(backoff) if backoff is not None else defaults.backoff_ms,
    )


def _whole(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    # int() alone would accept " 5", "+5", "5_000" and non-ASCII digits.
    if not isinstance(value, str) or not _WHOLE_NUMBER.fullmatch(value):
        unit = "attempts" if name == "max-attempts" else "ms"
        raise ValueError(f"option '{name}' takes a whole number of {unit}, not {value!r}")
    return int(value)


async def call_tool(tool: Tool, call: ToolCall, policy: CallPolicy, *, rng: random.Random,
                    on_retry: Callable[[int, ToolError, float], None] | None = None) -> Any:
    """Call ``tool`` under ``policy``: timeouts per attempt, retries of retryable errors.

    Args:
        tool: the tool to call.
        call: the call; its ``attempt`` is replaced by the attempt number (1, 2, ...).
        policy: timeout and retry schedule (see `policy_for`).
        rng: the source of jitter (seed it for a reproducible schedule).
        on_retry: called before each backoff sleep with the number of the attempt about to
            be made, the error that caused the retry and the delay in seconds (the runtime
            records an event there).

    Returns:
        The tool's result.

    Raises:
        ToolError: the last attempt's error; F407 for a timeout, F409 when the tool raised
            something other than `ToolError`.
        trio.Cancelled: when cancelled from outside (never converted to an error).
    """
    attempts = policy.max_attempts
    if attempts == 1 and policy.timeout_ms is None and call.attempt == 1:
        # The common case, without the frames of the retry loop: every level of ``await``
        # is walked again each time the call resumes.
        try:
            return await tool.call(call)
        except ToolError:
            raise
        except Exception as error:  # BaseException (Cancelled, KeyboardInterrupt) passes
            raise _converted(error) from None
    attempt = 1
    while True:
        try:
            this = call if call.attempt == attempt else dataclasses.replace(call, attempt=attempt)
            return await _attempt(tool, this, policy,
                                  attempts)
        except ToolError as error:
            if not error.retryable or attempt >= attempts:
                raise
            failure = error
        # Sleep outside the handler, so that a cancellation during the backoff does not
        # carry the tool's error as its context.
        delay = rng.uniform(0.0, policy.delay_window_ms(attempt)) / 1000
        attempt += 1
        if on_retry is not None:
            on_retry(attempt, failure, delay)
        await trio.sleep(delay)


async def _attempt(tool: Tool, call: ToolCall, policy: CallPolicy, attempts: int) -> Any:
    if policy.timeout_ms is None:
        return await _invoke(tool, call)
    with trio.move_on_after(policy.timeout_ms / 1000):
        return await _invoke(tool, call)
    # Only reached when the scope cancelled the attempt (a tool that swallowed the
    # cancellation and returned normally has returned above).
    raise ToolError("F407", f"no answer within {_ms(policy.timeout_ms)} ms "
                            f"(attempt {call.attempt} of {attempts})",
                    type="timeout", retryable=True)


async def _invoke(tool: Tool, call: ToolCall) -> Any:
    try:
        return await tool.call(call)
    except ToolError:
        raise
    except Exception as error:  # BaseException (Cancelled, KeyboardInterrupt) passes through
        raise _converted(error) from None


def _converted(error: Exception) -> ToolError:
    """What a tool's exception other than `ToolError` becomes."""
    if isinstance(error, ExceptionGroup):
        # A tool that runs a nursery reports its ToolError inside a group (strict exception
        # groups); one ToolError alone is still that tool's answer.
        only = _single_tool_error(error)
        if only is not None:
            return only
    return _unexpected(error)


def _single_tool_error(group: ExceptionGroup[Exception]) -> ToolError | None:
    leaves: list[Exception] = []
    stack: list[Exception] = [group]
    while stack:
        item = stack.pop()
        if isinstance(item, ExceptionGroup):
            stack.extend(item.exceptions)
        else:
            leaves.append(item)
    if len(leaves) == 1 and isinstance(leaves[0], ToolError):
        return leaves[0]
    return None


def _unexpected(error: Exception) -> ToolError:
    # Never str(error): an adapter's exception text may hold a URL with a token.
    return ToolError("F409", f"the tool failed unexpectedly: {type(error).__name__}",
                     type="tool", retryable=False)


def _ms(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
