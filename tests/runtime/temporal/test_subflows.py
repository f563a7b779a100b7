"""``flow://`` on Temporal: the called flows travel with the run and run as child
workflows, with the results, errors and limits of a local run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ._engines import outcome, run_local, run_temporal
from .conftest import TASK_QUEUE, WorkerThread

FILES = {
    "child.yaml": """\
        flow:
            name: child
            args:
                in:
                    x: int
            node:
                g:
                    exec: flow://grand
                    args: v = x
                    with: "{y: g.v2, tenant: tenantId}"
    """,
    "grand.yaml": """\
        flow:
            name: grand
            args:
                in:
                    v: int
            node:
                calc:
                    with: "{v2: v * 2}"
    """,
    "bad.yaml": """\
        flow:
            name: bad
            args:
                in:
                    needed: string
            node:
                never:
                    with: needed
    """,
    "twice.yaml": """\
        flow:
            name: twice
            args:
                in:
                    x: int
            node:
                one:
                    exec: flow://grand
                    args: v = x
                    next: two
                two:
                    exec: flow://grand
                    args: v = one.v2
                    with: "{v4: two.v2}"
    """,
    "self.yaml": """\
        flow:
            name: self
            node:
                again:
                    exec: flow://self
    """,
}

PARENT = """\
    flow:
        name: parent
        node:
            a:
                exec: flow://child
                args: x = 5
                next: merge
            b:
                exec: flow://bad
                fail: handled
            handled:
                with: "{code: b.error.code, message: b.error.message}"
                next: merge
            missing:
                exec: flow://nowhere
                fail: merge
            merge:
                with: "{a: a, b: handled, missing: missing.error}"
"""

RECURSION = """\
    flow:
        name: top
        node:
            start:
                exec: flow://self
"""

PASS = {"mocks": {}, "passthrough": True}


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("flow", [PARENT, RECURSION], ids=["nested, failing, missing",
                                                           "recursion F412"])
def test_called_flows_give_the_same_results_on_both_engines(
        flow: str, flows: Path, temporal_address: str, temporal_worker: WorkerThread) -> None:
    local = run_local(flow, {}, PASS, flows, tenant="acme")
    remote = run_temporal(temporal_address, TASK_QUEUE, flow, {}, PASS, flows, tenant="acme")
    assert outcome(remote) == outcome(local)
    assert remote.status in ("completed", "failed")


BUDGET = """\
    flow:
        name: budget
        node:
            a:
                exec: flow://twice
                args: x = 1
                next: b
            b:
                exec: flow://twice
                args: x = a.v4
                with: "{v: b.v4}"
"""


@pytest.mark.parametrize(("flow", "max_runs"), [
    (BUDGET, 6), (BUDGET, 4), (BUDGET, 3), (RECURSION, 3)],
    ids=["within flow-runs", "spent by another called flow, past it in a called flow",
         "past it at the top level", "recursion past flow-runs"])
def test_the_flow_runs_limit_is_the_same_on_both_engines(
        flow: str, max_runs: int, flows: Path, temporal_address: str,
        temporal_worker: WorkerThread) -> None:
    """flow-runs counts every flow:// run of the top-level run, at every depth: on Temporal
    the called flows ask the top-level workflow, and the error is the local one (F412)."""
    local = run_local(flow, {}, PASS, flows, max_runs=max_runs)
    remote = run_temporal(temporal_address, TASK_QUEUE, flow, {}, PASS, flows,
                          max_runs=max_runs)
    assert outcome(remote) == outcome(local)
    if max_runs == 6:
        assert remote.status == "completed" and remote.output == {"v": 16}
    else:
        assert remote.status == "failed"
        assert remote.error is not None and remote.error["code"] == "F412"
        assert remote.error["details"] == {"limit": "runs"}
