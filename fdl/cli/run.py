"""``fdl run`` and ``fdl runs`` (spec/interfaces.md §1, §3, §4).

``fdl run FILE`` compiles a flow (with the tool catalog, like ``fdl check``) and runs it on
the real clock with the project's real tools (`fdl.project`: ``services:``,
``databases:`` and ``flows:`` of the configuration, the ToolSpecs of the tool folders and the
registry), or with ``--mock FILE`` (docs/testing.md; unmocked tools reach the real ones only with
``passthrough: true``). Runs are journaled in the project's run store (``<state>/runs.db``,
see `stdlib.config.project_config`) unless ``--no-store``, and a run killed half-way can be
continued with ``fdl run FILE --resume RUN_ID`` or ``fdl runs resume RUN_ID``.

Which project: ``fdl run FILE`` (and ``--resume``) uses the project of the flow file, the
nearest ``fdl.yaml`` or ``[tool.fdl]`` at or above the file's folder, whatever the working
folder: its run store, registry, tool folders and relative paths (``databases:``, ``flows:``).
The ``fdl runs`` commands have no flow file and use the working folder's project (or
``--store``). Without any configuration the state folder is ``.fdl/`` in the working folder.

Output contract:

* without ``--json``: the run id and the progress on stderr (`fdl.cli._progress`: a live tree on
  a terminal, one line per finished node otherwise), then a summary line on stderr and the
  output as pretty JSON on stdout (nothing on stdout when the run did not complete);
* with ``--json``: exactly one JSON object on stdout, ``RunResult.to_dict()``, and nothing
  on stderr but problems. Failures that happen before there is a run (the flow does not
  compile, the run to resume is unknown) print no object: stdout stays empty;
* exit codes: 0 completed, 1 failed or cancelled (or nothing to run), 2 usage error, 130
  interrupted by Ctrl-C (the run stays ``running`` in the store and can be resumed).
"""

from __future__ import annotations

import shlex
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
import trio
from rich.console import Console
from rich.table import Table

from compiler import BUILTIN_INPUTS, Plan, ToolCatalog, check_text
from compiler.diagnostics import Reporter
from compiler.yamltree import load_yaml, to_plain
from fdl.mcpauto import import_unknown_servers
from fdl.project import (
    ProjectTools,
    Tooling,
    load_mocks,
    open_run_store,
    open_tooling,
    store_spec,
)
from gml import Source
from gml.types import STRING, Type, strip_null
from runtime import MockFileError, Mocks, RunRecord, RunResult, RunStore, Runtime, cancel_stored
from runtime.errors import RunFailure
from runtime.store import StoreError
from stdlib.config import ProjectConfig, project_config
from stdlib.flowfiles import read_flow_text
from stdlib.pgdb import shown_spec
from stdlib.registry import RegistryError, Tally

from ._inputs import NotJson, load_json, usage_problem
from ._output import error_lines, fail, leaf, to_json_text
from ._progress import RunDisplay, format_duration
from ._target import Target, mock_document, target_of
from .check import summary_line

__all__ = ["parse_inputs", "run_command", "runs_group", "set_value"]

EXIT_INTERRUPTED = 130
# --- values ------------------------------------------------------------------------------


def _read_data_file(path: Path, option: str) -> Any:
    """A JSON or YAML (1.2 core schema: dates stay text) document."""

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise usage_problem(option, f"{path} cannot be read: {reason}") from None
    try:
        return load_json(text, option, str(path))
    except NotJson:
        pass
    reporter = Reporter(str(path), Source(text))
    node = load_yaml(text, reporter)
    errors = [d for d in reporter.diagnostics if d.is_error]
    if errors:
        first = errors[0]
        raise usage_problem(option, f"{path}:{first.line}:{first.column}: {first.message}")
    return {} if node is None else to_plain(node)


def set_value(raw: str, declared: Type | None) -> Any:
    """The value of ``--set NAME=RAW`` for an input of the ``declared`` type: a ``string``
    (or ``string?``) input takes the text as it is (``--set task={"job": 1}`` is that text);
    any other input takes RAW as JSON when it parses (``5``, ``true``, ``[1, 2]``,
    ``{"k": 1}``, ``"5"``), else the text, which the input's conversion then reads
    (``2025-01-01`` for a ``date``, ``1.50`` for a ``decimal``) or refuses with F402."""
    if declared is not None and strip_null(declared) == STRING:
        return raw
    try:
        return load_json(raw, "--set")
    except NotJson:
        return raw


def parse_inputs(input_text: str | None, input_file: Path | None,
                 sets: Sequence[str], types: Mapping[str, Type] | None = None
                 ) -> dict[str, Any]:
    """The run's inputs: ``--input-file`` < ``--input`` < each ``--set k=v`` (later wins);
    ``types`` are the flow's declared inputs, which decide how a ``--set`` value is read
    (`set_value`; without them every value is read as for an ``any`` input).

    Raises:
        click.BadParameter: bad JSON, not an object, or a ``--set`` without ``=`` (exit 2,
            naming the option).
    """
    inputs: dict[str, Any] = {}
    if input_file is not None:
        data = _read_data_file(input_file, "--input-file")
        if not isinstance(data, dict):
            raise usage_problem("--input-file",
                                f"{input_file} must hold an object (input name → value)")
        inputs.update(data)
    if input_text is not None:
        try:
            data = load_json(input_text, "--input")
        except NotJson as error:
            raise usage_problem("--input", str(error)) from None
        if not isinstance(data, dict):
            raise usage_problem("--input", 'must be a JSON object such as {"customerId": "c1"}')
        inputs.update(data)
    for item in sets:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise usage_problem("--set", f"{item!r} is not name=value")
        inputs[name] = set_value(raw, (types or {}).get(name))
    return inputs


# --- compiling, mocks, the store ---------------------------------------------------------


def _mocks(path: Path | None) -> Mocks | None:
    try:
        return load_mocks(path)
    except MockFileError as error:
        raise click.BadParameter(str(error), param_hint="--mock") from None


def _store(spec: str, *, create: bool = True, given: bool = True) -> RunStore | None:
    """Open the run store ``spec``; ``given``: named by ``--store`` (else by the project)."""
    try:
        return open_run_store(spec, create=create)
    except StoreError as error:
        if not given:  # the project's store: state: in fdl.yaml is at fault
            fail(str(error), 2)
        raise click.BadParameter(str(error), param_hint="--store") from None


def _compile(text: str, path: str, catalog: ToolCatalog | None) -> Plan:
    """Compile a flow; on errors print every diagnostic on stderr and exit 1."""


    result = check_text(text, path, catalog=catalog)
    if result.plan is not None:
        return result.plan
    source: Source | None = result.source
    for diagnostic in result.diagnostics:
        shown = source if diagnostic.path == result.path else None
        click.echo(diagnostic.render(shown), err=True)
    click.echo(summary_line(result.diagnostics, 1), err=True)
    sys.exit(1)


def _compile_file(file: Path, catalog: ToolCatalog | None) -> Plan:
    text, problem = read_flow_text(file)
    if problem is not None:
        click.echo(problem.render(None), err=True)
        sys.exit(1)
    assert text is not None
    return _compile(text, str(file), catalog)


# --- running -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Job:
    """Everything one execution of the run machinery needs."""

    plan: Plan
    config: ProjectConfig
    mocks: Mocks | None
    store: RunStore | None
    as_json: bool
    hint: str
    tooling: Tooling
    tools: ProjectTools
    inputs: dict[str, Any] | None = None
    tenant: str | None = None
    bu: str | None = None
    resume: RunRecord | None = None
    store_option: str | None = None
    temporal: Target | None = None
    mock_file: Path | None = None


def _run_error(error: BaseException, job: _Job, run_id: str) -> NoReturn:
    """Ctrl-C (exit 130 with the resume hint), a store problem or a run that cannot be
    resumed (exit 1 with a message); anything else is a bug and is raised again."""

    if leaf(error, KeyboardInterrupt) is not None:
        if job.store is None:
            click.echo(f"\ninterrupted: run {run_id} stopped (it had no store, so it cannot "
                       "be resumed)", err=True)
        else:
            click.echo(f"\ninterrupted: run {run_id} stays resumable; continue it with\n"
                       f"    {job.hint.replace('{run_id}', run_id)}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    store_error = leaf(error, StoreError)
    if store_error is not None:
        fail(f"{store_error} (run {run_id})")
    if isinstance(error, RunFailure):
        fail(f"{error.code}: {error.message}")
    if isinstance(error, LookupError) and job.resume is not None:
        fail(str(error))
    raise error


def _execute(job: _Job) -> NoReturn:
    """Run (or resume) the flow, print the result as the contract says, exit."""



    config = job.config
    run_id = job.resume.run_id if job.resume is not None else uuid.uuid4().hex
    display = None if job.as_json else RunDisplay(job.plan)
    if display is not None:
        verb = "resuming" if job.resume is not None else "run"
        where = "" if job.store_option is None else (
            f" --store {shlex.quote(shown_spec(job.store_option))}")
        see = f"  (fdl runs show {run_id}{where})" if job.store is not None else ""
        if job.temporal is not None:
            see = f"  (fdl runs show {run_id} --on temporal --temporal {job.temporal.address})"
        click.echo(f"{verb} {run_id}: {job.plan.name}{see}", err=True)
        if job.resume is not None and job.store is not None:
            display.replay(job.store.events(run_id))
    callback = display.on_event if display is not None else None

    if job.temporal is not None:
        _report(job, _run_on_temporal(job, run_id, display, callback), run_id)

    tally = _call_tally(job, run_id)

    async def main() -> RunResult:
        options: dict[str, Any] = {}
        if config.concurrency is not None:
            options["concurrency"] = config.concurrency
        # No event history in memory (issue #17: an `each` over a million items publishes
        # four million events): the registry counts the calls as the events come.
        on_event = callback if tally is None else _counting(tally, callback)
        try:
            async with Runtime(tools=job.tools.provider, mocks=job.mocks, store=job.store,
                               timezone=config.timezone, keep_events=False,
                               **options) as rt:
                if job.resume is not None:
                    return await rt.resume(run_id, plan=job.plan, on_event=on_event)
                return await rt.run(job.plan, job.inputs, tenant=job.tenant, bu=job.bu,
                                    run_id=run_id, on_event=on_event)
        finally:
            await job.tools.aclose()

    try:
        if display is not None:
            with display:
                result = trio.run(main)
        else:
            result = trio.run(main)
    except BaseException as error:  # trio wraps errors of the run's tasks in groups
        job.tooling.close()
        _run_error(error, job, run_id)
    finally:
        if job.store is not None:
            job.store.close()
    _record_calls(job, tally)
    _report(job, result, run_id)


def _run_on_temporal(job: _Job, run_id: str, display: RunDisplay | None,
                     callback: Any) -> RunResult:
    """The run on Temporal (``--on temporal``), its progress shown as it goes."""
    assert job.temporal is not None
    from . import temporal  # temporalio (~170 ms) is loaded only when a run goes to Temporal

    mocks = None if job.mock_file is None else mock_document(job.mock_file)
    flows = job.config.flows_folder(Path(job.plan.path).resolve().parent)
    options: dict[str, Any] = {"tenant": job.tenant, "bu": job.bu, "mocks": mocks,
                               "timezone": job.config.timezone, "run_id": run_id,
                               "flows": flows, "catalog": job.tooling.catalog,
                               "max_runs": job.config.flow_runs}
    try:
        if display is not None:
            with display:
                return temporal.run_remote(job.temporal, job.plan, job.inputs, on_event=callback,
                                  **options)
        return temporal.run_remote(job.temporal, job.plan, job.inputs, **options)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: run {run_id} goes on on Temporal (workflow id {run_id})",
                   err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        job.tooling.close()


def _report(job: _Job, result: RunResult, run_id: str) -> NoReturn:
    """Print the result as the contract says and exit (0: completed, 1: not)."""
    ok = result.status == "completed"
    if job.as_json:
        click.echo(to_json_text(result.to_dict()))
        sys.exit(0 if ok else 1)
    final = result.events[-1] if result.events else {}
    took = final.get("duration")
    timing = f" in {format_duration(float(took))}" if isinstance(took, int | float) else ""
    click.echo(f"run {run_id} {result.status}{timing}", err=True)
    if not ok:
        for line in error_lines(result.error):
            click.echo(line, err=True)
        sys.exit(1)
    click.echo(to_json_text(result.output, pretty=True))
    sys.exit(0)


def _call_tally(job: _Job, run_id: str) -> Tally | None:
    """Where the run's tool calls are counted for the registry's call statistics (tools.md
    §3), or None: no registry, or mocked calls (they are not the tool's)."""
    registry = job.tooling.registry
    if registry is None or job.mocks is not None:
        return None
    try:
        return registry.call_tally(run_id, tenant=job.tenant)
    except RegistryError as error:
        click.echo(f"warning: the call statistics will not be recorded: {error}", err=True)
        return None


def _counting(tally: Tally, callback: Callable[[dict[str, Any]], None] | None
              ) -> Callable[[dict[str, Any]], None]:
    """``on_event``: every event counted by ``tally``, then passed on to ``callback``."""

    def on_event(event: dict[str, Any]) -> None:
        tally.add(event)
        if callback is not None:
            callback(event)

    return on_event


def _record_calls(job: _Job, tally: Tally | None) -> None:
    """Record the run's counted tool calls into the registry's call statistics; a
    registry that cannot take them is a warning, never a failed run."""

    registry = job.tooling.registry
    try:
        if registry is not None and tally is not None:
            registry.record_tally(tally, tenant=job.tenant)
    except RegistryError as error:
        click.echo(f"warning: the call statistics were not recorded: {error}", err=True)
    finally:
        job.tooling.close()


def _hint(parts: Sequence[str], mock: Path | None, tools_dir: Path | None,
          store: str | None) -> str:
    """The command that resumes a run (``{run_id}`` is filled in later)."""
    words = [*parts]
    if mock is not None:
        words += ["--mock", str(mock)]
    if tools_dir is not None:
        words += ["--tools", str(tools_dir)]
    if store is not None:
        words += ["--store", shown_spec(store)]
    return " ".join("{run_id}" if w == "{run_id}" else shlex.quote(w) for w in words)


def _resumable(store: RunStore | None, run_id: str, spec: str) -> RunRecord:
    """The stored run to resume, or exit 1 saying why it cannot be resumed."""
    record = store.get(run_id) if store is not None else None
    if record is None:
        fail(f"no run '{run_id}' in the run store {shown_spec(spec)}")
    if record.status != "running":
        fail(f"F410: run '{run_id}' is already {record.status}; only interrupted runs can "
             "be resumed")
    return record


def _resume_job(run_id: str, store_option: str | None, mock: Path | None,
                tools_dir: Path | None, as_json: bool, hint: str,
                file: Path | None = None) -> _Job:
    """The job that resumes ``run_id``: in the project of the flow ``file`` (``fdl run FILE
    --resume``), else in that of the working folder (``fdl runs resume``)."""
    start = None if file is None else file.resolve().parent
    config = project_config(start)
    spec = store_spec(store_option, config)
    mocks = _mocks(mock)
    store = _store(spec, create=False, given=store_option is not None)
    record = _resumable(store, run_id, spec)
    assert store is not None
    if file is not None and not as_json:

        text, _problem = read_flow_text(file)
        if text is not None and text != record.source:
            click.echo(f"note: {file} changed since run {run_id} started; resuming the flow "
                       "as it was then", err=True)
    context_tenant = record.context.get("tenantId")
    tenant = context_tenant if isinstance(context_tenant, str) else None
    tooling, tools = open_tooling(tools_dir, config, tenant, start=start)
    plan = _compile(record.source, record.path or "<flow>", tooling.catalog)
    return _Job(plan, config, mocks, store, as_json, hint, tooling, tools, tenant=tenant,
                resume=record, store_option=store_option)


# --- fdl run -----------------------------------------------------------------------------

_TOOLS_HELP = "Folder of ToolSpec files (default: tools: in fdl.yaml or pyproject.toml)."
_STORE_HELP = ("The run store: a file, sqlite:///PATH, postgresql://user@host/db or memory "
               "(default: the project's state:, <state>/runs.db).")


@click.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "input_text", metavar="JSON", help="The inputs, as a JSON object.")
@click.option("--input-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the inputs from a JSON or YAML file.")
@click.option("--set", "sets", metavar="NAME=VALUE", multiple=True,
              help="Set one input, read by its declared type: a string input takes VALUE "
                   "as it is (quotes and braces included); any other input takes VALUE as "
                   "JSON (5, true, [1, 2], {\"k\": 1}) when it parses, else as text for the "
                   "input's conversion (2025-01-01 for a date). Repeatable; wins over --input, "
                   "which wins over --input-file.")
@click.option("--mock", type=click.Path(dir_okay=False, path_type=Path),
              help="Answer tool calls from this mock file (docs/testing.md).")
@click.option("--tools", "tools_dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path), help=_TOOLS_HELP)
@click.option("--tenant", metavar="T", help="The run's tenant (tenantId).")
@click.option("--bu", metavar="B", help="The run's business unit (buCode).")
@click.option("--json", "as_json", is_flag=True,
              help="Print exactly one JSON object {run_id, status, output | error}.")
@click.option("--store", "store_option", metavar="PATH", help=_STORE_HELP)
@click.option("--no-store", is_flag=True, help="Run without persistence (no resume).")
@click.option("--resume", "resume_id", metavar="RUN_ID",
              help="Continue an interrupted run of FILE instead of starting one.")
@click.option("--on", "engine", type=click.Choice(["local", "temporal"]), default="local",
              show_default=True, help="Where the run executes: this process, or a Temporal "
              "cluster's workers (docs/scale-out.md).")
@click.option("--temporal", "temporal_address", metavar="HOST:PORT",
              help="With --on temporal: the frontend (default: temporal.address of fdl.yaml, "
                   "else 127.0.0.1:7233).")
@click.option("--task-queue", metavar="Q",
              help="With --on temporal: the task queue (default: temporal.task_queue, fdl).")
@click.option("--namespace", metavar="N",
              help="With --on temporal: the namespace (default: temporal.namespace, default).")
def run_command(file: Path, input_text: str | None, input_file: Path | None,
                sets: tuple[str, ...], mock: Path | None, tools_dir: Path | None,
                tenant: str | None, bu: str | None, as_json: bool, store_option: str | None,
                no_store: bool, resume_id: str | None, engine: str,
                temporal_address: str | None, task_queue: str | None,
                namespace: str | None) -> None:
    """Run the flow FILE and print its output as JSON.

    Progress goes to stderr: a live tree of the nodes on a terminal, one line per finished
    node otherwise. Exit 0 when the run completed, 1 when it failed or was cancelled, 130
    when interrupted (Ctrl-C); an interrupted run is resumed with --resume RUN_ID.
    """
    if no_store and store_option is not None:
        raise click.UsageError("give --store PATH or --no-store, not both")
    remote = engine == "temporal"
    if remote and (resume_id is not None or store_option is not None):
        raise click.UsageError("--resume and --store are for local runs: a run on Temporal "
                               "is durable in its history (drop them, or drop --on temporal)")
    if not remote and (temporal_address or task_queue or namespace):
        raise click.UsageError("--temporal, --task-queue and --namespace need --on temporal")
    if resume_id is not None:
        if no_store:
            raise click.UsageError("--resume needs the run store; drop --no-store")
        given = [name for name, value in (("--input", input_text), ("--input-file", input_file),
                                          ("--set", sets), ("--tenant", tenant), ("--bu", bu))
                 if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} cannot be used with --resume: a "
                                   "resumed run keeps the inputs it started with")
        hint = _hint(["fdl", "run", str(file), "--resume", "{run_id}"], mock, tools_dir,
                     store_option)
        _execute(_resume_job(resume_id, store_option, mock, tools_dir, as_json, hint, file))
    parse_inputs(input_text, input_file, sets)  # bad options fail before anything else
    start = file.resolve().parent  # the flow's project, whatever the working folder
    config = project_config(start)
    mocks = _mocks(mock)
    if mocks is None or mocks.passthrough:  # a mocked run reaches no server
        _import_mcp(file, config, tools_dir, start, tenant)
    tooling, tools = open_tooling(tools_dir, config, tenant, start=start)
    plan = _compile_file(file, tooling.catalog)
    inputs = parse_inputs(input_text, input_file, sets,
                          {spec.name: spec.type for spec in plan.inputs})
    store = None if no_store or remote else _store(store_spec(store_option, config),
                                                   given=store_option is not None)
    hint = _hint(["fdl", "run", str(file), "--resume", "{run_id}"], mock, tools_dir,
                 store_option)
    target = target_of(config, temporal_address, namespace, task_queue) if remote else None
    _execute(_Job(plan, config, mocks, store, as_json, hint, tooling, tools, inputs, tenant,
                  bu, store_option=store_option, temporal=target, mock_file=mock))


def _import_mcp(file: Path, config: ProjectConfig, tools_dir: Path | None, start: Path,
                tenant: str | None) -> None:
    """The tools of the configured MCP servers the flow calls, imported when the project
    does not know them (`fdl.mcpauto`), with a note or a warning on stderr."""
    if not config.mcp:
        return
    text, _problem = read_flow_text(file)
    if text is None or "mcp://" not in text:
        return
    for outcome in import_unknown_servers(config, [text], tools_dir=tools_dir, start=start,
                                          tenant=tenant):
        click.echo(outcome.note(), err=True)


# --- fdl runs ----------------------------------------------------------------------------

_STATUSES = ("running", "completed", "failed", "cancelled")


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _took(record: RunRecord) -> str:
    if record.status == "running":
        return "-"
    return format_duration(record.updated_at - record.created_at)


@click.group("runs")
def runs_group() -> None:
    """The run store: list, show, resume and cancel runs."""


def _store_for_reading(store_option: str | None) -> tuple[RunStore | None, str]:
    """The run store of ``fdl runs``: ``--store``, else that of the working folder's project
    (these commands have no flow file to find a project from)."""
    spec = store_spec(store_option, project_config())
    return _store(spec, create=False, given=store_option is not None), spec


def _temporal_options(command: Any) -> Any:
    """``--on``, ``--temporal`` and ``--namespace`` of ``fdl runs list/show/cancel``."""
    for option in reversed((
            click.option("--on", "engine", type=click.Choice(["local", "temporal"]),
                         default="local", show_default=True,
                         help="Where the run is: the run store, or a Temporal cluster."),
            click.option("--temporal", "temporal_address", metavar="HOST:PORT",
                         help="With --on temporal: the frontend (default: temporal.address "
                              "of fdl.yaml, else 127.0.0.1:7233)."),
            click.option("--namespace", metavar="N",
                         help="With --on temporal: the namespace (default: default)."))):
        command = option(command)
    return command


def _remote_target(address: str | None, namespace: str | None) -> Target:
    return target_of(project_config(Path.cwd()), address, namespace, None)


@runs_group.command("list")
@click.option("--status", type=click.Choice(_STATUSES), help="Only runs with this status.")
@click.option("--flow", "flow_name", metavar="NAME", help="Only runs of this flow (its name).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="At most this many runs, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of runs.")
@click.option("--store", "store_option", metavar="PATH", help=_STORE_HELP)
@_temporal_options
def runs_list_command(status: str | None, flow_name: str | None, limit: int, as_json: bool,
                      store_option: str | None, engine: str, temporal_address: str | None,
                      namespace: str | None) -> None:
    """List runs, newest first (--on temporal: the flow runs of a Temporal namespace)."""
    if engine == "temporal":
        if store_option is not None:
            raise click.UsageError("--store is for the local run store; drop it with "
                                   "--on temporal")
        from . import temporal  # temporalio (~170 ms) is loaded only when a run goes to Temporal

        target = _remote_target(temporal_address, namespace)
        where = f"on Temporal at {target.address} (namespace {target.namespace})"
        _print_runs(temporal.list_remote(target, status=status, flow=flow_name, limit=limit),
                    as_json, f"no runs {where}")
        return
    if temporal_address or namespace:
        raise click.UsageError("--temporal and --namespace need --on temporal")
    store, spec = _store_for_reading(store_option)
    records: list[RunRecord] = []
    if store is not None:
        try:
            records = store.list(status=status, flow=flow_name, limit=limit)  # type: ignore[arg-type]
        finally:
            store.close()
    _print_runs(records, as_json, f"no runs in {shown_spec(spec)}" if store is not None else
                f"no runs yet (no run store at {shown_spec(spec)})")


def _print_runs(records: Sequence[RunRecord], as_json: bool, none: str) -> None:
    """The runs as a table (or a JSON list); ``none`` (to stderr) when there are none."""
    if as_json:
        click.echo(to_json_text([r.to_dict() for r in records], pretty=True))
        return
    if not records:
        click.echo(none, err=True)
        return

    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("RUN ID", no_wrap=True)
    table.add_column("FLOW")
    table.add_column("STATUS", no_wrap=True)
    table.add_column("STARTED", no_wrap=True)
    table.add_column("TOOK", no_wrap=True, justify="right")
    colours = {"completed": "green", "failed": "red", "cancelled": "magenta",
               "running": "yellow"}
    for record in records:
        table.add_row(record.run_id, record.flow,
                      f"[{colours[record.status]}]{record.status}[/]",
                      _when(record.created_at), _took(record))
    console.print(table)


def _events_text(events: Sequence[Mapping[str, Any]], start: float) -> list[str]:
    lines = []
    for event in events:
        at = event.get("at")
        offset = f"+{float(at) - start:9.3f}s" if isinstance(at, int | float) else " " * 11
        extra = []
        for key in ("activation", "index", "attempt"):
            if key in event:
                extra.append(f"{key} {event[key]}")
        if isinstance(event.get("duration"), int | float):
            extra.append(format_duration(float(event["duration"])))
        error = event.get("error")
        if isinstance(error, Mapping):
            extra.append(f"{error.get('code', '')}: {error.get('message', '')}")
        node = event.get("node") or ""
        lines.append(f"  {offset}  {event.get('type', ''):<20} {node}"
                     + (f"  ({', '.join(extra)})" if extra else ""))
    return lines


def _show_remote(target: Target, run_id: str, as_json: bool, with_events: bool) -> None:
    from . import temporal  # temporalio (~170 ms) is loaded only when a run goes to Temporal

    run = temporal.show_remote(target, run_id)
    if as_json:
        click.echo(to_json_text(run.to_dict(with_events), pretty=True))
        return
    took = format_duration(run.updated - run.started)
    rows = [("run", run.run_id), ("flow", run.flow), ("status", run.status),
            ("started", _when(run.started)),
            ("updated", f"{_when(run.updated)}  (took {took})"),
            ("where", f"Temporal {target.address}, namespace {target.namespace}")]
    for label, value in rows:
        click.echo(f"{label:<8} {value}")
    if run.status == "completed":
        click.echo("output")
        click.echo(to_json_text(run.output, pretty=True))
    elif run.error is not None:
        for line in error_lines(run.error):
            click.echo(line)
    if with_events:
        events = run.events or []
        click.echo(f"events ({len(events)})")
        for line in _events_text(events, run.started):
            click.echo(line)


@runs_group.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the run as a JSON object.")
@click.option("--events", "with_events", is_flag=True, help="Include the run's events.")
@click.option("--store", "store_option", metavar="PATH", help=_STORE_HELP)
@_temporal_options
def runs_show_command(run_id: str, as_json: bool, with_events: bool,
                      store_option: str | None, engine: str, temporal_address: str | None,
                      namespace: str | None) -> None:
    """Show one run: status, inputs, output or error (and its events)."""
    if engine == "temporal":
        _show_remote(_remote_target(temporal_address, namespace), run_id, as_json,
                     with_events)
        return
    store, spec = _store_for_reading(store_option)
    if store is None:
        fail(f"no run '{run_id}' (no run store at {shown_spec(spec)})")
    try:
        record = store.get(run_id)
        events = store.events(run_id) if with_events and record is not None else []
    finally:
        store.close()
    if record is None:
        fail(f"no run '{run_id}' in the run store {shown_spec(spec)}")
    if as_json:
        data = record.to_dict()
        if with_events:
            data["events"] = events
        click.echo(to_json_text(data, pretty=True))
        return
    context = record.context or {}
    rows = [("run", record.run_id), ("flow", f"{record.flow}"
                                            + (f"  ({record.path})" if record.path else "")),
            ("status", record.status), ("started", _when(record.created_at)),
            ("updated", f"{_when(record.updated_at)}  (took {_took(record)})")]
    for key, label in (("tenantId", "tenant"), ("buCode", "bu")):
        if context.get(key) is not None:
            rows.append((label, str(context[key])))
    for label, value in rows:
        click.echo(f"{label:<8} {value}")
    inputs = {k: v for k, v in record.inputs.items() if k not in BUILTIN_INPUTS}
    click.echo(f"inputs   {to_json_text(inputs)}")
    if record.status == "completed":
        click.echo("output")
        click.echo(to_json_text(record.output, pretty=True))
    elif record.error is not None:
        for line in error_lines(record.error):
            click.echo(line)
    if with_events:
        click.echo(f"events ({len(events)})")
        for line in _events_text(events, record.created_at):
            click.echo(line)


@runs_group.command("resume")
@click.argument("run_id")
@click.option("--mock", type=click.Path(dir_okay=False, path_type=Path),
              help="Answer tool calls from this mock file (docs/testing.md).")
@click.option("--tools", "tools_dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path), help=_TOOLS_HELP)
@click.option("--json", "as_json", is_flag=True,
              help="Print exactly one JSON object {run_id, status, output | error}.")
@click.option("--store", "store_option", metavar="PATH", help=_STORE_HELP)
def runs_resume_command(run_id: str, mock: Path | None, tools_dir: Path | None, as_json: bool,
                        store_option: str | None) -> None:
    """Continue an interrupted run: completed nodes are not run again.

    The flow is compiled from the text stored with the run. Output as for fdl run.
    """
    hint = _hint(["fdl", "runs", "resume", "{run_id}"], mock, tools_dir, store_option)
    _execute(_resume_job(run_id, store_option, mock, tools_dir, as_json, hint))


@runs_group.command("cancel")
@click.argument("run_id")
@click.option("--store", "store_option", metavar="PATH", help=_STORE_HELP)
@_temporal_options
def runs_cancel_command(run_id: str, store_option: str | None, engine: str,
                        temporal_address: str | None, namespace: str | None) -> None:
    """Ask the process running RUN_ID to cancel it (it notices within half a second).

    Exit 0 when a cancel was requested or the run had already ended, 1 for an unknown run.
    """
    if engine == "temporal":
        from . import temporal  # temporalio (~170 ms) is loaded only when a run goes to Temporal

        target = _remote_target(temporal_address, namespace)
        if temporal.cancel_remote(target, run_id) == "requested":
            click.echo(f"cancel requested for run {run_id} on Temporal", err=True)
        else:
            click.echo(f"run {run_id} has already ended; nothing to cancel", err=True)
        return

    store, spec = _store_for_reading(store_option)
    if store is None:
        fail(f"no run '{run_id}' (no run store at {shown_spec(spec)})")
    try:
        outcome = cancel_stored(store, run_id)
        record = store.get(run_id)
    finally:
        store.close()
    if outcome == "unknown" or record is None:
        fail(f"no run '{run_id}' in the run store {shown_spec(spec)}")
    if outcome == "requested":
        click.echo(f"cancel requested for run {run_id}; the process running it stops it "
                   "within half a second", err=True)
    elif outcome == "cancelled":
        click.echo(f"run {run_id} was cancelled (the process that ran it had stopped)",
                   err=True)
    else:
        click.echo(f"run {run_id} is already {record.status}; nothing to cancel", err=True)


# --- fdl test ----------------------------------------------------------------------------


