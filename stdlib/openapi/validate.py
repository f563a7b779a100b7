"""Is a document OpenAPI 3.0/3.1, and is it valid: `check_document` and `validate_document`.

`check_document` refuses, with an `OpenApiError` (E102), what cannot be imported at all: a
document that is not a mapping, a Swagger 2.0 document (convert it first), another
``openapi`` version, no ``paths``. `validate_document` checks the rest against the OpenAPI
3.0 or 3.1 schema and rules with ``openapi-spec-validator`` and reports each error as a
problem at its place (``#/info``), its JSON path (``$.info``) in the message; a strict
import turns them into one E105 error instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from referencing.exceptions import Unresolvable

from .load import Document, OpenApiError, at, kind_of

__all__ = ["MAX_ERRORS", "check_document", "validate_document"]

MAX_ERRORS = 20
"""Validation errors reported one by one; the rest are counted."""


def check_document(document: Any) -> None:
    """Raise `OpenApiError` (E102) unless ``document`` is OpenAPI 3.0/3.1 with ``paths``."""
    if not isinstance(document, Mapping):
        raise OpenApiError(f"an OpenAPI document is a mapping with openapi, info and paths, "
                           f"not a {kind_of(document)}", "E102")
    if "swagger" in document:
        raise OpenApiError(f"this is a Swagger {document['swagger']} document; only OpenAPI "
                           "3.0 and 3.1 are imported: convert it first (e.g. with "
                           "swagger2openapi, or the converter at converter.swagger.io)", "E102")
    declared = document.get("openapi")
    if declared is None:
        raise OpenApiError("the document has no 'openapi' field, so it is not an OpenAPI 3.x "
                           "document (it should start with openapi: 3.0.3 or 3.1.0)", "E102")
    if not str(declared).startswith(("3.0", "3.1")):
        raise OpenApiError(f"openapi: {declared} is not supported: only OpenAPI 3.0 and 3.1 "
                           "documents are imported", "E102")
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        what = "has no 'paths'" if paths is None else "has 'paths' that are not a mapping"
        extra = " (webhooks are not imported)" if "webhooks" in document else ""
        raise OpenApiError(f"the document {what}{extra}, so there are no operations to "
                           "import", "E102")


def validate_document(doc: Document, *, strict: bool = False) -> None:
    """Check a document (`check_document` passed) with ``openapi-spec-validator``.

    Each error becomes a problem at its place, or, when ``strict``, all of them one
    `OpenApiError` (E105) listing the first `MAX_ERRORS` with their JSON paths.
    """
    version = "3.1" if str(doc.document["openapi"]).startswith("3.1") else "3.0"
    found = list(_errors(doc, version))
    if strict and found:
        lines = [f"{place} ({path}): {message}" for place, path, message in found[:MAX_ERRORS]]
        more = len(found) - MAX_ERRORS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise OpenApiError(f"the document is not valid OpenAPI {version} ({len(found)} "
                           "error(s)); fix them, or import without --strict to translate "
                           "what can be:\n  " + "\n  ".join(lines) + tail, "E105")
    for place, path, message in found[:MAX_ERRORS]:
        doc.problem(place, f"not valid OpenAPI {version} at {path}: {message}")
    if len(found) > MAX_ERRORS:
        doc.problem("#", f"{len(found) - MAX_ERRORS} more validation errors are not listed")


def _errors(doc: Document, version: str) -> Iterator[tuple[str, str, str]]:
    """(place, JSON path, message) of each validation error, in document order."""
    kind = OpenAPIV31SpecValidator if version == "3.1" else OpenAPIV30SpecValidator
    read = doc.refs.read  # other documents are read as `refs` reads them, or not at all
    path = SchemaPath.from_dict(doc.document, base_uri=doc.refs.base_uri or "",
                                handlers={"file": read, "http": read, "https": read})
    errors = kind(path).iter_errors()
    while True:
        try:
            error: ValidationError = next(errors)
        except StopIteration:
            return
        except Unresolvable as stop:  # the translation reports the $ref where it is
            yield "#", "$", (f"validation stopped at the $ref '{stop.ref}', which leads "
                             "nowhere; the rest is not validated")
            return
        except RecursionError:  # the translation reports nesting that is too deep
            return
        yield at("#", *error.absolute_path), error.json_path, _message(error)


def _message(error: ValidationError) -> str:
    """The error's first line (the rest quotes the schema and the instance)."""
    text = str(error.message).split("\n", 1)[0].strip()
    return text if len(text) <= 300 else text[:297] + "..."
