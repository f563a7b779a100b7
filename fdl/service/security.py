"""The route dependency that checks a request's key for a scope (and documents the bearer
scheme in the OpenAPI document)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import Principal
from .context import principal

__all__ = ["need"]

_BEARER = HTTPBearer(auto_error=False, description="an API key from fdl keys create")


def need(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency answering the `Principal` of a request whose key has ``scope``.

    The key check itself (one indexed SQLite read and the rate limit) runs in one of the
    service's worker threads (`ServiceContext.blocking`)."""

    async def dependency(request: Request,
                         _credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                 Security(_BEARER)]) -> Principal:
        return await principal(request, scope)

    dependency.__name__ = f"need_{scope}"
    return dependency
