"""The façade: an `Environment` ties parser, checker and compiler together and caches
compiled programs by source; a `Program` (`gml._program`) is what it returns.

Each stage can be called on its own (``parse``, ``check``, ``compile``), as Jinja's
Environment allows; the language server uses only the front half.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from threading import Lock
from typing import Any

from . import builtins
from . import nodes as n
from ._checkcache import CheckCache
from ._checker import CheckResult, check_program
from ._compiler import compile_program
from ._context import Clock, resolve_timezone, system_clock
from ._errors import Diagnostic, GmlCompileError, GmlError, GmlLimitError
from ._limits import Limits
from ._parser import parse as _parse
from ._program import Program, TimezoneLike, not_compiled
from ._source import Source, Span
from .builtins import Builtin, Param
from .types import ANY, Type, parse_type

__all__ = ["Environment", "Program", "TimezoneLike", "udf"]


def udf(name: str, fn: Callable[..., Any], *, params: Sequence[str | Param] = (),
        returns: Type | str = ANY, doc: str = "", variadic: bool = False) -> Builtin:
    """Describe a host function (UDF) so that programs can call it like a built-in.

    Args:
        name: the function's name (case-insensitive in programs).
        fn: the Python callable; it receives native GML values.
        params: parameter names, or `Param` values with types (``"x: int"`` is accepted).
        returns: the result type, for the checker and the editor.
        doc: one line shown in completion and hover.
        variadic: the last parameter repeats.
    """
    parsed: list[Param] = []
    for p in params:
        if isinstance(p, Param):
            parsed.append(p)
            continue
        pname, _, ptype = p.partition(":")
        optional = pname.strip().endswith("?")
        parsed.append(Param(pname.strip().rstrip("?"), parse_type(ptype) if ptype.strip()
                            else ANY, optional=optional))
    result = parse_type(returns) if isinstance(returns, str) else returns
    return Builtin(name, fn, tuple(parsed), result, doc or f"host function {name}",
                   variadic=variadic)


class Environment:
    """Functions, limits, clock and timezone shared by the programs it compiles.

    The tables of functions and methods belong to the environment (as a Jinja environment
    holds its filters): the checker, the compiler and the editor read them from here.

    Args:
        functions: host functions (see `udf`) added to the built-ins; a host function may
            replace a built-in of the same name.
        methods: host methods by receiver kind (``"array"``, ``"string"``, ``"object"``,
            ``"date"``), added to the built-in methods of that kind; a host method may
            replace a built-in one. The receiver is the implementation's first argument.
        limits: resource limits of every evaluation (spec §10).
        timezone: zone for dates (name such as ``Asia/Shanghai``); default the machine's.
        clock: returns the current instant; default the system clock.
        cache_size: how many compiled programs to keep, by source.
    """

    def __init__(self, *, functions: Iterable[Builtin] = (),
                 methods: Mapping[str, Iterable[Builtin]] | None = None,
                 limits: Limits | None = None, timezone: TimezoneLike = None,
                 clock: Clock | None = None, cache_size: int = 1024) -> None:
        table = dict(builtins.FUNCTIONS)
        for builtin in functions:
            for name in (builtin.name, *builtin.aliases):
                table[name.upper()] = builtin
        self.functions: Mapping[str, Builtin] = table
        kinds = {kind: dict(found) for kind, found in builtins.METHODS.items()}
        for kind, added in (methods or {}).items():
            if kind not in kinds:
                raise ValueError(f"methods: unknown receiver kind {kind!r}; "
                                 f"use one of {', '.join(sorted(kinds))}")
            for builtin in added:
                for name in (builtin.name, *builtin.aliases):
                    kinds[kind][name] = builtin
        self.methods: Mapping[str, Mapping[str, Builtin]] = kinds
        self.limits = limits or Limits()
        self.timezone = resolve_timezone(timezone)
        self.clock: Clock = clock or system_clock
        self._cache: OrderedDict[str, Program] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def parse(self, source: str) -> n.Program:
        """Parse GML text (raises `GmlSyntaxError` G101 or `GmlLimitError` G306)."""
        try:
            return _parse(source)
        except GmlError as error:
            raise error.with_source(Source(source)) from None

    def check(self, source: str, names: Mapping[str, Type | str] | None = None
              ) -> list[Diagnostic]:
        """Every problem in ``source``, as diagnostics; never raises.

        Args:
            names: the typed names the program may use (``{"a": "int", "o": "Order"}``);
                type strings use the FDL type syntax. Without it, any name is accepted.
        """
        source_text = Source(source)
        try:
            ast = _parse(source)
        except GmlError as error:
            span = error.span or Span(0, 0)
            return [Diagnostic.at(source_text, error.code, "error", error.message, span)]
        return self._check(ast, source_text, names).diagnostics

    def check_result(self, source: str, names: Mapping[str, Type | str] | None = None
                     ) -> CheckResult:
        """Like `check`, with the inferred types (raises `GmlSyntaxError` on bad syntax)."""
        return self._check(self.parse(source), Source(source), names)

    def check_ast(self, ast: n.Program, source: str, names: Mapping[str, Type] | None, *,
                  object_mode: bool = False) -> CheckResult:
        """Check a program already parsed from ``source`` against typed ``names``, with
        this environment's functions and methods (what an editor does with the AST it
        keeps); never raises for problems in the program: they are the diagnostics."""
        return check_program(ast, Source(source), names, self.functions, self.methods,
                             object_mode)

    def _check(self, ast: n.Program, source: Source,
               names: Mapping[str, Type | str] | None) -> CheckResult:
        typed = None if names is None else {
            k: parse_type(t) if isinstance(t, str) else t for k, t in names.items()}
        return check_program(ast, source, typed, self.functions, self.methods)

    def compile(self, source: str) -> Program:
        """Compile GML text to a `Program`, re-using an earlier compilation of the same text.

        Raises:
            GmlSyntaxError: G101.
            GmlCompileError: G2xx; ``.diagnostics`` holds every problem.
        """
        with self._lock:
            cached = self._cache.get(source)
            if cached is not None:
                self._cache.move_to_end(source)
                return cached
        program = self._compile(source)
        with self._lock:
            self._cache[source] = program
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return program

    def _compile(self, source: str) -> Program:
        ast = self.parse(source)
        text = Source(source)
        try:
            checked = self._check(ast, text, None)
        except RecursionError:
            raise GmlLimitError("the program is nested too deeply").with_source(text) from None
        if checked.errors:
            raise GmlCompileError(checked.diagnostics).with_source(text)
        try:
            run, slots = compile_program(ast, self.functions, self.methods)
        except RecursionError:
            raise GmlLimitError("the program is nested too deeply").with_source(text) from None
        return Program(self, source, ast, run, slots, checked)

    def compile_checked(self, source: str, names: Mapping[str, Type] | None, *,
                        object_mode: bool = False, codegen: bool = True,
                        cache: CheckCache | None = None
                        ) -> tuple[Program | None, CheckResult]:
        """Check ``source`` against typed ``names`` and compile it when it has no errors.

        This is what a host with typed variables (the FDL compiler) calls: the checker sees
        the real types, and the closures are built once from the same parse. Returns the
        program (None when there are errors) and the checker's result.

        Args:
            object_mode: read a single bare path as a field (``id`` → ``{id}``), as FDL's
                ``args``, ``sets`` and ``vars`` require.
            codegen: build the closures. Without them (an editor only needs the checker's
                result) the program is not `Program.executable`: it has its AST, types and
                diagnostics, and evaluating it raises `RuntimeError`.
            cache: results of earlier calls to re-use when they are exact (`CheckCache`):
                the same text and mode, and the same types for every name the checker read.
                The returned `CheckResult` may then be shared: do not change it.

        Raises:
            GmlSyntaxError: G101, or `GmlLimitError` G306 for hostile input.
        """
        if cache is not None and names is not None:
            found = cache.get(self, source, object_mode, names)
            if found is not None:
                program = found.program
                if program is not None and codegen and not program.executable:
                    try:
                        program = self._program(source, found.ast, found.checked,
                                                object_mode, True)
                    except RecursionError:
                        raise GmlLimitError("the program is nested too deeply").with_source(
                            Source(source)) from None
                    cache.compiled(self, source, object_mode, found, program)
                return program, found.checked
        ast = self.parse(source)
        reads = CheckCache.recorder(names) if cache is not None and names is not None else None
        text = Source(source)
        try:
            checked = check_program(ast, text, names if reads is None else reads,
                                    self.functions, self.methods, object_mode)
            program = None if checked.errors else self._program(source, ast, checked,
                                                                object_mode, codegen)
        except RecursionError:
            raise GmlLimitError("the program is nested too deeply").with_source(text) from None
        if reads is not None and cache is not None:
            cache.put(self, source, object_mode, reads, ast, checked, program)
        return program, checked

    def _program(self, source: str, ast: n.Program, checked: CheckResult, object_mode: bool,
                 codegen: bool) -> Program:
        if not codegen:
            return Program(self, source, ast, not_compiled, 0, checked, object_mode)
        run, slots = compile_program(ast, self.functions, self.methods, object_mode)
        return Program(self, source, ast, run, slots, checked, object_mode)

    def evaluate(self, source: str, data: Mapping[str, Any] | None = None, *,
                 tz: TimezoneLike = None, clock: Clock | None = None,
                 limits: Limits | None = None) -> Any:
        """Compile (cached) and evaluate in one call."""
        return self.compile(source)(data, tz=tz, clock=clock, limits=limits)

