"""Language server tests: a real client (pytest-lsp) talks to ``fdl lsp`` over stdio.

These tests are asyncio tests (pytest-asyncio, strict mode): every module marks its tests
``pytest.mark.asyncio(loop_scope="module")`` and shares one server per module (starting
the server costs about a second). Nothing here changes how the rest of the suite runs.

Each module gets its own server through the module-scoped ``client`` and ``session``
fixtures below.

The server works on a project folder made from the examples: ``fdl.yaml``, ToolSpecs under
``tools/`` and flows under ``flows/`` (`_support.make_project`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from ._support import CONFIG, Session, make_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
def session(client: LanguageClient, project: Path) -> Session:
    return Session(client, project)
