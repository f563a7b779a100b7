"""Reading run inputs given on the command line (``--input``, ``--input-file``, ``--set``)
within resource limits: every problem is a usage error with code F400 and the position in
the text, never a traceback.

Limits: at most `MAX_INPUT_SIZE` characters per text and `compiler.yamltree.MAX_NESTING`
levels of arrays and objects, the same as for YAML files (input files that are YAML go
through `compiler.yamltree.load_yaml`, which has them).
"""

from __future__ import annotations

import json
import re
from typing import Any

import click

from compiler.yamltree import MAX_FILE_SIZE, MAX_NESTING

__all__ = ["INPUT_CODE", "MAX_INPUT_SIZE", "NotJson", "load_json", "nesting_beyond",
           "usage_problem"]

INPUT_CODE = "F400"
"""The code of inputs that cannot be read (bad JSON or YAML, too large, nested too deeply)."""

MAX_INPUT_SIZE = MAX_FILE_SIZE
"""Largest input text accepted, in characters."""

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def nesting_beyond(text: str, limit: int = MAX_NESTING) -> int | None:
    """The offset of the first ``[`` or ``{`` of a JSON text that nests deeper than
    ``limit`` (brackets inside strings do not count), or None."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token in "]}":
            depth = max(0, depth - 1)
    return None


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def usage_problem(option: str, message: str) -> click.BadParameter:
    """The usage error of an input option, with the input code."""
    return click.BadParameter(f"{INPUT_CODE}: {message}", param_hint=option)


class NotJson(ValueError):
    """The text is not JSON (the caller may try another reading)."""


def load_json(text: str, option: str, name: str | None = None) -> Any:
    """The JSON value of ``text``.

    Raises:
        click.BadParameter: (F400) the text is too large or nests too deeply, with the
            line and column.
        NotJson: the text is not valid JSON; its message has the line and column.
    """
    if len(text) > MAX_INPUT_SIZE:
        what = "the text" if name is None else name
        raise usage_problem(option, f"{what} is larger than {MAX_INPUT_SIZE:,} characters; "
                            "pass fewer or smaller inputs")
    deep = nesting_beyond(text)
    if deep is not None:
        line, column = _position(text, deep)
        where = f"line {line} column {column}" if name is None else f"{name}:{line}:{column}"
        raise usage_problem(option, f"{where}: the input nests deeper than {MAX_NESTING} "
                            "levels; flatten it")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise NotJson(f"not valid JSON: {error.msg} at line {error.lineno} column "
                      f"{error.colno}") from None
    except RecursionError:  # pragma: no cover - the nesting limit is far below it
        raise usage_problem(option, "the JSON nests too deeply; flatten the input") from None
