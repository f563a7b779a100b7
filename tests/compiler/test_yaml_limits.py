"""Resource limits of the YAML loader every file goes through (issue #17): nesting is an
E101 at its position, never a RecursionError; a reused anchor is W101, not a Python
warning."""

from __future__ import annotations

import os
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.diagnostics import Reporter
from compiler.yamltree import MAX_NESTING, load_yaml
from gml import Source


def diagnostics(text: str) -> list[tuple[str, int, int, str]]:
    reporter = Reporter("f.yaml", Source(text))
    load_yaml(text, reporter)
    return [(d.code, d.line, d.column, d.severity) for d in reporter.diagnostics]


@pytest.mark.parametrize(("text", "where"), [
    ("x: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), (1, 4 + MAX_NESTING)),
    ("x: " + "{a: " * 5000, (1, 4 + 4 * MAX_NESTING)),
    ("".join(" " * i + "a:\n" for i in range(MAX_NESTING + 50)), (MAX_NESTING + 1,
                                                                  MAX_NESTING + 1)),
])
def test_too_deep_is_e101_at_the_first_level_too_many(text: str, where: tuple[int, int]
                                                      ) -> None:
    assert diagnostics(text) == [("E101", *where, "error")]


def test_the_limit_itself_is_accepted() -> None:
    assert diagnostics("[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1)) == []


def test_a_reused_anchor_is_a_warning_diagnostic_not_a_python_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert diagnostics("a: &x 1\nb: &x 2\nc: *x\n") == [("W101", 2, 1, "warning")]


@settings(max_examples=int(os.environ.get("FDL_FUZZ_EXAMPLES", "60")), deadline=None)
@given(st.text(alphabet="[]{}:,- \n\"'&*ab1", max_size=600),
       st.integers(min_value=0, max_value=3000))
def test_no_text_crashes_the_loader(text: str, depth: int) -> None:
    for candidate in (text, "[" * depth + text, "- " * depth + text):
        reporter = Reporter("f.yaml", Source(candidate))
        load_yaml(candidate, reporter)  # a tree or diagnostics, never an exception
