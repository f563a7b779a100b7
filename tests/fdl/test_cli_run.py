"""`fdl run` and `fdl runs` (spec/interfaces.md §1, §3): inputs, mocks, the run store, the
``--json`` contract, exit codes, progress output, and crash/interrupt/cancel + resume with
real processes.

Most tests invoke the click command in-process (stderr is not a terminal there, so the
progress is the one-line-per-node form); the process tests run the installed ``fdl``
script. Every test runs in its own working folder so no ``fdl.yaml`` around is picked up
and the default store (``.fdl/runs.db``) lands in ``tmp_path``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from rich.console import Console

import fdl
from fdl.cli import main
from fdl.cli._progress import RunDisplay, format_duration
from runtime.store import open_store

ROOT = Path(__file__).resolve().parents[2]

ECHO = """\
flow:
    name: Echo
    args:
        in:
            a: any
            b: any
            c: any
    node:
        out:
            with: "{a: a, b: b, c: c}"
"""

CONTEXT = """\
flow:
    name: Context
    node:
        out:
            with: "{tenant: tenantId, bu: buCode}"
"""

TOOLS = """\
flow:
    name: Tools
    args:
        in:
            id: string
    node:
        customer:
            exec: api://crm/customer
            args: id = id
            next: merge
        count:
            exec: db://shop.order/count
            next: merge
        merge:
            with: |
                name = customer.name
                orders = count
"""

BRANCHES = """\
flow:
    name: Branches
    args:
        in:
            n: int
    node:
        check:
            when: n > 0
            then: positive
            else: negative
        positive:
            with: "'positive'"
        negative:
            with: "'negative'"
"""

EACH = """\
flow:
    name: Each
    args:
        in:
            ids: any
    node:
        proc:
            each: ids => id
            vars: names = []
            node:
                user:
                    exec: api://crm/user
                    args: id = id
                    sets: names = names.add(user.name)
            with: names
"""

MOCKS = """\
mocks:
    api://crm/customer: {result: {id: c1, name: Alice}}
    db://shop.order/count: {result: 7}
"""

# The flow of the process tests: a quick first tool, then a slow (real-time) second one.
SLOW = """\
flow:
    name: Slow
    args:
        in:
            id: string
    node:
        first:
            exec: api://svc/first
            args: id = id
            next: second
        second:
            exec: api://svc/second
            args: x = first.x
            next: done
        done:
            with: "{a: first.x, b: second.y}"
"""

SLOW_MOCKS = """\
mocks:
    api://svc/first:
        expr: "{x: args.id + '!'}"
    api://svc/second:
        expr: "{y: args.x + '?'}"
        delay: 3000
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def fdl_exe() -> str:
    exe = shutil.which("fdl", path=str(Path(sys.executable).parent))
    assert exe is not None, "the fdl console script is installed with the package"
    return exe


def one_object(result: Result) -> dict[str, Any]:
    """stdout holds exactly one JSON object (and nothing else)."""
    text = result.stdout.strip()
    decoder = json.JSONDecoder()
    value, end = decoder.raw_decode(text)
    assert end == len(text), f"more than one JSON value on stdout: {result.stdout!r}"
    assert isinstance(value, dict)
    return value


# --- fdl run: output and inputs ------------------------------------------------------------


def test_run_prints_the_output_as_pretty_json_and_the_run_id_on_stderr() -> None:
    write("echo.yaml", ECHO)
    result = invoke("run", "echo.yaml", "--input", '{"a": 1, "b": "x", "c": [true]}')
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"a": 1, "b": "x", "c": [True]}
    assert result.stdout.startswith("{\n  ")  # pretty
    run_id = json.loads(invoke("runs", "list", "--json").stdout)[0]["run_id"]
    assert f"run {run_id}: Echo" in result.stderr
    assert f"fdl runs show {run_id}" in result.stderr
    assert f"run {run_id} completed in " in result.stderr


def test_inputs_merge_input_file_then_input_then_set() -> None:
    write("echo.yaml", ECHO)
    write("inputs.yaml", "a: from-file\nb: from-file\nc: from-file\n")
    result = invoke("run", "echo.yaml", "--input-file", "inputs.yaml", "--input",
                    '{"b": "from-input", "c": "from-input"}', "--set", "c=first-set",
                    "--set", "c=from-set", "--json")
    assert result.exit_code == 0, result.stderr
    assert one_object(result)["output"] == {"a": "from-file", "b": "from-input",
                                            "c": "from-set"}


def test_set_values_are_json_when_they_parse_else_strings() -> None:
    write("echo.yaml", ECHO)
    result = invoke("run", "echo.yaml", "--set", "a=5", "--set", 'b={"k": [1, null]}',
                    "--set", "c=hello world", "--json")
    assert one_object(result)["output"] == {"a": 5, "b": {"k": [1, None]},
                                            "c": "hello world"}
    result = invoke("run", "echo.yaml", "--set", 'a="5"', "--set", "b=", "--set", "c=a=b",
                    "--json")
    assert one_object(result)["output"] == {"a": "5", "b": "", "c": "a=b"}


def test_set_values_are_read_by_the_declared_input_type() -> None:
    write("typed.yaml", """\
        flow:
            name: Typed
            args:
                in:
                    who: string
                    task: string?
                    n: int
                    tags: string[]
                    day: date?
            node:
                out:
                    with: "{who: who, task: task, n: n, tags: tags, day: day}"
        """)
    result = invoke("run", "typed.yaml", "--set", "who=123", "--set", 'task={"job": 1}',
                    "--set", "n=5", "--set", 'tags=["a", "b"]', "--set", "day=2025-01-02",
                    "--json", "--no-store")
    output = one_object(result)["output"]
    assert output["who"] == "123"                  # the text, not the number 123
    assert output["task"] == '{"job": 1}'          # refused as an object before
    assert (output["n"], output["tags"]) == (5, ["a", "b"])
    assert output["day"].startswith("2025-01-02T00:00:00")
    quoted = invoke("run", "typed.yaml", "--set", 'who="Ada"', "--set", "n=1", "--set",
                    "tags=[]", "--json", "--no-store")
    assert one_object(quoted)["output"]["who"] == '"Ada"'  # a string input takes it as is
    wrong = invoke("run", "typed.yaml", "--set", "who=x", "--set", "n=five", "--set",
                   "tags=[]", "--json", "--no-store")
    assert one_object(wrong)["error"]["code"] == "F402"


def test_the_help_of_set_says_how_values_are_read() -> None:
    text = " ".join(invoke("run", "--help").stdout.split())
    assert "a string input takes VALUE as it is" in text


def test_input_files_may_be_json_or_yaml_with_the_core_schema(tmp_path: Path) -> None:
    write("echo.yaml", ECHO)
    write("inputs.json", '{"a": 1.5, "b": null, "c": {"d": 1}}')
    result = invoke("run", "echo.yaml", "--input-file", "inputs.json", "--json")
    assert one_object(result)["output"] == {"a": 1.5, "b": None, "c": {"d": 1}}
    # YAML 1.2 core schema: `yes` is a string and dates stay text.
    write("inputs.yaml", "a: yes\nb: 2025-01-01\nc: {url: 'http://x'}\n")
    result = invoke("run", "echo.yaml", "--input-file", "inputs.yaml", "--json")
    assert one_object(result)["output"] == {"a": "yes", "b": "2025-01-01",
                                            "c": {"url": "http://x"}}


def test_inputs_are_typed_by_the_flow_and_the_configured_timezone() -> None:
    write("fdl.yaml", "timezone: Asia/Shanghai\n")
    write("dates.yaml", """\
        flow:
            name: Dates
            args:
                in:
                    day: date
                    n: long
            node:
                out:
                    with: "{day: day, next: n + 1}"
        """)
    result = invoke("run", "dates.yaml", "--set", "day=2025-01-01", "--set", "n=41", "--json")
    assert one_object(result)["output"] == {"day": "2025-01-01T00:00:00.000+08:00", "next": 42}


@pytest.mark.parametrize(("args", "option"), [
    (["--input", '{"a": 1'], "--input"),
    (["--input", "[1, 2]"], "--input"),
    (["--input-file", "bad.json"], "--input-file"),
    (["--input-file", "list.yaml"], "--input-file"),
    (["--set", "novalue"], "--set"),
    (["--set", "=1"], "--set"),
])
def test_bad_inputs_are_usage_errors_naming_the_option(args: list[str], option: str) -> None:
    write("echo.yaml", ECHO)
    write("bad.json", "a: [1,\n")
    write("list.yaml", "- 1\n- 2\n")
    result = invoke("run", "echo.yaml", *args)
    assert result.exit_code == 2
    assert option in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(("args", "files", "message"), [
    (["--input", '{"x": ' + DEEP + "}"], {}, "--input: F400: line 1 column 206: the input "
     "nests deeper than 200 levels"),
    (["--input-file", "deep.json"], {"deep.json": '{"x":\n ' + DEEP + "}"},
     "--input-file: F400: deep.json:2:201: the input nests deeper than 200 levels"),
    (["--input-file", "deep.yaml"], {"deep.yaml": "x:\n  - " + DEEP},
     "--input-file: F400: deep.yaml:2:205: the input nests deeper than 200 levels"),
    (["--set", "x=" + DEEP], {}, "--set: F400: line 1 column 201"),
    (["--set", "x=1", "--mock", "deep.yaml"], {"deep.yaml": "mocks:\n  x: " + DEEP},
     "deep.yaml:2:206: E101: the YAML nests deeper than 200 levels"),
])
def test_deeply_nested_inputs_are_coded_usage_errors_with_a_position(
        args: list[str], files: dict[str, str], message: str) -> None:
    write("echo.yaml", ECHO)
    for name, text in files.items():
        Path(name).write_text(text, encoding="utf-8")
    result = invoke("run", "echo.yaml", "--no-store", *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_brackets_inside_json_strings_do_not_count_as_nesting() -> None:
    write("echo.yaml", ECHO)
    result = invoke("run", "echo.yaml", "--no-store", "--json", "--input",
                    json.dumps({"a": "[" * 5000}))
    assert result.exit_code == 0, result.stderr


def test_an_input_file_with_a_yaml_error_names_its_position() -> None:
    write("echo.yaml", ECHO)
    write("bad.yaml", "a: 1\nb: [1, 2\n")
    result = invoke("run", "echo.yaml", "--input-file", "bad.yaml")
    assert result.exit_code == 2
    assert "bad.yaml:" in result.stderr


def test_undeclared_and_missing_inputs_fail_the_run() -> None:
    write("echo.yaml", ECHO)
    result = invoke("run", "echo.yaml", "--set", "zzz=1")
    assert result.exit_code == 1
    assert "error F403" in result.stderr
    assert result.stdout == ""
    write("tools.yaml", TOOLS)
    result = invoke("run", "tools.yaml", "--json")
    assert result.exit_code == 1
    assert one_object(result)["error"]["code"] == "F401"


# --- mocks, tenant, bu ---------------------------------------------------------------------


def test_mocks_answer_tool_calls() -> None:
    write("tools.yaml", TOOLS)
    write("m.yaml", MOCKS)
    result = invoke("run", "tools.yaml", "--mock", "m.yaml", "--set", "id=c1")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Alice", "orders": 7}


def test_an_unmocked_tool_fails_with_f406() -> None:
    write("tools.yaml", TOOLS)
    result = invoke("run", "tools.yaml", "--set", "id=c1", "--json")
    assert result.exit_code == 1
    body = one_object(result)
    assert body["status"] == "failed"
    assert body["error"]["code"] == "F406"


def test_a_bad_mock_file_is_a_usage_error_with_its_position() -> None:
    write("tools.yaml", TOOLS)
    write("m.yaml", "mocks:\n    api://crm/customer:\n        resut: 1\n")
    result = invoke("run", "tools.yaml", "--mock", "m.yaml", "--set", "id=c1")
    assert result.exit_code == 2
    assert "--mock" in result.stderr
    assert "m.yaml:3:9" in result.stderr
    assert "did you mean 'result'?" in result.stderr
    result = invoke("run", "tools.yaml", "--mock", "missing.yaml", "--set", "id=c1")
    assert result.exit_code == 2
    assert "missing.yaml" in result.stderr


def test_tenant_and_bu_reach_the_flow() -> None:
    write("context.yaml", CONTEXT)
    result = invoke("run", "context.yaml", "--tenant", "t1", "--bu", "b9", "--json")
    assert one_object(result)["output"] == {"tenant": "t1", "bu": "b9"}
    record = json.loads(invoke("runs", "show", one_object(result)["run_id"], "--json").stdout)
    assert record["context"] == {"tenantId": "t1", "buCode": "b9"}
    assert "tenant   t1" in invoke("runs", "show", record["run_id"]).stdout


# --- --json and exit codes -------------------------------------------------------------------


def test_json_prints_exactly_one_object_and_nothing_on_stderr() -> None:
    write("tools.yaml", TOOLS)
    write("m.yaml", MOCKS)
    result = invoke("run", "tools.yaml", "--mock", "m.yaml", "--set", "id=c1", "--json")
    assert result.exit_code == 0
    body = one_object(result)
    assert list(body) == ["run_id", "status", "output"]
    assert body["status"] == "completed"
    assert body["output"] == {"name": "Alice", "orders": 7}
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_json_of_a_failed_run_holds_the_error_and_exits_1() -> None:
    write("tools.yaml", TOOLS)
    write("m.yaml", "mocks:\n    api://crm/customer: {error: {code: '0401', message: "
                    "denied}}\n    db://shop.order/count: {result: 1}\n")
    result = invoke("run", "tools.yaml", "--mock", "m.yaml", "--set", "id=c1", "--json")
    assert result.exit_code == 1
    body = one_object(result)
    assert list(body) == ["run_id", "status", "error"]
    assert body["status"] == "failed"
    assert body["error"] == {"code": "0401", "message": "denied", "type": "tool",
                             "node": "customer"}


def test_a_failed_run_without_json_explains_on_stderr() -> None:
    write("tools.yaml", TOOLS)
    write("m.yaml", "mocks:\n    api://crm/customer: {error: {code: '0401', message: "
                    "denied}}\n    db://shop.order/count: {result: 1, delay: 50}\n")
    result = invoke("run", "tools.yaml", "--mock", "m.yaml", "--set", "id=c1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error 0401 at node customer: denied" in result.stderr
    assert " failed in " in result.stderr


def test_compile_errors_are_rendered_and_exit_1() -> None:
    write("broken.yaml", """\
        flow:
            name: Broken
            node:
                a:
                    with: 1 +
                    next: nowhere
        """)
    for extra in ([], ["--json"]):
        result = invoke("run", "broken.yaml", *extra)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "broken.yaml:5:" in result.stderr
        assert "error[E202]" in result.stderr
        assert "^" in result.stderr
    assert not Path(".fdl").exists() or not json.loads(invoke("runs", "list", "--json").stdout)


def test_a_missing_flow_file_is_a_usage_error() -> None:
    assert invoke("run", "nope.yaml").exit_code == 2


# --- the store -------------------------------------------------------------------------------


def test_runs_are_stored_in_the_state_folder_by_default() -> None:
    write("echo.yaml", ECHO)
    assert invoke("run", "echo.yaml", "--json").exit_code == 0
    assert Path(".fdl/runs.db").is_file()
    runs = json.loads(invoke("runs", "list", "--json").stdout)
    assert [r["flow"] for r in runs] == ["Echo"]


def test_the_state_folder_comes_from_the_configuration(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write("project/fdl.yaml", "state: var/state/\nconcurrency: 4\n")
    write("project/flows/echo.yaml", ECHO)
    monkeypatch.chdir(tmp_path / "project" / "flows")
    assert invoke("run", "echo.yaml", "--json").exit_code == 0
    assert (tmp_path / "project/var/state/runs.db").is_file()
    assert not (tmp_path / "project/flows/.fdl").exists()
    assert len(json.loads(invoke("runs", "list", "--json").stdout)) == 1


def test_the_state_folder_may_come_from_pyproject(tmp_path: Path) -> None:
    write("pyproject.toml", '[tool.fdl]\nstate = "st"\n')
    write("echo.yaml", ECHO)
    assert invoke("run", "echo.yaml", "--json").exit_code == 0
    assert Path("st/runs.db").is_file()


@pytest.mark.parametrize("config", ["concurrency: 0\n", "timezone: Mars/Olympus\n",
                                    "state: [1]\n", "timezone: 8\n"])
def test_a_bad_configuration_is_a_usage_error(config: str) -> None:
    write("fdl.yaml", config)
    write("echo.yaml", ECHO)
    result = invoke("run", "echo.yaml")
    assert result.exit_code == 2
    assert "fdl.yaml" in result.stderr


def test_no_store_runs_without_persistence() -> None:
    write("echo.yaml", ECHO)
    result = invoke("run", "echo.yaml", "--no-store")
    assert result.exit_code == 0
    assert not Path(".fdl").exists()
    assert "fdl runs show" not in result.stderr
    assert invoke("run", "echo.yaml", "--no-store", "--store", "x.db").exit_code == 2


def test_store_path_then_runs_list_and_show_find_the_run() -> None:
    write("tools.yaml", TOOLS)
    write("m.yaml", MOCKS)
    result = invoke("run", "tools.yaml", "--mock", "m.yaml", "--set", "id=c1", "--store",
                    "data/runs.db", "--json")
    run_id = one_object(result)["run_id"]
    assert Path("data/runs.db").is_file()
    assert not Path(".fdl").exists()
    shown_hint = invoke("run", "tools.yaml", "--mock", "m.yaml", "--set", "id=c1", "--store",
                        "data/runs.db").stderr
    assert "(fdl runs show " in shown_hint and " --store data/runs.db)" in shown_hint

    listed = invoke("runs", "list", "--store", "data/runs.db")
    assert listed.exit_code == 0
    assert run_id in listed.stdout and "Tools" in listed.stdout and "completed" in listed.stdout
    runs = json.loads(invoke("runs", "list", "--store", "data/runs.db", "--json").stdout)
    assert [r["run_id"] for r in runs][-1] == run_id

    shown = invoke("runs", "show", run_id, "--store", "data/runs.db")
    assert shown.exit_code == 0
    assert f"run      {run_id}" in shown.stdout
    assert "status   completed" in shown.stdout
    assert 'inputs   {"id":"c1"}' in shown.stdout
    assert '"orders": 7' in shown.stdout
    assert "events" not in shown.stdout

    record = json.loads(invoke("runs", "show", run_id, "--store", "sqlite:///data/runs.db",
                               "--json").stdout)
    assert record["status"] == "completed"
    assert record["inputs"] == {"id": "c1", "tenantId": None, "buCode": None}
    assert record["output"] == {"name": "Alice", "orders": 7}
    assert "events" not in record


def test_runs_show_events() -> None:
    write("branches.yaml", BRANCHES)
    run_id = one_object(invoke("run", "branches.yaml", "--set", "n=1", "--json"))["run_id"]
    shown = invoke("runs", "show", run_id, "--events")
    assert "events (" in shown.stdout
    assert "node.completed" in shown.stdout and "positive" in shown.stdout
    assert "flow.completed" in shown.stdout
    record = json.loads(invoke("runs", "show", run_id, "--events", "--json").stdout)
    types = [e["type"] for e in record["events"]]
    assert types[0] == "flow.started" and types[-1] == "flow.completed"
    assert {"run_id": run_id, "node": "check", "type": "node.started"}.items() <= \
        record["events"][1].items()


def test_runs_show_of_a_failed_run_shows_the_error() -> None:
    write("tools.yaml", TOOLS)
    run_id = one_object(invoke("run", "tools.yaml", "--set", "id=c", "--json"))["run_id"]
    shown = invoke("runs", "show", run_id)
    assert "status   failed" in shown.stdout
    assert "error F406 at node" in shown.stdout


def test_runs_list_filters() -> None:
    write("branches.yaml", BRANCHES)
    write("echo.yaml", ECHO)
    for n in (1, 2, 3):
        invoke("run", "branches.yaml", "--set", f"n={n}")
    invoke("run", "branches.yaml", "--set", "n=oops")  # F402: failed
    invoke("run", "echo.yaml")

    def listed(*args: str) -> list[dict[str, Any]]:
        result = invoke("runs", "list", "--json", *args)
        assert result.exit_code == 0
        value: list[dict[str, Any]] = json.loads(result.stdout)
        return value

    assert len(listed()) == 5
    assert [r["flow"] for r in listed("--flow", "Echo")] == ["Echo"]
    assert [r["status"] for r in listed("--status", "failed")] == ["failed"]
    assert len(listed("--flow", "Branches", "--status", "completed")) == 3
    newest = listed("--limit", "2")
    assert [r["flow"] for r in newest] == ["Echo", "Branches"]
    assert invoke("runs", "list", "--status", "done").exit_code == 2
    assert invoke("runs", "list", "--limit", "0").exit_code == 2


def test_runs_commands_on_an_empty_or_missing_store() -> None:
    result = invoke("runs", "list")
    assert result.exit_code == 0
    assert "no runs yet" in result.stderr
    assert invoke("runs", "list", "--json").stdout.strip() == "[]"
    assert not Path(".fdl").exists()  # reading does not create a store
    for command in (["runs", "show", "abc"], ["runs", "cancel", "abc"],
                    ["runs", "resume", "abc"]):
        result = invoke(*command)
        assert result.exit_code == 1, command
        assert "no run 'abc'" in result.stderr
        assert "Traceback" not in result.stderr


def test_runs_cancel_of_an_unknown_run_in_an_existing_store() -> None:
    write("echo.yaml", ECHO)
    invoke("run", "echo.yaml")
    result = invoke("runs", "cancel", "nope")
    assert result.exit_code == 1
    assert "no run 'nope'" in result.stderr


def test_runs_cancel_of_a_finished_run_says_so() -> None:
    write("echo.yaml", ECHO)
    run_id = one_object(invoke("run", "echo.yaml", "--json"))["run_id"]
    result = invoke("runs", "cancel", run_id)
    assert result.exit_code == 0
    assert "already completed; nothing to cancel" in result.stderr


def test_resume_refuses_finished_and_unknown_runs() -> None:
    write("echo.yaml", ECHO)
    run_id = one_object(invoke("run", "echo.yaml", "--json"))["run_id"]
    for command in (["run", "echo.yaml", "--resume", run_id], ["runs", "resume", run_id]):
        result = invoke(*command)
        assert result.exit_code == 1
        assert "F410: run" in result.stderr
        assert "already completed; only interrupted runs can be resumed" in result.stderr
    result = invoke("run", "echo.yaml", "--resume", "nope", "--json")
    assert result.exit_code == 1
    assert "no run 'nope'" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("extra", [["--input", "{}"], ["--set", "a=1"], ["--tenant", "t"],
                                   ["--no-store"]])
def test_resume_cannot_change_inputs_or_drop_the_store(extra: list[str]) -> None:
    write("echo.yaml", ECHO)
    result = invoke("run", "echo.yaml", "--resume", "abc", *extra)
    assert result.exit_code == 2


def test_a_store_that_is_not_a_run_store_is_a_usage_error() -> None:
    write("echo.yaml", ECHO)
    write("notadb.db", "hello, I am text\n" * 100)
    result = invoke("run", "echo.yaml", "--store", "notadb.db")
    assert result.exit_code == 2
    assert "--store" in result.stderr


# --- progress ------------------------------------------------------------------------------


def test_progress_without_a_terminal_is_one_line_per_finished_node() -> None:
    write("branches.yaml", BRANCHES)
    result = invoke("run", "branches.yaml", "--set", "n=1")
    lines = result.stderr.splitlines()
    assert lines[0].startswith("run ") and lines[0].endswith(")")
    assert [line.split()[:2] for line in lines[1:3]] == [["completed", "check"],
                                                         ["completed", "positive"]]
    assert lines[3].startswith("run ") and " completed in " in lines[3]
    assert len(lines) == 4
    assert not any("\x1b[" in line for line in lines)  # no colours or cursor moves


def test_progress_lines_of_failures_and_nested_nodes() -> None:
    write("each.yaml", EACH)
    write("m.yaml", "mocks:\n    api://crm/user:\n        sequence:\n"
                    "            - result: {name: a}\n"
                    "            - error: {code: '500', message: boom}\n")
    result = invoke("run", "each.yaml", "--mock", "m.yaml", "--set", 'ids=["x", "y"]')
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.split()[:2] == ["completed", "proc[0]/user"] for line in lines)
    failed = [line for line in lines if line.startswith("failed")]
    assert failed[0].split()[1] == "proc[1]/user" and "500: boom" in failed[0]
    assert failed[1].split()[1] == "proc"
    assert "error 500 at node proc[1]/user: boom" in result.stderr


def _display(text: str) -> tuple[RunDisplay, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    plan = fdl.check_text(textwrap.dedent(text), "flow.yaml").plan
    assert plan is not None
    return RunDisplay(plan, console=console, live=True), out


def _feed(display: RunDisplay, *events: tuple[str, str, dict[str, Any]]) -> None:
    for seq, (kind, node, extra) in enumerate(events):
        display.on_event({"type": kind, "run_id": "r", "node": node, "at": 100.0 + seq,
                          "seq": seq, **extra})


def _rendered(display: RunDisplay) -> str:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    with console.capture() as capture:
        console.print(display.render())
    return capture.get()


def test_the_live_tree_shows_states_durations_and_dead_branches() -> None:
    display, out = _display(BRANCHES)
    with display:
        _feed(display, ("flow.started", "", {}), ("node.started", "check", {"activation": 1}),
              ("node.completed", "check", {"duration": 0.002}))
        running = _rendered(display)
        _feed(display, ("node.started", "positive", {"activation": 1}))
        assert "positive  running" in _rendered(display)
        _feed(display, ("node.completed", "positive", {"duration": 1.5}),
              ("flow.completed", "", {"duration": 1.6}))
    assert "check  completed  2.0 ms" in running
    assert "negative  waiting" in running
    tree = _rendered(display)
    assert "Branches  completed  1.60 s" in tree
    assert "positive  completed  1.50 s" in tree
    assert "negative  dead" in tree
    assert "Branches" in out.getvalue()  # drawn on the console while live


def test_the_live_tree_nests_iterations_and_keeps_the_latest() -> None:
    display, _out = _display(EACH)
    events: list[tuple[str, str, dict[str, Any]]] = [("flow.started", "", {}),
                                                     ("node.started", "proc", {})]
    for i in range(8):
        events += [("iteration.started", "proc", {"index": i}),
                   ("node.started", f"proc[{i}]/user", {}),
                   ("node.completed", f"proc[{i}]/user", {"duration": 0.5}),
                   ("iteration.completed", "proc", {"index": i})]
    events += [("iteration.started", "proc", {"index": 8}),
               ("node.started", "proc[8]/user", {}),
               ("node.failed", "proc[8]/user", {"duration": 0.1,
                                                "error": {"code": "500", "message": "x"}}),
               ("node.failed", "proc", {"error": {"code": "500", "message": "x"}}),
               ("flow.failed", "", {"error": {"code": "500"}})]
    _feed(display, *events)
    tree = _rendered(display)
    assert "… 4 earlier iterations" in tree
    assert "[3]" not in tree and "[4]  completed" in tree
    assert "user  failed  100 ms  500" in tree
    assert "[8]  cancelled" in tree
    assert tree.index("proc  failed") < tree.index("[8]") < tree.index("user  failed")


def test_the_live_tree_after_jumps_counts_activations() -> None:
    display, _out = _display(BRANCHES)
    _feed(display, ("node.started", "check", {"activation": 1}),
          ("node.completed", "check", {}), ("node.started", "check", {"activation": 3}))
    assert "check  running" in _rendered(display) and "×3" in _rendered(display)


def test_a_cancelled_run_lists_the_nodes_it_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    display, _out = _display(TOOLS)
    display.live = False
    lines: list[str] = []

    def capture(message: Any = None, **_kwargs: Any) -> None:
        lines.append(str(message))

    monkeypatch.setattr(click, "echo", capture)
    _feed(display, ("flow.started", "", {}), ("node.started", "customer", {}),
          ("node.started", "count", {}), ("node.completed", "count", {"duration": 0.1}),
          ("flow.cancelled", "", {"error": {"code": "F408"}}))
    assert lines[0].split() == ["completed", "count", "100", "ms"]
    assert lines[1].split() == ["cancelled", "customer"]
    assert len(lines) == 2


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0.0004, 0.012, 1.234, 125, 7300)] == [
        "0.4 ms", "12 ms", "1.23 s", "2m 05s", "2h 01m"]


# --- the example ----------------------------------------------------------------------------


def test_the_example_runs_with_its_mock_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [fdl_exe(), "run", "flows/customer_view.yaml", "--mock", "mocks/customer_view.yaml",
         "--input", '{"customerId": "c1"}', "--store", str(tmp_path / "runs.db")],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT / "examples")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"id": "c1", "name": "Alice", "orders": 7,
                                         "bigTotal": 470.5, "level": "gold"}
    assert "completed  merge" in result.stderr


# --- real processes: crash, Ctrl-C and cancel -------------------------------------------------


def _start(tmp_path: Path, *extra: str, mocks: str = SLOW_MOCKS) -> subprocess.Popen[str]:
    (tmp_path / "flow.yaml").write_text(SLOW, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(mocks, encoding="utf-8")
    return subprocess.Popen(
        [fdl_exe(), "run", "flow.yaml", "--mock", "m.yaml", "--store", "tmp/runs.db",
         "--set", "id=abc", *extra],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_first(tmp_path: Path, process: subprocess.Popen[str]) -> str:
    """Poll the store until the first node's completion is stored; returns the run id."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if (tmp_path / "tmp/runs.db").exists():
            store = open_store(tmp_path / "tmp/runs.db")
            try:
                for record in store.list():
                    if any(e["type"] == "node.completed" and e["node"] == "first"
                           for e in store.events(record.run_id)):
                        return record.run_id
            finally:
                store.close()
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the first node's completion was never stored")


def test_a_killed_run_resumes_without_rerunning_completed_nodes(tmp_path: Path) -> None:
    process = _start(tmp_path, "--json")
    run_id = _wait_for_first(tmp_path, process)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL

    store = open_store(tmp_path / "tmp/runs.db")
    try:
        record = store.get(run_id)
        assert record is not None and record.status == "running"
    finally:
        store.close()

    resumed = subprocess.run(
        [fdl_exe(), "runs", "resume", run_id, "--mock", "m.yaml", "--store", "tmp/runs.db",
         "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False)
    assert resumed.returncode == 0, resumed.stderr
    body = json.loads(resumed.stdout)
    assert body == {"run_id": run_id, "status": "completed",
                    "output": {"a": "abc!", "b": "abc!?"}}

    store = open_store(tmp_path / "tmp/runs.db")
    try:
        events = store.events(run_id)
        record = store.get(run_id)
    finally:
        store.close()
    assert record is not None and record.status == "completed"
    types = [e["type"] for e in events]
    assert types.count("flow.resumed") == 1
    after = events[types.index("flow.resumed") + 1:]
    # The completed node is not run again; the interrupted call is repeated and completes.
    assert not [e for e in after if e["node"] == "first"]
    second = [e for e in after if e["node"] == "second"]
    assert [e["type"] for e in second] == ["node.started", "node.completed"]
    assert second[0]["resumed"] is True
    assert [e["type"] for e in after if e["node"] == "done"] == ["node.started",
                                                                  "node.completed"]
    assert after[-1]["type"] == "flow.completed"


def test_a_run_whose_process_is_alive_cannot_be_resumed(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    process = _start(tmp_path, "--json", mocks=SLOW_MOCKS.replace("3000", "60000"))
    run_id = _wait_for_first(tmp_path, process)
    store = open_store(tmp_path / "tmp/runs.db")
    try:
        before = store.events(run_id)
    finally:
        store.close()
    refused = subprocess.run(
        [fdl_exe(), "runs", "resume", run_id, "--mock", "m.yaml", "--store", "tmp/runs.db",
         "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False)
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout == ""
    assert f"F410: run '{run_id}' is being run by process {process.pid}" in refused.stderr
    assert "Traceback" not in refused.stderr
    store = open_store(tmp_path / "tmp/runs.db")
    try:
        assert store.events(run_id)[:len(before)] == before
        assert "flow.resumed" not in [e["type"] for e in store.events(run_id)]
    finally:
        store.close()
    monkeypatch.chdir(tmp_path)
    assert invoke("runs", "cancel", run_id, "--store", "tmp/runs.db").exit_code == 0
    out, _err = process.communicate(timeout=20)
    assert json.loads(out)["status"] == "cancelled"  # the owner went on until cancelled
    store = open_store(tmp_path / "tmp/runs.db")
    try:
        types = [e["type"] for e in store.events(run_id)]
    finally:
        store.close()
    assert types.count("flow.cancelled") == 1 and "flow.resumed" not in types


def test_ctrl_c_leaves_the_run_resumable(tmp_path: Path) -> None:
    # the second call takes a minute: Ctrl-C always lands while it is in flight, however
    # slow the machine (no timing is asserted)
    process = _start(tmp_path, mocks=SLOW_MOCKS.replace("3000", "60000"))
    run_id = _wait_for_first(tmp_path, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=45)
    assert process.returncode == 130, err
    assert out == ""
    assert f"fdl run flow.yaml --resume {run_id} --mock m.yaml --store tmp/runs.db" in err
    assert "Traceback" not in err

    (tmp_path / "m.yaml").write_text(SLOW_MOCKS.replace("3000", "0"), encoding="utf-8")
    with (tmp_path / "flow.yaml").open("a", encoding="utf-8") as flow:
        flow.write("# edited after the run started\n")
    resumed = subprocess.run(
        [fdl_exe(), "run", "flow.yaml", "--resume", run_id, "--mock", "m.yaml", "--store",
         "tmp/runs.db"], cwd=tmp_path, capture_output=True, text=True, timeout=30,
        check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == {"a": "abc!", "b": "abc!?"}
    assert f"resuming {run_id}" in resumed.stderr
    assert "flow.yaml changed since run" in resumed.stderr
    assert "resuming the flow as it was then" in resumed.stderr


def test_runs_cancel_stops_a_run_in_another_process(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # the second call takes a minute: only the cancel can end the run within the timeout
    # of communicate (no timing is asserted)
    process = _start(tmp_path, "--json", mocks=SLOW_MOCKS.replace("3000", "60000"))
    run_id = _wait_for_first(tmp_path, process)
    monkeypatch.chdir(tmp_path)
    result = invoke("runs", "cancel", run_id, "--store", "tmp/runs.db")
    assert result.exit_code == 0
    assert f"cancel requested for run {run_id}" in result.stderr
    out, err = process.communicate(timeout=45)
    assert process.returncode == 1, err
    body = json.loads(out)
    assert body["status"] == "cancelled"
    assert body["error"]["code"] == "F408"


def test_runs_cancel_of_a_killed_run_marks_it_cancelled(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    process = _start(tmp_path, "--json")
    run_id = _wait_for_first(tmp_path, process)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    monkeypatch.chdir(tmp_path)
    result = invoke("runs", "cancel", run_id, "--store", "tmp/runs.db")
    assert result.exit_code == 0
    assert "was cancelled (the process that ran it had stopped)" in result.stderr
    shown = json.loads(invoke("runs", "show", run_id, "--store", "tmp/runs.db",
                              "--json").stdout)
    assert shown["status"] == "cancelled"


def test_run_a_single_quoted_text_outputs_that_string() -> None:
    write("greet.yaml", """\
        flow:
            name: Greet
            node:
                hi:
                    with: '你好，尊敬的会员。'
    """)
    result = invoke("run", "greet.yaml")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == "你好，尊敬的会员。"


def test_a_run_that_breaks_inside_the_runtime_is_recorded_failed_with_a_code() -> None:
    """Issue #17: a decimal input of 1e999999 and then ``d * d`` (an uncaught decimal
    overflow) used to leave a traceback, nothing on --json and the run `running` forever; the
    input is now refused (F402: beyond decimal128's range, gml.md §6.1) and the run recorded
    failed."""
    write("ov.yaml", """\
        flow:
            name: Ov
            args:
                in:
                    d: decimal
            node:
                a:
                    with: d * d
        """)
    result = invoke("run", "ov.yaml", "--json", "--store", "runs.db", "--input",
                    '{"d": "1e999999"}')
    assert result.exit_code == 1
    body = one_object(result)
    assert body["status"] == "failed"
    assert body["error"]["code"] == "F402"
    store = open_store("runs.db")
    try:
        record = store.get(body["run_id"])
    finally:
        store.close()
    assert record is not None and record.status == "failed"
