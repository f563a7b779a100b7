"""Flows that call flows: the symbols that cross files, and the analyses of the other flow
files of a project.

A flow is called by its code (``flow://orders/report`` names ``orders/report.yaml`` in the
project's flows folder) and the ``args`` of the call are the called flow's inputs. So two
symbols live in several files at once:

* ``flow``: the called file's ``flow`` key (its definition) and every ``exec`` that calls it;
* an input of a flow that other flows call: its declaration and reads in the flow itself,
  and the argument names of every call (``args: name = 'Ann'``; `Symbol` ``argument``).

`related` gathers the occurrences of such a symbol from the document, the called flow and
its callers; `FlowFiles` provides those analyses: the open documents' own, and for files
that are not open, analyses of their text on disk, kept while their text and the texts of
the flows they call are unchanged.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from stdlib.flowfiles import is_flow_file

from ._symbols import Occurrence, Symbol
from .analysis import Analysis

__all__ = ["FlowFiles", "Workspace", "caller_pattern", "related"]

FILES_KEPT = 64
"""Analyses of files that are not open kept at once (the callers of the last edits)."""


class Workspace(Protocol):
    """The other flow files of a document's project."""

    def flow(self, analysis: Analysis, code: str) -> Analysis | None:
        """The analysis of the flow ``flow://code`` names (None when there is no file)."""

    def callers(self, analysis: Analysis, code: str) -> list[Analysis]:
        """The analyses of the project's flow files that call ``flow://code``."""


def caller_pattern(code: str) -> re.Pattern[str]:
    """Finds ``flow://code`` (with or without options) in a text."""
    return re.compile(rf"flow://{re.escape(code)}(?![A-Za-z0-9_./\-])")


def related(analysis: Analysis, symbol: Symbol, workspace: Workspace | None
            ) -> list[tuple[Analysis, Occurrence]]:
    """Every occurrence of ``symbol`` in the document and, for a flow or the input of a
    flow that is called, in the called flow and its callers; definitions first."""
    local = [(analysis, o) for o in analysis.symbols.of(symbol)]
    if workspace is None:
        return local
    if symbol.kind == "flow":
        code, name = symbol.name, None
    elif symbol.kind == "argument" and symbol.owner is not None:
        code, name = symbol.owner, symbol.name
    elif symbol.kind == "input" and analysis.flow_code is not None:
        code, name = analysis.flow_code, symbol.name
    else:
        return local
    callee = analysis if analysis.flow_code == code else workspace.flow(analysis, code)
    files: dict[str, Analysis] = {}
    for other in ([callee] if callee is not None else []) + workspace.callers(analysis, code):
        files.setdefault(other.uri, other)
    files[analysis.uri] = analysis  # the document as the editor holds it
    callee_uri = callee.uri if callee is not None else None
    found: list[tuple[Analysis, Occurrence]] = []
    for other in files.values():
        if name is None:
            wanted = [Symbol("flow", code)]
        elif other.uri == callee_uri:
            wanted = [Symbol("input", name), Symbol("argument", name, code)]
        else:
            wanted = [Symbol("argument", name, code)]
        for one in wanted:
            found.extend((other, o) for o in other.symbols.of(one))
    found.sort(key=lambda pair: not pair[1].definition)
    return found


@dataclass(slots=True)
class _Kept:
    analysis: Analysis
    called: dict[Path, str | None]
    """The texts of the flows it called when it was analysed."""
    tools: object
    """The project's tool catalog it was checked with (compared with ``tools_of``)."""


class FlowFiles:
    """Analyses of a project's flow files for cross-file features.

    Args:
        open_analysis: the analysis of a file open in the editor (None when it is not).
        open_paths: the files open in the editor (also those not saved yet).
        text_of: a file's text (an open document's, else the file's).
        analyse_file: analyses a file that is not open, from its text.
        tools_of: the tool catalog an analysis of the file would be checked with now (an
            analysis made with another one is made again: the ToolSpecs changed); without
            it, analyses are kept whatever the tools.
    """

    def __init__(self, open_analysis: Callable[[Path], Analysis | None],
                 open_paths: Callable[[], list[Path]],
                 text_of: Callable[[Path], str | None],
                 analyse_file: Callable[[Path, str], Analysis],
                 tools_of: Callable[[Analysis], object] | None = None) -> None:
        self._open = open_analysis
        self._open_paths = open_paths
        self._text_of = text_of
        self._analyse = analyse_file
        self._tools_of = tools_of
        self._kept: OrderedDict[Path, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        """Requests read these on the event loop, the re-check of callers in a thread."""

    def flow(self, analysis: Analysis, code: str) -> Analysis | None:
        project = analysis.project
        path = project.flow_path(code) if project is not None else None
        return self.file(path) if path is not None else None

    def callers(self, analysis: Analysis, code: str, *, closed_only: bool = False
                ) -> list[Analysis]:
        """The analyses of the flow files that call ``flow://code``; with ``closed_only``,
        of those that are not open (never touching an open document's analysis: safe in
        a worker thread)."""
        project = analysis.project
        if project is None:
            return []
        pattern = caller_pattern(code)
        folder = project.flows.resolve()
        opened = {p.resolve() for p in self._open_paths()}
        paths = {p.resolve() for p in project.flow_files()}
        if closed_only:
            paths -= opened
        else:  # also the open documents not saved yet
            paths.update(p for p in opened if p.is_relative_to(folder) and is_flow_file(p))
        tools = self._tools_now()
        found = []
        for path in sorted(paths):
            text = self._text_of(path)
            if text is not None and pattern.search(text):
                other = (self._closed(path, text, tools) if closed_only
                         else self._open(path) or self._closed(path, text, tools))
                found.append(other)
        return found

    def file(self, path: Path) -> Analysis | None:
        """The analysis of one flow file: the editor's when it is open, else one of the
        text on disk (made again when it or a flow it calls changed)."""
        path = path.resolve()
        opened = self._open(path)
        if opened is not None:
            return opened
        text = self._text_of(path)
        return self._closed(path, text, self._tools_now()) if text is not None else None

    def _tools_now(self) -> Callable[[Analysis], object]:
        """`tools_of`, asked once per project: one request looks at many files of a
        project, and finding out whether its ToolSpecs changed reads its tool folders."""
        asked: dict[object, object] = {}

        def now(analysis: Analysis) -> object:
            if self._tools_of is None:
                return None
            if analysis.project not in asked:
                asked[analysis.project] = self._tools_of(analysis)
            return asked[analysis.project]

        return now

    def forget(self, path: Path) -> None:
        """Drop the kept analysis of a file (it is made again when next asked for)."""
        with self._lock:
            self._kept.pop(path.resolve(), None)

    def _closed(self, path: Path, text: str, tools_now: Callable[[Analysis], object]
                ) -> Analysis:
        """The analysis of the text of a file that is not open, kept while it, the flows
        it calls and its project's tool catalog (``tools_now``) are unchanged."""
        with self._lock:
            kept = self._kept.get(path)
            if kept is not None:
                self._kept.move_to_end(path)
        if kept is not None and kept.analysis.text == text and all(
                self._text_of(p) == t for p, t in kept.called.items()) and (
                self._tools_of is None or tools_now(kept.analysis) is kept.tools):
            return kept.analysis
        analysis = self._analyse(path, text)
        used = analysis.catalog.used if analysis.catalog is not None else set()
        called = {p: self._text_of(p) for p in used}
        with self._lock:
            self._kept[path] = _Kept(analysis, called, analysis.catalog.tools
                                     if analysis.catalog is not None else None)
            while len(self._kept) > FILES_KEPT:
                self._kept.popitem(last=False)
        return analysis
