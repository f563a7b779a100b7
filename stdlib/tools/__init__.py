"""The one interface between the runtime and tools (spec/tools.md §5).

A `ToolProvider` resolves a tool URI (without options) to a `Tool`; the runtime calls
``await tool.call(call)`` with a `ToolCall` holding the bound arguments and everything the
call needs to know about its run. A tool returns a JSON-compatible value (datetimes and
decimals allowed) or raises `ToolError`. Adapters (api://, db://, flow://) implement `Tool`;
`Tools` maps URIs to plain Python functions, which is what tests, benchmarks and small
embeddings use.

This module holds the port only, so importing it loads no adapter and no driver: the adapters
are its submodules (`stdlib.tools.api`, `stdlib.tools.db`, `stdlib.tools.mocks`), imported by
whoever wires a project (`fdl.project`). The models of their configuration
(`stdlib.tools.config`) load no adapter either: the registry checks ToolSpecs with them.
`runtime` re-exports the port.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any, Protocol, runtime_checkable

__all__ = ["TOOL_SCHEME", "Tool", "ToolCall", "ToolCodes", "ToolError", "ToolProvider", "Tools",
           "chain", "resolve_written"]

TOOL_SCHEME = "tool"
"""``tool://<code>``: the registered tool with that code, whatever its type (tools.md §1)."""

ERROR_TYPES = frozenset({"tool", "timeout", "connection", "validation", "auth"})


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One attempt at calling a tool.

    Attributes:
        uri: the URI as written in the flow, options included.
        base: ``type://code``, the URI without options (what mocks and providers key on).
        type: the URI type (``api``, ``db``, ...).
        code: the tool code (``crm-service/customer``).
        args: the bound arguments (from ``args``, auto-binding and the built-ins).
        options: the URI's options (``timeout``, ``max-attempts``, adapter options).
        idempotency_key: ``run-id/node-path/activation``; the same on every attempt and when a
            resumed run repeats a call that had started but not completed (fdl.md §6.7).
        run_id: the run.
        node: the node path (``proc[2]/user``).
        attempt: 1 for the first attempt.
        tenant_id: the run's tenant (None when not given).
        bu_code: the run's business unit (None when not given).
        publish: hands an event of a nested run (``flow://``) to the calling run, which
            shows it under this node (``call/inner``); None outside a run.
    """

    uri: str
    base: str
    type: str
    code: str
    args: Mapping[str, Any]
    options: Mapping[str, str] = field(default_factory=dict)
    idempotency_key: str = ""
    run_id: str = ""
    node: str = ""
    attempt: int = 1
    tenant_id: str | None = None
    bu_code: str | None = None
    publish: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False,
                                                             repr=False)


class ToolError(Exception):
    """A tool's structured failure (tools.md §5).

    Attributes:
        code: the tool's error code, an HTTP status (``"404"``) or an F4xx code.
        message: what went wrong, safe to show (never a secret).
        type: ``tool``, ``timeout``, ``connection``, ``validation`` or ``auth``.
        retryable: whether another attempt may succeed (timeouts and connection failures
            always count as retryable).
        details: optional JSON-compatible details.
    """

    def __init__(self, code: str, message: str, *, type: str = "tool",
                 retryable: bool = False, details: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = str(code)
        self.message = message
        self.type = type if type in ERROR_TYPES else "tool"
        self.retryable = retryable or self.type in ("timeout", "connection")
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The error's JSON form (without the node, which the runtime adds)."""
        out: dict[str, Any] = {"code": self.code, "message": self.message, "type": self.type}
        if self.details is not None:
            out["details"] = self.details
        return out


@runtime_checkable
class Tool(Protocol):
    """Something the runtime can call.

    ``arguments`` are the names the tool declares (used for auto-binding, fdl.md §4.1);
    empty when the tool does not say. A tool may also have ``scope_names(args)``: further
    names a call with these explicit arguments binds from the visible variables when it
    does not give them (a ``db`` query's CQL ``:name`` parameters, tools.md §6).
    """

    @property
    def arguments(self) -> Sequence[str]: ...

    async def call(self, call: ToolCall) -> Any: ...


class ToolProvider(Protocol):
    """Resolves ``type://code`` (no options) to a tool, or None when it has none.

    A ``tool://<code>`` call the compiler resolved (to ``api://<code>``, say) is asked for
    by its resolved URI; one compiled without a catalog is asked for as ``tool://<code>``
    (`ToolCodes` resolves it). A provider may also have ``resolve_written(written, base)``
    to see both the URI as written and the one it resolved to (`resolve_written`).
    """

    def resolve(self, base: str) -> Tool | None: ...


def resolve_written(provider: ToolProvider, written: str, base: str) -> Tool | None:
    """The tool of a call written as ``written`` (``tool://mail-service/send``) that runs
    ``base`` (``api://mail-service/send``; the same as ``written`` for a typed URI, or for a
    ``tool://`` the compiler could not resolve). A provider that cares about the URI as
    written (the mocks, tools.md §7) has ``resolve_written``; the others are asked for
    ``base``."""
    if written != base:
        both = getattr(provider, "resolve_written", None)
        if both is not None:
            found: Tool | None = both(written, base)
            return found
    return provider.resolve(base)


class ToolCodes:
    """Resolves ``tool://<code>`` at run time, for calls compiled without a catalog: the
    one type ``types_of(code)`` names (the project's ToolSpecs know it), then ``provider``
    for ``<type>://<code>``. None for other URIs, an unknown code, or a code of several
    types (the compiler reports those with a catalog, E301).
    """

    def __init__(self, types_of: Callable[[str], Sequence[str]],
                 provider: ToolProvider) -> None:
        self.types_of = types_of
        self.provider = provider

    def resolve(self, base: str) -> Tool | None:
        scheme, sep, code = base.partition("://")
        if scheme != TOOL_SCHEME or not sep:
            return None
        types = [t for t in self.types_of(code) if t != TOOL_SCHEME]
        if len(types) != 1:
            return None
        return self.provider.resolve(f"{types[0]}://{code}")


ToolFunction = Callable[[dict[str, Any]], Any] | Callable[[dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _FunctionTool:
    fn: Callable[..., Any]
    arguments: Sequence[str]
    wants_call: bool

    async def call(self, call: ToolCall) -> Any:
        result = self.fn(call) if self.wants_call else self.fn(dict(call.args))
        if type(result) is CoroutineType or inspect.isawaitable(result):  # the usual first
            result = await result
        return result


class Tools:
    """Tools backed by Python functions, keyed by ``type://code``.

        >>> tools = Tools({"api://crm/customer": lambda args: {"id": args["id"]}})

    A function receives the bound arguments as a dict (or, with ``pass_call=True``, the
    whole `ToolCall`); it may be ``async``; it fails by raising `ToolError`.
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        for base, fn in (functions or {}).items():
            self.add(base, fn)

    def add(self, base: str, fn: Callable[..., Any], *, arguments: Iterable[str] = (),
            pass_call: bool = False) -> None:
        """Register ``fn`` as the tool ``base`` (``api://crm/customer``)."""
        if "://" not in base or "?" in base:
            raise ValueError(f"tool URI {base!r} must be type://code without options")
        self._tools[base] = _FunctionTool(fn, tuple(arguments), pass_call)

    def add_tool(self, base: str, tool: Tool) -> None:
        """Register an adapter object under ``base``."""
        self._tools[base] = tool

    def resolve(self, base: str) -> Tool | None:
        return self._tools.get(base)

    def __contains__(self, base: object) -> bool:
        return base in self._tools


class _Chain:
    def __init__(self, providers: Sequence[ToolProvider]) -> None:
        self.providers = tuple(providers)

    def resolve(self, base: str) -> Tool | None:
        for provider in self.providers:
            tool = provider.resolve(base)
            if tool is not None:
                return tool
        return None


def chain(*providers: ToolProvider | None) -> ToolProvider:
    """A provider asking each of ``providers`` in turn (None entries are left out)."""
    return _Chain([p for p in providers if p is not None])
