"""Checks that take over the unchanged nodes of the last check (`compiler.ReuseCache`).

An editor checks a document after every edit with the document's `ReuseCache`: the result
must be exactly what a check from scratch gives (the same YAML tree with the same
positions, flow model, diagnostics and plan), after any sequence of edits, also edits that
break the YAML or the structure, and the cache must really re-read only the changed node
when an edit stays inside one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.compile_bench import make_flow
from compiler import Inspection, ReuseCache, inspect_text
from compiler.yamltree import YMap, YNode, YScalar, YSeq

ROOT = Path(__file__).resolve().parents[2]
BASES = [make_flow(40), (ROOT / "examples/flows/customer_view.yaml").read_text("utf-8")]
PIECES = ["x", "1", " ", "zz", "", "+ 1", "(", ".", ":", "'", "#c", "  ", "\n", "\t",
          "\n            with: 2", "\n        added:\n            with: 1\n", "&a ", "*a",
          "<<: {}", "next: merge", "{"]


def _tree(node: YNode | None) -> Any:
    if node is None:
        return None
    if isinstance(node, YScalar):
        return ("scalar", repr(node.value), node.kind, node.style, node.span)
    if isinstance(node, YSeq):
        return ("seq", node.span, [_tree(item) for item in node.items])
    assert isinstance(node, YMap)
    return ("map", node.span, [(_tree(k), _tree(v)) for k, v in node.entries])


def _facts(inspection: Inspection) -> Any:
    result = inspection.result
    return (_tree(inspection.root), result.diagnostics, repr(result.flow),
            result.plan.to_dict() if result.plan is not None else None,
            sorted(inspection.nodes), sorted(inspection.fields))


def _same_as_from_scratch(text: str, reuse: ReuseCache) -> Inspection:
    reused = inspect_text(text, "flow.yaml", codegen=False, reuse=reuse)
    scratch = inspect_text(text, "flow.yaml", codegen=False)
    assert _facts(reused) == _facts(scratch)
    return reused


edits = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 6), st.sampled_from(PIECES),
                           st.booleans()), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(base=st.sampled_from(BASES), steps=edits)
def test_incremental_checks_equal_checks_from_scratch(base: str, steps: list[
        tuple[float, int, str, bool]]) -> None:
    reuse = ReuseCache()
    text = base
    _same_as_from_scratch(text, reuse)
    for where, removed, inserted, back in steps:
        if back:  # the author mends what they broke
            text = base
        # Most edits land in the node block (the second half of the text).
        at = int(len(text) * (0.3 + 0.7 * where))
        text = text[:at] + inserted + text[at + removed:]
        _same_as_from_scratch(text, reuse)


def _line_end(text: str) -> int:
    """The end of the first one-line ``with`` of a node."""
    found = re.search(r"^ {12,}with: [a-z][^\n]*$", text, re.MULTILINE)
    assert found is not None
    return found.end()


def test_an_edit_inside_one_node_reads_only_that_node() -> None:
    base = make_flow(60)
    reuse = ReuseCache()
    before = _same_as_from_scratch(base, reuse)
    assert reuse.loaded_alone == 0
    at = _line_end(base)
    typed = base[:at] + " + 1" + base[at:]  # the text after it moves by four
    after = _same_as_from_scratch(typed, reuse)
    assert reuse.loaded_alone == 1
    assert before.result.flow is not None and after.result.flow is not None
    old_nodes, new_nodes = before.result.flow.node, after.result.flow.node
    first, last = next(iter(old_nodes)), list(old_nodes)[-1]
    assert new_nodes[first] is old_nodes[first]  # before the edit: taken over as it was
    assert new_nodes[last] is not old_nodes[last]  # after it: moved
    assert new_nodes[last].span.start == old_nodes[last].span.start + 4
    broken = typed[:at] + " +" + typed[at + 4:]
    _same_as_from_scratch(broken, reuse)  # a GML error, found in the node read again
    assert reuse.loaded_alone == 2
    _same_as_from_scratch(base, reuse)
    assert reuse.loaded_alone == 3


def test_edits_of_the_structure_load_the_whole_text() -> None:
    base = make_flow(30)
    at = _line_end(base)
    for edit in ["\n        added:\n            with: 1", "\n    vars: x = 1", "\t",
                 "\n            only: &a x", ":\n  - [", "\n---\n"]:
        reuse = ReuseCache()
        _same_as_from_scratch(base, reuse)
        _same_as_from_scratch(base[:at] + edit + base[at:], reuse)
        assert reuse.loaded_alone == 0, edit


def test_a_renamed_node_id_that_is_already_used_is_reported_as_from_scratch() -> None:
    base = make_flow(30)
    reuse = ReuseCache()
    _same_as_from_scratch(base, reuse)
    ids = [line.strip()[:-1] for line in base.splitlines()
           if line.startswith("        ") and not line.startswith("         ")
           and line.rstrip().endswith(":")]
    renamed = base.replace(f"\n        {ids[1]}:\n", f"\n        {ids[0]}:\n", 1)
    _same_as_from_scratch(renamed, reuse)
    assert reuse.loaded_alone == 0


def test_brackets_counted_over_the_whole_text_still_reach_the_nesting_limit() -> None:
    """`load_yaml` counts brackets over the whole text (quoted ones too): an edit of one
    node that takes the count past `MAX_NESTING` is reported as from scratch."""
    nodes = "".join(f"        n{i}:\n            with: \"'['\"\n" for i in range(200))
    base = f"flow:\n    name: brackets\n    node:\n{nodes}"
    reuse = ReuseCache()
    _same_as_from_scratch(base, reuse)
    deeper = base.replace("n7:\n            with: \"'['\"", "n7:\n            with: \"'[['\"")
    _same_as_from_scratch(deeper, reuse)
    assert reuse.loaded_alone == 0
    assert any(d.code == "E101" for d in inspect_text(deeper).result.diagnostics)
