"""`Registry`: register, look up, list, search and remove tools, and keep their call
statistics (spec/tools.md §3).

The rules (versions, defaults, tenants) and the storage choices are described in `_store`.
"""

from __future__ import annotations

import builtins
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compiler.frontend import gc_paused
from stdlib.pgdb import is_pg_url

from ._pgstore import PgRegistryDatabase
from ._problems import SpecProblem, ToolSpecError
from ._registration import Registration, Status
from ._search import Dialect, index_row
from ._spec import ToolSpec, version_key
from ._stats import CallStats, Tally, record_runs, recorded_after
from ._stats import read as read_calls
from ._stats import record as record_calls
from ._store import READERS, Backend, Conn, Database, RegistryError, VersionConflictError
from ._summary import COLUMNS as SUMMARY_COLUMNS
from ._summary import ToolSummary, parse_summary, summary_of
from ._sync import SyncReport, sync_folder

__all__ = ["Registry", "SearchHit", "VersionInfo", "split_uri"]

MAX_LIMIT = 1000
_KEYS_PER_QUERY = 300
"""(tenant, type, code) keys looked up per statement: 3 parameters each, within the limit
of 999 parameters that SQLite had before 3.32."""


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One registered version of a tool."""

    version: str
    registered_at: float
    default: bool
    pinned: bool
    digest: str
    source: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "registered_at": self.registered_at,
                "default": self.default, "pinned": self.pinned, "source": self.source}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result: the tool (its default version) and its score (higher is better)."""

    spec: ToolSpec
    score: float


def split_uri(uri: str) -> tuple[str, str]:
    """``api://crm-service/customer`` → ``("api", "crm-service/customer")``; options
    (``?version=...``) are dropped.

    Raises:
        ValueError: not ``type://code``.
    """
    tool_type, sep, code = uri.partition("://")
    code = code.split("?", 1)[0]
    if not sep or not tool_type or not code:
        raise ValueError(f"'{uri}' is not a tool URI such as api://crm-service/customer")
    return tool_type, code


def _tenant_key(tenant: str | None) -> str:
    if tenant is not None and not tenant.strip():
        raise ValueError("a tenant is a non-empty name (None means every tenant)")
    return tenant or ""


def _default_order(version: str) -> tuple[int, Any]:
    key = version_key(version)
    return key[3], key


# Global rows are visible to a tenant unless the tenant has its own (type, code).
_VISIBLE = ("({t}.tenant = :tenant OR ({t}.tenant = '' AND NOT EXISTS (SELECT 1 FROM defaults o"
            " WHERE o.tenant = :tenant AND o.type = {t}.type AND o.code = {t}.code)))")


class Registry:
    """The tool registry on an embedded SQLite database, or on PostgreSQL.

    Args:
        path: the database file (e.g. ``.fdl/registry.db``), a folder (``registry.db``
            inside it), ``":memory:"`` (the default) for a registry in memory, or a
            ``postgresql://user@host/db[?schema=NAME]`` URL (`_pgstore`) for a registry
            shared by several processes.
        readers: on a file, the idle read-only connections kept for threads reading at
            once (`_store.READERS`; 0: every read shares the writer connection, one at a
            time). Ignored in memory and on PostgreSQL (one connection).

    Raises:
        RegistryError: the database cannot be opened (see `_store.Database`).
    """

    def __init__(self, path: str | Path = ":memory:", *, readers: int = READERS) -> None:
        self.db: Backend
        self._where: Path | str
        if isinstance(path, str) and is_pg_url(path):
            self.db = pg = PgRegistryDatabase(path)
            self._where = pg.path
        else:
            self.db = sqlite = Database(path, readers=readers)
            self._where = sqlite.path

    @property
    def path(self) -> Path | str:
        """The SQLite file, or the PostgreSQL database as messages show it (no password)."""
        return self._where

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Registry({str(self._where)!r})"

    def close(self) -> None:
        """Close the database; closing twice is harmless."""
        self.db.close()

    # ----------------------------------------------------------------- registering

    def register(self, spec: ToolSpec, *, tenant: str | None = None,
                 source: str | None = None) -> Registration:
        """Register one version of a tool (validated first).

        Args:
            tenant: the owning tenant (default: the spec's ``tenant``; None: every tenant).
            source: where the spec came from (a file path), kept with the version.

        Raises:
            ToolSpecError: the spec is not valid (every problem, by field).
            VersionConflictError: this version is registered with different content.
        """
        return self.register_many([spec], tenant=tenant, source=source)[0]

    def register_many(self, specs: Iterable[ToolSpec], *, tenant: str | None = None,
                      source: str | None = None) -> list[Registration]:
        """Register several specs in one transaction: all of them, or none when one is not
        valid or conflicts."""
        with gc_paused():
            checked = [self._prepare(spec, tenant) for spec in specs]
            now = time.time()
            with self.db.write() as conn:
                return self._insert_many(conn, checked, source, now)

    @staticmethod
    def _prepare(spec: ToolSpec, tenant: str | None) -> ToolSpec:
        if tenant is not None:
            _tenant_key(tenant)
            if spec.tenant is not None and spec.tenant != tenant:
                raise ToolSpecError([SpecProblem(
                    "tenant", f"the spec belongs to tenant '{spec.tenant}', not '{tenant}'")])
            spec = spec.with_tenant(tenant)
        return spec.check()

    def _insert_many(self, conn: Conn, specs: Sequence[ToolSpec],
                     source: str | None, now: float) -> builtins.list[Registration]:
        """`_insert` for a batch, with the same outcome: the specs of tools the registry
        does not know yet, each the only version of its tool in the batch (the common
        case: a first import), are new rows with nothing to compare, so they are written
        with one ``executemany`` per table (their ids are the ones `_insert` would give:
        after the highest). The others go through `_insert`, in batch order."""
        keys = [(spec.tenant or "", spec.type, spec.code) for spec in specs]
        counts = Counter(keys)
        single = [key for key, n in counts.items() if n == 1]
        known: set[tuple[str, str, str]] = set()
        for start in range(0, len(single), _KEYS_PER_QUERY):
            chunk = single[start:start + _KEYS_PER_QUERY]
            known.update(conn.execute(
                f"SELECT d.tenant, d.type, d.code FROM (VALUES "
                f"{', '.join(['(?, ?, ?)'] * len(chunk))}) AS b JOIN defaults d ON "
                "d.tenant = b.column1 AND d.type = b.column2 AND d.code = b.column3",
                [part for key in chunk for part in key]).fetchall())
        (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM tools").fetchone()
        done: builtins.list[Registration | None] = [None] * len(specs)
        tools: builtins.list[tuple[Any, ...]] = []
        tags: builtins.list[tuple[str, int]] = []
        defaults: builtins.list[tuple[str, str, str, int]] = []
        search: builtins.list[tuple[Any, ...]] = []
        for i, (spec, key) in enumerate(zip(specs, keys, strict=True)):
            if counts[key] != 1 or key in known:
                continue
            last += 1
            text, digest = spec.stored()
            tools.append((last, *key, spec.version, spec.category, text, digest, source, now))
            tags.extend((tag, last) for tag in spec.tags)
            defaults.append((*key, last))
            search.append((last, *index_row(spec)))
            done[i] = Registration(spec, "added")
        conn.executemany("INSERT INTO tools (id, tenant, type, code, version, category, spec, "
                         "digest, source, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         tools)
        conn.executemany("INSERT INTO tags (tag, tool_id) VALUES (?, ?)", tags)
        conn.executemany("INSERT INTO defaults (tenant, type, code, tool_id) VALUES "
                         "(?, ?, ?, ?)", defaults)
        conn.executemany("INSERT INTO search (rowid, code, name, desp, tags, args) "
                         "VALUES (?, ?, ?, ?, ?, ?)", search)
        return [registration if registration is not None
                else self._insert(conn, spec, source, now, replace_own=False)
                for spec, registration in zip(specs, done, strict=True)]

    def _insert(self, conn: Conn, spec: ToolSpec, source: str | None,
                now: float, *, replace_own: bool) -> Registration:
        tenant = spec.tenant or ""
        text, digest = spec.stored()
        key = (tenant, spec.type, spec.code, spec.version)
        row = conn.execute("SELECT id, digest, source FROM tools WHERE tenant = ? AND type = ? "
                           "AND code = ? AND version = ?", key).fetchone()
        if row is not None:
            tool_id, old_digest, old_source = row
            if old_digest == digest:
                return Registration(spec, "unchanged")
            if not (replace_own and source is not None and old_source == source):
                owner = f" for tenant '{spec.tenant}'" if spec.tenant else ""
                raise VersionConflictError(
                    f"{spec.uri} version {spec.version} is registered already{owner} with "
                    f"different content; give the changed spec a new version (e.g. "
                    f"{_next_patch(spec.version)})")
            conn.execute("UPDATE tools SET category = ?, spec = ?, digest = ?, "
                         "registered_at = ? WHERE id = ?",
                         (spec.category, text, digest, now, tool_id))
            conn.execute("DELETE FROM tags WHERE tool_id = ?", (tool_id,))
            status: Status = "replaced"
        else:
            (tool_id,) = conn.execute(
                "INSERT INTO tools (id, tenant, type, code, version, category, spec, digest, "
                "source, registered_at) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM tools), "
                "?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (*key, spec.category, text, digest, source, now)).fetchone()
            status = "added"
        conn.executemany("INSERT INTO tags (tag, tool_id) VALUES (?, ?)",
                         [(tag, tool_id) for tag in spec.tags])
        current = conn.execute("SELECT d.tool_id, d.pinned, t.version FROM defaults d JOIN "
                               "tools t ON t.id = d.tool_id WHERE d.tenant = ? AND d.type = ? "
                               "AND d.code = ?", key[:3]).fetchone()
        if current is None:
            conn.execute("INSERT INTO defaults (tenant, type, code, tool_id) VALUES (?, ?, ?, ?)",
                         (*key[:3], tool_id))
            self._index(conn, tool_id, spec)
        elif current[0] == tool_id:
            conn.execute("DELETE FROM search WHERE rowid = ?", (tool_id,))
            self._index(conn, tool_id, spec)
        elif not current[1] and _default_order(spec.version) > _default_order(current[2]):
            conn.execute("UPDATE defaults SET tool_id = ? WHERE tenant = ? AND type = ? AND "
                         "code = ?", (tool_id, *key[:3]))
            conn.execute("DELETE FROM search WHERE rowid = ?", (current[0],))
            self._index(conn, tool_id, spec)
        return Registration(spec, status)

    @staticmethod
    def _index(conn: Conn, tool_id: int, spec: ToolSpec) -> None:
        conn.execute("INSERT INTO search (rowid, code, name, desp, tags, args) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (tool_id, *index_row(spec)))

    def _refresh(self, conn: Conn, tenant: str, tool_type: str, code: str
                 ) -> None:
        """Recompute the default version of one tool after versions were removed."""
        rows = conn.execute("SELECT id, version FROM tools WHERE tenant = ? AND type = ? AND "
                            "code = ?", (tenant, tool_type, code)).fetchall()
        current = conn.execute("SELECT tool_id, pinned FROM defaults WHERE tenant = ? AND "
                               "type = ? AND code = ?", (tenant, tool_type, code)).fetchone()
        ids = {row[0] for row in rows}
        if current is not None and current[0] in ids:
            return
        if current is not None:
            conn.execute("DELETE FROM search WHERE rowid = ?", (current[0],))
            conn.execute("DELETE FROM defaults WHERE tenant = ? AND type = ? AND code = ?",
                         (tenant, tool_type, code))
        if rows:
            best = max(rows, key=lambda row: _default_order(row[1]))[0]
            conn.execute("INSERT INTO defaults (tenant, type, code, tool_id) VALUES (?, ?, ?, ?)",
                         (tenant, tool_type, code, best))
            self._index(conn, best, self._load(conn, best))

    def _load(self, conn: Conn, tool_id: int) -> ToolSpec:
        (text,) = conn.execute("SELECT spec FROM tools WHERE id = ?", (tool_id,)).fetchone()
        return self._spec(text)

    def _spec(self, text: str) -> ToolSpec:
        try:
            return ToolSpec.model_validate_json(text)
        except ValidationError as exc:
            raise RegistryError(f"a tool in the registry {self._where} cannot be read "
                                f"({exc.errors()[0]['msg']}); register it again") from None

    # ----------------------------------------------------------------- versions

    def set_default(self, tool_type: str, code: str, version: str | None, *,
                    tenant: str | None = None) -> None:
        """Pin ``version`` as the default of a tool (of exactly ``tenant``), or with
        ``version=None`` go back to the highest version.

        Raises:
            KeyError: the tool or the version is not registered.
        """
        key = (_tenant_key(tenant), tool_type, code)
        with self.db.write() as conn:
            current = conn.execute("SELECT tool_id FROM defaults WHERE tenant = ? AND type = ? "
                                   "AND code = ?", key).fetchone()
            if current is None:
                raise KeyError(f"{tool_type}://{code} is not registered"
                               + (f" for tenant '{tenant}'" if tenant else ""))
            if version is None:
                conn.execute("DELETE FROM search WHERE rowid = ?", (current[0],))
                conn.execute("DELETE FROM defaults WHERE tenant = ? AND type = ? AND code = ?",
                             key)
                self._refresh(conn, *key)
                return
            row = conn.execute("SELECT id FROM tools WHERE tenant = ? AND type = ? AND code = ? "
                               "AND version = ?", (*key, version)).fetchone()
            if row is None:
                known = ", ".join(v.version for v in self._versions(conn, *key))
                raise KeyError(f"{tool_type}://{code} has no version {version} (registered: "
                               f"{known})")
            conn.execute("UPDATE defaults SET tool_id = ?, pinned = 1 WHERE tenant = ? AND "
                         "type = ? AND code = ?", (row[0], *key))
            if row[0] != current[0]:
                conn.execute("DELETE FROM search WHERE rowid = ?", (current[0],))
                self._index(conn, row[0], self._load(conn, row[0]))

    def versions(self, tool_type: str, code: str, *, tenant: str | None = None
                 ) -> builtins.list[VersionInfo]:
        """Every registered version of a tool visible to ``tenant``, oldest (lowest) first;
        ``[]`` when it is unknown."""
        with self.db.read() as conn:
            owner = self._owner(conn, tenant, tool_type, code)
            return [] if owner is None else self._versions(conn, owner, tool_type, code)

    def _versions(self, conn: Conn, tenant: str, tool_type: str, code: str
                  ) -> builtins.list[VersionInfo]:
        rows = conn.execute(
            "SELECT t.version, t.registered_at, d.tool_id = t.id, coalesce(d.pinned, 0), "
            "t.digest, t.source FROM tools t LEFT JOIN defaults d ON d.tenant = t.tenant AND "
            "d.type = t.type AND d.code = t.code WHERE t.tenant = ? AND t.type = ? AND "
            "t.code = ?", (tenant, tool_type, code)).fetchall()
        infos = [VersionInfo(r[0], r[1], bool(r[2]), bool(r[2] and r[3]), r[4], r[5])
                 for r in rows]
        return sorted(infos, key=lambda info: version_key(info.version))

    def default_version(self, tool_type: str, code: str, *, tenant: str | None = None
                        ) -> str | None:
        """The default version of a tool visible to ``tenant``, or None."""
        return next((v.version for v in self.versions(tool_type, code, tenant=tenant)
                     if v.default), None)

    @staticmethod
    def _owner(conn: Conn, tenant: str | None, tool_type: str, code: str
               ) -> str | None:
        """Whose tool ``tenant`` sees under (type, code): its own, else the global one."""
        for owner in ([_tenant_key(tenant)] if tenant is None else [tenant, ""]):
            if conn.execute("SELECT 1 FROM defaults WHERE tenant = ? AND type = ? AND code = ?",
                            (owner, tool_type, code)).fetchone():
                return owner
        return None

    # ----------------------------------------------------------------- reading

    def get(self, tool_type: str, code: str, version: str | None = None, *,
            tenant: str | None = None) -> ToolSpec | None:
        """A tool visible to ``tenant``: its default version, or ``version``; None when
        unknown."""
        with self.db.read() as conn:
            owner = self._owner(conn, tenant, tool_type, code)
            if owner is None:
                return None
            if version is None:
                row = conn.execute("SELECT t.spec FROM defaults d JOIN tools t ON "
                                   "t.id = d.tool_id WHERE d.tenant = ? AND d.type = ? AND "
                                   "d.code = ?", (owner, tool_type, code)).fetchone()
            else:
                row = conn.execute("SELECT spec FROM tools WHERE tenant = ? AND type = ? AND "
                                   "code = ? AND version = ?",
                                   (owner, tool_type, code, version)).fetchone()
        return None if row is None else self._spec(row[0])

    def list(self, *, tenant: str | None = None, type: str | None = None,
             tag: str | None = None, category: str | None = None) -> builtins.list[ToolSpec]:
        """The default version of every tool visible to ``tenant``, by type and code."""
        where, params = self._filters("t", tenant, type, tag, category)
        sql = (f"SELECT t.spec FROM defaults d JOIN tools t ON t.id = d.tool_id WHERE {where} "
               "ORDER BY t.type, t.code")
        with self.db.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [self._spec(text) for (text,) in rows]

    def list_summaries(self, *, tenant: str | None = None, type: str | None = None,
                       tag: str | None = None, category: str | None = None
                       ) -> builtins.list[ToolSummary]:
        """`list`'s tools, in its order, as summaries taken from the stored specs by the
        database, without validating them (see `_summary`)."""
        where, params = self._filters("t", tenant, type, tag, category)
        sql = (f"SELECT t.type, t.code, {', '.join(SUMMARY_COLUMNS)} FROM defaults d JOIN "
               f"tools t ON t.id = d.tool_id WHERE {where} ORDER BY t.type, t.code")
        with self.db.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [summary_of(row) for row in rows]

    @staticmethod
    def _filters(alias: str, tenant: str | None, tool_type: str | None, tag: str | None,
                 category: str | None) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"tenant": _tenant_key(tenant)}
        where = [_VISIBLE.format(t=alias)]
        if tool_type is not None:
            where.append(f"{alias}.type = :type")
            params["type"] = tool_type
        if category is not None:
            where.append(f"{alias}.category = :category")
            params["category"] = category
        if tag is not None:
            where.append(f"EXISTS (SELECT 1 FROM tags g WHERE g.tag = :tag AND "
                         f"g.tool_id = {alias}.id)")
            params["tag"] = tag
        return " AND ".join(where), params

    def search(self, query: str, *, tenant: str | None = None, type: str | None = None,
               tag: str | None = None, category: str | None = None, limit: int = 20
               ) -> builtins.list[SearchHit]:
        """Tools (default versions) whose code, name, description, tags or argument names
        match the words of ``query``, best first (bm25). Any text is accepted: it is
        never read as FTS5 syntax (see `_search.fts_query`)."""
        rows = self._search_rows(query, tenant, type, tag, category, limit)
        return [SearchHit(self._spec(text), -rank) for rank, text in rows]

    def search_summaries(self, query: str, *, tenant: str | None = None,
                         type: str | None = None, tag: str | None = None,
                         category: str | None = None, limit: int = 20
                         ) -> builtins.list[ToolSummary]:
        """`search`'s tools, in its order, as summaries (type, code, version, description,
        tags, score) read from the stored specs as JSON, without validating them again
        (for a page of results; see `_summary`)."""
        rows = self._search_rows(query, tenant, type, tag, category, limit)
        return [parse_summary(text, -rank) for rank, text in rows]

    def _search_rows(self, query: str, tenant: str | None, type: str | None,
                     tag: str | None, category: str | None, limit: int
                     ) -> builtins.list[tuple[float, str]]:
        """``(rank, stored spec)`` of `search`'s tools, best (lowest rank) first."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        dialect = self.db.dialect
        match = dialect.query(query)
        if match is None:
            return []
        where, params = self._filters("t", tenant, type, tag, category)
        params["match"] = match
        with self.db.read() as conn:
            rows = None
            if type is None and tag is None and category is None:
                rows = self._search_top(conn, dialect, where, params, limit)
            if rows is None:
                params["limit"] = limit
                rows = conn.execute(
                    f"SELECT {dialect.rank} AS rank, t.spec FROM search JOIN tools t ON "
                    f"t.id = search.rowid WHERE {dialect.match} AND {where} "
                    "ORDER BY rank, t.type, t.code LIMIT :limit", params).fetchall()
        return [(rank, text) for rank, text in rows]

    def search_count(self, query: str, *, tenant: str | None = None,
                     type: str | None = None, tag: str | None = None,
                     category: str | None = None) -> int:
        """How many tools `search` would find for ``query`` without a limit (no spec is
        read: for the ``total`` of a page of results)."""
        dialect = self.db.dialect
        match = dialect.query(query)
        if match is None:
            return 0
        where, params = self._filters("t", tenant, type, tag, category)
        params["match"] = match
        with self.db.read() as conn:
            (count,) = conn.execute(
                f"SELECT COUNT(*) FROM search JOIN tools t ON t.id = search.rowid WHERE "
                f"{dialect.match} AND {where}", params).fetchone()
        return int(count)

    @staticmethod
    def _search_top(conn: Conn, dialect: Dialect, where: str, params: dict[str, Any],
                    limit: int) -> builtins.list[tuple[float, str]] | None:
        """`_search_rows` from the best-ranked matches only, or None when they do not
        settle it.

        Ranking every match (bm25) is the floor of a search; looking up the tool of every
        match, to see whether the tenant sees it, adds about half as much again. So the
        best ``2 * limit + 32`` matches are ranked first and only those are looked up. That is
        the answer when ``limit`` of them are visible and the ``limit``-th of those ranks
        strictly better than the last one ranked (no match left out can tie with it), or
        when they are all the matches; otherwise the caller ranks every match (when many
        matches belong to other tenants, or many tie).
        """
        k = 2 * limit + 32
        rows = conn.execute(
            f"SELECT r.rank, t.type, t.code, CASE WHEN {where} THEN t.spec END FROM (SELECT "
            f"rowid AS id, {dialect.rank} AS rank FROM search WHERE {dialect.match} ORDER BY rank "
            "LIMIT :k) AS r LEFT JOIN tools t ON t.id = r.id", {**params, "k": k}).fetchall()
        hits = sorted((row for row in rows if row[3] is not None), key=lambda row: row[:3])
        if len(rows) == k and (len(hits) < limit
                               or hits[limit - 1][0] >= max(row[0] for row in rows)):
            return None
        return [(row[0], row[3]) for row in hits[:limit]]

    def data_version(self) -> int:
        """A number that changes whenever another connection (another process: ``fdl tools``
        while ``fdl serve`` runs) commits to the registry file; writes through this object
        do not change it. With a generation of one's own writes, it tells a cache of search
        results when to forget them (SQLite's ``PRAGMA data_version``;
        on PostgreSQL a counter of the registry's write transactions)."""
        return self.db.data_version()

    def summaries(self, *, tenant: str | None = None
                  ) -> builtins.list[tuple[str, str, str | None]]:
        """``(type, code, description)`` of the default version of every tool visible to
        ``tenant``, by type and code, without reading the specs (for listings such as an
        editor's completion; `list` reads and checks every spec). The description is the
        spec's ``desp``, else its ``name``, as in its signature."""
        where, params = self._filters("t", tenant, None, None, None)
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT t.type, t.code, json_extract(t.spec, '$.desp'), json_extract(t.spec, "
                f"'$.name') FROM defaults d JOIN tools t ON t.id = d.tool_id WHERE {where} "
                "ORDER BY t.type, t.code", params).fetchall()
        return [(tool_type, code, desp or name or None) for tool_type, code, desp, name in rows]

    def codes(self, tool_type: str, *, tenant: str | None = None) -> builtins.list[str]:
        """The codes of the tools of one type visible to ``tenant``."""
        where, params = self._filters("d", tenant, tool_type, None, None)
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT d.code FROM defaults d WHERE {where} ORDER BY d.code",
                                params).fetchall()
        return [code for (code,) in rows]

    def types(self, *, tenant: str | None = None) -> set[str]:
        """The tool types that have tools visible to ``tenant``."""
        with self.db.read() as conn:
            rows = conn.execute("SELECT DISTINCT type FROM defaults WHERE tenant IN ('', ?)",
                                (_tenant_key(tenant),)).fetchall()
        return {t for (t,) in rows}

    def tags(self, *, tenant: str | None = None) -> dict[str, int]:
        """Every tag of the visible tools (default versions) with how many tools carry it."""
        return self._counts("SELECT g.tag, count(*) FROM defaults d JOIN tools t ON "
                            "t.id = d.tool_id JOIN tags g ON g.tool_id = t.id WHERE {where} "
                            "GROUP BY g.tag ORDER BY g.tag", tenant)

    def categories(self, *, tenant: str | None = None) -> dict[str, int]:
        """Every category of the visible tools with how many tools are in it."""
        return self._counts("SELECT t.category, count(*) FROM defaults d JOIN tools t ON "
                            "t.id = d.tool_id WHERE {where} AND t.category IS NOT NULL "
                            "GROUP BY t.category ORDER BY t.category", tenant)

    def _counts(self, sql: str, tenant: str | None) -> dict[str, int]:
        where, params = self._filters("t", tenant, None, None, None)
        with self.db.read() as conn:
            return dict(conn.execute(sql.format(where=where), params).fetchall())

    # ----------------------------------------------------------------- removing

    def remove(self, tool_type: str, code: str, version: str | None = None, *,
               tenant: str | None = None) -> int:
        """Remove one version of a tool of exactly ``tenant`` (or all its versions); the
        default moves to the highest remaining version. Returns how many were removed."""
        key = (_tenant_key(tenant), tool_type, code)
        with self.db.write() as conn:
            return self._remove(conn, key, version)

    def _remove(self, conn: Conn, key: tuple[str, str, str],
                version: str | None) -> int:
        sql = "SELECT id FROM tools WHERE tenant = ? AND type = ? AND code = ?"
        params: Sequence[str] = key
        if version is not None:
            sql += " AND version = ?"
            params = (*key, version)
        ids = [tool_id for (tool_id,) in conn.execute(sql, params).fetchall()]
        for tool_id in ids:
            conn.execute("DELETE FROM tags WHERE tool_id = ?", (tool_id,))
            conn.execute("DELETE FROM tools WHERE id = ?", (tool_id,))
        if ids:
            self._refresh(conn, *key)
        return len(ids)

    # ----------------------------------------------------------------- statistics

    def record_calls(self, events: Iterable[Mapping[str, Any]], *,
                     tenant: str | None = None) -> int:
        """Count the tool calls of a run's events (``RunResult.events``) into the call
        statistics of ``tenant`` (the run's tenant; None: runs without one).

        Idempotent per run: events of a run id (and ``seq``) already recorded are not
        counted again, so recording a run twice, or a resumed run's events, is exact.
        The rules are in `_stats`. Returns how many calls were added.
        """
        key = _tenant_key(tenant)
        with self.db.write() as conn:
            return record_calls(conn, events, key)

    def call_tally(self, run_id: str, *, tenant: str | None = None) -> Tally:
        """A `Tally` for counting the events of run ``run_id`` as they come (``on_event``),
        so that a long run's events need not be kept; `record_tally` then records it like
        `record_calls` would record the same events (once per run: the events of ``run_id``
        counted before are skipped)."""
        with self.db.read() as conn:
            after = recorded_after(conn, [run_id])
        return Tally(_tenant_key(tenant) or None, after)

    def record_tally(self, tally: Tally, *, tenant: str | None = None) -> int:
        """Record what ``tally`` (from `call_tally`, same ``tenant``) counted; returns how
        many calls were added."""
        key = _tenant_key(tenant)
        with self.db.write() as conn:
            return record_runs(conn, tally.runs, tally.after, key)

    def call_stats(self, type: str | None = None, code: str | None = None, *,
                   tenant: str | None = None) -> builtins.list[CallStats]:
        """The call statistics of ``tenant`` (exactly: a tenant's runs, or with None the
        runs without a tenant) for one tool, ordered by code.

        ``code`` is matched exactly, except that a ``db`` table (``shop.order``) gives one
        entry per operation (``shop.order/list``, ``shop.order/take``). Without ``code``
        every tool of ``type``, without ``type`` every tool. ``[]`` when nothing was
        recorded.
        """
        key = _tenant_key(tenant)
        with self.db.read() as conn:
            return read_calls(conn, key, type, code)

    # ----------------------------------------------------------------- folders

    def sync_folder(self, folder: str | Path, *, tenant: str | None = None) -> SyncReport:
        """Register every ToolSpec file (``*.yaml``, ``*.yml``, ``*.json``) under
        ``folder`` (see `_sync.sync_folder`); cheap when nothing changed."""

        def register(conn: Conn, spec: ToolSpec, source: str, now: float
                     ) -> Registration:
            return self._insert(conn, self._prepare(spec, tenant), source, now,
                                replace_own=True)

        return sync_folder(self.db, Path(folder), tenant, register, self._remove)


def _next_patch(version: str) -> str:
    major, minor, patch = version_key(version)[:3]
    return f"{major}.{minor}.{patch + 1}"
