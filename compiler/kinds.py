"""The node kinds of spec/fdl.md §4: which keys decide a kind and which keys each accepts.

One table serves the reader (kind inference, "did you mean"), the JSON Schema and the
editor's completion.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

__all__ = ["COMMON_KEYS", "FLOW_KEYS", "KIND_KEYS", "KIND_LABELS", "NODE_KEYS", "NodeKind"]

NodeKind = Literal["tool", "mapping", "branch", "switch", "delay", "each", "loop"]
"""The seven kinds of node (§4); a node's kind follows from its keys."""

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

KEY_DOCS: MappingProxyType[str, str] = MappingProxyType({
    "name": "Display name.",
    "desp": "Description, shown in editors and tool exports.",
    "args": "Tool call: a GML program (object mode) building the tool's arguments; arguments "
            "not given are bound from variables of the same name.",
    "sets": "GML program (object mode): each field updates the variable of that name "
            "(a vars variable or a node output).",
    "with": "GML: the node's output (a program or one expression).",
    "only": "GML condition: when falsy the node is skipped (its next edges are still taken).",
    "next": "Node ids to continue with (comma-separated or a list), in the same node block.",
    "fail": "Node ids to continue with when this node fails.",
    "exec": "The tool to call: type://code[?timeout=ms&max-attempts=n&...].",
    "when": "GML condition (a branch with then/else, or a loop with node).",
    "then": "Node ids taken when `when` is truthy.",
    "else": "Node ids taken when no condition holds.",
    "case": "A list of {when, then}; the first truthy `when` wins.",
    "wait": "Delay: milliseconds, a duration ('500ms', '10s', '20m', '1h', '1d') or GML.",
    "each": "Iteration: 'source => item[, index]'; the block runs once per element, in order.",
    "node": "The node block: node ids mapped to nodes.",
    "vars": "GML program (object mode) declaring variables, evaluated once at start.",
    "flow": "The flow.",
    "in": "Inputs: name: type, name: type = default, or name: default.",
    "out": "The output: a type, or fields with their types.",
    "defs": "Named types: Name: {field: type, ...}; they may refer to each other.",
})
"""One line per key, for the JSON Schema and for editor hovers."""
