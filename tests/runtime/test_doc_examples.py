"""The run-time examples of docs/diagnostics.md really fail with their codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from runtime import Mocks

from .conftest import run_flow

DOC = Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md"


def examples() -> dict[str, str]:
    """The ```yaml runtime block under each ### Fxxx heading."""
    found: dict[str, str] = {}
    code = None
    lines = DOC.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        heading = re.match(r"### (F\d{3}) ", lines[i])
        if heading:
            code = heading.group(1)
        elif lines[i].strip() == "```yaml runtime" and code is not None:
            end = lines.index("```", i + 1)
            found[code] = "\n".join(lines[i + 1:end]) + "\n"
            i = end
        i += 1
    return found


EXAMPLES = examples()
CRM = "api://crm-service/customer"
STATUS = "api://dp-service/task_status"

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("F401", "F401", {}, {CRM: {"result": {"id": "c1"}}}, {}),
    ("F402", "F401", {"customerId": ["c1"]}, {CRM: {"result": {"id": "c1"}}}, {}),
    ("F403", "F401", {"customerId": "c1", "customerID": "c1"},
     {CRM: {"result": {"id": "c1"}}}, {}),
    ("F404", "F404", {"customerId": "c1"}, {CRM: {"result": {"id": "c1"}}}, {}),
    ("F405", "F405", {}, {STATUS: {"result": {"status": "processing"}}},
     {"max_iterations": 50}),
    ("F406", "F401", {"customerId": "c1"}, {}, {}),
]


def test_every_runtime_example_is_used() -> None:
    assert sorted(EXAMPLES) == ["F401", "F404", "F405"]


@pytest.mark.parametrize(("code", "example", "inputs", "mocks", "options"), CASES,
                         ids=[c[0] for c in CASES])
async def test_the_documented_flow_fails_with_its_code(
        code: str, example: str, inputs: dict[str, Any], mocks: dict[str, Any],
        options: dict[str, Any]) -> None:
    result = await run_flow(EXAMPLES[example], inputs,
                            mocks=Mocks.from_mapping({"mocks": mocks}), **options)
    assert result.status == "failed"
    assert result.error is not None and result.error["code"] == code
