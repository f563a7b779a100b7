"""Document symbols (the outline) and folding ranges, end to end."""

from __future__ import annotations

import pytest
from lsprotocol import types

from ._support import Session

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _tree(symbols: list[types.DocumentSymbol]) -> list[object]:
    return [(s.name, s.detail, s.kind.name, s.selection_range.start.line,
             *([_tree(s.children)] if s.children else [])) for s in symbols]


async def test_the_outline_holds_args_nodes_and_nested_blocks(session: Session) -> None:
    uri = await session.open("order_review.yaml")
    symbols = await session.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert symbols is not None
    tree = _tree([s for s in symbols if isinstance(s, types.DocumentSymbol)])
    assert tree == [("Order review", "flow", "Module", 0, [
        ("args", None, "Namespace", 3, [("in", None, "Namespace", 4, [
            ("customerId", "string", "Field", 5),
            ("ids", "string[]", "Field", 6),
            ("gender", "string = 'x'", "Field", 7)])]),
        ("vars", None, "Variable", 8),
        ("node", None, "Namespace", 9, [
            ("customer", "tool call (exec) → {id: string, name: string, …}", "Function",
             10),
            ("check", "branch (when + then)", "Boolean", 15),
            ("judge", "switch (case)", "Enum", 19),
            ("pause", "delay (wait) → null", "Event", 26),
            ("vip", "mapping (with) → string", "Object", 30),
            ("fallback", "mapping (with) → {name: string}", "Object", 34),
            ("merge", "mapping (with) → {name: string}", "Object", 38),
            ("proc", "iteration (each + node) → any[]", "Array", 42, [
                ("user", "tool call (exec) → User", "Function", 46)]),
        ]),
    ])]
    session.close(uri)


async def test_folding_ranges_cover_mappings_lists_and_block_scalars(session: Session
                                                                    ) -> None:
    uri = await session.open("customer_view.yaml")
    ranges = await session.client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert ranges is not None
    spans = {(r.start_line, r.end_line) for r in ranges}
    text = (session.project / "flows" / "customer_view.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    node_line = lines.index("    node:")
    assert (node_line, len(lines) - 1) in spans           # the node block
    merge_with = lines.index("            with: |")
    assert (merge_with, len(lines) - 1) in spans          # a multi-line GML program
    case_line = lines.index("            case:")
    assert (case_line, case_line + 4) in spans            # the case list
    session.close(uri)
