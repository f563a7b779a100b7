"""The node kinds of spec/fdl.md §4: which keys decide a kind and which keys each accepts.

One table serves the reader (kind inference, "did you mean"), the JSON Schema and the
editor's completion.
"""

from __future__ import annotations

from types import MappingProxyType

from .flow import NodeKind

__all__ = ["COMMON_KEYS", "FLOW_KEYS", "KIND_KEYS", "KIND_LABELS", "NODE_KEYS"]

COMMON_KEYS = ("name", "desp")
"""Keys every node accepts."""

KIND_KEYS: MappingProxyType[NodeKind, tuple[str, ...]] = MappingProxyType({
    "tool": ("exec", "args", "sets", "with", "only", "next", "fail"),
    "mapping": ("with", "sets", "only", "next", "fail"),
    "branch": ("when", "then", "else", "only"),
    "switch": ("case", "else", "only"),
    "delay": ("wait", "only", "next"),
    "each": ("each", "node", "vars", "with", "sets", "only", "next", "fail"),
    "loop": ("when", "node", "vars", "with", "sets", "only", "next", "fail"),
})
"""The keys each kind accepts besides `COMMON_KEYS` (the table of §4)."""

KIND_LABELS: MappingProxyType[NodeKind, str] = MappingProxyType({
    "tool": "tool call (exec)",
    "mapping": "mapping (with)",
    "branch": "branch (when + then)",
    "switch": "switch (case)",
    "delay": "delay (wait)",
    "each": "iteration (each + node)",
    "loop": "loop (when + node)",
})

NODE_KEYS = frozenset(COMMON_KEYS).union(*KIND_KEYS.values())
"""Every key a node may have, whatever its kind."""

FLOW_KEYS = ("name", "desp", "args", "vars", "node")
ARGS_KEYS = ("in", "out", "defs")
CASE_KEYS = ("when", "then")
