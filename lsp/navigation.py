"""Go to definition, find references and rename, for node ids (also where GML reads them),
``defs`` types, inputs, ``vars`` variables, iteration aliases and ``flow://`` targets.
"""

from __future__ import annotations

import re
from pathlib import Path

from lsprotocol import types

from gml import Span

from ._symbols import Occurrence
from .analysis import Analysis

__all__ = ["definition", "prepare_rename", "references", "rename"]

_NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_GML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _location(analysis: Analysis, span: Span) -> types.Location:
    return types.Location(uri=analysis.uri, range=analysis.lines.range(span))


def definition(analysis: Analysis, offset: int) -> list[types.Location]:
    """Where the symbol at ``offset`` is defined (a ``flow://`` target: the called file)."""
    found = analysis.symbols.at(offset)
    if found is None:
        return []
    symbol = found.symbol
    if symbol.kind == "flow":
        project = analysis.project
        path = project.flow_path(symbol.name) if project is not None else None
        if path is None:
            return []
        start = types.Position(line=0, character=0)
        return [types.Location(uri=Path(path).resolve().as_uri(),
                               range=types.Range(start=start, end=start))]
    target = analysis.symbols.definition(symbol)
    return [_location(analysis, target.span)] if target is not None else []


def references(analysis: Analysis, offset: int, include_declaration: bool = True
               ) -> list[types.Location]:
    """Every place the symbol at ``offset`` is written."""
    found = analysis.symbols.at(offset)
    if found is None:
        return []
    return [_location(analysis, o.span) for o in analysis.symbols.of(found.symbol)
            if include_declaration or not o.definition]


def _renamable(found: Occurrence | None) -> bool:
    return found is not None and found.symbol.kind in ("node", "var", "input", "alias", "type")


def prepare_rename(analysis: Analysis, offset: int) -> types.Range | None:
    """The range of the name at ``offset``, when it can be renamed."""
    found = analysis.symbols.at(offset)
    if found is None or not _renamable(found):
        return None
    return analysis.lines.range(found.span)


def rename(analysis: Analysis, offset: int, new_name: str) -> types.WorkspaceEdit | None:
    """Rename the symbol at ``offset`` everywhere in the document, GML included.

    Raises:
        ValueError: ``new_name`` is not a valid name for it.
    """
    found = analysis.symbols.at(offset)
    if found is None or not _renamable(found):
        return None
    pattern = _NODE_ID if found.symbol.kind in ("node", "type") else _GML_NAME
    if not pattern.fullmatch(new_name):
        raise ValueError(f"'{new_name}' is not a valid name here")
    occurrences = analysis.symbols.of(found.symbol)
    if "-" in new_name and any(o.in_gml for o in occurrences):
        raise ValueError(f"'{new_name}' cannot be read in GML (no '-' in GML names)")
    edits = [types.TextEdit(range=analysis.lines.range(o.span), new_text=new_name)
             for o in occurrences]
    return types.WorkspaceEdit(changes={analysis.uri: edits})
