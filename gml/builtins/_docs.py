"""Render the built-in reference of docs/gml.md from the tables (one source of truth).

`scripts/gen_docs.py` writes it between the GENERATED markers of docs/gml.md;
tests/test_docs.py fails when the file is out of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gml.values import to_json

from ._examples import EXAMPLE_DATA, EXAMPLE_NOW, EXAMPLE_TZ
from ._table import Builtin

__all__ = ["BEGIN", "END", "render_reference"]

BEGIN = "<!-- BEGIN GENERATED: built-ins (scripts/gen_docs.py); do not edit by hand -->"
END = "<!-- END GENERATED: built-ins -->"


def _unique(table: Mapping[str, Builtin]) -> list[Builtin]:
    seen: dict[int, Builtin] = {}
    for builtin in table.values():
        seen.setdefault(id(builtin), builtin)
    return sorted(seen.values(), key=lambda b: b.name.lower())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(title: str, builtins: Iterable[Builtin], receiver: str | None) -> list[str]:
    lines = [f"### {title}", ""]
    for b in builtins:
        aliases = f" (also {', '.join(f'`{a}`' for a in b.aliases)})" if b.aliases else ""
        lines.append(f"#### `{b.name}`{aliases}")
        lines.append("")
        sig = b.signature if receiver is None else f"{receiver}.{b.signature}"
        lines.append(f"`{sig}`")
        lines.append("")
        lines.append(b.doc)
        lines.append("")
        if b.examples:
            lines.append("| example | result |")
            lines.append("|---|---|")
            for program, result in b.examples:
                lines.append(f"| `{_cell(program)}` | `{_cell(result)}` |")
            lines.append("")
    return lines


def render_reference(functions: Mapping[str, Builtin],
                     methods: Mapping[str, Mapping[str, Builtin]]) -> str:
    """The Markdown of the built-in reference, between the BEGIN and END markers."""
    lines = [
        BEGIN,
        "",
        "Examples run against the data below, in the timezone "
        f"`{EXAMPLE_TZ}`, with *now* frozen at `{EXAMPLE_NOW.isoformat()}`; "
        "every result shown is checked by the test suite.",
        "",
        "```json",
        _example_data(),
        "```",
        "",
    ]
    lines += _section("Functions (§6)", _unique(functions), None)
    titles = {"array": "Array methods (§7.1)", "string": "String methods (§7.2)",
              "object": "Object methods (§7.3)", "date": "Date methods (§7.4)"}
    for kind in ("array", "string", "object", "date"):
        lines += _section(titles[kind], _unique(methods[kind]), kind)
    lines.append(END)
    return "\n".join(lines)


def _example_data() -> str:
    return to_json(EXAMPLE_DATA, pretty=True)
