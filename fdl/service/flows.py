"""``/v1/flows`` (spec/service.md §3): flows deployed by name, per tenant, compiled with the
tenant's catalog at deploy time (errors: 422 with the diagnostics of ``fdl check --format
json``) and again, cached, when a run starts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from compiler import check_text
from compiler.plan import Plan

from .auth import Principal
from .context import ServiceContext, json_response, service_of
from .database import DeployedFlow
from .errors import ServiceError
from .security import need
from .workspace import FlowCompileError

__all__ = ["compiled_now", "router"]

router = APIRouter(tags=["flows"])

FlowName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$",
                               description="letters, digits, '_', '.', '-'")]

_FLOW_BODY = {"requestBody": {"required": True, "content": {
    "application/yaml": {"schema": {"type": "string", "description": "FDL flow text"}}}}}


def _signature(plan: Plan) -> dict[str, Any]:
    return {"in": [i.to_dict() for i in plan.inputs],
            "out": None if plan.out is None else str(plan.out)}


def compiled_now(service: ServiceContext, flow: DeployedFlow) -> Plan:
    """The flow's plan, compiled with its tenant's catalog (cached per version and tool
    generation: `Workspace.plan`); blocking, for a worker thread.

    Raises:
        ServiceError: 422 when the flow no longer compiles (a tool it calls changed).
    """
    try:
        return service.workspace.plan(flow)
    except FlowCompileError as error:
        raise ServiceError(422, "flow_errors", str(error), details=error.errors) from None


@router.put("/v1/flows/{name}", summary="Deploy a flow", openapi_extra=_FLOW_BODY,
            responses={201: {"description": "a new flow"}, 422: {"description": "errors"}})
async def deploy_flow(request: Request, name: FlowName,
                      who: Annotated[Principal, Depends(need("admin"))]) -> Response:
    """Body: the flow's YAML text. 201 for a new flow, 200 for a new (or the same)
    version of a deployed one; warnings come back as ``diagnostics``."""
    service = service_of(request)
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(400, "bad_body", "the body is not UTF-8 text") from None
    flow, new, diagnostics = await service.blocking(_deploy, service, who.tenant, name, text)
    service.tools_changed()  # flow://<name> of the tenant's flows changed
    return json_response({"name": name, "version": flow.version, "diagnostics": diagnostics},
                         201 if new else 200)


def _deploy(service: ServiceContext, tenant: str, name: str, text: str
            ) -> tuple[DeployedFlow, bool, list[dict[str, Any]]]:
    """Check and store a flow (in a worker thread): the flow, whether it is new, and the
    diagnostics.

    Raises:
        ServiceError: 422 with the diagnostics when the flow has errors.
    """
    service.workspace.import_mcp([text])  # the MCP tools it calls the registry lacks
    result = check_text(text, f"{name}.yaml", catalog=service.workspace.catalog(tenant),
                        codegen=False)
    if not result.ok:
        raise ServiceError(422, "flow_errors", f"the flow has {len(result.errors)} error(s); "
                           "fix them and deploy again",
                           details=[d.to_dict() for d in result.diagnostics])
    flow, new = service.workspace.db.deploy(tenant, name, text)
    return flow, new, [d.to_dict() for d in result.diagnostics]


@router.get("/v1/flows", summary="List deployed flows")
async def list_flows(request: Request,
                     who: Annotated[Principal, Depends(need("read"))]) -> Response:
    service = service_of(request)
    flows = await service.blocking(service.workspace.db.flows, who.tenant)
    return json_response({"items": [{"name": f.name, "version": f.version,
                                     "deployed": f.created_at} for f in flows],
                          "total": len(flows)})


@router.get("/v1/flows/{name}", summary="A deployed flow")
async def get_flow(request: Request, name: FlowName,
                   who: Annotated[Principal, Depends(need("read"))],
                   version: Annotated[int | None, Query(ge=1, le=2**31)] = None) -> Response:
    service = service_of(request)
    return json_response(await service.blocking(_shown, service, who.tenant, name, version))


def _shown(service: ServiceContext, tenant: str, name: str, version: int | None
           ) -> dict[str, Any]:
    """The answer of ``GET /v1/flows/<name>`` (in a worker thread)."""
    db = service.workspace.db
    flow = db.flow(tenant, name, version)
    if flow is None:
        raise ServiceError.not_found(f"the flow '{name}'")
    result = check_text(flow.source, f"{name}.yaml",
                        catalog=service.workspace.catalog(tenant), codegen=False)
    signature = _signature(result.plan) if result.plan is not None else None
    return {"name": name, "version": flow.version, "source": flow.source,
            "signature": signature, "deployed": flow.created_at,
            "versions": db.flow_versions(tenant, name)}


@router.delete("/v1/flows/{name}", status_code=204, summary="Delete a deployed flow")
async def delete_flow(request: Request, name: FlowName,
                      who: Annotated[Principal, Depends(need("admin"))]) -> Response:
    """Every version; runs keep their own copy of the source."""
    service = service_of(request)
    if not await service.blocking(service.workspace.db.delete_flow, who.tenant, name):
        raise ServiceError.not_found(f"the flow '{name}'")
    service.tools_changed()
    return Response(status_code=204)
