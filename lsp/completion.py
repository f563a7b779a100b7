"""Completion: keys valid for the node's kind, ``exec`` URIs from the catalog (the flow itself
left out), tool argument names in ``args`` (those not given yet, also at an empty value and
after ``, ``), node ids in ``next``/``then``/``else``/``fail`` (same block only), types
in ``args``, and in GML the names in scope, fields after ``.`` (from the inferred or
declared type) and the built-in functions and methods of the receiver's type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from lsprotocol import types

import gml
import gml.builtins as builtins
from compiler import BUILTIN_INPUTS, FieldSource
from compiler.catalog import TOOL_SCHEME, resolve_tool
from compiler.flow import ToolCall
from compiler.kinds import (
    ARGS_KEYS,
    CASE_KEYS,
    COMMON_KEYS,
    FLOW_KEYS,
    KEY_DOCS,
    KIND_KEYS,
    NODE_KEYS,
)
from compiler.yamltree import YMap
from gml import nodes as n
from gml.builtins import Builtin
from gml.types import (
    ANY,
    DATE,
    PRIMITIVES,
    ArrayType,
    MapType,
    ObjectType,
    Type,
    deref,
    strip_null,
    type_kind,
)
from gml.values import DATE_PARTS

from ._catalog import ToolSummary
from ._context import (
    PLACEHOLDER,
    LineContext,
    assigned_names,
    close_statement,
    line_context,
    map_offset,
    statement_prefix,
    tool_signature,
    yaml_context,
)
from ._gmlindex import chain_at, check_field, text_offset, walk
from ._positions import position_in
from ._text import type_label
from ._yamlindex import Path
from .analysis import Analysis
from .hover import tool_markdown

__all__ = ["TOOLS_LISTED", "complete", "resolve"]

_T = TypeVar("_T")

TOOLS_LISTED = 500
"""The most tools an ``exec:`` completion sends (a registry may hold ten thousand)."""

_TARGET_KEYS = frozenset({"next", "then", "else", "fail"})
_GML_KEYS = frozenset({"with", "when", "only", "args", "sets", "vars", "each", "wait"})
_WORD = re.compile(r"\$?[A-Za-z_\u0080-\U0010ffff][\w]*$")
_TYPE_WORD = re.compile(r"[A-Za-z_][\w\-]*$")


def complete(analysis: Analysis, text: str, offset: int, *,
             tools_listed: int = TOOLS_LISTED) -> types.CompletionList:
    """Completion items at ``offset`` of the current ``text`` (``analysis`` may be of an
    earlier text). ``exec:`` values list at most ``tools_listed`` tools: those whose URI
    holds the typed text, marked incomplete, so the editor asks again as you type."""
    found = _complete(analysis, text, offset, tools_listed)
    if isinstance(found, types.CompletionList):
        return found
    return types.CompletionList(is_incomplete=False, items=found)


def _complete(analysis: Analysis, text: str, offset: int, tools_listed: int
              ) -> list[types.CompletionItem] | types.CompletionList:
    old = map_offset(analysis.text, text, offset)
    context = line_context(text, offset)
    source = analysis.field_at(old)
    if source is not None and _inside(analysis, source, old, context):
        return _gml(analysis, source, _gml_prefix(text, offset, context), old,
                    after=_rest_of_line(text, offset))
    if context.kind == "key":
        path = yaml_context(analysis.yaml, analysis.text, old, context.indent)
        return _keys(analysis, path) if path is not None else []
    if context.kind == "value":
        path = yaml_context(analysis.yaml, analysis.text, old, context.indent)
        if path is None:
            return []
        key_path = (*path, context.key)
        if len(key_path) >= 3 and key_path[-3] == "node" and context.key == "exec":
            return _tools(analysis, context, text, offset, tools_listed)
        return _value(analysis, key_path, context, text, offset, old)
    return []


def _rest_of_line(text: str, offset: int) -> str:
    end = text.find("\n", offset)
    return text[offset:] if end < 0 else text[offset:end]


def _inside(analysis: Analysis, source: FieldSource, old: int, context: LineContext) -> bool:
    """Whether the cursor is in the field's text (not on a key line after a block)."""
    entry = analysis.yaml.value_at(old)
    if entry is None:
        return True
    key_line = analysis.lines.line_of(entry.key.span.start)
    if analysis.lines.line_of(old) == key_line:
        return context.kind == "value"
    key_column = entry.key.span.start - analysis.lines.starts[key_line]
    return context.indent > key_column


def _gml_prefix(text: str, offset: int, context: LineContext) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    if context.kind == "value":
        value = context.value
        if value[:1] in ("'", '"'):
            value = value[1:]
        return value
    return text[line_start:offset].lstrip()


# ---------------------------------------------------------------------- keys


def _item(label: str, kind: types.CompletionItemKind, detail: str | None = None,
          doc: str | None = None, insert: str | None = None, sort: str | None = None,
          edit: types.TextEdit | None = None) -> types.CompletionItem:
    documentation = (types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc)
                     if doc else None)
    return types.CompletionItem(label=label, kind=kind, detail=detail,
                                documentation=documentation, insert_text=insert,
                                sort_text=sort, text_edit=edit)


def _allowed_keys(analysis: Analysis, path: Path) -> Iterable[str]:
    if path == ():
        return ("flow",)
    if path == ("flow",):
        return FLOW_KEYS
    if path == ("flow", "args"):
        return ARGS_KEYS
    if len(path) >= 2 and isinstance(path[-1], int) and path[-2] == "case":
        return CASE_KEYS
    if len(path) >= 2 and path[-2] == "node" and isinstance(path[-1], str):
        node = analysis.nodes.get(path[-1])
        if node is not None:
            return COMMON_KEYS + KIND_KEYS[node.kind]
        return sorted(NODE_KEYS)
    return ()


def _keys(analysis: Analysis, path: Path) -> list[types.CompletionItem]:
    mapping = analysis.yaml.get(path)
    present = set(mapping.keys()) if isinstance(mapping, YMap) else set()
    return [_item(key, types.CompletionItemKind.Property, doc=KEY_DOCS.get(key),
                  insert=f"{key}: ") for key in _allowed_keys(analysis, path)
            if key not in present]


# ---------------------------------------------------------------------- values


def _value(analysis: Analysis, path: Path, context: LineContext, text: str, offset: int,
           old: int) -> list[types.CompletionItem]:
    key = path[-1]
    if (key in _TARGET_KEYS and len(path) >= 3 and path[-3] == "node") or (
            key == "then" and len(path) >= 5 and path[-3] == "case" and path[-5] == "node"):
        return _targets(analysis, path, context)
    if path[:2] == ("flow", "args") and len(path) >= 4:
        return _types(analysis, context, offset)
    source = analysis.field_at(old) if key in _GML_KEYS or path[:3] == (
        "flow", "args", "in") else None
    if source is not None:
        return _gml(analysis, source, _gml_prefix(text, offset, context), old,
                    after=_rest_of_line(text, offset))
    if key == "args" and len(path) >= 3 and path[-3] == "node" and isinstance(path[-2], str):
        return _unparsed_arguments(analysis, path[-2], context.value,
                                   _rest_of_line(text, offset))
    return []


def _unparsed_arguments(analysis: Analysis, node_id: str, before: str, after: str
                        ) -> list[types.CompletionItem]:
    """The arguments of the tool a node calls, at an ``args:`` value the analysis has no
    program for: an empty value (YAML null) or one that does not parse yet (``id = x, ``).
    Offered where an argument name goes (not after ``name =``), without those given."""
    statement = statement_prefix(before)
    if statement is None or "=" in statement:
        return []
    given = [*assigned_names(before), *assigned_names(after, skip_first=True)]
    return _tool_arguments(analysis, node_id, given)


def _tools(analysis: Analysis, context: LineContext, text: str, offset: int, listed: int
           ) -> types.CompletionList:
    catalog = analysis.catalog
    if catalog is None:
        return types.CompletionList(is_incomplete=False, items=[])
    encoding = analysis.lines.encoding
    edit_range = types.Range(start=position_in(text, context.value_start, encoding),
                             end=position_in(text, offset, encoding))
    tools = catalog.summaries()
    itself = analysis.flow_code  # a flow never calls itself (F412 at run time)
    names = [name for name in catalog.codes("flow") if name != itself]
    tools = [t for t in tools if not (t.type == "flow" and t.code == itself)]
    flows = [f"flow://{name}" for name in names]
    if text[context.value_start:offset].strip().lower().startswith(f"{TOOL_SCHEME}:"):
        tools = _by_code(tools)  # tool://<code>: every code, whatever its type
        flows = [f"{TOOL_SCHEME}://{name}" for name in names]
    incomplete = len(tools) + len(flows) > listed  # a big registry: what was typed decides
    if incomplete:
        typed = text[context.value_start:offset].strip().lower()
        tools = _matching(tools, lambda t: t.uri, typed)[:listed]
        flows = _matching(flows, lambda uri: uri, typed)[:max(0, listed - len(tools))]
    items = [_tool_item(tool, edit_range, analysis.uri) for tool in tools]
    items += [_item(uri, types.CompletionItemKind.Module, "a flow of the project",
                    edit=types.TextEdit(range=edit_range, new_text=uri)) for uri in flows]
    if incomplete:  # keep this order: the editor would sort a partial list by label
        for rank, item in enumerate(items):
            item.sort_text = f"{rank:05d}"
    return types.CompletionList(is_incomplete=incomplete, items=items)


def _by_code(tools: list[ToolSummary]) -> list[ToolSummary]:
    """The tools as ``tool://<code>`` (tools.md §1), each code once."""
    found: dict[str, ToolSummary] = {}
    for tool in tools:
        found.setdefault(tool.code, ToolSummary(TOOL_SCHEME, tool.code, tool.description,
                                                tool.signature))
    return list(found.values())


def _matching(found: list[_T], uri: Callable[[_T], str], typed: str) -> list[_T]:
    """Those whose URI holds ``typed`` (lower case): where it appears earliest first,
    then by URI."""
    ranked = []
    for one in found:
        text = uri(one).lower()
        at = text.find(typed)
        if at >= 0:
            ranked.append((at, text, one))
    ranked.sort(key=lambda entry: entry[:2])
    return [one for _at, _text, one in ranked]


def _tool_item(tool: ToolSummary, edit_range: types.Range, document: str
               ) -> types.CompletionItem:
    """A tool's URI; its argument table now when its signature was read (a ToolSpec
    file), else when the client resolves the item (`resolve`: a registry tool)."""
    item = _item(tool.uri, types.CompletionItemKind.Function, tool.description,
                 tool_markdown(tool.signature) if tool.signature is not None else None,
                 edit=types.TextEdit(range=edit_range, new_text=tool.uri))
    if tool.signature is None:
        item.data = {"document": document, "type": tool.type, "code": tool.code}
    return item


def resolve(item: types.CompletionItem, analysis: Analysis | None) -> types.CompletionItem:
    """Fill in the documentation of a tool's item (`_tool_item`) from the catalog of the
    document it was offered in; other items come back as they are."""
    data = item.data if isinstance(item.data, dict) else {}
    catalog = analysis.catalog if analysis is not None else None
    if catalog is None or item.documentation is not None or "code" not in data:
        return item
    signature = resolve_tool(catalog, str(data.get("type")), str(data["code"]))
    if signature is not None:
        item.documentation = types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                 value=tool_markdown(signature))
    return item


def _targets(analysis: Analysis, path: Path, context: LineContext
             ) -> list[types.CompletionItem]:
    """Node ids of the block holding the node whose ``path`` (``node.<id>.next`` or
    ``node.<id>.case[i].then``) is typed, but that node's own."""
    if isinstance(path[-2], int):  # case[i].then: the switch node is three levels up
        node_id, block_path = path[-4], path[:-4]
    else:
        node_id, block_path = path[-2], path[:-2]
    block = analysis.yaml.get(block_path)
    if not isinstance(block, YMap):
        return []
    given = {part.strip() for part in context.value.split(",")}
    items = []
    for key, _ in block:
        name = str(key.value)
        if name == node_id or name in given:
            continue
        node = analysis.nodes.get(name)
        detail = node.kind if node is not None else None
        items.append(_item(name, types.CompletionItemKind.Reference, detail,
                           doc=node.desp if node is not None else None))
    return items


def _types(analysis: Analysis, context: LineContext, offset: int
           ) -> list[types.CompletionItem]:
    del offset
    if "=" in context.value:
        return []
    names = [p for p in PRIMITIVES if p != "null"]
    items = [_item(p, types.CompletionItemKind.TypeParameter, "type") for p in names]
    flow = analysis.flow
    defs = list(flow.args.defs) if flow is not None else []
    if not defs:
        defs_node = analysis.yaml.get(("flow", "args", "defs"))
        defs = defs_node.keys() if isinstance(defs_node, YMap) else []
    items += [_item(d, types.CompletionItemKind.Struct, "defs type") for d in defs]
    items.append(_item("map<>", types.CompletionItemKind.TypeParameter, "map<T>",
                       insert="map<"))
    return items


# ---------------------------------------------------------------------- GML


def _builtin_item(builtin: Builtin, kind: types.CompletionItemKind, receiver: str | None
                  ) -> types.CompletionItem:
    signature = builtin.signature if receiver is None else f"{receiver}.{builtin.signature}"
    return _item(builtin.name, kind, signature, builtin.doc)


def _unique(table: Iterable[Builtin]) -> list[Builtin]:
    seen: dict[int, Builtin] = {}
    for builtin in table:
        seen.setdefault(id(builtin), builtin)
    return list(seen.values())


def _members(t: Type) -> list[types.CompletionItem]:
    target = deref(strip_null(t))
    items: list[types.CompletionItem] = []
    element = target.element if isinstance(target, ArrayType) else None
    fields_of = deref(strip_null(element)) if element is not None else target
    if isinstance(fields_of, ObjectType):
        for name, field_type in fields_of.fields.items():
            items.append(_item(name, types.CompletionItemKind.Field, type_label(field_type)))
    if target == DATE:
        items += [_item(p, types.CompletionItemKind.Field, "int") for p in DATE_PARTS]
    kind = type_kind(target)
    if target == ANY or (isinstance(target, MapType) and kind is None):
        tables = list(builtins.METHODS.items())
    else:
        tables = ([(kind, builtins.METHODS[kind])] if kind is not None and kind in builtins.METHODS
                  else [])
    seen: set[str] = set()
    for table_kind, table in tables:
        for builtin in _unique(table.values()):
            if builtin.name not in seen:
                seen.add(builtin.name)
                items.append(_builtin_item(builtin, types.CompletionItemKind.Method,
                                           table_kind))
    return items


def _repaired(source: FieldSource, prefix_text: str, statement: str) -> n.Program | None:
    """The program made of the field's earlier lines and the completed statement."""
    completed = close_statement(statement)
    for candidate in (f"{prefix_text}\n{completed}" if prefix_text.strip() else None,
                      completed):
        if candidate is None:
            continue
        try:
            return gml.parse(candidate)
        except gml.GmlError:
            continue
    return None


def _placeholder(program: n.Program) -> tuple[n.Node | None, list[n.Node]]:
    for node in _walk_all(program):
        if isinstance(node, n.Member | n.Name) and getattr(node, "name", None) == PLACEHOLDER:
            return node, chain_at(program, node.span.start)
    return None, []


def _walk_all(program: n.Program) -> list[n.Node]:
    return list(walk(program))


def _gml(analysis: Analysis, source: FieldSource, before: str, old: int, *, after: str = ""
         ) -> list[types.CompletionItem]:
    statement = statement_prefix(before)
    if statement is None:
        return []  # inside a string
    word_match = _WORD.search(statement)
    word = word_match.group() if word_match else ""
    head = statement[: len(statement) - len(word)]
    field_text = source.gml.text or ""
    line_offset = text_offset(source, old)
    earlier = field_text[: field_text.rfind("\n", 0, line_offset) + 1] if (
        "\n" in field_text[:line_offset]) else ""
    if head.endswith(".") and not word.startswith("$"):
        program = _repaired(source, earlier, head + PLACEHOLDER)
        if program is None:
            return []
        node, _chain = _placeholder(program)
        if not isinstance(node, n.Member):
            return []
        checked = check_field(FieldSource(source.key, source.gml, source.scope, False,
                                          source.reader), program)
        return _members(checked.types.get(id(node.obj), ANY))
    program = _repaired(source, earlier, head + PLACEHOLDER)
    chain = _placeholder(program)[1] if program is not None else []
    given = [*assigned_names(earlier + before[:len(before) - len(statement)]),
             *assigned_names(after, skip_first=True)]
    return _names(analysis, source, program, chain, word, at_start=not head.strip(),
                  given=given)


def _names(analysis: Analysis, source: FieldSource, program: n.Program | None,
           chain: list[n.Node], word: str, at_start: bool, given: list[str] | None = None
           ) -> list[types.CompletionItem]:
    """Names in scope, functions and keywords; at the start of a statement of a tool's
    ``args``, first the tool's arguments not yet ``given`` (before or after the cursor)."""
    items: list[types.CompletionItem] = []
    temps: list[str] = []
    fields: list[str] = []
    if program is not None:
        for stmt in program.statements:
            if isinstance(stmt, n.TempAssign):
                temps.append(stmt.name)
            elif isinstance(stmt, n.Assign) and stmt is not program.statements[-1]:
                fields.append(stmt.name)  # the last statement is the one being typed
    if word.startswith("$"):
        return [_item(f"${t}", types.CompletionItemKind.Variable, "temporary")
                for t in dict.fromkeys(temps)]
    if at_start and source.key.endswith(".args") and source.reader is not None:
        items += _tool_arguments(analysis, source.reader, [*fields, *(given or ())])
    for node in chain:
        if isinstance(node, n.Lambda):
            items += [_item(p, types.CompletionItemKind.Variable, "lambda parameter",
                            sort="0" + p) for p in node.params]
    for name in dict.fromkeys(fields):
        items.append(_item(name, types.CompletionItemKind.Field, "field of this program"))
    for name, var in source.scope.declared().items():
        detail = f"{var.kind}: {type_label(var.type)}"
        kind = (types.CompletionItemKind.Reference if var.kind == "node"
                else types.CompletionItemKind.Variable)
        items.append(_item(name, kind, detail, sort="1" + name))
    items.append(_item("now", types.CompletionItemKind.Constant, "date"))
    for keyword in ("true", "false", "null", "this"):
        items.append(_item(keyword, types.CompletionItemKind.Keyword, sort="9" + keyword))
    functions = gml.default_environment().functions.values()
    items += [_builtin_item(b, types.CompletionItemKind.Function, None)
              for b in _unique(functions)]
    return items


def _tool_arguments(analysis: Analysis, node_id: str, given: list[str]
                    ) -> list[types.CompletionItem]:
    node = analysis.nodes.get(node_id)
    signature = tool_signature(analysis, node) if isinstance(node, ToolCall) else None
    if signature is None:
        return []
    items = []
    for name, arg in signature.inputs.items():
        if name in given or name in BUILTIN_INPUTS:
            continue
        required = "required" if arg.required else "optional"
        items.append(_item(name, types.CompletionItemKind.Property,
                           f"{arg.type} ({required})", arg.description, insert=f"{name} = ",
                           sort="0" + name))
    return items
