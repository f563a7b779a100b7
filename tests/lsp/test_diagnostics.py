"""Diagnostics end to end: published on open and after (debounced) changes, with versions,
exact ranges inside GML, for callers of a changed flow, and cleared on close."""

from __future__ import annotations

import pytest
from lsprotocol import types

from ._support import CALLER_FLOW, Session, flow_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _summary(diagnostics: list[types.Diagnostic]) -> list[tuple[object, ...]]:
    return [(d.code, d.severity, d.range.start.line, d.range.start.character,
             d.range.end.line, d.range.end.character) for d in diagnostics]


async def test_a_clean_example_flow_has_no_diagnostics(session: Session) -> None:
    uri = await session.open("customer_view.yaml")
    assert await session.diagnostics(uri, 1) == []
    session.close(uri)


BROKEN = flow_text("""
    flow:
        name: Broken
        args:
            in:
                customerId: string
        node:
            customer:
                exec: api://crm-service/customer
                args: id = customerId
                next: mrege
            merge:
                with: |
                    name = customer.nmae
                    id = custId
""")


async def test_errors_are_published_with_exact_ranges_inside_gml(session: Session) -> None:
    uri = await session.open("broken.yaml", BROKEN)
    diagnostics = await session.diagnostics(uri, 1)
    assert _summary(diagnostics) == [
        ("E202", types.DiagnosticSeverity.Error, 9, 18, 9, 23),
        ("G205", types.DiagnosticSeverity.Error, 12, 32, 12, 36),
        ("G204", types.DiagnosticSeverity.Error, 13, 21, 13, 27),
    ]
    by_code = {d.code: d for d in diagnostics}
    assert by_code["E202"].message == "'mrege' is not a node; did you mean 'merge'?"
    assert by_code["E202"].data == {"suggestion": "merge"}
    assert by_code["G205"].source == "fdl"
    session.close(uri)


async def test_an_edit_that_breaks_and_one_that_repairs(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Edits
            node:
                first:
                    with: 1
                    next: second
                second:
                    with: first + 1
    """)
    uri = await session.open("edits.yaml", text)
    assert await session.diagnostics(uri, 1) == []
    broken = text.replace("first + 1", "frist + 1")
    version = await session.change(uri, broken)
    assert [(d.code, d.message) for d in await session.diagnostics(uri, version)] == [
        ("G204", "unknown name 'frist'; did you mean 'first'?")]
    version = await session.change(uri, broken.replace("    name: Edits\n", ""))
    assert [d.code for d in await session.diagnostics(uri, version)] == ["E102"]
    version = await session.change(uri, text)
    assert await session.diagnostics(uri, version) == []
    session.close(uri)


async def test_yaml_errors_while_typing_are_reported(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Typing
            node:
                a:
                    with: 1
    """)
    uri = await session.open("typing.yaml", text)
    version = await session.change(uri, text + "        b\n")
    assert [d.code for d in await session.diagnostics(uri, version)] == ["E101"]
    session.close(uri)


async def test_incremental_edits_are_debounced_to_one_check(session: Session) -> None:
    text = flow_text("""
        flow:
            name: Debounce
            node:
                a:
                    with: 1
    """)
    uri = await session.open("debounce.yaml", text)
    # Type "zz" into the `with` value, one character at a time, then wait once.
    await session.edit(uri, 4, 18, 19, "z")
    last = await session.edit(uri, 4, 19, 19, "z")
    diagnostics = await session.diagnostics(uri, last)
    assert [(d.code, d.range.start.character, d.range.end.character) for d in diagnostics] == [
        ("G204", 18, 20)]
    session.close(uri)


async def test_closing_clears_the_diagnostics(session: Session) -> None:
    uri = await session.open("closing.yaml", BROKEN)
    assert await session.diagnostics(uri, 1)
    session.close(uri)
    await session.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(session.client.diagnostics[uri]) == []


async def test_callers_are_checked_again_when_the_called_flow_changes(
        session: Session) -> None:
    caller_uri = await session.open("caller.yaml", CALLER_FLOW)
    assert await session.diagnostics(caller_uri, 1) == []
    callee_uri = await session.open("greeting.yaml")
    callee = (session.project / "flows" / "greeting.yaml").read_text(encoding="utf-8")
    renamed = callee.replace("name: string ", "who: string  ").replace("+ name", "+ who")
    version = await session.change(callee_uri, renamed)
    assert await session.diagnostics(callee_uri, version) == []
    while not session.client.diagnostics.get(caller_uri):
        await session.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in session.client.diagnostics[caller_uri]] == ["E303", "E302"]
    session.close(callee_uri)
    session.close(caller_uri)


async def test_yaml_files_that_are_not_flows_get_no_diagnostics(session: Session) -> None:
    uri = await session.open("settings.yaml", "tools: tools/\nflows: flows/\n")
    assert await session.diagnostics(uri, 1) == []
    session.close(uri)
