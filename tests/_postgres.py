"""The local PostgreSQL server (/work/shared/services.md) for tests: each test gets a schema
of its own, dropped afterwards, so parallel runs never collide; a test skips with a message
naming PostgreSQL when the server cannot be reached."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

from stdlib.registry import Registry

SERVER = os.environ.get("FDL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
"""The server and database the tests use (trust auth on loopback by default)."""


def _skip_unless_reachable() -> None:
    try:
        with psycopg.connect(SERVER, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL is not reachable at {SERVER}: {str(exc).strip()[:120]}")


def drop_schema(schema: str) -> None:
    """Drop ``schema`` and everything in it (nothing when it does not exist)."""
    with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A ``postgresql://`` URL naming a new schema; the schema is dropped afterwards."""
    _skip_unless_reachable()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    separator = "&" if "?" in SERVER else "?"
    try:
        yield f"{SERVER}{separator}schema={schema}"
    finally:
        drop_schema(schema)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A ``postgresql://`` URL with a schema of this test's own."""
    with fresh_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def new_registry(request: pytest.FixtureRequest) -> Iterator[Callable[[], Registry]]:
    """Makes empty registries: in memory (SQLite), or each in a schema of its own in the
    local PostgreSQL (the schemas are dropped afterwards)."""
    if request.param == "sqlite":
        yield Registry
        return
    _skip_unless_reachable()
    made: list[tuple[Registry, str]] = []

    def make() -> Registry:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        separator = "&" if "?" in SERVER else "?"
        registry = Registry(f"{SERVER}{separator}schema={schema}")
        made.append((registry, schema))
        return registry

    try:
        yield make
    finally:
        for registry, schema in made:
            registry.close()
            drop_schema(schema)
