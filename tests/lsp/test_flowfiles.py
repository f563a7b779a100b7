"""`lsp.workspace.FlowFiles` without a server: which files call a flow, and when the analysis
of a file that is not open is made again."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp._project import Projects
from lsp.analysis import Analysis, analyze
from lsp.workspace import FlowFiles, caller_pattern

from ._support import CALLER_FLOW, make_project


def _caller(target: str) -> str:
    return CALLER_FLOW.replace("flow://greeting", target)


class _Editor:
    """What the server gives `FlowFiles`: open documents (by path) and analyses."""

    def __init__(self, project: Path) -> None:
        self.projects = Projects()
        self.open: dict[Path, Analysis] = {}
        self.analysed: list[Path] = []
        self.files = FlowFiles(self.open.get, lambda: list(self.open), self.text_of,
                               self.analyse, self.tools_of)

    def tools_of(self, analysis: Analysis) -> object:
        assert analysis.project is not None
        return self.projects.tool_catalog(analysis.project)

    def text_of(self, path: Path) -> str | None:
        opened = self.open.get(path.resolve())
        if opened is not None:
            return opened.text
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def analyse(self, path: Path, text: str, version: int | None = None) -> Analysis:
        self.analysed.append(path)
        project = self.projects.project_of(path)
        return analyze(path.as_uri(), text, version, path=path, project=project,
                       catalog=self.projects.catalog(project, self.text_of))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = make_project(tmp_path).resolve()
    flows = folder / "flows"
    (flows / "a.yaml").write_text(_caller("flow://greeting"), encoding="utf-8")
    (flows / "sub").mkdir()
    (flows / "sub" / "b.yaml").write_text(_caller("flow://greeting?timeout=5000"),
                                          encoding="utf-8")
    (flows / "other.yaml").write_text(_caller("flow://greetings"), encoding="utf-8")
    (flows / "a.test.yaml").write_text("flow: greeting\n# flow://greeting\n",
                                       encoding="utf-8")
    return folder


def test_the_pattern_finds_a_flow_with_options_not_flows_with_longer_names() -> None:
    pattern = caller_pattern("sub/x")
    assert pattern.search("exec: flow://sub/x?timeout=10")
    assert pattern.search("exec: flow://sub/x\n")
    assert not pattern.search("exec: flow://sub/xy")
    assert not pattern.search("exec: flow://sub/x/y")
    assert not pattern.search("exec: flow://sub/x-2")


def test_callers_are_the_flow_files_that_call_it(project: Path) -> None:
    editor = _Editor(project)
    greeting = editor.files.file(project / "flows" / "greeting.yaml")
    assert greeting is not None and greeting.flow_code == "greeting"
    found = editor.files.callers(greeting, "greeting")
    assert [str(a.flow_code) for a in found] == [
        "a", "sub/b"]  # not `greetings`, not the test file


def test_the_analysis_of_a_closed_file_is_kept_until_it_or_its_callee_changes(
        project: Path) -> None:
    editor = _Editor(project)
    caller = project / "flows" / "a.yaml"
    first = editor.files.file(caller)
    assert first is not None and editor.files.file(caller) is first
    assert editor.analysed.count(caller) == 1
    callee = project / "flows" / "greeting.yaml"
    renamed = callee.read_text(encoding="utf-8").replace("name: string ", "who: string  ")
    callee.write_text(renamed.replace("+ name", "+ who"), encoding="utf-8")
    second = editor.files.file(caller)
    assert second is not None and second is not first
    assert [d.code for d in second.diagnostics] == ["E303", "E302"]
    caller.write_text(_caller("flow://greeting").replace("name =", "who ="), encoding="utf-8")
    third = editor.files.file(caller)
    assert third is not None and third is not second and list(third.diagnostics) == []
    assert editor.files.file(caller) is third
    spec = project / "tools" / "crm_user.yaml"  # any ToolSpec: the catalog is made again
    spec.write_text(spec.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert editor.files.file(caller) is not third


def test_open_documents_are_the_editors_and_closed_only_skips_them(project: Path) -> None:
    editor = _Editor(project)
    path = project / "flows" / "a.yaml"
    unsaved = project / "flows" / "new.yaml"
    editor.open[path] = editor.analyse(path, _caller("flow://greeting") + "# edited\n", 3)
    editor.open[unsaved] = editor.analyse(unsaved, _caller("flow://greeting"), 1)
    greeting = editor.files.file(project / "flows" / "greeting.yaml")
    assert greeting is not None
    found = editor.files.callers(greeting, "greeting")
    assert {a.flow_code: a.version for a in found} == {"a": 3, "new": 1, "sub/b": None}
    closed = editor.files.callers(greeting, "greeting", closed_only=True)
    assert [(a.flow_code, a.version) for a in closed] == [("sub/b", None)]
