"""A tool node up to its call inside the workflow: binding as a local run binds, the CQL
``:name`` parameters of a ``db`` query included (no server needed)."""

from __future__ import annotations

import pendulum

import gml
from runtime._core import RUN, RunCore
from runtime._journal import Completed, Opened
from runtime.temporal._prepare import prepare

from ._engines import plan_of

FLOW = """\
    flow:
        name: bind
        args:
            in:
                minimum: int
        node:
            first:
                with: 5
                next: orders
            orders:
                exec: db://shop.order/list
                args: "exps = 'amount > :minimum and id != :first and x = :unknown'"
"""


def test_db_query_parameters_are_bound_from_the_visible_variables() -> None:
    plan = plan_of(FLOW)
    core = RunCore(plan, {"minimum": 10, "tenantId": None, "buCode": None})
    core.start(0.0)
    (flow,) = core.take_commands()
    core.feed(Opened(flow.instance.key, 0.0, {}))
    (first,) = core.take_commands()
    core.feed(Completed(first.instance.key, 0.0, 5))
    (orders,) = [c for c in core.take_commands() if c.op == RUN]
    ref = orders.instance.node.tool if orders.instance.node is not None else None
    assert ref is not None
    ctx = gml.EvalContext(gml.resolve_timezone("UTC"), lambda: pendulum.from_timestamp(0),
                          gml.Limits())
    args = prepare(orders.instance, ref, ctx, 0.0, None, None)
    assert args == {"exps": "amount > :minimum and id != :first and x = :unknown",
                    "minimum": 10, "first": 5}

