"""`fdl eval` end to end (spec/interfaces.md §1), through the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fdl.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("fdl", path=str(Path(sys.executable).parent))
    assert exe is not None, "the fdl console script is installed with the package"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60, check=False)


def test_eval_prints_the_result_as_json() -> None:
    result = run("eval", "a + 1", "--data", '{"a": 41}')
    assert (result.returncode, json.loads(result.stdout), result.stderr) == (0, 42, "")


def test_eval_of_an_object_program() -> None:
    result = run("eval", "x = 10, y = x * 2, y")
    assert json.loads(result.stdout) == {"x": 10, "y": 20}


def test_eval_reads_data_files_and_program_files() -> None:
    runner = CliRunner()
    programs = ROOT / "examples" / "gml-programs"
    outcome = runner.invoke(main, ["eval", f"@{programs / 'orders.gml'}", "--data-file",
                                   str(programs / "orders.json"), "--tz", "Asia/Shanghai"])
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    data = json.loads((programs / "orders.json").read_text())
    big = [o for o in data["orders"] if o["amount"] > 100 and o["time"] >= "2025-03-01"]
    assert report["count"] == len(big)
    assert report["total"] == sum(o["amount"] for o in big)
    assert sum(g["orders"] for g in report["byChannel"]) == len(big)


def test_eval_dates_use_the_timezone() -> None:
    runner = CliRunner()
    outcome = runner.invoke(main, ["eval", "DATE('2025-01-31').offset('+1M')", "--tz",
                                   "Asia/Shanghai"])
    assert json.loads(outcome.stdout) == "2025-02-28T00:00:00.000+08:00"


def test_errors_are_readable_on_stderr_with_exit_1() -> None:
    result = run("eval", "a = 1\nb = a +")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "2:8: G101: unexpected end of the program; expected an expression",
        "  b = a +",
        "         ^",
    ]


def test_json_errors_go_to_stdout() -> None:
    result = run("eval", "x / 0", "--data", '{"x": 1}', "--json-errors")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"error": {"code": "G302", "message": "division by zero",
                                                   "line": 1, "column": 1}}


@pytest.mark.parametrize(("args", "message"), [
    (["eval", "a", "--data", "{bad"], "--data is not valid JSON"),
    (["eval", "a", "--data", "[1]"], "must be a JSON object"),
    (["eval", "a", "--data", "{}", "--data-file", "pyproject.toml"], "not both"),
    (["eval", "a", "--tz", "Mars/Olympus"], "unknown timezone"),
    (["eval", "@no/such/file.gml"], "is not a file"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code == 2
    assert message in outcome.output


def test_help() -> None:
    outcome = CliRunner().invoke(main, ["eval", "--help"])
    assert outcome.exit_code == 0
    assert "--json-errors" in outcome.output
