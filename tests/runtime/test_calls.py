"""Timeouts and retries of one tool call, on trio's mock clock (exact virtual times)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio
import trio.testing

from runtime._calls import CallPolicy, call_tool, policy_for
from stdlib.tools import ToolCall, ToolError

SEED = 20240601


class FakeTool:
    """A tool that answers each attempt from a script and records what it saw, and when."""

    def __init__(self, *steps: Callable[[ToolCall], Awaitable[Any]]) -> None:
        self.steps = steps
        self.seen: list[ToolCall] = []
        self.times: list[float] = []

    @property
    def arguments(self) -> tuple[str, ...]:
        return ()

    async def call(self, call: ToolCall) -> Any:
        self.seen.append(call)
        self.times.append(trio.current_time())
        step = self.steps[min(len(self.seen), len(self.steps)) - 1]
        return await step(call)

    @property
    def attempts(self) -> list[int]:
        return [c.attempt for c in self.seen]


def answer(value: Any) -> Callable[[ToolCall], Awaitable[Any]]:
    async def step(call: ToolCall) -> Any:
        return value
    return step


def fail(error: BaseException) -> Callable[[ToolCall], Awaitable[Any]]:
    async def step(call: ToolCall) -> Any:
        raise error
    return step


def fail_each(code: str, *, retryable: bool = True) -> Callable[[ToolCall], Awaitable[Any]]:
    async def step(call: ToolCall) -> Any:
        raise ToolError(code, f"attempt {call.attempt} failed", retryable=retryable)
    return step


async def hang(call: ToolCall) -> Any:
    await trio.sleep_forever()


def make_call(**options: str) -> ToolCall:
    return ToolCall(uri="api://crm/customer", base="api://crm/customer", type="api",
                    code="crm/customer", args={"id": "c1"}, options=options,
                    idempotency_key="run-1/customer/1", run_id="run-1", node="customer")


class Retries:
    """Records on_retry calls with the virtual time they happened at."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str, float, float]] = []

    def __call__(self, attempt: int, error: ToolError, delay: float) -> None:
        self.seen.append((attempt, error.code, delay, trio.current_time()))


def expected_delays(policy: CallPolicy, failures: int, seed: int = SEED) -> list[float]:
    """The schedule of tools.md §1 computed independently from the same seed."""
    rng = random.Random(seed)
    return [rng.uniform(0, min(policy.cap_ms, policy.backoff_ms * 2 ** (n - 1))) / 1000
            for n in range(1, failures + 1)]


class MaxRandom(random.Random):
    """Always draws the top of the window, and records every window asked for."""

    def __init__(self) -> None:
        super().__init__(0)
        self.windows: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.windows.append((a, b))
        return b


# ---------------------------------------------------------------------------- success


@pytest.mark.trio
async def test_success_on_the_first_attempt(autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(answer({"id": "c1"}))
    retries = Retries()
    policy = CallPolicy(timeout_ms=1000, max_attempts=3)
    result = await call_tool(tool, make_call(), policy, rng=random.Random(SEED),
                             on_retry=retries)
    assert result == {"id": "c1"}
    assert tool.attempts == [1]
    assert retries.seen == []
    assert trio.current_time() == 0


@pytest.mark.trio
async def test_every_attempt_keeps_the_call_but_its_number(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail_each("503"), fail_each("503"), answer(1))
    call = make_call(timeout="1000")
    await call_tool(tool, call, CallPolicy(max_attempts=3), rng=random.Random(SEED))
    assert tool.attempts == [1, 2, 3]
    for seen in tool.seen:
        assert seen.idempotency_key == "run-1/customer/1"
        assert seen.args == {"id": "c1"}
        assert seen.options == {"timeout": "1000"}
        assert seen.uri == call.uri and seen.node == call.node


# ---------------------------------------------------------------------------- retries


@pytest.mark.trio
async def test_retryable_error_twice_then_success(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail_each("503"), fail_each("503"), answer("done"))
    retries = Retries()
    policy = CallPolicy(max_attempts=3, backoff_ms=200)
    result = await call_tool(tool, make_call(), policy, rng=random.Random(SEED),
                             on_retry=retries)
    d1, d2 = expected_delays(policy, 2)
    assert result == "done"
    assert tool.attempts == [1, 2, 3]
    assert 0 <= d1 <= 0.2 and 0 <= d2 <= 0.4
    assert tool.times == [0, d1, d1 + d2]
    assert retries.seen == [(2, "503", d1, 0), (3, "503", d2, d1)]
    assert trio.current_time() == d1 + d2


@pytest.mark.trio
async def test_non_retryable_error_is_not_retried(
        autojump_clock: trio.testing.MockClock) -> None:
    error = ToolError("0401", "denied")
    tool = FakeTool(fail(error), answer("never"))
    retries = Retries()
    with pytest.raises(ToolError) as raised:
        await call_tool(tool, make_call(), CallPolicy(max_attempts=5),
                        rng=random.Random(SEED), on_retry=retries)
    assert raised.value is error
    assert tool.attempts == [1]
    assert retries.seen == []
    assert trio.current_time() == 0


@pytest.mark.trio
async def test_exhausted_attempts_raise_the_last_error(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail_each("503"))
    policy = CallPolicy(max_attempts=3, backoff_ms=100)
    with pytest.raises(ToolError) as raised:
        await call_tool(tool, make_call(), policy, rng=random.Random(SEED))
    d1, d2 = expected_delays(policy, 2)
    assert raised.value.message == "attempt 3 failed"
    assert tool.attempts == [1, 2, 3]
    # No sleep after the last attempt.
    assert trio.current_time() == d1 + d2


@pytest.mark.trio
async def test_connection_errors_count_as_retryable(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail(ToolError("ECONNRESET", "reset", type="connection")), answer(7))
    assert await call_tool(tool, make_call(), CallPolicy(max_attempts=2),
                           rng=random.Random(SEED)) == 7
    assert tool.attempts == [1, 2]


@pytest.mark.trio
async def test_one_attempt_by_default(autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail_each("503"), answer("never"))
    with pytest.raises(ToolError):
        await call_tool(tool, make_call(), CallPolicy(), rng=random.Random(SEED))
    assert tool.attempts == [1]


@pytest.mark.trio
async def test_backoff_doubles_and_the_cap_is_honoured(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail_each("429"), fail_each("429"), fail_each("429"), fail_each("429"),
                    answer("ok"))
    rng = MaxRandom()
    retries = Retries()
    policy = CallPolicy(max_attempts=5, backoff_ms=500, cap_ms=1500)
    assert await call_tool(tool, make_call(), policy, rng=rng, on_retry=retries) == "ok"
    assert rng.windows == [(0, 500), (0, 1000), (0, 1500), (0, 1500)]
    assert [delay for _, _, delay, _ in retries.seen] == [0.5, 1.0, 1.5, 1.5]
    assert tool.times == [0, 0.5, 1.5, 3.0, 4.5]
    assert trio.current_time() == 4.5


@pytest.mark.trio
async def test_the_default_cap_is_thirty_seconds(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(*[fail_each("503")] * 10, answer("ok"))
    rng = MaxRandom()
    await call_tool(tool, make_call(), CallPolicy(max_attempts=11), rng=rng)
    assert [b for _, b in rng.windows] == [200, 400, 800, 1600, 3200, 6400, 12800, 25600,
                                            30000, 30000]


@pytest.mark.trio
async def test_zero_backoff_retries_at_once(autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail_each("503"), answer("ok"))
    await call_tool(tool, make_call(), CallPolicy(max_attempts=2, backoff_ms=0),
                    rng=random.Random(SEED))
    assert tool.times == [0, 0]


# ---------------------------------------------------------------------------- timeouts


@pytest.mark.trio
async def test_timeout_is_f407_after_exactly_the_timeout(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(hang)
    with pytest.raises(ToolError) as raised:
        await call_tool(tool, make_call(), CallPolicy(timeout_ms=1500),
                        rng=random.Random(SEED))
    error = raised.value
    assert (error.code, error.type, error.retryable) == ("F407", "timeout", True)
    assert error.message == "no answer within 1500 ms (attempt 1 of 1)"
    assert trio.current_time() == 1.5


@pytest.mark.trio
async def test_timeout_is_retried_with_a_fresh_budget(
        autojump_clock: trio.testing.MockClock) -> None:
    async def slow(call: ToolCall) -> Any:
        await trio.sleep(0.75)
        return "late but in time"

    tool = FakeTool(hang, slow)
    retries = Retries()
    policy = CallPolicy(timeout_ms=1000, max_attempts=3, backoff_ms=200)
    result = await call_tool(tool, make_call(), policy, rng=random.Random(SEED),
                             on_retry=retries)
    (d1,) = expected_delays(policy, 1)
    assert result == "late but in time"
    assert tool.attempts == [1, 2]
    assert tool.times == [0, 1.0 + d1]
    assert retries.seen == [(2, "F407", d1, 1.0)]
    assert trio.current_time() == 1.0 + d1 + 0.75


@pytest.mark.trio
async def test_every_attempt_timing_out_names_the_last_attempt(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(hang)
    policy = CallPolicy(timeout_ms=250, max_attempts=2, backoff_ms=1000)
    with pytest.raises(ToolError) as raised:
        await call_tool(tool, make_call(), policy, rng=random.Random(SEED))
    (d1,) = expected_delays(policy, 1)
    assert raised.value.message == "no answer within 250 ms (attempt 2 of 2)"
    assert trio.current_time() == 0.25 + d1 + 0.25


@pytest.mark.trio
async def test_an_answer_just_before_the_timeout_wins(
        autojump_clock: trio.testing.MockClock) -> None:
    async def almost(call: ToolCall) -> Any:
        await trio.sleep(0.999)
        return "ok"

    assert await call_tool(FakeTool(almost), make_call(), CallPolicy(timeout_ms=1000),
                           rng=random.Random(SEED)) == "ok"
    assert trio.current_time() == 0.999


@pytest.mark.trio
async def test_no_timeout_waits_as_long_as_the_tool_takes(
        autojump_clock: trio.testing.MockClock) -> None:
    async def slow(call: ToolCall) -> Any:
        await trio.sleep(3600)
        return "ok"

    assert await call_tool(FakeTool(slow), make_call(), CallPolicy(),
                           rng=random.Random(SEED)) == "ok"
    assert trio.current_time() == 3600


# ---------------------------------------------------------------------------- adapter bugs


@pytest.mark.trio
async def test_unexpected_exception_is_f409_without_its_text(
        autojump_clock: trio.testing.MockClock) -> None:
    secret = "https://api.example.com/?token=s3cr3t"
    tool = FakeTool(fail(RuntimeError(f"cannot reach {secret}")), answer("never"))
    with pytest.raises(ToolError) as raised:
        await call_tool(tool, make_call(), CallPolicy(max_attempts=3),
                        rng=random.Random(SEED))
    error = raised.value
    assert (error.code, error.type, error.retryable) == ("F409", "tool", False)
    assert error.message == "the tool failed unexpectedly: RuntimeError"
    assert "s3cr3t" not in str(error) and "s3cr3t" not in repr(error.to_dict())
    assert error.__cause__ is None and error.__suppress_context__
    assert tool.attempts == [1]


@pytest.mark.trio
async def test_a_group_holding_one_tool_error_is_that_error(
        autojump_clock: trio.testing.MockClock) -> None:
    inner = ToolError("503", "busy", retryable=True)
    tool = FakeTool(fail(ExceptionGroup("nursery", [inner])), answer("ok"))
    assert await call_tool(tool, make_call(), CallPolicy(max_attempts=2),
                           rng=random.Random(SEED)) == "ok"
    assert tool.attempts == [1, 2]


@pytest.mark.trio
async def test_any_other_group_is_f409(autojump_clock: trio.testing.MockClock) -> None:
    group = ExceptionGroup("nursery", [ToolError("503", "busy"), KeyError("password")])
    with pytest.raises(ToolError) as raised:
        await call_tool(FakeTool(fail(group)), make_call(), CallPolicy(),
                        rng=random.Random(SEED))
    assert raised.value.code == "F409"
    assert raised.value.message == "the tool failed unexpectedly: ExceptionGroup"


@pytest.mark.trio
async def test_base_exceptions_pass_through(autojump_clock: trio.testing.MockClock) -> None:
    class Interrupt(BaseException):
        pass

    tool = FakeTool(fail(Interrupt()), answer("never"))
    with pytest.raises(Interrupt):
        await call_tool(tool, make_call(), CallPolicy(max_attempts=3),
                        rng=random.Random(SEED))
    assert tool.attempts == [1]


# ---------------------------------------------------------------------------- cancellation


@pytest.mark.trio
async def test_cancellation_during_an_attempt_propagates_promptly(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(hang)
    retries = Retries()
    with trio.move_on_after(0.3) as scope:
        await call_tool(tool, make_call(), CallPolicy(timeout_ms=10_000, max_attempts=3),
                        rng=random.Random(SEED), on_retry=retries)
    assert scope.cancelled_caught
    assert tool.attempts == [1]
    assert retries.seen == []
    assert trio.current_time() == 0.3


@pytest.mark.trio
async def test_cancellation_during_the_backoff_propagates_promptly(
        autojump_clock: trio.testing.MockClock) -> None:
    tool = FakeTool(fail_each("503"))
    rng = MaxRandom()
    with trio.move_on_after(0.5) as scope:
        await call_tool(tool, make_call(), CallPolicy(max_attempts=3, backoff_ms=2000),
                        rng=rng)
    assert scope.cancelled_caught
    assert tool.attempts == [1]
    assert trio.current_time() == 0.5


@pytest.mark.trio
async def test_cancelled_is_not_turned_into_an_error(
        autojump_clock: trio.testing.MockClock) -> None:
    async def swallow_nothing(call: ToolCall) -> Any:
        try:
            await trio.sleep_forever()
        finally:
            seen_cancel.append(trio.current_time())

    seen_cancel: list[float] = []
    async with trio.open_nursery() as nursery:
        async def run() -> None:
            await call_tool(FakeTool(swallow_nothing), make_call(),
                            CallPolicy(timeout_ms=5000), rng=random.Random(SEED))
            raise AssertionError("call_tool returned after cancellation")

        nursery.start_soon(run)
        await trio.sleep(1.25)
        nursery.cancel_scope.cancel()
    assert seen_cancel == [1.25]
    assert trio.current_time() == 1.25


# ---------------------------------------------------------------------------- policy_for


def test_policy_defaults() -> None:
    assert policy_for({}) == CallPolicy(timeout_ms=None, max_attempts=1, backoff_ms=200,
                                        cap_ms=30_000)
    assert policy_for({}, default_timeout_ms=5000).timeout_ms == 5000


def test_policy_reads_the_uri_options() -> None:
    policy = policy_for({"timeout": "3000", "max-attempts": "3", "backoff": "50",
                         "version": "2", "method": "POST"}, default_timeout_ms=9000)
    assert policy == CallPolicy(timeout_ms=3000, max_attempts=3, backoff_ms=50)


@pytest.mark.parametrize(("options", "message"), [
    ({"timeout": "3s"}, "option 'timeout' takes a whole number of ms, not '3s'"),
    ({"timeout": "-1"}, "option 'timeout' takes a whole number of ms"),
    ({"timeout": " 5"}, "option 'timeout' takes a whole number of ms"),
    ({"timeout": "5_000"}, "option 'timeout' takes a whole number of ms"),
    ({"timeout": "²"}, "option 'timeout' takes a whole number of ms"),
    ({"timeout": "0"}, "option 'timeout' must be at least 1 ms, not 0"),
    ({"max-attempts": "two"}, "option 'max-attempts' takes a whole number of attempts"),
    ({"max-attempts": "0"}, "option 'max-attempts' must be at least 1, not 0"),
    ({"backoff": "1.5"}, "option 'backoff' takes a whole number of ms, not '1.5'"),
])
def test_policy_rejects_bad_values(options: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        policy_for(options)


def test_zero_backoff_is_allowed() -> None:
    assert policy_for({"backoff": "0"}).backoff_ms == 0


@pytest.mark.parametrize("kwargs", [
    {"timeout_ms": 0}, {"timeout_ms": -5}, {"timeout_ms": float("nan")},
    {"max_attempts": 0}, {"max_attempts": True}, {"backoff_ms": -1},
    {"cap_ms": float("inf")},
])
def test_call_policy_checks_its_values(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CallPolicy(**kwargs)


def test_delay_window_of_huge_attempt_numbers_is_the_cap() -> None:
    policy = CallPolicy(max_attempts=10_000)
    assert policy.delay_window_ms(5000) == 30_000
    assert CallPolicy(backoff_ms=0).delay_window_ms(5000) == 0
