"""Hover: node summaries (kind, inferred output type), tools (description and argument
table), built-in functions and methods (signature and doc), the inferred type of a GML
expression, and the descriptions written as YAML comments on ``args`` lines.
"""

from __future__ import annotations

from lsprotocol import types

import gml
import gml.builtins as builtins
from compiler import FieldSource, ToolSignature
from compiler.flow import ToolCall
from compiler.kinds import KEY_DOCS, KIND_LABELS
from gml import Span
from gml import nodes as n
from gml.types import ANY, ObjectType, Type, deref, type_kind

from ._context import ToolArgument, exec_at, tool_argument_at, tool_signature
from ._gmlindex import chain_at, file_span, leading_name_span, member_name_span, text_offset
from ._symbols import Occurrence, Symbol
from ._text import code_block
from .analysis import Analysis

__all__ = ["hover", "node_markdown", "tool_markdown"]


def tool_markdown(signature: ToolSignature) -> str:
    """A tool's description, argument table and result type."""
    lines = [f"**{signature.uri}**"]
    if signature.description:
        lines += ["", signature.description]
    if signature.inputs:
        lines += ["", "| argument | type | required | description |", "|---|---|---|---|"]
        for name, arg in signature.inputs.items():
            lines.append(f"| `{name}` | `{arg.type}` | {'yes' if arg.required else 'no'} | "
                         f"{(arg.description or '').replace('|', '/')} |")
    if signature.open_arguments:
        lines += ["", "Accepts further arguments."]
    lines += ["", f"returns `{signature.out}`"]
    return "\n".join(lines)


def node_markdown(analysis: Analysis, node_id: str) -> str:
    """A node's kind, name, description and inferred output type."""
    node = analysis.nodes[node_id]
    lines = [f"**{node_id}** — {KIND_LABELS[node.kind]} node"]
    if node.name:
        lines += ["", node.name]
    if node.desp:
        lines += ["", node.desp]
    if isinstance(node, ToolCall):
        lines += ["", f"calls `{node.exec.text}`"]
    if node.kind not in ("branch", "switch"):
        lines += ["", code_block(f"{node_id}: {analysis.output_type(node_id)}", "gml")]
    return "\n".join(lines)


def _symbol_markdown(analysis: Analysis, symbol: Symbol) -> str | None:
    flow = analysis.flow
    if symbol.kind == "node" and symbol.name in analysis.nodes:
        return node_markdown(analysis, symbol.name)
    if symbol.kind == "input" and flow is not None and symbol.name in flow.args.inputs:
        decl = flow.args.inputs[symbol.name]
        t = _var_type(analysis, symbol)
        text = code_block(f"input {symbol.name}: {t}", "gml")
        if decl.default is not None:
            text += f"\n\ndefault: `{decl.default}`"
        return text + (f"\n\n{decl.description}" if decl.description else "")
    if symbol.kind in ("var", "alias"):
        what = "variable" if symbol.kind == "var" else "iteration variable"
        where = f" of `{symbol.owner}`" if symbol.owner else ""
        return code_block(f"{symbol.name}: {_var_type(analysis, symbol)}", "gml") + (
            f"\n\n{what}{where}")
    if symbol.kind == "type" and analysis.flow is not None:
        t = deref(analysis.inspection.defs.get(symbol.name, ANY))
        if isinstance(t, ObjectType):
            body = "\n".join(f"    {k}: {v}" for k, v in t.fields.items())
            return code_block(f"type {symbol.name}:\n{body}", "gml")
        return code_block(f"type {symbol.name} = {t}", "gml")
    if symbol.kind == "flow" and analysis.catalog is not None:
        signature = analysis.catalog.lookup("flow", symbol.name)
        return tool_markdown(signature) if signature is not None else None
    return None


def _var_type(analysis: Analysis, symbol: Symbol) -> Type:
    inspection = analysis.inspection
    scopes = [inspection.scopes.get(symbol.owner), *inspection.node_scopes.values(),
              *inspection.scopes.values()]
    for scope in scopes:
        if scope is None:
            continue
        var = scope.resolve(symbol.name)
        if var is not None and (symbol.kind != "var" or var.owner == symbol.owner):
            return var.type
    return ANY


def _builtin(builtin: builtins.Builtin, receiver: str | None) -> str:
    signature = builtin.signature if receiver is None else f"{receiver}.{builtin.signature}"
    return code_block(signature, "gml") + f"\n\n{builtin.doc}"


def _gml_hover(analysis: Analysis, source: FieldSource, offset: int
               ) -> tuple[str, Span] | None:
    program = analysis.ast(source)
    checked = analysis.checked(source)
    if program is None or checked is None:
        return None
    at = text_offset(source, offset)
    text = source.gml.text or ""
    chain = chain_at(program, at)
    for node in reversed(chain):
        if isinstance(node, n.Call):
            name_span = leading_name_span(node)
            if name_span.start <= at <= name_span.end:
                builtin = gml.default_environment().functions.get(node.name.upper())
                if builtin is not None:
                    return _builtin(builtin, None), file_span(source, name_span)
        if isinstance(node, n.MethodCall):
            name_span = member_name_span(text, node)
            if name_span.start <= at <= name_span.end:
                kind = type_kind(checked.types.get(id(node.obj), ANY))
                tables = ([builtins.METHODS[kind]] if kind is not None and kind in builtins.METHODS
                          else list(builtins.METHODS.values()))
                for table in tables:
                    if node.name in table:
                        return (_builtin(table[node.name], kind or "any"),
                                file_span(source, name_span))
        if isinstance(node, n.Expr) and id(node) in checked.types:
            shown = " ".join(text[node.span.start:node.span.end].split())
            if len(shown) > 60:
                shown = shown[:57] + "..."
            return (code_block(f"{shown}: {checked.types[id(node)]}", "gml"),
                    file_span(source, node.span))
    return None


def _argument(analysis: Analysis, argument: ToolArgument) -> str | None:
    """The description of a tool argument named in ``args``."""
    signature = tool_signature(analysis, argument.node)
    name = argument.name
    if signature is None or name not in signature.inputs:
        return None
    arg = signature.inputs[name]
    text = code_block(f"{name}: {arg.type}", "gml")
    text += f"\n\nargument of `{signature.uri}` ({'required' if arg.required else 'optional'})"
    return text + (f"\n\n{arg.description}" if arg.description else "")


def _markdown(value: str, analysis: Analysis, span: Span) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                    value=value),
                       range=analysis.lines.range(span))


def hover(analysis: Analysis, offset: int) -> types.Hover | None:
    """What to show for the position ``offset``."""
    occurrence: Occurrence | None = analysis.symbols.at(offset)
    if occurrence is not None and occurrence.symbol.kind != "flow":
        shown = _symbol_markdown(analysis, occurrence.symbol)
        if shown is not None:
            return _markdown(shown, analysis, occurrence.span)
    argument = tool_argument_at(analysis, offset)
    if argument is not None:
        described = _argument(analysis, argument)
        if described is not None:
            return _markdown(described, analysis, argument.span)
    source = analysis.field_at(offset)
    if source is not None:
        found = _gml_hover(analysis, source, offset)
        if found is not None:
            return _markdown(found[0], analysis, found[1])
    call = exec_at(analysis, offset)
    if call is not None:
        signature = tool_signature(analysis, call[0])
        if signature is not None:
            return _markdown(tool_markdown(signature), analysis, call[1])
    key = analysis.yaml.key_at(offset)
    if key is not None:
        name = str(key.key.value)
        if len(key.path) >= 2 and key.path[-2] == "in" and key.path[:2] == ("flow", "args"):
            shown = _symbol_markdown(analysis, Symbol("input", name))
            if shown is not None:
                return _markdown(shown, analysis, key.key.span)
        if name in KEY_DOCS and not (len(key.path) >= 2 and key.path[-2] == "node"):
            return _markdown(f"**{name}** — {KEY_DOCS[name]}", analysis, key.key.span)
    return None
