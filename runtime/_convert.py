"""Input validation and output shaping (spec/fdl.md §2, §7): pure functions, no I/O.

`convert_inputs` checks and converts a run's inputs against the flow's declared inputs and
reports every problem at once (`InputError`: F401 missing, F402 cannot convert, F403
undeclared). `shape_output` converts the flow result to ``out`` and raises `OutputError`
(F404) at the first problem.

Both convert values with `gml.convert.convert` (its docstring has the conversion table), the
one converter that CQL and the ``db://`` tools use too, so the same rules hold in both
directions; this module adds what is particular to runs: error codes, defaults, the built-in
inputs and undeclared inputs.

Paths: an input's problems are named from the input (``filter.items[2].sku``); an object
field or a map key that is not an identifier is written ``x["a-b"]``. Output paths start
at the result: with ``out`` fields the path starts at a field (``orders[3].amount``); with a
single ``out`` type it starts at an index (``[3].amount``); the result itself is ``$``.

Defaults: an absent input (or an input given as null when its type is not nullable and it
has a default) takes its default, evaluated with the built-ins and every input before it
visible; its value is converted like a given one. A problem of a default whose GML text
mentions an input that already has a problem is not reported: it would be a consequence of
that problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import pendulum

import gml
from compiler import BUILTIN_INPUTS
from compiler.plan import InputSpec
from gml.convert import ConversionError, convert
from gml.types import Type, accepts_null

from .errors import InputError, OutputError, Problem

__all__ = ["convert_inputs", "shape_output"]

Zone: TypeAlias = pendulum.Timezone | pendulum.FixedTimezone

MAX_PROBLEMS = 20
"""Problems reported for one input before its conversion stops."""


def convert_inputs(specs: Sequence[InputSpec], raw: Mapping[str, Any], ctx: gml.EvalContext,
                   *, builtins: Mapping[str, Any] | None = None,
                   allow_extra: bool = False) -> dict[str, Any]:
    """Check and convert a run's inputs (fdl.md §2 "Input validation").

    Args:
        specs: the declared inputs (`Plan.inputs`), in declaration order.
        raw: the inputs given to the run (JSON values, or values from the command line).
        ctx: evaluates defaults; its timezone is the one of dates without an offset.
        builtins: ``tenantId``/``buCode``, visible to defaults but not returned. Keys of
            ``raw`` named like a built-in are ignored (the run context supplies them).
        allow_extra: ignore undeclared inputs instead of reporting F403.

    Returns:
        Every declared input, converted, in declaration order.

    Raises:
        InputError: every problem at once: declared inputs in order, undeclared ones last.
    """
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    data: dict[str, Any] = dict.fromkeys(BUILTIN_INPUTS)
    data.update(builtins or {})
    failed: list[str] = []
    for spec in specs:
        name, nullable = spec.name, accepts_null(spec.type)
        given = name in raw and not (raw[name] is None and spec.default is not None
                                     and not nullable)
        found: list[Problem] = []
        value: Any = None
        if given:
            value, found = _convert(raw[name], spec.type, ctx.tz, name, "F402", MAX_PROBLEMS)
        elif spec.default is not None:
            value, found = _default(spec, data, ctx)
            if found and spec.default.text and any(_mentions(spec.default.text, f)
                                                   for f in failed):
                found = []
                value = None
        elif not nullable:
            found = [Problem("F401", name, f"required input '{name}' is missing "
                             f"(type {spec.type})")]
        if found:
            failed.append(name)
            problems.extend(found)
            data[name] = None
        else:
            values[name] = data[name] = value
    declared = {spec.name for spec in specs}
    ignored = {*BUILTIN_INPUTS, *(builtins or {})}
    if not allow_extra:
        known = ", ".join(spec.name for spec in specs) or "none"
        problems.extend(
            Problem("F403", key, f"undeclared input '{key}' (declared inputs: {known})")
            for key in raw if key not in declared and key not in ignored)
    if problems:
        raise InputError(problems)
    return values


def shape_output(value: Any, t: Type | None, tz: Zone) -> Any:
    """Shape the flow result to ``out`` (fdl.md §2 "Output shaping").

    Declared object types are trimmed to their fields, recursively; ``any`` passes untouched.

    Args:
        value: the flow result (§6.6).
        t: the declared ``out`` type; None (not declared) returns ``value`` unchanged.
        tz: the timezone of dates written without an offset.

    Raises:
        OutputError: F404 at the first value that cannot be shaped, naming its path.
    """
    if t is None:
        return value
    result, problems = _convert(value, t, tz, "", "F404", 1)
    if problems:
        first = problems[0]
        raise OutputError(first.path, f"the result does not match out: {first.message}")
    return result


# ---------------------------------------------------------------- inputs


def _default(spec: InputSpec, data: Mapping[str, Any], ctx: gml.EvalContext
             ) -> tuple[Any, list[Problem]]:
    assert spec.default is not None
    try:
        produced = spec.default.evaluate(dict(data), ctx)
    except gml.GmlError as error:
        return None, [Problem("F402", spec.name, f"{spec.name}: the default "
                              f"`{spec.default.text}` failed: {error.code} {error.message}")]
    value, found = _convert(produced, spec.type, ctx.tz, spec.name, "F402", MAX_PROBLEMS)
    return value, [Problem(p.code, p.path, f"{p.message} (from the default)") for p in found]


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name)}(?!\w)", text) is not None


def _convert(value: Any, t: Type, tz: Zone, path: str, code: str, limit: int
             ) -> tuple[Any, list[Problem]]:
    """The converted value and its problems (at most ``limit``), as ``code`` problems."""
    try:
        return convert(value, t, tz, path, limit=limit), []
    except ConversionError as error:
        return None, [Problem(code, p.path, p.message) for p in error.problems]
