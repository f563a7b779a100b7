"""LALR parsers built once per user, then loaded from a cache file.

Building a Lark LALR parser from a grammar (reading the grammar, the LALR analysis, and the
regex-collision checks of ``interegular`` when it is installed) takes 0.1-0.4 s, in every
process. Loading the same tables from Lark's own serialisation (`Lark.save`) takes a few
milliseconds. So `cached_lark` (behind `grammar.load_parser`) keeps the tables in a per-user
folder (`cache_dir`), in a file named for a hash (`cache_key`) of everything they depend on:
the grammar text, the parser options, what the post-lexer always accepts, the Lark version
and the Python version. A changed grammar or a new Lark gets a new file; files of other
versions are left alone, so that two installations sharing the folder do not undo each
other's work.

Nothing here may make parsing fail. A folder that cannot be created or written means the
parser is built in memory, as before; a file that cannot be read (truncated, corrupt, of an
unexpected shape) is built again and replaced. A new file is written under a temporary
name in the same folder and renamed over the final name (`os.replace`), so a process that
starts while another writes never reads half a file. The files are pickles, trusted as
much as anything else in the user's home.

Objects among the options (``transformer=``, ``postlex=``) are not stored: they are given
to each load. Lark's public `Lark.load` does not take them (Lark 1.3), so loading calls
``Lark._load``, the method behind both `Lark.load` and Lark's own ``cache=`` option, with
the same keyword arguments that ``cache=`` passes; Lark's ``cache=`` itself is not used
because it rewrites a bad file in place rather than atomically. If ``_load`` ever changes,
loading fails, the parser is built, and the cache is merely useless (tests/grammar checks
that it is used).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lark
from lark import Lark

__all__ = ["CACHE_DIR_ENV", "cache_dir", "cache_key", "cached_lark"]

CACHE_DIR_ENV = "FDL_CACHE_DIR"
"""The environment variable that names the cache folder itself, overriding the default."""

_APP = "fdl-toolchain"
_FORMAT = b"fdl-toolchain lark tables 1"  # first line of a cache file, with the key
_SUPPLIED = frozenset({"transformer", "postlex"})  # objects: given to each load, not stored


def cache_dir() -> Path | None:
    """The folder of the parser cache: ``$FDL_CACHE_DIR`` when set, else
    ``$XDG_CACHE_HOME/fdl-toolchain`` when that is an absolute path, else
    ``~/.cache/fdl-toolchain``; None when there is no home folder to put it in.

    The folder may not exist yet (it is created on the first write) or be read-only.
    """
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is to be ignored
        return Path(xdg) / _APP
    try:
        return Path.home() / ".cache" / _APP
    except RuntimeError:  # no HOME and no password entry
        return None


def cache_key(grammar_text: str, **options: Any) -> str:
    """The hash that names the cache file of a parser built with these options.

    It covers the grammar text, every option that is a plain value, the terminals the
    post-lexer always accepts (they change the tables), the Lark version and the Python
    version (the pickle protocol). The ``transformer`` and ``postlex`` objects themselves
    are left out: they are not stored, and the tables do not depend on them.

    Raises:
        TypeError: an option other than ``transformer`` or ``postlex`` is not a plain value.
    """
    plain: dict[str, Any] = {}
    for name, value in options.items():
        if name in _SUPPLIED:
            continue
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            value = list(value)
        elif not isinstance(value, str | int | float | bool | None):
            raise TypeError(f"the parser option {name}={value!r} cannot be part of a cache key")
        plain[name] = value
    postlex = options.get("postlex")
    accepts = sorted(postlex.always_accept) if postlex is not None else []
    material = json.dumps(
        {"grammar": grammar_text, "options": plain, "always_accept": accepts,
         "lark": lark.__version__, "python": list(sys.version_info[:2])},
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def cached_lark(label: str, grammar_text: str, **options: Any) -> Lark:
    """``Lark(grammar_text, **options)``, loaded from the cache file when there is one, else
    built (and then stored when it can be); ``label`` starts the file's name.

    ``transformer`` and ``postlex`` objects are given to the parser on every load. Only LALR
    parsers are cached; other parsers are simply built.
    """
    folder = cache_dir()
    if folder is None or options.get("parser") != "lalr":
        return Lark(grammar_text, **options)
    key = cache_key(grammar_text, **options)
    path = folder / f"{label}-{key[:32]}.lark-cache"
    header = _FORMAT + b" " + key.encode("ascii") + b"\n"
    supplied = {k: v for k, v in options.items() if k in _SUPPLIED}
    parser = _read(path, header, supplied)
    if parser is None:
        parser = Lark(grammar_text, **options)
        _write(path, header, parser)
    return parser


def _read(path: Path, header: bytes, supplied: Mapping[str, Any]) -> Lark | None:
    """The parser stored in ``path``, or None when there is none or it cannot be used."""
    try:
        with path.open("rb") as stream:
            if stream.readline() != header:
                return None
            parser = Lark.__new__(Lark)
            return parser._load(stream, **supplied)
    except Exception:  # missing, unreadable, truncated, corrupt: build it again
        return None


def _write(path: Path, header: bytes, parser: Lark) -> None:
    """Store ``parser`` in ``path`` atomically; give up silently when that fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    except OSError:  # read-only or missing home, a file in the way, ...
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(header)
            parser.save(stream, exclude_options=_SUPPLIED)
        os.replace(temporary, path)
    except Exception:  # a full disk, an option that cannot be pickled: no cache, no harm
        with contextlib.suppress(OSError):
            os.unlink(temporary)
