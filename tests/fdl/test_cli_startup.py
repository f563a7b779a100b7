"""What ``fdl --help``, ``fdl eval`` and ``import gml`` import (docs/performance.md,
"Start-up"): the commands import the heavy parts of the toolchain when they run, and the
`fdl` package imports its public names on first use."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import fdl

# Never needed to evaluate GML or to print the help.
HEAVY = ("pydantic", "ruamel", "yaml", "trio", "httpx", "rich", "sqlalchemy", "pygls",
         "compiler", "runtime", "lsp")


def imported_by(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running ``code``."""
    script = textwrap.dedent(code) + textwrap.dedent("""
        import json, sys
        print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def run_cli(*args: str) -> str:
    return textwrap.dedent(f"""
        from fdl.cli import main
        try:
            main({list(args)!r})
        except SystemExit as exit:
            assert exit.code in (0, None), exit.code
    """)


def test_help_imports_click_and_the_cli_only() -> None:
    loaded = imported_by(run_cli("--help"))
    assert {"fdl", "click"} <= loaded
    assert not loaded & {"gml", "grammar", "lark", "pendulum", "stdlib", *HEAVY}


def test_eval_imports_gml_and_nothing_heavy() -> None:
    loaded = imported_by(run_cli("eval", "1+1"))
    assert {"gml", "lark"} <= loaded
    assert not loaded & set(HEAVY)


def test_import_gml_needs_no_pydantic_ruamel_or_trio() -> None:
    assert not imported_by("import gml") & set(HEAVY)


def test_the_fdl_package_imports_its_names_on_first_use() -> None:
    assert not imported_by("import fdl") & {"gml", "lark", *HEAVY}
    for name in fdl.__all__:
        assert getattr(fdl, name) is not None
    assert set(fdl.__all__) <= set(dir(fdl))
    from fdl import CompileError, check_text  # noqa: F401 - `from` imports work too
    with pytest.raises(AttributeError, match="no_such_name"):
        fdl.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_check_in_a_project_with_mcp_servers_loads_no_sdk_or_trio(tmp_path: Path) -> None:
    """fdl/mcpauto.py loads trio and the MCP SDK only when a server is to be listed: a flow
    that calls no mcp:// tool is checked without them."""
    (tmp_path / "fdl.yaml").write_text("mcp:\n    calc: {command: [python, calc.py]}\n",
                                       encoding="utf-8")
    (tmp_path / "plain.yaml").write_text("flow:\n    name: Plain\n    node:\n        a:\n"
                                         "            with: x = 1\n", encoding="utf-8")
    code = f"import os; os.chdir({str(tmp_path)!r})\n" + run_cli("check", "plain.yaml")
    loaded = imported_by(code)
    assert "compiler" in loaded
    assert not loaded & {"trio", "mcp", "httpx", "openapi_spec_validator"}


def test_run_and_runs_load_temporalio_only_for_temporal() -> None:
    """``fdl run`` and ``fdl runs`` read their ``--on temporal`` options from fdl.cli._target;
    the Temporal client (about 170 ms of imports) loads only when a run goes to Temporal."""
    loaded = imported_by(run_cli("run", "--help")) | imported_by(run_cli("runs", "--help"))
    assert "click" in loaded
    assert "temporalio" not in loaded
    assert "temporalio" in imported_by("import fdl.cli.temporal")
