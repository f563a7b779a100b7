"""API keys on requests: who is asking (401), whether the key may (403), and how often
(429 with ``Retry-After``; the ``limits`` library's moving window, per key, on
`ratelimit.WindowStorage`, which starts no thread)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from .database import ApiKey, ServiceDatabase, hash_key
from .errors import ServiceError
from .ratelimit import WindowStorage

__all__ = ["MAX_KEYS", "Gate", "Principal"]

MAX_KEYS = 10_000
"""Key lookups remembered at most (unknown keys included; the memory is emptied when
full)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The key a request was made with: its tenant and scopes."""

    key_id: str
    tenant: str
    scopes: tuple[str, ...]


class Gate:
    """Checks a request's ``Authorization`` header against the stored keys, the scope the
    route needs and the key's rate limit."""

    def __init__(self, db: ServiceDatabase, default_rate: str) -> None:
        self.db = db
        self.default_rate = parse(default_rate)
        self._limiter = MovingWindowRateLimiter(WindowStorage())
        self._rates: dict[str, RateLimitItem] = {}
        self._lock = threading.Lock()
        self._version: int | None = None
        self._keys: dict[str, ApiKey | None] = {}

    def _key(self, text: str) -> ApiKey | None:
        """The live key of ``text``: looked up once, then remembered until the service
        database changes (keys are created and revoked by ``fdl keys`` in another process,
        which changes its ``data_version``), so a revoked key is refused from the next
        request on."""
        version = self.db.data_version()
        digest = hash_key(text)
        with self._lock:
            if version != self._version:
                self._version = version
                self._keys.clear()
            elif digest in self._keys:
                return self._keys[digest]
        key = self.db.authenticate(text)
        with self._lock:
            if self._version == version:
                if len(self._keys) >= MAX_KEYS:
                    self._keys.clear()
                self._keys[digest] = key
        return key

    def _rate(self, key: ApiKey) -> RateLimitItem:
        if key.rate_limit is None:
            return self.default_rate
        rate = self._rates.get(key.rate_limit)
        if rate is None:
            rate = self._rates[key.rate_limit] = parse(key.rate_limit)
        return rate

    def check(self, authorization: str | None, scope: str) -> Principal:
        """The principal of a request needing ``scope``.

        Raises:
            ServiceError: 401 without a live key, 403 without the scope, 429 over the
                key's rate limit.
        """
        scheme, _, text = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise ServiceError(401, "unauthenticated", "send an API key as 'Authorization: "
                               "Bearer <key>' (create one with fdl keys create)",
                               headers={"WWW-Authenticate": "Bearer"})
        key = self._key(text.strip())
        if key is None:
            raise ServiceError(401, "unauthenticated", "the API key is unknown or revoked",
                               headers={"WWW-Authenticate": "Bearer"})
        rate = self._rate(key)
        if not self._limiter.hit(rate, key.id):
            stats = self._limiter.get_window_stats(rate, key.id)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise ServiceError(429, "rate_limited", f"this key is over its rate limit "
                               f"({rate}); retry after {wait} s",
                               headers={"Retry-After": str(wait)})
        if scope not in key.scopes:
            raise ServiceError(403, "forbidden", f"this key lacks the '{scope}' scope "
                               "(fdl keys create --scope " + scope + ")")
        return Principal(key.id, key.tenant, key.scopes)
