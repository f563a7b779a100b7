"""Fast unit tests of the server's pure parts: positions, offset mapping, the completion
context, quick-fix ranges and the diagnostics mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

import fdl
from gml import Span
from lsp._context import (
    assigned_names,
    close_statement,
    line_context,
    map_offset,
    statement_prefix,
)
from lsp._positions import LineIndex
from lsp._project import Project, Projects
from lsp.actions import replacement
from lsp.analysis import analyze
from lsp.completion import complete
from lsp.diagnostics import to_lsp_all
from stdlib.registry import Registry, ToolSpec

from ._support import make_project


def test_positions_count_utf16_units_and_convert_back() -> None:
    text = "a: '😋x'\nb: 你好\n"
    index = LineIndex(text)
    x = text.index("x")
    assert index.position(x) == types.Position(line=0, character=6)  # 😋 is two units
    assert index.offset(types.Position(line=0, character=6)) == x
    hao = text.index("好")
    assert index.position(hao) == types.Position(line=1, character=4)
    assert LineIndex(text, "utf-8").position(hao) == types.Position(line=1, character=6)
    assert LineIndex(text, "utf-32").position(x) == types.Position(line=0, character=5)
    assert index.offset(types.Position(line=9, character=0)) == len(text)


def test_diagnostics_map_to_ranges_on_non_ascii_lines() -> None:
    text = "flow:\n    name: 名字\n    node:\n        a:\n            with: \"'😋' + nope\"\n"
    analysis = analyze("file:///x.yaml", text)
    [diagnostic] = to_lsp_all(analysis.diagnostics, analysis.lines)
    assert diagnostic.code == "G204"
    assert (diagnostic.range.start.line, diagnostic.range.start.character,
            diagnostic.range.end.character) == (4, 26, 30)


def test_map_offset_carries_offsets_across_an_edit() -> None:
    old = "abc\ndef\nghi\n"
    new = "abc\ndeXXf\nghi\n"
    assert map_offset(old, new, 2) == 2
    assert map_offset(old, new, new.index("XX") + 1) == old.index("e") + 1
    assert map_offset(old, new, new.index("ghi")) == old.index("ghi")


def test_line_context_tells_keys_values_and_text_apart() -> None:
    text = "    node:\n        a:\n            nex\n            with: cust\n    x + y"
    assert line_context(text, text.index("nex") + 3).kind == "key"
    value = line_context(text, text.index("cust") + 4)
    assert (value.kind, value.key, value.value) == ("value", "with", "cust")
    assert line_context(text, len(text)).kind == "text"


def test_statements_are_completed_for_the_parser() -> None:
    assert statement_prefix("a = 1, b = orders.filter(o => o.") == " b = orders.filter(o => o."
    assert statement_prefix("x = 'abc") is None
    assert close_statement("orders.filter(o => o.x") == "orders.filter(o => o.x)"
    assert close_statement("{a: [f(x") == "{a: [f(x)]}"


def test_quick_fix_replaces_the_word_or_the_tool_part() -> None:
    text = "exec: apx://crm/customer?timeout=1\nwith: customer.nmae + 1"
    uri = Span(text.index("apx"), text.index("\n"))
    assert replacement(text, uri, "E301", "api") == Span(6, 9)
    assert replacement(text, uri, "E301", "apx://crm/client") == Span(6, 24)
    name = text.index("nmae")
    assert replacement(text, Span(name, name + 4), "G205", "name") == Span(name, name + 4)


def test_an_analysis_keeps_scopes_when_the_flow_has_errors() -> None:
    text = "flow:\n    name: x\n    vars: n = 1\n    node:\n        a:\n            with: n + zz\n"
    analysis = analyze("file:///x.yaml", text)
    assert not analysis.inspection.result.ok
    source = analysis.field_at(text.index("zz"))
    assert source is not None and source.key == "a.with"
    assert "n" in source.scope and "a" in source.scope
    inspection = fdl.inspect_text(text)
    assert inspection.nodes["a"].block is None and "n" in inspection.scopes[None]
    assert set(inspection.fields) == {"vars", "a.with"}


# ------------------------------------------------------------------ checking after edits

_TYPED = """\
flow:
    name: typed
    args:
        in:
            order: {fields}
    node:
        total:
            with: "sum = order.amount * 2"
            next: label
        label:
            with: "text = total.sum - 1"
"""


def test_analyses_with_a_shared_cache_report_what_fdl_check_reports() -> None:
    import gml

    cache = gml.CheckCache()
    versions = ["{amount: int}", "{amount: string}", "{amount: int}", "{amount: int?}"]
    for i, fields in enumerate(versions):
        text = _TYPED.format(fields=fields)
        analysis = analyze("file:///typed.yaml", text, i, cache=cache)
        expected = fdl.check_text(text, "file:///typed.yaml")
        assert [(d.code, d.span, d.message) for d in analysis.diagnostics] == [
            (d.code, d.span, d.message) for d in expected.diagnostics]
        assert analysis.plan is None or not analysis.plan.executable
    assert cache.hits > 0


def test_an_analysis_is_freed_without_the_cyclic_collector() -> None:
    import gc
    import weakref

    enabled = gc.isenabled()
    gc.disable()
    try:
        analysis = analyze("file:///typed.yaml", _TYPED.format(fields="{amount: int}"))
        assert analysis.symbols.occurrences and analysis.nodes
        gone = weakref.ref(analysis)
        del analysis
        assert gone() is None
    finally:
        if enabled:
            gc.enable()


def test_the_collector_pause_nests_and_restores_the_collector() -> None:
    import gc

    from lsp.server import create_server

    server = create_server()
    enabled = gc.isenabled()
    gc.enable()
    try:
        with server.collector_paused():
            with server.collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()  # paused by someone else: left paused
        with server.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()


def test_a_tool_registered_while_the_registry_is_open_is_seen(tmp_path: Path) -> None:
    """In WAL mode a registration lands in the ``-wal`` file while another connection keeps
    the registry open (a running service): the catalog notices it all the same."""
    projects, project, registry_file = _with_registry(tmp_path)
    with Registry(registry_file) as holder:
        holder.register(ToolSpec.from_text(_SPEC.format(code="first")))
        catalog = projects.tool_catalog(project)
        assert catalog is not None and catalog.lookup("api", "crm-service/first")
        with Registry(registry_file) as writer:
            writer.register(ToolSpec.from_text(_SPEC.format(code="second")))
        catalog = projects.tool_catalog(project)
        assert catalog is not None and catalog.lookup("api", "crm-service/second")


def _with_registry(tmp_path: Path) -> tuple[Projects, Project, Path]:
    """A project of the examples (`make_project`) and where its registry goes."""
    projects = Projects()
    project = projects.project_of(make_project(tmp_path) / "flows" / "greeting.yaml")
    assert project.registry is not None
    project.registry.parent.mkdir(parents=True, exist_ok=True)
    return projects, project, project.registry


_SPEC = "type: api\ncode: crm-service/{code}\nargs:\n    in:\n        id: string\n"


def test_the_project_of_a_folder_follows_its_configuration(tmp_path: Path) -> None:
    """Kept per folder, the project is read again when a configuration file changes or
    appears, or when a tool folder it names appears."""
    flows = tmp_path / "flows"
    flows.mkdir()
    document = flows / "a.yaml"
    projects = Projects()
    assert projects.project_of(document).root == flows  # no configuration: the folder
    (tmp_path / "fdl.yaml").write_text("flows: flows/\n", encoding="utf-8")
    project = projects.project_of(document)
    assert (project.root, project.flows, project.tools) == (tmp_path, flows, ())
    assert projects.project_of(document) is project  # unchanged: kept
    (tmp_path / "tools").mkdir()  # the default tool folder appears
    assert projects.project_of(document).tools == (tmp_path / "tools",)
    (tmp_path / "fdl.yaml").write_text("flows: flows/\ntools: [specs/]\n", encoding="utf-8")
    assert projects.project_of(document).tools == ()  # named, but not there yet
    (tmp_path / "specs").mkdir()
    assert projects.project_of(document).tools == (tmp_path / "specs",)


def test_registry_tools_are_looked_up_one_at_a_time(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry is not read whole (`Registry.list` parses every spec): a tool is
    looked up when a flow calls it, listed for completion from its summary; a registry
    that cannot be read any more counts as empty."""
    projects, project, registry_file = _with_registry(tmp_path)
    with Registry(registry_file) as registry:
        registry.register(ToolSpec.from_text(_SPEC.format(code="listed")))
        registry.register(ToolSpec.from_text("type: db\ncode: shop.basket\n"))
        # the same code as a ToolSpec file: the file wins, as in `fdl check`
        registry.register(ToolSpec.from_text(_SPEC.format(code="user") + "desp: stale\n"))

    def read_whole(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the registry was read whole")

    monkeypatch.setattr(Registry, "list", read_whole)
    catalog = projects.tool_catalog(project)
    assert catalog is not None
    assert catalog.lookup("api", "crm-service/listed") is not None
    assert catalog.lookup("db", "shop.basket/take") is not None
    assert "shop.basket/list" in catalog.codes("db")
    user = catalog.lookup("api", "crm-service/user")
    assert user is not None and user.description == "Returns one user of the CRM."
    # its own open connection (an empty -wal file) does not make the catalog stale
    assert projects.tool_catalog(project) is catalog
    summaries = {s.uri: s for s in catalog.summaries()}
    assert summaries["api://crm-service/listed"].signature is None  # not read for a list
    assert summaries["api://crm-service/user"].description == "Returns one user of the CRM."
    assert "db://shop.basket/count" in summaries
    assert catalog.registry is not None
    catalog.registry.close()
    assert catalog.lookup("api", "crm-service/nowhere") is None
    assert catalog.lookup("api", "crm-service/user") is not None  # the folders still answer
    assert catalog.summaries() is catalog.summaries()  # listed once per catalog


def test_exec_completion_of_a_big_catalog_lists_what_matches_the_typed_text(
        tmp_path: Path) -> None:
    """Beyond ``tools_listed`` tools, only those whose URI holds the typed text are sent,
    and the list is marked incomplete so that the editor asks again as the user types."""
    projects, project, _registry = _with_registry(tmp_path)
    path = project.flows / "pick.yaml"
    text = "flow:\n    name: Pick\n    node:\n        pick:\n            exec: USER\n"

    def read(file: Path) -> str | None:
        return file.read_text(encoding="utf-8") if file.is_file() else None

    analysis = analyze(path.as_uri(), text, 1, path=path, project=project,
                       catalog=projects.catalog(project, read))
    offset = len(text) - 1
    everything = complete(analysis, text, offset)
    assert not everything.is_incomplete and len(everything.items) > 3
    few = complete(analysis, text, offset, tools_listed=3)
    assert few.is_incomplete
    assert [i.label for i in few.items] == ["api://crm-service/user"]
    typed = text.replace("USER", "")
    assert len(complete(analysis, typed, len(typed) - 1, tools_listed=3).items) == 3
    # the earliest match first, then by URI; the editor is told to keep that order
    typed = text.replace("USER", "s")
    ranked = complete(analysis, typed, len(typed) - 1, tools_listed=4).items
    assert [(i.label, i.sort_text) for i in ranked] == [
        ("api://crm-service/customer", "00000"), ("api://crm-service/user", "00001"),
        ("db://ec.order/save", "00002"), ("db://ec.order/stream", "00003")]


@pytest.mark.parametrize(("text", "names"), [
    ("id = x, size = 20", ["id", "size"]),
    ("exps = 'a = b, c = d', ", ["exps"]),          # inside strings: not statements
    ("data = {who: w, n = 1}, proj", ["data"]),     # inside brackets: not statements
    ("a == b, c >= 1, d = 2\ne = 3", ["d", "e"]),  # comparisons assign nothing
    ("", []),
])
def test_assigned_names_are_the_arguments_given(text: str, names: list[str]) -> None:
    assert assigned_names(text) == names


def test_the_text_after_the_cursor_starts_with_the_statement_being_typed() -> None:
    assert assigned_names("userId = x, size = 2", skip_first=True) == ["size"]
