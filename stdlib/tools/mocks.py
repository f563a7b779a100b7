"""Mock tools: run a flow without the outside world (spec/tools.md §7).

``fdl run --mock FILE`` and the ``mocks:`` of flow test files replace tool calls by URI::

    mocks:
        api://crm-service/customer:
            result: {id: c1, name: Alice}           # fixed result
        db://ec.mysql.order/count:
            expr: COUNT(args.ids)                   # GML over args, call (1-based), uri
        api://sms/send:
            error: {code: '0401', message: denied}  # fails
        api://dp-service/task_status:
            sequence:                               # one entry per call; the last repeats
                - result: {status: processing}
                - result: {status: done}
            delay: 50                               # ms before answering (run's clock)
    passthrough: false                              # true: unmocked URIs reach real tools

Rules and invariants:

- Everything is validated when the mocks are built: a misspelt key, two answers in one entry,
  a key with options or an ``expr`` that does not compile is a `MockFileError` naming the
  URI (with the file position when loaded from a file), never a surprise in the middle of a
  run. ``expr`` is compiled against the names ``args``, ``call`` and ``uri`` only, so a
  misspelt name is caught at load time too.
- Every call is recorded (URI → the arguments of each call, in order) *before* it is
  answered, so calls that fail, time out or are cancelled are counted too: a test asserts on
  what the flow asked for, not on what happened to succeed. The call number that ``expr``
  sees and that picks a ``sequence`` step is assigned at that moment, per URI.
- ``delay`` sleeps with `trio.sleep`, so it runs on the run's clock: a virtual clock in
  tests makes a ``delay: 5000`` cost no real time and makes timings exact.
- Results are deep-copied on every answer and arguments on every recording, so a caller
  that mutates what it got cannot change later answers or the record.
- A URI without a mock fails with F406 when called (the call is still recorded), unless
  ``passthrough`` is set and a fallback provider has the tool; calls passed through are
  recorded as well.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import trio
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

import gml
from gml.text import suggest
from gml.types import ANY, INT, STRING

from . import ERROR_TYPES, Tool, ToolCall, ToolError, ToolProvider

__all__ = ["MockFileError", "Mocks"]

_FORMS = ("result", "expr", "error", "sequence")
_ENTRY_KEYS = (*_FORMS, "delay")
_STEP_KEYS = ("result", "expr", "error", "delay")
_ERROR_KEYS = ("code", "message", "type", "retryable", "details")
_FILE_KEYS = ("mocks", "passthrough")
_EXPR_NAMES = {"args": ANY, "call": INT, "uri": STRING}

Keys = tuple[str | int, ...]


class MockFileError(Exception):
    """A mock file or mapping that cannot be used.

    Attributes:
        message: what is wrong and how to fix it.
        path: the file (or ``<mocks>`` for a mapping given in code).
        line: 1-based line of the problem in the file, or None when unknown.
        column: 1-based column, or None.
        keys: where in the document the problem is (``("mocks", "api://x", "error")``).
    """

    def __init__(self, message: str, path: str = "<mocks>", line: int | None = None,
                 column: int | None = None, *, keys: Keys = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.keys = keys
        self._on_key = False  # point at the key itself rather than at its value

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def _moved(self, *, prefix: Keys = (), line: int | None = None,
               column: int | None = None) -> MockFileError:
        moved = MockFileError(self.message, self.path, line, column, keys=prefix + self.keys)
        moved._on_key = self._on_key
        return moved


def _fail(message: str, source: str, keys: Keys, *, on_key: bool = False) -> NoReturn:
    error = MockFileError(message, source, keys=keys)
    error._on_key = on_key
    raise error


##### The answers of one mock


@dataclass(frozen=True, slots=True)
class _ErrorSpec:
    code: str
    message: str
    type: str
    retryable: bool
    details: Any

    def make(self) -> ToolError:
        return ToolError(self.code, self.message, type=self.type, retryable=self.retryable,
                         details=copy.deepcopy(self.details))


@dataclass(frozen=True, slots=True)
class _Answer:
    """One answer: exactly one of ``result`` (``has_result``), ``program`` or ``error``."""

    has_result: bool
    result: Any
    program: gml.Program | None
    error: _ErrorSpec | None
    delay_ms: float

    def answer(self, base: str, number: int, args: dict[str, Any]) -> Any:
        if self.error is not None:
            raise self.error.make()
        if self.program is not None:
            try:
                return self.program({"args": args, "call": number, "uri": base})
            except gml.GmlError as error:
                raise ToolError(error.code, f"the mock expr for {base} failed: {error.message}",
                                type="tool") from None
        return copy.deepcopy(self.result)


class _MockTool:
    """A mocked tool: answers from its entry, records every call first."""

    __slots__ = ("_answers", "_base", "_mocks")

    def __init__(self, mocks: Mocks, base: str, answers: tuple[_Answer, ...]) -> None:
        self._mocks = mocks
        self._base = base
        self._answers = answers

    @property
    def arguments(self) -> Sequence[str]:
        return ()

    async def call(self, call: ToolCall) -> Any:
        number = self._mocks._record(self._base, call)
        answer = self._answers[min(number, len(self._answers)) - 1]
        if answer.delay_ms > 0:
            await trio.sleep(answer.delay_ms / 1000)
        return answer.answer(self._base, number, dict(call.args))


class _MissingTool:
    """A URI without a mock: records the call, then fails with F406."""

    __slots__ = ("_base", "_message", "_mocks")

    def __init__(self, mocks: Mocks, base: str, message: str) -> None:
        self._mocks = mocks
        self._base = base
        self._message = message

    @property
    def arguments(self) -> Sequence[str]:
        return ()

    async def call(self, call: ToolCall) -> Any:
        self._mocks._record(self._base, call)
        raise ToolError("F406", self._message, type="tool")


class _PassthroughTool:
    """A real tool reached through ``passthrough``: recorded like a mock, answered for real."""

    __slots__ = ("_base", "_mocks", "_tool")

    def __init__(self, mocks: Mocks, base: str, tool: Tool) -> None:
        self._mocks = mocks
        self._base = base
        self._tool = tool

    @property
    def arguments(self) -> Sequence[str]:
        # The real tool's declared arguments, so auto-binding works as without mocks.
        return self._tool.arguments

    async def call(self, call: ToolCall) -> Any:
        self._mocks._record(self._base, call)
        return await self._tool.call(call)


##### The provider


class Mocks:
    """A `ToolProvider` answering tool calls from mock entries (tools.md §7).

        >>> mocks = Mocks({"api://crm/customer": {"result": {"id": "c1"}}})
        >>> mocks.resolve("api://crm/customer") is not None
        True

    Args:
        mocks: tool URI without options (``api://crm/customer``) → entry (a mapping with one
            of ``result``, ``expr``, ``error``, ``sequence`` and an optional ``delay``).
        passthrough: let URIs without a mock reach ``fallback``.
        fallback: the real tools, used only with ``passthrough``.
        env: the GML environment that compiles ``expr`` (default: `gml.default_environment`).
        source: the name used in error messages (the file's path).

    Attributes:
        calls: per URI, the arguments of each call in order (declared mocks start with an
            empty list; other URIs appear at their first call).
        passthrough: whether unmocked URIs reach ``fallback``.
        source: where the mocks came from.

    Raises:
        MockFileError: an entry is invalid (naming the URI and, for a misspelt key, the
            closest valid one).
    """

    def __init__(self, mocks: Mapping[str, Any], *, passthrough: bool = False,
                 fallback: ToolProvider | None = None, env: gml.Environment | None = None,
                 source: str = "<mocks>") -> None:
        self.source = source
        self.passthrough = passthrough
        self._fallback = fallback
        environment = env if env is not None else gml.default_environment()
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self._tools: dict[str, _MockTool] = {}
        for uri, entry in mocks.items():
            _check_uri(uri, source)
            answers = _entry_answers(uri, entry, environment, source)
            self._tools[uri] = _MockTool(self, uri, answers)
            self.calls[uri] = []

    def pass_to(self, provider: ToolProvider) -> None:
        """Use ``provider`` for unmocked URIs (with ``passthrough``) unless the mocks were
        given a fallback already; the `Runtime` hands over its own tools this way."""
        if self._fallback is None:
            self._fallback = provider

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, fallback: ToolProvider | None = None,
                     env: gml.Environment | None = None, source: str = "<mocks>") -> Mocks:
        """Mocks from a parsed document, with the validation of a mock file.

        ``data`` is either ``{"mocks": {uri: entry}, "passthrough": bool}`` or directly
        ``{uri: entry}`` (the inline ``mocks:`` of a flow test case), where a
        ``passthrough`` key may sit beside the URIs.

        Raises:
            MockFileError: the document or an entry is invalid.
        """
        if not isinstance(data, Mapping):
            _fail("a mock file must be a mapping with 'mocks:' (tool URI → answer)", source, ())
        prefix: Keys
        if "mocks" in data:
            for key in data:
                if key not in _FILE_KEYS:
                    _unknown_key(key, _FILE_KEYS, "in the mock file", source, (key,))
            entries = data["mocks"]
            if entries is None:
                entries = {}
            if not isinstance(entries, Mapping):
                _fail("'mocks' must be a mapping of tool URIs to answers", source, ("mocks",))
            prefix = ("mocks",)
        else:
            for key in data:
                if key != "passthrough" and not (isinstance(key, str) and "://" in key):
                    hint = suggest(str(key), _FILE_KEYS)
                    if hint is not None:
                        _unknown_key(key, _FILE_KEYS, "in the mock file", source, (key,))
                    _fail(f"{key!r} is not a tool URI (type://code); a mock file maps tool "
                          "URIs to answers, under 'mocks:'", source, (key,), on_key=True)
            entries = {k: v for k, v in data.items() if k != "passthrough"}
            prefix = ()
        passthrough = data.get("passthrough", False)
        if passthrough is None:
            passthrough = False
        if not isinstance(passthrough, bool):
            _fail(f"'passthrough' must be true or false, not {passthrough!r}", source,
                  ("passthrough",))
        try:
            return cls(entries, passthrough=passthrough, fallback=fallback, env=env,
                       source=source)
        except MockFileError as error:
            raise error._moved(prefix=prefix) from None

    @classmethod
    def load(cls, path: str | Path, *, fallback: ToolProvider | None = None,
             env: gml.Environment | None = None) -> Mocks:
        """Mocks from a YAML file (the ``--mock FILE`` of ``fdl run``).

        Raises:
            MockFileError: the file cannot be read, is not valid YAML (with the line and
                column of the problem) or holds an invalid entry (with its position).
        """
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise MockFileError(f"cannot read the mock file: {reason}", name) from None
        # The pure parser reads YAML 1.2 (`{api://crm/customer: {result: 1}}` in flow
        # style, which libyaml refuses); mock files are small.
        yaml = YAML(typ="safe", pure=True)
        try:
            data = yaml.load(text)
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = error.problem or error.context or "invalid YAML"
            context = f" ({error.context})" if error.problem and error.context else ""
            line = mark.line + 1 if mark is not None else None
            column = mark.column + 1 if mark is not None else None
            raise MockFileError(f"invalid YAML: {problem}{context}", name, line,
                                column) from None
        except YAMLError as error:
            raise MockFileError(f"invalid YAML: {type(error).__name__}", name) from None
        if data is None:
            data = {}
        try:
            return cls.from_mapping(data, fallback=fallback, env=env, source=name)
        except MockFileError as error:
            position = _position(yaml.compose(text), error.keys, error._on_key)
            if position is None:
                raise
            raise error._moved(line=position[0], column=position[1]) from None

    def resolve(self, base: str) -> Tool | None:
        """The tool for ``base`` (``type://code``): its mock, a passed-through real tool, or
        a tool that records the call and fails with F406. Never None: with mocks, nothing
        reaches the real tools unless ``passthrough`` says so."""
        mocked = self._tools.get(base)
        if mocked is not None:
            return mocked
        if self.passthrough:
            real = self._fallback.resolve(base) if self._fallback is not None else None
            if real is not None:
                return _PassthroughTool(self, base, real)
            return _MissingTool(self, base, f"no mock for {base} and no real tool to pass "
                                            "through to; add a mock or register the tool")
        return _MissingTool(self, base, f"no mock for {base}; add one to the mock file or "
                                        "set passthrough: true")

    def counts(self) -> dict[str, int]:
        """Per URI, how many times it was called (declared mocks included, with 0)."""
        return {base: len(args) for base, args in self.calls.items()}

    def _record(self, base: str, call: ToolCall) -> int:
        """Record a call; returns its 1-based number for ``base``."""
        record = self.calls.setdefault(base, [])
        record.append(copy.deepcopy(dict(call.args)))
        return len(record)

    def __repr__(self) -> str:
        return f"<Mocks {self.source} ({len(self._tools)} mocked)>"


##### Validation


def _check_uri(uri: object, source: str) -> None:
    if not isinstance(uri, str) or "://" not in uri:
        _fail(f"mock key {uri!r} is not a tool URI (type://code)", source, (_key(uri),),
              on_key=True)
    if "?" in uri:
        _fail(f"mock key {uri!r} has options; mocks are keyed by the URI without options: "
              f"{uri.split('?', 1)[0]!r}", source, (uri,), on_key=True)
    kind, _, code = uri.partition("://")
    if not kind or not code:
        _fail(f"mock key {uri!r} is not a tool URI (type://code)", source, (uri,), on_key=True)


def _key(key: object) -> str | int:
    return key if isinstance(key, str | int) else str(key)


def _unknown_key(key: object, allowed: Sequence[str], where: str, source: str,
                 keys: Keys) -> NoReturn:
    hint = suggest(str(key), allowed)
    advice = f"did you mean '{hint}'?" if hint else f"expected one of {', '.join(allowed)}"
    _fail(f"unknown key {key!r} {where}; {advice}", source, keys, on_key=True)


def _entry_answers(uri: str, entry: Any, env: gml.Environment,
                   source: str) -> tuple[_Answer, ...]:
    where = (uri,)
    if not isinstance(entry, Mapping):
        _fail(f"the mock for {uri} must be a mapping with one of {', '.join(_FORMS)}",
              source, where)
    for key in entry:
        if key not in _ENTRY_KEYS:
            _unknown_key(key, _ENTRY_KEYS, f"in the mock for {uri}", source, (*where, key))
    delay = _delay(uri, entry, source, where, 0.0)
    form = _one_form(uri, entry, _FORMS, source, where)
    if form != "sequence":
        return (_answer(uri, entry, form, delay, env, source, where),)
    steps = entry["sequence"]
    if not isinstance(steps, list) or not steps:
        _fail(f"the sequence of the mock for {uri} must be a non-empty list of answers "
              "(one per call; the last one repeats)", source, (*where, "sequence"))
    answers = []
    for index, step in enumerate(steps):
        at = (*where, "sequence", index)
        if not isinstance(step, Mapping):
            _fail(f"step {index + 1} of the sequence of the mock for {uri} must be a mapping "
                  f"with one of result, expr or error", source, at)
        for key in step:
            if key == "sequence":
                _fail(f"step {index + 1} of the sequence of the mock for {uri} cannot hold "
                      "another sequence", source, (*at, key), on_key=True)
            if key not in _STEP_KEYS:
                _unknown_key(key, _STEP_KEYS,
                             f"in step {index + 1} of the sequence of the mock for {uri}",
                             source, (*at, key))
        step_delay = _delay(uri, step, source, at, delay)
        step_form = _one_form(uri, step, _FORMS[:3], source, at)
        answers.append(_answer(uri, step, step_form, step_delay, env, source, at))
    return tuple(answers)


def _one_form(uri: str, entry: Mapping[str, Any], forms: Sequence[str], source: str,
              where: Keys) -> str:
    given = [form for form in forms if form in entry]
    if len(given) == 1:
        return given[0]
    choices = ", ".join(forms)
    if not given:
        _fail(f"the mock for {uri} needs one of {choices}", source, where)
    _fail(f"the mock for {uri} has both '{given[0]}' and '{given[1]}'; give exactly one of "
          f"{choices}", source, (*where, given[1]), on_key=True)


def _delay(uri: str, entry: Mapping[str, Any], source: str, where: Keys,
           default: float) -> float:
    if "delay" not in entry:
        return default
    value = entry["delay"]
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not (0 <= value < math.inf):
        _fail(f"the delay of the mock for {uri} must be a number of ms (0 or more), "
              f"not {value!r}", source, (*where, "delay"))
    return float(value)


def _answer(uri: str, entry: Mapping[str, Any], form: str, delay: float,
            env: gml.Environment, source: str, where: Keys) -> _Answer:
    value = entry[form]
    if form == "result":
        return _Answer(True, value, None, None, delay)
    if form == "expr":
        return _Answer(False, None, _compile(uri, value, env, source, (*where, "expr")), None,
                       delay)
    return _Answer(False, None, None, _error_spec(uri, value, source, (*where, "error")), delay)


def _compile(uri: str, text: Any, env: gml.Environment, source: str,
             where: Keys) -> gml.Program:
    if not isinstance(text, str):
        _fail(f"the expr of the mock for {uri} must be GML text, not {text!r}", source, where)
    try:
        program, checked = env.compile_checked(text, _EXPR_NAMES)
    except gml.GmlError as error:
        _fail(f"the expr of the mock for {uri} does not compile: {error.code}: "
              f"{error.message} (line {error.line}, column {error.column} of the expr)",
              source, where)
    if program is None:
        first = next(d for d in checked.diagnostics if d.severity == "error")
        _fail(f"the expr of the mock for {uri} does not compile: {first.code}: "
              f"{first.message} (line {first.line}, column {first.column} of the expr; "
              "it may use args, call and uri)", source, where)
    return program


def _error_spec(uri: str, value: Any, source: str, where: Keys) -> _ErrorSpec:
    if not isinstance(value, Mapping):
        _fail(f"the error of the mock for {uri} must be a mapping with a code "
              "({code: '404', message: ...})", source, where)
    for key in value:
        if key not in _ERROR_KEYS:
            _unknown_key(key, _ERROR_KEYS, f"in the error of the mock for {uri}", source,
                         (*where, key))
    code = value.get("code")
    if isinstance(code, bool) or not isinstance(code, str | int) or code == "":
        _fail(f"the error of the mock for {uri} needs a code (a string such as '0401')",
              source, (*where, "code") if "code" in value else where)
    message = value.get("message", "mocked error")
    if not isinstance(message, str):
        _fail(f"the error message of the mock for {uri} must be text, not {message!r}",
              source, (*where, "message"))
    kind = value.get("type", "tool")
    if kind not in ERROR_TYPES:
        hint = suggest(str(kind), sorted(ERROR_TYPES))
        advice = f"did you mean '{hint}'?" if hint else \
            f"expected one of {', '.join(sorted(ERROR_TYPES))}"
        _fail(f"unknown error type {kind!r} in the mock for {uri}; {advice}", source,
              (*where, "type"))
    retryable = value.get("retryable", False)
    if not isinstance(retryable, bool):
        _fail(f"'retryable' in the error of the mock for {uri} must be true or false, "
              f"not {retryable!r}", source, (*where, "retryable"))
    return _ErrorSpec(str(code), message, kind, retryable, value.get("details"))


##### Positions in the file


def _position(root: Node | None, keys: Keys, on_key: bool) -> tuple[int, int] | None:
    """The 1-based line and column of ``keys`` in the composed YAML, or None."""
    node = root
    target = root
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == key or (isinstance(key, int) and key_node.value == str(key)):
                    target = key_node if last and on_key else value_node
                    node = value_node
                    break
            else:
                break
        elif isinstance(node, SequenceNode) and isinstance(key, int) and \
                0 <= key < len(node.value):
            node = target = node.value[key]
        else:
            break
    if target is None:
        return None
    return target.start_mark.line + 1, target.start_mark.column + 1
