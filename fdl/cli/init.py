"""``fdl init [DIR]``: a new project that works at once (`fdl.newproject`)."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from fdl.newproject import NEXT_COMMANDS, InitError, create_project

from ._output import fail

__all__ = ["init_command"]


@click.command("init")
@click.argument("folder", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
def init_command(folder: Path) -> None:
    """Create a project in DIR (default: the working folder).

    Writes fdl.yaml, a flow with its ToolSpec, a mock file and a flow test file, VS Code
    settings and a README, then prints the next commands. Refuses (exit 1, I101) when any of
    these files exists, and then changes nothing.
    """
    try:
        written = create_project(folder)
    except InitError as error:
        fail(f"[{error.code}] {error.message}")
    shown = folder.as_posix()
    here = folder.resolve() == Path.cwd().resolve()
    click.echo(f"created a project in {'the working folder' if here else shown + '/'}:")
    for path in written:
        click.echo(f"    {path.relative_to(folder).as_posix()}")
    click.echo("next:")
    if not here:
        click.echo(f"    cd {shlex.quote(shown)}")
    for command in NEXT_COMMANDS:
        click.echo(f"    {command}")
