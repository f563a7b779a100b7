"""``fdl eval``: evaluate a GML program against JSON data (spec/interfaces.md §1).

Loads GML only: no compiler, no runtime, no YAML.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

import gml

__all__ = ["eval_command"]


def _load_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise click.UsageError(
            f"{what} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None



@click.command("eval")
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
