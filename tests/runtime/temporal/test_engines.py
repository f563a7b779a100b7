"""The runtime's execution-test flows on both engines, with mocks: the local trio runtime
and Temporal (the core as a workflow, tool calls as activities) give the same status,
output, error, mocked calls and node outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ..test_execution import EACH_FLOW, FAIL_FLOW
from ._engines import outcome, run_local, run_temporal
from .conftest import TASK_QUEUE, WorkerThread


@dataclass(frozen=True)
class Case:
    name: str
    flow: str
    inputs: dict[str, Any] = field(default_factory=dict)
    mocks: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


def mocks(**entries: Any) -> dict[str, Any]:
    """A mock document from ``api__crm__user=...`` style names (``//`` and ``/``)."""
    return {"mocks": {k.replace("__", "/", 1).replace("_", "://", 1).replace("__", "/"): v
                      for k, v in entries.items()}}


PARALLEL = """\
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
                with: "{a: a.v, b: b.v}"
"""

BRANCH = """\
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
                with: "{size: 'big'}"
                next: merge
            small:
                with: "{size: 'small'}"
                next: merge
            merge:
                with: "{size: big == null ? small.size : big.size}"
"""

SWITCH = """\
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

ONLY = """\
    flow:
        name: only
        node:
            maybe:
                exec: api://t/never
                only: false
                next: after
            after:
                with: "{seen: maybe, ran: true}"
"""

LOOP = """\
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
"""

RUNAWAY = """\
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
"""

NESTED = """\
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
"""

POLL = """\
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
                wait: '500ms'
                next: check
            finish:
                with: "{tries: tries, last: check.status}"
"""

PROPAGATE = """\
    flow:
        name: propagate
        node:
            proc:
                each: '[1, 2, 3] => x'
                node:
                    call:
                        exec: api://t/flaky
                        args: x = x
                with: 1
"""

RETRY = """\
    flow:
        name: retry
        node:
            call:
                exec: api://t/flaky?max-attempts=3&backoff=1
                args: x = 1
"""

TIMEOUT = """\
    flow:
        name: timeout
        node:
            call:
                exec: api://t/slow?timeout=200
                fail: late
            late:
                with: "{code: call.error.code, type: call.error.type}"
"""

TENANT = """\
    flow:
        name: tenant
        args:
            in:
                id: string
            out:
                name: string
        node:
            customer:
                exec: api://crm/customer
                args: id = id, tenant = tenantId
                with: "{name: customer.name + '@' + customer.tenant, extra: 1}"
"""

DATES = """\
    flow:
        name: dates
        args:
            in:
                day: date
        node:
            call:
                exec: api://t/echo
                args: day = day, amount = DECIMAL('1.25')
                with: "{day: call.day, text: STRING(call.day), amount: call.amount * 2}"
"""

UUIDS = """\
    flow:
        name: uuids
        node:
            id:
                with: UUID()
            call:
                exec: api://t/echo
                args: "key = UUID()"
                with: "{length: LEN(call.key), differs: call.key != id}"
"""

CASES = [
    Case("parallel join", PARALLEL, mocks=mocks(api_t__slow={"expr": "args"},
                                                api_t__slower={"expr": "args"})),
    Case("branch then", BRANCH, {"amount": 500}),
    Case("branch else", BRANCH, {"amount": 5}),
    Case("switch case", SWITCH, {"n": 7}),
    Case("switch else", SWITCH, {"n": 1}),
    Case("only skips", ONLY, mocks=mocks(api_t__never={"result": "never"})),
    Case("each with sets", EACH_FLOW, {"ids": ["a", "b", "c"]},
         mocks(api_crm__user={"expr": "{mail: args.userId + '@x'}"},
               api_crm__score={"result": {"value": 10}})),
    Case("each over null", EACH_FLOW, {"ids": None}),
    Case("loop with when", LOOP, mocks=mocks(api_ec__page={"sequence": [
        {"result": {"content": [1, 2], "totalPages": 3}},
        {"result": {"content": [3], "totalPages": 3}},
        {"result": {"content": [4, 5], "totalPages": 3}}]})),
    Case("runaway loop F405", RUNAWAY, options={"max_iterations": 25}),
    Case("nested each in loop", NESTED),
    Case("jump back with a wait", POLL, mocks=mocks(api_dp__status={"sequence": [
        {"result": {"status": "processing"}}, {"result": {"status": "processing"}},
        {"result": {"status": "done"}}]})),
    Case("jump cap F405", POLL, mocks=mocks(api_dp__status={"result": {"status": "no"}}),
         options={"max_iterations": 3}),
    Case("fail edge", FAIL_FLOW, mocks=mocks(api_iam__auth={"error": {
        "code": "0401", "message": "permission denied", "type": "auth"}})),
    Case("failure propagates", PROPAGATE, mocks=mocks(api_t__flaky={"sequence": [
        {"result": 1}, {"error": {"code": "E1", "message": "two is bad"}}]})),
    Case("retries then succeeds", RETRY, mocks=mocks(api_t__flaky={"sequence": [
        {"error": {"code": "503", "message": "busy", "type": "connection"}},
        {"error": {"code": "503", "message": "busy", "type": "connection"}},
        {"result": {"ok": True}}]})),
    Case("retries exhausted", RETRY, mocks=mocks(api_t__flaky={"error": {
        "code": "503", "message": "busy", "type": "connection"}})),
    Case("not retryable", RETRY, mocks=mocks(api_t__flaky={"error": {
        "code": "400", "message": "bad", "type": "validation"}})),
    Case("timeout F407", TIMEOUT, mocks=mocks(api_t__slow={"result": 1, "delay": 2000})),
    Case("missing mock F406", ONLY.replace("only: false", "only: true")),
    Case("input error F401", SWITCH),
    Case("tenant and output shaping", TENANT, {"id": "c1"},
         mocks(api_crm__customer={"expr": "{name: 'Alice', tenant: args.tenant}"}),
         {"tenant": "acme"}),
    Case("dates and decimals", DATES, {"day": "2025-01-02"},
         mocks(api_t__echo={"expr": "args"})),
    Case("UUID() in the workflow", UUIDS, mocks=mocks(api_t__echo={"expr": "args"})),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_flow_gives_the_same_result_on_both_engines(
        case: Case, temporal_address: str, temporal_worker: WorkerThread) -> None:
    local = run_local(case.flow, case.inputs, case.mocks, **case.options)
    remote = run_temporal(temporal_address, TASK_QUEUE, case.flow, case.inputs, case.mocks,
                          **case.options)
    expected = outcome(local)
    if case.name.startswith("UUID"):  # random values: compare what does not depend on them
        for result in (local, remote):
            result.calls = {uri: [sorted(a) for a in args] for uri, args in result.calls.items()}
        expected = outcome(local)
    assert outcome(remote) == expected
    assert remote.status in ("completed", "failed")
