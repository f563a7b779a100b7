"""Offsets of YAML scalar values mapped back to the file text (compiler._textmap)."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from compiler._textmap import scalar_offsets

END = "END"  # probe: the exclusive end of the value
Path = tuple[str | int, ...]
Probe = str | int  # a substring of the value (its first character), an index, or END


def _node(text: str, path: Path) -> ScalarNode:
    node: Node = YAML(typ="rt").compose(text)
    for step in path:
        if isinstance(node, MappingNode):
            node = next(value for key, value in node.value if key.value == step)
        else:
            assert isinstance(node, SequenceNode) and isinstance(step, int)
            node = node.value[step]
    assert isinstance(node, ScalarNode)
    return node


def _offsets(text: str, node: ScalarNode) -> list[int]:
    return scalar_offsets(text, node.start_mark.index, node.end_mark.index, node.style, node.value)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of a file offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _index(value: str, probe: Probe) -> int:
    if probe == END:
        return len(value)
    if isinstance(probe, int):
        return probe if probe >= 0 else len(value) + probe
    assert probe in value, (probe, value)
    return value.index(probe)


CASES: list[tuple[str, str, Path, list[tuple[Probe, tuple[int, int]]]]] = [
    (
        "plain, one line",
        "a: x + 1\n",
        ("a",),
        [("x", (1, 4)), ("+", (1, 6)), ("1", (1, 8)), (END, (1, 9))],
    ),
    (
        "plain, several lines with an empty one",
        "key: first line\n  second  part\n\n  third\n",
        ("key",),
        [
            ("first", (1, 6)),
            (" second", (1, 16)),  # the folded line break: end of line 1
            ("second", (2, 3)),
            ("  part", (2, 9)),  # spaces inside a line are themselves
            ("part", (2, 11)),
            ("\nthird", (2, 15)),
            ("third", (4, 3)),
            (END, (4, 8)),
        ],
    ),
    (
        "single-quoted, tab inside",
        "a: 'x\t+ 1'\n",
        ("a",),
        [("\t", (1, 6)), ("+", (1, 7))],
    ),
    (
        "single-quoted with '' and a line break",
        "msg: 'it''s a\n   ''quote'''\n",
        ("msg",),
        [
            ("i", (1, 7)),
            ("'s", (1, 9)),
            ("s a", (1, 11)),
            ("a '", (1, 13)),
            (" 'q", (1, 14)),
            ("'quote", (2, 4)),
            ("quote", (2, 6)),
            (-1, (2, 11)),
            (END, (2, 13)),
        ],
    ),
    (
        "double-quoted escapes",
        'e: "a\\tb \\x41\\u00e9\\U0001F600 \\"q\\" \\\\"\n',
        ("e",),
        [
            ("a", (1, 5)),
            ("\t", (1, 6)),
            ("b", (1, 8)),
            ("A", (1, 10)),
            ("é", (1, 14)),
            ("😀", (1, 20)),
            ('"q', (1, 31)),
            ("q", (1, 33)),
            ("\\", (1, 37)),
            (END, (1, 39)),
        ],
    ),
    (
        "double-quoted, escaped line break, \\n escape, empty line, escaped space",
        'd: "one \\\n    two\\n\n\n  three\\ "\n',
        ("d",),
        [
            ("one", (1, 5)),
            (" two", (1, 8)),  # the space before the escaped line break
            ("two", (2, 5)),
            ("\n\n", (2, 8)),  # the \n escape
            ("\nthree", (2, 10)),  # the line break kept by folding the empty line
            ("three", (4, 3)),
            (-1, (4, 8)),  # the escaped space
            (END, (4, 10)),
        ],
    ),
    (
        "literal block nested in mappings",
        "flow:\n"
        "    node:\n"
        "        a:\n"
        "            with: |\n"
        "                x = 1\n"
        "                b = 2\n"
        "            next: 1\n",
        ("flow", "node", "a", "with"),
        [
            ("x", (5, 17)),
            ("= 1", (5, 19)),
            ("\nb", (5, 22)),
            ("b", (6, 17)),
            ("2", (6, 21)),
            (-1, (6, 22)),
            (END, (6, 22)),
        ],
    ),
    (
        "literal block |- with a header comment and empty lines",
        "a: |-  # header comment\n  line one\n\n  line two\n\n\nb: 2\n",
        ("a",),
        [
            ("line one", (2, 3)),
            ("one", (2, 8)),
            ("\n\n", (2, 11)),
            ("\nline two", (2, 11)),  # an empty line's break: end of the previous content
            ("line two", (4, 3)),
            ("two", (4, 8)),
            (END, (4, 11)),
        ],
    ),
    (
        "literal block |+ keeps trailing line breaks",
        "a: |+\n  x\n\n\nb: 1\n",
        ("a",),
        [(0, (2, 3)), (1, (2, 4)), (2, (2, 4)), (3, (2, 4)), (END, (2, 4))],
    ),
    (
        "literal block with tabs",
        "a: |\n  x\t= 1\n  \ty\n",
        ("a",),
        [("\t=", (2, 4)), ("=", (2, 5)), ("\ty", (3, 3)), ("y", (3, 4))],
    ),
    (
        "folded block",
        "a: >\n  one two\n  three\n\n  four\n    indented\n  five\n",
        ("a",),
        [
            ("two", (2, 7)),
            ("three", (3, 3)),
            ("four", (5, 3)),
            ("  indented", (6, 3)),
            ("indented", (6, 5)),
            ("five", (7, 3)),
            (END, (7, 7)),
        ],
    ),
    (
        "folded block >-",
        "a: >-\n  x\n  y\n",
        ("a",),
        [("x", (2, 3)), ("y", (3, 3)), (END, (3, 4))],
    ),
    (
        "explicit indentation indicator",
        "a: |2\n    indented\n  flush\n",
        ("a",),
        [(0, (2, 3)), ("indented", (2, 5)), ("flush", (3, 3)), (END, (3, 8))],
    ),
    (
        "explicit indentation indicator in a sequence",
        "list:\n- |1\n   x\n  y\n",
        ("list", 0),
        [(0, (3, 2)), ("x", (3, 4)), (" y", (4, 2)), ("y", (4, 3))],
    ),
    (
        "folded block with indicator and chomping, header comment",
        "k:\n  v: >2-   # c\n      more\n    flush\n",
        ("k", "v"),
        [(0, (3, 5)), ("more", (3, 7)), ("flush", (4, 5)), (END, (4, 10))],
    ),
    (
        "unicode",
        "a: é + 中文 + 😀\nb: |\n  中文 = 'é'\n",
        ("a",),
        [("é", (1, 4)), ("文", (1, 9)), ("😀", (1, 13)), (END, (1, 14))],
    ),
    (
        "unicode in a literal block",
        "a: é + 中文 + 😀\nb: |\n  中文 = 'é'\n",
        ("b",),
        [("中", (3, 3)), ("=", (3, 6)), ("é", (3, 9)), (END, (3, 11))],
    ),
    (
        "flow sequence, plain",
        "steps: [a + 1, 'b''c', \"d\\n\", {k: x.y}]\n",
        ("steps", 0),
        [("+", (1, 11)), (END, (1, 14))],
    ),
    (
        "flow sequence, single-quoted",
        "steps: [a + 1, 'b''c', \"d\\n\", {k: x.y}]\n",
        ("steps", 1),
        [("b", (1, 17)), ("'", (1, 18)), ("c", (1, 20)), (END, (1, 21))],
    ),
    (
        "flow sequence, double-quoted",
        "steps: [a + 1, 'b''c', \"d\\n\", {k: x.y}]\n",
        ("steps", 2),
        [("d", (1, 25)), ("\n", (1, 26)), (END, (1, 28))],
    ),
    (
        "flow mapping inside a flow sequence",
        "steps: [a + 1, 'b''c', \"d\\n\", {k: x.y}]\n",
        ("steps", 3, "k"),
        [("x", (1, 35)), ("y", (1, 37)), (END, (1, 38))],
    ),
    (
        "multi-line flow mapping",
        "m: {k: one\n      two, j: 'x\n   y'}\n",
        ("m", "j"),
        [("x", (2, 16)), (" ", (2, 17)), ("y", (3, 4)), (END, (3, 5))],
    ),
    (
        "tag and anchor before a block scalar",
        "a: &x !!str |\n  v\n",
        ("a",),
        [("v", (2, 3)), (END, (2, 4))],
    ),
    (
        "tag before a quoted scalar",
        "a: !!str 'v'\n",
        ("a",),
        [("v", (1, 11)), (END, (1, 12))],
    ),
    (
        "CRLF line breaks",
        "a: |\r\n  x\r\n  y\r\n",
        ("a",),
        [("x", (2, 3)), ("\n", (2, 4)), ("y", (3, 3))],
    ),
    ("empty single-quoted", "a: ''\n", ("a",), [(END, (1, 5))]),
    # ruamel places an empty plain scalar at the start of the next token
    ("empty plain", "a:\nb: 1\n", ("a",), [(END, (2, 1))]),
]


@pytest.mark.parametrize(
    ("text", "path", "probes"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_offsets(text: str, path: Path, probes: list[tuple[Probe, tuple[int, int]]]) -> None:
    node = _node(text, path)
    offsets = _offsets(text, node)
    assert len(offsets) == len(node.value) + 1
    got = {probe: _line_col(text, offsets[_index(node.value, probe)]) for probe, _ in probes}
    assert got == dict(probes)


def test_empty_literal_block_at_end_of_file() -> None:
    text = "a: |-"
    node = _node(text, ("a",))
    assert _offsets(text, node) == [5]


def test_bad_input_does_not_raise() -> None:
    # a value that does not match the text: the rest maps to the last known offset
    assert scalar_offsets("a: xyz\n", 3, 6, None, "xqz!") == [3, 4, 4, 4, 4]
    assert scalar_offsets("a: |\n  x\n", 3, 9, "|", "y\n") == [5, 5, 5]
    assert scalar_offsets("", 0, 0, '"', "abc") == [0, 0, 0, 0]
    assert scalar_offsets('"\\x4', 0, 4, '"', "\\x4") == [1, 2, 3, 4]


# -- property: dump random values in every style, map them back ------------------------------

_ALPHABET = "abcxyz0129 =+-.,:'\"#\\{}[]|>&*!%@`?\n\té中😀"
_PLAIN_ALPHABET = "abxyz01 =+.é中😀"
_STYLES: list[Any] = [
    str,
    SingleQuotedScalarString,
    DoubleQuotedScalarString,
    LiteralScalarString,
    FoldedScalarString,
]


def _dump(value: str, style: Any, indent: int, width: int) -> str:
    yaml = YAML(typ="rt")
    yaml.width = width  # a small width makes ruamel fold long plain and quoted scalars
    yaml.indent(mapping=indent, sequence=indent + 2, offset=indent)
    stream = io.StringIO()
    document = {"flow": {"node": [{"a": {"with": style(value)}}]}}
    yaml.dump(document, stream)
    return stream.getvalue()


@settings(max_examples=150)
@given(
    value=st.text(alphabet=_ALPHABET, max_size=120)
    | st.text(alphabet=_PLAIN_ALPHABET, max_size=120),  # more likely to be dumped plain
    style=st.sampled_from(_STYLES),
    indent=st.sampled_from([2, 4]),
    width=st.sampled_from([12, 30, 80]),
)
def test_dumped_values_map_back(value: str, style: Any, indent: int, width: int) -> None:
    try:
        text = _dump(value, style, indent, width)
    except Exception:  # a style ruamel cannot emit for this value
        assume(False)
    node = _node(text, ("flow", "node", 0, "a", "with"))
    start, end, got = node.start_mark.index, node.end_mark.index, node.value
    offsets = _offsets(text, node)
    assert len(offsets) == len(got) + 1
    assert all(a <= b for a, b in itertools.pairwise(offsets))
    assert all(start <= offset <= end for offset in offsets)
    for i, char in enumerate(got):
        if char.isspace() or char == "\x07":
            continue
        found = text[offsets[i]]
        if node.style == '"' and found == "\\":
            continue  # produced by an escape
        assert found == char, (i, char, offsets[i], text)
    for i, char in enumerate(got):
        if char.isspace() and offsets[i] < len(text):
            found = text[offsets[i]]
            # a space or line break maps to white space, or just after the last content
            # character of a line (a line break, an escape, or a closing quote)
            assert found.isspace() or found in "\\'\"", (i, char, offsets[i], text)
