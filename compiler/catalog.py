"""What the compiler knows about tools: their arguments and result types.

The compiler asks a `ToolCatalog` about every ``exec`` URI. Without a catalog, tool calls
are not checked and their results are ``any`` (spec/fdl.md §5, E301). The registry of the
tools issue implements this protocol; `StaticCatalog` is the in-memory one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

from gml.types import ANY, Type

__all__ = ["COMMON_OPTIONS", "TOOL_SCHEME", "ArgChecker", "ArgParts", "ArgProblem", "ChainCatalog",
           "StaticCatalog", "ToolArg", "ToolCatalog", "ToolSignature", "all_codes", "resolve_tool",
           "signatures_by_code"]

COMMON_OPTIONS = frozenset({"timeout", "max-attempts", "backoff", "version"})
"""URI options every tool type accepts (tools.md §1)."""

TYPE_OPTIONS: Mapping[str, frozenset[str]] = {
    "api": frozenset({"method", "async"}),
    "svc": frozenset({"method", "async"}),
    "db": frozenset(),
    "flow": frozenset({"flow-id", "depth"}),
    "mcp": frozenset(),
    "agent": frozenset({"steps", "model"}),
    "mail": frozenset(),
    "sms": frozenset(),
    "oss": frozenset({"bucket"}),
    "mq": frozenset({"topic", "async"}),
    "py": frozenset(),
    "shell": frozenset(),
    "tool": frozenset(),
}
"""Adapter-specific options of the built-in tool types; other (plugin) types accept any.

``tool`` is not a type of its own: ``tool://<code>`` names the registered tool with that code
whatever its type (tools.md §1), so it takes the options common to all types only."""

TOOL_SCHEME = "tool"
"""The scheme of ``tool://<code>``: resolved by code through `ToolCatalog.by_code`."""


@dataclass(frozen=True, slots=True)
class ToolArg:
    """A declared tool argument."""

    name: str
    type: Type = ANY
    required: bool = False
    description: str | None = None
    default: str | None = None
    """The default as GML source (tools.md §4: used when neither the call nor a visible
    variable gives the argument)."""


class ArgProblem(NamedTuple):
    """A problem a tool's argument checker finds in the literal text of one argument.

    ``start`` and ``end`` are 0-based character offsets into that text (end exclusive); the
    compiler maps them into the flow file.
    """

    argument: str
    code: str
    severity: Literal["error", "warning"]
    message: str
    start: int
    end: int


ArgParts = tuple[str | None, ...]
"""An argument's text as the flow writes it: its literal parts in order, and None where a
template inserts a value known only at run time (``(text,)`` for a plain literal)."""

ArgChecker = Callable[[Mapping[str, ArgParts]], list[ArgProblem]]
"""Checks the arguments of a call written as literal strings or templates (name → parts) at
compile time: the port through which a tool type's own language (CQL for ``db``) is checked in
a flow without the compiler knowing that language (stdlib fills it, tools.md §6). A problem's
offsets count the literal parts only (an insertion takes no room); the checker leaves out what
an insertion could change."""


@dataclass(frozen=True, slots=True)
class ToolSignature:
    """The compile-time view of one tool: its declared inputs and its result type.

    ``open_arguments`` tools accept arguments they do not declare (a ``db`` operation's
    extra arguments are CQL parameters). ``check_args``, when given, checks the arguments
    written as literal strings (`ArgChecker`).
    """

    type: str
    code: str
    inputs: Mapping[str, ToolArg] = field(default_factory=dict)
    out: Type = ANY
    description: str | None = None
    open_arguments: bool = False
    check_args: ArgChecker | None = field(default=None, compare=False, repr=False)

    @property
    def uri(self) -> str:
        return f"{self.type}://{self.code}"


class ToolCatalog(Protocol):
    """Looks tools up by URI type and code.

    A catalog may also have ``unknown_hint(type, code) -> str | None``: what to do about a
    tool it does not know, which ends the E301 message when there is no "did you mean"
    (`unknown_hint`; the tools of a configured MCP server that were never imported, say).
    """

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        """The tool's signature, or None when the catalog does not know it."""

    def types(self) -> frozenset[str]:
        """The tool types the catalog can resolve."""

    def codes(self, type: str) -> list[str]:
        """The codes of one type the catalog knows (for "did you mean"; may be empty)."""

    def by_code(self, code: str) -> list[ToolSignature]:
        """Every tool whose code is ``code``, whatever its type (``tool://<code>``,
        tools.md §1); one per type, empty when none."""


def unknown_hint(catalog: ToolCatalog, type: str, code: str) -> str | None:
    """The catalog's advice about the unknown tool ``type://code`` (its optional
    ``unknown_hint``), or None."""
    hint = getattr(catalog, "unknown_hint", None)
    found: str | None = hint(type, code) if hint is not None else None
    return found


def resolve_tool(catalog: ToolCatalog, type: str, code: str) -> ToolSignature | None:
    """The tool ``type://code`` names: for ``tool://<code>`` the one tool of that code,
    whatever its type (None when there is none, or several); else the catalog's lookup.
    The checker and the editor both resolve URIs this way."""
    if type == TOOL_SCHEME:
        found = catalog.by_code(code)
        return found[0] if len(found) == 1 else None
    return catalog.lookup(type, code)


def signatures_by_code(catalog: ToolCatalog, code: str) -> list[ToolSignature]:
    """`ToolCatalog.by_code` for catalogs that can only look up by type: asks every type
    the catalog knows."""
    found: list[ToolSignature] = []
    for tool_type in sorted(catalog.types() - {TOOL_SCHEME}):
        signature = catalog.lookup(tool_type, code)
        if signature is not None:
            found.append(signature)
    return found


def all_codes(catalog: ToolCatalog) -> list[str]:
    """Every code the catalog knows, of any type, each once (for "did you mean" and the
    completion of ``tool://``)."""
    found: dict[str, None] = {}
    for tool_type in sorted(catalog.types() - {TOOL_SCHEME}):
        found.update(dict.fromkeys(catalog.codes(tool_type)))
    return list(found)


class StaticCatalog:
    """A catalog over a fixed set of signatures."""

    def __init__(self, tools: Iterable[ToolSignature] = (),
                 types: Iterable[str] = ()) -> None:
        self._tools = {(t.type, t.code): t for t in tools}
        self._types = frozenset(types) | {t for t, _ in self._tools}

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        return self._tools.get((type, code))

    def types(self) -> frozenset[str]:
        return self._types

    def codes(self, type: str) -> list[str]:
        """Known codes of one type (for "did you mean")."""
        return [c for t, c in self._tools if t == type]

    def by_code(self, code: str) -> list[ToolSignature]:
        """Every tool of that code, whatever its type."""
        return [s for (_, c), s in self._tools.items() if c == code]

    def tools(self) -> list[ToolSignature]:
        """Every signature of the catalog."""
        return list(self._tools.values())


class ChainCatalog:
    """Several catalogs as one: a tool is looked up in each in turn (the first that knows
    it answers); types and "did you mean" codes are the union."""

    def __init__(self, *catalogs: ToolCatalog | None) -> None:
        self.catalogs = [c for c in catalogs if c is not None]

    def lookup(self, type: str, code: str) -> ToolSignature | None:
        for catalog in self.catalogs:
            found = catalog.lookup(type, code)
            if found is not None:
                return found
        return None

    def types(self) -> frozenset[str]:
        return frozenset().union(*(c.types() for c in self.catalogs))

    def codes(self, type: str) -> list[str]:
        """Known codes of one type (for "did you mean"), each once."""
        found: dict[str, None] = {}
        for catalog in self.catalogs:
            found.update(dict.fromkeys(catalog.codes(type)))
        return list(found)

    def unknown_hint(self, type: str, code: str) -> str | None:
        """The first member's advice about an unknown tool (`unknown_hint`)."""
        for catalog in self.catalogs:
            hint = unknown_hint(catalog, type, code)
            if hint is not None:
                return hint
        return None

    def by_code(self, code: str) -> list[ToolSignature]:
        """Every tool of that code, one per type (the first catalog that knows a type's tool
        answers for it, as in `lookup`)."""
        found: dict[str, ToolSignature] = {}
        for catalog in self.catalogs:
            for signature in catalog.by_code(code):
                found.setdefault(signature.type, signature)
        return list(found.values())
