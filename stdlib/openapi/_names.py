"""Names of arguments, placeholders, services and codes.

Everything here is pure text work (the shared name helpers, such as `FIELD_NAME`, `pascal`
and `unique`, are in `stdlib.openapi.schemas`). Path and header arguments are bound through
``{placeholders}``, so they must be identifiers (`IDENTIFIER`).
"""

from __future__ import annotations

import re

from .schemas import WORDS

__all__ = ["CODE_BAD", "IDENTIFIER", "PLACEHOLDER", "SERVICE", "identifier"]

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A placeholder-safe argument name (path and header arguments)."""
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
"""A ``{placeholder}`` of an OpenAPI path template."""
SERVICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
"""A service name, the first segment of every code."""
CODE_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
"""Characters an operationId loses on its way into a code."""


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
