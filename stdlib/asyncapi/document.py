"""Is a document AsyncAPI 2.x or 3.0: `check_document`, and `AsyncApiError`.

`check_document` refuses, with an `AsyncApiError` naming the place (a JSON pointer), what
cannot be imported at all: a document that is not a mapping, an OpenAPI document, another
``asyncapi`` version, ``channels`` (2.x) or ``operations`` (3.0) that are missing or not
mappings. Everything else that cannot be translated exactly is a problem (a warning) of the
translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from stdlib.openapi import OpenApiError
from stdlib.openapi.load import kind_of

__all__ = ["AsyncApiError", "check_document"]


class AsyncApiError(OpenApiError):
    """The document cannot be imported; the message says why and what to do.

    Attributes:
        code: E101 the file or URL cannot be read as YAML or JSON (`stdlib.openapi`'s
            reading, shared); E102 it is not an AsyncAPI 2.x/3.0 document, or has nothing to
            import; E105 it is nested too deeply.
        pointer: where in the document (a JSON pointer fragment, ``#/asyncapi``).
    """

    def __init__(self, message: str, code: str = "E102", pointer: str = "#") -> None:
        super().__init__(message, code)
        self.pointer = pointer


def check_document(document: Any) -> Literal[2, 3]:
    """The major AsyncAPI version of ``document`` (2 or 3).

    Raises:
        AsyncApiError: E102 when it is not an AsyncAPI 2.x/3.0 document with something to
            import.
    """
    if not isinstance(document, Mapping):
        raise AsyncApiError(f"an AsyncAPI document is a mapping with asyncapi, info and "
                            f"channels, not a {kind_of(document)}")
    if "openapi" in document or "swagger" in document:
        raise AsyncApiError("this is an OpenAPI (or Swagger) document, not AsyncAPI: import "
                            "it with `fdl tools import-openapi`",
                            pointer="#/openapi" if "openapi" in document else "#/swagger")
    declared = document.get("asyncapi")
    if declared is None:
        raise AsyncApiError("the document has no 'asyncapi' field, so it is not an AsyncAPI "
                            "document (it should start with asyncapi: 2.6.0 or 3.0.0)")
    text = str(declared)
    if not (text.startswith("2.") or text.startswith("3.0")):
        raise AsyncApiError(f"asyncapi: {declared} is not supported: only AsyncAPI 2.x and "
                            "3.0 documents are imported", pointer="#/asyncapi")
    major: Literal[2, 3] = 2 if text.startswith("2.") else 3
    channels = document.get("channels")
    if major == 2 and not isinstance(channels, Mapping):
        what = "has no 'channels'" if channels is None else "has 'channels' that are not a " \
            f"mapping but a {kind_of(channels)}"
        raise AsyncApiError(f"the document {what}, so there are no operations to import",
                            pointer="#/channels" if channels is not None else "#")
    if major == 3:
        if channels is not None and not isinstance(channels, Mapping):
            raise AsyncApiError(f"'channels' is a {kind_of(channels)}, not a mapping of "
                                "channels", pointer="#/channels")
        operations = document.get("operations")
        if not isinstance(operations, Mapping):
            what = "has no 'operations'" if operations is None else \
                f"has 'operations' that are not a mapping but a {kind_of(operations)}"
            raise AsyncApiError(f"the document {what}, so there is nothing to import (in "
                                "AsyncAPI 3.0 a channel is used through the operations "
                                "that name it)",
                                pointer="#/operations" if operations is not None else "#")
    return major
