"""The ``config`` of ``py`` and ``shell`` ToolSpecs, as pydantic models (tools.md §6).

Read twice, like `stdlib.tools.config`: the registry checks a ToolSpec's ``config`` with these
models and `stdlib.tools.process` runs the tool from them. The limits are the spec's
(``timeout``, ``memory``, ``cpu``, ``network``) plus ``processes`` (how many processes the
tool may have at once) and ``output`` (how much it may write on stdout and stderr).

```yaml
type: py
code: score
config: {path: tools/score.py, function: score, memory: 256MiB, timeout: 5000}
---
type: shell
code: items
config: {command: ['jq', '-c', '.items'], stdin: content, json: true}
```

This module imports no adapter: the registry and the editor read it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ByteSize, Field, ValidationInfo, model_validator

from compiler.validate import Invalid, Wording

from .config import ConfigModel, EnvName

__all__ = ["ProcessLimits", "PyConfig", "ShellConfig", "placeholder"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Millis = Annotated[int, Field(gt=0), Wording(expect="a positive whole number of ms")]
Bytes = Annotated[ByteSize, Field(gt=0), Wording(
    expect="a size such as 256MiB, 1GiB or a number of bytes")]


def _arguments(info: ValidationInfo) -> list[str] | None:
    context = info.context
    found = context.get("arguments") if isinstance(context, dict) else None
    return None if found is None else list(found)


class ProcessLimits(ConfigModel):
    """What a ``py``/``shell`` tool's process may use; exceeding any is tool error F411
    naming the limit."""

    timeout: Millis = Field(30_000, description="wall-clock limit of one call, in ms")
    memory: Bytes = Field(ByteSize(512 * 1024 * 1024),
                          description="address-space limit of each process (RLIMIT_AS)")
    cpu: Millis | None = Field(None, description="CPU time limit in ms, rounded up to whole "
                                                 "seconds (default: the timeout)")
    processes: Annotated[int, Field(ge=1), Wording(expect="a whole number of at least 1")] = \
        Field(32, description="processes the tool may start besides itself (RLIMIT_NPROC)")
    output: Bytes = Field(ByteSize(16 * 1024 * 1024),
                          description="how much the tool may write on stdout and on stderr")
    network: bool = Field(False, description="false: no network (a network namespace of its "
                                             "own, else Landlock's TCP rules)")
    env: list[EnvName] = Field(default_factory=list,
                               description="environment variables passed to the tool (no "
                                           "others are)")

    @property
    def cpu_seconds(self) -> int:
        """The CPU limit in whole seconds (at least 1)."""
        millis = self.cpu if self.cpu is not None else self.timeout
        return max(1, -(-millis // 1000))


def placeholder(part: str) -> str | None:
    """The argument a command part stands for: a part that is exactly ``{name}``. Braces
    anywhere else are the program's own (a jq or awk program, a shell function)."""
    if part.startswith("{") and part.endswith("}") and _IDENTIFIER.fullmatch(part[1:-1]):
        return part[1:-1]
    return None


def _function(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise Invalid(f"must be the name of a Python function, not {value!r}")
    return value


def _script(value: str) -> str:
    if not value.endswith(".py"):
        raise Invalid(f"must be a Python file (.py), not {value!r}")
    return value


class PyConfig(ProcessLimits):
    """The ``config`` of a ``py`` ToolSpec: the function ``function`` of the file ``path``
    (relative to the project configuration's folder), called with the arguments as keyword
    arguments in a process of its own."""

    path: Annotated[str, Field(min_length=1), AfterValidator(_script), Wording(
        expect="the path of a .py file", missing="names the file of the function: "
                                                 "{path: tools/score.py, function: score}")]
    function: Annotated[str, AfterValidator(_function), Wording(
        expect="a function name")] = Field("main", description="the function to call "
                                                               "(default main)")
    warm: bool = Field(True, description="start the next call's process (confined, module "
                                         "imported) while the current call runs")


class ShellConfig(ProcessLimits):
    """The ``config`` of a ``shell`` ToolSpec: a command run without a shell (no word
    splitting, no globbing, no injection), in a process of its own. A part that is exactly
    ``{name}`` is replaced by the argument ``name`` (as one part, whatever it holds)."""

    command: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1),
                       Wording(expect="a list such as ['jq', '-c', '.items']",
                               missing="names the program and its arguments: "
                                       "{command: ['jq', '-c', '.items']}")]
    stdin: Annotated[str | None, Wording(expect="an argument name")] = Field(
        None, description="the argument whose text is the command's input (default: every "
                          "argument as one JSON object)")
    json_output: bool = Field(False, alias="json",
                              description="the result is stdout parsed as JSON")

    @model_validator(mode="after")
    def _declared(self, info: ValidationInfo) -> ShellConfig:
        arguments = _arguments(info)
        if arguments is None:
            return self
        for index, part in enumerate(self.command):
            name = placeholder(part)
            if name is not None and name not in arguments:
                raise Invalid(f": the placeholder {{{name}}} is not a declared argument; "
                              "declare it in args.in", at=("command", index))
        if self.stdin is not None and self.stdin not in arguments:
            raise Invalid(f": '{self.stdin}' is not a declared argument; declare it in "
                          "args.in", at=("stdin",))
        return self

