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

Given a ``max_depth``, it also bounds the depth of the parse tree from the tokens it passes
on, and raises `MaybeTooDeep` at the end of the text when the bound exceeds ``max_depth``:
the parser then measures the tree itself (gml/_parser.py). The bound is exact for most
nesting and at most twice the depth (a chain of method calls or of `? :` counts two tokens
a level), so only programs nested far deeper than people write take that slow path.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token
from lark.lark import PostLex

__all__ = ["MaybeTooDeep", "SeparatorFilter"]

_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE", "DOLLAR_LBRACE": "RBRACE",
            "CASE": "END"}
_CLOSERS = frozenset(_OPENERS.values())

# After these tokens a statement (or an object entry) cannot end.
_CONTINUES = frozenset({
    "COMMA", "ASSIGN", "COLON", "SPREAD", "ARROW", "QMARK", "QDOT", "DOT", "COALESCE", "OROR",
    "ANDAND", "EQ", "NE", "EQ3", "NE3", "LT", "LE", "GT", "GE", "PLUS", "MINUS", "STAR", "SLASH",
    "PERCENT", "BANG", "AND", "OR", "NOT", "IN", "LIKE", "_NL", *_OPENERS,
})

# The depth bound. Brackets (the openers above) split the tokens into nested *groups*, and
# separators (a comma, a newline that is kept, and WHEN or ELSE directly inside CASE … END)
# split a group, and the whole text, into *segments*. In the parse tree of grammar/gml.lark:
#
# * every node owns a token that none of its children spans, except `start` (the root),
#   `expr_stmt` (alone in a segment of the top level) and `shorthand_field` (alone in a
#   segment of `{ }`);
# * the node that owns a bracket pair also owns the separators directly inside it, so below
#   it a path stays in one segment of the group (or leaves the group, as the object of
#   ``a.f(x)`` or the value of ``[k]: v`` does, back to the segment around it);
# * only leaves own nothing but names, literals and backticks (a template with children owns
#   the `${` of each).
#
# So the nodes of any path from the root are the root, a leaf, at most one `expr_stmt` or
# `shorthand_field` per segment the path enters, and nodes owning distinct tokens of those
# segments that are neither names, literals, backticks, closing brackets nor separators; an
# opening bracket counts in the segment around it. With
#   value(segment) = its counted tokens + the largest value(group) of its groups
#                    (+ 1 at the top level and in `{ }`), and
#   value(group)   = the largest value of its segments,
# the depth of the tree is at most 2 + value(the whole text). It is exact for nested
# parentheses, brackets, operators and templates.
_UNCOUNTED = frozenset({
    "NAME", "TEMP", "INT", "FLOAT", "STRING", "TRUE", "FALSE", "NULL", "THIS", "DOLLAR",
    "TEMPLATE_TEXT", "BACKTICK",
})


class MaybeTooDeep(Exception):
    """The parse tree may be nested deeper than the limit: measure the tree itself."""


class SeparatorFilter(PostLex):
    """Drop the newlines that do not separate statements or object entries.

    Args:
        max_depth: raise `MaybeTooDeep` at the end of a text whose parse tree may be deeper
            than this; None never raises.
    """

    always_accept = ("_NL",)

    def __init__(self, max_depth: int | None = None) -> None:
        self.max_depth = max_depth

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        stack: list[str] = []
        previous: str | None = None
        # For the depth bound: the value of the current segment so far, the largest value of
        # the groups closed in it, the largest value of the closed segments of the current
        # group, and the same three of every enclosing group.
        count, inner, best = 1, 0, 0
        outer: list[tuple[int, int, int]] = []
        for token in stream:
            kind = token.type
            if kind == "_NL":
                if previous is None or previous in _CONTINUES:
                    continue
                if stack and stack[-1] != "LBRACE":
                    continue
                best, count, inner = max(best, count + inner), 1, 0
            elif kind in _OPENERS:
                stack.append(kind)
                outer.append((count + 1, inner, best))
                count, inner, best = (1 if kind == "LBRACE" else 0), 0, 0
            elif kind in _CLOSERS and stack and _OPENERS[stack[-1]] == kind:
                # A mismatched closer is left for the parser to report with its position.
                stack.pop()
                value = max(best, count + inner)
                count, inner, best = outer.pop()
                inner = max(inner, value)
            elif kind == "COMMA":
                best, count, inner = max(best, count + inner), 0, 0
                if not stack or stack[-1] == "LBRACE":
                    count = 1
            elif kind in ("WHEN", "ELSE") and stack and stack[-1] == "CASE":
                best, count, inner = max(best, count + inner), 0, 0
            elif kind not in _UNCOUNTED:
                count += 1
            previous = kind
            yield token
        if self.max_depth is not None:
            while outer:  # unclosed groups: a syntax error, but bound the tree all the same
                value = max(best, count + inner)
                count, inner, best = outer.pop()
                inner = max(inner, value)
            if max(best, count + inner) + 2 > self.max_depth:
                raise MaybeTooDeep
