"""The shape of a built-in: one record holds its signature (for the checker and the editor),
its implementation (for the compiler) and its documentation (for docs and hovers).

Implementations receive native values. A parameter declared with ``fn`` receives whatever the
program passed: a `GmlFunction` (a compiled lambda) or, where ``fn.strings`` allows it, a
field-path string such as ``'amount'``; `gml.builtins._support.as_function` turns either into a
Python callable. Implementations raise only `GmlRuntimeError` (or its subclasses).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gml.types import ANY, Type

__all__ = ["Builtin", "GmlFunction", "LambdaSpec", "Param", "ReturnRule", "table"]

ReturnRule = Callable[[Type, Sequence[Type]], Type]
"""Computes a call's result type from the receiver type (``ANY`` for functions) and the
argument types (for a lambda argument: the type of its body)."""


class GmlFunction(Protocol):
    """A compiled lambda: call it with positional arguments; missing ones are null.

    ``field`` is the field name when the lambda is exactly ``x => x.field`` (else None), so
    that a method may read the field directly instead of calling the lambda per element.
    """

    arity: int
    field: str | None

    def __call__(self, *args: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class LambdaSpec:
    """A parameter that takes a lambda.

    Attributes:
        params: the lambda's parameter types, from the receiver type (methods) or the first
            argument's type (functions).
        strings: a field-path string (``'amount'``, ``'customer.name'``) may stand in for
            a lambda ``x => x.amount``.
    """

    params: Callable[[Type], tuple[Type, ...]]
    strings: bool = True


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: its name, expected type (``any`` accepts everything) and whether it
    may be left out. ``fn`` marks a parameter that takes a lambda."""

    name: str
    type: Type = ANY
    optional: bool = False
    fn: LambdaSpec | None = None


@dataclass(frozen=True, slots=True)
class Builtin:
    """A built-in function or method.

    Attributes:
        name: the documented spelling (``SUM``, ``padStart``).
        impl: the implementation. Methods receive the receiver first. With ``context``, an
            `EvalContext` comes before everything else.
        params: parameters in order; with ``variadic`` the last one repeats.
        returns: the result type, or a `ReturnRule`.
        doc: one line for completion, hover and the reference.
        examples: ``(program, JSON result)`` pairs, shown in docs/gml.md and run as tests.
            A program may use the variables of `EXAMPLE_DATA`.
        aliases: other spellings (``LENGTH`` for ``LEN``, ``upper`` for ``toUpperCase``).
        lazy: arguments arrive as zero-argument callables (``IF`` evaluates one branch).
    """

    name: str
    impl: Callable[..., Any]
    params: tuple[Param, ...]
    returns: Type | ReturnRule
    doc: str
    examples: tuple[tuple[str, str], ...] = ()
    variadic: bool = False
    context: bool = False
    aliases: tuple[str, ...] = ()
    lazy: bool = False
    signature: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.signature:
            object.__setattr__(self, "signature", self._render_signature())

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.optional)

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.params)

    def result_type(self, receiver: Type, args: Sequence[Type]) -> Type:
        return self.returns if isinstance(self.returns, Type) else self.returns(receiver, args)

    def _render_signature(self) -> str:
        parts = []
        for i, p in enumerate(self.params):
            text = f"{p.name}: {'fn' if p.fn else p.type}"
            if self.variadic and i == len(self.params) - 1:
                text = f"...{text}"
            parts.append(f"[{text}]" if p.optional else text)
        result = self.returns if isinstance(self.returns, Type) else "…"
        return f"{self.name}({', '.join(parts)}) -> {result}"


def table(*builtins: Builtin, fold_case: bool = False) -> Mapping[str, Builtin]:
    """Index built-ins by name and aliases (upper-cased when ``fold_case``)."""
    index: dict[str, Builtin] = {}
    for builtin in builtins:
        for name in (builtin.name, *builtin.aliases):
            key = name.upper() if fold_case else name
            if key in index:
                raise ValueError(f"built-in {name!r} is defined twice")
            index[key] = builtin
    return index
