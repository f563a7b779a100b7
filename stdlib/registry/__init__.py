"""The tool registry (spec/tools.md §2–§3): ToolSpecs, their versions, search and exports.

    >>> from stdlib.registry import Registry, RegistryCatalog, ToolSpec
    >>> registry = Registry(".fdl/registry.db")                      # doctest: +SKIP
    >>> registry.sync_folder("tools")                                # doctest: +SKIP
    >>> registry.register(ToolSpec.load("extra/crm_customer.yaml"))  # doctest: +SKIP
    >>> [hit.spec.uri for hit in registry.search("customer")]        # doctest: +SKIP
    >>> fdl.check_text(text, catalog=RegistryCatalog(registry))      # doctest: +SKIP
    >>> registry.register_many(found.tools)     # from stdlib.openapi  # doctest: +SKIP
    >>> registry.record_calls(result.events)                         # doctest: +SKIP

Modules: `_spec` (the ToolSpec model and reading files), `_problems` (`SpecProblem`,
`ToolSpecError`), `_check` (args through FDL's reader, adapter configuration, field paths),
`_db` (the operations of a ``db`` table), `_flows` (a flow as a tool), `_folders` (a tools
folder as the compiler's catalog, for ``fdl check`` and the editor), `_store` (the SQLite
database), `_core` (`Registry`), `_registration` (what registering a spec did), `_search`
(the FTS5 index and safe queries), `_sync` (tools folders into the registry), `_catalog`
(the registry as the compiler's catalog), `_export` (JSON Schema, OpenAI, MCP), `_stats`
(call statistics from run events). OpenAPI documents become ToolSpecs in
`stdlib.openapi`.

Not to be confused with `gml.builtins._table`, the table of GML's built-in functions.
"""

from __future__ import annotations

from ._catalog import RegistryCatalog as RegistryCatalog
from ._core import Registry as Registry
from ._core import SearchHit as SearchHit
from ._core import VersionInfo as VersionInfo
from ._core import split_uri as split_uri
from ._db import db_operations as db_operations
from ._export import ExportedTool as ExportedTool
from ._export import export_tools as export_tools
from ._export import function_name as function_name
from ._export import to_jsonschema as to_jsonschema
from ._export import to_mcp as to_mcp
from ._export import to_openai as to_openai
from ._export import type_schema as type_schema
from ._folders import TOOL_SUFFIXES as TOOL_SUFFIXES
from ._folders import load_tool_dir as load_tool_dir
from ._folders import read_tool_spec as read_tool_spec
from ._folders import tool_files as tool_files
from ._problems import SpecProblem as SpecProblem
from ._problems import ToolSpecError as ToolSpecError
from ._registration import Registration as Registration
from ._spec import DEFAULT_VERSION as DEFAULT_VERSION
from ._spec import ToolSpec as ToolSpec
from ._spec import is_version as is_version
from ._spec import parse_spec_text as parse_spec_text
from ._spec import version_key as version_key
from ._stats import CallStats as CallStats
from ._stats import Tally as Tally
from ._store import RegistryError as RegistryError
from ._store import VersionConflictError as VersionConflictError
from ._summary import ToolSummary as ToolSummary
from ._sync import SyncReport as SyncReport

__all__ = [
    "DEFAULT_VERSION",
    "TOOL_SUFFIXES",
    "CallStats",
    "ExportedTool",
    "Registration",
    "Registry",
    "RegistryCatalog",
    "RegistryError",
    "SearchHit",
    "SpecProblem",
    "SyncReport",
    "Tally",
    "ToolSpec",
    "ToolSpecError",
    "ToolSummary",
    "VersionConflictError",
    "VersionInfo",
    "db_operations",
    "export_tools",
    "function_name",
    "is_version",
    "load_tool_dir",
    "parse_spec_text",
    "read_tool_spec",
    "split_uri",
    "to_jsonschema",
    "to_mcp",
    "to_openai",
    "tool_files",
    "type_schema",
    "version_key",
]
