"""The façade's own functions: `load` reads a flow file, `run` runs a plan to its end.

Re-exported by `fdl` (on first use, see `fdl.__init__`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gml
from compiler import ToolCatalog, load_text
from compiler.plan import Plan

if TYPE_CHECKING:
    from runtime import RunResult

__all__ = ["load", "run"]


def load(path: str | Path, *, catalog: ToolCatalog | None = None,
         env: gml.Environment | None = None) -> Plan:
    """Read and compile the flow file at ``path`` (flow text goes through `load_text`).

    Raises:
        CompileError: with every diagnostic, when the flow has errors.
        OSError: the file cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8")
    return load_text(text, str(path), catalog=catalog, env=env)


def run(flow: Plan, inputs: Mapping[str, Any] | None = None, *, tenant: str | None = None,
        bu: str | None = None, **options: Any) -> RunResult:
    """Run ``flow`` (from `fdl.load`) to its end in a fresh trio event loop.

    ``options`` are those of `runtime.Runtime` (``tools``, ``mocks``, ``store``,
    ``concurrency``, ``timezone``, ...), plus ``clock`` (a trio clock, e.g.
    ``trio.testing.MockClock(autojump_threshold=0)`` to make waits virtual). Inside an async
    service use `runtime.Runtime` directly.

        >>> result = fdl.run(fdl.load("flows/customer_view.yaml"), {"customerId": "c1"},
        ...                  tools={"api://crm-service/customer": get_customer})  # doctest: +SKIP
        >>> result.status, result.output                                          # doctest: +SKIP
    """
    # The runtime (trio and the adapters) is loaded when a flow runs, not by `import fdl`:
    # checking, the editor and `fdl --help` never need it.
    from runtime import run_sync

    return run_sync(flow, inputs, tenant=tenant, bu=bu, **options)
