"""Where a project's flows and flow test files are, and reading a flow file's text.

One listing for everyone who looks for flows: ``flow://`` resolves names with `find_flow`,
the catalogs and the editor list `flow_files`/`flow_names`, ``fdl check`` and ``fdl test``
collect what they were given with `collect_flow_files`/`collect_test_files`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from compiler.diagnostics import Diagnostic
from gml import Span

__all__ = ["SUFFIXES", "TEST_SUFFIXES", "collect_flow_files", "collect_test_files", "find_flow",
           "flow_files", "flow_names", "is_flow_file", "read_flow_text"]

SUFFIXES = (".yaml", ".yml")
"""The suffixes of flow files."""

TEST_SUFFIXES = (".test.yaml", ".test.yml")
"""The suffixes of flow test files (never flows themselves)."""

_FLOW_ROOT = re.compile(r"^flow\s*:", re.MULTILINE)


def _unreadable(path: str, message: str, text: bytes = b"", offset: int = 0) -> Diagnostic:
    """A diagnostic for a file that cannot be compiled at all (code E100), placed at
    ``offset`` (a byte offset into ``text``) when known."""
    before = text[:offset].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Diagnostic(path, "E100", "error", message, Span(len(before), len(before)), line,
                      column, line, column)


def read_flow_text(path: Path) -> tuple[str | None, Diagnostic | None]:
    """The UTF-8 text of a flow file, or an E100 diagnostic saying why it cannot be read."""
    shown = str(path)
    if path.is_dir():
        return None, _unreadable(shown, "this is a folder, not a flow file")
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, _unreadable(shown, f"the file cannot be read: {error.strerror or error}")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        offset = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        return None, _unreadable(shown, f"the file is not UTF-8 text (byte 0x{data[offset]:02x}); "
                                        "save the file as UTF-8", data, offset)


def find_flow(flows: Path, code: str) -> Path | None:
    """The flow file of ``flow://<code>`` in the folder ``flows``: ``<code>.yaml`` (or
    ``.yml``), or the path ``<code>`` when it has one of those suffixes; None when there is
    none or the code leaves the folder (absolute, ``..``)."""
    if not code or code.startswith("/") or ".." in Path(code).parts:
        return None  # flows live in the flows folder
    candidate = flows / code
    options = [candidate] if candidate.suffix in SUFFIXES else [
        candidate.with_name(candidate.name + suffix) for suffix in SUFFIXES]
    return next((p for p in options if p.is_file()), None)


def is_flow_file(path: Path) -> bool:
    """Whether a file's name is a flow's (``.yaml``/``.yml``, not a ``*.test.yaml``)."""
    return path.suffix in SUFFIXES and not path.name.endswith(TEST_SUFFIXES)


def flow_files(flows: Path) -> list[Path]:
    """The flow files under ``flows``, flow test files (``*.test.yaml``) left out, sorted."""
    if not flows.is_dir():
        return []
    return [path for path in sorted(flows.rglob("*")) if is_flow_file(path) and path.is_file()]


def flow_names(flows: Path) -> list[str]:
    """The ``flow://`` names of the flow files under ``flows`` (``sub/x`` for
    ``sub/x.yaml``), flow test files (``*.test.yaml``) left out, sorted."""
    return [str(path.relative_to(flows).with_suffix("")) for path in flow_files(flows)]


def _declares_flow(path: Path) -> bool:
    if path.name.endswith(TEST_SUFFIXES):
        return False
    try:
        head = path.read_bytes()[:1_000_000].decode("utf-8", errors="replace")
    except OSError:
        return True  # reported when it is read
    return _FLOW_ROOT.search(head) is not None


def collect_flow_files(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The files to check: files as given, and under each folder every ``*.yaml``/``*.yml``
    file (not ``*.test.yaml``, not in hidden folders) whose root has a ``flow:`` key.
    Returns the files (each once, in order) and the folders that held no flow."""
    found: list[Path] = []
    empty: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(path)

    for path in paths:
        if not path.is_dir():
            add(path)
            continue
        inside = sorted(
            p for p in path.rglob("*")
            if p.suffix in SUFFIXES and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1])
        )
        flows = [p for p in inside if _declares_flow(p)]
        if not flows:
            empty.append(path)
        for flow_path in flows:
            add(flow_path)
    return found, empty


def collect_test_files(paths: Sequence[Path]) -> list[Path]:
    """Files as given; under folders every ``*.test.yaml``/``*.test.yml`` (recursively, not
    in hidden folders), each once, sorted per folder."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*")
                if p.name.endswith(TEST_SUFFIXES) and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1]))
        else:
            inside = [path]
        for item in inside:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found
