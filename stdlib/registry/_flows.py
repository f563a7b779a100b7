"""A flow as a tool (spec/tools.md §2, "A flow is also a tool"): the ToolSpec document of a
flow, from its model, its compiled plan or its file.

The flow's ``args`` are written back in FDL's argument syntax as they were declared (type
texts, ``type = default``, bare defaults), with their comments as descriptions, so the
flow's tool is checked by the same reader as any other ToolSpec. A compiled plan without
its source text is written from its signature as a tool (`compiler.Plan.as_tool`), which
reads back as the same signature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compiler import check_text, parse_text
from compiler.flow import ArgDecl, Args, Flow, TypeText
from compiler.plan import Plan
from gml.types import ObjectType, Type, deref

from ._problems import SpecProblem, ToolSpecError

__all__ = ["flow_document", "raw_decl", "raw_shape", "slug"]

_SLUG = re.compile(r"[^A-Za-z0-9_.\-]+")


def slug(text: str) -> str:
    """A code made from a name (``Customer view`` → ``customer-view``)."""
    return _SLUG.sub("-", text).strip("-").lower() or "flow"


def raw_decl(decl: ArgDecl) -> Any:
    """One ``args`` entry as it would be written (``string``, ``int = 5``, ``50``)."""
    if decl.type is not None and decl.default is not None:
        return f"{decl.type.text} = {decl.default.text}"
    if decl.type is not None:
        return decl.type.text
    if decl.default is not None:
        return decl.default.literal if decl.default.is_literal else decl.default.text
    return None


def raw_shape(shape: Mapping[str, ArgDecl] | TypeText) -> Any:
    """An ``out`` or ``defs`` entry as written."""
    if isinstance(shape, Mapping):
        return {name: raw_decl(decl) for name, decl in shape.items()}
    return shape.text


def _raw_args(args: Args) -> tuple[dict[str, Any], dict[str, str]]:
    raw: dict[str, Any] = {}
    descriptions: dict[str, str] = {}
    if args.defs:
        raw["defs"] = {name: raw_shape(shape) for name, shape in args.defs.items()}
        for name, shape in args.defs.items():
            if isinstance(shape, Mapping):
                descriptions.update({f"defs.{name}.{f}": d.description
                                     for f, d in shape.items() if d.description})
    if args.inputs:
        raw["in"] = {name: raw_decl(decl) for name, decl in args.inputs.items()}
        descriptions.update({f"in.{n}": d.description for n, d in args.inputs.items()
                             if d.description})
    if args.out is not None:
        raw["out"] = raw_shape(args.out)
        if isinstance(args.out, Mapping):
            descriptions.update({f"out.{f}": d.description for f, d in args.out.items()
                                 if d.description})
    return raw, descriptions


def _type_text(t: Type) -> Any:
    target = deref(t)
    if isinstance(target, ObjectType) and target.name is None:
        return {name: str(field) for name, field in target.fields.items()}
    return str(t)


def _plan_args(plan: Plan, code: str) -> tuple[dict[str, Any], dict[str, str]]:
    """``args`` rebuilt from a plan without its source text: the inputs and ``out`` of its
    signature as a tool (`Plan.as_tool`, what callers of the flow are checked against),
    each input written ``type = default`` (``type`` without one), and its ``defs``."""
    raw: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for name, t in plan.defs.items():
        target = deref(t)
        defs[name] = ({f: str(ft) for f, ft in target.fields.items()}
                      if isinstance(target, ObjectType) else str(target))
    if defs:
        raw["defs"] = defs
    signature = plan.as_tool(code)
    inputs: dict[str, Any] = {}
    descriptions: dict[str, str] = {}
    for name, arg in signature.inputs.items():
        inputs[name] = str(arg.type) if arg.default is None else f"{arg.type} = {arg.default}"
        if arg.description:
            descriptions[f"in.{name}"] = arg.description
    if inputs:
        raw["in"] = inputs
    if plan.out is not None:
        raw["out"] = _type_text(signature.out)
    return raw, descriptions


def flow_document(flow: Plan | Flow | str | Path, code: str | None) -> dict[str, Any]:
    """The ToolSpec fields of a flow: type ``flow``, code, name, desp, args, descriptions.

    Raises:
        ToolSpecError: a flow file that cannot be read or does not compile.
    """
    path: str | None = None
    model: Flow | None = None
    if isinstance(flow, str | Path):
        path = str(flow)
        try:
            text = Path(flow).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ToolSpecError([SpecProblem("", f"cannot read the flow: {reason}", "E101",
                                             path=path)]) from None
        result = check_text(text, path)
        if result.errors or result.flow is None:
            raise ToolSpecError([SpecProblem("", d.message, d.code, "error", path, d.line,
                                             d.column) for d in result.errors])
        model = result.flow
    elif isinstance(flow, Plan):
        path = flow.path
        if flow.source:
            model, _reporter = parse_text(flow.source, flow.path)
        if model is None:
            code = code or _code(path, flow.name)
            raw, descriptions = _plan_args(flow, code)
            return {"type": "flow", "code": code, "name": flow.name, "desp": flow.desp,
                    "args": raw, "descriptions": descriptions}
    elif isinstance(flow, Flow):
        model = flow
    else:
        raise TypeError(f"from_flow takes a Plan, a Flow or a path, not {type(flow).__name__}")
    raw, descriptions = _raw_args(model.args)
    return {"type": "flow", "code": code or _code(path, model.name), "name": model.name,
            "desp": model.desp, "args": raw, "descriptions": descriptions}


def _code(path: str | None, name: str) -> str:
    if path and not path.startswith("<"):
        return Path(path).stem
    return slug(name)
