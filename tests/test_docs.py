"""The generated part of docs/gml.md matches the stdlib tables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_builtin_reference_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "gml.md").read_text(encoding="utf-8")
    assert module.updated(current) == current, "run: .venv/bin/python scripts/gen_docs.py"
