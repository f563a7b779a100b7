"""The FDL language server (pygls 2): diagnostics, completion, hover, navigation, rename,
outline, semantic tokens, inlay hints and quick fixes for flow files, on top of the same
front end as ``fdl check`` (`fdl.inspect_text`).

    $ fdl lsp            # on stdio; see docs/editors.md

Modules: `server` (the `LanguageServer` and its documents), `analysis` (one analysed text
and its position index), and one module per feature, each a pure function of an
`Analysis` and the request's parameters.
"""

from __future__ import annotations

from .analysis import Analysis as Analysis
from .analysis import analyze as analyze
from .server import FdlLanguageServer as FdlLanguageServer
from .server import create_server as create_server

__all__ = ["Analysis", "FdlLanguageServer", "analyze", "create_server"]
