"""ToolSpec: how a tool is described (spec/tools.md §2), as a pydantic model.

A spec is read from YAML or JSON (`ToolSpec.load`, `ToolSpec.from_text`), built in Python
(``ToolSpec(type="api", code=..., args={...})``) or made from a flow (`ToolSpec.from_flow`:
a flow is a tool of type ``flow``). ``args`` is kept as written (a plain mapping in FDL's
argument syntax, fdl.md §2) and parsed on demand with the flow reader (`_check`), so
`ToolSpec.inputs`, `ToolSpec.out_type` and `ToolSpec.signatures` are what the compiler
checks calls against. Argument descriptions are the end-of-line comments of a YAML file;
they are kept in ``descriptions`` (``in.id`` → text) so they survive storage and JSON.

Problems are field-level `SpecProblem` values (``args.in.id``, ``config.method``,
``version``), with line and column when the spec came from a file; `ToolSpecError` carries
them all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from compiler.catalog import ToolArg, ToolSignature
from compiler.diagnostics import Reporter
from compiler.flow import Flow
from compiler.plan import Plan
from compiler.reader import suggest
from compiler.yamltree import YamlText, YMap, YNode, YScalar, load_yaml, to_plain
from gml import Source, Span
from gml.types import ANY, Type

from ._adapters import adapter_problems
from ._check import (
    ArgsAnalysis,
    analyse_args,
    analyse_plain,
    node_at,
    problems_from,
)
from ._db import db_operations
from ._flows import flow_document
from ._problems import SpecProblem, ToolSpecError

__all__ = ["DEFAULT_VERSION", "SPEC_KEYS", "ToolSpec", "is_version", "parse_spec_text",
           "version_key"]

DEFAULT_VERSION = "1.0.0"
SPEC_KEYS = ("type", "code", "name", "desp", "version", "tags", "args", "config", "category",
             "tenant")
"""The keys of a ToolSpec document (``descriptions`` are the comments of its file)."""
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?")
_TYPE = re.compile(r"[a-z][a-z0-9+.\-]*")
_CODE_BAD = re.compile(r"[\s?#]|://")
_NO_TENANT = ',"tenant":null,'


def is_version(text: str) -> bool:
    """Whether ``text`` is a semantic version (``1.2.0``, ``2.0.0-rc.1``)."""
    return _SEMVER.fullmatch(text) is not None


def version_key(text: str) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
    """A sort key ordering versions by semantic-version precedence: ``1.0.0-alpha <
    1.0.0-alpha.1 < 1.0.0-beta < 1.0.0 < 1.0.1``; build metadata (``+...``) is ignored.

    Raises:
        ValueError: not a semantic version.
    """
    match = _SEMVER.fullmatch(text)
    if match is None:
        raise ValueError(f"'{text}' is not a semantic version such as 1.2.0")
    pre = match.group(4)
    parts: tuple[tuple[int, int | str], ...] = ()
    if pre:
        parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)), 0 if pre else 1,
            parts)


def _json_value(value: Any, where: str) -> None:
    if value is None or isinstance(value, str | bool | int | float):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has a key that is not text: {key!r}")
            _json_value(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _json_value(item, f"{where}[{i}]")
        return
    raise ValueError(f"{where} holds a {type(value).__name__}; only JSON values are allowed")


class ToolSpec(BaseModel):
    """One version of one tool (spec/tools.md §2).

    Attributes:
        type: the URI type (``api``, ``db``, ``flow``, ... or a plugin's).
        code: the tool's code (``crm-service/customer``; for ``db`` the table, ``shop.order``).
        name, desp: display name and description.
        version: a semantic version (default ``1.0.0``).
        tags, category: for listing and search.
        tenant: the owning tenant; None means every tenant.
        args: ``in``/``out``/``defs`` in FDL's argument syntax, as written.
        descriptions: argument descriptions (``in.<name>``, ``out.<field>``,
            ``defs.<Type>.<field>``); read from the comments of a YAML file.
        config: adapter settings (``method``, ``path``, ``key``, ...).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    code: str
    name: str | None = None
    desp: str | None = None
    version: str = DEFAULT_VERSION
    tags: tuple[str, ...] = ()
    category: str | None = None
    tenant: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    descriptions: dict[str, str] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)

    _analysis: ArgsAnalysis | None = PrivateAttr(default=None)

    # ----------------------------------------------------------------- validation

    @field_validator("type")
    @classmethod
    def _check_type(cls, value: str) -> str:
        if not _TYPE.fullmatch(value):
            raise ValueError(f"'{value}' is not a tool type: write a URI scheme such as api, "
                             "db or flow (lower-case letters, digits, + . -)")
        return value

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the code is empty; write e.g. crm-service/customer")
        if _CODE_BAD.search(value) or value.startswith("/") or value.endswith("/"):
            raise ValueError(f"'{value}' is not a tool code: no spaces, '?', '#' or '://', and "
                             "no '/' at either end (e.g. crm-service/customer)")
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _check_version(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            numbers = [*str(value).split("."), "0", "0"][:3]
            raise ValueError(f"{value} is a number; write the version as quoted text with "
                             f"three numbers: '{'.'.join(numbers)}'")
        if isinstance(value, str) and not is_version(value):
            raise ValueError(f"'{value}' is not a semantic version: write MAJOR.MINOR.PATCH "
                             "such as 1.2.0 (optionally -prerelease, +build)")
        return value

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tag in value:
            if not tag.strip() or tag != tag.strip():
                raise ValueError(f"tag {tag!r} is empty or has spaces around it")
        return tuple(dict.fromkeys(value))

    @field_validator("tenant", "category", "name")
    @classmethod
    def _check_text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("empty text; leave the field out instead")
        return value

    @field_validator("args", "config")
    @classmethod
    def _check_json(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if info.mode != "json":  # values read from JSON text are JSON values already
            _json_value(value, "the value")
        return value

    def __eq__(self, other: object) -> bool:
        """Equal fields (the cached analysis does not count)."""
        if not isinstance(other, ToolSpec):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    # ----------------------------------------------------------------- views

    @property
    def uri(self) -> str:
        """``type://code``."""
        return f"{self.type}://{self.code}"

    def analysis(self) -> ArgsAnalysis:
        """``args`` read and resolved (cached): inputs, defaults, out, defs, problems."""
        # Read through `__pydantic_private__`: `self._analysis` takes pydantic's slow
        # `__getattr__`, a measurable part of registering many specs.
        private = self.__pydantic_private__
        found: ArgsAnalysis | None = private.get("_analysis") if private else None
        if found is None:
            found = self._analysis = analyse_plain(self.args, self.descriptions)
        return found

    @property
    def inputs(self) -> Mapping[str, ToolArg]:
        """The declared inputs, typed (the built-ins ``tenantId``/``buCode`` included when
        declared)."""
        return self.analysis().inputs

    @property
    def out_type(self) -> Type | None:
        """The declared result type; None when ``out`` is not declared (``any``)."""
        return self.analysis().out

    def signatures(self) -> list[ToolSignature]:
        """What the compiler checks calls against: one signature, or for a ``db`` table one
        per operation (``db://<table>/<operation>``)."""
        analysis = self.analysis()
        if self.type == "db":
            key = self.config.get("key")
            return db_operations(self.code, analysis.out or ANY,
                                 key if isinstance(key, str) else "id")
        return [ToolSignature(self.type, self.code, dict(analysis.inputs),
                              analysis.out or ANY, self.desp or self.name)]

    def problems(self) -> list[SpecProblem]:
        """Every problem of the spec: ``args`` (types resolve, ``in``/``out`` well formed)
        and the adapter configuration of its type."""
        analysis = self.analysis()
        found = list(analysis.problems)
        for issue in adapter_problems(self.type, self.code, self.config, self.args, analysis):
            found.append(SpecProblem(issue.field, issue.message, issue.code, issue.severity))
        return found

    def check(self) -> ToolSpec:
        """The spec itself when it has no errors (warnings allowed).

        Raises:
            ToolSpecError: with every problem.
        """
        problems = self.problems()
        if any(p.is_error for p in problems):
            raise ToolSpecError(problems)
        return self

    def content(self) -> dict[str, Any]:
        """The spec as JSON values, without ``tenant`` (which is where it is registered,
        not what it is)."""
        return self.model_dump(mode="json", exclude={"tenant"})

    def digest(self) -> str:
        """A hash of `content` (its JSON text, fields in model order, mappings in their
        written order): two registrations of one version are the same when their digests
        are equal."""
        text = self.model_dump_json(exclude={"tenant"})
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def stored(self) -> tuple[str, str]:
        """The spec's JSON text as the registry stores it (``tenant`` included) and its
        `digest`, from one serialisation when the spec has no tenant: the content is that
        text without its ``"tenant":null`` member. (No earlier member can hold that
        sequence: they are strings and lists of strings, whose quotes JSON escapes.)"""
        text = self.model_dump_json()
        if self.tenant is None:
            at = text.find(_NO_TENANT)
            if at != -1:
                content = text[:at] + text[at + len(_NO_TENANT) - 1:]
                return text, hashlib.sha256(content.encode("utf-8")).hexdigest()
        return text, self.digest()

    def with_tenant(self, tenant: str | None) -> ToolSpec:
        """The same spec registered for ``tenant``."""
        copy = self.model_copy(update={"tenant": tenant})
        copy._analysis = self._analysis
        return copy

    def to_document(self) -> dict[str, Any]:
        """The spec as a ToolSpec document (the YAML/JSON file form): defaults and empty
        fields left out, ``descriptions`` dropped (a YAML file keeps them as comments)."""
        data = self.model_dump(mode="json", exclude={"descriptions"})
        return {k: v for k, v in data.items()
                if v not in (None, [], {}) and not (k == "version" and v == DEFAULT_VERSION)}

    # ----------------------------------------------------------------- reading

    @classmethod
    def from_text(cls, text: str, path: str = "<spec>") -> ToolSpec:
        """Read a ToolSpec from YAML or JSON text.

        Raises:
            ToolSpecError: every problem, with field paths, lines and columns.
        """
        spec, problems = parse_spec_text(text, path)
        if spec is None or any(p.is_error for p in problems):
            raise ToolSpecError(problems)
        return spec

    @classmethod
    def load(cls, path: str | Path) -> ToolSpec:
        """Read a ToolSpec file (``.yaml``, ``.yml`` or ``.json``).

        Raises:
            ToolSpecError: the file cannot be read, or the spec is not valid.
        """
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ToolSpecError([SpecProblem("", f"cannot read the file: {reason}", "E101",
                                             path=str(path))]) from None
        return cls.from_text(text, str(path))

    @classmethod
    def from_flow(cls, flow: Plan | Flow | str | Path, code: str | None = None, *,
                  version: str = DEFAULT_VERSION, tags: Sequence[str] = (),
                  tenant: str | None = None) -> ToolSpec:
        """The ToolSpec of a flow (type ``flow``): its ``name``, ``desp``, ``args.in``,
        ``args.out`` and the ``defs`` they use.

        Args:
            flow: a compiled `Plan`, a `fdl.Flow` model, or a flow file's path.
            code: the tool's code; default: the flow file's name without extension (a
                slug of the flow's name when there is no file).

        Raises:
            ToolSpecError: a flow file that does not compile, or a spec that is not valid.
        """
        document = flow_document(flow, code)
        data = {**document, "version": version, "tags": tuple(tags), "tenant": tenant}
        try:
            spec = cls.model_validate(data)
        except ValidationError as error:
            raise ToolSpecError(_validation_problems(error, None, None)) from None
        return spec.check()


# --------------------------------------------------------------------- files


def _validation_problems(error: ValidationError, root: YNode | None,
                         reporter: Reporter | None) -> list[SpecProblem]:
    problems = []
    for item in error.errors():
        loc = [step for step in item["loc"] if isinstance(step, str | int)]
        where = ""
        for step in loc:
            where = f"{where}[{step}]" if isinstance(step, int) else (
                f"{where}.{step}" if where else step)
        message = str(item["msg"]).removeprefix("Value error, ")
        node = node_at(root, loc) if reporter is not None else None
        if item["type"] == "missing":
            message = f"a ToolSpec needs '{where}'"
        elif item["type"] == "string_type":
            message = f"'{where}' must be text" + (f", not {node.describe()}"
                                                   if node is not None else "")
        line = column = None
        if reporter is not None and node is not None:
            line, column = reporter.source.position(node.span.start)
        problems.append(SpecProblem(where, message, "E105", "error",
                                    reporter.path if reporter else None, line, column,
                                    node.span if node is not None else None))
    return problems


def parse_spec_text(text: str, path: str = "<spec>", *, partial: bool = False
                    ) -> tuple[ToolSpec | None, list[SpecProblem]]:
    """Read one ToolSpec file's text (YAML or JSON); never raises.

    Returns the spec (None when it cannot be built) and every problem found, each with its
    field path, line, column and range. A spec is returned with warnings; with errors it is
    None, unless ``partial``.

    Args:
        partial: also return a spec that has errors, as far as it could be built (its
            ``type`` and ``code`` are valid; a field pydantic refuses is left at its
            default, ``args`` keeps what resolved). A folder's catalog (`load_tool_dir`)
            keeps such a tool, so that calls to it are still checked while the file's own
            problems are reported.
    """
    reporter = Reporter(path, Source(text))
    root = load_yaml(text, reporter)
    if any(d.code == "E101" for d in reporter.diagnostics) or not isinstance(root, YMap):
        if root is not None and not isinstance(root, YMap):
            reporter.report("E105", "a ToolSpec is a mapping with type, code and args",
                            root.span)
        elif root is None and not reporter.diagnostics:
            reporter.report("E105", "the file is empty; a ToolSpec is a mapping with type, "
                            "code and args", Span(0, 0))
        return None, problems_from(reporter.sorted(), root, "", path)
    data: dict[str, Any] = {}
    for key, value in root:
        name = str(key.value)
        if name not in SPEC_KEYS:
            hint = suggest(name, SPEC_KEYS)
            reporter.report("E103", f"unknown key '{name}' in the ToolSpec" + (
                f"; did you mean '{hint}'?" if hint else f" (allowed: {', '.join(SPEC_KEYS)})"),
                key.span, suggestion=hint)
        elif name != "args":
            data[name] = _plain(value)
    args_node = root.get("args")
    analysis: ArgsAnalysis | None = None
    if isinstance(args_node, YMap):
        analysis = analyse_args(args_node, YamlText(text), reporter)
        data["args"] = _plain(args_node)
        data["descriptions"] = dict(analysis.descriptions)
    elif args_node is not None and not (isinstance(args_node, YScalar)
                                        and args_node.kind == "null"):
        reporter.report("E105", f"'args' must be a mapping (in, out, defs), not "
                        f"{args_node.describe()}", args_node.span)
    problems = problems_from(reporter.sorted(), root, "", path)
    args_problems = tuple(p for p in problems if p.field.startswith("args"))
    try:
        spec: ToolSpec | None = ToolSpec.model_validate(data)
    except ValidationError as error:
        problems.extend(_validation_problems(error, root, reporter))
        # Check the rest without the bad fields (the adapter checks need type and code).
        bad = {item["loc"][0] for item in error.errors() if item["loc"]}
        try:
            spec = ToolSpec.model_validate({k: v for k, v in data.items() if k not in bad})
        except ValidationError:
            spec = None
    if spec is not None:
        # The analysis of the file's own tree: its problems keep their positions.
        analysis = (analysis or spec.analysis()).with_problems(args_problems)
        spec._analysis = analysis
        for issue in adapter_problems(spec.type, spec.code, spec.config, spec.args, analysis,
                                      root.get("config")):
            span = issue.span
            if span is None:
                node = node_at(root, issue.field.split("."))
                span = node.span if node is not None else Span(0, 0)
            line, column = reporter.source.position(span.start)
            problems.append(SpecProblem(issue.field, issue.message, issue.code, issue.severity,
                                        path, line, column, span))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    if not partial and any(p.is_error for p in problems):
        return None, problems
    return spec, problems


def _plain(node: YNode) -> Any:
    return to_plain(node)
