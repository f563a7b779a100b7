"""The document as a whole: is it OpenAPI 3.x, where do references lead, and what must the
configuration provide that the document cannot.

`Document` is the state every part of the translation shares: the raw document, its
``components``, and the `Problems` found so far. References of non-schema objects
(parameters, request bodies, responses, path items) are followed by `Document.deref`;
schema references have their own rules (`stdlib.openapi._schemas`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ._names import unescape
from .load import OpenApiError, kind_of
from .problems import Problems

__all__ = ["Document", "check_document", "report_document"]


class Document:
    """One document being translated, and the problems found in it so far.

    Attributes:
        document: the document as `load_openapi` returned it.
        components: ``components`` (empty when missing or not a mapping).
        schemas: ``components.schemas`` (likewise).
        problems: what was not translated exactly.
    """

    __slots__ = ("components", "document", "problems", "schemas")

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.problems = Problems()
        components = document.get("components")
        self.components: Mapping[str, Any] = components if isinstance(components,
                                                                      Mapping) else {}
        schemas = self.components.get("schemas")
        self.schemas: Mapping[str, Any] = schemas if isinstance(schemas, Mapping) else {}

    def problem(self, pointer: str, message: str) -> None:
        """Report a problem (each one once)."""
        self.problems.add(pointer, message)

    def target(self, ref: str) -> Any:
        """The node a local reference (``#/a/b``) points at, or None."""
        node: Any = self.document
        fragment = ref[1:]
        if fragment in ("", "/"):
            return node
        for raw in fragment.lstrip("/").split("/"):
            part = unescape(unquote(raw))
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


def check_document(document: Any) -> None:
    """Raise `OpenApiError` unless ``document`` is OpenAPI 3.0/3.1 with ``paths``."""
    if not isinstance(document, Mapping):
        raise OpenApiError(f"an OpenAPI document is a mapping with openapi, info and paths, "
                           f"not a {kind_of(document)}")
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
