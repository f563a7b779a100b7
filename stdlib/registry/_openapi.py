"""Importing OpenAPI 3.0 and 3.1 documents as ``api`` ToolSpecs (spec/tools.md §8).

`load_openapi` reads a document from a file or an http(s) URL (YAML or JSON);
`import_openapi` turns every operation into one ToolSpec and lists, as `OpenApiProblem`
values, every part it could not translate exactly, each with the JSON pointer of the place
and what was done instead. Nothing is dropped silently, except what OpenAPI itself says to
ignore (``Accept``, ``Content-Type`` and ``Authorization`` header parameters) and
validation keywords that FDL types do not express (``minLength``, ``pattern``, ...).

Rules of the translation:

- **Codes.** ``<service>/<operationId>`` (characters other than letters, digits, ``_ . -``
  become ``-``), or a slug of method and path (``get-orders-orderid``) without an
  operationId. Two operations with one code: the later one gets ``-2``, ``-3``, ...
- **Arguments** (``args.in``) come from path, query and header parameters (path-level
  parameters included, an operation's own ones win) and from the properties of a JSON
  request body object; ``config`` says where each goes, in exactly the form
  `stdlib.tools.Endpoint.from_config` reads (``method``, ``path``, ``query``, ``body``,
  ``headers``), so the imported tool can be called by the ``api://`` adapter. Query and
  body names travel as the argument names, so they must be FDL field names (ASCII letters,
  digits, ``_``, ``-``). Path and header parameters are bound through ``{placeholders}``
  and are renamed to identifiers when needed (``X-Request-Id`` → ``xRequestId``,
  ``{order-id}`` → ``orderId``; a path parameter whose name a query or body argument has
  already taken gets ``Path`` appended). ``readOnly`` body properties are not arguments.
- **Types** follow fdl.md §2: ``string``; ``integer`` → ``long`` (``int`` for
  ``format: int32``); ``number`` → ``double`` (``decimal`` for ``format: decimal``);
  ``boolean`` → ``bool``; ``format: date``/``date-time`` → ``date``; arrays → ``T[]``;
  objects with properties → a ``defs`` type (a component keeps its name, an inline object
  gets one made from where it is, such as ``CreateOrderAddress``); objects with only
  ``additionalProperties`` → ``map<T>``; no type → ``any``. Optional (not ``required``) or
  nullable (3.0 ``nullable: true``, 3.1 ``type: [T, "null"]``, ``oneOf``/``anyOf`` with
  ``null``) → ``T?``. ``enum``/``const`` keep the base type and list the values in the
  argument's description; ``default`` becomes an FDL default (``long = 20``).
- **Results** (``args.out``): the schema of the first 2xx response with JSON content (200,
  201, ... then ``2XX``); a non-JSON success response is ``string``, none at all ``any``.
- **defs** hold exactly the components (and inline objects) a tool uses, transitively.
  Recursion through ``components/schemas`` is kept (FDL types may be recursive); recursion
  anywhere else, and aliases that only lead back to themselves, become ``any``.
- **Problems** (never errors): ``oneOf``/``anyOf`` of several types → ``any``; ``allOf``
  of objects → merged into one object type; cookie parameters, optional header parameters
  without a default, non-JSON request bodies, HEAD/OPTIONS/TRACE operations → skipped;
  external ``$ref``s, unknown formats, keywords without an FDL equivalent, security schemes,
  servers and webhooks → reported with what to do.

A document that cannot be read or is not OpenAPI 3.x raises `OpenApiError`.
"""

from __future__ import annotations

import io
import json
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pydantic import ValidationError

from gml.types import PRIMITIVES

from ._check import BUILTIN_INPUTS
from ._spec import DEFAULT_VERSION, ToolSpec, is_version

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_TIMEOUT", "OpenApiError", "OpenApiImport", "OpenApiProblem",
           "import_openapi", "load_openapi", "spec_to_yaml"]

DEFAULT_TIMEOUT = 30.0
"""Seconds `load_openapi` waits for a URL."""

MAX_ENUM_SHOWN = 20
"""How many enum values an argument description lists."""

_METHODS = frozenset({"get", "put", "post", "delete", "patch"})
_SKIPPED_METHODS = ("head", "options", "trace")
_BODY_METHODS = ("POST", "PUT", "PATCH")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_FIELD_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SERVICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_CODE_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
_WORDS = re.compile(r"[A-Za-z0-9]+")
_RESERVED_TYPES = frozenset({*PRIMITIVES, "map"})
_UNSUPPORTED_KEYWORDS = ("not", "if", "patternProperties", "dependentSchemas", "prefixItems",
                         "contains")
_INTEGER_FORMATS = {"int32": "int", "int64": "long", "int8": "int", "int16": "int",
                    "uint8": "int", "uint16": "int", "uint32": "long"}
_NUMBER_FORMATS = {"float": "double", "double": "double", "decimal": "decimal"}
_DATE_FORMATS = frozenset({"date", "date-time"})
_ANY = "any"


class OpenApiError(ValueError):
    """The document cannot be read, or is not an OpenAPI 3.0/3.1 document; the message says
    which and what to do."""


@dataclass(frozen=True, slots=True)
class OpenApiProblem:
    """A part of the document that was not translated exactly.

    Attributes:
        pointer: where, as a JSON pointer fragment (``#/paths/~1orders/post/requestBody``).
        message: what was not translated and what was done instead.
    """

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        """``{"pointer": ..., "message": ...}`` (``--json`` output)."""
        return {"pointer": self.pointer, "message": self.message}


@dataclass(frozen=True, slots=True)
class OpenApiImport:
    """What `import_openapi` made of a document.

    Attributes:
        tools: one valid ToolSpec per imported operation, in document order.
        problems: what was not translated exactly, in document order.
        title: ``info.title``.
        version: the version the tools were given.
        servers: the URLs of ``servers`` (the base URL to configure for the service).
    """

    tools: tuple[ToolSpec, ...]
    problems: tuple[OpenApiProblem, ...]
    title: str | None = None
    version: str = DEFAULT_VERSION
    servers: tuple[str, ...] = ()


# --------------------------------------------------------------------------- loading


def load_openapi(source: str | Path, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Read an OpenAPI document from a file or an ``http(s)://`` URL (YAML or JSON).

    Args:
        source: a file path or a URL.
        transport: the httpx transport for a URL (tests, proxies); default: httpx's own.
            Proxy settings of the environment are not read.
        timeout: seconds to wait for a URL.

    Returns:
        The document as plain JSON-like values (YAML dates stay text).

    Raises:
        OpenApiError: the file or URL cannot be read, or its text is neither YAML nor JSON,
            or it is not a mapping.
    """
    text = str(source)
    if text.startswith(("http://", "https://")):
        body, content_type = _fetch(text, transport, timeout)
    else:
        path = Path(text).expanduser()
        try:
            body = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise OpenApiError(f"cannot read {text}: the file does not exist; check the "
                               "path (or give an http(s):// URL)") from None
        except IsADirectoryError:
            raise OpenApiError(f"cannot read {text}: it is a folder; give the OpenAPI "
                               "file itself") from None
        except OSError as error:
            raise OpenApiError(f"cannot read {text}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise OpenApiError(f"cannot read {text}: it is not UTF-8 text") from None
        content_type = None
    document = _parse(body, text, content_type)
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {_kind(document)}"
        raise OpenApiError(f"{text} is {kind}, not an OpenAPI document (a mapping with "
                           "openapi, info and paths)")
    return document


def _fetch(url: str, transport: httpx.BaseTransport | None, timeout: float
           ) -> tuple[str, str | None]:
    import httpx

    try:
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=True,
                          trust_env=False) as client:
            response = client.get(url, headers={
                "Accept": "application/yaml, application/json;q=0.9, */*;q=0.5"})
    except httpx.TimeoutException:
        raise OpenApiError(f"cannot read {url}: no answer within {timeout:g} s; check the "
                           "URL, or download the document and import the file") from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise OpenApiError(f"cannot read {url}: {type(error).__name__}: {error}; check the "
                           "URL and that the server is reachable") from None
    if not 200 <= response.status_code < 300:
        raise OpenApiError(f"cannot read {url}: HTTP {response.status_code} "
                           f"{response.reason_phrase}; check the URL")
    return response.text, response.headers.get("content-type")


def _parse(text: str, where: str, content_type: str | None) -> Any:
    import yaml

    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media.endswith("json") or where.lower().endswith(".json") or text.lstrip()[:1] == "{":
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            if media.endswith("json") or where.lower().endswith(".json"):
                raise OpenApiError(f"{where} is not valid JSON: {error}") from None
    try:
        return yaml.load(text, Loader=_yaml_loader())  # a safe loader (see there)
    except RecursionError:
        raise OpenApiError(f"{where} is nested too deeply to be read") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise OpenApiError(f"{where} is not valid YAML or JSON{at}: {problem}") from None


def _yaml_loader() -> type[Any]:
    """A safe YAML loader closer to YAML 1.2 (which OpenAPI 3.1 requires): dates stay text
    and only ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` are text)."""
    import yaml

    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in base.yaml_implicit_resolvers.items():
        kept = [(tag, regexp) for tag, regexp in entries
                if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
        if kept:
            resolvers[first] = kept
    boolean = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    for first in "tTfF":
        resolvers.setdefault(first, []).append(("tag:yaml.org,2002:bool", boolean))
    return type("_OpenApiLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


# --------------------------------------------------------------------------- pointers


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _at(pointer: str, *parts: str | int) -> str:
    """``pointer`` extended by ``parts`` (escaped)."""
    return pointer + "".join("/" + _escape(p) for p in parts)


def _pascal(text: str) -> str:
    """``create order`` / ``create-order`` / ``createOrder`` → ``CreateOrder``."""
    return "".join(w[:1].upper() + w[1:] for w in _WORDS.findall(text))


def _identifier(name: str) -> str:
    """A placeholder-safe argument name: ``X-Request-Id`` → ``xRequestId``."""
    if _IDENTIFIER.fullmatch(name):
        return name
    words = _WORDS.findall(name)
    if not words:
        return "arg"
    text = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:]
                                                          for w in words[1:])
    return text if _IDENTIFIER.fullmatch(text) else f"_{text}"


def _one_line(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    joined = " ".join(text.split())
    return joined or None


def _join(*parts: str | None) -> str | None:
    kept = [p.rstrip(".;, ") for p in parts if p]
    return "; ".join(kept) or None


def _unique(name: str, taken: Iterable[str], suffix: str = "") -> str:
    taken = set(taken)
    if name not in taken:
        return name
    if suffix and name + suffix not in taken:
        return name + suffix
    number = 2
    while f"{name}{suffix}{number}" in taken:
        number += 1
    return f"{name}{suffix}{number}"


def _json_media(content: Any) -> tuple[str, Any] | None:
    """The first JSON media type of a ``content`` mapping and its media type object."""
    if not isinstance(content, Mapping):
        return None
    for media, value in content.items():
        name = str(media).split(";", 1)[0].strip().lower()
        if name in ("application/json", "text/json") or name.endswith("+json"):
            return str(media), value
    return None


# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class _Typed:
    """A translated schema: an FDL type text (no trailing ``?``), whether it is nullable,
    and notes for the description (enum values, formats)."""

    text: str
    nullable: bool = False
    notes: tuple[str, ...] = ()
    read_only: bool = False
    write_only: bool = False
    description: str | None = None

    def written(self, optional: bool) -> str:
        return self.text + ("?" if (optional or self.nullable) and self.text != _ANY else "")


_ANY_TYPED = _Typed(_ANY)


@dataclass(slots=True)
class _Object:
    """The properties of an object schema (``allOf`` parts merged), each with its pointer."""

    properties: dict[str, tuple[Any, str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    extra: Any = None
    extra_pointer: str = ""
    parts: int = 0
    nullable: bool = False


@dataclass(slots=True)
class _Arg:
    """One ``args.in`` entry: its name, type text, description and where it goes."""

    name: str
    type: str
    description: str | None
    where: str          # path, query, header, body
    wire: str           # the parameter, header or property name in the document


class _Translator:
    """One document's translation: shared ``defs`` (components translated once, when first
    used), problems in the order they were found, and the tools."""

    def __init__(self, document: Mapping[str, Any], service: str) -> None:
        self.document = document
        self.service = service
        self.problems: list[OpenApiProblem] = []
        self._seen_problems: set[tuple[str, str]] = set()
        components = document.get("components")
        self.components: Mapping[str, Any] = components if isinstance(components,
                                                                      Mapping) else {}
        schemas = self.components.get("schemas")
        self.schemas: Mapping[str, Any] = schemas if isinstance(schemas, Mapping) else {}
        # defs by name: a mapping of fields or a type text; filled as components are used.
        self.defs: dict[str, dict[str, str] | str] = {}
        self.def_descriptions: dict[str, dict[str, str]] = {}
        self.def_notes: dict[str, tuple[str, ...]] = {}
        self.nullable_defs: set[str] = set()
        self.object_defs: set[str] = set()      # defs that are objects (fields)
        self.def_pointers: dict[str, str] = {}
        self._def_of: dict[str, str] = {}       # component name -> def name (once used)
        self._reserved: dict[str, str] = {}     # component name -> its def name
        self._active: list[str] = []            # non-component refs being translated
        self._codes: set[str] = set()
        self._pending: deque[tuple[str, _Object, str]] = deque()
        taken: set[str] = set()
        for name in self.schemas:
            text = str(name)
            clean = re.sub(r"[^A-Za-z0-9_\-]", "_", text)
            if not clean or not (clean[0].isalpha() or clean[0] == "_"):
                clean = "T" + clean
            if clean in _RESERVED_TYPES:
                clean = clean[:1].upper() + clean[1:]
                if clean in _RESERVED_TYPES:  # pragma: no cover - primitives are lower case
                    clean += "Type"
            clean = _unique(clean, taken)
            taken.add(clean)
            self._reserved[text] = clean

    # ------------------------------------------------------------------ problems

    def problem(self, pointer: str, message: str) -> None:
        key = (pointer, message)
        if key not in self._seen_problems:
            self._seen_problems.add(key)
            self.problems.append(OpenApiProblem(pointer, message))

    # ------------------------------------------------------------------ references

    def target(self, ref: str) -> Any:
        """The node a local reference (``#/a/b``) points at, or None."""
        node: Any = self.document
        fragment = ref[1:]
        if fragment in ("", "/"):
            return node
        for raw in fragment.lstrip("/").split("/"):
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def deref(self, node: Any, pointer: str, what: str, *, report: bool = True
              ) -> tuple[Any, str] | None:
        """Follow ``$ref`` chains of a non-schema object (a parameter, request body,
        response, path item); None after reporting (when ``report``) an external, unknown
        or circular one."""
        seen: list[str] = []
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not report and (not ref.startswith("#") or ref in seen
                               or self.target(ref) is None):
                return None
            if not ref.startswith("#"):
                self.problem(pointer, f"the external $ref '{ref}' is not resolved, so this "
                             f"{what} is not translated; bundle the document into one file "
                             "first (e.g. with `redocly bundle`)")
                return None
            if ref in seen:
                self.problem(pointer, f"the $ref '{ref}' leads back to itself, so this {what} "
                             "is not translated")
                return None
            seen.append(ref)
            found = self.target(ref)
            if found is None:
                self.problem(pointer, f"the $ref '{ref}' points at nothing, so this {what} is "
                             "not translated")
                return None
            node, pointer = found, ref
        return node, pointer

    # ------------------------------------------------------------------ schemas

    def component(self, name: str, pointer: str) -> _Typed:
        """The def of ``components/schemas/<name>`` (translated on first use)."""
        known = self._def_of.get(name)
        if known is None:
            if name not in self.schemas:
                self.problem(pointer, f"the $ref to the schema '{name}' points at nothing: "
                             "typed any")
                return _ANY_TYPED
            known = self._reserved[name]
            self._def_of[name] = known
            where = _at("#/components/schemas", name)
            if known != name:
                self.problem(where, f"the schema '{name}' is the type '{known}' (FDL type "
                             "names are ASCII letters, digits, _ and -, not a primitive)")
            self.def_pointers[known] = where
            self.defs[known] = _ANY           # placeholder: keeps first-use order
            self._define(known, self.schemas[name], where)
        return _Typed(known, nullable=known in self.nullable_defs,
                      notes=self.def_notes.get(known, ()))

    def _define(self, def_name: str, node: Any, pointer: str) -> None:
        """Fill ``defs[def_name]`` from a schema: fields for an object with properties
        (later, by `drain`), else a type text (an alias, now).

        Objects wait in a queue so that a long chain of components referring to each other
        is translated one after another, not by recursion as deep as the chain."""
        shape = None if isinstance(node, Mapping) and "$ref" in node else self.object_of(
            node, pointer)
        if shape is not None and not _single_part(node):
            if shape.nullable:
                self.nullable_defs.add(def_name)
            self._pending.append((def_name, shape, pointer))
            self.object_defs.add(def_name)
            return
        typed = self.schema(node, pointer, def_name)
        self.defs[def_name] = typed.text
        if typed.nullable:
            self.nullable_defs.add(def_name)
        if typed.notes:
            self.def_notes[def_name] = typed.notes

    def drain(self) -> None:
        """Translate the fields of the component objects used so far."""
        while self._pending:
            def_name, shape, pointer = self._pending.popleft()
            fields, descriptions = self.fields(shape, pointer, def_name)
            self.defs[def_name] = fields
            if descriptions:
                self.def_descriptions[def_name] = descriptions

    def new_def(self, hint: str, shape: _Object, pointer: str) -> str:
        """A def for an inline object, named after where it is (``CreateOrderAddress``)."""
        base = hint if _TYPE_NAME.fullmatch(hint) and hint not in _RESERVED_TYPES else "T" + hint
        name = _unique(base, {*self.defs, *self._reserved.values()})
        self.defs[name] = _ANY
        self.object_defs.add(name)
        self.def_pointers[name] = pointer
        fields, descriptions = self.fields(shape, pointer, name)
        self.defs[name] = fields
        if descriptions:
            self.def_descriptions[name] = descriptions
        return name

    def fields(self, shape: _Object, pointer: str, owner: str
               ) -> tuple[dict[str, str], dict[str, str]]:
        """FDL fields (and their descriptions) for the properties of an object."""
        self.shape_problems(shape, pointer)
        found: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        for name, (node, where) in shape.properties.items():
            if not _FIELD_NAME.fullmatch(name):
                self.problem(where, f"the property '{name}' is left out: FDL field names are "
                             "ASCII letters, digits, _ and -")
                continue
            typed = self.schema(node, where, owner + _pascal(name))
            optional = (name not in shape.required or typed.read_only or typed.write_only)
            found[name] = typed.written(optional)
            text = _join(typed.description, *typed.notes)
            if text:
                descriptions[name] = text
        return found, descriptions

    def object_of(self, node: Any, pointer: str) -> _Object | None:
        """The properties of an object schema (following ``$ref``s and merging ``allOf``
        parts), or None when the schema is not an object with properties."""
        shape = self._collect(node, pointer, ())
        if shape is None or not shape.properties:
            return None
        return shape

    def _collect(self, node: Any, pointer: str, seen: tuple[str, ...]) -> _Object | None:
        if not isinstance(node, Mapping):
            return None
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#") or ref in seen:
                return None
            target = self.target(ref)
            return self._collect(target, ref, (*seen, ref)) if target is not None else None
        kind = node.get("type")
        if not (kind in ("object", None) or (isinstance(kind, list) and "object" in kind)):
            return None
        if kind is None and any(k in node for k in ("items", "enum", "oneOf", "anyOf",
                                                    "const")):
            return None
        shape = _Object(nullable=node.get("nullable") is True or _null_in_type(node))
        parts = node.get("allOf")
        if isinstance(parts, list):
            for i, part in enumerate(parts):
                sub = self._collect(part, _at(pointer, "allOf", i), seen)
                if sub is None:
                    return None
                shape.properties.update(sub.properties)
                shape.required |= sub.required
                shape.parts += sub.parts
                if sub.extra is not None:
                    shape.extra, shape.extra_pointer = sub.extra, sub.extra_pointer
        properties = node.get("properties")
        if isinstance(properties, Mapping) and properties:
            shape.parts += 1
            for name, value in properties.items():
                shape.properties[str(name)] = (value, _at(pointer, "properties", str(name)))
        required = node.get("required")
        if isinstance(required, list):
            shape.required |= {str(r) for r in required}
        if "additionalProperties" in node:
            shape.extra = node["additionalProperties"]
            shape.extra_pointer = _at(pointer, "additionalProperties")
        return shape

    def shape_problems(self, shape: _Object, pointer: str) -> None:
        """Report what merging an object's parts left out or changed."""
        if shape.parts > 1:
            self.problem(pointer, f"allOf of {shape.parts} object schemas is merged into one "
                         "object type (their properties together)")
        if shape.extra not in (None, False) and shape.extra != {}:
            self.problem(shape.extra_pointer or pointer, "additionalProperties beside "
                         "properties is not translated: only the declared properties are "
                         "fields (FDL object types are closed)")

    def schema(self, node: Any, pointer: str, hint: str) -> _Typed:
        """The FDL type of a schema; ``hint`` names inline objects hoisted into ``defs``."""
        if node is True or (isinstance(node, Mapping) and not node):
            return _ANY_TYPED
        if not isinstance(node, Mapping):
            self.problem(pointer, "this schema is not a mapping: typed any")
            return _ANY_TYPED
        typed = self._schema(node, pointer, hint)
        return replace(typed, nullable=typed.nullable or node.get("nullable") is True,
                       description=_one_line(node.get("description")) or typed.description,
                       read_only=node.get("readOnly") is True,
                       write_only=node.get("writeOnly") is True)

    def _schema(self, node: Mapping[str, Any], pointer: str, hint: str) -> _Typed:
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self.reference(ref, pointer, hint)
        for keyword in _UNSUPPORTED_KEYWORDS:
            if keyword in node:
                self.problem(_at(pointer, keyword), f"'{keyword}' is not translated "
                             "(FDL types have no equivalent); it is ignored")
        for keyword in ("oneOf", "anyOf"):
            if keyword not in node:
                continue
            if "properties" in node or "allOf" in node:
                self.problem(_at(pointer, keyword), f"{keyword} beside properties or allOf "
                             "is not translated; it is ignored")
                continue
            return self.alternatives(node, keyword, pointer, hint)
        parts = node.get("allOf")
        if isinstance(parts, list) and _single_part(node):
            i, part = next((i, p) for i, p in enumerate(parts) if not _annotation_only(p))
            typed = self.schema(part, _at(pointer, "allOf", i), hint)
            return replace(typed, nullable=typed.nullable or any(
                isinstance(p, Mapping) and p.get("nullable") is True for p in parts))
        if "properties" in node or "allOf" in node:
            shape = self.object_of(node, pointer)
            if shape is not None:
                return _Typed(self.new_def(hint, shape, pointer), nullable=shape.nullable)
            if "allOf" in node:
                self.problem(_at(pointer, "allOf"), "allOf of schemas that are not all "
                             "objects is not translated: typed any")
                return _ANY_TYPED
        kind, nullable = self.kind(node, pointer)
        typed = self.simple(node, kind, pointer, hint)
        return replace(typed, nullable=typed.nullable or nullable)

    def reference(self, ref: str, pointer: str, hint: str) -> _Typed:
        if not ref.startswith("#"):
            self.problem(pointer, f"the external $ref '{ref}' is not resolved: typed any "
                         "(bundle the document into one file first, e.g. with "
                         "`redocly bundle`)")
            return _ANY_TYPED
        match = re.fullmatch(r"#/components/schemas/([^/]+)", ref)
        if match:
            name = unquote(match.group(1)).replace("~1", "/").replace("~0", "~")
            return self.component(name, pointer)
        if ref in self._active:
            self.problem(pointer, f"the schema is recursive through '{ref}', which is not a "
                         "component: typed any (recursion is kept only through "
                         "#/components/schemas)")
            return _ANY_TYPED
        target = self.target(ref)
        if target is None:
            self.problem(pointer, f"the $ref '{ref}' points at nothing: typed any")
            return _ANY_TYPED
        self._active.append(ref)
        try:
            return self.schema(target, ref, hint)
        finally:
            self._active.pop()

    def alternatives(self, node: Mapping[str, Any], keyword: str, pointer: str,
                     hint: str) -> _Typed:
        """``oneOf``/``anyOf``: a null alternative makes the type nullable; one remaining
        alternative (or several of the same simple type) is translated, more are ``any``."""
        options = node[keyword]
        where = _at(pointer, keyword)
        if not isinstance(options, list) or not options:
            self.problem(where, f"{keyword} is not a non-empty list: typed any")
            return _ANY_TYPED
        nullable = False
        rest: list[tuple[int, Any]] = []
        for i, option in enumerate(options):
            if isinstance(option, Mapping) and (option.get("type") == "null"
                                                or option.get("enum") == [None]):
                nullable = True
            else:
                rest.append((i, option))
        if not rest:
            return _Typed(_ANY, nullable=True)
        if len(rest) == 1:
            i, option = rest[0]
            typed = self.schema(option, _at(where, i), hint)
            return replace(typed, nullable=typed.nullable or nullable)
        if rest and all(_simple_type(option) for _, option in rest):
            found = [self.schema(option, _at(where, i), hint) for i, option in rest]
            if len({t.text for t in found}) == 1:
                return replace(found[0], nullable=nullable or any(t.nullable for t in found),
                               notes=())
        discriminator = node.get("discriminator")
        by = ""
        if isinstance(discriminator, Mapping) and discriminator.get("propertyName"):
            by = f" (discriminator '{discriminator['propertyName']}')"
        self.problem(where, f"{keyword} of {len(rest)} schemas{by} is not translated: typed "
                     "any (values pass unchecked)")
        return _Typed(_ANY, nullable=nullable)

    def kind(self, node: Mapping[str, Any], pointer: str) -> tuple[str | None, bool]:
        """The JSON type of a schema (inferred when not given) and whether null is
        allowed by a 3.1 type list."""
        kind = node.get("type")
        nullable = False
        if isinstance(kind, list):
            nullable = "null" in kind
            rest = [k for k in kind if k != "null"]
            if len(rest) > 1:
                self.problem(_at(pointer, "type"), f"a value of several types "
                             f"({', '.join(map(str, rest))}) is not translated: typed any")
                return None, nullable
            kind = rest[0] if rest else None
        if kind is None:
            if "properties" in node or "additionalProperties" in node:
                kind = "object"
            elif "items" in node:
                kind = "array"
            elif "const" in node:
                kind = _json_kind(node["const"]) if node["const"] is not None else "null"
            elif isinstance(node.get("enum"), list) and node["enum"]:
                kinds = {_json_kind(v) for v in node["enum"] if v is not None}
                kind = kinds.pop() if len(kinds) == 1 else None
        if kind is not None and not isinstance(kind, str):
            self.problem(_at(pointer, "type"), f"the type {kind!r} is not a JSON type: "
                         "typed any")
            return None, nullable
        return kind, nullable

    def simple(self, node: Mapping[str, Any], kind: str | None, pointer: str,
               hint: str) -> _Typed:
        """A schema that is not a reference, a combination or an object with properties."""
        notes: list[str] = []
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            shown = ", ".join(json.dumps(v, ensure_ascii=False, default=str)
                              if not isinstance(v, str)
                              else v for v in enum[:MAX_ENUM_SHOWN])
            more = f" (and {len(enum) - MAX_ENUM_SHOWN} more)" if len(enum) > MAX_ENUM_SHOWN \
                else ""
            notes.append(f"one of: {shown}{more}")
            if None in enum:
                node = {**node, "nullable": True}
        if "const" in node:
            notes.append(f"always {json.dumps(node['const'], ensure_ascii=False, default=str)}")
        fmt = node.get("format")
        fmt = fmt if isinstance(fmt, str) else None
        text = _ANY
        if kind == "string":
            text = "string"
            if fmt in _DATE_FORMATS:
                text = "date"
                if fmt == "date":
                    notes.append("format: date (a day)")
            elif fmt == "binary":
                self.problem(_at(pointer, "format"), "binary data (format: binary) cannot be "
                             "sent or received as JSON text: typed string")
            elif fmt == "byte":
                notes.append("base64")
            elif fmt:
                notes.append(f"format: {fmt}")
        elif kind == "integer":
            text = _INTEGER_FORMATS.get(fmt or "int64", "")
            if not text:
                self.problem(_at(pointer, "format"), f"the integer format '{fmt}' is not "
                             "known: typed long")
                text = "long"
        elif kind == "number":
            text = _NUMBER_FORMATS.get(fmt or "double", "")
            if not text:
                if fmt in _INTEGER_FORMATS:
                    text = _INTEGER_FORMATS[fmt]
                else:
                    self.problem(_at(pointer, "format"), f"the number format '{fmt}' is "
                                 "not known: typed double")
                    text = "double"
        elif kind == "boolean":
            text = "bool"
        elif kind == "array":
            items = node.get("items")
            if items is None:
                text = "any[]"
            else:
                inner = self.schema(items, _at(pointer, "items"), hint + "Item")
                text = f"{inner.text}[]"
                notes.extend(f"items {n}" for n in inner.notes)
        elif kind == "object":
            extra = node.get("additionalProperties")
            if isinstance(extra, Mapping) and extra:
                inner = self.schema(extra, _at(pointer, "additionalProperties"),
                                    hint + "Value")
                text = f"map<{inner.written(False)}>"
            else:
                text = "map<any>"
        elif kind == "null":
            return _Typed(_ANY, nullable=True)
        elif kind is not None:
            self.problem(_at(pointer, "type"), f"the type '{kind}' is not a JSON type: typed "
                         "any")
        return _Typed(text, nullable=node.get("nullable") is True, notes=tuple(notes))

    def resolve_alias_cycles(self) -> None:
        """Aliases (``A: B[]``) that lead back to themselves only through aliases are not
        FDL types (E107): they become ``any``."""
        aliases = {name: [w for w in _TYPE_NAME.findall(shape) if isinstance(
            self.defs.get(w), str)] for name, shape in self.defs.items()
            if isinstance(shape, str)}
        for start in list(aliases):
            if self.defs[start] == _ANY:
                continue
            stack, seen = list(aliases[start]), set()
            while stack:
                current = stack.pop()
                if current == start:
                    self.problem(self.def_pointers.get(start, "#"), f"the schema '{start}' is "
                                 "defined only through itself (no object in between): typed "
                                 "any")
                    self.defs[start] = _ANY
                    break
                if current not in seen:
                    seen.add(current)
                    stack.extend(aliases.get(current, ()))

    def closure(self, texts: Iterable[str]) -> list[str]:
        """The defs the type texts use, transitively, in the order of ``defs``."""
        used: set[str] = set()
        stack = [w for text in texts for w in _TYPE_NAME.findall(text) if w in self.defs]
        while stack:
            name = stack.pop()
            if name in used:
                continue
            used.add(name)
            shape = self.defs[name]
            for text in (shape.values() if isinstance(shape, dict) else (shape,)):
                stack.extend(w for w in _TYPE_NAME.findall(text) if w in self.defs)
        return [name for name in self.defs if name in used]

    # ------------------------------------------------------------------ operations

    def code(self, operation: Mapping[str, Any], method: str, path: str, pointer: str
             ) -> str:
        op_id = operation.get("operationId")
        if isinstance(op_id, str) and op_id.strip():
            code = _CODE_BAD.sub("-", op_id.strip()).strip("-")
        else:
            code = "-".join([method, *(w.lower() for w in _WORDS.findall(path))])
        code = code or method
        unique, number = code, 2
        while unique in self._codes:
            unique, number = f"{code}-{number}", number + 1
        if unique != code:
            self.problem(pointer, f"the code {self.service}/{code} is taken by an earlier "
                         f"operation: this one is {self.service}/{unique}")
        self._codes.add(unique)
        return unique

    def parameters(self, item: Mapping[str, Any], operation: Mapping[str, Any],
                   item_pointer: str, pointer: str) -> list[tuple[Mapping[str, Any], str]]:
        """The operation's parameters (path-level ones included; the operation's own win),
        references resolved."""
        found: dict[tuple[str, str], tuple[Mapping[str, Any], str]] = {}
        for owner, where in ((item, item_pointer), (operation, pointer)):
            params = owner.get("parameters")
            if params is None:
                continue
            if not isinstance(params, list):
                self.problem(_at(where, "parameters"), "parameters is not a list: ignored")
                continue
            for i, raw in enumerate(params):
                resolved = self.deref(raw, _at(where, "parameters", i), "parameter")
                if resolved is None:
                    continue
                param, at = resolved
                if not isinstance(param, Mapping) or not isinstance(param.get("name"), str) \
                        or param.get("in") not in ("path", "query", "header", "cookie"):
                    self.problem(at, "a parameter needs a name and 'in' (path, query, "
                                 "header or cookie): ignored")
                    continue
                found[(param["in"], param["name"])] = (param, at)
        return list(found.values())

    def param_type(self, param: Mapping[str, Any], pointer: str, hint: str) -> _Typed:
        schema = param.get("schema")
        if schema is None and isinstance(param.get("content"), Mapping):
            media = next(iter(param["content"].items()), None)
            if media is not None:
                self.problem(_at(pointer, "content"), f"the parameter is serialized as "
                             f"{media[0]}: the api:// adapter sends it as a plain value")
                inner = media[1].get("schema") if isinstance(media[1], Mapping) else None
                return self.schema(inner if inner is not None else {},
                                   _at(pointer, "content", media[0], "schema"), hint)
        if schema is None:
            return _ANY_TYPED
        return self.schema(schema, _at(pointer, "schema"), hint)

    def operation(self, path: str, method: str, operation: Mapping[str, Any],
                  item: Mapping[str, Any], item_pointer: str, common: _Common
                  ) -> ToolSpec | None:
        pointer = _at(item_pointer, method)
        code = self.code(operation, method, path, pointer)
        hint = _pascal(code) or "Operation"
        verb = method.upper()
        for key in ("callbacks", "servers"):
            if key in operation:
                self.problem(_at(pointer, key), f"{key} of an operation are not translated"
                             + ("; the service URL comes from the configuration"
                                if key == "servers" else ""))
        args, placeholders, headers = self.arguments(path, operation, item, item_pointer,
                                                     pointer, hint)
        body = self.request_body(operation, pointer, hint, args)
        out, out_descriptions = self.response(operation, pointer, hint)

        inputs = {a.name: a.type for a in args}
        descriptions = {f"in.{a.name}": a.description for a in args if a.description}
        descriptions.update({f"out.{k}": v for k, v in out_descriptions.items()})
        texts = [*inputs.values()]
        if isinstance(out, dict):
            texts.extend(out.values())
        elif out is not None:
            texts.append(out)
        self.drain()
        self.resolve_alias_cycles()
        defs = {}
        for name in self.closure(texts):
            defs[name] = self.defs[name]
            for field_name, text in self.def_descriptions.get(name, {}).items():
                descriptions[f"defs.{name}.{field_name}"] = text
        spec_args: dict[str, Any] = {}
        if defs:
            spec_args["defs"] = defs
        if inputs:
            spec_args["in"] = inputs
        if out is not None:
            spec_args["out"] = out

        config: dict[str, Any] = {"method": verb, "path": placeholders}
        query = [a.name for a in args if a.where == "query"]
        if query or (body is not None and body and verb not in _BODY_METHODS):
            config["query"] = query
        if body:
            config["body"] = body
        elif verb in _BODY_METHODS:
            config["body"] = []
        if headers:
            config["headers"] = headers
        tags = list(common.tags)
        op_tags = operation.get("tags")
        if isinstance(op_tags, list):
            tags.extend(t.strip() for t in op_tags if isinstance(t, str) and t.strip())
        if operation.get("deprecated") is True:
            tags.append("deprecated")
        try:
            spec = ToolSpec(type="api", code=f"{self.service}/{code}",
                            name=_one_line(operation.get("summary")),
                            desp=_one_line(operation.get("description")),
                            version=common.version, tags=tuple(tags), tenant=common.tenant,
                            args=spec_args, descriptions=descriptions, config=config)
        except ValidationError as error:
            detail = error.errors()[0]
            where = ".".join(map(str, detail["loc"]))
            self.problem(pointer, f"the operation is not imported: its ToolSpec is not valid "
                         f"({where}: {detail['msg']})")
            return None
        return self.checked(spec, pointer)

    def checked(self, spec: ToolSpec, pointer: str) -> ToolSpec | None:
        """The spec when it is valid; a default that does not fit its type is dropped
        (reported); any other error leaves the operation out (reported)."""
        problems = [p for p in spec.problems() if p.is_error]
        if not problems:
            return spec
        inputs = dict(spec.args.get("in", {}))
        dropped = False
        for problem in problems:
            name = problem.field.removeprefix("args.in.")
            text = inputs.get(name)
            if problem.field.startswith("args.in.") and isinstance(text, str) and " = " in text:
                inputs[name] = text.split(" = ", 1)[0] + "?"
                self.problem(pointer, f"the default of '{name}' does not fit its type and is "
                             f"left out ({problem.message})")
                dropped = True
        if dropped:
            fixed = ToolSpec.model_validate({**spec.model_dump(),
                                             "args": {**spec.args, "in": inputs}})
            return self.checked(fixed, pointer)
        self.problem(pointer, "the operation is not imported: its ToolSpec is not valid ("
                     + "; ".join(str(p) for p in problems) + ")")
        return None

    def arguments(self, path: str, operation: Mapping[str, Any], item: Mapping[str, Any],
                  item_pointer: str, pointer: str, hint: str
                  ) -> tuple[list[_Arg], str, dict[str, str]]:
        """Arguments from path, query and header parameters; the path with placeholders
        renamed to the argument names; the header templates."""
        params = self.parameters(item, operation, item_pointer, pointer)
        body_names = self.body_property_names(operation, pointer)
        fixed = {p["name"] for p, _ in params if p["in"] == "query"} | body_names
        taken: set[str] = set()
        by_where: dict[str, list[_Arg]] = {"path": [], "query": [], "header": []}
        declared_path: set[str] = set()
        for param, at in params:
            where, name = param["in"], param["name"]
            if where == "cookie":
                self.problem(at, f"the cookie parameter '{name}' is skipped: the api:// "
                             "adapter sends no cookies")
                continue
            if where == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            typed = self.param_type(param, at, hint + _pascal(name))
            description = _join(_one_line(param.get("description")), typed.description,
                                *typed.notes)
            required = param.get("required") is True or where == "path"
            default = _default(param.get("schema"))
            if where == "query":
                if not _FIELD_NAME.fullmatch(name):
                    self.problem(at, f"the query parameter '{name}' is skipped: the api:// "
                                 "adapter sends arguments under their own names, and FDL "
                                 "argument names are ASCII letters, digits, _ and -")
                    continue
                arg_name = name
                self.query_style(param, typed, at)
            elif where == "path":
                declared_path.add(name)
                base = _identifier(name)
                arg_name = base if base in BUILTIN_INPUTS else _unique(base, taken | fixed,
                                                                      "Path")
                if arg_name != base:
                    self.problem(at, f"the path parameter '{name}' is the argument "
                                 f"'{arg_name}' (a query parameter or body property is "
                                 f"'{base}')")
            else:
                if not required and default is None:
                    self.problem(at, f"the optional header parameter '{name}' is skipped: "
                                 "the api:// adapter sends every header it declares and "
                                 "fails when its argument is null; add it to config.headers "
                                 "by hand if the calls need it")
                    continue
                arg_name = _unique(_identifier(name), taken | fixed, "Header")
            taken.add(arg_name)
            by_where[where].append(_Arg(arg_name, self.arg_type(
                arg_name, typed, required, default, at), description, where, name))
        placeholders = path
        renamed = {a.wire: a.name for a in by_where["path"]}
        for placeholder in dict.fromkeys(_PLACEHOLDER.findall(path)):
            if placeholder not in renamed:
                arg_name = _unique(_identifier(placeholder), taken | fixed, "Path")
                taken.add(arg_name)
                renamed[placeholder] = arg_name
                self.problem(pointer, f"the path parameter '{placeholder}' is not declared: "
                             f"it is the argument '{arg_name}' of type string")
                by_where["path"].append(_Arg(arg_name, "string", None, "path", placeholder))
        for name in declared_path - set(_PLACEHOLDER.findall(path)):
            self.problem(pointer, f"the path parameter '{name}' is not in the path {path}: it "
                         "is left out")
            by_where["path"] = [a for a in by_where["path"] if a.wire != name]
        placeholders = _PLACEHOLDER.sub(lambda m: "{" + renamed[m.group(1)] + "}", path)
        headers = {a.wire: "{" + a.name + "}" for a in by_where["header"]}
        return [*by_where["path"], *by_where["query"], *by_where["header"]], placeholders, \
            headers

    def arg_type(self, name: str, typed: _Typed, required: bool, default: Any,
                 pointer: str) -> str:
        """The ``args.in`` text of an argument: ``T``, ``T?`` or ``T = default``."""
        if name in BUILTIN_INPUTS:
            if typed.text not in ("string", _ANY):
                self.problem(pointer, f"'{name}' is bound from the run's context, so it is "
                             f"typed string?, not {typed.text}")
            return "string?"
        if default is not None:
            literal = _gml_literal(default, typed.text)
            if literal is None:
                self.problem(pointer, f"the default {default!r} cannot be written "
                             "in FDL: left out")
            else:
                return f"{typed.text} = {literal}"
        return typed.written(not required)

    def query_style(self, param: Mapping[str, Any], typed: _Typed, pointer: str) -> None:
        style = param.get("style", "form")
        explode = param.get("explode", style == "form")
        is_array = typed.text.endswith("[]")
        is_object = not is_array and (typed.text.startswith("map<")
                                      or typed.text in self.object_defs)
        if is_object:
            self.problem(pointer, f"the object query parameter '{param['name']}' (style "
                         f"{style}) cannot be sent by the api:// adapter, which sends only "
                         "scalars and arrays in a query string; it is kept as an argument")
        elif is_array and (style != "form" or explode is not True):
            self.problem(pointer, f"the array query parameter '{param['name']}' has style "
                         f"{style}, explode {str(explode).lower()}: the api:// adapter sends "
                         "arrays as repeated name=value pairs (form, explode)")

    def body_property_names(self, operation: Mapping[str, Any], pointer: str) -> set[str]:
        """The names the JSON request body's properties will take (for name conflicts)."""
        found = self.body_schema(operation, pointer, report=False)
        if found is None:
            return set()
        shape = self.object_of(found[0], found[1])
        return set(shape.properties) if shape is not None else set()

    def body_schema(self, operation: Mapping[str, Any], pointer: str, *, report: bool
                    ) -> tuple[Any, str, bool] | None:
        """The schema of the JSON request body, its pointer, and whether the body is
        required; None without one (non-JSON bodies reported when ``report``)."""
        raw = operation.get("requestBody")
        if raw is None:
            return None
        where = _at(pointer, "requestBody")
        resolved = self.deref(raw, where, "request body", report=report)
        if resolved is None:
            return None
        body, at = resolved
        if not isinstance(body, Mapping):
            return None
        content = body.get("content")
        media = _json_media(content)
        if media is None:
            if report:
                kinds = ", ".join(map(str, content)) if isinstance(content, Mapping) else ""
                self.problem(where, f"the request body ({kinds or 'no content'}) is not "
                             "translated: the api:// adapter sends JSON bodies only, so the "
                             "tool sends no body")
            return None
        if report and media[0].split(";", 1)[0].strip().lower() != "application/json":
            self.problem(_at(at, "content", media[0]), f"the request body is sent as "
                         f"application/json, not {media[0]}")
        if report and isinstance(content, Mapping) and len(content) > 1:
            others = [str(m) for m in content if str(m) != media[0]]
            self.problem(_at(at, "content"), f"the request body is sent as {media[0]} only "
                         f"(not {', '.join(others)})")
        schema = media[1].get("schema") if isinstance(media[1], Mapping) else None
        return (schema if schema is not None else {}, _at(at, "content", media[0], "schema"),
                body.get("required") is True)

    def request_body(self, operation: Mapping[str, Any], pointer: str, hint: str,
                     args: list[_Arg]) -> list[str] | None:
        """Add the body's arguments to ``args``; returns the ``config.body`` names (None:
        no JSON body)."""
        found = self.body_schema(operation, pointer, report=True)
        if found is None:
            return None
        schema, at, required = found
        taken = {a.name for a in args}
        shape = self.object_of(schema, at)
        if shape is None:
            name = _unique("body", taken, "")
            typed = self.schema(schema, at, hint + "Body")
            self.problem(at, f"the request body is not an object ({typed.written(False)}): "
                         f"it is the argument '{name}', and the api:// adapter sends it "
                         f"wrapped as {{\"{name}\": ...}}; the service must accept that")
            args.append(_Arg(name, typed.written(not required), typed.description, "body",
                             name))
            return [name]
        self.shape_problems(shape, at)
        names: list[str] = []
        for prop, (node, where) in shape.properties.items():
            if not _FIELD_NAME.fullmatch(prop):
                self.problem(where, f"the body property '{prop}' is skipped: FDL argument "
                             "names are ASCII letters, digits, _ and -")
                continue
            if prop in taken:
                self.problem(where, f"the body property '{prop}' is skipped: a query "
                             "parameter of the same name is already the argument "
                             f"'{prop}', and arguments are sent under their own names")
                continue
            typed = self.schema(node, where, hint + _pascal(prop))
            if typed.read_only:
                continue
            optional = not required or prop not in shape.required
            text = self.arg_type(prop, typed, not optional, _default(node), where)
            args.append(_Arg(prop, text, _join(typed.description, *typed.notes), "body",
                             prop))
            taken.add(prop)
            names.append(prop)
        return names

    def response(self, operation: Mapping[str, Any], pointer: str, hint: str
                 ) -> tuple[dict[str, str] | str | None, dict[str, str]]:
        """``args.out`` from the first 2xx response (a type text or fields) and the
        descriptions of its fields."""
        responses = operation.get("responses")
        where = _at(pointer, "responses")
        if not isinstance(responses, Mapping):
            self.problem(where, "the operation declares no responses: the result is any")
            return None, {}
        by_status = {str(c): r for c, r in responses.items()}  # YAML may give 200 as int
        codes = sorted((c for c in by_status if c[:1] == "2"),
                       key=lambda c: (c.upper() == "2XX", c))
        if not codes:
            self.problem(where, "no success (2xx) response is declared: the result is any")
            return None, {}
        chosen: tuple[str, Any, str] | None = None
        text_only = False
        for status in codes:
            resolved = self.deref(by_status[status], _at(where, status), "response")
            if resolved is None:
                continue
            response, at = resolved
            content = response.get("content") if isinstance(response, Mapping) else None
            media = _json_media(content)
            if media is not None:
                if chosen is None:
                    schema = media[1].get("schema") if isinstance(media[1], Mapping) else None
                    chosen = (status, schema, _at(at, "content", media[0], "schema"))
                else:
                    self.problem(_at(at, "content"), f"the response {status} is not "
                                 f"translated: the result is typed from the response "
                                 f"{chosen[0]}")
            elif isinstance(content, Mapping) and content:
                text_only = True
                if chosen is None:
                    self.problem(_at(at, "content"), f"the response {status} is "
                                 f"{', '.join(map(str, content))}, not JSON: the api:// "
                                 "adapter returns it as text (string)")
        if chosen is None:
            return ("string" if text_only else None), {}
        _status, schema, at = chosen
        if schema is None:
            return None, {}
        shape = self.object_of(schema, at)
        if shape is not None and shape.properties and not (
                isinstance(schema, Mapping) and "$ref" in schema):
            if shape.nullable:
                name = self.new_def(hint + "Result", shape, at)
                return name + "?", {}
            return self.fields(shape, at, hint)
        typed = self.schema(schema, at, hint + "Result")
        return typed.written(False), {}


_ANNOTATIONS = frozenset({"description", "title", "nullable", "readOnly", "writeOnly",
                          "example", "examples", "default", "deprecated", "externalDocs",
                          "xml", "$comment"})


def _annotation_only(node: Any) -> bool:
    """A schema that only annotates (``description``, ``nullable``, ``x-...``): an
    ``allOf`` part beside one real schema, as in 3.0's ``allOf: [{$ref: X}]`` idiom."""
    return isinstance(node, Mapping) and all(
        k in _ANNOTATIONS or str(k).startswith("x-") for k in node)


def _single_part(node: Any) -> bool:
    """``allOf`` with one real part and no own properties: an alias of that part."""
    if not isinstance(node, Mapping) or node.get("properties"):
        return False
    parts = node.get("allOf")
    return isinstance(parts, list) and sum(not _annotation_only(p) for p in parts) == 1


def _null_in_type(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    return isinstance(kind, list) and "null" in kind


def _simple_type(node: Any) -> bool:
    """A schema with one primitive ``type`` and no structure (for ``oneOf`` of formats)."""
    return (isinstance(node, Mapping) and node.get("type") in ("string", "integer", "number",
                                                                "boolean")
            and not any(k in node for k in ("$ref", "oneOf", "anyOf", "allOf", "properties")))


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _default(schema: Any) -> Any:
    if isinstance(schema, Mapping) and "default" in schema:
        return schema["default"]
    return None


def _gml_literal(value: Any, type_text: str) -> str | None:
    """A default as GML text: JSON is valid GML (strings in double quotes, objects with
    quoted keys); dates go through DATE()."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None
    if type_text == "date":
        return f"DATE({text})" if isinstance(value, str) else None
    return text


# --------------------------------------------------------------------------- the import


@dataclass(frozen=True, slots=True)
class _Common:
    version: str
    tags: tuple[str, ...]
    tenant: str | None


def import_openapi(document: Mapping[str, Any], *, service: str, version: str | None = None,
                   tags: Sequence[str] = (), tenant: str | None = None) -> OpenApiImport:
    """Translate every operation of an OpenAPI 3.0/3.1 document into an ``api`` ToolSpec.

    Args:
        document: the document (as `load_openapi` returns it).
        service: the service name, the first segment of every code (``shop`` →
            ``api://shop/getOrder``); its URL comes from the ``services:`` configuration.
        version: the tools' version (default: ``info.version`` when it is a semantic
            version, padded when it is ``1`` or ``1.2``, else ``1.0.0``).
        tags: tags added to every tool (beside each operation's own tags).
        tenant: the tenant the tools belong to (None: every tenant).

    Returns:
        The tools (each one valid) and the problems (what was not translated exactly).

    Raises:
        OpenApiError: not an OpenAPI 3.0/3.1 document, or it has no ``paths``.
        ValueError: ``service`` or ``version`` is not valid.
    """
    if not isinstance(service, str) or not _SERVICE.fullmatch(service):
        raise ValueError(f"'{service}' is not a service name: write letters, digits, _ . - "
                         "(e.g. crm-service), no '/'")
    if version is not None and not is_version(version):
        raise ValueError(f"'{version}' is not a semantic version: write MAJOR.MINOR.PATCH "
                         "such as 1.2.0")
    if tenant is not None and not tenant.strip():
        raise ValueError("a tenant is a non-empty name (None means every tenant)")
    tags = [tag.strip() for tag in tags if tag.strip()]
    _check_document(document)
    try:
        return _import(document, service, version, tags, tenant)
    except RecursionError:
        raise OpenApiError("the document is nested too deeply to be translated") from None


def _import(document: Mapping[str, Any], service: str, version: str | None,
            tags: Sequence[str], tenant: str | None) -> OpenApiImport:
    translator = _Translator(document, service)
    info: Mapping[str, Any] = document["info"] if isinstance(document.get("info"),
                                                             Mapping) else {}
    chosen = version or _version(info.get("version"), translator)
    common = _Common(chosen, tuple(tags), tenant)
    _report_document(document, translator, service)
    specs: list[ToolSpec] = []
    paths = document["paths"]
    for path, raw_item in paths.items():
        item_pointer = _at("#/paths", str(path))
        resolved = translator.deref(raw_item, item_pointer, "path item")
        if resolved is None:
            continue
        item, _ = resolved
        if not isinstance(item, Mapping):
            translator.problem(item_pointer, "a path item is a mapping of operations: "
                               "ignored")
            continue
        if not str(path).startswith("/"):
            translator.problem(item_pointer, f"the path '{path}' does not start with '/': "
                               "its operations are not imported")
            continue
        for method in _SKIPPED_METHODS:
            if method in item:
                translator.problem(_at(item_pointer, method), f"{method.upper()} operations "
                                   "are not imported: an api tool's method is GET, POST, "
                                   "PUT, PATCH or DELETE")
        for method in (str(key) for key in item if key in _METHODS):
            operation = item[method]
            if not isinstance(operation, Mapping):
                translator.problem(_at(item_pointer, method), "an operation is a mapping: "
                                   "ignored")
                continue
            spec = translator.operation(str(path), method, operation, item, item_pointer,
                                        common)
            if spec is not None:
                specs.append(spec)
    servers = document.get("servers")
    urls = tuple(str(s["url"]) for s in servers if isinstance(s, Mapping) and "url" in s) \
        if isinstance(servers, list) else ()
    title = info.get("title") if isinstance(info.get("title"), str) else None
    return OpenApiImport(tuple(specs), tuple(translator.problems), title, chosen, urls)


def _check_document(document: Any) -> None:
    if not isinstance(document, Mapping):
        raise OpenApiError(f"an OpenAPI document is a mapping with openapi, info and paths, "
                           f"not a {_kind(document)}")
    if "swagger" in document:
        raise OpenApiError(f"this is a Swagger {document['swagger']} document; only OpenAPI "
                           "3.0 and 3.1 are imported: convert it first (e.g. with "
                           "swagger2openapi, or the converter at converter.swagger.io)")
    declared = document.get("openapi")
    if declared is None:
        raise OpenApiError("the document has no 'openapi' field, so it is not an OpenAPI 3.x "
                           "document (it should start with openapi: 3.0.3 or 3.1.0)")
    if not str(declared).startswith(("3.0", "3.1")):
        raise OpenApiError(f"openapi: {declared} is not supported: only OpenAPI 3.0 and 3.1 "
                           "documents are imported")
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        what = "has no 'paths'" if paths is None else "has 'paths' that are not a mapping"
        extra = " (webhooks are not imported)" if "webhooks" in document else ""
        raise OpenApiError(f"the document {what}{extra}, so there are no operations to "
                           "import")


def _version(declared: Any, translator: _Translator) -> str:
    where = "#/info/version"
    if declared is None:
        return DEFAULT_VERSION
    text = str(declared).strip().removeprefix("v").removeprefix("V")
    if is_version(text):
        return text
    numbers = text.split(".")
    if 1 <= len(numbers) <= 2 and all(n.isdigit() for n in numbers):
        padded = ".".join(str(int(n)) for n in [*numbers, "0", "0"][:3])
        translator.problem(where, f"the version '{declared}' is not a semantic version: the "
                           f"tools are version {padded}")
        return padded
    translator.problem(where, f"the version '{declared}' is not a semantic version: the "
                       f"tools are version {DEFAULT_VERSION} (choose one with --version)")
    return DEFAULT_VERSION


def _report_document(document: Mapping[str, Any], translator: _Translator,
                     service: str) -> None:
    """Problems of the document as a whole: what the configuration must provide."""
    components = translator.components
    schemes = components.get("securitySchemes")
    if (isinstance(schemes, Mapping) and schemes) or document.get("security"):
        where = "#/components/securitySchemes" if components.get("securitySchemes") \
            else "#/security"
        translator.problem(where, f"security schemes are not translated: configure the "
                           f"credentials in services.{service}.auth (bearer_env, "
                           "basic_user_env/basic_password_env, or header/header_env)")
    if isinstance(document.get("webhooks"), Mapping) and document["webhooks"]:
        translator.problem("#/webhooks", "webhooks are not imported (they are calls the "
                           "service makes, not operations a flow can call)")
    servers = document.get("servers")
    if isinstance(servers, list) and len(servers) > 1:
        translator.problem("#/servers", f"the document lists {len(servers)} servers; the "
                           f"service URL is services.{service}.url of the configuration")


# --------------------------------------------------------------------------- writing


def spec_to_yaml(spec: ToolSpec) -> str:
    """A ToolSpec as a YAML file (`ToolSpec.to_document`), argument descriptions written
    as end-of-line comments, so `ToolSpec.from_text` reads the same spec back."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def build(value: Any, where: str) -> Any:
        if isinstance(value, Mapping):
            mapping = CommentedMap()
            for key, item in value.items():
                mapping[key] = build(item, f"{where}.{key}" if where else str(key))
                text = _described(spec.descriptions, where, str(key))
                if text and not isinstance(item, Mapping | list):
                    mapping.yaml_add_eol_comment(text, key)
            return mapping
        if isinstance(value, list):
            seq = CommentedSeq(build(item, where) for item in value)
            if all(not isinstance(item, Mapping | list) for item in value):
                seq.fa.set_flow_style()
            return seq
        return value

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=4, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(build(spec.to_document(), ""), buffer)
    return buffer.getvalue()


def _described(descriptions: Mapping[str, str], where: str, key: str) -> str | None:
    """The description of an ``args`` entry (``args.in.id`` → ``in.id``)."""
    if not where.startswith("args."):
        return None
    return descriptions.get(f"{where.removeprefix('args.')}.{key}")
