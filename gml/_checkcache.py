"""Checked programs kept between checks of texts that share most of their fields.

An editor checks the same document again after every edit; most of its GML fields are
unchanged, and so are the types of the names they read. A `CheckCache` hands back what
`Environment.compile_checked` produced for such a field (the AST, the checker's result and
the program) without parsing, checking or compiling it again.

Exactness is the rule: a cached result is returned only when the checker would produce the
same one. What the checker's result depends on is

* the program text and the mode (object mode or not), which make the key;
* the environment (its function table), which is part of the key. The cache compares
  environments by identity only, so it takes them as opaque hashable objects: it does not
  import `gml._environment`, which imports it (`Environment.compile_checked` takes a cache);
* the typed names it reads. The checker reads them in an order fixed by the AST alone
  (`Checker.visit_Name`: a presence test, then the type when the name is there), so the
  cache records the reads of the first check (`_Reads`: per name, its type, or that it is
  missing) and *replays them* against the new names: a hit needs every answer to be
  identical (`identical`: the same structure, field order included, and ``defs``
  references that resolve to identical types). A replay asks for the types the checker
  would have asked for first, in the same order, so lazily computed names (the FDL
  compiler infers node output types on first read) see the same sequence of requests
  either way. A check that enumerates the names (``$`` reads them all, an
  unknown name looks for a close one) depends on every name and is not cached.

Entries are immutable once stored: callers must not change a returned `CheckResult`. The
cache is bounded (least recently used keys go first) and safe to share between threads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any, TypeVar

from . import nodes as n
from ._checker import CheckResult
from ._program import Program
from .types import ArrayType, MapType, Nullable, ObjectType, Prim, RefType, Type

__all__ = ["CheckCache", "Stored", "identical"]

T = TypeVar("T")


class _Present:
    """The answer for a name found by a presence test whose type was not read."""

    def __repr__(self) -> str:
        return "PRESENT"


PRESENT = _Present()
Answer = Type | _Present | None
"""What the checker learnt of a name: its type, that it is there, or (None) that it is
missing."""

MAX_VARIANTS = 4
"""Answers kept per key: the same text in several scopes (``args: id`` in many nodes)."""


def identical(a: Type, b: Type) -> bool:
    """Whether two types are the same for the checker: equal structure, field order
    included (it shows in messages), and ``defs`` references of the same name whose
    targets are identical (`RefType` equality compares names only)."""
    return _identical(a, b, frozenset())


def _identical(a: Type, b: Type, assumed: frozenset[str]) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, Prim):
        assert isinstance(b, Prim)
        return a.name == b.name
    if isinstance(a, Nullable):
        assert isinstance(b, Nullable)
        return _identical(a.inner, b.inner, assumed)
    if isinstance(a, ArrayType):
        assert isinstance(b, ArrayType)
        return _identical(a.element, b.element, assumed)
    if isinstance(a, MapType):
        assert isinstance(b, MapType)
        return _identical(a.value, b.value, assumed)
    if isinstance(a, ObjectType):
        assert isinstance(b, ObjectType)
        if a.name != b.name or a.closed != b.closed or len(a.fields) != len(b.fields):
            return False
        return all(ka == kb and _identical(va, vb, assumed) for (ka, va), (kb, vb)
                   in zip(a.fields.items(), b.fields.items(), strict=True))
    if isinstance(a, RefType):
        assert isinstance(b, RefType)
        if a.name != b.name:
            return False
        if a.name in assumed:  # a recursive type: equal so far, equal throughout
            return True
        return _identical(a.target(), b.target(), assumed | {a.name})
    return a == b  # pragma: no cover - every Type subclass is handled above


def _same(a: Answer, b: Answer) -> bool:
    if a is b:
        return True
    return isinstance(a, Type) and isinstance(b, Type) and _identical(a, b, frozenset())


class _Reads(Mapping[str, Type]):
    """The typed names, seen through a recorder of what the checker learns of them."""

    __slots__ = ("answers", "names", "opaque")

    def __init__(self, names: Mapping[str, Type]) -> None:
        self.names = names
        self.answers: dict[str, Answer] = {}
        """Per name, in the order first asked: its type, PRESENT or None (missing)."""
        self.opaque = False
        """Set when the result may depend on names that were not read one by one."""

    def _note(self, name: str, answer: Answer) -> None:
        if name not in self.answers:
            self.answers[name] = answer
            return
        known = self.answers[name]
        if known is PRESENT and isinstance(answer, Type):
            self.answers[name] = answer
        elif not (_same(known, answer) or (answer is PRESENT and isinstance(known, Type))):
            self.opaque = True  # a name answered differently twice: do not cache

    def __contains__(self, name: object) -> bool:
        found = name in self.names
        if isinstance(name, str):
            self._note(name, PRESENT if found else None)
        else:  # pragma: no cover - the checker only asks about names
            self.opaque = True
        return found

    def __getitem__(self, name: str) -> Type:
        try:
            t = self.names[name]
        except KeyError:
            self._note(name, None)
            raise
        self._note(name, t)
        return t

    def __iter__(self) -> Iterator[str]:
        self.opaque = True
        return iter(self.names)

    def __len__(self) -> int:
        self.opaque = True
        return len(self.names)


def _answer(names: Mapping[str, Type], name: str, expected: Answer) -> Answer:
    """What the names say now of ``name``, asked as the checker asked (its type unless
    only its presence was tested)."""
    if expected is PRESENT:
        return PRESENT if name in names else None
    try:
        return names[name]
    except KeyError:
        return None


@dataclass(frozen=True, slots=True, eq=False)
class Stored:
    """One stored check: the answers of its reads, the AST it was made on (the keys of
    ``checked.types`` are ids of its nodes), the checker's result and the program (None
    when the check found errors)."""

    answers: tuple[Answer, ...]
    ast: n.Program
    checked: CheckResult
    program: Program | None


@dataclass(slots=True, eq=False)
class _Entry:
    reads: tuple[str, ...]
    variants: list[Stored]


class CheckCache:
    """A bounded cache of checked (and compiled) programs; see the module docstring.

    Give one to `Environment.compile_checked` (``cache=``) for every check of a family of
    texts, such as the successive versions of a document in an editor.

    Args:
        size: how many program texts (per environment and mode) to keep.
    """

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self.hits = 0
        """Checks answered from the cache (statistics: not counted under a lock)."""
        self.misses = 0
        self._entries: OrderedDict[tuple[Hashable, str, bool], _Entry] = OrderedDict()
        self._derived: OrderedDict[tuple[int, str], tuple[n.Program, Any]] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._derived.clear()

    def derived(self, ast: n.Program, what: str, compute: Callable[[n.Program], T]) -> T:
        """``compute(ast)``, kept with the AST: for facts a host derives from the AST alone
        (such as the names it reads), which are the same for every check of its text.
        ``what`` names the fact; the value must not be changed by the caller."""
        key = (id(ast), what)
        with self._lock:
            found = self._derived.get(key)
            if found is not None and found[0] is ast:
                self._derived.move_to_end(key)
                return found[1]  # type: ignore[no-any-return]
        value = compute(ast)
        with self._lock:
            self._derived[key] = (ast, value)  # the AST is kept: its id stays its own
            while len(self._derived) > self.size:
                self._derived.popitem(last=False)
        return value

    def get(self, env: Hashable, source: str, object_mode: bool,
            names: Mapping[str, Type]) -> Stored | None:
        """The stored result of checking ``source`` against ``names``, when it is exact."""
        key = (env, source, object_mode)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            self.misses += 1
            return None
        reads = entry.reads
        typed: dict[int, Answer] = {}  # what the names say now, asked once per name
        for variant in entry.variants:  # replaced, never changed, by `put`: safe to iterate
            answers = variant.answers
            for i, name in enumerate(reads):
                expected = answers[i]
                if expected is PRESENT:
                    if name not in names:
                        break
                    continue
                if i in typed:
                    now = typed[i]
                else:
                    now = typed[i] = _answer(names, name, expected)
                if not _same(now, expected):
                    break
            else:
                self.hits += 1
                return variant
        self.misses += 1
        return None

    def put(self, env: Hashable, source: str, object_mode: bool, reads: _Reads,
            ast: n.Program, checked: CheckResult, program: Program | None) -> None:
        """Store what checking ``source`` produced, with the reads it made (nothing is
        stored when the check depended on the names as a whole)."""
        if reads.opaque:
            return
        key = (env, source, object_mode)
        order = tuple(reads.answers)
        variant = Stored(tuple(reads.answers.values()), ast, checked, program)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.reads != order:
                self._entries[key] = _Entry(order, [variant])
            else:
                # The newest first; it replaces a variant of the same answers.
                kept = [v for v in entry.variants if not all(
                    _same(a, b) for a, b in zip(v.answers, variant.answers, strict=True))]
                entry.variants = [variant, *kept][:MAX_VARIANTS]
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def compiled(self, env: Hashable, source: str, object_mode: bool, stored: Stored,
                 program: Program) -> None:
        """Replace the program of a stored check (by its closures, built later)."""
        with self._lock:
            entry = self._entries.get((env, source, object_mode))
            if entry is None:
                return
            entry.variants = [Stored(v.answers, v.ast, v.checked, program) if v is stored
                              else v for v in entry.variants]

    @staticmethod
    def recorder(names: Mapping[str, Type]) -> _Reads:
        """``names`` wrapped so that a check records what it reads (for `put`)."""
        return _Reads(names)
