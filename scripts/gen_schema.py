"""Write docs/fdl.schema.json, the JSON Schema of flow files, from `fdl.flow_json_schema()`.

    .venv/bin/python scripts/gen_schema.py            # regenerate the file
    .venv/bin/python scripts/gen_schema.py --check    # exit 1 if the file is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import fdl

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "fdl.schema.json"


def render() -> str:
    """The schema file's text: the schema as indented JSON and a final newline."""
    return json.dumps(fdl.flow_json_schema(), indent=2) + "\n"


def is_up_to_date(path: Path = SCHEMA) -> bool:
    """Whether ``path`` holds exactly what `render` produces."""
    try:
        return path.read_text(encoding="utf-8") == render()
    except FileNotFoundError:
        return False


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if is_up_to_date():
            return 0
        print(f"{SCHEMA} is out of date: run .venv/bin/python scripts/gen_schema.py",
              file=sys.stderr)
        return 1
    SCHEMA.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
