"""``/v1/tools`` and ``/v1/ai-tools`` (spec/service.md §3): the registry of the key's
tenant (its own tools and the global ones) over HTTP.

A tool is addressed by its code (``/v1/tools/crm-service/customer``); a code registered
under several types needs ``?type=``. Tenants see global tools but change only their own:
changing a global tool is a 403 (the CLI manages them).
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from compiler import ToolArg, parse_text
from gml.convert import ConversionError, convert
from runtime import ToolCall, ToolError
from stdlib.registry import (
    Registration,
    RegistryError,
    ToolSpec,
    ToolSpecError,
    ToolSummary,
    VersionConflictError,
    export_tools,
    to_jsonschema,
    to_mcp,
    to_openai,
)

from .auth import Principal
from .context import ServiceContext, json_response, plain_response, service_of
from .errors import ServiceError
from .security import need

__all__ = ["router"]

router = APIRouter(tags=["tools"])

MAX_LIMIT = 1000
"""The most tools one search answers (the registry's own cap)."""

_SPEC_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "description": "a ToolSpec"}},
    "application/yaml": {"schema": {"type": "string", "description": "a ToolSpec"}}}}}


class TagsBody(BaseModel):
    """``PUT /v1/tools/<code>:tags``."""

    tags: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(max_length=100)


class CallBody(BaseModel):
    """``POST /v1/tools/<code>:call``."""

    args: dict[str, Any] = Field(default_factory=dict)


def _summary(tool: ToolSummary) -> dict[str, Any]:
    return {"code": tool.code, "type": tool.type, "version": tool.version,
            "desp": tool.desp, "tags": list(tool.tags)}


async def _find(service: ServiceContext, tenant: str, code: str, tool_type: str | None,
                version: str | None = None) -> ToolSpec:
    """The tool ``code`` as ``tenant`` sees it (looked up in a worker thread).

    Raises:
        ServiceError: 404 when unknown, 409 when the code has several types.
    """
    return await service.blocking(_find_now, service, tenant, code, tool_type, version)


def _find_now(service: ServiceContext, tenant: str, code: str, tool_type: str | None,
              version: str | None) -> ToolSpec:
    registry = service.workspace.registry
    types = [tool_type] if tool_type else sorted(registry.types(tenant=tenant))
    found = [spec for t in types
             if (spec := registry.get(t, code, version, tenant=tenant)) is not None]
    if not found:
        what = f"the tool '{code}'" + (f" version {version}" if version else "")
        raise ServiceError.not_found(what)
    if len(found) > 1:
        raise ServiceError(409, "ambiguous_code", f"'{code}' is registered as "
                           f"{', '.join(s.type for s in found)}: add ?type=")
    return found[0]


def _own(spec: ToolSpec, tenant: str) -> None:
    if spec.tenant != tenant:
        raise ServiceError(403, "global_tool", f"{spec.uri} is a global tool; global tools "
                           "are managed with fdl tools on the command line")


@router.get("/v1/tools", summary="List or search tools")
async def list_tools(request: Request, who: Annotated[Principal, Depends(need("read"))],
                     q: str | None = None, type: str | None = None, tag: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
                     offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Response:
    """``q`` is the registry's ranked full-text search (best first); without it, every
    tool by type and code."""
    service = service_of(request)
    return plain_response(await service.blocking(_listing, service, who.tenant, q, type, tag,
                                                 limit, offset))


def _listing(service: ServiceContext, tenant: str, q: str | None, type: str | None,
             tag: str | None, limit: int, offset: int) -> dict[str, Any]:
    """The answer of ``GET /v1/tools`` (in a worker thread; reused while the registry does
    not change: `searchcache`)."""
    registry = service.workspace.registry
    stamp = (service.workspace.generation, registry.data_version())
    key = (tenant, q, type, tag, limit, offset)
    answer: dict[str, Any] | None = service.answers.get(stamp, key)
    if answer is not None:
        return answer
    if q:  # summaries: the stored specs' fields, not validated again (issue #20)
        wanted = min(offset + limit, MAX_LIMIT)
        hits = registry.search_summaries(q, tenant=tenant, type=type, tag=tag, limit=wanted)
        page = hits[offset:]
        total = len(hits) if len(hits) < wanted else registry.search_count(
            q, tenant=tenant, type=type, tag=tag)
    else:
        tools = registry.list_summaries(tenant=tenant, type=type, tag=tag)
        page, total = tools[offset:offset + limit], len(tools)
    answer = {"items": [_summary(s) for s in page], "total": total}
    service.answers.put(stamp, key, answer)
    return answer


def _read_spec(body: bytes, content_type: str) -> ToolSpec:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(400, "bad_body", "the body is not UTF-8 text") from None
    if "json" in content_type:
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ServiceError(400, "bad_json", f"the body is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise ServiceError(422, "invalid_spec", "a ToolSpec is a JSON object")
        try:  # the quick path; a spec with problems is read again for their positions
            return ToolSpec.model_validate(data).check()
        except (ValidationError, ToolSpecError, UnicodeError):
            pass
    try:
        return ToolSpec.from_text(text, "<request>")
    except UnicodeError:  # "\ud800": an escape of half a character, not text
        raise ServiceError(400, "bad_body", "the body has an escape that is not a whole "
                           "Unicode character (a lone surrogate such as \\ud800)") from None
    except ToolSpecError as error:
        raise ServiceError(422, "invalid_spec", str(error), details=[
            {"field": p.field, "message": p.message, "code": p.code}
            for p in error.problems]) from None


@router.post("/v1/tools", status_code=201, summary="Register a tool version",
             openapi_extra=_SPEC_BODY)
async def register_tool(request: Request, who: Annotated[Principal, Depends(need("admin"))]
                        ) -> Response:
    """Body: a ToolSpec as JSON, or YAML with ``Content-Type: application/yaml``."""
    service = service_of(request)
    body = await request.body()
    done = await service.blocking(_register, service, body,
                                  request.headers.get("content-type", ""), who.tenant)
    service.tools_changed()
    return json_response({"code": done.spec.code, "type": done.spec.type,
                          "version": done.spec.version, "status": done.status},
                         201 if done.status != "unchanged" else 200)


def _register(service: ServiceContext, body: bytes, content_type: str, tenant: str
              ) -> Registration:
    """Read and register a ToolSpec (in a worker thread).

    Raises:
        ServiceError: 400 for a body that is not text or JSON, 409 for a version
            registered with other content, 422 for a spec with problems.
    """
    spec = _read_spec(body, content_type)
    if spec.tenant is not None and spec.tenant != tenant:
        raise ServiceError(422, "invalid_spec", "the spec's tenant is not this key's tenant",
                           details=[{"field": "tenant", "message": "leave it out"}])
    try:
        return service.workspace.registry.register(spec, tenant=tenant)
    except VersionConflictError as error:
        raise ServiceError(409, "version_conflict", str(error)) from None
    except ToolSpecError as error:
        raise ServiceError(422, "invalid_spec", str(error), details=[
            {"field": p.field, "message": p.message, "code": p.code}
            for p in error.problems]) from None


@router.get("/v1/tools/{code:path}:versions", summary="A tool's versions")
async def tool_versions(request: Request, code: str,
                        who: Annotated[Principal, Depends(need("read"))],
                        type: str | None = None) -> Response:
    service = service_of(request)
    spec = await _find(service, who.tenant, code, type)
    versions = await service.blocking(service.workspace.registry.versions, spec.type,
                                      spec.code, tenant=who.tenant)
    default = next((v.version for v in versions if v.default), None)
    return json_response({"code": spec.code, "type": spec.type, "default": default,
                          "tags": list(spec.tags),
                          "versions": [v.to_dict() for v in versions]})


@router.put("/v1/tools/{code:path}:tags", summary="Set a tool's tags")
async def set_tags(request: Request, code: str, body: TagsBody,
                   who: Annotated[Principal, Depends(need("admin"))],
                   type: str | None = None) -> Response:
    """Tags are part of a version's content: the default version is registered again as
    the next patch version with the new tags (history is kept)."""
    service = service_of(request)
    spec = await _find(service, who.tenant, code, type)
    _own(spec, who.tenant)
    if list(spec.tags) == body.tags:
        return json_response({"code": spec.code, "version": spec.version,
                              "tags": list(spec.tags)})
    done = await service.blocking(_retag, service, spec, body.tags, who.tenant)
    service.tools_changed()
    return json_response({"code": spec.code, "version": done.spec.version,
                          "tags": list(done.spec.tags)})


def _retag(service: ServiceContext, spec: ToolSpec, tags: list[str], tenant: str
           ) -> Registration:
    """Register ``spec`` again as its next free patch version with ``tags``, as the default
    (in a worker thread)."""
    registry = service.workspace.registry
    taken = {v.version for v in registry.versions(spec.type, spec.code, tenant=tenant)}
    version = _next_free(spec.version, taken)
    try:
        done = registry.register(spec.model_copy(update={"tags": tuple(tags),
                                                         "version": version}).check(),
                                 tenant=tenant)
        registry.set_default(spec.type, spec.code, version, tenant=tenant)
    except (ToolSpecError, ValueError) as error:
        raise ServiceError(422, "invalid_tags", str(error)) from None
    return done


def _next_free(version: str, taken: set[str]) -> str:
    core, _, _rest = version.partition("-")
    major, minor, patch = (int(p) for p in core.partition("+")[0].split(".")[:3])
    while True:
        patch += 1
        candidate = f"{major}.{minor}.{patch}"
        if candidate not in taken:
            return candidate


@router.post("/v1/tools/{code:path}:call", summary="Call a tool")
async def call_tool(request: Request, code: str, body: CallBody,
                    who: Annotated[Principal, Depends(need("run"))],
                    type: str | None = None) -> Response:
    """Arguments are checked against the ToolSpec (422 with each problem's path) before
    the tool is called; a tool's own failure is ``{"error": ...}`` with status 502."""
    service = service_of(request)
    spec = await _find(service, who.tenant, code, type)
    args = _checked_args(spec, body.args, service.workspace.config.timezone)
    tools = service.workspace.tools
    metrics = service.metrics
    started = time.perf_counter()
    outcome = "error"
    try:
        with tools.using(who.tenant):
            tool = tools.resolve(spec.uri)
            if tool is None:
                raise ServiceError(422, "no_adapter", f"{spec.uri} has no adapter in this "
                                   "project (configure its service or database in fdl.yaml)")
            call = ToolCall(spec.uri, spec.uri, spec.type, spec.code, args,
                            idempotency_key=f"http/{request.scope['state']['request_id']}",
                            tenant_id=who.tenant)
            result = await tool.call(call)
        outcome = "ok"
    except ToolError as error:
        outcome = "tool_error"
        return json_response({"error": error.to_dict()}, 502)
    finally:
        metrics.tool_calls.labels(spec.uri, outcome).inc()
        metrics.tool_duration.labels(spec.uri).observe(time.perf_counter() - started)
    return json_response({"result": result})


def _checked_args(spec: ToolSpec, args: dict[str, Any], tz: str | None) -> dict[str, Any]:
    declared: dict[str, ToolArg] = dict(spec.inputs)
    problems: list[dict[str, str]] = []
    out: dict[str, Any] = {}
    for name in args:
        if name not in declared:
            problems.append({"path": name, "message": f"'{name}' is not an argument of "
                             f"{spec.uri} (it takes {', '.join(declared) or 'none'})"})
    for name, arg in declared.items():
        if name not in args:
            if arg.required and arg.default is None:
                problems.append({"path": name, "message": f"'{name}' is required"})
            continue
        try:
            out[name] = convert(args[name], arg.type, tz, name)
        except ConversionError as error:
            problems.extend({"path": p.path, "message": p.detail} for p in error.problems)
    if problems:
        raise ServiceError(422, "invalid_args", problems[0]["message"], details=problems)
    return out


@router.get("/v1/tools/{code:path}", summary="A tool's ToolSpec")
async def get_tool(request: Request, code: str, who: Annotated[Principal, Depends(need("read"))],
                   version: str | None = None, type: str | None = None) -> Response:
    spec = await _find(service_of(request), who.tenant, code, type, version)
    return plain_response(spec.model_dump(mode="json"))


@router.delete("/v1/tools/{code:path}", status_code=204, summary="Delete a tool (version)")
async def delete_tool(request: Request, code: str,
                      who: Annotated[Principal, Depends(need("admin"))],
                      version: str | None = None, type: str | None = None) -> Response:
    service = service_of(request)
    spec = await _find(service, who.tenant, code, type, version)
    _own(spec, who.tenant)
    try:
        await service.blocking(service.workspace.registry.remove, spec.type, spec.code,
                               version, tenant=who.tenant)
    except (KeyError, RegistryError) as error:
        raise ServiceError(409, "cannot_delete", str(error)) from None
    service.tools_changed()
    return Response(status_code=204)


@router.get("/v1/ai-tools", summary="Tools for AI agents")
async def ai_tools(request: Request, who: Annotated[Principal, Depends(need("read"))],
                   format: Literal["openai", "mcp", "jsonschema"] = "openai",
                   q: str | None = None) -> Response:
    """The registry's exports (tools.md §3), the tenant's deployed flows included."""
    service = service_of(request)
    return json_response(await service.blocking(_ai_tools, service, who.tenant, format, q))


def _ai_tools(service: ServiceContext, tenant: str, format: str, q: str | None
              ) -> dict[str, Any]:
    """The answer of ``GET /v1/ai-tools`` (in a worker thread)."""
    registry = service.workspace.registry
    if q:
        specs = [hit.spec for hit in registry.search(q, tenant=tenant, limit=MAX_LIMIT)]
    else:
        specs = registry.list(tenant=tenant)
    specs += _flow_specs(service, tenant, q)
    exported = export_tools(specs)
    writer = {"openai": to_openai, "mcp": to_mcp, "jsonschema": to_jsonschema}[format]
    return {"tools": writer(exported)}


def _flow_specs(service: ServiceContext, tenant: str, q: str | None) -> list[ToolSpec]:
    specs = []
    for flow in service.workspace.db.flows(tenant):
        if q and q.lower() not in flow.name.lower():
            continue
        model, _reporter = parse_text(flow.source, f"{flow.name}.yaml")
        if model is None:
            continue
        try:
            specs.append(ToolSpec.from_flow(model, flow.name, tenant=tenant))
        except ToolSpecError:
            continue  # a flow whose signature is not a valid ToolSpec is left out
    return specs

