"""Reading an OpenAPI document from a file or an http(s) URL, in YAML or JSON.

`load_openapi` returns plain JSON-like values, or raises `OpenApiError` with a message that
says what is wrong and what to do. YAML is read closer to YAML 1.2, which OpenAPI 3.1
requires: dates stay text, and only ``true``/``false`` are booleans.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_TIMEOUT", "OpenApiError", "kind_of", "load_openapi"]

DEFAULT_TIMEOUT = 30.0
"""Seconds `load_openapi` waits for a URL."""


class OpenApiError(ValueError):
    """The document cannot be read, or is not an OpenAPI 3.0/3.1 document; the message says
    which and what to do."""


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
        kind = "empty" if document is None else f"a {kind_of(document)}"
        raise OpenApiError(f"{text} is {kind}, not an OpenAPI document (a mapping with "
                           "openapi, info and paths)")
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
    import httpx  # heavy (~90 ms), and only needed to read a URL, not a file

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
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise OpenApiError(f"{where} is not valid YAML or JSON{at}: {problem}") from None


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
