"""Names: identifiers, unique names and one-line descriptions.

Everything here is pure text work (JSON pointers are `stdlib.openapi.load.at`). The name
patterns say what the ``api://`` adapter and FDL accept: query and body arguments
travel under their own names, so they must be FDL field names (`FIELD_NAME`); path and
header arguments are bound through ``{placeholders}``, so they must be identifiers
(`IDENTIFIER`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["CODE_BAD", "FIELD_NAME", "IDENTIFIER", "PLACEHOLDER", "SERVICE", "TYPE_NAME", "WORDS",
           "identifier", "join", "one_line", "pascal", "unique"]

FIELD_NAME = re.compile(r"[A-Za-z0-9_\-]+")
"""An FDL field name (and so a query or body argument name)."""
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A placeholder-safe argument name (path and header arguments)."""
TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
"""An FDL type name (also used to find the names a type text mentions)."""
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
"""A ``{placeholder}`` of an OpenAPI path template."""
SERVICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
"""A service name, the first segment of every code."""
CODE_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
"""Characters an operationId loses on its way into a code."""
WORDS = re.compile(r"[A-Za-z0-9]+")


def pascal(text: str) -> str:
    """``create order`` / ``create-order`` / ``createOrder`` → ``CreateOrder``."""
    return "".join(w[:1].upper() + w[1:] for w in WORDS.findall(text))


def identifier(name: str) -> str:
    """A placeholder-safe argument name: ``X-Request-Id`` → ``xRequestId``."""
    if IDENTIFIER.fullmatch(name):
        return name
    words = WORDS.findall(name)
    if not words:
        return "arg"
    text = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:]
                                                          for w in words[1:])
    return text if IDENTIFIER.fullmatch(text) else f"_{text}"


def one_line(text: Any) -> str | None:
    """A description on one line (None for no text or only white space)."""
    if not isinstance(text, str):
        return None
    joined = " ".join(text.split())
    return joined or None


def join(*parts: str | None) -> str | None:
    """Description parts joined with ``; `` (their own trailing punctuation dropped)."""
    kept = [p.rstrip(".;, ") for p in parts if p]
    return "; ".join(kept) or None


def unique(name: str, taken: Iterable[str], suffix: str = "") -> str:
    """``name``, or ``name + suffix``, or ``name + suffix + 2, 3, ...``: the first not taken."""
    taken = set(taken)
    if name not in taken:
        return name
    if suffix and name + suffix not in taken:
        return name + suffix
    number = 2
    while f"{name}{suffix}{number}" in taken:
        number += 1
    return f"{name}{suffix}{number}"
