"""One ``args.in`` entry of an imported tool: its name, its type text and where it goes.

An argument's type text is ``T`` (required), ``T?`` (optional or nullable) or
``T = default`` (a default written as GML: JSON is valid GML, dates go through ``DATE()``).
The built-ins ``tenantId`` and ``buCode`` are always ``string?``: the runtime binds them
from the run's context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from stdlib.registry import BUILTIN_INPUTS

from .schemas import ANY, Report, Typed

__all__ = ["Arg", "Where", "arg_type", "gml_literal"]

Where = Literal["path", "query", "header", "body"]


@dataclass(slots=True)
class Arg:
    """One ``args.in`` entry: its name, type text, description and where it goes.

    Attributes:
        wire: the parameter, header or property name in the document.
    """

    name: str
    type: str
    description: str | None
    where: Where
    wire: str


def arg_type(report: Report, name: str, typed: Typed, required: bool, default: Any,
             pointer: str) -> str:
    """The ``args.in`` text of an argument: ``T``, ``T?`` or ``T = default``."""
    if name in BUILTIN_INPUTS:
        if typed.text not in ("string", ANY):
            report(pointer, f"'{name}' is bound from the run's context, so it is typed "
                   f"string?, not {typed.text}")
        return "string?"
    if default is not None:
        literal = gml_literal(default, typed.text)
        if literal is None:
            report(pointer, f"the default {default!r} cannot be written in FDL: left out")
        else:
            return f"{typed.text} = {literal}"
    return typed.written(not required)


def gml_literal(value: Any, type_text: str) -> str | None:
    """A default as GML text: JSON is valid GML (strings in double quotes, objects with
    quoted keys); dates go through DATE()."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None
    if type_text == "date":
        return f"DATE({text})" if isinstance(value, str) else None
    return text
