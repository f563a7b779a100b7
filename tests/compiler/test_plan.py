"""The Plan: graph structure of §6.1, the spec's examples, and a snapshot of a whole plan."""

from __future__ import annotations

import json
import textwrap

from syrupy.assertion import SnapshotAssertion

import compiler

from .conftest import compile_text

GRAPH = """\
    flow:
        name: graph
        args:
            in:
                n: int
        vars: tries = 0
        node:
            a:
                with: n
                next: check
            b:
                with: 2
                next: merge
            check:
                when: a > 1
                then: big
                else: small
            big:
                with: "'big'"
                next: merge
            small:
                exec: api://svc/small
                fail: recover
                next: merge
            recover:
                with: 0
                next: merge
            merge:
                with: |
                    size = big ?? small
                    other = b
                sets: tries = tries + 1
                next: retry
            retry:
                when: tries < 3
                then: check
"""


def test_edges_are_forward_or_jump_by_declaration_order() -> None:
    result = compile_text(GRAPH)
    assert result.plan is not None
    block = result.plan.block
    forward = [(e.source, e.target, e.label) for e in block.forward]
    assert ("small", "recover", "fail") in forward
    assert ("check", "big", "then") in forward
    assert [(e.source, e.target, e.label) for e in block.jumps] == [("retry", "check", "then")]


def test_starts_terminals_and_joins() -> None:
    result = compile_text(GRAPH)
    assert result.plan is not None
    block = result.plan.block
    assert block.starts == ("a", "b")
    # retry's only edge is a jump, but it is still an outgoing `then` edge (§6.1)
    assert block.terminals == ()
    assert set(block.predecessors["merge"]) == {"b", "big", "small", "recover"}
    assert block.predecessors["recover"] == ("small",)


def test_a_jump_resets_everything_forward_of_its_target() -> None:
    result = compile_text(GRAPH)
    assert result.plan is not None
    assert result.plan.block.resets["check"] == frozenset(
        {"check", "big", "small", "recover", "merge", "retry"})


def test_a_node_with_only_a_fail_edge_out_is_terminal() -> None:
    result = compile_text("""\
        flow:
            name: x
            node:
                call:
                    exec: api://svc/op
                    fail: fallback
                fallback:
                    with: 0
    """)
    assert result.plan is not None
    assert result.plan.block.terminals == ("call", "fallback")


def test_nested_blocks_have_their_own_graph() -> None:
    result = compile_text("""\
        flow:
            name: x
            args:
                in:
                    ids: string[]
            node:
                proc:
                    each: ids => id, i
                    vars: mails = []
                    node:
                        user:
                            exec: api://crm-service/user
                            args: userId = id
                            next: keep
                        keep:
                            with: user
                            sets: mails = mails.add(user.mail)
                    with: mails
    """)
    assert result.diagnostics == ()
    assert result.plan is not None
    proc = result.plan.block.by_id["proc"]
    assert proc.block is not None and proc.item == "id" and proc.index == "i"
    assert proc.block.starts == ("user",) and proc.block.terminals == ("keep",)
    assert [n.path for n in result.plan.nodes()] == ["proc", "proc/user", "proc/keep"]
    assert proc.block.variables == ("mails", "id", "i", "user", "keep")
    assert result.plan.block.variables == ("proc",)


SPEC_EXAMPLES = {
    "§1 customer view": """\
        flow:
            name: Customer view
            desp: Fetch a customer's name and order count.
            args:
                in:
                    customerId: string        # customer id (required)
                    from: DATE('-3M')         # order start time, default three months ago
                out:
                    id: string
                    name: string
                    orders: int
            node:
                customer:
                    exec: api://crm-service/customer
                    next: merge
                orderCount:
                    exec: db://ec.mysql.order/count
                    args: exps = 'customerId = :customerId && time > :from'
                    next: merge
                merge:
                    with: |
                        ...customer
                        orders = orderCount
    """,
    "§2 args": """\
        flow:
            name: args
            args:
                defs:
                    Order:
                        id: string
                        items: Item[]
                        amount: decimal
                    Item:
                        sku: string
                        quantity: int
                in:
                    customerId: string            # required
                    from: date?                   # optional, null when absent
                    channel: string = 'pos'       # default value (a GML expression)
                    to: date = DATE()
                    since: DATE('-30d')           # a bare default: type inferred (date)
                    pageSize: 50                  # a bare literal default: type int
                out:
                    id: string
                    orders: Order[]
            node:
                done:
                    with: |
                        id = customerId
                        orders = []
    """,
    "§4.1 tool call": """\
        flow:
            name: tool call
            args:
                in:
                    customerId: string?
            vars: seen = 0
            node:
                customer:
                    exec: db://crm.mongo.customer/take?timeout=3000&max-attempts=3
                    args: id = customerId, proj = 'preference, mobile, email'
                    sets: seen = seen + 1
                    with: |
                        preference = customer.preference || 'sms'
                        mobile     = customer.mobile
                    only: customerId != null
                    next: sms, email
                    fail: fallback
                sms:
                    exec: api://sms/send
                    args: to = customer.mobile
                email:
                    exec: api://mail/send
                fallback:
                    with: "'unavailable'"
    """,
    "§4.4 switch": """\
        flow:
            name: switch
            args:
                in:
                    gender: string
            node:
                judge:
                    case:
                        -   when: gender == 'male'
                            then: greet_male
                        -   when: gender == 'female'
                            then: greet_female
                    else: greet_default
                greet_male: {with: "'Mr.'"}
                greet_female: {with: "'Ms.'"}
                greet_default: {with: "''"}
    """,
    "§4.6 each": """\
        flow:
            name: each
            args:
                in:
                    ids: string[]
            node:
                proc:
                    each: ids => id, i          # source => item alias[, index alias]
                    vars: mails = []
                    node:
                        user:
                            exec: api://crm-service/user
                            args: userId = id
                            sets: mails = mails.add(user.mail)
                    with: mails
    """,
    "§4.7 loop": """\
        flow:
            name: loop
            args:
                in:
                    pageSize: 50
            node:
                load:
                    vars: curPage = 0, pageNum = 1, orders = []
                    when: curPage < pageNum
                    node:
                        orderPage:
                            exec: api://ec-service/order_page
                            args: page = curPage, size = pageSize
                            sets: |
                                curPage = curPage + 1
                                pageNum = orderPage.totalPages
                                orders  = orders.addAll(orderPage.content.proj('id, amount, time'))
                    with: orders
    """,
}


def test_every_spec_example_compiles_cleanly() -> None:
    for name, text in SPEC_EXAMPLES.items():
        result = compile_text(text)
        assert [d.headline() for d in result.diagnostics] == [], name
        assert result.plan is not None, name


def test_plan_snapshot(snapshot: SnapshotAssertion) -> None:
    result = compile_text(GRAPH)
    assert result.plan is not None
    assert json.dumps(result.plan.to_dict(), indent=1, default=str) == snapshot


def test_diagnostics_snapshot(snapshot: SnapshotAssertion) -> None:
    result = compile_text("""\
        flow:
            name: broken
            args:
                in:
                    id: strng
            node:
                a:
                    exec: api://crm/customer?timout=1
                    args: id = id
                    next: b, c
                b:
                    with: a.name + missing
                    nxt: a
                c:
                    when: a
                    then: d
    """)
    assert [d.to_dict() for d in result.diagnostics] == snapshot


# ------------------------------------------------------------------ a flow as a tool

AS_TOOL = """\
    flow:
        name: Customer view
        desp: Fetch a customer.
        args:
            defs:
                Item: {sku: string, qty: int}
            in:
                customerId: string        # customer id
                from: date = DATE('-30d')
                limit: 50
                label: "'x'"
                opt: string?
                items: Item[]?
            out:
                id: string
                items: Item[]
        node:
            a:
                with: "{id: customerId, items: []}"
    """


def test_a_flow_is_the_same_tool_parsed_or_compiled() -> None:
    text = textwrap.dedent(AS_TOOL)
    plan = compiler.load_text(text)
    model, _reporter = compiler.parse_text(text)
    assert model is not None
    signature = plan.as_tool("views/customer")
    assert compiler.flow_signature(model, "views/customer") == signature
    assert (signature.uri, signature.description, str(signature.out)) == (
        "flow://views/customer", "Fetch a customer.", "{id: string, items: Item[]}")
    view = {n: (str(a.type), a.required, a.description, a.default)
            for n, a in signature.inputs.items()}
    assert view == {"customerId": ("string", True, "customer id", None),
                    "from": ("date", False, None, "DATE('-30d')"),
                    "limit": ("int", False, None, "50"), "label": ("string", False, None, "'x'"),
                    "opt": ("string?", False, None, None),
                    "items": ("Item[]?", False, None, None)}


def test_a_parsed_flow_with_bad_args_is_an_open_tool() -> None:
    text = textwrap.dedent(AS_TOOL).replace("opt: string?", "opt: strng?")
    model, _reporter = compiler.parse_text(text)
    assert model is not None
    signature = compiler.flow_signature(model, "cv")
    assert signature.open_arguments and signature.inputs == {}
    # the rest of the flow does not matter: only args make the signature
    broken = textwrap.dedent(AS_TOOL).replace("with: \"{id: customerId", "with: \"{id: nope")
    model, _reporter = compiler.parse_text(broken)
    assert model is not None and not compiler.flow_signature(model, "cv").open_arguments
