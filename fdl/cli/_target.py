"""Where ``--on temporal`` sends a run (`Target`), and the mock file that travels with it.

Kept apart from `fdl.cli.temporal` so that ``fdl run`` and ``fdl runs`` can read their options
without importing temporalio (about 170 ms at start-up); the Temporal client is loaded only
when a command actually goes to Temporal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.diagnostics import Reporter
from compiler.yamltree import load_yaml, to_plain
from gml import Source
from stdlib.config import ProjectConfig, TemporalConfig

__all__ = ["Target", "mock_document", "target_of"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where runs go: the frontend, the namespace and the task queue."""

    address: str
    namespace: str
    task_queue: str


def target_of(config: ProjectConfig, address: str | None, namespace: str | None,
              task_queue: str | None) -> Target:
    """The command line's choices, else ``temporal:`` of ``fdl.yaml``, else the defaults."""
    section = config.temporal or TemporalConfig.model_validate({})
    return Target(address or section.address, namespace or section.namespace,
                  task_queue or section.task_queue)


def mock_document(path: Path) -> Any:
    """The mock file as plain data, to travel with the run (`runtime.Mocks.load` has
    validated it already, so it is read here without reporting again)."""
    text = path.read_text(encoding="utf-8")
    tree = load_yaml(text, Reporter(str(path), Source(text)))
    return {} if tree is None else to_plain(tree)
