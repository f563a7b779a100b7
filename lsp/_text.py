"""Short texts for editors: types shortened to fit a label, Markdown helpers."""

from __future__ import annotations

from gml.types import Type

__all__ = ["code_block", "type_label"]


def type_label(t: Type, limit: int = 40) -> str:
    """The type as text, cut to ``limit`` characters (``{id: string, name: …}``)."""
    text = str(t)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if "," in cut:
        cut = cut[: cut.rindex(",") + 1] + " …"
    else:
        cut += "…"
    return cut + ("}" if text.startswith("{") else "")


def code_block(text: str, language: str = "") -> str:
    """A fenced Markdown code block."""
    return f"```{language}\n{text}\n```"
