"""Reading an OpenAPI document, checking that it is OpenAPI 3.x, and finding places in it.

`load_openapi` reads a document from a file or an http(s) URL, in YAML or JSON, and returns
plain JSON-like values, or raises `OpenApiError` with a message that says what is wrong and
what to do. `Document` is the document being translated, as every part of the translation
shares it: where its references lead, and the problems found so far.

The parts:

- **Reading** (`load_openapi`, `OpenApiError`, `DEFAULT_TIMEOUT`). YAML is read closer to
  YAML 1.2, which OpenAPI 3.1 requires: dates stay text, and only ``true``/``false`` are
  booleans.
- **Places** (`at`, `unescape`). A place in the document is a JSON pointer fragment
  (``#/paths/~1a``) built by `at`, which escapes each part as RFC 6901 says (``~`` → ``~0``,
  ``/`` → ``~1``); every problem names one.
- **The document** (`Document`, `report_document`): what the configuration must provide
  that the document cannot, and where references of non-schema objects (parameters, request
  bodies, responses, path items) lead (`Document.deref`, places found by `refs.References`);
  schema references have their own rules (`stdlib.openapi.schemas`). Whether it is OpenAPI
  3.0/3.1 at all, and valid, is `stdlib.openapi.validate`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .problems import Problems
from .refs import References

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_TIMEOUT", "Document", "OpenApiError", "at", "kind_of", "load_openapi",
           "report_document", "unescape"]

DEFAULT_TIMEOUT = 30.0
"""Seconds `load_openapi` waits for a URL."""


class OpenApiError(ValueError):
    """The document cannot be read, or is not an OpenAPI 3.0/3.1 document; the message says
    which and what to do.

    Attributes:
        code: E101 the file or URL cannot be read as YAML or JSON; E102 it is not an
            OpenAPI 3.0/3.1 document (Swagger 2.0, another version, no ``paths``); E105 it
            is not valid (strict imports) or is nested too deeply.
    """

    def __init__(self, message: str, code: str = "E101") -> None:
        super().__init__(message)
        self.code = code


def load_openapi(source: str | Path, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = DEFAULT_TIMEOUT,
                 expected: str = "an OpenAPI document (a mapping with openapi, info and "
                                 "paths)") -> dict[str, Any]:
    """Read an OpenAPI document from a file or an ``http(s)://`` URL (YAML or JSON).

    Args:
        source: a file path or a URL.
        transport: the httpx transport for a URL (tests, proxies); default: httpx's own.
            Proxy settings of the environment are not read.
        timeout: seconds to wait for a URL.
        expected: what the document should be, for the message when it is not a mapping
            (the AsyncAPI import reads its documents here too).

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
        kind = "empty" if document is None else f"a {kind_of(document)}"
        raise OpenApiError(f"{text} is {kind}, not {expected}")
    return document


def kind_of(value: Any) -> str:
    """What a JSON-like value is, in words (``list``, ``text``, ``number``, ...)."""
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _fetch(url: str, transport: httpx.BaseTransport | None, timeout: float
           ) -> tuple[str, str | None]:
    import httpx  # heavy, and needed only to fetch a URL: not loaded with the module

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
        place = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise OpenApiError(f"{where} is not valid YAML or JSON{place}: {problem}") from None


def _yaml_loader() -> type[Any]:
    """A safe YAML loader closer to YAML 1.2 (which OpenAPI 3.1 requires): dates stay text
    and only ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` are text)."""
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


# ---------------------------------------------------------------- places


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    """One reference token of a JSON pointer, unescaped (``~1`` → ``/``, ``~0`` → ``~``)."""
    return part.replace("~1", "/").replace("~0", "~")


def at(pointer: str, *parts: str | int) -> str:
    """``pointer`` extended by ``parts`` (escaped)."""
    return pointer + "".join("/" + _escape(p) for p in parts)


# ---------------------------------------------------------------- the document


class Document:
    """One document being translated, and the problems found in it so far.

    Attributes:
        document: the document as `load_openapi` returned it.
        components: ``components`` (empty when missing or not a mapping).
        schemas: ``components.schemas`` (likewise).
        problems: what was not translated exactly.
    """

    __slots__ = ("components", "document", "problems", "refs", "schemas")

    def __init__(self, document: Mapping[str, Any], base_uri: str | None = None) -> None:
        self.document = document
        self.problems = Problems()
        self.refs = References(document, base_uri, load_openapi)
        components = document.get("components")
        self.components: Mapping[str, Any] = components if isinstance(components,
                                                                      Mapping) else {}
        schemas = self.components.get("schemas")
        self.schemas: Mapping[str, Any] = schemas if isinstance(schemas, Mapping) else {}

    def problem(self, pointer: str, message: str) -> None:
        """Report a problem (each one once)."""
        self.problems.add(pointer, message)

    def target(self, place: str) -> Any:
        """The node at a place (`absolute`), or None."""
        return self.refs.lookup(place)

    def absolute(self, ref: str, pointer: str) -> str:
        """The place a ``$ref`` found at ``pointer`` leads to (`References.absolute`)."""
        return self.refs.absolute(ref, pointer)

    def deref(self, node: Any, pointer: str, what: str, *, report: bool = True
              ) -> tuple[Any, str] | None:
        """Follow ``$ref`` chains of a non-schema object (a parameter, request body,
        response, path item); None after reporting (when ``report``) an external, unknown
        or circular one."""
        seen: list[str] = []
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = self.absolute(node["$ref"], pointer)
            found = self.target(ref)
            if not report and (ref in seen or found is None):
                return None
            if found is None and not ref.startswith("#"):
                self.problem(pointer, f"the external $ref '{ref}' is not resolved, so this "
                             f"{what} is not translated; bundle the document into one file "
                             "first (e.g. with `redocly bundle`)")
                return None
            if ref in seen:
                self.problem(pointer, f"the $ref '{ref}' leads back to itself, so this {what} "
                             "is not translated")
                return None
            seen.append(ref)
            if found is None:
                self.problem(pointer, f"the $ref '{ref}' points at nothing, so this {what} is "
                             "not translated")
                return None
            node, pointer = found, ref
        return node, pointer


def report_document(doc: Document, service: str) -> None:
    """Problems of the document as a whole: what the configuration must provide."""
    document, components = doc.document, doc.components
    schemes = components.get("securitySchemes")
    if (isinstance(schemes, Mapping) and schemes) or document.get("security"):
        where = "#/components/securitySchemes" if components.get("securitySchemes") \
            else "#/security"
        doc.problem(where, f"security schemes are not translated: configure the "
                    f"credentials in services.{service}.auth (bearer_env, "
                    "basic_user_env/basic_password_env, or header/header_env)")
    if isinstance(document.get("webhooks"), Mapping) and document["webhooks"]:
        doc.problem("#/webhooks", "webhooks are not imported (they are calls the "
                    "service makes, not operations a flow can call)")
    servers = document.get("servers")
    if isinstance(servers, list) and len(servers) > 1:
        doc.problem("#/servers", f"the document lists {len(servers)} servers; the "
                    f"service URL is services.{service}.url of the configuration")
