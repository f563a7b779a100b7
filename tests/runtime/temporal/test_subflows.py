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
