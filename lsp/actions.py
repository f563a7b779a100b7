"""Code actions: the quick fix of every "did you mean" diagnostic (unknown key, node,
name, field, method, function, type, tool or argument), replacing the misspelt word, and of
W214 (a single-quoted expression), rewriting the scalar in double quotes."""

from __future__ import annotations

import re

from lsprotocol import types

from gml import Span

from .analysis import Analysis
from .diagnostics import to_lsp

__all__ = ["quick_fixes", "replacement"]

_WORD = re.compile(r"\$?[A-Za-z_][\w\-]*")


def replacement(text: str, span: Span, code: str, suggestion: str) -> Span | None:
    """The part of ``text[span]`` a suggestion replaces: the misspelt word at its start, or
    for a tool (E301) the type or ``type://code`` before the options."""
    found = text[span.start:span.end]
    if code == "W214":  # the suggestion is the whole scalar, double-quoted
        return span if found.startswith("'") and found.endswith("'") else None
    if code == "E301":
        lead = len(found) - len(found.lstrip())
        body = found.strip()
        if "://" in suggestion:
            stop = body.find("?")
            return Span(span.start + lead, span.start + lead + (stop if stop >= 0
                                                                 else len(body)))
        stop = body.find("://")
        return Span(span.start + lead, span.start + lead + stop) if stop >= 0 else None
    match = _WORD.match(found)
    if match is None:
        return None
    return Span(span.start, span.start + match.end())


def quick_fixes(analysis: Analysis, start: int, end: int) -> list[types.CodeAction]:
    """A fix for each diagnostic with a suggestion that overlaps ``[start, end]``."""
    actions = []
    for diagnostic in analysis.diagnostics:
        span = diagnostic.span
        if diagnostic.suggestion is None or span.end < start or span.start > end:
            continue
        target = replacement(analysis.text, span, diagnostic.code, diagnostic.suggestion)
        if target is None:
            continue
        edit = types.TextEdit(range=analysis.lines.range(target),
                              new_text=diagnostic.suggestion)
        title = ("Use double quotes (an expression)" if diagnostic.code == "W214"
                 else f"Change to '{diagnostic.suggestion}'")
        actions.append(types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix,
            diagnostics=[to_lsp(diagnostic, analysis.lines)], is_preferred=True,
            edit=types.WorkspaceEdit(changes={analysis.uri: [edit]})))
    return actions
