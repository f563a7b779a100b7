"""The layers of design.md hold: the import-linter contracts of pyproject.toml (layer order,
the editor apart from the trio world, sans-I/O core, click only in the CLI, private modules
private, no cycles inside a package), and what importing the language server really loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # lint-imports reads [tool.importlinter] from pyproject.toml here
    assert lint_imports(no_cache=True) == 0


def _loaded_by(code: str) -> set[str]:
    script = (code + "\nimport json, sys\n"
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_language_server_loads_no_runtime() -> None:
    loaded = _loaded_by("import lsp.server")
    assert "lsp" in loaded
    assert not loaded & {"trio", "runtime", "httpx", "click", "rich", "psycopg", "pymysql"}


def test_the_compiler_loads_no_runtime_and_no_adapter() -> None:
    loaded = _loaded_by("import compiler")
    assert "compiler" in loaded
    assert not loaded & {"trio", "runtime", "stdlib", "httpx", "click", "rich", "fdl", "lsp"}


def test_the_tool_port_loads_no_adapter() -> None:
    loaded = _loaded_by("import stdlib.tools")
    assert not loaded & {"httpx", "psycopg", "pymysql", "runtime", "fdl", "click"}
