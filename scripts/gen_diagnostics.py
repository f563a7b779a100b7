"""Refresh the compiler output shown under each failing example of docs/diagnostics.md.

    .venv/bin/python scripts/gen_diagnostics.py          # rewrite the ```text blocks
    .venv/bin/python scripts/gen_diagnostics.py --check  # exit 1 if one is out of date

The examples themselves are hand-written; only the output blocks after them are generated,
with the same compiler call the test (tests/test_fdl_docs.py) uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_fdl_docs import (  # noqa: E402
    DIAGNOSTICS,
    blocks,
    check,
    doc_catalog,
    failing_examples,
    rendered,
)


def refreshed(text: str) -> str:
    all_blocks = blocks(text)
    catalog = doc_catalog(all_blocks)
    lines = text.splitlines(keepends=True)
    replacements: list[tuple[int, int, str]] = []
    for example in failing_examples(all_blocks):
        output = example.output
        if output is None:
            continue
        fence_line = output.line - 1  # 0-based index of the opening fence
        indent = lines[fence_line][: len(lines[fence_line]) - len(lines[fence_line].lstrip())]
        end = fence_line + 1
        while lines[end].strip() != "```":
            end += 1
        body = "".join(indent + line if line.strip() else line
                       for line in rendered(check(example.block, catalog)).splitlines(True))
        replacements.append((fence_line + 1, end, body))
    for start, end, body in reversed(replacements):
        lines[start:end] = [body]
    return "".join(lines)


def main(argv: list[str]) -> int:
    current = DIAGNOSTICS.read_text(encoding="utf-8")
    new = refreshed(current)
    if "--check" in argv:
        return 0 if new == current else 1
    DIAGNOSTICS.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
