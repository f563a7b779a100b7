"""The `fdl` command line (spec/interfaces.md §1).

Commands: ``init`` (a new project), ``eval`` (a GML program), ``check``, ``compile`` and
``graph`` (flow files), ``run``, ``runs`` and ``test`` (running flows), ``tools`` (the tool
registry) and ``lsp`` (the language server). Each lives in its own module of this package,
imported only when that command runs: ``fdl --help`` reads the one-line help of every command
from the table below and imports nothing but click, and ``fdl eval`` loads GML without the
compiler or the runtime.

Exit codes: 0 success, 1 the expression (or flow) failed or a check found errors, 2 usage
error (a malformed project configuration included). Machine-readable output goes to stdout,
human diagnostics to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from importlib import import_module
from typing import Any, NamedTuple

import click

__all__ = ["COMMANDS", "entry", "main"]


class LazyCommand(NamedTuple):
    """Where a command is defined, and its one-line help for ``fdl --help``."""

    module: str
    name: str
    short_help: str


COMMANDS: dict[str, LazyCommand] = {
    "check": LazyCommand("fdl.cli.check", "check_command",
                         "Compile flow FILES and report every problem found."),
    "compile": LazyCommand("fdl.cli.check", "compile_command",
                           "Compile the flow FILE and print its plan."),
    "eval": LazyCommand("fdl.cli.eval", "eval_command",
                        "Evaluate a GML program; print the result as JSON."),
    "graph": LazyCommand("fdl.cli.check", "graph_command",
                         "Draw the flow FILE (Mermaid, DOT or SVG)."),
    "init": LazyCommand("fdl.cli.init", "init_command",
                        "Create a project that works at once (flow, tool, mocks, tests)."),
    "keys": LazyCommand("fdl.cli.serve", "keys_group",
                        "The service's API keys: create, list and revoke."),
    "lsp": LazyCommand("fdl.cli.lsp", "lsp_command",
                       "Start the FDL language server on stdio."),
    "mcp": LazyCommand("fdl.cli.mcp", "mcp_command",
                       "Serve the project's tools and flows as an MCP server."),
    "run": LazyCommand("fdl.cli.run", "run_command",
                       "Run the flow FILE and print its output as JSON."),
    "runs": LazyCommand("fdl.cli.run", "runs_group",
                        "The run store: list, show, resume and cancel runs."),
    "serve": LazyCommand("fdl.cli.serve", "serve_command",
                         "Serve the project's registry and runtime over HTTP."),
    "test": LazyCommand("fdl.cli.test", "test_command",
                        "Run flow test files (*.test.yaml) with mocks."),
    "tools": LazyCommand("fdl.cli.tools", "tools_group",
                         "The tool registry: list, show, search, register and export tools."),
    "worker": LazyCommand("fdl.cli.worker", "worker_command",
                          "Run the project's triggers (schedules, topics) until stopped."),
}
"""Every command: its module, the click command's name there, and its help line."""


class _Main(click.Group):
    """The ``fdl`` group: commands load on first use, and a malformed project configuration
    (`stdlib.config.ConfigError`, raised by library code that knows nothing of click) is a
    usage error of the command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        command = getattr(import_module(entry.module), entry.name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry.short_help) for name, entry in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            # A ConfigError exists only once its module is loaded; looking it up here keeps
            # `fdl eval` and `fdl --help` from loading the configuration code at all.
            config = sys.modules.get("stdlib.config")
            if config is not None and isinstance(error, config.ConfigError):
                raise click.UsageError(str(error)) from None
            raise


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fdl-toolchain", prog_name="fdl")
def main() -> None:
    """FDL toolchain: evaluate GML, check, compile and run flows."""


def entry() -> None:
    """The ``fdl`` program (the console script): `main`, then, in a process that loaded the
    Temporal client, an exit that skips the interpreter's teardown.

    The Temporal SDK's Rust threads may still call into Python while the interpreter
    finalizes, which aborts the process (``Fatal Python error: PyGILState_Release``, SIGABRT
    instead of the command's exit code; temporalio/sdk-python#300, seen here on one start in
    three of ``fdl worker --temporal`` against an unreachable server). By then the command
    has finished, its ``finally`` blocks have run, and only the output is left to flush.
    In-process callers (tests, `click.testing.CliRunner`) use `main` and keep the teardown.
    """
    try:
        main()
    except SystemExit as done:
        if "temporalio" not in sys.modules:
            raise
        code = done.code
        if not isinstance(code, int):
            if code is not None:
                print(code, file=sys.stderr)
            code = 0 if code is None else 1
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
