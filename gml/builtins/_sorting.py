"""Sorting shared by the array methods ``sort`` and ``collap`` (spec/gml.md §7.1).

A sort *spec* is one of:

- ``None``: natural order of the elements themselves;
- a lambda of arity 0 or 1: a key (``o => o.amount``);
- a lambda of arity 2 or more: a comparator ``(a, b) => number`` (negative: ``a`` first,
  zero: keep order, positive: ``b`` first; ``null`` counts as zero, anything else is G301);
- a string ``'amount DESC, customer.name ASC'``: comma-separated field paths, each with an
  optional case-insensitive ``ASC``/``DESC`` (default ``ASC``). A blank string is natural
  order.

Rules that hold for every form:

- Sorting is stable: elements that compare equal keep their input order.
- ``null`` keys sort last in ascending order and first in descending order.
- Mixed kinds never fail: values that `compare` cannot order are ordered by
  `sort_key_compare` (by kind name, then by text).

Multi-key specs are sorted least-significant key first, one stable pass per key; each pass
uses Python's native ordering when the column holds only strings, only int/float numbers or
only datetimes, and `sort_key_compare` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cmp_to_key
from typing import Any

from gml._errors import GmlRuntimeError
from gml.values import article, is_number, kind, sort_key_compare

from ._support import arity, field_path

__all__ = ["SortKey", "parse_spec", "sort_items"]

SortKey = tuple[Callable[..., Any], bool]
"""A key reader and whether it sorts descending."""

_DIRECTIONS = {"asc": False, "desc": True}


def parse_spec(spec: str, what: str) -> list[SortKey]:
    """``'amount DESC, time'`` → ``[(reader of amount, True), (reader of time, False)]``.

    Raises:
        GmlRuntimeError: G301 when a part has more than a path and a direction, or the
            direction is neither ASC nor DESC.
    """
    keys: list[SortKey] = []
    for part in spec.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in _DIRECTIONS):
            raise GmlRuntimeError(
                "G301", f"{what}: cannot read the sort spec part {part.strip()!r}; "
                        "write 'field', 'field ASC' or 'field DESC', separated by commas")
        descending = len(words) == 2 and _DIRECTIONS[words[1].lower()]
        keys.append((field_path(words[0]), descending))
    return keys


def sort_items(items: Sequence[Any], spec: Any, what: str) -> list[Any]:
    """A new list with ``items`` sorted by ``spec`` (see the module docstring).

    Raises:
        GmlRuntimeError: G301 for a spec that is not null, a lambda or a string, a malformed
            spec string, or a comparator that returns something other than a number.
    """
    if len(items) < 2:
        return list(items)
    if spec is None:
        return _by_keys(items, [(_identity, False)])
    if isinstance(spec, str):
        keys = parse_spec(spec, what)
        return _by_keys(items, keys or [(_identity, False)])
    if callable(spec):
        if arity(spec) >= 2:
            return _by_comparator(items, spec, what)
        return _by_keys(items, [(spec, False)])
    raise GmlRuntimeError(
        "G301", f"{what} needs a lambda or a sort spec string such as 'amount DESC', "
                f"not {article(kind(spec))}")


def _identity(value: Any) -> Any:
    return value


def _by_keys(items: Sequence[Any], keys: list[SortKey]) -> list[Any]:
    order = list(range(len(items)))
    for read, descending in reversed(keys):
        column = [read(item) for item in items]
        order = _sorted_indices(order, column, descending)
    return [items[i] for i in order]


def _sorted_indices(order: list[int], column: list[Any], descending: bool) -> list[int]:
    """One stable pass: ``order`` re-sorted by ``column``, nulls greatest."""
    present = [i for i in order if column[i] is not None]
    missing = [i for i in order if column[i] is None]
    ranked: list[int] | None = None
    if _natively_ordered(column, present):
        try:
            ranked = sorted(present, key=lambda i: column[i], reverse=descending)
        except TypeError:  # e.g. naive and aware datetimes: fall back to the total order
            ranked = None
    if ranked is None:
        def by_column(a: int, b: int) -> int:
            return sort_key_compare(column[a], column[b])

        ranked = sorted(present, key=cmp_to_key(by_column), reverse=descending)
    return missing + ranked if descending else ranked + missing


def _natively_ordered(column: list[Any], present: list[int]) -> bool:
    """True when Python's own ``<`` orders these values as GML does."""
    if not present:
        return True
    first = type(column[present[0]])
    if first is str:
        return all(type(column[i]) is str for i in present)
    if first is int or first is float:
        return all(type(column[i]) in (int, float) for i in present)
    if issubclass(first, datetime):
        return all(isinstance(column[i], datetime) for i in present)
    return False


def _by_comparator(items: Sequence[Any], compare: Callable[..., Any], what: str) -> list[Any]:
    def order(a: Any, b: Any) -> int:
        result = compare(a, b)
        if result is None:
            return 0
        if not is_number(result):
            raise GmlRuntimeError(
                "G301", f"{what}: a comparator must return a number (negative, zero or "
                        f"positive), not {article(kind(result))}; for a key, use a one-parameter "
                        "lambda such as x => x.amount")
        return -1 if result < 0 else 1 if result > 0 else 0

    return sorted(items, key=cmp_to_key(order))
