"""``fdl check``, ``fdl compile`` and ``fdl graph``: diagnostics of flow files, the compiled
plan, and pictures of a flow (Mermaid, DOT or SVG).

``check`` prints its diagnostics, its result, to stdout and a one-line summary to stderr.

Each flow file is compiled with the tool catalog of its own project: the nearest ``fdl.yaml``
(or ``[tool.fdl]`` in ``pyproject.toml``) at or above the file's folder, not the working
folder's, as in the editor; ``fdl check`` over the files of several projects reads each
project's catalog once. ``--tools DIR`` replaces the configured tool folders of every project.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from compiler import CheckResult, Diagnostic, ToolCatalog, check_text
from compiler.plan import Block, Field, Plan, PlanNode
from fdl import graphs
from fdl.graphs import block_label, duration_text
from fdl.mcpauto import import_unknown_servers, servers_called
from gml import Source
from stdlib.catalogs import project_catalog
from stdlib.config import project_config
from stdlib.flowfiles import collect_flow_files, read_flow_text

__all__ = ["NO_CATALOG_NOTE", "check_command", "compile_command", "describe_plan", "graph_command",
           "load_catalog", "summary_line"]


NO_CATALOG_NOTE = ("note: no tool catalog found (--tools DIR or tools: in fdl.yaml); tool calls "
                   "were not checked and their results are typed any")


def load_catalog(tools_dir: Path | None, start: Path | None = None
                 ) -> tuple[ToolCatalog | None, list[Diagnostic]]:
    """The tool catalog of the project of the folder ``start`` (a flow file's folder; default:
    the working folder), as `stdlib.catalogs.project_catalog` has it: ``--tools DIR`` or the
    configured tool folders, the registry, the flows folder; with the problems found in its
    ToolSpec files; (None, []) when there is none."""
    return project_catalog(tools_dir, start=start)


class _Catalogs:
    """The catalog of each project met by one ``fdl check``: a flow file is checked with the
    project of its own folder (the nearest ``fdl.yaml`` or ``[tool.fdl]`` above it), each
    project's catalog is read once, and its ToolSpec problems are reported once."""

    def __init__(self, tools_dir: Path | None) -> None:
        self._tools_dir = tools_dir
        self._keys: dict[Path, Path] = {}
        self._catalogs: dict[Path, ToolCatalog | None] = {}
        self.problems: list[Diagnostic] = []
        self._seen: set[tuple[object, ...]] = set()
        self._tried: dict[Path, set[str]] = {}

    def for_folder(self, folder: Path) -> ToolCatalog | None:
        """The catalog of the project of ``folder`` (resolved)."""
        key = self._keys.get(folder)
        if key is None:
            # Without a configuration file, a folder is its own project.
            key = self._keys[folder] = project_config(folder).file or folder
        if key not in self._catalogs:
            catalog, problems = load_catalog(self._tools_dir, folder)
            self._catalogs[key] = catalog
            for problem in problems:  # --tools DIR: the same files for every project
                seen = (problem.path, problem.line, problem.column, problem.code,
                        problem.message)
                if seen not in self._seen:
                    self._seen.add(seen)
                    self.problems.append(problem)
        return self._catalogs[key]

    def import_mcp(self, folder: Path, text: str) -> bool:
        """Import the tools of the configured MCP servers the flow ``text`` calls and its
        project does not know yet (`fdl.mcpauto`), once per server and project, with a note
        (or a warning) on stderr; whether any were imported (the catalog is then read
        again)."""
        config = project_config(folder)
        key = config.file or folder
        tried = self._tried.setdefault(key, set())
        outcomes = import_unknown_servers(config, [text], tools_dir=self._tools_dir,
                                          start=folder, skip=tried)
        tried.update(servers_called([text]))
        for outcome in outcomes:
            click.echo(outcome.note(), err=True)
        if any(outcome.error is None for outcome in outcomes):
            self._catalogs.pop(key, None)
            return True
        return False


def _calls_tools(result: CheckResult) -> bool:
    """Whether the checked flow calls a tool (the note about a missing catalog concerns only
    those); a file that is not a flow model calls none."""
    return result.flow is not None and result.flow.calls_tools()


def _source_of(path: str, cache: dict[str, Source | None]) -> Source | None:
    if path not in cache:
        try:
            cache[path] = Source(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            cache[path] = None
    return cache[path]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """``2 errors, 1 warning in 3 files`` or ``ok: 3 files``."""
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return f"ok: {_plural(files, 'file')}"
    parts = [_plural(n, w) for n, w in ((errors, "error"), (warnings, "warning")) if n]
    return f"{', '.join(parts)} in {_plural(files, 'file')}"


# --- fdl check ---------------------------------------------------------------------------


@click.command("check")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: path:line:col: severity[CODE]: message, the line "
              "and a caret; json: a list of diagnostics.")
@click.option("--tools", "tools_dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path),
              help="Folder of ToolSpec files (default: tools: in fdl.yaml or pyproject.toml).")
def check_command(files: tuple[Path, ...], output_format: str, tools_dir: Path | None) -> None:
    """Compile flow FILES and report every problem found.

    A folder stands for every *.yaml / *.yml file under it whose root has a flow: key
    (flow test files *.test.yaml are skipped). Exit 1 when any error is found; warnings
    alone exit 0.
    """
    paths, empty = collect_flow_files(files)
    for folder in empty:
        click.echo(f"note: no flow files found under {folder}", err=True)
    catalogs = _Catalogs(tools_dir)
    sources: dict[str, Source | None] = {}
    found: list[Diagnostic] = []
    unchecked = False  # some flow calls tools and was checked without a catalog
    for path in paths:
        catalog = catalogs.for_folder(path.resolve().parent)
        text, problem = read_flow_text(path)
        if problem is not None:
            sources[problem.path] = None
            found.append(problem)
            continue
        assert text is not None
        if "mcp://" in text and catalogs.import_mcp(path.resolve().parent, text):
            catalog = catalogs.for_folder(path.resolve().parent)
        result = check_text(text, str(path), catalog=catalog, codegen=False)
        sources[result.path] = result.source
        found.extend(result.diagnostics)
        unchecked = unchecked or (catalog is None and _calls_tools(result))
    if not paths:  # the working folder's project: its ToolSpec problems
        catalogs.for_folder(Path.cwd().resolve())
    if unchecked:
        click.echo(NO_CATALOG_NOTE, err=True)
    diagnostics = [*catalogs.problems, *found]
    if output_format == "json":
        click.echo(json.dumps([d.to_dict() for d in diagnostics], indent=2, ensure_ascii=False))
    else:
        for d in diagnostics:
            click.echo(d.render(_source_of(d.path, sources)))
    click.echo(summary_line(diagnostics, len(paths)), err=True)
    if any(d.is_error for d in diagnostics):
        sys.exit(1)


def _compile_one(file: Path, tools_dir: Path | None, *, use_catalog: bool = True,
                 sketch: bool = False) -> Plan:
    """Compile one flow file for `compile`/`graph`: diagnostics go to stderr; exit 1 on
    errors (with ``sketch``, only on errors of the structure: the plan of a flow whose only
    errors are inside fields is returned, after a note)."""
    catalog: ToolCatalog | None = None
    problems: list[Diagnostic] = []
    if use_catalog:
        catalog, problems = load_catalog(tools_dir, file.resolve().parent)
    text, unreadable = read_flow_text(file)
    if unreadable is not None:
        click.echo(unreadable.render(None), err=True)
        sys.exit(1)
    assert text is not None
    result = check_text(text, str(file), catalog=catalog, sketch=sketch)
    if use_catalog and catalog is None and _calls_tools(result):
        click.echo(NO_CATALOG_NOTE, err=True)
    sources: dict[str, Source | None] = {result.path: result.source}
    for d in [*problems, *result.diagnostics]:
        click.echo(d.render(_source_of(d.path, sources)), err=True)
    if result.plan is None or any(d.is_error for d in problems):
        click.echo(summary_line([*problems, *result.diagnostics], 1), err=True)
        sys.exit(1)
    if result.errors:
        click.echo(f"note: {summary_line(result.diagnostics, 1)}, all inside fields; drawn "
                   "from the structure only (the flow cannot run until they are fixed)",
                   err=True)
    return result.plan


# --- fdl compile -------------------------------------------------------------------------


@click.command("compile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--tools", "tools_dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path),
              help="Folder of ToolSpec files (default: tools: in fdl.yaml or pyproject.toml).")
def compile_command(file: Path, as_json: bool, tools_dir: Path | None) -> None:
    """Compile the flow FILE and print its plan: nodes, kinds, edges, start and terminal
    nodes, jump edges and inferred types. Errors go to stderr with exit 1."""
    plan = _compile_one(file, tools_dir)
    if as_json:
        click.echo(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(describe_plan(plan), nl=False)


def _field_text(field: Field | None) -> str:
    if field is None:
        return ""
    if field.text is not None:
        return " ".join(field.text.split())
    return json.dumps(field.literal, ensure_ascii=False, default=str)


def _targets(block: Block, node: PlanNode) -> str:
    parts = []
    for edge in block.edges:
        if edge.source != node.id:
            continue
        notes = [] if edge.label == "next" else [edge.label]
        if edge.jump:
            notes.append("jump")
        parts.append(edge.target + (f" ({', '.join(notes)})" if notes else ""))
    return ", ".join(parts) if parts else "(end)"


def _describe_block(block: Block, indent: str, out: list[str]) -> None:
    width = max((len(n.id) for n in block.nodes), default=0)
    kind_width = max((len(n.kind) for n in block.nodes), default=0)
    for node in block.nodes:
        out.append(f"{indent}{node.id:<{width}}  {node.kind:<{kind_width}}  → "
                   f"{_targets(block, node)}")
        detail = f"{indent}{'':<{width}}    "
        if node.tool is not None:
            out.append(f"{detail}exec {node.tool.uri}")
        if node.when is not None and node.kind == "branch":
            out.append(f"{detail}when {_field_text(node.when)}")
        for i, (condition, _targets_of_case) in enumerate(node.cases):
            out.append(f"{detail}case[{i}] when {_field_text(condition)}")
        if node.kind == "delay":
            wait = (duration_text(node.wait_ms) if node.wait_ms is not None
                    else _field_text(node.wait))
            out.append(f"{detail}wait {wait}")
        if node.only is not None:
            out.append(f"{detail}only {_field_text(node.only)}")
        if node.block is not None:
            out.append(f"{detail}{block_label(node)}")
        out.append(f"{detail}output: {node.output_type}")
        if node.block is not None:
            _describe_block(node.block, detail + "  ", out)
    out.append(f"{indent}start: {', '.join(block.starts) or '-'}")
    out.append(f"{indent}terminal: {', '.join(block.terminals) or '-'}")
    if block.jumps:
        jumps = ", ".join(f"{e.source} → {e.target} ({e.label})" for e in block.jumps)
        out.append(f"{indent}jumps: {jumps}")


def describe_plan(plan: Plan) -> str:
    """The readable text form of a plan (`fdl compile` without ``--json``)."""
    out = [f"flow: {plan.name}", f"path: {plan.path}"]
    if plan.desp:
        out.append(f"desp: {' '.join(plan.desp.split())}")
    if plan.inputs:
        out.append("inputs:")
        for spec in plan.inputs:
            line = f"  {spec.name}: {spec.type}"
            if spec.default is not None:
                line += f" = {_field_text(spec.default)}"
            elif not spec.required:
                line += "  (optional)"
            out.append(line)
    else:
        out.append("inputs: (none)")
    out.append(f"output: {'(not declared)' if plan.out is None else plan.out}")
    if plan.vars is not None:
        out.append(f"vars: {_field_text(plan.vars)}  : {plan.vars.type}")
    out.append("nodes:")
    _describe_block(plan.block, "  ", out)
    return "\n".join(out) + "\n"


# --- fdl graph ---------------------------------------------------------------------------


@click.command("graph")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "graph_format", type=click.Choice(["mermaid", "dot", "svg"]),
              default="mermaid", show_default=True,
              help="Mermaid flowchart, Graphviz DOT, or SVG (needs Graphviz's dot).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of stdout.")
def graph_command(file: Path, graph_format: str, output: Path | None) -> None:
    """Draw the flow FILE: node kinds, branch labels, jump and fail edges, and each/loop
    sub-flows as subgraphs.

    A flow whose only errors are inside its fields (GML, CQL, tool arguments) is drawn from
    its structure, with the errors and a note on stderr (exit 0); errors of the structure
    itself (YAML, keys, targets) exit 1.
    """
    plan = _compile_one(file, None, use_catalog=False, sketch=True)
    try:
        if graph_format == "svg":
            text = graphs.to_svg(plan)
        elif graph_format == "dot":
            text = graphs.to_dot(plan)
        else:
            text = graphs.to_mermaid(plan)
    except (graphs.GraphvizMissing, graphs.GraphvizError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            click.echo(f"error: cannot write {output}: {error.strerror or error}", err=True)
            sys.exit(1)
