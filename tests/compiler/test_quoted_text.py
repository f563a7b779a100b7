"""A GML field written as a single-quoted YAML scalar is text (spec/fdl.md §1, W214), and
the "quote it" hint on GML errors of unquoted prose."""

from __future__ import annotations

import textwrap
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import fdl
from compiler import Plan
from compiler.plan import Field
from compiler.reader import double_quoted, looks_like_prose, reads_as_expression
from gml.types import STRING

from .conftest import codes, compile_text


def plan_of(text: str) -> Plan:
    result = compile_text(text)
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    return result.plan


def field(plan: Plan, node_id: str, name: str) -> Field:
    value = getattr(plan.block.by_id[node_id], name)
    assert isinstance(value, Field)
    return value


def run(text: str, inputs: dict[str, Any] | None = None) -> Any:
    result = fdl.run(plan_of(text), inputs or {})
    assert result.status == "completed", result
    return result.output


def yaml_single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------- values


def test_single_quoted_with_is_the_text() -> None:
    plan = plan_of("""\
        flow:
            name: Greet
            node:
                hi:
                    with: '你好，尊敬的会员。'
    """)
    with_ = field(plan, "hi", "with_")
    assert (with_.program, with_.literal, with_.type) == (None, "你好，尊敬的会员。", STRING)
    assert plan.diagnostics == ()


def test_yaml_unquoting_applies_first() -> None:
    assert run("""\
        flow:
            name: Quote
            node:
                say:
                    with: 'it''s'
    """) == "it's"


def test_a_single_bare_word_is_text_not_a_name() -> None:
    assert run("""\
        flow:
            name: Word
            node:
                a:
                    with: 'Hello'
                    next: b
                b:
                    with: 'authorized'
    """) == "authorized"


def test_plain_and_double_quoted_and_block_scalars_stay_gml() -> None:
    assert run("""\
        flow:
            name: Gml
            args:
                in:
                    a: int
            node:
                plain:
                    with: a + 1
                    next: double
                double:
                    with: "a + 2"
                    next: block
                block:
                    with: |
                        a + 3
                    next: out
                out:
                    with: "[plain, double, block]"
    """, {"a": 1}) == [2, 3, 4]


def test_single_quoted_only_and_when_are_text_which_is_truthy() -> None:
    result = compile_text("""\
        flow:
            name: Guard
            node:
                a:
                    only: 'authorized'
                    with: 1
    """)
    assert result.diagnostics == ()
    assert result.plan is not None
    only = field(result.plan, "a", "only")
    assert (only.literal, only.type) == ("authorized", STRING)


def test_single_quoted_case_when_is_text() -> None:
    plan = plan_of("""\
        flow:
            name: Pick
            node:
                pick:
                    case:
                        - when: 'yes'
                          then: a
                a:
                    with: 1
    """)
    [(when, targets)] = plan.block.by_id["pick"].cases
    assert (when.literal, targets) == ("yes", ("a",))


def test_single_quoted_wait_is_the_duration_text() -> None:
    plan = plan_of("""\
        flow:
            name: Pause
            node:
                w:
                    wait: '3s'
    """)
    assert plan.block.by_id["w"].wait_ms == 3000


def test_args_in_single_quoted_is_a_text_default() -> None:
    plan = plan_of("""\
        flow:
            name: Channel
            args:
                in:
                    channel: 'pos'
                    kind: string
            node:
                out:
                    with: channel
    """)
    channel = plan.inputs[0]
    assert (channel.name, channel.type, channel.required) == ("channel", STRING, False)
    assert channel.default is not None and channel.default.literal == "pos"
    assert run("""\
        flow:
            name: Channel
            args:
                in:
                    channel: 'pos'
            node:
                out:
                    with: channel
    """) == "pos"


def test_args_in_plain_and_double_quoted_stay_types() -> None:
    assert codes("""\
        flow:
            name: Types
            args:
                in:
                    a: string
                    b: "int?"
            node:
                out:
                    with: a
    """) == []


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30))
def test_any_single_quoted_text_is_exactly_that_string(text: str) -> None:
    source = textwrap.dedent("""\
        flow:
            name: Any
            node:
                say:
                    with: {value}
    """).format(value=yaml_single_quoted(text))
    result = fdl.check_text(source, "flow.yaml")
    if any(d.code == "E101" for d in result.diagnostics):  # a character YAML does not allow
        return
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    with_ = field(result.plan, "say", "with_")
    assert with_.program is None
    assert with_.literal == text


# --------------------------------------------------------------------- W214


def test_w214_positions_in_plain_quoted_and_block_mappings() -> None:
    result = compile_text("""\
        flow:
            name: Warn
            node:
                a:
                    only: 'a > 1'
                    with: 'customer.name'
                b: {with: 'UPPER(x)'}
                c:
                    case:
                        - when: 'a == 1'
                          then: b
    """)
    found = [(d.code, d.severity, d.line, d.column, d.span.end - d.span.start)
             for d in result.diagnostics]
    assert found == [("W214", "warning", 5, 19, 7), ("W214", "warning", 6, 19, 15),
                     ("W214", "warning", 7, 19, 10), ("W214", "warning", 10, 25, 8)]
    first = result.diagnostics[0]
    assert "text" in first.message and "double quotes" in first.message
    assert first.suggestion == '"a > 1"'


def test_w214_in_args_in_and_multiline() -> None:
    assert codes("""\
        flow:
            name: Warn
            args:
                in:
                    channel: 'a.b'
            node:
                a:
                    with: 'x +
                        y'
    """) == [("W214", 5, 22), ("W214", 8, 19)]


def test_prose_and_words_never_warn() -> None:
    for text in ("Hello, Ann", "你好。", "authorized", "Hello", "it''s", "3 apples", "null",
                 "Hello world", "well-known", "N/A", "24/7", "read/write", "x-ray-vision"):
        assert codes(f"""\
            flow:
                name: Prose
                node:
                    a:
                        with: '{text}'
        """) == [], text


def test_double_quoted_expression_does_not_warn() -> None:
    assert codes("""\
        flow:
            name: Fine
            args:
                in:
                    a: int
            node:
                x:
                    only: "a > 1"
                    with: "status == 'a: b'"
    """)[0][0] == "G204"  # status is unknown: read as GML, no W214


def test_reads_as_expression() -> None:
    for text in ("a > 1", "customer.name", "UPPER(x)", "!skip", "a ? b : c", "xs[0]",
                 "a - b", "a / 2", "price-discount*2", "total/count.size"):
        assert reads_as_expression(text), text
    for text in ("Hello, Ann", "你好。", "authorized", "Hello", "", "1", "'x'", "a: 1",
                 "well-known", "N/A", "24/7"):
        assert not reads_as_expression(text), text


def test_double_quoted_escapes() -> None:
    assert double_quoted("it's") == '"it\'s"'
    assert double_quoted('say "hi"') == '"say \\"hi\\""'
    assert double_quoted("a\\b\nc") == '"a\\\\b\\nc"'


# --------------------------------------------------------------------- "quote it" hint


def test_g101_on_unquoted_prose_hints_quoting() -> None:
    result = compile_text("""\
        flow:
            name: Greet
            node:
                hi:
                    with: 你好，尊敬的会员。
    """)
    [d] = result.diagnostics
    assert (d.code, d.line) == ("G101", 5)
    assert d.message.endswith("; to write text, quote it in single quotes: "
                              "with: '你好，尊敬的会员。'")


def test_g204_on_a_capitalised_word_hints_quoting() -> None:
    result = compile_text("""\
        flow:
            name: Greet
            node:
                hi:
                    with: Hello
    """)
    [d] = result.diagnostics
    assert (d.code, d.line, d.column) == ("G204", 5, 19)
    assert d.message == ("unknown name 'Hello'; to write text, quote it in single quotes: "
                         "with: 'Hello'")


def test_words_with_spaces_hint_in_when() -> None:
    result = compile_text("""\
        flow:
            name: Greet
            node:
                b:
                    when: it is late
                    then: c
                c:
                    with: 1
    """)
    assert [d.code for d in result.diagnostics] == ["G101"]
    assert "quote it in single quotes: when: 'it is late'" in result.diagnostics[0].message


def test_expression_errors_get_no_hint() -> None:
    result = compile_text("""\
        flow:
            name: Greet
            node:
                hi:
                    with: customer.name
    """)
    [d] = result.diagnostics
    assert d.code == "G204" and "quote" not in d.message


def test_looks_like_prose() -> None:
    for text in ("你好，尊敬的会员。", "Hello", "Hello dear member.", "Grüße", "it is late"):
        assert looks_like_prose(text), text
    for text in ("customer", "a + b", "a.b", "x y + 1", "UPPER(x)"):
        assert not looks_like_prose(text), text
