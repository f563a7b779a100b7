"""Regenerate the built-in reference inside docs/gml.md from the stdlib tables."""

from __future__ import annotations

import sys
from pathlib import Path

import gml.builtins as builtins
from gml.builtins._docs import BEGIN, END, render_reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "gml.md"


def updated(text: str) -> str:
    """``text`` with the generated section replaced by the current reference."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + render_reference(builtins.FUNCTIONS, builtins.METHODS) + text[end:]


if __name__ == "__main__":
    current = DOC.read_text(encoding="utf-8")
    new = updated(current)
    if "--check" in sys.argv:
        sys.exit(0 if new == current else 1)
    DOC.write_text(new, encoding="utf-8")
