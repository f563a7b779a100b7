"""``fdl serve`` and ``fdl keys`` (spec/service.md §1): the project as an HTTP service, and
its API keys (``<state>/service.db``; only a hash of each key is stored)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from fdl.service import SCOPES, ServiceDatabase, ServiceDbError, serve
from stdlib.config import ProjectConfig, project_config

from ._output import fail

__all__ = ["keys_group", "serve_command"]

_PROJECT_HELP = "The project folder (default: the working folder or its nearest parent " \
                "with an fdl.yaml)."
_RATE = r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$"


def _config(project: Path | None) -> ProjectConfig:
    return project_config(project)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="The port to bind.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=_PROJECT_HELP)
def serve_command(host: str, port: int, project: Path | None) -> None:
    """Serve the project's registry and runtime over HTTP (docs/service.md)."""
    config = _config(project)
    click.echo(f"fdl serve: http://{host}:{port} (state in {config.state}); Ctrl-C stops",
               err=True)
    try:
        serve(config, host, port)
    except* KeyboardInterrupt:  # Ctrl-C before the server installed its signal handlers
        pass


def _db(project: Path | None) -> ServiceDatabase:
    try:
        return ServiceDatabase(_config(project).service_path)
    except ServiceDbError as error:
        fail(str(error), 2)


@click.group("keys")
def keys_group() -> None:
    """The service's API keys: create, list and revoke."""


@keys_group.command("create")
@click.option("--tenant", required=True, help="The tenant the key acts for.")
@click.option("--name", default="", help="A label for the key.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="read (GET), run (runs, tool calls), admin (tools, flows); repeat; "
                   "default: all three.")
@click.option("--rate-limit", default=None, help="This key's limit, such as 10/second "
              "(default: service.rate_limit of fdl.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=_PROJECT_HELP)
def create_command(tenant: str, name: str, scopes: tuple[str, ...], rate_limit: str | None,
                   as_json: bool, project: Path | None) -> None:
    """Create a key and print it once (only its hash is kept)."""
    if rate_limit is not None and not re.match(_RATE, rate_limit):
        raise click.BadParameter(f"{rate_limit!r} is not a rate such as 10/second",
                                 param_hint="--rate-limit")
    db = _db(project)
    try:
        key, text = db.create_key(tenant, name=name, scopes=scopes or SCOPES,
                                  rate_limit=rate_limit)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps({"id": key.id, "key": text, "tenant": key.tenant,
                               "scopes": list(key.scopes), "rate_limit": key.rate_limit}))
        return
    click.echo(text)
    click.echo(f"key {key.id} for tenant {key.tenant} ({' '.join(key.scopes)}); it is not "
               "shown again", err=True)


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=_PROJECT_HELP)
def list_command(as_json: bool, project: Path | None) -> None:
    """List the keys (never the key text)."""
    db = _db(project)
    try:
        keys = db.keys()
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps([k.to_dict() for k in keys]))
        return
    for key in keys:
        state = "revoked" if key.revoked else "live"
        click.echo(f"{key.id}  {key.tenant}  {' '.join(key.scopes)}  "
                   f"{key.rate_limit or 'default'}  {state}  {key.name}")


@keys_group.command("revoke")
@click.argument("key_id")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=_PROJECT_HELP)
def revoke_command(key_id: str, project: Path | None) -> None:
    """Revoke the key KEY_ID (as fdl keys list shows it)."""
    db = _db(project)
    try:
        done = db.revoke_key(key_id)
    finally:
        db.close()
    if not done:
        fail(f"no live key '{key_id}' (fdl keys list shows them)")
    click.echo(f"revoked {key_id}", err=True)
