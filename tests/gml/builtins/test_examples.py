"""Every built-in is documented with examples, and every example gives its documented result.

docs/gml.md is generated from the same tables, so the reference cannot drift from the
implementation. The lists below are the names of spec/gml.md §6 and §7: a built-in missing
from a table fails here.
"""

from __future__ import annotations

import json

import pytest

import gml
import gml.builtins as builtins
from gml.builtins._examples import EXAMPLE_DATA, EXAMPLE_NOW, EXAMPLE_TZ

SPEC_FUNCTIONS = """SUM AVG MIN MAX MED COUNT ROUND FLOOR CEIL ABS CONCAT UPPER LOWER TRIM LEN
LENGTH SUBSTRING REPLACE SPLIT JOIN IF COALESCE INT LONG FLOAT DOUBLE DECIMAL STRING BOOL NOW
DATE TIME TODAY FORMAT_DATE PARSE_DATE TOJSON FROMJSON UUID MD5 SHA256 FIRST LAST KEYS
VALUES""".split()

SPEC_METHODS = {
    "array": """length count map filter find findIndex some every reduce sort reverse distinct
        group groupBy collap expand proj pick omit sum avg min max med first last at take skip
        drop slice chunk flat flatten includes indexOf join add push addAll concat remove
        removeAt""".split(),
    "string": """length trim trimStart trimEnd toUpperCase upper toLowerCase lower startsWith
        endsWith includes contains indexOf lastIndexOf substring slice split replace replaceAll
        padStart padEnd charAt toDate""".split(),
    "object": "keys values entries proj pick omit merge has".split(),
    "date": "offset format startOf endOf diff toIso epochMillis".split(),
}

ENV = gml.Environment(timezone=EXAMPLE_TZ, clock=lambda: EXAMPLE_NOW)


def _all_builtins() -> list[tuple[str, builtins.Builtin]]:
    seen: dict[int, tuple[str, builtins.Builtin]] = {}
    for builtin in builtins.FUNCTIONS.values():
        seen.setdefault(id(builtin), (f"function {builtin.name}", builtin))
    for kind, table in builtins.METHODS.items():
        for builtin in table.values():
            seen.setdefault(id(builtin), (f"{kind}.{builtin.name}", builtin))
    return sorted(seen.values(), key=lambda item: item[0])


BUILTINS = _all_builtins()
EXAMPLES = [(f"{label}: {program}", program, result)
            for label, builtin in BUILTINS for program, result in builtin.examples]


@pytest.mark.parametrize("name", SPEC_FUNCTIONS)
def test_every_spec_function_exists(name: str) -> None:
    assert name in builtins.FUNCTIONS


@pytest.mark.parametrize(("kind", "name"), [(k, m) for k, ms in SPEC_METHODS.items() for m in ms])
def test_every_spec_method_exists(kind: str, name: str) -> None:
    assert name in builtins.METHODS[kind]


@pytest.mark.parametrize(("label", "builtin"), BUILTINS, ids=[label for label, _ in BUILTINS])
def test_every_builtin_is_documented_with_an_example(label: str, builtin: builtins.Builtin) -> None:
    assert builtin.doc.strip()
    assert builtin.examples, f"{label} has no example"


@pytest.mark.parametrize(("label", "program", "expected"), EXAMPLES,
                         ids=[label for label, _, _ in EXAMPLES])
def test_documented_example(label: str, program: str, expected: str) -> None:
    result = ENV.evaluate(program, EXAMPLE_DATA)
    assert json.loads(gml.to_json(result)) == json.loads(expected)


def test_examples_have_no_compile_warnings() -> None:
    names = {name: "any" for name in EXAMPLE_DATA}
    noisy = [(program, [d.code for d in ENV.check(program, names)])
             for _, program, _ in EXAMPLES]
    assert [item for item in noisy if item[1]] == []
