"""``fdl test``: run flow test files (spec/interfaces.md §4) and report like a test runner.

The closing line is ``N passed, N failed`` (and errors), with the time taken. Each test file
uses the project of its own folder (the nearest ``fdl.yaml`` or ``[tool.fdl]`` above it): its
tool catalog and timezone, whatever the working folder.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from compiler import ToolCatalog
from fdl.mcpauto import import_unknown_servers, servers_called
from fdl.project import ProjectTools, Tooling, load_tooling, project_tools
from fdl.testfiles import (
    TestFile,
    TestFileError,
    check_case,
    compile_test_flow,
    load_test_file,
    run_case,
)
from stdlib.catalogs import project_catalog
from stdlib.config import ProjectConfig, project_config
from stdlib.flowfiles import collect_test_files

__all__ = ["run_test_paths", "test_command"]


@dataclass(slots=True)
class _Report:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    details: list[tuple[str, list[str]]] = field(default_factory=list)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Projects:
    """Per folder: the tool catalog, timezone and real tools (for cases whose mocks pass
    through) of the project a test file belongs to: the nearest ``fdl.yaml`` (or
    ``[tool.fdl]``) at or above the test file's folder, whatever the working folder. Each
    project's catalog is read once (a folder without configuration is its own project)."""

    def __init__(self) -> None:
        self._configs: dict[Path, ProjectConfig] = {}
        self._catalogs: dict[Path, ToolCatalog | None] = {}
        self._toolings: dict[Path, Tooling] = {}
        self._tried: dict[Path, set[str]] = {}

    def config(self, folder: Path) -> ProjectConfig:
        """The configuration of ``folder``'s project, read once per folder."""
        folder = folder.resolve()
        if folder not in self._configs:
            self._configs[folder] = project_config(folder)
        return self._configs[folder]

    def tools(self, folder: Path) -> Callable[[], ProjectTools]:
        """Builds the project's real tools for one case; its ToolSpecs are read (and the
        registry opened) on first use, so projects whose tests never pass through are not
        touched."""
        config = self.config(folder)
        key = config.file or folder.resolve()

        def build() -> ProjectTools:
            tooling = self._toolings.get(key)
            if tooling is None:
                tooling = load_tooling(None, config, None, start=folder)
                self._toolings[key] = tooling
            return project_tools(config, tooling.specs, catalog=tooling.catalog)

        return build

    def close(self) -> None:
        """Close the registries opened for passed-through calls."""
        for tooling in self._toolings.values():
            tooling.close()
        self._toolings.clear()

    def catalog(self, folder: Path) -> ToolCatalog | None:
        folder = folder.resolve()
        key = self.config(folder).file or folder
        if key not in self._catalogs:
            self._catalogs[key] = project_catalog(start=folder)[0]
        return self._catalogs[key]

    def import_mcp(self, folder: Path, text: str, echo: Callable[..., None]) -> None:
        """Import the tools of the configured MCP servers ``text`` calls that the project
        does not know (`fdl.mcpauto`; only for test files whose cases pass through to the
        real tools, which start the servers anyway), once per server and project."""
        config = self.config(folder)
        key = config.file or folder.resolve()
        tried = self._tried.setdefault(key, set())
        outcomes = import_unknown_servers(config, [text], start=folder.resolve(), skip=tried)
        tried.update(servers_called([text]))
        for outcome in outcomes:
            echo(outcome.note(), err=True)
        if any(outcome.error is None for outcome in outcomes):
            self._catalogs.pop(key, None)
            stale = self._toolings.pop(key, None)
            if stale is not None:
                stale.close()

    def timezone(self, folder: Path) -> str | None:
        return self.config(folder).timezone


def _run_file(path: Path, test: TestFile, projects: _Projects, report: _Report,
              echo: Callable[..., None]) -> None:
    shown = _shown(path)
    if any(case.mocks.get("passthrough") is True for case in test.cases):
        projects.import_mcp(path.parent, test.flow_text, echo)
    plan, diagnostics = compile_test_flow(test, projects.catalog(path.parent))
    if plan is None:
        echo(f"{shown} " + "F" * len(test.cases))
        report.failed += len(test.cases)
        report.details.append((f"{shown} (the flow does not compile)", diagnostics))
        return
    timezone = projects.timezone(path.parent)
    echo(f"{shown} ", nl=False)
    for case in test.cases:
        try:
            result = run_case(plan, case, timezone=timezone, source=shown,
                              tools=projects.tools(path.parent))
            problems = check_case(case, result, plan)
        except Exception as error:  # a bug must not hide the other cases' results
            problems = [f"the run raised {type(error).__name__}: {error}"]
        if problems:
            report.failed += 1
            report.details.append((f"{shown}::{case.name} (line {case.line})", problems))
        else:
            report.passed += 1
        echo("." if not problems else "F", nl=False)
    echo("")


def run_test_paths(paths: Sequence[Path], *, echo: Callable[..., None] = click.echo) -> int:
    """``fdl test``: run every test file under ``paths``; returns the exit code."""
    started = time.perf_counter()
    files = collect_test_files(paths)
    if not files:
        where = ", ".join(str(p) for p in paths)
        click.echo(f"error: no test files (*.test.yaml) found in {where}", err=True)
        return 2
    report = _Report()
    projects = _Projects()
    try:
        for path in files:
            try:
                test = load_test_file(path)
            except TestFileError as error:
                report.errors += 1
                echo(f"{_shown(path)} E")
                report.details.append((f"{_shown(path)} (malformed test file)",
                                       [str(error)]))
                continue
            _run_file(path, test, projects, report, echo)
    finally:
        projects.close()
    for title, lines in report.details:
        echo("")
        echo(f"____ {title} ____")
        for line in lines:
            echo(line)
    parts = [f"{report.passed} passed"]
    if report.failed:
        parts.append(f"{report.failed} failed")
    if report.errors:
        parts.append(f"{report.errors} error{'s' if report.errors > 1 else ''}")
    echo("")
    echo(f"{', '.join(parts)} in {time.perf_counter() - started:.2f}s")
    if report.errors:
        return 2
    return 1 if report.failed else 0


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def test_command(paths: tuple[Path, ...]) -> None:
    """Run flow test files (*.test.yaml): each case runs the flow with mocks on a virtual
    clock and checks status, output, error, calls and ordering.

    PATHS are test files or folders searched recursively (default: the working folder).
    Exit 1 when a case fails, 2 when no test file is found or one is malformed.
    """
    sys.exit(run_test_paths(list(paths) or [Path(".")]))
