"""Property tests of the front door: `fdl.check_text` is total and its diagnostics well formed.

Whatever the text — random characters, YAML-ish fragments, random YAML structures, valid flows
with random edits — `check_text` returns a `CheckResult` and never raises. Every diagnostic has a
code (``E101``, ``W210``, ``G205``…), a severity and a non-empty, ordered range of 1-based lines
and columns. A result without errors holds a plan whose node ids are unique in the whole flow and
whose edges stay inside their block. Compiling the same text twice gives the same diagnostics.

A failure here is a compiler bug: keep the failing example (``@example``) once it is fixed.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

import fdl
from compiler.plan import Block, Plan

CODE = re.compile(r"^[EWGF]\d{3}$")
NODE_KEYS = ("exec", "args", "sets", "with", "only", "next", "fail", "when", "then", "else",
             "case", "wait", "each", "node", "vars", "name", "desp")
FLOW_KEYS = ("flow", "name", "desp", "args", "vars", "node", "in", "out", "defs")


# ---------------------------------------------------------------- invariants


def check(text: str) -> fdl.CheckResult:
    """`fdl.check_text` (which must not raise), with the invariants of every result."""
    result = fdl.check_text(text, "fuzz.yaml")
    for d in result.diagnostics:
        assert CODE.fullmatch(d.code), d
        assert d.severity in ("error", "warning"), d
        assert d.line >= 1 and d.column >= 1, d
        assert (d.end_line, d.end_column) >= (d.line, d.column), d
        assert 0 <= d.span.start <= d.span.end <= len(text), d
    if not result.errors:
        assert result.plan is not None
        check_plan(result.plan)
    else:
        assert result.plan is None
    return result


def check_plan(plan: Plan) -> None:
    """Node ids unique in the whole flow; every edge and target inside its own block."""
    ids = [node.id for node in plan.nodes()]
    assert len(ids) == len(set(ids)), ids
    check_block(plan.block)


def check_block(block: Block) -> None:
    own = {node.id for node in block.nodes}
    for edge in block.edges:
        assert edge.source in own and edge.target in own, edge
    for node in block.nodes:
        targets = [*node.next, *node.then, *node.else_, *node.fail,
                   *(t for _, case_targets in node.cases for t in case_targets)]
        assert set(targets) <= own, (node.id, targets)
        if node.block is not None:
            check_block(node.block)
    assert set(block.starts) <= own and set(block.terminals) <= own
    for target, resets in block.resets.items():
        assert target in own and resets <= own


def diagnostics(result: fdl.CheckResult) -> list[tuple[Any, ...]]:
    return [(d.code, d.severity, d.message, d.span, d.line, d.column, d.end_line,
             d.end_column, d.suggestion) for d in result.diagnostics]


# ---------------------------------------------------------------- valid flows

SPEC_FLOW = """\
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
"""


def _wrap(nodes: str, head: str) -> str:
    """A flow around node snippets of the spec (indented as in fdl.md, 0 spaces)."""
    return head + textwrap.indent(textwrap.dedent(nodes), " " * 8)


SPEC_TOOL_CALL = _wrap("""\
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
    exec: sms://notify/send
    args: mobile = customer.mobile
email:
    exec: mail://notify/send
    args: to = customer.mobile
fallback:
    with: reason = 'no customer'
""", """\
flow:
    name: Section 4.1
    args:
        in:
            customerId: string?
    vars: seen = 0
    node:
""")

SPEC_EACH = _wrap("""\
proc:
    each: ids => id, i          # source => item alias[, index alias]
    vars: mails = []
    node:
        user:
            exec: api://crm-service/user
            args: userId = id
            sets: mails = mails.add(user.mail)
    with: mails
""", """\
flow:
    name: Section 4.6
    args:
        in:
            ids: string[]
    node:
""")

SPEC_LOOP = _wrap("""\
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
""", """\
flow:
    name: Section 4.7
    args:
        in:
            pageSize: 50
    node:
""")

ORDER_REVIEW = """\
flow:
    name: Order review
    desp: Score an order, route it by risk, notify, and keep a summary.
    args:
        defs:
            Item:
                sku: string
                quantity: int
            Order:
                id: string
                items: Item[]
                amount: decimal
        in:
            orderId: string               # the order to review
            channel: string = 'web'
            retries: 3
        out:
            id: string
            level: string
            notified: bool?
    vars: |
        attempts = 0
        skus = []
    node:
        order:
            exec: db://ec.mysql.order/take
            args: id = orderId
            next: risk, stock
        risk:
            exec: api://risk-service/score?timeout=2000
            args: orderId, amount = order.amount
            sets: attempts = attempts + 1
            next: judge
        stock:
            each: order.items => item, i
            vars: missing = []
            node:
                check:
                    exec: api://inventory/stock
                    args: sku = item.sku
                    next: note
                note:
                    only: check.available < item.quantity
                    with: sku = item.sku
                    sets: missing = missing.add(item.sku)
            with: missing
            next: judge
        judge:
            case:
                -   when: risk.score > 80
                    then: block
                -   when: risk.score > 40 || stock.length() > 0
                    then: hold
            else: approve
        block:
            with: level = 'blocked', reason = risk.reason
            next: notify
        hold:
            wait: '10s'
            next: approve
        approve:
            with: |
                level = CASE WHEN risk.score > 40 THEN 'review' ELSE 'ok' END
                skus = order.items.map(i => i.sku)
            next: notify
        notify:
            when: channel == 'web'
            then: mail
            else: done
        mail:
            exec: mail://notify/send
            args: to = order.email, subject = `Order ${orderId}`
            next: done
        done:
            with: |
                id = orderId
                level = approve.level ?? block.level
                notified = mail != null
"""

PAGED_SYNC = """\
flow:
    name: Paged sync
    args:
        in:
            since: date = DATE('-1d')
            size: int = 100
    vars: synced = 0
    node:
        start:
            with: from = since, pageSize = size
            next: pages
        pages:
            vars: page = 0, more = true, rows = []
            when: more && page < 50
            node:
                fetch:
                    exec: api://ec-service/changes?timeout=5000
                    args: page, size = start.pageSize, since = start.from
                    next: push, count
                push:
                    exec: mq://events/publish?topic=changes
                    args: items = fetch.content
                    next: advance
                count:
                    with: n = fetch.content.length()
                    next: advance
                advance:
                    sets: |
                        page = page + 1
                        more = fetch.hasNext
                        rows = rows.addAll(fetch.content.map(c => c.id))
                    with: page
            with: rows
            sets: synced = synced + 1
            next: pause
        pause:
            wait: 500
            next: report
        report:
            with: |
                count = pages.length()
                synced
"""

VALID_FLOWS = {"spec-1": SPEC_FLOW, "spec-4.1": SPEC_TOOL_CALL, "spec-4.6": SPEC_EACH,
               "spec-4.7": SPEC_LOOP, "order-review": ORDER_REVIEW, "paged-sync": PAGED_SYNC}


@pytest.mark.parametrize("name", sorted(VALID_FLOWS))
def test_the_seed_flows_compile_without_any_diagnostic(name: str) -> None:
    result = check(VALID_FLOWS[name])
    assert [d.headline() for d in result.diagnostics] == []
    assert result.plan is not None


# ---------------------------------------------------------------- random text

FRAGMENTS = (
    "flow:", "node:", "name:", "- ", ": ", "|", "|-", ">", "'", '"', "\t", "&a ", "*a", "<<:",
    "!!str ", "!!int ", "!tag ", "é", "客户", "😀", "\n", "\r\n", "\r", "    ", "  ", "exec:",
    "with:", "next:", "each:", "when:", "then:", "else:", "case:", "wait:", "vars:", "args:",
    "sets:", "only:", "fail:", "in:", "out:", "defs:", "{", "}", "[", "]", ",", "#", " # c",
    "${", "`", "=>", "...", "api://a/b", "db://x.y/z?timeout=1", "a", "b", "x = 1", "a, b",
    "---", "...\n", "%YAML 1.2\n", "? ", "~", "null", "true", "yes", "1e3", ".inf", "0x1F",
    "-1", "string", "int[]", "Order?", "map<int>", "= 3", "'500ms'", "a => b, i", "\x00",
    "\ufeff", "\u2028", "\x85", "\\", "%", "@",
)
yamlish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)),
                   max_size=40).map("".join)


# Inputs found to make `check_text` raise when these tests were written (regressions).
HUGE_PLAIN_INT = "1" * 4301  # int() refuses more than 4,300 digits (ValueError)
HUGE_GML_INT = "flow:\n  name: x\n  node:\n    a:\n      with: '" + "1" * 4301 + "'\n"
DEEP_TYPE = ("flow:\n  name: x\n  args:\n    in:\n      a: string" + "[]" * 3000
             + "\n  node:\n    b:\n      with: 1\n")  # RecursionError in the type parser
BIG_ESCAPE = '"\\UFFFFFFFF"'  # chr() of a code point beyond 0x10FFFF (OverflowError)


@given(st.one_of(st.text(max_size=300), yamlish))
@settings(max_examples=250, deadline=None)
@example(HUGE_PLAIN_INT)
@example(HUGE_GML_INT)
@example(DEEP_TYPE)
@example(BIG_ESCAPE)
@example("")
@example("flow:")
@example("flow:\n    name: x\n    node:\n        a: &a {with: 1, next: *a}\n")
@example("a: &a [*a]")
@example("\tflow: x")
@example("flow: !!str\n  node:")
def test_check_text_never_raises_on_random_text(text: str) -> None:
    check(text)


@pytest.mark.parametrize("text", ["[" * 30_000, "- " * 30_000, "{a: " * 30_000],
                         ids=["flow-sequences", "block-sequences", "flow-mappings"])
def test_deeply_nested_yaml_is_a_diagnostic_not_a_crash_of_the_interpreter(text: str) -> None:
    # Run in a child process: a C stack overflow in a YAML extension would kill pytest.
    code = ("import sys, fdl\n"
            "result = fdl.check_text(sys.stdin.read())\n"
            "print(sorted({d.code for d in result.diagnostics}))\n")
    done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"exit status {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.strip() == "['E101']"


@given(yamlish)
@settings(max_examples=150, deadline=None)
def test_check_text_never_raises_after_a_flow_prefix(tail: str) -> None:
    check("flow:\n    name: f\n    node:\n        a:\n            " + tail)


# ---------------------------------------------------------------- random YAML structures

GML_SNIPPETS = ("x = 1", "a.b", "customerId", "a + ", "`${a}`", "CASE WHEN a THEN 1 END",
                "...a", "a => b", "ids => id, i", "xs => x", "a, b", "a.filter(x => x > 1)",
                "{a: 1}", "[1, 2]", "'10s'", "500", "api://crm/customer", "db://a.b/c",
                "mq://t/p?topic=x&async=true", "string", "int?", "Order[]", "map<Order>",
                "string = 'x'", "DATE('-3M')", "", " ", "$", "this", "now", "tenantId")
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(GML_SNIPPETS))
ids = st.one_of(st.sampled_from(("a", "b", "c", "merge", "now", "tenantId", "x-y", "1a")),
                st.text(min_size=1, max_size=6))
keys = st.one_of(st.sampled_from(NODE_KEYS + FLOW_KEYS), ids)
trees = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4)
    | st.dictionaries(keys, children, max_size=5), max_leaves=30)


def _node_block(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    value = st.one_of(scalars, st.lists(st.sampled_from(("a", "b", "c", "merge")), max_size=3),
                      st.lists(st.fixed_dictionaries({"when": scalars, "then": ids}),
                               max_size=3), inner)
    node = st.dictionaries(st.sampled_from(NODE_KEYS), value, max_size=6)
    return st.dictionaries(ids, node, max_size=5)


node_blocks: st.SearchStrategy[dict[str, Any]] = st.recursive(st.just({}), _node_block,
                                                            max_leaves=6)
flows = st.fixed_dictionaries(
    {"flow": st.fixed_dictionaries(
        {"name": scalars, "node": st.one_of(node_blocks, trees)},
        optional={"args": st.one_of(trees, st.fixed_dictionaries(
            {}, optional={"in": st.dictionaries(ids, scalars, max_size=4),
                          "out": st.one_of(scalars, st.dictionaries(ids, scalars, max_size=3)),
                          "defs": st.dictionaries(ids, st.dictionaries(ids, scalars, max_size=3),
                                                  max_size=3)})),
                  "vars": scalars, "desp": scalars})})


def dump_pyyaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def dump_pyyaml_flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=False)


def dump_ruamel(value: Any) -> str:
    out = io.StringIO()
    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = False
    writer.dump(value, out)
    return out.getvalue()


DUMPERS: tuple[Callable[[Any], str], ...] = (dump_pyyaml, dump_pyyaml_flow, dump_ruamel)


@given(st.one_of(trees, flows), st.sampled_from(DUMPERS))
@settings(max_examples=200, deadline=None)
def test_check_text_never_raises_on_random_yaml_structures(
        value: Any, dump: Callable[[Any], str]) -> None:
    check(dump(value))


@given(trees, st.text(max_size=10), st.sampled_from(DUMPERS))
@settings(max_examples=100, deadline=None)
def test_check_text_never_raises_on_random_node_blocks(
        node: Any, name: str, dump: Callable[[Any], str]) -> None:
    check(dump({"flow": {"name": name, "node": node}}))


# ---------------------------------------------------------------- scalar styles

# GML positions are mapped back into the file through the scalar's style (compiler/_textmap.py):
# every style of YAML scalar, with escapes, folding and indentation indicators.
STYLED = """\
flow:
    name: Styles
    args:
        in:
            a: string
            ids: string[]
    vars: n = 0
    node:
        first:
            exec: api://crm/customer
            args: id = a
            next: second
        second:
            with: x = first.id
            next: third
        third:
            each: ids => id, i
            node:
                inner:
                    exec: api://crm/user
                    args: userId = id
            with: n
"""
STYLED_FIELDS = (("first", "args"), ("first", "next"), ("first", "exec"), ("second", "with"),
                 ("second", "sets"), ("second", "only"), ("third", "each"), ("third", "with"),
                 ("inner", "args"), ("inner", "with"), ("third", "vars"))
GML_WORDS = ("a", "first.id", "x = ", "n + 1", "id", "'s'", '"d"', "`t ${a}`", "${", "#",
             "=>", ",", "ids => id", "second, third", "CASE", "WHEN", "a.b(", "é", "客户",
             "\\", "\\n", "'", '"', "  ", "\t", "\n", "\n\n", "\r\n", ": ", " #c",
             "undefined", "1 / 0", "[1,", "}")
gml_texts = st.lists(st.one_of(st.sampled_from(GML_WORDS), st.text(max_size=3)),
                     min_size=1, max_size=8).map(" ".join)


@st.composite
def styled_scalar(draw: st.DrawFn, value: str, indent: str) -> str:
    """``value`` written as a YAML scalar in a random style, continuation lines indented."""
    style = draw(st.sampled_from(("plain", "single", "double", "literal", "folded")))
    lines = value.split("\n")
    more = indent + "    "
    if style == "plain":
        return "\n".join([lines[0], *(more + line for line in lines[1:])])
    if style == "single":
        body = value.replace("'", "''").split("\n")
        return "'" + "\n".join([body[0], *(more + line for line in body[1:])]) + "'"
    if style == "double":
        out = []
        for char in value:
            if char in '"\\':
                out.append("\\" + char)
            elif char == "\n":
                out.append(draw(st.sampled_from(("\\n", "\n" + more, "\\\n" + more))))
            elif draw(st.integers(0, 9)) == 0:
                out.append(draw(st.sampled_from((f"\\x{ord(char):02x}" if ord(char) < 256
                                                 else f"\\u{ord(char):04x}",
                                                 f"\\U{ord(char):08x}"))))
            else:
                out.append(char)
        return '"' + "".join(out) + '"'
    header = ("|" if style == "literal" else ">") + draw(
        st.sampled_from(("", "-", "+", "4", "4-", "2+", " # c")))
    pad = more if not header[1:2].isdigit() else indent + " " * int(header[1])
    return header + "\n" + "\n".join(pad + line if line else line for line in lines)


@st.composite
def styled_flows(draw: st.DrawFn) -> str:
    node, key = draw(st.sampled_from(STYLED_FIELDS))
    lines = STYLED.split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip() == f"{node}:")
    indent = " " * (len(lines[at]) - len(lines[at].lstrip()) + 4)
    value = draw(styled_scalar(draw(gml_texts), indent))
    end = at + 1
    while end < len(lines) and lines[end].startswith(indent):
        end += 1
    body = [line for line in lines[at + 1:end] if not line.startswith(f"{indent}{key}:")]
    if key == "each" or (key == "vars" and node == "third"):
        body.insert(0, f"{indent}{key}: {value}")
    else:
        body.append(f"{indent}{key}: {value}")
    return "\n".join([*lines[:at + 1], *body, *lines[end:]])


@given(styled_flows())
@settings(max_examples=150, deadline=None)
def test_check_text_never_raises_on_gml_fields_in_any_scalar_style(text: str) -> None:
    check(text)


# ---------------------------------------------------------------- mutations of valid flows

TOKENS = ("a", "b", "merge", "next", "then", "null", "==", "=>", ":", ": ", "-", ",", "'",
          '"', "|", "#", "&x", "*x", "{", "[", "exec", "with", "node", "each", "when", "case",
          "wait", "sets", "vars", "1", "1.5", "'1s'", "api://x/y", "customer", "order", "客户",
          "\t", "", "...", "`${x}`", "DATE()", "string?", "int[]")
_TOKEN = re.compile(r"\w+|[^\w\s]+")
_NODE_ID_LINE = re.compile(r"^(\s*)([A-Za-z_][\w\-]*):\s*$")


def _mutate(text: str, draw: st.DrawFn) -> str:
    """One random edit of a flow's text."""
    lines = text.split("\n")
    kind = draw(st.sampled_from(
        ("delete", "duplicate", "swap", "indent", "token", "char", "rename", "next")))
    at = draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        del lines[at]
    elif kind == "duplicate":
        lines.insert(at, lines[at])
    elif kind == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == "indent":
        delta = draw(st.sampled_from((-4, -2, -1, 1, 2, 4)))
        stripped = lines[at].lstrip(" ")
        depth = len(lines[at]) - len(stripped)
        lines[at] = " " * max(0, depth + delta) + stripped
        if draw(st.booleans()):
            lines[at] = lines[at].replace("    ", "\t", 1)
    elif kind == "token":
        found = list(_TOKEN.finditer(lines[at]))
        if found:
            match = draw(st.sampled_from(found))
            new = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)))
            lines[at] = lines[at][: match.start()] + new + lines[at][match.end():]
    elif kind == "char":
        spot = draw(st.integers(0, len(text)))
        char = draw(st.one_of(st.sampled_from(":-|>'\"#&*!%@`{}[],\t\n "),
                                   st.characters()))
        return text[:spot] + char + text[spot:]
    elif kind == "rename":
        names = [m.group(2) for line in lines if (m := _NODE_ID_LINE.match(line))
                 and m.group(2) not in ("flow", "args", "in", "out", "defs", "node", "case")]
        if names:
            old = draw(st.sampled_from(names))
            new = draw(st.one_of(st.sampled_from((*names, "now", "tenantId", "x y", "1a",
                                                       "customerId", "merge2")),
                                      st.text(min_size=1, max_size=5)))
            everywhere = draw(st.booleans())
            pattern = re.compile(rf"\b{re.escape(old)}\b")
            if everywhere:
                lines = [pattern.sub(lambda _m: new, line) for line in lines]
            else:
                lines[at] = pattern.sub(lambda _m: new, lines[at], count=1)
    else:  # remove a next (or one of its targets)
        nexts = [i for i, line in enumerate(lines) if line.strip().startswith("next:")]
        if nexts:
            i = draw(st.sampled_from(nexts))
            targets = lines[i].split(":", 1)[1].split(",")
            if len(targets) > 1 and draw(st.booleans()):
                del targets[draw(st.integers(0, len(targets) - 1))]
                lines[i] = lines[i].split(":", 1)[0] + ":" + ",".join(targets)
            else:
                del lines[i]
    return "\n".join(lines)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = VALID_FLOWS[draw(st.sampled_from(sorted(VALID_FLOWS)))]
    for _ in range(draw(st.integers(1, 3))):
        text = _mutate(text, draw)
    return text


@given(mutated())
@settings(max_examples=200, deadline=None)
@example(SPEC_FLOW.replace("next: merge\n        orderCount", "next: customer\n        orderCount"))
@example(ORDER_REVIEW.replace("    node:\n        order:", "    node:\n        order:\n"
                              "            node:", 1))
def test_mutated_flows_never_raise_and_clean_results_have_sound_plans(text: str) -> None:
    check(text)


@given(st.one_of(mutated(), yamlish, st.builds(dump_pyyaml, flows)))
@settings(max_examples=60, deadline=None)
def test_compiling_the_same_text_twice_gives_the_same_diagnostics(text: str) -> None:
    first = check(text)
    second = check(text)
    assert diagnostics(first) == diagnostics(second)
    assert (first.plan is None) == (second.plan is None)
    if first.plan is not None and second.plan is not None:
        assert first.plan.to_dict() == second.plan.to_dict()
