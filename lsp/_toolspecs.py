"""Where the ToolSpec files of a project declare their tools (for go to definition into them,
`lsp.navigation`).

The catalog the flows are checked with (`stdlib.registry.load_tool_dir`) keeps signatures, not
positions. This index reads the same files (``*.yaml``/``*.yml``/``*.json`` under each tool
folder, in the same order, so that when two files declare one tool the same file wins) with
positions: for each ``(type, code)`` the file, the range of its ``code`` value and the
ranges of the argument names under ``args.in``. A ``db`` spec declares a table: every
``db://<table>/<operation>`` is found at that table's spec.

It is built only when asked (a definition request), never during a check, and kept by the
project cache (`lsp._project.Projects`) until the tool files change. The request itself
(`lsp.navigation.tool_definition`) is with the other navigation features: it reads an
`Analysis`, which holds the project, so this module stays below `lsp.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from compiler.diagnostics import Reporter
from compiler.yamltree import YMap, YScalar, load_yaml
from gml import Source, Span
from stdlib.registry import tool_files

__all__ = ["ToolSpecDecl", "ToolSpecIndex", "read_decl"]


@dataclass(frozen=True, slots=True)
class ToolSpecDecl:
    """One ToolSpec file's declaration of a tool.

    Attributes:
        type: the tool type (``api``, ``db``, ...).
        code: the declared code (a table for ``db``).
        path: the file.
        text: the file's text (the spans are character offsets into it).
        code_span: the range of the ``code`` value.
        args: the range of each argument name declared under ``args.in``.
    """

    type: str
    code: str
    path: Path
    text: str
    code_span: Span
    args: Mapping[str, Span]


def read_decl(text: str, path: Path) -> ToolSpecDecl | None:
    """The declaration in one ToolSpec text; None when it has no text ``type`` and ``code``
    (the catalog skips such a file too)."""
    root = load_yaml(text, Reporter(str(path), Source(text)))
    if not isinstance(root, YMap):
        return None
    values: dict[str, YScalar] = {}
    for name in ("type", "code"):
        node = root.get(name)
        if not (isinstance(node, YScalar) and node.kind == "str" and str(node.value).strip()):
            return None
        values[name] = node
    args: dict[str, Span] = {}
    args_node = root.get("args")
    inputs = args_node.get("in") if isinstance(args_node, YMap) else None
    if isinstance(inputs, YMap):
        for key, _ in inputs:
            args.setdefault(str(key.value), key.span)
    code = values["code"]
    return ToolSpecDecl(str(values["type"].value).strip(), str(code.value).strip(), path, text,
                        code.span, args)


class ToolSpecIndex:
    """The declarations of a project's ToolSpec files by ``(type, code)``."""

    def __init__(self, decls: Iterable[ToolSpecDecl]) -> None:
        self._decls = {(d.type, d.code): d for d in decls}  # a later file wins, as in the catalog

    @classmethod
    def read(cls, folders: Sequence[Path]) -> ToolSpecIndex:
        """Read every ToolSpec file under ``folders`` (unreadable ones are skipped: the
        check reports them)."""
        decls: list[ToolSpecDecl] = []
        for folder in folders:
            for path in tool_files(folder):  # the catalog's files, in its order
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                decl = read_decl(text, path)
                if decl is not None:
                    decls.append(decl)
        return cls(decls)

    def find(self, type: str, code: str) -> ToolSpecDecl | None:
        """The declaration of the tool ``type://code`` (for ``db``, of its table); None
        when no file declares it (a tool only in the registry)."""
        found = self._decls.get((type, code))
        if found is None and type == "db":
            table, slash, _operation = code.rpartition("/")
            if slash:
                found = self._decls.get((type, table))
        return found
