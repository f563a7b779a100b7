"""Flows on Temporal: the runtime's core as a workflow, tool calls as activities.

- `flow_worker`: a worker (workflow + activities) for a project's tools;
- `flow_input` / `run_flow`: start a run and wait for its `runtime.RunResult`;
- `FlowWorkflow`: the workflow class (for replaying histories);
- `list_runs`, `run_record`: the flow runs of a namespace, as the run store's records.

See docs/scale-out.md for what runs where and what is not done yet.
"""

from __future__ import annotations

from ._model import WORKFLOW_NAME as WORKFLOW_NAME
from ._model import FlowInput as FlowInput
from ._model import FlowOutput as FlowOutput
from .client import FLOW_MEMO as FLOW_MEMO
from .client import flow_input as flow_input
from .client import run_flow as run_flow
from .client import run_result as run_result
from .runs import ENDED_OUTSIDE as ENDED_OUTSIDE
from .runs import ended_outside as ended_outside
from .runs import list_runs as list_runs
from .runs import run_record as run_record
from .worker import DEFAULT_TASK_QUEUE as DEFAULT_TASK_QUEUE
from .worker import FlowWorkflow as FlowWorkflow
from .worker import flow_worker as flow_worker

__all__ = ["DEFAULT_TASK_QUEUE", "ENDED_OUTSIDE", "FLOW_MEMO", "WORKFLOW_NAME", "FlowInput",
           "FlowOutput", "FlowWorkflow", "ended_outside", "flow_input", "flow_worker",
           "list_runs", "run_flow", "run_record", "run_result"]
