"""`fdl graph` and `fdl.graphs`: Mermaid and DOT pictures of a plan, SVG through Graphviz.

Snapshots: update deliberately with ``pytest --snapshot-update`` and review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from syrupy.assertion import SnapshotAssertion

import fdl
from compiler import Plan
from fdl import graphs
from fdl.cli import main

FLOWS = Path(__file__).resolve().parents[1] / "flows"

TRICKY = '''\
flow:
    name: 'Quotes "q" <a> & b'
    args:
        in:
            kind: string
            size: int
    node:
        pick:
            name: "Pick [a|b] <c>\\n\\"d\\" #1"
            case:
                -   when: 'kind == "a|b" && size > 3'
                    then: end
            else: other
        end:
            with: 1
        other:
            with: "`x`"
'''


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def plan_of(text: str) -> Plan:
    return fdl.load_text(textwrap.dedent(text))


@pytest.fixture(scope="module")
def review() -> Plan:
    return fdl.load(FLOWS / "order_review.yaml")


# --- snapshots -----------------------------------------------------------------------


@pytest.mark.parametrize("graph_format", ["mermaid", "dot"])
def test_graph_snapshot(graph_format: str, monkeypatch: pytest.MonkeyPatch,
                        snapshot: SnapshotAssertion) -> None:
    monkeypatch.chdir(FLOWS)
    result = invoke("graph", "--format", graph_format, "order_review.yaml")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == snapshot


def test_mermaid_is_the_default_format(monkeypatch: pytest.MonkeyPatch, review: Plan) -> None:
    monkeypatch.chdir(FLOWS)
    result = invoke("graph", "order_review.yaml")
    assert result.stdout == graphs.to_mermaid(review)


# --- Mermaid -------------------------------------------------------------------------


def test_mermaid_shapes_per_kind(review: Plan) -> None:
    lines = graphs.to_mermaid(review).splitlines()
    assert lines[:2] == ["---", 'title: "Order review"']
    assert lines[5:7] == ["---", "flowchart TD"]
    assert '    customer[["customer<br/>api://crm-service/customer?timeout=3000"]]' in lines
    assert '    check{"check<br/>customer.vip == true ?"}' in lines
    assert '    judge{"judge<br/>switch"}' in lines
    assert '    pause(["pause<br/>wait 10s<br/>only tries #lt; 3"])' in lines
    assert '    vip["vip: VIP greeting"]' in lines
    assert '    START(("start"))' in lines and '    END((("end")))' in lines


def test_mermaid_edges(review: Plan) -> None:
    text = graphs.to_mermaid(review)
    lines = text.splitlines()
    assert "    START --> customer" in lines
    assert '    check -->|"then"| vip' in lines
    assert '    check -->|"else"| judge' in lines
    assert '    judge -->|"gender == \'male\'"| pause' in lines
    assert '    judge -->|"gender == #quot;female#quot; #38;#38; customer.…"| merge' in lines
    assert '    fallback -.->|"jump"| customer' in lines          # a jump is dashed
    assert "    proc --> END" in lines                             # terminal → end marker


def test_mermaid_fail_edges_are_labelled_and_red(review: Plan) -> None:
    lines = graphs.to_mermaid(review).splitlines()
    links = [line for line in lines if re.search(r" (-->|-\.->)", line)]
    fail_index = links.index('    customer -.->|"fail"| fallback')
    assert f"    linkStyle {fail_index} stroke:#d33,color:#d33" in lines


def test_mermaid_each_is_a_subgraph_with_its_block(review: Plan) -> None:
    lines = graphs.to_mermaid(review).splitlines()
    start = lines.index('    subgraph proc ["proc<br/>each ids =#gt; id, i"]')
    end = lines.index("    end", start)
    assert lines[start + 1:end] == [
        '        proc__START(("start"))',
        '        proc__user[["user<br/>api://crm-service/user"]]',
        '        proc__END((("end")))',
        "        proc__START --> proc__user",
        "        proc__user --> proc__END",
    ]
    assert "    merge --> proc" in lines


def test_mermaid_loop_subgraph_shows_the_condition() -> None:
    text = graphs.to_mermaid(fdl.load(FLOWS / "load_pages.yaml"))
    assert '    subgraph load ["load<br/>loop while curPage #lt; pageNum"]' in text.splitlines()


def test_mermaid_escapes_labels_and_ids() -> None:
    text = graphs.to_mermaid(plan_of(TRICKY))
    lines = text.splitlines()
    assert lines[1] == 'title: "Quotes \\"q\\" <a> & b"'
    assert '    pick{"pick: Pick [a#124;b] #lt;c#gt;<br/>#quot;d#quot; #35;1<br/>switch"}' in lines
    assert ('    pick -->|"kind == #quot;a#124;b#quot; #38;#38; size #gt; 3"| n_end'
            in lines)                                    # `end` is a Mermaid keyword
    assert '    other["other"]' in lines
    body = "\n".join(lines[4:])
    for raw in ('"a|b"', "<c>", "&&"):
        assert raw not in body


# --- DOT -----------------------------------------------------------------------------


def test_dot_nodes_and_edges(review: Plan) -> None:
    lines = graphs.to_dot(review).splitlines()
    assert lines[0] == 'digraph "Order review" {'
    assert lines[-1] == "}"
    assert ('    "check" [shape=diamond, style=filled, fillcolor="#fdf3d8", '
            'label="check\\ncustomer.vip == true ?"];') in lines
    assert '    "check" -> "vip" [label="then"];' in lines
    assert ('    "fallback" -> "customer" [style=dashed, constraint=false, label="jump"];'
            in lines)
    assert ('    "customer" -> "fallback" [style=dotted, color="#d33", fontcolor="#d33", '
            'label="fail"];') in lines


def test_dot_each_is_a_cluster_and_edges_attach_to_it(review: Plan) -> None:
    lines = graphs.to_dot(review).splitlines()
    start = lines.index('    subgraph "cluster_proc" {')
    assert lines[start + 1] == '        label="proc\\neach ids => id, i";'
    assert '        "proc/(start)" -> "proc/user";' in lines
    assert '    "merge" -> "proc/(start)" [lhead="cluster_proc"];' in lines
    assert '    "proc/(end)" -> "(end)" [ltail="cluster_proc"];' in lines


def test_dot_escapes_labels() -> None:
    lines = graphs.to_dot(plan_of(TRICKY)).splitlines()
    assert lines[0] == 'digraph "Quotes \\"q\\" <a> & b" {'
    assert ('    "pick" [shape=diamond, style=filled, fillcolor="#fdf3d8", '
            'label="pick: Pick [a|b] <c>\\n\\"d\\" #1\\nswitch"];') in lines
    assert '    "pick" -> "end" [label="kind == \\"a|b\\" && size > 3"];' in lines


def test_dot_string_escapes_backslashes_quotes_and_newlines() -> None:
    assert graphs.dot_string('a\\n "b"\nc') == '"a\\\\n \\"b\\"\\nc"'


def test_shorten_flattens_and_cuts() -> None:
    assert graphs.shorten("a  ==\n  b") == "a == b"
    assert graphs.shorten("x" * 40, 10) == "xxxxxxxxx…"


def test_wait_expressions_and_durations() -> None:
    plan = plan_of("""\
        flow:
            name: Waits
            node:
                a:
                    wait: 90000
                    next: b
                b:
                    wait: "'1' + 's'"
                    next: c
                c:
                    wait: '1500ms'
        """)
    labels = [graphs.node_lines(node) for node in plan.block.nodes]
    assert labels == [["a", "wait 90s"], ["b", "wait '1' + 's'"], ["c", "wait 1500ms"]]


# --- svg and the command -------------------------------------------------------------


def test_svg_without_graphviz_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    monkeypatch.chdir(FLOWS)
    result = invoke("graph", "--format", "svg", "order_review.yaml")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: Graphviz (dot) is not installed; use --format dot or mermaid\n")


def _fake_dot(folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir()
    exe = folder / "dot"
    exe.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_svg_pipes_the_dot_text_to_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            review: Plan) -> None:
    # the fake dot echoes its arguments and its input inside an <svg> element
    _fake_dot(tmp_path / "bin", 'echo "<svg args=\\"$*\\">"; cat; echo "</svg>"\n', monkeypatch)
    out = tmp_path / "review.svg"
    result = invoke("graph", "--format", "svg", str(FLOWS / "order_review.yaml"), "-o", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    svg = out.read_text(encoding="utf-8")
    assert svg == '<svg args="-Tsvg">\n' + graphs.to_dot(review) + "</svg>\n"


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_a_failing_graphviz_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dot(tmp_path / "bin", 'echo "syntax error in line 3" >&2; exit 3\n', monkeypatch)
    result = invoke("graph", "--format", "svg", str(FLOWS / "order_review.yaml"))
    assert result.exit_code == 1
    assert result.stderr == "error: dot failed: syntax error in line 3\n"


def test_output_file(tmp_path: Path, review: Plan) -> None:
    result = invoke("graph", "--format", "dot", str(FLOWS / "order_review.yaml"), "-o",
                    str(tmp_path / "review.dot"))
    assert (result.exit_code, result.stdout) == (0, "")
    assert (tmp_path / "review.dot").read_text(encoding="utf-8") == graphs.to_dot(review)


def test_graph_of_a_broken_flow_shows_the_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "typo.yaml").write_text(
        "flow:\n    name: T\n    node:\n        a:\n            with: 1\n            next: b2\n"
        "        b:\n            with: 2\n", encoding="utf-8")
    result = invoke("graph", "typo.yaml")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("typo.yaml:6:19: error[E202]: 'b2' is not a node")


GML_ERROR = """\
flow:
    name: 订单概览
    node:
        a:
            with: nmae.x +
            next: b
        b:
            when: a == '金牌'
            then: c
        c:
            with: "'客户'"
"""


@pytest.mark.parametrize("graph_format", ["mermaid", "dot"])
def test_a_flow_with_gml_errors_is_drawn_from_its_structure(tmp_path: Path,
                                                            graph_format: str) -> None:
    (tmp_path / "gml.yaml").write_text(GML_ERROR, encoding="utf-8")
    result = invoke("graph", "--format", graph_format, str(tmp_path / "gml.yaml"))
    assert result.exit_code == 0, result.stderr
    assert "error[G101]" in result.stderr
    assert ("note: 1 error in 1 file, all inside fields; drawn from the structure only"
            in result.stderr)
    assert "金牌" in result.stdout and "订单概览" in result.stdout
    for node in ("a", "b", "c"):
        assert re.search(rf"^\s+\"?{node}\"?[\[{{ ]", result.stdout, re.M), node


def test_a_flow_with_gml_errors_does_not_compile_for_running() -> None:
    assert fdl.check_text(GML_ERROR, "gml.yaml").plan is None
    sketch = fdl.check_text(GML_ERROR, "gml.yaml", sketch=True).plan
    assert sketch is not None and not sketch.executable


def test_both_formats_name_fonts_with_cjk_glyphs(review: Plan) -> None:
    assert {"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC"} <= set(graphs.FONTS)
    assert graphs.FONTS[-1] == "sans-serif"
    dot = graphs.to_dot(review)
    assert dot.count(f'fontname="{graphs.FONT_LIST}"') == 3
    mermaid = graphs.to_mermaid(review).splitlines()
    assert mermaid[2:4] == ["config:", "    themeVariables:"]
    assert '\\"Noto Sans CJK SC\\"' in mermaid[4] and mermaid[4].startswith(
        "        fontFamily: ")


def test_unknown_format_is_a_usage_error() -> None:
    result = invoke("graph", "--format", "png", str(FLOWS / "order_review.yaml"))
    assert result.exit_code == 2


def test_render_dispatches_on_the_format(review: Plan) -> None:
    assert graphs.render(review, "dot") == graphs.to_dot(review)
    assert graphs.render(review) == graphs.to_mermaid(review)
