"""Media types of request and response ``content``: which one is JSON.

The ``api://`` adapter sends JSON bodies and decodes JSON answers (``application/json``,
``text/json`` and every ``…+json`` type); other content is sent as no body and comes back
as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["base_media", "is_json", "json_media"]


def base_media(media: str) -> str:
    """A media type without its parameters, in lower case (``application/json``)."""
    return media.split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    """Whether a media type is JSON (``application/json``, ``text/json``, ``…+json``)."""
    name = base_media(media)
    return name in ("application/json", "text/json") or name.endswith("+json")


def json_media(content: Any) -> tuple[str, Any] | None:
    """The first JSON media type of a ``content`` mapping and its media type object."""
    if not isinstance(content, Mapping):
        return None
    for media, value in content.items():
        if is_json(str(media)):
            return str(media), value
    return None
