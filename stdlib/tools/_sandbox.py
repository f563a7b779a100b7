"""The child side of ``py://`` and ``shell://``: run as a script in the tool's own process.

``python -I _sandbox.py SETTINGS`` (SETTINGS: JSON, see `stdlib.tools.process`) confines
itself, then runs the tool. It is started by the runtime and never imported by it: it uses
the standard library only, so the tool's process loads nothing of the toolchain.

Confinement, in order (each step only narrows what the process can do):

1. **Resource limits** (``setrlimit``): ``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` (soft limit:
   SIGXCPU, hard limit one second later: SIGKILL), ``RLIMIT_NPROC`` (processes, counted per
   user, so the limit is what the user has now plus the tool's allowance), ``RLIMIT_CORE`` 0.
2. **No network** unless the ToolSpec says ``network: true``: a network namespace of its own
   (``unshare(CLONE_NEWNET)``; as an unprivileged user inside a user namespace that maps the
   user to itself), which has nothing but a loopback interface that is down. Where namespaces
   are not allowed, Landlock's TCP rules (ABI 4+) refuse TCP ``connect``/``bind``.
3. **Privileges**: when started as root, the process becomes ``nobody`` (65534), because root
   ignores ``RLIMIT_NPROC``; it keeps CAP_DAC_READ_SEARCH only (it reads what root reads: its
   own file, the interpreter), and the runtime hands it the working folder.
4. **Writes only inside the working folder** (and ``/dev/null``) with Landlock (Linux 5.13+;
   reading stays allowed). Where Landlock is missing the write limit is not enforced and the
   process says so on stderr (one line starting ``fdl-sandbox:``).

Then a ``shell`` tool replaces this process with its command (``execvpe``: no shell), and a
``py`` tool imports its file, then reads the arguments as JSON from stdin (a process started
ahead of its call waits there, ready) and calls its function; without any input it exits
without calling. The function's prints go to stderr; the envelope goes to stdout: ``{"result": v}``,
``{"error": {"type", "message"}}`` or ``{"limit": name, "message"}`` for a limit the process
itself noticed (a `MemoryError`: ``memory``; a fork refused with EAGAIN: ``processes``; a
write refused outside the folder: ``folder``). Limits noticed from outside (the wall clock,
SIGXCPU, the output size) are the runtime's.
"""

from __future__ import annotations

import ctypes
import datetime
import decimal
import errno
import importlib.util
import json
import os
import resource
import sys
from typing import Any

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_NO_NEW_PRIVS = 38
PR_SET_KEEPCAPS = 8
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
CAP_DAC_READ_SEARCH = 2
LINUX_CAPABILITY_VERSION_3 = 0x20080522
NOBODY = 65534

# Landlock (include/uapi/linux/landlock.h); the syscall numbers are the same on every
# architecture (they were added after the tables were unified).
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
ACCESS_FS_WRITE_FILE = 1 << 1
ACCESS_FS_WRITE_ALL = (1 << 1) | (1 << 4) | (1 << 5) | sum(1 << bit for bit in range(6, 13))
"""WRITE_FILE, REMOVE_DIR, REMOVE_FILE and MAKE_CHAR ... MAKE_SYM (ABI 1)."""
ACCESS_FS_REFER = 1 << 13          # ABI 2
ACCESS_FS_TRUNCATE = 1 << 14       # ABI 3
ACCESS_NET_TCP = (1 << 0) | (1 << 1)  # BIND_TCP, CONNECT_TCP (ABI 4)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _say(text: str) -> None:
    os.write(2, f"fdl-sandbox: {text}\n".encode())


def _user_processes(uid: int) -> int:
    """How many processes ``uid`` has now (RLIMIT_NPROC counts them all)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _limit(which: int, value: int, hard: int | None = None) -> None:
    resource.setrlimit(which, (value, value if hard is None else hard))


def _isolate_network(libc: ctypes.CDLL) -> bool:
    """A network namespace of its own; False when the platform refuses one."""
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    try:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    except OSError:
        pass  # the namespace stands; the process runs as the overflow user inside it
    return True


def _landlock(libc: ctypes.CDLL, folder: str, block_tcp: bool) -> bool:
    """Writes only beneath ``folder`` (and to /dev/null); TCP refused when ``block_tcp``.
    False when the kernel has no Landlock."""
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    abi = syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                  ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    if abi < 1:
        return False
    fs = ACCESS_FS_WRITE_ALL | (ACCESS_FS_REFER if abi >= 2 else 0) | (
        ACCESS_FS_TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(fs, ACCESS_NET_TCP if block_tcp and abi >= 4 else 0, 0)
    size = 8 if abi < 4 else 16 if abi < 6 else ctypes.sizeof(_RulesetAttr)
    ruleset = syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                      ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        for path, access in ((folder, fs), ("/dev/null", ACCESS_FS_WRITE_FILE | (
                ACCESS_FS_TRUNCATE if abi >= 3 else 0))):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneath(access, fd)
                if syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset),
                           ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH), ctypes.byref(rule),
                           ctypes.c_uint32(0)) != 0:
                    return False
            finally:
                os.close(fd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return bool(syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset),
                            ctypes.c_uint32(0)) == 0)
    finally:
        os.close(ruleset)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_root(libc: ctypes.CDLL) -> None:
    """Become ``nobody``, keeping only CAP_DAC_READ_SEARCH (reading what root could read, the
    tool's own file and the interpreter included; nothing else), also across ``exec``."""
    libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    keep = 1 << CAP_DAC_READ_SEARCH
    data = (_CapData * 2)(_CapData(keep, keep, keep), _CapData(0, 0, 0))
    if libc.capset(ctypes.byref(_CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), data) != 0 or \
            libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH, 0, 0) != 0:
        _say("cannot keep read access as nobody: the tool reads only what nobody may")


def confine(settings: dict[str, Any]) -> None:
    """Apply the limits of ``settings`` to this process (see the module docstring)."""
    libc = _libc()
    folder = os.getcwd()
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_CPU, settings["cpu"], settings["cpu"] + 1)
    network = bool(settings.get("network"))
    namespace = False if network else _isolate_network(libc)
    if os.geteuid() == 0:
        _drop_root(libc)
    uid = os.getuid()
    _limit(resource.RLIMIT_NPROC, _user_processes(uid) + settings["processes"])
    if not _landlock(libc, folder, block_tcp=not network and not namespace):
        _say("Landlock is not available: writes outside the working folder are not refused")
    # Last: the checks above allocate, and the memory limit must not fail them.
    _limit(resource.RLIMIT_AS, settings["memory"])


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"a {type(value).__name__} is not JSON")


def _outside(error: OSError, folder: str) -> str | None:
    """The path of a refused write outside ``folder``, if ``error`` is one."""
    if not isinstance(error, PermissionError) or not error.filename:
        return None
    path = os.path.realpath(os.path.join(folder, os.fsdecode(error.filename)))
    return None if path == folder or path.startswith(folder + os.sep) else path


def run_function(settings: dict[str, Any], out: Any) -> None:
    """Call the ``py`` tool's function and write its envelope to ``out``."""
    me = os.getpid()
    folder = os.getcwd()
    envelope: dict[str, Any]
    try:
        path = settings["path"]
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location("fdl_tool", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"{path} is not a Python module")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        function = getattr(module, settings["function"], None)
        if not callable(function):
            raise LookupError(f"{os.path.basename(path)} has no function "
                              f"{settings['function']}()")
        # Ready: a process started ahead of its call waits here for the arguments. No
        # input at all means the runtime went away before calling: nothing is run.
        data = sys.stdin.buffer.read()
        if not data:
            os._exit(0)
        envelope = {"result": function(**json.loads(data))}
        text = json.dumps(envelope, default=_json_default, allow_nan=False)
    except MemoryError:
        text = json.dumps({"limit": "memory", "message": "ran out of memory"})
    except BaseException as error:  # everything the tool raises is its result
        if os.getpid() != me:   # a child the tool forked: only the tool itself answers
            os._exit(1)
        outside = _outside(error, folder) if isinstance(error, OSError) else None
        if isinstance(error, OSError) and error.errno == errno.EAGAIN:
            envelope = {"limit": "processes", "message": "could not start another process"}
        elif outside is not None:
            envelope = {"limit": "folder", "message": f"may write only inside its working "
                                                      f"folder, not to {outside}"}
        else:
            envelope = {"error": {"type": type(error).__name__, "message": str(error)[:2000]}}
        text = json.dumps(envelope)
    if os.getpid() != me:
        os._exit(0)
    out.write(text)
    out.flush()


def main() -> None:
    settings = json.loads(sys.argv[1])
    confine(settings)
    if settings["kind"] == "shell":
        command = settings["command"]
        try:
            os.execvpe(command[0], command, dict(os.environ))
        except OSError as error:
            _say(f"cannot run {command[0]}: {error.strerror}")
            os._exit(127)
    # py: the function's prints go to stderr, the envelope to the real stdout
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    run_function(settings, out)
    # The answer is out: skip the interpreter's finalization (it only costs time; the tool's
    # atexit handlers do not run, and its process is killed with its session anyway).
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
