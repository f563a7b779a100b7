"""``flow://``: a flow calls another flow (tools.md §6)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import trio

import fdl
from runtime import RunResult, Runtime, Tools, chain
from runtime.subflows import FlowTools

CHILD = """\
    flow:
        name: Child
        args:
            in:
                n: int
            out:
                doubled: int
        node:
            step:
                exec: api://t/double
                args: v = n
                with: "{doubled: step, secret: 'trimmed'}"
"""

PARENT = """\
    flow:
        name: Parent
        args:
            in:
                n: int
        node:
            sub:
                exec: flow://child
                args: n = n
                next: done
            done:
                with: "{result: sub.doubled}"
"""

LOOP = """\
    flow:
        name: Loop
        node:
            again:
                exec: flow://loop
"""


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    for name, text in (("child", CHILD), ("parent", PARENT), ("loop", LOOP)):
        (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def run(flows: Path, name: str, inputs: dict[str, Any], **options: Any) -> RunResult:
    flow_tools = FlowTools(flows, **options)
    tools = chain(flow_tools, Tools({"api://t/double": lambda args: args["v"] * 2}))
    flow_tools.bind(tools)
    plan = fdl.load(flows / f"{name}.yaml")

    async def main() -> RunResult:
        async with Runtime(tools=tools) as rt:
            return await rt.run(plan, inputs)

    return trio.run(main)


def test_a_flow_calls_another_and_gets_its_shaped_result(flows: Path) -> None:
    result = run(flows, "parent", {"n": 21})
    assert result.status == "completed"
    assert result.output == {"result": 42}


def test_the_callee_events_are_nested_under_the_calling_node(flows: Path) -> None:
    result = run(flows, "parent", {"n": 1})
    nested = [(e["type"], e["node"]) for e in result.events if "nested" in e]
    assert ("node.started", "sub/step") in nested
    assert ("node.completed", "sub/step") in nested
    assert ("flow.completed", "sub") in nested
    assert all(e["run_id"] == result.run_id for e in result.events)


def test_the_callee_validates_its_inputs(flows: Path) -> None:
    (flows / "bad.yaml").write_text(textwrap.dedent(PARENT).replace("args: n = n",
                                                                     "args: n = 'many'"))
    result = run(flows, "bad", {"n": 1})
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["code"] == "F402" and result.error["node"] == "sub"
    assert result.error["type"] == "validation"


def test_recursion_deeper_than_the_limit_is_f412(flows: Path) -> None:
    result = run(flows, "loop", {}, max_depth=5)
    assert result.status == "failed"
    assert result.error is not None and result.error["code"] == "F412"
    assert "5 levels" in result.error["message"]


def test_flow_id_option_and_unknown_flows(flows: Path) -> None:
    (flows / "by_id.yaml").write_text(textwrap.dedent(PARENT).replace(
        "exec: flow://child", "exec: flow://call?flow-id=child"))
    assert run(flows, "by_id", {"n": 2}).output == {"result": 4}
    (flows / "missing.yaml").write_text(textwrap.dedent(PARENT).replace(
        "flow://child", "flow://nobody"))
    result = run(flows, "missing", {"n": 2})
    assert result.error is not None and result.error["code"] == "F406"


def test_paths_outside_the_flows_folder_are_not_flows(flows: Path) -> None:
    tools = FlowTools(flows)
    assert tools.resolve("flow://../etc/passwd") is None
    assert tools.resolve("flow:///etc/passwd") is None
    assert tools.resolve("api://child") is None
    tool = tools.resolve("flow://child")
    assert tool is not None and tuple(tool.arguments) == ("n",)


TWICE = """\
    flow:
        name: Rec
        node:
            count:
                exec: api://t/count
                next: [left, right]
            left:
                exec: flow://rec
            right:
                exec: flow://rec
"""


def test_a_flow_calling_itself_twice_is_bounded_by_total_runs(flows: Path) -> None:
    (flows / "rec.yaml").write_text(textwrap.dedent(TWICE), encoding="utf-8")
    calls: list[int] = []
    flow_tools = FlowTools(flows, max_runs=40)
    tools = chain(flow_tools, Tools({"api://t/count": lambda args: calls.append(1)}))
    flow_tools.bind(tools)

    async def main() -> RunResult:
        async with Runtime(tools=tools) as rt:
            return await rt.run(fdl.load(flows / "rec.yaml"), {})

    result = trio.run(main)
    assert result.status == "failed"
    assert result.error is not None and result.error["code"] == "F412"
    # 40 sub-runs and the top-level run, not 2^16: the limit bounds the work.
    assert len(calls) <= 41
    message = result.error["message"]
    assert message.startswith("the run started 40 flow:// runs, its limit (at rec.yaml)")
    assert "the flow Rec" not in message and message.count(";") == 1


def test_the_budget_is_per_top_level_run(flows: Path) -> None:
    (flows / "twice.yaml").write_text(textwrap.dedent("""\
        flow:
            name: Twice
            args:
                in:
                    n: int
            node:
                one:
                    exec: flow://child
                    args: n = n
                    next: two
                two:
                    exec: flow://child
                    args: n = n
        """), encoding="utf-8")
    assert run(flows, "twice", {"n": 1}, max_runs=2).status == "completed"
    assert run(flows, "twice", {"n": 1}, max_runs=2).status == "completed"  # a new budget
    assert run(flows, "twice", {"n": 1}, max_runs=1).error["code"] == "F412"  # type: ignore[index]


def test_a_deep_recursion_has_one_clean_f412_message(flows: Path) -> None:
    result = run(flows, "loop", {})
    assert result.error is not None and result.error["code"] == "F412"
    assert result.error["message"] == (
        "flows call each other more than 16 levels deep (at loop.yaml); check for a "
        "recursion without an end")


def test_a_deep_failure_keeps_the_innermost_reason_once(flows: Path) -> None:
    (flows / "middle.yaml").write_text(textwrap.dedent(PARENT).replace(
        "name: Parent", "name: Middle").replace("flow://child", "flow://bad"))
    (flows / "bad.yaml").write_text(textwrap.dedent(PARENT).replace(
        "name: Parent", "name: Bad").replace("args: n = n", "args: n = 'many'"))
    (flows / "top.yaml").write_text(textwrap.dedent(PARENT).replace(
        "name: Parent", "name: Top").replace("flow://child", "flow://middle"))
    result = run(flows, "top", {"n": 1})
    assert result.error is not None and result.error["code"] == "F402"
    message = result.error["message"]
    assert message.startswith("the flow Middle failed: ")
    assert message.count("the flow") == 1
    assert result.error["details"]["flows"] == ["Middle", "Bad", "Child"]


def test_named_flows_are_found_before_the_folder(flows: Path) -> None:
    """``named`` (what ``fdl serve`` passes for deployed flows) answers a name before the
    folder, by ``flow://name`` and by ``flow://call?flow-id=name``; other names still come
    from the folder, and a name it does not know is F406 as before."""
    tripled = fdl.load_text(textwrap.dedent(CHILD).replace(
        "{doubled: step, secret: 'trimmed'}", "{doubled: step + n}"))
    asked: list[str] = []

    def named(name: str) -> Any:
        asked.append(name)
        return tripled if name == "child" else None

    assert run(flows, "parent", {"n": 5}, named=named).output == {"result": 15}
    (flows / "by_id.yaml").write_text(textwrap.dedent(PARENT).replace(
        "exec: flow://child", "exec: flow://call?flow-id=child"))
    assert run(flows, "by_id", {"n": 5}, named=named).output == {"result": 15}
    assert run(flows, "parent", {"n": 5}).output == {"result": 10}  # without: the file
    (flows / "missing.yaml").write_text(textwrap.dedent(PARENT).replace(
        "flow://child", "flow://nobody"))
    result = run(flows, "missing", {"n": 2}, named=named)
    assert result.error is not None and result.error["code"] == "F406"
    assert "child" in asked and "nobody" in asked
