"""A new project that works at once: what ``fdl init`` writes.

`create_project` copies the files of the `fdl.template` package data into a folder: the
configuration, a flow (a tool call on the embedded SQLite database, a branch and mappings),
the ToolSpec of its table, a mock file, a flow test file, editor settings and a README.
Every file is new: when any of them exists already the folder is left exactly as it was
(`InitError` I101), so ``fdl init`` never overwrites a project, not even in part.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["NEXT_COMMANDS", "PROJECT_FILES", "InitError", "create_project"]

PROJECT_FILES: dict[str, str] = {
    "config.yaml": "fdl.yaml",
    "flow.yaml": "flows/hello.yaml",
    "flow.test.yaml": "flows/hello.test.yaml",
    "toolspec.yaml": "tools/app_visitor.yaml",
    "mocks.yaml": "mocks/hello.yaml",
    "vscode-settings.json": ".vscode/settings.json",
    "vscode-extensions.json": ".vscode/extensions.json",
    "README.md": "README.md",
}
"""Template file (in `fdl.template`) → its path in the new project."""

NEXT_COMMANDS: tuple[str, ...] = (
    "fdl check flows",
    "fdl run flows/hello.yaml --set who=Ada",
    "fdl test flows",
)
"""What to type next, from the project's folder."""


class InitError(Exception):
    """A project that cannot be created; nothing was written.

    Attributes:
        code: ``I101`` (the folder holds a project already: a file would be overwritten),
            ``I102`` (the folder cannot be written).
        message: what is wrong and what to do.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def _template(name: str) -> str:
    return resources.files("fdl.template").joinpath(name).read_text(encoding="utf-8")


def create_project(folder: Path) -> list[Path]:
    """Write a new project into ``folder`` (created when missing); the files written.

    Raises:
        InitError: I101 when any of the project's files exists (nothing is written), I102
            when the folder or a file cannot be written (what was written is removed again).
    """
    targets = [folder / relative for relative in PROJECT_FILES.values()]
    existing = [path for path in targets if path.exists() or path.is_symlink()]
    if existing:
        names = ", ".join(path.relative_to(folder).as_posix() for path in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise InitError("I101", f"{folder} already holds a project ({names} {verb}); nothing "
                                "was changed. Run fdl init in an empty folder, or give a new "
                                "one: fdl init DIR")
    if folder.exists() and not folder.is_dir():
        raise InitError("I102", f"{folder} is a file, not a folder; give a new folder: "
                                "fdl init DIR")
    contents = {folder / target: _template(name) for name, target in PROJECT_FILES.items()}
    written: list[Path] = []
    made: list[Path] = []  # folders created here, outermost first
    try:
        for path, text in contents.items():
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            made.extend(reversed(missing))
            with path.open("x", encoding="utf-8", newline="\n") as file:
                file.write(text)
            written.append(path)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        for made_folder in reversed(made):
            made_folder.rmdir()
        reason = error.strerror or str(error)
        raise InitError("I102", f"{error.filename or folder} cannot be written ({reason}); "
                                "nothing was kept. Choose a folder you can write to") from None
    return written
