"""GML being typed: hover and definition keep working on the complete parts of a program
that does not parse yet, and its parse error is on the line where the problem is."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

import gml
from lsp._recovery import recover

from ._support import Session, position_of

_ASYNC = pytest.mark.asyncio(loop_scope="module")


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


@pytest.fixture(scope="module")
def view_text(project: Path) -> str:
    return (project / "flows" / "customer_view.yaml").read_text(encoding="utf-8")


async def _hover(session: Session, uri: str, text: str, needle: str, delta: int) -> str:
    result = await session.client.text_document_hover_async(types.HoverParams(
        text_document=_doc(uri), position=position_of(text, needle, delta)))
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    return result.contents.value


async def _g101(session: Session, uri: str, text: str) -> types.Diagnostic:
    version = await session.change(uri, text)
    found = [d for d in await session.diagnostics(uri, version) if d.code == "G101"]
    assert len(found) == 1, found
    return found[0]


@_ASYNC
@pytest.mark.parametrize(("complete", "typing"), [
    ("name = customer.name", "name = customer."),  # a dangling dot
    ("bigTotal = bigOrders.sum('amount')", "bigTotal = [bigOrders.sum('amount')"),  # a bracket
])
async def test_the_complete_parts_keep_hover_and_definition(session: Session, view_text: str,
                                                            complete: str, typing: str) -> None:
    uri = await session.open("customer_view.yaml")
    text = view_text.replace(complete, typing)
    error = await _g101(session, uri, text)
    assert error.range.start.line == position_of(text, typing).line
    hover = await _hover(session, uri, text, "orders = orderCount", 10)
    assert "orderCount: long" in hover
    level = await _hover(session, uri, text, "level = gold ?? silver", 8)
    assert "gold" in level
    found = await session.client.text_document_definition_async(types.DefinitionParams(
        text_document=_doc(uri), position=position_of(text, "id = customer.id", 6)))
    assert isinstance(found, list) and len(found) == 1
    assert found[0].range.start == position_of(text, "customer:")
    await session.change(uri, view_text)


@_ASYNC
async def test_the_dangling_receiver_keeps_its_type(session: Session, view_text: str) -> None:
    uri = await session.open("customer_view.yaml")
    text = view_text.replace("name = customer.name", "name = customer.")
    await _g101(session, uri, text)
    hover = await _hover(session, uri, text, "name = customer.", 8)
    assert "customer: Customer" in hover
    await session.change(uri, view_text)


# ---------------------------------------------------------------------- the parser


@pytest.mark.parametrize(("text", "line"), [
    ("a = customer.\nb = 2\n", 1),
    ("a = [1, 2\nb = 3\n", 1),
    ("a = customer.\n\n  # a comment\nb = 2\n", 1),
    ("x = f(a,\n  b c)\n", 2),  # the second line is wrong by itself
    ("x = 1\ny = (\n", 2),
])
def test_parse_errors_are_on_the_line_of_the_problem(text: str, line: int) -> None:
    with pytest.raises(gml.GmlSyntaxError) as raised:
        gml.parse(text)
    assert raised.value.line == line


def test_recovery_blanks_the_broken_part_only() -> None:
    recovered = recover("a = customer.\nb = 2\n")
    assert recovered is not None
    program, text = recovered
    assert text == "a = customer \nb = 2\n"
    assert [type(s).__name__ for s in program.statements] == ["Assign", "Assign"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab =.+([{}]),'\n#1", max_size=40))
def test_recovery_never_raises_and_keeps_offsets(text: str) -> None:
    recovered = recover(text)
    if recovered is not None:
        program, blanked = recovered
        assert len(blanked) == len(text)
        assert program.span.end <= len(text)
        if not [c for a, c in zip(text, blanked, strict=True) if a != c]:
            assert program == gml.parse(text)


# ---------------------------------------------------------------------- a big document


@_ASYNC
async def test_opening_a_big_flow_does_not_hold_up_other_requests(session: Session,
                                                                   view_text: str) -> None:
    from benchmarks.compile_bench import make_flow

    small = await session.open("customer_view.yaml")
    big = session.uri("big.yaml")
    session.client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=big, language_id="yaml", version=1,
                                             text=make_flow(1000))))
    hover = await _hover(session, small, view_text, "orders = orderCount", 10)
    assert "orderCount: long" in hover
    # Answered while the big flow was still being checked (its check takes far longer
    # than a hover; before, the check ran on the event loop and the hover waited for it).
    assert session.client.diagnostics.get(big) is None
    await session.diagnostics(big, 1)


def test_moving_the_error_does_not_recurse_over_many_broken_lines() -> None:
    text = "a = customer.\n" * 3000 + "b = 1\n"
    with pytest.raises(gml.GmlSyntaxError) as raised:
        gml.parse(text)
    assert raised.value.line == 2  # the second line is broken by itself
