"""The Helix snippet of docs/editors.md: valid TOML that makes YAML use ``fdl lsp``, and, when
Helix is installed, ``hx --health yaml`` finds the server with it.

Helix has no scripting interface to drive it without a screen; its health check reads the
configuration as the editor does and looks the server's program up on the PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.editors._editors import environment, snippet

FIRST_LINE = "[language-server.fdl]"


def test_the_snippet_runs_fdl_lsp_for_yaml() -> None:
    config = tomllib.loads(snippet("toml", FIRST_LINE))
    assert config["language-server"]["fdl"] == {"command": "fdl", "args": ["lsp"]}
    (yaml,) = [language for language in config["language"] if language["name"] == "yaml"]
    assert yaml["language-servers"][0] == "fdl"


def test_hx_health_finds_the_server(tmp_path: Path) -> None:
    hx = shutil.which("hx") or shutil.which("helix")
    if hx is None:
        pytest.skip("Helix is not installed (it is not packaged in Debian 12; see helix-editor "
                    "releases or your distribution's package)")
    env = environment(tmp_path)
    config = Path(env["XDG_CONFIG_HOME"]) / "helix"
    config.mkdir(parents=True)
    (config / "languages.toml").write_text(snippet("toml", FIRST_LINE), encoding="utf-8")
    done = subprocess.run([hx, "--health", "yaml"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    lines = [line for line in done.stdout.splitlines() if "fdl" in line]
    assert lines and all("✘" not in line for line in lines), done.stdout + done.stderr
