"""`fdl init`: a project that works at once, and that never overwrites one.

The project is created in a temporary folder and then checked, run (on its real SQLite
table, and on its mocks) and tested through the same command line a user types.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fdl.cli import main
from fdl.newproject import NEXT_COMMANDS, PROJECT_FILES, InitError, create_project


def fdl(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_writes_the_project_and_prints_the_next_commands(tmp_path: Path) -> None:
    project = tmp_path / "hello"
    result = fdl("init", str(project))
    assert result.exit_code == 0, result.output
    assert set(tree(project)) == set(PROJECT_FILES.values())
    lines = result.stdout.splitlines()
    assert f"    cd {project.as_posix()}" in lines
    assert lines[-3:] == [f"    {command}" for command in NEXT_COMMANDS]
    assert len(NEXT_COMMANDS) == 3


def test_init_without_a_folder_uses_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = fdl("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fdl.yaml").is_file()
    assert result.stdout.startswith("created a project in the working folder:\n")
    assert not any(line.strip().startswith("cd ") for line in result.stdout.splitlines())


def test_the_new_project_checks_runs_and_passes_its_tests(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert fdl("init", str(project)).exit_code == 0
    flow = str(project / "flows" / "hello.yaml")

    checked = fdl("check", str(project / "flows"))
    assert checked.exit_code == 0, checked.output
    assert "no tool catalog" not in checked.output  # the project's ToolSpecs were found

    # The real tools: the table lives in the project's .fdl/app.db, wherever fdl runs.
    first = fdl("run", flow, "--set", "who=Ada", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["output"] == {"greeting": "Hello, Ada!", "visits": 1}
    again = fdl("run", flow, "--set", "who=Ada", "--json")
    assert json.loads(again.stdout)["output"] == {"greeting": "Welcome back, Ada!",
                                                  "visits": 2}
    assert (project / ".fdl" / "app.db").is_file()
    assert (project / ".fdl" / "runs.db").is_file()

    mocked = fdl("run", flow, "--mock", str(project / "mocks" / "hello.yaml"), "--json")
    assert mocked.exit_code == 0, mocked.output
    assert json.loads(mocked.stdout)["output"] == {"greeting": "Welcome back, world!",
                                                   "visits": 42}

    tested = fdl("test", str(project / "flows"))
    assert tested.exit_code == 0, tested.output
    assert "3 passed" in tested.output


def test_the_editor_settings_recommend_the_extension(tmp_path: Path) -> None:
    create_project(tmp_path)
    recommended = json.loads((tmp_path / ".vscode" / "extensions.json").read_text())
    assert recommended == {"recommendations": ["fdl-toolchain.fdl"]}
    settings = json.loads((tmp_path / ".vscode" / "settings.json").read_text())
    assert settings["[yaml]"]["editor.tabSize"] == 4


@pytest.mark.parametrize("existing", sorted(PROJECT_FILES.values()))
def test_init_refuses_when_any_file_of_a_project_exists_and_changes_nothing(
        tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine\n")
    (tmp_path / "notes.txt").write_text("also mine\n")
    before = tree(tmp_path)
    result = fdl("init", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: [I101] ")
    assert f"({existing} exists); nothing was changed" in result.stderr
    assert tree(tmp_path) == before


def test_init_names_every_file_that_exists(tmp_path: Path) -> None:
    create_project(tmp_path)
    with pytest.raises(InitError) as caught:
        create_project(tmp_path)
    assert caught.value.code == "I101"
    assert "fdl.yaml, flows/hello.yaml," in caught.value.message
    assert "README.md exist); nothing was changed" in caught.value.message


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    result = fdl("init", str(target))
    assert result.exit_code != 0
    assert target.read_text() == "x"


def test_a_file_that_cannot_be_written_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "tools").write_text("a file where the tools folder goes\n")
    before = tree(tmp_path)
    with pytest.raises(InitError) as caught:
        create_project(tmp_path)  # fdl.yaml and the flows are written before tools/ fails
    assert caught.value.code == "I102"
    assert "nothing was kept" in caught.value.message
    assert tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tools"]  # no empty folders left
