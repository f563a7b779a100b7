"""LIKE without backtracking (issue #17): the linear matcher agrees with the regular
expression it replaced, and a pattern that made that expression backtrack is answered at once."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

import gml
from gml._like import LikePattern


def old_regex(pattern: str) -> re.Pattern[str]:
    """The translation LIKE used before: ``%`` → ``.*``, ``_`` → ``.``, ``\\`` escapes."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


ALPHABET = "ab%_\\\n."


@settings(max_examples=600, deadline=None)
@given(st.text(ALPHABET, max_size=9), st.text(ALPHABET, max_size=7))
@example("a%b", "a\\%b")
@example("ab", "%b%")
@example("abab", "%ab")
@example("a\\", "a\\")
@example("", "%%")
@example("aab", "a_%b")
def test_the_matcher_agrees_with_the_old_regex(text: str, pattern: str) -> None:
    expected = old_regex(pattern).fullmatch(text) is not None
    assert LikePattern(pattern).matches(text) is expected


def test_a_pattern_that_made_the_regex_backtrack_is_answered_at_once() -> None:
    # With `.*` for every `%`, this took minutes; the matcher does at most len(text) * len(pattern)
    # character comparisons. A regression hangs the test (no timing assertion needed).
    program = gml.compile("s LIKE p")
    assert program({"s": "a" * 45, "p": "%a" * 15 + "%b"}) is False
    assert program({"s": "a" * 20_000, "p": "%a" * 2_000 + "%b"}) is False
    assert program({"s": "a" * 20_000 + "b", "p": "%a" * 2_000 + "%b"}) is True


def test_a_literal_pattern_is_compiled_once_and_matches_the_same() -> None:
    assert gml.compile("'x_y%z' LIKE 'x\\\\_y\\\\%%'")() is True
    assert gml.compile("'x-y%z' LIKE 'x\\\\_y%'")() is False
