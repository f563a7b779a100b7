"""Helpers of the language server tests: the project folder, the client, a session that
opens documents and waits for their diagnostics."""

from __future__ import annotations

import asyncio
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def server_command() -> list[str]:
    """``fdl lsp`` with the interpreter running the tests (no debounce wait in tests is
    needed: 50 ms keeps them quick while still exercising it)."""
    return [sys.executable, "-c", "from fdl.cli import main; main()", "lsp",
            "--debounce", "0.05"]


USER_TOOL = """\
type: api
code: crm-service/user
desp: Returns one user of the CRM.
args:
    defs:
        User:
            id: string
            name: string
            mail: string?
    in:
        userId: string             # the user's id
    out: User
"""

CHILD_FLOW = """\
flow:
    name: Greeting
    desp: Greets one customer.
    args:
        in:
            name: string           # who to greet
            polite: bool?          # say please
        out: string
    node:
        greet:
            with: "'hello ' + name"
"""


CALLER_FLOW = """\
flow:
    name: Caller
    node:
        hello:
            exec: flow://greeting
            args: name = 'Ann'
"""
"""A flow that calls `CHILD_FLOW` (``flow://greeting``)."""


def make_project(folder: Path) -> Path:
    """A project like the examples: configuration, tools and flows."""
    shutil.copy(EXAMPLES / "fdl.yaml", folder / "fdl.yaml")
    shutil.copytree(EXAMPLES / "tools", folder / "tools")
    (folder / "tools" / "crm_user.yaml").write_text(USER_TOOL, encoding="utf-8")
    flows = folder / "flows"
    flows.mkdir()
    shutil.copy(EXAMPLES / "flows" / "customer_view.yaml", flows / "customer_view.yaml")
    shutil.copy(ROOT / "tests" / "flows" / "order_review.yaml", flows / "order_review.yaml")
    (flows / "greeting.yaml").write_text(CHILD_FLOW, encoding="utf-8")
    return folder


def flow_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


class Session:
    """Helpers over a connected client: open documents and wait for their diagnostics."""

    def __init__(self, client: LanguageClient, project: Path) -> None:
        self.client = client
        self.project = project
        self.versions: dict[str, int] = {}

    def uri(self, name: str) -> str:
        return (self.project / "flows" / name).as_uri()

    async def open(self, name: str, text: str | None = None) -> str:
        """Open a flow of the project (its file's text unless given); wait for its first
        diagnostics."""
        path = self.project / "flows" / name
        if text is None:
            text = path.read_text(encoding="utf-8")
        uri = path.as_uri()
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1,
                                                 text=text)))
        await self.diagnostics(uri, 1)
        return uri

    async def change(self, uri: str, text: str, *, wait: bool = True) -> int:
        """Replace the whole text; wait for the diagnostics of the new version."""
        version = self.versions[uri] + 1
        self.versions[uri] = version
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        if wait:
            await self.diagnostics(uri, version)
        return version

    async def edit(self, uri: str, line: int, start: int, end: int, new: str) -> int:
        """An incremental edit of one line."""
        version = self.versions[uri] + 1
        self.versions[uri] = version
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=line, character=start),
                              end=types.Position(line=line, character=end)), text=new)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[change]))
        return version

    async def diagnostics(self, uri: str, version: int | None = None
                          ) -> list[types.Diagnostic]:
        """The diagnostics of ``uri`` once the server published them for ``version``."""
        while True:
            published = self.client.diagnostics.get(uri)
            if published is not None and (version is None or self._version(uri) == version):
                return list(published)
            await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    async def published(self, uri: str, wanted: Callable[[list[types.Diagnostic]], bool]
                        ) -> list[types.Diagnostic]:
        """The diagnostics of ``uri`` once the last published ones are ``wanted``, for a
        file that is not open or one checked again without a new version (at most 10 s)."""
        async with asyncio.timeout(10):
            while True:
                found = list(self.client.diagnostics.get(uri, ()))
                if uri in self.client.diagnostics and wanted(found):
                    return found
                await self.client.wait_for_notification(
                    types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    def _version(self, uri: str) -> int | None:
        published: dict[str, int | None] = getattr(self.client, "published_versions", {})
        return published.get(uri)

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))


def make_client() -> LanguageClient:
    """pytest-lsp's test client, also recording the version of each diagnostics
    notification (it keeps only the diagnostics) and the capabilities the server registers
    (``client.registrations``)."""
    versions: dict[str, int | None] = {}

    def on_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams
                       ) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        versions[params.uri] = params.version

    registrations: list[types.Registration] = []

    def on_register(_client: LanguageClient, params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    client = LanguageClient(converter_factory=default_converter)
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES,
                                   types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: on_diagnostics,
                                   types.CLIENT_REGISTER_CAPABILITY: on_register})
    client.published_versions = versions  # type: ignore[attr-defined]
    client.registrations = registrations  # type: ignore[attr-defined]
    return client


CONFIG = ClientServerConfig(server_command=server_command(), client_factory=make_client)


def position_of(text: str, needle: str, delta: int = 0, nth: int = 0) -> types.Position:
    """The position of the ``nth`` occurrence of ``needle`` in ``text``, plus ``delta``
    characters (ASCII texts)."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    index += delta
    line = text.count("\n", 0, index)
    return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))
