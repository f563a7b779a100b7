"""Flow test files (spec/interfaces.md §4) and the ``fdl test`` runner.

A test file (``*.test.yaml``) names a flow (``flow:`` a path relative to the test file, or
``source:`` an inline flow document) and lists cases::

    flow: customer_view.yaml
    mocks:                                  # optional: shared by every case
        db://ec.order/count: {result: 7}
    cases:
        -   name: merges customer and order count
            input: {customerId: c1}
            mocks:                          # tools.md §7, inline; case entries win
                api://crm-service/customer: {result: {id: c1, name: Alice}}
            tenant: t1                      # optional: tenantId / buCode of the run
            bu: b1
            expect:
                status: completed           # default: failed when `error` is given
                output: {id: c1, name: Alice, orders: 7}
                error: {code: F401}         # a subset match on the error object
                calls: {api://crm-service/customer: 1}
                before: [[customer, merge]] # customer completed before merge started

How a case runs: the flow is compiled with the project's tool catalog (types and argument
binding as in ``fdl check``), then run with **only** the case's mocks (no real tools, no
run store) on ``trio.testing.MockClock(autojump_threshold=0)``: ``wait: '1h'`` and mock
``delay`` cost no real time while ``NOW()`` moves with the virtual clock. The project's
``timezone`` applies.

How expectations compare:

* ``output``: exact equality after both sides go through ``gml.to_json``/``json.loads``
  (datetimes as ISO text, decimals as numbers; ``true`` is not ``1``);
* ``error``: every key given must match (recursively for mappings; ``code`` compares as
  text, so ``404`` matches ``"404"``);
* ``calls``: per URI (options ignored), the exact number of calls;
* ``before: [[a, b]]``: the last ``node.completed`` of ``a`` comes before the first
  ``node.started`` of ``b``. Names match node paths exactly, or, when no path matches
  exactly, by their last segment (``user`` matches ``proc[2]/user``).

Malformed files (YAML errors, unknown keys, wrong kinds of values, bad mocks, a missing flow
file) are reported as ``file:line:column: message`` with a "did you mean" for misspelt keys;
they make ``fdl test`` exit 2 (after running the well-formed files).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import trio
import trio.testing
import yaml

import gml
from compiler import ToolCatalog, check_text
from compiler.diagnostics import Reporter
from compiler.plan import Block, Plan
from compiler.yamltree import YMap, YNode, YScalar, YSeq, load_yaml, to_plain
from gml import Source
from gml.text import suggest
from runtime import MockFileError, Mocks, RunResult, Runtime

__all__ = ["Case", "CaseOutcome", "Expect", "TestFile", "TestFileError", "check_case",
           "compile_test_flow", "load_test_file", "run_case"]

FILE_KEYS = ("flow", "source", "mocks", "cases")
CASE_KEYS = ("name", "input", "mocks", "tenant", "bu", "expect")
EXPECT_KEYS = ("status", "output", "error", "calls", "before")
STATUSES = ("completed", "failed", "cancelled")
MAX_DIFFERENCES = 10
SHORT = 70


class TestFileError(Exception):
    """A malformed test file: where, and what is wrong."""

    __test__ = False  # not a pytest class

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass(slots=True)
class Expect:
    """What a case expects (absent parts are not checked, except ``status``)."""

    status: str = "completed"
    output: Any = None
    has_output: bool = False
    error: dict[str, Any] | None = None
    calls: dict[str, int] | None = None
    before: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Case:
    """One case of a test file."""

    name: str
    line: int
    inputs: dict[str, Any]
    mocks: dict[str, Any]
    expect: Expect
    tenant: str | None = None
    bu: str | None = None


@dataclass(slots=True)
class TestFile:
    """A parsed test file.

    Attributes:
        path: the test file.
        flow_path: the flow's path as shown in diagnostics.
        flow_text: the flow's YAML text.
        shift: for an inline ``source:``, (lines, columns) to add to the flow's diagnostic
            positions to point into the test file; None for a flow file.
        source: the test file's text (for rendering diagnostics of inline flows).
        cases: the cases, in file order.
    """

    __test__ = False

    path: Path
    flow_path: str
    flow_text: str
    shift: tuple[int, int] | None
    source: Source
    cases: list[Case]


@dataclass(slots=True)
class CaseOutcome:
    """A case's result: ``problems`` is empty when it passed."""

    case: Case
    problems: list[str]
    result: RunResult | None = None

    @property
    def passed(self) -> bool:
        return not self.problems


# --- YAML → values -----------------------------------------------------------------------


class _Reader:
    """Validates one test file's tree, raising `TestFileError` with positions."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.shown = str(path)
        self.text = text
        self.source = Source(text)

    def error(self, node: YNode | None, message: str) -> TestFileError:
        offset = node.span.start if node is not None else 0
        line, column = self.source.position(offset)
        return TestFileError(self.shown, line, column, message)

    def key_error(self, node: YMap, allowed: Sequence[str], where: str) -> None:
        for key, _value in node.entries:
            name = str(key.value)
            if name in allowed:
                continue
            hint = suggest(name, allowed)
            advice = f"did you mean '{hint}'?" if hint else f"expected {', '.join(allowed)}"
            raise self.error(key, f"unknown key '{name}' {where}; {advice}")

    def mapping(self, node: YNode, what: str) -> YMap:
        if not isinstance(node, YMap):
            raise self.error(node, f"{what} must be a mapping, not {node.describe()}")
        return node

    def text_value(self, node: YNode, what: str) -> str:
        if not isinstance(node, YScalar) or node.value is None or node.kind == "bool":
            raise self.error(node, f"{what} must be text, not {node.describe()}")
        return str(node.value)

    # ------------------------------------------------------------------ the file

    def read(self) -> TestFile:
        reporter = Reporter(self.shown, self.source)
        root = load_yaml(self.text, reporter)
        errors = [d for d in reporter.diagnostics if d.is_error]
        if errors:
            first = errors[0]
            raise TestFileError(self.shown, first.line, first.column, first.message)
        if root is None:
            raise TestFileError(self.shown, 1, 1, "the test file is empty; it needs flow: "
                                "(or source:) and cases:")
        root = self.mapping(root, "a test file")
        self.key_error(root, FILE_KEYS, "in the test file")
        flow_node, source_node = root.get("flow"), root.get("source")
        if (flow_node is None) == (source_node is None):
            where = root.key("source") if flow_node is not None else root
            raise self.error(where, "give the flow to test with exactly one of flow: (a path "
                             "relative to this file) or source: (an inline flow document)")
        if flow_node is not None:
            flow_path, flow_text, shift = self.flow_file(flow_node)
        else:
            assert source_node is not None
            flow_path = f"{self.shown} (source)"
            flow_text, shift = self.inline(source_node)
        shared: dict[str, Any] = {}
        mocks_node = root.get("mocks")
        if mocks_node is not None and not _is_null(mocks_node):
            shared = self.mocks(mocks_node)
        cases_node = root.get("cases")
        if cases_node is None:
            raise self.error(root, "the test file has no cases: (a list of cases)")
        if not isinstance(cases_node, YSeq) or not cases_node.items:
            raise self.error(cases_node, "cases: must be a non-empty list of cases")
        cases = [self.case(node, i, shared) for i, node in enumerate(cases_node.items)]
        return TestFile(self.path, flow_path, flow_text, shift, self.source, cases)

    def flow_file(self, node: YNode) -> tuple[str, str, None]:
        name = self.text_value(node, "flow:")
        target = self.path.parent / name
        if not target.is_file():
            raise self.error(node, f"the flow file {target} does not exist (flow: is a path "
                             "relative to the test file)")
        try:
            text = target.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise self.error(node, f"the flow file {target} cannot be read: {reason}"
                             ) from None
        return str(target), text, None

    def inline(self, node: YNode) -> tuple[str, tuple[int, int] | None]:
        """The text of an inline flow and the shift from its positions to the file's."""
        line, column = self.source.position(node.span.start)
        if isinstance(node, YScalar) and node.kind == "str":
            text = str(node.value)
            if node.style in ("|", ">"):
                content = self.source.line_text(line + 1)
                indent = len(content) - len(content.lstrip(" "))
                return text, (line, indent)
            return text, None
        if isinstance(node, YMap) and "flow" in node:
            start = node.span.start - (column - 1)
            prefix = self.text[start:node.span.start]
            if prefix.strip() == "":
                cut = column - 1
                lines = self.text[start:node.span.end].split("\n")
                body = "\n".join(ln[min(cut, len(ln) - len(ln.lstrip(" "))):] for ln in lines)
                return body.rstrip() + "\n", (line - 1, cut)
            return yaml.safe_dump(to_plain(node), sort_keys=False, allow_unicode=True), None
        raise self.error(node, "source: must be an inline flow document (a mapping with "
                         "flow:, or a block of YAML text)")

    # ------------------------------------------------------------------ mocks and cases

    def mocks(self, node: YNode) -> dict[str, Any]:
        """Inline mocks (URI → answer, and ``passthrough``), validated now so that a
        misspelt key is a malformed file, not a surprise in the middle of a run."""
        data = to_plain(self.mapping(node, "mocks:"))
        try:
            Mocks.from_mapping(data, source=self.shown)
        except MockFileError as error:
            target = _locate(node, error.keys, on_key=error._on_key)
            raise self.error(target, f"mocks: {error.message}") from None
        return dict(data)

    def case(self, node: YNode, index: int, shared: Mapping[str, Any]) -> Case:
        case = self.mapping(node, f"case {index + 1}")
        line, _column = self.source.position(case.span.start)
        self.key_error(case, CASE_KEYS, f"in case {index + 1}")
        name_node = case.get("name")
        name = self.text_value(name_node, "name:") if name_node is not None \
            else f"case {index + 1}"
        inputs: dict[str, Any] = {}
        input_node = case.get("input")
        if input_node is not None and not _is_null(input_node):
            inputs = to_plain(self.mapping(input_node, "input:"))
        mocks = dict(shared)
        mocks_node = case.get("mocks")
        if mocks_node is not None and not _is_null(mocks_node):
            mocks.update(self.mocks(mocks_node))
        context: dict[str, str | None] = {}
        for key in ("tenant", "bu"):
            value = case.get(key)
            context[key] = None if value is None or _is_null(value) \
                else self.text_value(value, f"{key}:")
        expect_node = case.get("expect")
        expect = Expect() if expect_node is None or _is_null(expect_node) \
            else self.expect(expect_node)
        return Case(name, line, inputs, mocks, expect, context["tenant"], context["bu"])

    def expect(self, node: YNode) -> Expect:
        expect = self.mapping(node, "expect:")
        self.key_error(expect, EXPECT_KEYS, "in expect:")
        result = Expect()
        error_node = expect.get("error")
        if error_node is not None:
            result.error = to_plain(self.mapping(error_node, "expect: error:"))
            result.status = "failed"
        status_node = expect.get("status")
        if status_node is not None:
            status = self.text_value(status_node, "status:")
            if status not in STATUSES:
                hint = suggest(status, STATUSES)
                advice = f"did you mean '{hint}'?" if hint else f"expected {', '.join(STATUSES)}"
                raise self.error(status_node, f"unknown status '{status}'; {advice}")
            result.status = status
        output_node = expect.get("output")
        if output_node is not None:
            result.output, result.has_output = to_plain(output_node), True
        calls_node = expect.get("calls")
        if calls_node is not None:
            calls = self.mapping(calls_node, "expect: calls:")
            result.calls = {}
            for key, value in calls.entries:
                count = value.value if isinstance(value, YScalar) else None
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise self.error(value, f"calls: {key.value} must be a number of calls "
                                     "(0 or more)")
                result.calls[str(key.value).split("?", 1)[0]] = count
        before_node = expect.get("before")
        if before_node is not None:
            result.before = self.before(before_node)
        return result

    def before(self, node: YNode) -> list[tuple[str, str]]:
        shape = "before: must be a list of [a, b] pairs of node names"
        if not isinstance(node, YSeq):
            raise self.error(node, shape)
        pairs = []
        for item in node.items:
            if not isinstance(item, YSeq) or len(item.items) != 2 or not all(
                    isinstance(x, YScalar) and x.kind == "str" for x in item.items):
                raise self.error(item, shape)
            first, second = (str(x.value) for x in item.items if isinstance(x, YScalar))
            pairs.append((first, second))
        return pairs


def _is_null(node: YNode) -> bool:
    return isinstance(node, YScalar) and node.kind == "null"


def _locate(node: YNode, keys: Sequence[str | int], *, on_key: bool) -> YNode:
    """The node at ``keys`` below ``node`` (as far as it exists)."""
    target: YNode = node
    for depth, key in enumerate(keys):
        if isinstance(target, YMap):
            value = target.get(str(key))
            if value is None:
                break
            if depth == len(keys) - 1 and on_key:
                found = target.key(str(key))
                return found if found is not None else value
            target = value
        elif isinstance(target, YSeq) and isinstance(key, int) and 0 <= key < len(target.items):
            target = target.items[key]
        else:
            break
    return target


def load_test_file(path: Path) -> TestFile:
    """Read and validate a test file.

    Raises:
        TestFileError: the file is malformed (with its line and column).
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise TestFileError(str(path), 1, 1, f"cannot read the test file: "
                            f"{error.strerror or error}") from None
    except UnicodeDecodeError:
        raise TestFileError(str(path), 1, 1, "the test file is not UTF-8 text") from None
    return _Reader(path, text).read()


# --- running cases -----------------------------------------------------------------------


def run_case(plan: Plan, case: Case, *, timezone: str | None = None,
             source: str = "<mocks>") -> RunResult:
    """Run one case: mocks only, no store, on a virtual clock."""
    mocks = Mocks.from_mapping(case.mocks, source=source)

    async def main() -> RunResult:
        async with Runtime(mocks=mocks, timezone=timezone) as rt:
            return await rt.run(plan, case.inputs, tenant=case.tenant, bu=case.bu)

    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def _normal(value: Any) -> Any:
    try:
        return json.loads(gml.to_json(value))
    except (gml.GmlError, ValueError):
        return json.loads(json.dumps(value, default=str))


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _differences(expected: Any, actual: Any, path: str, out: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            where = f"{path}.{key}"
            if key not in actual:
                out.append(f"{where}: missing (expected {_short(value)})")
            else:
                _differences(value, actual[key], where, out)
        for key, value in actual.items():
            if key not in expected:
                out.append(f"{path}.{key}: unexpected {_short(value)}")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(f"{path}: expected {len(expected)} items, got {len(actual)}: "
                       f"{_short(actual)}")
            return
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _differences(e, a, f"{path}[{i}]", out)
        return
    if not _same(expected, actual):
        out.append(f"{path}: expected {_short(expected)}, got {_short(actual)}")


def _subset(expected: Any, actual: Any, path: str, out: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.append(f"{path}: expected a mapping with {_short(expected)}, got "
                       f"{_short(actual)}")
            return
        for key, value in expected.items():
            where = f"{path}.{key}"
            if key not in actual:
                out.append(f"{where}: missing (expected {_short(value)})")
            elif key == "code" and not isinstance(value, dict | list):
                if str(value) != str(actual[key]):
                    out.append(f"{where}: expected {_short(str(value))}, got "
                               f"{_short(actual[key])}")
            else:
                _subset(value, actual[key], where, out)
        return
    _differences(expected, actual, path, out)


def _node_ids(block: Block | None) -> list[str]:
    if block is None:
        return []
    ids = []
    for node in block.nodes:
        ids.append(node.id)
        ids.extend(_node_ids(node.block))
    return ids


def _order_problem(events: Sequence[Mapping[str, Any]], first: str, second: str,
                   known: Sequence[str]) -> str | None:
    """Why ``first`` did not complete before ``second`` started, or None."""
    paths = {str(e.get("node", "")) for e in events if str(e.get("type", "")).startswith("node.")}

    def matcher(name: str) -> Callable[[str], bool]:
        if name in paths:
            return lambda path: path == name
        return lambda path: path.rsplit("/", 1)[-1] == name

    for name in (first, second):
        if not all(re.sub(r"\[\d+\]$", "", part) in known for part in name.split("/")):
            hint = suggest(name, known)
            advice = f"; did you mean '{hint}'?" if hint else ""
            return f"before [{first}, {second}]: the flow has no node '{name}'{advice}"
    is_first, is_second = matcher(first), matcher(second)
    done = [i for i, e in enumerate(events)
            if e.get("type") == "node.completed" and is_first(str(e.get("node", "")))]
    started = [i for i, e in enumerate(events)
               if e.get("type") == "node.started" and is_second(str(e.get("node", "")))]
    if not done:
        states = sorted({str(e.get("type", "")).partition(".")[2] for e in events
                         if is_first(str(e.get("node", "")))} - {"started"})
        what = f" (it was {', '.join(states)})" if states else " (it never ran)"
        return f"before [{first}, {second}]: {first} never completed{what}"
    if not started:
        return f"before [{first}, {second}]: {second} never started"
    if max(done) > min(started):
        return (f"before [{first}, {second}]: {second} started (event {min(started)}) before "
                f"{first} completed (event {max(done)})")
    return None


def _error_text(error: Mapping[str, Any] | None) -> str:
    if not error:
        return "no error"
    node = f" at {error['node']}" if error.get("node") else ""
    return f"{error.get('code', '?')}{node}: {error.get('message', '')}"


def check_case(case: Case, result: RunResult, plan: Plan) -> list[str]:
    """What differs between the case's expectations and the run (empty: it passed)."""
    expect = case.expect
    problems: list[str] = []
    status_ok = result.status == expect.status
    if not status_ok:
        line = f"status: expected {expect.status}, got {result.status}"
        if result.error:
            line += f" ({_error_text(result.error)})"
        problems.append(line)
    if status_ok and expect.has_output:
        found: list[str] = []
        _differences(_normal(expect.output), _normal(result.output), "output", found)
        problems.extend(_limit(found))
    if status_ok and expect.error is not None:
        found = []
        _subset(_normal(expect.error), _normal(result.error), "error", found)
        problems.extend(_limit(found))
    if expect.calls is not None:
        for uri, count in expect.calls.items():
            got = len(result.calls.get(uri, ()))
            if got != count:
                problems.append(f"calls {uri}: expected {_calls(count)}, got {_calls(got)}")
    known = _node_ids(plan.block)
    for first, second in expect.before:
        problem = _order_problem(result.events, first, second, known)
        if problem is not None:
            problems.append(problem)
    return problems


def _calls(count: int) -> str:
    return f"{count} call{'' if count == 1 else 's'}"


def _limit(found: list[str]) -> list[str]:
    if len(found) <= MAX_DIFFERENCES:
        return found
    more = len(found) - MAX_DIFFERENCES
    return [*found[:MAX_DIFFERENCES], f"… and {more} more difference{'s' if more > 1 else ''}"]


def compile_test_flow(test: TestFile, catalog: ToolCatalog | None
                      ) -> tuple[Plan | None, list[str]]:
    """The plan of a test file's flow, or (None, its errors rendered for people, placed in
    the test file when the flow is written inside it)."""
    result = check_text(test.flow_text, test.flow_path, catalog=catalog)
    if result.plan is not None:
        return result.plan, []
    errors = [d for d in result.diagnostics if d.is_error]
    if test.shift is None:
        return None, [d.render(result.source) for d in errors]
    lines, columns = test.shift
    moved = [replace(d, path=str(test.path), line=d.line + lines, end_line=d.end_line + lines,
                     column=d.column + columns, end_column=d.end_column + columns)
             for d in errors]
    return None, [d.render(test.source) for d in moved]


