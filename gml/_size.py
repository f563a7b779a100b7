"""Expanded size of values (issue #17): shared structure counts every time it is reachable.

GML values are plain lists and dicts, so one array can sit inside another many times:
``a = [[1]], b = [a, a], c = [b, b], …`` is 300 characters of program text and, after 40
steps, an array that equality, ``TOJSON``, ``STRING``, ``distinct`` and ``sort`` would walk
2**40 times. The *expanded* size of a value is the number of array elements and object
fields reached by walking it as a tree; it is what those operations cost.

Each evaluation keeps a memo (`SizeMemo`) of the expanded sizes of the containers it has
measured, keyed by identity (the memo holds the container, so the identity stays valid).
A value built from measured parts is measured in time proportional to its own length; a
shared part is walked once, however often it is reachable. So checking is cheap, and a
value whose expanded size exceeds `Limits.max_total` fails with G306 as it is built.
"""

from __future__ import annotations

from typing import Any

from ._errors import GmlLimitError

__all__ = ["SizeMemo", "expanded_size"]

SizeMemo = dict[int, tuple[int, Any]]
"""``id(container) -> (expanded size, container)``; the container is kept alive with it."""


def _children(value: Any) -> Any:
    return value.values() if type(value) is dict else value


def _flat(value: Any) -> bool:
    """True when no element or field of ``value`` is an array or object: its expanded
    size is its length, and it is not recorded (most records are flat)."""
    for child in _children(value):  # noqa: SIM110 - a loop is faster than any()
        if type(child) is list or type(child) is dict:
            return False
    return True


def expanded_size(value: list[Any] | dict[str, Any], memo: SizeMemo, limit: int) -> int:
    """The number of elements and fields reachable in ``value`` walked as a tree.

    Containers already in ``memo`` are not walked again; every container measured is added
    to it. Iterative (no recursion, whatever the nesting).

    Raises:
        GmlLimitError: G306 as soon as a measured part exceeds ``limit``.
    """
    known = memo.get(id(value))
    if known is not None:
        return known[0]
    stack: list[tuple[Any, bool]] = [(value, False)]
    open_: set[int] = set()  # containers being measured: meeting one again is a cycle
    while stack:
        node, ready = stack.pop()
        key = id(node)
        if ready:
            open_.discard(key)
            size = len(node)
            for child in _children(node):
                if type(child) is list or type(child) is dict:
                    known = memo.get(id(child))
                    size += len(child) if known is None else known[0]  # None: flat
            if size > limit:
                raise GmlLimitError(
                    f"a value of {size} elements (counting a shared part every time it "
                    f"is reachable) exceeds the limit of {limit}")
            memo[key] = (size, node)
            continue
        if key in memo:
            continue
        if key in open_:
            raise GmlLimitError("a value that contains itself cannot be used")
        open_.add(key)
        stack.append((node, True))
        for child in _children(node):
            if (type(child) is list or type(child) is dict) and id(child) not in memo \
                    and not _flat(child):
                stack.append((child, False))
    return memo[id(value)][0]
