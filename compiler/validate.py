"""Validating YAML mappings against pydantic models, with every problem at its YAML position.

Configuration, mock files, flow test files and ToolSpec ``config`` are positioned YAML trees
(`compiler.yamltree`). Their shape is a pydantic model (``extra="forbid"``, ``strict`` where
YAML 1.2 scalars must not be coerced); `validate` checks a tree's plain value against the model
and turns every entry of the `pydantic.ValidationError` into a `Problem`: a message in our own
voice, the path of keys and indexes it is about, and the span of the YAML node there (the key
for an unknown key, the value otherwise). `validate_value` does the same for plain values that
never were YAML (a mapping given in Python, a ``[tool.fdl]`` table): the problems then have
paths but no spans.

Pydantic's messages ("Input should be a valid integer") name neither the key nor the fix;
ours do:

* an unknown key is ``unknown key 'reslt' in the mock for api://a/x; did you mean 'result'?``
  (`gml.text.suggest`), or ``...; expected one of result, expr, error`` without a close match;
* a missing key is ``services.crm: 'url' is required``;
* a wrong kind or a value out of range is ``services.crm.timeout must be a positive number of
  ms, not 0``: the name of the value, what it must be, what it is.

How things are named is the caller's: ``name`` maps a path to a phrase (``("mocks", "api://a/x")``
→ ``the mock for api://a/x``), and every path it leaves alone is written as a dotted path
(``services.crm.url``, ``cases[0].expect``). What a field must be comes from its `Wording`
(put in the field's ``Annotated`` metadata) or else from its type. The models' own validators
raise `Invalid`, whose text is said of the value they validate.

Models must not use "smart" unions of several types: pydantic reports an error for each member,
in its own words. A union is either ``X | None`` or tagged (``Discriminator`` with ``Tag``s),
so that an error is about the one member that applies; the tags pydantic puts into error paths
are taken out again here.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
from pydantic.fields import FieldInfo

from gml import Span
from gml.text import suggest

from .yamltree import YMap, YNode, YScalar, YSeq, to_plain

__all__ = ["Invalid", "Loc", "Namer", "Problem", "Validated", "Wording", "describe",
           "field_path", "span_at", "validate", "validate_value"]

M = TypeVar("M", bound=BaseModel)

Loc = tuple[str | int, ...]
"""A path in a document: mapping keys and list indexes (``("services", "crm", "url")``)."""

Namer = Callable[[Loc], "str | None"]
"""How a caller names the value at a path in messages; None leaves the dotted path."""

_SHOWN = 60
"""Longest value text shown in a message."""


@dataclass(frozen=True, slots=True)
class Wording:
    """How messages speak of one field; goes into the field's ``Annotated`` metadata.

    Attributes:
        expect: what the value must be, for a value of the wrong kind or out of range
            (``a positive number of ms``): ``<name> must be <expect>, not <what it is>``.
        missing: said of the mapping that lacks the field (``has no cases: (a list of
            cases)``); default ``<mapping>: '<key>' is required``.
        noun: what a literal field's values are (``status``): a wrong value is ``unknown
            status 'complete' in ...; did you mean 'completed'?``.
        unknown: advice added to an unknown key in the field's mapping (``secrets are never
            written in configuration: ...``).
    """

    expect: str | None = None
    missing: str | None = None
    noun: str | None = None
    unknown: str | None = None


class Invalid(ValueError):
    """A model's validator's complaint about the value it validates.

    The message is the value's name followed by ``text``: ``Invalid("must start with '/'")``
    on ``config.path`` reads ``config.path must start with '/'``; a text starting with ``:``
    or ``;`` follows the name directly (``config.path: '/c/{id' has a '{' ...``).

    Args:
        text: what is wrong, said of the value.
        at: a path below the value to point at (and to name) instead of the value itself.
        key: point at the key of ``at``'s last step; the message still names the value (the
            mapping that holds the key): ``the mock for api://a/x has both 'result' and
            'expr'`` points at ``expr:``.
        whole: ``text`` is the whole message, naming what it is about itself (a key that is
            not a tool URI, say, which has no name but itself).
    """

    def __init__(self, text: str, *, at: Loc = (), key: bool = False,
                 whole: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.at = tuple(at)
        self.key = key
        self.whole = whole


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document.

    Attributes:
        message: what is wrong and what to do, naming the key.
        loc: the path of the value (or, with ``on_key``, of the key) it is about.
        span: where that is in the text; None for a plain value.
        on_key: the problem is about the key at ``loc`` (an unknown key), not its value.
        type: pydantic's error type (``extra_forbidden``, ``missing``, ``int_type``, ...),
            ``invalid`` for a model's own `Invalid`.
    """

    message: str
    loc: Loc
    span: Span | None = None
    on_key: bool = False
    type: str = "invalid"

    @property
    def path(self) -> str:
        """``loc`` as a dotted path (``services.crm.url``, ``cases[0]``)."""
        return field_path(self.loc)


@dataclass(frozen=True, slots=True)
class Validated(Generic[M]):
    """What `validate` found: the model (None when there is a problem) and the problems, in
    the order of the text."""

    value: M | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.value is not None


def field_path(loc: Loc) -> str:
    """A path as text: keys joined by dots, indexes in brackets (``cases[0].expect``)."""
    text = ""
    for step in loc:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text = f"{text}.{step}" if text else str(step)
    return text


def describe(value: Any) -> str:
    """What a plain value is, for messages: ``a string``, ``an integer``, ``a mapping``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def validate(tree: YNode | None, model: type[M], *, name: Namer | None = None,
             root: str = "the document", at: Loc = (),
             context: Mapping[str, Any] | None = None) -> Validated[M]:
    """Validate a positioned YAML tree against ``model``; never raises for bad input.

    Args:
        tree: the tree (None, an empty document, validates as null).
        model: the pydantic model of the document.
        name: names values in messages (see the module docstring); the paths it gets
            include ``at``.
        root: the name of the document itself (``the test file``), when ``name`` does not
            name ``at``.
        at: where the tree sits in a larger document (``("config",)``): prefixed to every
            problem's path and name.
        context: pydantic's validation context, for validators that need more than the
            value (the declared arguments of a tool, a GML environment).
    """
    value = None if tree is None else to_plain(tree)
    return _validate(value, tree, model, _Naming(name, root, at), context)


def validate_value(value: Any, model: type[M], *, name: Namer | None = None,
                   root: str = "the document", at: Loc = (),
                   context: Mapping[str, Any] | None = None) -> Validated[M]:
    """`validate` for a plain value (no text, so problems have no spans)."""
    return _validate(value, None, model, _Naming(name, root, at), context)


# --------------------------------------------------------------------------- naming


class _Naming:
    def __init__(self, name: Namer | None, root: str, at: Loc) -> None:
        self.namer = name
        self.root = root
        self.at = at

    def __call__(self, loc: Loc) -> str:
        full = self.at + loc
        if self.namer is not None:
            named = self.namer(full)
            if named is not None:
                return named
        return field_path(full) if full else self.root


# --------------------------------------------------------------------------- validation


def _validate(value: Any, tree: YNode | None, model: type[M], naming: _Naming,
              context: Mapping[str, Any] | None) -> Validated[M]:
    try:
        found = model.model_validate(value, context=dict(context or {}))
    except ValidationError as error:
        entries = error.errors(include_url=False)
    except RecursionError:
        return Validated(None, (Problem("the document is nested too deeply", naming.at,
                                        tree.span if tree is not None else None),))
    else:
        return Validated(found, ())
    problems = [_problem(entry, value, tree, model, naming) for entry in entries]
    return Validated(None, tuple(_ordered(problems)))


def _ordered(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the text, each once. A missing key counts as found at the
    end of its mapping, and an unknown key comes before a missing one (often the same key,
    misspelt)."""
    rank = {"extra_forbidden": 0, "missing": 2}

    def key(item: tuple[int, Problem]) -> tuple[int, int, int]:
        index, problem = item
        where = 0
        if problem.span is not None:
            where = problem.span.end if problem.type == "missing" else problem.span.start
        return (where, rank.get(problem.type, 1), index)

    seen: set[tuple[Loc, str]] = set()
    ordered = []
    for _, problem in sorted(enumerate(problems), key=key):
        if (problem.loc, problem.message) not in seen:
            seen.add((problem.loc, problem.message))
            ordered.append(problem)
    return ordered


def _problem(entry: Mapping[str, Any], value: Any, tree: YNode | None, model: type[BaseModel],
             naming: _Naming) -> Problem:
    kind = str(entry.get("type", ""))
    walk = _walk(model, tuple(entry.get("loc", ())), value)
    loc = walk.path
    on_key = walk.on_key
    given = entry.get("input")
    wording = walk.wording
    ctx = entry.get("ctx") or {}
    if kind == "extra_forbidden":
        return _at(tree, naming, _unknown_key(loc, walk, naming), loc, True, kind)
    if kind == "missing":
        parent = loc[:-1]
        missing = walk.wording.missing if walk.wording is not None else None
        message = (f"{naming(parent)} {missing}" if missing else
                   f"{naming(parent)}: '{loc[-1] if loc else ''}' is required")
        return _at(tree, naming, message, parent, False, kind, loc)
    if kind in ("value_error", "assertion_error"):
        error = ctx.get("error")
        if isinstance(error, Invalid):
            # A complaint about a key (a mapping's key, or one `at` points at with `key`) is
            # said of the mapping; any other of the value `at` leads to.
            named = loc[:-1] if on_key else loc if error.key else loc + error.at
            text = error.text
            glue = "" if text[:1] in ":;," else " "
            message = text if error.whole else f"{naming(named)}{glue}{text}"
            return _at(tree, naming, message, loc + error.at, error.key or on_key, "invalid")
        text = str(error) if error is not None else str(entry.get("msg", ""))
        named = loc[:-1] if on_key else loc
        return _at(tree, naming, f"{naming(named)}: {text}", loc, on_key, kind)
    named = loc[:-1] if on_key else loc
    if kind in ("literal_error", "enum"):
        choices = walk.choices or _choices_from(ctx)
        shown = given if isinstance(given, str) else _shown(given)
        hint = suggest(given, choices) if isinstance(given, str) else None
        advice = f"did you mean '{hint}'?" if hint else f"expected one of {', '.join(choices)}"
        if wording is not None and wording.noun:
            message = (f"unknown {wording.noun} '{shown}' in {naming(named[:-1])}; {advice}")
        else:
            message = f"{naming(named)} must be one of {', '.join(choices)}, not {_quoted(given)}"
            if hint:
                message += f"; did you mean '{hint}'?"
        return _at(tree, naming, message, loc, on_key, kind)
    expect = (wording.expect if wording is not None and wording.expect else None) \
        or _expected(kind, ctx)
    actual = _quoted(given) if kind in _RANGE else describe(given)
    message = f"{naming(named)} must be {expect}, not {actual}"
    return _at(tree, naming, message, loc, on_key, kind)


def _unknown_key(loc: Loc, walk: _Walk, naming: _Naming) -> str:
    key = str(loc[-1]) if loc else ""
    allowed = walk.allowed
    hint = suggest(key, allowed) if allowed else None
    message = f"unknown key '{key}' in {naming(loc[:-1])}"
    if hint:
        message += f"; did you mean '{hint}'?"
    elif len(allowed) == 1:
        message += f"; expected '{allowed[0]}'"
    elif allowed:
        message += f"; expected one of {', '.join(allowed)}"
    advice = walk.parent_wording.unknown if walk.parent_wording is not None else None
    if advice:
        message += f" ({advice})"
    return message


def _at(tree: YNode | None, naming: _Naming, message: str, loc: Loc, on_key: bool, kind: str,
        reported: Loc | None = None) -> Problem:
    """The problem with the span of ``loc`` in the tree (its key with ``on_key``)."""
    span = None
    if tree is not None:
        node = _node_at(tree, loc, key=on_key)
        span = node.span if node is not None else tree.span
    full = naming.at + (reported if reported is not None else loc)
    return Problem(message, full, span, on_key and loc != (), kind)


def span_at(tree: YNode | None, loc: Loc) -> Span | None:
    """The span of the value at ``loc`` (keys and indexes) in ``tree``, or of the deepest
    node on the way when the path leaves the tree; None without a tree. For problems found
    after validation, at the place validation would have named."""
    if tree is None:
        return None
    node = _node_at(tree, loc)
    return node.span if node is not None else tree.span


def _node_at(tree: YNode, loc: Loc, *, key: bool = False) -> YNode | None:
    """The node at ``loc`` (the key node of its last step with ``key``), or the deepest node
    on the way when the path leaves the tree."""
    node: YNode = tree
    for depth, step in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, YMap):
            found = _entry(node, step)
            if found is None:
                return node
            if last and key:
                return found[0]
            node = found[1]
        elif isinstance(node, YSeq) and isinstance(step, int) and 0 <= step < len(node.items):
            node = node.items[step]
        else:
            return node
    return node


def _entry(node: YMap, step: str | int) -> tuple[YScalar, YNode] | None:
    text = str(step)
    value = node.get(text)
    key = node.key(text)
    if value is None or key is None:
        return None
    return key, value


# --------------------------------------------------------------------------- words

_RANGE = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal",
                    "multiple_of", "string_too_short", "string_too_long",
                    "string_pattern_mismatch", "finite_number", "too_short", "too_long"})
"""Errors about a value of the right kind: the message shows the value, not its kind."""


def _expected(kind: str, ctx: Mapping[str, Any]) -> str:
    """What a value must be, from pydantic's error type (when the field has no `Wording`)."""
    if kind in ("string_type", "string_unicode"):
        return "text"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return "a whole number"
    if kind in ("float_type", "float_parsing", "decimal_type"):
        return "a number"
    if kind == "finite_number":
        return "a finite number"
    if kind in ("bool_type", "bool_parsing"):
        return "true or false"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type",
                "dataclass_type"):
        return "a mapping"
    if kind in ("list_type", "tuple_type", "set_type", "frozen_set_type", "iterable_type"):
        return "a list"
    if kind == "none_required":
        return "null"
    if kind == "greater_than":
        return f"greater than {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"{ctx.get('ge')} or more"
    if kind == "less_than":
        return f"less than {ctx.get('lt')}"
    if kind == "less_than_equal":
        return f"{ctx.get('le')} or less"
    if kind == "multiple_of":
        return f"a multiple of {ctx.get('multiple_of')}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "non-empty text" if least == 1 else f"text of at least {least} characters"
    if kind == "string_too_long":
        return f"text of at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        things = "a mapping" if ctx.get("field_type") == "Dictionary" else "a list"
        return f"a non-empty {things[2:]}" if least == 1 else \
            f"{things} of at least {least} items"
    if kind == "too_long":
        return f"a list of at most {ctx.get('max_length')} items"
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx.get('pattern')}"
    return "a valid value"


def _choices_from(ctx: Mapping[str, Any]) -> list[str]:
    expected = str(ctx.get("expected", ""))
    return [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(",")
            if part.strip()]


def _quoted(value: Any) -> str:
    """A value itself for a message (strings quoted, long ones cut)."""
    if isinstance(value, str):
        text = value if len(value) <= _SHOWN else value[:_SHOWN - 1] + "…"
        return "'" + text.replace("\n", "\\n") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        text = repr(value)
        return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"
    if isinstance(value, Mapping | list | tuple):
        if not value:
            return "an empty mapping" if isinstance(value, Mapping) else "an empty list"
        return describe(value) + _size(value)
    return describe(value)


def _shown(value: Any) -> str:
    return _quoted(value).strip("'")


def _size(value: Mapping[Any, Any] | list[Any] | tuple[Any, ...]) -> str:
    count = len(value)
    if isinstance(value, Mapping):
        return f" of {count} {'entry' if count == 1 else 'entries'}"
    return f" of {count} {'item' if count == 1 else 'items'}"


# --------------------------------------------------------------------------- walking


@dataclass(slots=True)
class _Walk:
    """Where an error's ``loc`` leads in the document and in the model.

    Attributes:
        path: the loc without the tags of tagged unions: keys and indexes of the document.
        on_key: the error is about a mapping's key (pydantic's ``[key]`` step).
        wording: the `Wording` of the field at the end.
        parent_wording: the `Wording` of the mapping holding the last key.
        allowed: the keys of the model holding the last key.
        choices: the values of a literal type at the end.
    """

    path: Loc = ()
    on_key: bool = False
    wording: Wording | None = None
    parent_wording: Wording | None = None
    allowed: tuple[str, ...] = ()
    choices: list[str] | None = None


def _walk(model: type[BaseModel], loc: Loc, value: Any) -> _Walk:
    """Follow ``loc`` through the model's types (and the value, for untagged unions)."""
    walk = _Walk()
    current: Any = model
    wording: Wording | None = None
    path: list[str | int] = []
    for step in loc:
        if step == "[key]":
            walk.on_key = True
            continue
        current, more = _unwrap(current)
        wording = more or wording
        # a tagged union: the step is a member's tag, not a key of the document
        members = _union_members(current)
        if members:
            chosen = _tagged(members, step)
            if chosen is not None:
                current = chosen
                continue
            if isinstance(step, str) and not (isinstance(value, Mapping) and step in value):
                current = Any  # an untagged member's label: skip it
                continue
        path.append(step)
        walk.parent_wording = wording
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = current.model_fields
            walk.allowed = tuple(_key_of(n, f) for n, f in fields.items())
            field = _field(fields, step)
            if field is not None:
                wording = _wording_of(field.metadata)
                current = field.annotation
            else:  # an extra key: typed by `__pydantic_extra__` when the model allows them
                wording = None
                current = _extra_type(current)
        else:
            walk.allowed = ()
            origin = get_origin(current)
            args = get_args(current)
            if origin in (dict, Mapping, typing.Mapping) and len(args) == 2:
                current = args[1]
            elif origin in (list, tuple, Sequence, typing.Sequence, set, frozenset) and args:
                current = args[0]
            else:
                current = Any
            wording = None
        value = _step_value(value, step)
    current, more = _unwrap(current)
    walk.wording = more or wording
    walk.path = tuple(path)
    walk.choices = _literal_choices(current)
    return walk


def _step_value(value: Any, step: str | int) -> Any:
    if isinstance(value, Mapping):
        return value.get(step)
    if isinstance(value, list | tuple) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    return None


def _extra_type(model: type[BaseModel]) -> Any:
    """The type of a model's extra values (``__pydantic_extra__: dict[str, T]``), or Any."""
    if model.model_config.get("extra") != "allow":
        return Any
    try:
        hint = typing.get_type_hints(model, include_extras=True).get("__pydantic_extra__")
    except (NameError, TypeError):  # an unresolvable annotation only costs the wording
        return Any
    args = get_args(hint)
    return args[1] if len(args) == 2 else Any


def _key_of(name: str, field: FieldInfo) -> str:
    return field.alias or name


def _field(fields: Mapping[str, FieldInfo], step: str | int) -> FieldInfo | None:
    for name, field in fields.items():
        if step in (name, field.alias):
            return field
    return None


def _wording_of(metadata: Sequence[Any]) -> Wording | None:
    return next((m for m in metadata if isinstance(m, Wording)), None)


def _unwrap(annotation: Any) -> tuple[Any, Wording | None]:
    """The type under ``Annotated`` and ``X | None``, and the `Wording` found on the way."""
    wording = None
    for _ in range(16):
        if get_origin(annotation) is Annotated:
            args = get_args(annotation)
            wording = wording or _wording_of(args[1:])
            annotation = args[0]
            continue
        if get_origin(annotation) in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        break
    return annotation, wording


def _union_members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return []


def _tagged(members: list[Any], step: str | int) -> Any:
    """The member of a tagged union whose tag is ``step``."""
    for member in members:
        if get_origin(member) is Annotated:
            args = get_args(member)
            if any(isinstance(m, Tag) and m.tag == step for m in args[1:]):
                return member
    return None


def _literal_choices(annotation: Any) -> list[str] | None:
    if get_origin(annotation) is Literal:
        return [str(a) for a in get_args(annotation)]
    return None
