"""What travels between a client, a workflow and an activity: plain JSON dataclasses.

Values a flow computes (inputs, tool arguments and results, outputs) may hold dates and
decimals that JSON has no word for, so they travel as text of the run codec
(`runtime._codec`), the same lossless form the run store writes. Everything else is plain
JSON that Temporal's default data converter handles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["WORKFLOW_NAME", "FlowInput", "FlowOutput", "ToolRequest", "ToolResult"]

WORKFLOW_NAME = "fdl-flow"
"""The workflow type every flow runs as."""

TOOL_ACTIVITY = "fdl-tool"
"""The activity type of a tool call."""


@dataclass(slots=True)
class FlowInput:
    """One run, complete: a worker needs no copy of the caller's flows.

    Attributes:
        source: the flow's text (compiled by the worker with its project's tool catalog).
        path: the flow's file name (for messages).
        name: the flow's name (the caller's compilation; the ``flow`` memo of the workflow,
            which `fdl runs list --on temporal` shows).
        inputs: the raw inputs, codec text (converted and checked inside the workflow).
        tenant, bu: the run context.
        mocks: the mock document (``{"mocks": ..., "passthrough": ...}``), codec text, or
            None to call the worker's real tools.
        timezone: the zone name of dates (the caller's, so a worker elsewhere agrees).
        max_iterations: the loop and jump cap (F405).
        default_timeout_ms: per-attempt timeout of tools whose URI sets none.
        tools: per tool node (``proc/call``: node ids, no iteration numbers), its tool as
            the caller's catalog resolved it (`compiler.plan.ToolRef` as JSON): the worker
            compiles the text without a catalog and binds arguments by these, so a run
            keeps the tool signatures it started with.
        subflows: the flows its ``flow://`` calls name, resolved by the caller when the run
            starts (``code`` → ``{name, source, path, tools}``), at every depth: they run as
            child workflows, and a run keeps the versions it started with.
        depth: how deeply this run is nested in ``flow://`` calls (0: a top-level run).
        max_runs: how many ``flow://`` runs the top-level run may start in all, at every
            depth (``flow-runs:`` of the caller's ``fdl.yaml``); only the top-level run
            counts them (`._flowruns`).
        root: the workflow id of the top-level run ("" for the top-level run itself): a
            called flow asks it for each ``flow://`` run it starts.
    """

    source: str
    path: str
    inputs: str = "{}"
    name: str = ""
    tenant: str | None = None
    bu: str | None = None
    mocks: str | None = None
    timezone: str | None = None
    max_iterations: int = 10_000
    default_timeout_ms: float | None = None
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    subflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    depth: int = 0
    max_runs: int = 1000
    root: str = ""


@dataclass(slots=True)
class FlowOutput:
    """How the run ended (`runtime.RunResult` without the run id, which is the workflow id).

    ``output`` is codec text; ``calls`` holds, per mocked URI, the arguments of each call
    (codec text of the mapping). ``events`` are the run's public events, all of them
    unless they pass the result's size budget (`._events`): then the first one and the
    newest that fit, and ``dropped`` says how many were left out between them."""

    status: str
    output: str = "null"
    error: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    calls: str = "{}"
    dropped: int = 0


@dataclass(slots=True)
class ToolRequest:
    """One tool call, as the workflow built it (``args`` is codec text)."""

    uri: str
    base: str
    written: str
    type: str
    code: str
    args: str
    options: dict[str, str]
    idempotency_key: str
    run_id: str
    node: str
    tenant: str | None = None
    bu: str | None = None
    timeout_ms: float | None = None
    max_attempts: int = 1
    mocks: str | None = None
    mock_calls_before: int = 0


@dataclass(slots=True)
class ToolResult:
    """A tool call's raw result (codec text) and the attempt that produced it."""

    value: str
    attempt: int = 1
