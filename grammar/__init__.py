"""Lark grammars of the project, shipped as package data.

`gml.lark` is the GML expression language, `types.lark` the FDL type expressions
(`string?`, `Order[]`, `map<int>`). Each grammar file documents its own syntax.
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["read_grammar"]


def read_grammar(name: str) -> str:
    """Return the text of the grammar file `name` (e.g. ``"gml.lark"``)."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")
