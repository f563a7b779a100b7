"""Go to definition, find references and rename, for node ids (also where GML reads them),
``defs`` types, inputs, ``vars`` variables, iteration aliases, ``flow://`` targets and the
arguments of flow calls (these two, and the inputs of a called flow, across the project's
flow files: `lsp.workspace`); go to definition also from a tool call's ``exec`` and
argument names to its ToolSpec file.
"""

from __future__ import annotations

import re
from pathlib import Path

from lsprotocol import types

from gml import Span

from ._context import exec_at, tool_argument_at, tool_signature
from ._positions import LineIndex
from ._symbols import Occurrence, Symbol
from .analysis import Analysis
from .workspace import Workspace, related

__all__ = ["definition", "prepare_rename", "references", "rename", "tool_definition"]

_NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_GML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _location(analysis: Analysis, span: Span) -> types.Location:
    return types.Location(uri=analysis.uri, range=analysis.lines.range(span))


def definition(analysis: Analysis, offset: int,
               workspace: Workspace | None = None) -> list[types.Location]:
    """Where the symbol at ``offset`` is defined: a ``flow://`` target at the called file's
    ``flow`` key, the argument of a call at the called flow's input (both need
    ``workspace``; without it a target is the start of the called file)."""
    found = analysis.symbols.at(offset)
    if found is None:
        return tool_definition(analysis, offset)  # exec or an argument: the ToolSpec
    symbol = found.symbol
    target = analysis.symbols.definition(symbol)
    if target is not None:
        return [_location(analysis, target.span)]
    if symbol.kind == "flow":
        wanted, code = symbol, symbol.name
    elif symbol.kind == "argument" and symbol.owner is not None:
        wanted, code = Symbol("input", symbol.name), symbol.owner
    else:
        return []
    callee = workspace.flow(analysis, code) if workspace is not None else None
    target = callee.symbols.definition(wanted) if callee is not None else None
    if callee is not None and target is not None:
        return [_location(callee, target.span)]
    return _file_start(analysis, code) if symbol.kind == "flow" else []


def _file_start(analysis: Analysis, code: str) -> list[types.Location]:
    project = analysis.project
    path = project.flow_path(code) if project is not None else None
    if path is None:
        return []
    start = types.Position(line=0, character=0)
    return [types.Location(uri=Path(path).resolve().as_uri(),
                           range=types.Range(start=start, end=start))]


def tool_definition(analysis: Analysis, offset: int) -> list[types.Location]:
    """Go to definition from a tool call: from its ``exec`` value to the ``code`` of the
    ToolSpec that declares the tool, from an argument name in its ``args`` to that
    argument's key under ``args.in``. Nothing for a tool no file declares (one that only
    the registry holds) or an argument the spec does not list."""
    argument = tool_argument_at(analysis, offset)
    at_exec = exec_at(analysis, offset) if argument is None else None
    call = argument.node if argument is not None else at_exec[0] if at_exec else None
    catalog = analysis.catalog
    if call is None or catalog is None:
        return []
    specs = catalog.projects.tool_specs(catalog.project)
    signature = tool_signature(analysis, call)  # tool://<code>: the spec of its type
    tool_type = signature.type if signature is not None else call.exec.type
    decl = specs.find(tool_type, call.exec.code) if specs is not None else None
    if decl is None:
        return []
    span = decl.code_span if argument is None else decl.args.get(argument.name)
    if span is None:
        return []
    lines = LineIndex(decl.text, analysis.lines.encoding)
    return [types.Location(uri=decl.path.resolve().as_uri(), range=lines.range(span))]


def references(analysis: Analysis, offset: int, include_declaration: bool = True,
               workspace: Workspace | None = None) -> list[types.Location]:
    """Every place the symbol at ``offset`` is written; for a flow and the inputs of a
    called flow, in the other flow files of the project too (``workspace``)."""
    found = analysis.symbols.at(offset)
    if found is None:
        return []
    return [_location(where, o.span) for where, o in related(analysis, found.symbol, workspace)
            if include_declaration or not o.definition]


def _renamable(found: Occurrence | None) -> bool:
    return found is not None and found.symbol.kind in (
        "node", "var", "input", "alias", "type", "argument")


def prepare_rename(analysis: Analysis, offset: int) -> types.Range | None:
    """The range of the name at ``offset``, when it can be renamed."""
    found = analysis.symbols.at(offset)
    if found is None or not _renamable(found):
        return None
    return analysis.lines.range(found.span)


def rename(analysis: Analysis, offset: int, new_name: str,
           workspace: Workspace | None = None) -> types.WorkspaceEdit | None:
    """Rename the symbol at ``offset`` everywhere in the document, GML included; an input
    of a flow that other flows call also in their ``args`` (and the other way round).

    Raises:
        ValueError: ``new_name`` is not a valid name for it.
    """
    found = analysis.symbols.at(offset)
    if found is None or not _renamable(found):
        return None
    pattern = _NODE_ID if found.symbol.kind in ("node", "type") else _GML_NAME
    if not pattern.fullmatch(new_name):
        raise ValueError(f"'{new_name}' is not a valid name here")
    occurrences = related(analysis, found.symbol, workspace)
    if "-" in new_name and any(o.in_gml for _, o in occurrences):
        raise ValueError(f"'{new_name}' cannot be read in GML (no '-' in GML names)")
    changes: dict[str, list[types.TextEdit]] = {}
    for where, o in occurrences:
        changes.setdefault(where.uri, []).append(
            types.TextEdit(range=where.lines.range(o.span), new_text=new_name))
    return types.WorkspaceEdit(changes=changes)
