"""stdlib.config: fdl.yaml (or [tool.fdl]) read into ProjectConfig, every problem a ConfigError
with its key and, in fdl.yaml, its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from stdlib.config import ConfigError, ProjectConfig, project_config, tool_folders


def config_of(tmp_path: Path, text: str) -> ProjectConfig:
    (tmp_path / "fdl.yaml").write_text(text, encoding="utf-8")
    return project_config(tmp_path)


def problem_of(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config_of(tmp_path, text)
    return caught.value


def test_the_example_configuration(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "examples" / "fdl.yaml").read_text()
    config = config_of(tmp_path, text)
    assert config.file == tmp_path / "fdl.yaml" and config.base == tmp_path
    assert config.state == tmp_path / ".fdl/" and config.timezone == "Asia/Shanghai"
    assert config.registry_path == tmp_path / ".fdl" / "registry.db"
    assert config.services is not None and config.services["crm-service"].url == \
        "http://127.0.0.1:8081"
    assert config.databases is not None
    database = config.databases["ec"]
    assert not isinstance(database, str) and database.url == "sqlite:///.fdl/ec.db"
    assert config.data["flows"] == "flows/"


def test_state_may_be_a_postgresql_database(tmp_path: Path) -> None:
    url = "postgresql://fdl:pw@db.example/fdl?schema=team_a"
    config = config_of(tmp_path, f"state: '{url}'\n")
    assert config.state_url == url and config.store_spec == url
    assert config.registry_spec == url
    assert config.state == tmp_path / ".fdl"  # service.db and SQLite databases stay here
    mapped = config_of(tmp_path, f"state: {{url: '{url}', folder: var/}}\n")
    assert mapped.state_url == url and mapped.state == tmp_path / "var/"
    assert mapped.service_path == tmp_path / "var" / "service.db"
    files = config_of(tmp_path, "state: {folder: var/}\n")
    assert files.state_url is None and files.store_spec == str(tmp_path / "var" / "runs.db")
    assert files.registry_spec == tmp_path / "var" / "registry.db"


def test_a_bad_state_url_never_shows_its_password(tmp_path: Path) -> None:
    error = problem_of(tmp_path, "state: 'postgresql://u:S3cr3t@h/d?schema=Bad-Name'\n")
    assert "plain name" in str(error) and "S3cr3t" not in str(error)


def test_no_configuration(tmp_path: Path) -> None:
    config = project_config(tmp_path)
    if config.file is not None:  # pragma: no cover - a configuration above tmp_path
        pytest.skip("a configuration file above the temporary folder")
    assert config.state == Path(".fdl") and config.tool_folders() == []
    assert config.concurrency is None and config.data == {}


@pytest.mark.parametrize(("text", "key", "position", "message"), [
    ("state: [1]\n", "state", (1, 8), "'state' must be a folder name, a "
                                      "postgresql://user@host/db URL or {url: ..., "
                                      "folder: ...}, not a list"),
    ("state: 'mysql://root:pw@h/db'\n", "state", (1, 8), "'state' must be a folder name or "
                                                         "a postgresql://user@host/db URL; "
                                                         "mysql:// is not"),
    ("state: {url: 'redis://h'}\n", "state.url", (1, 14), "state.url must be a folder name "
                                                          "or a postgresql://user@host/db"),
    ("timezone: 8\n", "timezone", (1, 11), "'timezone' must be a zone name such as "
                                           "Asia/Shanghai, not an integer"),
    ("timezone: Mars/Olympus\n", "timezone", (1, 11), "'timezone' must be a known zone name "
                                                     "such as Asia/Shanghai or UTC, not "
                                                     "'Mars/Olympus'"),
    ("concurrency: 0\n", "concurrency", (1, 14), "'concurrency' must be a whole number of at "
                                                 "least 1, not 0"),
    ("concurrency: '4'\n", "concurrency", (1, 14), "'concurrency' must be a whole number of "
                                                   "at least 1, not a string"),
    ("tools: [a, 3]\n", "tools[1]", (1, 12), "tools[1] must be a folder name, not an integer"),
    ("tools: {a: 1}\n", "tools", (1, 8), "'tools' must be a folder name or a list of them, "
                                         "not a mapping"),
    ("timzone: UTC\n", "timzone", (1, 1), "unknown key 'timzone' in fdl.yaml; did you mean "
                                          "'timezone'?"),
    ("services:\n  a/b: {url: 'http://x'}\n", "services.a/b", (2, 3),
     "'services': the service name 'a/b' must be non-empty text without '/'"),
    ("services:\n  crm: {url: 'http://u:pw@x'}\n", "services.crm.url", (2, 14),
     "services.crm.url must not hold credentials"),
])
def test_problems_name_the_key_at_its_position(tmp_path: Path, text: str, key: str,
                                               position: tuple[int, int],
                                               message: str) -> None:
    error = problem_of(tmp_path, text)
    assert (error.key, (error.line, error.column)) == (key, position)
    assert error.message.startswith(message)
    assert str(error) == f"{tmp_path / 'fdl.yaml'}:{position[0]}:{position[1]}: " \
                         f"{error.message}"
    assert "pw" not in error.message


def test_yaml_errors_have_their_position(tmp_path: Path) -> None:
    error = problem_of(tmp_path, "flows: flows/\nflows: other/\n")
    assert (error.line, error.column) == (2, 1) and "duplicate key 'flows'" in error.message


def test_triggers_are_validated_entries(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "a.yaml").write_text("flow: {name: a}\n", "utf-8")
    config = config_of(tmp_path, "triggers:\n  - {flow: a, cron: '* * * * *'}\n")
    [trigger] = config.triggers or []
    assert (trigger.flow, trigger.cron, trigger.mq, trigger.catch_up) == (
        "a", "* * * * *", None, True)
    error = problem_of(tmp_path, "triggers:\n  - {flow: a, cron: 'every minute'}\n")
    assert error.line == 2 and "T101" in error.message


def test_mcp_servers_are_validated_entries(tmp_path: Path) -> None:
    config = config_of(tmp_path, "mcp:\n  calc: {command: [python, calc.py]}\n"
                                 "  search: {url: 'http://127.0.0.1:9000/mcp'}\n")
    assert config.mcp is not None
    assert config.mcp["calc"].command == ["python", "calc.py"]
    assert config.mcp["search"].url == "http://127.0.0.1:9000/mcp"
    error = problem_of(tmp_path, "mcp:\n  calc: {command: [python], url: 'http://h/mcp'}\n")
    assert error.key == "mcp.calc" and error.line == 2
    assert "give either 'command'" in error.message
    error = problem_of(tmp_path, "mcp:\n  calc: {cmd: [python]}\n")
    assert error.key is not None and error.key.startswith("mcp.calc")


def test_tool_folders_one_or_more(tmp_path: Path) -> None:
    assert config_of(tmp_path, "tools: specs/\n").tool_folders() == [tmp_path / "specs/"]
    assert tool_folders(tmp_path) == [tmp_path / "specs/"]
    assert config_of(tmp_path, "tools: [a, b]\n").tool_folders() == [tmp_path / "a",
                                                                      tmp_path / "b"]
    (tmp_path / "tools").mkdir()
    assert config_of(tmp_path, "state: st/\n").tool_folders() == [tmp_path / "tools"]


def test_pyproject_tables_have_keys_but_no_positions(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fdl]\nstate = "st"\nconcurency = 2\n')
    with pytest.raises(ConfigError) as caught:
        project_config(tmp_path)
    error = caught.value
    assert (error.key, error.line) == ("concurency", None)
    assert str(error) == (f"{tmp_path / 'pyproject.toml'}: unknown key 'concurency' in "
                          "[tool.fdl]; did you mean 'concurrency'?")
    (tmp_path / "pyproject.toml").write_text('[tool.fdl]\nstate = "st"\n')
    assert project_config(tmp_path).state == tmp_path / "st"
