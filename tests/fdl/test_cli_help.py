"""Every ``--help`` text points only at documentation that ships with the repository."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from fdl.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]


def commands() -> Iterator[tuple[str, click.Command]]:
    """Every command and sub-command, with its full name."""
    context = click.Context(main)
    for name in sorted(COMMANDS):
        command = main.get_command(context, name)
        assert command is not None
        yield name, command
        if isinstance(command, click.Group):
            for sub in sorted(command.commands):
                yield f"{name} {sub}", command.commands[sub]


def help_text(name: str, command: click.Command) -> str:
    with click.Context(command, info_name=f"fdl {name}") as context:
        return command.get_help(context)


@pytest.mark.parametrize(("name", "command"), list(commands()), ids=lambda v: str(v))
def test_help_names_only_shipped_documents(name: str, command: click.Command) -> None:
    text = " ".join(help_text(name, command).split())
    assert "§" not in text, "a section number of the spec, which is not shipped"
    for document in re.findall(r"[\w./-]+\.md\b", text):
        assert document.startswith("docs/"), document
        assert (ROOT / document).is_file(), document
