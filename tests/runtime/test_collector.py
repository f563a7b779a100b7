"""The collector kept off the plan during runs (issue #18): `runtime._collector.Freezer`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from runtime import run_sync
from runtime._collector import Freezer

from .conftest import plan_of

FLOW = """\
flow:
    name: frozen
    node:
        a:
            exec: api://t/look
"""


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_objects_are_frozen_while_held_and_handed_back_after(unfrozen: None) -> None:
    freezer = Freezer()
    with freezer.held():
        assert gc.get_freeze_count() > 0
        with freezer.held():  # a nested or concurrent run shares the freeze
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_by_the_host_is_left_alone(unfrozen: None) -> None:
    gc.freeze()
    before = gc.get_freeze_count()
    with Freezer().held():
        pass
    assert gc.get_freeze_count() == before > 0


def test_a_run_holds_the_freeze_while_its_tools_run(unfrozen: None) -> None:
    seen: list[int] = []

    async def look(args: dict[str, Any]) -> dict[str, Any]:
        seen.append(gc.get_freeze_count())
        return {}

    result = run_sync(plan_of(FLOW), tools={"api://t/look": look})
    assert result.status == "completed"
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
