"""GML's own LALR loop over Lark's tables: 3-5x faster than Lark's, and tied to Lark's internals.

This module depends on Lark's PRIVATE API: the parsing frontend's attributes
(``lark.parser.parser.parser``, its ``parse_table`` and ``callbacks``, ``lexer``),
``lark.lexer.LexerThread.from_text``, ``lark.parse_tree_builder.ExpandSingleChild`` and
``lark.parsers.lalr_analysis.Shift``. They are those of Lark 1.2 and 1.3 (tested with 1.2.2
and 1.3.1), and pyproject.toml bounds lark below 1.4 for this reason. When they are not
what `Driver` expects, building it raises, `gml._parser` uses Lark's own loop, and parsing
stays correct but slower. The tests that protect it are in
tests/gml/test_parser_speed_paths.py: ``test_the_lalr_driver_and_larks_loop_agree`` (on
hypothesis-generated programs), ``…_on_token_soup`` and ``…_on_the_corpus`` compare the
two loops (same programs, same spans, same errors), and ``test_the_lalr_driver_is_used``
fails when the driver is off. Run them on every Lark upgrade.
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Final

from lark import Lark, Token
from lark.exceptions import UnexpectedInput

__all__ = ["NOT_PARSED", "Driver"]

NOT_PARSED: Final = object()
"""What `Driver.parse` returns when the text does not parse: Lark's loop must report it."""

_END = (Token("$END", ""),)


class _LexerView:
    """What the contextual lexer reads of the parser: the state it is in."""

    __slots__ = ("position",)

    def __init__(self, position: int) -> None:
        self.position = position


class Driver:
    """Lark's LALR loop, over the tables and callbacks of a Lark parser, without its generic
    costs.

    Lark's loop (`ParserState.feed_token`) calls Python-level ``__eq__`` and ``__hash__`` of
    its rule and name objects and a wrapper for every reduction, and the precedence chain of
    the GML grammar makes about ten reductions per operand. This loop does the same steps with
    plain tables: an action is a state number (shift) or ``(size, rule name, callback)``
    (reduce), and a ``?rule`` that only passes its one child on has no callback. It uses
    Lark's lexer (with the postlexer) unchanged, and calls the callbacks at the same moments
    as Lark's loop would. On a syntax error it gives up (`NOT_PARSED`) and the caller has
    Lark parse again, to raise the error with everything Lark puts in it.

    Raises (when built): any exception when Lark's internals are not what it expects.
    """

    def __init__(self, lark: Lark) -> None:
        # Lark internals, imported here: a Lark without them fails this constructor, and the
        # parser falls back to Lark's own loop.
        from lark.lexer import LexerThread
        from lark.parse_tree_builder import ExpandSingleChild
        from lark.parsers.lalr_analysis import Shift

        frontend: Any = lark.parser
        parser = frontend.parser.parser  # lark.parsers.lalr_parser._Parser
        table = parser.parse_table
        callbacks = parser.callbacks
        self._thread: Any = LexerThread.from_text
        self._lexer = frontend.lexer
        self._start: int = table.start_states["start"]
        self._end: int = table.end_states["start"]
        self._actions: dict[int, dict[str, Any]] = {}
        for state, row in table.states.items():
            actions: dict[str, Any] = {}
            for symbol, (kind, arg) in row.items():
                if kind is Shift:
                    assert isinstance(arg, int)
                    actions[str(symbol)] = arg
                else:
                    size = len(arg.expansion)
                    callback = callbacks[arg]
                    passes = size == 1 and isinstance(callback, ExpandSingleChild)
                    actions[str(symbol)] = (size, str(arg.origin.name),
                                            None if passes else callback)
            self._actions[state] = actions

    def parse(self, text: str) -> Any:
        """What the callbacks make of ``text`` (the value of the start rule), or `NOT_PARSED`
        on a syntax error. Exceptions of the callbacks and the postlexer propagate."""
        actions, end = self._actions, self._end
        view = _LexerView(self._start)
        states = [self._start]
        values: list[Any] = []
        try:
            for token in chain(self._thread(self._lexer, text).lex(view), _END):
                kind = token.type
                while True:
                    action = actions[states[-1]].get(kind)
                    if type(action) is int:  # shift
                        states.append(action)
                        values.append(token)
                        view.position = action
                        break
                    if action is None:
                        return NOT_PARSED
                    size, name, callback = action  # reduce
                    if callback is None:  # the one child stands for the rule
                        del states[-1]
                    elif size:
                        children = values[-size:]
                        del states[-size:]
                        del values[-size:]
                        values.append(callback(children))
                    else:
                        values.append(callback([]))
                    states.append(actions[states[-1]][name])
                    if states[-1] == end:  # only after `start`, at the end of the text
                        return values[-1]
        except UnexpectedInput:  # from the lexer
            pass
        return NOT_PARSED
