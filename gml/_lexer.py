"""The postlexer that turns raw newlines into statement separators (spec §3.1).

The lexer yields an ``_NL`` token for every newline that is not a continuation (continuation
lines are whitespace already, see the CONT terminal of grammar/gml.lark). This filter keeps
an ``_NL`` only where it can separate something:

* at the top level, between statements;
* directly inside ``{ }``, between entries of an object literal.

It drops newlines inside ``( )``, ``[ ]``, ``${ }`` and ``CASE … END``, at the start, after
another newline, and after a token that cannot end a statement (an operator, a comma, an
opening bracket, ``=``, ``=>``, ``?``, ``:``, ``...``), so ``a +`` at the end of a line
continues on the next. It never looks ahead: Lark's contextual lexer picks the next token's
terminals from the parser state, so reading ahead of the parser would lex in the wrong state.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token
from lark.lark import PostLex

__all__ = ["SeparatorFilter"]

_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE", "DOLLAR_LBRACE": "RBRACE",
            "CASE": "END"}
_CLOSERS = frozenset(_OPENERS.values())

# After these tokens a statement (or an object entry) cannot end.
_CONTINUES = frozenset({
    "COMMA", "ASSIGN", "COLON", "SPREAD", "ARROW", "QMARK", "QDOT", "DOT", "COALESCE", "OROR",
    "ANDAND", "EQ", "NE", "EQ3", "NE3", "LT", "LE", "GT", "GE", "PLUS", "MINUS", "STAR", "SLASH",
    "PERCENT", "BANG", "AND", "OR", "NOT", "IN", "LIKE", "_NL", *_OPENERS,
})


class SeparatorFilter(PostLex):
    """Drop the newlines that do not separate statements or object entries."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        stack: list[str] = []
        previous: str | None = None
        for token in stream:
            kind = token.type
            if kind == "_NL":
                if previous is None or previous in _CONTINUES:
                    continue
                if stack and stack[-1] != "LBRACE":
                    continue
            elif kind in _OPENERS:
                stack.append(kind)
            elif kind in _CLOSERS and stack and _OPENERS[stack[-1]] == kind:
                # A mismatched closer is left for the parser to report with its position.
                stack.pop()
            previous = kind
            yield token
