"""The static checker of spec/gml.md §9: gradual types and the compile-time codes of §10.

It walks the AST once, infers a type for every expression and appends a `Diagnostic` for
each problem instead of raising, so an editor sees all of them. ``any`` (and every unknown)
switches checks off for that value.

When the checker is given no names (``names=None``), the context is open: unknown names are
``any`` and G204 is not reported. Everything else (G201, G202, G203 and the type rules on
known types) is checked either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from . import nodes as n
from ._errors import Diagnostic, Severity
from ._source import Source, Span
from .text import article, suggest
from .values import DATE_PARTS

if TYPE_CHECKING:
    from .builtins import Builtin

from .types import (
    ANY,
    BOOL,
    DATE,
    DECIMAL,
    DOUBLE,
    INT,
    LONG,
    NULL,
    NUMERIC,
    STRING,
    ArrayType,
    MapType,
    Nullable,
    ObjectType,
    Type,
    deref,
    join,
    nullable,
    strip_null,
    type_kind,
)

__all__ = ["CheckResult", "Checker"]




class CheckResult:
    """What the checker found: diagnostics, the program's type, and each node's type."""

    def __init__(self, diagnostics: list[Diagnostic], result: Type,
                 types: dict[int, Type]) -> None:
        self.diagnostics = diagnostics
        self.result = result
        self.types = types

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


class _Scope:
    def __init__(self, parent: _Scope | None = None) -> None:
        self.parent = parent
        self.names: dict[str, Type] = {}
        self.fields: dict[str, Type] = {} if parent is None else parent.fields
        self.temps: dict[str, Type] = {} if parent is None else parent.temps

    def lookup(self, name: str) -> Type | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return self.fields.get(name)

    def visible(self) -> set[str]:
        out: set[str] = set(self.fields)
        scope: _Scope | None = self
        while scope is not None:
            out.update(scope.names)
            scope = scope.parent
        return out


class Checker:
    """One ``visit_<Node>`` per node type; each returns the node's type."""

    def __init__(self, source: Source, names: Mapping[str, Type] | None,
                 functions: Mapping[str, Builtin],
                 methods: Mapping[str, Mapping[str, Builtin]]) -> None:
        self.source = source
        self.names = names
        self.functions = functions
        self.methods = methods
        self.diagnostics: list[Diagnostic] = []
        self.types: dict[int, Type] = {}
        self.object_mode = False
        self._statements: tuple[n.Stmt, ...] = ()

    # ------------------------------------------------------------ reporting

    def report(self, code: str, message: str, span: Span, severity: Severity = "error",
               suggestion: str | None = None) -> None:
        if suggestion is not None:
            message = f"{message}; did you mean '{suggestion}'?"
        self.diagnostics.append(
            Diagnostic.at(self.source, code, severity, message, span, suggestion))

    def _name_span(self, node: n.Member | n.MethodCall) -> Span:
        start = self.source.text.find(node.name, node.obj.span.end, node.span.end)
        if start < 0:
            return node.span
        return Span(start, start + len(node.name))

    # ------------------------------------------------------------ programs

    def check(self, program: n.Program, object_mode: bool = False) -> CheckResult:
        scope = _Scope()
        self.object_mode = object_mode
        self._statements = program.statements
        if program.single_value and not object_mode:
            stmt = program.statements[0]
            assert isinstance(stmt, n.ExprStmt)
            result = self.expr(stmt.value, scope)
        else:
            fields: dict[str, Type] = {}
            closed = True
            for stmt in program.statements:
                closed = self.statement(stmt, scope, fields) and closed
            result = ObjectType(dict(fields), closed=closed)
        return CheckResult(self.diagnostics, result, self.types)

    def statement(self, stmt: n.Stmt, scope: _Scope, fields: dict[str, Type]) -> bool:
        """Check one statement; False when it adds fields that cannot be known."""
        if isinstance(stmt, n.Assign):
            fields[stmt.name] = scope.fields[stmt.name] = self.expr(stmt.value, scope)
            return True
        if isinstance(stmt, n.TempAssign):
            scope.temps[stmt.name] = self.expr(stmt.value, scope)
            return True
        if isinstance(stmt, n.SpreadStmt):
            t = strip_null(self.expr(stmt.value, scope))
            if isinstance(t, ObjectType):
                fields.update(t.fields)
                return t.closed
            if t in (STRING, BOOL, DATE) or t in NUMERIC or isinstance(t, ArrayType):
                self.report("G206", f"spreading {article(t)} adds nothing; only objects can "
                            "be spread", stmt.span, "warning")
                return True
            return False
        assert isinstance(stmt, n.ExprStmt)
        name = n.path_field_name(stmt.value)
        t = self.expr(stmt.value, scope)
        if name is None:
            where = ("in a program that builds an object" if self.object_mode and len(
                self._statements) == 1 else "in a program with several statements")
            self.report("G201", f"{where}, a bare expression must"
                        " be a path such as `orders` or `customer.name`; give it a name: "
                        "`field = …`", stmt.span)
            return True
        fields[name] = scope.fields[name] = t
        return True

    # ------------------------------------------------------------ expressions

    def expr(self, node: n.Expr, scope: _Scope) -> Type:
        method = getattr(self, f"visit_{type(node).__name__}")
        t: Type = method(node, scope)
        self.types[id(node)] = t
        return t

    def visit_Literal(self, node: n.Literal, scope: _Scope) -> Type:
        value = node.value
        if value is None:
            return NULL
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int):
            return INT
        if isinstance(value, float):
            return DOUBLE
        return STRING

    def visit_Template(self, node: n.Template, scope: _Scope) -> Type:
        for part in node.parts:
            if isinstance(part, n.Expr):
                self.expr(part, scope)
        return STRING

    def visit_Name(self, node: n.Name, scope: _Scope) -> Type:
        found = scope.lookup(node.name)
        if found is not None:
            return found
        if self.names is None:
            return ANY
        if node.name in self.names:
            return self.names[node.name]
        if node.name == "now":
            return DATE
        candidates = scope.visible() | set(self.names) | {"now"}
        self.report("G204", f"unknown name '{node.name}'", node.span,
                    suggestion=suggest(node.name, candidates))
        return ANY

    def visit_Temp(self, node: n.Temp, scope: _Scope) -> Type:
        if node.name in scope.temps:
            return scope.temps[node.name]
        close = suggest(node.name, scope.temps)
        self.report("G204", f"unknown temporary '${node.name}'; define it first with "
                    f"`${node.name} = …`", node.span,
                    suggestion=f"${close}" if close else None)
        return ANY

    def visit_ThisTemp(self, node: n.ThisTemp, scope: _Scope) -> Type:
        return self.visit_Temp(n.Temp(node.name, span=node.span), scope)

    def visit_This(self, node: n.This, scope: _Scope) -> Type:
        return ObjectType(dict(scope.fields), closed=False)

    def visit_WholeInput(self, node: n.WholeInput, scope: _Scope) -> Type:
        if self.names is None:
            return ANY
        return ObjectType(dict(self.names), closed=False)

    def visit_Member(self, node: n.Member, scope: _Scope) -> Type:
        if isinstance(node.obj, n.This):
            self.types[id(node.obj)] = ObjectType(dict(scope.fields), closed=False)
            return scope.fields.get(node.name, ANY)
        return self.member(self.expr(node.obj, scope), node)

    def member(self, receiver: Type, node: n.Member) -> Type:
        t = deref(receiver)
        if isinstance(t, Nullable):
            return nullable(self.member(t.inner, node))
        if t == ANY:
            return ANY
        if t == NULL:
            return NULL
        if isinstance(t, ObjectType):
            if node.name in t.fields:
                return t.fields[node.name]
            if t.closed:
                what = f"type {t.name}" if t.name else "this object"
                self.report("G205", f"{what} has no field '{node.name}'", self._name_span(node),
                            suggestion=suggest(node.name, t.fields))
                return ANY
            return ANY
        if isinstance(t, MapType):
            return nullable(t.value)
        if isinstance(t, ArrayType):
            inner = self.member(t.element, node)
            inner = strip_null(inner)
            if isinstance(inner, ArrayType):
                return inner
            return ArrayType(inner)
        if t == DATE:
            if node.name in DATE_PARTS:
                return INT
            self.report("G205", f"a date has no component '{node.name}' (components: "
                        f"{', '.join(DATE_PARTS)})", self._name_span(node),
                        suggestion=suggest(node.name, DATE_PARTS))
            return ANY
        self.report("G213", f"'.{node.name}' reads a field of {article(t)}, which has no fields; "
                    "the result is always null", self._name_span(node), "warning")
        return NULL

    def visit_Index(self, node: n.Index, scope: _Scope) -> Type:
        receiver = strip_null(self.expr(node.obj, scope))
        key = strip_null(self.expr(node.index, scope))
        if isinstance(receiver, ArrayType):
            if key == STRING:
                return ANY
            return nullable(receiver.element)
        if isinstance(receiver, MapType):
            return nullable(receiver.value)
        if isinstance(receiver, ObjectType) and isinstance(node.index, n.Literal) and \
                isinstance(node.index.value, str):
            return receiver.fields.get(node.index.value, ANY)
        if receiver == STRING:
            if key not in (ANY, INT, LONG) and key != NULL:
                self.report("G206", f"a string is indexed by an integer, not {article(key)}",
                            node.index.span)
            return nullable(STRING)
        return ANY

    # ------------------------------------------------------------ operators

    def visit_Unary(self, node: n.Unary, scope: _Scope) -> Type:
        t = self.expr(node.operand, scope)
        if node.op == "!":
            return BOOL
        base = strip_null(t)
        if base != ANY and base != NULL and base not in NUMERIC:
            self.report("G206", f"unary {node.op} needs a number, not {article(base)}", node.span)
            return ANY
        return t

    def visit_Binary(self, node: n.Binary, scope: _Scope) -> Type:
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        op = node.op
        if op in ("&&", "==", "!=", "in", "not in", "like", "not like"):
            if op in ("like", "not like"):
                self._expect(node, left, right, {STRING}, "LIKE needs strings")
            return BOOL
        if op == "||":
            return join(strip_null(left), right) if left != NULL else right
        if op == "??":
            return join(strip_null(left), right) if isinstance(deref(left), Nullable) \
                else (right if left == NULL else left)
        if op in ("<", "<=", ">", ">="):
            a, b = strip_null(left), strip_null(right)
            if ANY in (a, b) or NULL in (a, b):
                return BOOL
            comparable = ((a in NUMERIC and b in NUMERIC) or (a == b == STRING)
                          or (DATE in (a, b) and {a, b} <= {DATE, STRING}))
            if not comparable:
                self.report("G206", f"cannot compare {a} {op} {b}", node.span)
            return BOOL
        return self._arithmetic(node, left, right)

    def _expect(self, node: n.Binary, left: Type, right: Type, allowed: set[Type],
                message: str) -> None:
        for t in (strip_null(left), strip_null(right)):
            if t not in allowed and t not in (ANY, NULL):
                self.report("G206", f"{message}, not {article(t)}", node.span)
                return

    def _arithmetic(self, node: n.Binary, left: Type, right: Type) -> Type:
        op = node.op
        a, b = strip_null(left), strip_null(right)
        maybe_null = left != a or right != b or NULL in (a, b)
        if op == "+" and STRING in (a, b):
            return STRING
        if ANY in (a, b):
            return ANY
        if NULL in (a, b):
            return NULL
        if op == "+" and isinstance(a, ArrayType) and isinstance(b, ArrayType):
            return ArrayType(join(a.element, b.element))
        if a in NUMERIC and b in NUMERIC:
            if op == "/":
                # int / int is an int when exact and a double otherwise: not knowable here.
                result: Type = (DECIMAL if DECIMAL in (a, b)
                                else DOUBLE if DOUBLE in (a, b) else ANY)
            else:
                result = join(a, b)
            return nullable(result) if maybe_null and result != ANY else result
        self.report("G206", f"cannot apply {op} to {a} and {b}", node.span)
        return ANY

    def visit_Conditional(self, node: n.Conditional, scope: _Scope) -> Type:
        self.expr(node.test, scope)
        return join(self.expr(node.then, scope), self.expr(node.otherwise, scope))

    def visit_Case(self, node: n.Case, scope: _Scope) -> Type:
        if node.subject is not None:
            self.expr(node.subject, scope)
        result: Type | None = None
        for when in node.whens:
            self.expr(when.cond, scope)
            t = self.expr(when.value, scope)
            result = t if result is None else join(result, t)
        assert result is not None
        if node.otherwise is None:
            return nullable(result)
        return join(result, self.expr(node.otherwise, scope))

    # ------------------------------------------------------------ literals

    def visit_Array(self, node: n.Array, scope: _Scope) -> Type:
        element: Type | None = None
        for item in node.items:
            if isinstance(item, n.Spread):
                t = strip_null(self.expr(item.value, scope))
                if isinstance(t, ArrayType):
                    t = t.element
                elif t not in (ANY, NULL):
                    self.report("G206", "only an array can be spread into an array, not "
                                f"{article(t)}", item.span)
                    t = ANY
                else:
                    t = ANY
            else:
                t = self.expr(item, scope)
            element = t if element is None else join(element, t)
        return ArrayType(element or ANY)

    def visit_Object(self, node: n.Object, scope: _Scope) -> Type:
        fields: dict[str, Type] = {}
        closed = True
        for entry in node.entries:
            if isinstance(entry, n.Field):
                fields[entry.key] = self.expr(entry.value, scope)
            elif isinstance(entry, n.ComputedField):
                self.expr(entry.key, scope)
                self.expr(entry.value, scope)
                closed = False
            else:
                t = strip_null(self.expr(entry.value, scope))
                if isinstance(t, ObjectType):
                    fields.update(t.fields)
                    closed = closed and t.closed
                else:
                    closed = False
        return ObjectType(fields, closed=closed)

    # ------------------------------------------------------------ calls

    def visit_Lambda(self, node: n.Lambda, scope: _Scope) -> Type:
        self.report("G202", "a lambda can only be an argument of a function or method "
                    "that takes one", node.span)
        return ANY

    def _arguments(self, builtin: Builtin | None, args: tuple[n.Expr, ...], receiver: Type,
                   scope: _Scope) -> list[Type]:
        types: list[Type] = []
        lambda_receiver = receiver
        for i, arg in enumerate(args):
            param = None
            if builtin is not None and builtin.params:
                param = builtin.params[min(i, len(builtin.params) - 1)] if (
                    i < len(builtin.params) or builtin.variadic) else None
            if isinstance(arg, n.Lambda):
                if param is None or param.fn is None:
                    if builtin is not None:
                        self.report("G202", f"{builtin.name}() does not take a lambda here",
                                    arg.span)
                    types.append(self._lambda_body(arg, (), scope))
                    continue
                param_types = param.fn.params(lambda_receiver)
                t = self._lambda_body(arg, param_types, scope)
                self.types[id(arg)] = t
                types.append(t)
                continue
            t = self.expr(arg, scope)
            if i == 0 and receiver == ANY and builtin is not None and any(
                    p.fn for p in builtin.params):
                lambda_receiver = t  # functions such as SUM(arr, x => …)
            types.append(t)
        return types

    def _lambda_body(self, node: n.Lambda, param_types: tuple[Type, ...], scope: _Scope) -> Type:
        inner = _Scope(scope)
        for i, name in enumerate(node.params):
            inner.names[name] = param_types[i] if i < len(param_types) else ANY
        return self.expr(node.body, inner)

    def _arity(self, builtin: Builtin, count: int, span: Span) -> None:
        low, high = builtin.min_args, builtin.max_args
        if count < low or (high is not None and count > high):
            if high is None:
                expected = f"at least {low}"
            elif low == high:
                expected = f"{low}"
            else:
                expected = f"{low} to {high}"
            self.report("G202", f"{builtin.name}() takes {expected} argument"
                        f"{'' if expected == '1' else 's'}, not {count}: {builtin.signature}",
                        span)

    def visit_Call(self, node: n.Call, scope: _Scope) -> Type:
        builtin = self.functions.get(node.name.upper())
        if builtin is None:
            self._arguments(None, node.args, ANY, scope)
            name_span = Span(node.span.start, node.span.start + len(node.name))
            self.report("G202", f"unknown function '{node.name}'", name_span,
                        suggestion=suggest(node.name.upper(), self.functions))
            return ANY
        self._arity(builtin, len(node.args), node.span)
        args = self._arguments(builtin, node.args, ANY, scope)
        return self._result(builtin, ANY, args)

    def visit_MethodCall(self, node: n.MethodCall, scope: _Scope) -> Type:
        receiver = self.expr(node.obj, scope)
        kind = type_kind(receiver)
        methods = self.methods
        anywhere = [t[node.name] for t in methods.values() if node.name in t]
        if not anywhere:
            self._arguments(None, node.args, ANY, scope)
            every = {name for table in methods.values() for name in table}
            pool = methods.get(kind, {}) if kind else every
            self.report("G203", f"unknown method '{node.name}'", self._name_span(node),
                        suggestion=suggest(node.name, pool or every))
            return ANY
        base = strip_null(receiver)
        if kind is None or base == ANY:
            builtin = anywhere[0] if len(anywhere) == 1 else None
            args = self._arguments(builtin, node.args, receiver, scope)
            if builtin is not None:
                self._arity(builtin, len(node.args), node.span)
                return nullable(self._result(builtin, receiver, args))
            return ANY
        table = methods.get(kind, {})
        if node.name not in table:
            self._arguments(None, node.args, ANY, scope)
            self.report("G203", f"{article(base)} has no method '{node.name}'",
                        self._name_span(node), suggestion=suggest(node.name, table))
            return ANY
        builtin = table[node.name]
        self._arity(builtin, len(node.args), node.span)
        args = self._arguments(builtin, node.args, base, scope)
        result = self._result(builtin, base, args)
        return nullable(result) if base != receiver else result

    @staticmethod
    def _result(builtin: Builtin, receiver: Type, args: list[Type]) -> Type:
        try:
            return builtin.result_type(receiver, args)
        except Exception:  # a return rule must never break checking
            return ANY


def check_program(program: n.Program, source: Source, names: Mapping[str, Type] | None,
                  functions: Mapping[str, Builtin],
                  methods: Mapping[str, Mapping[str, Builtin]],
                  object_mode: bool = False) -> CheckResult:
    """Check a parsed program; see `Checker`. ``object_mode`` reads even a single bare path
    as a field (what FDL's ``args``, ``sets`` and ``vars`` need: ``args: id`` is ``{id}``)."""
    return Checker(source, names, functions, methods).check(program, object_mode)
