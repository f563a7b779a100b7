"""``<state>/service.db``: the API keys and the deployed flows of ``fdl serve``
(spec/service.md §1).

Keys are stored as the SHA-256 of the key text, never the key: a key is 32 random bytes, so
a fast hash is as safe as a slow one (nothing to brute-force), and looking a key up is one
indexed query per request. Deployed flows keep every version's source; a flow belongs to
one tenant.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stdlib.sqlitefile import SqliteFile, SqliteFormat

__all__ = ["SCOPES", "ApiKey", "DeployedFlow", "ServiceDatabase", "ServiceDbError",
           "hash_key", "new_key"]

SCOPES = ("read", "run", "admin")
"""What a key may do: ``read`` (GET), ``run`` (start and cancel runs, call tools), ``admin``
(register tools, deploy flows)."""

KEY_PREFIX = "fdlk_"


class ServiceDbError(Exception):
    """The service database cannot be opened or used; the message says what to do."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    rate_limit TEXT,
    created_at REAL NOT NULL,
    revoked_at REAL
);
CREATE TABLE IF NOT EXISTS flows (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at REAL NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, name, version)
)
"""

_FORMAT = SqliteFormat(
    "service database", "FDL service database", ServiceDbError, _SCHEMA, 1,
    {"api_keys": frozenset({"id", "hash", "tenant", "scopes"}),
     "flows": frozenset({"tenant", "name", "version", "source"})},
    "move the file away and create the keys again",
    newer_hint="use another state folder", other_hint="use another state folder")


def new_key() -> str:
    """A new key's text: ``fdlk_`` and 32 random bytes, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """What is stored of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored (without its text).

    Attributes:
        id: the key's public id (``fdl keys revoke ID``).
        tenant: the tenant every request with this key acts for.
        name: a label.
        scopes: a subset of `SCOPES`.
        rate_limit: the key's own limit (``10/second``), None for the project's.
        created_at: epoch seconds.
        revoked: whether the key was revoked.
    """

    id: str
    tenant: str
    name: str
    scopes: tuple[str, ...]
    rate_limit: str | None
    created_at: float
    revoked: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The ``fdl keys list --json`` entry."""
        return {"id": self.id, "tenant": self.tenant, "name": self.name,
                "scopes": list(self.scopes), "rate_limit": self.rate_limit,
                "created_at": self.created_at, "revoked": self.revoked}


@dataclass(frozen=True, slots=True)
class DeployedFlow:
    """One version of a deployed flow."""

    tenant: str
    name: str
    version: int
    source: str
    created_at: float


class ServiceDatabase:
    """The keys and deployed flows of one project (``<state>/service.db``, or memory)."""

    def __init__(self, path: str | Path) -> None:
        memory = str(path) == ":memory:"
        file = Path(path)
        if not memory:
            file.parent.mkdir(parents=True, exist_ok=True)
        self._file = SqliteFile(file, _FORMAT, memory=memory)

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    # ---------------------------------------------------------------- keys

    def create_key(self, tenant: str, *, name: str = "", scopes: tuple[str, ...] = SCOPES,
                   rate_limit: str | None = None) -> tuple[ApiKey, str]:
        """A new key for ``tenant``: the stored key, and its text (shown once)."""
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown:
            raise ValueError(f"unknown scope {unknown[0]!r}; use read, run or admin")
        if not tenant.strip():
            raise ValueError("the tenant must be non-empty text")
        text = new_key()
        key = ApiKey(uuid.uuid4().hex[:12], tenant, name, tuple(s for s in SCOPES
                                                                  if s in scopes),
                     rate_limit, time.time())
        with self._file.write() as conn:
            conn.execute("INSERT INTO api_keys (id, hash, tenant, name, scopes, rate_limit, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (key.id, hash_key(text), tenant, name, " ".join(key.scopes),
                          rate_limit, key.created_at))
        return key, text

    @staticmethod
    def _key(row: tuple[Any, ...]) -> ApiKey:
        return ApiKey(row[0], row[1], row[2], tuple(row[3].split()), row[4], row[5],
                      row[6] is not None)

    def keys(self) -> list[ApiKey]:
        """Every key, oldest first, revoked ones included."""
        with self._file.read() as conn:
            rows = conn.execute("SELECT id, tenant, name, scopes, rate_limit, created_at, "
                                "revoked_at FROM api_keys ORDER BY created_at, id").fetchall()
        return [self._key(row) for row in rows]

    def data_version(self) -> int:
        """A number that changes whenever another connection (``fdl keys create`` or
        ``revoke`` in another process) commits to the file (``PRAGMA data_version``: a
        counter SQLite keeps in the WAL index, no table is read)."""
        with self._file.read() as conn:
            return int(conn.execute("PRAGMA data_version").fetchone()[0])

    def authenticate(self, text: str) -> ApiKey | None:
        """The live key whose text is ``text``, else None."""
        with self._file.read() as conn:
            row = conn.execute("SELECT id, tenant, name, scopes, rate_limit, created_at, "
                               "revoked_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL",
                               (hash_key(text),)).fetchone()
        return None if row is None else self._key(row)

    def revoke_key(self, key_id: str) -> bool:
        """Revoke a key; False when there is no such live key."""
        with self._file.write() as conn:
            done = conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND "
                                "revoked_at IS NULL", (time.time(), key_id))
        return done.rowcount > 0

    # ---------------------------------------------------------------- flows

    def deploy(self, tenant: str, name: str, source: str) -> tuple[DeployedFlow, bool]:
        """Store a new version of ``name`` (unless the newest has the same source); the
        flow, and whether it was new (no earlier version)."""
        with self._file.write() as conn:
            rows = conn.execute("SELECT version, source, deleted FROM flows WHERE tenant = ? "
                                "AND name = ? ORDER BY version DESC", (tenant, name)).fetchall()
            live = [r for r in rows if not r[2]]
            if live and live[0][1] == source:
                current = conn.execute("SELECT created_at FROM flows WHERE tenant = ? AND "
                                       "name = ? AND version = ?",
                                       (tenant, name, live[0][0])).fetchone()
                return DeployedFlow(tenant, name, live[0][0], source, current[0]), False
            version = (rows[0][0] + 1) if rows else 1
            now = time.time()
            conn.execute("INSERT INTO flows (tenant, name, version, source, created_at) "
                         "VALUES (?, ?, ?, ?, ?)", (tenant, name, version, source, now))
        return DeployedFlow(tenant, name, version, source, now), not live

    def flow(self, tenant: str, name: str, version: int | None = None) -> DeployedFlow | None:
        """The newest (or the given) live version of ``name``."""
        sql = ("SELECT tenant, name, version, source, created_at FROM flows WHERE tenant = ? "
               "AND name = ? AND deleted = 0")
        params: list[Any] = [tenant, name]
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        with self._file.read() as conn:
            row = conn.execute(sql + " ORDER BY version DESC LIMIT 1", params).fetchone()
        return None if row is None else DeployedFlow(*row)

    def flow_versions(self, tenant: str, name: str) -> list[int]:
        """The live versions of ``name``, oldest first."""
        with self._file.read() as conn:
            rows = conn.execute("SELECT version FROM flows WHERE tenant = ? AND name = ? AND "
                                "deleted = 0 ORDER BY version", (tenant, name)).fetchall()
        return [row[0] for row in rows]

    def flows(self, tenant: str) -> list[DeployedFlow]:
        """The newest live version of every flow of ``tenant``, by name."""
        with self._file.read() as conn:
            rows = conn.execute(
                "SELECT f.tenant, f.name, f.version, f.source, f.created_at FROM flows f "
                "WHERE f.tenant = ? AND f.deleted = 0 AND f.version = (SELECT MAX(version) "
                "FROM flows g WHERE g.tenant = f.tenant AND g.name = f.name AND "
                "g.deleted = 0) ORDER BY f.name", (tenant,)).fetchall()
        return [DeployedFlow(*row) for row in rows]

    def sources(self) -> list[str]:
        """The source of the newest live version of every deployed flow, of every tenant."""
        with self._file.read() as conn:
            rows = conn.execute(
                "SELECT f.source FROM flows f WHERE f.deleted = 0 AND f.version = (SELECT "
                "MAX(version) FROM flows g WHERE g.tenant = f.tenant AND g.name = f.name AND "
                "g.deleted = 0) ORDER BY f.tenant, f.name").fetchall()
        return [row[0] for row in rows]

    def delete_flow(self, tenant: str, name: str) -> bool:
        """Delete every version of ``name`` (runs keep their own copy of the source);
        False when there is none."""
        with self._file.write() as conn:
            done = conn.execute("UPDATE flows SET deleted = 1 WHERE tenant = ? AND name = ? "
                                "AND deleted = 0", (tenant, name))
        return done.rowcount > 0
