"""``py://`` and ``shell://`` (stdlib/tools/process.py, tools.md §6): tools in a confined
process of their own, each exceeded limit tool error F411 naming it.

Every test starts real processes. The limits that need the kernel's help (Landlock for the
working folder, a network namespace or Landlock for the network) skip, naming what is
missing, on a platform without it.
"""

from __future__ import annotations

import os
import socket
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import trio

from stdlib.registry import parse_spec_text
from stdlib.tools import ToolCall, ToolError
from stdlib.tools.process import ProcessTools
from tests.fdl.test_cli_adapters import invoke, output_of, write

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="py:// and shell:// limits are tested on Linux")

FUNCTIONS = '''\
import os, socket, time

IMPORTED_AT = time.time()

def age():
    return {"age": time.time() - IMPORTED_AT, "folder": os.getcwd()}

def add(a, b):
    print("a print goes to stderr, not into the result")
    return {"sum": a + b, "folder": os.getcwd(), "env": sorted(os.environ)}

def fails(a):
    raise ValueError(f"no good: {a}")

def memory_bomb():
    hoard = []
    while True:
        hoard.append(bytearray(50 * 1024 * 1024))

def endless():
    while True:
        pass

def fork_bomb():
    while True:
        os.fork()

def escape(path):
    with open(path, "w") as f:
        f.write("escaped")

def inside():
    with open("note.txt", "w") as f:
        f.write("kept")
    return os.listdir(".")

def connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    return "connected"

def chatty():
    import sys
    sys.stderr.write("x" * 100000)
    return 1

def returns_a_set():
    return object()
'''


def _landlock() -> bool:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return bool(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1)) >= 1)


needs_landlock = pytest.mark.skipif(not (sys.platform.startswith("linux") and _landlock()),
                                    reason="Landlock (Linux 5.13+) is not available")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "fns.py").write_text(FUNCTIONS, encoding="utf-8")
    return tmp_path


def py(function: str, arguments: Sequence[str] = (), **config: Any
       ) -> tuple[str, str, dict[str, Any], list[str]]:
    return ("py", function, {"path": "tools/fns.py", "function": function,
                             "timeout": 10_000, **config}, list(arguments))


def shell(code: str, command: list[str], arguments: Sequence[str] = (), **config: Any
          ) -> tuple[str, str, dict[str, Any], list[str]]:
    return ("shell", code, {"command": command, "timeout": 10_000, **config},
            list(arguments))


def call(tools: ProcessTools, base: str, args: Mapping[str, Any] | None = None) -> Any:
    tool = tools.resolve(base)
    assert tool is not None, base
    kind, _, code = base.partition("://")

    async def go() -> Any:
        try:
            return await tool.call(ToolCall(uri=base, base=base, type=kind, code=code,
                                            args=dict(args or {})))
        finally:
            await tools.aclose()

    return trio.run(go)


def fails(tools: ProcessTools, base: str, args: Mapping[str, Any] | None = None
          ) -> ToolError:
    with pytest.raises(ToolError) as caught:
        call(tools, base, args)
    return caught.value


# ---------------------------------------------------------------------------- py


def test_a_py_tool_returns_its_functions_value_from_a_fresh_folder(project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    monkeypatch.setenv("SHOWN", "yes")
    monkeypatch.setenv("HIDDEN", "secret")
    tools = ProcessTools([py("add", ["a", "b"], env=["SHOWN"])], project)
    result = call(tools, "py://add", {"a": 2, "b": 3})
    assert result["sum"] == 5
    folder = Path(result["folder"])
    assert folder != project and not folder.exists()   # fresh, and removed afterwards
    assert "SHOWN" in result["env"] and "HIDDEN" not in result["env"]


@pytest.mark.parametrize("warm", [True, False])
def test_the_next_calls_process_is_started_ahead_and_used_once(project: Path,
                                                                warm: bool) -> None:
    tools = ProcessTools([py("age", warm=warm)], project)
    tool = tools.resolve("py://age")
    assert tool is not None

    async def go() -> list[Any]:
        answers = []
        try:
            for _ in range(3):
                answers.append(await tool.call(ToolCall(uri="py://age", base="py://age",
                                                        type="py", code="age", args={})))
                await trio.sleep(1.5)
        finally:
            await tools.aclose()
        return answers

    first, second, third = trio.run(go)
    assert first["age"] < 0.5
    # warm: the module of the 2nd and 3rd calls was imported during the pause before them
    # (which a loaded machine shortens by the interpreter's start-up)
    assert (second["age"] >= 0.5) is warm and (third["age"] >= 0.5) is warm
    folders = {first["folder"], second["folder"], third["folder"]}
    assert len(folders) == 3 and not any(Path(f).exists() for f in folders)
    assert _tool_processes(project) == []


def test_an_exception_of_a_py_tool_is_a_tool_error_with_its_type(project: Path) -> None:
    error = fails(ProcessTools([py("fails", ["a"])], project), "py://fails", {"a": 7})
    assert error.code == "PY500" and "ValueError: no good: 7" in error.message
    assert not error.retryable


def test_a_value_that_is_not_json_is_a_tool_error(project: Path) -> None:
    error = fails(ProcessTools([py("returns_a_set")], project), "py://returns_a_set")
    assert error.code == "PY500" and "not JSON" in error.message


def test_a_memory_bomb_is_f411_memory(project: Path) -> None:
    error = fails(ProcessTools([py("memory_bomb", memory="200MiB")], project),
                  "py://memory_bomb")
    assert (error.code, error.details) == ("F411", {"limit": "memory"})
    assert "memory limit (200.0MiB)" in error.message


def test_an_endless_loop_is_f411_timeout(project: Path) -> None:
    error = fails(ProcessTools([py("endless", timeout=1500)], project), "py://endless")
    assert (error.code, error.details) == ("F411", {"limit": "timeout"})
    assert "1500 ms" in error.message


def test_a_busy_loop_past_its_cpu_time_is_f411_cpu(project: Path) -> None:
    error = fails(ProcessTools([py("endless", cpu=1000, timeout=20_000)], project),
                  "py://endless")
    assert (error.code, error.details) == ("F411", {"limit": "cpu"})


def test_a_fork_bomb_is_f411_processes_and_leaves_no_process_behind(project: Path) -> None:
    error = fails(ProcessTools([py("fork_bomb", processes=8)], project), "py://fork_bomb")
    assert (error.code, error.details) == ("F411", {"limit": "processes"})
    assert _tool_processes(project) == []


@needs_landlock
def test_writing_outside_the_working_folder_is_f411_folder(project: Path) -> None:
    target = project / "escaped.txt"
    error = fails(ProcessTools([py("escape", ["path"])], project), "py://escape",
                  {"path": str(target)})
    assert (error.code, error.details) == ("F411", {"limit": "folder"})
    assert not target.exists()


@needs_landlock
def test_writing_inside_the_working_folder_is_allowed(project: Path) -> None:
    assert call(ProcessTools([py("inside")], project), "py://inside") == ["note.txt"]


def test_the_network_is_off_unless_the_spec_turns_it_on(project: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        off = ProcessTools([py("connect", ["port"])], project)
        assert fails(off, "py://connect", {"port": port}).code == "PY500"
        on = ProcessTools([py("connect", ["port"], network=True)], project)
        assert call(on, "py://connect", {"port": port}) == "connected"


def test_too_much_output_is_f411_output(project: Path) -> None:
    error = fails(ProcessTools([py("chatty", output=1000)], project), "py://chatty")
    assert (error.code, error.details) == ("F411", {"limit": "output"})


# ---------------------------------------------------------------------------- shell


def test_a_shell_tool_answers_stdout_stderr_and_exit_code(project: Path) -> None:
    script = 'cat; echo "$1"; echo e >&2; exit 3'
    tools = ProcessTools([shell("echo", ["sh", "-c", script, "sh", "{word}"],
                                ["word", "n"])], project)
    result = call(tools, "shell://echo", {"word": "two words; rm -rf /", "n": 1})
    assert result == {"stdout": '{"word": "two words; rm -rf /", "n": 1}two words; rm -rf /\n',
                      "stderr": "e\n", "exitCode": 3}


def test_a_shell_tool_reads_one_argument_as_stdin_and_answers_json(project: Path) -> None:
    program = "import json, sys; print(json.dumps(sys.stdin.read()[::-1]))"
    tools = ProcessTools([shell("rev", [sys.executable, "-c", program], ["content"],
                                stdin="content", json=True)], project)
    assert call(tools, "shell://rev", {"content": "abc"}) == "cba"


def test_a_failing_shell_tool_with_json_output_is_a_tool_error(project: Path) -> None:
    tools = ProcessTools([shell("no", ["sh", "-c", "echo broken >&2; exit 2"], json=True)],
                         project)
    error = fails(tools, "shell://no")
    assert error.code == "SH500" and "broken" in error.message
    assert error.details == {"exitCode": 2}


def test_a_shell_fork_bomb_is_f411_processes(project: Path) -> None:
    bomb = ["bash", "-c", "b() { b | b; }; b", str(project)]  # $0 marks its processes
    error = fails(ProcessTools([shell("bomb", bomb, processes=16, timeout=3000)], project),
                  "shell://bomb")
    assert (error.code, error.details) == ("F411", {"limit": "processes"})
    assert _tool_processes(project) == []


def test_an_endless_shell_command_is_f411_timeout(project: Path) -> None:
    error = fails(ProcessTools([shell("sleep", ["sleep", "30"], timeout=500)], project),
                  "shell://sleep")
    assert (error.code, error.details) == ("F411", {"limit": "timeout"})


def test_a_shell_memory_bomb_is_f411_memory(project: Path) -> None:
    hog = [sys.executable, "-c", "bytearray(1024 ** 3)"]
    error = fails(ProcessTools([shell("hog", hog, memory="256MiB")], project), "shell://hog")
    assert (error.code, error.details["limit"]) == ("F411", "memory")


# ---------------------------------------------------------------------------- checking


@pytest.mark.parametrize(("config", "message"), [
    ("{function: score}", "config.path"),
    ("{path: tools/fns.txt}", "must be a Python file"),
    ("{path: tools/fns.py, memory: lots}", "config.memory"),
    ("{path: tools/fns.py, function: 'not a name'}", "config.function"),
    ("{path: tools/fns.py, memory: 0}", "config.memory"),
])
def test_a_py_specs_config_is_checked_when_registered(config: str, message: str) -> None:
    text = f"type: py\ncode: score\nargs: {{in: {{a: int}}}}\nconfig: {config}\n"
    found = _problems(text)
    assert any(message in p for p in found), found


def test_a_shell_command_placeholder_must_be_a_declared_argument() -> None:
    text = ("type: shell\ncode: echo\nargs: {in: {word: string}}\n"
            "config: {command: [echo, '{wrod}', 'x{word}']}\n")
    assert any("{wrod}" in p and "not a declared argument" in p for p in _problems(text))


# ---------------------------------------------------------------------------- in a run


def test_limits_stop_their_node_while_the_other_nodes_of_the_run_go_on(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    write("fdl.yaml", "tools: tools/\n")
    for name, config in {"memory_bomb": "memory: 200MiB", "endless": "timeout: 1500",
                         "fork_bomb": "processes: 8", "escape": ""}.items():
        write(f"tools/{name}.yaml", f"""\
            type: py
            code: {name}
            args: {{in: {{{'path: string' if name == 'escape' else ''}}}}}
            config: {{path: tools/fns.py, function: {name}, {config}}}
        """)
    write("tools/add.yaml", """\
        type: py
        code: add
        args: {in: {a: int, b: int}, out: {sum: int, folder: string}}
        config: {path: tools/fns.py, function: add}
    """)
    bombs = ("memory_bomb", "endless", "fork_bomb", "escape")
    target = f"path = '{project / 'out.txt'}'"
    nodes = "".join(f"""
            {name}:
                exec: py://{name}
                {'args: ' + target if name == 'escape' else ''}
                next: report
                fail: report""" for name in bombs)
    codes = ", ".join(f"{name}.error.code" for name in bombs)
    write("flows/limits.yaml", f"""\
        flow:
            name: Limits
            node:{textwrap.indent(textwrap.dedent(nodes), " " * 16)}
                add:
                    exec: py://add
                    args: a = 1, b = 2
                    next: report
                report:
                    with: |
                        sum = add.sum
                        codes = [{codes}]
    """)
    result = invoke("run", "flows/limits.yaml", "--json")
    output = output_of(result)["output"]
    assert output["sum"] == 3
    assert output["codes"] == ["F411"] * (4 if _landlock() else 3) + ([] if _landlock() else [None])
    assert not (project / "out.txt").exists()


def _problems(text: str) -> list[str]:
    _spec, problems = parse_spec_text(text, "spec.yaml")
    return [f"{p.field}: {p.message}" for p in problems]


def _tool_processes(project: Path) -> list[int]:
    """The live processes of the tools of ``project`` (their command line names its folder;
    a forked child keeps its parent's)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes() if entry.isdigit() else b""
            state = Path(f"/proc/{entry}/stat").read_text().split(") ")[-1][:1]
        except OSError:
            continue
        if str(project).encode() in command and state != "Z":
            found.append(int(entry))
    return found
