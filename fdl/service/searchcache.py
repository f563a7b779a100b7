"""Answers of ``GET /v1/tools`` kept while the registry does not change.

A listing or a search depends only on the registry's content and on the request (tenant,
query, filters, page). The content is stamped by two numbers: the workspace's generation,
bumped by every change made through the service (`Workspace.retire`), and the
registry file's ``data_version``, which changes when another process (``fdl tools
register`` on the same file) commits. An answer is reused while the stamp is the one it was
computed under; a new stamp empties the cache. Most-recently-used answers are kept, up to
`MAX_ANSWERS`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

__all__ = ["MAX_ANSWERS", "AnswerCache"]

MAX_ANSWERS = 512
"""Answers kept at most (the least recently used go first)."""


class AnswerCache:
    """Answers by request key, valid for one stamp of the registry (thread-safe)."""

    def __init__(self, size: int = MAX_ANSWERS) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._stamp: Hashable = None
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, stamp: Hashable, key: Hashable) -> Any | None:
        """The answer of ``key`` computed under ``stamp``, or None."""
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                self._answers.clear()
                return None
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, stamp: Hashable, key: Hashable, answer: Any) -> None:
        """Keep ``answer`` of ``key``, computed under ``stamp`` (dropped when the stamp has
        moved on meanwhile)."""
        with self._lock:
            if stamp != self._stamp:
                return
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
