"""Lark grammars of the project, shipped as package data, and their parsers.

`gml.lark` is the GML expression language, `cql.lark` the conditions of ``db://`` queries,
`types.lark` the FDL type expressions (`string?`, `Order[]`, `map<int>`). Each grammar file
documents its own syntax.

`load_parser` gives a Lark parser for one of them, loading its LALR tables from a per-user
cache instead of building them in every process (grammar/_cache.py; the folder is
`cache_dir`, ``$FDL_CACHE_DIR`` overrides it).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import PurePath
from typing import Any

from lark import Lark

from ._cache import CACHE_DIR_ENV as CACHE_DIR_ENV
from ._cache import cache_dir as cache_dir
from ._cache import cache_key as cache_key
from ._cache import cached_lark

__all__ = ["CACHE_DIR_ENV", "cache_dir", "cache_key", "load_parser", "read_grammar"]


def read_grammar(name: str) -> str:
    """Return the text of the grammar file `name` (e.g. ``"gml.lark"``)."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_parser(name: str, **options: Any) -> Lark:
    """``Lark(read_grammar(name), **options)``, its LALR tables loaded from the cache.

    The first process to ask for a grammar with given options builds the parser and stores
    its tables; later ones load them in milliseconds. ``transformer=`` and ``postlex=``
    objects are given to every load (they are not stored). Never fails for want of a
    cache: an unwritable folder or a bad file means the parser is built, as Lark would.
    The result is a new parser per call: callers keep it (a `functools.cache`).
    """
    return cached_lark(PurePath(name).stem, read_grammar(name), **options)
