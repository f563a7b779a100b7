"""``fdl serve``: one project's registry and runtime as a multi-tenant HTTP service
(spec/service.md), on FastAPI served by Hypercorn's trio worker.

Modules: `database` (API keys and deployed flows, ``<state>/service.db``), `workspace` (the
project: registry, stores, the one runtime, tenant-aware tools), `auth` (keys, scopes, rate
limits), `middleware` (body limit, access log, metrics), `metrics`, `errors`, `context`
(what the routes share), `tools`, `flows`, `runs` (the routes), `app` (the FastAPI app),
`server` (Hypercorn). Only `fdl.cli.serve` talks click.
"""

from __future__ import annotations

from .app import create_app as create_app
from .database import SCOPES as SCOPES
from .database import ApiKey as ApiKey
from .database import ServiceDatabase as ServiceDatabase
from .database import ServiceDbError as ServiceDbError
from .server import serve as serve
from .server import serve_async as serve_async
from .workspace import Workspace as Workspace
from .workspace import open_workspace as open_workspace

__all__ = ["SCOPES", "ApiKey", "ServiceDatabase", "ServiceDbError", "Workspace", "create_app",
           "open_workspace", "serve", "serve_async"]
