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

    It is ``async`` although it does no I/O of its own: FastAPI runs a plain function
    dependency in a worker thread, and the key check (keys are remembered while the
    service database does not change, `auth.Gate`) is cheaper than the hop."""

    async def dependency(request: Request,
                         _credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                 Security(_BEARER)]) -> Principal:
        return principal(request, scope)

    dependency.__name__ = f"need_{scope}"
    return dependency
