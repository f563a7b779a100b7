"""``flow://`` between flows deployed through the service: a deployed flow calls another
deployed flow of its tenant (checked at deploy time against the callee's signature, run
from the service database, not from disk), a deployed flow hides a flow file of the same
name, and another tenant's flow of that name is never used."""

from __future__ import annotations

from pathlib import Path

from ._server import Server, write
from .test_flows_runs import deploy, start

DOUBLE = """\
flow:
    name: Double
    args:
        in:
            n: int
        out: {v: int}
    node:
        twice:
            with: "{v: n * 2}"
"""

CALLER = """\
flow:
    name: Caller
    args:
        in:
            n: int
    node:
        call:
            exec: flow://double
            args: n = n + 1
"""


def test_a_deployed_flow_calls_another_deployed_flow_of_its_tenant(
        server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as a, server.client(keys["b"]) as b:
        assert deploy(a, "double", DOUBLE).status_code == 201
        assert deploy(a, "caller", CALLER).status_code == 201
        run = start(a, "caller", {"n": 4}).json()
        assert run["status"] == "completed", run
        assert run["output"] == {"v": 10}
        # globex has no flow 'double': its caller does not compile
        refused = deploy(b, "caller", CALLER)
        assert refused.status_code == 422
        assert "double" in refused.text
        # globex's own 'double' is the one its runs call
        deploy(b, "double", DOUBLE.replace("n * 2", "n * 3"))
        assert deploy(b, "caller", CALLER).status_code == 201
        assert start(b, "caller", {"n": 4}).json()["output"] == {"v": 15}
        assert start(a, "caller", {"n": 4}).json()["output"] == {"v": 10}


def test_a_new_version_of_the_called_flow_is_used_and_argument_types_are_checked(
        server: Server, keys: dict[str, str]) -> None:
    with server.client(keys["a"]) as a:
        deploy(a, "double", DOUBLE)
        deploy(a, "caller", CALLER)
        assert deploy(a, "double", DOUBLE.replace("n * 2", "n * 4")).status_code == 200
        assert start(a, "caller", {"n": 1}).json()["output"] == {"v": 8}
        wrong = deploy(a, "wrong", CALLER.replace("n = n + 1", "n = 'text'"))
        assert wrong.status_code == 422


def test_a_deployed_flow_hides_a_flow_file_of_the_same_name(project: Path, server: Server,
                                                           keys: dict[str, str]) -> None:
    write(project, "flows/double.yaml", DOUBLE.replace("n * 2", "n * 100"))
    with server.client(keys["a"]) as a, server.client(keys["b"]) as b:
        deploy(b, "caller", CALLER)  # globex has no deployed 'double': the file is used
        assert start(b, "caller", {"n": 1}).json()["output"] == {"v": 200}
        deploy(a, "double", DOUBLE)
        deploy(a, "caller", CALLER)
        assert start(a, "caller", {"n": 1}).json()["output"] == {"v": 4}
