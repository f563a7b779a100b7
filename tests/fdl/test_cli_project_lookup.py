"""Which project a command uses: the flow file's own, found by walking up from the file's
folder (as the editor does), never the working folder's.

Every test runs from ``tmp_path/elsewhere``, a working folder with a project of its own
(``fdl.yaml`` naming a tools folder with a different tool), so that using the working
folder's configuration would show: its tool would be known, the project's unknown, and its
``.fdl/`` would appear.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fdl.cli import main
from fdl.cli.check import NO_CATALOG_NOTE
from runtime.store import open_store


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tool(code: str, inputs: str = "id: string", out: str = "{id: string, name: string}"
         ) -> str:
    return f"type: api\ncode: {code}\nargs:\n    in:\n        {inputs}\n    out: {out}\n"


def calls(*uris: str) -> str:
    """A flow calling each tool with ``id = 'c1'``."""
    nodes = "".join(f"        n{i}:\n            exec: {uri}\n            args: id = 'c1'\n"
                    + (f"            next: n{i + 1}\n" if i + 1 < len(uris) else "")
                    for i, uri in enumerate(uris))
    return f"flow:\n    name: Calls\n    node:\n{nodes}"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder: unrelated to the projects, with a project of its own."""
    folder = tmp_path / "elsewhere"
    write(folder / "fdl.yaml", "tools: mytools/\n")
    write(folder / "mytools/local.yaml", tool("local/only"))
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project with one tool, ``api://crm/customer``."""
    root = tmp_path / "proj"
    write(root / "fdl.yaml", "tools: tools/\n")
    write(root / "tools/customer.yaml", tool("crm/customer"))
    return root


def codes(result: Result) -> list[str]:
    return [d["code"] for d in json.loads(result.stdout)]


# --- fdl check -----------------------------------------------------------------------------


def test_check_uses_the_tools_of_the_flow_files_project(elsewhere: Path, proj: Path) -> None:
    write(proj / "flows/known.yaml", calls("api://crm/customer"))
    write(proj / "flows/unknown.yaml", calls("api://crm/nothing"))
    write(proj / "flows/local.yaml", calls("api://local/only"))  # the working folder's tool
    write(proj / "flows/wrong.yaml", calls("api://crm/customer").replace("id = ", "ident = "))

    known = invoke("check", "../proj/flows/known.yaml", "--format", "json")
    assert known.exit_code == 0 and codes(known) == []
    assert NO_CATALOG_NOTE not in known.stderr
    assert codes(invoke("check", "../proj/flows/unknown.yaml", "--format", "json")) == ["E301"]
    assert codes(invoke("check", "../proj/flows/local.yaml", "--format", "json")) == ["E301"]
    wrong = invoke("check", str(proj / "flows/wrong.yaml"), "--format", "json")
    assert wrong.exit_code == 1 and "E302" in codes(wrong)  # the known tool is checked


def test_check_over_two_projects_uses_each_files_own_catalog(elsewhere: Path, proj: Path,
                                                            tmp_path: Path) -> None:
    other = tmp_path / "other"
    write(other / "pyproject.toml", '[tool.fdl]\ntools = "specs"\n')
    write(other / "specs/order.yaml", tool("erp/order"))
    write(proj / "flows/a.yaml", calls("api://crm/customer", "api://erp/order"))
    write(other / "flows/b.yaml", calls("api://erp/order", "api://crm/customer"))

    result = invoke("check", "../proj/flows/a.yaml", "../other/flows/b.yaml", "--format", "json")
    assert result.exit_code == 1
    found = [(Path(d["path"]).name, d["code"], d["message"]) for d in json.loads(result.stdout)]
    assert [(name, code) for name, code, _message in found] == [("a.yaml", "E301"),
                                                                 ("b.yaml", "E301")]
    assert "api://erp/order" in found[0][2] and "api://crm/customer" in found[1][2]
    assert NO_CATALOG_NOTE not in result.stderr


def test_check_of_a_folder_of_a_project_and_a_bare_flow(elsewhere: Path, proj: Path,
                                                        tmp_path: Path) -> None:
    write(proj / "flows/a.yaml", calls("api://crm/customer"))
    write(tmp_path / "bare/b.yaml", calls("api://crm/customer"))  # no project: no catalog
    result = invoke("check", "../proj", "../bare", "--format", "json")
    assert result.exit_code == 0 and codes(result) == []
    assert NO_CATALOG_NOTE in result.stderr


def test_tools_dir_still_overrides_the_projects_tools(elsewhere: Path, proj: Path) -> None:
    write(proj / "flows/a.yaml", calls("api://local/only"))
    assert invoke("check", "../proj/flows/a.yaml", "--tools", "mytools").exit_code == 0
    assert codes(invoke("check", "../proj/flows/a.yaml", "--format", "json")) == ["E301"]


def test_toolspec_problems_are_reported_once_per_project(elsewhere: Path, proj: Path) -> None:
    write(proj / "tools/broken.yaml", "type: api\ncode: crm/broken\nargs: [1]\n")
    write(proj / "flows/a.yaml", calls("api://crm/customer"))
    write(proj / "flows/b.yaml", calls("api://crm/customer"))
    result = invoke("check", "../proj/flows/a.yaml", "../proj/flows/b.yaml", "--format", "json")
    paths = [Path(d["path"]).name for d in json.loads(result.stdout)]
    assert paths == ["broken.yaml"]


# --- fdl compile and fdl graph -------------------------------------------------------------


def test_compile_uses_the_flow_files_project(elsewhere: Path, proj: Path) -> None:
    write(proj / "flows/known.yaml", calls("api://crm/customer"))
    write(proj / "flows/unknown.yaml", calls("api://local/only"))
    plan = json.loads(invoke("compile", "../proj/flows/known.yaml", "--json").stdout)
    assert "name" in json.dumps(plan)  # the tool's output type reached the plan
    compiled = invoke("compile", "../proj/flows/known.yaml")
    assert compiled.exit_code == 0 and NO_CATALOG_NOTE not in compiled.stderr
    assert "{id: string, name: string}" in compiled.stdout
    unknown = invoke("compile", "../proj/flows/unknown.yaml")
    assert unknown.exit_code == 1 and "E301" in unknown.stderr


def test_graph_draws_a_flow_of_another_project(elsewhere: Path, proj: Path) -> None:
    write(elsewhere / "fdl.yaml", "concurrency: 0\n")  # the working folder's is malformed
    write(proj / "flows/known.yaml", calls("api://crm/customer"))
    result = invoke("graph", "../proj/flows/known.yaml")
    assert result.exit_code == 0 and "n0" in result.stdout


# --- fdl run -------------------------------------------------------------------------------

SHOP = """\
    flow:
        name: Shop
        node:
            setup:
                exec: db://shop.item/init
                next: add
            add:
                exec: db://shop.item/save
                args: "data = {id: 7, label: 'seven'}"
                next: twice
            twice:
                exec: flow://double
                args: n = add.id
"""

DOUBLE = """\
    flow:
        name: Double
        args:
            in:
                n: long
            out: long
        node:
            twice:
                with: n * 2
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    write(root / "fdl.yaml", """\
        flows: flows/
        databases:
            shop: sqlite:///data/shop.db
    """)
    write(root / "tools/item.yaml", """\
        type: db
        code: shop.item
        args:
            out: {id: long, label: string}
    """)
    write(root / "flows/main.yaml", SHOP)
    write(root / "flows/double.yaml", DOUBLE)
    return root


def run_json(*args: str) -> dict[str, Any]:
    result = invoke("run", *args, "--json")
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert isinstance(value, dict)
    return value


def test_run_journals_and_resolves_paths_in_the_flow_files_project(elsewhere: Path,
                                                                   shop: Path) -> None:
    result = run_json("../shop/flows/main.yaml")
    assert result["status"] == "completed" and result["output"] == 14
    store = open_store(shop / ".fdl/runs.db")
    try:
        assert store.get(result["run_id"]) is not None
    finally:
        store.close()
    assert (shop / "data/shop.db").is_file()  # databases: relative to the project's fdl.yaml
    assert (shop / ".fdl/registry.db").is_file()  # tools/ synced into the project's registry
    assert not (elsewhere / ".fdl").exists()
    assert not (elsewhere / "data").exists()


def test_runs_commands_use_the_working_folders_project(elsewhere: Path, shop: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = run_json("../shop/flows/main.yaml")["run_id"]
    here = invoke("runs", "list", "--json")
    assert here.exit_code == 0 and json.loads(here.stdout) == []
    monkeypatch.chdir(shop / "flows")
    there = json.loads(invoke("runs", "list", "--json").stdout)
    assert [r["run_id"] for r in there] == [run_id]


def test_run_resume_looks_in_the_flow_files_project(elsewhere: Path, shop: Path) -> None:
    run_id = run_json("../shop/flows/main.yaml")["run_id"]
    result = invoke("run", "../shop/flows/main.yaml", "--resume", run_id)
    assert result.exit_code == 1
    assert f"run '{run_id}' is already completed" in result.stderr
    assert not (elsewhere / ".fdl").exists()


def test_a_flow_without_a_project_keeps_the_working_folders_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "bare/echo.yaml", "flow:\n    name: Echo\n    node:\n        a:\n"
                                       "            with: 1\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert run_json("../bare/echo.yaml")["output"] == 1
    assert (work / ".fdl/runs.db").is_file() and not (tmp_path / "bare/.fdl").exists()


# --- fdl test ------------------------------------------------------------------------------


def test_test_files_use_their_own_projects(elsewhere: Path, proj: Path, tmp_path: Path
                                           ) -> None:
    other = tmp_path / "other"
    write(other / "fdl.yaml", "tools: specs/\n")
    write(other / "specs/customer.yaml", tool("crm/customer", out="int"))
    for root, value in ((proj, "{id: c1, name: Alice}"), (other, "7")):
        write(root / "flows/a.yaml", calls("api://crm/customer"))
        write(root / "flows/a.test.yaml", f"""\
            flow: a.yaml
            cases:
                -   name: typed by the project's tool
                    mocks:
                        api://crm/customer: {{result: {value}}}
                    expect:
                        status: completed
        """)
    result = invoke("test", "../proj", "../other")
    assert result.exit_code == 0, result.output
    assert "2 passed" in result.output
    write(proj / "flows/a.yaml", calls("api://local/only"))  # unknown in proj's catalog
    assert invoke("test", "../proj").exit_code == 1
