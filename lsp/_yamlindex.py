"""Where things are in the YAML tree: every mapping entry with its path from the root.

A path is a tuple of keys and list indexes (``("flow", "node", "proc", "node", "user",
"exec")``). The index answers "which key is at this offset", "which value holds it" and
"which mapping does a new key typed at this line and indentation belong to".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from compiler.yamltree import YMap, YNode, YScalar, YSeq

__all__ = ["Entry", "Path", "YamlIndex"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``key: value`` of a mapping; ``path`` ends with the key."""

    path: Path
    key: YScalar
    value: YNode
    owner: YMap


def _walk(node: YNode, path: Path) -> Iterator[Entry]:
    if isinstance(node, YMap):
        for key, value in node:
            here = (*path, str(key.value))
            yield Entry(here, key, value, node)
            yield from _walk(value, here)
    elif isinstance(node, YSeq):
        for i, item in enumerate(node.items):
            yield from _walk(item, (*path, i))


class YamlIndex:
    """The entries of one YAML tree in document order."""

    def __init__(self, root: YNode | None) -> None:
        self.root = root
        self.entries: list[Entry] = list(_walk(root, ())) if root is not None else []
        self.by_key_start = {e.key.span.start: e for e in self.entries}
        self.paths: dict[int, Path] = {}
        for e in self.entries:
            if isinstance(e.value, YMap | YSeq):
                self.paths[id(e.value)] = e.path
        if isinstance(root, YMap):
            self.paths[id(root)] = ()

    def get(self, path: Path) -> YNode | None:
        """The node at ``path``, if there is one."""
        node = self.root
        for part in path:
            if isinstance(part, int) and isinstance(node, YSeq) and part < len(node.items):
                node = node.items[part]
            elif isinstance(part, str) and isinstance(node, YMap):
                node = node.get(part)
            else:
                return None
        return node

    def key_at(self, offset: int) -> Entry | None:
        """The entry whose key holds ``offset`` (its end included)."""
        for e in self.entries:
            if e.key.span.start <= offset <= e.key.span.end:
                return e
        return None

    def value_at(self, offset: int) -> Entry | None:
        """The innermost entry whose scalar value holds ``offset`` (its end included)."""
        found = None
        for e in self.entries:
            value = e.value
            if isinstance(value, YScalar) and value.span.start <= offset <= value.span.end:
                found = e
            elif isinstance(value, YSeq):
                for item in value.items:
                    if isinstance(item, YScalar) and item.span.start <= offset <= item.span.end:
                        found = e
        return found

    def path_of(self, node: YNode) -> Path | None:
        """The path of a mapping or list of this tree."""
        return self.paths.get(id(node))
