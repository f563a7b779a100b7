"""``fdl worker``: run the project's ``triggers:`` (schedules and topic subscriptions, tools.md
§6) until SIGINT or SIGTERM. The body is one call into `fdl.triggers.run_worker`."""

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
def worker_command(project: Path | None, grace: float) -> None:
    """Run the project's triggers (docs/triggers.md): each schedule's flow at its times,
    each subscription's flow once per message (acknowledged after its run). Runs are
    ordinary journaled runs (fdl runs list). SIGINT/SIGTERM stop taking new work."""
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
