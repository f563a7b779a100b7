"""What the run commands print: JSON text of run values, run errors for people, failing
with a message."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import click

import gml

__all__ = ["error_lines", "fail", "leaf", "to_json_text"]


def to_json_text(value: Any, *, pretty: bool = False) -> str:
    """JSON text of a run value: `gml.to_json` (ISO datetimes, exact decimals), with a
    plain fallback for values GML does not know (a tool may return a ``date``)."""
    try:
        return gml.to_json(value, pretty=pretty)
    except gml.GmlError:
        return json.dumps(value, ensure_ascii=False, indent=2 if pretty else None,
                          default=str)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def error_lines(error: Mapping[str, Any] | None) -> list[str]:
    """A run error for people: ``F406 at customer: message`` and its details."""
    if not error:
        return ["error: the run did not complete"]
    code = error.get("code", "?")
    node = error.get("node")
    where = f" at node {node}" if node else ""
    lines = [f"error {code}{where}: {error.get('message', '')}"]
    details = error.get("details")
    if isinstance(details, list) and len(details) == 1 and isinstance(details[0], Mapping) \
            and details[0].get("message") == error.get("message"):
        details = None  # one input problem: the message says it all
    if isinstance(details, list):
        for detail in details:
            if isinstance(detail, Mapping):
                path = detail.get("path")
                prefix = f"{path}: " if path else ""
                lines.append(f"  {detail.get('code', '')} {prefix}{detail.get('message', '')}")
    elif details is not None:
        lines.append(f"  details: {to_json_text(details)}")
    if error.get("path") and not isinstance(details, list):
        lines.append(f"  at {error['path']}")
    return lines


def leaf(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    """``error`` or the first exception of that kind inside (nested) exception groups."""
    if isinstance(error, kind):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = leaf(inner, kind)
            if found is not None:
                return found
    return None
