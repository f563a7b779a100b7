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
from typing import Annotated, Any, Literal

import trio
import trio.testing
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

import gml
from compiler import ToolCatalog, check_text
from compiler.diagnostics import Reporter
from compiler.plan import Block, Plan
from compiler.validate import Invalid, Loc, Wording, validate
from compiler.yamltree import YMap, YNode, YScalar, YSeq, load_yaml, to_plain
from fdl.project import ProjectTools
from gml import Source
from gml.text import suggest
from runtime import Mocks, RunResult, Runtime
from stdlib.tools.mocks import MockEntries, mock_name

__all__ = ["Case", "CaseModel", "CaseOutcome", "Expect", "ExpectModel", "TestFile",
           "TestFileError", "TestFileModel", "check_case", "compile_test_flow",
           "load_test_file", "run_case"]
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


# --- the model of a test file ------------------------------------------------------------


def _scalar_text(value: Any) -> Any:
    """Names and tenants may be written as numbers (``name: 1``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _pairs(value: list[Any]) -> list[tuple[str, str]]:
    for index, item in enumerate(value):
        if not (isinstance(item, list) and len(item) == 2
                and all(isinstance(name, str) for name in item)):
            raise Invalid("must be a list of [a, b] pairs of node names", at=(index,))
    return [(str(a), str(b)) for a, b in value]


Text = Annotated[str, BeforeValidator(_scalar_text), Wording(expect="text")]
Calls = Annotated[int, Field(ge=0), Wording(expect="a number of calls (0 or more)")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ExpectModel(_Model):
    """``expect:`` of a case."""

    status: Annotated[Literal["completed", "failed", "cancelled"] | None, Wording(
        noun="status")] = Field(None, description="default: failed when error is given")
    output: Any = Field(None, description="the exact output")
    error: dict[str, Any] | None = Field(None, description="a subset of the error object")
    calls: dict[str, Calls] | None = Field(None, description="calls per tool URI")
    before: Annotated[list[Any], AfterValidator(_pairs), Wording(
        expect="a list of [a, b] pairs of node names")] | None = Field(
        None, description="[a, b]: a completed before b started")


class CaseModel(_Model):
    """One entry of ``cases:``."""

    name: Text | None = None
    input: dict[str, Any] | None = Field(None, description="the flow's inputs")
    mocks: MockEntries | None = Field(None, description="tools.md §7, inline; over the "
                                                        "file's")
    tenant: Text | None = Field(None, description="tenantId of the run")
    bu: Text | None = Field(None, description="buCode of the run")
    expect: ExpectModel | None = None


class TestFileModel(_Model):
    """A flow test file (spec/interfaces.md §4)."""

    __test__ = False  # not a pytest class

    flow: Text | None = Field(None, description="the flow's path, relative to the test file")
    source: Any = Field(None, description="an inline flow document")
    mocks: MockEntries | None = Field(None, description="mocks shared by every case")
    cases: Annotated[list[Annotated[CaseModel, Wording(expect="a mapping")]], Field(
        min_length=1), Wording(expect="a non-empty list of cases",
                               missing="has no cases: (a list of cases)")]

    @model_validator(mode="after")
    def _one_flow(self) -> TestFileModel:
        if (self.flow is None) == (self.source is None):
            raise Invalid("give the flow to test with exactly one of flow: (a path relative "
                          "to this file) or source: (an inline flow document)", whole=True,
                          at=("source",) if self.flow is not None else (), key=True)
        return self


def _name(loc: Loc) -> str | None:
    """How messages name the parts of a test file: ``case 2``, ``expect:``, ``calls:
    api://a/b``, and the parts of inline mocks as mock files do."""
    if "mocks" in loc:
        at = loc.index("mocks")
        return "mocks:" if len(loc) == at + 1 else mock_name(loc, at + 1)
    if not loc:
        return None
    if loc[0] != "cases":
        return f"{loc[0]}:" if len(loc) == 1 else None
    if len(loc) == 1:
        return "cases:"
    if len(loc) == 2:
        return f"case {int(loc[1]) + 1}"
    tail = loc[2:]
    if tail[0] != "expect":
        return f"{tail[0]}:" if len(tail) == 1 else None
    if len(tail) == 1:
        return "expect:"
    if tail[1] == "calls" and len(tail) == 3:
        return f"calls: {tail[2]}"
    if tail[1] == "before":
        return "before:"
    if tail[1] == "error" and len(tail) == 2:
        return "expect: error:"
    return f"{tail[1]}:" if len(tail) == 2 else None


# --- YAML → values -----------------------------------------------------------------------


class _Reader:
    """Reads one test file: its tree validated by `TestFileModel` (`compiler.validate`),
    then what the model cannot see (the flow file, an inline flow's text and shift), raising
    `TestFileError` with positions."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.shown = str(path)
        self.text = text
        self.source = Source(text)

    def error(self, node: YNode | None, message: str) -> TestFileError:
        offset = node.span.start if node is not None else 0
        line, column = self.source.position(offset)
        return TestFileError(self.shown, line, column, message)

    # ------------------------------------------------------------------ the file

    def read(self) -> TestFile:
        reporter = Reporter(self.shown, self.source)
        root = load_yaml(self.text, reporter)
        errors = [d for d in reporter.diagnostics if d.is_error]
        if errors:
            first = errors[0]
            raise TestFileError(self.shown, first.line, first.column,
                                f"{first.code}: {first.message}")
        if root is None:
            raise TestFileError(self.shown, 1, 1, "the test file is empty; it needs flow: "
                                "(or source:) and cases:")
        found = validate(root, TestFileModel, name=_name, root="the test file",
                         context={"env": None})
        if found.value is None:
            problem = found.problems[0]
            offset = problem.span.start if problem.span is not None else 0
            line, column = self.source.position(offset)
            raise TestFileError(self.shown, line, column, problem.message)
        assert isinstance(root, YMap)  # the model is a mapping
        model = found.value
        flow_node, source_node = root.get("flow"), root.get("source")
        if model.flow is not None and flow_node is not None:
            flow_path, flow_text, shift = self.flow_file(model.flow, flow_node)
        else:
            assert source_node is not None
            flow_path = f"{self.shown} (source)"
            flow_text, shift = self.inline(source_node)
        shared = _plain_mocks(root.get("mocks"))
        cases_node = root.get("cases")
        assert isinstance(cases_node, YSeq)
        cases = [self.case(case, node, i, shared)
                 for i, (case, node) in enumerate(zip(model.cases, cases_node.items,
                                                      strict=True))]
        return TestFile(self.path, flow_path, flow_text, shift, self.source, cases)

    def flow_file(self, name: str, node: YNode) -> tuple[str, str, None]:
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

    # ------------------------------------------------------------------ cases

    def case(self, model: CaseModel, node: YNode, index: int, shared: Mapping[str, Any]
             ) -> Case:
        line, _column = self.source.position(node.span.start)
        mocks = dict(shared)
        if isinstance(node, YMap):
            mocks.update(_plain_mocks(node.get("mocks")))
        return Case(model.name if model.name is not None else f"case {index + 1}", line,
                    dict(model.input or {}), mocks, _expect(model.expect), model.tenant,
                    model.bu)


def _plain_mocks(node: YNode | None) -> dict[str, Any]:
    """Inline mocks as written (validated already), for `Mocks.from_mapping` at run time."""
    data = to_plain(node) if node is not None else None
    return dict(data) if isinstance(data, Mapping) else {}


def _expect(model: ExpectModel | None) -> Expect:
    result = Expect()
    if model is None:
        return result
    if model.error is not None:
        result.error = dict(model.error)
        result.status = "failed"
    if model.status is not None:
        result.status = model.status
    if "output" in model.model_fields_set:
        result.output, result.has_output = model.output, True
    if model.calls is not None:
        result.calls = {uri.split("?", 1)[0]: count for uri, count in model.calls.items()}
    if model.before is not None:
        result.before = list(model.before)
    return result


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
             source: str = "<mocks>",
             tools: Callable[[], ProjectTools] | None = None) -> RunResult:
    """Run one case: no store, on a virtual clock, with its mocks only; when they say
    ``passthrough: true``, unmocked calls reach the real tools that ``tools`` builds (the
    project's adapters, opened for this case and closed after it), as with ``fdl run
    --mock``. A mock that scripts an agent's ``replies`` needs the project's agents too:
    the real tools are built then as well (only the agent is reached through them; its
    tool calls go through the mocks)."""
    mocks = Mocks.from_mapping(case.mocks, source=source)

    async def main() -> RunResult:
        wanted = mocks.passthrough or mocks.scripted
        real = tools() if tools is not None and wanted else None
        try:
            async with Runtime(tools=None if real is None else real.provider, mocks=mocks,
                               timezone=timezone) as rt:
                return await rt.run(plan, case.inputs, tenant=case.tenant, bu=case.bu)
        finally:
            if real is not None:
                await real.aclose()

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


