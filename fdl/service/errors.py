"""The service's error object (spec/service.md §2): ``{"error": {"code", "message",
"details"}}`` with an HTTP status; never a traceback."""

from __future__ import annotations

from typing import Any

__all__ = ["ServiceError"]


class ServiceError(Exception):
    """A request that cannot be answered as asked.

    Attributes:
        status: the HTTP status (400, 401, 403, 404, 409, 413, 422, 429, 503).
        code: a stable word for programs (``not_found``, ``invalid_args``, ...).
        message: what happened and what to do; never a key, an argument value or an output.
        details: further items (field problems, diagnostics).
        headers: extra response headers (``Retry-After``).
    """

    def __init__(self, status: int, code: str, message: str, *,
                 details: list[Any] | None = None, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        """The response body."""
        return {"error": {"code": self.code, "message": self.message,
                          "details": self.details}}

    @classmethod
    def not_found(cls, what: str) -> ServiceError:
        """404: nothing by that name for this key's tenant (another tenant's resource
        looks the same)."""
        return cls(404, "not_found", f"{what} was not found")
