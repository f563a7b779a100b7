"""`ToolSummary`: what a listing shows of a tool, read without validating its spec.

A registered spec was validated when it was registered and is stored as the JSON text of the
validated model (`ToolSpec.stored`), so a listing can take its fields from that text instead
of validating every spec again with pydantic: a page of search results is parsed with
`json` (`parse_summary`: a few µs a spec, against about 15 µs to validate one), a whole
listing with the database's own JSON functions (`COLUMNS`: ``json_extract`` on SQLite, the
``json_extract`` function `_pgstore` defines with ``->>`` on PostgreSQL), outside the GIL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["COLUMNS", "ToolSummary", "parse_summary", "summary_of"]

COLUMNS = ("t.version", "json_extract(t.spec, '$.desp')", "json_extract(t.spec, '$.tags')")
"""The columns a summary is read from besides the type and code (``t``: the tools table)."""


@dataclass(frozen=True, slots=True)
class ToolSummary:
    """The default version of a tool as a listing shows it.

    Attributes:
        type, code, version, desp, tags: as in the tool's `ToolSpec`.
        score: a search's score (higher is better); 0.0 in a listing.
    """

    type: str
    code: str
    version: str
    desp: str | None
    tags: tuple[str, ...]
    score: float = 0.0


def summary_of(row: Sequence[Any], score: float = 0.0) -> ToolSummary:
    """A summary from ``(type, code, *COLUMNS)`` of a row.

    The tags come as JSON text of a list (SQLite gives ``["a","b"]``, PostgreSQL
    ``["a", "b"]``); a spec stored before tags existed has none.
    """
    tool_type, code, version, desp, tags = row
    return ToolSummary(tool_type, code, version, desp,
                       tuple(json.loads(tags)) if tags else (), score)


def parse_summary(text: str, score: float = 0.0) -> ToolSummary:
    """A summary from the stored JSON text of a spec."""
    spec = json.loads(text)
    return ToolSummary(spec["type"], spec["code"], spec["version"], spec.get("desp"),
                       tuple(spec.get("tags") or ()), score)
