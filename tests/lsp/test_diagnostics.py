"""Diagnostics end to end: published on open and after (debounced) changes, with versions,
exact ranges inside GML, for callers of a changed flow, and cleared on close."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lsprotocol import types

from lsp._project import Projects
from lsp.analysis import analyze
from lsp.diagnostics import to_lsp_all

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


async def test_many_quick_edits_end_with_the_diagnostics_of_the_last_text(
        session: Session) -> None:
    """Forty incremental edits of an example flow, sent faster than the debounce at times
    and waited for at others: the server's copy of the text follows every edit, and the
    last diagnostics are those of an analysis of the same text made here."""
    path = session.project / "flows" / "order_review.yaml"
    text = path.read_text(encoding="utf-8")
    uri = await session.open("order_review.yaml")
    rng = random.Random(20261202)
    pieces = [" ", "x", "1", ".", ":", "'", "(", ")", "=", "+ 1", "next: merge", "\n", ""]
    version = 1
    for step in range(40):
        lines = text.split("\n")
        line = rng.randrange(len(lines))
        start = rng.randint(0, len(lines[line]))
        end = rng.randint(start, len(lines[line]))
        new = rng.choice(pieces)
        lines[line] = lines[line][:start] + new + lines[line][end:]
        text = "\n".join(lines)
        version = await session.edit(uri, line, start, end, new)
        if step % 7 == 6:  # now and then the author pauses
            await session.diagnostics(uri, version)
    published = await session.diagnostics(uri, version)
    projects = Projects()
    project = projects.project_of(path)
    expected = analyze(path.as_uri(), text, version, path=path, project=project,
                       catalog=projects.catalog(project, _read))
    assert expected.diagnostics, "the edits were meant to break the flow"
    assert _summary(published) == _summary(to_lsp_all(expected.diagnostics, expected.lines))
    assert [d.message for d in published] == [d.message for d in expected.diagnostics]
    session.close(uri)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


CQL_TYPO = flow_text("""
    flow:
        name: Typo
        node:
            big:
                exec: db://ec.order/list
                args: exps = 'amout > 100 && customerId = c1', proj = 'id, amount'
""")


async def test_literal_cql_is_checked_in_the_editor(session: Session) -> None:
    """tools.md §6: a literal ``exps`` is checked as the flow is edited (Q201 with the
    suggestion, W215 for a bare word), at the characters inside the GML string."""
    uri = await session.open("cql_typo.yaml", CQL_TYPO)
    diagnostics = await session.diagnostics(uri, 1)
    assert _summary(diagnostics) == [
        ("Q201", types.DiagnosticSeverity.Error, 5, 26, 5, 31),
        ("W215", types.DiagnosticSeverity.Warning, 5, 54, 5, 56),
    ]
    assert "did you mean 'amount'" in diagnostics[0].message
    session.close(uri)


async def test_requests_right_after_a_change_wait_for_its_diagnostics(
        session: Session) -> None:
    """Editors ask for semantic tokens and inlay hints after every change: the server
    answers them from the analysis of the new text once its diagnostics are out, instead
    of analysing the text a second time ahead of them."""
    text = flow_text("""
        flow:
            name: Waiting
            node:
                a:
                    with: 1
    """)
    uri = await session.open("waiting.yaml", text)
    version = await session.change(uri, text.replace("with: 1", "with: zz"), wait=False)
    tokens = await session.client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert tokens is not None
    # The diagnostics of the new version were published before the answer arrived.
    assert session._version(uri) == version
    assert [d.code for d in session.client.diagnostics[uri]] == ["G204"]
    session.close(uri)
