"""Where the ``$ref``s of an OpenAPI document lead, resolved with ``referencing``.

A reference is written relative to the document it is in. `References.absolute` turns it
into a *place*: ``#/a/b`` for a place in the document being imported, or an absolute URI
(``file:///api/common.yaml#/components/schemas/Error``) for a place in another document.
Places are what problems name and what cycle checks compare, and `References.lookup` finds
the node at a place. Other documents are read with `load.load_openapi` (files, or http(s)
URLs) when the document itself has a base URI (it was read from a file or URL); without
one, or when the other document cannot be read, an external reference leads nowhere and
the translation reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

__all__ = ["References"]

_ROOT = "urn:fdl:openapi:document"
"""The URI of a document that was not read from a file or URL."""


class References:
    """The references of one document (and of the documents its references read).

    Args:
        document: the document being imported.
        base_uri: where it was read from (``file:///...`` or ``https://...``), or None.
        read: reads another document from a URI (`load.load_openapi`); its errors mean
            the reference leads nowhere.
    """

    __slots__ = ("_base", "_read", "_resolver")

    @property
    def base_uri(self) -> str | None:
        """Where the document was read from, or None."""
        return None if self._base == _ROOT else self._base

    def __init__(self, document: Mapping[str, Any], base_uri: str | None,
                 read: Callable[[str], Any]) -> None:
        self._base = urldefrag(base_uri)[0] if base_uri else _ROOT

        self._read = read

        def retrieve(uri: str) -> Resource[Any]:
            try:
                return Resource.opaque(self.read(uri))
            except ValueError as error:  # OpenApiError: cannot read, refused, not a mapping
                raise NoSuchResource(ref=uri) from error  # type: ignore[call-arg]

        registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
        registry = registry.with_resource(self._base, Resource.opaque(document))
        self._resolver = registry.resolver(base_uri=self._base)

    def read(self, uri: str) -> Any:
        """Another document, read from its absolute URI.

        Raises:
            ValueError: it cannot be read, or the document has no base URI, or it is a
                local file and the document itself came from http(s) (a document on the
                network may not read files of this machine).
        """
        if self._base == _ROOT:
            raise ValueError(f"{uri}: the document has no base URI to read other documents")
        if uri.startswith("file:"):
            if not self._base.startswith("file:"):
                raise ValueError(f"{uri}: a document read from a URL may not read files")
            return self._read(url2pathname(urlsplit(uri).path))
        if uri.startswith(("http://", "https://")):
            return self._read(uri)
        raise ValueError(f"{uri}: only files and http(s) URLs are read")

    def absolute(self, ref: str, pointer: str) -> str:
        """The place ``ref``, found at place ``pointer``, leads to."""
        if pointer.startswith("#"):
            if ref.startswith("#"):
                return ref
            if self._base == _ROOT:
                return ref  # external, and nowhere to read it from
            base = self._base
        else:
            base = urldefrag(pointer)[0]
        uri, fragment = urldefrag(urljoin(base, ref))
        return f"#{fragment}" if uri == self._base else f"{uri}#{fragment}"

    def lookup(self, place: str) -> Any:
        """The node at a place (`absolute`), or None when there is none."""
        uri = f"{self._base}{place}" if place.startswith("#") else place
        if not place.startswith("#") and self._base == _ROOT:
            return None
        try:
            return self._resolver.lookup(uri).contents
        except Unresolvable:
            return None
