"""``/v1/runs`` (spec/service.md §3): runs of deployed flows, started in the app's nursery
on the process's one runtime, watched as server-sent events, cancelled and resumed.

A run belongs to the tenant it was started for (``tenantId`` of its context, in the run
store), so a finished run is served from the store after a restart like any other. A run
with ``mocks`` (only when ``service.allow_mocks`` is on) gets a runtime of its own that
shares the run store and the tenant's tools.

With ``service.engine: temporal`` the routes go to `remoteruns` instead: runs are workflows
on the cluster of ``temporal:`` (docs/scale-out.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

import trio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from compiler import check_text
from compiler.plan import Plan
from runtime import MockFileError, Mocks, RunRecord, Runtime
from runtime.store import RunStatus

from . import remoteruns
from .auth import Principal
from .context import ServiceContext, json_response, json_text, service_of
from .errors import ServiceError
from .flows import compiled_now
from .security import need

__all__ = ["router"]

router = APIRouter(tags=["runs"])

MAX_WAIT = 300.0
"""The longest ``wait`` of ``POST /v1/runs`` (seconds)."""


class RunBody(BaseModel):
    """``POST /v1/runs``."""

    flow: str = Field(min_length=1, max_length=128)
    input: dict[str, Any] = Field(default_factory=dict)
    wait: float = Field(0, ge=0, le=MAX_WAIT, description="seconds to wait for the end")
    mocks: dict[str, Any] | None = Field(None, description="only with service.allow_mocks")


def _view(record: RunRecord) -> dict[str, Any]:
    plain = record.to_dict()
    out: dict[str, Any] = {"run_id": record.run_id, "flow": record.flow,
                           "status": record.status, "started": record.created_at,
                           "ended": None if record.status == "running" else record.updated_at}
    if record.status == "completed":
        out["output"] = plain["output"]
    elif record.status != "running":
        out["error"] = plain["error"]
    return out


async def _record(service: ServiceContext, tenant: str, run_id: str) -> RunRecord:
    """The run ``run_id`` of ``tenant`` (read in a worker thread).

    Raises:
        ServiceError: 404 when there is none (or it is another tenant's).
    """
    record = await service.blocking(service.workspace.store.get, run_id)
    if record is None or record.context.get("tenantId") != tenant:
        raise ServiceError.not_found(f"the run '{run_id}'")
    return record


def _runtime_of(service: ServiceContext, run_id: str) -> Runtime:
    return service.runtimes.get(run_id, service.workspace.runtime)


def _mocks_of(service: ServiceContext, mocks: dict[str, Any]) -> Mocks:
    if not service.workspace.config.service.allow_mocks:
        raise ServiceError(403, "mocks_disabled", "this service does not accept mocks "
                           "(service.allow_mocks in fdl.yaml)")
    try:
        return Mocks(mocks, source="<request>")
    except MockFileError as error:
        raise ServiceError(422, "invalid_mocks", str(error)) from None


def _mocked(service: ServiceContext, mocks: dict[str, Any]) -> Runtime:
    mock = _mocks_of(service, mocks)
    workspace = service.workspace
    return Runtime(tools=workspace.tools, mocks=mock, store=workspace.store,
                   timezone=workspace.config.timezone)


async def _execute(service: ServiceContext, runtime: Runtime, plan: Plan, tenant: str,
                   run_id: str, started: trio.Event, done: trio.Event,
                   inputs: dict[str, Any] | None) -> None:
    """Run (``inputs`` given) or resume a run in the app's nursery."""
    metrics = service.metrics
    metrics.active.inc()
    status = "failed"

    def on_event(_event: dict[str, Any]) -> None:
        started.set()

    try:
        with service.workspace.tools.using(tenant):
            if inputs is not None:
                result = await runtime.run(plan, inputs, tenant=tenant, run_id=run_id,
                                           on_event=on_event)
            else:
                result = await runtime.resume(run_id, plan=plan, on_event=on_event)
        status = result.status
    except Exception as error:  # a run that cannot start or resume must not stop the app
        logging.getLogger("fdl.service").error("run %s could not %s: %s: %s", run_id,
                                               "start" if inputs is not None else "resume",
                                               type(error).__name__, error)
    finally:
        metrics.active.dec()
        metrics.runs.labels(plan.name, status).inc()
        service.runtimes.pop(run_id, None)
        service.finished.pop(run_id, None)
        started.set()
        done.set()


def _plan_of(service: ServiceContext, tenant: str, name: str) -> Plan:
    """The plan of the newest version of the deployed flow ``name`` (in a worker thread).

    Raises:
        ServiceError: 404 without such a flow, 422 when it no longer compiles.
    """
    flow = service.workspace.db.flow(tenant, name)
    if flow is None:
        raise ServiceError.not_found(f"the flow '{name}'")
    return compiled_now(service, flow)


@router.post("/v1/runs", status_code=201, summary="Start a run")
async def start_run(request: Request, body: RunBody,
                    who: Annotated[Principal, Depends(need("run"))]) -> Response:
    """Start the newest version of a deployed flow; with ``wait`` the answer comes when the
    run ends or the wait is over (then ``status`` is ``running``)."""
    service = service_of(request)
    plan = await service.blocking(_plan_of, service, who.tenant, body.flow)
    if service.cluster is not None:
        if body.mocks is not None:
            _mocks_of(service, body.mocks)  # checked here: the worker only reads them
        return json_response(_view(await remoteruns.start(
            service, plan, who.tenant, body.input, body.mocks, body.wait)), 201)
    runtime = service.workspace.runtime if body.mocks is None else _mocked(service, body.mocks)
    run_id = uuid.uuid4().hex
    started, done = trio.Event(), trio.Event()
    service.finished[run_id] = done
    if runtime is not service.workspace.runtime:
        service.runtimes[run_id] = runtime
    service.start_soon(_execute, service, runtime, plan, who.tenant, run_id, started, done,
                       body.input)
    await started.wait()
    await trio.sleep(0)  # the run records itself before its first checkpoint
    if body.wait > 0:
        with trio.move_on_after(body.wait):
            await done.wait()
    record = await service.blocking(service.workspace.store.get, run_id)
    if record is None:
        raise ServiceError(503, "not_started", "the run could not be started; retry")
    return json_response(_view(record), 201)


@router.get("/v1/runs", summary="List runs, newest first")
async def list_runs(request: Request, who: Annotated[Principal, Depends(need("read"))],
                    flow: str | None = None, status: RunStatus | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> Response:
    service = service_of(request)
    if service.cluster is not None:
        found = await remoteruns.listing(service, who.tenant, flow=flow, status=status,
                                         limit=limit)
        return json_response({"items": [_view(r) for r in found], "total": len(found)})
    records = await service.blocking(service.workspace.store.list, status=status, flow=flow,
                                     limit=None)
    mine = [r for r in records if r.context.get("tenantId") == who.tenant][:limit]
    return json_response({"items": [_view(r) for r in mine], "total": len(mine)})


@router.post("/v1/runs/{run_id}:cancel", status_code=202, summary="Cancel a run")
async def cancel_run(request: Request, run_id: str,
                     who: Annotated[Principal, Depends(need("run"))]) -> Response:
    service = service_of(request)
    if service.cluster is not None:
        await remoteruns.cancel(service, who.tenant, run_id)
        return json_response({"run_id": run_id, "status": "cancelling"}, 202)
    record = await _record(service, who.tenant, run_id)
    if record.status != "running" or not _runtime_of(service, run_id).cancel(run_id):
        raise ServiceError(409, "not_running", f"the run '{run_id}' is {record.status}; only "
                           "running runs can be cancelled")
    return json_response({"run_id": run_id, "status": "cancelling"}, 202)


@router.post("/v1/runs/{run_id}:resume", status_code=202, summary="Resume an interrupted run")
async def resume_run(request: Request, run_id: str,
                     who: Annotated[Principal, Depends(need("run"))]) -> Response:
    """Continue a run this service was running when it stopped (completed nodes are not
    run again)."""
    service = service_of(request)
    if service.cluster is not None:
        await remoteruns.record(service, who.tenant, run_id)
        raise remoteruns.resume(run_id)
    record = await _record(service, who.tenant, run_id)
    if record.status != "running" or run_id in service.finished:
        raise ServiceError(409, "not_resumable", f"the run '{run_id}' is "
                           f"{'running' if run_id in service.finished else record.status}; "
                           "only interrupted runs can be resumed")
    result = await service.blocking(check_text, record.source,
                                    record.path or f"{record.flow}.yaml",
                                    catalog=service.workspace.catalog(who.tenant))
    if result.plan is None:
        raise ServiceError(422, "flow_errors", "the run's flow no longer compiles",
                           details=[d.to_dict() for d in result.errors])
    plan = replace(result.plan, name=record.flow, path=record.path)
    started, done = trio.Event(), trio.Event()
    service.finished[run_id] = done
    service.start_soon(_execute, service, service.workspace.runtime, plan, who.tenant, run_id,
                       started, done, None)
    await started.wait()
    return json_response({"run_id": run_id, "status": "running"}, 202)


@router.get("/v1/runs/{run_id}", summary="A run's status")
async def get_run(request: Request, run_id: str,
                  who: Annotated[Principal, Depends(need("read"))]) -> Response:
    service = service_of(request)
    if service.cluster is not None:
        return json_response(_view(await remoteruns.record(service, who.tenant, run_id)))
    return json_response(_view(await _record(service, who.tenant, run_id)))


def _event_line(event: dict[str, Any]) -> bytes:
    return b"data: " + json_text(event) + b"\n\n"


@router.get("/v1/runs/{run_id}/events", summary="A run's events (server-sent events)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def run_events(request: Request, run_id: str,
                     who: Annotated[Principal, Depends(need("read"))],
                     after: Annotated[int, Query(ge=-1)] = -1) -> StreamingResponse:
    """One ``data:`` line per event (runtime.md's events) from ``after`` on, live while the
    run goes on; the stream ends after the run's final event."""
    service = service_of(request)
    if service.cluster is not None:
        await remoteruns.record(service, who.tenant, run_id)
        events = remoteruns.events(service, run_id, after)
    else:
        await _record(service, who.tenant, run_id)
        events = _runtime_of(service, run_id).events(run_id)

    async def stream() -> AsyncIterator[bytes]:
        async for event in events:
            if int(event.get("seq", 0)) > after:
                yield _event_line(event)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
