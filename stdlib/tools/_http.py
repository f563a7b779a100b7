"""Small, I/O-free helpers of the HTTP adapters (``api://``, ``svc://``).

Three jobs live here so that the adapter itself reads as the request/response story:

- **Keeping secrets out of text.** `Secrets` collects the credentials of one call (read from
  the environment at call time) and `Secrets.scrub` replaces every occurrence of them, and of
  their usual encodings (JSON-escaped, percent-encoded), with ``***``. Every message, detail
  and description that leaves the adapter goes through it (spec/tools.md §5). Scrubbing
  happens *before* truncation: cutting a body at 200 characters first could leave half of a
  token behind, which scrubbing would then no longer recognise.
- **Showing URLs safely.** `redact_url` drops the userinfo part and the values of the query
  string, the two places where URLs carry credentials.
- **Converting values.** Arguments become path segments, query values and JSON bodies
  (`path_segment`, `query_values`, `json_body`); responses become JSON values (`decode_json`),
  with integers kept exact and floats as floats.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import SplitResult, quote, quote_plus, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "Secrets",
    "basic_credentials",
    "decode_json",
    "describe_exception",
    "header_value_problem",
    "is_json_media_type",
    "json_body",
    "path_segment",
    "query_values",
    "redact_url",
    "scalar_text",
    "snippet",
]

MASK = "***"
"""What a secret is replaced with."""

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Python refuses to convert integers of more than 4300 digits to text and back by default
# (CVE-2020-10735); such numbers are kept exact as decimals instead.
_MAX_INT_DIGITS = 4000


class Secrets:
    """The secret values of one call, and the means to remove them from any text.

        >>> secrets = Secrets(["s3cr3t"])
        >>> secrets.scrub("token s3cr3t rejected")
        'token *** rejected'
    """

    __slots__ = ("_needles",)

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._needles: list[str] = []
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        """Remember ``value`` (and its JSON and URL encodings) as a secret."""
        if not value:
            return
        escaped = json.dumps(value)[1:-1]
        forms = {value, escaped, json.dumps(value, ensure_ascii=False)[1:-1],
                 escaped.replace("/", "\\/"),  # JSON writers that escape '/' (PHP, Java)
                 quote(value, safe=""), quote_plus(value, safe="")}
        needles = set(self._needles) | {form for form in forms if form}
        # Longest first: a secret that contains another is replaced whole.
        self._needles = sorted(needles, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._needles)

    def scrub(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, MASK)
        return text

    def scrub_value(self, value: Any) -> Any:
        """A JSON-like value with every string scrubbed (keys included)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            return {self.scrub(str(k)): self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub_value(v) for v in value]
        return value


def basic_credentials(user: str, password: str) -> str:
    """The token of an ``Authorization: Basic`` header."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def redact_url(url: str) -> str:
    """``url`` without userinfo, and with the values of its query string replaced by ``***``.

        >>> redact_url("https://bob:pw@api.example.com/v1?key=abc&page=2")
        'https://api.example.com/v1?key=***&page=***'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<an invalid URL>"
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    query = "&".join(
        f"{pair.split('=', 1)[0]}={MASK}" if "=" in pair else pair
        for pair in parts.query.split("&") if pair)
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, ""))


def describe_exception(error: BaseException, secrets: Secrets, limit: int = 200) -> str:
    """A short, safe description of a transport error: its class name and its text with
    URLs redacted and secrets scrubbed."""
    name = type(error).__name__
    text = _URL.sub(lambda m: redact_url(m.group(0)), str(error))
    text = snippet(secrets.scrub(text), limit)
    return f"{name}: {text}" if text else name


def snippet(text: str, limit: int = 200) -> str:
    """``text`` on one line, without control characters, at most ``limit`` characters."""
    text = _SPACES.sub(" ", _CONTROL.sub("", text)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def is_json_media_type(content_type: str | None) -> bool:
    """Whether a Content-Type header names JSON (``application/json``, ``…+json``)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("application/json", "text/json") or media.endswith("+json")


def _parse_int(text: str) -> int | Decimal:
    digits = len(text) - (text[:1] == "-")
    return int(text) if digits <= _MAX_INT_DIGITS else Decimal(text)


def _parse_float(text: str) -> float | Decimal:
    value = float(text)
    # 1e400 overflows a float; keep it exact rather than turning it into infinity.
    return value if math.isfinite(value) else Decimal(text)


def decode_json(text: str) -> Any:
    """Parse JSON text: integers stay ``int`` (any size), fractions become ``float``; numbers
    a float cannot hold (``1e400``) and integers of thousands of digits become `Decimal`.

    Raises:
        ValueError: the text is not JSON.
    """
    return json.loads(text, parse_int=_parse_int, parse_float=_parse_float)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError("a non-finite decimal is not JSON")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"a {type(value).__name__} is not JSON")


def json_body(value: Any) -> bytes:
    """``value`` as a UTF-8 JSON document; datetimes and dates as ISO text, decimals as
    numbers (exact for whole numbers).

    Raises:
        TypeError: a value JSON cannot represent (bytes, an object, a non-finite number).
    """
    try:
        text = json.dumps(value, default=_json_default, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))
    except ValueError as error:  # NaN or infinity
        raise TypeError(str(error)) from None
    return text.encode("utf-8")


def scalar_text(value: Any) -> str:
    """The text of a value in a URL or a header: JSON spelling for booleans, ISO for dates,
    comma-separated for lists, JSON for objects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return ",".join(scalar_text(v) for v in value if v is not None)
    return json_body(value).decode("utf-8")


def path_segment(value: Any) -> str:
    """``value`` as one percent-encoded path segment: ``/`` and spaces are escaped, and the
    dot segments ``.`` and ``..`` are escaped too, so no value can move the request to
    another path."""
    text = quote(scalar_text(value), safe="")
    if text in (".", ".."):
        text = text.replace(".", "%2E")
    return text


def query_values(value: Any) -> list[str]:
    """The query values of one argument: none for null, one per element for a list (null
    elements left out), else one."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [scalar_text(v) for v in value if v is not None]
    return [scalar_text(value)]


_HEADER_BAD = re.compile(r"[^\t\x20-\x7e]")


def header_value_problem(text: str, *, secret: bool = False) -> str | None:
    """What keeps ``text`` from being an HTTP header value, for a message ("contains ..."),
    or None. Header values are visible ASCII, spaces and tabs (RFC 9110 §5.5): a line break
    would split the request (header injection), a NUL byte or another control character is
    refused by servers, and non-ASCII text has no agreed encoding in a header. With
    ``secret``, the message does not show the character (it is part of a credential)."""
    found = _HEADER_BAD.search(text)
    if found is None:
        return None
    char = found.group()
    if char in "\r\n":
        return "a line break"
    if char == "\x00":
        return "a NUL byte"
    if ord(char) < 0x20 or ord(char) == 0x7f:
        return f"a control character (U+{ord(char):04X})"
    if secret:
        return "non-ASCII text"
    return (f"non-ASCII text ({char!r} at position {found.start() + 1}); header values must "
            "be ASCII: send the value in the query or body, or encode it (for example "
            "percent-encoding) before")
