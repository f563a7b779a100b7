"""The Emacs (eglot) snippet of docs/editors.md works in the real Emacs, driven in batch mode.

``emacs --batch`` activates the installed packages (eglot, yaml-mode), loads the snippet as an
init file would, then ``eglot_harness.el``: it opens a flow of a copy of the examples, waits for
Flymake's diagnostics, asks eglot's ``completion-at-point`` table and the server's hover, and
writes the answers as JSON. Without Emacs, eglot or yaml-mode the test skips;
``scripts/install-editors.sh`` installs them (Debian: emacs-nox, elpa-eglot, elpa-yaml-mode).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.editors._editors import HERE, assert_the_server_answers, drive, make_project, snippet

ACTIVATE = "(package-activate-all)"
"""What Emacs does at start-up before init.el, which batch mode with -q leaves out."""

FIRST_LINE = ";; fdl lsp for YAML buffers (eglot: Emacs 29, or 28 with the eglot package)"


def require_emacs() -> None:
    """Skips unless Emacs with eglot and yaml-mode is installed."""
    if shutil.which("emacs") is None:
        pytest.skip("Emacs is not installed (scripts/install-editors.sh installs it)")
    probe = subprocess.run(
        ["emacs", "--batch", "-q", "--eval", ACTIVATE, "--eval",
         "(progn (require 'eglot) (require 'yaml-mode))"],
        capture_output=True, text=True, timeout=60, check=False)
    if probe.returncode != 0:
        pytest.skip("Emacs lacks eglot or yaml-mode (Debian: elpa-eglot, elpa-yaml-mode; "
                    f"scripts/install-editors.sh): {probe.stderr.strip()[-200:]}")


def test_the_eglot_snippet_gets_diagnostics_completion_and_hover(tmp_path: Path) -> None:
    require_emacs()
    init = tmp_path / "init.el"
    init.write_text(snippet("elisp", FIRST_LINE), encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    flow = make_project(project)
    result = drive(["emacs", "--batch", "-q", "--eval", ACTIVATE, "-l", str(init),
                    "-l", str(HERE / "eglot_harness.el")], flow, tmp_path)
    assert result["mode"] == "yaml-mode"
    assert_the_server_answers(result)
