"""Text → AST: the Lark parser (loaded once) whose rule callbacks build `gml.nodes`.

The AST is built while parsing: one `_ToAst` method per grammar rule is called as the rule
is reduced (Lark's ``transformer=`` option, LALR), so no parse tree is built and nothing
walks one afterwards. The LALR loop is our own (`gml._lalr.Driver`, which relies on Lark's
internals), over Lark's tables, lexer and callbacks: Lark's generic loop costs more than the
rest of the parse. The tables are built once per user and then loaded from a cache file
(`grammar.load_parser`). Callbacks get no positions (``propagate_positions`` is off), so
each node's span runs from its first child's start to its last child's end: tokens carry
their offsets, nodes their spans. Two cases need care. A parenthesised expression is the
inner node with its inner span, but it reaches its parent wrapped in a `_Paren` whose span
includes the parentheses, so that the parent's span does too. And the newline that ends a
program is part of the program's span although Lark drops ``_NL`` tokens: ``!_sep`` in the
grammar keeps it.

Errors come in the order of a parse followed by a walk of the tree: a syntax error anywhere,
then a program nested more than `MAX_SYNTAX_DEPTH` levels deep (G306), then the first
problem a callback finds (children before parents, left to right). While parsing, a callback
cannot know whether a syntax error follows, and the depth is not measured: the postlexer
bounds it from the tokens (gml/_lexer.py) and raises when the bound exceeds the limit. So
when a callback raises, or the bound does, `parse` starts again on the slow path: a parse
tree (Lark's loop), its depth measured without recursion, then the same callbacks run over
the tree. Only wrong or very deeply nested programs take it. A syntax error found by our
loop is raised by Lark's loop, parsing again; Lark's errors become `GmlSyntaxError` (G101)
with a message naming what was expected, in words.

`parse` keeps the programs of the last 4,096 short texts it parsed: the AST is immutable,
and a flow repeats many small programs.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NoReturn

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from grammar import load_parser

from . import nodes as n
from ._errors import GmlError, GmlLimitError, GmlSyntaxError
from ._lalr import NOT_PARSED, Driver
from ._lexer import SeparatorFilter
from ._source import Span

__all__ = ["KEYWORDS", "MAX_SOURCE_LENGTH", "MAX_SYNTAX_DEPTH", "parse"]

KEYWORDS = frozenset(
    "true false null this CASE WHEN THEN ELSE END AND OR NOT IN LIKE".split()
)

MAX_SOURCE_LENGTH = 1_000_000
"""Longest GML text accepted (characters); longer text is G306."""

MAX_INT_DIGITS = 1000
"""Longest integer literal accepted (digits); longer is G306 (Python's int() has a limit too)."""

MAX_SYNTAX_DEPTH = 150
"""Deepest nesting of expressions accepted; deeper programs are G306, not a stack overflow."""

_OPERATORS: dict[str, n.BinaryOp] = {
    "OROR": "||", "OR": "||", "COALESCE": "??", "ANDAND": "&&", "AND": "&&", "EQ": "==",
    "EQ3": "==", "NE": "!=", "NE3": "!=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">=",
    "IN": "in", "LIKE": "like", "PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/",
    "PERCENT": "%",
}
_UNARY: dict[str, n.UnaryOp] = {"BANG": "!", "NOT": "!", "MINUS": "-", "PLUS": "+"}

# How terminals are named in "expected ..." messages.
_DESCRIBE = {
    "NAME": "a name", "TEMP": "a $temporary", "INT": "a number", "FLOAT": "a number",
    "STRING": "a string", "TEMPLATE_TEXT": "template text", "_NL": "a new line",
    "$END": "the end of the program", "DOLLAR": "'$'",
}

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|u|[\s\S])")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_WORD = re.compile(r"\w+|\S")


@cache
def _lark() -> Lark:
    """The parser that builds the AST as it parses (the fast path); its tables come from
    the per-user cache (`grammar.load_parser`)."""
    return load_parser(
        "gml.lark",
        parser="lalr",
        lexer="contextual",
        postlex=SeparatorFilter(max_depth=MAX_SYNTAX_DEPTH),
        transformer=_ToAst(),
        maybe_placeholders=False,
    )


@cache
def _tree_lark() -> Lark:
    """The same parser building a parse tree (the slow path), without its depth bound.

    Loaded from the fast parser's tables rather than analysing the grammar again.
    """
    buffer = io.BytesIO()
    _lark().save(buffer, exclude_options=("transformer",))
    buffer.seek(0)
    lark = Lark.load(buffer)
    postlex = lark.options.postlex
    assert isinstance(postlex, SeparatorFilter)
    postlex.max_depth = None
    return lark


@cache
def _driver() -> Driver | None:
    """Our LALR loop over `_lark`'s tables, or None when Lark's internals have changed."""
    try:
        return Driver(_lark())
    except Exception:  # pragma: no cover - another version of Lark: use its own loop
        return None


@cache
def terminal_patterns() -> dict[str, str]:
    """Literal spellings of the grammar's string terminals (for error messages)."""
    return {t.name: t.pattern.value for t in _lark().terminals if t.pattern.type == "str"}


def parse(text: str) -> n.Program:
    """Parse GML text into a `Program`.

    The AST is immutable, so the same text gives the same `Program` object: the last 4,096
    programs of up to 500 characters are kept (a flow has many small programs, often the
    same ones; longer texts are rarer and would make the cache big).

    Raises:
        GmlSyntaxError: G101 for anything that is not GML.
        GmlLimitError: G306 for text that is too long or nested too deeply.
    """
    if len(text) <= _CACHED_LENGTH:
        return _parse_cached(text)
    return _parse(text)


def clear_cache() -> None:
    """Forget the programs `parse` keeps (for measuring cold parses)."""
    _parse_cached.cache_clear()


def _parse(text: str, *, relocate: bool = True) -> n.Program:
    if len(text) > MAX_SOURCE_LENGTH:
        raise GmlLimitError(
            f"the program is {len(text)} characters long; the limit is {MAX_SOURCE_LENGTH}",
            Span(0, 0),
        )
    try:
        driver = _driver()
        program: Any = NOT_PARSED if driver is None else driver.parse(text)
        if program is NOT_PARSED:  # Lark's own loop, which raises the syntax error
            program = _lark().parse(text)
    except UnexpectedInput as error:
        error_here = _syntax_error(error, text)
        raise (_on_its_line(error_here, text) if relocate else error_here) from None
    except Exception:
        # A callback failed (a GmlError, mostly), or the postlexer's `MaybeTooDeep`: which
        # error comes first needs the whole parse (a later syntax error wins) and the tree's
        # depth, so start again on the slow path, which reports every error as it always has.
        program = _parse_tree(text, relocate=relocate)
    assert isinstance(program, n.Program)
    return program


_CACHED_LENGTH = 500
# Errors are not kept: an exception leaves nothing in the cache.
_parse_cached = lru_cache(maxsize=4_096)(_parse)


def _parse_tree(text: str, *, relocate: bool = True) -> n.Program:
    """The slow path: parse to a tree, check its depth, then build the AST from it."""
    try:
        tree = _tree_lark().parse(text)
    except UnexpectedInput as error:
        error_here = _syntax_error(error, text)
        raise (_on_its_line(error_here, text) if relocate else error_here) from None
    _check_depth(tree)
    try:
        program = _ToAst(visit_tokens=False).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, GmlError):
            raise error.orig_exc from None
        raise
    assert isinstance(program, n.Program)
    return program


def _check_depth(tree: Tree[Any]) -> None:
    stack: list[tuple[Tree[Any], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SYNTAX_DEPTH:
            raise GmlLimitError(
                f"expressions are nested more than {MAX_SYNTAX_DEPTH} levels deep",
                _tree_span(node),
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def _tree_span(tree: Tree[Any]) -> Span:
    """From the start of a tree's first token to the end of its last."""
    first: Any = tree
    while isinstance(first, Tree):
        first = first.children[0]
    last: Any = tree
    while isinstance(last, Tree):
        last = last.children[-1]
    return Span(first.start_pos, last.end_pos)


# ---------------------------------------------------------------- syntax errors


def _describe(name: str) -> str:
    if name in _DESCRIBE:
        return _DESCRIBE[name]
    spelling = terminal_patterns().get(name)
    return f"'{spelling}'" if spelling is not None else name.lower()


_EXPRESSION_START = frozenset({
    "NAME", "INT", "FLOAT", "STRING", "TRUE", "FALSE", "NULL", "THIS", "TEMP", "DOLLAR", "LPAR",
    "LSQB", "LBRACE", "BACKTICK", "CASE", "BANG", "NOT", "MINUS", "PLUS",
})
_BINARY = frozenset(_OPERATORS) | {"QMARK", "DOT", "QDOT", "LSQB"}


def _expected(names: Iterable[str]) -> str:
    wanted = {name for name in names if name not in ("CONT", "WS", "COMMENT")}
    summary = []
    if len(wanted & _EXPRESSION_START) > 8:
        wanted -= _EXPRESSION_START
        summary.append("an expression")
    if len(wanted & _BINARY) > 8:
        wanted -= _BINARY | {"NOT", "LPAR"}
        summary.append("an operator")
    words = summary + sorted({_describe(name) for name in wanted})
    if not words:
        return ""
    if len(words) > 8:
        words = [*words[:8], "…"]
    return "; expected " + (words[0] if len(words) == 1 else "one of " + ", ".join(words))


def _syntax_error(error: UnexpectedInput, text: str) -> GmlSyntaxError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = _expected(error.accepts or error.expected)
        if token.type == "$END":
            return GmlSyntaxError(f"unexpected end of the program{expected}", _end_span(text))
        start = token.start_pos if token.start_pos is not None else len(text)
        end = token.end_pos if token.end_pos is not None else start
        what = "a line break" if token.type == "_NL" else repr(str(token))
        if token.type == "_NL":
            end = min(start + 1, len(text))
        elif token.type == "TEMPLATE_TEXT" and token.start_pos is not None:
            # Lexed by the fallback lexer outside a template: show the offending word only.
            if text[start] in "'\"":
                return GmlSyntaxError(
                    f"unterminated string; close it with {text[start]}", Span(start, len(text)))
            word = _WORD.match(text, start)
            end = word.end() if word else start + 1
            what = repr(text[start:end])
        return GmlSyntaxError(f"unexpected {what}{expected}", Span(start, max(end, start)))
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        if char in "'\"`":
            return GmlSyntaxError("unterminated string or template; close it with " + char,
                                  Span(pos, len(text)))
        expected = _expected(error.allowed or ())
        return GmlSyntaxError(f"unexpected character {char!r}{expected}", Span(pos, pos + 1))
    if isinstance(error, UnexpectedEOF):
        return GmlSyntaxError(f"unexpected end of the program{_expected(error.expected)}",
                              _end_span(text))
    return GmlSyntaxError(str(error), Span(0, 0))  # pragma: no cover - no other subclass


def _on_its_line(error: GmlSyntaxError, text: str) -> GmlSyntaxError:
    """The error where the problem is: when a line is left incomplete (``customer.`` or an
    unclosed ``[`` at its end) the parser only fails on a later line, which would be
    complete by itself. Then the error is the end of the incomplete line, as the text up
    to that line's end reports it.

    Only syntax errors go through here (a slower path: it parses parts of the text again,
    at most three times, without moving their own errors: no recursion).
    """
    if error.span is None:
        return error
    start = error.span.start
    line_start = text.rfind("\n", 0, start) + 1
    closing = not text[line_start:start].strip() and text[start:start + 1] in ")]}"
    if line_start == 0 or closing:
        return error  # on the first line, or a closing bracket starting its line
    # The last line before the error's that holds something other than blanks or a comment.
    end = line_start - 1
    while end > 0:
        previous = text.rfind("\n", 0, end) + 1
        if text[previous:end].strip() and not text[previous:end].lstrip().startswith("#"):
            break
        end = previous - 1
    if end <= 0:
        return error
    line_end = text.find("\n", start)
    line = text[line_start:len(text) if line_end < 0 else line_end]
    if not _parses(line) and not _parses(text[line_start:]):
        return error  # the error's own line is wrong: it stays there
    try:
        _parse(text[:end], relocate=False)
    except GmlSyntaxError as earlier:
        if earlier.span is not None and earlier.span.start >= len(text[:end].rstrip()):
            return GmlSyntaxError(
                earlier.message.replace("end of the program", "end of the line"), earlier.span)
    except GmlError:
        pass
    return error


def _parses(text: str) -> bool:
    try:
        _parse(text, relocate=False)
    except GmlError:
        return False
    return True


def _end_span(text: str) -> Span:
    """Just after the last character that is not blank (or a comment-only line)."""
    lines = text.rstrip().split("\n")
    while len(lines) > 1 and lines[-1].lstrip().startswith("#"):
        lines.pop()
    end = len("\n".join(lines).rstrip())
    return Span(end, end)


def fail(message: str, span: Span) -> NoReturn:
    """Raise the G101 syntax error every transformer check goes through."""
    raise GmlSyntaxError(message, span)


# ---------------------------------------------------------------- the AST, rule by rule


def _token_span(token: Token) -> Span:
    start = token.start_pos or 0
    return Span(start, token.end_pos if token.end_pos is not None else start)


def _unescape(body: str, span: Span) -> str:
    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] == "u":
            if len(escape) == 1:
                fail("\\u must be followed by four hexadecimal digits",
                     Span(span.start + match.start(), span.start + match.end() + 4))
            return chr(int(escape[1:], 16))
        return _SIMPLE_ESCAPES.get(escape, escape)

    return _ESCAPE.sub(replace, body) if "\\" in body else body


def _name(token: Token) -> str:
    if token.value in KEYWORDS:
        fail(f"'{token.value}' is a keyword and cannot be used as a name", _token_span(token))
    return str(token.value)


def _params(expr: n.Expr) -> tuple[str, ...]:
    if isinstance(expr, n.Name):
        return (expr.name,)
    if isinstance(expr, _Params):
        return expr.names
    fail("a lambda's parameters must be a name or a list of names in parentheses", expr.span)


@dataclass(frozen=True, slots=True)
class _Params(n.Expr):
    """``(a, b)`` or ``()``: valid only before ``=>`` (a "cover grammar", as in JavaScript)."""

    names: tuple[str, ...]


class _Paren:
    """``(expr)`` on its way to its parent: the expression, and a span with the parentheses.

    The AST keeps the inner expression with its own span; the parent's span starts or ends
    at the parenthesis. `_check` and `_unwrap` take the expression out.
    """

    __slots__ = ("expr", "span")

    def __init__(self, expr: Any, span: Span) -> None:
        self.expr = expr
        self.span = span


def _unwrap(value: Any) -> Any:
    return value.expr if type(value) is _Paren else value


def _check(expr: Any) -> Any:
    """The expression a child stands for; a parenthesised name list used as a value (it is
    only valid before ``=>``) is an error."""
    if type(expr) is _Paren:
        expr = expr.expr
    if type(expr) is _Params:
        fail("a list in parentheses is only allowed as lambda parameters: `(a, b) => …`",
             expr.span)
    return expr


# Every callback receives the rule's children as Lark keeps them (tokens whose name starts
# with `_` are dropped, `?rule`s with one child are that child) and returns the node, or a
# `_Params` / `_Paren` that only a parent uses. Spans run from the first child's start to
# the last child's end: ``c[0].start_pos`` for a token, ``c[0].span.start`` for a node.


class _ToAst(Transformer[Token, Any]):
    """One short callback per grammar rule (grammar/gml.lark)."""

    # -- programs

    def start(self, c: list[Any]) -> n.Program:
        if len(c) == 1:  # the usual program: one statement
            return n.Program((c[0],), span=c[0].span)
        statements = tuple(x for x in c if isinstance(x, n.Stmt))
        if not statements:
            fail("the program is empty; write an expression such as `a + 1` or `x = a`",
                 Span(0, 0))
        # The last child is a statement or a separator (`!_sep` keeps a trailing newline).
        last: Any = c[-1]
        end = last.span.end if isinstance(last, n.Stmt) else last.end_pos
        return n.Program(statements, span=Span(statements[0].span.start, end))

    def assign(self, c: list[Any]) -> n.Assign:
        name, _, value = c
        return n.Assign(_name(name), _check(value),
                        span=Span(name.start_pos, value.span.end))

    def temp_assign(self, c: list[Any]) -> n.TempAssign:
        name, _, value = c
        return n.TempAssign(name.value[1:], _check(value),
                            span=Span(name.start_pos, value.span.end))

    def spread_stmt(self, c: list[Any]) -> n.SpreadStmt:
        spread, value = c
        return n.SpreadStmt(_check(value), span=Span(spread.start_pos, value.span.end))

    def expr_stmt(self, c: list[Any]) -> n.ExprStmt:
        (value,) = c
        return n.ExprStmt(_check(value), span=value.span)

    # -- operators

    def conditional(self, c: list[Any]) -> n.Conditional:
        test, _, then, _, other = c
        return n.Conditional(_check(test), _check(then), _check(other),
                             span=Span(test.span.start, other.span.end))

    def binary(self, c: list[Any]) -> n.Binary:
        left, op, right = c
        return n.Binary(_OPERATORS[op.type], _check(left), _check(right),
                        span=Span(left.span.start, right.span.end))

    def not_binary(self, c: list[Any]) -> n.Binary:
        left, _, op, right = c
        return n.Binary("not in" if op.type == "IN" else "not like", _check(left),
                        _check(right), span=Span(left.span.start, right.span.end))

    def unary(self, c: list[Any]) -> n.Unary:
        op, operand = c
        return n.Unary(_UNARY[op.type], _check(operand),
                       span=Span(op.start_pos, operand.span.end))

    # -- postfix

    def member(self, c: list[Any]) -> n.Member:
        obj, _, name = c
        return n.Member(_check(obj), str(name), span=Span(obj.span.start, name.end_pos))

    def index(self, c: list[Any]) -> n.Index:
        obj, _, index, close = c
        return n.Index(_check(obj), _check(index), span=Span(obj.span.start, close.end_pos))

    def this_temp(self, c: list[Any]) -> n.ThisTemp:
        obj, _, temp = c
        span = Span(obj.span.start, temp.end_pos)
        if not isinstance(_unwrap(obj), n.This):
            fail("only `this` has temporaries: write `this." + temp.value + "`", span)
        return n.ThisTemp(temp.value[1:], span=span)

    def method(self, c: list[Any]) -> n.MethodCall:
        obj, name = c[0], c[2]
        args = tuple(_unwrap(arg) for arg in c[4:-1:2])  # ( arg , arg ,? )
        return n.MethodCall(_check(obj), str(name), args,
                            span=Span(obj.span.start, c[-1].end_pos))

    def call(self, c: list[Any]) -> n.Call:
        name = c[0]
        args = tuple(_unwrap(arg) for arg in c[2:-1:2])
        return n.Call(str(name), args, span=Span(name.start_pos, c[-1].end_pos))

    def lambda_(self, c: list[Any]) -> n.Lambda:
        params, _, body = c
        inner = _unwrap(params)
        names = _params(inner)
        for i, name in enumerate(names):
            if name in names[:i]:
                fail(f"the parameter '{name}' is declared twice", inner.span)
        return n.Lambda(names, _check(body), span=Span(params.span.start, body.span.end))

    # -- primaries

    def int_lit(self, c: list[Any]) -> n.Literal:
        (token,) = c
        span = Span(token.start_pos, token.end_pos)
        if len(token) > MAX_INT_DIGITS:
            raise GmlLimitError(f"the number has {len(token)} digits; the limit is "
                                f"{MAX_INT_DIGITS}", span)
        return n.Literal(int(token), span=span)

    def float_lit(self, c: list[Any]) -> n.Literal:
        (token,) = c
        span = Span(token.start_pos, token.end_pos)
        value = float(token)
        if math.isinf(value):
            raise GmlLimitError(f"the number {token} is too large for a double (the largest "
                                "is about 1.8e308); use DECIMAL('...') for larger numbers", span)
        return n.Literal(value, span=span)

    def true_lit(self, c: list[Any]) -> n.Literal:
        (token,) = c
        return n.Literal(True, span=Span(token.start_pos, token.end_pos))

    def false_lit(self, c: list[Any]) -> n.Literal:
        (token,) = c
        return n.Literal(False, span=Span(token.start_pos, token.end_pos))

    def null_lit(self, c: list[Any]) -> n.Literal:
        (token,) = c
        return n.Literal(None, span=Span(token.start_pos, token.end_pos))

    def this(self, c: list[Any]) -> n.This:
        (token,) = c
        return n.This(span=Span(token.start_pos, token.end_pos))

    def name(self, c: list[Any]) -> n.Name:
        (token,) = c
        return n.Name(_name(token), span=Span(token.start_pos, token.end_pos))

    def temp(self, c: list[Any]) -> n.Temp:
        (token,) = c
        return n.Temp(token.value[1:], span=Span(token.start_pos, token.end_pos))

    def whole_input(self, c: list[Any]) -> n.WholeInput:
        (token,) = c
        return n.WholeInput(span=Span(token.start_pos, token.end_pos))

    def paren(self, c: list[Any]) -> _Paren:
        return _Paren(_unwrap(c[1]), Span(c[0].start_pos, c[2].end_pos))

    def empty_params(self, c: list[Any]) -> _Params:
        return _Params((), span=Span(c[0].start_pos, c[1].end_pos))

    def params(self, c: list[Any]) -> _Params:
        span = Span(c[0].start_pos, c[-1].end_pos)
        names = []
        for expr in c[1:-1:2]:  # ( expr , expr … )
            expr = _unwrap(expr)
            if not isinstance(expr, n.Name):
                fail("a list in parentheses is only allowed as lambda parameters: "
                     "`(a, b) => …`", span)
            names.append(expr.name)
        return _Params(tuple(names), span=span)

    def string_lit(self, c: list[Any]) -> n.Literal:
        token = c[0]
        start, end = token.start_pos, token.end_pos
        return n.Literal(_unescape(token.value[1:-1], Span(start + 1, end)),
                         span=Span(start, end))

    def template(self, c: list[Any]) -> n.Template:
        parts: list[str | n.Expr] = []
        for child in c[1:-1]:  # ` (text | ${ expr })* `
            if type(child) is not Token:
                parts.append(_check(child))
            elif child.type == "TEMPLATE_TEXT":
                parts.append(_unescape(child.value, _token_span(child)))
        return n.Template(tuple(parts), span=Span(c[0].start_pos, c[-1].end_pos))

    def array(self, c: list[Any]) -> n.Array:
        items = tuple(x if isinstance(x, n.Spread) else _check(x) for x in c[1:-1:2])
        return n.Array(items, span=Span(c[0].start_pos, c[-1].end_pos))

    def spread(self, c: list[Any]) -> n.Spread:
        spread, value = c
        return n.Spread(_check(value), span=Span(spread.start_pos, value.span.end))

    def field(self, c: list[Any]) -> n.Field:
        key, _, value = c
        return n.Field(str(key), _check(value), span=Span(key.start_pos, value.span.end))

    def quoted_field(self, c: list[Any]) -> n.Field:
        key, _, value = c
        return n.Field(_unescape(key.value[1:-1], _token_span(key)), _check(value),
                       span=Span(key.start_pos, value.span.end))

    def computed_field(self, c: list[Any]) -> n.ComputedField:
        key, value = c[1], c[4]  # [ key ] : value
        return n.ComputedField(_check(key), _check(value),
                               span=Span(c[0].start_pos, value.span.end))

    def shorthand_field(self, c: list[Any]) -> n.Field:
        (value,) = c
        expr = _check(value)
        key = n.path_field_name(expr)
        if key is None:
            fail("an object entry needs a key: write `key: value` (only a name or a path such as"
                 " `customer.name` can stand alone)", value.span)
        return n.Field(key, expr, span=value.span)

    def object(self, c: list[Any]) -> n.Object:
        # Entries are separated by commas (kept) or newlines (dropped).
        entries = tuple(x for x in c[1:-1] if type(x) is not Token)
        return n.Object(entries, span=Span(c[0].start_pos, c[-1].end_pos))

    def when_clause(self, c: list[Any]) -> n.When:
        cond, value = c[1], c[3]  # WHEN cond THEN value
        return n.When(_check(cond), _check(value), span=Span(c[0].start_pos, value.span.end))

    def searched_case(self, c: list[Any]) -> n.Case:
        return _case(c, None, c[1:-1])

    def simple_case(self, c: list[Any]) -> n.Case:
        return _case(c, _check(c[1]), c[2:-1])


# Lark names the callback after the alias; `lambda` is a Python keyword.
setattr(_ToAst, "lambda", _ToAst.lambda_)


def _case(c: list[Any], subject: n.Expr | None, rest: list[Any]) -> n.Case:
    """``CASE [subject] when… [ELSE otherwise] END``; ``rest`` is what follows the subject."""
    whens = tuple(r for r in rest if isinstance(r, n.When))
    has_else = len(rest) > 1 and type(rest[-2]) is Token  # … ELSE otherwise
    otherwise = _check(rest[-1]) if has_else else None
    return n.Case(subject, whens, otherwise, span=Span(c[0].start_pos, c[-1].end_pos))
