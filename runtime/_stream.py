"""Streams: tool results that are read lazily (``db://.../stream``), and what is left of
them in a journal.

A tool may return an async iterator; the runtime wraps it in a `Stream` bound to the node
that produced it, and an ``each`` over it pulls one element per iteration, so the whole
result is never in memory. A stream is a live handle (a database cursor), not data: the
journal records it as ``{"$stream": "<node path>"}`` and a replay restores a `StaleStream`,
which cannot be read. The elements an ``each`` already pulled are journaled one by one, so
a resumed run keeps the iterations it finished; continuing to read a stream after a restart
is error F411.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import trio

__all__ = ["StaleStream", "Stream", "is_stream"]


class Stream:
    """An async iterator returned by a tool, with the node path that produced it."""

    __slots__ = ("_iterator", "origin")

    def __init__(self, source: Any, origin: str) -> None:
        self._iterator: AsyncIterator[Any] = source.__aiter__()
        self.origin = origin

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterator

    def next_nowait(self) -> Any:
        """The next element when the source has it at hand (a fetched batch), without
        waiting: sources may offer ``next_nowait()``, which raises `trio.WouldBlock` when
        the next element needs waiting and `StopAsyncIteration` at the end. Sources without
        it always "would block" (the runtime then awaits ``__anext__`` in a task)."""
        take = getattr(self._iterator, "next_nowait", None)
        if take is None:
            raise trio.WouldBlock
        return take()

    async def aclose(self) -> None:
        """Release what the stream holds (a cursor), if it can say so."""
        close = getattr(self._iterator, "aclose", None)
        if close is not None:
            await close()

    def __repr__(self) -> str:
        return f"<stream from {self.origin}>"


class StaleStream:
    """What a journal keeps of a `Stream`: where it came from. It cannot be read."""

    __slots__ = ("origin",)

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StaleStream) and other.origin == self.origin

    def __hash__(self) -> int:
        return hash(self.origin)

    def __repr__(self) -> str:
        return f"<stream from {self.origin}, closed by a restart>"


def is_stream(value: Any) -> bool:
    """Whether ``value`` is read lazily (an async iterable), not a list."""
    return hasattr(value, "__aiter__")
