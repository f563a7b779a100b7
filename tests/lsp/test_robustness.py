"""Whatever the editor holds, half typed or mangled, every feature answers without raising.

Random edits of realistic flows (deleting a range, inserting YAML and GML punctuation,
duplicating or dropping lines), then the analysis and every request the server serves, at
random places; completion also from the analysis of the text before the edit, as the server
answers while a check runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsp import actions, hints, hover, navigation, outline, semantic
from lsp._project import Projects
from lsp.analysis import Analysis, analyze
from lsp.completion import complete
from lsp.diagnostics import to_lsp_all
from lsp.workspace import FlowFiles

from ._support import CALLER_FLOW, flow_text, make_project

PIECES = ["\n", " ", "    ", ":", "- ", "|", "'", '"', "`", "${", "}", "(", ")", "[", "]",
          "{", ",", ".", "$", "=", "=>", "#", "?", "&", "flow://", "api://", "é", "😋",
          "\t", "\r\n", "node", "next", "each", "with", "args", "sets", "customer", "x"]


TEXTS_FLOW = flow_text("""
    flow:
        name: Texts — 名字
        args:
            in:
                n: int              # how many 😋
                who: string = 'Zoë'
                nums: int[]
        vars: |
            base = n * 2
            label = `n=${n}, base=${base}!`
        node:
            say:
                with: |
                    text = `héllo ${who}, ${label}`
                    note = 'first
                      second'
                    items = [1, 2, 3].map(x => x + base)
                next: each_one
            each_one:
                each: nums => item, i
                node:
                    inner:
                        with: "`${item}:${i}`"
""")


@st.composite
def edited(draw: st.DrawFn, text: str) -> str:
    """``text`` after one to four random edits."""
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "line"]))
        if kind == "delete":
            text = text[:start] + text[end:]
        elif kind == "line":
            lines = text.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines.insert(i, lines[i]) if draw(st.booleans()) else lines.pop(i)
                text = "".join(lines)
        else:
            piece = "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4)))
            text = text[:start] + piece + text[end if kind == "replace" else start:]
    return text


class _Files:
    """The cross-file features' view of the project: the files on disk."""

    def __init__(self, projects: Projects) -> None:
        self.projects = projects
        self.files = FlowFiles(lambda _p: None, list, _read, self.analyse)

    def analyse(self, path: Path, text: str) -> Analysis:
        project = self.projects.project_of(path)
        return analyze(path.as_uri(), text, None, path=path, project=project,
                       catalog=self.projects.catalog(project, _read))


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_project(tmp_path_factory.mktemp("robust")).resolve()
    (folder / "flows" / "caller.yaml").write_text(CALLER_FLOW, encoding="utf-8")
    (folder / "flows" / "texts.yaml").write_text(TEXTS_FLOW, encoding="utf-8")
    return folder


def _check_tokens(analysis: Analysis, data: list[int]) -> None:
    """Semantic tokens are what clients accept: in file order, not overlapping, each
    non-empty and inside one line."""
    line = character = previous = 0
    for i in range(0, len(data), 5):
        delta_line, delta_start, length = data[i:i + 3]
        if delta_line:
            line, character = line + delta_line, delta_start
        else:
            assert i == 0 or delta_start >= previous, "tokens overlap"
            character += delta_start
        assert length > 0
        text = analysis.lines.line_text(line)
        assert character + length <= len(text.encode("utf-16-le")) // 2, (line, text)
        previous = length


def _every_request(analysis: Analysis, files: FlowFiles, offsets: list[int]) -> None:
    size = len(analysis.text)
    assert analysis.diagnostics is not None
    outline.document_symbols(analysis)
    outline.folding_ranges(analysis)
    _check_tokens(analysis, semantic.semantic_tokens(analysis).data)
    for diagnostic in to_lsp_all(analysis.diagnostics, analysis.lines):
        start, end = diagnostic.range.start, diagnostic.range.end
        assert (start.line, start.character) <= (end.line, end.character)
        assert end.line < len(analysis.lines.starts)
    hints.inlay_hints(analysis, 0, size)
    actions.quick_fixes(analysis, 0, size)
    for offset in offsets:
        at = min(offset, size)
        hover.hover(analysis, at)
        navigation.definition(analysis, at, files)
        navigation.references(analysis, at, True, files)
        if navigation.prepare_rename(analysis, at) is not None:
            navigation.rename(analysis, at, "renamed", files)
        complete(analysis, analysis.text, at)


FLOWS = ["customer_view.yaml", "order_review.yaml", "greeting.yaml", "caller.yaml",
         "texts.yaml"]


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_every_feature_answers_on_any_edit(project: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FLOWS))
    path = project / "flows" / name
    original = path.read_text(encoding="utf-8")
    text = data.draw(edited(original))
    projects = Projects()
    workspace = _Files(projects)
    catalog = projects.catalog(projects.project_of(path), _read)
    before = analyze(path.as_uri(), original, 1, path=path,
                     project=catalog.project, catalog=catalog)
    after = analyze(path.as_uri(), text, 2, path=path, project=catalog.project,
                    catalog=projects.catalog(catalog.project, _read))
    offsets = data.draw(st.lists(st.integers(0, max(len(text), 1)), min_size=1, max_size=6))
    _every_request(after, workspace.files, offsets)
    for offset in offsets:  # completion while the edited text is being checked
        complete(before, text, min(offset, len(text)))
