"""What is particular to the stores on PostgreSQL (`runtime.store.PgStore`, `stdlib.pgdb`):
URLs, the schema of our own and its version, concurrent first use, a lost connection, and
errors that name the database but never its password. The behaviour shared with SQLite is
tested by the parametrized suites (test_store.py, test_lease.py, the registry's)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from runtime.store import PgStore, RunRecord, StoreError, open_store, store_file
from stdlib.pgdb import is_pg_url, parse_pg_url, shown_spec, sqlite_style
from stdlib.registry import Registry, RegistryError
from tests._postgres import SERVER, fresh_schema

PASSWORD = "Hunter2-not-shown"


@pytest.fixture
def url() -> Iterator[str]:
    with fresh_schema() as made:
        yield made


def with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    login, host = rest.split("@", 1)
    return f"{scheme}://{login}:{PASSWORD}@{host}"


def record(run_id: str) -> RunRecord:
    return RunRecord(run_id, "f", "", "flow: f", {}, {}, "running", 1.0, 1.0)


def test_urls_are_read_and_shown_without_the_password() -> None:
    parsed = parse_pg_url(f"postgres://bob:{PASSWORD}@db.example:6543/runs?sslmode=require"
                          "&schema=team_a")
    assert parsed.schema == "team_a"
    assert parsed.shown == "postgresql://bob@db.example:6543/runs?schema=team_a"
    assert "schema" not in parsed.conninfo and "sslmode=require" in parsed.conninfo
    assert parsed.scrub(f"login {PASSWORD} refused") == "login *** refused"
    assert parse_pg_url("postgresql://localhost/db").schema == "fdl"
    assert is_pg_url("postgresql://h/d") and is_pg_url(" POSTGRES://h/d")
    assert not is_pg_url("sqlite:///runs.db") and not is_pg_url("runs.db")
    assert PASSWORD not in shown_spec(f"postgresql://bob:{PASSWORD}@h/d")
    assert shown_spec(".fdl/runs.db") == ".fdl/runs.db"
    with pytest.raises(ValueError, match="plain name"):
        parse_pg_url("postgresql://h/d?schema=Robert'); DROP")
    with pytest.raises(StoreError, match="not a file"):
        store_file("postgresql://h/d")


def test_sqlite_style_statements_become_psycopg_ones(url: str) -> None:
    with psycopg.connect(parse_pg_url(url).conninfo, autocommit=True) as conn:
        converted = sqlite_style(conn)
        first = converted.execute("SELECT ?::text, '?', ':x', '50%', 5 % 3", ("a",)).fetchone()
        assert first == ("a", "?", ":x", "50%", 2)
        second = converted.execute("SELECT :name::text || :name, 1", {"name": "n"}).fetchone()
        assert second == ("nn", 1)


def test_a_password_never_appears_in_store_errors() -> None:
    dead = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test?schema=nowhere"
    for opening in (lambda: open_store(dead), lambda: Registry(dead)):
        with pytest.raises((StoreError, RegistryError)) as info:
            opening()
        message = str(info.value)
        assert PASSWORD not in message
        assert "postgresql://postgres@127.0.0.1:1/test?schema=nowhere" in message
        assert "check that PostgreSQL runs there" in message


def test_errors_of_a_working_store_name_the_database_without_the_password(url: str) -> None:
    with PgStore(with_password(url)) as store:
        assert PASSWORD not in repr(store)
        store.create(record("r1"))
        with psycopg.connect(parse_pg_url(url).conninfo, autocommit=True) as admin:
            admin.execute(f"DROP TABLE {parse_pg_url(url).schema}.events")
        with pytest.raises(StoreError) as info:
            store.events("r1")
    assert PASSWORD not in str(info.value)
    assert parse_pg_url(url).shown in str(info.value)
    assert "does not exist" in str(info.value)


def test_tables_of_a_newer_version_are_refused(url: str) -> None:
    PgStore(url).close()
    schema = parse_pg_url(url).schema
    with psycopg.connect(parse_pg_url(url).conninfo, autocommit=True) as admin:
        admin.execute(f"UPDATE {schema}.fdl_schema SET version = 99 WHERE component = 'runs'")
    with pytest.raises(StoreError, match=r"newer version of fdl \(schema 99"):
        PgStore(url)
    Registry(url).close()  # the registry's tables have a version of their own


def test_many_processes_opening_a_new_schema_at_once_create_it_once(url: str) -> None:
    count = 6
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def open_one(i: int) -> None:
        try:
            barrier.wait()
            with PgStore(url) as store:
                store.create(record(f"r{i}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with PgStore(url) as store:
        assert sorted(r.run_id for r in store.list()) == [f"r{i}" for i in range(count)]


def test_a_lost_connection_is_opened_again(url: str) -> None:
    with PgStore(url) as store:
        store.create(record("r1"))
        backend = store._db._conn.info.backend_pid  # type: ignore[union-attr]
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        # A read meets the cut connection, connects again and is retried.
        got = store.get("r1")
        assert got is not None and got.run_id == "r1"
        backend = store._db._conn.info.backend_pid  # type: ignore[union-attr]
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        # A write that may not run twice fails with a StoreError (not a raw psycopg
        # error); the next call works on a new connection.
        with pytest.raises(StoreError, match=r"terminat|closed|connection"):
            store.append("r1", [{"k": 1}], [])
        store.append("r1", [{"k": 2}], [])
        assert store.journal("r1") == [{"k": 2}]


def test_two_stores_on_one_schema_share_runs(url: str) -> None:
    with PgStore(url) as first, PgStore(url) as second:
        first.create(record("r1"))
        first.append("r1", [{"k": 1}], [{"type": "x"}])
        second.append("r1", [{"k": 2}], [])
        assert first.journal("r1") == [{"k": 1}, {"k": 2}]
        assert second.request_cancel("r1") and first.cancel_requested("r1")


def test_commits_do_not_wait_for_the_flush_unless_the_url_asks(url: str) -> None:
    with PgStore(url) as store, store._db.read() as conn:
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("off",)
    asked = f"{url}&options=-csynchronous_commit%3Don"
    with PgStore(asked) as store, store._db.read() as conn:
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
    with Registry(url) as registry, registry.db.read() as regconn:  # the registry waits
        assert regconn.execute("SHOW synchronous_commit").fetchone() == ("on",)


def test_a_schema_with_another_programs_tables_is_refused(url: str) -> None:
    parsed = parse_pg_url(url)
    with psycopg.connect(parsed.conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {parsed.schema}")
        admin.execute(f"CREATE TABLE {parsed.schema}.runs (id INTEGER)")
        admin.execute(f"CREATE TABLE {parsed.schema}.tools (id INTEGER)")
    with pytest.raises(StoreError, match=r"table 'runs' that is not the run store's .*"
                                         r"schema of its own"):
        PgStore(url)
    with pytest.raises(RegistryError, match=r"table 'tools' that is not the registry's"):
        Registry(url)
