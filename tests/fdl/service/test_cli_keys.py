"""``fdl keys create/list/revoke`` and ``fdl serve --help``: the key is printed once and
only its hash is stored."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from fdl.cli import main
from stdlib.config import project_config

from ._server import write


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(tmp_path, "fdl.yaml", "state: .state/\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_key_is_printed_once_and_stored_as_a_hash(project: Path) -> None:
    created = invoke("keys", "create", "--tenant", "acme", "--scope", "read", "--scope", "run",
                     "--rate-limit", "5/second", "--name", "ci", "--json")
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    assert key["key"].startswith("fdlk_") and len(key["key"]) > 40
    assert (key["tenant"], key["scopes"], key["rate_limit"]) == ("acme", ["read", "run"],
                                                                 "5/second")
    stored = project_config(project).service_path
    assert stored == project / ".state" / "service.db"
    assert key["key"].encode() not in stored.read_bytes()
    listed = json.loads(invoke("keys", "list", "--json").stdout)
    assert [(k["id"], k["name"], k["revoked"]) for k in listed] == [(key["id"], "ci", False)]
    assert key["key"] not in invoke("keys", "list").stdout


def test_a_key_without_scopes_has_all_three_and_revoking_it_twice_fails(project: Path) -> None:
    key = json.loads(invoke("keys", "create", "--tenant", "t1", "--json").stdout)
    assert key["scopes"] == ["read", "run", "admin"]
    assert invoke("keys", "revoke", key["id"]).exit_code == 0
    again = invoke("keys", "revoke", key["id"])
    assert again.exit_code == 1
    assert "no live key" in again.stderr
    assert json.loads(invoke("keys", "list", "--json").stdout)[0]["revoked"] is True


def test_bad_options_are_usage_errors(project: Path) -> None:
    assert invoke("keys", "create", "--tenant", "t", "--rate-limit", "often").exit_code == 2
    assert invoke("keys", "create", "--tenant", "t", "--scope", "root").exit_code == 2
    assert invoke("keys", "create", "--tenant", " ").exit_code == 2
    assert invoke("keys", "create").exit_code == 2


def test_serve_and_keys_are_listed_in_help(project: Path) -> None:
    text = invoke("--help").stdout
    assert "serve" in text and "keys" in text
    assert "--port" in invoke("serve", "--help").stdout


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_fdl_serve_serves_until_interrupted(project: Path, stop: signal.Signals) -> None:
    """Ctrl-C (SIGINT) and SIGTERM shut the server down gracefully: exit 0, no traceback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-c", "from fdl.cli import main; main()", "serve", "--port",
         str(port), "--project", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz")
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None and answer.json() == {"status": "ok"}
    finally:
        process.send_signal(stop)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert b"Traceback" not in err
    assert (project / ".state" / "service.db").exists()
