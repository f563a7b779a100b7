"""The crash suite (issue #17): ``fdl run`` is killed (``kill -9``) at a random point of a
flow that writes to a SQLite table (``db://``) and calls a local HTTP server (``api://``),
then resumed; the resumed run must end with the output of an uninterrupted run, and no side
effect may happen twice: one row per item in the table, one applied effect per item on the
server (which honours ``Idempotency-Key``, as the spec asks of tools).

``FDL_CRASH_TRIALS`` (default 4) sets the number of kills; ``FDL_CRASH_SEED`` the seed of the
kill points (default fixed, so CI is repeatable).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fdl.cli import main
from runtime.store import open_store
from tests._http import JsonHandler, LocalServer, serving

TRIALS = int(os.environ.get("FDL_CRASH_TRIALS", "4"))
SEED = int(os.environ.get("FDL_CRASH_SEED", "17"))
ITEMS = list(range(1, 7))

FLOW = """\
    flow:
        name: Ledger
        args:
            in:
                items: long[]
        node:
            init:
                exec: db://shop.item/init
                next: proc
            proc:
                each: items => x
                vars: acc = []
                node:
                    write:
                        exec: db://shop.item/create
                        args: "data = {label: x}"
                        next: post
                    post:
                        exec: api://ledger/post
                        args: n = x
                        sets: acc = acc.add(post.n)
                with: acc
"""

ITEM_SPEC = """\
    type: db
    code: shop.item
    args:
        out: {id: long?, label: long}
"""

POST_SPEC = """\
    type: api
    code: ledger/post
    args:
        in:
            n: long
        out: {n: long}
    config:
        method: POST
        path: /post
"""


class _Ledger(JsonHandler):
    """Applies each POST once per Idempotency-Key, then answers slowly (so a kill often
    falls between the effect and the answer: the call is in flight)."""

    def do_POST(self) -> None:
        n = self.read_json()["n"]
        key = self.headers.get("Idempotency-Key") or ""
        with self.server.lock:
            self.server.log.append({"key": key, "n": n})
            self.server.counters.setdefault(key, n)
        time.sleep(0.15)
        self.reply(200, {"n": n})


@pytest.fixture
def ledger() -> Iterator[LocalServer]:
    with serving(_Ledger) as server:
        yield server


def fdl_exe() -> str:
    exe = shutil.which("fdl", path=str(Path(sys.executable).parent))
    assert exe is not None, "the fdl console script is installed with the package"
    return exe


def project(folder: Path, server: LocalServer) -> Path:
    folder.mkdir(parents=True)
    (folder / "tools").mkdir()
    (folder / "fdl.yaml").write_text(textwrap.dedent(f"""\
        tools: tools/
        services:
            ledger: {{url: '{server.url}'}}
        databases:
            shop: sqlite:///shop.db
    """), encoding="utf-8")
    (folder / "tools" / "item.yaml").write_text(textwrap.dedent(ITEM_SPEC), encoding="utf-8")
    (folder / "tools" / "post.yaml").write_text(textwrap.dedent(POST_SPEC), encoding="utf-8")
    (folder / "flow.yaml").write_text(textwrap.dedent(FLOW), encoding="utf-8")
    return folder


def start(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [fdl_exe(), "run", "flow.yaml", "--json", "--store", "runs.db", "--input",
         json.dumps({"items": ITEMS})], cwd=folder, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def resume(folder: Path, run_id: str) -> dict[str, Any]:
    done = subprocess.run([fdl_exe(), "runs", "resume", run_id, "--json", "--store",
                           "runs.db"], cwd=folder, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run_id_of(folder: Path, process: subprocess.Popen[str]) -> str:
    """Wait until the run is in the store; its id."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (folder / "runs.db").exists():
            store = open_store(folder / "runs.db")
            try:
                runs = store.list()
                if runs:
                    return runs[0].run_id
            finally:
                store.close()
        assert process.poll() is None or (folder / "runs.db").exists(), process.communicate()
        time.sleep(0.02)
    process.kill()
    raise AssertionError("the run never appeared in the store")


def effects(folder: Path, server: LocalServer) -> tuple[list[int], list[int]]:
    """The labels written to the table, the items the server applied (both sorted)."""
    with sqlite3.connect(folder / "shop.db") as db:
        rows = sorted(label for (label,) in db.execute("SELECT label FROM item"))
    with server.lock:
        applied = sorted(server.counters.values())
    return rows, applied


@pytest.mark.slow
def test_killed_runs_resume_to_the_same_output_without_repeating_an_effect(
        tmp_path: Path, ledger: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # The reference: one uninterrupted run.
    reference = project(tmp_path / "reference", ledger)
    monkeypatch.chdir(reference)  # in-process: one process start fewer
    whole = CliRunner().invoke(main, ["run", "flow.yaml", "--json", "--store", "runs.db",
                                      "--input", json.dumps({"items": ITEMS})])
    assert whole.exit_code == 0, whole.output
    expected = json.loads(whole.stdout)["output"]
    assert expected == ITEMS
    assert effects(reference, ledger) == (ITEMS, ITEMS)
    took = 0.15 * len(ITEMS)

    chance = random.Random(SEED)
    interrupted = 0
    for trial in range(TRIALS):
        with ledger.lock:
            ledger.counters.clear()
            ledger.log.clear()
        folder = project(tmp_path / f"trial{trial}", ledger)
        process = start(folder)
        run_id = run_id_of(folder, process)
        time.sleep(chance.uniform(0, took))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        store = open_store(folder / "runs.db")
        try:
            status = store.get(run_id).status  # type: ignore[union-attr]
        finally:
            store.close()
        if status == "running":
            interrupted += 1
            result = resume(folder, run_id)
        else:  # it ended before the kill
            result = {"status": status, "output": expected}
        assert result["status"] == "completed", result
        assert result["output"] == expected
        rows, applied = effects(folder, ledger)
        assert rows == ITEMS, f"trial {trial}: table rows {rows}"
        assert applied == ITEMS, f"trial {trial}: applied {applied}"
        with ledger.lock:
            keys = {entry["key"] for entry in ledger.log}
        assert len(keys) == len(ITEMS)  # a repeated call reuses its key
    assert interrupted >= TRIALS // 2, "most kills should hit a running run"
