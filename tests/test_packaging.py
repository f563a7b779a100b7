"""The distribution follows the tree, and the built wheel works on its own.

The fast tests read ``[tool.setuptools]`` from pyproject.toml and hold it against the folders:
every folder with an ``__init__.py`` under the seven top-level packages is found by package
discovery, and every other file inside them ships as package data, so moving modules between
(sub)packages can never leave one out of the wheel.

The slow test is the proof: it builds the wheel from a copy of the checkout, installs it
without extras in a fresh virtual environment (pip resolves the main dependencies, from its
cache or from PyPI: a failed download fails the test, it never skips), and runs the installed
``fdl`` script on a copy of ``examples/`` outside the checkout: check, a ``db://`` flow on
SQLite, a mocked flow, ``eval``, an LSP ``initialize`` over stdio, and ``fdl init`` followed by
``check``, ``run`` and ``test`` of the new project.
"""

from __future__ import annotations

import fnmatch
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from setuptools import find_namespace_packages, find_packages

ROOT = Path(__file__).resolve().parents[1]

TOP_LEVEL = ("grammar", "gml", "compiler", "stdlib", "runtime", "lsp", "fdl")
"""The packages of the distribution: one per layer, from the grammars up to the product."""

NOT_SHIPPED = frozenset({"tests", "benchmarks"})
"""Top-level folders with an ``__init__.py`` that are deliberately not in the wheel."""

COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.py[cod]", "*.egg-info", "build", "dist",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", ".fdl", "*.db", "node_modules",
    "*.vsix")
"""What a copy of the checkout leaves out (as .gitignore does): caches, builds, run state."""


# --- the tree and the configuration ---------------------------------------------------------


def setuptools_config() -> dict[str, Any]:
    """``[tool.setuptools]`` of pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        config: dict[str, Any] = tomllib.load(f)["tool"]["setuptools"]
    return config


def discovered_packages(root: Path) -> set[str]:
    """The packages setuptools finds in ``root`` with the ``packages.find`` configuration."""
    packages = setuptools_config().get("packages")
    assert isinstance(packages, dict) and "find" in packages, (
        "pyproject.toml: packages are discovered ([tool.setuptools.packages.find]), not listed")
    find = packages["find"]
    finder = find_namespace_packages if find.get("namespaces", True) else find_packages
    found: set[str] = set()
    for where in find.get("where", ["."]):
        found.update(finder(where=str(root / where), include=find.get("include", ("*",)),
                            exclude=find.get("exclude", ())))
    return found


def package_folders(root: Path) -> Iterator[Path]:
    """Every folder under the seven top-level packages (caches left out)."""
    for top in TOP_LEVEL:
        yield root / top
        for folder in sorted((root / top).rglob("*")):
            if folder.is_dir() and "__pycache__" not in folder.parts:
                yield folder


def dotted(folder: Path, root: Path) -> str:
    """``stdlib/registry`` -> ``stdlib.registry``."""
    return ".".join(folder.relative_to(root).parts)


def package_files(root: Path) -> set[str]:
    """Every file the wheel must hold, as a wheel path: the modules and data of the packages."""
    files: set[str] = set()
    for folder in package_folders(root):
        for path in folder.iterdir():
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith(
                    (".pyc", ".pyo", "~")):  # left out: editors' backups and hidden files
                files.add(path.relative_to(root).as_posix())
    return files


def ships_as_package_data(path: Path, root: Path) -> bool:
    """Whether this non-Python file is in a discovered package and matches its package data."""
    package = dotted(path.parent, root)
    if package not in discovered_packages(root):
        return False
    package_data: dict[str, list[str]] = setuptools_config().get("package-data", {})
    patterns = [*package_data.get("*", ()), *package_data.get(package, ())]
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns)


def test_package_discovery_finds_every_folder_with_an_init_file() -> None:
    expected = {dotted(folder, ROOT) for folder in package_folders(ROOT)
                if (folder / "__init__.py").is_file()}
    assert discovered_packages(ROOT) == expected


def test_every_folder_with_modules_is_a_regular_package() -> None:
    # Discovery only descends into regular packages: modules in a folder without __init__.py
    # (a namespace package) would silently be left out of the wheel.
    holes = [dotted(folder, ROOT) for folder in package_folders(ROOT)
             if any(folder.glob("*.py")) and not (folder / "__init__.py").is_file()]
    assert holes == [], "add an __init__.py to these folders"


def test_every_top_level_package_is_shipped_or_deliberately_not() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert packages - NOT_SHIPPED == set(TOP_LEVEL)


def data_files(root: Path) -> list[Path]:
    """The files of the packages that are not modules."""
    return sorted(root / name for name in package_files(root) if not name.endswith(".py"))


def test_every_lark_grammar_is_package_data() -> None:
    grammars = [p for p in data_files(ROOT) if p.suffix == ".lark"]
    assert {p.name for p in grammars} >= {"gml.lark", "cql.lark", "types.lark"}
    assert [str(p.relative_to(ROOT)) for p in grammars
            if not ships_as_package_data(p, ROOT)] == []


def test_every_other_file_inside_the_packages_is_package_data() -> None:
    # py.typed, and whatever a package reads with importlib.resources.
    assert [str(p.relative_to(ROOT)) for p in data_files(ROOT)
            if not ships_as_package_data(p, ROOT)] == []


def test_python_started_inside_examples_imports_the_packages() -> None:
    # A folder of examples/ named like a package (examples/gml once) shadows it for a Python
    # whose first sys.path entry is the working folder.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", f"import {', '.join(TOP_LEVEL)}"], cwd=ROOT / "examples",
        env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


# --- the wheel, installed in a fresh virtual environment ------------------------------------


class Venv:
    """A fresh virtual environment and the commands run in it, isolated from the checkout."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bin = path / ("Scripts" if os.name == "nt" else "bin")
        self.python = str(self.bin / "python")
        self.fdl = str(self.bin / "fdl")
        # Nothing from the checkout or the test's own environment leaks in.
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
        self.env["VIRTUAL_ENV"] = str(path)
        self.env["PATH"] = os.pathsep.join([str(self.bin), os.environ.get("PATH", "")])

    def run(self, *args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a command of the environment; a non-zero exit fails with its output."""
        result = subprocess.run(args, cwd=cwd, env=self.env, capture_output=True, text=True,
                                timeout=timeout, check=False)
        assert result.returncode == 0, (
            f"{' '.join(args)} exited with {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
        return result


def build_wheel(tmp: Path) -> Path:
    """Build the wheel from a copy of the checkout (no build/ or egg-info left in it)."""
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=COPY_IGNORE)
    dist = tmp / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist),
         str(source)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = dist.glob("fdl_toolchain-*.whl")
    return wheel


def frame(message: dict[str, Any]) -> bytes:
    """One JSON-RPC message with its LSP ``Content-Length`` header."""
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frames(stream: IO[bytes], into: queue.Queue[dict[str, Any] | None]) -> None:
    """Parse LSP messages from ``stream`` into the queue; ``None`` marks the end of the stream."""
    try:
        while True:
            headers: dict[str, str] = {}
            while (line := stream.readline()) not in (b"\r\n", b"\n"):
                if not line:
                    return
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            into.put(json.loads(stream.read(int(headers["content-length"]))))
    finally:
        into.put(None)


class LspClient:
    """Just enough of an LSP client to talk to ``fdl lsp`` over its stdio."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.stdin = process.stdin
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.reader = threading.Thread(target=read_frames, args=(process.stdout, self.messages),
                                       daemon=True)
        self.reader.start()

    def send(self, message: dict[str, Any]) -> None:
        """Write one message."""
        self.stdin.write(frame({"jsonrpc": "2.0", **message}))
        self.stdin.flush()

    def response(self, request_id: int, timeout: float = 30) -> dict[str, Any]:
        """The response to a request, skipping the notifications the server sends meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer to request {request_id} in {timeout} s") from None
            assert message is not None, "the server closed its output before answering"
            if message.get("id") == request_id and "method" not in message:
                return message


def check_lsp(venv: Venv, project: Path, log: Path) -> None:
    """``fdl lsp`` answers initialize with its capabilities, then shuts down cleanly."""
    with log.open("wb") as stderr:
        process = subprocess.Popen([venv.fdl, "lsp"], cwd=project, env=venv.env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    client = LspClient(process)
    try:
        client.send({"id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": project.as_uri(), "capabilities": {},
            "workspaceFolders": [{"uri": project.as_uri(), "name": project.name}]}})
        answer = client.response(1)
        assert "error" not in answer, answer
        capabilities = answer["result"]["capabilities"]
        assert capabilities["completionProvider"] is not None, capabilities
        client.send({"method": "initialized", "params": {}})
        client.send({"id": 2, "method": "shutdown"})
        assert client.response(2).get("result", "missing") is None
        client.send({"method": "exit"})
        client.stdin.close()
        assert process.wait(timeout=30) == 0, log.read_text(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        client.reader.join(timeout=10)  # it stops at the end of the server's output
        for stream in (process.stdin, process.stdout):
            if stream is not None and not stream.closed:
                stream.close()


@pytest.mark.slow
def test_the_wheel_installed_without_extras_runs_the_examples(tmp_path: Path) -> None:
    started = time.monotonic()
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if ".dist-info/" not in n}
    assert shipped == package_files(tmp_path / "source")
    built = time.monotonic()

    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True,
                   timeout=120)
    venv = Venv(tmp_path / "venv")
    venv.run(venv.python, "-m", "pip", "install", "--quiet", str(wheel), cwd=tmp_path,
             timeout=600)
    installed = time.monotonic()

    project = tmp_path / "project"  # outside the checkout: nothing can come from it
    shutil.copytree(ROOT / "examples", project, ignore=COPY_IGNORE)
    where = json.loads(venv.run(
        venv.python, "-c", "import fdl, json, sysconfig; print(json.dumps("
        "[fdl.__file__, sysconfig.get_path('purelib')]))", cwd=project).stdout)
    module, site_packages = (Path(p).resolve() for p in where)
    assert site_packages.is_relative_to(venv.path.resolve())
    assert module.is_relative_to(site_packages), module

    venv.run(venv.fdl, "check", "flows", cwd=project)

    report = json.loads(venv.run(venv.fdl, "run", "flows/order_report.yaml", "--input-file",
                                 "data/orders.json", "--json", cwd=project).stdout)
    orders = json.loads((project / "data" / "orders.json").read_text())["orders"]
    big = [o for o in orders if o["amount"] >= 100]
    assert report["status"] == "completed", report
    assert report["output"]["loaded"] == len(orders)
    assert report["output"]["bigOrders"] == len(big)
    assert report["output"]["bigTotal"] == sum(o["amount"] for o in big)
    assert report["output"]["largest"]["id"] == max(big, key=lambda o: o["amount"])["id"]

    view = json.loads(venv.run(venv.fdl, "run", "flows/customer_view.yaml", "--set",
                               "customerId=c1", "--mock", "mocks/customer_view.yaml", "--json",
                               cwd=project).stdout)
    assert view["status"] == "completed", view
    assert view["output"] == {"id": "c1", "name": "Alice", "orders": 7, "bigTotal": 470.5,
                              "level": "gold"}

    assert venv.run(venv.fdl, "eval", "1+1", cwd=project).stdout.strip() == "2"

    # fdl init writes its templates from the installed package data, and the project works.
    venv.run(venv.fdl, "init", "new", cwd=tmp_path)
    new = tmp_path / "new"
    venv.run(venv.fdl, "check", "flows", cwd=new)
    hello = json.loads(venv.run(venv.fdl, "run", "flows/hello.yaml", "--set", "who=Ada",
                                "--json", cwd=new).stdout)
    assert hello["output"] == {"greeting": "Hello, Ada!", "visits": 1}, hello
    venv.run(venv.fdl, "test", "flows", cwd=new)

    check_lsp(venv, project, tmp_path / "lsp.log")
    finished = time.monotonic()
    print(f"wheel test: build {built - started:.1f} s, venv+install {installed - built:.1f} s, "
          f"commands {finished - installed:.1f} s")
