"""examples/agent (docs/tools.md, "agent"): an agent that is offered a flow as a function.
Its flow tests script the model's replies (`fdl test` needs no endpoint), and the flow runs
for real against examples/agent/stub/chat_stub.py, a local chat-completions stub started as
a subprocess on a free loopback port."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from fdl.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agent"


def test_the_examples_flow_tests_pass_with_scripted_replies() -> None:
    result = CliRunner().invoke(main, ["test", str(EXAMPLE)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "4 passed" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the example whose agent talks to a stub started on a free port."""
    copy = tmp_path / "agent"
    shutil.copytree(EXAMPLE, copy)
    port = _free_port()
    config = copy / "fdl.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "127.0.0.1:8765", f"127.0.0.1:{port}"), encoding="utf-8")
    stub = subprocess.Popen([sys.executable, str(copy / "stub" / "chat_stub.py"), str(port)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert stub.stdout is not None
        assert "chat stub on" in stub.stdout.readline()  # listening
        monkeypatch.chdir(copy)
        yield copy
    finally:
        stub.terminate()
        stub.wait(timeout=10)


def test_the_example_runs_against_the_local_chat_stub(project: Path) -> None:
    result = CliRunner().invoke(main, ["run", "flows/ask.yaml", "--set", "who=Ada", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)["output"]
    # the stub called greet with the agent's input, and answered with the flow's result
    assert output == {"answer": 'The tools answered: {"greeting":"Hello, Ada!"}', "steps": 2}
