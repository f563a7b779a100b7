"""CQL text → AST: Lark (grammar/cql.lark, tables loaded from a cache) and one callback per rule.

Lark builds a parse tree with positions (``propagate_positions``); a separate, non-recursive
`Transformer` pass turns it into `stdlib.cql._ast` nodes (Lark's ``transformer=`` option would
drop the positions). Keywords are case-insensitive: the grammar lexes them as ``NAME`` and
`_Keywords`, a post-lexer, gives them their keyword type, so ``and``, ``And`` and ``AND`` are
one keyword while ``time`` and ``date`` stay ordinary field names.

Limits turn hostile text into `CqlError` (Q101) rather than a hang or a crash: at most
`MAX_LENGTH` characters, at most `MAX_NESTING` levels of ``( )``, ``!`` and function calls
(``&&``/``||`` chains are flat, so their length costs no depth), at most `MAX_DIGITS` digits
in a number. Every problem is a `CqlError` with the exact character range; Lark's errors
become messages that name what was expected, in words.

`parse` keeps the trees of the last `CACHE_SIZE` texts it parsed: trees are immutable, and a
flow sends the same few conditions over and over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache, lru_cache
from importlib.util import find_spec
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lark import PostLex
from lark.tree import Meta

from grammar import load_parser

from . import _ast as a
from ._errors import CqlError, fail

__all__ = ["CACHE_SIZE", "FUNCTIONS", "KEYWORDS", "MAX_DIGITS", "MAX_LENGTH", "MAX_NESTING",
           "parse"]

MAX_LENGTH = 10_000
"""Longest condition accepted (characters)."""

MAX_NESTING = 100
"""Deepest nesting of parentheses, ``!`` and function calls accepted."""

MAX_DIGITS = 100
"""Longest number literal accepted (digits)."""

CACHE_SIZE = 2048
"""How many parsed conditions `parse` keeps."""

FUNCTIONS: dict[str, int] = {"DATE": 1, "TIME": 1}
"""The functions CQL knows (GML's, evaluated when the SQL is built), with their most
arguments."""

KEYWORDS: dict[str, str] = {
    word: word for word in ("AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL", "TRUE", "FALSE")
}
"""Keyword spellings (upper case; matched in any case) and the terminals they become."""

_OPERATORS: dict[str, a.CompareOp] = {
    "EQ": "=", "NE": "!=", "GT": ">", "GE": ">=", "LT": "<", "LE": "<=",
}


class _Keywords(PostLex):
    """Gives a ``NAME`` token whose upper-case spelling is a keyword the keyword's type."""

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        for token in stream:
            if token.type == "NAME":
                keyword = KEYWORDS.get(token.value.upper())
                if keyword is not None:
                    token = Token.new_borrow_pos(keyword, token.value, token)
            yield token


@cache
def _lark() -> Lark:
    """The parser, its tables loaded from the per-user cache (`grammar.load_parser`).

    ``strict`` (no shift/reduce conflicts, no colliding terminals) needs ``interegular``
    when the tables are built, and nothing when they are loaded; without ``interegular``
    (an installation without dependencies) the parser is built without the checks, which
    tests/stdlib/test_cql.py makes anyway.
    """
    return load_parser(
        "cql.lark",
        parser="lalr",
        lexer="basic",
        postlex=_Keywords(),
        propagate_positions=True,
        maybe_placeholders=True,
        strict=find_spec("interegular") is not None,
    )


def parse(text: str) -> a.Expr:
    """Parse a CQL condition into its AST (cached by text).

    Raises:
        CqlError: Q101 with the exact character range, for text that is not CQL, longer than
            `MAX_LENGTH` characters or nested deeper than `MAX_NESTING` levels.
    """
    if len(text) > MAX_LENGTH:
        fail("Q101", f"the condition is {len(text):,} characters long; the limit is "
             f"{MAX_LENGTH:,}", MAX_LENGTH, len(text))
    return _parse(text)


@lru_cache(maxsize=CACHE_SIZE)
def _parse(text: str) -> a.Expr:
    if not text.strip():
        fail("Q101", "the condition is empty; write one such as status = 'paid' (or give no "
             "condition at all)", 0, len(text))
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    _check_nesting(tree)
    try:
        result: a.Expr = _ToAst().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, CqlError):
            raise error.orig_exc from None
        raise
    return result


def _check_nesting(tree: Tree[Token]) -> None:
    """Q101 when parentheses, ``!`` and calls nest deeper than `MAX_NESTING` (no recursion)."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in ("paren", "negation", "call"):
            depth += 1
            if depth > MAX_NESTING:
                fail("Q101", f"the condition is nested more than {MAX_NESTING} levels deep; "
                     "simplify it", node.meta.start_pos, node.meta.end_pos)
        stack.extend((child, depth) for child in node.children if isinstance(child, Tree))


# ---------------------------------------------------------------- syntax errors

_OPERAND_START = frozenset({"NAME", "PARAM", "STRING", "INT", "DECIMAL", "TRUE", "FALSE", "NULL"})
_CONDITION_START = _OPERAND_START | {"NOT", "LPAR"}
_PREDICATE_OPS = frozenset({"EQ", "NE", "GT", "GE", "LT", "LE", "IN", "LIKE", "IS"})
_DESCRIBE = {
    "AND": "'&&'", "OR": "'||'", "NOT": "NOT", "LPAR": "'('", "RPAR": "')'", "COMMA": "','",
    "PARAM": "a :parameter", "NAME": "a field name", "STRING": "a string", "INT": "a number",
    "DECIMAL": "a number", "TRUE": "true", "FALSE": "false", "NULL": "NULL", "IN": "IN",
    "LIKE": "LIKE", "IS": "IS", "EQ": "'='", "NE": "'!='", "GT": "'>'", "GE": "'>='",
    "LT": "'<'", "LE": "'<='", "OFFSET": "an offset such as -5m",
}


def _expected(names: Iterable[str]) -> str:
    wanted = set(names) - {"$END"}
    words: list[str] = []
    if wanted >= _CONDITION_START:
        wanted -= _CONDITION_START
        words.append("a condition such as status = 'paid'")
    elif wanted >= _OPERAND_START:
        offset = ", an offset such as -5m" if "OFFSET" in wanted else ""
        wanted -= _OPERAND_START | {"OFFSET"}
        words.append("a value (a string, a number, true, false, null, a :parameter, "
                     f"DATE(...){offset}) or a field")
    if wanted >= _PREDICATE_OPS:
        wanted -= _PREDICATE_OPS | {"NOT"}
        words.append("an operator (= != > >= < <= IN, NOT IN, LIKE, NOT LIKE, IS NULL, "
                     "IS NOT NULL)")
    words += sorted({_DESCRIBE.get(name, name.lower()) for name in wanted})
    if not words:
        return ""
    if len(words) == 1:
        return "; expected " + words[0]
    if len(words) == 2:
        return f"; expected {words[0]} or {words[1]}"
    return "; expected one of " + ", ".join(words)


def _syntax_error(error: UnexpectedInput, text: str) -> CqlError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        names = set(error.accepts or error.expected)
        hint = ""
        if names >= _PREDICATE_OPS:
            hint = "; a field or a value alone is not a condition: compare it, as in active = true"
        if token.type == "$END":
            end = len(text.rstrip())
            return CqlError("Q101", f"unexpected end of the condition{_expected(names)}{hint}",
                            end, end)
        start = token.start_pos if token.start_pos is not None else len(text)
        end = token.end_pos if token.end_pos is not None else start
        if token.type == "OFFSET":
            return CqlError("Q101", f"unexpected {str(token)!r}: an offset is a value only as "
                            f"the argument of DATE or TIME, as in TIME({token})", start, end)
        if token.type == "RPAR" and not names - {"$END", "AND", "OR"}:
            return CqlError("Q101", "unexpected ')': there is no '(' for it to close", start, end)
        return CqlError("Q101", f"unexpected {str(token)!r}{_expected(names)}{hint}", start, end)
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        if char in ("'", '"'):
            return CqlError("Q101", f"unterminated string; close it with {char}", pos, len(text))
        if char == ":":
            return CqlError("Q101", "':' must be followed by a parameter name, as in "
                            ":customerId", pos, pos + 1)
        if char in "&|":
            return CqlError("Q101", f"unexpected character {char!r}; write && (or AND) for "
                            "'and', || (or OR) for 'or'", pos, pos + 1)
        if char == "-":
            return CqlError("Q101", "unexpected '-': CQL has no arithmetic; a minus sign must "
                            "be followed by digits, as in -5", pos, pos + 1)
        return CqlError("Q101", f"unexpected character {char!r}", pos, pos + 1)
    if isinstance(error, UnexpectedEOF):  # pragma: no cover - LALR reports UnexpectedToken
        end = len(text.rstrip())
        return CqlError("Q101", f"unexpected end of the condition{_expected(error.expected)}",
                        end, end)
    return CqlError("Q101", str(error))  # pragma: no cover - no other subclass


# ---------------------------------------------------------------- the AST, rule by rule

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|u|[\s\S])")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}


def _span(meta: Meta) -> a.Span:
    return a.Span(meta.start_pos, meta.end_pos)


def _token_span(token: Token) -> a.Span:
    start = token.start_pos or 0
    return a.Span(start, token.end_pos if token.end_pos is not None else start)


def _unescape(token: Token) -> str:
    body = token.value[1:-1]
    if "\\" not in body:
        return str(body)
    offset = (token.start_pos or 0) + 1

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] == "u":
            if len(escape) == 1:
                fail("Q101", "\\u must be followed by four hexadecimal digits, as in \\u00e9",
                     offset + match.start(), offset + match.end())
            return chr(int(escape[1:], 16))
        return _SIMPLE_ESCAPES.get(escape, escape)

    return _ESCAPE.sub(replace, body)


def _digits(token: Token) -> str:
    text = str(token.value)
    if sum(ch.isdigit() for ch in text) > MAX_DIGITS:
        span = _token_span(token)
        fail("Q101", f"the number has more than {MAX_DIGITS} digits", span.start, span.end)
    return text


def _operands(children: Iterable[Any]) -> tuple[a.Operand, ...]:
    return tuple(child for child in children if isinstance(child, a.Operand))


# Every callback receives the rule's Lark meta (positions) and children: tokens (a `[X]` that
# did not match is None) and the nodes the callbacks of the children returned.


@v_args(meta=True)
class _ToAst(Transformer_NonRecursive[Token, Any]):
    """One short callback per grammar rule (grammar/cql.lark)."""

    def start(self, meta: Meta, c: list[Any]) -> a.Expr:
        result: a.Expr = c[0]
        return result

    # -- conditions

    def or_cond(self, meta: Meta, c: list[Any]) -> a.Or:
        return a.Or(tuple(c[::2]), span=_span(meta))

    def and_cond(self, meta: Meta, c: list[Any]) -> a.And:
        return a.And(tuple(c[::2]), span=_span(meta))

    def negation(self, meta: Meta, c: list[Any]) -> a.Not:
        return a.Not(c[1], span=_span(meta))

    def paren(self, meta: Meta, c: list[Any]) -> a.Expr:
        inner: a.Expr = c[1]  # ( condition ): the grouping is the tree's shape
        return inner

    def compare(self, meta: Meta, c: list[Any]) -> a.Compare:
        left, op, right = c
        return a.Compare(_OPERATORS[op.type], left, right, span=_span(meta))

    def in_list(self, meta: Meta, c: list[Any]) -> a.In:
        # left [NOT] IN ( v , v ... )
        return a.In(c[0], _operands(c[2:]), c[1] is not None, span=_span(meta))

    def in_param(self, meta: Meta, c: list[Any]) -> a.In:
        left, negated, _, param = c
        return a.In(left, param, negated is not None, span=_span(meta))

    def like(self, meta: Meta, c: list[Any]) -> a.Like:
        left, negated, _, pattern = c
        return a.Like(left, pattern, negated is not None, span=_span(meta))

    def is_null(self, meta: Meta, c: list[Any]) -> a.IsNull:
        operand, _, negated, _ = c
        return a.IsNull(operand, negated is not None, span=_span(meta))

    # -- operands

    def field(self, meta: Meta, c: list[Any]) -> a.Field:
        return a.Field(str(c[0]), span=_span(meta))

    def param(self, meta: Meta, c: list[Any]) -> a.Param:
        return a.Param(str(c[0])[1:], span=_span(meta))

    def call(self, meta: Meta, c: list[Any]) -> a.Call:
        name_token: Token = c[0]
        name = str(name_token).upper()
        span = _token_span(name_token)
        if name not in FUNCTIONS:
            fail("Q101", f"unknown function {str(name_token)!r}; CQL has "
                 + " and ".join(f"{f}(...)" for f in FUNCTIONS), span.start, span.end)
        args = _operands(c[2:])
        if len(args) > FUNCTIONS[name]:
            fail("Q101", f"{name} takes at most {FUNCTIONS[name]} argument, not {len(args)}",
                 meta.start_pos, meta.end_pos)
        for arg in args:
            if isinstance(arg, a.Field):
                fail("Q101", f"{name}'s argument must be a value (a string, a number, a "
                     f":parameter or a call), not the field {arg.name!r}; a column cannot be "
                     "read while the query is built", arg.span.start, arg.span.end)
        return a.Call(name, args, span=_span(meta))

    def offset(self, meta: Meta, c: list[Any]) -> a.Literal:
        # A bare offset spec (`TIME(-5m)`) is the string GML reads: `TIME('-5m')`.
        return a.Literal(str(c[0]), span=_span(meta))

    def string(self, meta: Meta, c: list[Any]) -> a.Literal:
        return a.Literal(_unescape(c[0]), span=_span(meta))

    def int(self, meta: Meta, c: list[Any]) -> a.Literal:
        return a.Literal(int(_digits(c[0])), span=_span(meta))

    def decimal(self, meta: Meta, c: list[Any]) -> a.Literal:
        return a.Literal(Decimal(_digits(c[0])), span=_span(meta))

    def true(self, meta: Meta, c: list[Any]) -> a.Literal:
        return a.Literal(True, span=_span(meta))

    def false(self, meta: Meta, c: list[Any]) -> a.Literal:
        return a.Literal(False, span=_span(meta))

    def null(self, meta: Meta, c: list[Any]) -> a.Literal:
        return a.Literal(None, span=_span(meta))
