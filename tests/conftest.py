"""Shared test configuration: a deterministic hypothesis profile for CI, and a temporary
parser cache for the whole session (never the user's ``~/.cache``)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

from grammar import CACHE_DIR_ENV

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.load_profile("default")

_SAVED = pytest.StashKey[tuple[str, str | None]]()


def pytest_configure(config: pytest.Config) -> None:
    """Point the parser cache (grammar.load_parser) at a fresh folder for this session; the
    processes the tests start inherit it. Tests of the cache point it at their own."""
    folder = tempfile.mkdtemp(prefix="fdl-test-cache-")
    config.stash[_SAVED] = (folder, os.environ.get(CACHE_DIR_ENV))
    os.environ[CACHE_DIR_ENV] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SAVED not in config.stash:
        return
    folder, previous = config.stash[_SAVED]
    shutil.rmtree(folder, ignore_errors=True)
    if previous is None:
        os.environ.pop(CACHE_DIR_ENV, None)
    else:
        os.environ[CACHE_DIR_ENV] = previous
