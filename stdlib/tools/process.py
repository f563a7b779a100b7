"""``py://`` and ``shell://`` — tools in a process of their own (spec/tools.md §6).

A ``py`` ToolSpec names a Python function (``config: {path: tools/score.py, function:
score}``), a ``shell`` ToolSpec a command (``config: {command: ['jq', '-c', '.items'], stdin:
content}``). Each call starts a fresh process, never running tool code in the runtime's own:

* **Process.** ``python -I -B stdlib/tools/_sandbox.py SETTINGS`` with the runtime's own
  interpreter (so a ``py`` tool sees the project's installed libraries), started with trio's
  `trio.lowlevel.open_process` in a session of its own. The child confines itself (resource
  limits, network, privileges, Landlock: see `stdlib.tools._sandbox`) and then runs the
  function or ``exec``\\ s the command.
* **Input and output.** The arguments are JSON on stdin (a ``shell`` tool with ``stdin:
  NAME`` gets the text of that argument instead); a command's parts that are exactly
  ``{name}`` become the argument's value (one part, whatever it holds: there is no shell).
  A ``py``
  tool answers with its return value (its prints go to stderr); a ``shell`` tool with
  ``{stdout, stderr, exitCode}``, or with stdout parsed as JSON under ``json: true``.
* **Working folder and environment.** A fresh temporary folder, removed after the call, is
  the working folder, ``HOME`` and ``TMPDIR``. The environment holds only ``PATH`` (a fixed
  system path unless listed), ``LANG`` and the variables ``config.env`` lists.
  Relative paths (a ``py`` file, a command with a ``/``) are relative to the project
  configuration's folder.
* **Limits** (`stdlib.tools.process_config.ProcessLimits`): a limit exceeded is `ToolError`
  F411 whose message names it and whose ``details.limit`` is one of ``timeout``, ``cpu``,
  ``memory``, ``processes``, ``output``, ``folder``. ``timeout`` and ``output`` are enforced
  here; ``cpu`` is recognised by the SIGXCPU/SIGKILL the kernel sends at ``RLIMIT_CPU``;
  ``memory``, ``processes`` and ``folder`` are reported by a ``py`` tool's process (a
  `MemoryError`, a fork refused, a write refused outside its folder). A ``shell`` command's
  own failure is only its exit code and stderr, so for it these three are recognised from the
  messages programs print (``Cannot allocate memory``, ``MemoryError``, ``fork: ...
  Resource temporarily unavailable``); a write refused outside the folder is then an ordinary
  non-zero exit (the write still does not happen).
* **Warm processes** (``py``, ``warm: true`` by default): each call also starts the next
  call's process, which confines itself, imports the module and waits for its arguments, so
  the next call does not wait for an interpreter to start. It is used for one call only (a
  fresh process and folder each time, as without it), only in the trio run that started it,
  and killed by `ProcessTools.aclose`; a process whose runtime went away reads no input and
  exits without calling anything.
* **Cleanup.** When the call ends — answered, failed, timed out or cancelled — every process
  of the tool's session is killed (SIGKILL to the process group), so a fork bomb or a
  forgotten background job does not outlive its call, and the working folder is removed.

Failures of the tool itself are `ToolError` PY500 (an exception, with its type and message)
or SH500 (``json: true`` and a non-zero exit or invalid JSON), never retryable; nothing of
the tool's process can reach the runtime's memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

from stdlib.tools import Tool, ToolCall, ToolError

from ._http import scalar_text
from .config import read_config
from .process_config import ProcessLimits, PyConfig, ShellConfig, placeholder

__all__ = ["LIMIT_CODE", "ProcessTools", "PyTool", "ShellTool"]

LIMIT_CODE = "F411"
"""The tool error of an exceeded limit (tools.md §6)."""

SANDBOX = Path(__file__).with_name("_sandbox.py")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
NOBODY = 65534
_GRACE = 1.0
"""Seconds the readers get to drain the pipes once the process has ended."""

_MEMORY = re.compile(r"Cannot allocate memory|MemoryError|std::bad_alloc|out of memory",
                     re.IGNORECASE)
_FORK = re.compile(r"fork: .*(Resource temporarily unavailable|retry)|BlockingIOError")


@dataclass(slots=True)
class _Finished:
    """What a tool's process did."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    limit: str | None = None


@dataclass(slots=True)
class _Pipe:
    limit: int
    data: bytearray = field(default_factory=bytearray)
    exceeded: bool = False


def _describe(limit: str, limits: ProcessLimits) -> str:
    values = {
        "timeout": f"its time limit ({limits.timeout} ms)",
        "cpu": f"its CPU time limit ({limits.cpu_seconds} s)",
        "memory": f"its memory limit ({limits.memory.human_readable(decimal=False)})",
        "processes": f"its process limit ({limits.processes})",
        "output": f"its output limit ({limits.output.human_readable(decimal=False)})",
        "folder": "its working folder (it may write only there)",
    }
    return values.get(limit, f"its {limit} limit")


def _limit_error(label: str, limit: str, limits: ProcessLimits, detail: str = ""
                 ) -> ToolError:
    message = f"{label} exceeded {_describe(limit, limits)}"
    if detail:
        message += f": {detail}"
    return ToolError(LIMIT_CODE, message, type="tool", details={"limit": limit})


async def _drain(stream: trio.abc.ReceiveStream, pipe: _Pipe, overflow: trio.CancelScope
                 ) -> None:
    async for chunk in stream:
        room = pipe.limit - len(pipe.data)
        pipe.data += chunk[:room]
        if len(chunk) > room:
            pipe.exceeded = True
            overflow.cancel()
            return


async def _feed(stream: trio.abc.SendStream, data: bytes) -> None:
    try:
        if data:
            await stream.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass  # the tool did not read its input: its answer tells
    finally:
        await stream.aclose()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class _Scratch:
    """A fresh working folder for one call, handed to ``nobody`` when the runtime is root
    (the tool's process runs as ``nobody`` then), removed afterwards."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="fdl-tool-"))
        if os.geteuid() == 0:
            os.chown(self.path, NOBODY, NOBODY)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


async def _spawn(settings: Mapping[str, Any], env: Mapping[str, str], folder: Path
                 ) -> trio.Process:
    """Start the sandbox script with ``settings`` in ``folder``, in a session of its own."""
    argv = [sys.executable, "-I", "-B", str(SANDBOX), json.dumps(dict(settings))]
    return await trio.lowlevel.open_process(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=str(folder), env=dict(env), start_new_session=True)


async def _exchange(process: trio.Process, stdin: bytes, limits: ProcessLimits
                    ) -> _Finished:
    """Give ``process`` its input, collect its output within the limits, and kill its whole
    session when done (see the module docstring)."""
    out, err = _Pipe(limits.output), _Pipe(limits.output)
    limit: str | None = None
    try:
        assert process.stdin and process.stdout and process.stderr
        with trio.CancelScope() as overflow:
            with trio.move_on_after(limits.timeout / 1000) as clock:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_feed, process.stdin, stdin)
                    nursery.start_soon(_drain, process.stdout, out, overflow)
                    nursery.start_soon(_drain, process.stderr, err, overflow)
                    await process.wait()
                    _kill_group(process.pid)
                    # The pipes close when the last process holding them is gone; one that
                    # left the session may keep them open: the readers get a grace period.
                    nursery.cancel_scope.deadline = trio.current_time() + _GRACE
            if clock.cancelled_caught:
                limit = "timeout"
        if overflow.cancelled_caught:
            limit = "output"
    finally:
        _kill_group(process.pid)
        with trio.CancelScope(shield=True):
            await process.wait()
    return _Finished(process.returncode, bytes(out.data), bytes(err.data), limit)


async def run_confined(settings: Mapping[str, Any], stdin: bytes, limits: ProcessLimits,
                       env: Mapping[str, str], folder: Path) -> _Finished:
    """Run the sandbox script with ``settings`` in ``folder`` to its end."""
    return await _exchange(await _spawn(settings, env, folder), stdin, limits)


@dataclass(slots=True)
class _Spare:
    """A ``py`` tool's process started ahead of its call: confined, its module imported,
    waiting for its arguments. Used for one call only, in the trio run that started it."""

    process: trio.Process
    scratch: _Scratch
    token: trio.lowlevel.TrioToken

    def discard(self) -> None:
        """Kill it (it was not used) and remove its folder."""
        _kill_group(self.process.pid)
        self.process.kill()
        self.scratch.remove()


def _signal_limit(returncode: int | None, shell: bool) -> str | None:
    """``cpu`` for a process the CPU limit stopped (SIGXCPU, or SIGKILL at the hard limit);
    for a shell command also an exit of 128+SIGXCPU (a shell whose child it stopped)."""
    if returncode is None:
        return None
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return "cpu"
    if shell and returncode in (128 + signal.SIGXCPU, 128 + signal.SIGKILL):
        return "cpu"
    return None


def _shell_limit(done: _Finished) -> str | None:
    """The limit a shell command's messages show it ran into: a refused fork, whatever the
    exit status (a background job's failure does not change it); memory, on a failure."""
    stderr = _text(done.stderr)
    if _FORK.search(stderr):
        return "processes"
    if done.returncode != 0 and _MEMORY.search(stderr):
        return "memory"
    return None


def _environment(limits: ProcessLimits, folder: Path, environ: Mapping[str, str]
                 ) -> dict[str, str]:
    env = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": str(folder),
           "TMPDIR": str(folder)}
    for name in limits.env:
        if name in environ:
            env[name] = environ[name]
    return env


def _settings(kind: str, limits: ProcessLimits) -> dict[str, Any]:
    return {"kind": kind, "cpu": limits.cpu_seconds, "memory": int(limits.memory),
            "processes": limits.processes, "network": limits.network}


async def _in_scratch(settings: Mapping[str, Any], stdin: bytes, limits: ProcessLimits,
                      environ: Mapping[str, str]) -> _Finished:
    scratch = await trio.to_thread.run_sync(_Scratch)
    try:
        return await run_confined(settings, stdin, limits,
                                  _environment(limits, scratch.path, environ), scratch.path)
    finally:
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(scratch.remove)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _tail(data: bytes, size: int = 500) -> str:
    text = _text(data).strip()
    return text if len(text) <= size else "..." + text[-size:]


def _json_input(args: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(args), default=scalar_text, allow_nan=False).encode()


class PyTool:
    """One ``py://<code>`` tool: its function runs in a confined process per call.

    Each call also starts the process of the next call (`_Spare`): confined and with the
    module imported while nothing waits for it, so a later call only pays for sending the
    arguments and reading the answer. The spare is used once, for the next call in the same
    trio run (another run starts afresh), and killed by `aclose`.
    """

    def __init__(self, code: str, config: PyConfig, script: Path,
                 arguments: Sequence[str] = (), environ: Mapping[str, str] | None = None
                 ) -> None:
        self.code = code
        self.config = config
        self.script = script
        self.arguments = tuple(arguments)
        self.environ = environ
        self._spare: _Spare | None = None

    def _settings(self) -> dict[str, Any]:
        return {**_settings("py", self.config), "path": str(self.script),
                "function": self.config.function}

    async def _start(self) -> _Spare:
        scratch = await trio.to_thread.run_sync(_Scratch)
        environ = self.environ if self.environ is not None else os.environ
        try:
            process = await _spawn(self._settings(),
                                   _environment(self.config, scratch.path, environ),
                                   scratch.path)
        except BaseException:
            scratch.remove()
            raise
        return _Spare(process, scratch, trio.lowlevel.current_trio_token())

    async def _take(self) -> _Spare:
        """The spare when it belongs to this run, else a process started now."""
        spare, self._spare = self._spare, None
        if spare is not None and spare.token is trio.lowlevel.current_trio_token() and \
                spare.process.returncode is None:
            return spare
        if spare is not None:
            spare.discard()
        return await self._start()

    async def aclose(self) -> None:
        """Kill the spare process, if any, and reap it (in the run that started it)."""
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.discard()
            if spare.token is trio.lowlevel.current_trio_token():
                with trio.CancelScope(shield=True):
                    await spare.process.wait()

    async def call(self, call: ToolCall) -> Any:
        label = f"py://{self.code}"
        args = {name: value for name, value in call.args.items()}
        try:
            stdin = _json_input(args)
        except (TypeError, ValueError) as error:
            raise ToolError("PY400", f"{label}: the arguments cannot be sent as JSON "
                            f"({error})", type="validation") from None
        current = await self._take()
        if self.config.warm and self._spare is None:
            # now, so that it starts while this call runs (calls back to back gain too)
            spare = await self._start()
            if self._spare is None:
                self._spare = spare
            else:  # a concurrent call of the same tool started one meanwhile
                spare.discard()
        try:
            done = await _exchange(current.process, stdin, self.config)
        finally:
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(current.scratch.remove)
        limit = done.limit or _signal_limit(done.returncode, False)
        if limit is not None:
            raise _limit_error(label, limit, self.config)
        try:
            envelope = json.loads(done.stdout)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            raise ToolError("PY500", f"{label} ended without an answer (exit status "
                            f"{done.returncode}): {_tail(done.stderr)}", type="tool")
        if "limit" in envelope:
            raise _limit_error(label, str(envelope["limit"]), self.config,
                               str(envelope.get("message", "")))
        if "error" in envelope:
            raised = envelope["error"]
            raise ToolError("PY500", f"{label} raised {raised.get('type')}: "
                            f"{raised.get('message')}", type="tool",
                            details={"exception": raised.get("type")})
        return envelope.get("result")


@dataclass(frozen=True, slots=True)
class ShellTool:
    """One ``shell://<code>`` tool: its command runs in a confined process per call."""

    code: str
    config: ShellConfig
    base: Path
    arguments: Sequence[str] = ()
    environ: Mapping[str, str] | None = None

    def _command(self, args: Mapping[str, Any], label: str) -> list[str]:
        def one(part: str) -> str:
            name = placeholder(part)
            if name is None:
                return part
            value = args.get(name)
            if value is None:
                raise ToolError("SH400", f"{label} needs the argument '{name}' for its "
                                "command, but it is missing or null", type="validation")
            return value if isinstance(value, str) else scalar_text(value)

        parts = [one(part) for part in self.config.command]
        program = parts[0]
        if "/" in program and not os.path.isabs(program):
            parts[0] = str(self.base / program)
        return parts

    def _stdin(self, args: Mapping[str, Any], label: str) -> bytes:
        name = self.config.stdin
        if name is None:
            try:
                return _json_input(args)
            except (TypeError, ValueError) as error:
                raise ToolError("SH400", f"{label}: the arguments cannot be sent as JSON "
                                f"({error})", type="validation") from None
        value = args.get(name)
        if value is None:
            return b""
        return (value if isinstance(value, str) else json.dumps(value, default=scalar_text)
                ).encode()

    async def call(self, call: ToolCall) -> Any:
        label = f"shell://{self.code}"
        args = dict(call.args)
        settings = {**_settings("shell", self.config), "command": self._command(args, label)}
        done = await _in_scratch(settings, self._stdin(args, label), self.config,
                                 self.environ if self.environ is not None else os.environ)
        # A bomb that ran out of processes often runs out of time too: the cause first.
        limit = _shell_limit(done) or done.limit or _signal_limit(done.returncode, True)
        if limit is not None:
            raise _limit_error(label, limit, self.config, _tail(done.stderr, 200))
        if self.config.json_output:
            if done.returncode != 0:
                raise ToolError("SH500", f"{label} exited with status {done.returncode}: "
                                f"{_tail(done.stderr)}", type="tool",
                                details={"exitCode": done.returncode})
            try:
                return json.loads(done.stdout)
            except ValueError:
                raise ToolError("SH500", f"{label} did not print JSON (config.json is true): "
                                f"{_tail(done.stdout, 200)}", type="tool") from None
        return {"stdout": _text(done.stdout), "stderr": _text(done.stderr),
                "exitCode": done.returncode}


class ProcessTools:
    """A runtime `ToolProvider` for ``py://`` and ``shell://`` tools.

    Args:
        specs: ``(type, code, config, arguments)`` of each ``py``/``shell`` ToolSpec.
        base: the folder relative paths start from (the project configuration's).
        environ: where ``config.env`` variables are read (default: ``os.environ``).

    Raises:
        ValueError: a ``config`` the tool cannot run with (naming the key).
    """

    def __init__(self, specs: Sequence[tuple[str, str, Mapping[str, Any], Sequence[str]]],
                 base: Path, *, environ: Mapping[str, str] | None = None) -> None:
        self.base = base
        self._tools: dict[str, Tool] = {}
        for kind, code, config, arguments in specs:
            context = {"arguments": list(arguments)}
            if kind == "py":
                py = read_config(PyConfig, dict(config), at=("config",), context=context)
                script = Path(py.path)
                script = script if script.is_absolute() else base / script
                self._tools[f"py://{code}"] = PyTool(code, py, script.resolve(),
                                                     tuple(arguments), environ)
            elif kind == "shell":
                shell = read_config(ShellConfig, dict(config), at=("config",),
                                    context=context)
                self._tools[f"shell://{code}"] = ShellTool(code, shell, base,
                                                           tuple(arguments), environ)

    def resolve(self, base: str) -> Tool | None:
        """The tool of ``py://code`` or ``shell://code``, None for others."""
        return self._tools.get(base)

    async def aclose(self) -> None:
        """Kill the processes started ahead of calls that did not come."""
        for tool in self._tools.values():
            if isinstance(tool, PyTool):
                await tool.aclose()
