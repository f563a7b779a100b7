"""How ``db://`` classifies SQLAlchemy's errors (stdlib/tools/_sqlconn.py `Failure`): the
driver exceptions are the real classes of sqlite3, psycopg and PyMySQL, wrapped the way
SQLAlchemy wraps them."""

from __future__ import annotations

import sqlite3

import psycopg
import pymysql  # type: ignore[import-untyped]
import pytest
from sqlalchemy import exc

from stdlib.tools.db import DbTools, TableSpec


def _error_of(driver_error: Exception, wrapper: type[exc.DBAPIError] = exc.OperationalError,
              invalidated: bool = False) -> exc.DBAPIError:
    return wrapper("SELECT 1", {}, driver_error, connection_invalidated=invalidated)


def _mapped(error: BaseException) -> tuple[str, str, bool]:
    tools = DbTools({"shop": "sqlite:///:memory:"}, [TableSpec("shop.t", None)])
    tool = tools.resolve("db://shop.t/list")
    assert tool is not None
    mapped = tool.error(error)
    return mapped.code, mapped.type, mapped.retryable


@pytest.mark.parametrize("driver_error", [
    pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"),
    pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"),
    psycopg.errors.DeadlockDetected("deadlock detected"),
    psycopg.errors.LockNotAvailable("could not obtain lock"),
    sqlite3.OperationalError("database is locked"),
])
def test_deadlocks_and_lock_timeouts_are_retryable(driver_error: Exception) -> None:
    assert _mapped(_error_of(driver_error)) == ("DB500", "tool", True)


def test_a_lost_connection_is_a_retryable_connection_error() -> None:
    lost = _error_of(psycopg.OperationalError("server closed the connection"),
                     invalidated=True)
    assert _mapped(lost) == ("DB503", "connection", True)
    gone = _error_of(pymysql.err.OperationalError(2013, "Lost connection to server"))
    assert _mapped(gone) == ("DB503", "connection", True)


def test_constraints_missing_tables_and_the_rest() -> None:
    duplicate = _error_of(sqlite3.IntegrityError("UNIQUE constraint failed"),
                          exc.IntegrityError)
    assert _mapped(duplicate) == ("DB409", "tool", False)
    null = _error_of(pymysql.err.OperationalError(1364, "Field 'x' doesn't have a default"))
    assert _mapped(null) == ("DB409", "tool", False)
    missing = _error_of(psycopg.errors.UndefinedTable("relation does not exist"),
                        exc.ProgrammingError)
    assert _mapped(missing)[0] == "DB404"
    other = _error_of(psycopg.errors.SyntaxError("syntax error"), exc.ProgrammingError)
    assert _mapped(other) == ("DB500", "tool", False)
