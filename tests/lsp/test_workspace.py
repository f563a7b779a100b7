"""Features that cross files: a called flow's ``flow`` key and inputs are found, renamed and
checked in the flows that call it, open in the editor or only on disk (`lsp.workspace`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from ._support import CALLER_FLOW, CHILD_FLOW, Session, flow_text, position_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

OPEN_CALLER = CALLER_FLOW

CLOSED_CALLER = flow_text("""
    flow:
        name: Welcome
        node:
            welcome:
                exec: flow://greeting?timeout=5000
                args: |
                    polite = true
                    name = 'Bo'
""")


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def _file_uri(project: Path, name: str) -> str:
    return (project / "flows" / name).resolve().as_uri()


@pytest.fixture
def closed_caller(project: Path) -> Iterator[str]:
    """A flow on disk (never opened) that calls ``flow://greeting``."""
    path = project / "flows" / "welcome.yaml"
    path.write_text(CLOSED_CALLER, encoding="utf-8")
    yield _file_uri(project, "welcome.yaml")
    path.unlink()


def _places(locations: list[types.Location]) -> list[tuple[str, int, int]]:
    return [(Path(loc.uri).name, loc.range.start.line, loc.range.start.character)
            for loc in locations]


def _edits(edit: types.WorkspaceEdit | None) -> dict[str, list[tuple[int, int, str]]]:
    assert edit is not None and edit.changes is not None
    return {Path(uri).name: sorted((e.range.start.line, e.range.start.character, e.new_text)
                                   for e in edits)
            for uri, edits in edit.changes.items()}


async def test_references_of_a_flow_span_its_file_and_every_caller(
        session: Session, closed_caller: str) -> None:
    uri = await session.open("caller.yaml", OPEN_CALLER)
    refs = await session.client.text_document_references_async(types.ReferenceParams(
        text_document=_doc(uri), position=position_of(OPEN_CALLER, "flow://greeting", 9),
        context=types.ReferenceContext(include_declaration=True)))
    assert refs is not None
    # The definition (greeting.yaml's flow key) first, then the calls, open or on disk.
    assert _places(refs)[0] == ("greeting.yaml", 0, 0)
    assert sorted(_places(refs)[1:]) == [("caller.yaml", 4, 18), ("welcome.yaml", 4, 18)]
    without = await session.client.text_document_references_async(types.ReferenceParams(
        text_document=_doc(uri), position=position_of(OPEN_CALLER, "flow://greeting", 9),
        context=types.ReferenceContext(include_declaration=False)))
    assert without is not None
    assert sorted(_places(without)) == [("caller.yaml", 4, 18), ("welcome.yaml", 4, 18)]
    session.close(uri)


async def test_definition_of_a_flow_and_of_an_argument_is_in_the_called_flow(
        session: Session) -> None:
    uri = await session.open("caller.yaml", OPEN_CALLER)
    target = await session.client.text_document_definition_async(types.DefinitionParams(
        text_document=_doc(uri), position=position_of(OPEN_CALLER, "greeting", 2)))
    assert isinstance(target, list)
    assert _places(target) == [("greeting.yaml", 0, 0)]
    assert (target[0].range.end.line, target[0].range.end.character) == (0, 4)
    argument = await session.client.text_document_definition_async(types.DefinitionParams(
        text_document=_doc(uri), position=position_of(OPEN_CALLER, "name = ", 1)))
    assert isinstance(argument, list)
    assert _places(argument) == [("greeting.yaml", 5, 12)]  # `name: string` under `in`
    session.close(uri)


async def test_rename_an_input_renames_the_arguments_of_its_callers(
        session: Session, closed_caller: str) -> None:
    caller = await session.open("caller.yaml", OPEN_CALLER)
    callee = await session.open("greeting.yaml")
    edit = await session.client.text_document_rename_async(types.RenameParams(
        text_document=_doc(callee), position=position_of(CHILD_FLOW, "name: string", 1),
        new_name="who"))
    expected = {
        "greeting.yaml": [(5, 12, "who"), (10, 30, "who")],  # the input, the read in GML
        "caller.yaml": [(5, 18, "who")],
        "welcome.yaml": [(7, 16, "who")],  # not open: the file on disk
    }
    assert _edits(edit) == expected
    # From a caller's argument, the same edit.
    edit = await session.client.text_document_rename_async(types.RenameParams(
        text_document=_doc(caller), position=position_of(OPEN_CALLER, "name = ", 2),
        new_name="who"))
    assert _edits(edit) == expected
    session.close(callee)
    session.close(caller)


async def test_an_argument_can_be_renamed_only_to_a_gml_name(session: Session) -> None:
    caller = await session.open("caller.yaml", OPEN_CALLER)
    prepared = await session.client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=_doc(caller),
                                  position=position_of(OPEN_CALLER, "name = ", 1)))
    assert isinstance(prepared, types.Range)
    assert (prepared.start.line, prepared.start.character) == (5, 18)
    with pytest.raises(Exception, match="not a valid name"):
        await session.client.text_document_rename_async(types.RenameParams(
            text_document=_doc(caller), position=position_of(OPEN_CALLER, "name = ", 1),
            new_name="2nd"))
    session.close(caller)


async def test_closed_callers_are_checked_when_the_called_flow_changes(
        session: Session, closed_caller: str) -> None:
    callee = await session.open("greeting.yaml")
    renamed = CHILD_FLOW.replace("name: string ", "who: string  ").replace("+ name", "+ who")
    await session.change(callee, renamed)
    found = await session.published(closed_caller, bool)
    assert [d.code for d in found] == ["E303", "E302"]
    # `who` is missing (at the exec); `name = 'Bo'` names no input any more.
    assert [(d.range.start.line, d.range.start.character) for d in found] == [(4, 18), (7, 16)]
    # Put back, the caller is clean again.
    await session.change(callee, CHILD_FLOW)
    assert await session.published(closed_caller, lambda found: not found) == []
    session.close(callee)
