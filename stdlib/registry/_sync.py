"""Syncing a tools folder into the registry (spec/tools.md §3, "Sources").

Every ``*.yaml``/``*.yml``/``*.json`` file under the folder (hidden folders skipped:
`tool_files`) is one ToolSpec. The registry remembers each synced file's size, modification
time and SHA-256, so a sync of an unchanged folder only lists it and stats its files. A
changed file is read and registered with the file as its source:

* the file owns the versions it registered: changed content under the same version
  replaces that version (the file is the truth), while a version registered from
  elsewhere with other content is a conflict, reported for the file;
* when a file now declares another tool (type or code changed), the versions it
  registered for the old tool are removed; when a file is deleted, all of its versions
  are removed;
* a file with errors is reported (field, line, column) on every sync until it is fixed;
  the versions it registered before stay as they were.

The sync writes through the registry's own rules for adding and removing versions, handed
to `sync_folder` as two functions (`Register`, `Remove`) with the registry's database:
`Registry.sync_folder` calls this module, so this module does not import `_core`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ._folders import tool_files
from ._problems import SpecProblem, ToolSpecError
from ._registration import Registration
from ._spec import ToolSpec, parse_spec_text
from ._store import Backend, Conn, RegistryError, VersionConflictError

__all__ = ["Register", "Remove", "SyncReport", "sync_folder"]

Register = Callable[[Conn, ToolSpec, str, float], Registration]
"""Registers ``spec`` read from the file ``source`` at time ``now``, in the sync's
transaction ``conn``; the file owns the versions it registered (changed content replaces
them). Raises `ToolSpecError` or `VersionConflictError`."""

Remove = Callable[[Conn, tuple[str, str, str], str | None], int]
"""Removes a version (or, with None, every version) of the tool ``(tenant, type, code)`` in
the sync's transaction, and returns how many were removed."""


@dataclass(slots=True)
class SyncReport:
    """What a sync did.

    Attributes:
        folder: the folder as given.
        files: how many ToolSpec files it holds.
        read: how many of them were read (new or changed).
        registered: the registrations of the read files (``added``/``replaced``/
            ``unchanged``).
        removed: versions removed because their file was deleted or now declares another
            tool.
        problems: the problems of each file that could not be registered, by path.
    """

    folder: Path
    files: int = 0
    read: int = 0
    registered: list[Registration] = field(default_factory=list)
    removed: int = 0
    problems: dict[str, list[SpecProblem]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No file had an error."""
        return not any(p.is_error for ps in self.problems.values() for p in ps)

    @property
    def changed(self) -> bool:
        """Whether the registry was changed."""
        return self.removed > 0 or any(r.status != "unchanged" for r in self.registered)


@dataclass(slots=True)
class _File:
    path: Path
    key: str
    size: int
    mtime: int
    digest: str = ""
    spec: ToolSpec | None = None


def sync_folder(db: Backend, folder: Path, tenant: str | None, register: Register,
                remove: Remove) -> SyncReport:
    """Bring the registry in line with the ToolSpec files of ``folder``.

    Args:
        db: the registry's database (its ``files`` table remembers the synced files).
        register, remove: the registry's writes, called in the sync's transaction.

    Raises:
        RegistryError: the folder does not exist, or the registry cannot be written.
    """
    if not folder.is_dir():
        raise RegistryError(f"the tools folder {folder} does not exist or is not a folder")
    report = SyncReport(folder)
    folder_key = str(folder.resolve())
    tenant_key = tenant or ""
    with db.read() as conn:
        known = {row[0]: row[1:] for row in conn.execute(
            "SELECT path, size, mtime, digest, tenant FROM files WHERE folder = ?",
            (folder_key,))}
    paths = tool_files(folder)
    report.files = len(paths)
    changed: list[_File] = []
    touched: list[_File] = []
    present: set[str] = set()
    for path in paths:
        key = str(path.resolve())
        present.add(key)
        try:
            stat = path.stat()
            entry = _File(path, key, stat.st_size, stat.st_mtime_ns)
            old = known.get(key)
            if old is not None and old[3] == tenant_key and old[:2] == (entry.size,
                                                                        entry.mtime):
                continue
            data = path.read_bytes()
        except OSError as error:
            report.problems[str(path)] = [SpecProblem(
                "", f"cannot read the file: {error.strerror or error}", "E101", path=str(path))]
            continue
        entry.digest = hashlib.sha256(data).hexdigest()
        if old is not None and old[3] == tenant_key and old[2] == entry.digest:
            touched.append(entry)
            continue
        report.read += 1
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.problems[str(path)] = [SpecProblem(
                "", "the file is not UTF-8 text; save it as UTF-8", "E101", path=str(path))]
            continue
        spec, problems = parse_spec_text(text, str(path))
        if problems:
            report.problems[str(path)] = problems
        if spec is not None:
            entry.spec = spec
            changed.append(entry)
    gone = [key for key in known if key not in present]
    if not (changed or touched or gone):
        return report
    _apply(db, register, remove, report, folder_key, tenant, changed, touched, gone)
    return report


def _apply(db: Backend, register: Register, remove: Remove, report: SyncReport,
           folder_key: str, tenant: str | None, changed: list[_File], touched: list[_File],
           gone: list[str]) -> None:
    now = time.time()
    tenant_key = tenant or ""
    with db.write() as conn:
        for entry in changed:
            assert entry.spec is not None
            shown = str(entry.path)
            try:
                registration = register(conn, entry.spec, entry.key, now)
            except ToolSpecError as error:
                report.problems.setdefault(shown, []).extend(
                    SpecProblem(p.field, p.message, p.code, p.severity, shown)
                    for p in error.problems)
                continue
            except VersionConflictError as error:
                report.problems.setdefault(shown, []).append(
                    SpecProblem("version", str(error), "E105", "error", shown,
                                *_position(entry, "version")))
                continue
            report.registered.append(registration)
            spec = registration.spec
            stale = conn.execute(
                "SELECT tenant, type, code, version FROM tools WHERE source = ? AND NOT "
                "(tenant = ? AND type = ? AND code = ?)",
                (entry.key, spec.tenant or "", spec.type, spec.code)).fetchall()
            for row in stale:
                report.removed += remove(conn, (row[0], row[1], row[2]), row[3])
            touched.append(entry)
        conn.executemany(
            "INSERT INTO files (path, folder, tenant, size, mtime, digest) VALUES "
            "(?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET folder = excluded.folder, "
            "tenant = excluded.tenant, size = excluded.size, mtime = excluded.mtime, "
            "digest = excluded.digest",
            [(e.key, folder_key, tenant_key, e.size, e.mtime, e.digest) for e in touched])
        for key in gone:
            rows = conn.execute("SELECT tenant, type, code, version FROM tools WHERE source = ?",
                                (key,)).fetchall()
            for row in rows:
                report.removed += remove(conn, (row[0], row[1], row[2]), row[3])
            conn.execute("DELETE FROM files WHERE path = ?", (key,))


def _position(entry: _File, key: str) -> tuple[int | None, int | None]:
    """The line and column of a top-level key of a spec file (for conflicts)."""
    try:
        lines = entry.path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, None
    for number, line in enumerate(lines, 1):
        if line.startswith((f"{key}:", f'"{key}"')):
            return number, 1
    return None, None
