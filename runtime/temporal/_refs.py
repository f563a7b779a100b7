"""A compiled flow's tool references as JSON, so they travel with the run.

The caller compiles the flow against its project's tool catalog; the catalog decides how a
call binds its arguments (declared names, defaults) and what ``tool://<code>`` resolves to.
The workflow compiles the same text without a catalog and takes each tool node's reference
from here, keyed by the node's static path (node ids from the top, ``proc/call``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from compiler.plan import Block, Plan, ToolRef

__all__ = ["ref_from_json", "refs_of", "static_path", "tool_refs"]

_INDEX = re.compile(r"\[[0-9]+\]")


def static_path(path: str) -> str:
    """``proc[2]/call`` → ``proc/call``."""
    return _INDEX.sub("", path)


def _walk(block: Block, prefix: str) -> Iterator[tuple[str, ToolRef]]:
    for node in block.nodes:
        path = prefix + node.id
        if node.tool is not None:
            yield path, node.tool
        if node.block is not None:
            yield from _walk(node.block, path + "/")


def tool_refs(plan: Plan) -> list[tuple[str, ToolRef]]:
    """Every tool node's static path and reference, in declaration order."""
    return list(_walk(plan.block, ""))


def refs_of(plan: Plan) -> dict[str, dict[str, Any]]:
    """Every tool node's reference, as JSON."""
    return {path: {"uri": ref.uri, "type": ref.type, "code": ref.code,
                   "options": dict(ref.options), "known": ref.known,
                   "arguments": list(ref.arguments), "defaults": dict(ref.defaults),
                   "scheme": ref.scheme}
            for path, ref in _walk(plan.block, "")}


def ref_from_json(data: dict[str, Any]) -> ToolRef:
    """The reference back (its result type is not carried: the run does not use it)."""
    return ToolRef(uri=str(data["uri"]), type=str(data["type"]), code=str(data["code"]),
                   options=dict(data.get("options") or {}), known=bool(data.get("known")),
                   arguments=tuple(data.get("arguments") or ()),
                   defaults=dict(data.get("defaults") or {}),
                   scheme=str(data.get("scheme") or ""))
