"""runtime._packing: a batch of journal records or events as one store row, without the
run id every event repeats, read back exactly (key order included); rows of older versions
(one record each) are still read."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from runtime._packing import pack, unpack
from runtime.store import RunRecord, SqliteStore


def test_a_batch_comes_back_exactly_and_in_key_order() -> None:
    events = [
        {"type": "node.started", "run_id": "r1", "node": "a", "at": 1.5},
        {"run_id": "r1", "type": "odd order"},                 # not stripped: order matters
        {"type": "x", "run_id": "another run", "n": Decimal("1.50")},
        {"type": "no run id"},
        {"type": "only", "run_id": "r1"},
    ]
    text = pack("r1", events)
    assert text.count('"r1"') == 1  # only the event whose run id is not second
    back = unpack("r1", text)
    assert back == events
    assert [list(event) for event in back] == [list(event) for event in events]
    assert isinstance(back[2]["n"], Decimal)


def test_rows_of_older_versions_are_read() -> None:
    assert unpack("r1", '{"type":"flow.started","run_id":"r1"}') == [
        {"type": "flow.started", "run_id": "r1"}]
    with pytest.raises(ValueError):
        unpack("r1", "[1, 2]")


def test_a_batch_is_one_row_and_old_single_rows_still_read(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SqliteStore(path) as store:
        store.create(RunRecord("r1", "f", "", "", {}, {}, "running", 1.0, 1.0))
        store.append("r1", [{"k": 1}, {"k": 2}], [{"type": "a", "run_id": "r1"}] * 3)
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT count(*) FROM events").fetchone() == (1,)
    assert raw.execute("SELECT count(*) FROM journal").fetchone() == (1,)
    # A row as an older version wrote it: one event, a JSON object.
    raw.execute("INSERT INTO events (run_id, seq, event) VALUES ('r1', 2, ?)",
                (json.dumps({"type": "old", "run_id": "r1"}),))
    raw.commit()
    raw.close()
    with SqliteStore(path) as store:
        assert store.events("r1") == [{"type": "a", "run_id": "r1"}] * 3 + [
            {"type": "old", "run_id": "r1"}]
        assert store.journal("r1") == [{"k": 1}, {"k": 2}]
