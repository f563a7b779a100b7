"""``fdl lsp``: the language server on stdio (spec/interfaces.md §1; docs/editors.md).

Its own module, loaded only by ``fdl lsp``, so that other commands never import pygls.
"""

from __future__ import annotations

import click

from lsp.server import create_server

__all__ = ["lsp_command"]


@click.command("lsp")
@click.option("--debounce", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait after an edit before checking the document again "
                   "(edits made while a check runs are coalesced into one check anyway).")
def lsp_command(debounce: float) -> None:
    """Start the FDL language server on stdio (for editors: see docs/editors.md)."""
    create_server(debounce=debounce).start_io()
