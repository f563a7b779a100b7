"""The project configuration (spec/interfaces.md §3): ``fdl.yaml``, else ``[tool.fdl]`` of
``pyproject.toml``, in the starting folder or the nearest parent that has one.

``fdl.yaml`` is read with the flows' own loader (`compiler.yamltree`, YAML 1.2 core schema),
so ``on``, ``yes`` and ``off`` are strings there as they are in flow files, and a syntax error
is reported with its line and column. Every problem is a `ConfigError`; the command line turns
it into a usage error, the editor works as if there were no configuration.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.diagnostics import Reporter
from compiler.yamltree import load_yaml, to_plain
from gml import Source, resolve_timezone

__all__ = ["CONFIG_FILE", "DEFAULT_STATE", "REGISTRY_FILE", "STORE_FILE", "ConfigError",
           "ProjectConfig", "find_config", "flows_folder", "project_config", "tool_folders"]

CONFIG_FILE = "fdl.yaml"
"""The project configuration file's name."""

DEFAULT_STATE = ".fdl"
"""The state folder (run store, registry) when the configuration names none."""

STORE_FILE = "runs.db"
"""The run store's file name in the state folder."""

REGISTRY_FILE = "registry.db"
"""The tool registry's file name in the state folder."""


class ConfigError(Exception):
    """A project configuration that cannot be used: which file, which key, what is wrong.

    Attributes:
        path: the configuration file (or the folder or file named by a key); None for a
            project without a configuration file.
        key: the key at fault (None when the file as a whole is).
        message: what is wrong and what to do, without the path.
    """

    def __init__(self, path: Path | str | None, key: str | None, message: str) -> None:
        super().__init__(message if path is None else f"{path}: {message}")
        self.path = None if path is None else Path(path)
        self.key = key
        self.message = message


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """The parts of the configuration that every command needs.

    Attributes:
        file: the configuration file, or None when there is none.
        state: the state folder (``state:``, relative to the configuration file; default
            ``.fdl/`` beside it, or ``.fdl/`` in the working folder without configuration).
        timezone: ``timezone:`` (None: the machine's zone); a known zone name.
        concurrency: ``concurrency:`` (None: the runtime's default).
        data: the whole configuration (``services``, ``databases``, ``flows``, ...).
    """

    file: Path | None
    state: Path
    timezone: str | None = None
    concurrency: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> Path | None:
        """The folder the configuration's relative paths start from."""
        return None if self.file is None else self.file.parent

    @property
    def store_path(self) -> Path:
        """The default run store, ``<state>/runs.db``."""
        return self.state / STORE_FILE

    @property
    def registry_path(self) -> Path:
        """The project's tool registry, ``<state>/registry.db``."""
        return self.state / REGISTRY_FILE


def find_config(start: Path) -> tuple[dict[str, Any], Path] | None:
    """The nearest project configuration at or above ``start``: (its data, the file), or
    None when there is none.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or is not a mapping.
    """
    for folder in (start, *start.parents):
        config = folder / CONFIG_FILE
        if config.is_file():
            return _read_yaml(config), config
        project = folder / "pyproject.toml"
        if project.is_file():
            try:
                document = tomllib.loads(project.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
                raise ConfigError(project, None, f"cannot be read: {error}") from None
            section = document.get("tool", {}).get("fdl")
            if isinstance(section, dict):
                return section, project
    return None


def _read_yaml(config: Path) -> dict[str, Any]:
    try:
        text = config.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(config, None, f"cannot be read: {error}") from None
    reporter = Reporter(str(config), Source(text))
    root = load_yaml(text, reporter)
    problems = [d for d in reporter.diagnostics if d.is_error]
    if problems:
        first = problems[0]
        raise ConfigError(config, None, f"{first.line}:{first.column}: {first.message}")
    data = None if root is None else to_plain(root)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(config, None, "the configuration must be a mapping")
    return data


def project_config(start: Path | None = None) -> ProjectConfig:
    """The project configuration for ``start`` (default: the working folder).

    Raises:
        ConfigError: the file is malformed or a key has the wrong kind of value.
    """
    start = (start or Path.cwd()).resolve()
    found = find_config(start)
    if found is None:
        return ProjectConfig(None, Path(DEFAULT_STATE))
    data, file = found
    state = data.get("state", DEFAULT_STATE + "/")
    if not isinstance(state, str) or not state.strip():
        raise ConfigError(file, "state", "'state' must be a folder name")
    timezone = data.get("timezone")
    if timezone is not None and not isinstance(timezone, str):
        raise ConfigError(file, "timezone", "'timezone' must be a zone name such as "
                                            "Asia/Shanghai")
    if timezone is not None:
        try:
            resolve_timezone(timezone)
        except Exception:  # pendulum raises its own error types for unknown zones
            raise ConfigError(file, "timezone", f"unknown timezone {timezone!r} "
                                                "(try Asia/Shanghai or UTC)") from None
    concurrency = data.get("concurrency")
    if concurrency is not None and (isinstance(concurrency, bool)
                                    or not isinstance(concurrency, int) or concurrency < 1):
        raise ConfigError(file, "concurrency", "'concurrency' must be a whole number of at "
                                               "least 1")
    return ProjectConfig(file, file.parent / state, timezone, concurrency, data)


def tool_folders(start: Path | None = None) -> list[Path]:
    """The project's ToolSpec folders: ``tools:`` of the configuration (a folder or a list
    of folders, relative to the configuration file); without the key, ``tools/`` beside
    the configuration when it exists; none without a configuration.

    Raises:
        ConfigError: the configuration is malformed.
    """
    found = find_config((start or Path.cwd()).resolve())
    if found is None:
        return []
    data, file = found
    tools = data.get("tools")
    if tools is None:
        default = file.parent / "tools"
        return [default] if default.is_dir() else []
    names = [tools] if isinstance(tools, str) else tools
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(file, "tools", "'tools' must be a folder name or a list of them")
    return [file.parent / name for name in names]


def flows_folder(data: Mapping[str, Any], base: Path) -> Path | None:
    """The folder ``flow://`` names resolve in: ``flows:`` of the configuration (default
    ``flows/``), relative to ``base``; None when the key is not a folder name."""
    flows = data.get("flows", "flows/")
    return base / flows if isinstance(flows, str) and flows.strip() else None
