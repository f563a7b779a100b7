"""``fdl worker``: run the project's ``triggers:`` (schedules and topic subscriptions, tools.md
§6) until SIGINT or SIGTERM, one call into `fdl.triggers.run_worker`; with ``--temporal``,
serve flows on a Temporal cluster instead (`fdl.cli.temporal.serve_temporal`,
docs/scale-out.md)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from fdl.triggers import run_worker
from stdlib.config import project_config

__all__ = ["worker_command"]


@click.command("worker")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The project folder (default: the working folder or its nearest parent "
                   "with an fdl.yaml).")
@click.option("--grace", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Seconds the runs in progress may go on after SIGINT/SIGTERM before they "
                   "are interrupted (they stay resumable; a second signal interrupts at once).")
@click.option("--temporal", "address", metavar="HOST:PORT",
              help="Serve flows on this Temporal frontend instead of running the triggers: "
                   "workflows and tool calls with this project's tools (docs/scale-out.md).")
@click.option("--namespace", metavar="N",
              help="With --temporal: the namespace (default: temporal.namespace, default).")
@click.option("--task-queue", metavar="Q",
              help="With --temporal: the task queue to serve (default: temporal.task_queue, "
                   "fdl).")
@click.option("--tools", "tools_dir", type=click.Path(exists=True, file_okay=False,
                                                       path_type=Path),
              help="With --temporal: folder of ToolSpec files (default: tools: in fdl.yaml).")
def worker_command(project: Path | None, grace: float, address: str | None,
                   namespace: str | None, task_queue: str | None,
                   tools_dir: Path | None) -> None:
    """Run the project's triggers (docs/triggers.md): each schedule's flow at its times,
    each subscription's flow once per message (acknowledged after its run). Runs are
    ordinary journaled runs (fdl runs list). SIGINT/SIGTERM stop taking new work.

    With --temporal HOST:PORT, serve flows started by `fdl run --on temporal` instead."""
    if address is None and (namespace or task_queue or tools_dir):
        raise click.UsageError("--namespace, --task-queue and --tools need --temporal")
    if address is not None:
        if project is not None:
            raise click.UsageError("--project is for the triggers; with --temporal, start "
                                   "the worker in the project's folder")
        from . import temporal  # temporalio (~170 ms) loads only for a Temporal worker

        temporal.serve_temporal(address, namespace, task_queue, tools_dir)
        return
    config = project_config(project)
    triggers = config.triggers or []
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per tool call otherwise
    click.echo(f"fdl worker: {len(triggers)} trigger(s) of {config.file or 'no fdl.yaml'} "
               f"(runs in {config.store_path}); Ctrl-C stops", err=True)
    try:
        run_worker(config, grace=grace)
    except* KeyboardInterrupt:  # before the signal handlers were installed
        pass
