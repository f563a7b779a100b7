"""The execution model of spec/fdl.md §4 and §6, one rule per test, on trio's mock clock.

Tools are small async functions that sleep on the (virtual) clock, so every test can assert
exact times: parallel nodes overlap, sequential ones add up.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import trio

import fdl
from runtime import Runtime, ToolError, Tools

from .conftest import node_events, plan_of, run_flow


def sleeper(seconds: float, result: Any = None, log: list[tuple[str, float]] | None = None,
            name: str = "") -> Any:
    async def tool(args: dict[str, Any]) -> Any:
        if log is not None:
            log.append((f"{name}:start", trio.current_time()))
        await trio.sleep(seconds)
        if log is not None:
            log.append((f"{name}:end", trio.current_time()))
        return args if result is None else result
    return tool


# ---------------------------------------------------------------- parallelism and joins


async def test_start_nodes_run_in_parallel_and_the_join_waits_for_both(autojump_clock: Any
                                                                       ) -> None:
    result = await run_flow("""\
        flow:
            name: parallel
            node:
                a:
                    exec: api://t/slow
                    args: v = 1
                    next: merge
                b:
                    exec: api://t/slower
                    args: v = 2
                    next: merge
                merge:
                    with: "{a: a.v, b: b.v, at: NOW()}"
    """, tools={"api://t/slow": sleeper(1), "api://t/slower": sleeper(2)})
    assert result.status == "completed"
    assert result.output["a"] == 1 and result.output["b"] == 2
    assert trio.current_time() == pytest.approx(2.0)
    # NOW() inside the merge is the run clock: the start plus two virtual seconds.
    assert result.output["at"].timestamp() == pytest.approx(1_700_000_002.0)


async def test_a_chain_runs_in_order_and_times_add_up(autojump_clock: Any) -> None:
    log: list[tuple[str, float]] = []
    result = await run_flow("""\
        flow:
            name: chain
            node:
                a: {exec: 'api://t/a', next: b}
                b: {exec: 'api://t/b', next: c}
                c: {with: "'done'"}
    """, tools={"api://t/a": sleeper(1, 1, log, "a"), "api://t/b": sleeper(1, 2, log, "b")})
    assert result.output == "done"
    assert log == [("a:start", 0), ("a:end", 1), ("b:start", 1), ("b:end", 2)]


BRANCH_FLOW = """\
    flow:
        name: branch
        args:
            in:
                amount: int
        node:
            check:
                when: amount > 100
                then: big
                else: small
            big:
                with: "'big'"
                next: merge
            small:
                with: "'small'"
                next: merge
            merge:
                with: "{size: big || small}"
"""


@pytest.mark.parametrize(("amount", "size", "dead"), [(500, "big", "small"),
                                                      (5, "small", "big")])
async def test_merge_after_a_branch_runs_once_after_the_chosen_side(
        amount: int, size: str, dead: str) -> None:
    result = await run_flow(BRANCH_FLOW, {"amount": amount})
    assert result.output == {"size": size}
    started = node_events(result, "node.started")
    assert started.count("merge") == 1
    assert dead not in started
    assert started.index(size) < started.index("merge")


async def test_a_branch_without_else_ends_that_path_and_its_successors_are_dead() -> None:
    result = await run_flow("""\
        flow:
            name: no-else
            node:
                check:
                    when: false
                    then: notified
                notified:
                    with: "'sent'"
                    next: after
                after:
                    with: "'after'"
                other:
                    with: "{other: true}"
    """)
    assert result.status == "completed"
    assert result.output == {"other": True}
    started = node_events(result, "node.started")
    assert "notified" not in started and "after" not in started


async def test_only_skips_a_node_but_the_flow_goes_on_and_its_variable_is_null() -> None:
    result = await run_flow("""\
        flow:
            name: only
            node:
                maybe:
                    exec: api://t/never
                    only: false
                    next: after
                after:
                    with: "{seen: maybe, ran: true}"
    """, tools={"api://t/never": sleeper(1, "never")})
    assert result.output == {"seen": None, "ran": True}
    assert node_events(result, "node.skipped") == ["maybe"]


async def test_switch_takes_the_first_truthy_case_else_the_else() -> None:
    text = """\
        flow:
            name: switch
            args:
                in:
                    n: int
            node:
                judge:
                    case:
                        -   when: n > 10
                            then: large
                        -   when: n > 5
                            then: medium
                    else: small
                large: {with: "'large'"}
                medium: {with: "'medium'"}
                small: {with: "'small'"}
    """
    assert (await run_flow(text, {"n": 50})).output == "large"
    assert (await run_flow(text, {"n": 7})).output == "medium"
    assert (await run_flow(text, {"n": 1})).output == "small"


async def test_switch_without_a_match_or_else_ends_the_path() -> None:
    result = await run_flow("""\
        flow:
            name: switch
            node:
                judge:
                    case:
                        -   when: false
                            then: never
                never: {with: "'never'"}
    """)
    assert result.status == "completed"
    assert result.output is None


# ---------------------------------------------------------------- nodes


async def test_sets_runs_before_with_and_both_read_the_raw_result_by_node_id() -> None:
    result = await run_flow("""\
        flow:
            name: sets
            vars: seen = 0, names = []
            node:
                customer:
                    exec: api://crm/customer
                    sets: |
                        seen = seen + 1
                        names = names.add(customer.name)
                    with: "{name: customer.name, seen: seen, names: names}"
    """, tools={"api://crm/customer": lambda args: {"name": "Alice"}})
    assert result.output == {"name": "Alice", "seen": 1, "names": ["Alice"]}


async def test_a_tool_node_without_with_outputs_its_raw_result() -> None:
    result = await run_flow("""\
        flow:
            name: raw
            node:
                customer:
                    exec: api://crm/customer
                    args: id = 'c1'
    """, tools={"api://crm/customer": lambda args: {"id": args["id"], "n": 1}})
    assert result.output == {"id": "c1", "n": 1}


async def test_auto_binding_fills_declared_arguments_from_visible_variables() -> None:
    seen: list[Any] = []

    def customer(call: Any) -> Any:
        seen.append(call)
        return {"ok": True}

    tools = Tools()
    tools.add("api://crm/customer", customer, arguments=("customerId", "limit", "tenantId"),
              pass_call=True)
    plan = plan_of("""\
        flow:
            name: bind
            args:
                in:
                    customerId: string
            vars: limit = 5
            node:
                customer:
                    exec: api://crm/customer?max-attempts=2
                    args: extra = 1
    """)
    async with Runtime(tools=tools) as rt:
        outcome = await rt.run(plan, {"customerId": "c9"}, tenant="t1", bu="b1",
                               run_id="r1")
    assert outcome.status == "completed"
    call = seen[0]
    assert call.args == {"extra": 1, "customerId": "c9", "limit": 5, "tenantId": "t1"}
    assert (call.tenant_id, call.bu_code) == ("t1", "b1")
    assert call.idempotency_key == "r1/customer/1"
    assert call.options == {"max-attempts": "2"}
    assert call.base == "api://crm/customer"


async def test_tenant_and_bu_come_from_the_run_context() -> None:
    result = await run_flow("""\
        flow:
            name: tenant
            node:
                who:
                    with: "{tenant: tenantId, bu: buCode}"
    """, tenant="acme", bu="north")
    assert result.output == {"tenant": "acme", "bu": "north"}


async def test_wait_sleeps_on_the_runtime_clock(autojump_clock: Any) -> None:
    result = await run_flow("""\
        flow:
            name: wait
            node:
                pause:
                    wait: '1h'
                    next: done
                done:
                    with: NOW()
    """)
    assert trio.current_time() == pytest.approx(3600)
    assert result.output.timestamp() == pytest.approx(1_700_000_000 + 3600)


async def test_wait_can_be_computed_and_a_falsy_only_skips_it(autojump_clock: Any) -> None:
    text = """\
        flow:
            name: wait
            args:
                in:
                    seconds: int
                    skip: bool
            node:
                pause:
                    wait: seconds + 's'
                    only: "!skip"
    """
    await run_flow(text, {"seconds": 5, "skip": False})
    assert trio.current_time() == pytest.approx(5)
    result = await run_flow(text, {"seconds": 5, "skip": True})
    assert trio.current_time() == pytest.approx(5)
    assert node_events(result, "node.skipped") == ["pause"]


async def test_a_bad_computed_wait_fails_the_node_with_g303() -> None:
    result = await run_flow("""\
        flow:
            name: wait
            node:
                pause:
                    wait: "'soon'"
    """)
    assert result.status == "failed"
    assert result.error is not None and result.error["code"] == "G303"


# ---------------------------------------------------------------- each and loop


EACH_FLOW = """\
    flow:
        name: each
        args:
            in:
                ids: string[]?
        node:
            proc:
                each: ids => id, i
                vars: mails = [], count = 0
                node:
                    user:
                        exec: api://crm/user
                        args: userId = id
                        next: fmt
                    score:
                        exec: api://crm/score
                        args: userId = id
                        next: fmt
                    fmt:
                        with: "id + '#' + i"
                        sets: |
                            mails = mails.add(user.mail)
                            count = count + score.value
                with: "{mails: mails, count: count}"
"""


async def test_each_runs_iterations_one_after_another_with_parallel_insides(
        autojump_clock: Any) -> None:
    log: list[tuple[str, float]] = []

    async def user(args: dict[str, Any]) -> Any:
        log.append((f"user {args['userId']}", trio.current_time()))
        await trio.sleep(2)
        return {"mail": f"{args['userId']}@x"}

    async def score(args: dict[str, Any]) -> Any:
        await trio.sleep(1)
        return {"value": 10}

    result = await run_flow(EACH_FLOW, {"ids": ["a", "b", "c"]},
                            tools={"api://crm/user": user, "api://crm/score": score})
    assert result.output == {"mails": ["a@x", "b@x", "c@x"], "count": 30}
    # Each iteration takes 2 s (user and score in parallel); iterations are sequential.
    assert log == [("user a", 0), ("user b", 2), ("user c", 4)]
    assert trio.current_time() == pytest.approx(6)
    assert [e["index"] for e in result.events if e["type"] == "iteration.started"] == [0, 1, 2]
    assert "proc[1]/user" in node_events(result, "node.completed")


async def test_each_over_null_runs_zero_iterations_but_evaluates_vars() -> None:
    result = await run_flow(EACH_FLOW, {"ids": None})
    assert result.output == {"mails": [], "count": 0}


async def test_sub_flow_outputs_are_iteration_local() -> None:
    result = await run_flow("""\
        flow:
            name: local
            node:
                proc:
                    each: '[1, 2] => x'
                    vars: seen = []
                    node:
                        first:
                            with: "x * 10"
                            next: second
                        second:
                            with: "first"
                            sets: seen = seen.add(first)
                        probe:
                            with: 1
                            sets: "seen = seen.add({probe: second})"
                    with: seen
    """)
    # 'probe' starts with 'first'; 'second' of the previous iteration is not visible to
    # it (outputs live for one iteration): it always sees null.
    assert result.status == "completed"
    assert result.output == [{"probe": None}, 10, {"probe": None}, 20]


async def test_loop_repeats_while_when_holds_and_vars_persist(autojump_clock: Any) -> None:
    pages = {0: {"content": [1, 2], "totalPages": 3}, 1: {"content": [3], "totalPages": 3},
             2: {"content": [4, 5], "totalPages": 3}}

    async def page(args: dict[str, Any]) -> Any:
        await trio.sleep(1)
        return pages[args["page"]]

    result = await run_flow("""\
        flow:
            name: loop
            node:
                load:
                    vars: curPage = 0, pageNum = 1, items = []
                    when: curPage < pageNum
                    node:
                        orderPage:
                            exec: api://ec/page
                            args: page = curPage
                            sets: |
                                curPage = curPage + 1
                                pageNum = orderPage.totalPages
                                items = items.addAll(orderPage.content)
                    with: items
    """, tools={"api://ec/page": page})
    assert result.output == [1, 2, 3, 4, 5]
    assert trio.current_time() == pytest.approx(3)


async def test_a_runaway_loop_fails_with_f405_at_the_cap() -> None:
    result = await run_flow("""\
        flow:
            name: runaway
            node:
                spin:
                    vars: n = 0
                    when: true
                    node:
                        step:
                            with: 1
                            sets: n = n + 1
                    with: n
    """, max_iterations=25)
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["code"] == "F405" and result.error["node"] == "spin"
    assert len(node_events(result, "iteration.started")) == 25


async def test_nested_each_inside_loop_paths_name_every_level() -> None:
    result = await run_flow("""\
        flow:
            name: nested
            node:
                outer:
                    vars: round = 0, total = 0
                    when: round < 2
                    node:
                        inner:
                            each: '[1, 2] => x'
                            vars: s = 0
                            node:
                                add:
                                    with: x
                                    sets: s = s + x
                            with: s
                            sets: total = total + s
                            next: bump
                        bump:
                            with: 1
                            sets: round = round + 1
                    with: total
    """)
    assert result.output == 6
    assert "outer[1]/inner[0]/add" in node_events(result, "node.completed")


# ---------------------------------------------------------------- jumps


POLL_FLOW = """\
    flow:
        name: poll
        vars: tries = 0
        node:
            check:
                exec: api://dp/status
                sets: tries = tries + 1
                next: decide
            decide:
                when: check.status == 'done'
                then: finish
                else: pause
            pause:
                wait: '10s'
                next: check
            finish:
                with: "{tries: tries, last: check.status}"
"""


async def test_a_jump_back_restarts_the_loop_and_variables_keep_their_values(
        autojump_clock: Any) -> None:
    answers = iter(["processing", "processing", "done"])
    result = await run_flow(POLL_FLOW, tools={"api://dp/status": lambda a: {
        "status": next(answers)}})
    assert result.output == {"tries": 3, "last": "done"}
    assert trio.current_time() == pytest.approx(20)
    activations = [e["activation"] for e in result.events
                   if e["type"] == "node.started" and e["node"] == "check"]
    assert activations == [1, 2, 3]


async def test_jumps_are_capped_per_block_run_with_f405(autojump_clock: Any) -> None:
    result = await run_flow(POLL_FLOW, tools={"api://dp/status": lambda a: {"status": "no"}},
                            max_iterations=4)
    assert result.status == "failed"
    assert result.error is not None and result.error["code"] == "F405"
    assert result.error["node"] == "check"


async def test_a_jump_waits_until_the_reset_part_is_no_longer_running(
        autojump_clock: Any) -> None:
    log: list[tuple[str, float]] = []
    result = await run_flow("""\
        flow:
            name: jump-wait
            vars: round = 0
            node:
                start:
                    with: 1
                    sets: round = round + 1
                    next: slow, again
                slow:
                    exec: api://t/slow
                    args: round = round
                again:
                    when: round < 2
                    then: start
    """, tools={"api://t/slow": sleeper(5, None, log, "slow")})
    assert result.status == "completed"
    # The jump to 'start' waits for 'slow' (in the reset part) to finish: no overlap.
    assert log == [("slow:start", 0), ("slow:end", 5), ("slow:start", 5), ("slow:end", 10)]


# ---------------------------------------------------------------- failures


FAIL_FLOW = """\
    flow:
        name: fail
        node:
            auth:
                exec: api://iam/auth
                next: ok
                fail: fallback
            ok:
                with: "'ok'"
            fallback:
                with: |
                    handled = auth.error.code
                    message = auth.error.message
                    node = auth.error.node
                    type = auth.error.type
"""


async def test_a_failure_takes_the_fail_edge_binds_the_error_and_skips_next() -> None:
    def auth(args: dict[str, Any]) -> Any:
        raise ToolError("0401", "permission denied", type="auth")

    result = await run_flow(FAIL_FLOW, tools={"api://iam/auth": auth})
    assert result.status == "completed"
    assert result.output == {"handled": "0401", "message": "permission denied",
                             "node": "auth", "type": "auth"}
    assert "ok" not in node_events(result, "node.started")
    failed = [e for e in result.events if e["type"] == "node.failed"]
    assert failed[0]["error"]["code"] == "0401"


async def test_an_unhandled_failure_aborts_the_run_and_cancels_what_runs(
        autojump_clock: Any) -> None:
    cancelled: list[bool] = []

    async def long(args: dict[str, Any]) -> Any:
        try:
            await trio.sleep(100)
        except trio.Cancelled:
            cancelled.append(True)
            raise
        return 1

    async def broken(args: dict[str, Any]) -> Any:
        await trio.sleep(1)
        raise ToolError("500", "server error")

    result = await run_flow("""\
        flow:
            name: abort
            node:
                long: {exec: 'api://t/long'}
                broken: {exec: 'api://t/broken'}
    """, tools={"api://t/long": long, "api://t/broken": broken})
    assert result.status == "failed"
    assert result.error == {"code": "500", "message": "server error", "node": "broken",
                            "type": "tool"}
    assert cancelled == [True]
    assert trio.current_time() == pytest.approx(1)
    assert result.events[-1]["type"] == "flow.failed"


async def test_a_failing_iteration_cancels_its_own_calls_but_not_the_top_blocks(
        autojump_clock: Any) -> None:
    # Calls inside an iteration have cancel scopes of their own; calls of the top block
    # have none (issue #18) and must run on when an iteration fails and is caught.
    cancelled: list[str] = []

    async def long(args: dict[str, Any]) -> Any:
        try:
            await trio.sleep(100)
        except trio.Cancelled:
            cancelled.append("long")
            raise
        return 1

    async def broken(args: dict[str, Any]) -> Any:
        await trio.sleep(1)
        raise ToolError("500", "server error")

    async def other(args: dict[str, Any]) -> Any:
        await trio.sleep(5)
        return {"other": "done"}

    result = await run_flow("""\
        flow:
            name: iteration-cancel
            node:
                proc:
                    each: '[1] => x'
                    node:
                        long: {exec: 'api://t/long'}
                        broken: {exec: 'api://t/broken'}
                    fail: report
                report:
                    with: "{failed = proc.error.node}"
                side: {exec: 'api://t/other'}
    """, tools={"api://t/long": long, "api://t/broken": broken, "api://t/other": other})
    assert result.status == "completed"
    assert result.output == {"failed": "proc[0]/broken", "other": "done"}
    assert cancelled == ["long"]
    assert trio.current_time() == pytest.approx(5)


async def test_a_failure_inside_each_fails_the_each_node_with_the_inner_path() -> None:
    def call(args: dict[str, Any]) -> Any:
        if args["v"] == 2:
            raise ToolError("E42", "bad item")
        return args["v"]

    result = await run_flow("""\
        flow:
            name: each-fail
            node:
                proc:
                    each: '[1, 2, 3] => x'
                    node:
                        call:
                            exec: api://t/call
                            args: v = x
                    fail: report
                report:
                    with: proc.error
    """, tools={"api://t/call": call})
    assert result.status == "completed"
    assert result.output == {"code": "E42", "message": "bad item", "node": "proc[1]/call",
                             "type": "tool"}
    # The third iteration never starts.
    assert "proc[2]/call" not in node_events(result, "node.started")


async def test_an_unhandled_failure_in_a_sub_flow_propagates_to_the_top() -> None:
    result = await run_flow("""\
        flow:
            name: deep
            node:
                outer:
                    each: '[1] => x'
                    node:
                        inner:
                            each: '[1] => y'
                            node:
                                boom:
                                    with: 1 / 0
    """)
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["code"] == "G302"
    assert result.error["node"] == "outer[0]/inner[0]/boom"


async def test_a_gml_error_fails_the_node_with_its_g3xx_code_and_position() -> None:
    result = await run_flow("""\
        flow:
            name: gml-error
            node:
                m:
                    with: INT('abc')
    """)
    assert result.error is not None
    assert result.error["code"] == "G303"
    assert result.error["type"] == "gml"
    assert "'with'" in result.error["message"]


async def test_an_unknown_tool_at_run_time_is_f406() -> None:
    result = await run_flow("""\
        flow:
            name: missing
            node:
                m: {exec: 'api://nobody/here'}
    """)
    assert result.error is not None and result.error["code"] == "F406"
    assert "api://nobody/here" in result.error["message"]


# ---------------------------------------------------------------- tool calls


async def test_retryable_errors_are_retried_with_node_retrying_events(
        autojump_clock: Any) -> None:
    attempts: list[int] = []

    def flaky(call: Any) -> Any:
        attempts.append(call.attempt)
        if call.attempt < 3:
            raise ToolError("503", "busy", retryable=True)
        return "ok"

    tools = Tools()
    tools.add("api://t/flaky", flaky, pass_call=True)
    plan = plan_of("""\
        flow:
            name: retry
            node:
                call: {exec: 'api://t/flaky?max-attempts=3&backoff=100'}
    """)
    async with Runtime(tools=tools, seed=7) as rt:
        outcome = await rt.run(plan)
    assert outcome.output == "ok"
    assert attempts == [1, 2, 3]
    retrying = [e for e in outcome.events if e["type"] == "node.retrying"]
    assert [e["attempt"] for e in retrying] == [2, 3]
    assert all(e["error"]["code"] == "503" for e in retrying)
    # Full jitter: each delay is within its doubling window (100 ms, then 200 ms).
    assert 0 <= retrying[0]["delay"] <= 0.1 and 0 <= retrying[1]["delay"] <= 0.2


async def test_a_timeout_fails_the_node_with_f407(autojump_clock: Any) -> None:
    result = await run_flow("""\
        flow:
            name: timeout
            node:
                call: {exec: 'api://t/slow?timeout=250'}
    """, tools={"api://t/slow": sleeper(10, "late")})
    assert result.error is not None and result.error["code"] == "F407"
    assert trio.current_time() == pytest.approx(0.25)


async def test_concurrency_limit_bounds_parallel_tool_calls(autojump_clock: Any) -> None:
    running = 0
    peak = 0

    async def work(args: dict[str, Any]) -> Any:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await trio.sleep(1)
        running -= 1
        return 1

    nodes = "\n".join(f"        n{i}: {{exec: 'api://t/work'}}" for i in range(6))
    result = await run_flow(f"flow:\n    name: wide\n    node:\n{nodes}\n",
                            tools={"api://t/work": work}, concurrency=2)
    assert result.status == "completed"
    assert peak == 2
    assert trio.current_time() == pytest.approx(3)


# ---------------------------------------------------------------- result and shaping


async def test_the_result_merges_completed_object_terminals_in_declaration_order() -> None:
    result = await run_flow("""\
        flow:
            name: result
            node:
                a: {with: "{x: 1, y: 1}"}
                b: {with: "{y: 2}"}
                c: {with: "{z: 3}", only: false}
    """)
    assert result.output == {"x": 1, "y": 2}


async def test_the_result_of_mixed_terminals_is_the_last_declared() -> None:
    result = await run_flow("""\
        flow:
            name: result
            node:
                a: {with: "{x: 1}"}
                b: {with: "[1, 2]"}
    """)
    assert result.output == [1, 2]


async def test_output_is_shaped_to_out_trimming_undeclared_fields() -> None:
    result = await run_flow("""\
        flow:
            name: shaped
            args:
                defs:
                    Order: {id: string, amount: decimal}
                out:
                    id: string
                    orders: Order[]
            node:
                m:
                    with: |
                        id = 'c1'
                        secret = 'x'
                        orders = [{id: 'o1', amount: '12.50', note: 'n'}]
    """)
    from decimal import Decimal

    assert result.output == {"id": "c1", "orders": [{"id": "o1", "amount": Decimal("12.50")}]}


async def test_output_that_cannot_be_shaped_fails_with_f404_naming_the_path() -> None:
    result = await run_flow("""\
        flow:
            name: shaped
            args:
                defs:
                    Order: {id: string, amount: decimal}
                out:
                    orders: Order[]
            node:
                m:
                    with: "{orders: [{id: 'o1', amount: 1}, {id: 'o2'}]}"
    """)
    assert result.status == "failed"
    assert result.error is not None and result.error["code"] == "F404"
    assert "orders[1].amount" in result.error["message"]


async def test_all_input_problems_are_reported_at_once() -> None:
    result = await run_flow("""\
        flow:
            name: inputs
            args:
                in:
                    customerId: string
                    count: int
                    since: date = DATE('2025-01-01')
            node:
                m: {with: "{customerId: customerId, since: since}"}
    """, {"count": "many", "colour": "red"})
    assert result.status == "failed"
    assert result.error is not None
    assert [d["code"] for d in result.error["details"]] == ["F401", "F402", "F403"]
    assert result.events[-1]["type"] == "flow.failed"


async def test_inputs_are_converted_and_defaults_applied() -> None:
    result = await run_flow("""\
        flow:
            name: inputs
            args:
                in:
                    count: int
                    since: date = DATE('2025-01-01')
            node:
                m: {with: "{count: count + 1, year: since.format('YYYY')}"}
    """, {"count": "41"})
    assert result.output == {"count": 42, "year": "2025"}


# ---------------------------------------------------------------- cancellation


async def test_cancelling_a_run_stops_every_running_node_promptly(autojump_clock: Any) -> None:
    cancelled: list[str] = []

    async def long(args: dict[str, Any]) -> Any:
        try:
            await trio.sleep(1000)
        except trio.Cancelled:
            cancelled.append(args["n"])
            raise

    plan = plan_of("""\
        flow:
            name: cancel
            node:
                a: {exec: 'api://t/long', args: "n = 'a'"}
                b: {exec: 'api://t/long', args: "n = 'b'"}
    """)
    async with Runtime(tools={"api://t/long": long}) as rt, trio.open_nursery() as nursery:
        outcome: list[Any] = []

        async def go() -> None:
            outcome.append(await rt.run(plan, run_id="run-1"))

        nursery.start_soon(go)
        await trio.sleep(5)
        assert rt.cancel("run-1")
    result = outcome[0]
    assert result.status == "cancelled"
    assert result.error is not None and result.error["code"] == "F408"
    assert sorted(cancelled) == ["a", "b"]
    assert trio.current_time() == pytest.approx(5)
    assert result.events[-1]["type"] == "flow.cancelled"


async def test_events_stream_and_callbacks_see_the_same_ordered_events() -> None:
    plan = plan_of(BRANCH_FLOW)
    seen: list[dict[str, Any]] = []
    async with Runtime() as rt:
        result = await rt.run(plan, {"amount": 1}, on_event=seen.append)
    assert seen == result.events
    assert [e["seq"] for e in seen] == list(range(len(seen)))
    assert seen[0]["type"] == "flow.started" and seen[-1]["type"] == "flow.completed"
    assert all(e["run_id"] == result.run_id for e in seen)
    for e in seen:
        if e["type"] == "node.completed":
            assert e["duration"] >= 0


async def test_node_events_of_tool_calls_name_the_tool_without_its_options() -> None:
    plan = plan_of("""\
        flow:
            name: tool-events
            node:
                customer:
                    exec: api://crm/customer?timeout=5000
                    next: label
                label: {with: customer.id}
    """)
    async with Runtime(tools={"api://crm/customer": lambda args: {"id": "c1"}}) as rt:
        result = await rt.run(plan, {})
    tools = {(e["type"], e["node"]): e.get("tool") for e in result.events
             if e["type"].startswith("node.")}
    assert tools == {("node.started", "customer"): "api://crm/customer",
                     ("node.completed", "customer"): "api://crm/customer",
                     ("node.started", "label"): None, ("node.completed", "label"): None}


def test_fdl_run_is_the_synchronous_convenience_with_a_virtual_clock() -> None:
    import trio.testing

    import fdl

    plan = plan_of("""\
        flow:
            name: sync
            args:
                in:
                    customerId: string
            node:
                pause:
                    wait: '2h'
                    next: customer
                customer:
                    exec: api://crm/customer
                    args: id = customerId
    """)
    result = fdl.run(plan, {"customerId": "c1"},
                     tools={"api://crm/customer": lambda args: {"id": args["id"]}},
                     clock=trio.testing.MockClock(autojump_threshold=0))
    assert (result.status, result.output) == ("completed", {"id": "c1"})
    assert result.run_id and result.events[-1]["type"] == "flow.completed"


async def test_a_failing_flow_vars_fails_the_run() -> None:
    result = await run_flow("""\
        flow:
            name: bad-vars
            vars: ratio = 1 / 0
            node:
                m: {with: ratio}
    """)
    assert result.status == "failed"
    assert result.error is not None
    assert (result.error["code"], result.error["node"]) == ("G302", "vars")


async def test_the_event_stream_of_a_live_run_follows_it_to_the_end(autojump_clock: Any
                                                                    ) -> None:
    plan = plan_of("""\
        flow:
            name: live
            node:
                a: {exec: 'api://t/slow', next: b}
                b: {with: 1}
    """)
    streamed: list[dict[str, Any]] = []
    async with Runtime(tools={"api://t/slow": sleeper(1, "x")}) as rt, \
            trio.open_nursery() as nursery:
        results: list[Any] = []

        async def go() -> None:
            results.append(await rt.run(plan, run_id="live-1"))

        nursery.start_soon(go)
        await trio.sleep(0.5)
        async for event in rt.events("live-1"):
            streamed.append(event)
    assert streamed == results[0].events
    assert streamed[-1]["type"] == "flow.completed"
    with pytest.raises(LookupError):
        async for _ in rt.events("unknown"):
            pass


async def test_declared_defaults_fill_arguments_neither_the_call_nor_a_variable_gives() -> None:
    from compiler import StaticCatalog, ToolArg, ToolSignature
    from gml.types import INT, STRING, nullable

    signature = ToolSignature("api", "shop/orders", {
        "customerId": ToolArg("customerId", STRING, True),
        "size": ToolArg("size", nullable(INT), default="20"),
        "limit": ToolArg("limit", nullable(INT), default="size * 2"),
        "status": ToolArg("status", nullable(STRING), default='"new"'),
        "bad": ToolArg("bad", nullable(INT), default="1 / 0"),
    })
    result = fdl.check_text(textwrap.dedent("""\
        flow:
            name: defaults
            args:
                in:
                    customerId: string
                    status: string = 'paid'
            node:
                orders:
                    exec: api://shop/orders
                    args: size = 5, bad = 0
    """), "flow.yaml", catalog=StaticCatalog([signature]))
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    seen: list[dict[str, Any]] = []
    async with Runtime(tools={"api://shop/orders": lambda args: seen.append(args)}) as rt:
        run = await rt.run(result.plan, {"customerId": "c1"})
    assert run.ok, run.error
    # size from the call, limit from its default (reading size), status from the input
    # of the same name (a visible variable wins over the default).
    assert seen == [{"customerId": "c1", "size": 5, "limit": 10, "status": "paid", "bad": 0}]


async def test_a_failing_default_fails_the_node_with_the_gml_error() -> None:
    from compiler import StaticCatalog, ToolArg, ToolSignature
    from gml.types import INT, nullable

    signature = ToolSignature("api", "shop/orders", {
        "bad": ToolArg("bad", nullable(INT), default="1 / 0")})
    result = fdl.check_text(textwrap.dedent("""\
        flow:
            name: defaults
            node:
                orders:
                    exec: api://shop/orders
    """), "flow.yaml", catalog=StaticCatalog([signature]))
    assert result.plan is not None
    async with Runtime(tools={"api://shop/orders": lambda args: args}) as rt:
        run = await rt.run(result.plan, {})
    assert run.error is not None
    assert run.error["node"] == "orders" and "default of the tool's argument 'bad'" in run.error[
        "message"]


async def test_a_plan_compiled_for_checking_only_is_refused_before_it_starts() -> None:
    result = fdl.check_text("flow:\n    name: x\n    node:\n        a: {with: 1 + 1}\n",
                            "flow.yaml", codegen=False)
    assert result.plan is not None and not result.plan.executable
    async with Runtime() as rt:
        with pytest.raises(ValueError, match="checking only"):
            await rt.run(result.plan, {})
