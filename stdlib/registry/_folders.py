"""A folder of ToolSpec files as the compiler's catalog: what ``fdl check`` (and ``compile``,
``run``, ``test`` and the editor) check tool calls against (spec/tools.md §2).

Every ``*.yaml``/``*.yml``/``*.json`` file under the folder (`tool_files`, the files the
registry's sync reads too) is one ToolSpec, read by the
registry's one reader (`parse_spec_text`, the same as ``fdl tools`` and `ToolSpec.load`):
a folder accepts exactly what the registry accepts, and reports the same problems. A file
is read with ``partial``: a spec with an error elsewhere (a bad ``version``, an unknown
type in ``args``) still declares its tool, so calls to it are checked while the file's own
problems are reported. A ``db`` spec declares a table: every operation of tools.md §6
becomes a tool ``db://<table>/<operation>`` (`db_operations`).

The problems become compiler `Diagnostic` values (code, message, the range in the file), so
``fdl check`` prints them with the flows' own, each with its line and caret. Nothing here
is stored: the registry (`Registry.sync_folder`) is the other way to use a tools folder.
"""

from __future__ import annotations

from pathlib import Path

from compiler.catalog import TYPE_OPTIONS, StaticCatalog, ToolSignature
from compiler.diagnostics import Diagnostic, Reporter
from gml import Source, Span

from ._spec import parse_spec_text

__all__ = ["TOOL_SUFFIXES", "load_tool_dir", "read_tool_spec", "tool_files"]

TOOL_SUFFIXES = (".yaml", ".yml", ".json")
"""The suffixes of ToolSpec files."""


def tool_files(folder: Path) -> list[Path]:
    """The ToolSpec files under ``folder``, sorted: the order they are read in (a later file
    declaring the same tool wins). Hidden folders and files (``.git``, ``.cache``) are
    skipped, as `fdl check` skips them among flows: ``fdl check``, the editor and the
    registry's sync see the same files."""
    return sorted(p for p in folder.rglob("*")
                  if p.suffix in TOOL_SUFFIXES and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def read_tool_spec(text: str, path: str) -> tuple[list[ToolSignature], list[Diagnostic]]:
    """The tools one ToolSpec file's text declares, and its problems as diagnostics (in
    file order)."""
    spec, problems = parse_spec_text(text, path, partial=True)
    reporter = Reporter(path, Source(text))
    for problem in problems:
        reporter.report(problem.code, problem.message, problem.span or Span(0, 0),
                        problem.severity)
    return (spec.signatures() if spec is not None else []), reporter.sorted()


def load_tool_dir(folder: Path) -> tuple[StaticCatalog, list[Diagnostic]]:
    """Every ToolSpec under ``folder`` as a catalog (which also knows every built-in tool
    type, `compiler.catalog.TYPE_OPTIONS`), with the problems found in the files."""
    tools: list[ToolSignature] = []
    problems: list[Diagnostic] = []
    for path in tool_files(folder):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            reporter = Reporter(str(path), Source(""))
            reporter.report("E101", f"cannot read the file: {reason}", Span(0, 0))
            problems.extend(reporter.diagnostics)
            continue
        found, diagnostics = read_tool_spec(text, str(path))
        tools.extend(found)
        problems.extend(diagnostics)
    return StaticCatalog(tools, types=TYPE_OPTIONS), problems
