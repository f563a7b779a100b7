"""Did-you-mean for tool codes, part by part (E301).

A tool code is ``<service>/<operation>`` (``crm-service/user``; a ``db`` table's operations
are ``ec.order/count``). Comparing whole codes as one string suggests unrelated tools that
merely share a long service suffix (``ec-service/order_page`` → ``crm-service/user``), so a
suggestion is made in two steps: first the service (the same one, else the closest one),
then an operation of that service (the same one, else the closest one). When either step
finds nothing close enough there is no suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

__all__ = ["operations_of", "split_code", "suggest_code"]

_CUTOFF = 0.6


def split_code(code: str) -> tuple[str, str]:
    """``crm-service/user`` → ``("crm-service", "user")``; a code without ``/`` is all
    service."""
    service, _, operation = code.rpartition("/")
    return (service, operation) if service else (code, "")


def _closest(name: str, options: Iterable[str]) -> str | None:
    choices = sorted(set(options))
    if name in choices:
        return name
    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:
        return lowered[name.lower()]
    found = get_close_matches(name, choices, n=1, cutoff=_CUTOFF)
    return found[0] if found else None


def suggest_code(code: str, codes: Iterable[str]) -> str | None:
    """The known code ``code`` was most likely meant to be, or None."""
    known = sorted(set(codes))
    if code in known:
        return None
    service, operation = split_code(code)
    by_service: dict[str, list[str]] = {}
    for candidate in known:
        part, op = split_code(candidate)
        by_service.setdefault(part, []).append(op)
    best_service = _closest(service, by_service)
    if best_service is None:
        return None
    best_operation = _closest(operation, by_service[best_service])
    if best_operation is None:
        return None
    return f"{best_service}/{best_operation}" if best_operation else best_service


def operations_of(code: str, codes: Iterable[str]) -> list[str]:
    """The operations of ``code``'s service when that service is known but the operation
    is not (what E301 lists when no operation is close enough to suggest one); else []."""
    service, operation = split_code(code)
    if not operation:
        return []
    return sorted({op for part, op in map(split_code, codes) if part == service and op})
