"""``fdl tools``: the tool registry on the command line (spec/interfaces.md §1, tools.md §3).

Commands: ``list``, ``show``, ``search``, ``register``, ``export`` (``--format openai|mcp|
jsonschema``), ``import-openapi`` (an OpenAPI 3.x document as ``api`` tools),
``import-asyncapi`` (an AsyncAPI 2.x/3.0 document as ``mq`` tools), ``import-mcp`` (a
configured MCP server's tools as ``mcp`` tools), plus ``pin`` and ``remove``. ``show`` and
``list --stats`` print call statistics recorded from runs.
The registry is ``<state>/registry.db`` of the project configuration (``state:``, default
``.fdl/``) of the working folder (these commands take no flow file to find a project
from), or ``--registry PATH``. Every command first syncs the configured tool folders
into it (``tools:``, a folder or a list of folders; without the key, ``tools/`` beside the
configuration when it exists), unless ``--no-sync``; a sync of unchanged folders only stats
their files. Problems of ToolSpec files are printed on stderr as
``path:line:col: error[CODE]: field: message``.

Exit codes: 0 success, 1 a ToolSpec has errors, a version conflicts, a tool is unknown, or
an OpenAPI/AsyncAPI document cannot be read or is not OpenAPI 3.x/AsyncAPI 2.x-3.0 (parts it
cannot translate are warnings: exit 0), 2 usage error (including a registry file that cannot
be opened).
Machine-readable output (``--json``, ``export``) goes to stdout.

This module imports `fdl.cli` lazily: `fdl.cli` registers the group at its end.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compiler import BUILTIN_INPUTS
from stdlib.asyncapi import AsyncApiError, import_asyncapi, load_asyncapi
from stdlib.config import REGISTRY_FILE, project_config, tool_folders
from stdlib.mcpimport import import_mcp_tools
from stdlib.openapi import OpenApiError, import_openapi, load_openapi, spec_to_yaml
from stdlib.pgdb import is_pg_url
from stdlib.registry import (
    CallStats,
    Registry,
    RegistryError,
    SpecProblem,
    ToolSpec,
    ToolSpecError,
    VersionConflictError,
    export_tools,
    is_version,
    parse_spec_text,
    split_uri,
    to_jsonschema,
    to_mcp,
    to_openai,
    tool_files,
)
from stdlib.tools import ToolError

from ._output import fail

__all__ = ["tools_group"]

_REGISTRY_HELP = ("The registry file, or a postgresql://user@host/db URL (default: the "
                  "project's, <state>/registry.db or its PostgreSQL state:).")


def _print_problems(problems: Sequence[SpecProblem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@contextmanager
def _registry(option: str | None, *, sync: bool, create: bool = False
              ) -> Iterator[Registry]:
    """The project's registry (synced with the tool folders when ``sync``). Without tool
    folders and without a registry file, a read-only command gets an empty registry in
    memory instead of creating a file."""
    folders = tool_folders() if sync else []
    spec: str | Path = option if option is not None and is_pg_url(option) else (
        Path(option) if option is not None else project_config().registry_spec)
    if isinstance(spec, Path) and spec.is_dir():
        spec = spec / REGISTRY_FILE
    if isinstance(spec, Path) and not (create or folders or spec.exists()):
        spec = ":memory:"
    try:
        registry = Registry(spec)
    except RegistryError as error:
        if option is None:  # the project's registry: state: in fdl.yaml is at fault
            fail(str(error))
        raise click.BadParameter(str(error), param_hint="--registry") from None
    try:
        for folder in folders:
            if not folder.is_dir():
                click.echo(f"warning: the tools folder {folder} does not exist", err=True)
                continue
            report = registry.sync_folder(folder)
            for problems in report.problems.values():
                _print_problems(problems)
        yield registry
    except RegistryError as error:
        fail(str(error))
    finally:
        registry.close()


def _uri(text: str) -> tuple[str, str, str | None]:
    """``type://code[?version=V]`` → (type, code, version)."""
    try:
        tool_type, code = split_uri(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="TYPE://CODE") from None
    version = None
    _, _, query = text.partition("?")
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        if name == "version" and value:
            version = value
    return tool_type, code, version


def _summary(spec: ToolSpec) -> dict[str, Any]:
    return {"uri": spec.uri, "type": spec.type, "code": spec.code, "version": spec.version,
            "name": spec.name, "desp": spec.desp, "tags": list(spec.tags),
            "category": spec.category, "tenant": spec.tenant}


def _json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:

    console = Console(soft_wrap=False, highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)
    table = Table(box=None, header_style="bold", pad_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


_registry_option = click.option("--registry", "registry_option", metavar="PATH",
                                help=_REGISTRY_HELP)
_tenant_option = click.option("--tenant", metavar="T",
                              help="See the registry as this tenant (default: global tools).")
_no_sync_option = click.option("--no-sync", is_flag=True,
                               help="Do not sync the configured tool folders first.")


F = TypeVar("F", bound=Callable[..., Any])


def _import_options(command: F) -> F:
    """The options every ``import-*`` command shares: tags, tenant, where the tools go
    (--write/--force, --dry-run, the registry), --json."""
    for option in reversed((
            click.option("--tag", "tags", multiple=True, metavar="T",
                         help="Add this tag to every tool (repeatable)."),
            click.option("--tenant", metavar="T",
                         help="Register the tools for this tenant only."),
            click.option("--write", "write_dir", metavar="DIR",
                         type=click.Path(path_type=Path),
                         help="Write one ToolSpec YAML file per tool into DIR instead of "
                              "registering."),
            click.option("--force", is_flag=True, help="With --write: overwrite changed files."),
            click.option("--dry-run", is_flag=True,
                         help="Translate and report, but change nothing."),
            click.option("--json", "as_json", is_flag=True,
                         help='Print {"tools": [uris], "problems": [{pointer, message}]}.'),
            _registry_option, _no_sync_option)):
        command = option(command)
    return command


@click.group("tools")
def tools_group() -> None:
    """The tool registry: list, show, search, register and export tools."""


@tools_group.command("list")
@click.option("--type", "tool_type", metavar="TYPE", help="Only tools of this type (api, db...).")
@click.option("--tag", metavar="TAG", help="Only tools with this tag.")
@click.option("--category", metavar="C", help="Only tools of this category.")
@_tenant_option
@click.option("--stats", "with_stats", is_flag=True,
              help="Add call statistics (calls, failures, mean and max duration).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@_registry_option
@_no_sync_option
def list_command(tool_type: str | None, tag: str | None, category: str | None,
                 tenant: str | None, with_stats: bool, as_json: bool,
                 registry_option: str | None, no_sync: bool) -> None:
    """List tools (their default versions) by type and code."""
    with _registry(registry_option, sync=not no_sync) as registry:
        specs = registry.list(tenant=tenant, type=tool_type, tag=tag, category=category)
        totals = _totals(registry.call_stats(tool_type, tenant=tenant)) if with_stats else {}
    if as_json:
        _json([{**_summary(spec), **({"stats": _total_dict(totals.get(spec.uri))}
                                     if with_stats else {})} for spec in specs])
        return
    if not specs:
        click.echo("no tools", err=True)
        return
    if not with_stats:
        _table(["TOOL", "VERSION", "NAME", "TAGS"],
               [[s.uri, s.version, s.name or s.desp or "", ", ".join(s.tags)] for s in specs])
        return
    rows = []
    for s in specs:
        total = totals.get(s.uri)
        rows.append([s.uri, s.version, str(total.calls if total else 0),
                     str(total.failures if total else 0),
                     _ms(total.mean_duration) if total else "-",
                     _ms(total.max_duration) if total and total.calls else "-",
                     s.name or s.desp or ""])
    _table(["TOOL", "VERSION", "CALLS", "FAILED", "MEAN", "MAX", "NAME"], rows)


def _totals(stats: Sequence[CallStats]) -> dict[str, CallStats]:
    """Statistics by tool URI; the operations of a db table summed under the table."""
    totals: dict[str, CallStats] = {}
    for entry in stats:
        uri = entry.uri
        if entry.type == "db" and "/" in entry.code:
            uri = f"db://{entry.code.rpartition('/')[0]}"
        known = totals.get(uri)
        totals[uri] = entry if known is None else known.combine(entry)
    return totals


def _total_dict(stats: CallStats | None) -> dict[str, Any]:
    if stats is None:
        return {"calls": 0, "failures": 0, "retries": 0, "mean_duration": None,
                "max_duration": None, "last_call": None}
    return {"calls": stats.calls, "failures": stats.failures, "retries": stats.retries,
            "mean_duration": stats.mean_duration, "max_duration": stats.max_duration,
            "last_call": stats.last_call}


def _ms(seconds: float | None) -> str:
    """A duration for people: ``850 ms``, ``1.2 s``."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    return f"{seconds:.3g} s"


def _stats_line(stats: CallStats) -> str:
    """``12 calls (2 failed, 3 retries); mean 120 ms, p50 <= 100 ms, p95 <= 500 ms, max
    812 ms; last 2025-06-01 10:00:00Z``."""

    text = f"{stats.calls} call{'s' if stats.calls != 1 else ''}"
    extra = [f"{stats.failures} failed"] if stats.failures else []
    if stats.retries:
        extra.append(f"{stats.retries} retr{'ies' if stats.retries != 1 else 'y'}")
    if extra:
        text += f" ({', '.join(extra)})"
    if stats.calls:
        text += (f"; mean {_ms(stats.mean_duration)}, p50 <= {_ms(stats.percentile(50))}, "
                 f"p95 <= {_ms(stats.percentile(95))}, max {_ms(stats.max_duration)}")
    if stats.last_call is not None:
        when = dt.datetime.fromtimestamp(stats.last_call, dt.UTC)
        text += f"; last {when:%Y-%m-%d %H:%M:%S}Z"
    return text


def _input_rows(spec: ToolSpec) -> list[dict[str, Any]]:
    analysis = spec.analysis()
    rows = []
    for name, arg in analysis.inputs.items():
        default = analysis.defaults.get(name)
        rows.append({"name": name, "type": str(arg.type), "required": arg.required,
                     "builtin": name in BUILTIN_INPUTS,
                     "default": None if default is None else str(default),
                     "description": arg.description})
    return rows


@tools_group.command("show")
@click.argument("uri", metavar="TYPE://CODE")
@click.option("--version", "version", metavar="V", help="This version (default: the default).")
@_tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@_registry_option
@_no_sync_option
def show_command(uri: str, version: str | None, tenant: str | None, as_json: bool,
                 registry_option: str | None, no_sync: bool) -> None:
    """Show one tool: its arguments (types, required, descriptions), result and versions.

    A db operation (db://shop.order/take) shows its table."""
    tool_type, code, uri_version = _uri(uri)
    version = version or uri_version
    with _registry(registry_option, sync=not no_sync) as registry:
        spec = registry.get(tool_type, code, version, tenant=tenant)
        if spec is None and tool_type == "db" and "/" in code:
            code = code.rpartition("/")[0]
            spec = registry.get(tool_type, code, version, tenant=tenant)
        versions = registry.versions(tool_type, code, tenant=tenant)
        stats = registry.call_stats(tool_type, code, tenant=tenant)
    if spec is None:
        known = f" (versions: {', '.join(v.version for v in versions)})" if versions else ""
        fail(f"{tool_type}://{code}" + (f" version {version}" if version else "")
              + f" is not registered{known}")
    out = spec.out_type
    operations = [s.code for s in spec.signatures()] if spec.type == "db" else []
    if as_json:
        _json({**_summary(spec), "config": spec.config, "args": spec.args,
               "inputs": _input_rows(spec), "out": None if out is None else str(out),
               "operations": operations, "versions": [v.to_dict() for v in versions],
               "stats": [entry.to_dict() for entry in stats]})
        return
    click.echo(f"{spec.uri}  {spec.version}")
    for label, value in (("name", spec.name), ("desp", spec.desp),
                         ("tags", ", ".join(spec.tags)), ("category", spec.category),
                         ("tenant", spec.tenant or "(all tenants)")):
        if value:
            click.echo(f"{label}: {' '.join(str(value).split())}")
    rows = _input_rows(spec)
    if rows:
        click.echo("arguments:")
        _table(["  NAME", "TYPE", "REQUIRED", "DESCRIPTION"], [
            ["  " + r["name"], str(r["type"]),
             "built-in" if r["builtin"] else ("yes" if r["required"] else "no"),
             "; ".join(filter(None, [r["description"], r["default"] and
                                     f"default {r['default']}"]))] for r in rows])
    elif spec.type != "db":
        click.echo("arguments: (none)")
    click.echo(f"{'record' if spec.type == 'db' else 'returns'}: "
               f"{'any' if out is None else out}")
    for name, shape in spec.args.get("defs", {}).items():
        click.echo(f"  {name}: {json.dumps(shape, ensure_ascii=False)}")
    if operations:
        click.echo("operations: " + ", ".join(op.rpartition("/")[2] for op in operations))
    if spec.config:
        click.echo(f"config: {json.dumps(spec.config, ensure_ascii=False)}")
    marks = [v.version + (" (default, pinned)" if v.pinned else " (default)" if v.default
                          else "") for v in versions]
    click.echo(f"versions: {', '.join(marks)}")
    if spec.type == "db":
        click.echo("calls:" + ("" if stats else " none recorded"))
        for entry in stats:
            click.echo(f"  {entry.code.rpartition('/')[2]}: {_stats_line(entry)}")
    else:
        click.echo(f"calls: {_stats_line(stats[0]) if stats else 'none recorded'}")


@tools_group.command("search")
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="At most this many results.")
@click.option("--type", "tool_type", metavar="TYPE", help="Only tools of this type.")
@click.option("--tag", metavar="TAG", help="Only tools with this tag.")
@_tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, best first.")
@_registry_option
@_no_sync_option
def search_command(query: str, limit: int, tool_type: str | None, tag: str | None,
                   tenant: str | None, as_json: bool, registry_option: str | None,
                   no_sync: bool) -> None:
    """Search tools by words of their code, name, description, tags and arguments; best
    matches first."""
    with _registry(registry_option, sync=not no_sync) as registry:
        hits = registry.search(query, tenant=tenant, type=tool_type, tag=tag, limit=limit)
    if as_json:
        _json([{**_summary(hit.spec), "score": round(hit.score, 6)} for hit in hits])
        return
    if not hits:
        click.echo(f"no tools match {query!r}", err=True)
        return
    _table(["TOOL", "VERSION", "NAME"],
           [[h.spec.uri, h.spec.version, h.spec.name or h.spec.desp or ""] for h in hits])


@tools_group.command("register")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print what was registered as JSON.")
@_registry_option
@_no_sync_option
def register_command(paths: tuple[Path, ...], tenant: str | None, as_json: bool,
                     registry_option: str | None, no_sync: bool) -> None:
    """Register ToolSpec FILES (or every *.yaml, *.yml and *.json under a folder).

    All of them or none: when a file has errors, every problem is printed as
    path:line:col: error[CODE]: field: message and nothing is registered (exit 1)."""
    files: list[Path] = []
    for path in paths:
        files.extend(tool_files(path) if path.is_dir() else [path])
    specs: list[tuple[ToolSpec, Path]] = []
    failed = False
    for file in files:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            click.echo(f"{file}: error[E101]: cannot read the file: {reason}", err=True)
            failed = True
            continue
        spec, problems = parse_spec_text(text, str(file))
        _print_problems(problems)
        if spec is None:
            failed = True
        else:
            specs.append((spec, file))
    if failed:
        fail("nothing was registered; fix the problems above")
    if not specs:
        fail("no ToolSpec files found", 2)
    with _registry(registry_option, sync=not no_sync, create=True) as registry:
        try:
            done = [registry.register(spec, tenant=tenant, source=str(file.resolve()))
                    for spec, file in specs]
        except ToolSpecError as error:
            _print_problems(error.problems)
            fail("nothing was registered; fix the problems above")
        except VersionConflictError as error:
            fail(str(error))
    if as_json:
        _json([{**_summary(r.spec), "status": r.status} for r in done])
    else:
        for r in done:
            click.echo(f"{r.status:<9}  {r.spec.uri}  {r.spec.version}")
    added = sum(1 for r in done if r.status != "unchanged")
    click.echo(f"registered {added} of {len(done)} tools ({len(done) - added} unchanged)",
               err=True)


@dataclass(frozen=True, slots=True)
class _Target:
    """Where an import's tools go: files (``write_dir``), nowhere (``dry_run``), or the
    registry (as ``source``; ``changed`` names what a version conflict is about)."""

    write_dir: Path | None
    force: bool
    dry_run: bool
    registry_option: str | None
    no_sync: bool
    tenant: str | None
    source: str
    changed: str


def _deliver_document(found: Any, kind: str, source: str, shown: str, remote: bool,
                      target: _Target, as_json: bool) -> None:
    """The end of ``import-openapi`` and ``import-asyncapi``: the document's problems at
    their places, its tools delivered (`_deliver`, registered as ``kind:origin``), and a
    line saying what was done."""
    for problem in found.problems:  # a place in another document is a whole URI
        where = shown if problem.pointer.startswith("#") else ""
        click.echo(f"{where}{problem.pointer}: {problem.message}", err=True)
    origin = source if remote else str(Path(source).resolve())
    _deliver(found.tools, found.problems, replace(
        target, source=f"{kind}:{origin}", changed="the changed document"), as_json)
    what = ("would import" if target.dry_run
            else "wrote" if target.write_dir is not None else "imported")
    click.echo(f"{what} {len(found.tools)} tool{'s' if len(found.tools) != 1 else ''} "
               f"(version {found.version}) from {shown}; {len(found.problems)} "
               f"problem{'s' if len(found.problems) != 1 else ''}", err=True)


def _deliver(tools: Sequence[ToolSpec], problems: Sequence[Any], target: _Target,
             as_json: bool) -> None:
    """Write, register or only list an import's tools (the shared end of every
    ``import-*`` command), then print what was done (`_print_outcome`)."""
    files: list[str] | None = None
    if target.write_dir is not None:
        files, lines = _write_specs(tools, target.write_dir, force=target.force,
                                    dry_run=target.dry_run)
    elif not target.dry_run:
        with _registry(target.registry_option, sync=not target.no_sync,
                       create=True) as registry:
            try:
                done = registry.register_many(tools, tenant=target.tenant,
                                              source=target.source)
            except ToolSpecError as error:  # pragma: no cover - the importers check specs
                _print_problems(error.problems)
                fail("nothing was registered; fix the problems above")
            except VersionConflictError as error:
                fail(f"{error}; nothing was registered (import with --version V to add "
                     f"{target.changed} as a new version)")
        lines = [f"{r.status:<9}  {r.spec.uri}  {r.spec.version}" for r in done]
    else:
        lines = [f"{'would add':<9}  {spec.uri}  {spec.version}" for spec in tools]
    _print_outcome(tools, problems, lines, files, as_json)


def _print_outcome(tools: Sequence[ToolSpec], problems: Sequence[Any], lines: list[str],
                   files: list[str] | None, as_json: bool) -> None:
    """What an import did, on stdout: a line per tool, or with --json ``{"tools": [uris],
    "problems": [...]}`` (and ``"files"`` when files were written)."""
    if not as_json:
        for line in lines:
            click.echo(line)
        return
    result: dict[str, Any] = {"tools": [spec.uri for spec in tools],
                              "problems": [p.to_dict() for p in problems]}
    if files is not None:
        result["files"] = files
    _json(result)


@tools_group.command("import-openapi")
@click.argument("source")
@click.option("--service", required=True, metavar="NAME",
              help="The service name: tools are api://NAME/<operation>; its URL comes from "
                   "services.NAME of the configuration.")
@click.option("--version", "version", metavar="V",
              help="The tools' version (default: info.version of the document).")
@click.option("--strict", is_flag=True,
              help="A document that is not valid OpenAPI is an error (E105), not warnings.")
@_import_options
def import_openapi_command(source: str, service: str, version: str | None,
                           tags: tuple[str, ...], tenant: str | None, write_dir: Path | None,
                           force: bool, dry_run: bool, strict: bool, as_json: bool,
                           registry_option: str | None, no_sync: bool) -> None:
    """Import the operations of an OpenAPI 3.0/3.1 document (a file or an http(s) URL) as
    api tools: registered in the project registry, or written as ToolSpec files (--write).

    What cannot be translated exactly is reported on stderr as SOURCE#/pointer: message;
    those are warnings (exit 0), validation errors (openapi-spec-validator) among them
    unless --strict. A document that cannot be read or is not OpenAPI 3.x is an error
    (exit 1). $refs to other files or URLs are read relative to SOURCE."""
    if version is not None and not _is_version(version):
        raise click.BadParameter(f"'{version}' is not a semantic version such as 1.2.0",
                                 param_hint="--version")
    if tenant is not None and not tenant.strip():
        raise click.BadParameter("a tenant is a non-empty name", param_hint="--tenant")
    remote = source.startswith(("http://", "https://"))
    try:
        document = load_openapi(source)
        found = import_openapi(document, service=service, version=version, tags=tags,
                               tenant=tenant, validate=True, strict=strict,
                               base_uri=source if remote else Path(source).resolve().as_uri())
    except OpenApiError as error:
        fail(f"{error.code}: {error}")
    except ValueError as error:  # the service name (the version was checked above)
        raise click.BadParameter(str(error), param_hint="--service") from None
    shown = source if source.startswith(("http://", "https://")) else str(Path(source))
    _deliver_document(found, "openapi", source, shown, remote, _Target(
        write_dir, force, dry_run, registry_option, no_sync, tenant, "", ""), as_json)
    if found.servers:
        click.echo(f"hint: configure the service in fdl.yaml: services: {{{service}: {{url: "
                   f"{found.servers[0]}}}}}", err=True)


@tools_group.command("import-asyncapi")
@click.argument("source")
@click.option("--broker", required=True, metavar="NAME",
              help="The broker: tools are mq://NAME/<operation>; its URL comes from mq.NAME "
                   "of the configuration.")
@click.option("--version", "version", metavar="V",
              help="The tools' version (default: info.version of the document).")
@click.option("--view", type=click.Choice(["client", "application"]), default="client",
              show_default=True,
              help="client: the flow talks to the application the document describes (it "
                   "publishes what that application receives); application: the flow is it.")
@_import_options
def import_asyncapi_command(source: str, broker: str, version: str | None, view: str,
                            tags: tuple[str, ...], tenant: str | None,
                            write_dir: Path | None, force: bool, dry_run: bool,
                            as_json: bool, registry_option: str | None,
                            no_sync: bool) -> None:
    """Import the operations of an AsyncAPI 2.x/3.0 document (a file or an http(s) URL) as
    mq tools (publish, consume or request on one topic): registered in the project registry,
    or written as ToolSpec files (--write).

    What cannot be translated exactly is reported on stderr as SOURCE#/pointer: message
    (warnings, exit 0). A document that cannot be read or is not AsyncAPI 2.x/3.0 is an
    error (exit 1) naming the place. $refs to other files or URLs are read relative to
    SOURCE."""
    if version is not None and not _is_version(version):
        raise click.BadParameter(f"'{version}' is not a semantic version such as 1.2.0",
                                 param_hint="--version")
    if tenant is not None and not tenant.strip():
        raise click.BadParameter("a tenant is a non-empty name", param_hint="--tenant")
    remote = source.startswith(("http://", "https://"))
    shown = source if remote else str(Path(source))
    try:
        document = load_asyncapi(source)
        found = import_asyncapi(document, broker=broker, version=version, tags=tags,
                                tenant=tenant, view="client" if view == "client"
                                else "application",
                                base_uri=source if remote else Path(source).resolve().as_uri())
    except AsyncApiError as error:
        fail(f"{error.code}: {shown}{error.pointer}: {error}" if error.code != "E101"
             else f"{error.code}: {error}")
    except ValueError as error:  # the broker name (the version was checked above)
        raise click.BadParameter(str(error), param_hint="--broker") from None
    _deliver_document(found, "asyncapi", source, shown, remote, _Target(
        write_dir, force, dry_run, registry_option, no_sync, tenant, "", ""), as_json)
    configured = project_config().mq or {}
    if broker not in configured:
        url = found.servers[0] if found.servers else "redis://127.0.0.1:6379/0"
        click.echo(f"hint: configure the broker in fdl.yaml: mq: {{{broker}: {{url: "
                   f"'{url}'}}}}", err=True)


def _is_version(text: str) -> bool:
    return is_version(text)


def _write_specs(specs: Sequence[ToolSpec], folder: Path, *, force: bool, dry_run: bool
                 ) -> tuple[list[str], list[str]]:
    """Write one YAML file per spec into ``folder`` (named after the code's operation);
    all or nothing: a file that exists with other content stops everything unless
    ``force``. Returns the files and one status line per file."""
    plans: list[tuple[Path, str, str]] = []
    conflicts: list[Path] = []
    names: set[str] = set()
    for spec in specs:
        stem = spec.code.partition("/")[2].replace("/", "-") or spec.code
        name = stem
        number = 2
        while name.lower() in names:
            name = f"{stem}-{number}"
            number += 1
        names.add(name.lower())
        path = folder / f"{name}.yaml"
        text = spec_to_yaml(spec)
        try:
            old = path.read_text(encoding="utf-8-sig") if path.exists() else None
        except (OSError, UnicodeDecodeError):
            old = ""
        status = "added" if old is None else "unchanged" if old == text else "replaced"
        if status == "replaced" and not force:
            conflicts.append(path)
        plans.append((path, text, status))
    if conflicts:
        for path in conflicts:
            click.echo(f"{path}: exists with other content", err=True)
        fail("nothing was written; use --force to overwrite the files above, or --write "
              "another folder")
    lines: list[str] = []
    if not dry_run:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for path, text, status in plans:
                if status != "unchanged":
                    path.write_text(text, encoding="utf-8")
        except OSError as error:
            fail(f"cannot write into {folder}: {error.strerror or error}")
    for path, _text, status in plans:
        shown = f"would be {status}" if dry_run and status != "unchanged" else status
        lines.append(f"{shown:<9}  {path}")
    return [str(path) for path, _, _ in plans], lines


@tools_group.command("import-mcp")
@click.argument("server")
@click.option("--version", "version", metavar="V", default="1.0.0", show_default=True,
              help="The tools' version.")
@_import_options
def import_mcp_command(server: str, version: str, tags: tuple[str, ...], tenant: str | None,
                       write_dir: Path | None, force: bool, dry_run: bool, as_json: bool,
                       registry_option: str | None, no_sync: bool) -> None:
    """Import the tools of the MCP server SERVER (mcp.SERVER of the configuration) as mcp
    tools: the server is started (or reached), its tools/list is translated into ToolSpecs
    (mcp://SERVER/<tool>, arguments from the input schemas, results from the output
    schemas), registered in the project registry or written as files (--write).

    What cannot be translated exactly is reported on stderr as TOOL#/pointer: message
    (warnings, exit 0); a server that cannot be reached is an error (exit 1)."""
    if not _is_version(version):
        raise click.BadParameter(f"'{version}' is not a semantic version such as 1.2.0",
                                 param_hint="--version")
    config = project_config()
    servers = config.mcp or {}
    entry = servers.get(server)
    if entry is None:
        known = ", ".join(sorted(servers)) or "none"
        raise click.BadParameter(f"no MCP server '{server}' in the project configuration "
                                 f"(configured: {known}); declare it under mcp: in fdl.yaml",
                                 param_hint="SERVER")
    # The MCP SDK is heavy: loaded by this command only, not by every `fdl tools` command.
    import trio

    from stdlib.tools.mcp import list_server_tools

    try:
        listed = trio.run(list_server_tools, server, entry, config.base or Path.cwd())
    except ToolError as error:
        fail(error.message)
    found = import_mcp_tools(server, listed, version=version, tags=tags, tenant=tenant)
    for problem in found.problems:
        click.echo(f"{server}/{problem.pointer}: {problem.message}", err=True)
    _deliver(found.tools, found.problems, _Target(
        write_dir, force, dry_run, registry_option, no_sync, tenant, f"mcp:{server}",
        "the changed tools"), as_json)
    what = ("would import" if dry_run else "wrote" if write_dir is not None else "imported")
    click.echo(f"{what} {len(found.tools)} tool{'s' if len(found.tools) != 1 else ''} from "
               f"the MCP server {server}; {len(found.problems)} "
               f"problem{'s' if len(found.problems) != 1 else ''}", err=True)


@tools_group.command("export")
@click.argument("uris", nargs=-1, metavar="[TYPE://CODE...]")
@click.option("--format", "export_format", type=click.Choice(["openai", "mcp", "jsonschema"]),
              default="openai", show_default=True,
              help="OpenAI function-calling tools, MCP tools/list entries, or JSON Schemas.")
@click.option("--flow", "flows", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also export this flow as a tool (repeatable).")
@click.option("--type", "tool_type", metavar="TYPE", help="Only tools of this type.")
@click.option("--tag", metavar="TAG", help="Only tools with this tag.")
@_tenant_option
@_registry_option
@_no_sync_option
def export_command(uris: tuple[str, ...], export_format: str, flows: tuple[Path, ...],
                   tool_type: str | None, tag: str | None, tenant: str | None,
                   registry_option: str | None, no_sync: bool) -> None:
    """Print tools as function-calling definitions for AI models (JSON on stdout).

    Without TYPE://CODE and without --flow, every tool is exported. A db table exports its
    data operations; db://TABLE/OPERATION exports one of them."""
    specs: dict[tuple[str, str], ToolSpec] = {}
    operations: set[str] = set()  # db://table/operation asked for alone
    with _registry(registry_option, sync=not no_sync) as registry:
        for text in uris:
            kind, code, version = _uri(text)
            spec = registry.get(kind, code, version, tenant=tenant)
            if spec is None and kind == "db" and "/" in code:
                spec = registry.get(kind, code.rpartition("/")[0], version, tenant=tenant)
                operations.add(f"{kind}://{code}")
            elif spec is not None:
                operations.add(spec.uri)
            if spec is None:
                fail(f"{kind}://{code}" + (f" version {version}" if version else "")
                      + " is not registered")
            specs[spec.uri, spec.version] = spec
        if not uris and not flows:
            specs = {(s.uri, s.version): s
                     for s in registry.list(tenant=tenant, type=tool_type, tag=tag)}
    for flow in flows:
        try:
            spec = ToolSpec.from_flow(flow)
        except ToolSpecError as error:
            _print_problems(error.problems)
            fail(f"the flow {flow} cannot be exported")
        specs[spec.uri, spec.version] = spec
        operations.add(spec.uri)
    tools = export_tools(specs.values())
    if uris:
        tools = [t for t in tools if t.uri in operations or (
            t.uri.startswith("db://") and t.uri.rpartition("/")[0] in operations)]
    render = {"openai": to_openai, "mcp": to_mcp, "jsonschema": to_jsonschema}[export_format]
    _json(render(tools))


@tools_group.command("pin")
@click.argument("uri", metavar="TYPE://CODE")
@click.argument("version", required=False)
@click.option("--auto", is_flag=True, help="Unpin: the highest version is the default again.")
@click.option("--tenant", metavar="T", help="The tenant's own tool (default: the global one).")
@_registry_option
@_no_sync_option
def pin_command(uri: str, version: str | None, auto: bool, tenant: str | None,
                registry_option: str | None, no_sync: bool) -> None:
    """Make VERSION the default version of a tool (or, with --auto, the highest)."""
    tool_type, code, _ = _uri(uri)
    if (version is None) != auto:
        raise click.UsageError("give a VERSION to pin, or --auto to unpin")
    with _registry(registry_option, sync=not no_sync, create=True) as registry:
        try:
            registry.set_default(tool_type, code, version, tenant=tenant)
        except KeyError as error:
            fail(str(error.args[0]))
        current = registry.default_version(tool_type, code, tenant=tenant)
    click.echo(f"{tool_type}://{code}: default version {current}"
               + ("" if auto else " (pinned)"), err=True)


@tools_group.command("remove")
@click.argument("uri", metavar="TYPE://CODE")
@click.option("--version", "version", metavar="V", help="Only this version (default: all).")
@click.option("--tenant", metavar="T", help="The tenant's own tool (default: the global one).")
@_registry_option
@_no_sync_option
def remove_command(uri: str, version: str | None, tenant: str | None,
                   registry_option: str | None, no_sync: bool) -> None:
    """Remove a tool (all its versions, or one) from the registry.

    A tool from a tools folder comes back when its file changes: delete the file to
    remove it for good."""
    tool_type, code, _ = _uri(uri)
    with _registry(registry_option, sync=not no_sync, create=True) as registry:
        removed = registry.remove(tool_type, code, version, tenant=tenant)
    if not removed:
        fail(f"{tool_type}://{code}" + (f" version {version}" if version else "")
              + " is not registered")
    click.echo(f"removed {removed} version{'s' if removed != 1 else ''} of "
               f"{tool_type}://{code}", err=True)
