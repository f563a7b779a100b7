"""Compiler diagnostics → LSP diagnostics (pure: an analysis in, protocol values out).

Every diagnostic keeps its code and exact range (inside GML too, the compiler already maps
GML ranges into the file); a "did you mean" suggestion travels in ``data`` so that the
code action for it needs nothing but the diagnostic the client sends back.
"""

from __future__ import annotations

from lsprotocol import types

from compiler import Diagnostic

from ._positions import LineIndex

__all__ = ["SOURCE", "to_lsp", "to_lsp_all"]

SOURCE = "fdl"


def to_lsp(diagnostic: Diagnostic, lines: LineIndex) -> types.Diagnostic:
    """One compiler diagnostic as the protocol's."""
    severity = (types.DiagnosticSeverity.Error if diagnostic.is_error
                else types.DiagnosticSeverity.Warning)
    data = {"suggestion": diagnostic.suggestion} if diagnostic.suggestion else None
    tags = [types.DiagnosticTag.Unnecessary] if diagnostic.code == "E205" else None
    return types.Diagnostic(range=lines.range(diagnostic.span), message=diagnostic.message,
                            severity=severity, code=diagnostic.code, source=SOURCE,
                            data=data, tags=tags)


def to_lsp_all(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic],
               lines: LineIndex) -> list[types.Diagnostic]:
    """Every diagnostic of a file, in file order."""
    return [to_lsp(d, lines) for d in diagnostics]
