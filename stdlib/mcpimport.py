"""An MCP server's ``tools/list`` as ``mcp`` ToolSpecs (tools.md §6), so that ``fdl check``,
completion and hover know the tools of ``mcp://<server>/<tool>`` and their argument types.

Each listed tool becomes a ToolSpec ``mcp://<server>/<name>``: ``name`` from its title,
``desp`` from its description, ``args.in`` from the properties of its ``inputSchema``
(required ones plain, the others ``?`` or ``= default``), ``args.out`` from its
``outputSchema`` (the result is the structured content then), ``defs`` from the objects
either schema holds. The JSON Schema translation is the OpenAPI import's (`stdlib.openapi`
`Schemas`): each tool's schemas are read as a small document whose ``$defs`` are its
components, so references, combinations, enums and formats come out the same way, and what
cannot be translated exactly is reported, not dropped in silence.

Pure data in, ToolSpecs out: the listing is fetched by the adapter (`stdlib.tools.mcp`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from stdlib.openapi.load import Document
from stdlib.openapi.operations import arg_type
from stdlib.openapi.problems import OpenApiProblem
from stdlib.openapi.schemas import FIELD_NAME, Schemas, join, one_line, pascal
from stdlib.registry import DEFAULT_VERSION, ToolSpec

__all__ = ["McpImport", "import_mcp_tools"]


@dataclass(frozen=True, slots=True)
class McpImport:
    """What `import_mcp_tools` made of a listing.

    Attributes:
        tools: one valid ToolSpec per imported tool, in listing order.
        problems: what was not translated exactly (``<tool>#/pointer``: message).
    """

    tools: tuple[ToolSpec, ...]
    problems: tuple[OpenApiProblem, ...]


def _local_refs(node: Any) -> Any:
    """``#/$defs/X`` (and ``#/definitions/X``) → ``#/components/schemas/X``."""
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                for prefix in ("#/$defs/", "#/definitions/"):
                    if value.startswith(prefix):
                        value = "#/components/schemas/" + value.removeprefix(prefix)
            out[key] = _local_refs(value)
        return out
    if isinstance(node, list):
        return [_local_refs(item) for item in node]
    return node


def _components(*schemas: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for schema in schemas:
        if isinstance(schema, Mapping):
            for key in ("definitions", "$defs"):
                defs = schema.get(key)
                if isinstance(defs, Mapping):
                    found.update(defs)
    return found


def _tool_args(name: str, input_schema: Any, output_schema: Any
               ) -> tuple[dict[str, Any], dict[str, str], Document]:
    """``args`` and ``descriptions`` of one tool, and the document its problems are in."""
    inputs_raw = _local_refs(input_schema) if isinstance(input_schema, Mapping) else {}
    output_raw = _local_refs(output_schema) if isinstance(output_schema, Mapping) else None
    doc = Document({"components": {"schemas": _local_refs(_components(input_schema,
                                                                       output_schema))},
                    "input": inputs_raw, "output": output_raw})
    schemas = Schemas(doc)
    hint = pascal(name) or "Tool"
    inputs: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    shape = schemas.object_of(inputs_raw, "#/input") if inputs_raw else None
    if shape is not None:
        schemas.shape_problems(shape, "#/input")
        for arg, (node, where) in shape.properties.items():
            if not FIELD_NAME.fullmatch(arg):
                doc.problem(where, f"the argument '{arg}' is left out: FDL names are ASCII "
                            "letters, digits, _ and -")
                continue
            typed = schemas.schema(node, where, hint + pascal(arg))
            default = node.get("default") if isinstance(node, Mapping) else None
            inputs[arg] = arg_type(doc.problem, arg, typed, arg in shape.required, default,
                                   where)
            text = join(typed.description, *typed.notes)
            if text:
                descriptions[f"in.{arg}"] = text
    out: Any = None
    if output_raw is not None:
        out_shape = schemas.object_of(output_raw, "#/output")
        if out_shape is not None:
            fields, notes = schemas.fields(out_shape, "#/output", hint + "Result")
            out = fields
            descriptions.update({f"out.{k}": v for k, v in notes.items()})
        else:
            out = schemas.schema(output_raw, "#/output", hint + "Result").text
    return schemas.args_of(inputs, out, descriptions), descriptions, doc


def import_mcp_tools(server: str, tools: Iterable[Mapping[str, Any]], *,
                     version: str = DEFAULT_VERSION, tags: Sequence[str] = (),
                     tenant: str | None = None) -> McpImport:
    """Translate ``tools/list`` entries (JSON form: ``name``, ``title``, ``description``,
    ``inputSchema``, ``outputSchema``) of the server ``server`` into ``mcp`` ToolSpecs.

    A tool whose name cannot be a tool code, or whose ToolSpec is not valid, is left out
    and reported.
    """
    specs: list[ToolSpec] = []
    problems: list[OpenApiProblem] = []
    for entry in tools:
        name = str(entry.get("name", ""))
        args, descriptions, doc = _tool_args(name, entry.get("inputSchema"),
                                             entry.get("outputSchema"))
        try:
            spec = ToolSpec(type="mcp", code=f"{server}/{name}",
                            name=one_line(entry.get("title")),
                            desp=one_line(entry.get("description")), version=version,
                            tags=("mcp", server, *tags), tenant=tenant, args=args,
                            descriptions=descriptions)
            errors = [p for p in spec.problems() if p.is_error]
        except ValidationError as error:
            errors = []
            doc.problem("#", f"the tool is not imported: {error.errors()[0]['msg']}")
            spec = None
        if errors:
            doc.problem("#", "the tool is not imported: its ToolSpec is not valid ("
                        + "; ".join(str(p) for p in errors) + ")")
            spec = None
        if spec is not None:
            specs.append(spec)
        problems.extend(OpenApiProblem(f"{name}{p.pointer}", p.message)
                        for p in doc.problems.all())
    return McpImport(tuple(specs), tuple(problems))
