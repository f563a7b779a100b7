"""The VS Code extension builds, its grammars tokenize as the tests say, and the .vsix holds it.

``scripts/build-vscode.sh`` runs ``npm ci`` (only when ``editors/vscode/node_modules`` does not
match the lock file), compiles the TypeScript, runs the ``vscode-tmgrammar-test`` cases of
``editors/vscode/tests/grammar`` (the flow cases twice: inside TextMate's YAML grammar and inside
VS Code's, which tokenize keys and indentation differently) and the unit tests, and packages
``fdl.vsix`` with vsce. Without
node and npm the test skips.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"


def manifest() -> dict[str, object]:
    """The extension's package.json."""
    data: dict[str, object] = json.loads((EXTENSION / "package.json").read_text("utf-8"))
    return data


def test_the_extension_is_fdl_toolchain_fdl_and_starts_fdl_lsp_for_yaml() -> None:
    data = manifest()
    assert (data["publisher"], data["name"]) == ("fdl-toolchain", "fdl")
    contributes = data["contributes"]
    assert isinstance(contributes, dict)
    assert "fdl.server.path" in contributes["configuration"]["properties"]
    commands = {command["command"] for command in contributes["commands"]}
    assert {"fdl.check", "fdl.run", "fdl.graph"} <= commands
    source = (EXTENSION / "src" / "extension.ts").read_text("utf-8")
    assert "registerFlowSchema(context, output)" in source
    assert 'args: ["lsp", ...extra]' in source
    assert '{ scheme: "file", language: "yaml" }' in source


GML_KEYS = {"vars", "args", "with", "sets", "only", "when", "each", "wait"}
"""The keys whose values are GML (spec gml.md: vars, node args, with, sets, only, when,
case[].when, the source of each; fdl.md §4.5: wait may be an expression)."""


def test_the_injection_covers_every_gml_key() -> None:
    grammar = json.loads(
        (EXTENSION / "syntaxes" / "fdl-injection.tmLanguage.json").read_text("utf-8"))
    for rule in ("line-block", "line-plain", "value-plain"):
        pattern = grammar["repository"][rule]["begin"]
        alternatives = re.search(r"\((?:\?:)?(with\|[a-z|]+)\)", pattern)
        assert alternatives is not None, rule
        assert set(alternatives.group(1).split("|")) == GML_KEYS, rule


def test_the_vsix_builds_and_the_grammar_tests_pass() -> None:
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node and npm are not installed: the VS Code extension is not built")
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-vscode.sh")],
        capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    # flow.test.yaml runs twice: with TextMate's YAML grammar and with VS Code's own.
    assert done.stdout.count("tests/grammar/flow.test.yaml run successfuly") == 2, done.stdout
    assert "tests/grammar/gml.test.gml run successfuly" in done.stdout
    with zipfile.ZipFile(EXTENSION / "fdl.vsix") as vsix:
        names = set(vsix.namelist())
        packaged = json.loads(vsix.read("extension/package.json"))
        schema = vsix.read("extension/schemas/fdl.schema.json")
    assert (packaged["publisher"], packaged["name"]) == ("fdl-toolchain", "fdl")
    # One bundle (esbuild) holds the extension and vscode-languageclient: no node_modules.
    assert {
        "extension/dist/extension.js",
        "extension/syntaxes/gml.tmLanguage.json",
        "extension/syntaxes/fdl-injection.tmLanguage.json",
    } <= names
    assert packaged["main"] == "./dist/extension.js"
    assert not any("/node_modules/" in name for name in names)
    # The schema the YAML extension gets is the one in docs/ (copied at build time).
    assert schema == (ROOT / "docs" / "fdl.schema.json").read_bytes()
    assert not any(name.startswith("extension/src/") for name in names)
