"""The project configuration (spec/interfaces.md §3): ``fdl.yaml`` or ``[tool.fdl]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["find_config"]


def find_config(start: Path) -> tuple[dict[str, Any], Path] | None:
    """The nearest project configuration at or above ``start`` (spec/interfaces.md §3):
    ``fdl.yaml``, else the ``[tool.fdl]`` table of ``pyproject.toml``. Returns (its data,
    the file), or None when there is none.

    Raises:
        click.UsageError: the file cannot be read or is not a mapping.
    """
    import tomllib

    import yaml

    for folder in (start, *start.parents):
        config = folder / "fdl.yaml"
        if config.is_file():
            try:
                data = yaml.safe_load(config.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
                raise click.UsageError(f"{config} cannot be read: {error}") from None
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise click.UsageError(f"{config}: the configuration must be a mapping")
            return data, config
        project = folder / "pyproject.toml"
        if project.is_file():
            try:
                document = tomllib.loads(project.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
                raise click.UsageError(f"{project} cannot be read: {error}") from None
            section = document.get("tool", {}).get("fdl")
            if isinstance(section, dict):
                return section, project
    return None
