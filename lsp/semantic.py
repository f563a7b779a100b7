"""Semantic tokens for GML inside YAML strings: variables (node outputs, inputs, vars),
lambda parameters, fields, functions, methods, literals (the text parts of templates
too) and keywords, from the AST of every field that parses. A token that spans lines (a
string in a block scalar) is sent as one token per line. The YAML around them is left to
the editor's YAML grammar.
"""

from __future__ import annotations

from collections.abc import Iterator

from lsprotocol import types

from compiler import FieldSource
from gml import Span
from gml import nodes as n

from ._gmlindex import children, file_span, leading_name_span, member_name_span
from .analysis import Analysis

__all__ = ["LEGEND", "semantic_tokens"]

TOKEN_TYPES = ["variable", "parameter", "property", "function", "method", "string", "number",
               "keyword"]
TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

_TYPE = {name: i for i, name in enumerate(TOKEN_TYPES)}
_DECLARATION, _READONLY, _LIBRARY = 1, 2, 4


def _tokens(node: n.Node, text: str, bound: frozenset[str]
            ) -> Iterator[tuple[Span, str, int]]:
    """(text span, token type, modifiers) of one subtree, in no particular order."""
    if isinstance(node, n.Name):
        yield node.span, "parameter" if node.name in bound else "variable", 0
        return
    if isinstance(node, n.Temp | n.ThisTemp):
        yield node.span, "variable", 0
        return
    if isinstance(node, n.This):
        yield node.span, "keyword", 0
        return
    if isinstance(node, n.Literal):
        if isinstance(node.value, str):
            yield node.span, "string", 0
        elif isinstance(node.value, bool) or node.value is None:
            yield node.span, "keyword", 0
        else:
            yield node.span, "number", 0
        return
    if isinstance(node, n.Template):
        yield from _template_tokens(node, text, bound)
        return
    if isinstance(node, n.Lambda):
        head_end = text.find("=>", node.span.start, node.span.end)
        for param in node.params:
            at = text.find(param, node.span.start, head_end if head_end >= 0 else None)
            if at >= 0:
                yield Span(at, at + len(param)), "parameter", _DECLARATION
        yield from _tokens(node.body, text, bound | set(node.params))
        return
    if isinstance(node, n.Member):
        yield member_name_span(text, node), "property", 0
    elif isinstance(node, n.MethodCall):
        yield member_name_span(text, node), "method", _LIBRARY
    elif isinstance(node, n.Call):
        yield leading_name_span(node), "function", _LIBRARY
    elif isinstance(node, n.Assign):
        yield leading_name_span(node), "property", _DECLARATION
    elif isinstance(node, n.TempAssign):
        yield Span(node.span.start, node.span.start + len(node.name) + 1), "variable", (
            _DECLARATION)
    elif isinstance(node, n.Field) and text.startswith(node.key, node.span.start):
        yield Span(node.span.start, node.span.start + len(node.key)), "property", 0
    for child in children(node):
        yield from _tokens(child, text, bound)


def _template_tokens(node: n.Template, text: str, bound: frozenset[str]
                     ) -> Iterator[tuple[Span, str, int]]:
    """The text parts of `` `a ${x} b` `` as strings (the backquotes with them, ``${`` and
    ``}`` left out), and the tokens of the inserted expressions."""
    start = node.span.start
    for part in node.parts:
        if isinstance(part, str):
            continue
        opening = text.rfind("${", start, part.span.start)
        yield Span(start, opening if opening >= 0 else part.span.start), "string", 0
        yield from _tokens(part, text, bound)
        closing = text.find("}", part.span.end, node.span.end)
        start = closing + 1 if closing >= 0 else part.span.end
    yield Span(start, node.span.end), "string", 0


def _field_tokens(analysis: Analysis, source: FieldSource
                  ) -> Iterator[tuple[int, int, int, int]]:
    """(file start, file end, type index, modifiers) of one field's tokens."""
    program = analysis.ast(source)
    if program is None:
        return
    text = source.gml.text or ""
    for span, kind, modifiers in _tokens(program, text, frozenset()):
        if span.end <= span.start:
            continue
        if kind == "variable" and modifiers == 0 and isinstance(span, Span):
            var = source.scope.resolve(text[span.start:span.end])
            if var is not None and var.kind in ("input", "builtin", "node"):
                modifiers = _READONLY
        where = file_span(source, span)
        yield where.start, where.end, _TYPE[kind], modifiers


def semantic_tokens(analysis: Analysis) -> types.SemanticTokens:
    """Every GML token of the document, encoded relative to the previous one (LSP)."""
    found: list[tuple[int, int, int, int]] = []
    for source in analysis.fields:
        found.extend(_field_tokens(analysis, source))
    found.sort()
    lines = analysis.lines
    data: list[int] = []
    previous_line = previous_char = 0
    last_end = -1
    for start, end, kind, modifiers in found:
        if start < last_end:
            continue  # tokens may not overlap
        for piece_start, piece_end in _line_pieces(analysis.text, start, end):
            begin = lines.position(piece_start)
            length = lines.position(piece_end).character - begin.character
            delta_line = begin.line - previous_line
            delta_char = begin.character - (previous_char if delta_line == 0 else 0)
            data += [delta_line, delta_char, length, kind, modifiers]
            previous_line, previous_char = begin.line, begin.character
        last_end = end
    return types.SemanticTokens(data=data)


def _line_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """A token as one piece per line (LSP tokens do not span lines): a string of a block
    scalar continues on the next lines after their indentation."""
    while True:
        newline = text.find("\n", start, end)
        if newline < 0:
            if end > start:
                yield start, end
            return
        stop = newline - 1 if newline > start and text[newline - 1] == "\r" else newline
        if stop > start:
            yield start, stop
        start = newline + 1
        while start < end and text[start] in " \t":
            start += 1
