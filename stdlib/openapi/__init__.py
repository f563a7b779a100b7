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
- **Bodies.** A request body that is not an object (an array, say) is one argument,
  ``body``, sent as the whole JSON body (``config.body: {argument: body}``); a JSON media
  type other than ``application/json`` is sent as the body's ``Content-Type``. An optional
  header parameter is an optional argument whose header is left out when it is null.
- **Results** (``args.out``): the schema of the first 2xx response with JSON content (200,
  201, ... then ``2XX``); a non-JSON success response is ``string``, none at all ``any``.
- **defs** hold exactly the components (and inline objects) a tool uses, transitively.
  Recursion through ``components/schemas`` is kept (FDL types may be recursive); recursion
  anywhere else, and aliases that only lead back to themselves, become ``any``.
- **Problems** (never errors): ``oneOf``/``anyOf`` of several types → ``any``; ``allOf``
  of objects → merged into one object type; cookie parameters, non-JSON request bodies,
  HEAD/OPTIONS/TRACE operations → skipped; external ``$ref``s that cannot be read, unknown
  formats, keywords without an FDL equivalent, security schemes, servers and webhooks →
  reported with what to do.

A document that cannot be read or is not OpenAPI 3.x raises `OpenApiError` (E101, E102);
with ``strict``, so does one that is not valid (E105).

Modules, in the order the translation uses them: `problems` (`OpenApiProblem`), `load`
(reading files and URLs, `OpenApiError`, JSON pointers, the document, document-level
problems), `refs` (``$ref``s resolved with ``referencing``, other documents included),
`validate` (OpenAPI 3.0/3.1 or not, and validation with ``openapi-spec-validator``),
`schemas` (names, translated types and object shapes, JSON types
and formats, the shared ``defs`` table, schemas as FDL types), `operations` (names of
arguments and codes, JSON media types, ``args.in`` entries, parameters, request bodies,
the result, an operation as a ToolSpec), `yaml` (`spec_to_yaml`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stdlib.registry import DEFAULT_VERSION, ToolSpec, is_version

from .load import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from .load import Document, at, report_document
from .load import OpenApiError as OpenApiError
from .load import load_openapi as load_openapi
from .operations import SERVICE, Common, Operations
from .problems import OpenApiProblem as OpenApiProblem
from .schemas import Schemas
from .validate import check_document, validate_document
from .yaml import spec_to_yaml as spec_to_yaml

__all__ = ["DEFAULT_TIMEOUT", "OpenApiError", "OpenApiImport", "OpenApiProblem",
           "import_openapi", "load_openapi", "spec_to_yaml"]

_METHODS = frozenset({"get", "put", "post", "delete", "patch"})
_SKIPPED_METHODS = ("head", "options", "trace")


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


def import_openapi(document: Mapping[str, Any], *, service: str, version: str | None = None,
                   tags: Sequence[str] = (), tenant: str | None = None,
                   base_uri: str | None = None, validate: bool = False,
                   strict: bool = False) -> OpenApiImport:
    """Translate every operation of an OpenAPI 3.0/3.1 document into an ``api`` ToolSpec.

    Args:
        document: the document (as `load_openapi` returns it).
        service: the service name, the first segment of every code (``shop`` →
            ``api://shop/getOrder``); its URL comes from the ``services:`` configuration.
        version: the tools' version (default: ``info.version`` when it is a semantic
            version, padded when it is ``1`` or ``1.2``, else ``1.0.0``).
        tags: tags added to every tool (beside each operation's own tags).
        tenant: the tenant the tools belong to (None: every tenant).
        base_uri: where the document was read from (a ``file://`` or ``http(s)://`` URI),
            so that ``$ref``s to other documents are resolved relative to it; None: they
            are reported, not resolved.
        validate: check the document with ``openapi-spec-validator`` first and report each
            error as a problem at its place (``fdl tools import-openapi`` does); off by
            default, as the translation reports what it cannot translate either way.
        strict: validate, and a document that is not valid is an error (E105).

    Returns:
        The tools (each one valid) and the problems (what was not translated exactly).

    Raises:
        OpenApiError: not an OpenAPI 3.0/3.1 document, or it has no ``paths`` (E102);
            not valid when ``strict`` (E105).
        ValueError: ``service`` or ``version`` is not valid.
    """
    if not isinstance(service, str) or not SERVICE.fullmatch(service):
        raise ValueError(f"'{service}' is not a service name: write letters, digits, _ . - "
                         "(e.g. crm-service), no '/'")
    if version is not None and not is_version(version):
        raise ValueError(f"'{version}' is not a semantic version: write MAJOR.MINOR.PATCH "
                         "such as 1.2.0")
    if tenant is not None and not tenant.strip():
        raise ValueError("a tenant is a non-empty name (None means every tenant)")
    tags = [tag.strip() for tag in tags if tag.strip()]
    check_document(document)
    try:
        doc = Document(document, base_uri)
        if validate or strict:
            validate_document(doc, strict=strict)
        return _import(doc, service, version, tags, tenant)
    except RecursionError:
        raise OpenApiError("the document is nested too deeply to be translated",
                           "E105") from None


def _import(doc: Document, service: str, version: str | None,
            tags: Sequence[str], tenant: str | None) -> OpenApiImport:
    document = doc.document
    info: Mapping[str, Any] = document["info"] if isinstance(document.get("info"),
                                                             Mapping) else {}
    chosen = version or _version(info.get("version"), doc)
    operations = Operations(Schemas(doc), service, Common(chosen, tuple(tags), tenant))
    report_document(doc, service)
    specs: list[ToolSpec] = []
    paths = document["paths"]
    for path, raw_item in paths.items():
        item_pointer = at("#/paths", str(path))
        resolved = doc.deref(raw_item, item_pointer, "path item")
        if resolved is None:
            continue
        item, _ = resolved
        if not isinstance(item, Mapping):
            doc.problem(item_pointer, "a path item is a mapping of operations: ignored")
            continue
        if not str(path).startswith("/"):
            doc.problem(item_pointer, f"the path '{path}' does not start with '/': its "
                        "operations are not imported")
            continue
        for method in _SKIPPED_METHODS:
            if method in item:
                doc.problem(at(item_pointer, method), f"{method.upper()} operations are not "
                            "imported: an api tool's method is GET, POST, PUT, PATCH or "
                            "DELETE")
        for method in (str(key) for key in item if key in _METHODS):
            operation = item[method]
            if not isinstance(operation, Mapping):
                doc.problem(at(item_pointer, method), "an operation is a mapping: ignored")
                continue
            spec = operations.operation(str(path), method, operation, item, item_pointer)
            if spec is not None:
                specs.append(spec)
    servers = document.get("servers")
    urls = tuple(str(s["url"]) for s in servers if isinstance(s, Mapping) and "url" in s) \
        if isinstance(servers, list) else ()
    title = info.get("title") if isinstance(info.get("title"), str) else None
    return OpenApiImport(tuple(specs), doc.problems.all(), title, chosen, urls)


def _version(declared: Any, doc: Document) -> str:
    where = "#/info/version"
    if declared is None:
        return DEFAULT_VERSION
    text = str(declared).strip().removeprefix("v").removeprefix("V")
    if is_version(text):
        return text
    numbers = text.split(".")
    if 1 <= len(numbers) <= 2 and all(n.isdigit() for n in numbers):
        padded = ".".join(str(int(n)) for n in [*numbers, "0", "0"][:3])
        doc.problem(where, f"the version '{declared}' is not a semantic version: the tools "
                    f"are version {padded}")
        return padded
    doc.problem(where, f"the version '{declared}' is not a semantic version: the tools are "
                f"version {DEFAULT_VERSION} (choose one with --version)")
    return DEFAULT_VERSION
