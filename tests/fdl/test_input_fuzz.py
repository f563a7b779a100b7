"""Hostile input on every path the command line reads (issue #17): ``--input``,
``--input-file``, ``--set``, mock files, ``fdl.yaml`` and test files. Whatever the text, the
command ends with a result or a coded error, never a traceback.

Each path gets a bounded number of generated texts here (``FDL_FUZZ_EXAMPLES``, default 20);
``scripts/fuzz_inputs.sh`` runs the same tests with many more.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fdl.cli import main

EXAMPLES = int(os.environ.get("FDL_FUZZ_EXAMPLES", "20"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 50,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

FLOW = """\
flow:
    name: Echo
    args:
        in:
            a: any
            n: decimal?
            d: datetime?
    node:
        call:
            exec: api://svc/echo
            args: v = a
            next: out
        out:
            with: "{a: a, n: n, d: d, v: call}"
"""

MOCKS = "mocks:\n    api://svc/echo: {expr: 'args.v'}\n"

CODE = re.compile(r"\b(?:[EFGWQ]\d{3}|API\d{3}|DB\d{3})\b")

# Text that looks like data: JSON and YAML punctuation, numbers, words, unicode and controls.
_PIECES = st.sampled_from(
    ["[", "]", "{", "}", ":", ",", '"', "'", "-", " ", "\n", "\t", "&a", "*a", "!!", "<<",
     "1e999999", "-0", "1.5", "null", "true", "NaN", "a", "é", "\u2028", "\x00", "\x7f",
     "\ud800", "#", "%", "|", ">", "? ", "a: ", "- ", '"a"', "\\u0000", "\\ud800", "2025-01-02",
     "2025-13-45T99:00:00Z"])
JUNK = st.lists(_PIECES, max_size=60).map("".join)
DEEP = st.builds(lambda n, open_, body: open_ * n + body + {"[": "]", "{": "}"}[open_] * n,
                 st.integers(0, 3000), st.sampled_from(["[", "{"]), st.sampled_from(
                     ["", "1", '"x"', "a: 1"]))
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["1e999999", "-1e999999", "2025-01-02", "NaN"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=30)
OBJECTS = st.dictionaries(st.sampled_from(["a", "n", "d", "x", "tenantId", ""]), VALUES,
                          max_size=4).map(json.dumps)
TEXTS = JUNK | DEEP | OBJECTS | st.text(max_size=80)


def invoke(folder: Path, *args: str) -> Result:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=True)
    finally:
        os.chdir(cwd)


def check(result: Result, *, coded: bool) -> None:
    """A result or a (coded) error; never a traceback."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: "
                             f"{result.exception!r}\n{result.output}") from result.exception
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code != 0 and coded:
        assert CODE.search(result.output), result.output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flow.yaml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MOCKS, encoding="utf-8")
    return tmp_path


def _file(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")


@FUZZ
@given(text=TEXTS)
def test_input(project: Path, text: str) -> None:
    check(invoke(project, "run", "flow.yaml", "--mock", "m.yaml", "--no-store", "--json",
                 "--input", text), coded=True)


@FUZZ
@given(text=TEXTS, suffix=st.sampled_from([".json", ".yaml"]))
def test_input_file(project: Path, text: str, suffix: str) -> None:
    _file(project, f"in{suffix}", text)
    check(invoke(project, "run", "flow.yaml", "--mock", "m.yaml", "--no-store", "--json",
                 "--input-file", f"in{suffix}"), coded=True)


@FUZZ
@given(name=st.sampled_from(["a", "n", "d", "x"]), text=TEXTS)
def test_set(project: Path, name: str, text: str) -> None:
    check(invoke(project, "run", "flow.yaml", "--mock", "m.yaml", "--json",
                 "--store", str(project / "runs.db"), "--set", f"{name}={text}"),
          coded=True)


@FUZZ
@given(text=TEXTS, wrapped=st.booleans())
def test_mock_file(project: Path, text: str, wrapped: bool) -> None:
    body = f"mocks:\n    api://svc/echo: {text}\n" if wrapped else text
    _file(project, "fuzz.yaml", body)
    check(invoke(project, "run", "flow.yaml", "--mock", "fuzz.yaml", "--no-store", "--json",
                 "--set", "a=1"), coded=False)


@FUZZ
@given(text=TEXTS, key=st.sampled_from(["", "services", "concurrency", "flows", "databases",
                                        "timezone", "flow-runs"]))
def test_configuration(project: Path, text: str, key: str) -> None:
    _file(project, "fdl.yaml", f"{key}: {text}\n" if key else text)
    check(invoke(project, "run", "flow.yaml", "--mock", "m.yaml", "--no-store", "--json",
                 "--set", "a=1"), coded=False)


@FUZZ
@given(text=TEXTS, where=st.sampled_from(["whole", "input", "mocks", "expect"]))
def test_test_file(project: Path, text: str, where: str) -> None:
    body = {
        "whole": text,
        "input": f"flow: flow.yaml\ncases:\n  - name: c\n    input: {text}\n"
                 "    mocks: {api://svc/echo: {result: 1}}\n",
        "mocks": f"flow: flow.yaml\ncases:\n  - name: c\n    input: {{a: 1}}\n"
                 f"    mocks: {text}\n",
        "expect": "flow: flow.yaml\ncases:\n  - name: c\n    input: {a: 1}\n"
                  f"    mocks: {{api://svc/echo: {{result: 1}}}}\n    expect: {text}\n",
    }[where]
    _file(project, "flow.test.yaml", body)
    check(invoke(project, "test", "flow.test.yaml"), coded=False)
