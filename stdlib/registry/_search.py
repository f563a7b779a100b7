"""Full-text search helpers: what is indexed for a tool, and user text → a safe FTS5 query.

The index (an SQLite FTS5 table, ranked with bm25) holds five columns per tool: its code,
name, description, tags, and its argument names with their descriptions. Identifiers are
indexed whole *and* split into words (``crm-service/customerId`` also gives ``customer``
and ``id``), so a search for a word finds it inside a camelCase or snake_case name.

User text never reaches FTS5 as syntax: `fts_query` keeps only the words of the text
(letters and digits), quotes each one and joins them with ``OR``, each as itself and as a
prefix (``"cust" OR "cust"*``: a whole-word match counts twice), so quotes, ``*``,
``NEAR(``, ``-``, ``:``, ``AND``/``OR``/``NOT`` and parentheses are all just text. bm25
ranks tools matching more (and rarer) words first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from ._spec import ToolSpec

__all__ = ["BM25", "COLUMNS", "POSTGRES", "SQLITE", "WEIGHTS", "Dialect", "fts_query",
           "index_row", "ts_query", "words"]

COLUMNS = ("code", "name", "desp", "tags", "args")
"""The indexed columns, in table order."""

WEIGHTS = (8.0, 6.0, 2.0, 4.0, 3.0)
"""bm25 weight of each column: a word in the code or name counts most."""

MAX_WORDS = 16
"""Words of a query beyond this many are ignored (a resource limit)."""

_WORD = re.compile(r"[^\W_]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(text: str) -> list[str]:
    """The words of an identifier as FTS5's ``unicode61`` tokenizer sees them, plus the
    parts of camelCase words (``crm-service/customerId`` → ``crm service customerId
    customer Id``)."""
    found: list[str] = []
    for word in _WORD.findall(text):
        found.append(word)
        if not word.islower() and not word.isupper():
            parts = _CAMEL.findall(word)
            if len(parts) > 1:
                found.extend(parts)
    return found


@lru_cache(maxsize=8192)
def _identifier(value: str) -> str:
    """`words` of one identifier as indexed text (cached: argument names repeat)."""
    return " ".join(words(value))


def _identifiers(values: Iterable[str]) -> str:
    return " ".join(text for value in values if (text := _identifier(value)))


def index_row(spec: ToolSpec) -> tuple[str, str, str, str, str]:
    """The indexed text of a spec, one string per column of `COLUMNS`: identifiers (the
    code, argument names) with their camelCase parts, other text as it is."""
    inputs = spec.args.get("in")
    names = _identifiers(str(name) for name in inputs) if isinstance(inputs, dict) else ""
    notes = " ".join(spec.descriptions.values())
    return (" ".join(words(spec.code)), spec.name or "", spec.desp or "", " ".join(spec.tags),
            f"{names} {notes}" if notes else names)


def fts_query(text: str) -> str | None:
    """A safe FTS5 query for free text: its words, quoted, each as a word and as a prefix,
    joined by ``OR``; None when the text has no words."""
    terms = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))[:MAX_WORDS]
    if not terms:
        return None
    return " OR ".join(f'"{term}" OR "{term}"*' for term in terms)


def ts_query(text: str) -> str | None:
    """`fts_query` for PostgreSQL: a ``tsquery`` (``'cust' | 'cust':*``), each word quoted
    as a literal so no text is read as an operator; None when the text has no words."""
    terms = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))[:MAX_WORDS]
    if not terms:
        return None
    return " | ".join(f"'{term}' | '{term}':*" for term in terms)


BM25 = f"bm25(search, {', '.join(str(w) for w in WEIGHTS)})"
"""SQLite's rank of a match (lower is better) with the column `WEIGHTS`."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """How a registry database matches and ranks its search index.

    Attributes:
        match: the condition a row of ``search`` meets for the query ``:match``.
        rank: a row's rank for ``:match`` (lower is better).
        query: user text → the value of ``:match`` (None: the text has no words).
    """

    match: str
    rank: str
    query: Callable[[str], str | None]


SQLITE = Dialect("search MATCH :match", BM25, fts_query)
"""SQLite: an FTS5 table ranked with bm25."""

_PG_WEIGHTS = "'{" + ", ".join(  # D, C, B, A: description, arguments, tags, code and name
    f"{w / max(WEIGHTS):.3f}" for w in (WEIGHTS[2], WEIGHTS[4], WEIGHTS[3], WEIGHTS[0])) + "}'"

POSTGRES = Dialect("search.doc @@ to_tsquery('simple', :match)",
                   f"-ts_rank({_PG_WEIGHTS}, search.doc, to_tsquery('simple', :match))",
                   ts_query)
"""PostgreSQL: a weighted ``tsvector`` column ranked with ``ts_rank``."""
