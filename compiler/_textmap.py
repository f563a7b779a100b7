"""Map offsets of a YAML scalar's value back to offsets in the file text.

GML expressions live inside YAML scalars, so a diagnostic produced by the GML front end is
located at an offset of the scalar's *value* (the Python string the YAML loader produced).
To show it at the right line and column of the FDL file, :func:`scalar_offsets` computes,
for every position of the value, the offset of the file character it came from.

Approach (one linear pass over the scalar's source, one over the value):

1. **Tokenise the source into units.** Each unit is ``(char, offset, end)``: the character
   it contributes to the value and the file span ``[offset, end)`` that produced it.

   * Node properties (``!tag``, ``&anchor``) that ruamel includes in the node's start mark
     are skipped, as are the quotes of quoted scalars and the header line (``|-``, ``>2+``,
     possibly with a comment) of block scalars.
   * Double-quoted escapes yield one unit located at their backslash (``\\x41`` -> ``A``);
     an escaped line break yields nothing.  In single-quoted style ``''`` yields one ``'``
     located at the first quote.
   * Flow scalars (plain and quoted) drop the leading white space of continuation lines and
     the (unescaped) trailing white space before a line break, as YAML line folding does.
   * Block scalars strip the content indentation.  The indentation is inferred from the
     first non-blank content line and the value itself (leading spaces of that line in the
     file minus those in the value), which covers auto-detection and explicit indentation
     indicators alike without knowing the parent node's indentation.
   * Every (unescaped) line break yields a zero-width *break unit* located at the end of the
     preceding content (just after the last character of the last non-blank line).

2. **Align the value with the units.** Non-white-space value characters must equal the next
   non-white-space unit.  A run of white space in the value absorbs the run of white-space
   units in the source: exact matches (a space inside a line, a kept line break) map to their
   unit, a space produced by folding maps to the break it replaces, a kept newline maps to the
   next break unit, and anything left over maps to the end of the previous unit.  ruamel's
   round-trip loader marks fold points of folded scalars with ``\\a`` (BEL); such markers
   are treated as zero-width white space.  Folding and chomping therefore never need to be
   re-implemented exactly.

If the alignment fails (which should not happen for input ruamel accepts), the remaining value
positions map to the last known offset, so the result is always monotonic and the function
never raises.
"""

from __future__ import annotations

__all__ = ["scalar_offsets"]

_BREAKS = "\r\n\x85\u2028\u2029"
_FOLD_MARK = "\x07"
_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _is_ws(char: str) -> bool:
    return char.isspace() or char == _FOLD_MARK


class _Units:
    """The units of a scalar's source, as parallel lists (see the module docstring)."""

    __slots__ = ("chars", "ends", "offsets")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self.ends: list[int] = []

    def add(self, char: str, offset: int, end: int) -> None:
        self.chars.append(char)
        self.offsets.append(offset)
        self.ends.append(end)

    def add_literal(self, text: str, start: int, end: int) -> None:
        """One unit per character of ``text[start:end]``."""
        self.chars.extend(text[start:end])
        self.offsets.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))


def scalar_offsets(text: str, start: int, end: int, style: str | None, value: str) -> list[int]:
    """File offsets of every position of a scalar's value.

    text: the whole file; start/end: the scalar node's start_mark.index / end_mark.index as
    given by ruamel.yaml's composer (YAML(typ='rt').compose(text)); style: the node's style
    (None for plain, "'", '"', '|', '>'); value: the node's value.
    Returns a list of len(value) + 1 ints: result[i] is the file offset of value[i]; the last
    entry is the offset just after the last character (the exclusive end).
    """
    start = min(max(start, 0), len(text))
    end = min(max(end, start), len(text))
    units = _Units()
    origin = start
    try:
        origin = _tokenise(text, start, end, style, value, units)
    except Exception:  # pragma: no cover - defensive: a diagnostic must never crash
        units = _Units()
    result = _align(value, units, origin)
    if result[0] < start or result[-1] > end:  # pragma: no cover - the result is monotonic
        result = [min(max(offset, start), end) for offset in result]
    return result


def _tokenise(text: str, start: int, end: int, style: str | None, value: str, units: _Units) -> int:
    """Fill ``units`` for the scalar at ``text[start:end]``; return where its content starts."""
    pos = _skip_properties(text, start, end)
    if style in ("'", '"'):
        if pos < end and text[pos] == style:
            pos += 1
            stop = end - 1 if end - 1 >= pos and text[end - 1] == style else end
        else:
            stop = end
        _flow_units(text, pos, stop, style, units)
        return pos
    if style in ("|", ">"):
        return _block_units(text, pos, end, value, units)
    _flow_units(text, pos, end, None, units)
    return pos


def _skip_properties(text: str, pos: int, end: int) -> int:
    """Skip a tag and/or anchor (and white space or comments after them) before the scalar."""
    while pos < end:
        char = text[pos]
        if char in " \t" or char in _BREAKS:
            pos += 1
        elif char == "#":
            while pos < end and text[pos] not in _BREAKS:
                pos += 1
        elif char in "!&":
            if text.startswith("!<", pos):
                close = text.find(">", pos, end)
                pos = close + 1 if close >= 0 else end
            else:
                while pos < end and text[pos] not in " \t,[]{}" and text[pos] not in _BREAKS:
                    pos += 1
        else:
            break
    return pos


def _break_end(text: str, pos: int) -> int:
    """The offset after the line break starting at ``pos`` (``\\r\\n`` counts as one)."""
    return pos + 2 if text.startswith("\r\n", pos) else pos + 1


def _break_char(char: str) -> str:
    """The character YAML produces for a line break (``\\r``, ``\\n``, NEL -> ``\\n``)."""
    return char if char in "\u2028\u2029" else "\n"


def _flow_units(text: str, pos: int, stop: int, style: str | None, units: _Units) -> None:
    """Units of a plain or quoted scalar's content ``text[pos:stop]``."""
    double = style == '"'
    single = style == "'"
    last_end = pos
    first_line = True
    while True:
        if not first_line:
            while pos < stop and text[pos] in " \t":
                pos += 1
        # (char, offset, end, literal) of this line
        line: list[tuple[str, int, int, bool]] = []
        escaped_break = False
        while pos < stop:
            char = text[pos]
            if char in _BREAKS:
                break
            if double and char == "\\" and pos + 1 < stop:
                nxt = text[pos + 1]
                if nxt in _BREAKS:
                    escaped_break = True
                    pos += 1
                    break
                if nxt in _ESCAPES:
                    line.append((_ESCAPES[nxt], pos, pos + 2, False))
                    pos += 2
                    continue
                width = _HEX_ESCAPES.get(nxt)
                if width is not None:
                    digits = text[pos + 2 : pos + 2 + width]
                    if len(digits) == width and all(d in _HEX_DIGITS for d in digits):
                        code = int(digits, 16)
                        if code <= 0x10FFFF:
                            line.append((chr(code), pos, pos + 2 + width, False))
                            pos += 2 + width
                            continue
            elif single and char == "'" and pos + 1 < stop and text[pos + 1] == "'":
                line.append(("'", pos, pos + 2, False))
                pos += 2
                continue
            line.append((char, pos, pos + 1, True))
            pos += 1
        at_break = pos < stop
        if at_break and not escaped_break:
            # folding drops the white space before a line break (but not escaped white space)
            while line and line[-1][3] and line[-1][0] in " \t":
                line.pop()
        for char, offset, unit_end, _literal in line:
            units.add(char, offset, unit_end)
        if line:
            last_end = line[-1][2]
        if not at_break:
            return
        if not escaped_break:
            units.add(_break_char(text[pos]), last_end, last_end)
        pos = _break_end(text, pos)
        first_line = False


def _block_units(text: str, pos: int, end: int, value: str, units: _Units) -> int:
    """Units of a literal or folded block scalar whose header starts at ``pos``."""
    while pos < end and text[pos] not in _BREAKS:
        pos += 1
    if pos >= end:
        return end
    content = _break_end(text, pos)
    # the content lines: (start, end of content, start of the next line or None at the end)
    lines: list[tuple[int, int, int | None]] = []
    line_start = content
    while line_start < end:
        cursor = line_start
        while cursor < end and text[cursor] not in _BREAKS:
            cursor += 1
        if cursor < end:
            lines.append((line_start, cursor, _break_end(text, cursor)))
            line_start = _break_end(text, cursor)
        else:
            lines.append((line_start, cursor, None))
            break
    indent = _block_indent(text, lines, value)
    last_end = min(content, end)
    for line_start, line_end, next_start in lines:
        cursor = line_start
        limit = min(line_start + indent, line_end)
        while cursor < limit and text[cursor] == " ":
            cursor += 1
        units.add_literal(text, cursor, line_end)
        if line_end > cursor:
            last_end = line_end
        if next_start is not None:
            units.add(_break_char(text[line_end]), last_end, last_end)
    return min(content, end)


def _block_indent(text: str, lines: list[tuple[int, int, int | None]], value: str) -> int:
    """The content indentation of a block scalar, inferred from the file and the value."""

    def leading_spaces(line_start: int, line_end: int) -> int:
        cursor = line_start
        while cursor < line_end and text[cursor] == " ":
            cursor += 1
        return cursor - line_start

    first = next(
        (
            (line_start, line_end)
            for line_start, line_end, _ in lines
            if any(text[i] not in " \t" for i in range(line_start, line_end))
        ),
        None,
    )
    char_at = next((i for i, char in enumerate(value) if not _is_ws(char)), None)
    if first is None or char_at is None:
        # only blank lines: behave like auto-detection (the longest run of leading spaces)
        return max((leading_spaces(s, e) for s, e, _ in lines), default=0)
    in_file = leading_spaces(*first)
    line_begin = char_at
    while line_begin > 0 and value[line_begin - 1] not in _BREAKS:
        line_begin -= 1
    segment = value[line_begin:char_at]
    in_value = len(segment) - len(segment.lstrip(" "))
    return min(max(in_file - in_value, 0), in_file)


def _align(value: str, units: _Units, origin: int) -> list[int]:
    """Walk the value and the units in order (see the module docstring)."""
    chars, offsets, ends = units.chars, units.offsets, units.ends
    count = len(chars)
    size = len(value)
    result = [0] * (size + 1)
    cursor = origin  # the end of the last consumed unit
    i = j = 0
    while i < size:
        char = value[i]
        run_end = j
        while run_end < count and _is_ws(chars[run_end]):
            run_end += 1
        if not _is_ws(char):
            j = run_end
            if j < count and chars[j] == char:
                result[i] = offsets[j]
                cursor = ends[j]
                i += 1
                j += 1
                continue
            # alignment failed: map the rest monotonically to the last known offset
            for rest in range(i, size):
                result[rest] = cursor
            break
        while i < size and _is_ws(value[i]):
            char = value[i]
            if j < run_end and chars[j] == char:
                result[i] = offsets[j]
                cursor = ends[j]
                j += 1
            elif char == _FOLD_MARK:
                result[i] = offsets[j] if j < run_end else cursor
            elif char in _BREAKS:
                found = j
                while found < run_end and chars[found] not in _BREAKS:
                    found += 1
                if found < run_end:
                    j = found
                    result[i] = offsets[j]
                    cursor = ends[j]
                    j += 1
                else:
                    result[i] = cursor
            elif j < run_end:
                result[i] = offsets[j]
                cursor = ends[j]
                j += 1
            else:
                result[i] = cursor
            i += 1
        j = run_end
    result[size] = cursor
    return result
