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
        agent://helper:
            replies:                                # the model's replies: the agent loop
                - calls: [{tool: 'flow://greet', args: {name: Ada}}]   # runs for real
                - answer: I greeted Ada.
    passthrough: false                              # true: unmocked URIs reach real tools

Rules and invariants:

- Everything is validated when the mocks are built, by the pydantic models of this module
  (`MockFile`, `MockEntries`, `MockEntry`, `MockStep`, `MockError`) through
  `compiler.validate`: a misspelt key, two answers in one entry, a key with options or an
  ``expr`` that does not compile is a `MockFileError` naming the URI (with the file position
  of the key or value when loaded from a file), never a surprise in the middle of a run.
  Flow test files validate their inline ``mocks:`` with the same models. ``expr`` is
  compiled against the names ``args``, ``call`` and ``uri`` only, so a misspelt name is
  caught at load time too.
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
  recorded as well. A passed-through tool binds like the real one (its ``arguments`` and
  ``scope_names``) and hands the real tool the `ToolCall` unchanged, so the real tool sees
  exactly the call it would see without mocks.
- ``replies`` (`stdlib.tools.chat`) scripts the model of an ``agent://`` call: the
  project's agent (the fallback's, whatever ``passthrough`` says: its offered tools, system
  message and ``max_steps``) runs its loop with a `ScriptedChat` as its model, and the tool
  calls of the replies run on these mocks, so they are mocked, passed through and recorded
  like the flow's own calls. The script restarts at every call of the agent (a ``sequence``
  of ``replies`` steps gives each call its own).
- A ``tool://<code>`` call (tools.md §1) matches the mock keyed by the URI as written
  (``tool://mail-service/send``), else the one keyed by the URI it resolves to
  (``api://mail-service/send``; the plan knows it, `Mocks.resolve_written`); compiled
  without a catalog, the one mock of that code whatever its type. Its calls are recorded
  under the URI as written, whichever mock answers: ``calls`` shows what the flow wrote, so
  a test asserts on ``tool://mail-service/send``, and its call numbers (``sequence``,
  ``expr``'s ``call``) count the calls written that way.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import trio
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

import gml
from compiler.diagnostics import Reporter
from compiler.validate import Invalid, Loc, Problem, Validated, Wording, validate, validate_value
from compiler.yamltree import YMap, load_yaml
from gml import Source
from gml.text import suggest
from gml.types import ANY, INT, STRING

from . import TOOL_SCHEME, Tool, ToolCall, ToolError, ToolProvider
from .chat import Replies, ScriptedChat, ScriptedReply

__all__ = ["ErrorType", "MockEntries", "MockEntry", "MockError", "MockFile", "MockFileError",
           "MockStep", "Mocks", "mock_name"]

_FORMS = ("result", "expr", "error", "replies", "sequence")
_FILE_KEYS = ("mocks", "passthrough")
_EXPR_NAMES = {"args": ANY, "call": INT, "uri": STRING}

ErrorType = Literal["auth", "connection", "timeout", "tool", "validation"]
"""The error types of tools.md §5 (`stdlib.tools.ERROR_TYPES`)."""

Keys = tuple[str | int, ...]


class MockFileError(Exception):
    """A mock file or mapping that cannot be used.

    Attributes:
        message: what is wrong and how to fix it.
        path: the file (or ``<mocks>`` for a mapping given in code).
        line: 1-based line of the problem in the file, or None when unknown.
        column: 1-based column, or None.
        keys: where in the document the problem is (``("mocks", "api://x", "error")``).
        on_key: the problem is about the key at ``keys`` (an unknown key), not its value.
    """

    def __init__(self, message: str, path: str = "<mocks>", line: int | None = None,
                 column: int | None = None, *, keys: Keys = (), on_key: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.keys = keys
        self.on_key = on_key

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    @classmethod
    def of(cls, problem: Problem, path: str, source: Source | None = None,
           prefix: int = 0) -> MockFileError:
        """The error of a validation problem (at its line and column when ``source`` is
        the text it was found in); ``prefix`` leading steps are left out of its keys."""
        line = column = None
        if source is not None and problem.span is not None:
            line, column = source.position(problem.span.start)
        return cls(problem.message, path, line, column, keys=problem.loc[prefix:],
                   on_key=problem.on_key)


##### The models of mock entries and files


def mock_name(loc: Loc, uri_at: int = 1) -> str | None:
    """How messages name the parts of mocks (a `compiler.validate.Namer`): ``the mock for
    api://a/x``, ``step 2 of the sequence of the mock for api://a/x``, ``the error code of the
    mock for api://a/x``. ``uri_at`` is the index of the URI in ``loc`` (1 in a mock file's
    ``mocks:``)."""
    if len(loc) <= uri_at:
        return None
    if loc[uri_at:] == ("passthrough",):
        return "'passthrough'"
    entry = f"the mock for {loc[uri_at]}"
    tail = loc[uri_at + 1:]
    if tail[:1] == ("sequence",):
        if len(tail) == 1:
            return f"the sequence of {entry}"
        if len(tail) == 2 and isinstance(tail[1], int):
            return f"step {tail[1] + 1} of the sequence of {entry}"
        tail = tail[2:]
    if not tail:
        return entry
    if tail[0] == "replies":
        return _reply_name(tail[1:], entry)
    if tail[0] == "error":
        if len(tail) == 1:
            return f"the error of {entry}"
        part = tail[1]
        if part in ("code", "message", "type"):
            return f"the error {part} of {entry}"
        return f"'{part}' in the error of {entry}"
    if tail[0] in ("result", "expr", "delay") and len(tail) == 1:
        return f"the {tail[0]} of {entry}"
    return None


def _reply_name(tail: Loc, entry: str) -> str | None:
    """``reply 2 of the mock for agent://a``, ``the args of call 1 of reply 2 of ...``."""
    if not tail:
        return f"the replies of {entry}"
    if not isinstance(tail[0], int):
        return None
    reply = f"reply {tail[0] + 1} of {entry}"
    rest = tail[1:]
    if rest[:1] == ("calls",) and len(rest) >= 2 and isinstance(rest[1], int):
        call = f"call {rest[1] + 1} of {reply}"
        if len(rest) == 2:
            return call
        return f"the {rest[2]} of {call}" if len(rest) == 3 else None
    if not rest:
        return reply
    return f"the {rest[0]} of {reply}" if len(rest) == 1 else None


def _file_name(loc: Loc) -> str | None:
    if loc == ("mocks",):
        return "'mocks'"
    return mock_name(loc, 0 if loc == ("passthrough",) else 1)


def _code_text(value: Any) -> Any:
    """``code: 404`` is the code ``'404'``."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MockError(_Model):
    """``error:`` of a mock: the `ToolError` the call fails with."""

    code: Annotated[str, BeforeValidator(_code_text), Field(min_length=1), Wording(
        expect="text such as '0401'", missing="needs a code (a string such as '0401')")]
    message: Annotated[str, Wording(expect="text")] = "mocked error"
    type: Annotated[ErrorType, Wording(noun="error type")] = "tool"
    retryable: bool = False
    details: Any = None

    def make(self) -> ToolError:
        return ToolError(self.code, self.message, type=self.type, retryable=self.retryable,
                         details=copy.deepcopy(self.details))


def _compile(text: str, info: ValidationInfo) -> str:
    """Compile an ``expr`` now (against ``args``, ``call`` and ``uri`` only), so that a
    misspelt name is a problem of the file, not of a run; the program is kept in the
    context's ``programs`` for the mock to answer with."""
    context = info.context if isinstance(info.context, dict) else {}
    env = context.get("env") or gml.default_environment()
    try:
        program, checked = env.compile_checked(text, _EXPR_NAMES)
    except gml.GmlError as error:
        raise Invalid(f"does not compile: {error.code}: {error.message} (line {error.line}, "
                      f"column {error.column} of the expr)") from None
    if program is None:
        first = next(d for d in checked.diagnostics if d.severity == "error")
        raise Invalid(f"does not compile: {first.code}: {first.message} (line {first.line}, "
                      f"column {first.column} of the expr; it may use args, call and uri)")
    context.setdefault("programs", {})[text] = program
    return text


Delay = Annotated[float, Field(ge=0, allow_inf_nan=False),
                  Wording(expect="a number of ms (0 or more)")]
Expr = Annotated[str, AfterValidator(_compile), Wording(expect="GML text")]
ErrorField = Annotated[MockError, Wording(expect="a mapping with a code ({code: '404', "
                                                 "message: ...})")]


def _one_of(model: BaseModel, forms: Sequence[str]) -> None:
    given = [form for form in forms if form in model.model_fields_set]
    choices = ", ".join(forms)
    if not given:
        raise Invalid(f"needs one of {choices}")
    if len(given) > 1:
        raise Invalid(f"has both '{given[0]}' and '{given[1]}'; give exactly one of {choices}",
                      at=(given[1],), key=True)
    form = given[0]
    if form != "result" and getattr(model, form) is None:
        raise Invalid(f"must be {_NOT_NULL[form]}, not null", at=(form,))


_NOT_NULL = {"expr": "GML text", "error": "a mapping with a code ({code: '404', message: ...})",
             "replies": "a non-empty list of model replies (calls, then an answer)",
             "sequence": "a non-empty list of answers (one per call; the last one repeats)"}


class MockStep(_Model):
    """One answer: exactly one of ``result``, ``expr``, ``error`` or ``replies`` (an
    ``agent://`` call's scripted model, `stdlib.tools.chat`), and a ``delay``."""

    result: Any = Field(None, description="the fixed result (null is a result)")
    expr: Expr | None = Field(None, description="GML over args, call (1-based) and uri")
    error: ErrorField | None = Field(None, description="the call fails with this error")
    replies: Replies | None = Field(None, description="agent:// only: the model's replies, "
                                                      "the agent loop runs for real")
    delay: Delay | None = Field(None, description="ms before answering, on the run's clock")

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, value: Any) -> Any:
        if isinstance(value, Mapping) and "sequence" in value:
            raise Invalid("cannot hold another sequence", at=("sequence",), key=True)
        return value

    @model_validator(mode="after")
    def _answer(self) -> MockStep:
        _one_of(self, _FORMS[:4])
        return self


class MockEntry(_Model):
    """A mock: one answer (as `MockStep`), or a ``sequence`` of them, one per call."""

    result: Any = Field(None, description="the fixed result (null is a result)")
    expr: Expr | None = Field(None, description="GML over args, call (1-based) and uri")
    error: ErrorField | None = Field(None, description="the call fails with this error")
    replies: Replies | None = Field(None, description="agent:// only: the model's replies, "
                                                      "the agent loop runs for real")
    sequence: Annotated[list[Annotated[MockStep, Wording(
        expect="a mapping with one of result, expr, error or replies")]], Field(
        min_length=1), Wording(
        expect="a non-empty list of answers (one per call; the last one repeats)")] | None = \
        Field(None, description="one answer per call; the last one repeats")
    delay: Delay | None = Field(None, description="ms before answering (each step's default)")

    @model_validator(mode="after")
    def _answer(self) -> MockEntry:
        _one_of(self, _FORMS)
        return self

    def steps(self) -> list[MockStep]:
        """The answers, one per call (the last repeats)."""
        if self.sequence is not None:
            return list(self.sequence)
        return [MockStep.model_construct(
            _fields_set=self.model_fields_set - {"sequence"}, result=self.result,
            expr=self.expr, error=self.error, replies=self.replies, delay=self.delay)]


def _check_uri(uri: str) -> str:
    if "://" not in uri or not all(uri.partition("://")[::2]):
        raise Invalid(f"mock key {uri!r} is not a tool URI (type://code)", whole=True)
    if "?" in uri:
        raise Invalid(f"mock key {uri!r} has options; mocks are keyed by the URI without "
                      f"options: {uri.split('?', 1)[0]!r}", whole=True)
    return uri


Uri = Annotated[str, AfterValidator(_check_uri)]
Entry = Annotated[MockEntry, Wording(expect="a mapping with one of result, expr, error, "
                                            "replies, sequence")]


class MockFile(_Model):
    """A mock file (``fdl run --mock FILE``): ``mocks:`` (tool URI → answer) and
    ``passthrough``."""

    mocks: Annotated[dict[Uri, Entry] | None, Wording(
        expect="a mapping of tool URIs to answers")] = Field(
        None, description="tool URI without options → its answer")
    passthrough: bool | None = Field(
        None, description="true: calls without a mock reach the real tools")


class MockEntries(BaseModel):
    """Mocks written directly as ``{uri: answer}`` (the inline ``mocks:`` of a flow test
    case), where a ``passthrough`` key may sit beside the URIs."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    __pydantic_extra__: dict[str, Entry]

    passthrough: bool | None = Field(
        None, description="true: calls without a mock reach the real tools")

    @model_validator(mode="before")
    @classmethod
    def _uris(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        for key in value:
            if key == "passthrough":
                continue
            text = str(key)
            if not (isinstance(key, str) and "://" in key):
                hint = suggest(text, _FILE_KEYS)
                if hint is not None:
                    raise Invalid(f"unknown key {text!r} in the mock file; did you mean "
                                  f"'{hint}'?", at=(text,), key=True, whole=True)
                raise Invalid(f"{text!r} is not a tool URI (type://code); a mock file maps "
                              "tool URIs to answers, under 'mocks:'", at=(text,), key=True,
                              whole=True)
            try:
                _check_uri(key)
            except Invalid as error:
                raise Invalid(error.text, at=(key,), key=True, whole=True) from None
        return value

    def entries(self) -> dict[str, MockEntry]:
        """The mocks by URI."""
        return dict(self.__pydantic_extra__ or {})


def _validated(data: Any, env: gml.Environment | None, source: str
               ) -> tuple[dict[str, MockEntry], bool, dict[str, gml.Program]]:
    """A parsed document's mocks (either form), their ``passthrough`` and their programs.

    Raises:
        MockFileError: the first problem.
    """
    context: dict[str, Any] = {"env": env, "programs": {}}
    if isinstance(data, Mapping) and "mocks" in data:
        whole: Validated[MockFile] = validate_value(data, MockFile, name=_file_name,
                                                    root="the mock file", context=context)
        if whole.value is None:
            raise MockFileError.of(whole.problems[0], source)
        return dict(whole.value.mocks or {}), bool(whole.value.passthrough), \
            context["programs"]
    if not isinstance(data, Mapping):
        raise MockFileError("a mock file must be a mapping with 'mocks:' (tool URI → answer)",
                            source)
    direct = validate_value(data, MockEntries, name=lambda loc: mock_name(loc, 0),
                            root="the mock file", context=context)
    if direct.value is None:
        raise MockFileError.of(direct.problems[0], source)
    return direct.value.entries(), bool(direct.value.passthrough), context["programs"]


##### The answers of one mock


@dataclass(frozen=True, slots=True)
class _Answer:
    """One answer: exactly one of ``result`` (``has_result``), ``program``, ``error`` or
    ``replies``."""

    has_result: bool
    result: Any
    program: gml.Program | None
    error: MockError | None
    delay_ms: float
    replies: tuple[ScriptedReply, ...] | None = None

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


def _answers(entry: MockEntry, programs: Mapping[str, gml.Program],
             env: gml.Environment) -> tuple[_Answer, ...]:
    """The answers of a validated entry (its ``expr`` programs compiled by validation)."""
    default = entry.delay if entry.delay is not None else 0.0
    answers = []
    for step in entry.steps():
        program = None
        if step.expr is not None:
            program = programs.get(step.expr)
            if program is None:  # pragma: no cover - validation compiled it
                program = env.compile_checked(step.expr, _EXPR_NAMES)[0]
        answers.append(_Answer("result" in step.model_fields_set, step.result, program,
                               step.error, step.delay if step.delay is not None else default,
                               None if step.replies is None else tuple(step.replies)))
    return tuple(answers)


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

    def scope_names(self, args: Mapping[str, Any]) -> Sequence[str]:
        """The names the real tool would bind from the visible variables (a ``db`` query's
        CQL ``:name`` parameters), so that an ``expr`` mock reads them in ``args`` as the
        real tool would get them. Asking is pure: the real tool is never called. None when
        the project has no such real tool."""
        return self._mocks._scope_names(self._base, args)

    async def call(self, call: ToolCall) -> Any:
        number = self._mocks._record(self._base, call)
        answer = self._answers[min(number, len(self._answers)) - 1]
        if answer.delay_ms > 0:
            await trio.sleep(answer.delay_ms / 1000)
        if answer.replies is not None:
            return await self._mocks._scripted(self._base, answer.replies, call)
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

    def scope_names(self, args: Mapping[str, Any]) -> Sequence[str]:
        """The real tool's further names bound from the visible variables (a ``db``
        query's CQL ``:name`` parameters, tools.md §6), so the runtime builds the same
        `ToolCall` as without mocks; none when the real tool names none."""
        wanted = getattr(self._tool, "scope_names", None)
        return () if wanted is None else wanted(args)

    async def call(self, call: ToolCall) -> Any:
        # The call is handed on as it came (the same object: every field of the ToolCall).
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
            of ``result``, ``expr``, ``error``, ``replies``, ``sequence`` and an optional
            ``delay``).
        passthrough: let URIs without a mock reach ``fallback``.
        fallback: the real tools, used with ``passthrough`` (and for the agents that run the
            ``replies`` of a mock).
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
        environment = env if env is not None else gml.default_environment()
        context: dict[str, Any] = {"env": environment, "programs": {}}
        found = validate_value({"mocks": mocks}, MockFile, name=_file_name,
                               root="the mock file", context=context)
        if found.value is None:
            raise MockFileError.of(found.problems[0], source, prefix=1)
        self._setup(found.value.mocks or {}, passthrough, fallback, environment, source,
                    context["programs"])

    def _setup(self, entries: Mapping[str, MockEntry], passthrough: bool,
               fallback: ToolProvider | None, env: gml.Environment | None, source: str,
               programs: Mapping[str, gml.Program]) -> None:
        self.source = source
        self.passthrough = passthrough
        self._fallback = fallback
        environment = env if env is not None else gml.default_environment()
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self._tools: dict[str, _MockTool] = {}
        for uri, entry in entries.items():
            self._tools[uri] = _MockTool(self, uri, _answers(entry, programs, environment))
            self.calls[uri] = []

    @classmethod
    def _of(cls, entries: Mapping[str, MockEntry], passthrough: bool,
            fallback: ToolProvider | None, env: gml.Environment | None, source: str,
            programs: Mapping[str, gml.Program]) -> Mocks:
        """Mocks from entries validated already (not validated again)."""
        mocks = cls.__new__(cls)
        mocks._setup(entries, passthrough, fallback, env, source, programs)
        return mocks

    def pass_to(self, provider: ToolProvider) -> None:
        """Use ``provider`` for unmocked URIs (with ``passthrough``) unless the mocks were
        given a fallback already; the `Runtime` hands over its own tools this way."""
        if self._fallback is None:
            self._fallback = provider

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, fallback: ToolProvider | None = None,
                     env: gml.Environment | None = None, source: str = "<mocks>") -> Mocks:
        """Mocks from a parsed document, with the validation of a mock file.

        ``data`` is either ``{"mocks": {uri: entry}, "passthrough": bool}`` (`MockFile`) or
        directly ``{uri: entry}`` (`MockEntries`, the inline ``mocks:`` of a flow test case),
        where a ``passthrough`` key may sit beside the URIs.

        Raises:
            MockFileError: the document or an entry is invalid (the first problem).
        """
        entries, passthrough, programs = _validated(data, env, source)
        return cls._of(entries, passthrough, fallback, env, source, programs)

    @classmethod
    def load(cls, path: str | Path, *, fallback: ToolProvider | None = None,
             env: gml.Environment | None = None) -> Mocks:
        """Mocks from a YAML file (the ``--mock FILE`` of ``fdl run``), read like flow files
        (`compiler.yamltree`: YAML 1.2, duplicate keys refused) and validated by `MockFile`
        (or `MockEntries`) with `compiler.validate`.

        Raises:
            MockFileError: the file cannot be read, is not valid YAML or holds an invalid
                entry; with the line and column of the problem.
        """
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise MockFileError(f"cannot read the mock file: {reason}", name) from None
        source = Source(text)
        reporter = Reporter(name, source)
        tree = load_yaml(text, reporter)
        errors = [d for d in reporter.diagnostics if d.is_error]
        if errors:
            first = errors[0]
            raise MockFileError(f"{first.code}: {first.message}", name, first.line,
                                first.column)
        context: dict[str, Any] = {"env": env, "programs": {}}
        if tree is None:
            return cls._of({}, False, fallback, env, name, {})
        if isinstance(tree, YMap) and "mocks" not in tree:
            direct = validate(tree, MockEntries, name=lambda loc: mock_name(loc, 0),
                              root="the mock file", context=context)
            if direct.value is None:
                raise MockFileError.of(direct.problems[0], name, source)
            return cls._of(direct.value.entries(), bool(direct.value.passthrough), fallback,
                           env, name, context["programs"])
        whole = validate(tree, MockFile, name=_file_name, root="the mock file",
                         context=context)
        if whole.value is None:
            raise MockFileError.of(whole.problems[0], name, source)
        return cls._of(whole.value.mocks or {}, bool(whole.value.passthrough), fallback, env,
                       name, context["programs"])

    def resolve(self, base: str) -> Tool | None:
        """The tool for ``base`` (``type://code``): its mock, a passed-through real tool, or
        a tool that records the call and fails with F406. Never None: with mocks, nothing
        reaches the real tools unless ``passthrough`` says so."""
        mocked = self._tools.get(base) or self._by_code(base)
        if mocked is not None:
            return mocked
        return self._unmocked(base, base)

    def resolve_written(self, written: str, base: str) -> Tool | None:
        """The tool of a ``tool://<code>`` call (``written``) that the compiler resolved to
        ``base`` (``api://<code>``): the mock keyed by the URI as written, else the one
        keyed by the URI it resolves to (tools.md §7), else as `resolve` for ``base``.
        Whichever answers, the call is recorded under the URI as written, where the flow's
        author looks for it (``calls``, ``counts``)."""
        mocked = self._tools.get(written) or self._tools.get(base)
        if mocked is not None:
            return _MockTool(self, written, mocked._answers)
        return self._unmocked(written, base)

    def _by_code(self, written: str) -> _MockTool | None:
        """A ``tool://<code>`` the compiler could not resolve (no catalog): the one mock of
        that code whatever its type, if there is exactly one."""
        scheme, _, code = written.partition("://")
        if scheme != TOOL_SCHEME:
            return None
        found = [tool for uri, tool in self._tools.items()
                 if uri.partition("://")[2] == code and not uri.startswith(TOOL_SCHEME)]
        return _MockTool(self, written, found[0]._answers) if len(found) == 1 else None

    def _unmocked(self, written: str, base: str) -> Tool:
        if self.passthrough:
            real = self._fallback.resolve(base) if self._fallback is not None else None
            if real is not None:
                return _PassthroughTool(self, written, real)
            return _MissingTool(self, written, f"no mock for {written} and no real tool to "
                                               "pass through to; add a mock or register the "
                                               "tool")
        return _MissingTool(self, written, f"no mock for {written}; add one to the mock file "
                                           "or set passthrough: true")

    @property
    def scripted(self) -> bool:
        """Whether a mock scripts a model's replies (``replies:``): the project's agents
        must then be given as the fallback (`pass_to`), passthrough or not."""
        return any(answer.replies is not None for tool in self._tools.values()
                   for answer in tool._answers)

    async def _scripted(self, base: str, replies: Sequence[ScriptedReply],
                        call: ToolCall) -> Any:
        """Run the real agent ``base`` with a `ScriptedChat` of ``replies`` as its model,
        its tool calls on these mocks (mocked, or passed through)."""
        real = self._fallback.resolve(base) if self._fallback is not None else None
        scripted = getattr(real, "scripted", None)
        if scripted is None:
            scheme, _, name = base.partition("://")
            hint = (f"configure the agent '{name}' under agents: in fdl.yaml (its tools, "
                    "system message and max_steps are used)" if scheme == "agent"
                    else "replies: is for agent:// tools only")
            raise ToolError("F406", f"the mock for {base} scripts a model's replies, but "
                            f"there is no agent to run them: {hint}", type="tool")
        tool: Tool = scripted(ScriptedChat(replies), self)
        return await tool.call(call)

    def _scope_names(self, base: str, args: Mapping[str, Any]) -> Sequence[str]:
        real = self._fallback.resolve(base) if self._fallback is not None else None
        wanted = getattr(real, "scope_names", None)
        return () if wanted is None else wanted(args)

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
