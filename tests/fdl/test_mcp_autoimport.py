"""The automatic import of a configured MCP server's tools (tools.md §6, fdl/mcpauto.py): the
first ``fdl check`` or ``fdl run`` of a flow calling ``mcp://calc/<tool>`` starts the real
SDK-written server (tests/mcp_calc_server.py over stdio), registers its ``tools/list`` and then
checks the flow with the imported types; the registry is the cache afterwards. The editor
never starts a server: it reads the registry, and before the import it reports the calls as
unknown tools with the advice to run ``fdl tools import-mcp calc``. A called tool the registry
does not know lists an imported server again (once per command); ``fdl mcp`` imports for the
flows it serves."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from lsp._project import Projects
from lsp.analysis import analyze
from stdlib.registry import Registry
from tests._postgres import fresh_schema
from tests.fdl.test_cli_adapters import invoke, output_of, write
from tests.fdl.test_cli_mcp import SERVER, SUM_FLOW

IMPORTED = "note: imported 8 tools of the MCP server 'calc' into the registry"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def configure(server: Path = SERVER) -> None:
    write("fdl.yaml", f"""\
        mcp:
            calc: {{command: [{json.dumps(sys.executable)}, {json.dumps(str(server))}]}}
    """)


def registered() -> list[str]:
    with Registry(Path(".fdl/registry.db")) as registry:
        return registry.codes("mcp")


def test_check_imports_the_tools_once_and_checks_with_their_types() -> None:
    configure()
    write("flows/typo.yaml", SUM_FLOW.replace("add.total", "add.totl"))
    first = invoke("check", "flows/typo.yaml")
    assert IMPORTED in first.stderr
    # checked with the imported types: the misspelt result field is an error
    assert first.exit_code == 1 and "no field 'totl'" in first.stdout
    assert {"calc/add", "calc/shout", "calc/slow"} <= set(registered())
    # the registry is the cache: the next check does not ask the server again
    again = invoke("check", "flows/typo.yaml")
    assert again.exit_code == 1 and "imported" not in again.stderr
    write("flows/sum.yaml", SUM_FLOW)
    assert invoke("check", "flows/sum.yaml").exit_code == 0
    # an explicit import refreshes them (the same tools: unchanged)
    refreshed = invoke("tools", "import-mcp", "calc")
    assert refreshed.exit_code == 0 and "unchanged" in refreshed.stdout


def test_run_imports_the_tools_and_binds_their_arguments() -> None:
    configure()
    write("flows/sum.yaml", SUM_FLOW)
    ran = invoke("run", "flows/sum.yaml", "--set", "a=40", "--set", "b=2", "--json")
    assert IMPORTED in ran.stderr
    assert output_of(ran)["output"] == {"total": 42}  # a and b bound by the declared args
    assert "calc/add" in registered()


def test_a_mocked_run_starts_no_server() -> None:
    configure(Path("no-such-server.py"))  # starting it would warn
    write("flows/sum.yaml", SUM_FLOW.replace("exec: mcp://calc/add", """exec: mcp://calc/add
                args: |
                    a = a
                    b = b"""))
    write("mocks.yaml", "mocks:\n    mcp://calc/add: {expr: '{total: args.a + args.b}'}\n")
    ran = invoke("run", "flows/sum.yaml", "--mock", "mocks.yaml", "--set", "a=1", "--set",
                 "b=2", "--json")
    assert output_of(ran)["output"] == {"total": 3}
    assert "MCP server" not in ran.stderr and not Path(".fdl/registry.db").exists()


def test_a_server_that_cannot_start_is_a_warning_and_the_advice_is_in_e301() -> None:
    configure(Path("no-such-server.py"))
    write("tools/other.yaml", "type: api\ncode: crm/customer\n")  # a catalog exists
    write("flows/sum.yaml", SUM_FLOW)
    checked = invoke("check", "flows/sum.yaml")
    assert "warning: the tools of the MCP server 'calc' were not imported" in checked.stderr
    assert "cannot be started" in checked.stderr and "Traceback" not in checked.output
    assert checked.exit_code == 1
    assert "E301" in checked.stdout
    assert "run `fdl tools import-mcp calc` to import (or refresh) its tools" in checked.stdout


def _editor_diagnostics(flow: Path) -> list[tuple[str, str]]:
    """What the language server reports for ``flow`` (in process, as it checks a document)."""
    projects = Projects()
    project = projects.project_of(flow.resolve())
    text = flow.read_text(encoding="utf-8")
    analysis = analyze(flow.resolve().as_uri(), text, path=flow.resolve(), project=project,
                       catalog=projects.catalog(project, lambda p: p.read_text("utf-8")))
    return [(d.code, d.message) for d in analysis.diagnostics]


def test_the_editor_advises_the_import_then_reads_what_check_imported() -> None:
    configure()
    flow = write("flows/typo.yaml", SUM_FLOW.replace("add.total", "add.totl"))
    before = _editor_diagnostics(flow)
    assert [code for code, _ in before] == ["E301"]
    assert "run `fdl tools import-mcp calc`" in before[0][1]
    assert not Path(".fdl/registry.db").exists()  # the editor started no server
    assert IMPORTED in invoke("check", "flows/typo.yaml").stderr
    after = _editor_diagnostics(flow)
    assert [code for code, _ in after] == ["G205"]  # add.totl: typed by the import
    assert "'totl'" in after[0][1]


def test_fdl_test_imports_for_cases_that_pass_through_only() -> None:
    configure()
    write("flows/sum.yaml", SUM_FLOW)
    write("flows/mocked.test.yaml", """\
        flow: sum.yaml
        cases:
            -   name: mocked
                input: {a: 1, b: 2}
                mocks: {mcp://calc/add: {result: {total: 3}}}
                expect: {output: {total: 3}}
    """)
    mocked = invoke("test", "flows/mocked.test.yaml")
    assert mocked.exit_code == 0, mocked.output
    assert "MCP server" not in mocked.output and not Path(".fdl/registry.db").exists()
    write("flows/real.test.yaml", """\
        flow: sum.yaml
        cases:
            -   name: the real server adds
                input: {a: 40, b: 2}
                mocks: {passthrough: true}
                expect: {output: {total: 42}, calls: {mcp://calc/add: 1}}
    """)
    real = invoke("test", "flows/real.test.yaml")
    assert real.exit_code == 0, real.output
    assert IMPORTED in real.stderr and "1 passed" in real.output


SHOUT_FLOW = """\
    flow:
        name: Shout
        args:
            in: {text: string}
        node:
            up:
                exec: mcp://calc/shout
                args: text = text
"""

RELISTED = ("note: listed the MCP server 'calc' again for mcp://calc/shout, which the registry "
            "did not know: imported 1 new tool")


def test_a_called_tool_the_registry_does_not_know_lists_the_server_again() -> None:
    configure()
    assert invoke("tools", "import-mcp", "calc").exit_code == 0
    with Registry(Path(".fdl/registry.db")) as registry:  # as if shout were new
        assert registry.remove("mcp", "calc/shout") == 1
    write("flows/shout.yaml", SHOUT_FLOW)
    checked = invoke("check", "flows/shout.yaml")
    assert RELISTED in checked.stderr
    assert checked.exit_code == 0, checked.output
    assert "calc/shout" in registered()
    # known now: the server is not asked again
    again = invoke("check", "flows/shout.yaml")
    assert again.exit_code == 0 and "MCP server" not in again.stderr


def test_a_tool_the_server_does_not_list_is_e301_and_the_server_is_listed_once() -> None:
    configure()
    assert invoke("tools", "import-mcp", "calc").exit_code == 0
    write("other/one.yaml", SUM_FLOW.replace("calc/add", "calc/nosuch"))
    write("other/two.yaml", SUM_FLOW.replace("calc/add", "calc/nosuch"))
    checked = invoke("check", "other/one.yaml", "other/two.yaml")
    # listed again once for the whole command, nothing new, then E301 with the advice
    assert checked.stderr.count("listed the MCP server 'calc' again") == 1
    assert "for mcp://calc/nosuch" in checked.stderr and "imported 0 new tools" in checked.stderr
    assert checked.exit_code == 1
    assert checked.stdout.count("E301") == 2
    assert "'mcp://calc' has the operations add" in checked.stdout  # the listed ones
    ran = invoke("run", "other/one.yaml", "--set", "a=1", "--set", "b=2")
    assert "listed the MCP server 'calc' again" in ran.stderr and ran.exit_code != 0


@pytest.mark.trio
async def test_fdl_mcp_imports_the_tools_its_flows_call(tmp_path: Path) -> None:
    configure()
    write("flows/sum.yaml", SUM_FLOW)
    # at its start, with a note in its log (stderr; here the client closes stdin at once)
    started = subprocess.run([sys.executable, "-c", "from fdl.cli import main; main()", "mcp"],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=120, check=False)
    assert started.returncode == 0 and started.stdout == ""
    assert f"fdl mcp: {IMPORTED}" in started.stderr
    # the next start lists the server again for add, which the registry no longer has
    with Registry(Path(".fdl/registry.db")) as registry:
        assert registry.remove("mcp", "calc/add") == 1
    params = StdioServerParameters(command=sys.executable,
                                   args=["-c", "from fdl.cli import main; main()", "mcp"],
                                   cwd=tmp_path)
    async with Client(params, mode="legacy") as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert {"sum", "calc_add", "calc_shout"} <= listed  # the imported tools are served
        result = await client.call_tool("sum", {"a": 40, "b": 2})
        assert not result.is_error, result.content
        assert result.structured_content == {"total": 42}  # a and b bound by the import
    assert "calc/add" in registered()


def test_a_project_with_its_state_on_postgresql_imports_into_that_registry() -> None:
    with fresh_schema() as url:
        write("fdl.yaml", f"""\
            state: '{url}'
            mcp:
                calc: {{command: [{json.dumps(sys.executable)}, {json.dumps(str(SERVER))}]}}
        """)
        write("flows/typo.yaml", SUM_FLOW.replace("add.total", "add.totl"))
        first = invoke("check", "flows/typo.yaml")
        assert IMPORTED in first.stderr
        assert first.exit_code == 1 and "no field 'totl'" in first.stdout
        with Registry(url) as registry:  # not a registry.db beside the project
            assert "calc/add" in registry.codes("mcp")
        assert not Path(".fdl/registry.db").exists()
        again = invoke("check", "flows/typo.yaml")
        assert again.exit_code == 1 and "imported" not in again.stderr
