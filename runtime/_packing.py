"""A batch of journal records or events as the text of one store row (issue #17: the
journal of a long ``each`` grew by five rows and about 700 bytes per iteration).

The SQLite and PostgreSQL stores write each ``append`` batch (one wave of the runtime's
work) as **one row** per table instead of one row per record, and leave out of each event
the ``run_id`` every event of a run repeats (the row already names the run). The text is a
JSON array::

    [[i, j, ...], item0, item1, ...]

whose first element lists the items that had ``"run_id": <this run>`` as their second key
(after ``type``) and were stored without it; reading puts it back in the same place, so
`unpack` returns exactly what `pack` was given (key order included). Each item is
`runtime._codec`'s tree of the record, checked for depth and types on its own as before.
A row written by an older version holds one record as a JSON object; `unpack` reads both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from . import _codec

__all__ = ["pack", "unpack"]

_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False,
                            check_circular=False)


def pack(run_id: str, items: Sequence[Mapping[str, Any]]) -> str:
    """The row text of a batch of records or events of the run ``run_id``.

    Raises:
        TypeError, ValueError: a value the codec cannot store (see `runtime._codec`).
    """
    stripped: list[int] = []
    trees: list[Any] = [stripped]
    for index, item in enumerate(items):
        keys = iter(item)
        if (next(keys, None) == "type" and next(keys, None) == "run_id"
                and item["run_id"] == run_id):
            item = {key: value for key, value in item.items() if key != "run_id"}
            stripped.append(index)
        trees.append(_codec.encode(item))
    return _ENCODER.encode(trees)


def unpack(run_id: str, text: str) -> list[dict[str, Any]]:
    """The records or events of one row (written by `pack`, or one record by an older
    version).

    Raises:
        ValueError: the text is not such a row.
    """
    if not text.startswith("["):
        return [_codec.loads(text)]
    try:
        rows = json.loads(text)
    except RecursionError:
        raise ValueError("the row is nested too deeply") from None
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], list):
        raise ValueError("the row is not a batch of records")
    stripped = set(rows[0])
    items: list[dict[str, Any]] = []
    for index, tree in enumerate(rows[1:]):
        item = _codec.decode(tree)
        if not isinstance(item, dict):
            raise ValueError("a record of the row is not an object")
        if index in stripped:
            rest = iter(item.items())
            first = next(rest)
            item = {first[0]: first[1], "run_id": run_id, **dict(rest)}
        items.append(item)
    return items
