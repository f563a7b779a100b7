"""Runtime tests: every async test of this folder runs under trio (style.md §18), and
helpers to compile a flow and run it on trio's mock clock.

The folder's async tests get the ``trio`` mark here rather than through pytest-trio's trio
mode, which is a setting of the whole session: it would also claim the asyncio tests of
``tests/lsp`` (pytest-lsp) when both folders run together."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

import fdl
from compiler.plan import Plan
from runtime import RunResult, Runtime

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the coroutine tests of this folder (and only those) as trio tests."""
    for item in items:
        function = getattr(item, "function", None)
        if item.path.is_relative_to(_HERE) and inspect.iscoroutinefunction(function):
            item.add_marker(pytest.mark.trio)


def plan_of(text: str) -> Plan:
    """Compile flow text (dedented); fails the test with the diagnostics if it has errors."""
    result = fdl.check_text(textwrap.dedent(text), "flow.yaml")
    assert result.plan is not None, [d.headline() for d in result.diagnostics]
    return result.plan


async def run_flow(text: str | Plan, inputs: Mapping[str, Any] | None = None, *,
                   tools: Mapping[str, Callable[..., Any]] | None = None,
                   **options: Any) -> RunResult:
    """Run a flow in the current trio run (the test's, usually on the autojump clock)."""
    plan = plan_of(text) if isinstance(text, str) else text
    tenant = options.pop("tenant", None)
    bu = options.pop("bu", None)
    options.setdefault("wall_clock", lambda: 1_700_000_000.0)
    options.setdefault("timezone", "Asia/Shanghai")
    async with Runtime(tools=tools or {}, **options) as rt:
        return await rt.run(plan, inputs or {}, tenant=tenant, bu=bu)


def node_events(result: RunResult, kind: str) -> list[str]:
    """The node paths of every event of one type, in order."""
    return [e["node"] for e in result.events if e["type"] == kind]
