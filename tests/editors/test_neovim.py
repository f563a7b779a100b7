"""The Neovim snippets of docs/editors.md work in the real Neovim, driven headless.

``nvim --headless -u <snippet>`` opens a flow of a copy of the examples and runs
``nvim_harness.lua``: it waits for the diagnostics, asks for completion and hover through the
client the snippet started, and writes the answers as JSON. The 0.7 form runs on any Neovim from
0.7 (Debian 12 packages 0.7.2); the ``vim.lsp.config`` form needs 0.11. Without ``nvim`` (or
too old a one) the test skips; ``scripts/install-editors.sh`` installs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.editors._editors import HERE, assert_the_server_answers, drive, make_project, snippet


def nvim_version() -> tuple[int, int]:
    """The installed Neovim's (major, minor); skips without one."""
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("Neovim is not installed (scripts/install-editors.sh installs it)")
    first = subprocess.run([nvim, "--version"], capture_output=True, text=True,
                           check=True).stdout.splitlines()[0]
    match = re.match(r"NVIM v(\d+)\.(\d+)", first)
    assert match is not None, first
    return int(match.group(1)), int(match.group(2))


@pytest.mark.parametrize(("first_line", "needs"), [
    ("-- Neovim 0.7 and later: one fdl client per project (the folder of fdl.yaml)", (0, 7)),
    ("-- Neovim 0.11 and later", (0, 11)),
], ids=["0.7", "0.11"])
def test_the_snippet_gets_diagnostics_completion_and_hover(tmp_path: Path, first_line: str,
                                                           needs: tuple[int, int]) -> None:
    version = nvim_version()
    if version < needs:
        pytest.skip(f"this snippet needs Neovim {needs[0]}.{needs[1]}+, "
                    f"the installed one is {version[0]}.{version[1]}")
    init = tmp_path / "init.lua"
    init.write_text(snippet("lua", first_line), encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    flow = make_project(project)
    result = drive(["nvim", "--headless", "-u", str(init),
                    "-c", f"luafile {HERE / 'nvim_harness.lua'}"], flow, tmp_path)
    assert result["filetype"] == "yaml"
    assert_the_server_answers(result)
