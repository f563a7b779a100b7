"""The `fdl` command line (spec/interfaces.md §1).

Commands: ``eval`` (a GML program), ``check`` (diagnostics of flow files), ``compile`` (the
compiled plan) and ``graph`` (Mermaid, DOT or SVG pictures of a flow).

Exit codes: 0 success, 1 the expression (or flow) failed or a check found errors, 2 usage
error. Machine-readable output goes to stdout, human diagnostics to stderr (``check`` prints
its diagnostics, its result, to stdout and a one-line summary to stderr).

The commands import what they use (GML, the compiler, the runtime) when they run, so that
``fdl --help`` imports little more than click (docs/performance.md, "Start-up").
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

import fdl
from fdl._config import find_config

if TYPE_CHECKING:
    from compiler import ToolCatalog
    from compiler.plan import Block, Field, Plan, PlanNode
    from fdl import Diagnostic
    from gml._source import Source

__all__ = ["collect_flow_files", "describe_plan", "find_tools_config", "main",
           "read_flow_text", "summary_line"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fdl-toolchain", prog_name="fdl")
def main() -> None:
    """FDL toolchain: evaluate GML, check, compile and run flows."""


def _load_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise click.UsageError(
            f"{what} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None


@main.command("eval")
@click.argument("expr")
@click.option("--data", "data_text", metavar="JSON", help="The variables, as a JSON object.")
@click.option("--data-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the variables from a JSON file.")
@click.option("--tz", metavar="ZONE", help="Timezone for dates (default: the machine's).")
@click.option("--json-errors", is_flag=True,
              help='On error print {"error": {code, message, line, column}} to stdout.')
def eval_command(expr: str, data_text: str | None, data_file: Path | None, tz: str | None,
                 json_errors: bool) -> None:
    """Compile and evaluate the GML program EXPR; print the result as JSON.

    EXPR may be @FILE to read the program from a file.
    """
    import gml

    if expr.startswith("@"):
        path = Path(expr[1:])
        if not path.is_file():
            raise click.UsageError(f"{path} is not a file (EXPR @FILE reads a program)")
        expr = path.read_text(encoding="utf-8")
    if data_text is not None and data_file is not None:
        raise click.UsageError("give the data with --data or --data-file, not both")
    data: Any = {}
    if data_text is not None:
        data = _load_json(data_text, "--data")
    elif data_file is not None:
        data = _load_json(data_file.read_text(encoding="utf-8"), str(data_file))
    if not isinstance(data, dict):
        raise click.UsageError("the data must be a JSON object (its fields are the variables)")
    if tz is not None:
        try:
            env = gml.Environment(timezone=tz)
        except Exception:  # pendulum raises its own error types for unknown zones
            raise click.UsageError(f"unknown timezone {tz!r} (try Asia/Shanghai or UTC)"
                                   ) from None
    else:
        env = gml.default_environment()
    try:
        result = env.evaluate(expr, data)
        text = gml.to_json(result, pretty=True)
    except gml.GmlError as error:
        if json_errors:
            click.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False))
        else:
            click.echo(error.render(), err=True)
        sys.exit(1)
    click.echo(text)


# --- flows: reading files, finding the tool catalog ------------------------------------

NO_CATALOG_NOTE = ("note: no tool catalog found (--tools DIR or tools: in fdl.yaml); tool calls "
                   "were not checked and their results are typed any")
FLOW_SUFFIXES = (".yaml", ".yml")
_FLOW_ROOT = re.compile(r"^flow\s*:", re.MULTILINE)


def _unreadable(path: str, message: str, text: bytes = b"", offset: int = 0) -> Diagnostic:
    """A diagnostic for a file that cannot be compiled at all (code E100), placed at
    ``offset`` (a byte offset into ``text``) when known."""
    from gml import Span

    from ._diagnostics import Diagnostic

    before = text[:offset].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Diagnostic(path, "E100", "error", message, Span(len(before), len(before)), line,
                      column, line, column)


def read_flow_text(path: Path) -> tuple[str | None, Diagnostic | None]:
    """The UTF-8 text of a flow file, or an E100 diagnostic saying why it cannot be read."""
    shown = str(path)
    if path.is_dir():
        return None, _unreadable(shown, "this is a folder, not a flow file")
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, _unreadable(shown, f"the file cannot be read: {error.strerror or error}")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        offset = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        return None, _unreadable(shown, f"the file is not UTF-8 text (byte 0x{data[offset]:02x}); "
                                        "save the file as UTF-8", data, offset)


def _is_flow_file(path: Path) -> bool:
    if path.name.endswith((".test.yaml", ".test.yml")):
        return False
    try:
        head = path.read_bytes()[:1_000_000].decode("utf-8", errors="replace")
    except OSError:
        return True  # reported when it is read
    return _FLOW_ROOT.search(head) is not None


def collect_flow_files(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The files to check: files as given, and under each folder every ``*.yaml``/``*.yml``
    file (not ``*.test.yaml``, not in hidden folders) whose root has a ``flow:`` key.
    Returns the files (each once, in order) and the folders that held no flow."""
    found: list[Path] = []
    empty: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            found.append(path)

    for path in paths:
        if not path.is_dir():
            add(path)
            continue
        inside = sorted(
            p for p in path.rglob("*")
            if p.suffix in FLOW_SUFFIXES and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1])
        )
        flows = [p for p in inside if _is_flow_file(p)]
        if not flows:
            empty.append(path)
        for flow_path in flows:
            add(flow_path)
    return found, empty


def find_tools_config(start: Path) -> tuple[Path, Path] | None:
    """The tools folder configured for ``start`` (a folder): ``tools:`` in ``fdl.yaml`` or
    ``[tool.fdl] tools`` in ``pyproject.toml``, in ``start`` or the nearest parent that has
    one, relative to that file. Returns (tools folder, config file), or None.

    Raises:
        click.UsageError: the configuration file is malformed.
    """
    found = find_config(start)
    if found is None:
        return None
    data, config = found
    tools = data.get("tools")
    if tools is None:
        return None  # the project's configuration, without a catalog
    if not isinstance(tools, str):
        key = "[tool.fdl] tools" if config.name == "pyproject.toml" else "'tools'"
        raise click.UsageError(f"{config}: {key} must be a folder name")
    return config.parent / tools, config


def load_catalog(tools_dir: Path | None) -> tuple[ToolCatalog | None, list[Diagnostic]]:
    """The project's tool catalog (`fdl._catalogs.project_catalog`: ``--tools DIR`` or the
    configured tool folders, the registry, the flows folder), with the problems found in
    its ToolSpec files; (None, []) when there is none."""
    from ._catalogs import project_catalog

    return project_catalog(tools_dir)


def _source_of(path: str, cache: dict[str, Source | None]) -> Source | None:
    from gml._source import Source

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


@main.command("check")
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
    catalog, tool_problems = load_catalog(tools_dir)
    if catalog is None:
        click.echo(NO_CATALOG_NOTE, err=True)
    sources: dict[str, Source | None] = {}
    diagnostics: list[Diagnostic] = list(tool_problems)
    for path in paths:
        text, problem = read_flow_text(path)
        if problem is not None:
            sources[problem.path] = None
            diagnostics.append(problem)
            continue
        assert text is not None
        result = fdl.check_text(text, str(path), catalog=catalog, codegen=False)
        sources[result.path] = result.source
        diagnostics.extend(result.diagnostics)
    if output_format == "json":
        click.echo(json.dumps([d.to_dict() for d in diagnostics], indent=2, ensure_ascii=False))
    else:
        for d in diagnostics:
            click.echo(d.render(_source_of(d.path, sources)))
    click.echo(summary_line(diagnostics, len(paths)), err=True)
    if any(d.is_error for d in diagnostics):
        sys.exit(1)


def _compile_one(file: Path, tools_dir: Path | None, *, use_catalog: bool = True
                 ) -> Plan:
    """Compile one flow file for `compile`/`graph`: diagnostics go to stderr; exit 1 on
    errors."""
    catalog: ToolCatalog | None = None
    problems: list[Diagnostic] = []
    if use_catalog:
        catalog, problems = load_catalog(tools_dir)
        if catalog is None:
            click.echo(NO_CATALOG_NOTE, err=True)
    text, unreadable = read_flow_text(file)
    if unreadable is not None:
        click.echo(unreadable.render(None), err=True)
        sys.exit(1)
    assert text is not None
    result = fdl.check_text(text, str(file), catalog=catalog)
    sources: dict[str, Source | None] = {result.path: result.source}
    for d in [*problems, *result.diagnostics]:
        click.echo(d.render(_source_of(d.path, sources)), err=True)
    if result.plan is None or any(d.is_error for d in problems):
        click.echo(summary_line([*problems, *result.diagnostics], 1), err=True)
        sys.exit(1)
    return result.plan


# --- fdl compile -------------------------------------------------------------------------


@main.command("compile")
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
    from .graphs import block_label, duration_text

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


@main.command("graph")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "graph_format", type=click.Choice(["mermaid", "dot", "svg"]),
              default="mermaid", show_default=True,
              help="Mermaid flowchart, Graphviz DOT, or SVG (needs Graphviz's dot).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of stdout.")
def graph_command(file: Path, graph_format: str, output: Path | None) -> None:
    """Draw the flow FILE: node kinds, branch labels, jump and fail edges, and each/loop
    sub-flows as subgraphs."""
    from . import graphs

    plan = _compile_one(file, None, use_catalog=False)
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


# --- fdl run, fdl runs, fdl test (in their own module, which imports this one lazily) ----

from .cli_run import run_command, runs_group, test_command  # noqa: E402

main.add_command(run_command)
main.add_command(runs_group)
main.add_command(test_command)

# --- fdl tools (the tool registry, in its own module) ------------------------------------

from .cli_tools import tools_group  # noqa: E402

main.add_command(tools_group)

# --- fdl lsp (the language server, in its own module) ------------------------------------

from .cli_lsp import lsp_command  # noqa: E402

main.add_command(lsp_command)
