"""A tool node up to its call, inside the workflow: ``only``, ``args``, binding, defaults.

The same steps, in the same order and with the same error objects, as the trio executor's
`runtime._exec.Executor.run_tool` before it calls the tool (fdl.md §4.1). The difference: the
workflow does not hold the tool (the worker's project does), so auto-binding uses the names
the caller's tool catalog gave the compiled URI (``ToolRef.arguments``, `._refs`), not the
live tool's, and the further names a ``db`` query binds from the visible variables (its CQL
``:name`` parameters, tools.md §6) are read from its ``exps`` here, as the ``db`` adapter's
``scope_names`` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gml
from compiler.plan import Field, ToolRef
from gml import GmlError
from stdlib.cql import CqlError, params_of, parse
from stdlib.tools.db import QUERY_OPERATIONS

from .._core import Instance
from .._journal import Event, Failed, Skipped

__all__ = ["prepare"]


class _NodeError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error


def _eval(field: Field, data: Mapping[str, Any], ctx: gml.EvalContext, key: str,
          path: str) -> Any:
    try:
        return field.evaluate(data, ctx)
    except GmlError as error:
        where = f" (line {error.line}, column {error.column} of '{key}')" \
            if error.line is not None else f" (in '{key}')"
        raise _NodeError({"code": error.code, "message": error.message + where,
                          "node": path, "type": "gml"}) from None


def _query_params(ref: ToolRef, args: Mapping[str, Any]) -> list[str]:
    """The CQL ``:name`` parameters of a ``db`` query's ``exps`` that ``args`` does not
    give (text that is not CQL names none: the call reports it)."""
    exps = args.get("exps")
    if ref.type != "db" or ref.code.rpartition("/")[2] not in QUERY_OPERATIONS \
            or not isinstance(exps, str) or ":" not in exps:
        return []
    try:
        return [name for name in params_of(parse(exps)) if name not in args]
    except CqlError:
        return []


def prepare(inst: Instance, ref: ToolRef, ctx: gml.EvalContext, at: float,
            tenant: str | None, bu: str | None) -> Event | dict[str, Any]:
    """The bound arguments of the call to ``ref``, or the event that ends the node
    before it."""
    node = inst.node
    assert node is not None
    path = inst.path
    data = inst.scope
    args: dict[str, Any] = {}
    try:
        if node.only is not None and not _eval(node.only, data, ctx, "only", path):
            return Skipped(inst.key, at)
        if node.args is not None:
            args = dict(_eval(node.args, data, ctx, "args", path))
        for name in ref.arguments:
            if name in args:
                continue
            if name == "tenantId":
                args[name] = tenant
            elif name == "buCode":
                args[name] = bu
            elif name in data:
                args[name] = data[name]
        for name in _query_params(ref, args):
            if name in data:
                args[name] = data[name]
        for name, source in (ref.defaults or {}).items():
            if name in args:
                continue
            try:
                args[name] = gml.compile(source).evaluate(dict(args), ctx)
            except GmlError as error:
                raise _NodeError({"code": error.code, "message": f"the default of the "
                                  f"tool's argument '{name}' failed: {error.message}",
                                  "node": path, "type": "gml"}) from None
    except _NodeError as error:
        return Failed(inst.key, at, error.error)
    return args
