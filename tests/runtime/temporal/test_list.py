"""``fdl runs list --on temporal``: the flow runs of a namespace, printed like the local
list (the same columns, ``--json`` the same shape), without the child workflows of
``flow://`` calls."""

from __future__ import annotations

import json
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

from ._engines import plan_of
from .conftest import TASK_QUEUE, WorkerThread
from .test_cli import FAILING, FLOW, MOCKS, fdl

CHILD = """\
    flow:
        name: {name}
        args:
            in:
                x: int
        node:
            calc:
                with: "{{y: x + 1}}"
"""

PARENT = """\
    flow:
        name: {name}
        node:
            call:
                exec: flow://child
                args: x = 1
"""


def _listed(on: list[str], *options: str, count: int) -> list[dict[str, Any]]:
    """The JSON list, once visibility shows ``count`` runs (it lags the runs a little)."""
    runs: list[dict[str, Any]] = []
    for _ in range(100):
        result = fdl("runs", "list", *on, *options, "--json")
        assert result.exit_code == 0, result.stderr
        runs = json.loads(result.stdout)
        if len(runs) == count and all(r["status"] != "running" for r in runs):
            break
        time.sleep(0.1)
    return runs


def test_runs_list_on_temporal(tmp_path: Path, temporal_address: str,
                               temporal_worker: WorkerThread) -> None:
    tag = uuid.uuid4().hex[:8]
    name, child, parent = f"greet_{tag}", f"child_{tag}", f"parent_{tag}"
    (tmp_path / "fdl.yaml").write_text("flows: flows/\n", encoding="utf-8")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "child.yaml").write_text(
        textwrap.dedent(CHILD.format(name=child)), encoding="utf-8")
    flow = tmp_path / "greet.yaml"
    flow.write_text(textwrap.dedent(FLOW).replace("name: greet", f"name: {name}"),
                    encoding="utf-8")
    caller = tmp_path / "parent.yaml"
    caller.write_text(textwrap.dedent(PARENT.format(name=parent)), encoding="utf-8")
    assert plan_of(caller.read_text(encoding="utf-8")).name == parent
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(textwrap.dedent(MOCKS), encoding="utf-8")
    bad.write_text(textwrap.dedent(FAILING), encoding="utf-8")
    remote = ["--on", "temporal", "--temporal", temporal_address]
    ids = []
    for mock in (good, bad):
        ran = fdl("run", str(flow), "--set", "name=Ann", "--mock", str(mock), *remote,
                  "--task-queue", TASK_QUEUE, "--json", "--tenant", "acme")
        ids.append(json.loads(ran.stdout)["run_id"])
    called = fdl("run", str(caller), *remote, "--task-queue", TASK_QUEUE, "--json")
    assert json.loads(called.stdout)["status"] == "completed", called.stdout

    runs = _listed(remote, "--flow", name, count=2)
    assert [r["run_id"] for r in runs] == ids[::-1]  # newest first
    assert [r["status"] for r in runs] == ["failed", "completed"]
    assert runs[1]["output"] == {"text": "Dear Ann"} and runs[1]["error"] is None
    assert runs[0]["error"]["code"] == "0401"
    assert runs[1]["inputs"] == {"name": "Ann"}
    assert runs[1]["context"] == {"tenantId": "acme", "buCode": None}
    assert runs[1]["created_at"] <= runs[1]["updated_at"]

    # The same shape as the local list.
    store = tmp_path / "runs.db"
    local = fdl("run", str(flow), "--set", "name=Ann", "--mock", str(good), "--store",
                str(store), "--json")
    assert local.exit_code == 0, local.stderr
    listed = json.loads(fdl("runs", "list", "--store", str(store), "--json").stdout)
    assert list(listed[0]) == list(runs[1])
    assert listed[0]["output"] == runs[1]["output"]

    assert [r["run_id"] for r in _listed(remote, "--flow", name, "--status", "failed",
                                         count=1)] == ids[1:]
    assert len(_listed(remote, "--flow", parent, count=1)) == 1
    # The called flow ran as a child workflow: part of its caller's run, not listed.
    nothing = fdl("runs", "list", *remote, "--flow", child)
    assert nothing.exit_code == 0 and nothing.stdout == ""
    assert f"no runs on Temporal at {temporal_address} (namespace default)" in nothing.stderr

    table = fdl("runs", "list", *remote, "--flow", name).stdout
    header, *rows = table.splitlines()
    assert header.split() == ["RUN", "ID", "FLOW", "STATUS", "STARTED", "TOOK"]
    assert [row.split()[:3] for row in rows] == [[ids[1], name, "failed"],
                                                 [ids[0], name, "completed"]]

    wrong = fdl("runs", "list", *remote, "--store", str(store))
    assert wrong.exit_code == 2 and "--store" in wrong.stderr
    assert fdl("runs", "list", "--temporal", temporal_address).exit_code == 2
