"""A project whose ``fdl.yaml`` says ``state: postgresql://...`` (issue #23): runs and tools
live in the local PostgreSQL, shared by every process. Each test has a schema of its own.

The URL carries a password (the local server trusts loopback, so any password works): it
must never appear in any output, message or stored event.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.store import PgStore
from tests._postgres import SERVER, fresh_schema

from .test_cli_run import SLOW, SLOW_MOCKS, fdl_exe

PASSWORD = "Pw-9f3kQz-secret"

FLOW = """\
flow:
    name: Greet
    args:
        in:
            who: string
    node:
        hello:
            exec: api://crm-service/customer
            args: id = who
            next: done
        done:
            with: "{greeting: 'hello ' + hello.name}"
"""

MOCKS = """\
mocks:
    api://crm-service/customer:
        expr: "{id: args.id, name: 'Alice'}"
"""

CUSTOMER = """\
type: api
code: crm-service/customer
name: Get customer
desp: Returns one customer by id.
version: 1.2.0
tags: [crm]
args:
    in:
        id: string
config:
    method: GET
    path: /customers/{id}
"""

INVOICE = """\
type: api
code: billing/invoice
name: Create invoice
desp: Bills a customer for an order.
version: 1.0.0
args:
    in:
        orderId: string
config:
    method: POST
    path: /invoices
"""


def _with_password(url: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@", 1)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A project folder whose state is a fresh PostgreSQL schema (URL with a password)."""
    if not SERVER.startswith("postgresql://postgres@"):
        pytest.skip("the PostgreSQL tests of the CLI need FDL_TEST_POSTGRES with user postgres")
    with fresh_schema() as url:
        secret = _with_password(url)
        (tmp_path / "fdl.yaml").write_text(f"state: '{secret}'\n", encoding="utf-8")
        (tmp_path / "tools").mkdir()
        (tmp_path / "tools" / "customer.yaml").write_text(CUSTOMER, encoding="utf-8")
        (tmp_path / "flow.yaml").write_text(FLOW, encoding="utf-8")
        (tmp_path / "m.yaml").write_text(MOCKS, encoding="utf-8")
        yield tmp_path, url


def fdl(folder: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """Run ``fdl ARGS`` in its own process in ``folder``; the exit code must be ``code``
    and the password appears nowhere in its output."""
    done = subprocess.run([fdl_exe(), *args], cwd=folder, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == code, (done.stdout, done.stderr)
    assert PASSWORD not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_runs_and_tools_live_in_postgresql_and_other_processes_see_them(
        project: tuple[Path, str]) -> None:
    folder, url = project
    ran = fdl(folder, "run", "flow.yaml", "--mock", "m.yaml", "--set", "who=c1", "--json")
    result = json.loads(ran.stdout)
    assert result["status"] == "completed"
    assert result["output"] == {"greeting": "hello Alice"}
    run_id = result["run_id"]

    listed = json.loads(fdl(folder, "runs", "list", "--json").stdout)
    assert [run["run_id"] for run in listed] == [run_id]
    shown = json.loads(fdl(folder, "runs", "show", run_id, "--json").stdout)
    assert shown["status"] == "completed" and shown["flow"] == "Greet"
    assert not (folder / ".fdl" / "runs.db").exists()  # nothing went to SQLite

    # Tools: the folder is synced into PostgreSQL; a file registered by hand joins it.
    (folder / "invoice.yaml").write_text(INVOICE, encoding="utf-8")
    fdl(folder, "tools", "register", "invoice.yaml")
    found = json.loads(fdl(folder, "tools", "search", "invoice", "--json").stdout)
    assert [hit["uri"] for hit in found][:1] == ["api://billing/invoice"]
    found = json.loads(fdl(folder, "tools", "search", "customer", "--json").stdout)
    assert "api://crm-service/customer" in [hit["uri"] for hit in found]
    assert not (folder / ".fdl" / "registry.db").exists()

    # Another process, straight on the database, sees the same run and its events.
    with PgStore(url) as store:
        record = store.get(run_id)
        assert record is not None and record.status == "completed"
        stored = json.dumps(store.events(run_id)) + json.dumps(store.journal(run_id))
    assert PASSWORD not in stored


def test_a_killed_run_resumes_from_another_process_and_a_living_one_is_refused(
        project: tuple[Path, str]) -> None:
    folder, url = project
    shutil.rmtree(folder / "tools")  # the slow flow's tools are mocks only
    (folder / "slow.yaml").write_text(SLOW, encoding="utf-8")
    (folder / "slow-mocks.yaml").write_text(SLOW_MOCKS.replace("3000", "60000"),
                                            encoding="utf-8")
    process = subprocess.Popen(
        [fdl_exe(), "run", "slow.yaml", "--mock", "slow-mocks.yaml", "--set", "id=abc",
         "--json"], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        run_id = _first_stored(url, process)
        refused = fdl(folder, "runs", "resume", run_id, "--mock", "slow-mocks.yaml", "--json",
                      code=1)
        assert f"F410: run '{run_id}' is being run by process {process.pid}" in refused.stderr
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    (folder / "slow-mocks.yaml").write_text(SLOW_MOCKS, encoding="utf-8")
    resumed = fdl(folder, "runs", "resume", run_id, "--mock", "slow-mocks.yaml", "--json")
    assert json.loads(resumed.stdout) == {"run_id": run_id, "status": "completed",
                                          "output": {"a": "abc!", "b": "abc!?"}}
    with PgStore(url) as store:
        types = [event["type"] for event in store.events(run_id)]
        assert store.lease(run_id) is None
    assert types.count("flow.resumed") == 1 and types.count("flow.completed") == 1


def _first_stored(url: str, process: subprocess.Popen[str]) -> str:
    """Poll the store until the first node's completion is stored; returns the run id."""
    deadline = time.monotonic() + 60
    with PgStore(url) as store:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            for record in store.list():
                if any(e["type"] == "node.completed" and e["node"] == "first"
                       for e in store.events(record.run_id)):
                    return record.run_id
            time.sleep(0.05)
    raise AssertionError("the first node's completion was never stored")


def test_an_unreachable_database_is_an_error_naming_it_without_the_password(
        tmp_path: Path) -> None:
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test?schema=fdl_nowhere"
    (tmp_path / "fdl.yaml").write_text(f"state: '{url}'\n", encoding="utf-8")
    (tmp_path / "flow.yaml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MOCKS, encoding="utf-8")
    for args in (["runs", "list"], ["run", "flow.yaml", "--mock", "m.yaml", "--set", "who=x"],
                 ["tools", "list"]):
        done = fdl(tmp_path, *args, code=2 if args[0] != "tools" else 1)
        assert "postgresql://postgres@127.0.0.1:1/test?schema=fdl_nowhere" in done.stderr
        assert "cannot connect" in done.stderr


@pytest.mark.parametrize(("state", "message"), [
    ("mysql://root@127.0.0.1/test", "postgresql://user@host/db"),
    (f"postgresql://postgres:{PASSWORD}@127.0.0.1/test?schema=Not-A-Name", "plain name"),
])
def test_a_bad_state_url_is_a_configuration_error(tmp_path: Path, state: str,
                                                  message: str) -> None:
    (tmp_path / "fdl.yaml").write_text(f"state: '{state}'\n", encoding="utf-8")
    (tmp_path / "flow.yaml").write_text(FLOW, encoding="utf-8")
    done = fdl(tmp_path, "runs", "list", code=2)
    assert message in done.stderr and "state" in done.stderr
