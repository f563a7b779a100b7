"""docs/testing.md is true: every mock file in it runs the flow of its examples with
``fdl run --mock`` and gives the JSON shown after it, and every flow test file passes with
``fdl test``.

Fences are told apart by their info string: ```` ```yaml flow ```` (the flow the examples
use), ```` ```yaml mocks ```` (a mock file; the ```` ```json ```` block after it is a subset
of what ``fdl run --json`` prints) and ```` ```yaml test ```` (a flow test file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fdl.cli import main
from tests.test_fdl_docs import Block, blocks

DOC = Path(__file__).resolve().parents[1] / "docs" / "testing.md"
BLOCKS = blocks(DOC.read_text(encoding="utf-8"))
FLOW_NAME = "order_status.yaml"


def _tagged(tag: str) -> list[Block]:
    return [b for b in BLOCKS if b.language == "yaml" and tag in b.info[1:]]


def _expected(block: Block) -> dict[str, Any]:
    after = BLOCKS[BLOCKS.index(block) + 1]
    assert after.language == "json", f"line {block.line}: a mock file needs its JSON result"
    expected: dict[str, Any] = json.loads(after.body)
    return expected


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _subset(value, actual[key]) for key, value in expected.items())
    return bool(expected == actual)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    [flow] = _tagged("flow")
    (tmp_path / FLOW_NAME).write_text(flow.body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_doc_has_examples_of_every_mock_form_and_test_file_key() -> None:
    mocks = "".join(b.body for b in _tagged("mocks"))
    for key in ("result:", "expr:", "error:", "sequence:", "delay:", "passthrough:",
                "code:", "message:", "type:", "retryable:", "details:"):
        assert key in mocks, key
    tests = "".join(b.body for b in _tagged("test"))
    for key in ("flow:", "source:", "mocks:", "cases:", "name:", "input:", "tenant:", "bu:",
                "expect:", "status:", "output:", "error:", "calls:", "before:"):
        assert key in tests, key


@pytest.mark.parametrize("block", _tagged("mocks"), ids=lambda b: f"line{b.line}")
def test_each_mock_file_gives_the_result_shown(block: Block, project: Path) -> None:
    (project / "mocks.yaml").write_text(block.body, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", FLOW_NAME, "--mock", "mocks.yaml", "--set",
                                       "orderId=o1", "--json", "--no-store"],
                                catch_exceptions=False)
    printed = json.loads(result.stdout)
    assert _subset(_expected(block), printed), printed
    assert result.exit_code == (0 if printed["status"] == "completed" else 1)


@pytest.mark.parametrize("block", _tagged("test"), ids=lambda b: f"line{b.line}")
def test_each_flow_test_file_passes(block: Block, project: Path) -> None:
    (project / "order_status.test.yaml").write_text(block.body, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", "order_status.test.yaml"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert " failed" not in result.output
