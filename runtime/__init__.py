"""The FDL runtime: executes compiled plans (spec/fdl.md §6) on trio.

    >>> import runtime, trio                                    # doctest: +SKIP
    >>> async def main():
    ...     async with runtime.Runtime(tools=..., store="sqlite:///runs.db") as rt:
    ...         result = await rt.run(plan, {"customerId": "c1"})
    >>> trio.run(main)

Two layers (design.md): a sans-I/O core (`runtime._core`) that decides what runs, and a
trio driver that runs it. The journal is the sequence of events fed to the core; resume
replays it.
"""

from __future__ import annotations

from ._runtime import RunResult as RunResult
from ._runtime import Runtime as Runtime
from ._runtime import run_sync as run_sync
from .errors import InputError as InputError
from .errors import OutputError as OutputError
from .errors import Problem as Problem
from .errors import RunFailure as RunFailure
from .mocks import MockFileError as MockFileError
from .mocks import Mocks as Mocks
from .store import RunRecord as RunRecord
from .store import RunStore as RunStore
from .store import open_store as open_store
from .tools import Tool as Tool
from .tools import ToolCall as ToolCall
from .tools import ToolError as ToolError
from .tools import ToolProvider as ToolProvider
from .tools import Tools as Tools
from .tools import chain as chain

__all__ = ["InputError", "MockFileError", "Mocks", "OutputError", "Problem", "RunFailure",
           "RunRecord", "RunResult", "RunStore", "Runtime", "Tool", "ToolCall", "ToolError",
           "ToolProvider", "Tools", "chain", "open_store", "run_sync"]
