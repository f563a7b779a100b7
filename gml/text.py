"""Words for messages: "did you mean" suggestions and indefinite articles.

Shared by every layer that writes messages for people (the checker, the compiler of flows,
the tool adapters), so that all of them suggest and phrase alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

__all__ = ["article", "suggest"]


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt name, if any is close enough.

    A candidate that differs only in case counts as close when nothing else is.
    """
    options = list(candidates)
    matches = get_close_matches(name, options, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in options}
        return lowered.get(name.lower())
    return matches[0]


def article(word: object) -> str:
    """``word`` with its indefinite article, for messages: ``an int``, ``a string``."""
    text = str(word)
    return f"an {text}" if text[:1].lower() in "aeiou" else f"a {text}"
