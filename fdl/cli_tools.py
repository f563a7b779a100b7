"""``fdl tools``: the tool registry on the command line (spec/interfaces.md §1, tools.md §3).

Commands: ``list``, ``show``, ``search``, ``register``, ``export`` (``--format openai|mcp|
jsonschema``), plus ``pin`` and ``remove``. The registry is ``<state>/registry.db`` of the
project configuration (``state:``, default ``.fdl/``), or ``--registry PATH``. Every
command first syncs the configured tool folders into it (``tools:``, a folder or a list of
folders; without the key, ``tools/`` beside the configuration when it exists), unless
``--no-sync``; a sync of unchanged folders only stats their files. Problems of ToolSpec
files are printed on stderr as ``path:line:col: error[CODE]: field: message``.

Exit codes: 0 success, 1 a ToolSpec has errors, a version conflicts, or a tool is unknown,
2 usage error (including a registry file that cannot be opened). Machine-readable output
(``--json``, ``export``) goes to stdout.

This module imports `fdl.cli` lazily: `fdl.cli` registers the group at its end.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ._config import find_config

if TYPE_CHECKING:
    from stdlib.registry import Registry, SpecProblem, ToolSpec

__all__ = ["REGISTRY_FILE", "tool_folders", "tools_group"]

REGISTRY_FILE = "registry.db"
_REGISTRY_HELP = "The registry file (default: <state>/registry.db of the project)."


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def tool_folders(start: Path | None = None) -> list[Path]:
    """The project's ToolSpec folders: ``tools:`` of the configuration (a folder or a list
    of folders, relative to the configuration file); without the key, ``tools/`` beside
    the configuration when it exists; none without a configuration.

    Raises:
        click.UsageError: the configuration is malformed.
    """
    found = find_config((start or Path.cwd()).resolve())
    if found is None:
        return []
    data, file = found
    tools = data.get("tools")
    if tools is None:
        default = file.parent / "tools"
        return [default] if default.is_dir() else []
    names = [tools] if isinstance(tools, str) else tools
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise click.UsageError(f"{file}: 'tools' must be a folder name or a list of them")
    return [file.parent / name for name in names]


def _print_problems(problems: Sequence[SpecProblem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


@contextmanager
def _registry(option: str | None, *, sync: bool, create: bool = False
              ) -> Iterator[Registry]:
    """The project's registry (synced with the tool folders when ``sync``). Without tool
    folders and without a registry file, a read-only command gets an empty registry in
    memory instead of creating a file."""
    from stdlib.registry import Registry, RegistryError

    from .cli_run import project_config

    folders = tool_folders() if sync else []
    path = Path(option) if option is not None else project_config().state / REGISTRY_FILE
    if path.is_dir():
        path = path / REGISTRY_FILE
    try:
        registry = Registry(path if (create or folders or path.exists()) else ":memory:")
    except RegistryError as error:
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
        _fail(str(error))
    finally:
        registry.close()


def _uri(text: str) -> tuple[str, str, str | None]:
    """``type://code[?version=V]`` → (type, code, version)."""
    from stdlib.registry import split_uri

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
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

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


@click.group("tools")
def tools_group() -> None:
    """The tool registry: list, show, search, register and export tools."""


@tools_group.command("list")
@click.option("--type", "tool_type", metavar="TYPE", help="Only tools of this type (api, db...).")
@click.option("--tag", metavar="TAG", help="Only tools with this tag.")
@click.option("--category", metavar="C", help="Only tools of this category.")
@_tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@_registry_option
@_no_sync_option
def list_command(tool_type: str | None, tag: str | None, category: str | None,
                 tenant: str | None, as_json: bool, registry_option: str | None,
                 no_sync: bool) -> None:
    """List tools (their default versions) by type and code."""
    with _registry(registry_option, sync=not no_sync) as registry:
        specs = registry.list(tenant=tenant, type=tool_type, tag=tag, category=category)
    if as_json:
        _json([_summary(spec) for spec in specs])
        return
    if not specs:
        click.echo("no tools", err=True)
        return
    _table(["TOOL", "VERSION", "NAME", "TAGS"],
           [[s.uri, s.version, s.name or s.desp or "", ", ".join(s.tags)] for s in specs])


def _input_rows(spec: ToolSpec) -> list[dict[str, Any]]:
    from stdlib.registry._check import BUILTIN_INPUTS

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
    if spec is None:
        known = f" (versions: {', '.join(v.version for v in versions)})" if versions else ""
        _fail(f"{tool_type}://{code}" + (f" version {version}" if version else "")
              + f" is not registered{known}")
    out = spec.out_type
    operations = [s.code for s in spec.signatures()] if spec.type == "db" else []
    if as_json:
        _json({**_summary(spec), "config": spec.config, "args": spec.args,
               "inputs": _input_rows(spec), "out": None if out is None else str(out),
               "operations": operations, "versions": [v.to_dict() for v in versions]})
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
    from stdlib.registry import ToolSpecError, VersionConflictError, parse_spec_text
    from stdlib.registry._sync import spec_files

    files: list[Path] = []
    for path in paths:
        files.extend(spec_files(path) if path.is_dir() else [path])
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
        _fail("nothing was registered; fix the problems above")
    if not specs:
        _fail("no ToolSpec files found", 2)
    with _registry(registry_option, sync=not no_sync, create=True) as registry:
        try:
            done = [registry.register(spec, tenant=tenant, source=str(file.resolve()))
                    for spec, file in specs]
        except ToolSpecError as error:
            _print_problems(error.problems)
            _fail("nothing was registered; fix the problems above")
        except VersionConflictError as error:
            _fail(str(error))
    if as_json:
        _json([{**_summary(r.spec), "status": r.status} for r in done])
    else:
        for r in done:
            click.echo(f"{r.status:<9}  {r.spec.uri}  {r.spec.version}")
    added = sum(1 for r in done if r.status != "unchanged")
    click.echo(f"registered {added} of {len(done)} tools ({len(done) - added} unchanged)",
               err=True)


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
    from stdlib.registry import (
        ToolSpec,
        ToolSpecError,
        export_tools,
        to_jsonschema,
        to_mcp,
        to_openai,
    )

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
                _fail(f"{kind}://{code}" + (f" version {version}" if version else "")
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
            _fail(f"the flow {flow} cannot be exported")
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
            _fail(str(error.args[0]))
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
        _fail(f"{tool_type}://{code}" + (f" version {version}" if version else "")
              + " is not registered")
    click.echo(f"removed {removed} version{'s' if removed != 1 else ''} of "
               f"{tool_type}://{code}", err=True)
