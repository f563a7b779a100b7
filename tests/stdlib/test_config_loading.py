"""Finding and reading the project configuration (spec/interfaces.md §3, `stdlib.config`):
found from a folder upwards, ``fdl.yaml`` read with the flows' YAML 1.2 loader, every problem
a `ConfigError` naming the file, the key and the position (never a click error: only the CLI
speaks click). tests/stdlib/test_config.py tests the model's values and messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from stdlib.config import (
    DEFAULT_STATE,
    ConfigError,
    find_config,
    project_config,
    tool_folders,
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_nearest_configuration_above_the_folder_is_found(tmp_path: Path) -> None:
    config = write(tmp_path, "fdl.yaml", "state: .state/\ntimezone: Asia/Shanghai\n")
    inner = tmp_path / "flows" / "deep"
    inner.mkdir(parents=True)
    found = project_config(inner)
    assert found.file == config
    assert found.state == tmp_path / ".state/"
    assert found.timezone == "Asia/Shanghai"
    assert found.registry_path == tmp_path / ".state" / "registry.db"
    assert found.store_path == tmp_path / ".state" / "runs.db"


def test_without_configuration_the_state_is_in_the_working_folder(tmp_path: Path) -> None:
    found = project_config(tmp_path)
    assert found.file is None
    assert found.state == Path(DEFAULT_STATE)
    assert tool_folders(tmp_path) == []


def test_yaml_1_2_words_stay_text(tmp_path: Path) -> None:
    """YAML 1.1 (PyYAML) reads ``on``/``yes``/``off`` as booleans; flows are YAML 1.2, and so
    is their project's configuration: a folder may be called ``on``."""
    write(tmp_path, "fdl.yaml", "flows: on\ntools: yes\n")
    data, _file = find_config(tmp_path) or ({}, None)
    assert data == {"flows": "on", "tools": "yes"}
    assert project_config(tmp_path).flows_folder(tmp_path) == tmp_path / "on"
    assert tool_folders(tmp_path) == [tmp_path / "yes"]


def test_pyproject_tool_fdl_is_a_configuration(tmp_path: Path) -> None:
    project = write(tmp_path, "pyproject.toml", '[tool.fdl]\nconcurrency = 8\n')
    found = project_config(tmp_path)
    assert (found.file, found.concurrency) == (project, 8)


@pytest.mark.parametrize(("text", "key", "message"), [
    ("state: 3\n", "state", "'state' must be a folder name"),
    ("timezone: 8\n", "timezone", "'timezone' must be a zone name"),
    ("timezone: Mars/Olympus\n", "timezone", "must be a known zone name"),
    ("concurrency: 0\n", "concurrency", "'concurrency' must be a whole number of at least 1"),
    ("concurrency: true\n", "concurrency", "'concurrency' must be a whole number"),
])
def test_a_bad_value_names_the_file_and_the_key(tmp_path: Path, text: str, key: str,
                                                 message: str) -> None:
    config = write(tmp_path, "fdl.yaml", text)
    with pytest.raises(ConfigError) as caught:
        project_config(tmp_path)
    assert caught.value.path == config
    assert caught.value.key == key
    assert message in caught.value.message
    assert caught.value.line == 1 and caught.value.column == len(key) + 3
    assert str(caught.value).startswith(f"{config}:1:{len(key) + 3}: ")


def test_bad_yaml_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    config = write(tmp_path, "fdl.yaml", "state: .fdl\nflows: [a\n")
    with pytest.raises(ConfigError) as caught:
        find_config(tmp_path)
    assert caught.value.path == config
    assert caught.value.line is not None and caught.value.column is not None
    assert (caught.value.line, caught.value.column) >= (2, 1)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n"])
def test_a_configuration_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    write(tmp_path, "fdl.yaml", text)
    with pytest.raises(ConfigError, match="the configuration must be a mapping"):
        find_config(tmp_path)


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    write(tmp_path, "fdl.yaml", "flows: a\nflows: b\n")
    with pytest.raises(ConfigError, match="flows"):
        find_config(tmp_path)


def test_tools_must_name_folders(tmp_path: Path) -> None:
    write(tmp_path, "fdl.yaml", "tools: [specs, 3]\n")
    with pytest.raises(ConfigError) as caught:
        tool_folders(tmp_path)
    assert caught.value.key == "tools[1]"


def test_deep_nesting_is_an_error_with_a_position_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "fdl.yaml", "services:\n  a: " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(ConfigError) as info:
        project_config(tmp_path)
    assert (info.value.line, info.value.column) == (2, 206)
    assert info.value.message.startswith("E101: the YAML nests deeper than 200 levels")


def test_a_deeply_nested_pyproject_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.fdl]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="nests too deeply"):
        project_config(tmp_path)


def test_a_reused_anchor_is_no_python_warning(tmp_path: Path,
                                             recwarn: pytest.WarningsRecorder) -> None:
    write(tmp_path, "fdl.yaml", "concurrency: &n 4\nflows: &n flows/\n")
    config = project_config(tmp_path)
    assert config.concurrency == 4
    assert not [w for w in recwarn.list if "anchor" in str(w.message)]
