"""Fixtures of the stdlib tests: registries on SQLite and on the local PostgreSQL."""

from tests._postgres import new_registry, pg_url

__all__ = ["new_registry", "pg_url"]
