"""AST → nested Python closures (spec/gml.md §1 "Compiled").

Each expression node becomes a function ``Frame -> value``; a program becomes one function
that runs its statements. Names are resolved here, once: lambda parameters and temporaries
become slot indexes, earlier fields become reads of the result object, everything else a
read of the input context. No source is generated and nothing walks the tree at run time.

Every closure that can fail catches `GmlRuntimeError` once and stamps it with its own span
when the error has none yet, so the innermost failing operation is the one reported.
Other exceptions escaping a built-in become G301 errors at the call's position.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Overflow
from typing import TYPE_CHECKING, Any

import pendulum

from . import nodes as n
from . import values as v
from ._errors import GmlError, GmlLimitError, GmlRuntimeError
from ._frame import Frame
from ._like import LikePattern
from ._limits import Limits, check_array_size, check_string_size
from ._size import expanded_size
from ._source import Span
from .text import suggest

if TYPE_CHECKING:
    from .builtins import Builtin

__all__ = ["Closure", "compile_program"]

Closure = Callable[[Frame], Any]
MAX_INT_BITS = 14_000
"""Integers produced by ``*`` are capped near Python's 4,300-digit text limit (G306)."""


def _stamp(error: GmlError, span: Span) -> GmlError:
    if error.span is None:
        error.span = span
    return error


def _measure(frame: Frame, value: list[Any] | dict[str, Any], span: Span) -> None:
    """G306 when ``value``'s expanded size (`gml._size`) exceeds the limit."""
    memo = frame.sizes
    if memo is None:
        memo = frame.sizes = {}
    try:
        expanded_size(value, memo, frame.ctx.limits.max_total)
    except GmlError as error:
        raise _stamp(error, span) from None


def _nested(values: Any) -> bool:
    """True when one of ``values`` is an array or an object (so sizes must be counted)."""
    for value in values:  # noqa: SIM110 - a loop is faster than any() over a generator
        if type(value) is list or type(value) is dict:
            return True
    return False


def _charge(frame: Frame, values: Any, span: Span) -> None:
    """Spend one step, plus the length of every array and object in ``values``, of the
    evaluation's budget (`Limits.max_steps`); G306 when it runs out."""
    cost = 1
    for value in values:
        if type(value) is list or type(value) is dict:
            cost += len(value)
    frame.steps -= cost
    if frame.steps < 0:
        raise GmlLimitError(f"the evaluation did more than {frame.ctx.limits.max_steps} steps "
                            "of work (a step is a call, plus one per element of the arrays "
                            "it is given); simplify it or split it into several nodes", span)


_REPEATING = frozenset({"map", "reduce", "add", "addAll", "expand", "collap", "merge"})
"""Built-ins whose result can hold one part at several places (``xs.map(x => a)``,
``a.addAll(a)``): their results are measured (`_measure`). Every other built-in places
each part of its arguments at most once, so its result is no larger than they are (host
functions are measured too: nothing is known of them)."""


def _result(frame: Frame, value: Any, span: Span) -> Any:
    """``value``, once an array or object built by a built-in has been measured."""
    if type(value) is list or type(value) is dict:
        _measure(frame, value, span)
    return value


def _guard(span: Span, what: str, error: Exception) -> GmlError:
    if isinstance(error, GmlError):
        return _stamp(error, span)
    if isinstance(error, RecursionError | MemoryError):
        return GmlLimitError(f"{what} ran out of resources", span)
    if isinstance(error, OverflowError | Overflow):
        return GmlLimitError(f"{what}: a number is too large (a double ends near 1.8e308, "
                             "a decimal at 1e999999)", span)
    return GmlRuntimeError("G301", f"{what} failed: {error}", span)


class _Scope:
    """Compile-time names: lambda parameters and temporaries (slots), fields (by name).

    A child scope (a lambda body) sees its parent's names; slots are allocated from one
    counter per program, shared through ``counter``.
    """

    def __init__(self, parent: _Scope | None = None) -> None:
        self.parent = parent
        self.slots: dict[str, int] = {}
        self.temps: dict[str, int] = {} if parent is None else parent.temps
        self.fields: set[str] = set() if parent is None else parent.fields
        self.counter: list[int] = [0] if parent is None else parent.counter

    def allocate(self) -> int:
        self.counter[0] += 1
        return self.counter[0] - 1

    def param(self, name: str) -> int | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.slots:
                return scope.slots[name]
            scope = scope.parent
        return None


class Compiler:
    """Turns one checked `Program` into a closure. One ``visit_<Node>`` per node type."""

    def __init__(self, functions: Mapping[str, Builtin],
                 methods: Mapping[str, Mapping[str, Builtin]]) -> None:
        self.functions = functions
        self.methods = methods

    # ------------------------------------------------------------ programs

    def program(self, program: n.Program, object_mode: bool = False
                ) -> tuple[Callable[[Frame], Any], int]:
        """Return ``(run, slot_count)``: ``run(frame)`` is the program's value."""
        scope = _Scope()
        if program.single_value and not object_mode:
            stmt = program.statements[0]
            assert isinstance(stmt, n.ExprStmt)
            body = self.expr(stmt.value, scope)
            return body, scope.counter[0]
        steps = [self.statement(stmt, scope) for stmt in program.statements]

        def run(frame: Frame) -> Any:
            for step in steps:
                step(frame)
            return frame.this

        return run, scope.counter[0]

    def statement(self, stmt: n.Stmt, scope: _Scope) -> Callable[[Frame], None]:
        if isinstance(stmt, n.Assign | n.ExprStmt):
            name = stmt.name if isinstance(stmt, n.Assign) else n.path_field_name(stmt.value)
            assert name is not None, "the checker rejects bare non-paths (G201)"
            value = self.expr(stmt.value, scope)
            scope.fields.add(name)  # defined after its right-hand side (§3.3)

            def assign(frame: Frame) -> None:
                frame.this[name] = value(frame)

            return assign
        if isinstance(stmt, n.TempAssign):
            value = self.expr(stmt.value, scope)
            slot = scope.temps.get(stmt.name)
            if slot is None:
                slot = scope.temps[stmt.name] = scope.allocate()
            index = slot

            def assign_temp(frame: Frame) -> None:
                frame.slots[index] = value(frame)

            return assign_temp
        assert isinstance(stmt, n.SpreadStmt)
        value = self.expr(stmt.value, scope)

        def spread(frame: Frame) -> None:
            source = value(frame)
            if isinstance(source, Mapping):
                frame.this.update(source)

        return spread

    # ------------------------------------------------------------ expressions

    def expr(self, node: n.Expr, scope: _Scope) -> Closure:
        method: Callable[[Any, _Scope], Closure] = getattr(self, f"visit_{type(node).__name__}")
        return method(node, scope)

    def visit_Literal(self, node: n.Literal, scope: _Scope) -> Closure:
        value = node.value
        return lambda frame: value

    def visit_Name(self, node: n.Name, scope: _Scope) -> Closure:
        name = node.name
        slot = scope.param(name)
        if slot is not None:
            return lambda frame: frame.slots[slot]
        if name in scope.fields:
            return lambda frame: frame.this.get(name)
        if name == "now":
            def read_now(frame: Frame) -> Any:
                value = frame.data.get(name, _MISSING)
                return frame.ctx.now() if value is _MISSING else value
            return read_now
        return lambda frame: frame.data.get(name)

    def visit_Temp(self, node: n.Temp, scope: _Scope) -> Closure:
        slot = scope.temps[node.name]  # the checker reports unknown temporaries (G204)
        return lambda frame: frame.slots[slot]

    def visit_ThisTemp(self, node: n.ThisTemp, scope: _Scope) -> Closure:
        return self.visit_Temp(n.Temp(node.name, span=node.span), scope)

    def visit_This(self, node: n.This, scope: _Scope) -> Closure:
        return lambda frame: dict(frame.this)  # a snapshot: `x = this` must not see itself

    def visit_WholeInput(self, node: n.WholeInput, scope: _Scope) -> Closure:
        return lambda frame: frame.data

    def visit_Member(self, node: n.Member, scope: _Scope) -> Closure:
        name, span = node.name, node.span
        member = v.member
        if isinstance(node.obj, n.This):
            return lambda frame: frame.this.get(name)
        slot = scope.param(node.obj.name) if isinstance(node.obj, n.Name) else None
        if slot is not None:

            def param_member(frame: Frame) -> Any:
                value = frame.slots[slot]
                if type(value) is dict:
                    return value.get(name)
                if type(value) is list:  # a projection walks the array
                    _charge(frame, (value,), span)
                return member(value, name)

            return param_member
        obj = self.expr(node.obj, scope)

        def read_member(frame: Frame) -> Any:
            value = obj(frame)
            if type(value) is dict:
                return value.get(name)
            if type(value) is list:  # a projection walks the array
                _charge(frame, (value,), span)
            return member(value, name)

        return read_member

    def visit_Index(self, node: n.Index, scope: _Scope) -> Closure:
        obj, key, span, index = self.expr(node.obj, scope), self.expr(node.index, scope), \
            node.span, v.index

        def read_index(frame: Frame) -> Any:
            try:
                value, at = obj(frame), key(frame)
                if type(at) is str and type(value) is list:  # a projection
                    _charge(frame, (value,), span)
                return index(value, at)
            except GmlError as error:
                raise _stamp(error, span) from None

        return read_index

    # ------------------------------------------------------------ operators

    def visit_Unary(self, node: n.Unary, scope: _Scope) -> Closure:
        operand, span = self.expr(node.operand, scope), node.span
        if node.op == "!":
            return lambda frame: not operand(frame)
        fn = v.negate if node.op == "-" else v.plus

        def unary(frame: Frame) -> Any:
            try:
                return fn(operand(frame))
            except GmlError as error:
                raise _stamp(error, span) from None

        return unary

    def visit_Binary(self, node: n.Binary, scope: _Scope) -> Closure:
        op = node.op
        left, right, span = self.expr(node.left, scope), self.expr(node.right, scope), node.span
        if op == "&&":
            return lambda frame: bool(left(frame)) and bool(right(frame))
        if op == "||":
            return lambda frame: left(frame) or right(frame)
        if op == "??":
            def coalesce(frame: Frame) -> Any:
                value = left(frame)
                return right(frame) if value is None else value
            return coalesce
        if op in _RELATIONS:
            return _relation(node, left, right, scope)
        if op in ("like", "not like"):
            return _like(node, left, right, op == "not like", span)
        return _arithmetic(op, left, right, span)

    def visit_Conditional(self, node: n.Conditional, scope: _Scope) -> Closure:
        test, then, other = (self.expr(node.test, scope), self.expr(node.then, scope),
                             self.expr(node.otherwise, scope))
        return lambda frame: then(frame) if test(frame) else other(frame)

    def visit_Case(self, node: n.Case, scope: _Scope) -> Closure:
        whens = [(self.expr(w.cond, scope), self.expr(w.value, scope)) for w in node.whens]
        other = self.expr(node.otherwise, scope) if node.otherwise else (lambda frame: None)
        if node.subject is None:
            def searched(frame: Frame) -> Any:
                for cond, value in whens:
                    if cond(frame):
                        return value(frame)
                return other(frame)
            return searched
        subject, equal, span = self.expr(node.subject, scope), v.equal, node.span

        def simple(frame: Frame) -> Any:
            actual = subject(frame)
            try:
                for cond, value in whens:
                    if equal(actual, cond(frame), frame.ctx.limits):
                        return value(frame)
            except GmlError as error:
                raise _stamp(error, span) from None
            return other(frame)

        return simple

    # ------------------------------------------------------------ literals

    def visit_Template(self, node: n.Template, scope: _Scope) -> Closure:
        parts: list[Closure] = []
        for part in node.parts:
            if isinstance(part, str):
                parts.append(_constant(part))
            else:
                parts.append(self.expr(part, scope))
        to_text, span = v.to_text, node.span

        def template(frame: Frame) -> str:
            limits = frame.ctx.limits
            try:
                text = "".join([to_text(part(frame), limits) for part in parts])
                check_string_size(len(text), limits)
            except GmlError as error:
                raise _stamp(error, span) from None
            return text

        return template

    def visit_Array(self, node: n.Array, scope: _Scope) -> Closure:
        items = [(isinstance(item, n.Spread), self.expr(
            item.value if isinstance(item, n.Spread) else item, scope)) for item in node.items]
        span = node.span
        if not any(spread for spread, _ in items):
            closures = [c for _, c in items]

            def plain_array(frame: Frame) -> list[Any]:
                out = [c(frame) for c in closures]
                if _nested(out):
                    _measure(frame, out, span)
                return out

            return plain_array

        def array(frame: Frame) -> list[Any]:
            out: list[Any] = []
            for spread, closure in items:
                value = closure(frame)
                if not spread:
                    out.append(value)
                elif isinstance(value, list | tuple):
                    out.extend(value)
                elif value is not None:
                    raise GmlRuntimeError("G301", f"only an array can be spread into an array, "
                                          f"not {v.article(v.kind(value))}", span)
            try:
                check_array_size(len(out), frame.ctx.limits)
            except GmlError as error:
                raise _stamp(error, span) from None
            if _nested(out):
                _measure(frame, out, span)
            return out

        return array

    def visit_Object(self, node: n.Object, scope: _Scope) -> Closure:
        steps: list[Callable[[Frame, dict[str, Any]], None]] = []
        for entry in node.entries:
            steps.append(self._entry(entry, scope))

        span = node.span

        def obj(frame: Frame) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for step in steps:
                step(frame, out)
            if _nested(out.values()):
                _measure(frame, out, span)
            return out

        return obj

    def _entry(self, entry: n.Field | n.ComputedField | n.Spread, scope: _Scope
               ) -> Callable[[Frame, dict[str, Any]], None]:
        value = self.expr(entry.value, scope)
        if isinstance(entry, n.Field):
            key = entry.key

            def put(frame: Frame, out: dict[str, Any]) -> None:
                out[key] = value(frame)

            return put
        if isinstance(entry, n.Spread):
            def spread(frame: Frame, out: dict[str, Any]) -> None:
                source = value(frame)
                if isinstance(source, Mapping):
                    out.update(source)

            return spread
        key_closure, span = self.expr(entry.key, scope), entry.key.span

        def computed(frame: Frame, out: dict[str, Any]) -> None:
            key = key_closure(frame)
            if isinstance(key, bool) or not (isinstance(key, str) or v.is_number(key)):
                raise GmlRuntimeError("G301", f"an object key must be a string or a number, "
                                      f"not {v.article(v.kind(key))}", span)
            out[v.to_text(key)] = value(frame)

        return computed

    # ------------------------------------------------------------ calls

    def visit_Lambda(self, node: n.Lambda, scope: _Scope) -> Closure:
        inner = _Scope(scope)
        slots = [inner.slots.setdefault(p, inner.allocate()) for p in node.params]
        body = self.expr(node.body, inner)
        arity = len(slots)
        if arity == 1:
            (s0,) = slots
            # `x => x.field` is marked, so that array methods can read the field directly.
            field = (node.body.name if isinstance(node.body, n.Member)
                     and node.body.obj == n.Name(node.params[0]) else None)

            direct = getattr(body, "direct", None)
            if direct is not None and direct[0] == s0:
                # `o => o.amount > 100`: one Python call per element, not two.
                test = direct[1]
                return lambda frame: test

            def bind1(frame: Frame) -> Any:
                values = frame.slots

                def fn1(x: Any = None, *_: Any) -> Any:
                    values[s0] = x
                    return body(frame)

                fn1.arity = 1  # type: ignore[attr-defined]
                fn1.field = field  # type: ignore[attr-defined]
                return fn1

            return bind1

        def bind(frame: Frame) -> Any:
            values = frame.slots

            def fn(*args: Any) -> Any:
                for i, slot in enumerate(slots):
                    values[slot] = args[i] if i < len(args) else None
                return body(frame)

            fn.arity = arity  # type: ignore[attr-defined]
            return fn

        return bind

    def visit_Call(self, node: n.Call, scope: _Scope) -> Closure:
        builtin = self.functions[node.name.upper()]  # the checker reports unknown ones (G202)
        args = [self.expr(arg, scope) for arg in node.args]
        impl, span, what = builtin.impl, node.span, builtin.name
        measure = what in _REPEATING or not str(getattr(impl, "__module__", "")).startswith(
            "gml.builtins")  # a host function may return anything
        if builtin.lazy:
            def call_lazy(frame: Frame) -> Any:
                _charge(frame, (), span)
                try:
                    result = impl(*[(lambda a=a: a(frame)) for a in args])
                except Exception as error:
                    raise _guard(span, what, error) from None
                return _result(frame, result, span) if measure else result
            return call_lazy
        if builtin.context:
            def call_ctx(frame: Frame) -> Any:
                values = [a(frame) for a in args]
                _charge(frame, values, span)
                try:
                    result = impl(frame.ctx, *values)
                except Exception as error:
                    raise _guard(span, what, error) from None
                return _result(frame, result, span) if measure else result
            return call_ctx
        if len(args) == 1:
            (a0,) = args

            def call1(frame: Frame) -> Any:
                value = a0(frame)
                _charge(frame, (value,), span)
                try:
                    result = impl(value)
                except Exception as error:
                    raise _guard(span, what, error) from None
                return _result(frame, result, span) if measure else result

            return call1

        def call(frame: Frame) -> Any:
            values = [a(frame) for a in args]
            _charge(frame, values, span)
            try:
                result = impl(*values)
            except Exception as error:
                raise _guard(span, what, error) from None
            return _result(frame, result, span) if measure else result

        return call

    def visit_MethodCall(self, node: n.MethodCall, scope: _Scope) -> Closure:
        obj = self.expr(node.obj, scope)
        args = [self.expr(arg, scope) for arg in node.args]
        name, span, methods = node.name, node.span, self.methods
        measure = name in _REPEATING
        dispatch: dict[type, Callable[[Frame, Any, list[Any]], Any]] = {}
        by_kind: dict[str, Callable[[Frame, Any, list[Any]], Any]] = {}
        for kind, table in self.methods.items():
            builtin = table.get(name)
            if builtin is not None:
                by_kind[kind] = _invoker(builtin)
        for python_type, kind in _KIND_TYPES.items():
            if kind in by_kind:
                dispatch[python_type] = by_kind[kind]

        def call_on(frame: Frame, receiver: Any) -> Any:
            if receiver is None:
                return None
            invoke = dispatch.get(type(receiver))
            if invoke is None:
                invoke = by_kind.get(v.kind(receiver)) if not isinstance(
                    receiver, bool | int | float) else None
                if invoke is None:
                    raise GmlRuntimeError("G305", _no_method(name, receiver, methods), span)
            values = [a(frame) for a in args]
            _charge(frame, (receiver, *values), span)
            try:
                result = invoke(frame, receiver, values)
            except Exception as error:
                raise _guard(span, name, error) from None
            return _result(frame, result, span) if measure else result

        direct = _direct_method(name, args, span, call_on, methods)
        if direct is not None:
            return _on_receiver(obj, direct)
        return lambda frame: call_on(frame, obj(frame))


_MISSING = object()

_PRIMARY_TYPES = {"array": list, "string": str, "object": dict}


def _on_receiver(obj: Closure, call: Callable[[Frame, Any], Any]) -> Closure:
    return lambda frame: call(frame, obj(frame))


def _direct_method(name: str, args: list[Closure], span: Span,
                   general: Callable[[Frame, Any], Any],
                   methods: Mapping[str, Mapping[str, Builtin]]
                   ) -> Callable[[Frame, Any], Any] | None:
    """For a method that exists for one kind only and takes at most one argument (``sum``,
    ``map``, ``filter``, ``trim``...): call its implementation directly when the receiver has
    that kind's usual Python type, with no argument list; anything else takes ``general``."""
    owners = [(kind, table[name]) for kind, table in methods.items() if name in table]
    if len(owners) != 1 or owners[0][1].context or len(args) > 1:
        return None
    kind, builtin = owners[0]
    primary, impl = _PRIMARY_TYPES.get(kind), builtin.impl
    measure = name in _REPEATING
    if primary is None:
        return None
    if not args:
        def call0(frame: Frame, receiver: Any) -> Any:
            if type(receiver) is not primary:
                return general(frame, receiver)
            _charge(frame, (receiver,), span)
            try:
                result = impl(receiver)
            except Exception as error:
                raise _guard(span, name, error) from None
            return _result(frame, result, span) if measure else result

        return call0
    (arg,) = args

    def call1(frame: Frame, receiver: Any) -> Any:
        if type(receiver) is not primary:
            return general(frame, receiver)
        value = arg(frame)
        _charge(frame, (receiver, value), span)
        try:
            result = impl(receiver, value)
        except Exception as error:
            raise _guard(span, name, error) from None
        return _result(frame, result, span) if measure else result

    return call1


def _constant(value: Any) -> Closure:
    return lambda frame: value


_KIND_TYPES: dict[type, str] = {
    list: "array", tuple: "array", str: "string", dict: "object", datetime: "date",
    pendulum.DateTime: "date",
}


def _no_method(name: str, receiver: Any, methods: Mapping[str, Mapping[str, Builtin]]) -> str:
    kind = v.kind(receiver)
    message = f"{v.article(kind)} has no method '{name}'"
    close = suggest(name, methods.get(kind, {}))
    return message + (f"; did you mean '{close}'?" if close else "")


def _invoker(builtin: Builtin) -> Callable[[Frame, Any, list[Any]], Any]:
    impl = builtin.impl
    if builtin.context:
        return lambda frame, receiver, args: impl(frame.ctx, receiver, *args)
    return lambda frame, receiver, args: impl(receiver, *args)


# ---------------------------------------------------------------- operator factories


_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}
_FAST_TYPES = (str, int, float)  # where Python's operator is GML's (bool is excluded: its
# type is bool, not int)
_NO_RECURSION = Limits()


def _relation(node: n.Binary, left: Closure, right: Closure, scope: _Scope) -> Closure:
    """``== != < <= > >=``. Values of one simple type use Python's operator directly; all
    else goes through `equal` / `compare`. Two hot shapes get a closure of their own: a
    literal on the right (``x > 100``) and, on top of that, a lambda parameter's field on the
    left (``o => o.amount > 100``), read in the same closure."""
    op, span, fast = node.op, node.span, _RELATIONS[node.op]
    negate = op == "!="

    def slow(a: Any, b: Any, limits: Limits) -> bool:
        if op in ("==", "!="):
            return v.equal(a, b, limits) is not negate
        return v.compare(op, a, b)

    def slow_charged(frame: Frame, a: Any, b: Any) -> bool:
        _charge(frame, (a, b), span)  # equality walks arrays and objects
        return slow(a, b, frame.ctx.limits)

    literal = node.right.value if isinstance(node.right, n.Literal) else None
    if type(literal) not in _FAST_TYPES:
        def relation(frame: Frame) -> bool:
            a, b = left(frame), right(frame)
            if type(a) is type(b) and type(a) in _FAST_TYPES:
                return fast(a, b)
            try:
                return slow_charged(frame, a, b)
            except GmlError as error:
                raise _stamp(error, span) from None

        return relation
    const = literal
    accepted = (str,) if type(const) is str else (int, float)

    # Against a scalar literal the slow path never recurses, so it needs no limits of its own.
    def slow_const(a: Any) -> bool:
        return slow(a, const, _NO_RECURSION)

    target = node.left
    slot = (scope.param(target.obj.name) if isinstance(target, n.Member)
            and isinstance(target.obj, n.Name) else None)
    if slot is None:
        def relation_const(frame: Frame) -> bool:
            a = left(frame)
            if type(a) in accepted:
                return fast(a, const)
            try:
                return slow_const(a)
            except GmlError as error:
                raise _stamp(error, span) from None

        return relation_const
    assert isinstance(target, n.Member)
    name, member = target.name, v.member

    def test(x: Any = None, *_: Any) -> bool:
        a = x.get(name) if type(x) is dict else member(x, name)
        if type(a) in accepted:
            return fast(a, const)
        try:
            return slow_const(a)
        except GmlError as error:
            raise _stamp(error, span) from None

    test.arity = 1  # type: ignore[attr-defined]
    test.field = None  # type: ignore[attr-defined]

    def relation_field(frame: Frame) -> bool:
        return test(frame.slots[slot])

    # A lambda whose whole body is this test is the test itself (see visit_Lambda).
    relation_field.direct = (slot, test)  # type: ignore[attr-defined]
    return relation_field


def _like(node: n.Binary, left: Closure, right: Closure, negate: bool, span: Span) -> Closure:
    compiled = (LikePattern(node.right.value) if isinstance(node.right, n.Literal)
                and isinstance(node.right.value, str) else None)
    like = v.like

    def match(frame: Frame) -> bool:
        try:
            return like(left(frame), right(frame), compiled) is not negate
        except GmlError as error:
            raise _stamp(error, span) from None

    return match


def _multiply(a: Any, b: Any) -> Any:
    result = v.multiply(a, b)
    if type(result) is int and result.bit_length() > MAX_INT_BITS:
        raise GmlLimitError(f"an integer of {result.bit_length()} bits exceeds the limit of "
                            f"{MAX_INT_BITS}")
    return result


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "-": v.subtract, "*": _multiply, "/": v.divide, "%": v.modulo,
}


def _arithmetic(op: str, left: Closure, right: Closure, span: Span) -> Closure:
    if op == "+":
        add = v.add

        def plus(frame: Frame) -> Any:
            a, b = left(frame), right(frame)
            if type(a) is int and type(b) is int:
                return a + b
            try:
                if type(a) is not type(b) or type(a) is list:  # text of arrays, concatenation
                    _charge(frame, (a, b), span)
                result = add(a, b, frame.ctx.limits)
            except GmlError as error:
                raise _stamp(error, span) from None
            if type(result) is list and _nested(result):
                _measure(frame, result, span)
            return result

        return plus
    if op in ("in", "not in"):
        contains, negate = v.contains, op == "not in"

        def membership(frame: Frame) -> Any:
            item, container = left(frame), right(frame)
            try:
                _charge(frame, (container, item), span)
                return contains(container, item) is not negate
            except GmlError as error:
                raise _stamp(error, span) from None

        return membership
    fn = _ARITHMETIC[op]

    def arith(frame: Frame) -> Any:
        try:
            return fn(left(frame), right(frame))
        except GmlError as error:
            raise _stamp(error, span) from None

    return arith


def compile_program(program: n.Program, functions: Mapping[str, Builtin],
                    methods: Mapping[str, Mapping[str, Builtin]],
                    object_mode: bool = False) -> tuple[Callable[[Frame], Any], int]:
    """Compile a checked program; returns ``(run, slot_count)``."""
    return Compiler(functions, methods).program(program, object_mode)
