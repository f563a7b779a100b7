"""`fdl check` and `fdl compile` (spec/interfaces.md §1): diagnostics as text and JSON, exit
codes, folders, the tool catalog, and the compiled plan.

Flows live in ``tests/flows/`` (valid ones) or are written inline into ``tmp_path``. Every test
runs in its own working folder so that no ``fdl.yaml`` of the surroundings is picked up.
Snapshots: update deliberately with ``pytest --snapshot-update`` and review the diff.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from syrupy.assertion import SnapshotAssertion

from fdl.cli import main
from fdl.cli.check import NO_CATALOG_NOTE

FLOWS = Path(__file__).resolve().parents[1] / "flows"
KEYS = ["path", "line", "column", "end_line", "end_column", "severity", "code", "message"]

TYPO = """\
flow:
    name: Typo
    node:
        a:
            with: 1
            next: merg
        merge:
            with: 2
"""

RACE = """\
flow:
    name: Race
    node:
        a:
            with: 1
        b:
            with: a + 1
"""

VALID = """\
flow:
    name: Valid
    node:
        a:
            with: 1
            next: b
        b:
            with: a + 1
"""

SEVERAL = """\
flow:
    name: Several problems
    args:
        in:
            customerId: strin
    node:
        customer:
            exec: api://crm-service/customer
            nxt: merge
        merge:
            with: customer.name +
            next: nowhere
        merge2:
            when: customerId != null
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("fdl", path=str(Path(sys.executable).parent))
    assert exe is not None, "the fdl console script is installed with the package"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60,
                          check=False, cwd=cwd)


# --- fdl check: text -----------------------------------------------------------------


def test_a_valid_flow_has_no_diagnostics(tmp_path: Path) -> None:
    write(tmp_path, "valid.yaml", VALID)
    result = invoke("check", "valid.yaml")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["ok: 1 file"]  # it calls no tool: no catalog note


def test_the_spec_examples_check_cleanly() -> None:
    result = invoke("check", str(FLOWS / "customer_view.yaml"), str(FLOWS / "order_review.yaml"),
                    str(FLOWS / "load_pages.yaml"))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.endswith("ok: 3 files\n")


def test_an_unknown_target_is_e202_with_the_line_and_a_caret(tmp_path: Path) -> None:
    write(tmp_path, "typo.yaml", TYPO)
    result = invoke("check", "typo.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "typo.yaml:6:19: error[E202]: 'merg' is not a node; did you mean 'merge'?",
        "                next: merg",
        "                      ^^^^",
    ]
    assert result.stderr.splitlines()[-1] == "1 error in 1 file"


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    write(tmp_path, "race.yaml", RACE)
    result = invoke("check", "race.yaml")
    assert result.exit_code == 0
    assert result.stdout.startswith("race.yaml:7:19: warning[W210]: 'a' may not have completed")
    assert result.stderr.splitlines()[-1] == "1 warning in 1 file"


def test_several_files_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "typo.yaml", TYPO)
    write(tmp_path, "race.yaml", RACE)
    write(tmp_path, "valid.yaml", VALID)
    result = invoke("check", "typo.yaml", "race.yaml", "valid.yaml")
    assert result.exit_code == 1
    headlines = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert [h.split(":")[0] + ":" + h.split(": ")[1] for h in headlines] == [
        "typo.yaml:error[E202]", "race.yaml:warning[W210]"]
    assert result.stderr.splitlines()[-1] == "1 error, 1 warning in 3 files"


CALLS = """\
flow:
    name: Calls
    node:
        rows:
            each: "[1, 2] => n"
            node:
                fetch:
                    exec: api://crm/customer
"""


def test_the_no_catalog_note_appears_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", CALLS)
    write(tmp_path, "b.yaml", CALLS)
    write(tmp_path, "c.yaml", VALID)
    result = invoke("check", "a.yaml", "b.yaml", "c.yaml")
    assert result.stderr.count("note: no tool catalog found") == 1
    assert NO_CATALOG_NOTE in result.stderr.splitlines()
    assert "tool calls were not checked" not in result.stdout


def test_no_catalog_note_for_flows_that_call_no_tool(tmp_path: Path) -> None:
    write(tmp_path, "valid.yaml", VALID)
    for command in ("check", "compile", "graph"):
        result = invoke(command, "valid.yaml")
        assert result.exit_code == 0, result.output
        assert "no tool catalog" not in result.stderr, command
    write(tmp_path, "calls.yaml", CALLS)
    assert NO_CATALOG_NOTE in invoke("compile", "calls.yaml").stderr


def test_a_yaml_syntax_error_is_e101(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", "flow:\n    name: x\n    node: [a, b\n")
    result = invoke("check", "--format", "json", "broken.yaml")
    assert result.exit_code == 1
    [entry] = json.loads(result.stdout)
    assert (entry["path"], entry["code"], entry["severity"]) == ("broken.yaml", "E101", "error")
    assert entry["message"].startswith("YAML syntax")


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("check", "no/such/flow.yaml")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert result.stdout == ""


def test_no_file_at_all_is_a_usage_error() -> None:
    assert invoke("check").exit_code == 2


def test_a_file_that_is_not_utf8_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"flow:\n    name: caf\xe9\n    node: {}\n")
    result = invoke("check", "latin1.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "latin1.yaml:2:14: error[E100]: the file is not UTF-8 text (byte 0xe9); "
        "save the file as UTF-8"]


def test_several_errors_text_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    write(tmp_path, "several.yaml", SEVERAL)
    result = invoke("check", "several.yaml")
    assert result.exit_code == 1
    codes = [line.split("[")[1].split("]")[0] for line in result.stdout.splitlines()
             if line.startswith("several.yaml:")]
    assert {"E103", "E107", "E202", "G101"} <= set(codes)
    assert result.stdout == snapshot


# --- fdl check: json -----------------------------------------------------------------


def test_json_is_a_list_of_entries_with_exactly_the_spec_keys(tmp_path: Path) -> None:
    write(tmp_path, "typo.yaml", TYPO)
    write(tmp_path, "race.yaml", RACE)
    result = invoke("check", "--format", "json", "typo.yaml", "race.yaml")
    assert result.exit_code == 1
    entries = json.loads(result.stdout)
    assert [list(e) for e in entries] == [KEYS, KEYS]
    assert entries[0] == {
        "path": "typo.yaml", "line": 6, "column": 19, "end_line": 6, "end_column": 23,
        "severity": "error", "code": "E202",
        "message": "'merg' is not a node; did you mean 'merge'?",
    }
    assert (entries[1]["path"], entries[1]["code"], entries[1]["severity"]) == (
        "race.yaml", "W210", "warning")
    assert "no tool catalog" not in result.stdout  # notes never mix with the JSON


def test_json_of_a_clean_flow_is_an_empty_list(tmp_path: Path) -> None:
    write(tmp_path, "valid.yaml", VALID)
    result = invoke("check", "--format", "json", "valid.yaml")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


# --- folders -------------------------------------------------------------------------


def test_a_folder_checks_its_flow_files(tmp_path: Path) -> None:
    write(tmp_path, "flows/a.yaml", VALID)
    write(tmp_path, "flows/sub/b.yml", TYPO)
    write(tmp_path, "flows/sub/c.yaml", RACE)
    write(tmp_path, "flows/a.test.yaml", "flow: a.yaml\ncases: []\n")       # a test file
    write(tmp_path, "flows/tools.yaml", "type: api\ncode: x/y\n")           # not a flow
    write(tmp_path, "flows/.cache/d.yaml", TYPO)                            # hidden folder
    write(tmp_path, "flows/readme.md", "flow: not yaml\n")
    result = invoke("check", "--format", "json", "flows")
    assert result.exit_code == 1
    paths = [(e["path"], e["code"]) for e in json.loads(result.stdout)]
    assert paths == [(str(Path("flows/sub/b.yml")), "E202"),
                     (str(Path("flows/sub/c.yaml")), "W210")]
    assert result.stderr.splitlines()[-1] == "1 error, 1 warning in 3 files"


def test_a_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    write(tmp_path, "flows/typo.yaml", TYPO)
    result = invoke("check", "flows", "flows/typo.yaml")
    assert result.stdout.count("error[E202]") == 1
    assert result.stderr.splitlines()[-1] == "1 error in 1 file"


def test_a_folder_without_flows_is_noted(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke("check", "empty")
    assert result.exit_code == 0
    assert "note: no flow files found under empty" in result.stderr
    assert result.stderr.splitlines()[-1] == "ok: 0 files"


# --- the tool catalog ----------------------------------------------------------------

CUSTOMER_TOOL = """\
type: api
code: crm-service/customer
name: Get customer
args:
    defs:
        Customer:
            id: string
            name: string
    in:
        id: string
    out: Customer
"""

USES_TOOLS = """\
flow:
    name: Uses tools
    node:
        customer:
            exec: api://crm-service/customer
            args: id = 'c1'
            next: show
        show:
            with: customer.nmae
        other:
            exec: api://crm-service/nothing
"""


def test_tools_folder_checks_tool_calls(tmp_path: Path) -> None:
    write(tmp_path, "tools/customer.yaml", CUSTOMER_TOOL)
    write(tmp_path, "flow.yaml", USES_TOOLS)
    result = invoke("check", "--format", "json", "--tools", "tools", "flow.yaml")
    assert result.exit_code == 1
    found = {(e["line"], e["code"]) for e in json.loads(result.stdout)}
    assert (11, "E301") in found                      # unknown tool
    assert any(line == 9 and code.startswith("G") for line, code in found)   # customer.nmae
    assert "no tool catalog" not in result.stderr


def test_problems_of_tool_files_are_printed_with_the_flows(tmp_path: Path) -> None:
    write(tmp_path, "tools/customer.yaml", CUSTOMER_TOOL.replace(
        "code: crm-service/customer", "code: crm-service/customer\nversion: 1.x"))
    write(tmp_path, "flow.yaml", USES_TOOLS)
    result = invoke("check", "--tools", "tools", "flow.yaml")
    assert result.exit_code == 1
    path = str(Path("tools/customer.yaml"))
    assert (f"{path}:3:10: error[E105]: '1.x' is not a semantic version: write "
            "MAJOR.MINOR.PATCH such as 1.2.0 (optionally -prerelease, +build)\n"
            "    version: 1.x\n"
            "             ^^^") in result.stdout
    # the tool is still known: only the unknown one is E301
    assert result.stdout.count("error[E301]") == 1


def test_the_catalog_comes_from_fdl_yaml_in_a_parent_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "fdl.yaml", "flows: flows/\ntools: tools/\n")
    write(tmp_path, "tools/customer.yaml", CUSTOMER_TOOL)
    write(tmp_path, "flows/flow.yaml", USES_TOOLS)
    monkeypatch.chdir(tmp_path / "flows")
    result = invoke("check", "--format", "json", "flow.yaml")
    assert result.exit_code == 1
    assert "E301" in {e["code"] for e in json.loads(result.stdout)}
    assert "no tool catalog" not in result.stderr


def test_the_catalog_comes_from_pyproject_tool_fdl(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import compiler
    import stdlib.catalogs

    seen: list[Path] = []

    def fake_load_tool_dir(folder: Path) -> tuple[compiler.StaticCatalog, list[object]]:
        seen.append(folder)
        return compiler.StaticCatalog((), types=("api",)), []

    monkeypatch.setattr(stdlib.catalogs, "load_tool_dir", fake_load_tool_dir)
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.fdl]\ntools = "specs"\n')
    (tmp_path / "specs").mkdir()
    write(tmp_path, "flow.yaml", USES_TOOLS)
    result = invoke("check", "--format", "json", "flow.yaml")
    assert seen == [tmp_path / "specs"]
    codes = [(e["line"], e["code"]) for e in json.loads(result.stdout)]
    assert codes.count((5, "E301")) == 1 and codes.count((11, "E301")) == 1
    assert "no tool catalog" not in result.stderr


def test_a_configured_tools_folder_that_is_missing_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "fdl.yaml", "tools: tools/\n")
    write(tmp_path, "flow.yaml", VALID)
    result = invoke("check", "flow.yaml")
    assert result.exit_code == 2
    assert "tools folder" in result.stderr and "does not exist" in result.stderr


def test_fdl_yaml_without_tools_means_no_catalog(tmp_path: Path) -> None:
    write(tmp_path, "fdl.yaml", "flows: flows/\n")
    write(tmp_path, "flow.yaml", CALLS)
    result = invoke("check", "flow.yaml")
    assert result.exit_code == 0
    assert NO_CATALOG_NOTE in result.stderr


# --- the console script --------------------------------------------------------------


def test_check_through_the_console_script(tmp_path: Path) -> None:
    write(tmp_path, "typo.yaml", TYPO)
    write(tmp_path, "valid.yaml", VALID)
    result = run_script("check", "typo.yaml", "valid.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "typo.yaml:6:19: error[E202]: 'merg' is not a node; did you mean 'merge'?")
    assert result.stderr.splitlines() == ["1 error in 2 files"]  # no tool calls: no note
    assert "Traceback" not in result.stderr
    missing = run_script("check", "missing.yaml", cwd=tmp_path)
    assert missing.returncode == 2


# --- fdl compile ---------------------------------------------------------------------


def test_compile_json_matches_the_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FLOWS)
    result = invoke("compile", "--json", "order_review.yaml")
    assert result.exit_code == 0
    plan = json.loads(result.stdout)
    block = plan["block"]
    assert plan["flow"] == "Order review"
    assert [(n["id"], n["kind"]) for n in block["nodes"]] == [
        ("customer", "tool"), ("check", "branch"), ("judge", "switch"), ("pause", "delay"),
        ("vip", "mapping"), ("fallback", "mapping"), ("merge", "mapping"), ("proc", "each")]
    assert {(e["from"], e["to"], e["label"]) for e in block["edges"]} == {
        ("customer", "check", "next"), ("customer", "fallback", "fail"),
        ("check", "vip", "then"), ("check", "judge", "else"),
        ("judge", "pause", "case[0]"), ("judge", "merge", "case[1]"), ("judge", "merge", "else"),
        ("pause", "merge", "next"), ("vip", "merge", "next"), ("merge", "proc", "next")}
    assert block["jumps"] == [{"from": "fallback", "to": "customer", "label": "next"}]
    assert (block["start"], block["terminal"]) == (["customer"], ["proc"])
    assert block["joins"] == {"merge": ["judge", "pause", "vip"]}
    proc = block["nodes"][-1]
    assert (proc["item"], proc["index"], proc["each"]["gml"]) == ("id", "i", "ids")
    assert [n["path"] for n in proc["block"]["nodes"]] == ["proc/user"]
    assert block["nodes"][3]["wait_ms"] == 10000


def test_compile_json_snapshot(monkeypatch: pytest.MonkeyPatch,
                               snapshot: SnapshotAssertion) -> None:
    monkeypatch.chdir(FLOWS)
    result = invoke("compile", "--json", "order_review.yaml")
    assert result.exit_code == 0
    assert result.stdout == snapshot


def test_compile_text_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FLOWS)
    result = invoke("compile", "order_review.yaml")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == ["flow: Order review", "path: order_review.yaml",
                         "desp: Every kind of node and edge, for the CLI and graph snapshots."]
    assert "  gender: string = 'x'" in lines
    assert "  customer  tool     → check, fallback (fail)" in lines
    assert "  judge     switch   → pause (case[0]), merge (case[1]), merge (else)" in lines
    assert "  fallback  mapping  → customer (jump)" in lines
    assert "              wait 10s" in lines
    assert "              output: {name: string}" in lines
    assert "              each ids => id, i" in lines
    assert "                user  tool  → (end)" in lines
    assert lines[-3:] == ["  start: customer", "  terminal: proc",
                          "  jumps: fallback → customer (next)"]


def test_compile_errors_go_to_stderr_with_exit_1(tmp_path: Path) -> None:
    write(tmp_path, "typo.yaml", TYPO)
    result = invoke("compile", "--json", "typo.yaml")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert ("typo.yaml:6:19: error[E202]: 'merg' is not a node; did you mean 'merge'?\n"
            "                next: merg\n"
            "                      ^^^^\n") in result.stderr


def test_compile_prints_warnings_but_succeeds(tmp_path: Path) -> None:
    write(tmp_path, "race.yaml", RACE)
    result = invoke("compile", "--json", "race.yaml")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["warnings"][0]["code"] == "W210"
    assert "race.yaml:7:19: warning[W210]" in result.stderr


def test_compile_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    assert invoke("compile", str(tmp_path)).exit_code == 2
