"""Files changed on disk, outside the editor's documents (`lsp.watching`): the server asks
the client to watch flows, ToolSpecs and the registry, and checks again what depends on
them. This module's client supports dynamic registration (the other modules' do not)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from ._support import CALLER_FLOW, CHILD_FLOW, CONFIG, Session, flow_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

USES_USER = flow_text("""
    flow:
        name: Uses user
        node:
            user:
                exec: api://crm-service/user
                args: userId = '42'
""")


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    capabilities = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
            dynamic_registration=True)))
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    yield
    await lsp_client.shutdown_session()


def _changed(session: Session, *paths: Path,
             kind: types.FileChangeType = types.FileChangeType.Changed) -> None:
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=p.resolve().as_uri(), type=kind) for p in paths]))


def _codes(found: list[types.Diagnostic]) -> list[object]:
    return [d.code for d in found]


@pytest.fixture
def greeting(project: Path) -> Iterator[Path]:
    """The called flow's file, put back after the test."""
    path = project / "flows" / "greeting.yaml"
    yield path
    path.write_text(CHILD_FLOW, encoding="utf-8")


async def test_the_server_asks_to_watch_flows_toolspecs_and_the_registry(
        session: Session) -> None:
    await session.open("caller.yaml", CALLER_FLOW)  # initialized has been handled
    [registration] = session.client.registrations  # type: ignore[attr-defined]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = registration.register_options  # as sent: the client does not structure it
    globs = [w["globPattern"] for w in options["watchers"]]
    assert globs == ["**/*.yaml", "**/*.yml", "**/*.json", "**/registry.db",
                     "**/registry.db-wal"]
    session.close(session.uri("caller.yaml"))


async def test_an_open_caller_follows_the_called_flow_changed_on_disk(
        session: Session, greeting: Path) -> None:
    uri = await session.open("caller.yaml", CALLER_FLOW)
    assert await session.diagnostics(uri, 1) == []
    greeting.write_text(CHILD_FLOW.replace("name: string ", "who: string  ")
                        .replace("+ name", "+ who"), encoding="utf-8")
    _changed(session, greeting)
    assert _codes(await session.published(uri, bool)) == ["E303", "E302"]
    greeting.write_text(CHILD_FLOW, encoding="utf-8")
    _changed(session, greeting)
    assert await session.published(uri, lambda found: not found) == []
    session.close(uri)


async def test_an_open_flow_follows_its_toolspecs(session: Session, project: Path) -> None:
    spec = project / "tools" / "crm_user.yaml"
    text = spec.read_text(encoding="utf-8")
    uri = await session.open("uses_user.yaml", USES_USER)
    assert await session.diagnostics(uri, 1) == []
    try:
        spec.write_text(text.replace("userId: string", "id: string    "), encoding="utf-8")
        _changed(session, spec)
        assert _codes(await session.published(uri, bool)) == ["E303", "E302"]
    finally:
        spec.write_text(text, encoding="utf-8")
    _changed(session, spec)
    assert await session.published(uri, lambda found: not found) == []
    session.close(uri)


async def test_a_flow_created_on_disk_is_found_by_its_callers(session: Session,
                                                              project: Path) -> None:
    text = CALLER_FLOW.replace("flow://greeting", "flow://later")
    uri = await session.open("calls_later.yaml", text)
    assert _codes(await session.diagnostics(uri, 1)) == ["E301"]
    later = project / "flows" / "later.yaml"
    later.write_text(CHILD_FLOW, encoding="utf-8")
    try:
        _changed(session, later, kind=types.FileChangeType.Created)
        assert await session.published(uri, lambda found: not found) == []
    finally:
        later.unlink()
    _changed(session, later, kind=types.FileChangeType.Deleted)
    assert _codes(await session.published(uri, bool)) == ["E301"]
    session.close(uri)


async def test_published_closed_callers_follow_their_files(session: Session, project: Path
                                                           ) -> None:
    welcome = project / "flows" / "welcome.yaml"
    welcome.write_text(CALLER_FLOW, encoding="utf-8")
    welcome_uri = welcome.resolve().as_uri()
    callee = await session.open("greeting.yaml")
    await session.change(callee, CHILD_FLOW.replace("name: string ", "who: string  ")
                         .replace("+ name", "+ who"))
    assert _codes(await session.published(welcome_uri, bool)) == ["E303", "E302"]
    # Mended on disk (by another tool): its diagnostics are cleared.
    welcome.write_text(CALLER_FLOW.replace("name =", "who ="), encoding="utf-8")
    _changed(session, welcome)
    assert await session.published(welcome_uri, lambda found: not found) == []
    # Broken again on disk, then deleted: its diagnostics follow, then are cleared.
    welcome.write_text(CALLER_FLOW.replace("name =", "whom ="), encoding="utf-8")
    _changed(session, welcome)
    assert _codes(await session.published(welcome_uri, bool)) == ["E303", "E302"]
    welcome.unlink()
    _changed(session, welcome, kind=types.FileChangeType.Deleted)
    assert await session.published(welcome_uri, lambda found: not found) == []
    await session.change(callee, CHILD_FLOW)
    session.close(callee)
