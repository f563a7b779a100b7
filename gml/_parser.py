"""Text → AST: the Lark parser (loaded once) and the transformer that builds `gml.nodes`.

The tree is built in a separate pass (not ``Lark(transformer=…)``) so that every node gets
its span from ``meta``. Syntax errors from Lark become `GmlSyntaxError` (G101) with a
message naming what was expected, in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, NoReturn

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from grammar import read_grammar

from . import nodes as n
from ._errors import GmlError, GmlLimitError, GmlSyntaxError
from ._lexer import SeparatorFilter
from ._source import Span

__all__ = ["KEYWORDS", "MAX_SOURCE_LENGTH", "MAX_SYNTAX_DEPTH", "parse"]

KEYWORDS = frozenset(
    "true false null this CASE WHEN THEN ELSE END AND OR NOT IN LIKE".split()
)

MAX_SOURCE_LENGTH = 1_000_000
"""Longest GML text accepted (characters); longer text is G306."""

MAX_SYNTAX_DEPTH = 150
"""Deepest nesting of expressions accepted; deeper programs are G306, not a stack overflow."""

_PUNCTUATION = frozenset({
    "COMMA", "ASSIGN", "COLON", "SPREAD", "ARROW", "QMARK", "QDOT", "DOT", "LPAR", "RPAR",
    "LSQB", "RSQB", "LBRACE", "RBRACE", "BACKTICK", "DOLLAR_LBRACE", "CASE", "WHEN", "THEN",
    "ELSE", "END", "NOT",
})

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
    return Lark(
        read_grammar("gml.lark"),
        parser="lalr",
        lexer="contextual",
        postlex=SeparatorFilter(),
        propagate_positions=True,
        maybe_placeholders=False,
    )


@cache
def terminal_patterns() -> dict[str, str]:
    """Literal spellings of the grammar's string terminals (for error messages)."""
    return {t.name: t.pattern.value for t in _lark().terminals if t.pattern.type == "str"}


def parse(text: str) -> n.Program:
    """Parse GML text into a `Program`.

    Raises:
        GmlSyntaxError: G101 for anything that is not GML.
        GmlLimitError: G306 for text that is too long or nested too deeply.
    """
    if len(text) > MAX_SOURCE_LENGTH:
        raise GmlLimitError(
            f"the program is {len(text)} characters long; the limit is {MAX_SOURCE_LENGTH}",
            Span(0, 0),
        )
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    _check_depth(tree)
    try:
        program = _ToAst().transform(tree)
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
                _meta_span(node.meta),
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


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


# ---------------------------------------------------------------- tree → AST


def _meta_span(meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return Span(0, 0)
    return Span(meta.start_pos, meta.end_pos)


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


def _values(children: Iterable[Any]) -> list[Any]:
    return [c for c in children if not (isinstance(c, Token) and c.type in _PUNCTUATION)]


def _name(token: Token) -> str:
    if token.value in KEYWORDS:
        fail(f"'{token.value}' is a keyword and cannot be used as a name", _token_span(token))
    return str(token.value)


def _node(build: Callable[..., Any]) -> Callable[..., Any]:
    """Adapt ``build(span, *values)`` to a ``(meta, children)`` transformer callback."""

    @v_args(meta=True)
    def callback(self: Any, meta: Any, children: list[Any]) -> Any:
        return build(_meta_span(meta), *_values(children))

    return callback


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


class _ToAst(Transformer[Token, Any]):
    """One short callback per grammar rule (grammar/gml.lark)."""

    # -- programs

    @v_args(meta=True)
    def start(self, meta: Any, children: list[Any]) -> n.Program:
        statements = tuple(c for c in children if isinstance(c, n.Stmt))
        if not statements:
            fail("the program is empty; write an expression such as `a + 1` or `x = a`",
                 Span(0, 0))
        return n.Program(statements, span=_meta_span(meta))

    assign = _node(lambda span, name, value: n.Assign(_name(name), _check(value), span=span))
    temp_assign = _node(lambda span, name, value: n.TempAssign(name.value[1:], _check(value),
                                                              span=span))
    spread_stmt = _node(lambda span, value: n.SpreadStmt(_check(value), span=span))
    expr_stmt = _node(lambda span, value: n.ExprStmt(_check(value), span=span))

    # -- operators

    conditional = _node(lambda span, test, then, other: n.Conditional(
        _check(test), _check(then), _check(other), span=span))
    binary = _node(lambda span, left, op, right: n.Binary(
        _OPERATORS[op.type], _check(left), _check(right), span=span))
    not_binary = _node(lambda span, left, op, right: n.Binary(
        "not in" if op.type == "IN" else "not like", _check(left), _check(right), span=span))

    @v_args(meta=True)
    def unary(self, meta: Any, children: list[Any]) -> n.Unary:
        op, operand = children
        return n.Unary(_UNARY[op.type], _check(operand), span=_meta_span(meta))

    # -- postfix

    member = _node(lambda span, obj, name: n.Member(_check(obj), str(name), span=span))
    index = _node(lambda span, obj, index: n.Index(_check(obj), _check(index), span=span))

    @v_args(meta=True)
    def this_temp(self, meta: Any, children: list[Any]) -> n.ThisTemp:
        obj, temp = _values(children)
        if not isinstance(obj, n.This):
            fail("only `this` has temporaries: write `this." + temp.value + "`",
                 _meta_span(meta))
        return n.ThisTemp(temp.value[1:], span=_meta_span(meta))

    @v_args(meta=True)
    def method(self, meta: Any, children: list[Any]) -> n.MethodCall:
        obj, name, *args = _values(children)
        return n.MethodCall(_check(obj), str(name), tuple(args), span=_meta_span(meta))

    @v_args(meta=True)
    def call(self, meta: Any, children: list[Any]) -> n.Call:
        name, *args = _values(children)
        return n.Call(str(name), tuple(args), span=_meta_span(meta))

    @v_args(meta=True)
    def lambda_(self, meta: Any, children: list[Any]) -> n.Lambda:
        params, body = _values(children)
        names = _params(params)
        for i, name in enumerate(names):
            if name in names[:i]:
                fail(f"the parameter '{name}' is declared twice", params.span)
        return n.Lambda(names, _check(body), span=_meta_span(meta))

    # -- primaries

    int_lit = _node(lambda span, token: n.Literal(int(token), span=span))
    float_lit = _node(lambda span, token: n.Literal(float(token), span=span))
    true_lit = _node(lambda span, _: n.Literal(True, span=span))
    false_lit = _node(lambda span, _: n.Literal(False, span=span))
    null_lit = _node(lambda span, _: n.Literal(None, span=span))
    this = _node(lambda span, _: n.This(span=span))
    name = _node(lambda span, token: n.Name(_name(token), span=span))
    temp = _node(lambda span, token: n.Temp(token.value[1:], span=span))
    whole_input = _node(lambda span, _: n.WholeInput(span=span))
    paren = _node(lambda span, expr: expr)
    empty_params = _node(lambda span: _Params((), span=span))

    @v_args(meta=True)
    def params(self, meta: Any, children: list[Any]) -> _Params:
        exprs = _values(children)
        names = []
        for expr in exprs:
            if not isinstance(expr, n.Name):
                fail("a list in parentheses is only allowed as lambda parameters: "
                     "`(a, b) => …`", _meta_span(meta))
            names.append(expr.name)
        return _Params(tuple(names), span=_meta_span(meta))

    @v_args(meta=True)
    def string_lit(self, meta: Any, children: list[Any]) -> n.Literal:
        token = children[0]
        span = _meta_span(meta)
        return n.Literal(_unescape(token.value[1:-1], Span(span.start + 1, span.end)), span=span)

    @v_args(meta=True)
    def template(self, meta: Any, children: list[Any]) -> n.Template:
        parts: list[str | n.Expr] = []
        for child in _values(children):
            if isinstance(child, Token):
                parts.append(_unescape(child.value, _token_span(child)))
            else:
                parts.append(_check(child))
        return n.Template(tuple(parts), span=_meta_span(meta))

    @v_args(meta=True)
    def array(self, meta: Any, children: list[Any]) -> n.Array:
        items = tuple(c if isinstance(c, n.Spread) else _check(c) for c in _values(children))
        return n.Array(items, span=_meta_span(meta))

    spread = _node(lambda span, value: n.Spread(_check(value), span=span))
    field = _node(lambda span, key, value: n.Field(str(key), _check(value), span=span))

    @v_args(meta=True)
    def quoted_field(self, meta: Any, children: list[Any]) -> n.Field:
        key, value = _values(children)
        return n.Field(_unescape(key.value[1:-1], _token_span(key)), _check(value),
                       span=_meta_span(meta))

    computed_field = _node(lambda span, key, value: n.ComputedField(
        _check(key), _check(value), span=span))

    @v_args(meta=True)
    def shorthand_field(self, meta: Any, children: list[Any]) -> n.Field:
        (value,) = _values(children)
        key = n.path_field_name(_check(value))
        if key is None:
            fail("an object entry needs a key: write `key: value` (only a name or a path such as"
                 " `customer.name` can stand alone)", _meta_span(meta))
        return n.Field(key, value, span=_meta_span(meta))

    @v_args(meta=True)
    def object(self, meta: Any, children: list[Any]) -> n.Object:
        return n.Object(tuple(_values(children)), span=_meta_span(meta))

    when_clause = _node(lambda span, cond, value: n.When(_check(cond), _check(value), span=span))

    @v_args(meta=True)
    def searched_case(self, meta: Any, children: list[Any]) -> n.Case:
        return self._case(meta, None, _values(children))

    @v_args(meta=True)
    def simple_case(self, meta: Any, children: list[Any]) -> n.Case:
        subject, *rest = _values(children)
        return self._case(meta, _check(subject), rest)

    @staticmethod
    def _case(meta: Any, subject: n.Expr | None, rest: list[Any]) -> n.Case:
        whens = tuple(r for r in rest if isinstance(r, n.When))
        others = [r for r in rest if not isinstance(r, n.When)]
        otherwise = _check(others[0]) if others else None
        return n.Case(subject, whens, otherwise, span=_meta_span(meta))


# Lark names the callback after the alias; `lambda` is a Python keyword.
setattr(_ToAst, "lambda", _ToAst.lambda_)


def _check(expr: Any) -> Any:
    """Reject a parenthesised name list used as a value (it is only valid before ``=>``)."""
    if isinstance(expr, _Params):
        fail("a list in parentheses is only allowed as lambda parameters: `(a, b) => …`",
             expr.span)
    return expr
