"""A tool catalog read from a folder of ToolSpec files (spec/tools.md §2).

Each ``*.yaml``/``*.yml``/``*.json`` file under the folder is one ToolSpec: ``type``,
``code``, ``args`` in FDL's argument syntax, and so on. A ``db`` spec describes a table;
every operation of tools.md §6 becomes a tool ``db://<table>/<operation>`` with arguments
and result types derived from the record type. The full registry (versions, tenants,
search) is a separate component; this is what the compiler needs to check calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from compiler.diagnostics import Diagnostic, Reporter
from compiler.flow import Args
from compiler.reader import _Reader
from compiler.yamltree import YamlText, YMap, YScalar, load_yaml
from gml import Source, Span
from gml.types import (
    ANY,
    INT,
    LONG,
    STRING,
    ArrayType,
    ObjectType,
    Type,
    deref,
    nullable,
)

from .argtypes import TypeResolver, is_required
from .catalog import StaticCatalog, ToolArg, ToolSignature

__all__ = ["TOOL_SUFFIXES", "db_operations", "load_tool_dir", "read_tool_spec", "tool_files"]

SPEC_KEYS = ("type", "code", "name", "desp", "version", "tags", "args", "config", "category",
             "tenant")


def _inputs(args: Args, types: TypeResolver) -> dict[str, ToolArg]:
    found: dict[str, ToolArg] = {}
    for name, decl in args.inputs.items():
        t = types.parse(decl.type) if decl.type is not None else None
        found[name] = ToolArg(name, t or ANY, is_required(t, decl.default is not None),
                              decl.description,
                              decl.default.source() if decl.default is not None else None)
    return found


def db_operations(table: str, record: Type, key: str = "id") -> list[ToolSignature]:
    """The operations of a ``db`` table (tools.md §6) as tool signatures."""
    target = deref(record)
    fields = target.fields if isinstance(target, ObjectType) else {}
    key_type = fields.get(key, ANY)
    opt_text = nullable(STRING)
    query = {"exps": ToolArg("exps", opt_text), "proj": ToolArg("proj", opt_text),
             "sort": ToolArg("sort", opt_text)}
    rows = ArrayType(record)
    page = ObjectType({"content": rows, "page": INT, "size": INT, "totalElements": LONG,
                       "totalPages": INT}, closed=True)

    def op(name: str, inputs: Mapping[str, ToolArg], out: Type, open_args: bool = False
           ) -> ToolSignature:
        return ToolSignature("db", f"{table}/{name}", dict(inputs), out,
                             f"{name} on table {table}", open_args)

    return [
        op("init", {}, ANY),
        op("drop", {}, ANY),
        op("take", {key: ToolArg(key, key_type, True)}, nullable(record)),
        op("list", {**query, "size": ToolArg("size", nullable(INT))}, rows, True),
        op("page", {**query, "page": ToolArg("page", nullable(INT)),
                    "size": ToolArg("size", nullable(INT))}, page, True),
        op("stream", query, rows, True),
        op("count", {"exps": query["exps"]}, LONG, True),
        op("create", {"data": ToolArg("data", record, True)}, record),
        op("modify", {"data": ToolArg("data", record, True)}, record),
        op("save", {"data": ToolArg("data", record, True)}, record),
        op("delete", {key: ToolArg(key, key_type, True)}, ObjectType({"deleted": INT})),
        op("bulk", {"dataList": ToolArg("dataList", ArrayType(record), True)},
           ObjectType({"saved": INT})),
        op("native", {"query": ToolArg("query", STRING, True),
                      "params": ToolArg("params", ANY)}, ArrayType(ANY)),
    ]


def read_tool_spec(text: str, path: str) -> tuple[list[ToolSignature], list[Diagnostic]]:
    """The tools one ToolSpec file declares, and the problems found in it."""
    reporter = Reporter(path, Source(text))
    yaml = YamlText(text)
    root = load_yaml(text, reporter)
    if not isinstance(root, YMap):
        if root is not None:
            reporter.report("E105", "a ToolSpec is a mapping with type, code and args",
                            root.span)
        return [], reporter.sorted()
    reader = _Reader(yaml, reporter)
    for spec_key, _ in root:
        if spec_key.value not in SPEC_KEYS:
            reader.unknown_key(spec_key, "the ToolSpec", SPEC_KEYS)
    values: dict[str, str] = {}
    for name in ("type", "code"):
        node = root.get(name)
        if isinstance(node, YScalar) and node.kind == "str" and str(node.value).strip():
            values[name] = str(node.value).strip()
        else:
            reporter.report("E105", f"a ToolSpec needs '{name}' (text)",
                            node.span if node is not None else Span(0, 0))
    args_node = root.get("args")
    args = reader.args(args_node) if args_node is not None else Args.model_construct(
        inputs={}, out=None, defs={})
    types = TypeResolver(args.defs, reporter)
    if "type" not in values or "code" not in values:
        return [], reporter.sorted()
    desp = root.get("desp")
    description = str(desp.value) if isinstance(desp, YScalar) else None
    out = types.shape(args.out) if args.out is not None else ANY
    if values["type"] == "db":
        config = root.get("config")
        key_node = config.get("key") if isinstance(config, YMap) else None
        key = str(key_node.value) if isinstance(key_node, YScalar) else "id"
        return db_operations(values["code"], out, key), reporter.sorted()
    signature = ToolSignature(values["type"], values["code"], _inputs(args, types), out,
                              description)
    return [signature], reporter.sorted()


TOOL_SUFFIXES = (".yaml", ".yml", ".json")
"""The suffixes of ToolSpec files."""


def tool_files(folder: Path) -> list[Path]:
    """The ToolSpec files under ``folder``, in the order they are read (a later file
    declaring the same tool wins)."""
    return sorted(p for p in folder.rglob("*") if p.suffix in TOOL_SUFFIXES and p.is_file())


def load_tool_dir(folder: Path) -> tuple[StaticCatalog, list[Diagnostic]]:
    """Every ToolSpec under ``folder`` as a catalog, with the problems found in the files."""
    tools: list[ToolSignature] = []
    problems: list[Diagnostic] = []
    for path in tool_files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reporter = Reporter(str(path), Source(""))
            reporter.report("E101", f"cannot read the ToolSpec: {error}", Span(0, 0))
            problems.extend(reporter.diagnostics)
            continue
        found, diagnostics = read_tool_spec(text, str(path))
        tools.extend(found)
        problems.extend(diagnostics)
    return StaticCatalog(tools, types=("api", "db", "flow", "mcp", "agent", "svc", "oss", "mq",
                                       "mail", "sms")), problems



