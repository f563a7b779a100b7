"""Language server tests: a real client (pytest-lsp) talks to ``fdl lsp`` over stdio.

These tests are asyncio tests (pytest-asyncio, strict mode): every module marks its tests
``pytest.mark.asyncio(loop_scope="module")`` and shares one server per module (starting
the server costs about a second). Nothing here changes how the rest of the suite runs.

The server works on a project folder made from the examples: ``fdl.yaml``, ToolSpecs under
``tools/`` and flows under ``flows/`` (`_support.make_project`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._support import make_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


