"""Placeholder: filled in by the stdlib work."""

from __future__ import annotations

from collections.abc import Mapping

from ._registry import Builtin, table

__all__ = ["ARRAY_METHODS"]

ARRAY_METHODS: Mapping[str, Builtin] = table()
