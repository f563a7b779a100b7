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

from stdlib.tools import Tool as Tool
from stdlib.tools import ToolCall as ToolCall
from stdlib.tools import ToolError as ToolError
from stdlib.tools import ToolProvider as ToolProvider
from stdlib.tools import Tools as Tools
from stdlib.tools import chain as chain
from stdlib.tools.mocks import MockFileError as MockFileError
from stdlib.tools.mocks import Mocks as Mocks

from ._owner import cancel_stored as cancel_stored
from ._runtime import RunResult as RunResult
from ._runtime import Runtime as Runtime
from ._runtime import run_sync as run_sync
from ._runtime import shared_options as shared_options
from .errors import InputError as InputError
from .errors import OutputError as OutputError
from .errors import Problem as Problem
from .errors import RunFailure as RunFailure
from .store import RunRecord as RunRecord
from .store import RunStore as RunStore
from .store import open_store as open_store

__all__ = [
    "InputError",
    "MockFileError",
    "Mocks",
    "OutputError",
    "Problem",
    "RunFailure",
    "RunRecord",
    "RunResult",
    "RunStore",
    "Runtime",
    "Tool",
    "ToolCall",
    "ToolError",
    "ToolProvider",
    "Tools",
    "cancel_stored",
    "chain",
    "open_store",
    "run_sync",
    "shared_options",
]
